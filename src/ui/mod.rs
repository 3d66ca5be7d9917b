//! Leptos components. They show state and call the core; they decide nothing themselves.

mod console;
mod flow;
mod settings;
mod stages;
mod tokens;

pub use flow::Flow;
pub use settings::{SettingsPanel, SettingsState};
pub use stages::Stages;

use crate::auth::callback::CallbackParams;
use crate::config::Field;
use crate::web::{self, config_source::FileStatus};
use leptos::prelude::*;

/// The whole page: header, the four stages of the flow, and the Settings panel. `callback` is
/// the sign-in callback taken (and wiped) from the address bar before the first render.
#[component]
pub fn App(callback: Option<CallbackParams>) -> impl IntoView {
    let (overrides, storage_error) = match web::storage::load_overrides() {
        Ok(o) => (o, None),
        Err(e) => (Default::default(), Some(e)),
    };
    let state = SettingsState::new(&web::page_url(), overrides);
    state
        .storage_error
        .set(storage_error.map(|e| e.to_string()));
    let flow = Flow::new();
    flow.begin(state, callback);
    // Countdowns only: refreshes are the session machine's, on its own timer.
    let _ = set_interval_with_handle(
        move || flow.now.set(web::now()),
        std::time::Duration::from_secs(1),
    );

    let settings_open = RwSignal::new(false);
    // Escape closes the panel, wherever focus is.
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            settings_open.set(false);
        }
    });

    view! {
        <header class="site-header">
            <div class="brand">
                <Logo />
                <div>
                    <h1>"Dragons sign-in"</h1>
                    <p class="tagline">"The Amazon Cognito Hosted UI login flow, step by step"</p>
                </div>
            </div>
            <button
                type="button"
                class="button secondary"
                data-testid="settings-toggle"
                aria-controls="settings-panel"
                aria-expanded=move || settings_open.get().to_string()
                on:click=move |_| settings_open.update(|o| *o = !*o)
            >
                {move || if settings_open.get() { "Close settings" } else { "Settings" }}
            </button>
        </header>
        <ConfigBanner state on_open_settings=move || settings_open.set(true) />
        <div class="layout" class:with-panel=move || settings_open.get()>
            <main id="main">
                <Stages state flow />
            </main>
            {
                // Rendered again only when it turns on or off (what <Show> did, in less code).
                let open = Memo::new(move |_| settings_open.get());
                move || open.get().then(|| view! {
                <SettingsPanel state on_close=move || settings_open.set(false) />
                })
            }
        </div>
        <footer class="site-footer">
            <p>
                "Runs entirely in your browser. Tokens never leave it except in the "
                <code>"Authorization"</code> " header sent to the API you configure."
            </p>
        </footer>
    }
}

/// Problems with the configuration as a whole, shown above the stages.
#[component]
fn ConfigBanner(
    state: SettingsState,
    #[prop(into)] on_open_settings: Callback<()>,
) -> impl IntoView {
    let problems = move || state.config().err().unwrap_or_default();
    view! {
        {move || match state.file_status.get() {
            FileStatus::Failed(message) => Some(view! {
                <p class="banner warning" role="status" data-testid="config-file-status">{message}</p>
            }),
            _ => None,
        }}
        {move || state.storage_error.get().map(|message| view! {
            <p class="banner warning" role="status" data-testid="storage-error">{message}</p>
        })}
        {
            // Rendered again only when it turns on or off (what <Show> did, in less code).
            let open = Memo::new(move |_| !problems().is_empty());
            move || open.get().then(|| view! {
            <div class="banner error" role="alert" data-testid="config-problems">
                <p>
                    <strong>"The configuration needs fixing before you can sign in."</strong>
                    " "
                    <button type="button" class="link" on:click=move |_| on_open_settings.run(())>
                        "Open Settings"
                    </button>
                </p>
                <ul>
                    {move || problems().into_iter().map(|p| view! {
                        <li><code>{p.field.key()}</code>" ("{p.field.label()}") "{p.message}</li>
                    }).collect_view()}
                </ul>
            </div>
            })
        }
    }
}

/// The id of the input for `field` in the Settings panel, for labels and links.
pub fn field_input_id(field: Field) -> String {
    format!("setting-{}", field.key())
}

/// The mark in the header: a key in a shield, drawn inline (no font or image to load).
#[component]
fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" viewBox="0 0 48 48" width="48" height="48" aria-hidden="true">
            <path d="M24 3 42 10v13c0 11-7.6 19.6-18 22C13.6 42.6 6 34 6 23V10z" class="logo-shield" />
            <circle cx="24" cy="19" r="6" class="logo-key" />
            <path d="M24 25v13m0-6h5m-5 4h4" class="logo-key-stroke" />
        </svg>
    }
}
