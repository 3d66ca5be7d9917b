//! Release builds: the first download first (issue 25). The app marks one split point
//! (`src/ui/later.rs`, `wasm_split_helpers`, what Leptos's `#[lazy]` is built on); everything
//! only it reaches (the token cards, the diagram, the API console, Settings, …) goes into a wasm
//! file of its own, fetched as the app starts, beside the sign-in's own requests.
//!
//! Trunk knows nothing of this (trunk#1022), so this step redoes, from the linked wasm cargo
//! wrote (linked with `--emit-relocs`: .cargo/config.toml), what Trunk did from it, the way
//! cargo-leptos `--split` does: split it (`wasm_split_cli_support`), run wasm-bindgen over the
//! main part with `--keep-lld-exports` (the later part calls into it by those names), run
//! wasm-opt over each part, and put the results where Trunk put its unsplit ones. The later
//! part and its JS loader are then named after their contents ([`hash_names`], after the
//! minifying), so they can be cached for good; `index.html` asks for the loader at once
//! (`modulepreload`: the main glue imports it, and it must not cost a round trip of its own).

use std::path::{Path, PathBuf};
use std::process::Command;

/// wasm-opt's passes for every part (index.html's `data-wasm-opt="0"` leaves it to this step).
pub const WASM_OPT_PASSES: [&str; 7] = [
    "--strip-debug",
    "--strip-producers",
    "--remove-exports=*intounderlying*",
    "--flatten",
    "--rereloop",
    "-Oz",
    "-Oz",
];

/// The JS file that loads the later part: what the main glue imports, before hashing.
pub const LINK_JS: &str = "split.js";
/// The import module of the main wasm's loader imports (`link_name`).
pub const LINK_MODULE: &str = "./split.js";
/// The later part, before hashing ([`hash_names`] renames it).
const LATER_WASM: &str = "later.wasm";

/// The linked wasm cargo wrote for this build (Trunk ran cargo just before this hook).
fn cargo_wasm() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("target"));
    target.join("wasm32-unknown-unknown/release/dragons-login.wasm")
}

/// The stem (`dragons-login-<hash>`) of Trunk's one `<stem>_bg.wasm` in `dir`.
pub fn trunk_stem(dir: &Path) -> Result<String, String> {
    let mut stems = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("reading {dir:?}: {e}"))? {
        let name = entry
            .map_err(|e| format!("reading {dir:?}: {e}"))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if let Some(stem) = name.strip_suffix("_bg.wasm") {
            stems.push(stem.to_owned());
        }
    }
    match &stems[..] {
        [stem] => Ok(stem.clone()),
        found => Err(format!(
            "expected one *_bg.wasm in {dir:?}, found {}",
            found.len()
        )),
    }
}

fn run(what: &str, cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("running {what} (cargo xtask setup installs it): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn wasm_opt(path: &Path) -> Result<(), String> {
    run(
        "wasm-opt",
        Command::new("wasm-opt")
            .args(crate::names::FEATURES)
            .args(WASM_OPT_PASSES)
            .arg(path)
            .arg("-o")
            .arg(path),
    )
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Split the build in Trunk's staging `dir`: the main part and its glue replace Trunk's, the
/// later part and its loader are written beside them, `index.html` preloads the loader.
pub fn split_site(dir: &Path) -> Result<(), String> {
    let started = std::time::Instant::now();
    let stem = trunk_stem(dir)?;
    let input = read(&cargo_wasm())?;
    let work = crate::root().join("target/wasm-split");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("creating {work:?}: {e}"))?;
    let main_wasm = work.join("main.wasm");
    let main_module = format!("./{stem}.js");
    let link_name = LINK_MODULE;
    let split = wasm_split_cli_support::transform({
        let mut opts = wasm_split_cli_support::Options::new(&input);
        opts.output_dir = &work;
        opts.main_out_path = &main_wasm;
        opts.main_module = &main_module;
        opts.link_name = link_name;
        opts
    })
    .map_err(|e| format!("splitting the wasm at the app's split point: {e:#}"))?;
    let [later] = &split.split_modules[..] else {
        return Err(format!(
            "expected one later part from the split (src/ui/later.rs), got {}: {:?}",
            split.split_modules.len(),
            split.split_modules
        ));
    };

    let bindgen = work.join("bindgen");
    run(
        "wasm-bindgen",
        Command::new("wasm-bindgen")
            .arg("--target=web")
            .arg(format!("--out-dir={}", bindgen.display()))
            .arg(format!("--out-name={stem}"))
            .args(["--no-typescript", "--keep-lld-exports", "--no-demangle"])
            .arg(&main_wasm),
    )?;
    if bindgen.join("snippets").exists() {
        return Err("wasm-bindgen wrote snippets; this step does not copy them yet".into());
    }

    // The main part and its glue, in place of Trunk's unsplit ones (index.html's integrity
    // hashes follow).
    let (glue_path, wasm_path) = (
        dir.join(format!("{stem}.js")),
        dir.join(format!("{stem}_bg.wasm")),
    );
    let (glue_before, wasm_before) = (read(&glue_path)?, read(&wasm_path)?);
    std::fs::copy(bindgen.join(format!("{stem}.js")), &glue_path)
        .map_err(|e| format!("copying the glue: {e}"))?;
    std::fs::copy(bindgen.join(format!("{stem}_bg.wasm")), &wasm_path)
        .map_err(|e| format!("copying the main part: {e}"))?;
    wasm_opt(&wasm_path)?;

    // The later part, and its loader pointing at it under its own name.
    let later_name = later
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let later_path = dir.join(LATER_WASM);
    std::fs::copy(later, &later_path).map_err(|e| format!("copying the later part: {e}"))?;
    wasm_opt(&later_path)?;
    let link =
        String::from_utf8(read(&work.join(LINK_JS))?).map_err(|e| format!("{LINK_JS}: {e}"))?;
    let link = replace_once(
        &link,
        &format!("\"./{later_name}\""),
        &format!("\"./{LATER_WASM}\""),
    )
    .map_err(|e| format!("{LINK_JS}: {e}"))?;
    write(&dir.join(LINK_JS), &link)?;

    let index = dir.join("index.html");
    let page = String::from_utf8(read(&index)?).map_err(|e| format!("index.html: {e}"))?;
    let page = crate::minify::swap_integrity(&page, &glue_before, &read(&glue_path)?);
    let page = crate::minify::swap_integrity(&page, &wasm_before, &read(&wasm_path)?);
    let preload = format!(
        "<link rel=\"modulepreload\" href=\"./{LINK_JS}\" crossorigin=\"anonymous\" integrity=\"{}\">",
        crate::minify::integrity(link.as_bytes())
    );
    let page = replace_once(&page, "</head>", &format!("{preload}\n</head>"))
        .map_err(|e| format!("index.html: {e}"))?;
    write(&index, page)?;
    println!(
        "split the wasm: main {} bytes, later {} bytes, in {:.1} s",
        read(&wasm_path)?.len(),
        read(&later_path)?.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `text` with its one `from` replaced by `to`; an error if `from` is not there exactly once.
fn replace_once(text: &str, from: &str, to: &str) -> Result<String, String> {
    match text.matches(from).count() {
        1 => Ok(text.replacen(from, to, 1)),
        n => Err(format!("expected `{from}` once, found it {n} times")),
    }
}

/// `name` (`stem.ext`) as `stem-<16 hex digits of the SHA-256 of bytes>.ext`: the names the build
/// gives the files it writes itself (the loader, the later part and its loader).
pub fn hashed(name: &str, bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let hash: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{hash}.{ext}"),
        None => format!("{name}-{hash}"),
    }
}

/// Name the later part and its loader after their final contents (after wasm-opt and the
/// minifying), and point the loader, the glue and `index.html` at the new names.
pub fn hash_names(dir: &Path) -> Result<(), String> {
    let stem = trunk_stem(dir)?;
    let later = read(&dir.join(LATER_WASM))?;
    let later_name = hashed(LATER_WASM, &later);
    let link_path = dir.join(LINK_JS);
    let old_link = String::from_utf8(read(&link_path)?).map_err(|e| format!("{LINK_JS}: {e}"))?;
    let link = replace_once(
        &old_link,
        &format!("./{LATER_WASM}"),
        &format!("./{later_name}"),
    )
    .map_err(|e| format!("{LINK_JS}: {e}"))?;
    let link_name = hashed(LINK_JS, link.as_bytes());
    write(&dir.join(&link_name), &link)?;
    rename(&dir.join(LATER_WASM), &dir.join(&later_name))?;
    std::fs::remove_file(&link_path).map_err(|e| format!("removing {link_path:?}: {e}"))?;

    let glue_path = dir.join(format!("{stem}.js"));
    let glue = String::from_utf8(read(&glue_path)?).map_err(|e| format!("the glue: {e}"))?;
    let new_glue = replace_once(&glue, &format!("./{LINK_JS}"), &format!("./{link_name}"))
        .map_err(|e| format!("the glue: {e}"))?;
    write(&glue_path, &new_glue)?;

    let index = dir.join("index.html");
    let page = String::from_utf8(read(&index)?).map_err(|e| format!("index.html: {e}"))?;
    let page = crate::minify::swap_integrity(&page, glue.as_bytes(), new_glue.as_bytes());
    let page = crate::minify::swap_integrity(&page, old_link.as_bytes(), link.as_bytes());
    let page = replace_once(&page, &format!("./{LINK_JS}"), &format!("./{link_name}"))
        .map_err(|e| format!("index.html: {e}"))?;
    write(&index, page)?;
    println!("named the later part {later_name}, its loader {link_name}");
    Ok(())
}

fn rename(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::rename(from, to).map_err(|e| format!("renaming {from:?} to {to:?}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_later_part_is_named_after_its_contents_and_cached_for_good() {
        let a = hashed(LATER_WASM, b"one build");
        let b = hashed(LATER_WASM, b"another build");
        assert!(a.starts_with("later-") && a.ends_with(".wasm"), "{a}");
        assert_ne!(a, b, "new contents, new name");
        assert_eq!(a, hashed(LATER_WASM, b"one build"));
        for name in [a, hashed(LINK_JS, b"loader")] {
            assert!(crate::hosting::is_hashed_asset(&name), "{name}");
            assert_eq!(
                crate::hosting::cache_control(&name),
                "public, max-age=31536000, immutable"
            );
        }
        assert_eq!(crate::hosting::cache_control("index.html"), "no-cache");
    }

    #[test]
    fn a_reference_is_replaced_only_when_it_is_there_once() {
        assert_eq!(replace_once("a ./x b", "./x", "./y"), Ok("a ./y b".into()));
        assert!(replace_once("a b", "./x", "./y").is_err());
        assert!(replace_once("./x ./x", "./x", "./y").is_err());
    }

    #[test]
    fn the_split_step_finds_trunks_one_wasm() {
        let dir = tempfile::tempdir().unwrap();
        assert!(trunk_stem(dir.path()).is_err());
        std::fs::write(dir.path().join("app-1a2b_bg.wasm"), "").unwrap();
        std::fs::write(dir.path().join("later-1a2b.wasm"), "").unwrap();
        assert_eq!(trunk_stem(dir.path()), Ok("app-1a2b".into()));
        std::fs::write(dir.path().join("other_bg.wasm"), "").unwrap();
        assert!(trunk_stem(dir.path()).is_err());
    }
}
