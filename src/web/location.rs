//! The address bar: reading a callback out of it and wiping it before anything renders or
//! any request goes out (security checklist row 16).

use crate::auth::callback::CallbackParams;
use crate::auth::error::BrowserError;

/// If this page load is a sign-in callback, take its parameters and replace the address with
/// the bare page URL (origin + path), so the code or tokens are not left in the URL, the
/// history or a Referer.
pub fn take_callback() -> Option<CallbackParams> {
    let window = web_sys::window()?;
    let location = window.location();
    let query = location.search().unwrap_or_default();
    let fragment = location.hash().unwrap_or_default();
    let params = CallbackParams::read(
        query.strip_prefix('?').unwrap_or(&query),
        fragment.strip_prefix('#').unwrap_or(&fragment),
    )?;
    let clean = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
    }
    Some(params)
}

/// Leave for another page (the Hosted UI).
pub fn navigate(url: &str) -> Result<(), BrowserError> {
    let refused = || BrowserError::NavigationRefused(url.to_owned());
    web_sys::window()
        .ok_or_else(refused)?
        .location()
        .assign(url)
        .map_err(|_| refused())
}
