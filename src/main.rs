#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    // Debug builds (trunk serve) print a panic's message in the console; release builds leave
    // the hook out (0.7 KB brotli, issue 12) and a panic shows as `unreachable`.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Before anything renders or any request goes out: take a sign-in callback out of the
    // address bar (security checklist row 16).
    let callback = dragons_login::web::location::take_callback();
    dragons_login::ui::start(callback);
}
