//! AWS Signature Version 4 as AWS's front ends read it, shared by the user pools API (which
//! checks shape and scope only: it knows no secrets) and the IAM-guarded dragons API (which
//! also recomputes the signature with the secret the identity pool issued, in iam_api.rs):
//! the `Authorization` header's parts, the credential scope, `X-Amz-Date` in ISO 8601 basic
//! format, and AWS's words for each problem.

use axum::http::{header, HeaderMap};
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// AWS's opening words for a signature that does not match.
pub const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// A refusal: AWS's error type and message.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub kind: &'static str,
    pub message: String,
}

fn refuse(kind: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        kind,
        message: message.into(),
    }
}

/// The parts of a well-formed, correctly scoped `Authorization: AWS4-HMAC-SHA256 …`.
#[derive(Debug)]
pub struct Signed {
    pub access_key: String,
    /// The credential scope's date, region and service.
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
    /// `X-Amz-Date` (absent when the request dates itself with `Date`).
    pub amz_date: Option<String>,
}

/// Read the `Authorization` header: `Ok(None)` without one; a [`Refusal`] in AWS's words when
/// its shape, its date or its credential's scope (`region`, `service`, `aws4_request`, the
/// date of `X-Amz-Date`) is wrong. The signature itself is the caller's to check.
pub fn check_shape(
    headers: &HeaderMap,
    region: &str,
    service: &str,
) -> Result<Option<Signed>, Refusal> {
    let Some(authorization) = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty())
    else {
        return Ok(None);
    };
    let Some(rest) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(refuse(
            "IncompleteSignatureException",
            crate::dragons::signature_complaint(&authorization),
        ));
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            return Err(refuse(
                "IncompleteSignatureException",
                format!("'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'."),
            ));
        };
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => {}
        }
    }
    let amz_date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let has_date = amz_date.is_some() || headers.contains_key(header::DATE);
    let mut missing = String::new();
    for (name, present) in [
        ("Credential", credential.is_some()),
        ("Signature", signature.is_some()),
        ("SignedHeaders", signed_headers.is_some()),
    ] {
        if !present {
            missing.push_str(&format!(
                "Authorization header requires '{name}' parameter. "
            ));
        }
    }
    if !has_date {
        missing.push_str(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
        );
    }
    if !missing.is_empty() {
        return Err(refuse(
            "IncompleteSignatureException",
            format!("{missing}Authorization={authorization}"),
        ));
    }
    let credential = credential.unwrap_or_default();
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, scope_region, scope_service, terminator] = scope[..] else {
        return Err(refuse(
            "IncompleteSignatureException",
            format!("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"),
        ));
    };
    if let Some(x) = &amz_date {
        if parse_amz_date(x).is_none() {
            return Err(refuse(
                "IncompleteSignatureException",
                format!("Date must be in ISO-8601 'basic format'. Got '{x}'. See http://en.wikipedia.org/wiki/ISO_8601"),
            ));
        }
    }
    let mut wrong = String::new();
    if scope_region != region {
        wrong.push_str(&format!(
            "Credential should be scoped to a valid region, not '{scope_region}'. "
        ));
    }
    if scope_service != service {
        wrong.push_str(&format!(
            "Credential should be scoped to correct service: '{service}'. "
        ));
    }
    if terminator != "aws4_request" {
        wrong.push_str(&format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "
        ));
    }
    if let Some(x) = &amz_date {
        let day = x.get(..8).unwrap_or(x);
        if date != day {
            wrong.push_str(&format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{day}', from '{x}'. "
            ));
        }
    }
    if !wrong.is_empty() {
        return Err(refuse("InvalidSignatureException", wrong.trim_end()));
    }
    Ok(Some(Signed {
        access_key: access_key.to_owned(),
        date: date.to_owned(),
        region: scope_region.to_owned(),
        service: scope_service.to_owned(),
        signed_headers: signed_headers
            .unwrap_or_default()
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: signature.unwrap_or_default().to_owned(),
        amz_date,
    }))
}

/// `YYYYMMDDTHHMMSSZ` (ISO 8601 basic format, UTC) as epoch seconds.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    PrimitiveDateTime::parse(text, format)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// Epoch seconds as `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(secs: i64) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(format).ok())
        .unwrap_or_default()
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
        assert_eq!(parse_amz_date("20151330T123600Z"), None, "month 13");
    }

    fn with(authorization: &str, amz_date: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, authorization.parse().unwrap());
        if let Some(d) = amz_date {
            h.insert("x-amz-date", d.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_scope_names_the_service_each_api_wants() {
        let auth = "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab";
        let headers = with(auth, Some("20260101T120000Z"));
        let ok = check_shape(&headers, "us-east-1", "execute-api")
            .unwrap()
            .unwrap();
        assert_eq!(ok.access_key, "AK");
        assert_eq!(ok.signed_headers, ["host", "x-amz-date"]);
        let e = check_shape(&headers, "us-east-1", "cognito-idp").unwrap_err();
        assert_eq!(e.kind, "InvalidSignatureException");
        assert_eq!(
            e.message,
            "Credential should be scoped to correct service: 'cognito-idp'."
        );
        assert!(check_shape(&HeaderMap::new(), "us-east-1", "execute-api")
            .unwrap()
            .is_none());
    }
}
