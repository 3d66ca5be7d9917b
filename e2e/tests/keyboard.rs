//! Keyboard only, as a person without a mouse (or with a screen reader) does it: Tab to Sign in,
//! Enter, type the user name and password on the Hosted UI, Enter; then Tab to Sign out, Enter.
//! Every key is a real key press (WebDriver's actions), sent to whatever has the focus.

use dragons_e2e::fantoccini::actions::{InputSource, KeyAction, KeyActions};
use dragons_e2e::fantoccini::key::Key;
use dragons_e2e::Harness;

/// Press and release `keys`, one after the other, wherever the focus is.
async fn press(h: &Harness, keys: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for key in keys.chars() {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    h.client
        .perform_actions(actions)
        .await
        .unwrap_or_else(|e| panic!("pressing keys ({}): {e}", h.engine.name()));
    h.client.release_actions().await.ok();
}

fn key(k: Key) -> String {
    char::from(k).to_string()
}

/// What has the focus: its test id, name or id, or its tag.
async fn focused(h: &Harness) -> String {
    h.js_text(
        "const e = document.activeElement; return e ? (e.getAttribute('data-testid') || e.getAttribute('name') || e.id || e.tagName.toLowerCase()) : ''",
    )
    .await
}

/// Press Tab until the element called `name` (see [`focused`]) has the focus; at most 40 times.
async fn tab_to(h: &Harness, name: &str) {
    let mut seen = Vec::new();
    for _ in 0..40 {
        let now = focused(h).await;
        if now == name {
            return;
        }
        seen.push(now);
        press(h, &key(Key::Tab)).await;
    }
    panic!(
        "Tab never reached {name} ({}); the focus went: {}",
        h.engine.name(),
        seen.join(" → ")
    );
}

#[tokio::test]
async fn signs_in_and_out_with_the_keyboard_alone() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.enabled("sign-in").await;
    tab_to(&h, "sign-in").await;
    press(&h, &key(Key::Enter)).await;

    // The Hosted UI: its user name field, then the password, then its Sign in button.
    h.login_form("Enter on Sign in opens the Hosted UI").await;
    tab_to(&h, "username").await;
    press(&h, "dragonrider").await;
    tab_to(&h, "password").await;
    press(&h, "Dragons-Demo-1").await;
    press(&h, &key(Key::Enter)).await;

    let site = h.url("/");
    h.wait_for_url(|u| u.starts_with(&site)).await;
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    assert!(h.text_of("signed-in-as").await.contains("dragonrider"));

    tab_to(&h, "sign-out").await;
    press(&h, &key(Key::Enter)).await;
    h.wait_for_url(|u| u == site).await;
    h.by_testid("sign-in").await;
    let stored = h.storage_dump().await;
    assert!(
        !stored.contains("dragons-login.session"),
        "signed out: {stored}"
    );
    h.finish().await;
}
