//! /oauth2/authorize, /login, sign-up, /logout: every rule of the spec's authorize tables.

mod common;
use common::*;
use dragons_emulator::config::{DEMO_PASSWORD, DEMO_USERNAME};

async fn authorize(
    stack: &dragons_emulator::Stack,
    query: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = http().get(format!("{}/oauth2/authorize?{query}", stack.urls().auth));
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn unknown_client_and_unregistered_redirect_get_an_html_400_not_a_redirect() {
    let stack = start().await;
    let r = authorize(&stack, &query(&[("client_id", Some("nosuchclient"))]), None).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));

    // A trailing slash makes a different URL: byte-for-byte match.
    let r = authorize(
        &stack,
        &query(&[("redirect_uri", Some("http://localhost:8080"))]),
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    assert!(r.text().await.unwrap().contains("redirect_mismatch"));
}

#[tokio::test]
async fn bad_parameters_redirect_back_with_error_and_state() {
    let stack = start().await;
    type Case<'a> = (&'a [(&'a str, Option<&'a str>)], &'a str);
    let cases: &[Case] = &[
        (&[("response_type", None)], "invalid_request"),
        (&[("scope", Some("openid offline_access"))], "invalid_scope"),
        (&[("scope", Some("openid dragons/admin"))], "invalid_scope"),
        // The OIDC scopes need openid.
        (&[("scope", Some("email"))], "invalid_scope"),
        (&[("scope", Some("phone"))], "invalid_scope"),
        (&[("scope", Some("profile"))], "invalid_scope"),
        (
            &[("scope", Some("email aws.cognito.signin.user.admin"))],
            "invalid_scope",
        ),
        (
            &[("code_challenge_method", Some("plain"))],
            "invalid_request",
        ),
        (&[("code_challenge_method", None)], "invalid_request"),
        (&[("code_challenge", None)], "invalid_request"),
        (&[("code_challenge", Some("tooshort"))], "invalid_request"),
    ];
    for (extra, error) in cases {
        let r = authorize(&stack, &query(extra), None).await;
        assert_eq!(r.status(), 302, "{extra:?}");
        let loc = location(r.headers());
        assert!(loc.starts_with(REDIRECT), "{loc}");
        assert_eq!(
            param(&loc, "error").as_deref(),
            Some(*error),
            "{extra:?}: {loc}"
        );
        assert_eq!(
            param(&loc, "state").as_deref(),
            Some("st4te"),
            "state comes back: {loc}"
        );
    }
}

#[tokio::test]
async fn a_flow_the_client_may_not_use_is_unauthorized_client() {
    let mut config = test_config();
    config.client.allowed_flows = vec!["code".into()];
    let stack = start_with(config).await;
    let r = authorize(&stack, &query(&[("response_type", Some("token"))]), None).await;
    assert_eq!(
        param(&location(r.headers()), "error").as_deref(),
        Some("unauthorized_client")
    );
}

fn managed_login() -> dragons_emulator::config::StackConfig {
    let mut config = test_config();
    config.managed_login = true;
    config
}

#[tokio::test]
async fn with_managed_login_prompt_none_without_a_session_is_login_required() {
    let stack = start_with(managed_login()).await;
    for path in ["/oauth2/authorize", "/login"] {
        let r = http()
            .get(format!(
                "{}{path}?{}",
                stack.urls().auth,
                query(&[("prompt", Some("none"))])
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{path}");
        let loc = location(r.headers());
        assert!(loc.starts_with(REDIRECT), "{path}: {loc}");
        assert_eq!(param(&loc, "error").as_deref(), Some("login_required"));
        assert_eq!(param(&loc, "state").as_deref(), Some("st4te"));
        assert!(param(&loc, "code").is_none());
    }
    // With a session: straight back with a code, no page.
    let (_, cookie) = login(&stack, &query(&[])).await;
    let r = authorize(&stack, &query(&[("prompt", Some("none"))]), Some(&cookie)).await;
    assert!(param(&location(r.headers()), "code").is_some());
}

#[tokio::test]
async fn with_managed_login_prompt_login_shows_the_login_page_despite_a_live_session() {
    let stack = start_with(managed_login()).await;
    let (_, cookie) = login(&stack, &query(&[])).await;
    let q = query(&[("prompt", Some("login"))]);
    let r = authorize(&stack, &q, Some(&cookie)).await;
    assert_eq!(location(r.headers()), format!("/login?{q}"));
    let page = http()
        .get(format!("{}/login?{q}", stack.urls().auth))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the form, not a redirect");
    assert!(page.text().await.unwrap().contains("name=\"password\""));
    // Signing in again there works and gives a code.
    let (loc, _) = login(&stack, &q).await;
    assert!(param(&loc, "code").is_some(), "{loc}");
    // Without prompt the session still signs straight back in.
    let r = authorize(&stack, &query(&[]), Some(&cookie)).await;
    assert!(param(&location(r.headers()), "code").is_some());
}

#[tokio::test]
async fn the_classic_hosted_ui_ignores_prompt() {
    let stack = start().await;
    assert!(!stack.shared.config.managed_login, "classic is the default");
    // prompt=none without a session: the login page, as with no prompt.
    let q = query(&[("prompt", Some("none"))]);
    let r = authorize(&stack, &q, None).await;
    assert_eq!(location(r.headers()), format!("/login?{q}"));
    let page = http()
        .get(format!("{}/login?{q}", stack.urls().auth))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    // prompt=login with a session: straight back in, no login page.
    let (_, cookie) = login(&stack, &query(&[])).await;
    for path in ["/oauth2/authorize", "/login"] {
        let r = http()
            .get(format!(
                "{}{path}?{}",
                stack.urls().auth,
                query(&[("prompt", Some("login")), ("lang", Some("fr"))])
            ))
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        let loc = location(r.headers());
        assert!(param(&loc, "code").is_some(), "{path}: {loc}");
    }
}

#[tokio::test]
async fn authorize_shows_the_login_form_and_wrong_credentials_are_told_apart() {
    let stack = start().await;
    let q = query(&[]);
    let r = authorize(&stack, &q, None).await;
    assert_eq!(r.status(), 302);
    let loc = location(r.headers());
    assert_eq!(loc, format!("/login?{q}"));
    let page = http()
        .get(format!("{}{loc}", stack.urls().auth))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"username\"") && html.contains("name=\"password\""));

    let r = submit_login(&stack, &q, DEMO_USERNAME, "wrong").await;
    assert_eq!(r.status(), 200);
    assert!(session_cookie(r.headers()).is_none());
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Incorrect username or password."));
    let r = submit_login(&stack, &q, "nobody", DEMO_PASSWORD).await;
    assert!(r.text().await.unwrap().contains("User does not exist."));
    // The user name is echoed into the form escaped, never as markup.
    let r = submit_login(&stack, &q, "<img src=x onerror=alert(1)>", "x").await;
    let html = r.text().await.unwrap();
    assert!(!html.contains("<img src=x"), "escaped");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[tokio::test]
async fn code_flow_login_redirects_with_a_uuid_code_and_state_and_sets_a_one_hour_session() {
    let stack = start().await;
    let r = submit_login(&stack, &query(&[]), DEMO_USERNAME, DEMO_PASSWORD).await;
    assert_eq!(r.status(), 302);
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set_cookie.contains("Max-Age=3600") && set_cookie.contains("HttpOnly"),
        "{set_cookie}"
    );
    let loc = location(r.headers());
    assert!(loc.starts_with("http://localhost:8080/?code="), "{loc}");
    let code = param(&loc, "code").unwrap();
    assert_eq!(code.len(), 36);
    assert_eq!(code.matches('-').count(), 4, "a UUID: {code}");
    assert_eq!(param(&loc, "state").as_deref(), Some("st4te"));
}

#[tokio::test]
async fn a_live_session_signs_straight_back_in_until_it_expires_or_logout() {
    let stack = start().await;
    let (_, cookie) = login(&stack, &query(&[])).await;
    let r = authorize(&stack, &query(&[]), Some(&cookie)).await;
    let loc = location(r.headers());
    assert!(param(&loc, "code").is_some(), "no login page: {loc}");
    // prompt=none works with a session.
    let r = authorize(&stack, &query(&[("prompt", Some("none"))]), Some(&cookie)).await;
    assert!(param(&location(r.headers()), "code").is_some());

    // After an hour the session is gone.
    stack.advance_clock(3601);
    let r = authorize(&stack, &query(&[]), Some(&cookie)).await;
    assert!(location(r.headers()).starts_with("/login?"));
}

#[tokio::test]
async fn logout_needs_a_registered_logout_uri_and_ends_the_session() {
    let stack = start().await;
    let (_, cookie) = login(&stack, &query(&[])).await;
    let logout = |q: String| {
        let cookie = cookie.clone();
        let url = format!("{}/logout?{q}", stack.urls().auth);
        async move {
            http()
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let r = logout(format!(
        "client_id={CLIENT}&logout_uri=https%3A%2F%2Fevil.example%2F"
    ))
    .await;
    assert_eq!(r.status(), 400);
    let r = logout(format!(
        "client_id={CLIENT}&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A8080%2F"
    ))
    .await;
    assert_eq!(r.status(), 400, "the OIDC parameter is not understood");
    let r = logout("client_id=other&logout_uri=http%3A%2F%2Flocalhost%3A8080%2F".to_owned()).await;
    assert_eq!(r.status(), 400);
    // Still signed in after the refused attempts.
    let r = authorize(&stack, &query(&[]), Some(&cookie)).await;
    assert!(param(&location(r.headers()), "code").is_some());

    let r = logout(format!(
        "client_id={CLIENT}&logout_uri=http%3A%2F%2Flocalhost%3A8080%2F"
    ))
    .await;
    assert_eq!(r.status(), 302);
    assert_eq!(location(r.headers()), REDIRECT);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let r = authorize(&stack, &query(&[]), Some(&cookie)).await;
    assert!(
        location(r.headers()).starts_with("/login?"),
        "the login form shows again"
    );
}

#[tokio::test]
async fn implicit_flow_puts_tokens_in_the_fragment_never_a_refresh_token() {
    let stack = start().await;
    let q = query(&[
        ("response_type", Some("token")),
        ("code_challenge", None),
        ("code_challenge_method", None),
    ]);
    let (loc, _) = login(&stack, &q).await;
    assert!(loc.starts_with("http://localhost:8080/#"), "{loc}");
    let p = params_of(&loc, true);
    let get = |k: &str| p.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone());
    assert_eq!(get("token_type").as_deref(), Some("Bearer"));
    assert_eq!(get("expires_in").as_deref(), Some("3600"));
    assert_eq!(get("state").as_deref(), Some("st4te"));
    assert!(get("refresh_token").is_none());
    let access = get("access_token").unwrap();
    let (_, id) = decode(&get("id_token").unwrap());
    assert_eq!(id["nonce"], "n0nce");
    let digest = <sha2::Sha256 as sha2::Digest>::digest(access.as_bytes());
    let expected = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        &digest[..16],
    );
    assert_eq!(
        id["at_hash"],
        expected.as_str(),
        "at_hash is the left half of SHA-256"
    );

    // No openid scope (only scopes that do not need it): no ID token.
    let q = query(&[
        ("response_type", Some("token")),
        ("scope", Some("aws.cognito.signin.user.admin")),
        ("code_challenge", None),
        ("code_challenge_method", None),
    ]);
    let (loc, _) = login(&stack, &q).await;
    let p = params_of(&loc, true);
    assert!(p.iter().any(|(k, _)| k == "access_token"));
    assert!(!p.iter().any(|(k, _)| k == "id_token"));
}

#[tokio::test]
async fn sign_up_confirm_with_the_printed_code_then_signed_in() {
    let stack = start().await;
    let q = query(&[]);
    let signup = format!("/signup?{q}");
    let new_user = |password: &'static str| {
        [
            ("username", "newrider"),
            ("email", "new@dragons.example"),
            ("password", password),
        ]
    };
    let weak = post_form(&stack, &signup, &signup, &new_user("short")).await;
    let text = weak.text().await.unwrap();
    assert!(
        text.contains("Password did not conform with policy"),
        "{text}"
    );

    let r = post_form(&stack, &signup, &signup, &new_user("Sc4les&Fire")).await;
    assert_eq!(r.status(), 302);
    let confirm = location(r.headers());
    assert!(confirm.starts_with("/confirmUser?"), "{confirm}");
    // Not confirmed yet: login is refused.
    let r = submit_login(&stack, &q, "newrider", "Sc4les&Fire").await;
    assert!(r.text().await.unwrap().contains("User is not confirmed."));

    let code = stack.shared.store().users["newrider"]
        .pending_code
        .clone()
        .unwrap();
    let wrong = post_form(
        &stack,
        &confirm,
        &confirm,
        &[("username", "newrider"), ("code", "000000x")],
    )
    .await;
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("Invalid verification code"));
    let r = post_form(
        &stack,
        &confirm,
        &confirm,
        &[("username", "newrider"), ("code", code.as_str())],
    )
    .await;
    assert_eq!(r.status(), 302);
    let code = param(&location(r.headers()), "code").expect("signed in with a code");
    let (status, body) = exchange(&stack, &code, VERIFIER).await;
    assert_eq!(status, 200);
    let (_, id) = decode(body["id_token"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "newrider");
    assert_eq!(id["email_verified"], true);
}

#[tokio::test]
async fn malformed_huge_and_duplicated_input_gets_a_400_never_a_500() {
    let stack = start().await;
    let huge = query(&[("state", Some(&"x".repeat(20_000)))]);
    assert_eq!(authorize(&stack, &huge, None).await.status(), 400);
    let dup = format!("{}&client_id={CLIENT}", query(&[]));
    assert_eq!(authorize(&stack, &dup, None).await.status(), 400);
    assert_eq!(authorize(&stack, "%zz=%%&&=", None).await.status(), 400);
    let r = http()
        .post(format!("{}/login?{}", stack.urls().auth, query(&[])))
        .header("Content-Type", "application/json")
        .body("{\"username\":1}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http()
        .post(format!("{}/login?{}", stack.urls().auth, query(&[])))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn forms_need_the_csrf_token_from_their_page() {
    let stack = start().await;
    let q = query(&[]);
    let path = format!("/login?{q}");
    let fields = [("username", DEMO_USERNAME), ("password", DEMO_PASSWORD)];
    // No token at all (a cross-site form post).
    let r = http()
        .post(format!("{}{path}", stack.urls().auth))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(session_cookie(r.headers()).is_none());
    // A token that is not the cookie's.
    let (_, cookie) = csrf_for(&stack, &path).await;
    let mut forged = fields.to_vec();
    forged.push(("_csrf", "forged"));
    let r = http()
        .post(format!("{}{path}", stack.urls().auth))
        .header("Cookie", cookie)
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // As a browser does it: accepted.
    assert_eq!(
        submit_login(&stack, &q, DEMO_USERNAME, DEMO_PASSWORD)
            .await
            .status(),
        302
    );
}

#[tokio::test]
async fn logout_with_redirect_uri_and_response_type_signs_out_then_shows_the_login_page() {
    let stack = start().await;
    let (_, cookie) = login(&stack, &query(&[])).await;
    let logout = |q: String| {
        let cookie = cookie.clone();
        let url = format!("{}/logout?{q}", stack.urls().auth);
        async move {
            http()
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
        }
    };
    let encode = |pairs: &[(&str, &str)]| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    // Refused: an unregistered redirect_uri (trailing slash missing), no response_type, the
    // OIDC parameter alone.
    for q in [
        encode(&[
            ("client_id", CLIENT),
            ("redirect_uri", "http://localhost:8080"),
            ("response_type", "code"),
        ]),
        encode(&[("client_id", CLIENT), ("redirect_uri", REDIRECT)]),
        encode(&[
            ("client_id", "other"),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
        ]),
        encode(&[
            ("client_id", CLIENT),
            ("post_logout_redirect_uri", REDIRECT),
        ]),
    ] {
        let r = logout(q.clone()).await;
        assert_eq!(r.status(), 400, "{q}");
        assert!(r.headers().get("location").is_none(), "{q}");
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
    let r = authorize(&stack, &query(&[]), Some(&cookie)).await;
    assert!(
        param(&location(r.headers()), "code").is_some(),
        "still signed in after the refused attempts"
    );

    let r = logout(encode(&[
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "after-logout"),
    ]))
    .await;
    assert_eq!(r.status(), 302);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    let loc = location(r.headers());
    assert!(loc.starts_with("/login?"), "{loc}");
    assert_eq!(param(&loc, "client_id").as_deref(), Some(CLIENT));
    assert_eq!(param(&loc, "redirect_uri").as_deref(), Some(REDIRECT));
    assert_eq!(param(&loc, "response_type").as_deref(), Some("code"));
    assert_eq!(param(&loc, "scope").as_deref(), Some("openid email"));
    assert_eq!(param(&loc, "state").as_deref(), Some("after-logout"));
    // The old cookie no longer signs in: the login form shows.
    let page = http()
        .get(format!("{}{loc}", stack.urls().auth))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("name=\"password\""));
    // Signing in there comes back to the app with the state from the logout URL.
    let loc = location(
        submit_login(
            &stack,
            &loc["/login?".len()..],
            DEMO_USERNAME,
            DEMO_PASSWORD,
        )
        .await
        .headers(),
    );
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert!(param(&loc, "code").is_some());
    assert_eq!(param(&loc, "state").as_deref(), Some("after-logout"));
}

#[tokio::test]
async fn hosted_ui_pages_may_not_be_framed() {
    let stack = start().await;
    let q = query(&[]);
    let pages = [
        (format!("/login?{q}"), 200),
        (format!("/signup?{q}"), 200),
        (format!("/confirmUser?{q}&username=dragonrider"), 200),
        (
            format!(
                "/oauth2/authorize?{}",
                query(&[("client_id", Some("nope"))])
            ),
            400,
        ),
        (
            format!(
                "/oauth2/authorize?{}",
                query(&[("redirect_uri", Some("https://evil.example/"))])
            ),
            400,
        ),
        (
            format!("/login?{}", query(&[("client_id", Some("nope"))])),
            400,
        ),
        (format!("/logout?client_id={CLIENT}"), 400),
        (
            format!("/logout?client_id={CLIENT}&logout_uri=https%3A%2F%2Fevil.example%2F"),
            400,
        ),
        // The redirects too.
        (format!("/oauth2/authorize?{q}"), 302),
        (
            format!("/logout?client_id={CLIENT}&logout_uri=http%3A%2F%2Flocalhost%3A8080%2F"),
            302,
        ),
    ];
    for (path, status) in pages {
        let r = http()
            .get(format!("{}{path}", stack.urls().auth))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(
            r.headers()
                .get("x-frame-options")
                .map(|v| v.to_str().unwrap()),
            Some("DENY"),
            "{path}"
        );
    }
    // A form page after a failed sign-in, and the CSRF refusal page, too.
    let r = submit_login(&stack, &q, DEMO_USERNAME, "wrong").await;
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let r = http()
        .post(format!("{}/login?{q}", stack.urls().auth))
        .form(&[("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["x-frame-options"], "DENY");
}
