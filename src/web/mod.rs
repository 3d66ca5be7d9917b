//! The browser shell: everything that touches storage, the network or the page's location.
//! Kept thin; decisions are made in the pure core.

pub mod config_source;
pub mod storage;

/// The page's own URL (`location.href`), or "" where there is no window.
pub fn page_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}
