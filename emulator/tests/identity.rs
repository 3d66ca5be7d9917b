//! The identity pool (Cognito Identity) of issue 27: `GetId`, `GetCredentialsForIdentity` and
//! `GetOpenIdToken` with the user pool's ID token in `Logins` or as a guest, their shapes and
//! AWS's errors.

mod common;
use common::*;
use dragons_emulator::config::IDENTITY_POOL_ID;
use serde_json::{json, Value};

async fn identity(
    stack: &dragons_emulator::Stack,
    operation: &str,
    body: Value,
) -> (u16, Option<String>, Value) {
    let r = http()
        .post(format!("{}/", stack.urls().idp))
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityService.{operation}"),
        )
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("Origin", "http://localhost:8080")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "*",
        "browsers may call it"
    );
    read_idp(r).await
}

/// `Logins` for this stack's pool: `<issuer host>/<pool id>` → the ID token.
fn logins(stack: &dragons_emulator::Stack, token: &str) -> Value {
    let provider = stack.urls().issuer.trim_start_matches("http://").to_owned();
    json!({ provider: token })
}

fn assert_error(answer: &(u16, Option<String>, Value), kind: &str, message: &str) {
    let (status, error_type, body) = answer;
    assert_eq!(*status, 400, "{body}");
    assert_eq!(body["__type"], kind, "{body}");
    assert_eq!(error_type.as_deref(), Some(kind));
    assert!(
        body["message"].as_str().unwrap().contains(message),
        "{body} should say {message:?}"
    );
}

#[tokio::test]
async fn a_signed_in_user_gets_a_stable_identity_and_an_hours_credentials() {
    let stack = start().await;
    let t = tokens(&stack).await;
    let id = t["id_token"].as_str().unwrap();
    let (status, _, body) = identity(
        &stack,
        "GetId",
        json!({"IdentityPoolId": IDENTITY_POOL_ID, "Logins": logins(&stack, id)}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let identity_id = body["IdentityId"].as_str().unwrap().to_owned();
    let (region, uuid) = identity_id.split_once(':').unwrap();
    assert_eq!(region, "us-east-1");
    assert_eq!(uuid.len(), 36, "{identity_id}");
    // The same user again (a new sign-in): the same identity.
    let again = tokens(&stack).await;
    let (_, _, body) = identity(
        &stack,
        "GetId",
        json!({"IdentityPoolId": IDENTITY_POOL_ID, "Logins": logins(&stack, again["id_token"].as_str().unwrap())}),
    )
    .await;
    assert_eq!(body["IdentityId"], identity_id.as_str());

    let (status, _, body) = identity(
        &stack,
        "GetCredentialsForIdentity",
        json!({"IdentityId": identity_id, "Logins": logins(&stack, id)}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["IdentityId"], identity_id.as_str());
    let c = &body["Credentials"];
    let key = c["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
    assert_eq!(c["SecretKey"].as_str().unwrap().len(), 40);
    assert!(c["SessionToken"].as_str().unwrap().len() > 100);
    let (_, claims) = decode(id);
    let expires = c["Expiration"].as_i64().unwrap();
    assert!(
        (expires - claims["iat"].as_i64().unwrap() - 3600).abs() < 5,
        "{expires}"
    );
    let issued = stack.shared.store().credentials[key].clone();
    assert!(issued.authenticated);
    assert_eq!(issued.identity_id, identity_id);

    let (status, _, body) = identity(
        &stack,
        "GetOpenIdToken",
        json!({"IdentityId": identity_id, "Logins": logins(&stack, id)}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, open_id) = decode(body["Token"].as_str().unwrap());
    assert_eq!(open_id["sub"], identity_id.as_str());
    assert_eq!(open_id["aud"], IDENTITY_POOL_ID);
    assert_eq!(open_id["amr"][0], "authenticated");
}

#[tokio::test]
async fn a_guest_gets_the_unauthenticated_role_unless_the_pool_forbids_guests() {
    let stack = start().await;
    let (status, _, body) =
        identity(&stack, "GetId", json!({"IdentityPoolId": IDENTITY_POOL_ID})).await;
    assert_eq!(status, 200, "{body}");
    let guest = body["IdentityId"].as_str().unwrap().to_owned();
    let (status, _, body) = identity(
        &stack,
        "GetCredentialsForIdentity",
        json!({"IdentityId": guest}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let key = body["Credentials"]["AccessKeyId"].as_str().unwrap();
    assert!(!stack.shared.store().credentials[key].authenticated);

    let mut config = test_config();
    config.identity_pool.allow_unauthenticated = false;
    let closed = start_with(config).await;
    let answer = identity(
        &closed,
        "GetId",
        json!({"IdentityPoolId": IDENTITY_POOL_ID}),
    )
    .await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Unauthenticated access is not supported for this identity pool.",
    );
    // No role for guests: the pool's configuration is at fault.
    let mut config = test_config();
    config.identity_pool.unauthenticated_role_arn = None;
    let roleless = start_with(config).await;
    let (_, _, body) = identity(
        &roleless,
        "GetId",
        json!({"IdentityPoolId": IDENTITY_POOL_ID}),
    )
    .await;
    let answer = identity(
        &roleless,
        "GetCredentialsForIdentity",
        json!({"IdentityId": body["IdentityId"]}),
    )
    .await;
    assert_error(
        &answer,
        "InvalidIdentityPoolConfigurationException",
        "Check assigned IAM roles",
    );
}

#[tokio::test]
async fn bad_logins_are_refused_with_awss_words() {
    let stack = start().await;
    let t = tokens(&stack).await;
    let id = t["id_token"].as_str().unwrap();
    let get_id = |logins: Value| {
        identity(
            &stack,
            "GetId",
            json!({"IdentityPoolId": IDENTITY_POOL_ID, "Logins": logins}),
        )
    };
    // The access token: no aud.
    let answer = get_id(logins(&stack, t["access_token"].as_str().unwrap())).await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Invalid login token. Missing a required claim: aud",
    );
    // Tampered: a claim changed, the signature kept.
    let parts: Vec<&str> = id.split('.').collect();
    let mut claims = decode(id).1;
    claims["sub"] = json!("someone-else");
    use base64::Engine;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    let answer = get_id(logins(&stack, &forged)).await;
    assert_error(&answer, "NotAuthorizedException", "Invalid login token.");
    // Another provider name (the key names the issuer).
    let answer = get_id(json!({"cognito-idp.us-east-1.amazonaws.com/us-east-1_OTHER": id})).await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Issuer doesn't match providerName",
    );
    // An unknown pool.
    let answer = identity(
        &stack,
        "GetId",
        json!({"IdentityPoolId": "us-east-1:00000000-0000-0000-0000-000000000000", "Logins": logins(&stack, id)}),
    )
    .await;
    assert_error(&answer, "ResourceNotFoundException", "not found");
    // Credentials for a user's identity without its login, or with another user's.
    let (_, _, body) = get_id(logins(&stack, id)).await;
    let identity_id = body["IdentityId"].as_str().unwrap().to_owned();
    let answer = identity(
        &stack,
        "GetCredentialsForIdentity",
        json!({"IdentityId": identity_id}),
    )
    .await;
    assert_error(&answer, "NotAuthorizedException", "Logins don't match. Please include at least one valid login for this identity or identity pool.");
    let keeper = tokens_for(&stack, KEEPER_USERNAME, "openid").await;
    let answer = identity(
        &stack,
        "GetCredentialsForIdentity",
        json!({"IdentityId": identity_id, "Logins": logins(&stack, keeper["id_token"].as_str().unwrap())}),
    )
    .await;
    assert_error(&answer, "NotAuthorizedException", "Logins don't match");
    let answer = identity(
        &stack,
        "GetCredentialsForIdentity",
        json!({"IdentityId": "us-east-1:11111111-2222-3333-4444-555555555555"}),
    )
    .await;
    assert_error(&answer, "ResourceNotFoundException", "not found");
    // Expired.
    stack.advance_clock(3601);
    let answer = get_id(logins(&stack, id)).await;
    assert_error(
        &answer,
        "NotAuthorizedException",
        "Invalid login token. Token expired",
    );
    // A missing member.
    let answer = identity(&stack, "GetId", json!({})).await;
    assert_error(&answer, "InvalidParameterException", "identityPoolId");
}
