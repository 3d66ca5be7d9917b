//! The claim checks AWS's "Verifying a JSON web token" guide and OIDC Core ask for, for Cognito's
//! ID and access tokens. The RS256 signature itself is checked by WebCrypto in the shell; here
//! `alg` must be RS256 so `none` and HS256 never reach it (checklist rows 8–14); the verdict
//! on signature and claims together is in [`super::verify`].

use super::jwt::DecodedJwt;
use super::{cap, CLOCK_LEEWAY_SECS};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Id,
    Access,
}

impl TokenKind {
    pub fn token_use(self) -> &'static str {
        match self {
            TokenKind::Id => "id",
            TokenKind::Access => "access",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Id => "ID token",
            TokenKind::Access => "access token",
        }
    }
}

/// What a token must match.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    /// The nonce sent at sign-in (ID tokens from a sign-in; none on refresh).
    pub nonce: Option<&'a str>,
    /// The access token that came in the same answer as this ID token: when the ID token
    /// carries `at_hash` (Cognito puts one in every ID token from its OAuth endpoints), it must
    /// match. None when the two did not arrive together (an ID token kept across a refresh).
    pub at_hash_of: Option<&'a str>,
    /// `at_hash` must be present (the implicit flow, where it is the only tie between the two
    /// tokens of the fragment).
    pub at_hash_required: bool,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimError {
    AlgNotAllowed(String),
    MissingKid,
    WrongIssuer(String),
    WrongTokenUse(String),
    WrongAudience(String),
    WrongClientId(String),
    Missing(&'static str),
    Expired { exp: i64, now: i64 },
    IssuedInFuture { iat: i64, now: i64 },
    NonceMissing,
    NonceMismatch,
    AtHashMissing,
    AtHashMismatch,
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::AlgNotAllowed(a) => write!(f, "its algorithm is \u{201c}{}\u{201d}; Cognito signs with RS256 only, so anything else (none, HS256) is a forgery", cap(a, 20)),
            ClaimError::MissingKid => f.write_str("its header names no key (kid), so its signature cannot be checked"),
            ClaimError::WrongIssuer(i) => write!(f, "it was issued by \u{201c}{}\u{201d}, not the configured user pool; check issuer in Settings", cap(i, 120)),
            ClaimError::WrongTokenUse(u) => write!(f, "its token_use is \u{201c}{}\u{201d}, not what this token should be", cap(u, 20)),
            ClaimError::WrongAudience(a) => write!(f, "its audience (aud) is \u{201c}{}\u{201d}, not this app client; check clientId in Settings", cap(a, 60)),
            ClaimError::WrongClientId(c) => write!(f, "its client_id is \u{201c}{}\u{201d}, not this app client", cap(c, 60)),
            ClaimError::Missing(c) => write!(f, "it has no {c} claim"),
            ClaimError::Expired { exp, now } => write!(f, "it expired {} s ago (allowing {CLOCK_LEEWAY_SECS} s of clock difference); refresh or sign in again", now.saturating_sub(*exp)),
            ClaimError::IssuedInFuture { iat, now } => write!(f, "it claims to be issued {} s in the future: this computer's clock is probably wrong (more than {CLOCK_LEEWAY_SECS} s off); fix the clock and sign in again", iat.saturating_sub(*now)),
            ClaimError::NonceMissing => f.write_str("it carries no nonce, so it cannot be tied to this sign-in"),
            ClaimError::NonceMismatch => f.write_str("its nonce is not the one this sign-in sent: it was issued for another sign-in (replay?)"),
            ClaimError::AtHashMissing => f.write_str("it has no at_hash, so the access token that came with it cannot be tied to it"),
            ClaimError::AtHashMismatch => f.write_str("its at_hash does not match the access token that came with it: the access token was swapped"),
        }
    }
}

/// OIDC `at_hash`: base64url of the left half of SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    crate::codec::b64url_encode(digest.get(..16).unwrap_or_default())
}

/// What an ID token's `at_hash` says about the access token beside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtHash {
    /// No `at_hash` claim (tokens from the `InitiateAuth` API carry none).
    Absent,
    /// It matches the access token that came with it.
    Matches,
    /// It does not: the access token was swapped.
    Mismatch,
    /// It belongs to an access token that is not beside it any more (the ID token was kept
    /// across a refresh that brought a new access token only).
    Unpaired,
    /// Checked alone (pasted): the access token it names is not here.
    Alone,
}

impl AtHash {
    /// `jwt`'s `at_hash` against `access`, the access token that came in the same answer.
    pub fn of(jwt: &DecodedJwt, access: Option<&str>) -> AtHash {
        match (jwt.str_claim("at_hash"), access) {
            (None, _) => AtHash::Absent,
            (Some(_), None) => AtHash::Unpaired,
            (Some(h), Some(access)) if h == at_hash(access) => AtHash::Matches,
            (Some(_), Some(_)) => AtHash::Mismatch,
        }
    }

    /// One sentence for the token card.
    pub fn describe(self) -> &'static str {
        match self {
            AtHash::Absent => "No at_hash: nothing ties this ID token to an access token (Cognito's InitiateAuth API issues tokens without one).",
            AtHash::Matches => "at_hash matches the access token that came with it: the two were issued together.",
            AtHash::Mismatch => "at_hash does NOT match the access token beside it: the access token was swapped.",
            AtHash::Unpaired => "at_hash names an earlier access token: the last refresh brought a new access token but kept this ID token.",
            AtHash::Alone => "at_hash ties this ID token to the access token issued with it; that one was not pasted with it, so the tie is not checked.",
        }
    }
}

/// Every claim check for a token of `kind`; the first failure is returned.
pub fn check(kind: TokenKind, jwt: &DecodedJwt, expected: &Expected<'_>) -> Result<(), ClaimError> {
    match jwt.alg() {
        Some("RS256") => {}
        other => {
            return Err(ClaimError::AlgNotAllowed(
                other.unwrap_or("(none given)").to_owned(),
            ))
        }
    }
    if jwt.kid().is_none() {
        return Err(ClaimError::MissingKid);
    }
    let iss = jwt.str_claim("iss").ok_or(ClaimError::Missing("iss"))?;
    if iss != expected.issuer {
        return Err(ClaimError::WrongIssuer(iss.to_owned()));
    }
    let token_use = jwt
        .str_claim("token_use")
        .ok_or(ClaimError::Missing("token_use"))?;
    if token_use != kind.token_use() {
        return Err(ClaimError::WrongTokenUse(token_use.to_owned()));
    }
    match kind {
        TokenKind::Id => {
            let aud = match jwt.claims.get("aud") {
                Some(Value::String(a)) => a.clone(),
                Some(Value::Array(list)) if list.len() == 1 => list
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                Some(other) => crate::json::to_string(other),
                None => return Err(ClaimError::Missing("aud")),
            };
            if aud != expected.client_id {
                return Err(ClaimError::WrongAudience(aud));
            }
        }
        TokenKind::Access => {
            let client = jwt
                .str_claim("client_id")
                .ok_or(ClaimError::Missing("client_id"))?;
            if client != expected.client_id {
                return Err(ClaimError::WrongClientId(client.to_owned()));
            }
        }
    }
    if jwt.str_claim("sub").is_none_or(str::is_empty) {
        return Err(ClaimError::Missing("sub"));
    }
    let exp = jwt.int_claim("exp").ok_or(ClaimError::Missing("exp"))?;
    let iat = jwt.int_claim("iat").ok_or(ClaimError::Missing("iat"))?;
    if expected.now >= exp.saturating_add(CLOCK_LEEWAY_SECS) {
        return Err(ClaimError::Expired {
            exp,
            now: expected.now,
        });
    }
    if iat > expected.now.saturating_add(CLOCK_LEEWAY_SECS) {
        return Err(ClaimError::IssuedInFuture {
            iat,
            now: expected.now,
        });
    }
    if kind == TokenKind::Id {
        if let Some(nonce) = expected.nonce {
            match jwt.str_claim("nonce") {
                None => return Err(ClaimError::NonceMissing),
                Some(n) if n != nonce => return Err(ClaimError::NonceMismatch),
                Some(_) => {}
            }
        }
        match AtHash::of(jwt, expected.at_hash_of) {
            AtHash::Absent if expected.at_hash_required => return Err(ClaimError::AtHashMissing),
            AtHash::Mismatch => return Err(ClaimError::AtHashMismatch),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::jwt::{decode, tests::encode};
    use serde_json::json;

    const ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC";
    const CLIENT: &str = "client123";
    const NOW: i64 = 1_800_000_000;

    fn id_claims() -> Value {
        json!({"sub": "u-1", "iss": ISS, "aud": CLIENT, "token_use": "id", "iat": NOW - 10,
               "exp": NOW + 3590, "nonce": "n1", "cognito:username": "rider"})
    }

    fn access_claims() -> Value {
        json!({"sub": "u-1", "iss": ISS, "client_id": CLIENT, "token_use": "access", "iat": NOW - 10,
               "exp": NOW + 3590, "scope": "openid"})
    }

    fn rs256() -> Value {
        json!({"kid": "k1", "alg": "RS256"})
    }

    fn expected() -> Expected<'static> {
        Expected {
            issuer: ISS,
            client_id: CLIENT,
            nonce: Some("n1"),
            at_hash_of: None,
            at_hash_required: false,
            now: NOW,
        }
    }

    fn check_id(header: Value, claims: Value, e: &Expected<'_>) -> Result<(), ClaimError> {
        check(
            TokenKind::Id,
            &decode(&encode(&header, &claims, b"s")).unwrap(),
            e,
        )
    }

    fn with(mut v: Value, key: &str, value: Value) -> Value {
        v[key] = value;
        v
    }

    fn without(mut v: Value, key: &str) -> Value {
        v.as_object_mut().unwrap().remove(key);
        v
    }

    #[test]
    fn good_tokens_pass() {
        assert_eq!(check_id(rs256(), id_claims(), &expected()), Ok(()));
        let access = decode(&encode(&rs256(), &access_claims(), b"s")).unwrap();
        assert_eq!(
            check(
                TokenKind::Access,
                &access,
                &Expected {
                    nonce: None,
                    ..expected()
                }
            ),
            Ok(())
        );
    }

    #[test]
    fn alg_none_and_hs256_are_refused_before_any_key_is_used() {
        for alg in ["none", "HS256", "RS512"] {
            let r = check_id(json!({"kid": "k1", "alg": alg}), id_claims(), &expected());
            assert_eq!(r, Err(ClaimError::AlgNotAllowed(alg.into())));
        }
        assert!(matches!(
            check_id(json!({"kid": "k1"}), id_claims(), &expected()),
            Err(ClaimError::AlgNotAllowed(_))
        ));
        assert_eq!(
            check_id(json!({"alg": "RS256"}), id_claims(), &expected()),
            Err(ClaimError::MissingKid)
        );
    }

    #[test]
    fn issuer_audience_client_and_token_use_must_match() {
        let e = expected();
        assert!(matches!(
            check_id(
                rs256(),
                with(id_claims(), "iss", json!("https://evil.example")),
                &e
            ),
            Err(ClaimError::WrongIssuer(_))
        ));
        assert!(matches!(
            check_id(rs256(), with(id_claims(), "aud", json!("other")), &e),
            Err(ClaimError::WrongAudience(_))
        ));
        assert!(matches!(
            check_id(rs256(), with(id_claims(), "token_use", json!("access")), &e),
            Err(ClaimError::WrongTokenUse(_))
        ));
        assert_eq!(
            check_id(rs256(), with(id_claims(), "aud", json!([CLIENT])), &e),
            Ok(())
        );
        assert!(matches!(
            check_id(rs256(), with(id_claims(), "aud", json!([CLIENT, "x"])), &e),
            Err(ClaimError::WrongAudience(_))
        ));
        // An access token presented as an ID token fails on token_use (and has no aud).
        assert!(matches!(
            check_id(rs256(), access_claims(), &e),
            Err(ClaimError::WrongTokenUse(_))
        ));
        let access = decode(&encode(
            &rs256(),
            &with(access_claims(), "client_id", json!("other")),
            b"s",
        ))
        .unwrap();
        assert!(matches!(
            check(TokenKind::Access, &access, &e),
            Err(ClaimError::WrongClientId(_))
        ));
    }

    #[test]
    fn sub_and_iat_are_required() {
        let e = expected();
        assert_eq!(
            check_id(rs256(), without(id_claims(), "sub"), &e),
            Err(ClaimError::Missing("sub"))
        );
        assert_eq!(
            check_id(rs256(), without(id_claims(), "iat"), &e),
            Err(ClaimError::Missing("iat"))
        );
        assert_eq!(
            check_id(rs256(), with(id_claims(), "exp", json!("soon")), &e),
            Err(ClaimError::Missing("exp"))
        );
    }

    #[test]
    fn expiry_and_issue_time_with_the_stated_leeway_one_second_either_side() {
        let e = expected();
        let just_valid = with(id_claims(), "exp", json!(NOW - CLOCK_LEEWAY_SECS + 1));
        assert_eq!(check_id(rs256(), just_valid, &e), Ok(()));
        let just_expired = with(id_claims(), "exp", json!(NOW - CLOCK_LEEWAY_SECS));
        assert!(matches!(
            check_id(rs256(), just_expired, &e),
            Err(ClaimError::Expired { .. })
        ));
        let iat_ok = with(id_claims(), "iat", json!(NOW + CLOCK_LEEWAY_SECS));
        assert_eq!(check_id(rs256(), iat_ok, &e), Ok(()));
        let iat_future = with(id_claims(), "iat", json!(NOW + CLOCK_LEEWAY_SECS + 1));
        let err = check_id(rs256(), iat_future, &e).unwrap_err();
        assert!(err.to_string().contains("clock"), "{err}");
        // Absurd times neither overflow nor pass.
        assert_eq!(
            check_id(rs256(), with(id_claims(), "exp", json!(i64::MAX)), &e),
            Ok(())
        );
        let err = check_id(rs256(), with(id_claims(), "exp", json!(i64::MIN)), &e).unwrap_err();
        assert!(err.to_string().contains("expired"));
        let err = check_id(rs256(), with(id_claims(), "iat", json!(i64::MAX)), &e).unwrap_err();
        assert!(err.to_string().contains("future"));
    }

    #[test]
    fn nonce_must_be_there_and_equal_when_one_was_sent() {
        let e = expected();
        assert_eq!(
            check_id(rs256(), without(id_claims(), "nonce"), &e),
            Err(ClaimError::NonceMissing)
        );
        assert_eq!(
            check_id(rs256(), with(id_claims(), "nonce", json!("n2")), &e),
            Err(ClaimError::NonceMismatch)
        );
        // On refresh no nonce is sent and none is required.
        assert_eq!(
            check_id(
                rs256(),
                without(id_claims(), "nonce"),
                &Expected {
                    nonce: None,
                    ..expected()
                }
            ),
            Ok(())
        );
    }

    #[test]
    fn at_hash_is_checked_whenever_present_and_required_in_the_implicit_flow() {
        let access = "eyJ.access.token";
        // Code flow: checked when the ID token carries one; a token without one passes.
        let code = Expected {
            at_hash_of: Some(access),
            ..expected()
        };
        assert_eq!(check_id(rs256(), id_claims(), &code), Ok(()));
        assert_eq!(
            check_id(
                rs256(),
                with(id_claims(), "at_hash", json!(at_hash("other"))),
                &code
            ),
            Err(ClaimError::AtHashMismatch)
        );
        // Kept across a refresh: its at_hash names an earlier access token, not checked.
        let unpaired = with(id_claims(), "at_hash", json!(at_hash("other")));
        assert_eq!(check_id(rs256(), unpaired.clone(), &expected()), Ok(()));
        let jwt = decode(&encode(&rs256(), &unpaired, b"s")).unwrap();
        assert_eq!(AtHash::of(&jwt, None), AtHash::Unpaired);
        assert_eq!(AtHash::of(&jwt, Some("other")), AtHash::Matches);
        assert_eq!(AtHash::of(&jwt, Some(access)), AtHash::Mismatch);
        // Implicit: required.
        let e = Expected {
            at_hash_of: Some(access),
            at_hash_required: true,
            ..expected()
        };
        assert_eq!(
            check_id(rs256(), id_claims(), &e),
            Err(ClaimError::AtHashMissing)
        );
        assert_eq!(
            check_id(
                rs256(),
                with(id_claims(), "at_hash", json!(at_hash("other"))),
                &e
            ),
            Err(ClaimError::AtHashMismatch)
        );
        assert_eq!(
            check_id(
                rs256(),
                with(id_claims(), "at_hash", json!(at_hash(access))),
                &e
            ),
            Ok(())
        );
        // The OIDC Core example: left half of SHA-256, base64url.
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"),
            "77QmUPtjPfzWtF2AnpK9RQ"
        );
    }
}
