//! The workshop's command-line sessions, run with the real AWS CLI (awscli from PyPI, which
//! `cargo xtask setup` installs into `<workspace>/.tools/venv`) against the local stack on
//! free loopback ports: the tokens it prints work with the dragons API, the users it makes
//! sign in through the Hosted UI, and its errors are AWS's.
//!
//! No skipping: without the CLI these tests fail and say to run `cargo xtask setup` (which
//! `cargo xtask test` always runs first). `DRAGONS_AWS_CLI` may name another `aws` binary.

mod common;

use common::*;
use dragons_emulator::config::{DEMO_PASSWORD, DEMO_USERNAME};
use dragons_emulator::Stack;
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// `<workspace>/.tools/venv/bin/aws` (xtask's `setup::aws_cli()`), or `DRAGONS_AWS_CLI`.
fn aws_cli() -> PathBuf {
    let path = std::env::var_os("DRAGONS_AWS_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/aws")
        });
    assert!(
        path.is_file(),
        "the AWS CLI is not installed at {}: run `cargo xtask setup` (it installs awscli into .tools/venv), then rerun the tests",
        path.display()
    );
    path
}

/// What a CLI run printed.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        assert!(self.ok, "the CLI failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("the CLI printed no JSON ({e}): {}", self.stdout))
    }
}

/// `aws cognito-idp <args> --endpoint-url <the stack> --region us-east-1 --output json`, with
/// throw-away credentials and no configuration or metadata look-ups, off the async runtime
/// (the stack serves on it meanwhile).
async fn aws(stack: &Stack, args: &[&str]) -> Run {
    aws_service(stack, "cognito-idp", args).await
}

/// [`aws`] for another service on the same endpoint (`cognito-identity`).
async fn aws_service(stack: &Stack, service: &str, args: &[&str]) -> Run {
    let cli = aws_cli();
    let home = tempfile::tempdir().unwrap();
    let endpoint = stack.urls().idp.replace("localhost", "127.0.0.1");
    let mut cmd = Command::new(cli);
    cmd.arg(service)
        .args(args)
        .args([
            "--endpoint-url",
            &endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_CONFIG_FILE", home.path().join("no-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("no-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "");
    let output: Output = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("the AWS CLI runs");
    drop(home);
    Run {
        ok: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `curl <api>/dragons -H "Authorization: $ID_TOKEN"`, and without the header.
async fn dragons_take(stack: &Stack, id_token: &str) {
    let r = api_get(stack, "/dragons", Some(id_token)).await;
    assert_eq!(r.status(), 200);
    let dragons: Value = r.json().await.unwrap();
    assert!(dragons.as_array().is_some_and(|d| !d.is_empty()));
    let r = api_get(stack, "/dragons", None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        serde_json::json!({"message": "Unauthorized"})
    );
}

fn no_at_hash(id_token: &str) -> Value {
    let (_, claims) = decode(id_token);
    assert!(claims.get("at_hash").is_none(), "{claims}");
    assert!(claims.get("nonce").is_none(), "{claims}");
    assert_eq!(claims["token_use"], "id");
    claims
}

/// Sign in through the Hosted UI's login form and exchange the code.
async fn hosted_ui_sign_in(stack: &Stack, username: &str, password: &str) -> Value {
    let r = submit_login(stack, &query(&[]), username, password).await;
    assert_eq!(r.status(), 302, "the Hosted UI signs {username} in");
    let code = param(&location(r.headers()), "code").expect("a code");
    let (status, body) = exchange(stack, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn cli_admin_initiate_auth_admin_no_srp_auth_then_curl_with_the_id_token() {
    let stack = start().await;
    // The seeded (Hosted UI) user signs in from the command line.
    let auth_parameters = format!("USERNAME={DEMO_USERNAME},PASSWORD={DEMO_PASSWORD}");
    let out = aws(
        &stack,
        &[
            "admin-initiate-auth",
            "--user-pool-id",
            POOL,
            "--client-id",
            CLIENT,
            "--auth-flow",
            "ADMIN_NO_SRP_AUTH",
            "--auth-parameters",
            &auth_parameters,
        ],
    )
    .await
    .json();
    let result = &out["AuthenticationResult"];
    assert_eq!(result["TokenType"], "Bearer");
    assert_eq!(result["ExpiresIn"], 3600);
    assert!(result["RefreshToken"].is_string());
    let id_token = result["IdToken"].as_str().unwrap();
    let claims = no_at_hash(id_token);
    assert_eq!(claims["cognito:username"], DEMO_USERNAME);
    assert_eq!(claims["iss"], stack.urls().issuer.as_str());
    dragons_take(&stack, id_token).await;

    // initiate-auth with the refresh token (REFRESH_TOKEN_AUTH): new tokens, no new refresh token.
    let refresh = format!("REFRESH_TOKEN={}", result["RefreshToken"].as_str().unwrap());
    let out = aws(
        &stack,
        &[
            "initiate-auth",
            "--client-id",
            CLIENT,
            "--auth-flow",
            "REFRESH_TOKEN_AUTH",
            "--auth-parameters",
            &refresh,
        ],
    )
    .await
    .json();
    assert!(
        out["AuthenticationResult"].get("RefreshToken").is_none(),
        "{out}"
    );
    dragons_take(
        &stack,
        out["AuthenticationResult"]["IdToken"].as_str().unwrap(),
    )
    .await;

    // get-user with the access token.
    let out = aws(
        &stack,
        &[
            "get-user",
            "--access-token",
            result["AccessToken"].as_str().unwrap(),
        ],
    )
    .await
    .json();
    assert_eq!(out["Username"], DEMO_USERNAME);
}

#[tokio::test]
async fn cli_admin_create_user_then_new_password_required_with_admin_respond_to_auth_challenge() {
    let stack = start().await;
    let out = aws(
        &stack,
        &[
            "admin-create-user",
            "--user-pool-id",
            POOL,
            "--username",
            "knight",
            "--temporary-password",
            "Temp-Pass-1",
            "--message-action",
            "SUPPRESS",
            "--user-attributes",
            "Name=email,Value=knight@dragons.example",
        ],
    )
    .await
    .json();
    assert_eq!(out["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(out["User"]["Enabled"], true);

    let challenge = aws(
        &stack,
        &[
            "admin-initiate-auth",
            "--user-pool-id",
            POOL,
            "--client-id",
            CLIENT,
            "--auth-flow",
            "ADMIN_NO_SRP_AUTH",
            "--auth-parameters",
            "USERNAME=knight,PASSWORD=Temp-Pass-1",
        ],
    )
    .await
    .json();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let session = challenge["Session"].as_str().unwrap();

    let out = aws(
        &stack,
        &[
            "admin-respond-to-auth-challenge",
            "--user-pool-id",
            POOL,
            "--client-id",
            CLIENT,
            "--challenge-name",
            "NEW_PASSWORD_REQUIRED",
            "--challenge-responses",
            "USERNAME=knight,NEW_PASSWORD=Knight-Pass-2",
            "--session",
            session,
        ],
    )
    .await
    .json();
    let id_token = out["AuthenticationResult"]["IdToken"].as_str().unwrap();
    assert_eq!(no_at_hash(id_token)["cognito:username"], "knight");
    dragons_take(&stack, id_token).await;

    let out = aws(
        &stack,
        &[
            "admin-get-user",
            "--user-pool-id",
            POOL,
            "--username",
            "knight",
        ],
    )
    .await
    .json();
    assert_eq!(out["UserStatus"], "CONFIRMED");
    // The user the CLI made signs in through the Hosted UI with the new password.
    let tokens = hosted_ui_sign_in(&stack, "knight", "Knight-Pass-2").await;
    assert_eq!(
        decode(tokens["id_token"].as_str().unwrap()).1["cognito:username"],
        "knight"
    );
}

#[tokio::test]
async fn cli_sign_up_admin_confirm_sign_up_then_initiate_auth_user_password_auth() {
    let stack = start().await;
    let out = aws(
        &stack,
        &[
            "sign-up",
            "--client-id",
            CLIENT,
            "--username",
            "squire",
            "--password",
            "Squire-Pass-3",
        ],
    )
    .await
    .json();
    assert_eq!(out["UserConfirmed"], false);
    assert!(out["UserSub"].is_string());

    let confirm = aws(
        &stack,
        &[
            "admin-confirm-sign-up",
            "--user-pool-id",
            POOL,
            "--username",
            "squire",
        ],
    )
    .await;
    assert!(confirm.ok, "{}", confirm.stderr);
    assert!(
        confirm.stdout.trim().is_empty(),
        "no output: {}",
        confirm.stdout
    );

    let out = aws(
        &stack,
        &[
            "initiate-auth",
            "--client-id",
            CLIENT,
            "--auth-flow",
            "USER_PASSWORD_AUTH",
            "--auth-parameters",
            "USERNAME=squire,PASSWORD=Squire-Pass-3",
        ],
    )
    .await
    .json();
    let id_token = out["AuthenticationResult"]["IdToken"].as_str().unwrap();
    assert_eq!(no_at_hash(id_token)["cognito:username"], "squire");
    dragons_take(&stack, id_token).await;

    // list-users sees it; the Hosted UI signs it in.
    let out = aws(
        &stack,
        &[
            "list-users",
            "--user-pool-id",
            POOL,
            "--filter",
            "username = \"squire\"",
        ],
    )
    .await
    .json();
    assert_eq!(out["Users"][0]["UserStatus"], "CONFIRMED");
    hosted_ui_sign_in(&stack, "squire", "Squire-Pass-3").await;
}

#[tokio::test]
async fn cli_errors_exit_non_zero_with_aws_exception_names() {
    let stack = start().await;
    let admin_auth = |password: &str| {
        vec![
            "admin-initiate-auth".to_owned(),
            "--user-pool-id".into(),
            POOL.into(),
            "--client-id".into(),
            CLIENT.into(),
            "--auth-flow".into(),
            "ADMIN_NO_SRP_AUTH".into(),
            "--auth-parameters".into(),
            format!("USERNAME={DEMO_USERNAME},PASSWORD={password}"),
        ]
    };
    let args = admin_auth("wrong-password");
    let run = aws(&stack, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("NotAuthorizedException")
            && run.stderr.contains("Incorrect username or password."),
        "{}",
        run.stderr
    );
    // Unsigned admin call (`--no-sign-request`): AWS's missing-signature error.
    let mut args = admin_auth(DEMO_PASSWORD);
    args.push("--no-sign-request".into());
    let run = aws(&stack, &args.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("MissingAuthenticationTokenException"),
        "{}",
        run.stderr
    );
    // A pool that is not there.
    let run = aws(
        &stack,
        &[
            "admin-get-user",
            "--user-pool-id",
            "us-east-1_NOTMINE",
            "--username",
            "x",
        ],
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("ResourceNotFoundException"),
        "{}",
        run.stderr
    );
    // Sign-up with a taken name.
    let run = aws(
        &stack,
        &[
            "sign-up",
            "--client-id",
            CLIENT,
            "--username",
            DEMO_USERNAME,
            "--password",
            "Another-Pass-1",
        ],
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("UsernameExistsException"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn cli_a_flow_the_client_does_not_allow_is_invalid_parameter() {
    let mut config = test_config();
    config.client.explicit_auth_flows = vec!["ALLOW_REFRESH_TOKEN_AUTH".into()];
    let stack = start_with(config).await;
    let auth_parameters = format!("USERNAME={DEMO_USERNAME},PASSWORD={DEMO_PASSWORD}");
    let run = aws(
        &stack,
        &[
            "admin-initiate-auth",
            "--user-pool-id",
            POOL,
            "--client-id",
            CLIENT,
            "--auth-flow",
            "ADMIN_NO_SRP_AUTH",
            "--auth-parameters",
            &auth_parameters,
        ],
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("InvalidParameterException")
            && run.stderr.contains("Auth flow not enabled for this client"),
        "{}",
        run.stderr
    );
    let run = aws(
        &stack,
        &[
            "initiate-auth",
            "--client-id",
            CLIENT,
            "--auth-flow",
            "USER_PASSWORD_AUTH",
            "--auth-parameters",
            &auth_parameters,
        ],
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("InvalidParameterException")
            && run
                .stderr
                .contains("USER_PASSWORD_AUTH flow not enabled for this client"),
        "{}",
        run.stderr
    );
}

/// The identity pool half of the workshop: `aws cognito-identity get-id` with the ID token of a
/// code-flow sign-in in `--logins`, then `get-credentials-for-identity`; an access token refused.
#[tokio::test]
async fn cli_cognito_identity_gets_an_identity_and_credentials_for_the_id_token() {
    let stack = start().await;
    let t = tokens(&stack).await;
    let provider = stack.urls().issuer.trim_start_matches("http://").to_owned();
    let id_login = format!("{provider}={}", t["id_token"].as_str().unwrap());
    let pool = dragons_emulator::config::IDENTITY_POOL_ID;
    let out = aws_service(
        &stack,
        "cognito-identity",
        &["get-id", "--identity-pool-id", pool, "--logins", &id_login],
    )
    .await
    .json();
    let identity_id = out["IdentityId"].as_str().unwrap().to_owned();
    assert!(identity_id.starts_with("us-east-1:"), "{out}");
    let out = aws_service(
        &stack,
        "cognito-identity",
        &[
            "get-credentials-for-identity",
            "--identity-id",
            &identity_id,
            "--logins",
            &id_login,
        ],
    )
    .await
    .json();
    let credentials = &out["Credentials"];
    assert!(
        credentials["AccessKeyId"]
            .as_str()
            .unwrap()
            .starts_with("ASIA"),
        "{out}"
    );
    // awscli 1 prints a timestamp as it came (cli_timestamp_format "none"): epoch seconds,
    // an hour on.
    let issued_at = decode(t["id_token"].as_str().unwrap()).1["iat"]
        .as_i64()
        .unwrap();
    let expiration = credentials["Expiration"].as_f64().expect("epoch seconds") as i64;
    assert!((expiration - issued_at - 3600).abs() < 10, "{out}");
    // Guests, with the CLI's own unsigned calls.
    let out = aws_service(
        &stack,
        "cognito-identity",
        &["get-id", "--identity-pool-id", pool, "--no-sign-request"],
    )
    .await
    .json();
    assert!(out["IdentityId"]
        .as_str()
        .unwrap()
        .starts_with("us-east-1:"));
    // The access token in Logins: AWS's error, as the CLI prints it.
    let access_login = format!("{provider}={}", t["access_token"].as_str().unwrap());
    let run = aws_service(
        &stack,
        "cognito-identity",
        &[
            "get-id",
            "--identity-pool-id",
            pool,
            "--logins",
            &access_login,
        ],
    )
    .await;
    assert!(!run.ok);
    assert!(
        run.stderr.contains("(NotAuthorizedException)")
            && run.stderr.contains("Missing a required claim: aud"),
        "{}",
        run.stderr
    );
}
