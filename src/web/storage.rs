//! Browser storage. Every key the app uses is named here, in one place.

use crate::config::RawConfig;
use gloo_storage::{LocalStorage, Storage};

/// The Settings panel's saved overrides (never tokens: those never go to localStorage).
pub const SETTINGS_KEY: &str = "dragons-login.settings.v1";

/// The overrides a person saved, or why they could not be read. Unreadable overrides are
/// reported and left in place for the person to reset; they are never silently dropped.
pub fn load_overrides() -> Result<RawConfig, String> {
    let text = match LocalStorage::raw().get_item(SETTINGS_KEY) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(RawConfig::default()),
        Err(_) => return Err("the browser refused access to localStorage".into()),
    };
    RawConfig::from_json(&text).map_err(|e| {
        format!("your saved settings could not be read ({e}); press Reset to clear them")
    })
}

pub fn save_overrides(overrides: &RawConfig) -> Result<(), String> {
    if overrides.is_empty() {
        LocalStorage::delete(SETTINGS_KEY);
        return Ok(());
    }
    LocalStorage::raw()
        .set_item(SETTINGS_KEY, &overrides.to_json())
        .map_err(|_| {
            "the browser refused to save to localStorage (private mode or full?)".to_owned()
        })
}

pub fn clear_overrides() {
    LocalStorage::delete(SETTINGS_KEY);
}

/// The sign-in in progress (sessionStorage: this tab only, gone when it closes).
pub const PENDING_KEY: &str = "dragons-login.pending.v1";
/// The signed-in session's tokens (sessionStorage; never localStorage or cookies).
pub const SESSION_KEY: &str = "dragons-login.session.v1";

use crate::auth::pending::PendingLogin;
use crate::auth::session::Session;
use gloo_storage::SessionStorage;

pub fn save_pending(pending: &PendingLogin) -> Result<(), String> {
    SessionStorage::raw()
        .set_item(PENDING_KEY, &pending.to_json())
        .map_err(|_| "the browser refused to use sessionStorage, which sign-in needs".to_owned())
}

/// Take the pending sign-in out of storage: it can be used once only.
pub fn take_pending() -> Option<PendingLogin> {
    let storage = SessionStorage::raw();
    let text = storage.get_item(PENDING_KEY).ok().flatten();
    let _ = storage.remove_item(PENDING_KEY);
    text.and_then(|t| PendingLogin::from_json(&t))
}

/// The person's choice of where tokens live: `memory` (gone on reload) or, by default,
/// sessionStorage. A preference, not a token, so it is kept in localStorage.
pub const TOKEN_STORAGE_KEY: &str = "dragons-login.token-storage.v1";

pub fn memory_only() -> bool {
    LocalStorage::raw()
        .get_item(TOKEN_STORAGE_KEY)
        .ok()
        .flatten()
        .as_deref()
        == Some("memory")
}

pub fn set_memory_only(on: bool) {
    if on {
        let _ = LocalStorage::raw().set_item(TOKEN_STORAGE_KEY, "memory");
        let _ = SessionStorage::raw().remove_item(SESSION_KEY);
    } else {
        LocalStorage::delete(TOKEN_STORAGE_KEY);
    }
}

pub fn save_session(session: &Session) {
    if !memory_only() {
        let _ = SessionStorage::raw().set_item(SESSION_KEY, &session.to_json());
    }
}

/// The stored session, if any and readable; an unreadable one is removed.
pub fn load_session() -> Option<Session> {
    if memory_only() {
        return None;
    }
    let storage = SessionStorage::raw();
    let text = storage.get_item(SESSION_KEY).ok().flatten()?;
    let session = Session::from_json(&text);
    if session.is_none() {
        let _ = storage.remove_item(SESSION_KEY);
    }
    session
}

/// Forget every token and any sign-in in progress.
pub fn clear_auth() {
    let storage = SessionStorage::raw();
    let _ = storage.remove_item(SESSION_KEY);
    let _ = storage.remove_item(PENDING_KEY);
}
