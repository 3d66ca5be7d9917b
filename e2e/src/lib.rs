//! The end-to-end harness: serves the release `dist/` on a free loopback port, starts
//! ChromeDriver on another, and drives headless Chromium over WebDriver. Everything it starts
//! is stopped when the harness is dropped, also when a test fails (the driver runs in its own
//! process group, and the whole group is killed).

use dragons_emulator::config::StackConfig;
use dragons_emulator::{site, RunningServer, Stack};
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub use fantoccini;

/// How long to wait for something a person would see.
pub const WAIT: Duration = Duration::from_secs(10);

/// The built site: `$DRAGONS_DIST`, or `dist/` at the workspace root.
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("DRAGONS_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist"));
    assert!(
        dir.join("index.html").is_file(),
        "{} has no index.html: build the release site first (cargo xtask build), or run everything with cargo xtask test",
        dir.display()
    );
    dir
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A copy of the built site with the test hooks (`e2e/assets/e2e-hooks.js`: a shifted clock,
/// refused or hanging fetches, set from localStorage) loaded before the app. Keep the returned
/// directory alive while the site is served.
pub fn dist_with_test_hooks() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("a temporary site directory");
    let dist = dist_dir();
    for entry in std::fs::read_dir(&dist).expect("read dist/") {
        let path = entry.expect("a dist/ entry").path();
        if path.is_file() {
            let to = copy.path().join(path.file_name().unwrap_or_default());
            std::fs::copy(&path, to).expect("copy a dist/ file");
        }
    }
    let hooks = workspace_root().join("e2e/assets/e2e-hooks.js");
    std::fs::copy(hooks, copy.path().join("e2e-hooks.js")).expect("copy the test hooks");
    let index = copy.path().join("index.html");
    let html = std::fs::read_to_string(&index).expect("read index.html");
    let html = html.replacen(
        "<head>",
        "<head>\n    <script src=\"./e2e-hooks.js\"></script>",
        1,
    );
    std::fs::write(index, html).expect("write index.html");
    copy
}

/// Where tests save screenshots for the README.
pub fn screenshot_path(name: &str) -> PathBuf {
    workspace_root().join("docs/screenshots").join(name)
}

/// A ChromeDriver process in its own process group; dropping it kills the group, so no
/// Chromium is left behind even when a test panics before closing its session.
struct Driver {
    _group: Group,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        let program =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = free_port();
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {program} ({e}); install it with: cargo xtask setup")
            });
        let driver = Driver {
            _group: Group(child),
            port,
        };
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

/// A child started in its own process group; dropping it kills the whole group (the program
/// and everything it started), also when a test panics.
struct Group(Child);

impl Drop for Group {
    fn drop(&mut self) {
        let group = self.0.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals our child's own process group only.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// What serves the page: the static site alone, or the whole local stack with it (None while
/// a test has it stopped; its settings are kept to start it again), or `trunk serve` beside
/// the stack (the README's Develop path).
enum Backend {
    Site(RunningServer),
    Stack(Option<Stack>, Box<StackConfig>),
    TrunkServe(Stack, TrunkServe),
    /// Another harness's site, in a browser of its own (nothing to stop).
    Elsewhere,
}

/// `trunk serve` in its own process group, building into its own directory; dropping it kills
/// the group (Trunk and the cargo it runs).
pub struct TrunkServe {
    _group: Group,
    pub dist: tempfile::TempDir,
}

/// How long `trunk serve` may take to build the app in debug mode the first time.
pub const TRUNK_SERVE_BUILD: Duration = Duration::from_secs(600);

/// One test's world: the site on loopback and a fresh headless Chromium (fresh profile, so
/// no storage is shared between tests).
pub struct Harness {
    pub client: Client,
    backend: Backend,
    site_port: u16,
    // Dropped after the client: kills ChromeDriver and Chromium.
    _driver: Driver,
    _profile: tempfile::TempDir,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::serving(&dist_dir()).await
    }

    /// Serve `dist` (a built site) instead of the default.
    pub async fn serving(dist: &Path) -> Harness {
        let site = RunningServer::start(
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            site::router(dist),
        )
        .await
        .expect("bind the site on loopback");
        let port = site.addr().port();
        Harness::with_backend(Backend::Site(site), port).await
    }

    /// The release site served by the whole local stack on free ports, with a `config.json`
    /// pointing the app at it. `tweak` adjusts the stack's settings first.
    pub async fn with_stack(tweak: impl FnOnce(&mut StackConfig)) -> Harness {
        let site_port = free_port();
        let page = format!("http://localhost:{site_port}/");
        let mut config = StackConfig {
            site_port,
            auth_port: 0,
            idp_port: 0,
            api_port: 0,
            site_dir: Some(dist_dir()),
            site_config_from_stack: true,
            ..StackConfig::default()
        };
        config.client.callback_urls = vec![page.clone()];
        config.client.logout_urls = vec![page];
        tweak(&mut config);
        let stack = Stack::start(config.clone())
            .await
            .expect("the local stack starts");
        Harness::with_backend(Backend::Stack(Some(stack), Box::new(config)), site_port).await
    }

    /// As [`Harness::with_stack`], on fixed ports and with its signing keys in a file, so
    /// [`Harness::stop_stack`] and [`Harness::start_stack`] restart it as a person restarting
    /// `cargo xtask demo` would: same URLs, same keys, users and refresh tokens forgotten.
    pub async fn with_restartable_stack(
        keys: &Path,
        tweak: impl FnOnce(&mut StackConfig),
    ) -> Harness {
        let keys = keys.join("stack-keys.pem");
        Harness::with_stack(|c| {
            c.auth_port = free_port();
            c.idp_port = free_port();
            c.api_port = free_port();
            c.key_file = Some(keys);
            tweak(c);
        })
        .await
    }

    /// Stop every server of the local stack, the site included.
    pub async fn stop_stack(&mut self) {
        if let Backend::Stack(stack, _) = &mut self.backend {
            if let Some(stack) = stack.take() {
                stack.stop().await;
            }
        }
    }

    /// Start the local stack again with the settings it had (the same ports and key file).
    pub async fn start_stack(&mut self) {
        if let Backend::Stack(stack @ None, config) = &mut self.backend {
            let started = Instant::now();
            // The old listeners may take a moment to let go of the ports.
            loop {
                match Stack::start((**config).clone()).await {
                    Ok(s) => {
                        *stack = Some(s);
                        break;
                    }
                    Err(e) if started.elapsed() > WAIT => panic!("the stack restarts: {e}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        }
    }

    /// The README's Develop path: the local stack without its site (as `cargo run -p
    /// dragons-emulator` starts it) and `trunk serve` on a free port, with `config.json` naming
    /// the stack (the shipped one names its default ports; here they are free ones).
    pub async fn developing() -> Harness {
        let site_port = free_port();
        let page = format!("http://localhost:{site_port}/");
        let mut config = StackConfig {
            auth_port: 0,
            idp_port: 0,
            api_port: 0,
            site_dir: None,
            ..StackConfig::default()
        };
        config.client.callback_urls = vec![page.clone()];
        config.client.logout_urls = vec![page.clone()];
        let stack = Stack::start(config.clone())
            .await
            .expect("the local stack starts");
        let dist = tempfile::tempdir().expect("a directory for trunk serve");
        let child = Command::new("trunk")
            .args(["serve", "--offline", "--port"])
            .arg(site_port.to_string())
            .arg("--dist")
            .arg(dist.path())
            .current_dir(workspace_root())
            .env("TRUNK_OFFLINE", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start trunk ({e}); install it with: cargo xtask setup")
            });
        let serve = TrunkServe {
            _group: Group(child),
            dist,
        };
        // Built and served once index.html is in place.
        let deadline = Instant::now() + TRUNK_SERVE_BUILD;
        while !(serve.dist.path().join("index.html").is_file()
            && TcpStream::connect((Ipv4Addr::LOCALHOST, site_port)).is_ok())
        {
            assert!(
                Instant::now() < deadline,
                "trunk serve did not serve the app within {TRUNK_SERVE_BUILD:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let urls = stack.urls();
        let app_config = serde_json::json!({
            "authDomain": urls.auth,
            "issuer": urls.issuer,
            "clientId": config.client.client_id,
            "apiBaseUrl": urls.api,
        });
        std::fs::write(
            serve.dist.path().join("config.json"),
            app_config.to_string(),
        )
        .expect("write config.json beside the served app");
        Harness::with_backend(Backend::TrunkServe(stack, serve), site_port).await
    }

    /// A fresh headless Chromium (its own profile: no cache, no cookies) on this harness's
    /// site; the site and stack stay this harness's. For cold-start measurements.
    pub async fn fresh_browser(&self) -> Harness {
        Harness::with_backend(Backend::Elsewhere, self.site_port).await
    }

    /// The whole local stack serving a copy of the release site with the test hooks
    /// ([`dist_with_test_hooks`]). Keep the returned directory alive while the site is served.
    pub async fn with_hooked_stack() -> (Harness, tempfile::TempDir) {
        let site = dist_with_test_hooks();
        let dir = site.path().to_path_buf();
        let h = Harness::with_stack(|c| c.site_dir = Some(dir)).await;
        (h, site)
    }

    /// The local stack, for tests started `with_stack`.
    pub fn stack(&self) -> &Stack {
        match &self.backend {
            Backend::Elsewhere => panic!("this harness borrows another's site; ask that one"),
            Backend::TrunkServe(s, _) => s,
            Backend::Stack(Some(s), _) => s,
            Backend::Stack(None, _) => panic!("the stack is stopped"),
            Backend::Site(_) => {
                panic!("this harness serves the site only; use Harness::with_stack")
            }
        }
    }

    /// The Content-Security-Policy violations the site was sent so far (after a short wait,
    /// as browsers report asynchronously).
    pub async fn csp_violations(&self) -> Vec<String> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.stack().shared.store().csp_reports.clone()
    }

    async fn with_backend(backend: Backend, site_port: u16) -> Harness {
        let driver = Driver::start();
        let profile = tempfile::tempdir().expect("a temporary Chromium profile");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    "--window-size=1280,1000", "--hide-scrollbars",
                    // Headless Chromium still builds its omnibox popup (WebUI pages in a
                    // renderer of their own, preloaded) and updates it on every navigation:
                    // 6-18 ms of CPU per page load that no test looks at (the benchmark's
                    // timeline showed it). The names ChromeOS's own performance tests disable.
                    "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,PreloadTopChromeWebUI",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                // Downloads (the exported session) land in the profile, no prompt.
                "prefs": {
                    "download.default_directory": profile.path().join("downloads"),
                    "download.prompt_for_download": false,
                },
            }),
        );
        // The benchmark's timeline (e2e/tests/bench.rs): ChromeDriver records the browser's trace
        // events from the session's start, read back as its "performance" log. Few categories
        // (`BENCH_TIMELINE_CATEGORIES` chooses others), or its buffer fills before the callback.
        if std::env::var_os("BENCH_TIMELINE").is_some() {
            caps["goog:chromeOptions"]["perfLoggingPrefs"] = serde_json::json!({
                "enableNetwork": false,
                "enablePage": false,
                "traceCategories": std::env::var("BENCH_TIMELINE_CATEGORIES").unwrap_or_else(|_| "devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing,loading".into()),
            });
            caps.insert(
                "goog:loggingPrefs".into(),
                serde_json::json!({"performance": "ALL"}),
            );
        }
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a WebDriver session with headless Chromium");
        Harness {
            client,
            backend,
            site_port,
            _driver: driver,
            _profile: profile,
        }
    }

    /// `http://localhost:<port><path>` on the site (localhost, as a person would type it).
    pub fn url(&self, path: &str) -> String {
        format!("http://localhost:{}{path}", self.site_port)
    }

    pub async fn open(&self, path: &str) {
        self.client
            .goto(&self.url(path))
            .await
            .expect("navigate to the site");
    }

    /// Wait for an element with `data-testid=id` and return it.
    pub async fn by_testid(&self, id: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .unwrap_or_else(|e| panic!("no element [data-testid={id}] within {WAIT:?}: {e}"))
    }

    /// The text of the element with `data-testid=id`, once it is there.
    pub async fn text_of(&self, id: &str) -> String {
        self.by_testid(id)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("the text of [data-testid={id}]: {e}"))
    }

    /// Whether an element with `data-testid=id` is on the page now.
    pub async fn has_testid(&self, id: &str) -> bool {
        self.client
            .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
            .await
            .is_ok()
    }

    /// Wait until the text of `[data-testid=id]` satisfies `ok`; returns it.
    pub async fn text_becomes(&self, id: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(el) = self
                .client
                .find(Locator::Css(&format!("[data-testid=\"{id}\"]")))
                .await
            {
                last = el.text().await.unwrap_or_default();
                if ok(&last) {
                    return last;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("[data-testid={id}] never showed the expected text; last seen: {last:?}")
    }

    /// Wait until the address bar satisfies `ok`; returns it.
    pub async fn wait_for_url(&self, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self
                .client
                .current_url()
                .await
                .expect("the current URL")
                .to_string();
            if ok(&url) {
                return url;
            }
            assert!(Instant::now() < deadline, "stuck at {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait for the Hosted UI's login form (its user name field); panics with `why` if it
    /// does not show.
    pub async fn login_form(&self, why: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("input[name=username]"))
            .await
            .unwrap_or_else(|e| panic!("{why}: {e}"))
    }

    /// Fill and submit the Hosted UI's login form (the page must be showing it, or about to).
    pub async fn submit_login_form(&self, username: &str, password: &str) {
        let user = self.login_form("the Hosted UI's login form").await;
        user.clear().await.expect("clear the user name");
        user.send_keys(username).await.expect("type the user name");
        self.client
            .find(Locator::Css("input[name=password]"))
            .await
            .expect("the password field")
            .send_keys(password)
            .await
            .expect("type the password");
        self.client
            .find(Locator::Css("button[type=submit]"))
            .await
            .expect("the Sign in button")
            .click()
            .await
            .expect("submit");
    }

    /// From the app: click Sign in, sign in as `username` (demo password), and wait until the
    /// ID token is verified on screen. Returning as soon as the address bar is back raced the
    /// code exchange: a test reading the saved session then found none.
    pub async fn sign_in_as(&self, username: &str) {
        self.by_testid("sign-in")
            .await
            .click()
            .await
            .expect("click Sign in");
        self.submit_login_form(username, "Dragons-Demo-1").await;
        let site = self.url("/");
        self.wait_for_url(|u| u.starts_with(&site)).await;
        self.text_becomes("id-token-verdict", |t| t == "Verified")
            .await;
    }

    /// The text of the file the page downloaded as `name`, once it is complete.
    pub async fn downloaded(&self, name: &str) -> String {
        let path = self._profile.path().join("downloads").join(name);
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "no download {name} within {WAIT:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Run a script in the page and return its JSON result.
    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Run a script in the page that returns a string; "" if it returns anything else.
    pub async fn js_text(&self, script: &str) -> String {
        self.js(script)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Everything the page keeps in sessionStorage, localStorage and cookies, as JSON text.
    pub async fn storage_dump(&self) -> String {
        self.js_text(
            "return JSON.stringify({s: {...sessionStorage}, l: {...localStorage}, c: document.cookie})",
        )
        .await
    }

    /// Save a PNG of the viewport to docs/screenshots/<name>.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = screenshot_path(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create docs/screenshots");
        }
        std::fs::write(&path, png).expect("write the screenshot");
    }

    /// End the WebDriver session (closes Chromium) and stop the servers.
    pub async fn finish(self) {
        let Harness {
            client, backend, ..
        } = self;
        let _ = client.close().await;
        match backend {
            Backend::Site(site) => {
                let _ = site.stop().await;
            }
            Backend::Stack(Some(stack), _) => stack.stop().await,
            Backend::Stack(None, _) => {}
            Backend::TrunkServe(stack, serve) => {
                drop(serve);
                stack.stop().await;
            }
            Backend::Elsewhere => {}
        }
    }
}
