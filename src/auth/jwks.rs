//! The user pool's JSON Web Key Set (`<issuer>/.well-known/jwks.json`): which RSA key checks
//! which token.

use serde::Deserialize;

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Jwk {
    pub kid: String,
    pub kty: String,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(default, rename = "use")]
    pub key_use: Option<String>,
    pub n: String,
    pub e: String,
}

/// What is wrong with a text that should be a JWKS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAKeySet(pub String);

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwks {
    pub fn parse(text: &str) -> Result<Jwks, NotAKeySet> {
        if text.len() > 64 * 1024 {
            return Err(NotAKeySet("it is over 64 KiB".into()));
        }
        serde_json::from_str(text).map_err(|e| NotAKeySet(e.to_string()))
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
