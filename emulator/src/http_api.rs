//! The dragons API as an HTTP API (API Gateway v2) behind a JWT authorizer:
//! `GET/POST /dragons` on its own origin (the `$default` stage), `JwtConfiguration{Issuer:
//! <the pool>, Audience: [<client id>]}`, identity source `$request.header.Authorization`.
//!
//! What it checks, per `shared/cognito-wire-spec.md` ("API guards"): the token raw or after
//! `Bearer `; RSA; `kid` among the issuer's keys; the signature; `iss`; `exp`, `nbf`, `iat`;
//! `aud` in the audience list, or `client_id` when the token has no `aud`. Not `token_use`: so
//! both Cognito tokens pass an unscoped route. A scoped route needs one of its scopes in `scope`
//! (or `scp`). Every 401 is `{"message":"Unauthorized"}` with a `www-authenticate` header saying
//! why; a missing scope is 403 `{"message":"Forbidden"}`. The API's CORS configuration answers
//! preflights itself and is on every answer, the authorizer's included.

use crate::dragons;
use crate::state::{uuid, AppState};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{json, Map, Value};

/// Headers the CORS configuration allows and exposes (`AllowHeaders`, `ExposeHeaders`): the
/// page can read why a call was refused.
const ALLOW_HEADERS: &str = "authorization,content-type";
const EXPOSE_HEADERS: &str = "www-authenticate,apigw-requestid";

/// Why the authorizer refused a token: the `www-authenticate` header API Gateway sends.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header (or an empty one).
    NoToken,
    /// Not a JWT the authorizer can read or trust; the text is `error_description`.
    Invalid(&'static str),
    /// Valid, but none of the route's scopes: 403.
    Scope(Vec<String>),
}

impl Refusal {
    pub fn www_authenticate(&self) -> String {
        match self {
            Refusal::NoToken => "Bearer".to_owned(),
            Refusal::Invalid(why) => {
                format!("Bearer scope=\"\" error=\"invalid_token\" error_description=\"{why}\"")
            }
            Refusal::Scope(scopes) => format!(
                "Bearer scope=\"{}\" error=\"insufficient_scope\" error_description=\"the token does not have the required scopes\"",
                scopes.join(" ")
            ),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Refusal::Scope(_) => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        }
    }

    fn message(&self) -> &'static str {
        match self {
            Refusal::Scope(_) => "Forbidden",
            _ => "Unauthorized",
        }
    }
}

// The `error_description`s. Confirmed: segments and audience; the others are the likeliest
// wording (emulator/README.md lists them under what may differ).
pub const SEGMENTS: &str = "token contains an invalid number of segments";
pub const AUDIENCE: &str = "the token does not have a valid audience";
pub const EXPIRED: &str = "the token has expired";
pub const NOT_YET: &str = "the token is not valid yet";
pub const ISSUER: &str = "the token does not have a valid issuer";
pub const SIGNATURE: &str = "the token signature is invalid";
pub const MALFORMED: &str = "the token is malformed";
pub const KEY: &str = "the token's signing key was not found at the issuer";

/// The JWT authorizer: the claims of a token this route lets through, or why not.
pub fn authorize(
    shared: &AppState,
    headers: &HeaderMap,
    scopes: &[String],
) -> Result<Map<String, Value>, Refusal> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or(Refusal::NoToken)?;
    let token = raw.strip_prefix("Bearer ").unwrap_or(&raw).trim();
    if token.split('.').count() != 3 {
        return Err(Refusal::Invalid(SEGMENTS));
    }
    if token.len() > 16 * 1024 {
        return Err(Refusal::Invalid(MALFORMED));
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Invalid(MALFORMED))?;
    // RSA only (RS256 is what Cognito signs with).
    if header.alg != Algorithm::RS256 {
        return Err(Refusal::Invalid(SIGNATURE));
    }
    let keys = shared.keys();
    // Either of the pool's keys: the authorizer does not care which token type it is.
    let (_, key) = header
        .kid
        .as_deref()
        .and_then(|kid| keys.by_kid(kid))
        .ok_or(Refusal::Invalid(KEY))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding_key(), &validation)
        .map_err(|_| Refusal::Invalid(SIGNATURE))?
        .claims;
    if claims.get("iss").and_then(Value::as_str) != Some(shared.urls.issuer.as_str()) {
        return Err(Refusal::Invalid(ISSUER));
    }
    let now = shared.clock.now();
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > now => {}
        Some(_) => return Err(Refusal::Invalid(EXPIRED)),
        None => return Err(Refusal::Invalid(MALFORMED)),
    }
    let in_future = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_i64)
            .is_some_and(|t| t > now)
    };
    if in_future("nbf") || in_future("iat") {
        return Err(Refusal::Invalid(NOT_YET));
    }
    let configured = &shared.config.http_api.audience;
    let audience: Vec<&str> = if configured.is_empty() {
        vec![shared.config.client.client_id.as_str()]
    } else {
        configured.iter().map(String::as_str).collect()
    };
    // `aud` counts when present (a string or a list); only without it, `client_id`.
    let presented: Vec<&str> = match claims.get("aud") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        Some(_) => vec![],
        None => claims
            .get("client_id")
            .and_then(Value::as_str)
            .into_iter()
            .collect(),
    };
    if !presented.iter().any(|a| audience.contains(a)) {
        return Err(Refusal::Invalid(AUDIENCE));
    }
    if !scopes.is_empty() {
        let granted: Vec<&str> = ["scope", "scp"]
            .iter()
            .filter_map(|k| claims.get(*k))
            .flat_map(|v| match v {
                Value::String(s) => s.split(' ').collect::<Vec<_>>(),
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            })
            .collect();
        if !scopes.iter().any(|want| granted.contains(&want.as_str())) {
            return Err(Refusal::Scope(scopes.to_vec()));
        }
    }
    Ok(claims)
}

/// The CORS configuration's headers on an answer (and nothing from the integration's own).
fn cors(shared: &AppState, response: &mut Response) {
    let h = response.headers_mut();
    for name in [
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        header::ACCESS_CONTROL_ALLOW_METHODS,
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
    ] {
        h.remove(name);
    }
    if shared.config.http_api.cors {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
}

fn finish(shared: &AppState, mut response: Response) -> Response {
    response.headers_mut().remove("x-amzn-requestid");
    if let Ok(v) = HeaderValue::from_str(&uuid()) {
        response.headers_mut().insert("apigw-requestid", v);
    }
    cors(shared, &mut response);
    response
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "message": text }))).into_response()
}

fn refused(shared: &AppState, refusal: Refusal) -> Response {
    let mut response = message(refusal.status(), refusal.message());
    if let Ok(v) = HeaderValue::from_str(&refusal.www_authenticate()) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    finish(shared, response)
}

/// Every request to the HTTP API's origin.
pub async fn gateway(
    State(shared): State<AppState>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let on_resource = uri.path() == "/dragons";
    // The CORS configuration answers every preflight itself, before routes and authorizers.
    if method == Method::OPTIONS
        && shared.config.http_api.cors
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut response = finish(&shared, StatusCode::NO_CONTENT.into_response());
        let h = response.headers_mut();
        h.remove(header::ACCESS_CONTROL_EXPOSE_HEADERS);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET,POST,OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("300"),
        );
        return response;
    }
    let config = &shared.config.http_api;
    let scopes = match (on_resource, &method) {
        (true, &Method::GET) => &config.get_scopes,
        (true, &Method::POST) => &config.post_scopes,
        // No route: HTTP APIs answer 404 before any authorizer.
        _ => return finish(&shared, message(StatusCode::NOT_FOUND, "Not Found")),
    };
    if let Err(refusal) = authorize(&shared, &headers, scopes) {
        return refused(&shared, refusal);
    }
    let answer = if method == Method::GET {
        dragons::list(&shared, query.as_deref().unwrap_or(""))
    } else {
        dragons::create(&shared, &headers, &body)
    };
    finish(&shared, answer)
}
