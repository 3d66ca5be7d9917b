//! The later module: everything below the first screen (the token cards and their claim tables,
//! the sequence diagram and its export, the API console and the 401 lab, Settings, the
//! pre-flight check, paste a token). Release builds split it into a wasm file of its own
//! (`wasm_split_helpers`; the build's post_build step splits, xtask/src/split.rs), asked for as
//! the app starts, beside the flow's requests, so the first download holds only sign-in and the
//! callback's verdict. Debug builds (`trunk serve`) call it directly.
//!
//! While it loads, its places say so; if it cannot load (offline, a deploy that replaced it),
//! they say that and offer a retry, and the first screen keeps working.

use super::console::Calls;
use super::settings::SettingsPanel;
use super::stages::ApiStage;
use super::tokens::TokensView;
use super::{diagram, dom, preflight, under, Flow, SettingsState};
use leptos::prelude::*;

/// What the later parts draw from, handed over from the first screen.
#[derive(Clone, Copy)]
pub struct Parts {
    pub state: SettingsState,
    pub flow: Flow,
    pub settings_open: RwSignal<bool>,
}

/// The later module could not be fetched or instantiated.
#[derive(Debug)]
pub struct LoadFailed;

#[cfg(all(target_family = "wasm", not(debug_assertions)))]
impl From<wasm_split_helpers::SplitLoaderError> for LoadFailed {
    fn from(_: wasm_split_helpers::SplitLoaderError) -> LoadFailed {
        LoadFailed
    }
}

/// Where the later module stands, shown in its places.
#[derive(Clone, Copy, PartialEq)]
enum Status {
    Loading,
    Failed,
    Drawn,
}

/// Start fetching the later module, without drawing anything (release builds; a failure here
/// is met again, and shown, by [`show`]).
pub fn preload() {
    #[cfg(all(target_family = "wasm", not(debug_assertions)))]
    leptos::task::spawn_local(async {
        let _ = preload_later().await;
    });
}

/// Draw the later parts: placeholders now (dom.rs: no Leptos views on the first screen), the
/// parts once their module is here.
pub fn show(parts: Parts) {
    let status = RwSignal::new(Status::Loading);
    // The page's root: what the later parts create lives as long as the page, retried or not.
    let owner = StoredValue::new(Owner::current());
    let places: Vec<_> = [
        ("stage-tokens", "the token cards", "later-tokens"),
        ("stage-api", "the API console", "later-api"),
    ]
    .into_iter()
    .filter_map(|(stage, what, testid)| {
        let section = dom::by_id(stage)?.first_element_child()?;
        Some((dom::add(&section, "div", &[], ""), what, testid))
    })
    .collect();
    Effect::new(move |_| {
        let status = status.get();
        for (place, what, testid) in &places {
            place.set_text_content(None);
            match status {
                Status::Loading => {
                    let line = dom::working(place, "p", &format!("Loading {what}…"));
                    let _ = line.set_attribute("role", "status");
                    let _ = line.set_attribute("data-testid", testid);
                }
                Status::Failed => {
                    let attrs = [
                        ("class", "status error"),
                        ("role", "alert"),
                        ("data-testid", testid),
                    ];
                    let alert = dom::add(place, "div", &attrs, "");
                    dom::add(&alert, "p", &[], &format!(
                        "This part of the app ({what}, with Settings and the pre-flight check) could not be loaded: the connection dropped, or the site was updated since this page was opened. Sign-in and its verdict above still work."
                    ));
                    let button = [
                        ("type", "button"),
                        ("class", "button secondary"),
                        ("data-testid", "later-retry"),
                    ];
                    dom::add(&alert, "button", &button, "Try again");
                }
                Status::Drawn => {}
            }
        }
    });
    let _ = window_event_listener(leptos::ev::click, move |ev| {
        let retry = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|t| t.get_attribute("data-testid"))
            .is_some_and(|id| id == "later-retry");
        if retry && status.get_untracked() == Status::Failed {
            load(parts, status, owner.get_value());
        }
    });
    load(parts, status, owner.get_value());
}

/// Load the later module and draw its parts, keeping `status` up to date.
fn load(parts: Parts, status: RwSignal<Status>, owner: Option<Owner>) {
    status.set(Status::Loading);
    leptos::task::spawn_local(async move {
        let later = Box::new(Later { parts, owner });
        #[cfg(all(target_family = "wasm", not(debug_assertions)))]
        let drawn = draw_later(later).await;
        #[cfg(not(all(target_family = "wasm", not(debug_assertions))))]
        let drawn = draw_later(later);
        status.set(if drawn.is_ok() {
            Status::Drawn
        } else {
            Status::Failed
        });
    });
}

/// The later parts' inputs, with the reactive owner they live under (the page's root).
pub struct Later {
    parts: Parts,
    owner: Option<Owner>,
}

/// The split point: this function and all that only it reaches go into the later module.
#[cfg_attr(
    all(target_family = "wasm", not(debug_assertions)),
    wasm_split_helpers::wasm_split(later, fallible, preload(preload_later))
)]
fn draw_later(later: Box<Later>) -> Result<(), LoadFailed> {
    let Later { parts, owner } = *later;
    under(&owner, || draw(parts));
    Ok(())
}

/// Everything below the first screen.
fn draw(parts: Parts) {
    let Parts {
        state,
        flow,
        settings_open,
    } = parts;
    let calls = Calls::new();
    let diagram = diagram::Diagram::start(flow.driver);
    // The token cards' times and countdowns, each second.
    let _ = set_interval_with_handle(
        move || dom::tick(flow.now.get_untracked()),
        std::time::Duration::from_secs(1),
    );
    // Clicks on what dom.rs drew and on index.html's pre-flight button.
    let _ = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(target) = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        {
            diagram.clicked(&target);
            if target.get_attribute("data-testid").as_deref() == Some("preflight-run") {
                preflight::run(state, target.clone());
            }
            calls.clicked(&target, flow);
            dom::copy_clicked(&target);
        }
    });
    mount("#stage-tokens > section", move || {
        view! { <TokensView flow settings=state /> }.into_any()
    });
    mount("#stage-api > section", move || {
        view! { <ApiStage state flow calls /> }.into_any()
    });
    // After <main>: the layout gives it a column while it is open (main.css, `:has`).
    mount("#layout", move || {
        shown_when(
            move || settings_open.get(),
            move || view! { <SettingsPanel state on_close=move || settings_open.set(false) /> },
        )
        .into_any()
    });
}

/// Render `view` at the end of the element of index.html that `selector` finds.
fn mount(selector: &str, view: impl FnOnce() -> AnyView + 'static) {
    let parent = crate::web::document()
        .and_then(|d| d.query_selector(selector).ok().flatten())
        .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok());
    if let Some(parent) = parent {
        leptos::mount::mount_to(parent, view).forget();
    }
}

/// `view`, rendered again only when `when` turns on or off (what `<Show>` does, in less code).
pub(super) fn shown_when<V: IntoView + 'static>(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> V + Send + Sync + 'static,
) -> impl IntoView {
    let open = Memo::new(move |_| when());
    move || open.get().then(&view)
}
