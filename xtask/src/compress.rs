//! The precompressed copies of the release site: `<file>.br` (brotli, quality 11) and `<file>.gz`
//! (gzip -9) beside each html/css/js/wasm/json file, written by the build's `post_build` step so the
//! local stack (emulator/src/site.rs) serves what a CDN would. The size report (size.rs) measures
//! with these same settings.
//!
//! `config.json` gets no copies: people edit it by hand after building, and a stale
//! `config.json.br` beside an edited `config.json` would be served instead of it.

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Brotli's best quality, as `brotli -q 11` and CloudFront's own copies.
pub const BROTLI_QUALITY: i32 = 11;
/// Brotli's default window (4 MiB): larger than any file of the site.
pub const BROTLI_LGWIN: i32 = 22;

/// The extensions that get precompressed copies (and that a browser loads to run the app).
const PRECOMPRESSED: &[&str] = &["html", "css", "js", "wasm", "json"];

/// The bytes as `brotli -q 11` would write them.
pub fn brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: BROTLI_QUALITY,
        lgwin: BROTLI_LGWIN,
        size_hint: bytes.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 3 + 64);
    // Reading from a slice and writing to a Vec cannot fail.
    let _ = brotli::BrotliCompress(&mut &bytes[..], &mut out, &params);
    out
}

/// The bytes as `gzip -9` would write them.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// Whether a file of this name (relative to the site) gets `.br` and `.gz` copies.
pub fn gets_copies(name: &str) -> bool {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    if file == "config.json" || file.starts_with('.') {
        return false;
    }
    file.rsplit_once('.')
        .is_some_and(|(_, ext)| PRECOMPRESSED.contains(&ext))
}

/// Whether `name` is a precompressed copy of another file in `names` (`x.js.br` beside `x.js`).
pub fn is_copy_of_a_sibling<'a>(name: &str, names: impl IntoIterator<Item = &'a str>) -> bool {
    let Some(original) = name
        .strip_suffix(".br")
        .or_else(|| name.strip_suffix(".gz"))
    else {
        return false;
    };
    names.into_iter().any(|n| n == original)
}

/// Write `<file>.br` and `<file>.gz` beside every file under `dir` that gets them, replacing
/// older copies. Returns the files compressed (relative to `dir`).
pub fn precompress_site(dir: &Path) -> Result<Vec<String>, String> {
    let (files, names): (Vec<PathBuf>, Vec<String>) = crate::files::site_files(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .into_iter()
        .unzip();
    let todo: Vec<(&PathBuf, &String)> = files
        .iter()
        .zip(&names)
        .filter(|(_, name)| gets_copies(name))
        .collect();
    // Brotli 11 on the wasm takes most of the time; the other files share another core.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let chunks: Vec<Vec<(&PathBuf, &String)>> = (0..threads)
        .map(|t| todo.iter().skip(t).step_by(threads).copied().collect())
        .collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || -> Result<(), String> {
                    for (path, name) in chunk {
                        let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
                        for (ext, body) in [("br", brotli(&bytes)), ("gz", gzip(&bytes))] {
                            let mut copy = path.as_os_str().to_owned();
                            copy.push(".");
                            copy.push(ext);
                            std::fs::write(&copy, body)
                                .map_err(|e| format!("writing {name}.{ext}: {e}"))?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .map_err(|_| "a compression thread panicked".to_string())?
        })
    })?;
    Ok(todo.into_iter().map(|(_, name)| name.clone()).collect())
}

/// The `post_build` step's part for a release build: precompress the staging directory.
/// `profile` is Trunk's `TRUNK_PROFILE` (`release` or `debug`); `trunk serve` and `trunk watch`
/// build debug by default, and nothing serves their copies, so they are skipped there.
pub fn post_build(dir: &Path, profile: Option<&str>) -> Result<(), String> {
    if profile != Some("release") {
        println!("not a release build: no precompressed copies");
        return Ok(());
    }
    let started = std::time::Instant::now();
    let done = precompress_site(dir)?;
    println!(
        "precompressed {} files (.br quality {BROTLI_QUALITY}, .gz -9) in {:.1} s",
        done.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn unbrotli(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &bytes[..], &mut out).unwrap();
        out
    }

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn only_the_apps_text_and_wasm_files_get_copies_and_config_json_never() {
        for name in [
            "index.html",
            "main-1a2b3c4d5e6f7a8b.css",
            "app-1a2b3c4d5e6f7a8b.js",
            "app-1a2b3c4d5e6f7a8b_bg.wasm",
            "loader-1a2b3c4d5e6f7a8b.js",
            "data/other.json",
        ] {
            assert!(gets_copies(name), "{name}");
        }
        for name in [
            "config.json",
            "sub/config.json",
            "logo.png",
            "index.html.br",
            "index.html.gz",
            ".hidden.js",
            "README",
        ] {
            assert!(!gets_copies(name), "{name}");
        }
    }

    #[test]
    fn a_copy_is_recognised_only_beside_its_original() {
        let names = [
            "index.html",
            "index.html.br",
            "a.js",
            "a.js.gz",
            "backup.gz",
        ];
        assert!(is_copy_of_a_sibling("index.html.br", names));
        assert!(is_copy_of_a_sibling("a.js.gz", names));
        assert!(!is_copy_of_a_sibling("backup.gz", names));
        assert!(!is_copy_of_a_sibling("index.html", names));
    }

    #[test]
    fn release_builds_write_br_and_gz_copies_that_decode_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let page = "<!doctype html><title>t</title>".repeat(40);
        let wasm: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("index.html"), &page).unwrap();
        std::fs::write(dir.path().join("app-1a2b3c4d5e6f7a8b_bg.wasm"), &wasm).unwrap();
        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        std::fs::write(dir.path().join("logo.png"), [0x89, b'P', b'N', b'G']).unwrap();

        // A debug build (`trunk serve`): nothing written.
        post_build(dir.path(), Some("debug")).unwrap();
        post_build(dir.path(), None).unwrap();
        assert!(!dir.path().join("index.html.br").exists());

        post_build(dir.path(), Some("release")).unwrap();
        let read = |name: &str| std::fs::read(dir.path().join(name)).unwrap();
        assert_eq!(unbrotli(&read("index.html.br")), page.as_bytes());
        assert_eq!(gunzip(&read("index.html.gz")), page.as_bytes());
        assert_eq!(unbrotli(&read("app-1a2b3c4d5e6f7a8b_bg.wasm.br")), wasm);
        assert_eq!(gunzip(&read("app-1a2b3c4d5e6f7a8b_bg.wasm.gz")), wasm);
        assert!(read("index.html.br").len() < read("index.html.gz").len());
        for absent in ["config.json.br", "config.json.gz", "logo.png.br"] {
            assert!(!dir.path().join(absent).exists(), "{absent}");
        }
        // A second run replaces the copies and does not compress them again.
        std::fs::write(dir.path().join("index.html"), "changed").unwrap();
        let done = precompress_site(dir.path()).unwrap();
        assert_eq!(done, ["app-1a2b3c4d5e6f7a8b_bg.wasm", "index.html"]);
        assert_eq!(unbrotli(&read("index.html.br")), b"changed");
        assert!(!dir.path().join("index.html.br.br").exists());
    }
}
