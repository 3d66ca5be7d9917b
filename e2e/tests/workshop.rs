//! Workshop mode (issue 13) against the local stack: presenter view, reset for the next person.

use dragons_e2e::fantoccini::key::Key;
use dragons_e2e::Harness;

/// The computed `filter` of the first element `selector` finds.
async fn filter_of(h: &Harness, selector: &str) -> String {
    let script = format!("return getComputedStyle(document.querySelector({selector:?})).filter");
    h.js_text(&script).await
}

async fn focused_id(h: &Harness) -> String {
    h.js_text("return document.activeElement.id").await
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
    h.check_accessibility("presenter view").await;
    // A click shows it (it takes focus; keyboard users reach it with Tab).
    h.by_css(email).await.click().await.unwrap();
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

#[tokio::test]
async fn reset_for_the_next_person_signs_out_everywhere_and_the_next_sign_in_shows_the_login_form()
{
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;

    // Signed in: tokens revoked, nothing left in storage, the Hosted UI's session ended.
    h.by_testid("reset").await.click().await.unwrap();
    h.wait_for_url(|u| u == h.url("/")).await;
    h.by_testid("sign-in").await;
    let stored = h.storage_dump().await;
    assert!(!stored.contains("eyJ"), "no token anywhere: {stored}");
    assert!(!stored.contains("dragons-login.session"), "{stored}");
    assert!(!h.has_testid("id-token").await, "no token on screen");
    let live = h
        .stack()
        .shared
        .store()
        .refresh_tokens
        .values()
        .filter(|g| !g.revoked)
        .count();
    assert_eq!(live, 0, "the refresh token was revoked");
    h.enabled("sign-in").await.click().await.unwrap();
    h.login_form("the next person sees the login form").await;

    // Signed out here but not at the Hosted UI (this tab's storage was cleared by hand): reset
    // still ends the Hosted UI's session, so the next Sign in does not reuse the last person's.
    h.submit_login_form("dragonrider", "Dragons-Demo-1").await;
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    h.js("sessionStorage.clear(); location.reload()").await;
    h.by_testid("sign-in").await;
    h.js("window.beforeReset = true").await;
    h.by_testid("reset").await.click().await.unwrap();
    // Through /logout and back: a new page (the mark is gone), at the app again.
    let deadline = std::time::Instant::now() + dragons_e2e::WAIT;
    while h.js("return window.beforeReset === true").await == serde_json::json!(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "reset did not leave the page"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    h.wait_for_url(|u| u == h.url("/")).await;
    h.enabled("sign-in").await.click().await.unwrap();
    h.login_form("the Hosted UI's session was ended by the reset")
        .await;
    h.finish().await;
}

/// Every whole JWT or JWE (`eyJ…` with two or four dots) in `text`.
fn whole_tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .filter(|w| w.starts_with("eyJ") && w.matches('.').count() >= 2)
        .map(str::to_owned)
        .collect()
}

/// The steps of a drawn diagram, as its text equivalent says them (the numbered buttons).

#[tokio::test]
async fn the_sequence_diagram_draws_each_step_as_it_happens_opens_its_request_and_compares_the_flows(
) {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    assert!(
        h.text_of("diagram")
            .await
            .contains("Nothing has travelled yet"),
        "an empty diagram says what it will hold"
    );
    h.sign_in_as("dragonrider").await;
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.text_becomes("inspector-status", |t| t == "200").await;

    let drawn = h.diagram_steps("diagram").await;
    let want = [
        "Browser → Hosted UI: GET /oauth2/authorize (response_type=code, PKCE)",
        "Hosted UI → Browser: 302 back: ?code, state",
        "Browser → This app: page loads: ? read, checked, wiped",
    ];
    assert_eq!(drawn[..3], want, "{drawn:#?}");
    let later = |prefix: &str| {
        drawn
            .iter()
            .position(|s| s.starts_with(prefix))
            .unwrap_or_else(|| panic!("no step {prefix}: {drawn:#?}"))
    };
    let exchange =
        later("This app → Token endpoint: POST /oauth2/token (authorization_code) · 200");
    let keys = later("This app → JWKS: GET /");
    let call = later("This app → Dragons API: GET /");
    assert!(
        drawn[keys].ends_with("/.well-known/jwks.json · 200"),
        "{drawn:#?}"
    );
    assert!(drawn[call].ends_with("/dragons · 200"), "{drawn:#?}");
    assert!(
        exchange < call && keys < call,
        "the API call comes last: {drawn:#?}"
    );
    assert_eq!(drawn.len(), 6, "one arrow per event: {drawn:#?}");
    let caption = h
        .js_text("return document.querySelector('[data-testid=diagram] figcaption').textContent")
        .await;
    assert_eq!(caption, "This session: authorization code + PKCE");
    // The drawing holds the same: an arrow group per step, and the dashed answers.
    let shapes = h
        .js("return [document.querySelectorAll('[data-testid=diagram] svg g.step').length, document.querySelectorAll('[data-testid=diagram] svg path.answer').length]")
        .await;
    assert_eq!(shapes, serde_json::json!([6, 3]), "6 arrows, 3 answered");
    // Each arrow has a head (the shared marker is drawn in a colour in this engine: WebKit has
    // no context-stroke and drew none until the stylesheet gave it a fallback).
    let head = h
        .js_text("return getComputedStyle(document.querySelector('#arrowhead path')).stroke")
        .await;
    assert!(
        !head.is_empty() && head != "none",
        "the arrowheads are not drawn in {}: stroke {head:?}",
        h.engine.name()
    );

    // Opening the exchange shows its exact request, the tokens in the answer masked.
    let button = format!("[data-testid=diagram] button[data-step=c{exchange}]");
    h.by_css(&button).await.click().await.unwrap();
    let request = h.text_of("step-request").await;
    assert!(request.starts_with("POST http://"), "{request}");
    assert!(request.contains("/oauth2/token\nContent-Type: application/x-www-form-urlencoded\n\ngrant_type=authorization_code&"), "{request}");
    assert!(request.contains("code_verifier="), "{request}");
    let answer = h.text_of("step-answer").await;
    let id_token = h
        .js_text("return document.querySelector('[data-testid=id-token-raw]').textContent")
        .await;
    assert!(id_token.starts_with("eyJ"), "{id_token}");
    assert!(
        !answer.contains(&id_token),
        "masked until revealed: {answer}"
    );
    assert!(answer.contains("characters masked]"), "{answer}");
    h.check_accessibility("a diagram step opened").await;
    assert_eq!(
        h.js_text("return document.activeElement.getAttribute('data-step')")
            .await,
        format!("c{exchange}"),
        "focus stays on the step after the redraw"
    );
    // The session exported for students: every step, tokens decoded, no signature.
    let stored = h.storage_dump().await;
    let mut tokens = whole_tokens(&stored);
    assert!(
        tokens.len() >= 2,
        "ID and access token in storage: {stored}"
    );
    let refresh = h
        .js_text(
            "return JSON.parse(sessionStorage.getItem('dragons-login.session.v2')).refresh_token",
        )
        .await;
    assert!(refresh.len() > 20, "the session's refresh token: {stored}");
    tokens.push(refresh);
    h.by_testid("export-session").await.click().await.unwrap();
    let file = h.downloaded("dragons-login-session.json").await;
    for token in &tokens {
        assert!(
            !file.contains(token.as_str()),
            "a whole token in the export: {file}"
        );
        let signature = token.rsplit('.').next().unwrap();
        assert!(
            !file.contains(signature),
            "a signature in the export: {file}"
        );
    }
    let export: serde_json::Value = serde_json::from_str(&file).expect("the export is JSON");
    assert_eq!(export["flow"], "code");
    let exported: Vec<&str> = export["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["what"].as_str().unwrap())
        .collect();
    assert_eq!(exported.len(), drawn.len(), "{exported:#?}");
    assert!(export["timeline"][1]
        .as_str()
        .unwrap()
        .starts_with("Done: Code exchanged for tokens"));
    let decoded = export["tokens"].as_array().unwrap();
    assert!(
        decoded
            .iter()
            .any(|t| t["claims"]["cognito:username"] == "dragonrider"),
        "the ID token's claims: {file}"
    );
    assert!(decoded.iter().all(|t| t["signature"] == "removed"));
    assert!(
        export["steps"][exchange]["answer"]
            .as_str()
            .unwrap()
            .contains("[a refresh token ("),
        "{file}"
    );

    h.js("document.getElementById('stage-callback').scrollIntoView()")
        .await;
    h.screenshot("diagram.png").await;
    h.by_css("#reveal-tokens").await.click().await.unwrap();
    let answer = h
        .text_becomes("step-answer", |t| t.contains("\"id_token\""))
        .await;
    assert!(answer.contains(&id_token), "revealed: the whole token");

    // A reload keeps the diagram; checking the saved session again adds its own steps.
    h.client.refresh().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    let reloaded = h.diagram_steps("diagram").await;
    assert_eq!(reloaded[..6], drawn[..], "{reloaded:#?}");

    // The implicit flow draws its own, the code flow's sign-in kept beside it.
    h.by_testid("sign-out").await.click().await.unwrap();
    h.by_testid("sign-in").await;
    h.by_testid("settings-toggle").await.click().await.unwrap();
    h.by_testid("setting-flow")
        .await
        .select_by_value("implicit")
        .await
        .unwrap();
    h.by_testid("settings-save").await.click().await.unwrap();
    h.sign_in_as("dragonrider").await;
    let implicit = h.diagram_steps("diagram").await;
    assert_eq!(implicit.len(), 4, "no code exchange: {implicit:#?}");
    assert_eq!(
        implicit[0],
        "Browser → Hosted UI: GET /oauth2/authorize (response_type=token)"
    );
    assert!(
        implicit[1].starts_with("Hosted UI → Browser: 302 back: #id_token, access_token"),
        "the tokens come in the fragment: {implicit:#?}"
    );
    assert!(
        implicit[3].starts_with("This app → JWKS: GET /"),
        "then only the keys: {implicit:#?}"
    );
    let other = h.diagram_steps("diagram-other").await;
    assert_eq!(other[..6], drawn[..], "the code flow's session, beside it");
    assert!(
        other[6..].iter().any(|s| s.contains("/oauth2/revoke")),
        "its sign-out too: {other:#?}"
    );
    // What is kept across page loads holds no whole token.
    let stored = h.storage_dump().await;
    assert!(!stored.contains(&id_token), "{stored}");
    h.finish().await;
}

/// Run the pre-flight check and return each line as (check, class, text) once it is done.
async fn preflight(h: &Harness) -> Vec<(String, String, String)> {
    h.by_testid("preflight-section")
        .await
        .click()
        .await
        .unwrap();
    h.by_testid("preflight-run").await.click().await.unwrap();
    h.text_becomes("preflight", |t| t.contains("Callback URLs"))
        .await;
    let lines = h
        .js("return Array.from(document.querySelectorAll('#preflight-lines li')).map(l => [l.dataset.check, l.className, l.textContent])")
        .await;
    serde_json::from_value(lines).expect("the check's lines")
}

#[tokio::test]
async fn the_pre_flight_check_is_green_against_the_stack_and_red_with_the_fix_when_it_is_not() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    let lines = preflight(&h).await;
    let verdicts: Vec<(&str, &str)> = lines
        .iter()
        .map(|(check, class, _)| (check.as_str(), class.as_str()))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("Issuer", "ok"),
            ("Endpoints", "ok"),
            ("Keys", "ok"),
            ("Hosted UI", "ok"),
            ("API preflight", "ok"),
            ("API 401", "ok"),
            ("Callback URLs", "manual"),
        ],
        "{lines:#?}"
    );
    assert!(lines[6]
        .2
        .contains(&format!("{} must be an allowed callback URL", h.url("/"))));
    h.js("document.getElementById('stage-sign-in').scrollIntoView()")
        .await;
    h.screenshot("preflight.png").await;

    // A wrong issuer (as a typo in the pool id makes it).
    let issuer = h.stack().urls().issuer.clone();
    h.by_testid("settings-toggle").await.click().await.unwrap();
    let field = h.by_testid("setting-issuer").await;
    field.clear().await.unwrap();
    field
        .send_keys(&issuer.replace("DRAGONS01", "DRAGONS02"))
        .await
        .unwrap();
    h.by_testid("settings-save").await.click().await.unwrap();
    h.by_testid("settings-toggle").await.click().await.unwrap();
    h.by_testid("preflight-run").await.click().await.unwrap();
    h.text_becomes("preflight", |t| t.contains("Callback URLs"))
        .await;
    // Read from the page, the verdict a screen reader hears ("Failed:") included: WebDriver's
    // rendered text leaves visually hidden text out in WebKit and keeps it in Chromium.
    let issuer_line = h
        .js_text("return Array.from(document.querySelectorAll('#preflight-lines li')).map(l => l.textContent).find(t => t.includes('Issuer')) || ''")
        .await;
    assert!(
        issuer_line.contains("Failed:")
            && issuer_line.contains("Issuer No discovery document at")
            && issuer_line.contains(
                "Set the issuer to https://cognito-idp.<region>.amazonaws.com/<user pool id>"
            ),
        "{issuer_line}"
    );
    h.finish().await;

    // An API without gateway responses: its own 401 has no CORS headers.
    let h = Harness::with_stack(|config| config.api.cors_on_gateway_errors = false).await;
    h.open("/").await;
    let lines = preflight(&h).await;
    let api = lines.iter().find(|l| l.0 == "API 401").unwrap();
    assert_eq!(api.1, "failed", "{lines:#?}");
    assert!(
        api.2
            .contains("Add the gateway responses DEFAULT_4XX and DEFAULT_5XX"),
        "{api:?}"
    );
    let preflight_line = lines.iter().find(|l| l.0 == "API preflight").unwrap();
    assert_eq!(
        preflight_line.1, "ok",
        "the preflight itself passes: {lines:#?}"
    );
    h.finish().await;
}
