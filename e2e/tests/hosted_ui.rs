//! The local stack's Hosted UI in a real browser: the login form, its errors, the session
//! cookie that signs straight back in, and /logout that ends it.

use dragons_e2e::fantoccini::Locator;
use dragons_e2e::Harness;

fn authorize_url(h: &Harness, state: &str) -> String {
    let query = form_urlencoded_pairs(&[
        ("response_type", "code"),
        ("client_id", &h.stack().shared.config.client.client_id),
        ("redirect_uri", &h.url("/")),
        ("state", state),
        ("scope", "openid email profile"),
        ("code_challenge_method", "S256"),
        // base64url(SHA-256) of the RFC 7636 appendix B verifier.
        (
            "code_challenge",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        ),
    ]);
    format!("{}/oauth2/authorize?{query}", h.stack().urls().auth)
}

fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn urlencode(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

#[tokio::test]
async fn the_login_form_signs_in_the_session_cookie_returns_and_logout_ends_it() {
    let h = Harness::with_stack(|_| {}).await;
    let site = h.url("/");
    h.client.goto(&authorize_url(&h, "first")).await.unwrap();
    h.submit_login_form("dragonrider", "not-the-password").await;
    let error = h
        .client
        .wait()
        .at_most(dragons_e2e::WAIT)
        .for_element(Locator::Id("loginErrorMessage"))
        .await
        .unwrap();
    assert_eq!(
        error.text().await.unwrap(),
        "Incorrect username or password."
    );
    h.screenshot("hosted-ui-login.png").await;
    h.check_accessibility("the Hosted UI's login form after a wrong password")
        .await;

    h.submit_login_form("dragonrider", "Dragons-Demo-1").await;
    h.wait_for_url(|u| u.starts_with(&site)).await;
    let last_redirect = || {
        h.stack()
            .shared
            .store()
            .issued_redirects
            .last()
            .cloned()
            .unwrap_or_default()
    };
    let back = last_redirect();
    assert!(
        back.starts_with(&site) && back.contains("code=") && back.contains("state=first"),
        "{back}"
    );
    // The app wiped the callback from the address bar (and refused it: it did not start it).
    h.wait_for_url(|u| u == site).await;
    h.text_becomes("auth-error", |t| t.contains("not started here"))
        .await;

    // The Hosted UI cookie: straight back with a new code, no form.
    h.client.goto(&authorize_url(&h, "second")).await.unwrap();
    h.wait_for_url(|u| u.starts_with(&site)).await;
    let again = last_redirect();
    assert!(again.contains("state=second") && again != back, "{again}");

    let logout = format!(
        "{}/logout?client_id={}&logout_uri={}",
        h.stack().urls().auth,
        h.stack().shared.config.client.client_id,
        urlencode(&site)
    );
    h.client.goto(&logout).await.unwrap();
    h.wait_for_url(|u| u == site).await;
    h.client.goto(&authorize_url(&h, "third")).await.unwrap();
    h.wait_for_url(|u| u.contains("/login?")).await;
    h.finish().await;
}
