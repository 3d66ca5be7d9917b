//! The size report of the release `dist/`: each file raw, gzip -9 and brotli 11 (the settings of
//! the build's precompressed copies, compress.rs), and the totals of what a browser loads to run
//! the app (html + css + js + wasm; not `config.json`, which is the deployment's, not the code's).
//!
//! Brotli is what a visitor downloads: the site is served with brotli everywhere (CloudFront, the
//! local stack). Two ceilings fail the run so the app cannot grow; the targets are printed.

use crate::compress;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Issue 12's target: at most 150 KB brotli. Printed with the distance to go; it does NOT fail
/// the run yet (the app is over it while the code is being shrunk). When the app fits, make
/// [`CEILING_BROTLI_BYTES`] this value.
pub const TARGET_BROTLI_BYTES: u64 = 150 * 1024;
/// design.md's budget and the aim beyond the brotli target: 150 KB gzip. Printed, does not fail.
pub const TARGET_GZIP_BYTES: u64 = 150 * 1024;
/// A ratchet that fails the run: the brotli total when it was last lowered (162.6 KB, after the
/// JSON and fetch/storage changes) plus a little room, so the app cannot grow while it is being
/// brought down to [`TARGET_BROTLI_BYTES`]. Lower it as the app shrinks; never raise it.
pub const CEILING_BROTLI_BYTES: u64 = 156 * 1024;
/// The gzip ratchet beside it (201.4 KB when lowered from 240 KB); it fails the run too.
pub const CEILING_GZIP_BYTES: u64 = 193 * 1024;

/// One file's sizes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSize {
    /// Relative to dist/, with `/`.
    pub name: String,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl FileSize {
    /// Whether the file counts: what the browser must load to run the app.
    pub fn counted(&self) -> bool {
        is_budgeted(&self.name)
    }
}

/// The totals of the counted files, and how they stand against the targets and ceilings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub files: u64,
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

impl Totals {
    pub fn of(files: &[FileSize]) -> Totals {
        let counted = files.iter().filter(|f| f.counted());
        counted.fold(
            Totals {
                files: 0,
                raw: 0,
                gzip: 0,
                brotli: 0,
            },
            |t, f| Totals {
                files: t.files + 1,
                raw: t.raw + f.raw,
                gzip: t.gzip + f.gzip,
                brotli: t.brotli + f.brotli,
            },
        )
    }

    /// The lines after the table: totals, distance to each target, ceilings.
    pub fn summary(&self) -> Vec<String> {
        vec![
            format!(
                "  total of the {} html/css/js/wasm files: {} raw, {} gzip -9, {} brotli 11",
                self.files,
                kb(self.raw),
                kb(self.gzip),
                kb(self.brotli)
            ),
            versus("brotli", self.brotli, TARGET_BROTLI_BYTES, "the target (issue 12)"),
            versus("gzip", self.gzip, TARGET_GZIP_BYTES, "the aim (design.md)"),
            format!(
                "  ceilings that fail the run: brotli {} (a ratchet, {} of room), gzip {} ({} of room)",
                kb(CEILING_BROTLI_BYTES),
                kb(CEILING_BROTLI_BYTES.saturating_sub(self.brotli)),
                kb(CEILING_GZIP_BYTES),
                kb(CEILING_GZIP_BYTES.saturating_sub(self.gzip)),
            ),
        ]
    }

    /// Fails above either ceiling (not above the targets: see [`TARGET_BROTLI_BYTES`]).
    pub fn check(&self) -> Result<(), String> {
        let mut over = Vec::new();
        if self.brotli > CEILING_BROTLI_BYTES {
            over.push(format!(
                "{} bytes brotli, over the {CEILING_BROTLI_BYTES}-byte brotli ceiling by {}",
                self.brotli,
                kb(self.brotli - CEILING_BROTLI_BYTES)
            ));
        }
        if self.gzip > CEILING_GZIP_BYTES {
            over.push(format!(
                "{} bytes gzip, over the {CEILING_GZIP_BYTES}-byte gzip ceiling by {}",
                self.gzip,
                kb(self.gzip - CEILING_GZIP_BYTES)
            ));
        }
        if over.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the app (html + css + js + wasm) grew: {}",
                over.join("; ")
            ))
        }
    }
}

fn versus(what: &str, total: u64, target: u64, name: &str) -> String {
    if total > target {
        format!(
            "  {what}: {} above {name} of {} (not enforced yet)",
            kb(total - target),
            kb(target)
        )
    } else {
        format!(
            "  {what}: within {name} of {}, {} to spare",
            kb(target),
            kb(target - total)
        )
    }
}

fn kb(bytes: u64) -> String {
    format!("{:.1} KB", bytes as f64 / 1024.0)
}

pub fn report(dist: &Path) -> Result<(), String> {
    println!("\n==> size of {}", dist.display());
    let files = measure(dist)?;
    println!(
        "  {:>10}  {:>10}  {:>10}  file",
        "raw", "gzip -9", "brotli 11"
    );
    for f in &files {
        println!(
            "  {:>10}  {:>10}  {:>10}  {}{}",
            f.raw,
            f.gzip,
            f.brotli,
            f.name,
            if f.counted() { "" } else { "  (not counted)" }
        );
    }
    let totals = Totals::of(&files);
    for line in totals.summary() {
        println!("{line}");
    }
    totals.check()
}

/// Every file of the site but the build's precompressed copies, measured.
pub fn measure(dist: &Path) -> Result<Vec<FileSize>, String> {
    let (paths, names): (Vec<PathBuf>, Vec<String>) = crate::files::site_files(dist)
        .map_err(|e| {
            format!(
                "cannot read {} ({e}); build it first: cargo xtask build",
                dist.display()
            )
        })?
        .into_iter()
        .unzip();
    if paths.is_empty() {
        return Err(format!(
            "{} is empty; build it first: cargo xtask build",
            dist.display()
        ));
    }
    let mut files = Vec::new();
    for (path, name) in paths.iter().zip(&names) {
        if compress::is_copy_of_a_sibling(name, names.iter().map(String::as_str)) {
            continue;
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        files.push(FileSize {
            name: name.clone(),
            raw: bytes.len() as u64,
            gzip: compressed_len(path, "gz", &bytes, compress::gzip, gunzip),
            brotli: compressed_len(path, "br", &bytes, compress::brotli, unbrotli),
        });
    }
    Ok(files)
}

/// The length of the build's copy `<path>.<ext>` when it decodes to `bytes` (the build made it
/// with the same settings), else of `bytes` compressed here. Saves brotli 11 on the wasm twice.
fn compressed_len(
    path: &Path,
    ext: &str,
    bytes: &[u8],
    compress: fn(&[u8]) -> Vec<u8>,
    decode: fn(&[u8]) -> Option<Vec<u8>>,
) -> u64 {
    let mut copy = path.as_os_str().to_owned();
    copy.push(".");
    copy.push(ext);
    if let Ok(body) = std::fs::read(&copy) {
        if decode(&body).is_some_and(|plain| plain == bytes) {
            return body.len() as u64;
        }
    }
    compress(bytes).len() as u64
}

fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn unbrotli(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).ok()?;
    Some(out)
}

/// The budget counts what the browser must load to run the app.
fn is_budgeted(name: &str) -> bool {
    [".html", ".css", ".js", ".wasm"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(gzip: u64, brotli: u64) -> Totals {
        Totals {
            files: 4,
            raw: 600 * 1024,
            gzip,
            brotli,
        }
    }

    #[test]
    fn the_ceilings_fail_the_run_and_the_targets_only_print() {
        // The app when the ratchet was last lowered: over both targets, under both ceilings.
        let today = totals(191 * 1024, 154 * 1024);
        assert_eq!(today.check(), Ok(()));
        let lines = today.summary().join("\n");
        assert!(
            lines.contains(
                "brotli: 4.0 KB above the target (issue 12) of 150.0 KB (not enforced yet)"
            ),
            "{lines}"
        );
        assert!(
            lines.contains("gzip: 41.0 KB above the aim (design.md) of 150.0 KB"),
            "{lines}"
        );
        // Exactly at a ceiling passes; one byte more fails and says which.
        assert_eq!(
            totals(CEILING_GZIP_BYTES, CEILING_BROTLI_BYTES).check(),
            Ok(())
        );
        let err = totals(CEILING_GZIP_BYTES - 1024, CEILING_BROTLI_BYTES + 1)
            .check()
            .unwrap_err();
        assert!(
            err.contains("brotli ceiling") && !err.contains("gzip ceiling"),
            "{err}"
        );
        let err = totals(CEILING_GZIP_BYTES + 1, 100 * 1024)
            .check()
            .unwrap_err();
        assert!(
            err.contains("gzip ceiling") && !err.contains("brotli"),
            "{err}"
        );
        // Within the targets: how much is left.
        let small = totals(140 * 1024, 120 * 1024).summary().join("\n");
        assert!(
            small.contains("brotli: within the target (issue 12) of 150.0 KB, 30.0 KB to spare"),
            "{small}"
        );
    }

    #[test]
    fn the_ratchets_sit_above_the_targets_and_brotli_below_gzip() {
        const { assert!(TARGET_BROTLI_BYTES < CEILING_BROTLI_BYTES) };
        const { assert!(TARGET_GZIP_BYTES < CEILING_GZIP_BYTES) };
        const { assert!(CEILING_BROTLI_BYTES < CEILING_GZIP_BYTES) };
    }

    #[test]
    fn the_report_counts_the_apps_files_skips_the_copies_and_uses_the_builds_settings() {
        let dir = tempfile::tempdir().unwrap();
        let page = "<!doctype html><p>hello</p>".repeat(30);
        let js = "export const a = 1;\n".repeat(200);
        std::fs::write(dir.path().join("index.html"), &page).unwrap();
        std::fs::write(dir.path().join("app-1a2b3c4d5e6f7a8b.js"), &js).unwrap();
        std::fs::write(dir.path().join("config.json"), "{\"clientId\":\"x\"}").unwrap();
        compress::precompress_site(dir.path()).unwrap();
        // A copy that no longer matches its file (edited after the build) is not believed.
        std::fs::write(dir.path().join("index.html.br"), compress::brotli(b"old")).unwrap();

        let files = measure(dir.path()).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["app-1a2b3c4d5e6f7a8b.js", "config.json", "index.html"]
        );
        let by = |n: &str| files.iter().find(|f| f.name == n).unwrap().clone();
        let html = by("index.html");
        assert_eq!(html.raw, page.len() as u64);
        assert_eq!(html.brotli, compress::brotli(page.as_bytes()).len() as u64);
        assert_eq!(html.gzip, compress::gzip(page.as_bytes()).len() as u64);
        assert_eq!(
            by("app-1a2b3c4d5e6f7a8b.js").brotli,
            compress::brotli(js.as_bytes()).len() as u64
        );
        assert!(!by("config.json").counted());

        let t = Totals::of(&files);
        assert_eq!(t.files, 2);
        assert_eq!(t.raw, (page.len() + js.len()) as u64);
        assert_eq!(t.brotli, html.brotli + by("app-1a2b3c4d5e6f7a8b.js").brotli);
        assert!(t.brotli < t.gzip && t.gzip < t.raw);
        report(dir.path()).unwrap();
    }
}
