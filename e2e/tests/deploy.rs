//! The release site as `cargo xtask deploy-site` puts it on S3 (here moto's S3 server on
//! loopback, through the real AWS CLI): into a private bucket it fails and says how to make it
//! public, the printed commands run as they are do, and the site is loaded from there in the
//! browser: gzip bodies
//! with `Content-Encoding`, the `<meta>` Content-Security-Policy naming the uploaded
//! config.json's hosts and enforced, the app started under it through to the Sign in button,
//! from index.html and from its callback.html copy.

use dragons_e2e::fantoccini::Locator;
use dragons_e2e::{workspace_root, Harness, WAIT};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BUCKET: &str = "dragons-workshop-site";
const PREFIX: &str = "workshop/2026";
const CONFIG: &str = r#"{
  "authDomain": "https://dragons-test.auth.eu-west-1.amazoncognito.com",
  "issuer": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI",
  "clientId": "1example23456789abcdefghij",
  "redirectUri": "https://dragons-workshop-site.s3.amazonaws.com/workshop/2026/callback.html",
  "scopes": ["openid", "email", "profile"],
  "flow": "code",
  "apiBaseUrl": "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/test",
  "apiToken": "id"
}
"#;

/// A tool `cargo xtask setup` installs into .tools/venv, or a failure that says so.
fn venv_tool(name: &str) -> PathBuf {
    let path = workspace_root().join(".tools/venv/bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo xtask setup` (it installs the AWS CLI, cfn-lint and moto into .tools/venv)",
        path.display()
    );
    path
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
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
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
            home: tempfile::tempdir().expect("a scratch HOME"),
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

    /// What the AWS CLI gets: moto's endpoint, fake keys, a region, no config files.
    fn env(&self, cmd: &mut Command) {
        cmd.env("HOME", self.home.path())
            .env(
                "AWS_ENDPOINT_URL",
                format!("http://127.0.0.1:{}", self.port),
            )
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", self.home.path().join("no-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.home.path().join("no-credentials"),
            )
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_PROFILE");
    }

    fn run(&self, mut cmd: Command, what: &str) {
        self.env(&mut cmd);
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("{what}: cannot start ({e})"));
        assert!(
            out.status.success(),
            "{what} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Run `cmd` with the CLI's settings; whether it succeeded, and all it printed.
    fn output(&self, mut cmd: Command) -> (bool, String) {
        self.env(&mut cmd);
        let out = cmd.output().expect("start the command");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    fn aws(&self, args: &[&str]) {
        let cli = std::env::var_os("DRAGONS_AWS_CLI")
            .map(PathBuf::from)
            .unwrap_or_else(|| venv_tool("aws"));
        let mut cmd = Command::new(cli);
        cmd.args(args);
        self.run(cmd, &format!("aws {}", args.join(" ")));
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

/// The HTTP status of an anonymous GET of `path` on moto's S3 (as a visitor's browser asks).
fn status_of(port: u16, path: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect to moto");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("send the request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

/// `cargo xtask deploy-site …`: the binary `cargo xtask test` runs as (`$DRAGONS_XTASK`), else
/// through cargo.
fn xtask(args: &[&str]) -> Command {
    match std::env::var_os("DRAGONS_XTASK") {
        Some(bin) => {
            let mut cmd = Command::new(bin);
            cmd.args(args);
            cmd
        }
        None => {
            let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            cmd.args(["run", "--quiet", "--package", "xtask", "--"])
                .args(args)
                .current_dir(workspace_root());
            cmd
        }
    }
}

#[tokio::test]
async fn the_site_uploaded_for_straight_s3_runs_from_there_under_its_meta_policy() {
    let dist = dragons_e2e::dist_dir();
    let moto = Moto::start();
    // The person's bucket, private as every new bucket is.
    moto.aws(&["s3api", "create-bucket", "--bucket", BUCKET]);
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let config = scratch.path().join("workshop-config.json");
    std::fs::write(&config, CONFIG).expect("write the config");
    let config_arg = config.display().to_string();
    let dist_arg = dist.display().to_string();
    let deploy_site = || {
        xtask(&[
            "deploy-site",
            "--bucket",
            BUCKET,
            "--prefix",
            PREFIX,
            "--config",
            &config_arg,
            "--dist",
            &dist_arg,
        ])
    };
    // Uploaded, but a visitor would get 403: the command says so and fails, with the way out.
    let (ok, said) = moto.output(deploy_site());
    assert!(!ok, "deploy-site into a private bucket must fail:\n{said}");
    assert!(
        said.contains(&format!("the bucket {BUCKET} is private"))
            && said.contains("403 Forbidden")
            && said.contains("cargo xtask deploy"),
        "{said}"
    );
    let base = format!("http://localhost:{}/{BUCKET}/{PREFIX}", moto.port);
    assert_eq!(
        status_of(moto.port, &format!("/{BUCKET}/{PREFIX}/index.html")),
        403,
        "the files are there, private"
    );
    // The two commands it prints, run as a person pastes them, make the bucket public-read.
    let fixes: Vec<&str> = said
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("aws s3api put-"))
        .collect();
    assert_eq!(fixes.len(), 2, "two commands to copy: {said}");
    for fix in fixes {
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(fix).env(
            "PATH",
            format!(
                "{}:{}",
                venv_tool("aws").parent().unwrap().display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        moto.run(sh, fix);
    }
    let (ok, said) = moto.output(deploy_site());
    assert!(ok, "deploy-site into the public-read bucket:\n{said}");
    assert!(said.contains("the site is public"), "{said}");

    // The harness's own site server is not used: the browser goes to moto's S3.
    let h = Harness::start().await;
    for page in ["index.html", "callback.html"] {
        h.client
            .goto(&format!("{base}/{page}"))
            .await
            .expect("open the page on S3");
        h.by_testid("sign-in").await;
        let auth = h
            .text_becomes("auth-domain", |t| t.contains("amazoncognito.com"))
            .await;
        assert_eq!(
            auth, "https://dragons-test.auth.eu-west-1.amazoncognito.com",
            "{page}: the uploaded config.json is the one in force"
        );
        // The later part (its own wasm, fetched and compiled as it streams in: S3 must send
        // it as application/wasm, gzip-encoded) comes too.
        h.by_testid("get-dragons").await;
        h.by_testid("tokens-placeholder").await;
    }

    // The policy is in the page, names the config's hosts, and carries nothing a <meta> cannot.
    let csp = h
        .client
        .find(Locator::Css("meta[http-equiv=\"Content-Security-Policy\"]"))
        .await
        .expect("a <meta> Content-Security-Policy")
        .attr("content")
        .await
        .expect("its content")
        .unwrap_or_default();
    assert_eq!(
        csp,
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' https://dragons-test.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.amazonaws.com https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self' https://dragons-test.auth.eu-west-1.amazoncognito.com; object-src 'none'"
    );
    assert_eq!(
        h.js("return document.querySelectorAll('script:not([src])').length")
            .await,
        0,
        "no inline script"
    );

    // The stylesheet applied (style-src 'self'), and the wasm came gzip-encoded and was
    // decoded by the browser (fewer bytes on the wire than in memory).
    let boot = h.js("return getComputedStyle(document.body).margin").await;
    assert_eq!(boot, "0px", "main.css applied: {boot}");
    let wasm = h
        .js("const e = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm')); return e ? [e.encodedBodySize, e.decodedBodySize] : null")
        .await;
    let sizes: Vec<u64> = wasm
        .as_array()
        .expect("the wasm was fetched")
        .iter()
        .map(|v| v.as_u64().unwrap_or(0))
        .collect();
    assert!(
        sizes[0] > 0 && sizes[0] * 2 < sizes[1],
        "the wasm travelled gzip-compressed: {sizes:?} (encoded, decoded)"
    );

    // And the policy is enforced: a fetch to an origin it does not name is refused and reported.
    h.js("window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective)); fetch('http://127.0.0.1:9/steal').catch(() => {}); return 1")
        .await;
    let deadline = Instant::now() + WAIT;
    loop {
        let seen = h.js("return window.__violations").await;
        if seen
            .as_array()
            .is_some_and(|v| v.iter().any(|d| d.as_str() == Some("connect-src")))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no connect-src violation: {seen}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    h.finish().await;
}
