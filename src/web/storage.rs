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
