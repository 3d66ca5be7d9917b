//! Stage 2's sequence diagram (issue 13): the session's trace drawn as it happens, an arrow
//! per redirect and request, the dashed one back with the answer's status. The numbered list
//! under it says the same in words (screen readers, keyboards) and opens each step's exact
//! request and answer, tokens masked until revealed.
//!
//! Drawn with the DOM's own calls into index.html's `#diagrams`, not Leptos views: a view per
//! SVG shape compiled ~25 KB of generic render code into the wasm, this ~3 KB (issue 12's
//! budget). Text goes in as text nodes only.

use super::dom;
use super::flow::describe;
use crate::auth::machine::Milestone;
use crate::trace::{flow_of, mask_tokens, Arrow, Trace, PARTIES};
use crate::web::driver::Driver;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

/// Column width and the height of a row of the drawing (SVG user units).
const COL: usize = 110;
const ROW: usize = 24;

/// What the person opened: the step (`c3`: this session's fourth, `o3`: the other flow's)
/// and whether tokens are shown whole.
#[derive(Clone, Copy)]
pub struct Diagram {
    trace: RwSignal<Trace>,
    timeline: RwSignal<Vec<Milestone>>,
    open: StoredValue<Option<String>>,
    reveal: StoredValue<bool>,
}

impl Diagram {
    /// Draw the driver's trace now and whenever it changes.
    pub fn start(driver: Driver) -> Diagram {
        let trace = driver.trace;
        let d = Diagram {
            trace,
            timeline: driver.timeline,
            open: StoredValue::new(None),
            reveal: StoredValue::new(false),
        };
        Effect::new(move |_| {
            trace.track();
            d.draw();
        });
        d
    }

    fn draw(self) {
        let open = self.open.get_value();
        let reveal = self.reveal.get_value();
        self.trace
            .with_untracked(|t| draw(t, open.as_deref(), reveal));
    }

    /// A click anywhere on the page: on an arrow or a step it opens (or closes) that step;
    /// redrawn at once, focus back on what was clicked.
    pub fn clicked(self, target: &Element) {
        let focus = if let Some(step) = target
            .closest("#diagrams [data-step]")
            .ok()
            .flatten()
            .and_then(|s| s.get_attribute("data-step"))
        {
            let focus = format!("button[data-step={step}]");
            self.open.update_value(|o| {
                *o = if o.as_deref() == Some(&step) {
                    None
                } else {
                    Some(step)
                }
            });
            focus
        } else if target.get_attribute("data-testid").as_deref() == Some("export-session") {
            return self.export();
        } else if target.id() == "reveal-tokens" {
            self.reveal
                .set_value(target.unchecked_ref::<HtmlInputElement>().checked());
            "#reveal-tokens".into()
        } else {
            return;
        };
        self.draw();
        dom::focus(&focus);
    }

    /// "Export the session": the trace and the timeline as a JSON file for students, tokens
    /// decoded, signatures removed (`Trace::export`).
    fn export(self) {
        let lines: Vec<String> = self.timeline.with_untracked(|t| {
            t.iter()
                .map(|m| {
                    let (ok, text, detail) = describe(m);
                    let done = if ok { "Done" } else { "Failed" };
                    match detail {
                        Some(d) => format!("{done}: {text} ({d})"),
                        None => format!("{done}: {text}"),
                    }
                })
                .collect()
        });
        let file = self.trace.with_untracked(|t| t.export(&lines));
        crate::web::download("dragons-login-session.json", &file);
    }
}

fn draw(trace: &Trace, open: Option<&str>, reveal: bool) {
    let Some(root) = dom::canvas("diagrams") else {
        return;
    };
    if !trace.arrows.is_empty() {
        dom::add(
            &root,
            "button",
            &[
                ("type", "button"),
                ("class", "button secondary export"),
                ("data-testid", "export-session"),
                (
                    "title",
                    "A JSON file of every step with its request and answer, tokens decoded, signatures removed",
                ),
            ],
            "Export the session",
        );
    }
    figure(&root, &trace.arrows, 'c', open, reveal);
    if !trace.other.is_empty() {
        figure(&root, &trace.other, 'o', open, reveal);
    }
}

fn figure(root: &Element, list: &[Arrow], key: char, open: Option<&str>, reveal: bool) {
    let current = key == 'c';
    let fig = dom::add(
        root,
        "figure",
        &[
            ("class", "diagram"),
            (
                "data-testid",
                if current { "diagram" } else { "diagram-other" },
            ),
        ],
        "",
    );
    let flow = match flow_of(list) {
        Some("code") => ": authorization code + PKCE",
        Some(_) => ": implicit flow",
        None => "",
    };
    let title = if current {
        "This session"
    } else {
        "Your last sign-in with the other flow"
    };
    dom::add(&fig, "figcaption", &[], &format!("{title}{flow}"));

    // Each arrow one row, two when its answer came (the dashed one back).
    let mut y = 2 * ROW;
    let rows: Vec<usize> = list
        .iter()
        .map(|a| {
            y += ROW;
            let at = y;
            if a.status.is_some() {
                y += ROW;
            }
            at
        })
        .collect();
    let height = y + ROW;
    let x = |column: usize| COL / 2 + column * COL;
    let svg = dom::add(
        &fig,
        "svg",
        &[
            ("viewBox", &format!("0 0 {} {height}", COL * PARTIES.len())),
            ("aria-hidden", "true"),
        ],
        "",
    );
    for p in PARTIES {
        let at = x(p.column()).to_string();
        dom::add(
            &svg,
            "text",
            &[("class", "party"), ("x", &at), ("y", &ROW.to_string())],
            p.name(),
        );
        let d = format!("M{at} {} V{height}", ROW + 8);
        dom::add(&svg, "path", &[("class", "lifeline"), ("d", &d)], "");
    }
    // The heads: index.html's `#arrowhead` marker (main.css), solid also on a dashed answer.
    let arrow = |g: &Element, y: usize, from: usize, to: usize, class: &str, label: &str| {
        let line = format!("M{from} {y}H{to}");
        let mid = ((from + to) / 2).to_string();
        dom::add(
            g,
            "text",
            &[("x", &mid), ("y", &(y - 5).to_string())],
            label,
        );
        dom::add(g, "path", &[("class", class), ("d", &line)], "");
    };
    let steps = dom::add(&fig, "ol", &[("class", "steps")], "");
    let mut detail = None;
    for (i, (a, at)) in list.iter().zip(rows).enumerate() {
        let id = format!("{key}{i}");
        let is_open = open == Some(id.as_str());
        let g = dom::add(
            &svg,
            "g",
            &[
                ("class", if is_open { "step open" } else { "step" }),
                ("data-step", &id),
            ],
            "",
        );
        let (from, to) = (x(a.from.column()), x(a.to.column()));
        arrow(&g, at, from, to, "", &format!("{}. {}", i + 1, a.label));
        let status = a.status.as_deref().unwrap_or("");
        if !status.is_empty() {
            arrow(&g, at + ROW, to, from, "answer", status);
        }
        let li = dom::add(&steps, "li", &[], "");
        let words = format!(
            "{} → {}: {}{}{status}",
            a.from.name(),
            a.to.name(),
            a.label,
            if status.is_empty() { "" } else { " · " }
        );
        dom::add(
            &li,
            "button",
            &[
                ("type", "button"),
                ("class", "link"),
                ("data-step", &id),
                ("aria-expanded", if is_open { "true" } else { "false" }),
            ],
            &words,
        );
        if is_open {
            detail = Some(a);
        }
    }
    if list.is_empty() {
        dom::add(
            &fig,
            "p",
            &[("class", "muted")],
            "Nothing has travelled yet: each redirect and request of this session is drawn here as it happens.",
        );
    }
    let Some(a) = detail else {
        return;
    };
    let shown = |text: &str| {
        if reveal {
            text.to_owned()
        } else {
            mask_tokens(text)
        }
    };
    let div = dom::add(
        &fig,
        "div",
        &[("class", "step-detail"), ("data-testid", "step-detail")],
        "",
    );
    dom::add(&div, "h4", &[], &a.label);
    let pre = |testid: &str, text: &str| {
        dom::add(
            &div,
            "pre",
            &[
                ("class", "private"),
                ("tabindex", "0"),
                ("data-testid", testid),
            ],
            &shown(text),
        );
    };
    pre("step-request", &a.request);
    if let Some(status) = &a.status {
        dom::add(&div, "p", &[], &format!("Answer: {status}"));
        pre("step-answer", a.answer.as_deref().unwrap_or(""));
    }
    let label = dom::add(&div, "label", &[], "");
    let mut attrs = vec![("type", "checkbox"), ("id", "reveal-tokens")];
    if reveal {
        attrs.push(("checked", ""));
    }
    dom::add(&label, "input", &attrs, "");
    dom::add(&label, "span", &[], " Show the full tokens");
}
