//! /oauth2/token, /oauth2/userInfo, /oauth2/revoke, JWKS and discovery: the spec's tables and
//! sharp edges (code replay, wrong verifier, trailing slash, refresh merge, revocation).

mod common;
use common::*;
use serde_json::Value;

#[tokio::test]
async fn code_exchange_returns_cognito_shaped_tokens() {
    let stack = start().await;
    let body = tokens(&stack).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|t| !t.is_empty()));

    let (header, id) = decode(body["id_token"].as_str().unwrap());
    assert_eq!(
        header,
        serde_json::json!({"alg": "RS256", "kid": header["kid"]}),
        "header is kid + alg only"
    );
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], CLIENT);
    assert!(id.get("client_id").is_none());
    assert_eq!(id["cognito:username"], "dragonrider");
    assert!(id.get("username").is_none());
    assert_eq!(id["email_verified"], true, "a boolean in the ID token");
    assert_eq!(id["nonce"], "n0nce");
    assert_eq!(id["iss"], stack.urls().issuer.as_str());
    assert_eq!(id["cognito:groups"], serde_json::json!(["riders"]));
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        3600
    );
    assert_eq!(
        id["at_hash"],
        expected_at_hash(body["access_token"].as_str().unwrap()).as_str(),
        "the token endpoint's ID token carries the at_hash of the access token beside it"
    );
    assert_eq!(id["sub"].as_str().unwrap().len(), 36);

    let (aheader, access) = decode(body["access_token"].as_str().unwrap());
    assert_ne!(
        aheader["kid"], header["kid"],
        "two keys: one for ID, one for access tokens"
    );
    assert_eq!(access["token_use"], "access");
    assert!(access.get("aud").is_none(), "access tokens have no aud");
    assert_eq!(access["client_id"], CLIENT);
    assert_eq!(access["username"], "dragonrider");
    assert_eq!(access["scope"], "openid email profile");
    assert_eq!(access["version"], 2);
    assert_eq!(access["sub"], id["sub"]);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["auth_time"], id["auth_time"]);
}

#[tokio::test]
async fn a_code_is_single_use() {
    let stack = start().await;
    let code = code(&stack).await;
    assert_eq!(exchange(&stack, &code, VERIFIER).await.0, 200);
    let (status, body) = exchange(&stack, &code, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn pkce_wrong_or_missing_verifier_is_invalid_grant_and_burns_the_code() {
    let stack = start().await;
    let code1 = code(&stack).await;
    let (status, body) = exchange(
        &stack,
        &code1,
        "wrong-verifier-wrong-verifier-wrong-verifier-x",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        exchange(&stack, &code1, VERIFIER).await.0,
        400,
        "the code is gone after a failed try"
    );

    let code2 = code(&stack).await;
    let (status, body) = token_request(
        &stack,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code2),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn redirect_uri_must_match_byte_for_byte_at_the_token_endpoint() {
    let stack = start().await;
    let code = code(&stack).await;
    let (status, body) = token_request(
        &stack,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("redirect_uri", "http://localhost:8080"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn a_code_lives_five_minutes() {
    let stack = start().await;
    let fresh = code(&stack).await;
    // Real time passes too between issuing and exchanging (seconds on a loaded 2-core machine
    // compiling beside the tests): 290 s leaves room for it and still lies near the limit.
    stack.advance_clock(290);
    assert_eq!(exchange(&stack, &fresh, VERIFIER).await.0, 200);
    let stale = code(&stack).await;
    stack.advance_clock(301);
    let (status, body) = exchange(&stack, &stale, VERIFIER).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn token_endpoint_errors_are_400_json_with_the_spec_codes() {
    let stack = start().await;
    let code = code(&stack).await;
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("client_id", CLIENT), ("code", "x")], "invalid_request"),
        (
            &[("grant_type", "password"), ("client_id", CLIENT)],
            "unsupported_grant_type",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("client_id", "nosuchclient"),
                ("code", &code),
            ],
            "invalid_client",
        ),
        (
            &[("grant_type", "authorization_code"), ("client_id", CLIENT)],
            "invalid_request",
        ),
        (
            &[
                ("grant_type", "authorization_code"),
                ("client_id", CLIENT),
                ("code", "nope"),
                ("redirect_uri", REDIRECT),
            ],
            "invalid_grant",
        ),
        (
            &[
                ("grant_type", "refresh_token"),
                ("client_id", CLIENT),
                ("refresh_token", "nope"),
            ],
            "invalid_grant",
        ),
    ];
    for (form, error) in cases {
        let (status, body) = token_request(&stack, form).await;
        assert_eq!(status, 400, "{form:?}");
        assert_eq!(body["error"].as_str(), Some(*error), "{form:?}: {body}");
    }
    // A JSON body is not a form.
    let r = http()
        .post(format!("{}/oauth2/token", stack.urls().auth))
        .header("Content-Type", "application/json")
        .body(r#"{"grant_type":"authorization_code"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
}

#[tokio::test]
async fn token_endpoint_answers_any_origin_and_its_preflight() {
    let stack = start().await;
    let code = code(&stack).await;
    let r = http()
        .post(format!("{}/oauth2/token", stack.urls().auth))
        .header("Origin", "http://localhost:8080")
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    for path in ["/oauth2/token", "/oauth2/revoke", "/oauth2/userInfo"] {
        let pre = http()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}{path}", stack.urls().auth),
            )
            .header("Origin", "http://localhost:8080")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap();
        assert!(pre.status().is_success(), "{path}: {}", pre.status());
        assert_eq!(pre.headers()["access-control-allow-origin"], "*", "{path}");
    }
}

#[tokio::test]
async fn refresh_gives_new_tokens_no_new_refresh_token_and_keeps_auth_time() {
    let stack = start().await;
    let first = tokens(&stack).await;
    let (_, id1) = decode(first["id_token"].as_str().unwrap());
    stack.advance_clock(600);
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, body) = token_request(
        &stack,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("refresh_token").is_none(),
        "Cognito returns no new refresh token"
    );
    let (_, id2) = decode(body["id_token"].as_str().unwrap());
    assert_eq!(id2["auth_time"], id1["auth_time"]);
    assert!(id2["iat"].as_i64().unwrap() >= id1["iat"].as_i64().unwrap() + 600);
    assert_eq!(id2["sub"], id1["sub"]);
    assert!(id2.get("nonce").is_none(), "no nonce on refresh");
    let (_, access2) = decode(body["access_token"].as_str().unwrap());
    assert_eq!(access2["token_use"], "access");
    assert_eq!(
        id2["at_hash"],
        expected_at_hash(body["access_token"].as_str().unwrap()).as_str(),
        "a refreshed ID token carries the at_hash of the new access token"
    );
    assert_ne!(id2["at_hash"], id1["at_hash"]);

    // Without rotation the same refresh token keeps working, again and again.
    stack.advance_clock(600);
    let (status, again) = refresh_with(&stack, refresh).await;
    assert_eq!(status, 200, "{again}");
    assert!(again.get("refresh_token").is_none());
}

#[tokio::test]
async fn revoke_is_200_even_for_unknown_tokens_and_a_revoked_refresh_token_fails() {
    let stack = start().await;
    let body = tokens(&stack).await;
    let refresh = body["refresh_token"].as_str().unwrap();
    let revoke = |token: String| {
        let url = format!("{}/oauth2/revoke", stack.urls().auth);
        async move {
            http()
                .post(url)
                .form(&[("token", token.as_str()), ("client_id", CLIENT)])
                .send()
                .await
                .unwrap()
        }
    };
    let r = revoke("never-issued".into()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");
    let r = revoke(refresh.to_owned()).await;
    assert_eq!(r.status(), 200);
    let (status, body) = token_request(
        &stack,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn user_info_takes_the_access_token_only() {
    let stack = start().await;
    let body = tokens(&stack).await;
    let call = |auth: Option<String>| {
        let url = format!("{}/oauth2/userInfo", stack.urls().auth);
        async move {
            let mut req = http().get(url);
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            req.send().await.unwrap()
        }
    };
    let r = call(Some(format!(
        "Bearer {}",
        body["access_token"].as_str().unwrap()
    )))
    .await;
    assert_eq!(r.status(), 200);
    let info: Value = r.json().await.unwrap();
    assert_eq!(info["username"], "dragonrider");
    assert_eq!(info["email"], "rider@dragons.example");
    assert_eq!(
        info["email_verified"], "true",
        "userInfo gives booleans as strings"
    );
    assert_eq!(info["name"], "Demo Rider");

    for auth in [
        None,
        Some(format!("Bearer {}", body["id_token"].as_str().unwrap())),
        Some("Bearer garbage".into()),
    ] {
        let r = call(auth.clone()).await;
        assert_eq!(r.status(), 401, "{auth:?}");
        assert_eq!(
            r.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\", error_description=\"Access token is expired, disabled, or deleted, or the user has globally signed out.\""
        );
    }
    stack.advance_clock(3601);
    let r = call(Some(format!(
        "Bearer {}",
        body["access_token"].as_str().unwrap()
    )))
    .await;
    assert_eq!(r.status(), 401, "expired");
}

#[tokio::test]
async fn jwks_has_two_rs256_keys_with_cognito_shaped_kids_and_discovery_matches_the_spec() {
    let stack = start().await;
    let issuer = &stack.urls().issuer;
    let jwks: Value = http()
        .get(format!("{issuer}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    for k in keys {
        assert_eq!(
            (
                k["alg"].as_str(),
                k["kty"].as_str(),
                k["use"].as_str(),
                k["e"].as_str()
            ),
            (Some("RS256"), Some("RSA"), Some("sig"), Some("AQAB"))
        );
        let kid = k["kid"].as_str().unwrap();
        assert_eq!(kid.len(), 44, "base64 of 32 bytes: {kid}");
        assert!(kid.ends_with('='));
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);

    let r = http()
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let d: Value = r.json().await.unwrap();
    let auth = &stack.urls().auth;
    assert_eq!(d["issuer"], issuer.as_str());
    assert_eq!(d["jwks_uri"], format!("{issuer}/.well-known/jwks.json"));
    assert_eq!(
        d["authorization_endpoint"],
        format!("{auth}/oauth2/authorize")
    );
    assert_eq!(d["token_endpoint"], format!("{auth}/oauth2/token"));
    assert_eq!(d["userinfo_endpoint"], format!("{auth}/oauth2/userInfo"));
    assert_eq!(d["end_session_endpoint"], format!("{auth}/logout"));
    assert_eq!(
        d["response_types_supported"],
        serde_json::json!(["code", "token"])
    );
    assert_eq!(
        d["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );
    assert!(d.get("code_challenge_methods_supported").is_none());
}

#[tokio::test]
async fn keys_in_a_key_file_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config();
    config.key_file = Some(dir.path().join("keys.json"));
    let first = dragons_emulator::Stack::start(config.clone())
        .await
        .unwrap();
    let jwks1 = first.shared.keys().jwks();
    first.stop().await;
    let second = dragons_emulator::Stack::start(config).await.unwrap();
    assert_eq!(second.shared.keys().jwks(), jwks1);
    second.stop().await;
}

fn rotating(grace: u64) -> dragons_emulator::config::StackConfig {
    let mut config = test_config();
    config.client.refresh_token_rotation_grace_seconds = Some(grace);
    config
}

#[tokio::test]
async fn with_rotation_every_refresh_returns_a_new_refresh_token_in_the_same_session() {
    // A 10 s grace, so the retry below lands inside it even on a loaded machine.
    let stack = start_with(rotating(10)).await;
    let first = tokens(&stack).await;
    let (_, id0) = decode(first["id_token"].as_str().unwrap());
    let (_, access0) = decode(first["access_token"].as_str().unwrap());
    let r0 = first["refresh_token"].as_str().unwrap().to_owned();
    stack.advance_clock(120);

    let (status, second) = refresh_with(&stack, &r0).await;
    assert_eq!(status, 200, "{second}");
    let r1 = second["refresh_token"]
        .as_str()
        .expect("a new refresh token with rotation on")
        .to_owned();
    assert_ne!(r1, r0);
    let (_, id1) = decode(second["id_token"].as_str().unwrap());
    let (_, access1) = decode(second["access_token"].as_str().unwrap());
    assert_eq!(id1["auth_time"], id0["auth_time"], "auth_time kept");
    assert_eq!(id1["sub"], id0["sub"]);
    assert_eq!(id1["cognito:username"], "dragonrider");
    assert_eq!(access1["scope"], access0["scope"], "same scopes");
    assert_eq!(access1["origin_jti"], access0["origin_jti"], "same session");
    assert_eq!(
        id1["at_hash"],
        expected_at_hash(second["access_token"].as_str().unwrap()).as_str()
    );

    // Within the grace period the old token still works (a client retry) and rotates again.
    let (status, retry) = refresh_with(&stack, &r0).await;
    assert_eq!(status, 200, "within the grace period: {retry}");
    let r1b = retry["refresh_token"].as_str().unwrap().to_owned();
    assert!(r1b != r0 && r1b != r1);

    // Past the grace period after its first rotation it is dead; its successors live on.
    stack.advance_clock(11);
    let (status, body) = refresh_with(&stack, &r0).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let (status, third) = refresh_with(&stack, &r1).await;
    assert_eq!(status, 200, "{third}");
    let r2 = third["refresh_token"].as_str().unwrap();
    assert!(r2 != r1);
    let (_, id2) = decode(third["id_token"].as_str().unwrap());
    assert_eq!(id2["auth_time"], id0["auth_time"]);
}

#[tokio::test]
async fn with_rotation_and_no_grace_the_old_refresh_token_dies_at_once() {
    let stack = start_with(rotating(0)).await;
    let r0 = tokens(&stack).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = refresh_with(&stack, &r0).await;
    assert_eq!(status, 200, "{body}");
    let r1 = body["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh_with(&stack, &r0).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "grace 0: invalid at once"
    );
    assert_eq!(refresh_with(&stack, &r1).await.0, 200);
}

#[tokio::test]
async fn a_rotated_refresh_token_lives_only_as_long_as_the_original() {
    let mut config = rotating(0);
    config.tokens.refresh_token_seconds = 7200;
    let stack = start_with(config).await;
    let r0 = tokens(&stack).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    stack.advance_clock(3600);
    let (_, body) = refresh_with(&stack, &r0).await;
    let r1 = body["refresh_token"].as_str().unwrap().to_owned();
    stack.advance_clock(3601);
    let (status, body) = refresh_with(&stack, &r1).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "the new token is valid for what was left of the original"
    );
}

#[tokio::test]
async fn revoking_any_refresh_token_of_a_rotated_family_revokes_the_family() {
    let stack = start_with(rotating(60)).await;
    let first = tokens(&stack).await;
    let r0 = first["refresh_token"].as_str().unwrap().to_owned();
    let (_, second) = refresh_with(&stack, &r0).await;
    let r1 = second["refresh_token"].as_str().unwrap().to_owned();
    let (_, third) = refresh_with(&stack, &r1).await;
    let r2 = third["refresh_token"].as_str().unwrap().to_owned();
    // Another sign-in: another family, untouched.
    let other = tokens(&stack).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = revoke(&stack, &r1, CLIENT).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "");
    for (which, token) in [("predecessor", &r0), ("revoked", &r1), ("successor", &r2)] {
        let (status, body) = refresh_with(&stack, token).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{which}"
        );
    }
    assert_eq!(refresh_with(&stack, &other).await.0, 200);
    assert_eq!(
        user_info(&stack, third["access_token"].as_str().unwrap())
            .await
            .status(),
        401,
        "access tokens of the revoked family stop working at userInfo"
    );
}

#[tokio::test]
async fn a_rotation_grace_over_60_seconds_is_refused() {
    let err = match try_start(rotating(61)).await {
        Ok(_) => panic!("a grace of 61 s must be refused"),
        Err(e) => e,
    };
    assert!(err.contains("0 to 60"), "{err}");
}

#[tokio::test]
async fn revoke_refuses_id_and_access_tokens_and_a_wrong_client() {
    let stack = start().await;
    let body = tokens(&stack).await;
    for which in ["id_token", "access_token"] {
        let r = revoke(&stack, body[which].as_str().unwrap(), CLIENT).await;
        assert_eq!(r.status(), 400, "{which}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            serde_json::json!({"error": "unsupported_token_type"}),
            "{which}"
        );
    }
    // Expired, still one of the pool's JWTs.
    stack.advance_clock(7200);
    let r = revoke(&stack, body["access_token"].as_str().unwrap(), CLIENT).await;
    assert_eq!(r.status(), 400);
    // A JWT-looking string the pool never signed is just an unknown token.
    let r = revoke(&stack, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", CLIENT).await;
    assert_eq!(r.status(), 200);
    let refresh = body["refresh_token"].as_str().unwrap();
    let r = revoke(&stack, refresh, "nosuchclient").await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    assert_eq!(
        refresh_with(&stack, refresh).await.0,
        200,
        "a refused revoke revokes nothing"
    );
}

#[tokio::test]
async fn a_revoked_sessions_access_token_fails_at_user_info_but_the_api_still_takes_its_id_token() {
    let stack = start().await;
    let body = tokens(&stack).await;
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(user_info(&stack, access).await.status(), 200);
    assert_eq!(
        revoke(&stack, body["refresh_token"].as_str().unwrap(), CLIENT)
            .await
            .status(),
        200
    );
    let r = user_info(&stack, access).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
    // API Gateway's authorizer checks only signature, expiry and claims.
    let r = api_get(&stack, "/dragons", body["id_token"].as_str()).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn with_openid_every_readable_attribute_comes_whatever_the_other_scopes() {
    let mut config = test_config();
    config.users.push(dragons_emulator::config::UserConfig {
        username: "phoner".into(),
        password: "Dragons-Demo-1".into(),
        email: "phoner@dragons.example".into(),
        groups: vec![],
        attributes: [
            ("phone_number", "+15555550100"),
            ("phone_number_verified", "false"),
            ("custom:team", "red"),
            ("name", "Phone Rider"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    });
    let stack = start_with(config).await;
    for scope in ["openid", "openid profile", "openid email", "openid phone"] {
        let q = query(&[("scope", Some(scope))]);
        let r = submit_login(&stack, &q, "phoner", "Dragons-Demo-1").await;
        let code = param(&location(r.headers()), "code").expect("a code");
        let (status, body) = exchange(&stack, &code, VERIFIER).await;
        assert_eq!(status, 200, "{scope}: {body}");
        let (_, id) = decode(body["id_token"].as_str().unwrap());
        assert_eq!(id["email"], "phoner@dragons.example", "{scope}");
        assert_eq!(id["email_verified"], true, "{scope}: a boolean");
        assert_eq!(id["phone_number"], "+15555550100", "{scope}");
        assert_eq!(id["phone_number_verified"], false, "{scope}: a boolean");
        assert_eq!(id["custom:team"], "red", "{scope}");
        assert_eq!(id["name"], "Phone Rider", "{scope}");

        let info: Value = user_info(&stack, body["access_token"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(info["sub"], id["sub"], "{scope}");
        assert_eq!(info["username"], "phoner", "{scope}");
        assert_eq!(info["email"], "phoner@dragons.example", "{scope}");
        assert_eq!(info["email_verified"], "true", "{scope}: a string");
        assert_eq!(info["phone_number"], "+15555550100", "{scope}");
        assert_eq!(info["phone_number_verified"], "false", "{scope}: a string");
        assert_eq!(info["custom:team"], "red", "{scope}");
        assert_eq!(info["name"], "Phone Rider", "{scope}");
    }
}
