//! The dragons API behind `AWS_IAM` (issue 27): requests signed with Signature Version 4 by
//! awscurl (PyPI, which `cargo xtask setup` installs into `.tools/venv`: a signer nobody here
//! wrote) with credentials from the stack's identity pool; AWS's answers for the unsigned, the
//! bearer token, the wrong secret, the stale date, expired credentials and the guest's POST.

mod common;
use common::*;
use dragons_emulator::config::IDENTITY_POOL_ID;
use dragons_emulator::Stack;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

fn awscurl_path() -> PathBuf {
    let path = std::env::var_os("DRAGONS_AWSCURL")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools/venv/bin/awscurl")
        });
    assert!(
        path.is_file(),
        "awscurl is not installed at {}: run `cargo xtask setup` (it installs awscurl into .tools/venv), then rerun the tests",
        path.display()
    );
    path
}

struct Credentials {
    key: String,
    secret: String,
    token: String,
}

async fn identity(stack: &Stack, operation: &str, body: Value) -> Value {
    let r = http()
        .post(format!("{}/", stack.urls().idp))
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityService.{operation}"),
        )
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Credentials for the demo user (`signed_in`) or a guest, the enhanced flow.
async fn credentials(stack: &Stack, signed_in: bool) -> Credentials {
    let mut body = json!({"IdentityPoolId": IDENTITY_POOL_ID});
    if signed_in {
        let t = tokens(stack).await;
        let provider = stack.urls().issuer.trim_start_matches("http://").to_owned();
        body["Logins"] = json!({ provider: t["id_token"] });
    }
    let id = identity(stack, "GetId", body.clone()).await;
    let mut get = json!({"IdentityId": id["IdentityId"]});
    if let Some(logins) = body.get("Logins") {
        get["Logins"] = logins.clone();
    }
    let c = identity(stack, "GetCredentialsForIdentity", get).await["Credentials"].clone();
    Credentials {
        key: c["AccessKeyId"].as_str().unwrap().into(),
        secret: c["SecretKey"].as_str().unwrap().into(),
        token: c["SessionToken"].as_str().unwrap().into(),
    }
}

/// `awscurl --service execute-api` to the IAM stage: (exit ok, what it printed).
async fn awscurl(
    stack: &Stack,
    c: &Credentials,
    method: &str,
    body: Option<&Value>,
) -> (bool, String) {
    let url = format!(
        "{}/iam/dragons",
        stack
            .urls()
            .api
            .rsplit_once('/')
            .unwrap()
            .0
            .replace("localhost", "127.0.0.1")
    );
    let mut cmd = Command::new(awscurl_path());
    cmd.args([
        "--service",
        "execute-api",
        "--region",
        "us-east-1",
        "--fail-with-body",
    ])
    .args([
        "--access_key",
        &c.key,
        "--secret_key",
        &c.secret,
        "--session_token",
        &c.token,
    ])
    .args(["-X", method]);
    if let Some(body) = body {
        cmd.args([
            "-H",
            "Content-Type: application/json",
            "-d",
            &body.to_string(),
        ]);
    }
    cmd.arg(url)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir());
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("awscurl runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn dragon() -> Value {
    json!({
        "dragonName": "Signed", "description": "Came with SigV4", "family": "blue",
        "city": "Seattle", "country": "USA", "state": "WA", "neighborhood": "",
        "reportingPhoneNumber": "15555550100", "confirmationRequired": false
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_users_signed_calls_pass_and_a_wrong_secret_gets_the_servers_canonical_string()
{
    let stack = start().await;
    let c = credentials(&stack, true).await;
    let (ok, out) = awscurl(&stack, &c, "GET", None).await;
    assert!(ok, "{out}");
    let dragons: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(dragons.as_array().unwrap().len(), 12);
    let (ok, out) = awscurl(&stack, &c, "POST", Some(&dragon())).await;
    assert!(ok, "{out}");
    assert!(out.contains("executionArn"), "{out}");

    let wrong = Credentials {
        secret: format!("x{}", &c.secret[1..]),
        ..c
    };
    let (ok, out) = awscurl(&stack, &wrong, "GET", None).await;
    assert!(!ok);
    assert!(
        out.contains(
            "The request signature we calculated does not match the signature you provided."
        ) && out.contains("The Canonical String for this request should have been")
            && out.contains("GET\\n/iam/dragons\\n")
            && out.contains("The String-to-Sign should have been")
            && out.contains("AWS4-HMAC-SHA256"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_may_read_but_not_report() {
    let stack = start().await;
    let c = credentials(&stack, false).await;
    let (ok, out) = awscurl(&stack, &c, "GET", None).await;
    assert!(ok, "{out}");
    let (ok, out) = awscurl(&stack, &c, "POST", Some(&dragon())).await;
    assert!(!ok);
    let body: Value = serde_json::from_str(out.lines().next().unwrap_or("")).unwrap_or(Value::Null);
    let message = body["Message"].as_str().unwrap_or(&out).to_owned();
    assert!(
        message.starts_with("User: arn:aws:sts::123456789012:assumed-role/dragons-unauthenticated/CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:")
            && message.ends_with("/iam/POST/dragons"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_credentials_are_refused() {
    let mut config = test_config();
    config.identity_pool.credentials_seconds = 1;
    let stack = start_with(config).await;
    let c = credentials(&stack, true).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (ok, out) = awscurl(&stack, &c, "GET", None).await;
    assert!(!ok);
    assert!(
        out.contains("The security token included in the request is expired"),
        "{out}"
    );
}

#[tokio::test]
async fn unsigned_bearer_stale_and_unknown_requests_get_awss_403s() {
    let stack = start().await;
    let url = format!(
        "{}/iam/dragons",
        stack.urls().api.rsplit_once('/').unwrap().0
    );
    let send = |headers: Vec<(&'static str, String)>| {
        let mut req = http().get(&url);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            let kind = r
                .headers()
                .get("x-amzn-errortype")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, kind, r.json::<Value>().await.unwrap())
        }
    };
    let (status, kind, body) = send(vec![]).await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("MissingAuthenticationTokenException"))
    );
    assert_eq!(body, json!({"message": "Missing Authentication Token"}));

    let t = tokens(&stack).await;
    let id = t["id_token"].as_str().unwrap().to_owned();
    let (status, kind, body) = send(vec![("Authorization", id.clone())]).await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("IncompleteSignatureException"))
    );
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("Authorization header requires 'Credential' parameter."));
    let (_, _, body) = send(vec![("Authorization", format!("Bearer {id}"))]).await;
    assert!(body["message"]
        .as_str()
        .unwrap()
        .contains("not a valid key=value pair (missing equal-sign)"));

    let c = credentials(&stack, true).await;
    let shaped = |key: &str, date: &str| {
        format!("AWS4-HMAC-SHA256 Credential={key}/{}/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature={}", &date[..8], "0".repeat(64))
    };
    // Ten minutes ago.
    let stale = "20200101T000000Z";
    let (status, kind, body) = send(vec![
        ("Authorization", shaped(&c.key, stale)),
        ("X-Amz-Date", stale.into()),
        ("X-Amz-Security-Token", c.token.clone()),
    ])
    .await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("InvalidSignatureException"))
    );
    let m = body["message"].as_str().unwrap();
    assert!(
        m.starts_with("Signature expired: 20200101T000000Z is now earlier than ")
            && m.ends_with(" - 5 min.)"),
        "{m}"
    );
    // A key the pool never issued.
    let (status, kind, body) = send(vec![
        ("Authorization", shaped("ASIAUNKNOWNKEY000000", stale)),
        ("X-Amz-Date", stale.into()),
    ])
    .await;
    assert_eq!(
        (status, kind.as_deref()),
        (403, Some("UnrecognizedClientException"))
    );
    assert_eq!(
        body,
        json!({"message": "The security token included in the request is invalid."})
    );
    // Preflight: no signature needed, the SigV4 headers allowed.
    let r = http()
        .request(reqwest::Method::OPTIONS, &url)
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let allowed = r.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    for h in [
        "Authorization",
        "X-Amz-Date",
        "X-Amz-Security-Token",
        "Content-Type",
    ] {
        assert!(allowed.contains(h), "{allowed}");
    }
}
