//! Randomness and RS256 signature checks through the browser's WebCrypto.

use crate::auth::error::BrowserError;
use crate::auth::jwks::Jwk;
use crate::auth::machine::CryptoError;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `crypto.getRandomValues`: a cryptographically strong random array.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], BrowserError> {
    let mut bytes = [0u8; N];
    web_sys::window()
        .ok_or(BrowserError::NoRandomness)?
        .crypto()
        .map_err(|_| BrowserError::NoRandomness)?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(|_| BrowserError::NoRandomness)?;
    Ok(bytes)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

fn js_error(e: JsValue) -> CryptoError {
    CryptoError(
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "unknown error".into()),
    )
}

/// Check an RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature with the RSA public key `jwk`.
/// `Ok(false)`: the signature does not match. `Err`: the key could not be used.
pub async fn verify_rs256(
    jwk: &Jwk,
    signing_input: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let no_crypto = || CryptoError("this browser has no Web Crypto".into());
    let subtle = web_sys::window()
        .ok_or_else(no_crypto)?
        .crypto()
        .map_err(|_| no_crypto())?
        .subtle();
    let key_data = object(&[
        ("kty", "RSA".into()),
        ("n", jwk.n.as_str().into()),
        ("e", jwk.e.as_str().into()),
        ("alg", "RS256".into()),
        ("ext", true.into()),
    ]);
    let algorithm = object(&[
        ("name", "RSASSA-PKCS1-v1_5".into()),
        ("hash", "SHA-256".into()),
    ]);
    let usages = Array::of1(&"verify".into());
    let key = JsFuture::from(
        subtle
            .import_key_with_object("jwk", &key_data, &algorithm, false, &usages)
            .map_err(js_error)?,
    )
    .await
    .map_err(|e| {
        CryptoError(format!(
            "the key {} could not be imported ({})",
            jwk.kid,
            js_error(e).0
        ))
    })?;
    let key: web_sys::CryptoKey = key
        .dyn_into()
        .map_err(|_| CryptoError("not a CryptoKey".into()))?;
    let verdict = JsFuture::from(
        subtle
            .verify_with_object_and_u8_array_and_u8_array(
                &algorithm,
                &key,
                signature,
                signing_input,
            )
            .map_err(js_error)?,
    )
    .await
    .map_err(js_error)?;
    Ok(verdict.as_bool().unwrap_or(false))
}
