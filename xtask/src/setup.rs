//! Installs the toolchain, idempotently: each piece already present at the right version is
//! skipped; a failed install stops with the piece's name and the command to retry.

use std::path::PathBuf;
use std::process::Command;

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Firefox ESR (Debian's `firefox-esr`) and its WebDriver, geckodriver, built from the crate
/// registry at a pinned version (Mozilla's own download is not reachable here).
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
pub const GECKODRIVER_VERSION: &str = "0.37.1";
/// WebKitGTK's WebDriver (Debian's `webkit2gtk-driver`), which starts the MiniBrowser; it needs
/// an X display, which the end-to-end harness gives it with Xvfb (Debian's `xvfb`).
pub const WEBKIT_DRIVER: &str = "/usr/bin/WebKitWebDriver";
pub const XVFB: &str = "/usr/bin/Xvfb";
/// The AWS CLI (v1, from PyPI) that `emulator/tests/aws_cli.rs` runs against the local stack and
/// `cargo xtask deploy` / `deploy-site` run against AWS (or moto's S3 in the tests).
pub const AWSCLI_VERSION: &str = "1.46.3";
/// cfn-lint (PyPI), which checks `infra/template.yaml` offline.
pub const CFN_LINT_VERSION: &str = "1.58.0";
/// moto with its server extra (PyPI): `moto_server`, a local S3 for the deploy-site tests.
pub const MOTO_VERSION: &str = "5.2.5";
/// awscurl (PyPI): curl with AWS Signature V4, which `emulator/tests/iam.rs` signs the IAM API's
/// requests with (a signer nobody here wrote).
pub const AWSCURL_VERSION: &str = "0.44";

/// The Python packages setup keeps in `.tools/venv`: (distribution, version, pip extra).
/// moto's `[server]` extra brings Flask and flask-cors, which `moto_server` needs.
const PYPI_PINS: [(&str, &str, &str); 4] = [
    ("awscli", AWSCLI_VERSION, ""),
    ("cfn-lint", CFN_LINT_VERSION, ""),
    ("moto", MOTO_VERSION, "[server]"),
    ("awscurl", AWSCURL_VERSION, ""),
];
/// Distributions that must be present at any version (moto's server extra).
const PYPI_EXTRAS_PRESENT: [&str; 2] = ["flask", "flask-cors"];
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

/// cfn-lint installed by `setup`: `<workspace>/.tools/venv/bin/cfn-lint`.
pub fn cfn_lint() -> PathBuf {
    venv().join("bin").join("cfn-lint")
}

/// awscurl installed by `setup`: `<workspace>/.tools/venv/bin/awscurl`.
pub fn awscurl() -> PathBuf {
    venv().join("bin").join("awscurl")
}

/// moto's S3 server installed by `setup`: `<workspace>/.tools/venv/bin/moto_server`.
pub fn moto_server() -> PathBuf {
    venv().join("bin").join("moto_server")
}

pub fn run() -> Result<(), String> {
    println!("==> setup (skips what is already installed)");
    wasm_target()?;
    trunk()?;
    wasm_bindgen()?;
    wasm_opt()?;
    node_tools()?;
    browsers()?;
    geckodriver()?;
    python_tools()?;
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

/// The npm packages setup keeps in `.tools/node` (a project-local prefix, so nothing global
/// changes): esbuild for the release build's JS minifying (xtask/src/minify.rs) and axe-core,
/// which the end-to-end tests inject into the page to check accessibility. One `npm install` of
/// both, as a second install into the same prefix would prune the first.
pub const NPM_PINS: [(&str, &str); 2] = [
    ("esbuild", crate::minify::ESBUILD_VERSION),
    ("axe-core", AXE_CORE_VERSION),
];
/// axe-core (npm), pinned: its rules decide what the accessibility checks report.
pub const AXE_CORE_VERSION: &str = "4.14.1";

/// axe-core's browser bundle, as installed by setup.
pub fn axe_core() -> PathBuf {
    crate::root().join(".tools/node/node_modules/axe-core/axe.min.js")
}

/// The version of an npm package in `.tools/node`, read from its package.json.
fn npm_installed(name: &str) -> Option<String> {
    let manifest = crate::root()
        .join(".tools/node/node_modules")
        .join(name)
        .join("package.json");
    let text = std::fs::read_to_string(manifest).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["version"].as_str().map(str::to_owned)
}

fn node_tools() -> Result<(), String> {
    use crate::minify::esbuild;
    let tool = esbuild().to_string_lossy().into_owned();
    let esbuild_runs =
        || output_of(&tool, &["--version"]).as_deref() == Some(crate::minify::ESBUILD_VERSION);
    let all_there = || {
        esbuild_runs()
            && NPM_PINS
                .iter()
                .all(|(name, version)| npm_installed(name).as_deref() == Some(*version))
            && axe_core().is_file()
    };
    if all_there() {
        for (name, version) in NPM_PINS {
            ok(&format!("{name} in .tools/node"), version);
        }
        return Ok(());
    }
    let prefix = crate::root().join(".tools/node");
    let specs: Vec<String> = NPM_PINS
        .iter()
        .map(|(name, version)| format!("{name}@{version}"))
        .collect();
    let mut args = vec![
        "install".to_owned(),
        "--prefix".to_owned(),
        prefix.to_string_lossy().into_owned(),
        "--no-audit".to_owned(),
        "--no-fund".to_owned(),
        "--no-save".to_owned(),
    ];
    args.extend(specs);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    install("esbuild and axe-core (npm)", "npm", &args)?;
    if all_there() {
        Ok(())
    } else {
        Err(format!(
            "esbuild and axe-core did not install into {}: found esbuild {:?}, axe-core {:?}; retry with: cargo xtask setup",
            prefix.display(),
            npm_installed("esbuild"),
            npm_installed("axe-core"),
        ))
    }
}

/// A browser engine's Debian packages and the programs that show they are installed.
struct DebianPiece {
    name: &'static str,
    packages: &'static [&'static str],
    programs: &'static [&'static str],
}

const DEBIAN_PIECES: [DebianPiece; 4] = [
    DebianPiece {
        name: "Chromium + ChromeDriver",
        packages: &["chromium", "chromium-driver"],
        programs: &[CHROMIUM, CHROMEDRIVER],
    },
    DebianPiece {
        name: "Firefox ESR",
        packages: &["firefox-esr"],
        programs: &[FIREFOX],
    },
    DebianPiece {
        name: "WebKitGTK's WebDriver + MiniBrowser",
        packages: &["webkit2gtk-driver"],
        programs: &[WEBKIT_DRIVER],
    },
    DebianPiece {
        name: "Xvfb (a display for WebKit)",
        packages: &["xvfb"],
        programs: &[XVFB],
    },
];

/// The three browser engines the end-to-end tests drive, and Xvfb, from Debian's packages: one
/// `apt-get install` of whatever is missing.
fn browsers() -> Result<(), String> {
    let missing: Vec<&DebianPiece> = DEBIAN_PIECES
        .iter()
        .filter(|p| {
            !p.programs
                .iter()
                .all(|prog| std::path::Path::new(prog).is_file())
        })
        .collect();
    if missing.is_empty() {
        if let Some(v) = output_of(CHROMIUM, &["--version"]) {
            ok("Chromium", &v);
        }
        if let Some(v) = output_of(FIREFOX, &["--version"]) {
            ok("Firefox ESR", &v);
        }
        ok("WebKitWebDriver", WEBKIT_DRIVER);
        ok("Xvfb", XVFB);
        return Ok(());
    }
    let names: Vec<&str> = missing.iter().map(|p| p.name).collect();
    let piece = format!("{} (apt)", names.join(", "));
    let packages: Vec<&str> = missing
        .iter()
        .flat_map(|p| p.packages.iter().copied())
        .collect();
    let sudo = output_of("id", &["-u"]).as_deref() != Some("0");
    let apt = |args: &[&str]| -> Result<(), String> {
        if sudo {
            let mut all = vec!["apt-get"];
            all.extend_from_slice(args);
            install(&piece, "sudo", &all)
        } else {
            install(&piece, "apt-get", args)
        }
    };
    apt(&["update"])?;
    let mut args = vec!["install", "-y"];
    args.extend(packages);
    apt(&args)?;
    for p in &missing {
        if let Some(absent) = p
            .programs
            .iter()
            .find(|prog| !std::path::Path::new(prog).is_file())
        {
            return Err(format!(
                "{}: apt-get installed {:?} but {absent} is not there; retry with: cargo xtask setup",
                p.name, p.packages
            ));
        }
    }
    Ok(())
}

/// Where `cargo install` put geckodriver: `$CARGO_HOME/bin`, else `~/.cargo/bin`, else the
/// name alone (found on PATH).
pub fn geckodriver_path() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join("geckodriver"))
        .filter(|p| p.is_file())
        .unwrap_or_else(|| PathBuf::from("geckodriver"))
}

/// geckodriver, Firefox's WebDriver, from the crate registry (`cargo install --locked`).
fn geckodriver() -> Result<(), String> {
    let want = format!("geckodriver {GECKODRIVER_VERSION}");
    let have = output_of("geckodriver", &["--version"]).unwrap_or_default();
    // `geckodriver 0.37.1`, maybe followed by a build note in parentheses.
    if have
        .lines()
        .next()
        .is_some_and(|l| l == want || l.starts_with(&format!("{want} ")))
    {
        ok("geckodriver", GECKODRIVER_VERSION);
        return Ok(());
    }
    install(
        "geckodriver (about 2 minutes)",
        "cargo",
        &[
            "install",
            "geckodriver",
            "--version",
            GECKODRIVER_VERSION,
            "--locked",
        ],
    )
}

/// The pip requirement specs: `awscli==1.46.3 cfn-lint==1.58.0 moto[server]==5.2.5 awscurl==0.44`.
pub fn pypi_specs() -> Vec<String> {
    PYPI_PINS
        .iter()
        .map(|(name, version, extra)| format!("{name}{extra}=={version}"))
        .collect()
}

/// A Python program that prints, space separated, what is missing or at the wrong version in
/// the virtual environment (nothing when all is right). One interpreter start: a second setup
/// run spends a few hundredths of a second here.
fn check_program() -> String {
    let pins: Vec<String> = PYPI_PINS
        .iter()
        .map(|(name, version, _)| format!("(\"{name}\", \"{version}\")"))
        .chain(
            PYPI_EXTRAS_PRESENT
                .iter()
                .map(|name| format!("(\"{name}\", None)")),
        )
        .collect();
    format!(
        "import importlib.metadata as m\nbad = []\nfor name, want in [{}]:\n    try:\n        got = m.version(name)\n    except m.PackageNotFoundError:\n        bad.append(name + '(missing)')\n        continue\n    if want and got != want:\n        bad.append(name + '(' + got + ')')\nprint(' '.join(bad))\n",
        pins.join(", ")
    )
}

/// What is wrong with the virtual environment's tools: `None` when every pinned package is
/// installed at its version and every command (`aws`, `cfn-lint`, `moto_server`) is there.
fn python_tools_problems() -> Option<String> {
    let python = venv().join("bin").join("python");
    let out = match Command::new(&python)
        .args(["-c", &check_program()])
        .output()
    {
        Ok(out) if out.status.success() => out,
        _ => return Some("no working Python in the virtual environment".into()),
    };
    let mut problems = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    for script in [aws_cli(), cfn_lint(), moto_server(), awscurl()] {
        if !script.is_file() {
            problems.push_str(&format!(" {}(no command)", script.display()));
        }
    }
    let problems = problems.trim().to_owned();
    (!problems.is_empty()).then_some(problems)
}

fn python_tools_ok() {
    for (name, version, _) in PYPI_PINS {
        ok(&format!("{name} in .tools/venv"), version);
    }
}

/// The AWS CLI, cfn-lint, moto's S3 server and awscurl, pinned, in the project's own virtual environment
/// (`.tools/venv`), never the system's Python. Skipped when every pin is installed already.
fn python_tools() -> Result<(), String> {
    if python_tools_problems().is_none() {
        python_tools_ok();
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
    let specs = pypi_specs();
    let pip = |extra: &[&str]| {
        let mut args = vec![
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ];
        args.extend_from_slice(extra);
        args.extend(specs.iter().map(String::as_str));
        install(
            "the AWS CLI, cfn-lint, moto and awscurl (PyPI, about 30 seconds)",
            &python_text,
            &args,
        )
        .map_err(|e| {
            format!(
                "{e}\n(they go into {}; once PyPI answers, retry with: {retry})",
                dir.display()
            )
        })
    };
    pip(&[])?;
    if python_tools_problems().is_some() {
        // Installed but broken (a deleted script, an interrupted run): reinstall them whole.
        pip(&["--force-reinstall"])?;
    }
    // The CLI must run, not just be on disk.
    let aws_runs = Command::new(aws_cli())
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    match python_tools_problems() {
        None if aws_runs => {
            python_tools_ok();
            Ok(())
        }
        problem => Err(format!(
            "the virtual environment {} is not right after the install ({}); delete it and retry with: {retry}",
            dir.display(),
            problem.unwrap_or_else(|| "`aws --version` fails".into())
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pins_are_exact_and_moto_brings_its_server() {
        assert_eq!(
            pypi_specs(),
            [
                "awscli==1.46.3",
                "cfn-lint==1.58.0",
                "moto[server]==5.2.5",
                "awscurl==0.44"
            ]
        );
        let program = check_program();
        assert!(program.contains("(\"moto\", \"5.2.5\")"), "{program}");
        assert!(program.contains("(\"flask-cors\", None)"), "{program}");
    }
}
