//! `cargo xtask deploy-site` run for real: the AWS CLI from `.tools/venv` uploading a small built
//! site to moto's S3 server on loopback, then every object read back over HTTP as a browser
//! would get it (body, Content-Type, Cache-Control, Content-Encoding). And `cargo xtask deploy`
//! driven against a stand-in AWS CLI that records what it is asked and answers like
//! CloudFormation, since no CloudFormation, Cognito or CloudFront can be reached from here.

use flate2::read::GzDecoder;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A tool `cargo xtask setup` installs into .tools/venv, or a failure that says so.
fn venv_tool(name: &str) -> PathBuf {
    let path = root().join(".tools/venv/bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask setup` (it installs the AWS CLI, cfn-lint and moto into .tools/venv)",
        path.display()
    );
    path
}

fn aws_cli() -> PathBuf {
    std::env::var_os("DRAGONS_AWS_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| venv_tool("aws"))
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// moto's server on a free loopback port, in its own process group, killed when dropped.
struct Moto {
    child: Child,
    port: u16,
    home: tempfile::TempDir,
}

impl Moto {
    fn start() -> Moto {
        let program = venv_tool("moto_server");
        let port = free_port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e})", program.display()));
        let moto = Moto {
            child,
            port,
            home: tempfile::tempdir().unwrap(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on 127.0.0.1:{port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment the AWS CLI gets: moto's endpoint, fake keys, a region, and no config
    /// or credentials files (an empty HOME, the file variables pointed nowhere).
    fn env(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("AWS_ENDPOINT_URL", self.endpoint())
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", self.home.path().join("no-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.home.path().join("no-credentials"),
            );
    }

    fn aws(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(aws_cli());
        self.env(&mut cmd);
        let out = cmd.args(args).output().expect("run the AWS CLI");
        assert!(
            out.status.success(),
            "aws {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn xtask(&self, args: &[&str], aws: Option<&Path>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
        self.env(&mut cmd);
        cmd.env(
            "DRAGONS_AWS_CLI",
            aws.map_or_else(aws_cli, Path::to_path_buf),
        );
        cmd.args(args).output().expect("run cargo xtask")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        // SAFETY: kill(2) with a negative pid signals our child's own process group only.
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

/// One GET over plain HTTP/1.1: status, headers (names lowercased), body.
fn http_get(port: u16, path: &str) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect to moto");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers, raw[split + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

const INDEX: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\" />\n    <meta name=\"referrer\" content=\"no-referrer\" />\n    <title>Dragons sign-in</title>\n    <link rel=\"stylesheet\" href=\"./main-3fedb268ee05593a.css\"/>\n<script type=\"module\" src=\"./loader-f9a52be02155279c.js\"></script>\n  </head>\n  <body><div id=\"boot\">Loading the app…</div></body>\n</html>\n";

const CONFIG: &str = r#"{
  "authDomain": "https://dragons-test.auth.eu-west-1.amazoncognito.com",
  "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
  "clientId": "1example23456789abcdefghij",
  "redirectUri": "https://dragons-site.s3.amazonaws.com/workshop/2026/callback.html",
  "apiBaseUrl": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/test"
}
"#;

/// A small built site as Trunk lays it out, with bodies big enough for gzip to matter.
fn built_site(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .copied()
        .chain((0..4000u32).map(|i| (i % 7) as u8))
        .collect();
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("index.html", INDEX.into()),
        ("config.json", b"{\"clientId\":\"shipped\"}\n".to_vec()),
        ("dragons-login-941bed98258b730e_bg.wasm", wasm),
        (
            "dragons-login-941bed98258b730e.js",
            "export function start() { return 42; }\n".repeat(40).into(),
        ),
        (
            "loader-f9a52be02155279c.js",
            b"import init from './dragons-login-941bed98258b730e.js';\nawait init();\n".to_vec(),
        ),
        (
            "main-3fedb268ee05593a.css",
            "body { margin: 0; color: #222; }\n".repeat(30).into(),
        ),
    ];
    for (name, body) in &files {
        std::fs::write(dir.join(name), body).unwrap();
    }
    files
}

const EXPECTED_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' https://dragons-test.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.amazonaws.com https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self' https://dragons-test.auth.eu-west-1.amazoncognito.com; object-src 'none'";

#[test]
fn deploy_site_puts_every_object_with_its_headers_into_s3() {
    let moto = Moto::start();
    moto.aws(&["s3api", "create-bucket", "--bucket", "dragons-site"]);
    // As the person's bucket would be: readable by anyone (a bucket policy, no ACLs).
    moto.aws(&[
        "s3api",
        "put-bucket-policy",
        "--bucket",
        "dragons-site",
        "--policy",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::dragons-site/*"}]}"#,
    ]);
    let dist = tempfile::tempdir().unwrap();
    let files = built_site(dist.path());
    let config = dist.path().join("workshop-config.json");
    std::fs::write(&config, CONFIG).unwrap();
    // The config file sits in dist/'s folder here; it must not be uploaded under its own name.
    let outside = tempfile::tempdir().unwrap();
    let config_outside = outside.path().join("config.json");
    std::fs::rename(&config, &config_outside).unwrap();

    // A dry run prints every command and runs none (the CLI it would run does not exist).
    let dry = moto.xtask(
        &[
            "deploy-site",
            "--bucket",
            "dragons-site",
            "--prefix",
            "workshop/2026",
            "--config",
            &config_outside.display().to_string(),
            "--dist",
            &dist.path().display().to_string(),
            "--dry-run",
        ],
        Some(Path::new("/nonexistent/aws")),
    );
    let dry_out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{dry_out}{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(dry_out.matches("  $ aws s3 cp ").count(), 7, "{dry_out}");
    assert!(!moto
        .aws(&["s3api", "list-objects-v2", "--bucket", "dragons-site"])
        .contains("Key"));

    let run = moto.xtask(
        &[
            "deploy-site",
            "--bucket",
            "dragons-site",
            "--prefix",
            "workshop/2026",
            "--config",
            &config_outside.display().to_string(),
            "--dist",
            &dist.path().display().to_string(),
        ],
        None,
    );
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "deploy-site failed:\n{out}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Every command printed before it ran, in the upload order: assets, config, pages last.
    let printed: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("  $ aws s3 cp "))
        .filter_map(|l| l.split(' ').nth(1))
        .collect();
    assert_eq!(
        printed,
        [
            "s3://dragons-site/workshop/2026/dragons-login-941bed98258b730e.js",
            "s3://dragons-site/workshop/2026/dragons-login-941bed98258b730e_bg.wasm",
            "s3://dragons-site/workshop/2026/loader-f9a52be02155279c.js",
            "s3://dragons-site/workshop/2026/main-3fedb268ee05593a.css",
            "s3://dragons-site/workshop/2026/config.json",
            "s3://dragons-site/workshop/2026/callback.html",
            "s3://dragons-site/workshop/2026/index.html",
        ]
    );
    assert!(out.contains(&format!(
        "{}/dragons-site/workshop/2026/index.html",
        moto.endpoint()
    )));

    let keys: serde_json::Value = serde_json::from_str(&moto.aws(&[
        "s3api",
        "list-objects-v2",
        "--bucket",
        "dragons-site",
        "--query",
        "Contents[].Key",
        "--output",
        "json",
    ]))
    .unwrap();
    let mut keys: Vec<&str> = keys
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "workshop/2026/callback.html",
            "workshop/2026/config.json",
            "workshop/2026/dragons-login-941bed98258b730e.js",
            "workshop/2026/dragons-login-941bed98258b730e_bg.wasm",
            "workshop/2026/index.html",
            "workshop/2026/loader-f9a52be02155279c.js",
            "workshop/2026/main-3fedb268ee05593a.css",
        ],
        "the site, callback.html beside it, nothing else"
    );

    let year = "public, max-age=31536000, immutable";
    let page = INDEX.replacen(
        "<meta charset=\"utf-8\" />",
        &format!("<meta charset=\"utf-8\" />\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{EXPECTED_CSP}\" />"),
        1,
    );
    let original = |name: &str| {
        files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.clone())
            .unwrap()
    };
    // (name, Content-Type, Cache-Control, Content-Encoding, the body once decoded)
    type Expected<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Vec<u8>);
    let expected: Vec<Expected> = vec![
        (
            "index.html",
            "text/html; charset=utf-8",
            "no-cache",
            Some("gzip"),
            page.clone().into(),
        ),
        (
            "callback.html",
            "text/html; charset=utf-8",
            "no-cache",
            Some("gzip"),
            page.into(),
        ),
        (
            "config.json",
            "application/json",
            "no-cache",
            None,
            CONFIG.into(),
        ),
        (
            "dragons-login-941bed98258b730e_bg.wasm",
            "application/wasm",
            year,
            Some("gzip"),
            original("dragons-login-941bed98258b730e_bg.wasm"),
        ),
        (
            "dragons-login-941bed98258b730e.js",
            "text/javascript",
            year,
            Some("gzip"),
            original("dragons-login-941bed98258b730e.js"),
        ),
        // Too small for gzip to help: stored as it is.
        (
            "loader-f9a52be02155279c.js",
            "text/javascript",
            year,
            None,
            original("loader-f9a52be02155279c.js"),
        ),
        (
            "main-3fedb268ee05593a.css",
            "text/css",
            year,
            Some("gzip"),
            original("main-3fedb268ee05593a.css"),
        ),
    ];
    for (name, content_type, cache, encoding, body) in expected {
        let (status, headers, raw) =
            http_get(moto.port, &format!("/dragons-site/workshop/2026/{name}"));
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            header(&headers, "content-type"),
            Some(content_type),
            "{name}"
        );
        assert_eq!(header(&headers, "cache-control"), Some(cache), "{name}");
        assert_eq!(header(&headers, "content-encoding"), encoding, "{name}");
        let decoded = if encoding.is_some() {
            assert!(raw.len() < body.len(), "{name}: the stored body is smaller");
            gunzip(&raw)
        } else {
            raw
        };
        assert_eq!(
            String::from_utf8_lossy(&decoded),
            String::from_utf8_lossy(&body),
            "{name}"
        );
    }
    // dist/ itself is left as built.
    assert_eq!(
        std::fs::read_to_string(dist.path().join("index.html")).unwrap(),
        INDEX
    );

    // A config.json the app would refuse is refused before anything is uploaded.
    std::fs::write(&config_outside, r#"{"clientID":"typo"}"#).unwrap();
    let refused = moto.xtask(
        &[
            "deploy-site",
            "--bucket",
            "dragons-site",
            "--prefix",
            "other",
            "--config",
            &config_outside.display().to_string(),
            "--dist",
            &dist.path().display().to_string(),
        ],
        None,
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("clientID"));
    assert!(!moto
        .aws(&[
            "s3api",
            "list-objects-v2",
            "--bucket",
            "dragons-site",
            "--prefix",
            "other"
        ])
        .contains("Key"));
}

/// A stand-in for the AWS CLI: logs each call, answers `describe-stacks` with outputs like the
/// template's, keeps what `s3 cp` uploads.
const FAKE_AWS: &str = r#"#!/bin/sh
printf '%s\n' "$*" >> "$FAKE_DIR/calls"
case "$1 $2" in
  "--version ") echo "aws-cli/1.46.3 fake" ;;
  "cloudformation describe-stacks") cat "$FAKE_DIR/outputs.json" ;;
  "s3 cp") mkdir -p "$FAKE_DIR/s3" && cp "$3" "$FAKE_DIR/s3/$(basename "$4")" ;;
esac
"#;

#[test]
fn deploy_runs_the_stack_then_uploads_with_its_outputs_then_invalidates() {
    let fake = tempfile::tempdir().unwrap();
    let aws = fake.path().join("aws");
    std::fs::write(&aws, FAKE_AWS).unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&aws)
        .status()
        .unwrap();
    let outputs = serde_json::json!([
        {"OutputKey": "AuthDomain", "OutputValue": "https://dragons-x.auth.eu-west-1.amazoncognito.com"},
        {"OutputKey": "Issuer", "OutputValue": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"},
        {"OutputKey": "ClientId", "OutputValue": "abcdefghij0123456789klmnop"},
        {"OutputKey": "RedirectUri", "OutputValue": "https://d111.cloudfront.net/"},
        {"OutputKey": "LogoutUri", "OutputValue": "https://d111.cloudfront.net/"},
        {"OutputKey": "Scopes", "OutputValue": "openid email profile dragons/read dragons/write"},
        {"OutputKey": "Flow", "OutputValue": "code"},
        {"OutputKey": "ApiBaseUrl", "OutputValue": "https://abc.execute-api.eu-west-1.amazonaws.com/test"},
        {"OutputKey": "HttpApiBaseUrl", "OutputValue": "https://h1j2k3.execute-api.eu-west-1.amazonaws.com"},
        {"OutputKey": "IamApiBaseUrl", "OutputValue": "https://i4m5n6.execute-api.eu-west-1.amazonaws.com/iam"},
        {"OutputKey": "IdentityPoolId", "OutputValue": "eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001"},
        {"OutputKey": "ApiToken", "OutputValue": "id"},
        {"OutputKey": "SiteUrl", "OutputValue": "https://d111.cloudfront.net/"},
        {"OutputKey": "SiteBucket", "OutputValue": "fake-stack-sitebucket-1"},
        {"OutputKey": "DistributionId", "OutputValue": "E2FAKE"},
        {"OutputKey": "RestApiId", "OutputValue": "abc"},
        {"OutputKey": "ApiStage", "OutputValue": "test"},
        {"OutputKey": "HttpApiId", "OutputValue": "h1j2k3"},
        {"OutputKey": "IamApiId", "OutputValue": "i4m5n6"},
        {"OutputKey": "IamApiStage", "OutputValue": "iam"},
        {"OutputKey": "UserPoolId", "OutputValue": "eu-west-1_AbC"},
        {"OutputKey": "CreateFirstUserCommand", "OutputValue": "aws cognito-idp admin-create-user ..."},
        {"OutputKey": "AddDragonKeeperCommand", "OutputValue": "aws cognito-idp admin-add-user-to-group ... --group-name dragon-keepers"}
    ]);
    std::fs::write(fake.path().join("outputs.json"), outputs.to_string()).unwrap();
    let dist = tempfile::tempdir().unwrap();
    built_site(dist.path());

    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "deploy",
            "--stack-name",
            "fake-stack",
            "--login-ui",
            "managed",
            "--keeper-scope-trigger",
            "true",
            "--dist",
            &dist.path().display().to_string(),
        ])
        .env("DRAGONS_AWS_CLI", &aws)
        .env("FAKE_DIR", fake.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = std::fs::read_to_string(fake.path().join("calls")).unwrap();
    let calls: Vec<&str> = calls.lines().filter(|l| *l != "--version").collect();
    let template = root().join("infra/template.yaml");
    assert_eq!(
        calls[0],
        format!("cloudformation deploy --template-file {} --stack-name fake-stack --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset --parameter-overrides LoginUi=managed KeeperScopeTrigger=true", template.display())
    );
    assert_eq!(
        calls[1],
        "cloudformation describe-stacks --stack-name fake-stack --query Stacks[0].Outputs --output json"
    );
    let uploads: Vec<&str> = calls[2..9]
        .iter()
        .map(|c| {
            assert!(c.starts_with("s3 cp "), "{c}");
            c.split(' ').nth(3).unwrap()
        })
        .collect();
    assert_eq!(
        uploads.last(),
        Some(&"s3://fake-stack-sitebucket-1/index.html")
    );
    assert!(calls[2..9]
        .iter()
        .any(|c| c.contains("_bg.wasm") && c.contains("--content-encoding gzip")));
    assert!(
        calls[2..9]
            .iter()
            .filter(|c| c.contains("--content-encoding"))
            .count()
            == 1,
        "CloudFront compresses the rest itself"
    );
    assert_eq!(
        &calls[9..],
        [
            "apigateway create-deployment --rest-api-id abc --stage-name test --description cargo xtask deploy",
            "apigateway create-deployment --rest-api-id i4m5n6 --stage-name iam --description cargo xtask deploy",
            "cloudfront create-invalidation --distribution-id E2FAKE --paths /*",
        ]
    );
    // Every command was printed before it ran.
    for call in &calls {
        let first = call.split(' ').take(2).collect::<Vec<_>>().join(" ");
        assert!(
            stdout.contains(&format!("  $ aws {first}")),
            "{call} not printed"
        );
    }
    // config.json from the outputs, the pages as built (CloudFront adds the headers).
    let config = std::fs::read_to_string(fake.path().join("s3/config.json")).unwrap();
    let config: serde_json::Value = serde_json::from_str(&config).unwrap();
    assert_eq!(config["clientId"], "abcdefghij0123456789klmnop");
    assert_eq!(
        config["scopes"],
        serde_json::json!([
            "openid",
            "email",
            "profile",
            "dragons/read",
            "dragons/write"
        ])
    );
    assert_eq!(
        config["apiBaseUrl"],
        "https://abc.execute-api.eu-west-1.amazonaws.com/test"
    );
    assert_eq!(
        config["httpApiBaseUrl"],
        "https://h1j2k3.execute-api.eu-west-1.amazonaws.com"
    );
    assert_eq!(
        config["iamApiBaseUrl"],
        "https://i4m5n6.execute-api.eu-west-1.amazonaws.com/iam"
    );
    assert_eq!(
        config["identityPoolId"],
        "eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001"
    );
    // Every field, in the app's order (src/config.rs's Field::ALL).
    let text = std::fs::read_to_string(fake.path().join("s3/config.json")).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"'))
        .filter_map(|l| l.split('"').next())
        .collect();
    assert_eq!(
        keys,
        [
            "authDomain",
            "issuer",
            "clientId",
            "redirectUri",
            "logoutUri",
            "scopes",
            "flow",
            "apiBaseUrl",
            "httpApiBaseUrl",
            "iamApiBaseUrl",
            "identityPoolId",
            "apiToken"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(fake.path().join("s3/index.html")).unwrap(),
        INDEX
    );
    assert_eq!(
        std::fs::read(fake.path().join("s3/callback.html")).unwrap(),
        INDEX.as_bytes()
    );
    assert!(stdout.contains("https://d111.cloudfront.net/"));
    assert!(stdout.contains("aws cognito-idp admin-create-user"));
    assert!(stdout.contains("--group-name dragon-keepers"));
}
