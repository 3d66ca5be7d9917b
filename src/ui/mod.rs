//! Leptos components, mounted into the page index.html draws. They show state and call the
//! core; they decide nothing themselves.

mod console;
mod diagram;
mod dom;
mod flow;
mod later;
mod preflight;
mod settings;
mod stages;
mod tokens;

pub use flow::Flow;
pub use settings::{SettingsPanel, SettingsState};

use crate::auth::callback::CallbackParams;
use crate::auth::machine::AuthState;
use crate::config::Field;
use crate::web::{self, config_source::FileStatus};
use crate::workshop::stage_key;
use leptos::prelude::*;

/// Start the app on the page index.html drew (header, the four stages' headings and
/// introductions, footer: shown before the WebAssembly arrives). `callback` is the sign-in
/// callback taken (and wiped) from the address bar before anything renders. The flow starts
/// first, so its requests are on their way before anything else is done.
pub fn start(callback: Option<CallbackParams>) {
    // The root of every signal and effect here, for the page's lifetime.
    let owner = Owner::new();
    owner.set();
    std::mem::forget(owner);
    // Futures run on the browser's microtasks (mounting would start this too, but the flow's
    // requests go out before anything is mounted).
    let _ = any_spawner::Executor::init_wasm_bindgen();

    // The callback's requests (or a saved session's check) first: they need no configuration.
    let flow = Flow::new();
    flow.begin(callback);
    // The later module (everything below the first screen) on its way beside the flow's requests.
    later::preload();
    let (overrides, storage_error) = match web::storage::load_overrides() {
        Ok(o) => (o, None),
        Err(e) => (Default::default(), Some(e)),
    };
    let state = SettingsState::new(&web::page_url(), overrides);
    state
        .storage_error
        .set(storage_error.map(|e| e.to_string()));
    flow.read_config(state);
    // Countdowns only: refreshes are the session machine's, on its own timer.
    let _ = set_interval_with_handle(
        move || {
            let now = web::now();
            flow.now.set(now);
        },
        std::time::Duration::from_secs(1),
    );

    // The controls are mounted once the first step of this page load is over (a callback
    // exchanged and verified, a saved session checked: tens of milliseconds) or after
    // MOUNT_WAIT, whichever comes first. A fast callback then renders once, not once per step,
    // and the page's rendering does not hold up the answers (issue 12); a slow one shows its
    // progress after the wait. Until then the page says "Loading the app…".
    let root = Owner::current();
    let mounted = StoredValue::new(false);
    let mount = move || {
        if !mounted.get_value() {
            mounted.set_value(true);
            under(&root, || untrack(|| mount_page(state, flow)));
        }
    };
    let at_rest = Memo::new(move |_| !flow.state.with(AuthState::in_flight));
    let when_at_rest = mount.clone();
    Effect::new(move |_| {
        if at_rest.get() {
            when_at_rest();
        }
    });
    set_timeout(mount, MOUNT_WAIT);
}

/// How long a step of the page load may take before the page shows its progress.
const MOUNT_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// The page's controls and the parts drawn from data, mounted into index.html's page.
fn mount_page(state: SettingsState, flow: Flow) {
    let settings_open = RwSignal::new(false);
    // Presenter view: remembered in this browser, shown by an attribute on <html>.
    let presenter = RwSignal::new(web::storage::presenter());
    web::show_presenter(presenter.get_untracked());
    // Escape closes the panel, wherever focus is; in presenter view, PageDown / PageUp (what
    // clickers send) step through the stages.
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        let key = ev.key();
        if key == "Escape" {
            settings_open.set(false);
        } else if presenter.get_untracked() {
            let modified = ev.ctrl_key() || ev.alt_key() || ev.meta_key();
            if let Some(forward) = stage_key(&key, web::typing(), modified) {
                ev.prevent_default();
                web::step_stage(forward);
            }
        }
    });

    web::remove_boot_screen();
    // The header's buttons (dom.rs; clicks reach them through the page's click listener), their
    // pressed and expanded states kept by one effect.
    if let Some(header) = dom::by_id("site-header") {
        let actions = dom::add(&header, "div", &[("class", "actions")], "");
        let button = |testid, text, more: &[(&str, &str)]| {
            let b = dom::add(
                &actions,
                "button",
                &[
                    ("type", "button"),
                    ("class", "button secondary"),
                    ("data-testid", testid),
                ],
                text,
            );
            for (k, v) in more {
                let _ = b.set_attribute(k, v);
            }
            b
        };
        let presenting = button("presenter-toggle", "Presenter view", &[]);
        button("reset", "Reset", &[
            ("aria-label", "Reset for the next person"),
            ("title", "Signs out everywhere (tokens revoked, this browser's storage cleared, the Hosted UI's session ended) so the next person starts at the login form"),
        ]);
        let settings = button(
            "settings-toggle",
            "Settings",
            &[("aria-controls", "settings-panel")],
        );
        Effect::new(move |_| {
            let _ = presenting.set_attribute("aria-pressed", &presenter.get().to_string());
            let open = settings_open.get();
            let _ = settings.set_attribute("aria-expanded", &open.to_string());
            settings.set_text_content(Some(if open { "Close settings" } else { "Settings" }));
        });
    }
    Effect::new(move |_| draw_banners(state));
    if let Some(root) = dom::by_id("sign-in") {
        stages::sign_in_stage(&root, state, flow);
    }
    if let Some(root) = dom::by_id("callback-status") {
        flow::callback_status(&root, flow);
    }
    // Clicks on index.html's own buttons and the header's (no Leptos handlers there); the later
    // module listens for its own parts' clicks.
    let _ = window_event_listener(leptos::ev::click, move |ev| {
        if let Some(target) = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        {
            let testid = target.get_attribute("data-testid").unwrap_or_default();
            flow.clicked(&testid, state);
            match Some(testid.as_str()) {
                Some("open-settings") => settings_open.set(true),
                Some("settings-toggle") => settings_open.update(|o| *o = !*o),
                Some("reset") => flow.reset(state),
                Some("presenter-toggle") => {
                    let on = !presenter.get_untracked();
                    web::storage::set_presenter(on);
                    web::show_presenter(on);
                    presenter.set(on);
                }
                _ => {}
            }
        }
    });
    // Below the first screen (the sequence diagram, the token cards and their claim tables,
    // the console, Settings, the pre-flight check): the later module, asked for at start and
    // drawn once the first screen, the verdict, is painted (issue 12, issue 25).
    after_next_paint(move || {
        later::show(later::Parts {
            state,
            flow,
            settings_open,
        })
    });
}

/// Run `f` (under the reactive owner of the caller) once the next frame is painted: in an
/// animation frame's callback (which runs before that frame's rendering) a timer of 0 ms, which
/// runs after it.
pub(crate) fn after_next_paint(f: impl FnOnce() + 'static) {
    let owner = Owner::current();
    request_animation_frame(move || {
        set_timeout(move || under(&owner, f), std::time::Duration::ZERO);
    });
}

/// Run `f` under `owner` (the page's root, captured before): what it creates lives as long as
/// the page, not as long as the effect or timer that runs it.
pub(crate) fn under(owner: &Option<Owner>, f: impl FnOnce()) {
    match owner {
        Some(owner) => owner.with(f),
        None => f(),
    }
}

/// Problems with the configuration as a whole, drawn above the stages (dom.rs) as they change.
fn draw_banners(state: SettingsState) {
    let status = match state.file_status.get() {
        FileStatus::Failed(message) => Some(message),
        _ => None,
    };
    let storage_error = state.storage_error.get();
    let problems = state.config().err().unwrap_or_default();
    let Some(root) = dom::canvas("banners") else {
        return;
    };
    for (message, testid) in [
        (status, "config-file-status"),
        (storage_error, "storage-error"),
    ] {
        if let Some(m) = message {
            let attrs = [
                ("class", "banner warning"),
                ("role", "status"),
                ("data-testid", testid),
            ];
            dom::add(&root, "p", &attrs, &m);
        }
    }
    if problems.is_empty() {
        return;
    }
    let attrs = [
        ("class", "banner error"),
        ("role", "alert"),
        ("data-testid", "config-problems"),
    ];
    let banner = dom::add(&root, "div", &attrs, "");
    let p = dom::add(&banner, "p", &[], "");
    dom::add(
        &p,
        "strong",
        &[],
        "The configuration needs fixing before you can sign in.",
    );
    dom::text(&p, " ");
    let button = [
        ("type", "button"),
        ("class", "link"),
        ("data-testid", "open-settings"),
    ];
    dom::add(&p, "button", &button, "Open Settings");
    let ul = dom::add(&banner, "ul", &[], "");
    for problem in problems {
        let li = dom::add(&ul, "li", &[], "");
        dom::add(&li, "code", &[], problem.field.key());
        dom::text(
            &li,
            &format!(" ({}) {}", problem.field.label(), problem.message),
        );
    }
}

/// The id of the input for `field` in the Settings panel, for labels and links.
pub fn field_input_id(field: Field) -> String {
    format!("setting-{}", field.key())
}
