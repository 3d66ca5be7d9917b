//! The pool's two RSA signing keys (one for ID tokens, one for access tokens, as Cognito has),
//! their Cognito-shaped key ids, the JWKS, and signing/verifying through `jsonwebtoken`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Which of the pool's keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyUse {
    Id,
    Access,
}

#[derive(Clone)]
pub struct SigningKey {
    /// Cognito's kids are base64 (standard alphabet, padded) of a 32-byte digest.
    pub kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    n: String,
    e: String,
}

#[derive(Clone)]
pub struct Keys {
    pub id: SigningKey,
    pub access: SigningKey,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    id_token_key: String,
    access_token_key: String,
}

impl SigningKey {
    fn from_rsa(key: &RsaPrivateKey) -> Result<SigningKey, String> {
        let pem = key
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| format!("encoding an RSA key: {e}"))?;
        let public_der = key
            .to_public_key()
            .to_pkcs1_der()
            .map_err(|e| format!("encoding an RSA public key: {e}"))?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        Ok(SigningKey {
            kid: STANDARD.encode(Sha256::digest(public_der.as_bytes())),
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes())
                .map_err(|e| format!("loading an RSA key: {e}"))?,
            decoding: DecodingKey::from_rsa_components(&n, &e)
                .map_err(|e| format!("loading an RSA public key: {e}"))?,
            n,
            e,
        })
    }

    pub fn jwk(&self) -> Value {
        json!({ "alg": "RS256", "e": self.e, "kid": self.kid, "kty": "RSA", "n": self.n, "use": "sig" })
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = None; // Cognito's header is {"kid","alg"} only.
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .expect("RS256 signing with a valid key cannot fail")
    }

    pub fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }
}

impl Keys {
    /// Two fresh 2048-bit keys.
    pub fn generate() -> Result<Keys, String> {
        let mut rng = rand::thread_rng();
        let id = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?;
        let access = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?;
        Ok(Keys {
            id: SigningKey::from_rsa(&id)?,
            access: SigningKey::from_rsa(&access)?,
        })
    }

    /// Keys kept in `path` (created there on first use), so tokens stay valid across restarts.
    pub fn load_or_create(path: &Path) -> Result<Keys, String> {
        let read = |text: &str| -> Result<Keys, String> {
            let file: KeyFile = serde_json::from_str(text)
                .map_err(|e| format!("{} is not a key file ({e})", path.display()))?;
            let load = |pem: &str| {
                RsaPrivateKey::from_pkcs1_pem(pem)
                    .map_err(|e| format!("{}: bad key ({e})", path.display()))
            };
            Ok(Keys {
                id: SigningKey::from_rsa(&load(&file.id_token_key)?)?,
                access: SigningKey::from_rsa(&load(&file.access_token_key)?)?,
            })
        };
        match std::fs::read_to_string(path) {
            Ok(text) => read(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut rng = rand::thread_rng();
                let mut pem = || -> Result<String, String> {
                    let key = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?;
                    Ok(key
                        .to_pkcs1_pem(LineEnding::LF)
                        .map_err(|e| e.to_string())?
                        .to_string())
                };
                let file = KeyFile {
                    id_token_key: pem()?,
                    access_token_key: pem()?,
                };
                let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
                std::fs::write(path, &text)
                    .map_err(|e| format!("cannot write the key file {}: {e}", path.display()))?;
                read(&text)
            }
            Err(e) => Err(format!("cannot read the key file {}: {e}", path.display())),
        }
    }

    pub fn get(&self, which: KeyUse) -> &SigningKey {
        match which {
            KeyUse::Id => &self.id,
            KeyUse::Access => &self.access,
        }
    }

    pub fn by_kid(&self, kid: &str) -> Option<(KeyUse, &SigningKey)> {
        [(KeyUse::Id, &self.id), (KeyUse::Access, &self.access)]
            .into_iter()
            .find(|(_, k)| k.kid == kid)
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.id.jwk(), self.access.jwk()] })
    }
}
