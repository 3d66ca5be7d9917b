//! Installs the toolchain, idempotently: each piece already present at the right version is
//! skipped; a failed install stops with the piece's name and the command to retry.

use std::path::PathBuf;
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The AWS CLI (v1, from PyPI) that `emulator/tests/aws_cli.rs` runs against the local stack.
pub const AWSCLI_VERSION: &str = "1.46.3";
/// Where the project keeps its Python virtual environment, relative to the workspace root
/// (git-ignored). `emulator/tests/aws_cli.rs` looks for `bin/aws` here too.
pub const VENV_DIR: &str = ".tools/venv";

/// The project's Python virtual environment: `<workspace>/.tools/venv`.
pub fn venv() -> PathBuf {
    crate::root().join(VENV_DIR)
}

/// The AWS CLI installed by `setup`: `<workspace>/.tools/venv/bin/aws`.
pub fn aws_cli() -> PathBuf {
    venv().join("bin").join("aws")
}

pub fn run() -> Result<(), String> {
    println!("==> setup (skips what is already installed)");
    wasm_target()?;
    trunk()?;
    wasm_bindgen()?;
    wasm_opt()?;
    chromium()?;
    awscli()?;
    Ok(())
}

/// First line of `cmd --version`-like output, if the command runs.
fn output_of(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn ok(piece: &str, version: &str) {
    println!("  ok  {piece} ({version})");
}

/// Run an install command, echoing it; on failure name the piece and the retry command.
fn install(piece: &str, program: &str, args: &[&str]) -> Result<(), String> {
    let line = format!("{program} {}", args.join(" "));
    println!("  ..  installing {piece}: {line}");
    let status = Command::new(program)
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|e| {
            format!("installing {piece}: could not run `{program}` ({e}); retry with: {line}")
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "installing {piece} failed ({status}); retry with: {line}"
        ))
    }
}

fn wasm_target() -> Result<(), String> {
    let installed = output_of("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        ok("wasm32-unknown-unknown target", "installed");
        return Ok(());
    }
    install(
        "the wasm32 target",
        "rustup",
        &["target", "add", "wasm32-unknown-unknown"],
    )
}

fn trunk() -> Result<(), String> {
    let want = format!("trunk {TRUNK_VERSION}");
    if output_of("trunk", &["--version"]).as_deref() == Some(want.as_str()) {
        ok("Trunk", TRUNK_VERSION);
        return Ok(());
    }
    install(
        "Trunk (about 6 minutes)",
        "cargo",
        &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
    )
}

/// The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(crate::root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock ({e}); run `cargo generate-lockfile`"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn wasm_bindgen() -> Result<(), String> {
    let version = locked_wasm_bindgen()?;
    let want = format!("wasm-bindgen {version}");
    let cli = output_of("wasm-bindgen", &["--version"]);
    let runner = output_of("wasm-bindgen-test-runner", &["--version"]);
    if cli.as_deref() == Some(want.as_str()) && runner.is_some() {
        ok("wasm-bindgen CLI + test runner", &version);
        return Ok(());
    }
    // No --locked: the crate index here lags and the locked webpki-roots is missing.
    install(
        "wasm-bindgen-cli (about 3 minutes)",
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ],
    )
}

fn wasm_opt() -> Result<(), String> {
    let current = output_of("wasm-opt", &["--version"]).unwrap_or_default();
    if current.starts_with(&format!("wasm-opt version {BINARYEN_VERSION}")) {
        ok("wasm-opt", BINARYEN_VERSION);
        return Ok(());
    }
    // Debian's binaryen is too old for today's rustc output; npm's is current.
    install(
        "wasm-opt (npm binaryen)",
        "npm",
        &["install", "-g", &format!("binaryen@{BINARYEN_VERSION}")],
    )?;
    let now = output_of("wasm-opt", &["--version"]).unwrap_or_default();
    if now.starts_with(&format!("wasm-opt version {BINARYEN_VERSION}")) {
        Ok(())
    } else {
        Err(format!(
            "wasm-opt on PATH is `{now}`, not version {BINARYEN_VERSION}: an older one (Debian's binaryen?) comes first on PATH; remove it or put npm's global bin first"
        ))
    }
}

fn chromium() -> Result<(), String> {
    let browser = output_of(CHROMIUM, &["--version"]);
    let driver = output_of(CHROMEDRIVER, &["--version"]);
    if let (Some(b), Some(d)) = (&browser, &driver) {
        ok("Chromium", b);
        ok("ChromeDriver", d.split(" (").next().unwrap_or(d));
        return Ok(());
    }
    let sudo = output_of("id", &["-u"]).as_deref() != Some("0");
    let apt = |args: &[&str]| -> Result<(), String> {
        if sudo {
            let mut all = vec!["apt-get"];
            all.extend_from_slice(args);
            install("Chromium + ChromeDriver (apt)", "sudo", &all)
        } else {
            install("Chromium + ChromeDriver (apt)", "apt-get", args)
        }
    };
    apt(&["update"])?;
    apt(&["install", "-y", "chromium", "chromium-driver"])
}

/// `awscli==AWSCLI_VERSION` in the project's own virtual environment (`.tools/venv`), never
/// the system's Python. Skipped when that version answers `aws --version` already.
fn awscli() -> Result<(), String> {
    let aws = aws_cli();
    let want = format!("aws-cli/{AWSCLI_VERSION} ");
    let version = || {
        let out = Command::new(&aws).arg("--version").output().ok()?;
        // CLI v1 prints its version on stdout (older releases on stderr).
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success() && text.starts_with(&want)).then(|| text.trim().to_owned())
    };
    if let Some(v) = version() {
        ok("AWS CLI in .tools/venv", v.split(' ').next().unwrap_or(&v));
        return Ok(());
    }
    let dir = venv();
    let python = dir.join("bin").join("python");
    let retry = "cargo xtask setup";
    let healthy = Command::new(&python)
        .args(["-c", "import pip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !healthy {
        // Missing, or left broken (an interrupted run, a Python that moved): make it afresh.
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| {
                format!("cannot remove the broken virtual environment {} ({e}); delete it and retry with: {retry}", dir.display())
            })?;
        }
        let dir_text = dir.display().to_string();
        install("a Python virtual environment", "python3", &["-m", "venv", &dir_text]).map_err(
            |e| format!("{e}\n(Debian's python3 needs `apt-get install -y python3-venv` for this; then retry with: {retry})"),
        )?;
    }
    let python_text = python.display().to_string();
    let spec = format!("awscli=={AWSCLI_VERSION}");
    let pip = |extra: &[&str]| {
        let mut args = vec![
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ];
        args.extend_from_slice(extra);
        args.push(&spec);
        install(
            &format!("the AWS CLI {AWSCLI_VERSION} (PyPI, about 10 seconds)"),
            &python_text,
            &args,
        )
        .map_err(|e| {
            format!(
                "{e}\n(the AWS CLI goes into {}; once PyPI answers, retry with: {retry})",
                dir.display()
            )
        })
    };
    pip(&[])?;
    if version().is_none() {
        // Installed but broken (a deleted script, an interrupted run): reinstall it whole.
        pip(&["--force-reinstall"])?;
    }
    match version() {
        Some(v) => {
            ok("AWS CLI in .tools/venv", v.split(' ').next().unwrap_or(&v));
            Ok(())
        }
        None => Err(format!(
            "{} does not answer `--version` as aws-cli/{AWSCLI_VERSION} after the install; delete {} and retry with: {retry}",
            aws.display(),
            dir.display()
        )),
    }
}
