//! The verdict on a token: its RS256 signature (checked by WebCrypto in the shell, asked for by
//! the session machine) and its claims (checked here), kept together with the decoded token so
//! a rejected token can still be shown for teaching.

use super::claims::{self, AtHash, ClaimError, Expected, TokenKind};
use super::jwt::{self, DecodedJwt, JwtError};
use std::fmt;

/// Why a signature was not checked with a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unchecked {
    NotRs256,
    NoKid,
    /// The kid is not in the pool's JWKS, even after fetching it again.
    UnknownKid(String),
    /// WebCrypto could not use the key (its own words).
    KeyUnusable(String),
}

impl fmt::Display for Unchecked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unchecked::NotRs256 => f.write_str("the algorithm is not RS256"),
            Unchecked::NoKid => f.write_str("the header names no key"),
            Unchecked::UnknownKid(kid) => write!(
                f,
                "no RS256 key with kid {} in the user pool's JWKS, even after fetching it again: the token was not signed by this pool",
                super::cap(kid, 80)
            ),
            Unchecked::KeyUnusable(why) => write!(f, "the key could not be used ({})", super::cap(why, 120)),
        }
    }
}

/// What checking the RS256 signature found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Not checked yet: waiting for the JWKS or for WebCrypto.
    Pending,
    Valid {
        kid: String,
    },
    Invalid {
        kid: String,
    },
    NotChecked(Unchecked),
}

/// Why a token is not trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    NotAJwt(JwtError),
    BadSignature {
        kid: String,
    },
    Unchecked(Unchecked),
    Claim(ClaimError),
    /// Implicit flow: the ID token that came with this access token failed (row 14).
    CameWithBadIdToken,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::NotAJwt(e) => write!(f, "it is not a readable JWT: {e}"),
            Rejection::BadSignature { kid } => write!(
                f,
                "its signature does not match the user pool's key {}: it was altered or forged",
                super::cap(kid, 80)
            ),
            Rejection::Unchecked(why) => write!(f, "its signature could not be checked: {why}"),
            Rejection::Claim(e) => e.fmt(f),
            Rejection::CameWithBadIdToken => f.write_str(
                "it came with an ID token that failed its checks, so it is not trusted either",
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The signature has not been checked yet.
    Pending,
    Valid,
    Rejected(Rejection),
}

/// The verdict from the signature and the claims: valid only when both pass. A bad signature
/// is the reason whatever the claims say; an unchecked one comes after the claims' own
/// failure, which is then the more useful thing to show.
pub fn verdict(signature: &SignatureStatus, claims: Result<(), ClaimError>) -> Verdict {
    match signature {
        SignatureStatus::Pending => Verdict::Pending,
        SignatureStatus::Valid { .. } => match claims {
            Ok(()) => Verdict::Valid,
            Err(e) => Verdict::Rejected(Rejection::Claim(e)),
        },
        SignatureStatus::Invalid { kid } => {
            Verdict::Rejected(Rejection::BadSignature { kid: kid.clone() })
        }
        SignatureStatus::NotChecked(why) => Verdict::Rejected(match claims {
            Err(e) => Rejection::Claim(e),
            Ok(()) => Rejection::Unchecked(why.clone()),
        }),
    }
}

/// A token as received, decoded for reading, and the verdict on it. `Debug` never shows the
/// token or its claims.
#[derive(Clone, PartialEq)]
pub struct TokenReport {
    pub kind: TokenKind,
    pub raw: String,
    pub decoded: Result<DecodedJwt, JwtError>,
    pub signature: SignatureStatus,
    pub verdict: Verdict,
    /// ID tokens, once judged: what `at_hash` says about the access token beside it.
    pub at_hash: Option<AtHash>,
}

impl fmt::Debug for TokenReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenReport")
            .field("kind", &self.kind)
            .field("token", &"[redacted]")
            .field("signature", &self.signature)
            .field("verdict", &self.verdict)
            .finish()
    }
}

impl TokenReport {
    /// Decoded, the signature not checked yet (or, for `alg`/`kid` problems, never).
    pub fn new(kind: TokenKind, raw: &str) -> TokenReport {
        let decoded = jwt::decode(raw);
        let signature = match &decoded {
            Err(_) => SignatureStatus::Pending,
            Ok(jwt) if jwt.alg() != Some("RS256") => {
                SignatureStatus::NotChecked(Unchecked::NotRs256)
            }
            Ok(jwt) if jwt.kid().is_none() => SignatureStatus::NotChecked(Unchecked::NoKid),
            Ok(_) => SignatureStatus::Pending,
        };
        let verdict = match &decoded {
            Err(e) => Verdict::Rejected(Rejection::NotAJwt(e.clone())),
            Ok(_) => Verdict::Pending,
        };
        TokenReport {
            kind,
            raw: raw.to_owned(),
            decoded,
            signature,
            verdict,
            at_hash: None,
        }
    }

    /// The key this token needs checked, if its signature is still to be checked.
    pub fn needs_key(&self) -> Option<&str> {
        match (&self.signature, &self.decoded, &self.verdict) {
            (SignatureStatus::Pending, Ok(jwt), Verdict::Pending) => jwt.kid(),
            _ => None,
        }
    }

    /// Record the signature check and judge the claims (`expected.now` on the issuer's clock).
    pub fn judge(&mut self, signature: SignatureStatus, expected: &Expected<'_>) {
        self.signature = signature;
        self.rejudge(expected);
    }

    /// Judge again with the signature already known.
    pub fn rejudge(&mut self, expected: &Expected<'_>) {
        if let Ok(jwt) = &self.decoded {
            self.verdict = verdict(&self.signature, claims::check(self.kind, jwt, expected));
            if self.kind == TokenKind::Id {
                self.at_hash = Some(AtHash::of(jwt, expected.at_hash_of));
            }
        }
    }

    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }

    pub fn is_pending(&self) -> bool {
        self.verdict == Verdict::Pending
    }

    pub fn rejection(&self) -> Option<&Rejection> {
        match &self.verdict {
            Verdict::Rejected(r) => Some(r),
            _ => None,
        }
    }

    /// Rejected only because it has expired (a genuine token, just old): a refresh helps.
    pub fn only_expired(&self) -> bool {
        matches!(
            (&self.signature, &self.verdict),
            (
                SignatureStatus::Valid { .. },
                Verdict::Rejected(Rejection::Claim(ClaimError::Expired { .. }))
            )
        )
    }

    fn claim_int(&self, name: &str) -> Option<i64> {
        self.decoded.as_ref().ok().and_then(|j| j.int_claim(name))
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.decoded.as_ref().ok().and_then(|j| j.str_claim(name))
    }

    /// Kept beside a newer access token (a refresh answer without an ID token): its
    /// `at_hash`, if any, now names an earlier one.
    pub fn kept_across_refresh(mut self) -> TokenReport {
        if matches!(self.at_hash, Some(AtHash::Matches | AtHash::Mismatch)) {
            self.at_hash = Some(AtHash::Unpaired);
        }
        self
    }

    pub fn iat(&self) -> Option<i64> {
        self.claim_int("iat")
    }

    pub fn exp(&self) -> Option<i64> {
        self.claim_int("exp")
    }
}

/// The ID and access tokens of one answer, judged.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    pub id: TokenReport,
    pub access: TokenReport,
}

impl Verified {
    pub fn all_valid(&self) -> bool {
        self.id.is_valid() && self.access.is_valid()
    }

    pub fn any_pending(&self) -> bool {
        self.id.is_pending() || self.access.is_pending()
    }

    /// The first token that failed, and why.
    pub fn first_rejection(&self) -> Option<(TokenKind, Rejection)> {
        [&self.id, &self.access]
            .into_iter()
            .find_map(|r| r.rejection().map(|why| (r.kind, why.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_valid_only_with_a_good_signature_and_good_claims() {
        let valid = SignatureStatus::Valid { kid: "k1".into() };
        let invalid = SignatureStatus::Invalid { kid: "k1".into() };
        let unchecked = SignatureStatus::NotChecked(Unchecked::UnknownKid("k9".into()));
        assert_eq!(verdict(&valid, Ok(())), Verdict::Valid);
        let expired = || Err(ClaimError::Expired { exp: 1, now: 100 });
        let text = |v: Verdict| match v {
            Verdict::Rejected(r) => r.to_string(),
            other => format!("{other:?}"),
        };
        assert!(text(verdict(&valid, expired())).contains("expired"));
        // A bad signature is the reason, even when the claims look fine or not.
        assert!(text(verdict(&invalid, Ok(()))).contains("altered or forged"));
        assert!(text(verdict(&invalid, expired())).contains("altered or forged"));
        // Unchecked never passes; the claims' own failure is shown first.
        assert!(text(verdict(&unchecked, Ok(()))).contains("even after fetching it again"));
        assert!(text(verdict(&unchecked, expired())).contains("expired"));
        assert_eq!(verdict(&SignatureStatus::Pending, Ok(())), Verdict::Pending);
    }

    #[test]
    fn alg_none_and_missing_kid_never_wait_for_a_key() {
        use crate::auth::jwt::tests::encode;
        use serde_json::json;
        let none = encode(&json!({"alg": "none"}), &json!({"sub": "x"}), b"");
        let report = TokenReport::new(TokenKind::Id, &none);
        assert_eq!(report.needs_key(), None);
        assert_eq!(
            report.signature,
            SignatureStatus::NotChecked(Unchecked::NotRs256)
        );
        let no_kid = encode(&json!({"alg": "RS256"}), &json!({"sub": "x"}), b"s");
        assert_eq!(TokenReport::new(TokenKind::Id, &no_kid).needs_key(), None);
        let garbage = TokenReport::new(TokenKind::Access, "not.a.jwt!");
        assert!(matches!(
            garbage.verdict,
            Verdict::Rejected(Rejection::NotAJwt(_))
        ));
        let shown = format!("{garbage:?}");
        assert!(!shown.contains("not.a.jwt"), "{shown}");
    }
}
