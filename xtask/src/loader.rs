//! Trunk 0.21 always writes its wasm loader as an inline `<script type="module">` in
//! `index.html`. A strict Content-Security-Policy (`script-src 'self' 'wasm-unsafe-eval'`, the
//! same for every build, as S3 + CloudFront or a `<meta>` tag must serve it) refuses inline
//! scripts. This step, run by Trunk's `post_build` hook (see Trunk.toml) on every build, moves the
//! loader into `loader-<hash>.js` beside the wasm and points a `<script src>` at it.
//!
//! The tag goes at the end of `<body>`, `async` (issue 12): a module script in `<head>` is
//! deferred, and deferred scripts wait for the stylesheet, so the wasm was compiled only once
//! main.css had arrived; async, it starts as soon as the loader and the wasm are here (the page
//! it draws into is parsed by then, the tag being its last element). The first paint still waits
//! for the stylesheet, as it must.

use std::path::Path;

const OPEN: &str = "<script type=\"module\">";
const CLOSE: &str = "</script>";

/// The page with Trunk's inline loader replaced by a `<script src>`, and the loader file
/// (name, contents). `None` when there is no inline loader (already moved).
pub fn rewrite(html: &str) -> Result<Option<(String, String, String)>, String> {
    let Some(start) = html.find(OPEN) else {
        return Ok(None);
    };
    let body_start = start + OPEN.len();
    let end = html[body_start..]
        .find(CLOSE)
        .map(|i| body_start + i)
        .ok_or("index.html: an inline module script without </script>")?;
    let script = &html[body_start..end];
    if !script.contains("import init") {
        return Err(
            "index.html: an inline module script that is not Trunk's loader; move it to a file"
                .into(),
        );
    }
    let script = format!("{}\n", script.trim());
    let name = crate::split::hashed("loader.js", script.as_bytes());
    let tag = format!("<script type=\"module\" async src=\"./{name}\"></script>");
    let page = format!("{}{}", &html[..start], &html[end + CLOSE.len()..]);
    if page.contains(OPEN) {
        return Err("index.html: more than one inline module script".into());
    }
    let body_end = page
        .rfind("</body>")
        .ok_or("index.html: no </body> to put the loader before")?;
    let page = format!("{}{tag}{}", &page[..body_end], &page[body_end..]);
    Ok(Some((page, name, script)))
}

/// Move the loader out of `dir/index.html` (Trunk's staging directory).
pub fn externalize(dir: &Path) -> Result<(), String> {
    let index = dir.join("index.html");
    let html =
        std::fs::read_to_string(&index).map_err(|e| format!("reading {}: {e}", index.display()))?;
    let Some((page, name, script)) = rewrite(&html)? else {
        return Ok(());
    };
    std::fs::write(dir.join(&name), script).map_err(|e| format!("writing {name}: {e}"))?;
    std::fs::write(&index, page).map_err(|e| format!("writing {}: {e}", index.display()))?;
    println!("moved Trunk's inline loader to {name}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK: &str = "<head>\n<link rel=\"stylesheet\" href=\"./main.css\"/>\n<script type=\"module\">\nimport init, * as bindings from './app-1.js';\nconst wasm = await init({ module_or_path: './app-1_bg.wasm' });\nwindow.wasmBindings = bindings;\n</script>\n  <link rel=\"modulepreload\" href=\"./app-1.js\"></head><body><script>/* not a module */</script></body>";

    #[test]
    fn the_inline_loader_moves_to_a_hashed_file_and_nothing_else_changes() {
        let (page, name, script) = rewrite(TRUNK).unwrap().expect("a loader");
        assert!(name.starts_with("loader-") && name.ends_with(".js") && name.len() == 26);
        assert!(script.starts_with("import init, * as bindings from './app-1.js';"));
        assert!(!page.contains("import init"));
        // Last in the body, async: it waits for the page above it, not for the stylesheet.
        assert!(page.contains(&format!(
            "<script>/* not a module */</script><script type=\"module\" async src=\"./{name}\"></script></body>"
        )));
        assert!(page.contains("<link rel=\"modulepreload\" href=\"./app-1.js\">"));
        assert!(page.contains("<script>/* not a module */</script>"));
        // The same loader, the same name; another build, another name.
        assert_eq!(rewrite(TRUNK).unwrap().unwrap().1, name);
        let other = TRUNK.replace("app-1", "app-2");
        assert_ne!(rewrite(&other).unwrap().unwrap().1, name);
        // Already moved: nothing to do.
        assert_eq!(rewrite(&page).unwrap(), None);
    }

    #[test]
    fn a_module_script_that_is_not_the_loader_is_refused() {
        let html = "<script type=\"module\">alert(1)</script>";
        assert!(rewrite(html).unwrap_err().contains("not Trunk's loader"));
        let open = "<script type=\"module\">import init";
        assert!(rewrite(open).is_err());
        let no_body = "<head><script type=\"module\">import init from './a.js';</script></head>";
        assert!(rewrite(no_body).unwrap_err().contains("</body>"));
    }
}
