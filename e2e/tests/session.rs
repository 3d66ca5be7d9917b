//! The session in a hostile field: a wrong browser clock, a refused token endpoint, unreachable
//! keys, a hanging revoke, Settings edited mid-session. The release build against the local
//! stack, with the test hooks (a shifted `Date`, refused or hanging fetches) loaded before the
//! app.

use dragons_e2e::Harness;
use std::time::{Duration, Instant};

async fn fetched(h: &Harness, part: &str) -> usize {
    h.js(&format!(
        "return window.__e2eFetches.filter(u => u.includes('{part}')).length"
    ))
    .await
    .as_u64()
    .unwrap_or_default() as usize
}

async fn has_saved_session(h: &Harness) -> bool {
    h.js("return sessionStorage.getItem('dragons-login.session.v2') !== null")
        .await
        .as_bool()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_browser_clock_an_hour_off_signs_in_and_does_not_refresh_in_a_loop() {
    for (shift_ms, words) in [
        (3_600_000i64, "1 h ahead of"),
        (-3_600_000, "1 h behind"),
        (300_000, "5 min ahead of"),
        (-300_000, "5 min behind"),
    ] {
        let (h, _site) = Harness::with_hooked_stack().await;
        h.open("/").await;
        h.js(&format!(
            "localStorage.setItem('e2e.clockShiftMs', '{shift_ms}'); return true"
        ))
        .await;
        h.client.refresh().await.unwrap();
        h.sign_in_as("dragonrider").await;
        h.text_becomes("access-token-verdict", |t| t == "Verified")
            .await;
        let timeline = h.text_becomes("timeline", |t| t.contains("clock is")).await;
        assert!(timeline.contains(words), "{timeline}");
        // The old app sent hundreds of refreshes in 20 s with the clock 3,400 s fast.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(
            fetched(&h, "/oauth2/token").await,
            1,
            "the code exchange only, no refresh"
        );
        let expiry = h.text_of("id-token-expiry").await;
        assert!(
            expiry.starts_with("Expires in 6") || expiry.starts_with("Expires in 5"),
            "times read right on a wrong clock: {expiry}"
        );
        // A reload with the wrong clock keeps the session.
        h.client.refresh().await.unwrap();
        h.text_becomes("id-token-verdict", |t| t == "Verified")
            .await;
        h.finish().await;
    }
}

#[tokio::test]
async fn a_refused_token_endpoint_during_refresh_keeps_the_session_and_the_retry_succeeds() {
    let (h, _site) = Harness::with_hooked_stack().await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    h.fetch_rules(serde_json::json!({"/oauth2/token": "refuse"}))
        .await;
    h.by_testid("refresh").await.click().await.unwrap();
    let retry = h
        .text_becomes("refresh-retry", |t| t.contains("Retrying in"))
        .await;
    assert!(retry.contains("could not be reached"), "{retry}");
    assert!(h.has_testid("signed-in-as").await, "still signed in");
    assert!(has_saved_session(&h).await, "the refresh token is kept");
    assert_eq!(h.text_of("id-token-verdict").await, "Verified");
    // The endpoint is back: the scheduled retry (about 2 s) succeeds by itself.
    h.fetch_rules(serde_json::json!({})).await;
    h.text_becomes("timeline", |t| {
        t.contains("Refreshed with the refresh token")
    })
    .await;
    assert!(!h.has_testid("refresh-retry").await);
    h.finish().await;
}

#[tokio::test]
async fn unreachable_keys_at_start_show_the_tokens_unverified_until_they_answer() {
    let (h, _site) = Harness::with_hooked_stack().await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    h.fetch_rules(serde_json::json!({"jwks.json": "refuse"}))
        .await;
    h.client.refresh().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Not yet verified")
        .await;
    let working = h
        .text_becomes("auth-working", |t| t.contains("Retrying in"))
        .await;
    assert!(working.contains("not verified yet"), "{working}");
    assert!(has_saved_session(&h).await, "kept while the keys are away");
    h.fetch_rules(serde_json::json!({})).await;
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    h.finish().await;
}

#[tokio::test]
async fn settings_edited_mid_session_send_nothing_to_the_new_hosts_until_the_next_sign_in() {
    let (h, _site) = Harness::with_hooked_stack().await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    h.by_testid("settings-toggle").await.click().await.unwrap();
    let input = h.by_testid("setting-authDomain").await;
    input.clear().await.unwrap();
    input.send_keys("http://localhost:1").await.unwrap();
    let api_before = h.text_of("api-base-url").await;
    let api = h.by_testid("setting-apiBaseUrl").await;
    api.clear().await.unwrap();
    api.send_keys("http://localhost:1/elsewhere").await.unwrap();
    h.by_testid("settings-save").await.click().await.unwrap();
    h.text_becomes("settings-notice", |t| t.contains("next sign-in"))
        .await;
    h.stack().advance_clock(2);
    h.by_testid("refresh").await.click().await.unwrap();
    h.text_becomes("timeline", |t| {
        t.contains("Refreshed with the refresh token")
    })
    .await;
    h.by_testid("userinfo").await.click().await.unwrap();
    h.text_becomes("userinfo-body", |t| t.contains("dragonrider"))
        .await;
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.by_testid("dragon-list").await;
    assert_eq!(
        h.text_of("api-base-url").await,
        api_before,
        "stage 4 shows the API this session calls"
    );
    assert_eq!(
        fetched(&h, "localhost:1/").await,
        0,
        "no request to the new host"
    );
    h.finish().await;
}

#[tokio::test]
async fn a_hanging_revoke_does_not_hold_up_sign_out() {
    let (h, _site) = Harness::with_hooked_stack().await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    h.fetch_rules(serde_json::json!({"/oauth2/revoke": "hang"}))
        .await;
    let started = Instant::now();
    h.by_testid("sign-out").await.click().await.unwrap();
    assert!(!has_saved_session(&h).await, "storage cleared at once");
    // Back from Cognito's /logout, at the login button, within the revoke's 3 s and a bit.
    h.back_at_sign_in().await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(8), "sign-out took {took:?}");
    h.finish().await;
}

#[tokio::test]
async fn storage_that_refuses_the_session_keeps_it_in_memory_with_a_notice() {
    let (h, _site) = Harness::with_hooked_stack().await;
    h.open("/").await;
    h.js("localStorage.setItem('e2e.sessionStorageFull', '1'); return true")
        .await;
    h.client.refresh().await.unwrap();
    h.sign_in_as("dragonrider").await;
    let notice = h.text_of("memory-only-notice").await;
    assert!(notice.contains("memory only"), "{notice}");
    assert!(!has_saved_session(&h).await);
    // Signed in all the same: the API takes the token.
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.by_testid("dragon-list").await;
    h.finish().await;
}

#[tokio::test]
async fn a_restarted_stack_keeps_the_session_and_answers_again() {
    let keys = tempfile::tempdir().unwrap();
    let mut h = Harness::with_restartable_stack(keys.path(), |_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    let session = h
        .js("return sessionStorage.getItem('dragons-login.session.v2')")
        .await;

    // Down: the API call gets no answer, the app says so and keeps the session.
    h.stop_stack().await;
    h.by_testid("get-dragons").await.click().await.unwrap();
    let said = h
        .text_becomes("diagnosis", |t| t.contains("No answer"))
        .await;
    assert!(said.contains("network"), "{said}");
    assert!(has_saved_session(&h).await);

    // Up again (same ports and keys, a new process): a reload restores the session, the
    // new process's JWKS verifies the tokens, and the API accepts them.
    h.start_stack().await;
    h.client.refresh().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    h.text_becomes("access-token-verdict", |t| t == "Verified")
        .await;
    let timeline = h
        .text_becomes("timeline", |t| t.contains("after the reload"))
        .await;
    assert!(!timeline.contains("Signed out"), "{timeline}");
    assert_eq!(
        h.js("return sessionStorage.getItem('dragons-login.session.v2')")
            .await,
        session,
        "the same tokens, not a new sign-in"
    );
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.text_becomes("inspector-status", |t| t == "200").await;
    h.finish().await;
}

/// Refresh with the button and wait until the timeline shows one more refresh.
async fn refresh_once(h: &Harness) -> String {
    let count = |t: &str| t.matches("Refreshed with the refresh token").count();
    let before = count(&h.text_of("timeline").await);
    h.by_testid("refresh").await.click().await.unwrap();
    h.text_becomes("timeline", |t| count(t) > before).await
}

#[tokio::test]
async fn with_rotation_refreshes_rotate_and_a_duplicated_tab_with_the_old_token_is_told_why() {
    let h = Harness::with_stack(|c| c.client.refresh_token_rotation_grace_seconds = Some(1)).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    let saved = h
        .js("return sessionStorage.getItem('dragons-login.session.v2')")
        .await;
    let refresh_token = |s: &serde_json::Value| -> String {
        let s: serde_json::Value = serde_json::from_str(s.as_str().unwrap()).unwrap();
        s["refresh_token"].as_str().unwrap().to_owned()
    };
    let first = refresh_token(&saved);
    let original = h.client.window().await.unwrap();

    // A duplicated tab: the browser copies sessionStorage into it, so it holds the same
    // refresh token.
    // (A window rather than a tab: WebKit's MiniBrowser leaves a tab switched to over
    // WebDriver in the background, where nothing below the first screen is rendered.)
    let dup = h.client.new_window(false).await.unwrap();
    h.client.switch_to_window(dup.handle.clone()).await.unwrap();
    h.open("/").await;
    h.js(&format!(
        "sessionStorage.setItem('dragons-login.session.v2', {}); return true",
        serde_json::to_string(saved.as_str().unwrap()).unwrap()
    ))
    .await;
    h.client.refresh().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;

    // The first tab refreshes twice, more than the grace period apart: both work, and each
    // time the new refresh token replaces the old one.
    h.client.switch_to_window(original).await.unwrap();
    let timeline = refresh_once(&h).await;
    assert!(timeline.contains("the refresh token rotated"), "{timeline}");
    let second = refresh_token(
        &h.js("return sessionStorage.getItem('dragons-login.session.v2')")
            .await,
    );
    assert_ne!(second, first);
    h.stack().advance_clock(3);
    refresh_once(&h).await;
    let third = refresh_token(
        &h.js("return sessionStorage.getItem('dragons-login.session.v2')")
            .await,
    );
    assert_ne!(third, second);
    assert!(h.has_testid("signed-in-as").await);

    // The duplicated tab still holds the first one, dead after the grace period: Cognito
    // answers invalid_grant, and the app says why and what to do.
    h.client.switch_to_window(dup.handle).await.unwrap();
    h.by_testid("refresh").await.click().await.unwrap();
    let said = h
        .text_becomes("auth-error", |t| t.contains("invalid_grant"))
        .await;
    assert!(
        said.contains("another tab") && said.contains("Sign in again"),
        "{said}"
    );
    assert!(!has_saved_session(&h).await, "the dead session is cleared");
    h.finish().await;
}
