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

/// Type as a person does: the value changes and an `input` event bubbles up from the field.
fn type_into(input: &web_sys::HtmlInputElement, text: &str) {
    input.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    input.dispatch_event(&event).unwrap();
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
    assert!(err.to_string().contains("Reset"), "{err}");
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

mod signin_shell {
    use dragons_login::auth::jwks::Jwk;
    use dragons_login::auth::pending::{PendingLogin, Randomness};
    use dragons_login::auth::secret::{AccessToken, IdToken, RefreshToken};
    use dragons_login::auth::session::Session;
    use dragons_login::config::RawConfig;
    use dragons_login::web::{crypto, storage};
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    fn set(o: &Object, k: &str, v: JsValue) {
        Reflect::set(o, &k.into(), &v).unwrap();
    }

    /// A key pair made in the browser: (private key, public JWK as the JWKS would give it).
    async fn key_pair() -> (web_sys::CryptoKey, Jwk) {
        let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
        let alg = Object::new();
        set(&alg, "name", "RSASSA-PKCS1-v1_5".into());
        set(&alg, "modulusLength", 2048.into());
        set(
            &alg,
            "publicExponent",
            Uint8Array::from(&[1u8, 0, 1][..]).into(),
        );
        set(&alg, "hash", "SHA-256".into());
        let usages = Array::of2(&"sign".into(), &"verify".into());
        let pair = JsFuture::from(
            subtle
                .generate_key_with_object(&alg, true, &usages)
                .unwrap(),
        )
        .await
        .unwrap();
        let private: web_sys::CryptoKey = Reflect::get(&pair, &"privateKey".into())
            .unwrap()
            .unchecked_into();
        let public: web_sys::CryptoKey = Reflect::get(&pair, &"publicKey".into())
            .unwrap()
            .unchecked_into();
        let jwk = JsFuture::from(subtle.export_key("jwk", &public).unwrap())
            .await
            .unwrap();
        let field = |k: &str| Reflect::get(&jwk, &k.into()).unwrap().as_string().unwrap();
        (
            private,
            Jwk {
                kid: "test-key".into(),
                kty: "RSA".into(),
                alg: Some("RS256".into()),
                key_use: Some("sig".into()),
                n: field("n"),
                e: field("e"),
            },
        )
    }

    async fn sign(key: &web_sys::CryptoKey, data: &[u8]) -> Vec<u8> {
        let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
        let alg = Object::new();
        set(&alg, "name", "RSASSA-PKCS1-v1_5".into());
        let sig = JsFuture::from(
            subtle
                .sign_with_object_and_u8_array(&alg, key, data)
                .unwrap(),
        )
        .await
        .unwrap();
        Uint8Array::new(&sig).to_vec()
    }

    #[wasm_bindgen_test]
    async fn webcrypto_accepts_a_good_rs256_signature_and_refuses_any_change() {
        let (private, jwk) = key_pair().await;
        let data = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
        let sig = sign(&private, data).await;
        assert_eq!(crypto::verify_rs256(&jwk, data, &sig).await, Ok(true));
        let mut changed = data.to_vec();
        changed[20] ^= 1;
        assert_eq!(
            crypto::verify_rs256(&jwk, &changed, &sig).await,
            Ok(false),
            "a changed claim"
        );
        let mut bad_sig = sig.clone();
        bad_sig[0] ^= 1;
        assert_eq!(
            crypto::verify_rs256(&jwk, data, &bad_sig).await,
            Ok(false),
            "a changed signature"
        );
        let (_, other) = key_pair().await;
        assert_eq!(
            crypto::verify_rs256(&other, data, &sig).await,
            Ok(false),
            "another key"
        );
        let broken = Jwk {
            n: "not base64!".into(),
            ..jwk
        };
        assert!(
            crypto::verify_rs256(&broken, data, &sig).await.is_err(),
            "an unusable key is an error, not a pass"
        );
    }

    #[wasm_bindgen_test]
    fn random_bytes_differ() {
        let a: [u8; 32] = crypto::random_bytes().unwrap();
        let b: [u8; 32] = crypto::random_bytes().unwrap();
        assert_ne!(a, b);
    }

    fn session() -> Session {
        let config = dragons_login::config::resolve(
            "http://localhost:8080/",
            &RawConfig::default(),
            &RawConfig::default(),
        )
        .unwrap();
        let times = dragons_login::auth::session::TokenTimes {
            iat: 1_999_996_400,
            exp: 2_000_000_000,
        };
        Session {
            id_token: IdToken::new("eyJ.id"),
            access_token: AccessToken::new("eyJ.access"),
            refresh_token: Some(RefreshToken::new("r")),
            binding: dragons_login::auth::session::Binding::of(&config),
            sub: "sub-1".into(),
            id_times: times,
            access_times: times,
            clock_offset: 0,
            received_at: 1_999_996_400_000,
            id_token_kept: false,
        }
    }

    #[wasm_bindgen_test]
    fn a_pending_sign_in_can_be_taken_once() {
        let config = dragons_login::config::resolve(
            "http://localhost:8080/",
            &RawConfig::default(),
            &RawConfig::default(),
        )
        .unwrap();
        let (pending, _) = PendingLogin::start(
            &config,
            Randomness {
                state: [1; 32],
                nonce: [2; 32],
                verifier: [3; 32],
            },
            100,
        );
        storage::save_pending(&pending).unwrap();
        assert_eq!(storage::load_pending(), Some(pending));
        storage::forget_pending();
        assert_eq!(storage::load_pending(), None, "single use");
    }

    #[wasm_bindgen_test]
    fn sessions_live_in_session_storage_never_local_storage_and_clear_completely() {
        storage::set_memory_only(false);
        storage::save_session(&session()).unwrap();
        assert_eq!(storage::load_session(), Some(session()));
        let local = web_sys::window().unwrap().local_storage().unwrap().unwrap();
        for i in 0..local.length().unwrap() {
            let key = local.key(i).unwrap().unwrap();
            assert!(
                !local.get_item(&key).unwrap().unwrap().contains("eyJ"),
                "a token in localStorage under {key}"
            );
        }
        storage::clear_auth();
        assert_eq!(storage::load_session(), None);

        // Memory only: nothing is written, and switching removes what was there.
        storage::save_session(&session()).unwrap();
        storage::set_memory_only(true);
        assert_eq!(storage::load_session(), None);
        storage::save_session(&session()).unwrap();
        let stored = web_sys::window()
            .unwrap()
            .session_storage()
            .unwrap()
            .unwrap()
            .get_item(storage::SESSION_KEY)
            .unwrap();
        assert_eq!(stored, None);
        storage::set_memory_only(false);

        // Garbage in storage is dropped, not a panic.
        web_sys::window()
            .unwrap()
            .session_storage()
            .unwrap()
            .unwrap()
            .set_item(storage::SESSION_KEY, "{\"id_token\":")
            .unwrap();
        assert_eq!(storage::load_session(), None);
    }
}

/// The browser's JSON path (JSON.parse/stringify) reads and writes what serde_json does natively.
#[wasm_bindgen_test]
fn browser_json_matches_serde_json() {
    use dragons_login::json;
    let text =
        r#"{"s":"a\"b","n":3600,"f":1.5,"neg":-2,"t":true,"z":null,"l":[1,"x"],"o":{"k":"v"}}"#;
    let value = json::parse(text).unwrap();
    assert_eq!(
        value,
        serde_json::from_str::<serde_json::Value>(text).unwrap()
    );
    assert_eq!(value["n"].as_i64(), Some(3600));
    assert_eq!(json::parse(&json::to_string(&value)).unwrap(), value);
    assert!(json::to_pretty(&value).contains("\n  \"f\": 1.5"));
    assert!(json::parse("not json").is_err());
    assert!(json::parse(&"[".repeat(200)).is_err());
    let proto = json::parse(r#"{"__proto__":{"x":1}}"#).unwrap();
    assert_eq!(json::to_string(&proto), r#"{"__proto__":{"x":1}}"#);
    let deep = format!("{}{}", "[".repeat(150), "]".repeat(150));
    assert!(
        json::parse(&deep).is_err(),
        "nested deeper than serde_json allows"
    );
}
