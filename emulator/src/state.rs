//! The pool's live state: users, Hosted UI sessions, authorization codes, refresh tokens, the
//! dragons, and a clock that tests can move forward.

use crate::config::StackConfig;
use crate::keys::Keys;
use rand::RngCore;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time plus an offset that tests can advance (codes and tokens expire for real).
#[derive(Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        real + self.offset_ms.load(Ordering::SeqCst)
    }

    /// Seconds since the epoch, as in `iat`/`exp`.
    pub fn now(&self) -> i64 {
        self.now_ms() / 1000
    }

    pub fn advance_secs(&self, secs: i64) {
        self.offset_ms.fetch_add(secs * 1000, Ordering::SeqCst);
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub sub: String,
    pub username: String,
    pub password: String,
    pub email: String,
    pub email_verified: bool,
    pub groups: Vec<String>,
    pub attributes: std::collections::BTreeMap<String, String>,
    /// Sign-up waiting for its confirmation code (`UNCONFIRMED`).
    pub pending_code: Option<String>,
    /// The password is temporary (`FORCE_CHANGE_PASSWORD`: `AdminCreateUser`, or
    /// `AdminSetUserPassword` without `Permanent`): signing in asks for a new one.
    pub must_change_password: bool,
    /// `UserCreateDate` and `UserLastModifiedDate`, stack clock, ms since the epoch.
    pub created_ms: i64,
    pub modified_ms: i64,
}

impl User {
    /// A new user as sign-up makes one: unconfirmed until `code` is entered or an admin
    /// confirms it.
    pub fn signed_up(username: &str, password: &str, code: String, now_ms: i64) -> User {
        User {
            sub: uuid(),
            username: username.to_owned(),
            password: password.to_owned(),
            email: String::new(),
            email_verified: false,
            groups: vec![],
            attributes: Default::default(),
            pending_code: Some(code),
            must_change_password: false,
            created_ms: now_ms,
            modified_ms: now_ms,
        }
    }

    /// Cognito's `UserStatus`.
    pub fn status(&self) -> &'static str {
        if self.pending_code.is_some() {
            "UNCONFIRMED"
        } else if self.must_change_password {
            "FORCE_CHANGE_PASSWORD"
        } else {
            "CONFIRMED"
        }
    }
}

/// A sign-in waiting for the answer to a `NEW_PASSWORD_REQUIRED` challenge (user pools API
/// `Session`, or the Hosted UI's change-password form).
#[derive(Clone, Debug)]
pub struct Challenge {
    pub username: String,
    pub client_id: String,
    /// Stack clock, ms.
    pub expires_at_ms: i64,
}

/// What an authorization code stands for; bound to client, redirect_uri and challenge.
#[derive(Clone, Debug)]
pub struct CodeGrant {
    pub client_id: String,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub username: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub auth_time: i64,
    pub expires_at: i64,
}

#[derive(Clone, Debug)]
pub struct RefreshGrant {
    pub client_id: String,
    pub username: String,
    pub scopes: Vec<String>,
    pub auth_time: i64,
    pub expires_at: i64,
    pub revoked: bool,
    /// The session's family: tokens minted from this refresh token (and, with rotation, the
    /// refresh tokens that succeed it) share this `origin_jti`; revoking one revokes them all.
    pub origin_jti: String,
    /// With rotation: when this token was first exchanged for a successor (stack clock, ms).
    /// It keeps working for the client's grace period after that.
    pub rotated_at_ms: Option<i64>,
    /// The session began through the user pools API (`InitiateAuth`, …): its refreshes carry
    /// an ID token whatever the scopes, as the first answer did.
    pub api: bool,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub username: String,
    pub auth_time: i64,
    pub expires_at: i64,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct Dragon {
    pub dragon_name_str: String,
    pub family_str: String,
    pub description_str: String,
    pub location_city_str: String,
    pub location_country_str: String,
    pub location_state_str: String,
    pub location_neighborhood_str: String,
    #[serde(skip)]
    pub visible_at_ms: i64,
}

#[derive(Default)]
pub struct Store {
    pub users: HashMap<String, User>,
    pub sessions: HashMap<String, Session>,
    pub codes: HashMap<String, CodeGrant>,
    pub refresh_tokens: HashMap<String, RefreshGrant>,
    /// The `origin_jti` of every revoked refresh-token family: the ID and access tokens minted
    /// in it no longer work at the pool's own endpoints (userInfo).
    pub revoked_families: HashSet<String>,
    /// `NEW_PASSWORD_REQUIRED` challenges waiting for an answer, by session.
    pub challenges: HashMap<String, Challenge>,
    pub dragons: Vec<Dragon>,
    /// The identity pool's identities, by identity id.
    pub identities: HashMap<String, crate::identity::Identity>,
    /// Temporary credentials handed out, by access key id.
    pub credentials: HashMap<String, crate::identity::IssuedCredentials>,
    /// The last redirects back to the app (code or tokens), newest last: lets tests replay a
    /// callback exactly as the browser received it.
    pub issued_redirects: Vec<String>,
    /// Content-Security-Policy violation reports the site received (newest last, bounded).
    pub csp_reports: Vec<String>,
}

pub struct Shared {
    pub config: StackConfig,
    keys: std::sync::RwLock<Arc<Keys>>,
    pub clock: Clock,
    store: Mutex<Store>,
    /// Filled in once the servers are bound (ports may be 0 in the config).
    pub urls: Urls,
}

#[derive(Clone, Debug, Default)]
pub struct Urls {
    pub site: Option<String>,
    /// The Hosted UI domain, e.g. http://localhost:9000
    pub auth: String,
    /// The issuer, e.g. http://localhost:9001/us-east-1_DRAGONS01
    pub issuer: String,
    /// The user pools API (`aws cognito-idp --endpoint-url`): the issuer's origin, e.g.
    /// http://localhost:9001
    pub idp: String,
    /// The API stage, e.g. http://localhost:9002/test
    pub api: String,
    /// The HTTP API (its `$default` stage), e.g. http://localhost:9003
    pub http_api: String,
}

pub type AppState = Arc<Shared>;

impl Shared {
    pub fn new(config: StackConfig, keys: Keys, urls: Urls, store: Store) -> Shared {
        Shared {
            config,
            keys: std::sync::RwLock::new(Arc::new(keys)),
            clock: Clock::default(),
            store: Mutex::new(store),
            urls,
        }
    }

    /// The pool's signing keys in force.
    pub fn keys(&self) -> Arc<Keys> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Rotate to new keys: new tokens are signed with them and the JWKS lists only them.
    pub fn rotate_keys(&self, keys: Keys) {
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
    }

    /// The store, even if a handler panicked while holding it (its data stays usable).
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A random UUID v4, as Cognito uses for `sub`, codes, `jti` and event ids.
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An opaque random token (base64url of 48 random bytes), never starting with `-` (the AWS
/// CLI would read `--token -abc…` as an option).
pub fn opaque_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 48];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    match token.strip_prefix('-') {
        Some(rest) => format!("x{rest}"),
        None => token,
    }
}
