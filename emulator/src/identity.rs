//! Cognito Identity (identity pools): the JSON API the AWS CLI's `aws cognito-identity` and the
//! SDKs speak, `POST /` with `X-Amz-Target: AWSCognitoIdentityService.<Operation>` and an
//! `application/x-amz-json-1.1` body, unsigned. Served on the issuer's origin beside the user
//! pools API (the target header tells them apart).
//!
//! The enhanced flow: `GetId` (with the user pool's ID token in `Logins`, or none for a guest)
//! gives an identity id `<region>:<uuid>`, stable per user; `GetCredentialsForIdentity` gives
//! temporary AWS credentials of the pool's authenticated or unauthenticated role. `GetOpenIdToken`
//! gives the identity's OpenID token (the basic flow's first half). Credentials are remembered
//! so the stack's IAM-guarded API can check requests signed with them.

use crate::idp_api::{answer, error, ApiError, Input};
use crate::keys::KeyUse;
use crate::state::AppState;
use crate::tokens::{self, Rejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{json, Map, Value};

/// The `X-Amz-Target` prefix of every operation.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityService.";

/// Temporary credentials handed out, kept for the IAM-guarded API.
#[derive(Clone, Debug)]
pub struct IssuedCredentials {
    pub secret_key: String,
    pub session_token: String,
    /// Epoch seconds, on the stack's clock.
    pub expiration: i64,
    pub identity_id: String,
    /// Authenticated role (a signed-in user) or the guest role.
    pub authenticated: bool,
}

/// An identity of the pool: a user's (by `sub`) or a guest's.
#[derive(Clone, Debug)]
pub struct Identity {
    pub sub: Option<String>,
}

fn not_authorized(message: impl Into<String>) -> ApiError {
    error("NotAuthorizedException", message)
}

const LOGINS_DONT_MATCH: &str =
    "Logins don't match. Please include at least one valid login for this identity or identity pool.";

/// One operation, by its name after the target prefix.
pub fn handle(shared: &AppState, operation: &str, body: &[u8]) -> Response {
    match dispatch(shared, operation, body) {
        Ok(value) => answer(StatusCode::OK, &value),
        Err(e) => e.into_response(),
    }
}

fn dispatch(shared: &AppState, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    let input: Map<String, Value> = if body.is_empty() {
        Map::new()
    } else {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(error(
                    "SerializationException",
                    "The request body is not a JSON object.",
                ))
            }
        }
    };
    match operation {
        "GetId" => get_id(shared, &input),
        "GetCredentialsForIdentity" => get_credentials(shared, &input),
        "GetOpenIdToken" => get_open_id_token(shared, &input),
        _ => Err(error("UnknownOperationException", "")),
    }
}

fn required<'a>(input: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    Input(input).required(key)
}

/// The provider name of this stack's user pool in `Logins`: the issuer without its scheme, as
/// AWS's `cognito-idp.<region>.amazonaws.com/<pool id>`.
pub fn provider_name(shared: &AppState) -> String {
    let issuer = &shared.urls.issuer;
    issuer
        .split_once("://")
        .map_or(issuer.as_str(), |(_, rest)| rest)
        .to_owned()
}

/// The `sub` of the valid ID token in `Logins`, None when there is no `Logins` (a guest).
fn login_sub(shared: &AppState, input: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    let Some(logins) = input.get("Logins").and_then(Value::as_object) else {
        return Ok(None);
    };
    if logins.is_empty() {
        return Ok(None);
    }
    let provider = provider_name(shared);
    let Some(token) = logins.get(&provider).and_then(Value::as_str) else {
        // A login of a provider this pool does not have.
        return Err(not_authorized(
            "Invalid login token. Issuer doesn't match providerName",
        ));
    };
    let claims = match tokens::verify(shared, token, KeyUse::Id) {
        Ok(claims) => claims,
        Err(Rejection::Expired) => {
            let exp = jsonwebtoken::dangerous::insecure_decode::<Map<String, Value>>(token)
                .ok()
                .and_then(|d| d.claims.get("exp").and_then(Value::as_i64))
                .unwrap_or(0);
            return Err(not_authorized(format!(
                "Invalid login token. Token expired: {} >= {exp}",
                shared.clock.now()
            )));
        }
        Err(Rejection::Invalid) => {
            // An access token of this pool has no aud: AWS names the missing claim.
            let why = match tokens::verify(shared, token, KeyUse::Access) {
                Ok(_) | Err(Rejection::Expired) => {
                    "Invalid login token. Missing a required claim: aud"
                }
                Err(Rejection::Invalid) => "Invalid login token. Couldn't verify signed token.",
            };
            return Err(not_authorized(why));
        }
    };
    if claims.get("aud").and_then(Value::as_str) != Some(shared.config.client.client_id.as_str()) {
        return Err(not_authorized(
            "Invalid login token. Incorrect token audience.",
        ));
    }
    claims
        .get("sub")
        .and_then(Value::as_str)
        .map(|s| Some(s.to_owned()))
        .ok_or_else(|| not_authorized("Invalid login token. Missing a required claim: sub"))
}

fn check_pool(shared: &AppState, input: &Map<String, Value>) -> Result<(), ApiError> {
    let id = required(input, "IdentityPoolId")?;
    if id != shared.config.identity_pool.identity_pool_id {
        return Err(error(
            "ResourceNotFoundException",
            format!("IdentityPool '{id}' not found."),
        ));
    }
    Ok(())
}

/// A user's identity id: the same for every sign-in (derived from the pool and `sub`).
fn identity_of(shared: &AppState, sub: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(
        format!("{}/{sub}", shared.config.identity_pool.identity_pool_id).as_bytes(),
    );
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    format!(
        "{}:{}",
        shared.config.region,
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    )
}

fn get_id(shared: &AppState, input: &Map<String, Value>) -> Result<Value, ApiError> {
    check_pool(shared, input)?;
    let sub = login_sub(shared, input)?;
    let identity_id = match &sub {
        Some(sub) => identity_of(shared, sub),
        None if shared.config.identity_pool.allow_unauthenticated => {
            format!("{}:{}", shared.config.region, crate::state::uuid())
        }
        None => {
            return Err(not_authorized(
                "Unauthenticated access is not supported for this identity pool.",
            ))
        }
    };
    shared
        .store()
        .identities
        .insert(identity_id.clone(), Identity { sub });
    Ok(json!({ "IdentityId": identity_id }))
}

/// The identity `IdentityId` names, checked against `Logins`: (authenticated, identity id).
fn resolve(shared: &AppState, input: &Map<String, Value>) -> Result<(bool, String), ApiError> {
    let identity_id = required(input, "IdentityId")?.to_owned();
    let sub = login_sub(shared, input)?;
    let known = shared.store().identities.get(&identity_id).cloned();
    let identity = match (known, &sub) {
        (Some(identity), _) => identity,
        // An identity made before a restart: a user's id is derived, so it is known again.
        (None, Some(sub)) if identity_of(shared, sub) == identity_id => Identity {
            sub: Some(sub.clone()),
        },
        (None, _) => {
            return Err(error(
                "ResourceNotFoundException",
                format!("Identity '{identity_id}' not found."),
            ))
        }
    };
    match (&identity.sub, &sub) {
        (Some(owner), Some(sub)) if owner == sub => Ok((true, identity_id)),
        (None, None) => {
            if !shared.config.identity_pool.allow_unauthenticated {
                return Err(not_authorized(
                    "Unauthenticated access is not supported for this identity pool.",
                ));
            }
            Ok((false, identity_id))
        }
        _ => Err(not_authorized(LOGINS_DONT_MATCH)),
    }
}

/// `ASIA` and 16 characters of base32, as STS's temporary access keys.
fn access_key_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::thread_rng();
    let tail: String = (0..16)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("ASIA{tail}")
}

fn random_text(len: usize, alphabet: &[u8]) -> String {
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
        .collect()
}

fn get_credentials(shared: &AppState, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let (authenticated, identity_id) = resolve(shared, input)?;
    let pool = &shared.config.identity_pool;
    let role = if authenticated {
        &pool.authenticated_role_arn
    } else {
        &pool.unauthenticated_role_arn
    };
    if role.is_none() {
        return Err(error(
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        ));
    }
    const SECRET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let access_key = access_key_id();
    let issued = IssuedCredentials {
        secret_key: random_text(40, SECRET),
        // STS's session tokens are long base64 blobs; the IAM API only compares it.
        session_token: format!("IQoJb3JpZ2luX2Vj{}", random_text(300, SECRET)),
        expiration: shared.clock.now() + pool.credentials_seconds as i64,
        identity_id: identity_id.clone(),
        authenticated,
    };
    let answer = json!({
        "IdentityId": identity_id,
        "Credentials": {
            "AccessKeyId": access_key,
            "SecretKey": issued.secret_key,
            "SessionToken": issued.session_token,
            "Expiration": issued.expiration,
        }
    });
    shared.store().credentials.insert(access_key, issued);
    Ok(answer)
}

fn get_open_id_token(shared: &AppState, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let (authenticated, identity_id) = resolve(shared, input)?;
    let now = shared.clock.now();
    let amr = if authenticated {
        json!(["authenticated", provider_name(shared)])
    } else {
        json!(["unauthenticated"])
    };
    let token = shared.keys().get(KeyUse::Id).sign(&json!({
        "iss": "https://cognito-identity.amazonaws.com",
        "sub": identity_id,
        "aud": shared.config.identity_pool.identity_pool_id,
        "amr": amr,
        "iat": now,
        "exp": now + 600,
    }));
    Ok(json!({ "IdentityId": identity_id, "Token": token }))
}
