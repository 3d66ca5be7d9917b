//! The app shell in a real browser: the release build, served like S3, driven over WebDriver.

use dragons_e2e::fantoccini::{key::Key, Locator};
use dragons_e2e::Harness;

const SHIPPED_AUTH_DOMAIN: &str = "http://localhost:9000";
const SHIPPED_CLIENT_ID: &str = "dragonsdemo0localclient001";

#[tokio::test]
async fn the_shell_shows_the_four_stages_and_the_config_in_force() {
    let h = Harness::start().await;
    h.open("/").await;
    let auth = h
        .text_becomes("auth-domain", |t| t == SHIPPED_AUTH_DOMAIN)
        .await;
    assert_eq!(auth, SHIPPED_AUTH_DOMAIN, "config.json's value is shown");
    assert_eq!(h.text_of("client-id").await, SHIPPED_CLIENT_ID);

    let title = h
        .client
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(title, "Dragons sign-in");
    let mut stages = Vec::new();
    for el in h
        .client
        .find_all(Locator::Css("ol.stages > li h2 .stage-title"))
        .await
        .unwrap()
    {
        stages.push(el.text().await.unwrap());
    }
    assert_eq!(
        stages,
        ["Sign in", "Callback", "Tokens", "Dragons API"],
        "the four stages, in order"
    );
    assert!(
        !h.has_testid("config-problems").await,
        "the shipped config is valid"
    );
    assert!(
        !h.has_testid("settings-panel").await,
        "settings start closed"
    );

    // Relative asset URLs: the page must work from any S3 prefix.
    let srcs = h
        .js("return [...document.querySelectorAll('script[src],link[href]')].map(e => e.getAttribute('src') || e.getAttribute('href'))")
        .await;
    for src in srcs.as_array().unwrap() {
        let src = src.as_str().unwrap();
        assert!(
            !src.starts_with('/'),
            "asset URL {src} is absolute; dist/ must work under any prefix"
        );
    }
    h.screenshot("shell.png").await;
    h.check_accessibility("signed out").await;
    h.finish().await;
}

#[tokio::test]
async fn settings_validate_next_to_the_field_save_across_reloads_and_reset() {
    let h = Harness::start().await;
    h.open("/").await;
    h.text_becomes("auth-domain", |t| t == SHIPPED_AUTH_DOMAIN)
        .await;
    let toggle = h.by_testid("settings-toggle").await;
    assert_eq!(
        toggle.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    toggle.click().await.unwrap();
    assert_eq!(
        toggle.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );

    let input = h.by_testid("setting-authDomain").await;
    assert_eq!(
        input.prop("value").await.unwrap().as_deref(),
        Some(SHIPPED_AUTH_DOMAIN)
    );
    assert_eq!(h.text_of("setting-authDomain-source").await, "config.json");

    // A plain-http, non-local Hosted UI is refused, next to its field, and not saved.
    input.clear().await.unwrap();
    input
        .send_keys("http://dragons.auth.us-east-1.amazoncognito.com")
        .await
        .unwrap();
    let error = h
        .text_becomes("setting-authDomain-error", |t| t.contains("https"))
        .await;
    assert!(
        error.contains("localhost"),
        "the message says what is allowed: {error}"
    );
    assert_eq!(
        input.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    let described = input
        .attr("aria-describedby")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        described.contains("setting-authDomain-error"),
        "screen readers hear the error"
    );
    h.by_testid("settings-save").await.click().await.unwrap();
    h.text_becomes("settings-notice", |t| t.contains("Nothing saved"))
        .await;
    let focused = h.js("return document.activeElement.id").await;
    assert_eq!(
        focused.as_str(),
        Some("setting-authDomain"),
        "focus moves to the field to fix"
    );
    h.screenshot("settings-error.png").await;

    // A valid value saves, applies at once, and survives a reload.
    input.clear().await.unwrap();
    input
        .send_keys("https://dragons.auth.us-east-1.amazoncognito.com")
        .await
        .unwrap();
    h.text_becomes("setting-authDomain-error", |t| t.is_empty())
        .await;
    h.by_testid("settings-save").await.click().await.unwrap();
    h.text_becomes("settings-notice", |t| t.starts_with("Saved"))
        .await;
    h.text_becomes("auth-domain", |t| {
        t == "https://dragons.auth.us-east-1.amazoncognito.com"
    })
    .await;
    let stored = h
        .js("return localStorage.getItem('dragons-login.settings.v1')")
        .await;
    assert_eq!(
        stored.as_str().unwrap(),
        r#"{"authDomain":"https://dragons.auth.us-east-1.amazoncognito.com"}"#,
        "only the changed field is saved"
    );

    h.client.refresh().await.unwrap();
    h.text_becomes("auth-domain", |t| {
        t == "https://dragons.auth.us-east-1.amazoncognito.com"
    })
    .await;
    h.by_testid("settings-toggle").await.click().await.unwrap();
    assert_eq!(h.text_of("setting-authDomain-source").await, "your change");

    // Reset goes back to config.json, also after a reload.
    h.by_testid("settings-reset").await.click().await.unwrap();
    h.text_becomes("auth-domain", |t| t == SHIPPED_AUTH_DOMAIN)
        .await;
    assert!(h
        .js("return localStorage.getItem('dragons-login.settings.v1')")
        .await
        .is_null());
    h.client.refresh().await.unwrap();
    h.text_becomes("auth-domain", |t| t == SHIPPED_AUTH_DOMAIN)
        .await;
    h.finish().await;
}

#[tokio::test]
async fn a_saved_invalid_config_is_explained_not_fatal() {
    let h = Harness::start().await;
    h.open("/").await;
    h.text_becomes("auth-domain", |t| t == SHIPPED_AUTH_DOMAIN)
        .await;
    // Storage written by something else (an older version, a hand edit): shown, not a panic.
    h.js(r#"localStorage.setItem('dragons-login.settings.v1', '{"flow":"hybrid","clientId":""}')"#)
        .await;
    h.client.refresh().await.unwrap();
    let banner = h
        .text_becomes("config-problems", |t| t.contains("flow"))
        .await;
    assert!(banner.contains("\"hybrid\""), "{banner}");
    assert!(banner.contains("clientId"), "{banner}");
    h.js("localStorage.setItem('dragons-login.settings.v1', 'not json')")
        .await;
    h.client.refresh().await.unwrap();
    let status = h.text_of("storage-error").await;
    assert!(status.contains("Reset"), "says how to recover: {status}");
    h.finish().await;
}

#[tokio::test]
async fn config_in_the_address_bar_is_ignored() {
    let h = Harness::start().await;
    h.open("/?authDomain=https%3A%2F%2Fevil.example&clientId=evil#clientId=evil")
        .await;
    h.text_becomes("auth-domain", |t| t == SHIPPED_AUTH_DOMAIN)
        .await;
    assert_eq!(h.text_of("client-id").await, SHIPPED_CLIENT_ID);
    h.finish().await;
}

#[tokio::test]
async fn settings_open_and_close_from_the_keyboard() {
    let h = Harness::start().await;
    h.open("/").await;
    let toggle = h.by_testid("settings-toggle").await;
    toggle.send_keys(&Key::Enter.to_string()).await.unwrap();
    h.by_testid("settings-panel").await;
    h.check_accessibility("Settings open").await;
    h.client
        .active_element()
        .await
        .unwrap()
        .send_keys(&Key::Escape.to_string())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + dragons_e2e::WAIT;
    while h.has_testid("settings-panel").await {
        assert!(
            std::time::Instant::now() < deadline,
            "Escape did not close the settings"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        toggle.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    h.finish().await;
}
