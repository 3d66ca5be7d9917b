//! The dragons API console end to end against the local stack: the list with a token, filters,
//! a POSTed dragon becoming visible, the 401 lab, the CORS diagnosis, and "Copy as curl".

use dragons_e2e::fantoccini::Locator;
use dragons_e2e::{Harness, WAIT};
use std::time::{Duration, Instant};

async fn signed_in(h: &Harness) {
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
}

async fn dragon_names(h: &Harness) -> Vec<String> {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(list) = h
            .client
            .find(Locator::Css("[data-testid=dragon-list]"))
            .await
        {
            let mut names = Vec::new();
            for el in list.find_all(Locator::Css("li h4")).await.unwrap() {
                names.push(el.text().await.unwrap());
            }
            return names;
        }
        if h.has_testid("no-dragons").await {
            return Vec::new();
        }
        assert!(Instant::now() < deadline, "no list appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn get_dragons(h: &Harness) {
    h.by_testid("get-dragons").await.click().await.unwrap();
    // Wait for the call to finish (the button is re-enabled).
    let deadline = Instant::now() + WAIT;
    while h
        .by_testid("get-dragons")
        .await
        .attr("disabled")
        .await
        .unwrap()
        .is_some()
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

#[tokio::test]
async fn the_list_filters_posting_and_the_inspector() {
    let h = Harness::with_stack(|_| {}).await;
    // POST /dragons wants dragons/write, which only the dragon keeper's access token holds.
    h.open("/").await;
    h.sign_in_as("dragonkeeper").await;
    // Without a pasted token there is no "Pasted token" to choose (nor its lab button).
    let shown = h
        .js("return ['pasted-choice', 'lab-pasted-token', 'lab-expired-token'].map(t => getComputedStyle(document.querySelector(`[data-testid=${t}]`)).display)")
        .await;
    assert_eq!(shown, serde_json::json!(["none", "none", "none"]));
    get_dragons(&h).await;
    assert_eq!(dragon_names(&h).await.len(), 12);
    assert_eq!(h.text_of("inspector-status").await, "200");
    let curl = h.text_of("curl").await;
    assert!(
        curl.contains("$TOKEN") && !curl.contains("eyJ"),
        "no token unless asked: {curl}"
    );
    h.js("document.getElementById('stage-api').scrollIntoView()")
        .await;
    h.screenshot("console.png").await;
    h.check_accessibility("after GET /dragons, the inspector open")
        .await;

    h.by_testid("filter-kind")
        .await
        .select_by_value("family")
        .await
        .unwrap();
    h.by_testid("filter-text")
        .await
        .send_keys("red")
        .await
        .unwrap();
    get_dragons(&h).await;
    let reds = dragon_names(&h).await;
    assert!(
        reds.contains(&"Ember".to_owned()) && !reds.contains(&"Frost".to_owned()),
        "{reds:?}"
    );
    h.by_testid("filter-kind")
        .await
        .select_by_value("name")
        .await
        .unwrap();
    let text = h.by_testid("filter-text").await;
    text.clear().await.unwrap();
    text.send_keys("Smaug").await.unwrap();
    get_dragons(&h).await;
    assert!(dragon_names(&h).await.is_empty());

    // POST: checked first, then accepted, then visible once the background job has run.
    h.by_testid("post-dragon").await.click().await.unwrap();
    h.client
        .find(Locator::Css(
            "[data-testid=new-dragonName][aria-invalid=true]",
        ))
        .await
        .expect("checked before sending");
    for (field, value) in [
        ("dragonName", "Puff"),
        ("family", "green"),
        ("description", "Magic, lives by the sea"),
        ("city", "Honalee"),
        ("country", "USA"),
        ("reportingPhoneNumber", "+1 555 0100"),
    ] {
        h.by_testid(&format!("new-{field}"))
            .await
            .send_keys(value)
            .await
            .unwrap();
    }
    h.by_testid("api-token-access").await.click().await.unwrap();
    h.by_testid("post-dragon").await.click().await.unwrap();
    let accepted = h
        .text_becomes("diagnosis", |t| t.contains("background job"))
        .await;
    assert!(accepted.contains("holds dragons/write"), "{accepted}");
    // Back to the ID token: GET has no scopes.
    h.by_testid("api-token-id").await.click().await.unwrap();
    text.clear().await.unwrap();
    text.send_keys("Puff").await.unwrap();
    h.stack().advance_clock(3);
    get_dragons(&h).await;
    assert_eq!(dragon_names(&h).await, ["Puff"]);
    assert_eq!(
        h.csp_violations().await,
        Vec::<String>::new(),
        "the console ran under the CSP"
    );
    h.finish().await;
}

#[tokio::test]
async fn the_401_lab_shows_each_answer_and_why() {
    let h = Harness::with_stack(|_| {}).await;
    signed_in(&h).await;
    for (button, status, why) in [
        ("lab-no-token", "401", "No Authorization header"),
        ("lab-id-token", "200", "expect the ID token"),
        ("lab-access-token", "401", "accept only ID tokens"),
        ("lab-tampered-token", "401", "signature kept"),
    ] {
        h.by_testid(button).await.click().await.unwrap();
        let result = h.text_becomes("lab-result", |t| t.contains(why)).await;
        assert!(
            result.contains(&format!(": {status}")),
            "{button}: {result}"
        );
    }
    let diagnosis = h.text_of("diagnosis").await;
    assert!(diagnosis.contains("401 Unauthorized"), "{diagnosis}");

    // An expired token: the exact message, and a refresh offer.
    h.stack().advance_clock(3600 + 61);
    get_dragons(&h).await;
    h.text_becomes("diagnosis", |t| t.contains("has expired"))
        .await;
    h.by_testid("refresh-offer").await;
    h.finish().await;
}

#[tokio::test]
async fn a_401_without_cors_headers_is_explained_as_the_classic_cors_error() {
    let h = Harness::with_stack(|c| c.api.cors_on_gateway_errors = false).await;
    h.open("/").await;
    h.by_testid("lab-no-token").await.click().await.unwrap();
    let diagnosis = h.text_becomes("diagnosis", |t| !t.is_empty()).await;
    assert!(
        diagnosis.contains("WITHOUT CORS headers") && diagnosis.contains("DEFAULT_4XX"),
        "{diagnosis}"
    );
    assert!(h.text_of("lab-result").await.contains("no answer"));
    h.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copied_curl_command_gets_the_same_status_from_the_stack() {
    let h = Harness::with_stack(|_| {}).await;
    signed_in(&h).await;
    for (lab, want) in [("lab-id-token", 200), ("lab-access-token", 401)] {
        h.by_testid(lab).await.click().await.unwrap();
        h.text_becomes("inspector-status", |t| t == want.to_string())
            .await;
        h.by_testid("curl-with-token").await.click().await.unwrap();
        let curl = h.text_becomes("curl", |t| t.contains("eyJ")).await;
        h.by_testid("curl-with-token").await.click().await.unwrap();
        // Off the test's runtime thread, which also serves the stack.
        let script = format!("{curl} -s -o /dev/null -w '%{{http_code}}'");
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(script)
                .output()
                .expect("curl runs")
        })
        .await
        .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            want.to_string(),
            "{lab}: {curl}"
        );
    }
    h.finish().await;
}

#[tokio::test]
async fn a_wrong_stage_is_found_by_a_probe_without_the_token_and_explained() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    // Point the app at a stage the API does not have, then sign in with that setting.
    let wrong = h.stack().urls().api.replace("/test", "/prod");
    h.by_testid("settings-toggle").await.click().await.unwrap();
    let api = h.by_testid("setting-apiBaseUrl").await;
    api.clear().await.unwrap();
    api.send_keys(&wrong).await.unwrap();
    h.by_testid("settings-save").await.click().await.unwrap();
    h.sign_in_as("dragonrider").await;

    // With the token, the CORS preflight of an unknown route gets API Gateway's 403 and the
    // browser shows nothing; the probe without the token reads "Missing Authentication Token".
    get_dragons(&h).await;
    let status = h.text_of("inspector-status").await;
    assert!(status.starts_with("no answer"), "{status}");
    let said = h.text_of("diagnosis").await;
    assert!(
        said.contains("Missing Authentication Token") && said.contains("stage"),
        "{said}"
    );
    assert!(!said.contains("DEFAULT_4XX"), "not blamed on CORS: {said}");
    h.finish().await;
}
