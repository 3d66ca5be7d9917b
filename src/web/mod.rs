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

/// The page's document, if there is a window.
pub fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Remove index.html's "Loading the app…" line once the app has started.
pub fn remove_boot_screen() {
    if let Some(boot) = document().and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
}

/// Put `text` on the clipboard (what the page's Copy buttons do); false if there is no window.
pub fn copy_to_clipboard(text: &str) -> bool {
    match web_sys::window() {
        Some(w) => {
            let _ = w.navigator().clipboard().write_text(text);
            true
        }
        None => false,
    }
}

/// Offer `text` as a JSON file named `name` to download: a `data:` URL on a link added to the
/// page for the click (some browsers ignore a click on a detached link) and removed at once.
pub fn download(name: &str, text: &str) {
    let Some(doc) = document() else {
        return;
    };
    let (Ok(link), Some(body)) = (doc.create_element("a"), doc.body()) else {
        return;
    };
    let data = js_sys::encode_uri_component(text);
    let _ = link.set_attribute(
        "href",
        &format!("data:application/json;charset=utf-8,{data}"),
    );
    let _ = link.set_attribute("download", name);
    let _ = body.append_child(&link);
    if let Some(link) = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&link) {
        link.click();
    }
    link.remove();
}

/// Presenter view on the page: `data-presenter` on `<html>`; main.css does the rest.
pub fn show_presenter(on: bool) {
    if let Some(root) = document().and_then(|d| d.document_element()) {
        let _ = if on {
            root.set_attribute("data-presenter", "")
        } else {
            root.remove_attribute("data-presenter")
        };
    }
}

/// Whether keyboard focus is in a text field or a select (keys there are the person's typing).
pub fn typing() -> bool {
    let tag = document()
        .and_then(|d| d.active_element())
        .map(|el| el.tag_name());
    matches!(tag.as_deref(), Some("INPUT" | "TEXTAREA" | "SELECT"))
}

/// Move focus to the heading of the stage after (or before) the one that holds focus.
pub fn step_stage(forward: bool) {
    use crate::workshop::{step_stage, STAGES};
    let Some(doc) = document() else {
        return;
    };
    let current = doc
        .active_element()
        .and_then(|el| el.closest(".stage").ok().flatten())
        .and_then(|stage| STAGES.iter().position(|id| *id == stage.id()));
    let heading = STAGES
        .get(step_stage(current, forward))
        .and_then(|id| doc.get_element_by_id(&format!("{id}-title")))
        .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok());
    if let Some(heading) = heading {
        let _ = heading.focus();
    }
}

/// Record on the page when verified claims are shown, in ms since this page's navigation
/// started (`performance.now()`), for the callback-to-claims benchmark.
pub fn mark_verified() {
    mark("data-verified-ms");
}

/// Record on the page when the Sign in button is first usable (drawn and enabled), for the
/// first-visit benchmark.
pub fn mark_sign_in() {
    mark("data-sign-in-ms");
}

/// `attribute` on `<html>`: ms since this page's navigation started, once.
fn mark(attribute: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let ms = window.performance().map(|p| p.now()).unwrap_or(0.0) as i64;
    if let Some(root) = document().and_then(|d| d.document_element()) {
        if !root.has_attribute(attribute) {
            let _ = root.set_attribute(attribute, &ms.to_string());
        }
    }
}
