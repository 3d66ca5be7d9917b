//! Browser storage. Every key the app uses is named here, in one place.

use crate::auth::error::StorageError;
use crate::auth::pending::PendingLogin;
use crate::auth::session::Session;
use crate::config::RawConfig;
use web_sys::Storage;

/// `localStorage`, if the browser gives the page one.
fn local() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// `sessionStorage`, if the browser gives the page one.
fn session() -> Option<Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn get(storage: Option<Storage>, key: &str) -> Option<String> {
    storage?.get_item(key).ok().flatten()
}

fn set(storage: Option<Storage>, key: &str, value: &str) -> Result<(), ()> {
    storage.ok_or(())?.set_item(key, value).map_err(|_| ())
}

fn remove(storage: Option<Storage>, key: &str) {
    if let Some(storage) = storage {
        let _ = storage.remove_item(key);
    }
}

/// The Settings panel's saved overrides (never tokens: those never go to localStorage).
pub const SETTINGS_KEY: &str = "dragons-login.settings.v1";
/// The sign-in in progress (sessionStorage: this tab only, gone when it closes).
pub const PENDING_KEY: &str = "dragons-login.pending.v2";
/// The signed-in session's tokens (sessionStorage; never localStorage or cookies).
pub const SESSION_KEY: &str = "dragons-login.session.v2";
/// The person's choice of where tokens live: `memory` (gone on reload) or, by default,
/// sessionStorage. A preference, not a token, so it is kept in localStorage.
pub const TOKEN_STORAGE_KEY: &str = "dragons-login.token-storage.v1";

/// The session's sequence diagram (issue 13), tokens masked: it survives the trip to the Hosted
/// UI and back (sessionStorage).
pub const TRACE_KEY: &str = "dragons-login.trace.v1";

/// Presenter view, on or off in this browser (a preference, in localStorage).
pub const PRESENTER_KEY: &str = "dragons-login.presenter.v1";

pub fn presenter() -> bool {
    get(local(), PRESENTER_KEY).as_deref() == Some("on")
}

pub fn set_presenter(on: bool) {
    if on {
        let _ = set(local(), PRESENTER_KEY, "on");
    } else {
        remove(local(), PRESENTER_KEY);
    }
}

/// The overrides a person saved, or why they could not be read. Unreadable overrides are
/// reported and left in place for the person to reset; they are never silently dropped.
pub fn load_overrides() -> Result<RawConfig, StorageError> {
    let text = match local().map(|s| s.get_item(SETTINGS_KEY)) {
        Some(Ok(Some(text))) => text,
        Some(Ok(None)) => return Ok(RawConfig::default()),
        _ => return Err(StorageError::LocalUnavailable),
    };
    RawConfig::from_json(&text).map_err(|e| StorageError::UnreadableSettings(e.to_string()))
}

pub fn save_overrides(overrides: &RawConfig) -> Result<(), StorageError> {
    if overrides.is_empty() {
        remove(local(), SETTINGS_KEY);
        return Ok(());
    }
    set(local(), SETTINGS_KEY, &overrides.to_json()).map_err(|_| StorageError::LocalFull)
}

pub fn clear_overrides() {
    remove(local(), SETTINGS_KEY);
}

pub fn save_pending(pending: &PendingLogin) -> Result<(), StorageError> {
    set(session(), PENDING_KEY, &pending.to_json()).map_err(|_| StorageError::SessionUnavailable)
}

/// The pending sign-in, if any (the session machine says when to forget it).
pub fn load_pending() -> Option<PendingLogin> {
    let text = get(session(), PENDING_KEY)?;
    PendingLogin::from_json(&text)
}

pub fn forget_pending() {
    remove(session(), PENDING_KEY);
}

pub fn memory_only() -> bool {
    get(local(), TOKEN_STORAGE_KEY).as_deref() == Some("memory")
}

pub fn set_memory_only(on: bool) {
    if on {
        let _ = set(local(), TOKEN_STORAGE_KEY, "memory");
        remove(session(), SESSION_KEY);
        remove(session(), TRACE_KEY);
    } else {
        remove(local(), TOKEN_STORAGE_KEY);
    }
}

/// Keep the session for a reload (unless the person chose memory only). `Err`: the browser
/// refused (storage disabled or full), so it lives in memory only.
pub fn save_session(session: &Session) -> Result<(), StorageError> {
    if memory_only() {
        return Ok(());
    }
    set(self::session(), SESSION_KEY, &session.to_json())
        .map_err(|_| StorageError::SessionUnavailable)
}

/// The stored session, if any and readable; an unreadable one is removed.
pub fn load_session() -> Option<Session> {
    if memory_only() {
        return None;
    }
    let text = get(session(), SESSION_KEY)?;
    let saved = Session::from_json(&text);
    if saved.is_none() {
        remove(session(), SESSION_KEY);
    }
    saved
}

/// Forget every token and any sign-in in progress.
pub fn clear_auth() {
    remove(session(), SESSION_KEY);
    remove(session(), PENDING_KEY);
}

/// Keep the (masked) trace for the next page load; a refusal only loses the drawing. With
/// tokens kept in memory only, nothing of the session is written, the trace neither.
pub fn save_trace(json: &str) {
    if !memory_only() {
        let _ = set(session(), TRACE_KEY, json);
    }
}

pub fn load_trace() -> Option<String> {
    get(session(), TRACE_KEY)
}

pub fn forget_trace() {
    remove(session(), TRACE_KEY);
}
