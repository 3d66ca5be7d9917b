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
