//! The signed-in session: the tokens, the configuration they are bound to, and when (on this
//! computer's clock) they expire and are due for a refresh.

use super::secret::{AccessToken, IdToken, RefreshToken};
use crate::config::{Config, Flow};
use crate::json::{self, Map, Value};

/// Refresh this long before the tokens expire (or at half their life, if that is later:
/// short-lived tokens in an expiry demo must not refresh in a loop).
pub const REFRESH_AHEAD_SECS: i64 = 300;

/// The configuration a sign-in started with. A pending sign-in and the session it becomes talk
/// only to these hosts, whatever Settings say later (they apply from the next sign-in).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub auth_domain: String,
    pub issuer: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub logout_uri: String,
    pub api_base_url: String,
    /// The HTTP API (JWT authorizer), if the config named one.
    pub http_api_base_url: Option<String>,
    /// The IAM-guarded API and the identity pool that signs for it, if configured.
    pub iam_api_base_url: Option<String>,
    pub identity_pool_id: Option<String>,
    pub flow: Flow,
}

impl Binding {
    pub fn of(config: &Config) -> Binding {
        Binding {
            auth_domain: config.auth_domain.clone(),
            issuer: config.issuer.clone(),
            client_id: config.client_id.clone(),
            redirect_uri: config.redirect_uri.clone(),
            logout_uri: config.logout_uri.clone(),
            api_base_url: config.api_base_url.clone(),
            http_api_base_url: config.http_api_base_url.clone(),
            iam_api_base_url: config.iam_api_base_url.clone(),
            identity_pool_id: config.identity_pool_id.clone(),
            flow: config.flow,
        }
    }

    pub fn token_endpoint(&self) -> String {
        format!("{}/oauth2/token", self.auth_domain)
    }

    pub fn revoke_endpoint(&self) -> String {
        format!("{}/oauth2/revoke", self.auth_domain)
    }

    pub fn user_info_endpoint(&self) -> String {
        format!("{}/oauth2/userInfo", self.auth_domain)
    }

    pub fn jwks_uri(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer)
    }
    pub fn to_value(&self) -> Value {
        json::build([
            ("auth_domain", json::s(&self.auth_domain)),
            ("issuer", json::s(&self.issuer)),
            ("client_id", json::s(&self.client_id)),
            ("redirect_uri", json::s(&self.redirect_uri)),
            ("logout_uri", json::s(&self.logout_uri)),
            ("api_base_url", json::s(&self.api_base_url)),
            (
                "http_api_base_url",
                self.http_api_base_url
                    .as_deref()
                    .map_or(Value::Null, json::s),
            ),
            (
                "iam_api_base_url",
                self.iam_api_base_url
                    .as_deref()
                    .map_or(Value::Null, json::s),
            ),
            (
                "identity_pool_id",
                self.identity_pool_id
                    .as_deref()
                    .map_or(Value::Null, json::s),
            ),
            ("flow", json::s(self.flow.as_str())),
        ])
    }

    pub fn from_value(map: &Map<String, Value>) -> Result<Binding, String> {
        let flow = json::string(map, "flow")?;
        Ok(Binding {
            auth_domain: json::string(map, "auth_domain")?,
            issuer: json::string(map, "issuer")?,
            client_id: json::string(map, "client_id")?,
            redirect_uri: json::string(map, "redirect_uri")?,
            logout_uri: json::string(map, "logout_uri")?,
            api_base_url: json::string(map, "api_base_url")?,
            // Absent in sessions saved before the HTTP API existed, and when none is configured.
            http_api_base_url: json::opt_string(map, "http_api_base_url")?,
            iam_api_base_url: json::opt_string(map, "iam_api_base_url")?,
            identity_pool_id: json::opt_string(map, "identity_pool_id")?,
            flow: Flow::parse(&flow).ok_or_else(|| format!("unknown flow `{flow}`"))?,
        })
    }
}

/// When a verified pair of tokens was issued and expires, on the issuer's clock (seconds).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenTimes {
    pub iat: i64,
    pub exp: i64,
}

impl TokenTimes {
    pub fn lifetime(&self) -> i64 {
        self.exp.saturating_sub(self.iat).max(0)
    }
    fn to_value(self) -> Value {
        json::build([("iat", self.iat.into()), ("exp", self.exp.into())])
    }

    fn from_value(map: &Map<String, Value>) -> Result<TokenTimes, String> {
        Ok(TokenTimes {
            iat: json::int(map, "iat")?,
            exp: json::int(map, "exp")?,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id_token: IdToken,
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    pub binding: Binding,
    /// The user (`sub`), which a refresh must not change.
    pub sub: String,
    pub id_times: TokenTimes,
    pub access_times: TokenTimes,
    /// The issuer's clock minus this computer's, in seconds, measured when tokens last arrived
    /// (their `iat` against the local time). A wrong local clock is corrected by it.
    pub clock_offset: i64,
    /// This computer's time (ms since the epoch) when the tokens last arrived.
    pub received_at: i64,
    /// The ID token came in an earlier answer than the access token (a refresh brought
    /// none), so its `at_hash` names an earlier access token.
    pub id_token_kept: bool,
}

impl Session {
    /// When the session's tokens expire on this computer's clock (ms): the earlier of the two.
    pub fn expires_at(&self) -> i64 {
        let exp = self.id_times.exp.min(self.access_times.exp);
        exp.saturating_sub(self.clock_offset).saturating_mul(1000)
    }

    /// The shorter lifetime of the two tokens, in seconds.
    pub fn lifetime(&self) -> i64 {
        self.id_times.lifetime().min(self.access_times.lifetime())
    }

    /// When to refresh by itself (local ms): shortly before expiry, and never sooner than half
    /// a lifetime after the tokens arrived, so one token set is refreshed once however the
    /// clocks and the answers look. `None` without a refresh token.
    pub fn refresh_due_at(&self) -> Option<i64> {
        self.refresh_token.as_ref()?;
        let lifetime = self.lifetime();
        let ahead = REFRESH_AHEAD_SECS.min(lifetime / 2);
        let before_expiry = self.expires_at().saturating_sub(ahead.saturating_mul(1000));
        let half_life = self
            .received_at
            .saturating_add(lifetime.saturating_mul(500));
        Some(before_expiry.max(half_life))
    }

    pub fn to_json(&self) -> String {
        json::to_string(&json::build([
            ("id_token", json::s(self.id_token.secret())),
            ("access_token", json::s(self.access_token.secret())),
            (
                "refresh_token",
                json::opt(self.refresh_token.as_ref().map(|r| r.secret())),
            ),
            ("binding", self.binding.to_value()),
            ("sub", json::s(&self.sub)),
            ("id_times", self.id_times.to_value()),
            ("access_times", self.access_times.to_value()),
            ("clock_offset", self.clock_offset.into()),
            ("received_at", self.received_at.into()),
            ("id_token_kept", self.id_token_kept.into()),
        ]))
    }

    pub fn from_json(text: &str) -> Option<Session> {
        if text.len() > 64 * 1024 {
            return None;
        }
        let value = json::parse(text).ok()?;
        let map = json::object(&value).ok()?;
        let read = || -> Result<Session, String> {
            Ok(Session {
                id_token: IdToken::new(json::string(map, "id_token")?),
                access_token: AccessToken::new(json::string(map, "access_token")?),
                refresh_token: json::opt_string(map, "refresh_token")?.map(RefreshToken::new),
                binding: Binding::from_value(json::field(map, "binding")?)?,
                sub: json::string(map, "sub")?,
                id_times: TokenTimes::from_value(json::field(map, "id_times")?)?,
                access_times: TokenTimes::from_value(json::field(map, "access_times")?)?,
                clock_offset: json::int(map, "clock_offset")?,
                received_at: json::int(map, "received_at")?,
                id_token_kept: json::flag(map, "id_token_kept")?,
            })
        };
        read().ok()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn binding() -> Binding {
        Binding {
            auth_domain: "https://dragons.auth.us-east-1.amazoncognito.com".into(),
            issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_POOL".into(),
            client_id: "client1".into(),
            redirect_uri: "https://app.example/".into(),
            logout_uri: "https://app.example/".into(),
            api_base_url: "https://api.example/test".into(),
            http_api_base_url: Some("https://http.example".into()),
            iam_api_base_url: Some("https://api.example/iam".into()),
            identity_pool_id: Some("us-east-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001".into()),
            flow: Flow::Code,
        }
    }

    fn session(iat: i64, exp: i64, offset: i64, received_at: i64) -> Session {
        Session {
            id_token: IdToken::new("id1"),
            access_token: AccessToken::new("access1"),
            refresh_token: Some(RefreshToken::new("r1")),
            binding: binding(),
            sub: "u1".into(),
            id_times: TokenTimes { iat, exp },
            access_times: TokenTimes { iat, exp },
            clock_offset: offset,
            received_at,
            id_token_kept: false,
        }
    }

    #[test]
    fn refresh_is_due_five_minutes_before_expiry_on_the_local_clock() {
        // Tokens issued at 10_000 (issuer clock); this computer is an hour ahead.
        let s = session(10_000, 13_600, -3600, 13_600_000);
        assert_eq!(s.expires_at(), 17_200_000);
        assert_eq!(s.refresh_due_at(), Some(17_200_000 - 300_000));
    }

    #[test]
    fn short_lived_tokens_refresh_at_half_life_not_in_a_loop() {
        let s = session(1000, 1120, 0, 1_000_000);
        assert_eq!(s.refresh_due_at(), Some(1_060_000));
        // An ID token kept from before that expires sooner never makes the new set due at once.
        let mut kept = session(1100, 1220, 0, 1_100_000);
        kept.id_times = TokenTimes {
            iat: 1000,
            exp: 1120,
        };
        assert_eq!(kept.refresh_due_at(), Some(1_100_000 + 60_000));
        let implicit = Session {
            refresh_token: None,
            ..s
        };
        assert_eq!(implicit.refresh_due_at(), None);
    }

    #[test]
    fn sessions_round_trip_and_garbage_is_none() {
        let s = session(1000, 4600, 0, 1_000_000);
        assert_eq!(Session::from_json(&s.to_json()), Some(s.clone()));
        assert_eq!(Session::from_json("{\"id_token\":5}"), None);
        assert_eq!(Session::from_json(&"x".repeat(70_000)), None);
        let shown = format!("{s:?}");
        for secret in ["id1", "access1", "r1"] {
            assert!(!shown.contains(&format!("\"{secret}\"")), "{shown}");
        }
    }

    #[test]
    fn the_binding_names_every_endpoint_of_the_session() {
        let b = binding();
        assert_eq!(
            b.token_endpoint(),
            "https://dragons.auth.us-east-1.amazoncognito.com/oauth2/token"
        );
        assert_eq!(
            b.jwks_uri(),
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_POOL/.well-known/jwks.json"
        );
    }
}
