//! The README's Develop path: `trunk serve` (a debug build, served by Trunk) beside the local
//! stack started without its site, signed in through it end to end.

use dragons_e2e::{runs_in, Engine, Harness};

#[tokio::test]
async fn trunk_serve_beside_the_local_stack_signs_in_and_calls_the_api() {
    if !runs_in(
        &[Engine::Chromium],
        "the Develop path tests Trunk's debug build and dev server (about 100 s of building); \
         the same app code runs in this engine in every other test, from the release build",
    ) {
        return;
    }
    let h = Harness::developing().await;
    h.open("/").await;
    h.sign_in_as("dragonrider").await;
    h.text_becomes("access-token-verdict", |t| t == "Verified")
        .await;
    h.by_testid("get-dragons").await.click().await.unwrap();
    h.text_becomes("inspector-status", |t| t == "200").await;
    h.finish().await;
}
