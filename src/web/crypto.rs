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

fn subtle() -> Result<web_sys::SubtleCrypto, CryptoError> {
    let no_crypto = || CryptoError("this browser has no Web Crypto".into());
    Ok(web_sys::window()
        .ok_or_else(no_crypto)?
        .crypto()
        .map_err(|_| no_crypto())?
        .subtle())
}

/// SHA-256 of `data` (WebCrypto's `digest`).
pub async fn sha256(data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let digest = JsFuture::from(
        subtle()?
            .digest_with_str_and_u8_array("SHA-256", data)
            .map_err(js_error)?,
    )
    .await
    .map_err(js_error)?;
    Ok(js_sys::Uint8Array::new(&digest).to_vec())
}

/// HMAC-SHA256 of `data` with `key` (WebCrypto: the key imported raw, then `sign`).
pub async fn hmac_sha256(key: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let subtle = subtle()?;
    let algorithm = object(&[("name", "HMAC".into()), ("hash", "SHA-256".into())]);
    let usages = Array::of1(&"sign".into());
    let key = JsFuture::from(
        subtle
            .import_key_with_object(
                "raw",
                &js_sys::Uint8Array::from(key),
                &algorithm,
                false,
                &usages,
            )
            .map_err(js_error)?,
    )
    .await
    .map_err(js_error)?;
    let key: web_sys::CryptoKey = key
        .dyn_into()
        .map_err(|_| CryptoError("not a CryptoKey".into()))?;
    let mac = JsFuture::from(
        subtle
            .sign_with_str_and_u8_array("HMAC", &key, data)
            .map_err(js_error)?,
    )
    .await
    .map_err(js_error)?;
    Ok(js_sys::Uint8Array::new(&mac).to_vec())
}

/// Sign `request` with Signature Version 4 (the steps of `api::sigv4`, hashed by WebCrypto):
/// the request with `X-Amz-Date`, `X-Amz-Security-Token` and `Authorization` added, and every
/// step for the inspector.
pub async fn sign_sigv4(
    request: &crate::api::ApiRequest,
    credentials: &crate::api::sigv4::Credentials,
    region: &str,
    now: i64,
) -> Result<(crate::api::ApiRequest, crate::api::sigv4::Signed), CryptoError> {
    use crate::api::sigv4;
    let date = sigv4::amz_date(now);
    let added = sigv4::date_and_token(&date, credentials);
    let all: Vec<(String, String)> = request
        .headers
        .iter()
        .cloned()
        .chain(added.iter().cloned())
        .collect();
    let body = request.body.as_deref().unwrap_or("").as_bytes();
    let canonical = sigv4::canonical_request(
        request.method,
        &request.url,
        &all,
        &sigv4::hex(&sha256(body).await?),
    )
    .ok_or_else(|| CryptoError(format!("{} is not a URL this app can sign", request.url)))?;
    let scope = sigv4::scope(&date, region, "execute-api");
    let to_sign = sigv4::string_to_sign(
        &date,
        &scope,
        &sigv4::hex(&sha256(canonical.request.as_bytes()).await?),
    );
    let (mut key, messages) = sigv4::key_steps(&credentials.secret_key, &scope);
    for m in &messages {
        key = hmac_sha256(&key, m.as_bytes()).await?;
    }
    let signature = sigv4::hex(&hmac_sha256(&key, to_sign.as_bytes()).await?);
    let mut headers = added;
    headers.push((
        "Authorization".into(),
        sigv4::authorization(
            &credentials.access_key_id,
            &scope,
            &canonical.signed_headers,
            &signature,
        ),
    ));
    let mut signed_request = request.clone();
    signed_request.headers.extend(headers.iter().cloned());
    Ok((
        signed_request,
        sigv4::Signed {
            canonical_request: canonical.request,
            string_to_sign: to_sign,
            signature,
            headers,
        },
    ))
}
