//! The end-to-end harness: serves the release `dist/` on a free loopback port, starts a
//! WebDriver server on another, and drives a browser over WebDriver: headless Chromium, headless
//! Firefox ESR or WebKitGTK's MiniBrowser on an Xvfb display, as `$DRAGONS_BROWSER` says
//! ([`Engine::current`]). Everything it starts is stopped when the harness is dropped, also when
//! a test fails (the driver runs in its own process group, and the whole group is killed).

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

/// The browser engines the suite drives: Debian's Chromium (ChromeDriver), Firefox ESR
/// (geckodriver) and WebKitGTK's MiniBrowser (WebKitWebDriver, on an Xvfb display).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    Webkit,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::Webkit];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
            Engine::Webkit => "webkit",
        }
    }

    pub fn parse(name: &str) -> Option<Engine> {
        Engine::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The engine this run drives: `$DRAGONS_BROWSER` (chromium, firefox or webkit; `cargo
    /// xtask test` runs the suite once per engine), Chromium when unset. An unknown name fails
    /// every test rather than quietly testing another engine.
    pub fn current() -> Engine {
        match std::env::var("DRAGONS_BROWSER") {
            Err(_) => Engine::Chromium,
            Ok(name) if name.trim().is_empty() => Engine::Chromium,
            Ok(name) => Engine::parse(&name).unwrap_or_else(|| {
                panic!("DRAGONS_BROWSER={name:?}: the engines are chromium, firefox and webkit")
            }),
        }
    }
}

/// Whether the test that calls it runs in this run's engine; when not, it says so and why (a
/// test skipped in an engine is never silent about it).
/// The skip is printed and added to `target/e2e-skipped/<engine>.txt` with the test's name,
/// which `cargo xtask test` prints after the engine's run.
pub fn runs_in(engines: &[Engine], why_not_elsewhere: &str) -> bool {
    let engine = Engine::current();
    let runs = engines.contains(&engine);
    if !runs {
        let test = std::thread::current().name().unwrap_or("a test").to_owned();
        eprintln!("{test} skipped in {}: {why_not_elsewhere}", engine.name());
        record(
            "e2e-skipped",
            engine,
            &format!("{test}: {why_not_elsewhere}"),
        );
    }
    runs
}

/// Add `line` to `target/<folder>/<engine>.txt`, which `cargo xtask test` prints after the
/// engine's run (cargo test shows a passing test's own output only with --nocapture).
fn record(folder: &str, engine: Engine, line: &str) {
    use std::io::Write;
    let dir = workspace_root().join("target").join(folder);
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{}.txt", engine.name())))
    {
        let _ = writeln!(file, "{line}");
    }
}

/// The program that speaks WebDriver for an engine: `$CHROMEDRIVER`, `$GECKODRIVER`,
/// `$WEBKIT_DRIVER`, or where `cargo xtask setup` puts it.
fn driver_program(engine: Engine) -> String {
    let (var, default) = match engine {
        Engine::Chromium => ("CHROMEDRIVER", "/usr/bin/chromedriver".to_owned()),
        // `cargo install` puts it in ~/.cargo/bin, on PATH; `cargo xtask test` names it.
        Engine::Firefox => ("GECKODRIVER", "geckodriver".to_owned()),
        Engine::Webkit => ("WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver".to_owned()),
    };
    std::env::var(var).unwrap_or(default)
}

/// A WebDriver server (ChromeDriver, geckodriver or WebKitWebDriver) in its own process group;
/// dropping it kills the group, so no browser is left behind even when a test panics before
/// closing its session. WebKit's comes with the Xvfb display it draws on.
struct Driver {
    _group: Group,
    _display: Option<Display>,
    port: u16,
}

/// An Xvfb server, killed when dropped, and the pipe it said its display number on (kept open:
/// a closed pipe would end it with SIGPIPE if it wrote again).
struct Display {
    _group: Group,
    _said: std::process::ChildStdout,
}

impl Driver {
    fn start(engine: Engine) -> Driver {
        let program = driver_program(engine);
        let port = free_port();
        let mut cmd = Command::new(&program);
        match engine {
            Engine::Chromium => {
                cmd.arg(format!("--port={port}"))
                    .arg("--allowed-ips=127.0.0.1");
            }
            Engine::Firefox => {
                cmd.args(["--host", "127.0.0.1", "--port"])
                    .arg(port.to_string());
            }
            Engine::Webkit => {
                cmd.args(["--host=127.0.0.1"]).arg(format!("--port={port}"));
            }
        }
        let display = (engine == Engine::Webkit).then(|| {
            let (display, number) = start_xvfb();
            cmd.env("DISPLAY", format!(":{number}"));
            display
        });
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {program} for {} ({e}); install it with: cargo xtask setup",
                    engine.name()
                )
            });
        let driver = Driver {
            _group: Group(child),
            _display: display,
            port,
        };
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{program} did not listen on port {port} within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

/// An Xvfb X server on a display number it picks itself (`-displayfd`: no race between tests
/// running at once); returns it with that number.
fn start_xvfb() -> (Display, String) {
    use std::io::BufRead;
    let program = std::env::var("XVFB").unwrap_or_else(|_| "/usr/bin/Xvfb".into());
    let mut child = Command::new(&program)
        .args(["-displayfd", "1", "-screen", "0", "1280x1000x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {program} ({e}), WebKit's display; install it with: cargo xtask setup")
        });
    let stdout = child.stdout.take().expect("Xvfb's stdout");
    let group = Group(child);
    let mut number = String::new();
    let mut reader = std::io::BufReader::new(stdout);
    reader
        .read_line(&mut number)
        .unwrap_or_else(|e| panic!("{program} did not say its display number: {e}"));
    let number = number.trim().to_owned();
    assert!(
        !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()),
        "{program} did not start (it printed {number:?} for its display number)"
    );
    (
        Display {
            _group: group,
            _said: reader.into_inner(),
        },
        number,
    )
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
    /// The browser engine this harness drives.
    pub engine: Engine,
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
            http_api_port: 0,
            site_dir: Some(dist_dir()),
            site_config_from_stack: true,
            ..StackConfig::default()
        };
        config.client.callback_urls = vec![page.clone()];
        config.client.logout_urls = vec![page];
        tweak(&mut config);
        // The site's port was free a moment ago; another program (a browser starting beside
        // this test) may have taken it since. Then another one, the page's URLs moved with it.
        let mut tries = 0;
        let stack = loop {
            match Stack::start(config.clone()).await {
                Ok(stack) => break stack,
                Err(e) if e.contains("in use") && tries < 5 => {
                    tries += 1;
                    // The stack's own fixed ports (a restartable stack's) move too: the page
                    // learns them from the stack's config.json.
                    for port in [
                        &mut config.auth_port,
                        &mut config.idp_port,
                        &mut config.api_port,
                        &mut config.http_api_port,
                    ] {
                        if *port != 0 {
                            *port = free_port();
                        }
                    }
                    let (old, new) = (config.site_port, free_port());
                    config.site_port = new;
                    for url in config
                        .client
                        .callback_urls
                        .iter_mut()
                        .chain(config.client.logout_urls.iter_mut())
                    {
                        *url =
                            url.replace(&format!("localhost:{old}/"), &format!("localhost:{new}/"));
                    }
                }
                Err(e) => panic!("the local stack starts: {e}"),
            }
        };
        let site_port = config.site_port;
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
            c.http_api_port = free_port();
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
            http_api_port: 0,
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
        let engine = Engine::current();
        let profile = tempfile::tempdir().expect("a temporary browser profile");
        let driver = Driver::start(engine);
        let caps = capabilities(engine, profile.path());
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "a WebDriver session with {} ({}): {e}",
                    engine.name(),
                    driver_program(engine)
                )
            });
        if engine != Engine::Chromium {
            // Chromium gets its size from --window-size; the others the same viewport here.
            client
                .set_window_size(1280, 1000)
                .await
                .expect("size the browser window");
        }
        Harness {
            client,
            engine,
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
        self.by_css(&format!("[data-testid=\"{id}\"]")).await
    }

    /// Wait for an element matching the CSS `selector` and return it, ready to be clicked.
    ///
    /// WebKitWebDriver does not scroll an element that is inside a `content-visibility: auto`
    /// section (stages 3 and 4) into view before a click, as WebDriver's click should: it
    /// answers "element not interactable" (Chromium and Firefox scroll). There the harness
    /// scrolls it into the middle of the window first, as a person scrolls to a button.
    pub async fn by_css(&self, selector: &str) -> fantoccini::elements::Element {
        let el = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no element {selector} within {WAIT:?}: {e}"));
        if self.engine == Engine::Webkit {
            let arg = serde_json::to_value(&el).expect("an element as a script argument");
            // Scrolled until it stays put (what is drawn after the first screen moves it).
            let _ = self
                .client
                .execute_async(
                    "const el = arguments[0], done = arguments[arguments.length - 1]; \
                     let last = null, rounds = 0; \
                     const settle = () => { \
                       el.scrollIntoView({block: 'center', inline: 'nearest'}); \
                       requestAnimationFrame(() => requestAnimationFrame(() => { \
                         const r = el.getBoundingClientRect(), at = r.top + ',' + r.left; \
                         if (at === last || ++rounds > 20) done(true); else { last = at; settle(); } \
                       })); \
                     }; \
                     settle();",
                    vec![arg],
                )
                .await;
        }
        el
    }

    /// Wait for an element with `data-testid=id` that can be used (not `disabled`) and return
    /// it. A click on a button still disabled does nothing: a slower engine found Sign in
    /// before the app had enabled it.
    pub async fn enabled(&self, id: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + WAIT;
        loop {
            let el = self.by_testid(id).await;
            if el.is_enabled().await.unwrap_or(false) {
                return el;
            }
            assert!(
                Instant::now() < deadline,
                "[data-testid={id}] stayed disabled for {WAIT:?} ({})",
                self.engine.name()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The text of the element with `data-testid=id`, once it is there. Found again if the
    /// page replaced it between finding and reading (Firefox's driver then answers "stale
    /// element"; Chromium's usually reads the old one).
    pub async fn text_of(&self, id: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.by_testid(id).await.text().await {
                Ok(text) => return text,
                Err(e) if Instant::now() < deadline && is_stale(&e) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("the text of [data-testid={id}]: {e}"),
            }
        }
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
        // Asked again until it is there: while the page is being left, WebKit's driver answers
        // a search with an error ("Callback was not called before the unload event").
        let deadline = Instant::now() + WAIT;
        let found = loop {
            match self.client.find(Locator::Css("input[name=username]")).await {
                Ok(form) => break Ok(form),
                Err(e) if Instant::now() >= deadline => break Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        match found {
            Ok(form) => form,
            Err(e) => {
                let url = self.client.current_url().await.map(|u| u.to_string());
                let text = self
                    .js_text("return document.body ? document.body.innerText.slice(0, 600) : ''")
                    .await;
                panic!(
                    "{why} ({}): {e}\nthe page is at {url:?} and shows: {text}",
                    self.engine.name()
                )
            }
        }
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
        self.enabled("sign-in")
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

    /// Wait until Cognito's `/logout` has sent the browser back to the app, at Sign in.
    pub async fn back_at_sign_in(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let url = self.client.current_url().await.unwrap().to_string();
            if url == self.url("/") && self.has_testid("sign-in").await {
                return;
            }
            assert!(Instant::now() < deadline, "stuck at {url}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The steps of a sequence diagram (`[data-testid=testid]`) as their buttons read:
    /// `This app → JWKS: GET /… · 200`.
    pub async fn diagram_steps(&self, testid: &str) -> Vec<String> {
        let script = format!(
            "return Array.from(document.querySelectorAll('[data-testid={testid}] ol.steps button')).map(b => b.textContent)"
        );
        serde_json::from_value(self.js(&script).await).expect("a list of steps")
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

    /// Set the test hooks' fetch rule (`{"<url part>": "refuse" | "hang" | "hold"}`, sites
    /// from [`dist_with_test_hooks`]) for this page's later fetches and later loads.
    pub async fn fetch_rules(&self, rules: serde_json::Value) {
        self.js(&format!(
            "localStorage.setItem('e2e.fetch', JSON.stringify({rules})); return true"
        ))
        .await;
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

    /// Check the page as it is now with axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA):
    /// a serious or critical violation fails the test, naming the rule, the elements and how
    /// to fix it; minor and moderate ones are printed. axe-core is injected through WebDriver
    /// (a script of the session, which the page's Content-Security-Policy does not apply to).
    pub async fn check_accessibility(&self, state: &str) {
        let report = self.axe(state).await;
        let mut serious = Vec::new();
        for v in report.as_array().into_iter().flatten() {
            let line = format!(
                "{} [{}]: {} — {} ({})",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|n| n.as_str().unwrap_or("").to_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
                v["summary"].as_str().unwrap_or("").replace('\n', " "),
            );
            match v["impact"].as_str() {
                Some("serious" | "critical") => serious.push(line),
                _ => self.note_minor_accessibility(&format!("{state}: {line}")),
            }
        }
        assert!(
            serious.is_empty(),
            "axe-core found serious or critical accessibility problems ({}, {state}):\n{}",
            self.engine.name(),
            serious.join("\n")
        );
    }

    /// A minor or moderate axe-core finding: printed (seen with `--nocapture` or when the test
    /// fails) and added to `target/accessibility/<engine>.txt`, which `cargo xtask test` prints
    /// after each engine's run.
    fn note_minor_accessibility(&self, line: &str) {
        eprintln!("axe ({}): {line}", self.engine.name());
        record("accessibility", self.engine, line);
    }

    /// The violations axe-core finds on the page now, as JSON: `[{id, impact, help, summary,
    /// nodes: [selector]}]`.
    async fn axe(&self, state: &str) -> serde_json::Value {
        let loaded = self.js("return typeof window.axe === 'object'").await;
        if loaded != serde_json::Value::Bool(true) {
            let source = axe_source();
            self.client
                .execute(&format!("{source}\n;return typeof window.axe;"), vec![])
                .await
                .unwrap_or_else(|e| panic!("injecting axe-core ({state}): {e}"));
        }
        let answer = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                window.axe.run(document, {
                    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
                    resultTypes: ['violations'],
                }).then(r => done(JSON.stringify(r.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    summary: v.nodes.length ? (v.nodes[0].failureSummary || '') : '',
                    nodes: v.nodes.slice(0, 8).map(n => n.target.join(' ')),
                }))))).catch(e => done('axe failed: ' + e));"#,
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("running axe-core ({state}): {e}"));
        let text = answer.as_str().unwrap_or_default();
        serde_json::from_str(text)
            .unwrap_or_else(|_| panic!("axe-core did not report ({state}): {answer}"))
    }

    /// Save a PNG of the viewport to docs/screenshots/<name>. The README shows Chromium's: the
    /// other engines take theirs (the command must work there too) and keep it in
    /// `target/screenshots/<engine>/` to look at.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let path = match self.engine {
            Engine::Chromium => screenshot_path(name),
            other => workspace_root()
                .join("target/screenshots")
                .join(other.name())
                .join(name),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the screenshots folder");
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

/// The WebDriver capabilities that start `engine` headless (or on Xvfb), with a fresh profile
/// in `profile` where the engine takes one, and downloads landing in `profile/downloads` without
/// a prompt.
fn capabilities(engine: Engine, profile: &Path) -> serde_json::Map<String, serde_json::Value> {
    let downloads = profile.join("downloads");
    // Chromium makes the folder itself; the MiniBrowser gives up on a download without it.
    std::fs::create_dir_all(&downloads).expect("a downloads folder in the profile");
    let mut caps = serde_json::Map::new();
    match engine {
        Engine::Chromium => {
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
                        format!("--user-data-dir={}", profile.display()),
                    ],
                    // Downloads (the exported session) land in the profile, no prompt.
                    "prefs": {
                        "download.default_directory": downloads,
                        "download.prompt_for_download": false,
                    },
                }),
            );
            // The benchmark's timeline (e2e/tests/bench.rs): ChromeDriver records the browser's
            // trace events from the session's start, read back as its "performance" log. Few
            // categories (`BENCH_TIMELINE_CATEGORIES` chooses others), or its buffer fills
            // before the callback.
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
        }
        Engine::Firefox => {
            caps.insert("browserName".into(), "firefox".into());
            caps.insert(
                "moz:firefoxOptions".into(),
                serde_json::json!({
                    "binary": std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()),
                    "args": ["-headless"],
                    "prefs": {
                        // Nothing reaches out from the closed network (each would wait or log).
                        "network.captive-portal-service.enabled": false,
                        "network.connectivity-service.enabled": false,
                        "browser.safebrowsing.malware.enabled": false,
                        "browser.safebrowsing.phishing.enabled": false,
                        "extensions.update.enabled": false,
                        "app.update.enabled": false,
                        "datareporting.policy.dataSubmissionEnabled": false,
                        "toolkit.telemetry.enabled": false,
                        // Downloads land in the profile's downloads folder, no prompt.
                        "browser.download.folderList": 2,
                        "browser.download.dir": downloads,
                        "browser.download.useDownloadDir": true,
                        "browser.download.always_ask_before_handling_new_types": false,
                        "browser.helperApps.neverAsk.saveToDisk": "application/json,text/plain,text/markdown,image/svg+xml,application/octet-stream",
                    },
                }),
            );
        }
        Engine::Webkit => {
            // The MiniBrowser saves a download in the XDG download folder, else in the home
            // folder, and WebKitWebDriver starts it with no way to set its environment: started
            // through env(1), both are the profile's, as the other engines are told where to
            // save in their capabilities.
            let config = profile.join("config");
            std::fs::create_dir_all(&config).expect("a config folder for the MiniBrowser");
            std::fs::write(
                config.join("user-dirs.dirs"),
                format!("XDG_DOWNLOAD_DIR=\"{}\"\n", downloads.display()),
            )
            .expect("write user-dirs.dirs");
            caps.insert("browserName".into(), "MiniBrowser".into());
            caps.insert(
                "webkitgtk:browserOptions".into(),
                serde_json::json!({
                    "binary": "/usr/bin/env",
                    "args": [
                        format!("HOME={}", profile.display()),
                        format!("XDG_CONFIG_HOME={}", config.display()),
                        minibrowser(),
                        "--automation",
                    ],
                }),
            );
        }
    }
    caps
}

/// WebKitGTK's MiniBrowser: `$MINIBROWSER`, or where Debian's packages put it.
fn minibrowser() -> String {
    if let Ok(path) = std::env::var("MINIBROWSER") {
        return path;
    }
    ["webkit2gtk-4.1", "webkit2gtk-4.0", "webkitgtk-6.0"]
        .iter()
        .flat_map(|api| {
            [
                format!("/usr/lib/x86_64-linux-gnu/{api}/MiniBrowser"),
                format!("/usr/lib/aarch64-linux-gnu/{api}/MiniBrowser"),
                format!("/usr/libexec/{api}/MiniBrowser"),
            ]
        })
        .find(|p| Path::new(p).is_file())
        .unwrap_or_else(|| {
            panic!("no WebKitGTK MiniBrowser found (Debian's webkit2gtk-driver brings it); install it with: cargo xtask setup, or name it in $MINIBROWSER")
        })
}

/// axe-core's browser bundle: `$DRAGONS_AXE`, or where `cargo xtask setup` installs it.
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var_os("DRAGONS_AXE")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                workspace_root().join(".tools/node/node_modules/axe-core/axe.min.js")
            });
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not at {} ({e}); install it with: cargo xtask setup",
                path.display()
            )
        })
    })
}

/// Whether WebDriver said the element is no longer in the page (it was replaced).
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    matches!(
        e,
        fantoccini::error::CmdError::Standard(w)
            if w.error == fantoccini::error::ErrorStatus::StaleElementReference
    )
}
