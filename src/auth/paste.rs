//! "Use a token you already have": an ID or access token from elsewhere (the AWS CLI's
//! `IdToken`, Postman, a colleague) checked by the same rules as a signed-in one — its RS256
//! signature against the configured user pool's JWKS, then issuer, `token_use`, client and
//! expiry — and explained the same way. It lives in this page's memory only, beside the
//! session and apart from it: it is never saved, never refreshed, never revoked.

use super::{keys_from, Effect, Machine, Redacted};
use crate::auth::claims::{AtHash, Expected, TokenKind};
use crate::auth::error::KeysError;
use crate::auth::http::{HttpRequest, HttpResult, RequestId};
use crate::auth::jwt::{self, JwtError};
use crate::auth::session::Binding;
use crate::auth::verify::{SignatureStatus, TokenReport, Unchecked};
use crate::config::Config;
use std::fmt;

/// More than any Cognito token (they are 1–2 KB; with many groups, a few KB).
pub const MAX_PASTE_BYTES: usize = 16 * 1024;

/// Why pasted text was not taken as a token at all. Nothing is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasteError {
    Empty,
    TooLong {
        bytes: usize,
    },
    NotAJwt(JwtError),
    /// A JWT, but not a Cognito ID or access token (its `token_use`, if any).
    NotCognito(Option<String>),
}

impl fmt::Display for PasteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasteError::Empty => f.write_str("Nothing to check: paste an ID or access token (the IdToken or AccessToken the AWS CLI prints)."),
            PasteError::TooLong { bytes } => write!(f, "That is {} KB of text; a Cognito token is a few KB at most. Paste only the token.", bytes / 1024),
            PasteError::NotAJwt(e) => write!(f, "That is not a JWT ({e}). A Cognito token is three base64url parts separated by dots, starting with eyJ."),
            PasteError::NotCognito(None) => f.write_str("That is a JWT, but not a Cognito ID or access token: it has no token_use claim. (A refresh token cannot be read: Cognito encrypts it.)"),
            PasteError::NotCognito(Some(u)) => write!(f, "That is a JWT with token_use \u{201c}{}\u{201d}; Cognito's are \u{201c}id\u{201d} or \u{201c}access\u{201d}.", crate::auth::cap(u, 20)),
        }
    }
}

/// A pasted token and what checking it found.
#[derive(Clone, Debug, PartialEq)]
pub struct PastedToken {
    pub report: TokenReport,
    /// The pool (and API) it is checked against: the configuration when it was pasted.
    pub binding: Binding,
    /// The pool's keys could not be fetched: the signature is unchecked (paste again to retry).
    pub keys_error: Option<KeysError>,
}

/// What the UI shows for the last paste.
#[derive(Clone, Debug, PartialEq)]
pub enum Pasted {
    Refused(PasteError),
    Token(Box<PastedToken>),
}

#[derive(Debug)]
pub(super) struct PasteJob {
    pasted: Pasted,
    keys_request: Option<RequestId>,
    verify: Option<RequestId>,
    fetched: bool,
    /// The issuer's clock minus this one, seconds (the session's, if any).
    offset: i64,
}

/// The token in pasted text: surrounding space, quotes (copied from JSON), a trailing comma
/// and an `Authorization:` / `Bearer ` prefix are left out.
pub fn clean(text: &str) -> &str {
    let mut t = text.trim();
    for prefix in ["Authorization:", "authorization:"] {
        t = t.strip_prefix(prefix).unwrap_or(t).trim_start();
    }
    t = t.strip_prefix("Bearer ").unwrap_or(t);
    t = t.trim().trim_end_matches(',').trim();
    t = t.trim_matches(|c| c == '"' || c == '\'');
    t.trim()
}

/// Take pasted text as a token of the kind its `token_use` says, or say why not.
pub fn read(text: &str) -> Result<TokenReport, PasteError> {
    if text.len() > MAX_PASTE_BYTES {
        return Err(PasteError::TooLong { bytes: text.len() });
    }
    let token = clean(text);
    if token.is_empty() {
        return Err(PasteError::Empty);
    }
    let decoded = jwt::decode(token).map_err(PasteError::NotAJwt)?;
    let kind = match decoded.str_claim("token_use") {
        Some("id") => TokenKind::Id,
        Some("access") => TokenKind::Access,
        other => return Err(PasteError::NotCognito(other.map(str::to_owned))),
    };
    Ok(TokenReport::new(kind, token))
}

impl Machine {
    /// The last pasted token (or why it was refused), if any.
    pub fn pasted(&self) -> Option<Pasted> {
        self.paste.as_ref().map(|job| job.pasted.clone())
    }

    pub(super) fn paste_owns(&self, id: RequestId) -> bool {
        self.paste
            .as_ref()
            .is_some_and(|job| job.keys_request == Some(id) || job.verify == Some(id))
    }

    pub(super) fn paste(&mut self, now: i64, text: &str, config: &Config, out: &mut Vec<Effect>) {
        let offset = match &self.phase {
            super::Phase::Live(live) => live.session.clock_offset,
            _ => 0,
        };
        let pasted = match read(text) {
            Err(e) => Pasted::Refused(e),
            Ok(report) => Pasted::Token(Box::new(PastedToken {
                report,
                binding: Binding::of(config),
                keys_error: None,
            })),
        };
        self.paste = Some(PasteJob {
            pasted,
            keys_request: None,
            verify: None,
            fetched: false,
            offset,
        });
        self.advance_paste(now, out);
    }

    /// Ask for the keys or the signature check the pasted token still needs, or judge it.
    fn advance_paste(&mut self, now: i64, out: &mut Vec<Effect>) {
        let next = self.next_id + 1;
        let cached = self.keys.clone();
        let Some(job) = &mut self.paste else {
            return;
        };
        let Pasted::Token(token) = &mut job.pasted else {
            return;
        };
        let Some(kid) = token.report.needs_key().map(str::to_owned) else {
            // alg none, no kid, or not readable: judged without a key.
            let expected = expected(&token.binding, now, job.offset);
            token.report.rejudge(&expected);
            return;
        };
        let key = cached
            .as_ref()
            .filter(|(issuer, _)| *issuer == token.binding.issuer)
            .and_then(|(_, keys)| keys.find(&kid));
        let (signed, signature) = match (&token.report.decoded, key) {
            (Ok(jwt), Some(_)) => (jwt.signing_input.clone(), jwt.signature.clone()),
            _ => (String::new(), Vec::new()),
        };
        self.next_id = next;
        match key {
            Some(key) => {
                job.verify = Some(RequestId(next));
                out.push(Effect::Verify {
                    id: RequestId(next),
                    key: key.clone(),
                    signed: Redacted(signed),
                    signature,
                });
            }
            None if job.fetched => {
                let status = SignatureStatus::NotChecked(Unchecked::UnknownKid(kid));
                let expected = expected(&token.binding, now, job.offset);
                token.report.judge(status, &expected);
            }
            None => {
                job.keys_request = Some(RequestId(next));
                out.push(Effect::Send {
                    id: RequestId(next),
                    request: HttpRequest::get(token.binding.jwks_uri()),
                });
            }
        }
    }

    pub(super) fn paste_keys(&mut self, now: i64, result: HttpResult, out: &mut Vec<Effect>) {
        let Some(job) = &mut self.paste else {
            return;
        };
        job.keys_request = None;
        job.fetched = true;
        let Pasted::Token(token) = &mut job.pasted else {
            return;
        };
        match keys_from(token.binding.jwks_uri(), result) {
            Ok(keys) => {
                self.keys = Some((token.binding.issuer.clone(), keys));
                self.advance_paste(now, out);
            }
            Err(e) => token.keys_error = Some(e),
        }
    }

    pub(super) fn paste_signature(&mut self, now: i64, result: Result<bool, super::CryptoError>) {
        let Some(job) = &mut self.paste else {
            return;
        };
        job.verify = None;
        let Pasted::Token(token) = &mut job.pasted else {
            return;
        };
        let kid = token.report.needs_key().unwrap_or_default().to_owned();
        let expected = expected(&token.binding, now, job.offset);
        token
            .report
            .judge(super::signature_status(kid, result), &expected);
        if token.report.at_hash == Some(AtHash::Unpaired) {
            token.report.at_hash = Some(AtHash::Alone);
        }
    }
}

/// What a pasted token must match: the configured pool and client, now on the issuer's clock.
/// No nonce (it was not this app's sign-in) and no `at_hash` (no access token came with it).
fn expected(binding: &Binding, now: i64, offset: i64) -> Expected<'_> {
    Expected {
        issuer: &binding.issuer,
        client_id: &binding.client_id,
        nonce: None,
        at_hash_of: None,
        at_hash_required: false,
        now: (now / 1000).saturating_add(offset),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_text_is_cleaned_of_what_comes_with_a_copied_token() {
        for text in [
            "eyJ.a.b",
            "  eyJ.a.b\n",
            "\"eyJ.a.b\",",
            "Bearer eyJ.a.b",
            "Authorization: eyJ.a.b",
            "authorization: Bearer eyJ.a.b",
            "'eyJ.a.b'",
        ] {
            assert_eq!(clean(text), "eyJ.a.b", "{text:?}");
        }
    }

    #[test]
    fn what_is_not_a_cognito_token_is_refused_with_a_reason() {
        use crate::auth::jwt::tests::encode;
        use serde_json::json;
        assert_eq!(read("  "), Err(PasteError::Empty));
        let big = "a".repeat(MAX_PASTE_BYTES + 1);
        assert!(matches!(read(&big), Err(PasteError::TooLong { .. })));
        assert!(read(&big).unwrap_err().to_string().contains("KB"));
        let markup = "<img src=x onerror=alert(1)>";
        let e = read(markup).unwrap_err();
        assert!(matches!(e, PasteError::NotAJwt(_)), "{e:?}");
        assert!(e.to_string().contains("three base64url parts"));
        let other = encode(
            &json!({"alg": "RS256", "kid": "k"}),
            &json!({"sub": "x"}),
            b"s",
        );
        assert_eq!(read(&other), Err(PasteError::NotCognito(None)));
        let refresh_like = encode(
            &json!({"alg": "RS256"}),
            &json!({"token_use": "refresh"}),
            b"s",
        );
        assert!(read(&refresh_like)
            .unwrap_err()
            .to_string()
            .contains("\u{201c}refresh\u{201d}"));
        let id = encode(
            &json!({"alg": "RS256", "kid": "k"}),
            &json!({"token_use": "id"}),
            b"s",
        );
        assert_eq!(read(&format!("Bearer {id}")).unwrap().kind, TokenKind::Id);
    }
}
