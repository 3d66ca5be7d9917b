//! Issue 26 end to end: the scope lesson with both demo users (the REST API's scoped POST, the
//! HTTP API's 403), the HTTP API's JWT authorizer taking either token, its own lifeline in the
//! sequence diagram, and the 401 lab's new cases.

use dragons_e2e::fantoccini::Locator;
use dragons_e2e::{Harness, WAIT};
use std::time::{Duration, Instant};

/// Fill the report form with a valid dragon.
async fn fill_report(h: &Harness, name: &str) {
    for (field, value) in [
        ("dragonName", name),
        ("family", "red"),
        ("description", "Sleeps on gold"),
        ("city", "Dale"),
        ("country", "Middle-earth"),
        ("reportingPhoneNumber", "+1 555 0100"),
    ] {
        let input = h.by_testid(&format!("new-{field}")).await;
        input.clear().await.unwrap();
        input.send_keys(value).await.unwrap();
    }
}

/// Click `button` and wait for the call it starts to finish (the inspector names it).
async fn call(h: &Harness, button: &str, inspector: &str) {
    h.by_testid(button).await.click().await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let summary = h
            .js("const s = document.querySelector('[data-testid=inspector] summary'); return s ? s.textContent : ''")
            .await;
        let busy = h
            .by_testid("get-dragons")
            .await
            .attr("disabled")
            .await
            .unwrap()
            .is_some();
        if !busy && summary.as_str().is_some_and(|s| s.contains(inspector)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no call {inspector:?}: {summary}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn choose(h: &Harness, testid: &str) {
    h.by_testid(testid).await.click().await.unwrap();
}

#[tokio::test]
async fn the_scope_lesson_end_to_end_a_rider_is_refused_and_a_keeper_reports_a_dragon() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    let note = h.text_of("access-token-scope").await;
    assert!(note.contains("but not dragons/write"), "{note}");

    // The REST API: the ID token (the default) on the scoped POST.
    fill_report(&h, "Smaug").await;
    call(
        &h,
        "post-dragon",
        "POST /dragons (REST API) with the id token",
    )
    .await;
    assert_eq!(h.text_of("inspector-status").await, "401");
    let why = h.text_of("diagnosis").await;
    assert!(why.contains("an ID token never passes there"), "{why}");
    // The rider's access token: no dragons/write, and who gets it.
    choose(&h, "api-token-access").await;
    call(
        &h,
        "post-dragon",
        "POST /dragons (REST API) with the access token",
    )
    .await;
    assert_eq!(h.text_of("inspector-status").await, "401");
    let why = h.text_of("diagnosis").await;
    assert!(
        why.contains("wants an access token holding dragons/write")
            && why.contains("dragon-keepers")
            && why.contains("sign in as dragonkeeper"),
        "{why}"
    );
    // The HTTP API says the same with a 403 and names the scope.
    choose(&h, "api-guard-http").await;
    call(
        &h,
        "post-dragon",
        "POST /dragons (HTTP API) with the access token",
    )
    .await;
    assert_eq!(h.text_of("inspector-status").await, "403");
    let why = h.text_of("diagnosis").await;
    assert!(
        why.contains("403 Forbidden") && why.contains("401 would be"),
        "{why}"
    );
    h.js("document.getElementById('stage-api').scrollIntoView()")
        .await;
    h.screenshot("scope-lesson.png").await;
    h.check_accessibility("the HTTP API's 403 explained").await;

    // The dragon keeper holds dragons/write: both APIs accept the report.
    h.by_testid("sign-out").await.click().await.unwrap();
    h.back_at_sign_in().await;
    h.sign_in_as("dragonkeeper").await;
    let note = h.text_of("access-token-scope").await;
    assert!(note.starts_with("Holds dragons/write"), "{note}");
    fill_report(&h, "Smaug").await;
    choose(&h, "api-token-access").await;
    choose(&h, "api-guard-rest").await;
    call(
        &h,
        "post-dragon",
        "POST /dragons (REST API) with the access token",
    )
    .await;
    assert_eq!(h.text_of("inspector-status").await, "200");
    let why = h.text_of("diagnosis").await;
    assert!(why.contains("holds dragons/write"), "{why}");
    choose(&h, "api-guard-http").await;
    call(
        &h,
        "post-dragon",
        "POST /dragons (HTTP API) with the access token",
    )
    .await;
    assert_eq!(h.text_of("inspector-status").await, "200");
    let why = h.text_of("diagnosis").await;
    assert!(why.contains("the JWT authorizer checked"), "{why}");
    h.finish().await;
}

#[tokio::test]
async fn the_http_api_takes_either_token_has_its_own_lifeline_and_the_lab_shows_each_case() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    let http_api = h.stack().urls().http_api.clone();

    choose(&h, "api-guard-http").await;
    call(
        &h,
        "get-dragons",
        "GET /dragons (HTTP API) with the id token",
    )
    .await;
    assert_eq!(h.text_of("inspector-status").await, "200");
    let request = h.text_of("inspector-request").await;
    assert_eq!(request, format!("GET {http_api}/dragons"));
    let why = h.text_of("call-why").await;
    assert!(
        why.contains("accepted the ID token") && why.contains("not token_use"),
        "{why}"
    );
    let list = h
        .client
        .find(Locator::Css("[data-testid=dragon-list]"))
        .await
        .expect("the dragons");
    assert_eq!(list.find_all(Locator::Css("li")).await.unwrap().len(), 12);
    choose(&h, "api-token-access").await;
    call(
        &h,
        "get-dragons",
        "GET /dragons (HTTP API) with the access token",
    )
    .await;
    assert_eq!(h.text_of("inspector-status").await, "200");
    let why = h.text_of("call-why").await;
    assert!(why.contains("accepted the access token"), "{why}");
    // The same access token at the REST API's unscoped GET: refused.
    choose(&h, "api-guard-rest").await;
    call(
        &h,
        "get-dragons",
        "GET /dragons (REST API) with the access token",
    )
    .await;
    let why = h.text_of("diagnosis").await;
    assert!(why.contains("Send the ID token"), "{why}");

    // The diagram: the HTTP API is its own party.
    let drawn = h.diagram_steps("diagram").await;
    assert!(
        drawn
            .iter()
            .any(|s| s.starts_with("This app → HTTP API: GET /dragons") && s.ends_with("· 200")),
        "{drawn:#?}"
    );
    assert!(
        drawn
            .iter()
            .any(|s| s.starts_with("This app → Dragons API: GET /test/dragons")),
        "{drawn:#?}"
    );

    // The lab's new cases.
    for (button, status, why) in [
        ("lab-id-post", "401", "never passes a scoped method"),
        ("lab-access-post", "401", "dragon-keepers"),
        ("lab-http-id", "200", "never looks at token_use"),
        ("lab-http-access", "200", "checks its client_id"),
    ] {
        h.by_testid(button).await.click().await.unwrap();
        let result = h.text_becomes("lab-result", |t| t.contains(why)).await;
        assert!(
            result.contains(&format!(": {status}")),
            "{button}: {result}"
        );
    }

    // An hour later (the stack's clock) a refresh replaces the ID token, and the old one has
    // run out: the HTTP API refuses it, saying why only in www-authenticate.
    h.stack().advance_clock(3600 + 61);
    h.by_testid("refresh").await.click().await.unwrap();
    let deadline = Instant::now() + WAIT;
    while h
        .js("return document.querySelector('[data-testid=lab-http-expired]').hidden")
        .await
        != serde_json::json!(false)
    {
        assert!(
            Instant::now() < deadline,
            "the expired-token case never offered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    h.enabled("lab-http-expired").await.click().await.unwrap();
    let result = h
        .text_becomes("lab-result", |t| t.contains("www-authenticate"))
        .await;
    assert!(result.contains(": 401"), "{result}");
    let why = h
        .text_becomes("diagnosis", |t| t.contains("the token has expired"))
        .await;
    assert!(why.contains("Refresh"), "{why}");
    h.by_testid("refresh-offer").await;
    h.finish().await;
}
