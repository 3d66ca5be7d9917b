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

pub fn router(dist: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dist).append_index_html_on_directories(true))
        .layer(middleware::from_fn(hosting_headers))
}

/// The site with `config.json` replaced by `config_json` (what a deploy of another config does).
pub fn router_with_config(dist: &Path, config_json: String) -> Router {
    let config = move || {
        let json = config_json.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], json) }
    };
    Router::new()
        .route("/config.json", axum::routing::get(config))
        .fallback_service(ServeDir::new(dist).append_index_html_on_directories(true))
        .layer(middleware::from_fn(hosting_headers))
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
    use super::is_hashed_asset;

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
