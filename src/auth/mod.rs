//! The sign-in protocol core: pure functions over strings, bytes and `now` (seconds since the
//! epoch). No browser, no I/O: `web/` feeds it and performs what it decides.
//!
//! [`machine::Machine`] holds the whole lifecycle: it takes events (the callback, HTTP answers,
//! signature results, timer wake-ups, the person's actions) and returns effects for the shell.
//! Its parts: [`pending::PendingLogin`] → [`authorize::authorize_url`] → (Hosted UI) →
//! [`callback::handle_callback`] → [`token`] bodies and answers → [`jwt::decode`] +
//! [`claims`] checks + the signature ([`verify`]) → [`session::Session`].

// Nothing from the URL, the network or storage may panic the app (security checklist).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod authorize;
pub mod callback;
pub mod claims;
pub mod error;
pub mod explain;
pub mod http;
pub mod jwks;
pub mod jwt;
pub mod machine;
pub mod pending;
pub mod pkce;
pub mod secret;
pub mod session;
pub mod token;
pub mod verify;

/// Longest token (or callback value) the app reads; anything longer is refused unparsed.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// How far clocks may disagree when checking `exp` and `iat`, in seconds. Stated on screen.
pub const CLOCK_LEEWAY_SECS: i64 = 60;

/// How long a started sign-in may take before its callback is refused, in seconds.
pub const PENDING_LOGIN_TTL_SECS: i64 = 600;

/// Cut text from outside (error descriptions, claim values in messages) to a safe length.
pub fn cap(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max_chars).collect();
        cut.push('…');
        cut
    }
}
