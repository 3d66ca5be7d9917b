//! The first screen first (issue 25): the release build's later part (token cards, diagram, API
//! console, Settings, …) is a wasm file of its own, fetched as the app starts. Held back, its
//! places say they are loading while sign-in and its verdict work, and it appears once it comes.
//! Refused (offline, a stale deploy), its places say so and offer a retry, and the first screen
//! still signs in and shows the verdict. The test hooks hold back or refuse the fetch.

use dragons_e2e::Harness;

/// Sign in from the first screen alone and wait for its verdict: who signed in, and the
/// timeline's line that both tokens were verified.
async fn sign_in_and_see_the_verdict(h: &Harness) {
    h.enabled("sign-in")
        .await
        .click()
        .await
        .expect("click Sign in");
    h.submit_login_form("dragonrider", "Dragons-Demo-1").await;
    let site = h.url("/");
    h.wait_for_url(|u| u.starts_with(&site)).await;
    h.text_becomes("signed-in-as", |t| t.contains("dragonrider"))
        .await;
    h.text_becomes("timeline", |t| t.contains("Both tokens verified"))
        .await;
}

#[tokio::test]
async fn a_held_back_later_part_shows_loading_and_everything_appears_once_it_comes() {
    let (h, _site) = Harness::with_hooked_stack().await;
    h.open("/").await;
    h.fetch_rules(serde_json::json!({"/later-": "hold"})).await;
    h.client.refresh().await.unwrap();
    let loading = h.text_of("later-api").await;
    assert_eq!(loading, "Loading the API console…");
    assert_eq!(h.text_of("later-tokens").await, "Loading the token cards…");
    sign_in_and_see_the_verdict(&h).await;
    // Still held back (the rule holds the new page's fetch too): still loading.
    assert_eq!(h.text_of("later-api").await, "Loading the API console…");
    assert!(!h.has_testid("get-dragons").await);
    let released = h.js("return window.__e2eRelease()").await;
    assert_eq!(
        released,
        serde_json::json!(1),
        "one held fetch: the later part"
    );
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    h.by_testid("get-dragons").await;
    assert!(!h.has_testid("later-api").await, "the placeholder is gone");
    h.finish().await;
}

#[tokio::test]
async fn a_refused_later_part_says_so_offers_a_retry_and_sign_in_still_works() {
    let (h, _site) = Harness::with_hooked_stack().await;
    h.open("/").await;
    h.fetch_rules(serde_json::json!({"/later-": "refuse"}))
        .await;
    h.client.refresh().await.unwrap();
    let failed = h
        .text_becomes("later-api", |t| t.contains("could not be loaded"))
        .await;
    assert!(
        failed.contains("the API console, with Settings"),
        "{failed}"
    );
    assert!(
        failed.contains("Sign-in and its verdict above still work"),
        "{failed}"
    );
    sign_in_and_see_the_verdict(&h).await;
    h.text_becomes("later-tokens", |t| t.contains("could not be loaded"))
        .await;
    h.check_accessibility("the later part refused").await;
    // Back online: one retry brings every later part.
    h.fetch_rules(serde_json::json!({})).await;
    h.by_testid("later-retry").await.click().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.text_becomes("inspector-status", |t| t == "200").await;
    assert!(!h.has_testid("later-retry").await);
    h.finish().await;
}
