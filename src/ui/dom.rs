//! Parts of the page drawn once from data with the DOM's own calls instead of Leptos views:
//! each distinct `view!` compiles its own generic render code into the wasm (the token card
//! ~13 KB raw, 4.8 KB brotli; the sequence diagram ~25 KB raw), this one builder a few hundred
//! bytes (issue 12's budget). Text goes in as text only (`textContent`), never as markup. What
//! changes after drawing is drawn again whole, updated in place (attributes, field values), or
//! (times) updated by [`tick`].

use crate::auth::explain::{clock_time, time_words};
use crate::web::document;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

const SVG: &str = "http://www.w3.org/2000/svg";

/// The element with this id.
pub fn by_id(id: &str) -> Option<Element> {
    document()?.get_element_by_id(id)
}

/// The element with this id, emptied, to draw into.
pub fn canvas(id: &str) -> Option<Element> {
    let el = by_id(id)?;
    el.set_text_content(None);
    Some(el)
}

/// Append a `tag` (SVG for the diagram's shapes, else HTML) with these attributes and text to
/// `parent`; returns it.
pub fn add(parent: &Element, tag: &str, attrs: &[(&str, &str)], text: &str) -> Element {
    let svg = matches!(tag, "svg" | "text" | "path" | "g");
    let made = document().and_then(|doc| {
        if svg {
            doc.create_element_ns(Some(SVG), tag).ok()
        } else {
            doc.create_element(tag).ok()
        }
    });
    // A fixed, valid name cannot fail; without a document there is nothing to draw on anyway.
    let el = made.unwrap_or_else(|| parent.clone());
    for (k, v) in attrs {
        let _ = el.set_attribute(k, v);
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    let _ = parent.append_child(&el);
    el
}

/// The element with this `data-testid`.
pub fn by_testid(testid: &str) -> Option<Element> {
    document()?
        .query_selector(&format!("[data-testid={testid}]"))
        .ok()
        .flatten()
}

/// The `value` of the form field (input, select) with this `data-testid` (empty if none).
pub fn value(testid: &str) -> String {
    by_testid(testid)
        .map(|el| value_of(&el))
        .unwrap_or_default()
}

/// A form field's `value` (input or select), "" for anything else.
pub fn value_of(field: &Element) -> String {
    js_sys::Reflect::get(field, &"value".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// Set a form field's `value`, only if it differs (so the caret of someone typing stays put).
pub fn set_value(field: &Element, value: &str) {
    if value_of(field) != value {
        let _ = js_sys::Reflect::set(field, &"value".into(), &value.into());
    }
}

/// Append to a `dl` one fact: its name, and its value as code or as words, with a `data-testid`
/// on the value where tests read it (none if empty).
pub fn fact(dl: &Element, name: &str, value: &str, code: bool, testid: &str) {
    add(dl, "dt", &[], name);
    let dd = add(dl, "dd", &[], if code { "" } else { value });
    let shown = if code {
        add(&dd, "code", &[], value)
    } else {
        dd
    };
    if !testid.is_empty() {
        let _ = shown.set_attribute("data-testid", testid);
    }
}

/// Append a "working on it" line: a `tag` of class `status working` with a spinner and `text`.
pub fn working(parent: &Element, tag: &str, text: &str) -> Element {
    let line = add(parent, tag, &[("class", "status working")], "");
    add(
        &line,
        "span",
        &[("class", "spinner"), ("aria-hidden", "true")],
        "",
    );
    self::text(&line, text);
    line
}

/// Append `text` (as text) to `parent`, after what it holds.
pub fn text(parent: &Element, text: &str) {
    let _ = parent.append_with_str_1(text);
}

/// A click on a button drawn with `data-copy` (a selector): copies the text of what the
/// selector finds beside the button, and says so.
pub fn copy_clicked(target: &Element) {
    let Some(selector) = target.get_attribute("data-copy") else {
        return;
    };
    let text = target
        .parent_element()
        .and_then(|p| p.query_selector(&selector).ok().flatten())
        .and_then(|el| el.text_content());
    if text.is_some_and(|t| crate::web::copy_to_clipboard(&t)) {
        target.set_text_content(Some("Copied"));
    }
}

/// Move keyboard focus to what `selector` finds (after a redraw replaced the focused control).
pub fn focus(selector: &str) {
    let found = document()
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|el| el.dyn_into::<HtmlElement>().ok());
    if let Some(el) = found {
        let _ = el.focus();
    }
}

/// A time that reads relative to now ("in 59 minutes"): class `tick`, kept up to date by
/// [`tick`]. `at` is on the issuer's clock, `offset` the issuer's minus this computer's;
/// `expiry` words it as the token's expiry, otherwise as a claim's time.
pub fn add_time(
    parent: &Element,
    tag: &str,
    attrs: &[(&str, &str)],
    at: i64,
    offset: i64,
    expiry: bool,
) {
    let el = add(parent, tag, attrs, "");
    let _ = el.set_attribute("data-at", &at.to_string());
    let _ = el.set_attribute("data-offset", &offset.to_string());
    if expiry {
        let _ = el.set_attribute("data-expiry", "");
    }
    let _ = el.class_list().add_1("tick");
    set_time(&el, crate::web::now());
}

/// Bring every relative time on the page up to `now` (this computer's clock, seconds).
pub fn tick(now: i64) {
    let Some(all) = document().map(|d| d.get_elements_by_class_name("tick")) else {
        return;
    };
    for i in 0..all.length() {
        if let Some(el) = all.item(i) {
            set_time(&el, now);
        }
    }
}

fn set_time(el: &Element, now: i64) {
    let num = |k: &str| {
        el.get_attribute(k)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (at, offset) = (num("data-at"), num("data-offset"));
    let local = local_time(at - offset);
    let text = time_words(at, now + offset, &local, el.has_attribute("data-expiry"));
    el.set_text_content(Some(&text));
}

/// A time in seconds since the epoch as this computer's clock shows it, with its UTC offset
/// then (summer time included).
fn local_time(secs: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0));
    // Minutes behind UTC; NaN outside the dates JavaScript can hold (then shown in UTC).
    let behind = date.get_timezone_offset();
    let east = if behind.is_finite() {
        -behind as i64
    } else {
        0
    };
    clock_time(secs, east)
}
