//! The browser shell: everything that touches storage, the network, the clock, randomness,
//! WebCrypto or the page's location. Kept thin; decisions are made in the pure core.

pub mod api;
pub mod config_source;
pub mod crypto;
pub mod driver;
pub mod http;
pub mod location;
pub mod storage;

/// The page's own URL (`location.href`), or "" where there is no window.
pub fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Seconds since the epoch, from the browser's clock.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// Milliseconds since the epoch, for timing steps (whole numbers: formatting floats costs
/// kilobytes of wasm).
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Remove the static "Loading…" page that index.html shows until the app starts.
pub fn remove_boot_screen() {
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
}

/// Record on the page when verified claims are shown, in ms since this page's navigation
/// started (`performance.now()`), for the callback-to-claims benchmark.
pub fn mark_verified() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let ms = window.performance().map(|p| p.now()).unwrap_or(0.0) as i64;
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-verified-ms", &ms.to_string());
    }
}
