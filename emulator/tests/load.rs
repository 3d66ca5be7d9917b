//! A bounded load test on loopback: 100 concurrent full logins (login form, code exchange, API
//! call), no error allowed. Prints the figures; speed is reported, not asserted.

mod common;
use common::*;
use std::time::{Duration, Instant};

const LOGINS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_logins_all_succeed() {
    let stack = std::sync::Arc::new(start().await);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..LOGINS {
        let stack = stack.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let body = tokens(&stack).await;
            let r = api_get(&stack, "/dragons", body["id_token"].as_str()).await;
            assert_eq!(r.status(), 200);
            t.elapsed()
        }));
    }
    let mut times: Vec<Duration> = Vec::new();
    for t in tasks {
        times.push(
            tokio::time::timeout(Duration::from_secs(60), t)
                .await
                .expect("each login finishes within a minute")
                .expect("no login failed"),
        );
    }
    let wall = started.elapsed();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "load: {LOGINS} concurrent logins (login form + token exchange + GET /dragons): wall {:.0} ms, {:.0} logins/s, per login p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        ms(wall),
        LOGINS as f64 / wall.as_secs_f64(),
        ms(times[LOGINS / 2]),
        ms(times[LOGINS * 95 / 100]),
        ms(times[LOGINS - 1]),
    );
    assert_eq!(
        stack.shared.store().refresh_tokens.len(),
        LOGINS,
        "one refresh token per login"
    );
}
