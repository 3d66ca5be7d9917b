//! The Cognito user pools JSON API (`AWSCognitoIdentityProviderService`) on the issuer's
//! origin, at the HTTP level: AWS's request and answer shapes, its errors, the SigV4 rule for
//! admin operations, tokens like AWS's (no `at_hash`, no `nonce`), and one user store shared
//! with the Hosted UI.

mod common;

use common::*;
use dragons_emulator::config::{DEMO_PASSWORD, DEMO_USERNAME};
use serde_json::{json, Value};

fn assert_error(
    (status, error_type, body): &(u16, Option<String>, Value),
    kind: &str,
    message: &str,
) {
    assert_eq!(*status, 400, "{body}");
    assert_eq!(body["__type"], kind, "{body}");
    assert_eq!(error_type.as_deref(), Some(kind), "x-amzn-ErrorType");
    assert!(
        body["message"].as_str().unwrap_or("").contains(message),
        "{body} should say {message:?}"
    );
}

async fn create_user(stack: &dragons_emulator::Stack, username: &str, temporary: &str) -> Value {
    let (status, _, body) = idp(
        stack,
        "AdminCreateUser",
        json!({
            "UserPoolId": POOL,
            "Username": username,
            "TemporaryPassword": temporary,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [{ "Name": "email", "Value": format!("{username}@dragons.example") }],
        }),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn sign_up(
    stack: &dragons_emulator::Stack,
    username: &str,
    password: &str,
) -> (u16, Option<String>, Value) {
    idp(
        stack,
        "SignUp",
        json!({
            "ClientId": CLIENT,
            "Username": username,
            "Password": password,
            "UserAttributes": [{ "Name": "email", "Value": "squire@dragons.example" }],
        }),
        false,
    )
    .await
}

fn pending_code(stack: &dragons_emulator::Stack, username: &str) -> String {
    stack.shared.store().users[username]
        .pending_code
        .clone()
        .expect("a confirmation code")
}

#[tokio::test]
async fn admin_initiate_auth_returns_aws_shaped_tokens_without_at_hash_or_nonce() {
    let stack = start().await;
    for flow in ["ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"] {
        let r = http()
            .post(format!("{}/", stack.urls().idp))
            .header(
                "X-Amz-Target",
                "AWSCognitoIdentityProviderService.AdminInitiateAuth",
            )
            .header("Content-Type", "application/x-amz-json-1.1")
            .header("X-Amz-Date", SIGV4_DATE)
            .header(
                "Authorization",
                sigv4_authorization("us-east-1", "cognito-idp"),
            )
            .body(
                json!({
                    "UserPoolId": POOL,
                    "ClientId": CLIENT,
                    "AuthFlow": flow,
                    "AuthParameters": { "USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD },
                })
                .to_string(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{flow}");
        assert_eq!(r.headers()["content-type"], "application/x-amz-json-1.1");
        assert!(r.headers().contains_key("x-amzn-requestid"));
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["ChallengeParameters"], json!({}), "{body}");
        let result = &body["AuthenticationResult"];
        assert_eq!(result["TokenType"], "Bearer");
        assert_eq!(result["ExpiresIn"], 3600);
        assert!(result["RefreshToken"]
            .as_str()
            .is_some_and(|t| t.len() > 40));

        let (id_header, id) = decode(result["IdToken"].as_str().unwrap());
        let (access_header, access) = decode(result["AccessToken"].as_str().unwrap());
        assert!(id.get("at_hash").is_none(), "no at_hash from the API: {id}");
        assert!(id.get("nonce").is_none(), "no nonce from the API: {id}");
        assert_eq!(id["token_use"], "id");
        assert_eq!(id["aud"], CLIENT);
        assert_eq!(id["iss"], stack.urls().issuer.as_str());
        assert_eq!(id["cognito:username"], DEMO_USERNAME);
        assert_eq!(id["email"], "rider@dragons.example");
        assert_eq!(id["email_verified"], true);
        assert_eq!(id["cognito:groups"], json!(["riders"]));
        assert_eq!(id["name"], "Demo Rider");
        for claim in [
            "auth_time",
            "origin_jti",
            "event_id",
            "jti",
            "iat",
            "exp",
            "sub",
        ] {
            assert!(id.get(claim).is_some(), "ID token lacks {claim}: {id}");
            assert!(
                access.get(claim).is_some(),
                "access token lacks {claim}: {access}"
            );
        }
        assert_eq!(access["token_use"], "access");
        assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
        assert_eq!(access["username"], DEMO_USERNAME);
        assert_eq!(access["client_id"], CLIENT);
        assert!(access.get("aud").is_none());
        assert_eq!(id["origin_jti"], access["origin_jti"]);
        assert_eq!(id["event_id"], access["event_id"]);
        // Same keys as the Hosted UI's tokens: the JWKS has both kids.
        let jwks: Value = http()
            .get(format!("{}/.well-known/jwks.json", stack.urls().issuer))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kids: Vec<&Value> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| &k["kid"])
            .collect();
        assert!(kids.contains(&&id_header["kid"]) && kids.contains(&&access_header["kid"]));

        // The dragons API takes the ID token (raw, as curl sends it), not the access token.
        let r = api_get(&stack, "/dragons", result["IdToken"].as_str()).await;
        assert_eq!(r.status(), 200, "{flow}");
        let r = api_get(&stack, "/dragons", result["AccessToken"].as_str()).await;
        assert_eq!(r.status(), 401);
        let r = api_get(&stack, "/dragons", None).await;
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"message": "Unauthorized"})
        );
    }
}

#[tokio::test]
async fn errors_are_http_400_with_type_message_and_the_error_type_header() {
    let stack = start().await;
    let auth = |user: &str, password: &str| {
        json!({
            "UserPoolId": POOL,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": user, "PASSWORD": password },
        })
    };
    let r = idp(
        &stack,
        "AdminInitiateAuth",
        auth(DEMO_USERNAME, "wrong"),
        true,
    )
    .await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    assert_eq!(r.2["message"], "Incorrect username or password.");
    let r = idp(
        &stack,
        "AdminInitiateAuth",
        auth("nobody", "Whatever-1"),
        true,
    )
    .await;
    assert_error(&r, "UserNotFoundException", "User does not exist.");

    let mut wrong_pool = auth(DEMO_USERNAME, DEMO_PASSWORD);
    wrong_pool["UserPoolId"] = json!("us-east-1_NOTMINE");
    let r = idp(&stack, "AdminInitiateAuth", wrong_pool, true).await;
    assert_error(
        &r,
        "ResourceNotFoundException",
        "User pool us-east-1_NOTMINE does not exist.",
    );
    let mut wrong_client = auth(DEMO_USERNAME, DEMO_PASSWORD);
    wrong_client["ClientId"] = json!("nosuchclient");
    let r = idp(&stack, "AdminInitiateAuth", wrong_client, true).await;
    assert_error(
        &r,
        "ResourceNotFoundException",
        "User pool client nosuchclient does not exist.",
    );
    let r = idp(&stack, "AdminGetUser", json!({"UserPoolId": POOL}), true).await;
    assert_error(
        &r,
        "InvalidParameterException",
        "Value null at 'username' failed to satisfy constraint",
    );
    let mut no_password = auth(DEMO_USERNAME, "");
    no_password["AuthParameters"] = json!({ "USERNAME": DEMO_USERNAME });
    let r = idp(&stack, "AdminInitiateAuth", no_password, true).await;
    assert_error(
        &r,
        "InvalidParameterException",
        "Missing required parameter PASSWORD",
    );
    // InitiateAuth does not do the admin flow, and the other way round.
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_NO_SRP_AUTH",
            "AuthParameters": { "USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD },
        }),
        false,
    )
    .await;
    assert_error(
        &r,
        "InvalidParameterException",
        "Initiate Auth method not supported.",
    );

    let r = idp(&stack, "DeleteUserPool", json!({}), true).await;
    assert_eq!(r.0, 400);
    assert_eq!(r.2["__type"], "UnknownOperationException");
    let r = read_idp(
        http()
            .post(format!("{}/", stack.urls().idp))
            .header("X-Amz-Target", "AWSCognitoIdentityProviderService.SignUp")
            .body("not json")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.2["__type"], "SerializationException");
}

#[tokio::test]
async fn admin_operations_need_a_sigv4_signature_scoped_to_the_region_and_cognito_idp() {
    let stack = start().await;
    let body = json!({ "UserPoolId": POOL, "Username": DEMO_USERNAME });
    let send = |authorization: Option<String>, date: Option<&'static str>| {
        let stack = &stack;
        let body = body.clone();
        async move {
            let mut req = http()
                .post(format!("{}/", stack.urls().idp))
                .header(
                    "X-Amz-Target",
                    "AWSCognitoIdentityProviderService.AdminGetUser",
                )
                .header("Content-Type", "application/x-amz-json-1.1")
                .body(body.to_string());
            if let Some(a) = authorization {
                req = req.header("Authorization", a);
            }
            if let Some(d) = date {
                req = req.header("X-Amz-Date", d);
            }
            read_idp(req.send().await.unwrap()).await
        }
    };
    // Unsigned: AWS's answer for a request without credentials.
    let r = send(None, None).await;
    assert_error(
        &r,
        "MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    );
    // A token where a signature belongs (what a pasted ID token would give).
    let r = send(Some("Bearer eyJ.abc.def".into()), Some(SIGV4_DATE)).await;
    assert_error(
        &r,
        "IncompleteSignatureException",
        "'eyJ.abc.def' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer eyJ.abc.def'.",
    );
    // Parts missing, and no date.
    let r = send(
        Some(
            "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/cognito-idp/aws4_request".into(),
        ),
        None,
    )
    .await;
    assert_error(&r, "IncompleteSignatureException", "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    // Scoped to another region or service.
    let r = send(
        Some(sigv4_authorization("eu-west-1", "cognito-idp")),
        Some(SIGV4_DATE),
    )
    .await;
    assert_error(
        &r,
        "InvalidSignatureException",
        "Credential should be scoped to a valid region",
    );
    let r = send(
        Some(sigv4_authorization("us-east-1", "execute-api")),
        Some(SIGV4_DATE),
    )
    .await;
    assert_error(
        &r,
        "InvalidSignatureException",
        "Credential should be scoped to correct service: 'cognito-idp'.",
    );
    // The scope's date must be the request's.
    let r = send(
        Some(sigv4_authorization("us-east-1", "cognito-idp")),
        Some("20260102T000000Z"),
    )
    .await;
    assert_error(
        &r,
        "InvalidSignatureException",
        "Date in Credential scope does not match",
    );
    // A signature that cannot be one.
    let bad = sigv4_authorization("us-east-1", "cognito-idp").replace("0123456789abcdef0123", "zz");
    let r = send(Some(bad), Some(SIGV4_DATE)).await;
    assert_error(
        &r,
        "InvalidSignatureException",
        "The request signature we calculated does not match",
    );
    // Any key and any well-formed signature: accepted (the stack has no secrets to check).
    let (status, _, user) = send(
        Some(sigv4_authorization("us-east-1", "cognito-idp").replace("local/", "AKIAANYKEYATALL/")),
        Some(SIGV4_DATE),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["Username"], DEMO_USERNAME);

    // Public operations need no signature.
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD },
        }),
        false,
    )
    .await;
    assert_eq!(r.0, 200, "{}", r.2);
}

#[tokio::test]
async fn a_flow_the_client_does_not_allow_is_invalid_parameter() {
    let mut config = test_config();
    config.client.explicit_auth_flows = vec!["ALLOW_ADMIN_USER_PASSWORD_AUTH".into()];
    let stack = start_with(config).await;
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD },
        }),
        false,
    )
    .await;
    assert_error(
        &r,
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    );
    let tokens = api_sign_in(&stack, DEMO_USERNAME, DEMO_PASSWORD).await;
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": { "REFRESH_TOKEN": tokens["RefreshToken"] },
        }),
        false,
    )
    .await;
    assert_error(
        &r,
        "InvalidParameterException",
        "Auth flow not enabled for this client",
    );
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({ "ClientId": CLIENT, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": {} }),
        false,
    )
    .await;
    assert_error(
        &r,
        "InvalidParameterException",
        "Auth flow not enabled for this client",
    );

    let mut config = test_config();
    config.client.explicit_auth_flows = vec!["ALLOW_USER_PASSWORD_AUTH".into()];
    let stack = start_with(config).await;
    let r = idp(
        &stack,
        "AdminInitiateAuth",
        json!({
            "UserPoolId": POOL,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_NO_SRP_AUTH",
            "AuthParameters": { "USERNAME": DEMO_USERNAME, "PASSWORD": DEMO_PASSWORD },
        }),
        true,
    )
    .await;
    assert_error(
        &r,
        "InvalidParameterException",
        "Auth flow not enabled for this client",
    );
}

#[tokio::test]
async fn sign_up_confirm_sign_up_and_user_password_auth() {
    let stack = start().await;
    let r = sign_up(&stack, "squire", "short").await;
    assert_error(
        &r,
        "InvalidPasswordException",
        "Password did not conform with policy",
    );
    let (status, _, body) = sign_up(&stack, "squire", "Squire-Pass-3").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["UserConfirmed"], false);
    assert_eq!(body["UserSub"].as_str().unwrap().len(), 36, "a UUID");
    assert_eq!(
        body["CodeDeliveryDetails"],
        json!({"Destination": "s***@d***", "DeliveryMedium": "EMAIL", "AttributeName": "email"})
    );
    let r = sign_up(&stack, "squire", "Squire-Pass-3").await;
    assert_error(&r, "UsernameExistsException", "User already exists");
    let r = sign_up(&stack, DEMO_USERNAME, "Squire-Pass-3").await;
    assert_error(&r, "UsernameExistsException", "User already exists");

    let login = json!({
        "ClientId": CLIENT,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": "squire", "PASSWORD": "Squire-Pass-3" },
    });
    let r = idp(&stack, "InitiateAuth", login.clone(), false).await;
    assert_error(&r, "UserNotConfirmedException", "User is not confirmed.");

    let confirm =
        |code: &str| json!({ "ClientId": CLIENT, "Username": "squire", "ConfirmationCode": code });
    let r = idp(&stack, "ConfirmSignUp", confirm("000000x"), false).await;
    assert_error(
        &r,
        "CodeMismatchException",
        "Invalid verification code provided",
    );
    let code = pending_code(&stack, "squire");
    let (status, _, body) = idp(&stack, "ConfirmSignUp", confirm(&code), false).await;
    assert_eq!((status, body), (200, json!({})));
    let r = idp(&stack, "ConfirmSignUp", confirm(&code), false).await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    );
    let r = idp(
        &stack,
        "ConfirmSignUp",
        json!({ "ClientId": CLIENT, "Username": "nobody", "ConfirmationCode": "123456" }),
        false,
    )
    .await;
    assert_error(
        &r,
        "UserNotFoundException",
        "Username/client id combination not found.",
    );

    let (status, _, body) = idp(&stack, "InitiateAuth", login, false).await;
    assert_eq!(status, 200, "{body}");
    let (_, id) = decode(body["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "squire");
    assert_eq!(id["email_verified"], true, "the code went to the e-mail");
    assert!(id.get("cognito:groups").is_none());
}

#[tokio::test]
async fn admin_confirm_sign_up_and_a_user_without_email() {
    let stack = start().await;
    let (status, _, body) = idp(
        &stack,
        "SignUp",
        json!({ "ClientId": CLIENT, "Username": "bare", "Password": "Bare-Pass-4" }),
        false,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("CodeDeliveryDetails").is_none(),
        "no e-mail, no delivery"
    );
    let confirm = json!({ "UserPoolId": POOL, "Username": "bare" });
    let (status, _, body) = idp(&stack, "AdminConfirmSignUp", confirm.clone(), true).await;
    assert_eq!((status, body), (200, json!({})));
    let r = idp(&stack, "AdminConfirmSignUp", confirm, true).await;
    assert_error(&r, "NotAuthorizedException", "Current status is CONFIRMED");
    let r = idp(
        &stack,
        "AdminConfirmSignUp",
        json!({ "UserPoolId": POOL, "Username": "nobody" }),
        true,
    )
    .await;
    assert_error(&r, "UserNotFoundException", "User does not exist.");
    let tokens = api_sign_in(&stack, "bare", "Bare-Pass-4").await;
    let (_, id) = decode(tokens["IdToken"].as_str().unwrap());
    assert!(
        id.get("email").is_none() && id.get("email_verified").is_none(),
        "{id}"
    );
    let r = api_get(&stack, "/dragons", tokens["IdToken"].as_str()).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn admin_create_user_then_new_password_required_then_signed_in() {
    let stack = start().await;
    let body = create_user(&stack, "knight", "Temp-Pass-1").await;
    let user = &body["User"];
    assert_eq!(user["Username"], "knight");
    assert_eq!(user["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(user["Enabled"], true);
    assert!(
        user["UserCreateDate"].is_f64(),
        "epoch seconds with a fraction: {user}"
    );
    assert!(user["UserLastModifiedDate"].is_number());
    let attributes = user["Attributes"].as_array().unwrap();
    assert_eq!(attributes[0]["Name"], "sub");
    assert!(attributes.contains(&json!({"Name": "email", "Value": "knight@dragons.example"})));
    let r = idp(
        &stack,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "knight", "TemporaryPassword": "Temp-Pass-1" }),
        true,
    )
    .await;
    assert_error(&r, "UsernameExistsException", "User account already exists");
    let r = idp(
        &stack,
        "AdminCreateUser",
        json!({ "UserPoolId": POOL, "Username": "weak", "TemporaryPassword": "weak" }),
        true,
    )
    .await;
    assert_error(
        &r,
        "InvalidPasswordException",
        "Password did not conform with policy",
    );

    let (status, _, challenge) = idp(
        &stack,
        "AdminInitiateAuth",
        json!({
            "UserPoolId": POOL,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_NO_SRP_AUTH",
            "AuthParameters": { "USERNAME": "knight", "PASSWORD": "Temp-Pass-1" },
        }),
        true,
    )
    .await;
    assert_eq!(status, 200, "{challenge}");
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert!(challenge.get("AuthenticationResult").is_none());
    assert_eq!(
        challenge["ChallengeParameters"]["USER_ID_FOR_SRP"],
        "knight"
    );
    assert_eq!(challenge["ChallengeParameters"]["requiredAttributes"], "[]");
    let user_attributes: Value = serde_json::from_str(
        challenge["ChallengeParameters"]["userAttributes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(user_attributes["email"], "knight@dragons.example");
    let session = challenge["Session"].as_str().unwrap();
    assert!(session.len() >= 20);
    assert!(
        !session.starts_with('-'),
        "the CLI would take it for an option"
    );

    let respond = |session: &str, password: &str| {
        json!({
            "UserPoolId": POOL,
            "ClientId": CLIENT,
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "ChallengeResponses": { "USERNAME": "knight", "NEW_PASSWORD": password },
            "Session": session,
        })
    };
    let r = idp(
        &stack,
        "AdminRespondToAuthChallenge",
        respond("x".repeat(40).as_str(), "Knight-Pass-2"),
        true,
    )
    .await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Invalid session for the user.",
    );
    let r = idp(
        &stack,
        "AdminRespondToAuthChallenge",
        respond(session, "weak"),
        true,
    )
    .await;
    assert_error(
        &r,
        "InvalidPasswordException",
        "Password did not conform with policy",
    );
    let (status, _, body) = idp(
        &stack,
        "AdminRespondToAuthChallenge",
        respond(session, "Knight-Pass-2"),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ChallengeParameters"], json!({}));
    let id_token = body["AuthenticationResult"]["IdToken"].as_str().unwrap();
    assert!(decode(id_token).1.get("at_hash").is_none());
    assert_eq!(
        api_get(&stack, "/dragons", Some(id_token)).await.status(),
        200
    );
    // The session is used up; the temporary password is gone.
    let r = idp(
        &stack,
        "AdminRespondToAuthChallenge",
        respond(session, "Knight-Pass-2"),
        true,
    )
    .await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Invalid session for the user.",
    );
    let (_, _, got) = idp(
        &stack,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": "knight" }),
        true,
    )
    .await;
    assert_eq!(got["UserStatus"], "CONFIRMED");
    assert_eq!(got["Username"], "knight");
    assert!(got["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["Name"] == "sub"));
    let r = idp(
        &stack,
        "AdminInitiateAuth",
        json!({
            "UserPoolId": POOL,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": "knight", "PASSWORD": "Temp-Pass-1" },
        }),
        true,
    )
    .await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );

    // The public RespondToAuthChallenge does the same, and its session expires after 3 minutes.
    create_user(&stack, "page", "Temp-Pass-1").await;
    let (_, _, challenge) = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": "page", "PASSWORD": "Temp-Pass-1" },
        }),
        false,
    )
    .await;
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    stack.advance_clock(181);
    let r = idp(
        &stack,
        "RespondToAuthChallenge",
        json!({
            "ClientId": CLIENT,
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "ChallengeResponses": { "USERNAME": "page", "NEW_PASSWORD": "Page-Pass-2" },
            "Session": challenge["Session"],
        }),
        false,
    )
    .await;
    assert_error(&r, "NotAuthorizedException", "session is expired");
}

#[tokio::test]
async fn admin_set_user_password_is_permanent_or_temporary() {
    let stack = start().await;
    let set = |password: &str, permanent: bool| json!({ "UserPoolId": POOL, "Username": DEMO_USERNAME, "Password": password, "Permanent": permanent });
    let (status, _, body) = idp(
        &stack,
        "AdminSetUserPassword",
        set("Fresh-Pass-5", false),
        true,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let (_, _, got) = idp(
        &stack,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": DEMO_USERNAME }),
        true,
    )
    .await;
    assert_eq!(got["UserStatus"], "FORCE_CHANGE_PASSWORD");
    let (_, _, body) = idp(
        &stack,
        "AdminInitiateAuth",
        json!({
            "UserPoolId": POOL,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": DEMO_USERNAME, "PASSWORD": "Fresh-Pass-5" },
        }),
        true,
    )
    .await;
    assert_eq!(body["ChallengeName"], "NEW_PASSWORD_REQUIRED");

    let (status, _, _) = idp(
        &stack,
        "AdminSetUserPassword",
        set("Fresh-Pass-6", true),
        true,
    )
    .await;
    assert_eq!(status, 200);
    let (_, _, got) = idp(
        &stack,
        "AdminGetUser",
        json!({ "UserPoolId": POOL, "Username": DEMO_USERNAME }),
        true,
    )
    .await;
    assert_eq!(got["UserStatus"], "CONFIRMED");
    api_sign_in(&stack, DEMO_USERNAME, "Fresh-Pass-6").await;
    let r = idp(&stack, "AdminSetUserPassword", set("weak", true), true).await;
    assert_error(
        &r,
        "InvalidPasswordException",
        "Password did not conform with policy",
    );
    let r = idp(
        &stack,
        "AdminSetUserPassword",
        json!({ "UserPoolId": POOL, "Username": "nobody", "Password": "Fresh-Pass-6", "Permanent": true }),
        true,
    )
    .await;
    assert_error(&r, "UserNotFoundException", "User does not exist.");
}

#[tokio::test]
async fn list_users_filters_pages_and_picks_attributes() {
    let stack = start().await;
    for name in ["knight", "knave", "squire"] {
        create_user(&stack, name, "Temp-Pass-1").await;
    }
    let list = |body: Value| {
        let stack = &stack;
        async move {
            let (status, _, out) = idp(stack, "ListUsers", body, true).await;
            assert_eq!(status, 200, "{out}");
            out
        }
    };
    // AWS promises no order: compare sorted names.
    let names = |out: &Value| -> Vec<String> {
        let mut names: Vec<String> = out["Users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["Username"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let all = list(json!({ "UserPoolId": POOL })).await;
    assert_eq!(
        names(&all),
        ["dragonkeeper", "dragonrider", "knave", "knight", "squire"]
    );
    assert!(all.get("PaginationToken").is_none());
    let out = list(json!({ "UserPoolId": POOL, "Filter": "username ^= \"kn\"" })).await;
    assert_eq!(names(&out), ["knave", "knight"]);
    let out =
        list(json!({ "UserPoolId": POOL, "Filter": "email = \"rider@dragons.example\"" })).await;
    assert_eq!(names(&out), ["dragonrider"]);
    let out = list(
        json!({ "UserPoolId": POOL, "Filter": "cognito:user_status = \"FORCE_CHANGE_PASSWORD\"" }),
    )
    .await;
    assert_eq!(names(&out), ["knave", "knight", "squire"]);
    let page1 = list(json!({ "UserPoolId": POOL, "Limit": 3 })).await;
    assert_eq!(names(&page1).len(), 3);
    let page2 = list(
        json!({ "UserPoolId": POOL, "Limit": 3, "PaginationToken": page1["PaginationToken"] }),
    )
    .await;
    assert_eq!(names(&page2).len(), 2);
    assert!(page2.get("PaginationToken").is_none());
    let mut both = [names(&page1), names(&page2)].concat();
    both.sort();
    assert_eq!(both, names(&all), "the pages together are every user once");
    let out = list(json!({ "UserPoolId": POOL, "AttributesToGet": ["email"], "Filter": "username = \"knight\"" })).await;
    assert_eq!(
        out["Users"][0]["Attributes"],
        json!([{ "Name": "email", "Value": "knight@dragons.example" }])
    );
    let r = idp(
        &stack,
        "ListUsers",
        json!({ "UserPoolId": POOL, "Filter": "username === kn" }),
        true,
    )
    .await;
    assert_error(&r, "InvalidParameterException", "filter");
    let r = idp(
        &stack,
        "ListUsers",
        json!({ "UserPoolId": POOL, "Limit": 61 }),
        true,
    )
    .await;
    assert_error(&r, "InvalidParameterException", "less than or equal to 60");
}

#[tokio::test]
async fn refresh_token_auth_gives_new_tokens_but_no_new_refresh_token_and_keeps_auth_time() {
    let stack = start().await;
    let first = api_sign_in(&stack, DEMO_USERNAME, DEMO_PASSWORD).await;
    let (_, id0) = decode(first["IdToken"].as_str().unwrap());
    stack.advance_clock(120);
    for (operation, admin) in [("InitiateAuth", false), ("AdminInitiateAuth", true)] {
        let mut body = json!({
            "ClientId": CLIENT,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": { "REFRESH_TOKEN": first["RefreshToken"] },
        });
        if admin {
            body["UserPoolId"] = json!(POOL);
        }
        let (status, _, out) = idp(&stack, operation, body, admin).await;
        assert_eq!(status, 200, "{out}");
        let result = &out["AuthenticationResult"];
        assert!(
            result.get("RefreshToken").is_none(),
            "no rotation: keep the old one: {out}"
        );
        let (_, id1) = decode(result["IdToken"].as_str().unwrap());
        assert_eq!(id1["auth_time"], id0["auth_time"]);
        assert_eq!(id1["origin_jti"], id0["origin_jti"]);
        assert!(id1["iat"].as_i64() > id0["iat"].as_i64());
        assert!(id1.get("at_hash").is_none());
    }
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": { "REFRESH_TOKEN": "not-a-refresh-token" },
        }),
        false,
    )
    .await;
    assert_error(&r, "NotAuthorizedException", "Invalid Refresh Token");
    // The OAuth token endpoint takes the API's refresh token too (with at_hash there).
    let (status, body) = refresh_with(&stack, first["RefreshToken"].as_str().unwrap()).await;
    assert_eq!(status, 200, "{body}");
    let (_, id) = decode(body["id_token"].as_str().unwrap());
    assert_eq!(
        id["at_hash"],
        expected_at_hash(body["access_token"].as_str().unwrap()).as_str()
    );
}

#[tokio::test]
async fn with_rotation_refresh_token_auth_is_refused_and_get_tokens_from_refresh_token_rotates() {
    let mut config = test_config();
    config.client.refresh_token_rotation_grace_seconds = Some(0);
    let stack = start_with(config).await;
    let first = api_sign_in(&stack, DEMO_USERNAME, DEMO_PASSWORD).await;
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": { "REFRESH_TOKEN": first["RefreshToken"] },
        }),
        false,
    )
    .await;
    assert_error(&r, "InvalidParameterException", "GetTokensFromRefreshToken");
    let get = |token: &Value| json!({ "ClientId": CLIENT, "RefreshToken": token });
    let (status, _, out) = idp(
        &stack,
        "GetTokensFromRefreshToken",
        get(&first["RefreshToken"]),
        false,
    )
    .await;
    assert_eq!(status, 200, "{out}");
    let next = &out["AuthenticationResult"]["RefreshToken"];
    assert!(next.is_string() && *next != first["RefreshToken"], "{out}");
    assert!(out.get("ChallengeParameters").is_none());
    let r = idp(
        &stack,
        "GetTokensFromRefreshToken",
        get(&first["RefreshToken"]),
        false,
    )
    .await;
    assert_error(&r, "NotAuthorizedException", "Invalid Refresh Token");
    let (status, _, _) = idp(&stack, "GetTokensFromRefreshToken", get(next), false).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn get_user_global_sign_out_and_revoke_token() {
    let stack = start().await;
    let tokens = api_sign_in(&stack, DEMO_USERNAME, DEMO_PASSWORD).await;
    let access = tokens["AccessToken"].clone();
    let (status, _, user) = idp(&stack, "GetUser", json!({ "AccessToken": access }), false).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["Username"], DEMO_USERNAME);
    let attributes = user["UserAttributes"].as_array().unwrap();
    assert!(attributes.contains(&json!({"Name": "email_verified", "Value": "true"})));
    assert!(attributes.contains(&json!({"Name": "name", "Value": "Demo Rider"})));

    // Not an access token, or one without the admin scope (an OAuth one asked for openid only).
    let r = idp(
        &stack,
        "GetUser",
        json!({ "AccessToken": tokens["IdToken"] }),
        false,
    )
    .await;
    assert_error(&r, "NotAuthorizedException", "Invalid Access Token");
    let code = {
        let (loc, _) = login(&stack, &query(&[("scope", Some("openid"))])).await;
        param(&loc, "code").unwrap()
    };
    let (_, oauth) = exchange(&stack, &code, VERIFIER).await;
    let r = idp(
        &stack,
        "GetUser",
        json!({ "AccessToken": oauth["access_token"] }),
        false,
    )
    .await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Access Token does not have required scopes",
    );
    // The API's access token has no openid scope: userInfo refuses it, as AWS does.
    assert_eq!(
        user_info(&stack, access.as_str().unwrap()).await.status(),
        401
    );

    // RevokeToken: refresh tokens only; unknown ones are fine; a revoked one stops working.
    let r = idp(
        &stack,
        "RevokeToken",
        json!({ "ClientId": CLIENT, "Token": tokens["IdToken"] }),
        false,
    )
    .await;
    assert_error(&r, "UnsupportedTokenTypeException", "");
    let (status, _, body) = idp(
        &stack,
        "RevokeToken",
        json!({ "ClientId": CLIENT, "Token": "unknown" }),
        false,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let other = api_sign_in(&stack, DEMO_USERNAME, DEMO_PASSWORD).await;
    let (status, _, _) = idp(
        &stack,
        "RevokeToken",
        json!({ "ClientId": CLIENT, "Token": other["RefreshToken"] }),
        false,
    )
    .await;
    assert_eq!(status, 200);
    let r = idp(
        &stack,
        "GetUser",
        json!({ "AccessToken": other["AccessToken"] }),
        false,
    )
    .await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Access Token has been revoked",
    );
    let (status, _, _) = idp(&stack, "GetUser", json!({ "AccessToken": access }), false).await;
    assert_eq!(status, 200, "the other session is untouched");

    // GlobalSignOut: every session of the user ends at Cognito (the API still takes ID tokens).
    let (status, _, body) = idp(
        &stack,
        "GlobalSignOut",
        json!({ "AccessToken": access }),
        false,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let r = idp(&stack, "GetUser", json!({ "AccessToken": access }), false).await;
    assert_error(
        &r,
        "NotAuthorizedException",
        "Access Token has been revoked",
    );
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "REFRESH_TOKEN_AUTH",
            "AuthParameters": { "REFRESH_TOKEN": tokens["RefreshToken"] },
        }),
        false,
    )
    .await;
    assert_error(&r, "NotAuthorizedException", "Invalid Refresh Token");
    assert_eq!(
        api_get(&stack, "/dragons", tokens["IdToken"].as_str())
            .await
            .status(),
        200
    );

    let fresh = api_sign_in(&stack, DEMO_USERNAME, DEMO_PASSWORD).await;
    stack.advance_clock(3601);
    let r = idp(
        &stack,
        "GetUser",
        json!({ "AccessToken": fresh["AccessToken"] }),
        false,
    )
    .await;
    assert_error(&r, "NotAuthorizedException", "Access Token has expired");
}

#[tokio::test]
async fn users_are_shared_with_the_hosted_ui_both_ways() {
    let stack = start().await;
    // Signed up and confirmed through the API: signs in through the Hosted UI's form.
    let (status, _, _) = sign_up(&stack, "squire", "Squire-Pass-3").await;
    assert_eq!(status, 200);
    let r = submit_login(&stack, &query(&[]), "squire", "Squire-Pass-3").await;
    assert!(r.text().await.unwrap().contains("User is not confirmed."));
    let (status, _, _) = idp(
        &stack,
        "AdminConfirmSignUp",
        json!({ "UserPoolId": POOL, "Username": "squire" }),
        true,
    )
    .await;
    assert_eq!(status, 200);
    let r = submit_login(&stack, &query(&[]), "squire", "Squire-Pass-3").await;
    assert_eq!(r.status(), 302);
    let code = param(&location(r.headers()), "code").expect("a code");
    let (status, body) = exchange(&stack, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        decode(body["id_token"].as_str().unwrap()).1["cognito:username"],
        "squire"
    );

    // Signed up through the Hosted UI: signs in through the API.
    let q = query(&[]);
    let signup = format!("/signup?{q}");
    let r = post_form(
        &stack,
        &signup,
        &signup,
        &[
            ("username", "page"),
            ("email", "page@dragons.example"),
            ("password", "Page-Pass-7"),
        ],
    )
    .await;
    assert_eq!(r.status(), 302);
    let r = idp(
        &stack,
        "InitiateAuth",
        json!({
            "ClientId": CLIENT,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": "page", "PASSWORD": "Page-Pass-7" },
        }),
        false,
    )
    .await;
    assert_error(&r, "UserNotConfirmedException", "User is not confirmed.");
    let code = pending_code(&stack, "page");
    let (status, _, _) = idp(
        &stack,
        "ConfirmSignUp",
        json!({ "ClientId": CLIENT, "Username": "page", "ConfirmationCode": code }),
        false,
    )
    .await;
    assert_eq!(status, 200);
    api_sign_in(&stack, "page", "Page-Pass-7").await;
}

#[tokio::test]
async fn an_admin_created_user_changes_the_temporary_password_in_the_hosted_ui() {
    let stack = start().await;
    create_user(&stack, "knight", "Temp-Pass-1").await;
    let q = query(&[]);
    let r = submit_login(&stack, &q, "knight", "Temp-Pass-1").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("Change Password"), "{html}");
    let marker = "name=\"session\" value=\"";
    let start_at = html.find(marker).expect("a session field") + marker.len();
    let session = html[start_at..].split('"').next().unwrap().to_owned();
    let path = format!("/forceChangePassword?{q}");
    let login_page = format!("/login?{q}");
    let r = post_form(
        &stack,
        &login_page,
        &path,
        &[
            ("session", &session),
            ("password", "Knight-Pass-2"),
            ("confirm_password", "Knight-Pass-X"),
        ],
    )
    .await;
    assert!(r.text().await.unwrap().contains("Passwords do not match"));
    let r = post_form(
        &stack,
        &login_page,
        &path,
        &[
            ("session", &session),
            ("password", "Knight-Pass-2"),
            ("confirm_password", "Knight-Pass-2"),
        ],
    )
    .await;
    assert_eq!(r.status(), 302);
    let code = param(&location(r.headers()), "code").expect("a code");
    let (status, body) = exchange(&stack, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    // Now CONFIRMED with the new password, for the API too.
    api_sign_in(&stack, "knight", "Knight-Pass-2").await;
}

#[tokio::test]
async fn the_user_pools_api_is_open_to_browsers() {
    let stack = start().await;
    let r = http()
        .request(reqwest::Method::OPTIONS, format!("{}/", stack.urls().idp))
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,x-amz-target,x-amz-user-agent",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let r = http()
        .post(format!("{}/", stack.urls().idp))
        .header("Origin", "http://localhost:8080")
        .header("X-Amz-Target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(json!({ "ClientId": CLIENT, "AuthFlow": "USER_PASSWORD_AUTH", "AuthParameters": { "USERNAME": DEMO_USERNAME, "PASSWORD": "wrong" } }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-amzn-errortype"), "{exposed}");
}
