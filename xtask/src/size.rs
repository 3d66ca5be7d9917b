//! The size report of the release `dist/`: each file and the total, raw and gzip -9, checked
//! against the budget in design.md.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};

/// design.md's budget: release dist/ (html + css + js + wasm), gzip, at most 150 KB. Reported;
/// the app is over it today (see the README), so the run does not fail on it.
pub const BUDGET_GZIP_BYTES: u64 = 150 * 1024;
/// A hard ceiling that does fail the run, so a regression cannot slip through unnoticed.
pub const CEILING_GZIP_BYTES: u64 = 240 * 1024;

pub fn report(dist: &Path) -> Result<(), String> {
    println!("\n==> size of {}", dist.display());
    let mut files = Vec::new();
    collect(dist, &mut files).map_err(|e| {
        format!(
            "cannot read {} ({e}); build it first: cargo xtask build",
            dist.display()
        )
    })?;
    files.sort();
    if files.is_empty() {
        return Err(format!(
            "{} is empty; build it first: cargo xtask build",
            dist.display()
        ));
    }
    println!("  {:>10}  {:>10}  file", "raw", "gzip -9");
    let (mut raw_total, mut gz_total, mut counted) = (0u64, 0u64, 0u64);
    for path in &files {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let gz = gzip_len(&bytes);
        let name = path
            .strip_prefix(dist)
            .unwrap_or(path)
            .display()
            .to_string();
        let in_budget = is_budgeted(&name);
        println!(
            "  {:>10}  {:>10}  {name}{}",
            bytes.len(),
            gz,
            if in_budget { "" } else { "  (not counted)" }
        );
        raw_total += bytes.len() as u64;
        if in_budget {
            gz_total += gz;
            counted += 1;
        }
    }
    println!(
        "  total {raw_total} bytes raw; {gz_total} bytes gzip for the {counted} html/css/js/wasm files ({:.1} KB of the {} KB budget)",
        gz_total as f64 / 1024.0,
        BUDGET_GZIP_BYTES / 1024
    );
    if gz_total > BUDGET_GZIP_BYTES {
        println!(
            "  OVER BUDGET: {:.1} KB gzip above the {} KB target in design.md",
            (gz_total - BUDGET_GZIP_BYTES) as f64 / 1024.0,
            BUDGET_GZIP_BYTES / 1024
        );
    }
    if gz_total > CEILING_GZIP_BYTES {
        return Err(format!(
            "dist/ is {gz_total} bytes gzip, over the {CEILING_GZIP_BYTES}-byte ceiling"
        ));
    }
    Ok(())
}

/// The budget counts what the browser must load to run the app.
fn is_budgeted(name: &str) -> bool {
    [".html", ".css", ".js", ".wasm"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn gzip_len(bytes: &[u8]) -> u64 {
    let mut enc = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().map(|v| v.len() as u64).unwrap_or(0)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
