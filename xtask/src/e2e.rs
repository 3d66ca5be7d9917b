//! The end-to-end suite in one browser engine, as `cargo xtask test` runs it: `cargo test -p
//! dragons-e2e` with `DRAGONS_BROWSER` set, its output shown as it comes and read for the
//! result. A test that fails is run once more on its own; if it passes then, the run goes on and
//! the summary names it as flaky (so it is seen and fixed, not hidden); if it fails again, the
//! step fails. Afterwards, axe-core's minor and moderate findings in that engine are printed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one engine's run came to.
pub struct EngineRun {
    pub took: Duration,
    /// Tests that passed (on the first run or the retry).
    pub passed: usize,
    /// Tests skipped in this engine (each says why in the output).
    pub skipped: usize,
    /// Each test that failed once and then passed.
    pub flaky: Vec<String>,
}

/// A cargo test command for the suite in `engine`, with what the tests need.
fn suite(engine: &str) -> Command {
    let mut c = crate::cargo();
    c.args(["test", "-p", "dragons-e2e"])
        .env("DRAGONS_BROWSER", engine)
        .env("CHROMEDRIVER", crate::setup::CHROMEDRIVER)
        .env("GECKODRIVER", crate::setup::geckodriver_path())
        .env("DRAGONS_DIST", crate::root().join("dist"))
        // e2e/tests/deploy.rs uploads with `deploy-site` (this binary) through the CLI.
        .env("DRAGONS_AWS_CLI", crate::setup::aws_cli())
        // The accessibility checks inject the axe-core that setup installed.
        .env("DRAGONS_AXE", crate::setup::axe_core())
        .current_dir(crate::root());
    // This binary, unless a build since it started replaced it (the path then names a
    // deleted file): the one cargo built in its place.
    let me = std::env::current_exe()
        .ok()
        .filter(|p| p.is_file())
        .unwrap_or_else(|| crate::root().join("target/debug/xtask"));
    c.env("DRAGONS_XTASK", me);
    c
}

/// Run `cmd`, its standard output shown line by line as it comes, and return it whole.
fn shown_and_kept(cmd: &mut Command) -> Result<(bool, String), String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {:?}: {e}", cmd.get_program()))?;
    let mut kept = String::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line.unwrap_or_default();
            println!("{line}");
            kept.push_str(&line);
            kept.push('\n');
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for {:?}: {e}", cmd.get_program()))?;
    Ok((status.success(), kept))
}

/// What cargo test printed on its standard output, read: the name of each failed test, and how
/// many passed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Results {
    pub failed: Vec<String>,
    pub passed: usize,
}

pub fn read_results(output: &str) -> Results {
    let mut results = Results::default();
    for line in output.lines() {
        let line = line.trim();
        if let Some(name) = line
            .strip_prefix("test ")
            .and_then(|l| l.strip_suffix(" ... FAILED"))
        {
            results.failed.push(name.to_owned());
        } else if let Some(rest) = line.strip_prefix("test result: ") {
            // "test result: ok. 5 passed; 0 failed; …"
            if let Some(n) = rest
                .split(". ")
                .nth(1)
                .and_then(|p| p.split(' ').next())
                .and_then(|n| n.parse::<usize>().ok())
            {
                results.passed += n;
            }
        }
    }
    results
}

/// The suite in `engine`; a failed test is run once more on its own.
pub fn run(engine: &str) -> Result<EngineRun, String> {
    let title = format!("end-to-end tests in {engine} (WebDriver)");
    println!("\n==> {title}");
    let started = Instant::now();
    // Where the tests write, per engine, axe-core's lesser findings and the tests they skip
    // here with why (cargo test shows a passing test's own output only with --nocapture).
    let findings = crate::root()
        .join("target/accessibility")
        .join(format!("{engine}.txt"));
    let skips = crate::root()
        .join("target/e2e-skipped")
        .join(format!("{engine}.txt"));
    let _ = std::fs::remove_file(&findings);
    let _ = std::fs::remove_file(&skips);
    let mut first = suite(engine);
    first.arg("--no-fail-fast");
    let (ok, output) = shown_and_kept(&mut first)?;
    let results = read_results(&output);
    let mut run = EngineRun {
        took: Duration::ZERO,
        passed: results.passed,
        skipped: 0,
        flaky: Vec::new(),
    };
    if !ok && results.failed.is_empty() {
        return Err(format!(
            "{title} failed before any test could (a build error?); rerun: DRAGONS_BROWSER={engine} cargo test -p dragons-e2e"
        ));
    }
    let mut still = Vec::new();
    for test in &results.failed {
        println!("\n==> {engine}: {test} failed; running it once more on its own");
        let mut again = suite(engine);
        // By its exact name in every test file (cargo says which file it runs on stderr, not
        // read here); the other files run none.
        again.args(["--", "--exact", test]);
        let (ok, _) = shown_and_kept(&mut again)?;
        if ok {
            run.passed += 1;
            run.flaky.push(test.clone());
        } else {
            still.push(test.clone());
        }
    }
    if !still.is_empty() {
        return Err(format!(
            "{title}: {} failed twice: {}; rerun one with: DRAGONS_BROWSER={engine} cargo test -p dragons-e2e -- --exact <test>",
            still.len(),
            still.join(", ")
        ));
    }
    match std::fs::read_to_string(&findings) {
        Ok(text) if !text.trim().is_empty() => println!(
            "\n  axe-core's minor and moderate findings in {engine} (serious ones fail the tests):\n{}",
            text.lines()
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        _ => println!("\n  axe-core: no accessibility findings in {engine}"),
    }
    if let Ok(text) = std::fs::read_to_string(&skips) {
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        run.skipped = lines.len();
        run.passed = run.passed.saturating_sub(run.skipped);
        println!(
            "\n  skipped in {engine}:\n{}",
            lines
                .iter()
                .map(|l| format!("    {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    if !run.flaky.is_empty() {
        println!(
            "\n  FLAKY in {engine} (failed, then passed on its own): {}",
            run.flaky.join(", ")
        );
    }
    run.took = started.elapsed();
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_failed_tests_are_named_and_the_passes_counted() {
        let output = "\
     Running tests/console.rs (target/debug/deps/console-a70d556df499d1b0)

running 5 tests
test the_401_lab_shows_each_answer_and_why ... ok
test a_wrong_stage_is_found_by_a_probe_without_the_token_and_explained ... FAILED

test result: FAILED. 4 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 12.26s

     Running tests/csp.rs (target/debug/deps/csp-49912dfe6079dc69)

running 1 test
test the_app_runs_under_the_csp_and_a_violation_is_reported ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 1.82s
     Running tests/session.rs (target/debug/deps/session-1)
test a_hanging_revoke_does_not_hold_up_sign_out ... FAILED
test result: FAILED. 7 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 40.81s
";
        let results = read_results(output);
        assert_eq!(
            results.failed,
            [
                "a_wrong_stage_is_found_by_a_probe_without_the_token_and_explained",
                "a_hanging_revoke_does_not_hold_up_sign_out",
            ]
        );
        assert_eq!(results.passed, 12);
        assert_eq!(read_results("").passed, 0);
    }
}
