//! The API guards of issue 26: custom scopes (the `dragons` resource server), the
//! pre-token-generation step that gives `dragons/write` only to `dragon-keepers`, the REST
//! API's scoped `POST /dragons`, and the HTTP API's JWT authorizer on its own origin.

mod common;
use common::*;
use serde_json::{json, Value};

fn scope_of(access_token: &str) -> Vec<String> {
    decode(access_token).1["scope"]
        .as_str()
        .unwrap()
        .split(' ')
        .map(str::to_owned)
        .collect()
}

fn dragon() -> Value {
    json!({
        "dragonName": "Smaug", "description": "Sleeps on gold", "family": "red",
        "city": "Erebor", "country": "Middle-earth", "state": "", "neighborhood": "Lonely Mountain",
        "reportingPhoneNumber": "15555550100", "confirmationRequired": false
    })
}

async fn call(
    base: &str,
    method: reqwest::Method,
    authorization: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut req = http().request(method.clone(), format!("{base}/dragons"));
    if method == reqwest::Method::POST {
        req = req.json(&dragon());
    }
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn www_authenticate(headers: &reqwest::header::HeaderMap) -> &str {
    headers
        .get("www-authenticate")
        .expect("a www-authenticate header")
        .to_str()
        .unwrap()
}

#[tokio::test]
async fn custom_scopes_are_granted_only_when_asked_for_and_allowed() {
    let stack = start().await;
    let t = tokens_for(&stack, KEEPER_USERNAME, DRAGON_SCOPES).await;
    assert_eq!(
        scope_of(t["access_token"].as_str().unwrap()),
        [
            "openid",
            "email",
            "profile",
            "dragons/read",
            "dragons/write"
        ]
    );
    let t = tokens_for(&stack, KEEPER_USERNAME, "openid dragons/read").await;
    assert_eq!(
        scope_of(t["access_token"].as_str().unwrap()),
        ["openid", "dragons/read"],
        "only what was asked for"
    );
    // A scope no resource server defines, or one the client may not ask for.
    let mut config = test_config();
    config
        .client
        .allowed_scopes
        .retain(|s| s != "dragons/write");
    let stack = start_with(config).await;
    for scope in ["openid dragons/write", "openid dragons/delete"] {
        let r = http()
            .get(format!(
                "{}/oauth2/authorize?{}",
                stack.urls().auth,
                query(&[("scope", Some(scope))])
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "{scope}");
        let to = location(r.headers());
        assert!(to.starts_with(REDIRECT), "{to}");
        assert_eq!(
            param(&to, "error").as_deref(),
            Some("invalid_scope"),
            "{scope}"
        );
        assert_eq!(param(&to, "state").as_deref(), Some("st4te"));
    }
}

#[tokio::test]
async fn the_pre_token_generation_step_keeps_dragons_write_for_dragon_keepers_only() {
    let stack = start().await;
    let rider = tokens_for(&stack, DEMO_USERNAME, DRAGON_SCOPES).await;
    let access = rider["access_token"].as_str().unwrap();
    assert_eq!(
        scope_of(access),
        ["openid", "email", "profile", "dragons/read"],
        "dragonrider is not in dragon-keepers: dragons/write suppressed"
    );
    let keeper = tokens_for(&stack, KEEPER_USERNAME, DRAGON_SCOPES).await;
    assert!(scope_of(keeper["access_token"].as_str().unwrap()).contains(&"dragons/write".into()));
    assert_eq!(
        decode(keeper["id_token"].as_str().unwrap()).1["cognito:groups"],
        json!(["dragon-keepers"])
    );
    // The trigger runs on refresh too.
    let (status, refreshed) = refresh_with(&stack, rider["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{refreshed}");
    assert!(
        !scope_of(refreshed["access_token"].as_str().unwrap()).contains(&"dragons/write".into())
    );

    // Without the trigger (a Lite pool), anyone who asks gets it.
    let mut config = test_config();
    config.pre_token_generation.enabled = false;
    let stack = start_with(config).await;
    let rider = tokens_for(&stack, DEMO_USERNAME, DRAGON_SCOPES).await;
    assert!(scope_of(rider["access_token"].as_str().unwrap()).contains(&"dragons/write".into()));
}

#[tokio::test]
async fn a_client_scope_no_resource_server_defines_is_refused_at_start() {
    let mut config = test_config();
    config.client.allowed_scopes.push("dragons/admin".into());
    let e = try_start(config).await.err().expect("refused");
    assert!(e.contains("dragons/admin"), "{e}");
}

#[tokio::test]
async fn the_rest_apis_scoped_post_wants_an_access_token_with_dragons_write() {
    let stack = start().await;
    let api = stack.urls().api.clone();
    let rider = tokens_for(&stack, DEMO_USERNAME, DRAGON_SCOPES).await;
    let keeper = tokens_for(&stack, KEEPER_USERNAME, DRAGON_SCOPES).await;
    let s = |t: &Value, k: &str| t[k].as_str().unwrap().to_owned();
    let unauthorized = json!({"message": "Unauthorized"});
    for (who, token) in [
        ("no token", None),
        ("the keeper's ID token", Some(s(&keeper, "id_token"))),
        (
            "the rider's access token (no dragons/write)",
            Some(s(&rider, "access_token")),
        ),
    ] {
        let (status, headers, body) = call(&api, reqwest::Method::POST, token.as_deref()).await;
        assert_eq!((status, &body), (401, &unauthorized), "{who}");
        assert_eq!(
            headers["x-amzn-errortype"], "UnauthorizedException",
            "{who}"
        );
        assert_eq!(
            headers["access-control-allow-origin"], "*",
            "gateway responses on"
        );
    }
    let (status, _, body) = call(
        &api,
        reqwest::Method::POST,
        Some(&s(&keeper, "access_token")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // GET has no scopes: the ID token, and an access token is refused.
    let (status, _, _) = call(&api, reqwest::Method::GET, Some(&s(&rider, "id_token"))).await;
    assert_eq!(status, 200);
    let (status, _, body) = call(
        &api,
        reqwest::Method::GET,
        Some(&s(&keeper, "access_token")),
    )
    .await;
    assert_eq!(
        (status, body),
        (401, unauthorized),
        "an access token on an unscoped method"
    );
    // Expired: the gateway's own words.
    stack.advance_clock(3601);
    let (status, _, body) = call(
        &api,
        reqwest::Method::POST,
        Some(&s(&keeper, "access_token")),
    )
    .await;
    assert_eq!(
        (status, body),
        (401, json!({"message": "The incoming token has expired"}))
    );
}

#[tokio::test]
async fn the_http_api_takes_either_token_on_get_when_its_audience_matches() {
    let stack = start().await;
    let http_api = stack.urls().http_api.clone();
    assert!(!http_api.contains(&stack.urls().api), "its own origin");
    let rider = tokens_for(&stack, DEMO_USERNAME, DRAGON_SCOPES).await;
    for key in ["id_token", "access_token"] {
        let token = rider[key].as_str().unwrap();
        for value in [token.to_owned(), format!("Bearer {token}")] {
            let (status, headers, body) = call(&http_api, reqwest::Method::GET, Some(&value)).await;
            assert_eq!(status, 200, "{key}: {body}");
            assert_eq!(body.as_array().unwrap().len(), 12, "the dozen dragons");
            assert!(headers.contains_key("apigw-requestid"));
            assert_eq!(headers["access-control-allow-origin"], "*");
            assert!(
                !headers.contains_key("x-amzn-requestid"),
                "a REST API header"
            );
        }
    }
    // Another audience: neither token's aud / client_id matches.
    let mut config = test_config();
    config.http_api.audience = vec!["someotherclient".into()];
    let other = start_with(config).await;
    let t = tokens(&other).await;
    for key in ["id_token", "access_token"] {
        let (status, headers, body) = call(
            &other.urls().http_api,
            reqwest::Method::GET,
            t[key].as_str(),
        )
        .await;
        assert_eq!(
            (status, body),
            (401, json!({"message": "Unauthorized"})),
            "{key}"
        );
        assert_eq!(
            www_authenticate(&headers),
            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"the token does not have a valid audience\""
        );
    }
}

#[tokio::test]
async fn the_http_apis_401s_and_403_say_why_in_www_authenticate() {
    let stack = start().await;
    let http_api = stack.urls().http_api.clone();
    let rider = tokens_for(&stack, DEMO_USERNAME, DRAGON_SCOPES).await;
    let keeper = tokens_for(&stack, KEEPER_USERNAME, DRAGON_SCOPES).await;
    let s = |t: &Value, k: &str| t[k].as_str().unwrap().to_owned();
    let unauthorized = json!({"message": "Unauthorized"});

    let (status, headers, body) = call(&http_api, reqwest::Method::GET, None).await;
    assert_eq!((status, &body), (401, &unauthorized));
    assert_eq!(www_authenticate(&headers), "Bearer");
    assert_eq!(
        headers["access-control-allow-origin"], "*",
        "CORS on the authorizer's 401"
    );
    assert!(headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .contains("www-authenticate"));

    let (status, headers, body) = call(&http_api, reqwest::Method::GET, Some("not-a-jwt")).await;
    assert_eq!((status, &body), (401, &unauthorized));
    assert_eq!(
        www_authenticate(&headers),
        "Bearer scope=\"\" error=\"invalid_token\" error_description=\"token contains an invalid number of segments\""
    );

    // A claim changed, the signature kept.
    let id = s(&rider, "id_token");
    let parts: Vec<&str> = id.split('.').collect();
    let mut claims = decode(&id).1;
    claims["cognito:username"] = json!("admin");
    use base64::Engine;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let (status, headers, _) = call(&http_api, reqwest::Method::GET, Some(&forged)).await;
    assert_eq!(status, 401);
    assert!(www_authenticate(&headers).contains("error=\"invalid_token\""));

    // POST has the scope dragons/write: 403 without it, for an ID token (no scope at all) too.
    for (who, token) in [
        ("rider's access token", s(&rider, "access_token")),
        ("keeper's ID token", s(&keeper, "id_token")),
    ] {
        let (status, headers, body) = call(&http_api, reqwest::Method::POST, Some(&token)).await;
        assert_eq!(
            (status, body),
            (403, json!({"message": "Forbidden"})),
            "{who}"
        );
        let why = www_authenticate(&headers);
        assert!(why.contains("error=\"insufficient_scope\""), "{why}");
        assert!(why.contains("scope=\"dragons/write\""), "{why}");
        assert_eq!(headers["access-control-allow-origin"], "*");
    }
    let (status, _, body) = call(
        &http_api,
        reqwest::Method::POST,
        Some(&s(&keeper, "access_token")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["executionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:"));

    // Expired.
    stack.advance_clock(3601);
    let (status, headers, body) = call(
        &http_api,
        reqwest::Method::GET,
        Some(&s(&rider, "id_token")),
    )
    .await;
    assert_eq!((status, body), (401, unauthorized));
    assert!(www_authenticate(&headers).contains("the token has expired"));
}

#[tokio::test]
async fn the_http_apis_cors_configuration_answers_preflights_and_unknown_routes_are_404() {
    let stack = start().await;
    let http_api = stack.urls().http_api.clone();
    let r = http()
        .request(reqwest::Method::OPTIONS, format!("{http_api}/dragons"))
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "no token needed");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    assert!(r.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));

    let r = http()
        .get(format!("{http_api}/test/dragons"))
        .header("Authorization", "x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"message": "Not Found"})
    );

    // Without a CORS configuration the browser sees nothing it may read.
    let mut config = test_config();
    config.http_api.cors = false;
    let bare = start_with(config).await;
    let (status, headers, _) = call(&bare.urls().http_api, reqwest::Method::GET, None).await;
    assert_eq!(status, 401);
    assert!(!headers.contains_key("access-control-allow-origin"));
}
