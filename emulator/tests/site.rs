//! The static host serves a built site the way S3 website hosting (+ CloudFront) would.

use dragons_emulator::{site, RunningServer};
use std::net::{Ipv4Addr, SocketAddr};

async fn serve(dir: &std::path::Path) -> RunningServer {
    RunningServer::start(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        site::router(dir),
    )
    .await
    .expect("bind loopback")
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>t</title>",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app-0123456789abcdef_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    std::fs::write(dir.path().join("app-0123456789abcdef.js"), "export{}").unwrap();
    std::fs::write(dir.path().join("config.json"), "{}").unwrap();
    dir
}

#[tokio::test]
async fn serves_index_wasm_and_json_with_the_right_types_and_caching() {
    let dir = fixture();
    let server = serve(dir.path()).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", server.url())).send();

    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["content-type"], "text/html");
    assert_eq!(index.headers()["cache-control"], "no-cache");
    assert_eq!(index.headers()["referrer-policy"], "no-referrer");
    assert_eq!(index.headers()["x-content-type-options"], "nosniff");

    let wasm = get("/app-0123456789abcdef_bg.wasm").await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert!(wasm.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));

    let js = get("/app-0123456789abcdef.js").await.unwrap();
    assert!(js.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));

    let json = get("/config.json").await.unwrap();
    assert_eq!(json.headers()["content-type"], "application/json");
    assert_eq!(json.headers()["cache-control"], "no-cache");

    assert_eq!(get("/nope.txt").await.unwrap().status(), 404);
    assert_eq!(get("/../Cargo.toml").await.unwrap().status(), 404);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn stopping_frees_the_port() {
    let dir = fixture();
    let server = serve(dir.path()).await;
    let addr = server.addr();
    server.stop().await.unwrap();
    assert!(reqwest::get(format!("http://{addr}/")).await.is_err());
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).unwrap();
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

const PAGE: &str = "<!doctype html><title>t</title><script type=\"module\" src=\"./app-0123456789abcdef.js\"></script>";
const WASM: &str = "app-0123456789abcdef_bg.wasm";
const JS: &str = "app-0123456789abcdef.js";

/// A release build's output: the files and the `.br`/`.gz` copies the build writes beside them
/// (xtask/src/compress.rs), and stale copies of `config.json` (which the build never writes) to
/// show they are never used.
fn built_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let wasm: Vec<u8> = b"\0asm\x01\0\0\0"
        .iter()
        .copied()
        .chain((0..4000u32).map(|i| (i % 7) as u8))
        .collect();
    let files: [(&str, Vec<u8>); 4] = [
        ("index.html", PAGE.into()),
        (WASM, wasm),
        (JS, "export const a = 1;\n".repeat(20).into()),
        ("config.json", b"{\"clientId\":\"edited\"}".to_vec()),
    ];
    for (name, body) in &files {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let body = if *name == "config.json" {
            b"{\"clientId\":\"stale\"}".to_vec()
        } else {
            body.clone()
        };
        std::fs::write(dir.path().join(format!("{name}.br")), brotli(&body)).unwrap();
        std::fs::write(dir.path().join(format!("{name}.gz")), gzip(&body)).unwrap();
    }
    dir
}

async fn get(
    server: &RunningServer,
    path: &str,
    accept_encoding: Option<&str>,
) -> (reqwest::header::HeaderMap, Vec<u8>, u16) {
    let mut request = reqwest::Client::new().get(format!("{}{path}", server.url()));
    if let Some(value) = accept_encoding {
        request = request.header("accept-encoding", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (headers, response.bytes().await.unwrap().to_vec(), status)
}

fn read(dir: &tempfile::TempDir, name: &str) -> Vec<u8> {
    std::fs::read(dir.path().join(name)).unwrap()
}

#[tokio::test]
async fn the_builds_br_and_gz_copies_are_served_to_browsers_that_accept_them() {
    let dir = built_site();
    let server = serve(dir.path()).await;
    let chromium = Some("gzip, deflate, br, zstd");

    for (path, file, content_type, cache) in [
        ("/", "index.html", "text/html", "no-cache"),
        ("/index.html", "index.html", "text/html", "no-cache"),
        (
            "/app-0123456789abcdef_bg.wasm",
            WASM,
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
        (
            "/app-0123456789abcdef.js",
            JS,
            "text/javascript",
            "public, max-age=31536000, immutable",
        ),
    ] {
        for (accept, encoding, body) in [
            (chromium, Some("br"), format!("{file}.br")),
            (Some("br"), Some("br"), format!("{file}.br")),
            (Some("gzip"), Some("gzip"), format!("{file}.gz")),
            (Some("gzip, deflate"), Some("gzip"), format!("{file}.gz")),
            (Some("br;q=0, gzip"), Some("gzip"), format!("{file}.gz")),
            (Some("identity"), None, file.to_owned()),
            (None, None, file.to_owned()),
        ] {
            let (headers, got, status) = get(&server, path, accept).await;
            let what = format!("{path} with Accept-Encoding {accept:?}");
            assert_eq!(status, 200, "{what}");
            assert_eq!(got, read(&dir, &body), "{what}: the body of {body}");
            assert_eq!(
                headers.get("content-encoding").map(|v| v.to_str().unwrap()),
                encoding,
                "{what}"
            );
            assert!(
                headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with(content_type),
                "{what}: {:?}",
                headers["content-type"]
            );
            assert_eq!(headers["vary"], "accept-encoding", "{what}");
            assert_eq!(headers["cache-control"], cache, "{what}");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
            assert_eq!(headers["content-length"], got.len().to_string(), "{what}");
        }
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn config_json_is_always_served_plain_even_beside_stale_copies() {
    let dir = built_site();
    let server = serve(dir.path()).await;
    for accept in [Some("gzip, deflate, br, zstd"), Some("gzip"), None] {
        let (headers, body, status) = get(&server, "/config.json", accept).await;
        assert_eq!(status, 200);
        assert_eq!(body, b"{\"clientId\":\"edited\"}", "{accept:?}");
        assert!(headers.get("content-encoding").is_none(), "{accept:?}");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["cache-control"], "no-cache");
    }
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_page_edited_after_the_build_is_served_as_it_is_not_its_stale_copy() {
    let dir = built_site();
    // What the end-to-end tests do to a copy of dist/: a script added to index.html.
    let edited = PAGE.replacen("<title>", "<script src=\"./hooks.js\"></script><title>", 1);
    std::fs::write(dir.path().join("index.html"), &edited).unwrap();
    let server = serve(dir.path()).await;
    for path in ["/", "/index.html"] {
        for accept in [Some("gzip, deflate, br, zstd"), Some("gzip"), None] {
            let (headers, body, _) = get(&server, path, accept).await;
            assert_eq!(body, edited.as_bytes(), "{path} {accept:?}");
            assert!(
                headers.get("content-encoding").is_none(),
                "{path} {accept:?}"
            );
            assert_eq!(headers["content-type"], "text/html");
        }
    }
    // Only the .br is stale: the page is still served plain, never the stale copy.
    std::fs::write(dir.path().join("index.html.gz"), gzip(edited.as_bytes())).unwrap();
    let (headers, body, _) = get(&server, "/", Some("br")).await;
    assert_eq!(body, edited.as_bytes());
    assert!(headers.get("content-encoding").is_none());
    // New copies of the edited page: served again.
    std::fs::write(dir.path().join("index.html.br"), brotli(edited.as_bytes())).unwrap();
    let (headers, body, _) = get(&server, "/", Some("br")).await;
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(body, brotli(edited.as_bytes()));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_copies_are_not_served_under_their_own_names() {
    let dir = built_site();
    std::fs::write(dir.path().join("notes.gz"), gzip(b"a file of its own")).unwrap();
    let server = serve(dir.path()).await;
    for path in [
        "/index.html.br",
        "/index.html.gz",
        "/app-0123456789abcdef_bg.wasm.br",
        "/config.json.gz",
    ] {
        assert_eq!(get(&server, path, Some("br")).await.2, 404, "{path}");
    }
    // A .gz that is not a copy of anything is part of the site.
    let (_, body, status) = get(&server, "/notes.gz", None).await;
    assert_eq!(status, 200);
    assert_eq!(body, gzip(b"a file of its own"));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn the_stacks_site_keeps_its_policy_and_its_config_route_with_compression() {
    let dir = built_site();
    let csp = site::content_security_policy(
        &["http://localhost:9000".into()],
        &["http://localhost:9000".into()],
        "/csp-report",
    );
    let server = RunningServer::start(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        site::router_with(
            dir.path(),
            Some("{\"clientId\":\"from-the-stack\"}".into()),
            Some(csp.clone()),
        ),
    )
    .await
    .unwrap();
    let (headers, body, _) = get(&server, "/", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(headers["content-encoding"], "br");
    assert_eq!(body, read(&dir, "index.html.br"));
    assert_eq!(headers["content-security-policy"], csp.as_str());
    assert_eq!(headers["cache-control"], "no-cache");
    let (headers, body, _) = get(&server, "/config.json", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(body, b"{\"clientId\":\"from-the-stack\"}");
    assert!(headers.get("content-encoding").is_none());
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["content-security-policy"], csp.as_str());
    server.stop().await.unwrap();
}
