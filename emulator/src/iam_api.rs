//! The dragons API behind `AWS_IAM`: `GET`/`POST /<iam stage>/dragons` on the REST API's origin,
//! each request verified as API Gateway does: an AWS Signature Version 4 made with temporary
//! credentials this stack's identity pool handed out (service `execute-api`, this region,
//! `X-Amz-Date` within 5 minutes, `X-Amz-Security-Token` signed), then the role's policy: the
//! authenticated role may `GET` and `POST`, the guest role only `GET`.
//!
//! Written from the SigV4 rules on its own (canonical request, string to sign, signing key),
//! so a signature mismatch can say what AWS says, with the canonical string and the string to
//! sign the server computed.

use crate::dragons::{self, cors, gateway_error};
use crate::identity::IssuedCredentials;
use crate::sigv4;
use crate::state::AppState;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The API's id in the ARNs its refusals name.
pub const API_ID: &str = "dragons0iam";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

fn forbidden(shared: &AppState, error_type: &'static str, message: &str) -> Response {
    gateway_error(shared, StatusCode::FORBIDDEN, error_type, message)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 wants
/// (`/` too, unless `keep_slash`).
fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The canonical URI: the path as sent (still percent-encoded), encoded once more, as AWS does
/// for every service but S3.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".into();
    }
    uri_encode(path, true)
}

/// The canonical query string: every parameter decoded, then encoded, sorted by name and value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header's value as SigV4 signs it: trimmed, runs of spaces made one, repeated headers
/// joined by commas.
fn canonical_value(headers: &HeaderMap, name: &str) -> String {
    headers
        .get_all(name)
        .iter()
        .map(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What the server computed for a request: the canonical request, the string to sign and the
/// signature, with `secret`.
pub struct Computed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
}

#[allow(clippy::too_many_arguments)]
pub fn compute(
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    signed_headers: &[&str],
    body: &[u8],
    amz_date: &str,
    scope: (&str, &str, &str),
    secret: &str,
) -> Computed {
    let (date, region, service) = scope;
    let canonical_headers: String = signed_headers
        .iter()
        .map(|name| format!("{name}:{}\n", canonical_value(headers, name)))
        .collect();
    let payload = headers
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| sha256_hex(body));
    let canonical_request = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{}\n{payload}",
        canonical_uri(path),
        canonical_query(query),
        signed_headers.join(";"),
    );
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    Computed {
        signature: hex(&hmac(&key, string_to_sign.as_bytes())),
        canonical_request,
        string_to_sign,
    }
}

/// Every request to `/<iam stage>/dragons`.
pub fn gateway(
    shared: &AppState,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    if method == Method::OPTIONS {
        let mut response = StatusCode::OK.into_response();
        cors(&mut response);
        return response;
    }
    let config = &shared.config;
    let parsed = match sigv4::check_shape(headers, &config.region, "execute-api") {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            return forbidden(
                shared,
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            )
        }
        Err(refusal) => return forbidden(shared, refusal.kind, &refusal.message),
    };
    // The stack dates signatures by X-Amz-Date only (the SDKs send it).
    let Some(amz_date) = parsed.amz_date.as_deref() else {
        return forbidden(
            shared,
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    };
    let issued: Option<IssuedCredentials> =
        shared.store().credentials.get(&parsed.access_key).cloned();
    let Some(issued) = issued else {
        return forbidden(
            shared,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
    };
    let now = shared.clock.now();
    // Five minutes either way, as AWS allows.
    // check_shape refused any other format.
    let signed_at = sigv4::parse_amz_date(amz_date).unwrap_or_default();
    if signed_at < now - 300 {
        return forbidden(
            shared,
            "InvalidSignatureException",
            &format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                sigv4::format_amz_date(now - 300),
                sigv4::format_amz_date(now)
            ),
        );
    }
    if signed_at > now + 300 {
        return forbidden(
            shared,
            "InvalidSignatureException",
            &format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                sigv4::format_amz_date(now + 300),
                sigv4::format_amz_date(now)
            ),
        );
    }
    // The session token belongs to the key, and must be among the signed headers.
    let token = headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    if token != Some(issued.session_token.as_str()) {
        return forbidden(
            shared,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
    }
    let signed_headers: Vec<&str> = parsed.signed_headers.iter().map(String::as_str).collect();
    let computed = compute(
        method.as_str(),
        path,
        query,
        headers,
        &signed_headers,
        body,
        amz_date,
        (&parsed.date, &parsed.region, &parsed.service),
        &issued.secret_key,
    );
    let host_signed = signed_headers.contains(&"host");
    let token_signed = signed_headers.contains(&"x-amz-security-token");
    if computed.signature != parsed.signature || !host_signed || !token_signed {
        return forbidden(
            shared,
            "InvalidSignatureException",
            &format!(
                "{}\n\nThe Canonical String for this request should have been\n'{}'\n\nThe String-to-Sign should have been\n'{}'\n",
                sigv4::MISMATCH, computed.canonical_request, computed.string_to_sign
            ),
        );
    }
    if issued.expiration <= now {
        return forbidden(
            shared,
            "ExpiredTokenException",
            "The security token included in the request is expired",
        );
    }
    // The role's policy: guests may only read.
    if !issued.authenticated && method == Method::POST {
        let role = config
            .identity_pool
            .unauthenticated_role_arn
            .as_deref()
            .and_then(|arn| arn.rsplit('/').next())
            .unwrap_or("unauthenticated");
        let account = crate::config::ACCOUNT_ID;
        let stage = &config.iam_api_stage;
        let message = format!(
            "User: arn:aws:sts::{account}:assumed-role/{role}/CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:{}:{account}:{API_ID}/{stage}/POST/dragons",
            config.region
        );
        let mut response =
            (StatusCode::FORBIDDEN, Json(json!({ "Message": message }))).into_response();
        response.headers_mut().insert(
            "x-amzn-errortype",
            axum::http::HeaderValue::from_static("AccessDeniedException"),
        );
        if config.api.cors_on_gateway_errors {
            cors(&mut response);
        }
        return response;
    }
    match *method {
        Method::GET => dragons::list(shared, query),
        Method::POST => dragons::create(shared, headers, body),
        _ => forbidden(
            shared,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's own published example (the SigV4 documentation's IAM `ListUsers` request).
    #[test]
    fn the_documented_example_signs_to_its_published_signature() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8"
                .parse()
                .unwrap(),
        );
        headers.insert("host", "iam.amazonaws.com".parse().unwrap());
        headers.insert("x-amz-date", "20150830T123600Z".parse().unwrap());
        let c = compute(
            "GET",
            "/",
            "Action=ListUsers&Version=2010-05-08",
            &headers,
            &["content-type", "host", "x-amz-date"],
            b"",
            "20150830T123600Z",
            ("20150830", "us-east-1", "iam"),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        );
        assert_eq!(
            sha256_hex(c.canonical_request.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            c.signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    #[test]
    fn paths_are_encoded_twice_and_queries_sorted() {
        assert_eq!(canonical_uri("/iam/dragons"), "/iam/dragons");
        assert_eq!(canonical_uri("/a%20b/c"), "/a%2520b/c");
        assert_eq!(canonical_query("b=2&a=x y&a=1"), "a=1&a=x%20y&b=2");
    }
}
