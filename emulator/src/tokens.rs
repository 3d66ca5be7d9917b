//! Minting Cognito-shaped ID and access tokens, and checking them (for userInfo and the API's
//! authorizer) through `jsonwebtoken`.

use crate::keys::KeyUse;
use crate::state::{uuid, Shared, User};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// What a sign-in or refresh grants, the input to minting.
pub struct Grant<'a> {
    pub user: &'a User,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    pub nonce: Option<&'a str>,
    pub auth_time: i64,
    /// Shared by every token minted from one sign-in (and its refreshes).
    pub origin_jti: &'a str,
    /// Mint an ID token: with `openid` at the OAuth endpoints; always from the user pools API.
    pub id_token: bool,
    /// Put `at_hash` in the ID token: the OAuth endpoints do, the user pools API does not.
    pub at_hash: bool,
}

impl Grant<'_> {
    /// Whether the OAuth endpoints would mint an ID token for these scopes (`openid`).
    pub fn openid(scopes: &[String]) -> bool {
        scopes.iter().any(|s| s == "openid")
    }
}

pub struct Minted {
    pub access_token: String,
    /// Only when `openid` was granted.
    pub id_token: Option<String>,
}

/// Mint the access token and, when `grant.id_token` (at the OAuth endpoints: `openid` was
/// granted), the ID token: with `at_hash` when `grant.at_hash` (the OAuth endpoints put it in
/// every ID token, code flow, refresh and implicit alike; the user pools API never) and every
/// attribute the app client may read (no filtering by the `email` or `profile` scopes).
pub fn mint(shared: &Shared, grant: &Grant<'_>) -> Minted {
    let now = shared.clock.now();
    let tokens = &shared.config.tokens;
    let event_id = uuid();
    let mut access = Map::new();
    access.insert("sub".into(), json!(grant.user.sub));
    if !grant.user.groups.is_empty() {
        access.insert("cognito:groups".into(), json!(grant.user.groups));
    }
    access.insert("iss".into(), json!(shared.urls.issuer));
    access.insert("version".into(), json!(2));
    access.insert("client_id".into(), json!(grant.client_id));
    access.insert("origin_jti".into(), json!(grant.origin_jti));
    access.insert("event_id".into(), json!(event_id));
    access.insert("token_use".into(), json!("access"));
    // The pre-token-generation trigger (V2_0) runs on every issue, refreshes included: scopes
    // it suppresses for this user's groups leave the access token (the grant keeps them).
    let suppressed = shared
        .config
        .pre_token_generation
        .suppressed_for(&grant.user.groups);
    let scopes: Vec<&str> = grant
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !suppressed.iter().any(|x| x == s))
        .collect();
    access.insert("scope".into(), json!(scopes.join(" ")));
    access.insert("auth_time".into(), json!(grant.auth_time));
    access.insert(
        "exp".into(),
        json!(now + tokens.access_token_seconds as i64),
    );
    access.insert("iat".into(), json!(now));
    access.insert("jti".into(), json!(uuid()));
    access.insert("username".into(), json!(grant.user.username));
    let access_token = shared
        .keys()
        .get(KeyUse::Access)
        .sign(&Value::Object(access));

    let id_token = grant.id_token.then(|| {
        let mut id = Map::new();
        if grant.at_hash {
            id.insert("at_hash".into(), json!(at_hash(&access_token)));
        }
        id.insert("sub".into(), json!(grant.user.sub));
        if !grant.user.groups.is_empty() {
            id.insert("cognito:groups".into(), json!(grant.user.groups));
        }
        let has_email = !grant.user.email.is_empty();
        if has_email {
            id.insert("email_verified".into(), json!(grant.user.email_verified));
        }
        id.insert("iss".into(), json!(shared.urls.issuer));
        id.insert("cognito:username".into(), json!(grant.user.username));
        if let Some(nonce) = grant.nonce {
            id.insert("nonce".into(), json!(nonce));
        }
        id.insert("origin_jti".into(), json!(grant.origin_jti));
        id.insert("aud".into(), json!(grant.client_id));
        id.insert("event_id".into(), json!(event_id));
        id.insert("token_use".into(), json!("id"));
        id.insert("auth_time".into(), json!(grant.auth_time));
        for (k, v) in readable_attributes(grant.user, false) {
            id.insert(k, v);
        }
        id.insert("exp".into(), json!(now + tokens.id_token_seconds as i64));
        id.insert("iat".into(), json!(now));
        id.insert("jti".into(), json!(uuid()));
        if has_email {
            id.insert("email".into(), json!(grant.user.email));
        }
        shared.keys().get(KeyUse::Id).sign(&Value::Object(id))
    });
    Minted {
        access_token,
        id_token,
    }
}

/// The user's attributes the app client may read (all of them: the emulator has no read
/// restrictions), besides `sub`, `email` and `email_verified`, and never one named like a claim
/// the pool sets itself (`aud`, `token_use`, …: Cognito refuses such attribute names). `*_verified` attributes are
/// booleans in the ID token and the strings "true"/"false" in userInfo (`as_strings`), as
/// Cognito sends them; everything else (`custom:*` included) is a string.
pub fn readable_attributes(user: &User, as_strings: bool) -> Vec<(String, Value)> {
    user.attributes
        .iter()
        .filter(|(k, _)| !RESERVED_CLAIMS.contains(&k.as_str()))
        .map(|(k, v)| {
            let value = match v.as_str() {
                "true" | "false" if k.ends_with("_verified") && !as_strings => json!(v == "true"),
                _ => json!(v),
            };
            (k.clone(), value)
        })
        .collect()
}

const RESERVED_CLAIMS: &[&str] = &[
    "sub",
    "email",
    "email_verified",
    "iss",
    "aud",
    "token_use",
    "auth_time",
    "exp",
    "iat",
    "jti",
    "nonce",
    "at_hash",
    "origin_jti",
    "event_id",
    "cognito:username",
    "cognito:groups",
    "username",
    "client_id",
    "scope",
    "version",
];

/// Whether `token` is a JWT this pool signed (an ID or access token), expired or not.
pub fn issued_by_pool(shared: &Shared, token: &str) -> bool {
    if token.len() > 16 * 1024 {
        return false;
    }
    let Ok(header) = jsonwebtoken::decode_header(token) else {
        return false;
    };
    let keys = shared.keys();
    let Some((_, key)) = header.kid.as_deref().and_then(|kid| keys.by_kid(kid)) else {
        return false;
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.set_issuer(&[&shared.urls.issuer]);
    jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding_key(), &validation).is_ok()
}

/// OIDC `at_hash`: base64url of the left half of SHA-256 of the access token's ASCII.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Missing, malformed, badly signed, wrong issuer, wrong type.
    Invalid,
    /// Signed and well formed, but past `exp`.
    Expired,
}

/// Check a token's signature (with the key its `kid` names), issuer, type and expiry.
pub fn verify(
    shared: &Shared,
    token: &str,
    expected: KeyUse,
) -> Result<Map<String, Value>, Rejection> {
    if token.len() > 16 * 1024 {
        return Err(Rejection::Invalid);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Invalid)?;
    if header.alg != Algorithm::RS256 {
        return Err(Rejection::Invalid);
    }
    let keys = shared.keys();
    let (which, key) = header
        .kid
        .as_deref()
        .and_then(|kid| keys.by_kid(kid))
        .ok_or(Rejection::Invalid)?;
    if which != expected {
        return Err(Rejection::Invalid);
    }
    let mut validation = Validation::new(Algorithm::RS256);
    // Expiry is checked below against the stack's clock, with no leeway, as the gateway does.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.set_issuer(&[&shared.urls.issuer]);
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding_key(), &validation)
        .map_err(|_| Rejection::Invalid)?;
    let claims = data.claims;
    let token_use = match expected {
        KeyUse::Id => "id",
        KeyUse::Access => "access",
    };
    if claims.get("token_use").and_then(Value::as_str) != Some(token_use) {
        return Err(Rejection::Invalid);
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > shared.clock.now() => Ok(claims),
        Some(_) => Err(Rejection::Expired),
        None => Err(Rejection::Invalid),
    }
}
