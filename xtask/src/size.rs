//! The size report of the release `dist/`: each file raw, gzip -9 and brotli 11 (the settings of
//! the build's precompressed copies, compress.rs), and the totals of what a browser loads to run
//! the app (html + css + js + wasm; not `config.json`, which is the deployment's, not the code's).
//!
//! Brotli is what a visitor downloads: the site is served with brotli everywhere (CloudFront, the
//! local stack), so above [`LIMIT_BROTLI_BYTES`] the run fails; gzip is printed beside it.

use crate::compress;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Issue 12's limit, a hard gate: above 150 KB brotli the test command fails. New features pay
/// for their bytes.
pub const LIMIT_BROTLI_BYTES: u64 = 150 * 1024;
/// design.md's budget, the aim beyond the brotli limit: 150 KB gzip. Printed with the distance to
/// go; it does not fail the run.
pub const AIM_GZIP_BYTES: u64 = 150 * 1024;

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

/// The totals of the counted files, and how they stand against the limit and the aim.
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

    /// The lines after the table: totals, then the distance to the limit and to the aim.
    pub fn summary(&self) -> Vec<String> {
        vec![
            format!(
                "  total of the {} html/css/js/wasm files: {} raw, {} gzip -9, {} brotli 11",
                self.files,
                kb(self.raw),
                kb(self.gzip),
                kb(self.brotli)
            ),
            distance(
                "brotli",
                self.brotli,
                LIMIT_BROTLI_BYTES,
                "the limit (issue 12)",
                true,
            ),
            distance(
                "gzip",
                self.gzip,
                AIM_GZIP_BYTES,
                "the aim (design.md)",
                false,
            ),
        ]
    }

    /// Fails above the brotli limit (not above the gzip aim).
    pub fn check(&self) -> Result<(), String> {
        if self.brotli > LIMIT_BROTLI_BYTES {
            return Err(format!(
                "the app (html + css + js + wasm) is {} bytes brotli, over the {LIMIT_BROTLI_BYTES}-byte limit (issue 12) by {}: shrink something before adding",
                self.brotli,
                kb(self.brotli - LIMIT_BROTLI_BYTES)
            ));
        }
        Ok(())
    }
}

/// `what`: within `name` of `bound` and how much is left, or how far over it (in capitals when
/// that fails the run).
fn distance(what: &str, total: u64, bound: u64, name: &str, enforced: bool) -> String {
    match bound.checked_sub(total) {
        Some(left) => format!(
            "  {what}: within {name} of {}, {} to spare",
            kb(bound),
            kb(left)
        ),
        None if enforced => format!(
            "  {what}: {} OVER {name} of {}",
            kb(total - bound),
            kb(bound)
        ),
        None => format!(
            "  {what}: {} above {name} of {} (printed, not enforced)",
            kb(total - bound),
            kb(bound)
        ),
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
    fn the_brotli_limit_fails_the_run_and_the_gzip_aim_only_prints() {
        // Today: within the limit, above the gzip aim.
        let today = totals(181 * 1024, 148 * 1024);
        assert_eq!(today.check(), Ok(()));
        let lines = today.summary().join("\n");
        assert!(
            lines.contains("brotli: within the limit (issue 12) of 150.0 KB, 2.0 KB to spare"),
            "{lines}"
        );
        assert!(
            lines.contains(
                "gzip: 31.0 KB above the aim (design.md) of 150.0 KB (printed, not enforced)"
            ),
            "{lines}"
        );
        // Exactly at the limit passes; one byte more fails and says by how much.
        assert_eq!(totals(400 * 1024, LIMIT_BROTLI_BYTES).check(), Ok(()));
        let err = totals(140 * 1024, LIMIT_BROTLI_BYTES + 1)
            .check()
            .unwrap_err();
        assert!(
            err.contains("over the 153600-byte limit (issue 12) by 0.0 KB"),
            "{err}"
        );
        let over = totals(140 * 1024, 152 * 1024).summary().join("\n");
        assert!(
            over.contains("brotli: 2.0 KB OVER the limit (issue 12) of 150.0 KB"),
            "{over}"
        );
        assert!(
            over.contains("gzip: within the aim (design.md) of 150.0 KB, 10.0 KB to spare"),
            "{over}"
        );
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
