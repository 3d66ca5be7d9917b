//! The dragons API behind an API-Gateway-like Cognito user pool authorizer:
//! `GET/POST /<stage>/dragons`, with the gateway's own 401/403 answers and its CORS behaviour.

use crate::keys::KeyUse;
use crate::state::{uuid, AppState, Dragon};
use crate::tokens::{self, Rejection};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

const ALLOW_HEADERS: &str = "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token";

pub(crate) fn cors(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOW_HEADERS),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET,POST,OPTIONS"),
    );
}

fn request_id(response: &mut Response) {
    if let Ok(v) = HeaderValue::from_str(&uuid()) {
        response.headers_mut().insert("x-amzn-requestid", v);
    }
}

/// An answer made by the gateway itself: CORS headers only if the API has gateway responses.
pub(crate) fn gateway_error(
    shared: &AppState,
    status: StatusCode,
    error_type: &'static str,
    message: &str,
) -> Response {
    let mut response = (status, Json(json!({ "message": message }))).into_response();
    response
        .headers_mut()
        .insert("x-amzn-errortype", HeaderValue::from_static(error_type));
    request_id(&mut response);
    if shared.config.api.cors_on_gateway_errors {
        cors(&mut response);
    }
    response
}

fn unauthorized(shared: &AppState, message: &str) -> Response {
    gateway_error(
        shared,
        StatusCode::UNAUTHORIZED,
        "UnauthorizedException",
        message,
    )
}

/// An answer from the integration (our "Lambda"), which always sets CORS headers.
fn integration(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    request_id(&mut response);
    cors(&mut response);
    response
}

/// The Cognito authorizer: ID token for a method without scopes, access token with one of
/// `scopes` otherwise. The raw token or `Bearer <token>` in `Authorization`.
fn authorize(shared: &AppState, headers: &HeaderMap, scopes: &[String]) -> Result<(), Response> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| unauthorized(shared, "Unauthorized"))?;
    let token = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
    let expected = if scopes.is_empty() {
        KeyUse::Id
    } else {
        KeyUse::Access
    };
    let claims = tokens::verify(shared, token, expected).map_err(|r| match r {
        Rejection::Expired => unauthorized(shared, "The incoming token has expired"),
        Rejection::Invalid => unauthorized(shared, "Unauthorized"),
    })?;
    let client_ok = match expected {
        KeyUse::Id => claims.get("aud"),
        KeyUse::Access => claims.get("client_id"),
    }
    .and_then(Value::as_str)
        == Some(shared.config.client.client_id.as_str());
    let scope_ok = scopes.is_empty()
        || claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split(' ')
            .any(|s| scopes.iter().any(|want| want == s));
    if client_ok && scope_ok {
        Ok(())
    } else {
        Err(unauthorized(shared, "Unauthorized"))
    }
}

/// Every request to the API origin goes through here, as through API Gateway's router.
pub async fn gateway(
    State(shared): State<AppState>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let iam = format!("/{}/dragons", shared.config.iam_api_stage);
    if uri.path() == iam || uri.path() == format!("{iam}/") {
        return crate::iam_api::gateway(
            &shared,
            &method,
            uri.path(),
            query.as_deref().unwrap_or(""),
            &headers,
            &body,
        );
    }
    let path = format!("/{}/dragons", shared.config.api.stage);
    let on_resource = uri.path() == path || uri.path() == format!("{path}/");
    if !on_resource {
        return unknown_route(&shared, &headers);
    }
    match method {
        Method::OPTIONS => {
            let mut response = StatusCode::OK.into_response();
            cors(&mut response);
            response
        }
        Method::GET => {
            if let Err(r) = authorize(&shared, &headers, &shared.config.api.get_scopes) {
                return r;
            }
            list(&shared, query.as_deref().unwrap_or(""))
        }
        Method::POST => {
            if let Err(r) = authorize(&shared, &headers, &shared.config.api.post_scopes) {
                return r;
            }
            create(&shared, &headers, &body)
        }
        _ => unknown_route(&shared, &headers),
    }
}

/// A path, stage or method the API does not have: API Gateway answers 403 before any
/// authorizer runs. Without an `Authorization` header that is "Missing Authentication Token";
/// with one, the gateway reads the header as an (incomplete) AWS Signature V4 and says so,
/// echoing the value. Either way it means a wrong URL, not a bad token.
fn unknown_route(shared: &AppState, headers: &HeaderMap) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .filter(|v| !v.trim().is_empty());
    let Some(value) = authorization else {
        return gateway_error(
            shared,
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        );
    };
    gateway_error(
        shared,
        StatusCode::FORBIDDEN,
        "IncompleteSignatureException",
        &signature_complaint(&value),
    )
}

/// What API Gateway says about an `Authorization` value that is not a SigV4 signature:
/// `<algorithm> <key=value>, <key=value>, …`. A value without a space (a raw token) is all
/// algorithm and lacks every part; after a space (`Bearer <token>`) the first part without an
/// equal sign is named.
pub fn signature_complaint(value: &str) -> String {
    let after_algorithm = value.split_once(' ').map(|(_, rest)| rest).unwrap_or("");
    let bad_pair = after_algorithm
        .split(',')
        .map(str::trim)
        .find(|part| !part.is_empty() && !part.contains('='));
    match bad_pair {
        Some(part) => format!(
            "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{value}'."
        ),
        None => format!(
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={value}"
        ),
    }
}

pub(crate) fn list(shared: &AppState, query: &str) -> Response {
    let mut name = None;
    let mut family = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "dragonName" => name = Some(v.into_owned()),
            "family" => family = Some(v.into_owned()),
            _ => {}
        }
    }
    let now = shared.clock.now_ms();
    let dragons: Vec<Value> = shared
        .store()
        .dragons
        .iter()
        .filter(|d| d.visible_at_ms <= now)
        .filter(|d| match (&name, &family) {
            (Some(n), _) => d.dragon_name_str == *n,
            (None, Some(f)) => d.family_str == *f,
            (None, None) => true,
        })
        .map(|d| serde_json::to_value(d).unwrap_or(Value::Null))
        .collect();
    integration(StatusCode::OK, Value::Array(dragons))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct NewDragon {
    dragon_name: String,
    description: String,
    family: String,
    city: String,
    country: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    neighborhood: String,
    reporting_phone_number: String,
    #[serde(default)]
    confirmation_required: bool,
}

pub(crate) fn create(shared: &AppState, headers: &HeaderMap, body: &Bytes) -> Response {
    let bad = || {
        gateway_error(
            shared,
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            "Invalid request body",
        )
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json || body.len() > 64 * 1024 {
        return bad();
    }
    let Ok(new) = serde_json::from_slice::<NewDragon>(body) else {
        return bad();
    };
    let required = [
        &new.dragon_name,
        &new.description,
        &new.family,
        &new.city,
        &new.country,
        &new.reporting_phone_number,
    ];
    if required
        .iter()
        .any(|v| v.trim().is_empty() || v.len() > 1024)
    {
        return bad();
    }
    let _ = new.confirmation_required;
    let now = shared.clock.now_ms();
    shared.store().dragons.push(Dragon {
        dragon_name_str: new.dragon_name,
        family_str: new.family,
        description_str: new.description,
        location_city_str: new.city,
        location_country_str: new.country,
        location_state_str: new.state,
        location_neighborhood_str: new.neighborhood,
        visible_at_ms: now + shared.config.api.post_visible_after_ms as i64,
    });
    let execution = uuid();
    integration(
        StatusCode::OK,
        json!({
            "executionArn": format!("arn:aws:states:{}:123456789012:execution:DragonsStateMachine:{execution}", shared.config.region),
            "startDate": now as f64 / 1000.0,
        }),
    )
}

/// A dozen dragons to start with, in the course's field names.
pub fn seed() -> Vec<Dragon> {
    let rows = [
        (
            "Atlas",
            "red",
            "Holds up the sky over the harbour; gentle with children.",
            "Anchorage",
            "USA",
            "Alaska",
            "Downtown",
        ),
        (
            "Bahamethut",
            "black",
            "Hoards old lighthouse lenses.",
            "Brighton",
            "UK",
            "",
            "Kemptown",
        ),
        (
            "Blaze",
            "red",
            "Lights the town's bonfire every winter solstice.",
            "Reykjavik",
            "Iceland",
            "",
            "Vesturbær",
        ),
        (
            "Cassidy",
            "green",
            "Tends the terraced gardens, very shy.",
            "Chiang Mai",
            "Thailand",
            "",
            "Old City",
        ),
        (
            "Cirrus",
            "blue",
            "Flies only above the clouds; seen at dawn.",
            "Denver",
            "USA",
            "Colorado",
            "Highland",
        ),
        (
            "Ember",
            "red",
            "Small, fast, and fond of toasted marshmallows.",
            "Portland",
            "USA",
            "Oregon",
            "Pearl District",
        ),
        (
            "Frost",
            "white",
            "Keeps the glacier cold in summer.",
            "Tromsø",
            "Norway",
            "",
            "Sentrum",
        ),
        (
            "Goldie",
            "gold",
            "Collects lost coins from the fountain and returns them.",
            "Rome",
            "Italy",
            "",
            "Trevi",
        ),
        (
            "Nimbus",
            "blue",
            "Brings the afternoon rain to the vineyards.",
            "Mendoza",
            "Argentina",
            "",
            "Chacras de Coria",
        ),
        (
            "Obsidian",
            "black",
            "Sleeps inside the old volcano; snores in earthquakes.",
            "Hilo",
            "USA",
            "Hawaii",
            "Kaumana",
        ),
        (
            "Sage",
            "green",
            "Gives advice to travellers, not always good.",
            "Kyoto",
            "Japan",
            "",
            "Arashiyama",
        ),
        (
            "Zephyr",
            "silver",
            "Races the trains along the coast.",
            "Lisbon",
            "Portugal",
            "",
            "Belém",
        ),
    ];
    rows.into_iter()
        .map(|(name, family, desc, city, country, state, hood)| Dragon {
            dragon_name_str: name.into(),
            family_str: family.into(),
            description_str: desc.into(),
            location_city_str: city.into(),
            location_country_str: country.into(),
            location_state_str: state.into(),
            location_neighborhood_str: hood.into(),
            visible_at_ms: 0,
        })
        .collect()
}
