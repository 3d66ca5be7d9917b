//! The shell and the Settings panel in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use dragons_login::config::RawConfig;
use dragons_login::ui::{SettingsPanel, SettingsState};
use dragons_login::web::storage::{self, SETTINGS_KEY};
use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn by_testid<T: JsCast>(root: &web_sys::Element, id: &str) -> T {
    root.query_selector(&format!("[data-testid=\"{id}\"]"))
        .unwrap()
        .unwrap_or_else(|| panic!("no [data-testid={id}]"))
        .dyn_into::<T>()
        .unwrap_or_else(|_| panic!("[data-testid={id}] has another element type"))
}

/// Let effects and the scheduler run.
async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

fn type_into(input: &web_sys::HtmlInputElement, text: &str) {
    input.set_value(text);
    input
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
}

/// Mount the panel in a fresh container; the test removes the container when done.
fn mount_panel(state: SettingsState) -> web_sys::HtmlElement {
    let container: web_sys::HtmlElement =
        document().create_element("div").unwrap().unchecked_into();
    document().body().unwrap().append_child(&container).unwrap();
    leptos::mount::mount_to(container.clone(), move || {
        view! { <SettingsPanel state on_close=|| () /> }
    })
    .forget();
    container
}

#[wasm_bindgen_test]
fn overrides_round_trip_through_local_storage() {
    storage::clear_overrides();
    assert_eq!(storage::load_overrides(), Ok(RawConfig::default()));
    let mine = RawConfig {
        flow: Some("implicit".into()),
        scopes: Some(vec!["openid".into()]),
        ..Default::default()
    };
    storage::save_overrides(&mine).unwrap();
    assert_eq!(storage::load_overrides(), Ok(mine));
    // Saving nothing removes the key rather than storing "{}".
    storage::save_overrides(&RawConfig::default()).unwrap();
    assert_eq!(LocalStorage::raw().get_item(SETTINGS_KEY).unwrap(), None);
}

#[wasm_bindgen_test]
fn corrupt_saved_settings_are_reported_and_kept_until_reset() {
    LocalStorage::raw()
        .set_item(SETTINGS_KEY, "{not json")
        .unwrap();
    let err = storage::load_overrides().unwrap_err();
    assert!(err.contains("Reset"), "{err}");
    assert_eq!(
        LocalStorage::raw()
            .get_item(SETTINGS_KEY)
            .unwrap()
            .as_deref(),
        Some("{not json"),
        "nothing is lost behind the person's back"
    );
    storage::clear_overrides();
}

#[wasm_bindgen_test]
async fn the_panel_shows_errors_by_the_field_saves_and_resets() {
    storage::clear_overrides();
    let state = SettingsState::new("http://localhost:8080/", RawConfig::default());
    let root = mount_panel(state);
    settle().await;

    let client_id: web_sys::HtmlInputElement = by_testid(&root, "setting-clientId");
    assert_eq!(
        client_id.value(),
        dragons_login::config::defaults::CLIENT_ID
    );
    let error: web_sys::HtmlElement = by_testid(&root, "setting-clientId-error");
    assert!(error.hidden(), "no error for a valid value");

    type_into(&client_id, "not a client id!");
    settle().await;
    assert!(!error.hidden());
    assert!(error.text_content().unwrap().contains("letters and digits"));
    assert_eq!(
        client_id.get_attribute("aria-invalid").as_deref(),
        Some("true")
    );

    // Saving is refused while a field is wrong; nothing reaches storage.
    by_testid::<web_sys::HtmlElement>(&root, "settings-save").click();
    settle().await;
    let notice: web_sys::HtmlElement = by_testid(&root, "settings-notice");
    assert!(notice.text_content().unwrap().contains("Nothing saved"));
    assert_eq!(LocalStorage::raw().get_item(SETTINGS_KEY).unwrap(), None);

    type_into(&client_id, "  abc123  ");
    settle().await;
    assert!(error.hidden());
    by_testid::<web_sys::HtmlElement>(&root, "settings-save").click();
    settle().await;
    assert_eq!(
        LocalStorage::raw()
            .get_item(SETTINGS_KEY)
            .unwrap()
            .as_deref(),
        Some(r#"{"clientId":"abc123"}"#)
    );
    assert_eq!(
        state.config().unwrap().client_id,
        "abc123",
        "the app uses it at once"
    );
    let source: web_sys::HtmlElement = by_testid(&root, "setting-clientId-source");
    assert_eq!(source.text_content().unwrap(), "your change");

    by_testid::<web_sys::HtmlElement>(&root, "settings-reset").click();
    settle().await;
    assert_eq!(LocalStorage::raw().get_item(SETTINGS_KEY).unwrap(), None);
    assert_eq!(
        client_id.value(),
        dragons_login::config::defaults::CLIENT_ID
    );
    assert_eq!(source.text_content().unwrap(), "default");
    root.remove();
}

#[wasm_bindgen_test]
async fn config_json_arriving_later_updates_the_panel() {
    storage::clear_overrides();
    let state = SettingsState::new("http://localhost:8080/", RawConfig::default());
    let root = mount_panel(state);
    settle().await;
    state.file.set(RawConfig {
        flow: Some("implicit".into()),
        ..Default::default()
    });
    settle().await;
    let flow: web_sys::HtmlSelectElement = by_testid(&root, "setting-flow");
    assert_eq!(flow.value(), "implicit");
    let source: web_sys::HtmlElement = by_testid(&root, "setting-flow-source");
    assert_eq!(source.text_content().unwrap(), "config.json");
    root.remove();
}
