//! The Settings panel: shows the configuration in force, where each value came from, and each
//! problem next to its field; saves a person's changes as overrides in localStorage.

use super::{dom, field_input_id};
use crate::config::{self, Config, Field, FieldError, FormText, RawConfig};
use crate::web::{config_source::FileStatus, storage};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

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
    let memory = storage::memory_only();
    Effect::new(move |_| {
        let errors = errors.get();
        form.with(|f| sync_fields(f, &errors, |field| state.source(field)));
    });
    // Typing (or choosing) in a field: the form's text follows.
    let edited = move |ev: leptos::ev::Event| {
        let Some(control) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
            return;
        };
        let id = control.id();
        match control.get_attribute("data-testid").as_deref() {
            Some("token-storage-session") => return storage::set_memory_only(false),
            Some("token-storage-memory") => return storage::set_memory_only(true),
            _ => {}
        }
        if let Some(field) = Field::ALL.into_iter().find(|f| field_input_id(*f) == id) {
            form.update(|f| f.set(field, dom::value_of(&control)));
        }
    };
    let unsaved = move || form.with(FormText::to_raw) != state.effective();

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !errors.get_untracked().is_empty() {
            notice.set(Some(
                "Nothing saved: fix the fields marked in red first.".into(),
            ));
            // The person lands on the first field with a problem.
            dom::focus("#settings-panel [aria-invalid='true']");
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
            <form on:submit=save on:input=edited on:change=edited novalidate=true>
                <div id="settings-fields"></div>
                // Where the tokens are kept: sessionStorage (default) or memory only; applies
                // at once (`edited`).
                <fieldset class="field choice">
                    <legend>"Where tokens are kept"</legend>
                    <label>
                        <input type="radio" name="token-storage" data-testid="token-storage-session" checked=!memory />
                        " sessionStorage: kept across reloads of this tab, gone when it closes (default)"
                    </label>
                    <label>
                        <input type="radio" name="token-storage" data-testid="token-storage-memory" checked=memory />
                        " Memory only: gone on reload; nothing is written to storage"
                    </label>
                </fieldset>
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

/// The choices of a field that has a fixed few.
fn choices(field: Field) -> &'static [(&'static str, &'static str)] {
    match field {
        Field::Flow => &[
            ("code", "code: authorization code + PKCE"),
            ("implicit", "implicit: tokens in the URL"),
        ],
        Field::ApiToken => &[
            ("id", "id: the ID token"),
            ("access", "access: the access token"),
        ],
        _ => &[],
    }
}

/// The fields, drawn by dom.rs the first time, then brought up to date: each one's value (only
/// when it differs, so typing is not disturbed), where it comes from and its problem.
fn sync_fields(form: &FormText, errors: &[FieldError], source: impl Fn(Field) -> &'static str) {
    let Some(root) = dom::by_id("settings-fields") else {
        return;
    };
    if root.child_element_count() == 0 {
        draw_fields(&root);
    }
    for field in Field::ALL {
        let id = field_input_id(field);
        let (help_id, error_id) = (format!("{id}-help"), format!("{id}-error"));
        let error = errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str());
        if let Some(control) = dom::by_id(&id) {
            dom::set_value(&control, form.get(field));
            let _ = control.set_attribute("aria-invalid", &error.is_some().to_string());
            let described = match error {
                Some(_) => format!("{error_id} {help_id}"),
                None => help_id,
            };
            let _ = control.set_attribute("aria-describedby", &described);
            if let Some(row) = control.parent_element() {
                let _ = row
                    .class_list()
                    .toggle_with_force("invalid", error.is_some());
            }
        }
        if let Some(p) = dom::by_id(&error_id) {
            p.set_text_content(error);
            let _ = p.toggle_attribute_with_force("hidden", error.is_none());
        }
        if let Some(span) = dom::by_id(&format!("{id}-source")) {
            span.set_text_content(Some(source(field)));
        }
    }
}

/// One row per field: label (with its key and where the value comes from), the input or
/// select, its help and its (hidden) error.
fn draw_fields(root: &Element) {
    for field in Field::ALL {
        let id = field_input_id(field);
        let row = dom::add(root, "div", &[("class", "field")], "");
        let label = dom::add(&row, "label", &[("for", &id)], field.label());
        dom::text(&label, " ");
        dom::add(&label, "code", &[("class", "key")], field.key());
        let source_id = format!("{id}-source");
        let source = [
            ("class", "source"),
            ("data-testid", &source_id),
            ("id", &source_id),
        ];
        dom::add(&label, "span", &source, "");
        let common = [("id", id.as_str()), ("data-testid", id.as_str())];
        let listed = choices(field);
        if listed.is_empty() {
            let input = dom::add(&row, "input", &common, "");
            let placeholder = if field == Field::LogoutUri {
                "same as the callback URL"
            } else {
                ""
            };
            for (k, v) in [
                ("type", "text"),
                ("spellcheck", "false"),
                ("autocomplete", "off"),
                ("placeholder", placeholder),
            ] {
                let _ = input.set_attribute(k, v);
            }
        } else {
            let select = dom::add(&row, "select", &common, "");
            for (value, words) in listed {
                dom::add(&select, "option", &[("value", value)], words);
            }
        }
        let help = [("class", "help"), ("id", &format!("{id}-help"))];
        dom::add(&row, "p", &help, field.help());
        let error_id = format!("{id}-error");
        let error = [
            ("class", "error"),
            ("id", &error_id),
            ("data-testid", &error_id),
            ("role", "alert"),
        ];
        dom::add(&row, "p", &error, "");
    }
}
