//! Splitting and decoding a JWT (JWS compact form) without trusting it: header, claims,
//! the signing input and the signature bytes, for display and for verification.

use super::MAX_TOKEN_LEN;
use serde_json::{Map, Value};
use std::fmt;

/// `Debug` shows the header only: the claims are personal and the parts are the token.
#[derive(Clone, PartialEq)]
pub struct DecodedJwt {
    pub header: Map<String, Value>,
    pub claims: Map<String, Value>,
    /// `<header>.<payload>` as received: the bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
    /// The three encoded parts, for showing the token in colour.
    pub parts: [String; 3],
}

impl fmt::Debug for DecodedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodedJwt")
            .field("header", &self.header)
            .field("claims", &"[redacted]")
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Header,
    Payload,
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtError {
    Empty,
    TooLong(usize),
    NotThreeParts(usize),
    BadBase64(Part),
    NotJson(Part),
    NotAnObject(Part),
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::Empty => f.write_str("the token is empty"),
            JwtError::TooLong(n) => write!(
                f,
                "the token is {n} characters long, over the {MAX_TOKEN_LEN} the app reads"
            ),
            JwtError::NotThreeParts(n) => {
                write!(f, "a JWT has three parts separated by dots; this has {n}")
            }
            JwtError::BadBase64(p) => write!(f, "the {p} is not base64url"),
            JwtError::NotJson(p) => write!(f, "the {p} is not JSON"),
            JwtError::NotAnObject(p) => write!(f, "the {p} is JSON but not an object"),
        }
    }
}

fn b64(part: Part, text: &str) -> Result<Vec<u8>, JwtError> {
    crate::codec::b64url_decode(text).ok_or(JwtError::BadBase64(part))
}

fn object(part: Part, text: &str) -> Result<Map<String, Value>, JwtError> {
    match crate::json::parse_bytes(&b64(part, text)?) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(JwtError::NotAnObject(part)),
        Err(_) => Err(JwtError::NotJson(part)),
    }
}

pub fn decode(token: &str) -> Result<DecodedJwt, JwtError> {
    if token.is_empty() {
        return Err(JwtError::Empty);
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::TooLong(token.len()));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(JwtError::NotThreeParts(parts.len()));
    };
    Ok(DecodedJwt {
        header: object(Part::Header, header)?,
        claims: object(Part::Payload, payload)?,
        signing_input: format!("{header}.{payload}"),
        signature: b64(Part::Signature, signature)?,
        parts: [
            (*header).to_owned(),
            (*payload).to_owned(),
            (*signature).to_owned(),
        ],
    })
}

impl DecodedJwt {
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    pub fn int_claim(&self, name: &str) -> Option<i64> {
        self.claims.get(name).and_then(Value::as_i64)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::b64url_encode;

    pub fn encode(header: &Value, claims: &Value, signature: &[u8]) -> String {
        format!(
            "{}.{}.{}",
            b64url_encode(header.to_string().as_bytes()),
            b64url_encode(claims.to_string().as_bytes()),
            b64url_encode(signature)
        )
    }

    #[test]
    fn decodes_header_claims_and_signature() {
        let h = serde_json::json!({"kid": "k1", "alg": "RS256"});
        let c = serde_json::json!({"sub": "abc", "exp": 2000});
        let token = encode(&h, &c, b"sig");
        let jwt = decode(&token).unwrap();
        assert_eq!(jwt.alg(), Some("RS256"));
        assert_eq!(jwt.kid(), Some("k1"));
        assert_eq!(jwt.str_claim("sub"), Some("abc"));
        assert_eq!(jwt.int_claim("exp"), Some(2000));
        assert_eq!(jwt.signature, b"sig");
        assert_eq!(
            format!("{}.{}.{}", jwt.parts[0], jwt.parts[1], jwt.parts[2]),
            token
        );
        assert!(token.starts_with(&jwt.signing_input));
    }

    #[test]
    fn malformed_tokens_get_typed_errors() {
        let ok_h = b64url_encode(b"{}");
        assert_eq!(decode(""), Err(JwtError::Empty));
        assert_eq!(decode("a.b"), Err(JwtError::NotThreeParts(2)));
        assert_eq!(decode("a.b.c.d"), Err(JwtError::NotThreeParts(4)));
        assert_eq!(
            decode("!!.e30.c2ln"),
            Err(JwtError::BadBase64(Part::Header))
        );
        assert_eq!(
            decode(&format!("{ok_h}.bm90IGpzb24.c2ln")),
            Err(JwtError::NotJson(Part::Payload))
        );
        assert_eq!(
            decode(&format!("{ok_h}.WzFd.c2ln")),
            Err(JwtError::NotAnObject(Part::Payload))
        );
        assert_eq!(
            decode(&format!("{ok_h}.e30.***")),
            Err(JwtError::BadBase64(Part::Signature))
        );
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(decode(&huge), Err(JwtError::TooLong(MAX_TOKEN_LEN + 1)));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_text_never_panics(s in ".{0,400}") {
            let _ = decode(&s);
        }

        #[test]
        fn any_dotted_base64ish_text_never_panics(a in "[A-Za-z0-9_-]{0,80}", b in "[A-Za-z0-9_-]{0,80}", c in "[A-Za-z0-9_-]{0,80}") {
            let _ = decode(&format!("{a}.{b}.{c}"));
        }
    }
}
