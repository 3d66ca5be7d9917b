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
use crate::state::AppState;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The API's id in the ARNs its refusals name.
pub const API_ID: &str = "dragons0iam";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

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

/// The parts of `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
struct Parsed<'a> {
    access_key: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    terminator: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse(value: &str) -> Option<Parsed<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?.trim_start();
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [access_key, date, region, service, terminator] = scope[..] else {
        return None;
    };
    Some(Parsed {
        access_key,
        date,
        region,
        service,
        terminator,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

/// `YYYYMMDDTHHMMSSZ` as epoch seconds.
fn parse_amz_date(text: &str) -> Option<i64> {
    if text.len() != 16 || !text.ends_with('Z') || text.as_bytes().get(8) != Some(&b'T') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (n(0..4)?, n(4..6)?, n(6..8)?);
    let (hh, mm, ss) = (n(9..11)?, n(11..13)?, n(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Epoch seconds as `YYYYMMDDTHHMMSSZ`.
fn format_amz_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
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
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return forbidden(
            shared,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
    };
    let Some(parsed) = parse(&authorization) else {
        return forbidden(
            shared,
            "IncompleteSignatureException",
            &dragons::signature_complaint(&authorization),
        );
    };
    let Some(amz_date) = headers.get("x-amz-date").and_then(|v| v.to_str().ok()) else {
        return forbidden(
            shared,
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        );
    };
    let config = &shared.config;
    let mut wrong = String::new();
    if parsed.region != config.region {
        wrong.push_str(&format!(
            "Credential should be scoped to a valid region, not '{}'. ",
            parsed.region
        ));
    }
    if parsed.service != "execute-api" {
        wrong.push_str("Credential should be scoped to correct service: 'execute-api'. ");
    }
    if parsed.terminator != "aws4_request" {
        wrong.push_str(&format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{}'. ",
            parsed.terminator
        ));
    }
    if amz_date.get(..8) != Some(parsed.date) {
        wrong.push_str(&format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'. ",
            parsed.date,
            amz_date.get(..8).unwrap_or("")
        ));
    }
    if !wrong.is_empty() {
        return forbidden(shared, "InvalidSignatureException", wrong.trim_end());
    }
    let issued: Option<IssuedCredentials> =
        shared.store().credentials.get(parsed.access_key).cloned();
    let Some(issued) = issued else {
        return forbidden(
            shared,
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
    };
    let now = shared.clock.now();
    // Five minutes either way, as AWS allows.
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return forbidden(
            shared,
            "IncompleteSignatureException",
            &format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"),
        );
    };
    if signed_at < now - 300 {
        return forbidden(
            shared,
            "InvalidSignatureException",
            &format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                format_amz_date(now - 300),
                format_amz_date(now)
            ),
        );
    }
    if signed_at > now + 300 {
        return forbidden(
            shared,
            "InvalidSignatureException",
            &format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                format_amz_date(now + 300),
                format_amz_date(now)
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
    let computed = compute(
        method.as_str(),
        path,
        query,
        headers,
        &parsed.signed_headers,
        body,
        amz_date,
        (parsed.date, parsed.region, parsed.service),
        &issued.secret_key,
    );
    let host_signed = parsed.signed_headers.contains(&"host");
    let token_signed = parsed.signed_headers.contains(&"x-amz-security-token");
    if computed.signature != parsed.signature || !host_signed || !token_signed {
        return forbidden(
            shared,
            "InvalidSignatureException",
            &format!(
                "{MISMATCH}\n\nThe Canonical String for this request should have been\n'{}'\n\nThe String-to-Sign should have been\n'{}'\n",
                computed.canonical_request, computed.string_to_sign
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

    #[test]
    fn amz_dates_round_trip_and_bad_ones_are_none() {
        for secs in [0, 951_782_400, 1_796_700_356, 4_102_444_799] {
            assert_eq!(parse_amz_date(&format_amz_date(secs)), Some(secs));
        }
        assert_eq!(format_amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(parse_amz_date("20150830T123600"), None);
        assert_eq!(parse_amz_date("2015-08-30T12:36:00Z"), None);
    }

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
