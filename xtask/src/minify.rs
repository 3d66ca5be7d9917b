//! Release builds: the wasm-bindgen JavaScript and the stylesheet minified by esbuild (issue 12:
//! bytes on the wire; the JS to less than half, −1.7 KB brotli). Trunk's own `minify` option
//! cannot parse wasm-bindgen's output (it warns and leaves it as it is), so esbuild does both
//! (pinned, installed by `cargo xtask setup` into `.tools/node`).
//!
//! Trunk has already written a Subresource Integrity hash of each file into `index.html`
//! (`integrity="sha384-…"`), so the hash of the minified file replaces the old one there: a stale
//! hash would make the browser refuse it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha384};
use std::path::{Path, PathBuf};
use std::process::Command;

/// esbuild from npm, pinned.
pub const ESBUILD_VERSION: &str = "0.25.12";

/// Where setup installs esbuild (a project-local npm prefix).
pub fn esbuild() -> PathBuf {
    crate::root().join(".tools/node/node_modules/.bin/esbuild")
}

/// `sha384-<base64>`, as Trunk writes it into `integrity`.
pub fn integrity(bytes: &[u8]) -> String {
    format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)))
}

/// `page` with the integrity of `before` replaced by that of `after`. Every occurrence (a
/// file may be named twice: a preload link and a script tag); none is fine (no SRI).
pub fn swap_integrity(page: &str, before: &[u8], after: &[u8]) -> String {
    page.replace(&integrity(before), &integrity(after))
}

/// Minify every `.js` and `.css` file in Trunk's staging `dir` in place and fix `index.html`.
pub fn minify_site(dir: &Path) -> Result<(), String> {
    let tool = esbuild();
    if !tool.exists() {
        return Err(format!(
            "{} is missing: run `cargo xtask setup` (it installs esbuild {ESBUILD_VERSION})",
            tool.display()
        ));
    }
    let index = dir.join("index.html");
    let mut page =
        std::fs::read_to_string(&index).map_err(|e| format!("reading {}: {e}", index.display()))?;
    let files: Vec<PathBuf> = crate::files::site_files(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .into_iter()
        .map(|(path, _)| path)
        .filter(|p| p.extension().is_some_and(|x| x == "js" || x == "css"))
        .collect();
    for file in files {
        let before = std::fs::read(&file).map_err(|e| format!("reading {file:?}: {e}"))?;
        let mut esbuild = Command::new(&tool);
        esbuild.arg(&file);
        if file.extension().is_some_and(|x| x == "js") {
            esbuild.arg("--format=esm");
        }
        let out = esbuild
            .args(["--minify", "--log-level=warning"])
            .arg(format!("--outfile={}", file.display()))
            .arg("--allow-overwrite")
            .output()
            .map_err(|e| format!("running {}: {e}", tool.display()))?;
        if !out.status.success() {
            return Err(format!(
                "esbuild failed on {}: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let after = std::fs::read(&file).map_err(|e| format!("reading {file:?}: {e}"))?;
        page = swap_integrity(&page, &before, &after);
        println!(
            "minified {} ({} -> {} bytes)",
            file.file_name().unwrap_or_default().to_string_lossy(),
            before.len(),
            after.len()
        );
    }
    std::fs::write(&index, page).map_err(|e| format!("writing {}: {e}", index.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_integrity_of_the_minified_script_replaces_the_old_one_everywhere() {
        let before = b"export function f() { return 1 + 1; }\n";
        let after = b"export function f(){return 2}\n";
        let old = integrity(before);
        // What `openssl dgst -sha384 -binary | base64` gives for `before`.
        assert_eq!(
            old,
            "sha384-xfLjeXawgbNJVl1rYO3CCuSVAWexp+RSx00sMDaG2I5pkjTekmXNItfMuslS6mrL"
        );
        let page = format!(
            "<link rel=modulepreload href=./a.js integrity={old}><script src=./a.js integrity=\"{old}\"></script><link href=./b.css integrity=sha384-other>"
        );
        let fixed = swap_integrity(&page, before, after);
        assert!(!fixed.contains(&old));
        assert_eq!(fixed.matches(&integrity(after)).count(), 2);
        assert!(fixed.contains("integrity=sha384-other"));
        assert_ne!(integrity(before), integrity(after));
    }
}
