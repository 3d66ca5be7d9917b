//! The signed-in session: the tokens, when they expire, and how a refresh merges in.

use super::secret::{AccessToken, IdToken, RefreshToken};
use super::token::TokenSet;
use crate::config::Flow;
use serde::{Deserialize, Serialize};

/// Refresh this long before the access token expires (or at half its life, if that is
/// later: short-lived tokens in an expiry demo must not refresh in a loop).
pub const REFRESH_AHEAD_SECS: i64 = 300;

/// When the access token was issued and when it expires (seconds since the epoch).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenTimes {
    pub iat: i64,
    pub exp: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub id_token: IdToken,
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    pub flow: Flow,
    /// The user (`sub`), which a refresh must not change.
    pub sub: String,
    /// When the access token expires (seconds since the epoch).
    pub expires_at: i64,
    /// When the access token was issued.
    #[serde(default)]
    pub issued_at: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionError {
    /// A refresh answered for another user: sign out (checklist row 15).
    SubjectChanged,
    NoIdToken,
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SessionError::SubjectChanged => "The refreshed tokens belong to another user, so you were signed out. Sign in again.",
            SessionError::NoIdToken => "Cognito returned no ID token: the scopes must include openid.",
        })
    }
}

impl Session {
    /// After a verified sign-in; `sub` and the times come from the verified tokens.
    pub fn new(
        tokens: TokenSet,
        flow: Flow,
        sub: String,
        access: TokenTimes,
    ) -> Result<Session, SessionError> {
        Ok(Session {
            id_token: tokens.id_token.ok_or(SessionError::NoIdToken)?,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            flow,
            sub,
            expires_at: access.exp,
            issued_at: access.iat,
        })
    }

    /// Merge a verified refresh answer: new ID and access tokens, the old refresh token kept
    /// when none comes back, the same user required.
    pub fn refreshed(
        &self,
        tokens: TokenSet,
        sub: &str,
        access: TokenTimes,
    ) -> Result<Session, SessionError> {
        if sub != self.sub {
            return Err(SessionError::SubjectChanged);
        }
        Ok(Session {
            id_token: tokens.id_token.ok_or(SessionError::NoIdToken)?,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token.or_else(|| self.refresh_token.clone()),
            flow: self.flow,
            sub: self.sub.clone(),
            expires_at: access.exp,
            issued_at: access.iat,
        })
    }

    pub fn refresh_due(&self, now: i64) -> bool {
        let lifetime = self.expires_at.saturating_sub(self.issued_at);
        let ahead = if self.issued_at > 0 && lifetime > 0 {
            REFRESH_AHEAD_SECS.min(lifetime / 2)
        } else {
            REFRESH_AHEAD_SECS
        };
        self.refresh_token.is_some() && now >= self.expires_at.saturating_sub(ahead)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Option<Session> {
        if text.len() > 64 * 1024 {
            return None;
        }
        serde_json::from_str(text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(id: &str, refresh: Option<&str>) -> TokenSet {
        TokenSet {
            id_token: Some(IdToken::new(id)),
            access_token: AccessToken::new(format!("{id}-access")),
            refresh_token: refresh.map(RefreshToken::new),
            expires_in: Some(3600),
            token_type: Some("Bearer".into()),
        }
    }

    /// A one-hour access token expiring at `exp`.
    fn times(exp: i64) -> TokenTimes {
        TokenTimes {
            iat: exp - 3600,
            exp,
        }
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life_not_in_a_loop() {
        let mut s = Session::new(
            tokens("id1", Some("r1")),
            Flow::Code,
            "u1".into(),
            TokenTimes {
                iat: 1000,
                exp: 1120,
            },
        )
        .unwrap();
        assert!(!s.refresh_due(1059), "a 2-minute token is not due at once");
        assert!(s.refresh_due(1060));
        s = s
            .refreshed(
                tokens("id2", None),
                "u1",
                TokenTimes {
                    iat: 1060,
                    exp: 1180,
                },
            )
            .unwrap();
        assert!(
            !s.refresh_due(1061),
            "the fresh token is not due again right away"
        );
        // A session saved before issued_at existed falls back to five minutes ahead.
        let old = Session {
            issued_at: 0,
            ..s.clone()
        };
        assert!(old.refresh_due(1180 - 300));
    }

    #[test]
    fn refresh_keeps_the_old_refresh_token_when_none_comes_back() {
        let s = Session::new(
            tokens("id1", Some("r1")),
            Flow::Code,
            "u1".into(),
            times(5000),
        )
        .unwrap();
        let r = s.refreshed(tokens("id2", None), "u1", times(9000)).unwrap();
        assert_eq!(r.id_token, IdToken::new("id2"));
        assert_eq!(r.refresh_token, Some(RefreshToken::new("r1")));
        assert_eq!(r.expires_at, 9000);
        let rotated = s
            .refreshed(tokens("id3", Some("r2")), "u1", times(9000))
            .unwrap();
        assert_eq!(rotated.refresh_token, Some(RefreshToken::new("r2")));
    }

    #[test]
    fn a_refresh_for_another_user_is_refused() {
        let s = Session::new(
            tokens("id1", Some("r1")),
            Flow::Code,
            "u1".into(),
            times(5000),
        )
        .unwrap();
        assert_eq!(
            s.refreshed(tokens("id2", None), "u2", times(9000)),
            Err(SessionError::SubjectChanged)
        );
    }

    #[test]
    fn refresh_is_due_five_minutes_before_expiry_and_only_with_a_refresh_token() {
        let s = Session::new(
            tokens("id1", Some("r1")),
            Flow::Code,
            "u1".into(),
            times(5000),
        )
        .unwrap();
        assert!(!s.refresh_due(5000 - 301));
        assert!(s.refresh_due(5000 - 300));
        let implicit = Session::new(
            tokens("id1", None),
            Flow::Implicit,
            "u1".into(),
            times(5000),
        )
        .unwrap();
        assert!(!implicit.refresh_due(6000));
    }

    #[test]
    fn sessions_round_trip_and_garbage_is_none() {
        let s = Session::new(
            tokens("id1", Some("r1")),
            Flow::Code,
            "u1".into(),
            times(5000),
        )
        .unwrap();
        assert_eq!(Session::from_json(&s.to_json()), Some(s.clone()));
        assert_eq!(Session::from_json("{\"id_token\":5}"), None);
        assert!(
            !format!("{s:?}").contains("id1-access"),
            "Debug is redacted"
        );
    }
}
