//! The dragons API behind the Cognito authorizer: which token passes, the gateway's exact
//! 401/403 bodies, CORS on and off, filters, and POST's background job.

mod common;
use common::*;
use serde_json::Value;

async fn body_of(r: reqwest::Response) -> Value {
    r.json().await.unwrap()
}

#[tokio::test]
async fn the_id_token_lists_a_dozen_dragons_raw_or_with_bearer() {
    let stack = start().await;
    let t = tokens(&stack).await;
    let id = t["id_token"].as_str().unwrap();
    for auth in [id.to_owned(), format!("Bearer {id}")] {
        let r = api_get(&stack, "/dragons", Some(&auth)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["access-control-allow-origin"], "*");
        let list = body_of(r).await;
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 12);
        for field in [
            "dragon_name_str",
            "family_str",
            "description_str",
            "location_city_str",
            "location_country_str",
            "location_state_str",
            "location_neighborhood_str",
        ] {
            assert!(list[0][field].is_string(), "{field}");
        }
    }
}

#[tokio::test]
async fn filters_by_dragon_name_or_family() {
    let stack = start().await;
    let id = tokens(&stack).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let list = body_of(api_get(&stack, "/dragons?family=red", Some(&id)).await).await;
    let list = list.as_array().unwrap();
    assert!(list.len() >= 2);
    assert!(list.iter().all(|d| d["family_str"] == "red"));
    let one = body_of(api_get(&stack, "/dragons?dragonName=Frost", Some(&id)).await).await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["dragon_name_str"], "Frost");
    let none = body_of(api_get(&stack, "/dragons?dragonName=Smaug", Some(&id)).await).await;
    assert_eq!(none, serde_json::json!([]));
}

#[tokio::test]
async fn the_authorizer_refuses_what_api_gateway_refuses_with_its_exact_bodies() {
    let stack = start().await;
    let t = tokens(&stack).await;
    let id = t["id_token"].as_str().unwrap();
    let access = t["access_token"].as_str().unwrap();
    // A claim changed, the signature kept.
    let mut parts: Vec<String> = id.split('.').map(str::to_owned).collect();
    let (_, mut claims) = decode(id);
    claims["cognito:username"] = "admin".into();
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        claims.to_string(),
    );
    let tampered = parts.join(".");

    for (what, auth) in [
        ("no token", None),
        ("the access token on a method without scopes", Some(access)),
        ("a tampered token", Some(tampered.as_str())),
        ("garbage", Some("not.a.jwt")),
    ] {
        let r = api_get(&stack, "/dragons", auth).await;
        assert_eq!(r.status(), 401, "{what}");
        assert_eq!(r.headers()["x-amzn-errortype"], "UnauthorizedException");
        assert_eq!(
            body_of(r).await,
            serde_json::json!({"message": "Unauthorized"}),
            "{what}"
        );
    }

    stack.advance_clock(3601);
    let r = api_get(&stack, "/dragons", Some(id)).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        body_of(r).await,
        serde_json::json!({"message": "The incoming token has expired"})
    );
}

#[tokio::test]
async fn a_method_with_scopes_wants_an_access_token_with_one_of_them() {
    let mut config = test_config();
    config.api.get_scopes = vec!["email".into()];
    let stack = start_with(config).await;
    let t = tokens(&stack).await;
    assert_eq!(
        api_get(&stack, "/dragons", t["access_token"].as_str())
            .await
            .status(),
        200
    );
    assert_eq!(
        api_get(&stack, "/dragons", t["id_token"].as_str())
            .await
            .status(),
        401
    );

    let mut config = test_config();
    config.api.get_scopes = vec!["dragons/read".into()];
    let stack = start_with(config).await;
    let t = tokens(&stack).await;
    assert_eq!(
        api_get(&stack, "/dragons", t["access_token"].as_str())
            .await
            .status(),
        401,
        "scope missing"
    );
}

/// Send `method` to `path` on the API with an optional `Authorization` value.
async fn api_call(
    stack: &dragons_emulator::Stack,
    method: reqwest::Method,
    path: &str,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut req = http().request(method, format!("{}{path}", stack.urls().api));
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    req.send().await.unwrap()
}

/// The API's origin and a path on it: for a wrong stage, outside the stage's URL.
fn origin_path(stack: &dragons_emulator::Stack, path: &str) -> String {
    let api = &stack.urls().api;
    let origin = &api[..api.rfind('/').unwrap()];
    format!("{origin}{path}")
}

#[tokio::test]
async fn unknown_routes_are_403_and_the_message_depends_on_the_authorization_header() {
    let stack = start().await;
    let id = tokens(&stack).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let credential = format!(
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={id}"
    );
    let equal_sign = format!(
        "'{id}' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer {id}'."
    );
    let bearer = format!("Bearer {id}");
    // Unknown path, wrong stage, unsupported method.
    let routes = [
        (
            reqwest::Method::GET,
            format!("{}/unicorns", stack.urls().api),
        ),
        (reqwest::Method::GET, format!("{}/", stack.urls().api)),
        (reqwest::Method::GET, origin_path(&stack, "/prod/dragons")),
        (
            reqwest::Method::DELETE,
            format!("{}/dragons", stack.urls().api),
        ),
        (
            reqwest::Method::PUT,
            format!("{}/dragons", stack.urls().api),
        ),
    ];
    for (method, url) in routes {
        for (auth, message, error_type) in [
            (
                None,
                "Missing Authentication Token".to_owned(),
                "MissingAuthenticationTokenException",
            ),
            (
                Some(id.as_str()),
                credential.clone(),
                "IncompleteSignatureException",
            ),
            (
                Some(bearer.as_str()),
                equal_sign.clone(),
                "IncompleteSignatureException",
            ),
        ] {
            let mut req = http().request(method.clone(), &url);
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            let r = req.send().await.unwrap();
            let what = format!("{method} {url} with {:?}", auth.map(|a| &a[..10]));
            assert_eq!(r.status(), 403, "{what}");
            assert_eq!(r.headers()["x-amzn-errortype"], error_type, "{what}");
            assert_eq!(
                r.headers()["access-control-allow-origin"],
                "*",
                "{what}: gateway responses add CORS headers"
            );
            assert_eq!(
                body_of(r).await,
                serde_json::json!({ "message": message }),
                "{what}"
            );
        }
    }
    // The right route with the same headers is fine: the messages mean a wrong URL.
    for auth in [id.as_str(), bearer.as_str()] {
        let r = api_call(&stack, reqwest::Method::GET, "/dragons", Some(auth)).await;
        assert_eq!(r.status(), 200);
    }
}

#[tokio::test]
async fn preflight_needs_no_token() {
    let stack = start().await;
    let r = http()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/dragons", stack.urls().api),
        )
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("Authorization"));
}

#[tokio::test]
async fn without_gateway_responses_unknown_route_403s_carry_no_cors_headers() {
    let mut config = test_config();
    config.api.cors_on_gateway_errors = false;
    let stack = start_with(config).await;
    for auth in [None, Some("abc.def.ghi"), Some("Bearer abc.def.ghi")] {
        let r = api_call(&stack, reqwest::Method::GET, "/nope", auth).await;
        assert_eq!(r.status(), 403, "{auth:?}");
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "{auth:?}"
        );
    }
    let r = api_call(
        &stack,
        reqwest::Method::PATCH,
        "/dragons",
        Some("Bearer abc.def.ghi"),
    )
    .await;
    assert_eq!(
        body_of(r).await["message"],
        "'abc.def.ghi' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer abc.def.ghi'."
    );
}

#[tokio::test]
async fn without_gateway_responses_a_401_carries_no_cors_headers() {
    let mut config = test_config();
    config.api.cors_on_gateway_errors = false;
    let stack = start_with(config).await;
    let r = api_get(&stack, "/dragons", None).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = api_get(&stack, "/nope", None).await;
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // The integration's own answers still carry them.
    let id = tokens(&stack).await["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api_get(&stack, "/dragons", Some(&id)).await;
    assert_eq!(r.headers()["access-control-allow-origin"], "*");

    let with = start().await;
    let r = api_get(&with, "/dragons", None).await;
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "*",
        "the default has gateway responses"
    );
}

#[tokio::test]
async fn a_posted_dragon_is_accepted_then_visible_once_the_job_has_run() {
    let stack = start().await;
    let keeper = tokens_for(&stack, KEEPER_USERNAME, DRAGON_SCOPES).await;
    let id = keeper["id_token"].as_str().unwrap().to_owned();
    // POST /dragons has the scope dragons/write: the access token of a dragon keeper.
    let access = keeper["access_token"].as_str().unwrap().to_owned();
    let post = |body: Value, auth: Option<String>| {
        let url = format!("{}/dragons", stack.urls().api);
        async move {
            let mut req = http().post(url).json(&body);
            if let Some(a) = auth {
                req = req.header("Authorization", a);
            }
            req.send().await.unwrap()
        }
    };
    let dragon = serde_json::json!({
        "dragonName": "Puff", "description": "Magic, lives by the sea", "family": "green",
        "city": "Honalee", "country": "USA", "state": "", "neighborhood": "Shore",
        "reportingPhoneNumber": "15555550100", "confirmationRequired": false
    });
    assert_eq!(post(dragon.clone(), None).await.status(), 401);
    let r = post(dragon.clone(), Some(id.clone())).await;
    assert_eq!(r.status(), 401, "the ID token on a scoped method");
    let r = post(dragon.clone(), Some(access.clone())).await;
    assert_eq!(r.status(), 200);
    let answer = body_of(r).await;
    assert!(answer["executionArn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:states:"));

    let find = || api_get(&stack, "/dragons?dragonName=Puff", Some(&id));
    assert_eq!(
        body_of(find().await).await,
        serde_json::json!([]),
        "not yet: the job runs in the background"
    );
    stack.advance_clock(3);
    let found = body_of(find().await).await;
    assert_eq!(found[0]["location_city_str"], "Honalee");
    assert_eq!(found[0]["family_str"], "green");

    for bad in [
        serde_json::json!({"dragonName": "NoFamily"}),
        serde_json::json!({"dragon_name_str": "Wrong case"}),
        serde_json::json!([1, 2]),
    ] {
        let r = post(bad, Some(access.clone())).await;
        assert_eq!(r.status(), 400);
        assert_eq!(
            body_of(r).await,
            serde_json::json!({"message": "Invalid request body"})
        );
    }
    let r = http()
        .post(format!("{}/dragons", stack.urls().api))
        .header("Authorization", &access)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}
