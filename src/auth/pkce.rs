//! PKCE (RFC 7636) with S256: the verifier is 32 random bytes in base64url (43 characters), the
//! challenge is base64url(SHA-256(verifier)).

use super::secret::CodeVerifier;
use crate::codec::b64url_encode;
use sha2::{Digest, Sha256};

/// A verifier and its challenge, made together so they cannot be mismatched.
#[derive(Debug)]
pub struct Pkce {
    pub verifier: CodeVerifier,
    pub challenge: String,
}

impl Pkce {
    pub fn from_random(bytes: [u8; 32]) -> Pkce {
        Pkce::from_verifier(CodeVerifier::new(b64url_encode(&bytes)))
    }

    pub fn from_verifier(verifier: CodeVerifier) -> Pkce {
        let challenge = s256(verifier.secret());
        Pkce {
            verifier,
            challenge,
        }
    }
}

/// base64url(SHA-256(text)), no padding.
pub fn s256(text: &str) -> String {
    b64url_encode(&Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        // The appendix's 32 octets, its verifier and its challenge.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let pkce = Pkce::from_random(octets);
        assert_eq!(
            pkce.verifier.secret(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_43_unreserved_characters() {
        let pkce = Pkce::from_random([0xff; 32]);
        assert_eq!(pkce.verifier.secret().len(), 43);
        assert!(pkce
            .verifier
            .secret()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(
            Pkce::from_random([1; 32]).challenge,
            Pkce::from_random([2; 32]).challenge
        );
    }
}
