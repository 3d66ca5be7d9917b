//! Stage 1's pre-flight check (issue 13): runs [`crate::preflight`]'s requests from this page
//! and lists its verdicts, drawn by dom.rs into index.html's `#preflight-lines`.

use super::{dom, SettingsState};
use crate::preflight::{judge, probes, Line};
use crate::web::http;
use leptos::task::spawn_local;
use web_sys::Element;

/// Run the check (the `button` pressed is disabled meanwhile) and list what it found.
pub fn run(settings: SettingsState, button: Element) {
    let Some(list) = dom::canvas("preflight-lines") else {
        return;
    };
    let Ok(config) = settings.config() else {
        dom::add(
            &list,
            "li",
            &[("class", "failed")],
            "The settings have problems: open Settings and fix the fields marked in red first.",
        );
        return;
    };
    let _ = button.set_attribute("disabled", "");
    dom::working(&list, "li", "Asking the issuer, the Hosted UI and the API…");
    // Every request starts now; the answers are read in order.
    let [a, b, c, d, e] =
        probes(&config).map(|p| http::fetch(p.method, &p.url, &p.headers, p.body.as_deref()));
    spawn_local(async move {
        let answers = [a.await, b.await, c.await, d.await, e.await];
        draw(&judge(&config, &answers));
        let _ = button.remove_attribute("disabled");
    });
}

fn draw(lines: &[Line]) {
    let Some(list) = dom::canvas("preflight-lines") else {
        return;
    };
    for line in lines {
        let (class, mark, words) = match line.ok {
            Some(true) => ("ok", "✓", "Passed: "),
            Some(false) => ("failed", "✗", "Failed: "),
            None => ("manual", "?", "Check by hand: "),
        };
        let li = dom::add(
            &list,
            "li",
            &[("class", class), ("data-check", line.what)],
            "",
        );
        dom::add(
            &li,
            "span",
            &[("class", "mark"), ("aria-hidden", "true")],
            mark,
        );
        let text = dom::add(&li, "span", &[], "");
        dom::add(&text, "span", &[("class", "visually-hidden")], words);
        dom::add(&text, "strong", &[], line.what);
        dom::text(&text, &format!(" {}", line.says));
    }
}
