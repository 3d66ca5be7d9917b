//! `cargo xtask <task>`: the project's set-up, build, demo and test commands.
//!
//! Every task starts with `setup`, which installs what is missing (and only that), so a fresh
//! Debian machine gets from `git clone` to a running demo or a green test run with one command.

mod compress;
mod deploy;
mod e2e;
mod files;
mod hosting;
#[cfg(test)]
mod infra_tests;
mod loader;
mod minify;
mod names;
mod setup;
mod size;
mod split;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const USAGE: &str = "\
usage: cargo xtask <task>

  demo    set up, build the release site, start the local stack, print the URL (Ctrl-C stops)
  test    set up, then fmt, clippy, native tests (with cfn-lint on infra/template.yaml and
          deploy-site against moto's S3), browser tests, release build, end-to-end tests in
          Chromium, Firefox ESR and WebKit (with axe-core accessibility checks and the site
          loaded from moto's S3), and the size report; exits non-zero on any failure.
          DRAGONS_BROWSERS=chromium,firefox,webkit picks the engines (default: all three)
  setup   install or check the toolchain (wasm32 target, Trunk, wasm-bindgen, wasm-opt,
          esbuild and axe-core in .tools/node, Chromium + ChromeDriver, Firefox ESR +
          geckodriver, WebKitGTK's WebDriver + Xvfb, and in .tools/venv the AWS CLI, cfn-lint
          and moto); a second run takes about a second
  deploy  create or update the AWS stack (infra/template.yaml), build, upload behind CloudFront
          with config.json from the stack's outputs, invalidate; `deploy --help` for options
  deploy-site --bucket NAME [--prefix P] [--config FILE] [--dry-run]
          upload dist/ to a bucket you have, to be served straight from S3
  build   set up and build the release site into dist/
  size    print the size of dist/ (raw, gzip -9, brotli 11), the first download and the whole
          site; fails above 110 KB brotli for the first download or 180 KB for the whole site
  bench   set up, build, and time in headless Chromium against the local stack: the first
          visit to Sign in and the callback (cold and warm) to verified claims, on loopback
          and throttled to workshop Wi-Fi and slow 4G, beside a floor page (plain JS, same
          protocol work) and the old callback.html; prints figures. BENCH_COMPARE=<dist> adds
          another build of the app, BENCH_MARKS=1 prints each page's load step by step
          (e2e/tests/bench.rs lists more)";

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let rest: Vec<String> = std::env::args().skip(2).collect();
    let result = match task.as_str() {
        "deploy" => deploy::deploy(&rest),
        "deploy-site" => deploy::deploy_site(&rest),
        "setup" => setup::run(),
        "build" => setup::run().and_then(|()| build_site()),
        "demo" => demo(),
        "test" => test(),
        "size" => size::report(&root().join("dist")),
        "bench" => bench(),
        // Trunk's post_build hook (Trunk.toml): its staging directory and profile are in the
        // environment. One step, as Trunk runs the hooks of a stage at the same time: the loader
        // moves out of index.html, then (release builds) the wasm's import and export names are
        // shortened in it and its JS glue, the JS and CSS minified and the .br/.gz copies written.
        "post-build" => trunk_staging_dir().and_then(|dir| {
            loader::externalize(&dir)?;
            let profile = std::env::var("TRUNK_PROFILE").ok();
            if profile.as_deref() == Some("release") {
                split::split_site(&dir)?;
                names::shorten(&dir)?;
                minify::minify_site(&dir)?;
                split::hash_names(&dir)?;
            }
            compress::post_build(&dir, profile.as_deref())
        }),
        "externalize-loader" => trunk_staging_dir().and_then(|dir| loader::externalize(&dir)),
        "" | "help" | "--help" | "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(format!("unknown task `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask {task}: FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn trunk_staging_dir() -> Result<PathBuf, String> {
    std::env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| "run by Trunk's post_build hook, which sets TRUNK_STAGING_DIR".into())
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Print a step heading, run `cmd` in the workspace root, and fail with the command line.
pub fn run_step(title: &str, cmd: &mut Command) -> Result<Duration, String> {
    println!("\n==> {title}");
    let started = Instant::now();
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("{title}: could not start {:?}: {e}", cmd.get_program()))?;
    if status.success() {
        Ok(started.elapsed())
    } else {
        Err(format!(
            "{title} failed ({status}); rerun: {}",
            command_line(cmd)
        ))
    }
}

fn command_line(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn trunk_build() -> Command {
    let mut cmd = Command::new("trunk");
    cmd.args(["build", "--release", "--offline"])
        .env("TRUNK_OFFLINE", "true");
    cmd
}

fn build_site() -> Result<(), String> {
    run_step("trunk build --release (dist/)", &mut trunk_build()).map(|_| ())
}

fn demo() -> Result<(), String> {
    setup::run()?;
    build_site()?;
    run_step(
        "build the local stack",
        cargo().args(["build", "--quiet", "-p", "dragons-emulator"]),
    )?;
    println!("\n==> starting the local stack (Ctrl-C stops it)");
    let status = Command::new(root().join("target/debug/dragons-emulator"))
        .args(["--site-dir", "dist"])
        .current_dir(root())
        .status()
        .map_err(|e| format!("could not start the local stack: {e}"))?;
    // Ctrl-C reaches the stack too; it stops cleanly and so do we.
    if status.success() || status.code().is_none() {
        Ok(())
    } else {
        Err(format!("the local stack stopped with {status}"))
    }
}

fn bench() -> Result<(), String> {
    setup::run()?;
    build_site()?;
    run_step(
        "benchmark: callback -> verified claims",
        cargo()
            // Optimized, as benchmarks are: the local stack stands in for Cognito, and a debug
            // build of it (RS256 signing unoptimized) would be timed as part of the page.
            .args([
                "test",
                "--release",
                "-p",
                "dragons-e2e",
                "--test",
                "bench",
                "--",
                "--ignored",
                "--nocapture",
            ])
            .env("CHROMEDRIVER", setup::CHROMEDRIVER)
            .env("DRAGONS_DIST", root().join("dist")),
    )
    .map(|_| ())
}

/// The SPA's wasm-bindgen browser tests, run by the browser whose driver `driver_var` names.
fn browser_tests(driver_var: &str, driver: &Path, scratch: &Path) -> Command {
    let mut c = cargo();
    c.args([
        "test",
        "-p",
        "dragons-login",
        "--target",
        "wasm32-unknown-unknown",
    ])
    .env(driver_var, driver)
    // The drivers leave each session's profile (~60 MB for Chromium) in $TMPDIR: keep them
    // in one scratch folder that this run empties.
    .env("TMPDIR", scratch);
    c
}

/// The engines the end-to-end suite runs in: `$DRAGONS_BROWSERS` (comma separated), or all
/// three. An unknown name is an error, not a quietly smaller run.
fn engines_to_test() -> Result<Vec<&'static str>, String> {
    parse_engines(std::env::var("DRAGONS_BROWSERS").ok().as_deref())
}

fn parse_engines(list: Option<&str>) -> Result<Vec<&'static str>, String> {
    const ENGINES: [&str; 3] = ["chromium", "firefox", "webkit"];
    let Some(list) = list else {
        return Ok(ENGINES.to_vec());
    };
    let mut picked = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let engine = ENGINES
            .iter()
            .find(|e| e.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "DRAGONS_BROWSERS names `{name}`; the engines are chromium, firefox and webkit"
                )
            })?;
        if !picked.contains(engine) {
            picked.push(*engine);
        }
    }
    if picked.is_empty() {
        return Err("DRAGONS_BROWSERS is empty; name chromium, firefox and/or webkit (or unset it for all three)".into());
    }
    Ok(picked)
}

fn test() -> Result<(), String> {
    let started = Instant::now();
    let mut timings: Vec<(String, Duration)> = vec![("setup".to_owned(), {
        let t = Instant::now();
        setup::run()?;
        t.elapsed()
    })];
    let chromedriver = setup::CHROMEDRIVER;
    let browser_tmp = root().join("target").join("browser-tmp");
    let _ = std::fs::remove_dir_all(&browser_tmp);
    std::fs::create_dir_all(&browser_tmp).map_err(|e| format!("{}: {e}", browser_tmp.display()))?;
    let mut steps: Vec<(&str, Command)> = vec![
        ("cargo fmt --check", {
            let mut c = cargo();
            c.args(["fmt", "--all", "--", "--check"]);
            c
        }),
        ("cargo clippy (native, all targets)", {
            let mut c = cargo();
            c.args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]);
            c
        }),
        ("cargo clippy (wasm32, the SPA)", {
            let mut c = cargo();
            c.args([
                "clippy",
                "-p",
                "dragons-login",
                "--all-targets",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]);
            c
        }),
        // The release build's code differs: its split point (src/ui/later.rs) is a
        // wasm_split import and export only there.
        ("cargo clippy (wasm32 release, the split SPA)", {
            let mut c = cargo();
            c.args([
                "clippy",
                "-p",
                "dragons-login",
                "--release",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ]);
            c
        }),
        ("native tests (cargo test --workspace)", {
            let mut c = cargo();
            c.args(["test", "--workspace", "--exclude", "dragons-e2e"])
                // emulator/tests/aws_cli.rs and xtask/tests/deploy.rs run the CLI that setup
                // installed; xtask's tests also run cfn-lint and moto from .tools/venv.
                .env("DRAGONS_AWS_CLI", setup::aws_cli());
            c
        }),
        (
            "browser tests (wasm-bindgen-test in headless Chromium)",
            browser_tests("CHROMEDRIVER", Path::new(chromedriver), &browser_tmp),
        ),
    ];
    let engines = engines_to_test()?;
    if engines.contains(&"firefox") {
        // The same browser tests (WebCrypto RS256 on the real pools' tokens, storage, the
        // Settings panel) in Firefox: wasm-bindgen-test-runner drives it with geckodriver. (Its
        // runner has no WebKitGTK driver; WebKit runs the whole app end to end below.)
        steps.push((
            "browser tests (wasm-bindgen-test in headless Firefox)",
            browser_tests("GECKODRIVER", &setup::geckodriver_path(), &browser_tmp),
        ));
    }
    steps.push(("release build (trunk build --release)", trunk_build()));
    for (title, mut cmd) in steps {
        timings.push((title.to_owned(), run_step(title, &mut cmd)?));
    }
    // The end-to-end suite once per browser engine (DRAGONS_BROWSERS picks some for a local
    // run; the test command runs all three).
    let mut flaky = Vec::new();
    for engine in engines {
        let run = e2e::run(engine)?;
        timings.push((
            format!(
                "end-to-end tests in {engine}: {} passed, {} skipped here{}",
                run.passed,
                run.skipped,
                if run.flaky.is_empty() {
                    String::new()
                } else {
                    format!(", {} flaky", run.flaky.len())
                }
            ),
            run.took,
        ));
        flaky.extend(run.flaky.into_iter().map(|t| format!("{engine}: {t}")));
    }
    let _ = std::fs::remove_dir_all(&browser_tmp);
    let t = Instant::now();
    size::report(&root().join("dist"))?;
    timings.push(("size report".to_owned(), t.elapsed()));

    println!("\n==> all checks passed");
    for (title, took) in &timings {
        println!("  {:>7.1} s  {title}", took.as_secs_f64());
    }
    println!("  {:>7.1} s  in all", started.elapsed().as_secs_f64());
    if !flaky.is_empty() {
        println!(
            "\n  FLAKY (failed once, passed when run again on its own; fix these): {}",
            flaky.join(", ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_engines;

    #[test]
    fn the_engines_are_all_three_unless_named_and_a_stranger_is_refused() {
        assert_eq!(
            parse_engines(None).unwrap(),
            ["chromium", "firefox", "webkit"]
        );
        assert_eq!(
            parse_engines(Some(" WebKit,firefox,webkit ")).unwrap(),
            ["webkit", "firefox"]
        );
        let refused = parse_engines(Some("chromium,safari")).unwrap_err();
        assert!(refused.contains("`safari`"), "{refused}");
        assert!(parse_engines(Some(" , ")).is_err());
    }
}
