//! Static hosting of a built `dist/` folder, the way an S3 website (or CloudFront) serves it:
//! `index.html` for a folder, real content types (`application/wasm`), `index.html` never
//! cached and Trunk's hashed assets cached for good, and the security headers that a
//! CloudFront response-headers policy would add.

use axum::http::{header, HeaderValue, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(dist: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dist).append_index_html_on_directories(true))
        .layer(middleware::from_fn(hosting_headers))
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
        .fallback_service(ServeDir::new(dist).append_index_html_on_directories(true))
        .layer(middleware::from_fn(hosting_headers));
    match csp.and_then(|c| HeaderValue::from_str(&c).ok()) {
        Some(value) => router.layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            value,
        )),
        None => router,
    }
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

/// Trunk names built assets `<name>-<16 hex digits>.<ext>`.
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        Some((_, hash)) => hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
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
    fn only_trunk_hashed_names_are_immutable() {
        assert!(is_hashed_asset("/dragons-login-1a2b3c4d5e6f7a8b_bg.wasm"));
        assert!(is_hashed_asset("/app/dragons-login-1a2b3c4d5e6f7a8b.js"));
        assert!(is_hashed_asset("/main-1a2b3c4d5e6f7a8b.css"));
        assert!(!is_hashed_asset("/"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/config.json"));
    }
}
