//! The login flow end to end: the release build against the local stack in headless Chromium,
//! from a click on Sign in through the Hosted UI's form to verified claims on screen.

use dragons_e2e::fantoccini::Locator;
use dragons_e2e::Harness;

async fn claim(h: &Harness, token: &str, name: &str) -> String {
    h.by_testid(&format!("{token}-claims"))
        .await
        .find(Locator::Css(&format!(
            "tr[data-claim=\"{name}\"] td.value code"
        )))
        .await
        .unwrap_or_else(|_| panic!("{token} has no {name} claim on screen"))
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn code_flow_signs_in_verifies_cleans_the_url_survives_reload_refreshes_and_signs_out() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    h.text_becomes("access-token-verdict", |t| t == "Verified")
        .await;
    assert_eq!(
        claim(&h, "id-token", "cognito:username").await,
        "dragonrider"
    );
    assert_eq!(claim(&h, "id-token", "token_use").await, "id");
    assert_eq!(
        claim(&h, "id-token", "aud").await,
        "dragonsdemo0localclient001"
    );
    assert_eq!(claim(&h, "access-token", "token_use").await, "access");
    assert_eq!(
        claim(&h, "access-token", "client_id").await,
        "dragonsdemo0localclient001"
    );
    let sig = h.text_of("id-token-signature").await;
    assert!(sig.contains("RS256 signature valid"), "{sig}");
    let expiry = h.text_of("id-token-expiry").await;
    assert!(
        expiry.starts_with("Expires in 6") || expiry.starts_with("Expires in 5"),
        "{expiry}"
    );
    // The expiry on this computer's clock, as this browser's own Date reads the exp claim
    // (moved by the issuer's clock offset the card keeps in data-offset, usually 0 or ±1 s).
    let exp: i64 = claim(&h, "id-token", "exp").await.parse().unwrap();
    let card = h.by_testid("id-token-expiry").await;
    let at = card.attr("data-at").await.unwrap().unwrap_or_default();
    assert_eq!(at, exp.to_string());
    let offset: i64 = card
        .attr("data-offset")
        .await
        .unwrap()
        .and_then(|o| o.parse().ok())
        .expect("the card keeps the clock offset");
    assert!(
        offset.abs() <= 5,
        "the local stack's clock is this one: {offset}"
    );
    let local = h
        .js(&format!(
            "const d = new Date(({exp} - {offset}) * 1000), p = n => String(n).padStart(2, '0'); \
             const east = -d.getTimezoneOffset(), a = Math.abs(east); \
             const zone = east == 0 ? '' : (east < 0 ? '-' : '+') + Math.floor(a / 60) + (a % 60 ? ':' + p(a % 60) : ''); \
             return `${{d.getFullYear()}}-${{p(d.getMonth() + 1)}}-${{p(d.getDate())}} ${{p(d.getHours())}}:${{p(d.getMinutes())}}:${{p(d.getSeconds())}} UTC${{zone}}`"
        ))
        .await;
    let local = local.as_str().unwrap();
    assert!(
        expiry.ends_with(&format!("({local})")),
        "{expiry} vs {local}"
    );
    assert!(h.text_of("signed-in-as").await.contains("dragonrider"));

    // The address bar holds no code or state, and history has no callback entry to go back to.
    let url = h.client.current_url().await.unwrap().to_string();
    assert_eq!(
        url,
        h.url("/"),
        "the callback was wiped from the address bar"
    );
    let timeline = h.text_of("timeline").await;
    assert!(timeline.contains("Code exchanged"), "{timeline}");
    let stored = h.storage_dump().await;
    assert!(
        !stored.contains("\"l\":{\"dragons-login.session"),
        "tokens never in localStorage: {stored}"
    );
    assert!(
        stored.contains("dragons-login.session.v2"),
        "tokens in sessionStorage"
    );
    assert!(
        !stored.contains("dragons-login.pending"),
        "the pending sign-in was used up: {stored}"
    );
    h.screenshot("signed-in.png").await;
    h.js("document.getElementById('stage-tokens').scrollIntoView()")
        .await;
    h.screenshot("tokens.png").await;
    h.check_accessibility("signed in, the tokens' claims shown")
        .await;
    // Times keep reading relative to now (the cards are drawn once; the times tick).
    let iat_when = "return document.querySelector('[data-testid=id-token-claims] tr[data-claim=iat] .when').textContent";
    let before = h.js(iat_when).await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let after = h.js(iat_when).await;
    assert_ne!(after, before, "the iat time ticks");
    assert!(after.as_str().unwrap_or("").ends_with(" s ago"), "{after}");
    // "Copy token" copies the raw token and says so.
    h.js("document.querySelector('[data-testid=id-token] [data-testid=id-token-raw]').closest('details').open = true")
        .await;
    let copy = h
        .by_css("[data-testid=id-token] button[data-copy=\".raw-token\"]")
        .await;
    copy.click().await.unwrap();
    assert_eq!(copy.text().await.unwrap(), "Copied");

    // A reload keeps the session (verified again).
    h.client.refresh().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    let iat_before = claim(&h, "id-token", "iat").await;

    // userInfo with the access token.
    h.by_testid("userinfo").await.click().await.unwrap();
    let info = h
        .text_becomes("userinfo-body", |t| t.contains("dragonrider"))
        .await;
    assert!(info.contains("\"email_verified\": \"true\""), "{info}");

    // Refresh: new tokens, verified; auth_time stays.
    h.stack().advance_clock(5);
    h.by_testid("refresh").await.click().await.unwrap();
    h.text_becomes("timeline", |t| {
        t.contains("Refreshed with the refresh token")
    })
    .await;
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    assert_ne!(
        claim(&h, "id-token", "iat").await,
        iat_before,
        "a new ID token"
    );

    // Sign out: nothing left here, and the Hosted UI session is gone too.
    h.by_testid("sign-out").await.click().await.unwrap();
    h.wait_for_url(|u| u == h.url("/")).await;
    h.by_testid("sign-in").await;
    let stored = h.storage_dump().await;
    assert!(!stored.contains("dragons-login.session"), "{stored}");
    assert_eq!(
        h.stack()
            .shared
            .store()
            .refresh_tokens
            .values()
            .filter(|g| !g.revoked)
            .count(),
        0,
        "revoked"
    );
    h.enabled("sign-in").await.click().await.unwrap();
    h.login_form("the login form shows again after sign-out")
        .await;
    assert_eq!(
        h.csp_violations().await,
        Vec::<String>::new(),
        "the whole flow ran under the CSP"
    );
    h.finish().await;
}

#[tokio::test]
async fn replaying_the_callback_url_is_rejected() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    // The browser comes back to the exact callback URL (back button, reload, a shared link).
    let callback = h
        .stack()
        .shared
        .store()
        .issued_redirects
        .last()
        .cloned()
        .unwrap();
    assert!(
        callback.contains("code=") && callback.contains("state="),
        "{callback}"
    );
    h.client.goto(&callback).await.unwrap();
    let error = h.text_becomes("auth-error", |t| !t.is_empty()).await;
    assert!(
        error.contains("not started here, or was already used"),
        "{error}"
    );
    assert_eq!(
        h.client.current_url().await.unwrap().to_string(),
        h.url("/"),
        "wiped even when refused"
    );
    h.finish().await;
}

#[tokio::test]
async fn implicit_flow_verifies_nonce_and_at_hash_and_markup_in_claims_stays_text() {
    let h = Harness::with_stack(|config| {
        config.users.push(dragons_emulator::config::UserConfig {
            username: "xss".into(),
            password: "Dragons-Demo-1".into(),
            email: "xss@dragons.example".into(),
            groups: vec![],
            attributes: [(
                "name".to_owned(),
                "<img src=x onerror=\"window.__xss=1\">".to_owned(),
            )]
            .into(),
        });
    })
    .await;
    h.open("/").await;
    h.by_testid("settings-toggle").await.click().await.unwrap();
    let flow = h.by_testid("setting-flow").await;
    flow.select_by_value("implicit").await.unwrap();
    h.by_testid("settings-save").await.click().await.unwrap();
    h.by_testid("implicit-warning").await;
    h.sign_in_as("xss").await;
    h.text_becomes("access-token-verdict", |t| t == "Verified")
        .await;
    let timeline = h.text_of("timeline").await;
    assert!(timeline.contains("URL fragment"), "{timeline}");
    assert!(!claim(&h, "id-token", "at_hash").await.is_empty());
    assert_eq!(
        h.client.current_url().await.unwrap().to_string(),
        h.url("/"),
        "no tokens left in the URL"
    );
    assert!(
        h.by_testid("refresh")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some(),
        "implicit: no refresh token"
    );

    assert_eq!(
        claim(&h, "id-token", "name").await,
        "<img src=x onerror=\"window.__xss=1\">"
    );
    let injected = h
        .js("return [document.querySelectorAll('img').length, window.__xss === undefined]")
        .await;
    assert_eq!(
        injected,
        serde_json::json!([0, true]),
        "no element injected, no script run"
    );
    h.finish().await;
}

#[tokio::test]
async fn memory_only_storage_writes_no_token_and_a_reload_signs_out() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.by_testid("settings-toggle").await.click().await.unwrap();
    h.by_testid("token-storage-memory")
        .await
        .click()
        .await
        .unwrap();
    h.sign_in_as("dragonrider").await;
    let stored = h.storage_dump().await;
    assert!(
        !stored.contains("dragons-login.session"),
        "no token in any storage: {stored}"
    );
    assert!(
        !stored.contains("eyJ"),
        "no JWT anywhere in storage: {stored}"
    );
    h.client.refresh().await.unwrap();
    h.by_testid("sign-in").await;
    assert!(!h.has_testid("id-token").await);
    h.finish().await;
}

#[tokio::test]
async fn a_tampered_saved_token_is_rejected_by_its_signature_and_cleared() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    // Change one claim of the stored ID token, keep its signature, reload.
    h.js(r#"
        const key = 'dragons-login.session.v2';
        const s = JSON.parse(sessionStorage.getItem(key));
        const [head, body, sig] = s.id_token.split('.');
        const claims = JSON.parse(atob(body.replace(/-/g, '+').replace(/_/g, '/')));
        claims['cognito:username'] = 'admin';
        const b64 = btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        s.id_token = [head, b64, sig].join('.');
        sessionStorage.setItem(key, JSON.stringify(s));
    "#)
    .await;
    h.client.refresh().await.unwrap();
    let error = h.text_becomes("auth-error", |t| !t.is_empty()).await;
    assert!(error.contains("signature does not match"), "{error}");
    h.by_testid("sign-in").await;
    let stored = h.storage_dump().await;
    assert!(
        !stored.contains("dragons-login.session"),
        "cleared: {stored}"
    );
    h.finish().await;
}

#[tokio::test]
async fn key_rotation_refetches_the_jwks_once_and_an_unknown_key_is_rejected() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    let old = h.text_of("id-token-signature").await;

    // The pool rotates its keys: the next tokens carry a kid the app's cached JWKS lacks.
    h.stack()
        .shared
        .rotate_keys(dragons_emulator::keys::Keys::generate().unwrap());
    h.by_testid("refresh").await.click().await.unwrap();
    h.text_becomes("timeline", |t| {
        t.contains("Refreshed with the refresh token")
    })
    .await;
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    let new = h.text_of("id-token-signature").await;
    assert_ne!(
        new, old,
        "signed with the new key, found by fetching the JWKS again"
    );

    // Rotated again: the saved tokens' key is gone from the JWKS even after a refetch.
    h.stack()
        .shared
        .rotate_keys(dragons_emulator::keys::Keys::generate().unwrap());
    h.client.refresh().await.unwrap();
    let error = h.text_becomes("auth-error", |t| !t.is_empty()).await;
    assert!(error.contains("even after fetching it again"), "{error}");
    h.finish().await;
}

#[tokio::test]
async fn short_lived_tokens_refresh_by_themselves_at_half_life_without_looping() {
    let h = Harness::with_stack(|c| {
        c.tokens.id_token_seconds = 6;
        c.tokens.access_token_seconds = 6;
    })
    .await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    // Due at half of the 6 s life: within the wait, with no click.
    h.text_becomes("timeline", |t| {
        t.contains("Refreshed with the refresh token")
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let timeline = h.text_of("timeline").await;
    let refreshes = timeline.matches("Refreshed with the refresh token").count();
    assert!(
        refreshes <= 2,
        "refreshed {refreshes} times in under 2 s: a loop\n{timeline}"
    );
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    h.finish().await;
}
