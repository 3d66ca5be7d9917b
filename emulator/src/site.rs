//! Static hosting of a built `dist/` folder, the way an S3 website (or CloudFront) serves it:
//! `index.html` for a folder, real content types (`application/wasm`), `index.html` never
//! cached and Trunk's hashed assets cached for good, and the security headers that a
//! CloudFront response-headers policy would add.
//!
//! Compressed as CloudFront serves it: the release build writes `<file>.br` (brotli 11) and
//! `<file>.gz` (gzip -9) beside each html/css/js/wasm file (xtask/src/compress.rs), and a browser
//! that accepts br (or gzip) gets that body with `Content-Encoding`, the original's
//! `Content-Type` and `Vary: Accept-Encoding`. A copy is used only while it still decodes to its
//! file: a page edited after the build (the end-to-end tests add a script to `index.html`) is
//! served as it is, uncompressed, never a stale copy. `config.json`, which people edit by hand,
//! is always served plain. The copies themselves are not served under their own names: they are
//! the local stack's, not part of the site a deploy uploads.

use axum::extract::State;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The encodings of the build's copies, by file extension, in the order they are preferred.
const COPIES: [&str; 2] = ["br", "gz"];
/// A file this large is not checked against its copies (nor served from them) when it has no
/// hashed name; the site's pages are a few KB.
const MAX_CHECKED_BYTES: u64 = 4 * 1024 * 1024;

pub fn router(dist: &Path) -> Router {
    router_with(dist, None, None)
}

fn serve_dir(dist: &Path) -> Router {
    Router::new()
        .fallback_service(
            ServeDir::new(dist)
                .append_index_html_on_directories(true)
                .precompressed_br()
                .precompressed_gzip(),
        )
        .layer(middleware::from_fn_with_state(
            Arc::new(dist.to_path_buf()),
            negotiate,
        ))
}

/// The site as the stack hosts it: `config.json` replaced by `config_json` when given (what a
/// deploy of another config does), and a Content-Security-Policy header when given (what a
/// CloudFront response-headers policy adds).
pub fn router_with(dist: &Path, config_json: Option<String>, csp: Option<String>) -> Router {
    let mut router = Router::new();
    if let Some(json) = config_json {
        let config = move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json) }
        };
        router = router.route("/config.json", axum::routing::get(config));
    }
    let router = router
        .merge(serve_dir(dist))
        .layer(middleware::from_fn(hosting_headers));
    match csp.and_then(|c| HeaderValue::from_str(&c).ok()) {
        Some(value) => router.layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            value,
        )),
        None => router,
    }
}

/// What the request asks for, decided before ServeDir opens a file.
#[derive(Debug, PartialEq, Eq)]
enum Negotiation {
    /// Let ServeDir pick the best copy the browser accepts (or the file).
    Copies,
    /// Serve the file as it is, whatever the browser accepts.
    Plain,
    /// A build's copy asked for by its own name: not part of the site.
    NotFound,
}

/// Before ServeDir: decide whether the build's copies may answer this request.
async fn negotiate(
    State(dist): State<Arc<PathBuf>>,
    mut request: Request<axum::body::Body>,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let decision = match tokio::task::spawn_blocking(move || negotiation(&dist, &path)).await {
        Ok(decision) => decision,
        Err(_) => Negotiation::Plain,
    };
    match decision {
        Negotiation::NotFound => return StatusCode::NOT_FOUND.into_response(),
        Negotiation::Plain => {
            request.headers_mut().remove(header::ACCEPT_ENCODING);
        }
        Negotiation::Copies => {}
    }
    let mut response = next.run(request).await;
    // The body depends on Accept-Encoding for every file that has copies; say so always, as
    // CloudFront does for what it compresses, so no cache hands a br body to a gzip client.
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

fn negotiation(dist: &Path, url_path: &str) -> Negotiation {
    let Some(file) = file_for(dist, url_path) else {
        // Percent-encoded or odd paths: ServeDir decides what they are; never a copy.
        return Negotiation::Plain;
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let is_copy = COPIES.iter().any(|ext| {
        name.strip_suffix(&format!(".{ext}"))
            .is_some_and(|original| file.with_file_name(original).is_file())
    });
    if is_copy {
        return Negotiation::NotFound;
    }
    if name == "config.json" {
        return Negotiation::Plain;
    }
    // A hashed name is the content's: its copies, written by the same build, match it.
    if is_hashed_asset(&name) {
        return Negotiation::Copies;
    }
    if copies_match(&file) {
        Negotiation::Copies
    } else {
        Negotiation::Plain
    }
}

/// The file a URL path names under `dist` (`index.html` for a folder), or `None` for a path that
/// is not plain segments.
fn file_for(dist: &Path, url_path: &str) -> Option<PathBuf> {
    let mut file = dist.to_path_buf();
    for segment in url_path.split('/').filter(|s| !s.is_empty()) {
        if segment == "."
            || segment == ".."
            || segment.contains(['%', '\\'])
            || segment.starts_with('.')
        {
            return None;
        }
        file.push(segment);
    }
    if url_path.ends_with('/') || file.is_dir() {
        file.push("index.html");
    }
    Some(file)
}

/// Whether every copy beside `file` decodes to it (true when there are none).
fn copies_match(file: &Path) -> bool {
    let copies: Vec<(&str, Vec<u8>)> = COPIES
        .iter()
        .filter_map(|ext| {
            let mut copy = file.as_os_str().to_owned();
            copy.push(".");
            copy.push(ext);
            std::fs::read(copy).ok().map(|body| (*ext, body))
        })
        .collect();
    if copies.is_empty() {
        return true;
    }
    let Ok(meta) = std::fs::metadata(file) else {
        return false;
    };
    if meta.len() > MAX_CHECKED_BYTES {
        return false;
    }
    let Ok(plain) = std::fs::read(file) else {
        return false;
    };
    copies
        .iter()
        .all(|(ext, body)| decode(ext, body).is_some_and(|decoded| decoded == plain))
}

fn decode(ext: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match ext {
        "br" => brotli::Decompressor::new(body, 4096)
            .take(MAX_CHECKED_BYTES + 1)
            .read_to_end(&mut out)
            .ok()?,
        "gz" => flate2::read::GzDecoder::new(body)
            .take(MAX_CHECKED_BYTES + 1)
            .read_to_end(&mut out)
            .ok()?,
        _ => return None,
    };
    Some(out)
}

/// The policy from shared/security-checklist.md, the same for every build: scripts only from
/// the site itself (the build moves Trunk's inline loader into a file, see xtask/src/loader.rs),
/// WebAssembly allowed, fetches only to `connect` origins. No hash, no `'unsafe-inline'`.
pub fn content_security_policy(
    connect: &[String],
    form_action: &[String],
    report_uri: &str,
) -> String {
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' {}; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self' {}; object-src 'none'; frame-ancestors 'none'; report-uri {report_uri}",
        connect.join(" "),
        form_action.join(" "),
    )
}

async fn hosting_headers(request: Request<axum::body::Body>, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let cache = if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Trunk names built assets `<name>-<hash>.<ext>`, the hash 16 hex digits or (leading zeros
/// dropped) a few fewer.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        // Trunk writes its 64-bit hash in hex without leading zeros: 16 digits, now and then
        // fewer (main.css was `main-54a2409b08fe0b9.css`); 13 or more, so a name a person
        // chose (`logo-2024.png`) is not taken for one.
        Some((_, hash)) => {
            (13..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_the_same_for_every_build_and_allows_no_inline_script() {
        let csp = content_security_policy(&["http://localhost:9000".into()], &[], "/csp-report");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(
            !csp.contains("sha256-") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("connect-src 'self' http://localhost:9000;"));
        assert!(csp.starts_with("default-src 'none';"));
    }

    #[test]
    fn urls_map_to_files_under_the_site_and_nothing_else() {
        let dist = std::env::temp_dir().join("no-such-site-dir");
        assert_eq!(file_for(&dist, "/"), Some(dist.join("index.html")));
        assert_eq!(file_for(&dist, "/a/b.js"), Some(dist.join("a/b.js")));
        assert_eq!(file_for(&dist, "/a/"), Some(dist.join("a/index.html")));
        for odd in ["/../Cargo.toml", "/a/./b", "/%2e%2e/x", "/.env", "/a\\b"] {
            assert_eq!(file_for(&dist, odd), None, "{odd}");
            assert_eq!(negotiation(&dist, odd), Negotiation::Plain, "{odd}");
        }
        assert_eq!(negotiation(&dist, "/config.json"), Negotiation::Plain);
        assert_eq!(
            negotiation(&dist, "/app-0123456789abcdef_bg.wasm"),
            Negotiation::Copies
        );
        // No copies at all: nothing to check, ServeDir serves the file.
        assert_eq!(negotiation(&dist, "/index.html"), Negotiation::Copies);
    }

    #[test]
    fn only_trunk_hashed_names_are_immutable() {
        assert!(is_hashed_asset("/dragons-login-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/app/dragons-login-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed_asset("/main-1a2b3c4d5e6f7a8b.css"));
        assert!(is_hashed_asset("/main-54a2409b08fe0b9.css"));
        assert!(!is_hashed_asset("/logo-2024.png"));
        assert!(!is_hashed_asset("/main-54a2409b08fe.css"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/config.json"));
    }
}
