//! The site is served with the checklist's Content-Security-Policy (as CloudFront would add
//! it), the app runs under it, and a violation is caught and reported.

use dragons_e2e::Harness;

#[tokio::test]
async fn the_app_runs_under_the_csp_and_a_violation_is_reported() {
    let h = Harness::with_stack(|_| {}).await;
    h.open("/").await;
    h.by_testid("sign-in").await;
    let policy = h
        .js_text("return fetch('/').then(r => r.headers.get('content-security-policy'))")
        .await;
    for part in [
        "default-src 'none'",
        "script-src 'self' 'wasm-unsafe-eval';",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(policy.contains(part), "{part} missing from {policy}");
    }
    // The same policy for every build: no hash of an inline loader, no 'unsafe-inline'.
    assert!(
        !policy.contains("unsafe-inline") && !policy.contains("sha256-"),
        "{policy}"
    );
    let index = h.js_text("return fetch('/').then(r => r.text())").await;
    assert!(!index.contains("import init"), "no inline loader: {index}");
    assert_eq!(
        h.csp_violations().await,
        Vec::<String>::new(),
        "the app itself violates nothing"
    );

    // A control: a fetch to an origin the policy does not list is blocked and reported.
    h.js("fetch('http://127.0.0.1:9/steal').catch(() => {}); return 1")
        .await;
    let deadline = std::time::Instant::now() + dragons_e2e::WAIT;
    loop {
        let reports = h.stack().shared.store().csp_reports.clone();
        if let Some(r) = reports.first() {
            assert!(r.contains("connect-src"), "{r}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no violation report arrived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    h.finish().await;
}
