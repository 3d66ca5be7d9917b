//! The user pool's JSON Web Key Set (`<issuer>/.well-known/jwks.json`): which RSA key checks
//! which token.

use crate::json::{self, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jwk {
    pub kid: String,
    pub kty: String,
    pub alg: Option<String>,
    pub key_use: Option<String>,
    pub n: String,
    pub e: String,
}

/// What is wrong with a text that should be a JWKS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAKeySet(pub String);

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    pub fn parse(text: &str) -> Result<Jwks, NotAKeySet> {
        if text.len() > 64 * 1024 {
            return Err(NotAKeySet("it is over 64 KiB".into()));
        }
        let value = json::parse(text).map_err(NotAKeySet)?;
        Jwks::from_value(&value).map_err(NotAKeySet)
    }

    fn from_value(value: &Value) -> Result<Jwks, String> {
        let Some(Value::Array(list)) = json::object(value)?.get("keys") else {
            return Err("`keys` must be a list".to_owned());
        };
        let keys = list.iter().map(|key| {
            let map = json::object(key)?;
            Ok(Jwk {
                kid: json::string(map, "kid")?,
                kty: json::string(map, "kty")?,
                alg: json::opt_string(map, "alg")?,
                key_use: json::opt_string(map, "use")?,
                n: json::string(map, "n")?,
                e: json::string(map, "e")?,
            })
        });
        Ok(Jwks {
            keys: keys.collect::<Result<_, String>>()?,
        })
    }

    /// The RSA signing key named `kid`, if the set has one usable for RS256.
    pub fn find(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| {
            k.kid == kid
                && k.kty == "RSA"
                && k.alg.as_deref().is_none_or(|a| a == "RS256")
                && k.key_use.as_deref().is_none_or(|u| u == "sig")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_rsa_signing_keys_by_kid_only() {
        let jwks = Jwks::parse(
            r#"{"keys":[
              {"kid":"a","kty":"RSA","alg":"RS256","use":"sig","n":"nn","e":"AQAB"},
              {"kid":"b","kty":"RSA","alg":"RS256","use":"enc","n":"nn","e":"AQAB"},
              {"kid":"c","kty":"RSA","alg":"HS256","n":"nn","e":"AQAB"}
            ]}"#,
        )
        .unwrap();
        assert_eq!(jwks.find("a").map(|k| k.n.as_str()), Some("nn"));
        assert!(
            jwks.find("b").is_none(),
            "an encryption key does not verify signatures"
        );
        assert!(jwks.find("c").is_none(), "only RS256");
        assert!(jwks.find("zzz").is_none());
        assert!(Jwks::parse("[]").is_err());
        assert!(Jwks::parse(r#"{"keys":[{"kid":"a"}]}"#).is_err());
    }
}
