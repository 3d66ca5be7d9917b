//! Workshop mode (issue 13) against the local stack: presenter view.

use dragons_e2e::fantoccini::key::Key;
use dragons_e2e::Harness;

/// The computed `filter` of the first element `selector` finds.
async fn filter_of(h: &Harness, selector: &str) -> String {
    let script = format!("return getComputedStyle(document.querySelector({selector:?})).filter");
    h.js(&script).await.as_str().unwrap_or_default().to_owned()
}

async fn focused_id(h: &Harness) -> String {
    h.js("return document.activeElement.id")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn press(h: &Harness, key: Key) {
    h.client
        .active_element()
        .await
        .expect("an active element")
        .send_keys(&key.to_string())
        .await
        .expect("send a key");
}

#[tokio::test]
async fn presenter_view_blurs_who_signed_in_until_clicked_steps_with_page_keys_and_is_remembered() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    let email = "[data-testid=id-token-claims] tr[data-claim=email] td.value";
    let issuer = "[data-testid=id-token-claims] tr[data-claim=iss] td.value";
    assert_eq!(
        filter_of(&h, email).await,
        "none",
        "off: nothing is blurred"
    );

    let toggle = h.by_testid("presenter-toggle").await;
    assert_eq!(
        toggle.attr("aria-pressed").await.unwrap().as_deref(),
        Some("false")
    );
    toggle.click().await.unwrap();
    assert_eq!(
        toggle.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        h.js("return document.documentElement.hasAttribute('data-presenter')")
            .await,
        true
    );
    let size = h
        .js("return getComputedStyle(document.documentElement).fontSize")
        .await;
    assert_eq!(size, "22px", "larger type on the projector");

    // Who the person is: blurred; the protocol's claims stay readable.
    assert!(
        filter_of(&h, email).await.contains("blur"),
        "the e-mail is blurred"
    );
    assert!(filter_of(&h, "[data-testid=signed-in-as] strong")
        .await
        .contains("blur"));
    assert!(filter_of(&h, "[data-testid=id-token-raw]")
        .await
        .contains("blur"));
    assert_eq!(filter_of(&h, issuer).await, "none", "iss stays readable");
    h.js("window.scrollTo(0, 0)").await;
    h.screenshot("presenter.png").await;
    // A click shows it (it takes focus; keyboard users reach it with Tab).
    h.client
        .find(dragons_e2e::fantoccini::Locator::Css(email))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(filter_of(&h, email).await, "none", "clicked: shown");

    // PageDown / PageUp (a presentation clicker) move between the stages' headings.
    h.js("document.activeElement.blur()").await;
    press(&h, Key::PageDown).await;
    assert_eq!(focused_id(&h).await, "stage-sign-in-title");
    press(&h, Key::PageDown).await;
    press(&h, Key::PageDown).await;
    assert_eq!(focused_id(&h).await, "stage-tokens-title");
    press(&h, Key::PageUp).await;
    assert_eq!(focused_id(&h).await, "stage-callback-title");
    // Typing in a field is typing: the paste box keeps its keys.
    h.by_testid("paste-section").await.click().await.unwrap();
    h.by_testid("paste-input").await.click().await.unwrap();
    press(&h, Key::PageDown).await;
    assert_eq!(focused_id(&h).await, "paste-input");

    // Remembered in this browser.
    h.client.refresh().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    assert!(
        filter_of(&h, email).await.contains("blur"),
        "still on after a reload"
    );

    // Off again: everything readable, nothing remembered.
    h.by_testid("presenter-toggle").await.click().await.unwrap();
    assert_eq!(filter_of(&h, email).await, "none");
    assert_eq!(
        h.js("return localStorage.getItem('dragons-login.presenter.v1')")
            .await,
        serde_json::Value::Null
    );
    press(&h, Key::PageDown).await;
    assert_ne!(
        focused_id(&h).await,
        "stage-sign-in-title",
        "the keys are the page's again"
    );
    h.finish().await;
}
