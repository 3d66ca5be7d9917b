//! The Settings panel: shows the configuration in force, where each value came from, and each
//! problem next to its field; saves a person's changes as overrides in localStorage.

use super::field_input_id;
use crate::config::{self, Config, Field, FieldError, FormText, RawConfig};
use crate::web::{config_source::FileStatus, storage};
use leptos::prelude::*;

/// The configuration's layers, created once at the app root and passed down (it is `Copy`).
#[derive(Clone, Copy)]
pub struct SettingsState {
    /// The built-in defaults for this page (redirect URL = the page itself).
    pub defaults: StoredValue<RawConfig>,
    /// What `config.json` set.
    pub file: RwSignal<RawConfig>,
    pub file_status: RwSignal<FileStatus>,
    /// What the person saved in this browser.
    pub overrides: RwSignal<RawConfig>,
    pub storage_error: RwSignal<Option<String>>,
}

impl SettingsState {
    pub fn new(page_url: &str, overrides: RawConfig) -> SettingsState {
        SettingsState {
            defaults: StoredValue::new(config::default_raw(page_url)),
            file: RwSignal::new(RawConfig::default()),
            file_status: RwSignal::new(FileStatus::Loading),
            overrides: RwSignal::new(overrides),
            storage_error: RwSignal::new(None),
        }
    }

    /// Defaults overlaid with config.json: what Reset goes back to.
    pub fn base(&self) -> RawConfig {
        self.defaults.with_value(|d| d.overlay(&self.file.get()))
    }

    /// The configuration in force, before checking.
    pub fn effective(&self) -> RawConfig {
        self.base().overlay(&self.overrides.get())
    }

    pub fn config(&self) -> Result<Config, Vec<FieldError>> {
        config::validate(&self.effective())
    }

    /// Where the value of `field` in force comes from, in words.
    fn source(&self, field: Field) -> &'static str {
        if field.get(&self.overrides.get()).is_some() {
            "your change"
        } else if field.get(&self.file.get()).is_some() {
            "config.json"
        } else {
            "default"
        }
    }
}

#[component]
pub fn SettingsPanel(
    state: SettingsState,
    /// Called when the person closes the panel.
    #[prop(into)]
    on_close: Callback<()>,
) -> impl IntoView {
    let form = RwSignal::new(FormText::from_raw(&state.effective()));
    // When config.json arrives (or overrides change elsewhere), show what is now in force.
    Effect::new(move |_| form.set(FormText::from_raw(&state.effective())));
    let errors = Memo::new(move |_| {
        config::validate(&form.with(FormText::to_raw))
            .err()
            .unwrap_or_default()
    });
    let notice = RwSignal::new(None::<String>);
    let unsaved = move || form.with(FormText::to_raw) != state.effective();

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !errors.get_untracked().is_empty() {
            notice.set(Some(
                "Nothing saved: fix the fields marked in red first.".into(),
            ));
            focus_first_invalid();
            return;
        }
        let changes = form
            .with_untracked(FormText::to_raw)
            .diff_from(&state.base());
        match storage::save_overrides(&changes) {
            Ok(()) => {
                state.overrides.set(changes);
                notice.set(Some(
                    "Saved in this browser. It applies from the next sign-in.".into(),
                ));
            }
            Err(e) => notice.set(Some(e.to_string())),
        }
    };
    let reset = move |_| {
        storage::clear_overrides();
        state.overrides.set(RawConfig::default());
        state.storage_error.set(None);
        form.set(FormText::from_raw(&state.base()));
        notice.set(Some(
            "Your changes are cleared; config.json applies again.".into(),
        ));
    };

    view! {
        <aside id="settings-panel" class="settings" aria-labelledby="settings-title" data-testid="settings-panel">
            <div class="settings-head">
                <h2 id="settings-title">"Settings"</h2>
                <button type="button" class="button ghost" on:click=move |_| on_close.run(()) aria-label="Close settings">
                    "✕"
                </button>
            </div>
            <p class="muted">
                "Loaded from " <code>"config.json"</code> " next to this page; what you change here is kept in this "
                "browser only. Values from the address bar are never used."
            </p>
            <form on:submit=save novalidate=true>
                {Field::ALL.into_iter().map(|field| view! {
                    <FieldRow field form errors source=Signal::derive(move || state.source(field)) />
                }).collect_view()}
                <TokenStorageChoice />
                <p class="form-status" role="status" aria-live="polite" data-testid="settings-notice">
                    {move || notice.get()}
                </p>
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="settings-save">
                        {move || if unsaved() { "Save changes" } else { "Save" }}
                    </button>
                    <button type="button" class="button secondary" data-testid="settings-reset" on:click=reset>
                        "Reset to config.json"
                    </button>
                </div>
            </form>
        </aside>
    }
}

/// Where the tokens are kept: sessionStorage (default) or memory only. Applies at once.
#[component]
fn TokenStorageChoice() -> impl IntoView {
    let memory = RwSignal::new(storage::memory_only());
    let choose = move |on: bool| {
        storage::set_memory_only(on);
        memory.set(on);
    };
    view! {
        <fieldset class="field choice">
            <legend>"Where tokens are kept"</legend>
            <label>
                <input type="radio" name="token-storage" data-testid="token-storage-session"
                    prop:checked=move || !memory.get() on:change=move |_| choose(false) />
                " sessionStorage: kept across reloads of this tab, gone when it closes (default)"
            </label>
            <label>
                <input type="radio" name="token-storage" data-testid="token-storage-memory"
                    prop:checked=move || memory.get() on:change=move |_| choose(true) />
                " Memory only: gone on reload; nothing is written to storage"
            </label>
        </fieldset>
    }
}

#[component]
fn FieldRow(
    field: Field,
    form: RwSignal<FormText>,
    errors: Memo<Vec<FieldError>>,
    source: Signal<&'static str>,
) -> impl IntoView {
    let id = field_input_id(field);
    let help_id = format!("{id}-help");
    let error_id = format!("{id}-error");
    let error = move || {
        errors.with(|errs| {
            errs.iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone())
        })
    };
    let described_by = {
        let (help_id, error_id) = (help_id.clone(), error_id.clone());
        move || match error() {
            Some(_) => format!("{error_id} {help_id}"),
            None => help_id.clone(),
        }
    };
    let value = move || form.with(|f| f.get(field).to_owned());
    let on_input = move |ev| form.update(|f| f.set(field, event_target_value(&ev)));
    let choices: Option<&[(&str, &str)]> = match field {
        Field::Flow => Some(&[
            ("code", "code: authorization code + PKCE"),
            ("implicit", "implicit: tokens in the URL"),
        ]),
        Field::ApiToken => Some(&[
            ("id", "id: the ID token"),
            ("access", "access: the access token"),
        ]),
        _ => None,
    };
    let control = match choices {
        Some(choices) => view! {
            <select
                id=id.clone()
                data-testid=id.clone()
                prop:value=value
                on:change=on_input
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described_by.clone()
            >
                {choices.iter().map(|(v, label)| view! { <option value=*v>{*label}</option> }).collect_view()}
            </select>
        }
        .into_any(),
        None => view! {
            <input
                id=id.clone()
                data-testid=id.clone()
                type="text"
                spellcheck="false"
                autocomplete="off"
                placeholder=if field == Field::LogoutUri { "same as the callback URL" } else { "" }
                prop:value=value
                on:input=on_input
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=described_by
            />
        }
        .into_any(),
    };
    view! {
        <div class="field" class:invalid=move || error().is_some()>
            <label for=id.clone()>
                {field.label()} " " <code class="key">{field.key()}</code>
                <span class="source" data-testid=format!("{id}-source")>{move || source.get()}</span>
            </label>
            {control}
            <p class="help" id=help_id>{field.help()}</p>
            <p class="error" id=error_id.clone() data-testid=error_id role="alert" hidden=move || error().is_none()>
                {error}
            </p>
        </div>
    }
}

/// Move keyboard focus to the first field with a problem, so the person lands on it.
fn focus_first_invalid() {
    let field = document()
        .query_selector("#settings-panel [aria-invalid='true']")
        .ok()
        .flatten()
        .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok());
    if let Some(field) = field {
        let _ = field.focus();
    }
}
