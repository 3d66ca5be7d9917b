//! Browser storage. Every key the app uses is named here, in one place.

use crate::auth::error::StorageError;
use crate::auth::pending::PendingLogin;
use crate::auth::session::Session;
use crate::config::RawConfig;
use gloo_storage::{LocalStorage, SessionStorage, Storage};

/// The Settings panel's saved overrides (never tokens: those never go to localStorage).
pub const SETTINGS_KEY: &str = "dragons-login.settings.v1";
/// The sign-in in progress (sessionStorage: this tab only, gone when it closes).
pub const PENDING_KEY: &str = "dragons-login.pending.v2";
/// The signed-in session's tokens (sessionStorage; never localStorage or cookies).
pub const SESSION_KEY: &str = "dragons-login.session.v2";
/// The person's choice of where tokens live: `memory` (gone on reload) or, by default,
/// sessionStorage. A preference, not a token, so it is kept in localStorage.
pub const TOKEN_STORAGE_KEY: &str = "dragons-login.token-storage.v1";

/// The overrides a person saved, or why they could not be read. Unreadable overrides are
/// reported and left in place for the person to reset; they are never silently dropped.
pub fn load_overrides() -> Result<RawConfig, StorageError> {
    let text = match LocalStorage::raw().get_item(SETTINGS_KEY) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(RawConfig::default()),
        Err(_) => return Err(StorageError::LocalUnavailable),
    };
    RawConfig::from_json(&text).map_err(|e| StorageError::UnreadableSettings(e.to_string()))
}

pub fn save_overrides(overrides: &RawConfig) -> Result<(), StorageError> {
    if overrides.is_empty() {
        LocalStorage::delete(SETTINGS_KEY);
        return Ok(());
    }
    LocalStorage::raw()
        .set_item(SETTINGS_KEY, &overrides.to_json())
        .map_err(|_| StorageError::LocalFull)
}

pub fn clear_overrides() {
    LocalStorage::delete(SETTINGS_KEY);
}

pub fn save_pending(pending: &PendingLogin) -> Result<(), StorageError> {
    SessionStorage::raw()
        .set_item(PENDING_KEY, &pending.to_json())
        .map_err(|_| StorageError::SessionUnavailable)
}

/// The pending sign-in, if any (the session machine says when to forget it).
pub fn load_pending() -> Option<PendingLogin> {
    let text = SessionStorage::raw().get_item(PENDING_KEY).ok().flatten()?;
    PendingLogin::from_json(&text)
}

pub fn forget_pending() {
    let _ = SessionStorage::raw().remove_item(PENDING_KEY);
}

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

/// Keep the session for a reload (unless the person chose memory only). `Err`: the browser
/// refused (storage disabled or full), so it lives in memory only.
pub fn save_session(session: &Session) -> Result<(), StorageError> {
    if memory_only() {
        return Ok(());
    }
    SessionStorage::raw()
        .set_item(SESSION_KEY, &session.to_json())
        .map_err(|_| StorageError::SessionUnavailable)
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
