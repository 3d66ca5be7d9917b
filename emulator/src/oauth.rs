//! The OAuth endpoints on the auth domain (`/oauth2/token`, `/oauth2/userInfo`,
//! `/oauth2/revoke`) and the issuer's discovery document and JWKS.

use crate::hosted_ui::form_pairs;
use crate::keys::KeyUse;
use crate::state::{opaque_token, uuid, AppState, RefreshGrant};
use crate::tokens::{self, Grant, Rejection};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// `400 {"error": "..."}`, as Cognito's token endpoint answers.
fn oauth_error(error: &str) -> Response {
    no_store((StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response())
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"),
    );
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The form body, or `invalid_request` (wrong content type, not UTF-8, a repeated field).
fn form(headers: &HeaderMap, body: &Bytes) -> Result<Vec<(String, String)>, Response> {
    form_pairs(headers, body).map_err(|_| oauth_error("invalid_request"))
}

fn field<'a>(form: &'a [(String, String)], key: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// POST /oauth2/token
pub async fn token(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match form(&headers, &body) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let Some(grant_type) = field(&form, "grant_type") else {
        return oauth_error("invalid_request");
    };
    let Some(client_id) = field(&form, "client_id") else {
        return oauth_error("invalid_request");
    };
    if client_id != shared.config.client.client_id {
        return oauth_error("invalid_client");
    }
    match grant_type {
        "authorization_code" => exchange_code(&shared, &form, client_id),
        "refresh_token" => refresh(&shared, &form, client_id),
        "client_credentials" => oauth_error("unauthorized_client"),
        _ => oauth_error("unsupported_grant_type"),
    }
}

fn exchange_code(shared: &AppState, form: &[(String, String)], client_id: &str) -> Response {
    if !shared
        .config
        .client
        .allowed_flows
        .iter()
        .any(|f| f == "code")
    {
        return oauth_error("unauthorized_client");
    }
    let (Some(code), Some(redirect_uri)) = (field(form, "code"), field(form, "redirect_uri"))
    else {
        return oauth_error("invalid_request");
    };
    // Single use: the code is gone on the first attempt, whether it succeeds or not.
    let Some(grant) = shared.store().codes.remove(code) else {
        return oauth_error("invalid_grant");
    };
    if grant.expires_at <= shared.clock.now()
        || grant.client_id != client_id
        || grant.redirect_uri != redirect_uri
    {
        return oauth_error("invalid_grant");
    }
    let verifier = field(form, "code_verifier");
    match (&grant.code_challenge, verifier) {
        (None, None) => {}
        (Some(challenge), Some(verifier))
            if s256(verifier) == *challenge && valid_verifier(verifier) => {}
        _ => return oauth_error("invalid_grant"),
    }
    let Some(user) = shared.store().users.get(&grant.username).cloned() else {
        return oauth_error("invalid_grant");
    };
    let origin_jti = uuid();
    let minted = tokens::mint(
        shared,
        &Grant {
            user: &user,
            client_id,
            scopes: &grant.scopes,
            nonce: grant.nonce.as_deref(),
            auth_time: grant.auth_time,
            origin_jti: &origin_jti,
            id_token: Grant::openid(&grant.scopes),
            at_hash: true,
        },
    );
    let refresh_token = opaque_token();
    shared.store().refresh_tokens.insert(
        refresh_token.clone(),
        RefreshGrant {
            client_id: client_id.to_owned(),
            username: user.username.clone(),
            scopes: grant.scopes.clone(),
            auth_time: grant.auth_time,
            expires_at: shared.clock.now() + shared.config.tokens.refresh_token_seconds as i64,
            revoked: false,
            origin_jti,
            rotated_at_ms: None,
            api: false,
        },
    );
    token_answer(shared, minted, Some(refresh_token))
}

/// The 200 answer: tokens, `expires_in`, `token_type`, and a refresh token only when given.
fn token_answer(
    shared: &AppState,
    minted: tokens::Minted,
    refresh_token: Option<String>,
) -> Response {
    let mut body = json!({
        "access_token": minted.access_token,
        "expires_in": shared.config.tokens.access_token_seconds,
        "token_type": "Bearer",
    });
    if let Some(r) = refresh_token {
        body["refresh_token"] = json!(r);
    }
    if let Some(id) = minted.id_token {
        body["id_token"] = json!(id);
    }
    no_store(Json(body).into_response())
}

/// RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~].
fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn refresh(shared: &AppState, form: &[(String, String)], client_id: &str) -> Response {
    let Some(refresh_token) = field(form, "refresh_token") else {
        return oauth_error("invalid_request");
    };
    let Some(Redeemed {
        grant,
        user,
        successor,
    }) = redeem_refresh_token(shared, refresh_token, client_id)
    else {
        return oauth_error("invalid_grant");
    };
    let minted = tokens::mint(
        shared,
        &Grant {
            user: &user,
            client_id,
            scopes: &grant.scopes,
            nonce: None,
            auth_time: grant.auth_time,
            origin_jti: &grant.origin_jti,
            id_token: grant.api || Grant::openid(&grant.scopes),
            at_hash: true,
        },
    );
    // Without rotation Cognito returns no new refresh token: the client keeps the one it has.
    token_answer(shared, minted, successor)
}

/// A refresh token that was accepted: its session, its user, and (with rotation) the new
/// refresh token that succeeds it.
pub struct Redeemed {
    pub grant: RefreshGrant,
    pub user: crate::state::User,
    pub successor: Option<String>,
}

/// Accept `refresh_token` for `client_id` if it is known, unrevoked, unexpired and (with
/// rotation) within its grace period; with rotation, mint its successor in the same family
/// (same session, user, scopes and auth_time, valid for what is left of the one presented).
/// None: refuse it (`invalid_grant`, `NotAuthorizedException`).
pub fn redeem_refresh_token(
    shared: &AppState,
    refresh_token: &str,
    client_id: &str,
) -> Option<Redeemed> {
    let rotation = shared.config.client.refresh_token_rotation_grace_seconds;
    let now_ms = shared.clock.now_ms();
    let mut store = shared.store();
    let grant = match store.refresh_tokens.get_mut(refresh_token) {
        Some(g)
            if !g.revoked
                && g.expires_at * 1000 > now_ms
                && g.client_id == client_id
                && within_grace(g.rotated_at_ms, rotation, now_ms) =>
        {
            if rotation.is_some() && g.rotated_at_ms.is_none() {
                g.rotated_at_ms = Some(now_ms);
            }
            g.clone()
        }
        _ => return None,
    };
    let user = store.users.get(&grant.username).cloned()?;
    let successor = rotation.map(|_| {
        let token = opaque_token();
        store.refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                rotated_at_ms: None,
                ..grant.clone()
            },
        );
        token
    });
    Some(Redeemed {
        grant,
        user,
        successor,
    })
}

/// Whether a refresh token still works: never rotated, or rotated less than the client's grace
/// period ago (0 = it died with its first rotation).
fn within_grace(rotated_at_ms: Option<i64>, grace_secs: Option<u64>, now_ms: i64) -> bool {
    match rotated_at_ms {
        None => true,
        Some(at) => now_ms < at + grace_secs.unwrap_or(0) as i64 * 1000,
    }
}

/// POST /oauth2/revoke: 200 with an empty body, also for unknown tokens; an ID or access token
/// is `unsupported_token_type`. Revoking a refresh token revokes its whole family (the tokens
/// rotation made from it and before it) and the ID and access tokens minted in it stop working
/// at userInfo.
pub async fn revoke(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = match form(&headers, &body) {
        Ok(f) => f,
        Err(e) => return e,
    };
    let (Some(token), Some(client_id)) = (field(&form, "token"), field(&form, "client_id")) else {
        return oauth_error("invalid_request");
    };
    if client_id != shared.config.client.client_id {
        return oauth_error("invalid_client");
    }
    if tokens::issued_by_pool(&shared, token) {
        return oauth_error("unsupported_token_type");
    }
    revoke_family_of(&shared, token, client_id);
    StatusCode::OK.into_response()
}

/// Revoke the family of refresh token `token` (if it is one of `client_id`'s): every refresh
/// token in it, and the ID and access tokens minted in it at the pool's own endpoints.
pub fn revoke_family_of(shared: &AppState, token: &str, client_id: &str) {
    let mut store = shared.store();
    let family = store
        .refresh_tokens
        .get(token)
        .filter(|g| g.client_id == client_id)
        .map(|g| g.origin_jti.clone());
    if let Some(family) = family {
        for grant in store.refresh_tokens.values_mut() {
            if grant.origin_jti == family {
                grant.revoked = true;
            }
        }
        store.revoked_families.insert(family);
    }
}

/// The `WWW-Authenticate` of every userInfo 401: one description for every bad token, the
/// text AWS documents for the endpoint (the JSON body says which check failed).
pub const USER_INFO_CHALLENGE: &str = "Bearer error=\"invalid_token\", error_description=\"Access token is expired, disabled, or deleted, or the user has globally signed out.\"";

/// GET or POST /oauth2/userInfo with `Authorization: Bearer <access token>`.
pub async fn user_info(State(shared): State<AppState>, headers: HeaderMap) -> Response {
    let unauthorized = |description: &str| {
        let mut r = (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "invalid_token", "error_description": description })),
        )
            .into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(USER_INFO_CHALLENGE),
        );
        r
    };
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return unauthorized("Access token is missing");
    };
    let claims = match tokens::verify(&shared, token, KeyUse::Access) {
        Ok(c) => c,
        Err(Rejection::Expired) => return unauthorized("Access token is expired"),
        Err(Rejection::Invalid) => return unauthorized("Invalid access token"),
    };
    let scopes: Vec<&str> = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(' ')
        .collect();
    if !scopes.contains(&"openid") {
        return unauthorized("Access token does not contain openid scope");
    }
    let revoked = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .is_some_and(|family| shared.store().revoked_families.contains(family));
    if revoked {
        return unauthorized("Access token has been revoked");
    }
    let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
    let Some(user) = shared.store().users.get(username).cloned() else {
        return unauthorized("User does not exist");
    };
    // Every attribute the client may read, whatever the other scopes; booleans as strings.
    let mut body = json!({
        "sub": user.sub,
        "username": user.username,
    });
    if !user.email.is_empty() {
        body["email"] = json!(user.email);
        body["email_verified"] = json!(user.email_verified.to_string());
    }
    for (k, v) in tokens::readable_attributes(&user, true) {
        body[k] = v;
    }
    Json(body).into_response()
}

/// GET <issuer>/.well-known/jwks.json
pub async fn jwks(State(shared): State<AppState>) -> Response {
    Json(shared.keys().jwks()).into_response()
}

/// GET <issuer>/.well-known/openid-configuration
pub async fn discovery(State(shared): State<AppState>) -> Response {
    let auth = &shared.urls.auth;
    let issuer = &shared.urls.issuer;
    Json(json!({
        "authorization_endpoint": format!("{auth}/oauth2/authorize"),
        "end_session_endpoint": format!("{auth}/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": format!("{auth}/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{auth}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{auth}/oauth2/userInfo"),
    }))
    .into_response()
}
