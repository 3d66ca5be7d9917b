//! "Use a token you already have" end to end: a token from elsewhere pasted into the page is
//! verified against the configured pool, explained, and usable in the console and the 401 lab;
//! every bad kind of paste gets its own clear message and nothing breaks.

use dragons_e2e::Harness;

/// Put `text` into the paste box (through the page, so megabytes need no typing) and check it.
async fn paste(h: &Harness, text_js: &str) {
    // Opened with a click on its summary, as a person opens it (whether it is open is asked of
    // the <details> itself: WebKit's WebDriver calls the box inside a closed one displayed).
    h.by_testid("paste-section").await;
    let open = h
        .js("return document.querySelector('[data-testid=paste-section]').open")
        .await;
    if open != serde_json::Value::Bool(true) {
        h.by_css("[data-testid=paste-section] > summary")
            .await
            .click()
            .await
            .unwrap();
    }
    h.js(&format!(
        "const t = document.querySelector('[data-testid=paste-input]'); t.value = {text_js}; \
         t.dispatchEvent(new Event('input', {{bubbles: true}})); return true"
    ))
    .await;
    h.by_testid("paste-check").await.click().await.unwrap();
}

fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Sign in and take the tokens away, as if they came from another browser or the CLI: the
/// page is left signed out, the tokens still good.
async fn tokens_then_signed_out(h: &Harness) -> (String, String) {
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    let session = h
        .js(
            "const s = JSON.parse(sessionStorage.getItem('dragons-login.session.v2')); \
             sessionStorage.clear(); return s",
        )
        .await;
    let id = session["id_token"].as_str().unwrap().to_owned();
    let access = session["access_token"].as_str().unwrap().to_owned();
    h.client.refresh().await.unwrap();
    h.by_testid("sign-in").await;
    (id, access)
}

/// `token` with one character of its signature changed.
fn tampered(token: &str) -> String {
    let at = token.rfind('.').unwrap() + 10;
    let mut bytes = token.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn a_pasted_id_token_is_verified_explained_and_calls_the_api() {
    let (h, _site) = Harness::with_hooked_stack().await;
    let (id, access) = tokens_then_signed_out(&h).await;
    // As copied from the CLI's JSON: quoted, with a trailing comma.
    paste(&h, &js_string(&format!("  \"{id}\",\n"))).await;
    h.text_becomes("pasted-id-token-verdict", |t| t == "Verified")
        .await;
    let claims = h.text_of("pasted-id-token-claims").await;
    assert!(claims.contains("dragonrider"), "{claims}");
    h.js("document.querySelector('[data-testid=paste-section]').scrollIntoView(); return 1")
        .await;
    let at_hash = h.text_of("pasted-id-token-at-hash").await;
    assert!(at_hash.contains("not pasted with it"), "{at_hash}");
    h.screenshot("pasted-token.png").await;
    // Never stored, and not a sign-in.
    let stored = h
        .js("return Object.keys(sessionStorage).concat(Object.keys(localStorage)).join(' ')")
        .await;
    assert!(!stored.as_str().unwrap().contains("session"), "{stored}");
    assert!(h.has_testid("sign-in").await);

    // The console calls the API with it, and the 401 lab has it.
    h.by_testid("api-token-pasted").await.click().await.unwrap();
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.text_becomes("inspector-status", |t| t == "200").await;
    h.by_testid("lab-pasted-token").await.click().await.unwrap();
    let lab = h
        .text_becomes("lab-result", |t| t.contains("Pasted token"))
        .await;
    assert!(lab.contains("Pasted token: 200"), "{lab}");

    // An access token is verified too; API Gateway's authorizer refuses it (401).
    paste(&h, &js_string(&format!("Bearer {access}"))).await;
    h.text_becomes("pasted-access-token-verdict", |t| t == "Verified")
        .await;
    h.by_testid("lab-pasted-token").await.click().await.unwrap();
    h.text_becomes("lab-result", |t| t.contains("Pasted token: 401"))
        .await;

    h.by_testid("paste-forget").await.click().await.unwrap();
    assert!(!h.has_testid("pasted-access-token").await);
    assert!(h.csp_violations().await.is_empty());
    h.finish().await;
}

#[tokio::test]
async fn every_bad_paste_gets_its_own_message_and_nothing_breaks() {
    let (h, _site) = Harness::with_hooked_stack().await;
    let (id, _) = tokens_then_signed_out(&h).await;

    paste(&h, "'hello'").await;
    let said = h.text_becomes("paste-error", |t| !t.is_empty()).await;
    assert!(said.contains("not a JWT"), "{said}");

    // Markup is text, never markup.
    paste(
        &h,
        &js_string("<img src=x onerror=\"window.__pwned = 1\">.<b>x</b>.y"),
    )
    .await;
    h.text_becomes("paste-error", |t| t.contains("not a JWT"))
        .await;
    assert_eq!(h.js("return window.__pwned === undefined").await, true);

    // Megabytes.
    paste(&h, "'a'.repeat(3 * 1024 * 1024)").await;
    let said = h.text_becomes("paste-error", |t| t.contains("KB")).await;
    assert!(said.contains("3072 KB"), "{said}");

    // Tampered: one character of the signature changed.
    paste(&h, &js_string(&tampered(&id))).await;
    let why = h
        .text_becomes("pasted-id-token-reason", |t| !t.is_empty())
        .await;
    assert!(why.contains("altered or forged"), "{why}");

    // Another user pool (a real one: its token, its kid unknown here).
    let foreign = include_str!(
        "../../tests/data/real-cognito/maximivanov-cognito-jwt-verifier_us-east-1_PDsy6i0Bf/id_token_expired.jwt"
    )
    .trim();
    paste(&h, &js_string(foreign)).await;
    let why = h
        .text_becomes("pasted-id-token-reason", |t| t.contains("issued by"))
        .await;
    assert!(why.contains("us-east-1_PDsy6i0Bf"), "{why}");

    // Expired: the same good token two hours later (the browser's clock moved on).
    h.js("localStorage.setItem('e2e.clockShiftMs', String(2 * 3600 * 1000)); return true")
        .await;
    h.client.refresh().await.unwrap();
    paste(&h, &js_string(&id)).await;
    let why = h
        .text_becomes("pasted-id-token-reason", |t| !t.is_empty())
        .await;
    assert!(why.contains("expired"), "{why}");

    // The page still works: sign in as usual.
    h.js("localStorage.removeItem('e2e.clockShiftMs'); return true")
        .await;
    h.client.refresh().await.unwrap();
    // (The Hosted UI's session cookie is still live, so it comes straight back.)
    h.enabled("sign-in").await.click().await.unwrap();
    h.text_becomes("id-token-verdict", |t| t == "Verified")
        .await;
    assert!(h.csp_violations().await.is_empty());
    h.finish().await;
}

/// `aws cognito-idp <args>` against the stack, as the README shows it; the parsed JSON it
/// prints. The CLI is the one `cargo xtask setup` installs into `.tools/venv`.
async fn aws(h: &Harness, args: &[&str]) -> serde_json::Value {
    let cli = dragons_e2e::workspace_root().join(".tools/venv/bin/aws");
    assert!(
        cli.is_file(),
        "the AWS CLI is not at {}: run `cargo xtask setup`",
        cli.display()
    );
    let home = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(cli);
    cmd.arg("cognito-idp")
        .args(args)
        .args([
            "--endpoint-url",
            &h.stack().urls().idp,
            "--region",
            "us-east-1",
        ])
        .args(["--output", "json"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "");
    // Off the test's runtime, which also serves the stack the CLI talks to.
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("the AWS CLI runs");
    drop(home);
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the CLI prints JSON")
}

#[tokio::test]
async fn the_id_token_the_aws_cli_prints_works_in_the_app() {
    let h = Harness::with_stack(|_| {}).await;
    let config = &h.stack().shared.config;
    let (pool, client) = (config.pool_id.clone(), config.client.client_id.clone());
    let answer = aws(
        &h,
        &[
            "admin-initiate-auth",
            "--user-pool-id",
            &pool,
            "--client-id",
            &client,
            "--auth-flow",
            "ADMIN_NO_SRP_AUTH",
            "--auth-parameters",
            "USERNAME=dragonrider,PASSWORD=Dragons-Demo-1",
        ],
    )
    .await;
    let id = answer["AuthenticationResult"]["IdToken"].as_str().unwrap();
    let access = answer["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();

    h.open("/").await;
    h.by_testid("sign-in").await;
    paste(&h, &js_string(id)).await;
    h.text_becomes("pasted-id-token-verdict", |t| t == "Verified")
        .await;
    // From the InitiateAuth API: no at_hash, and the card says why.
    let at_hash = h.text_of("pasted-id-token-at-hash").await;
    assert!(at_hash.contains("InitiateAuth"), "{at_hash}");
    h.by_testid("api-token-pasted").await.click().await.unwrap();
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.text_becomes("inspector-status", |t| t == "200").await;

    paste(&h, &js_string(access)).await;
    h.text_becomes("pasted-access-token-verdict", |t| t == "Verified")
        .await;
    h.finish().await;
}
