//! The one error type of the sign-in core, and the typed errors it is made of. Every message
//! says what happened and what to do next.

use super::callback::CallbackError;
use super::claims::TokenKind;
use super::token::TokenError;
use super::verify::Rejection;
use thiserror::Error;

/// A request that got no answer at all.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TransportError {
    #[error("no answer within {} s", .0 / 1000)]
    Timeout(u32),
    /// The browser's own words (network down, connection refused, CORS).
    #[error("{}", super::cap(.0, 160))]
    Failed(String),
}

/// The user pool's keys could not be had.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum KeysError {
    #[error("the user pool's keys (JWKS) could not be fetched from {uri} ({error}); check issuer in Settings and your network")]
    Unreachable { uri: String, error: TransportError },
    #[error("the JWKS at {uri} answered HTTP {status}; check issuer in Settings")]
    Status { uri: String, status: u16 },
    #[error("the JWKS at {uri} is not a key set ({detail}); check issuer in Settings")]
    Unreadable { uri: String, detail: String },
}

/// The browser refused storage the app needs.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum StorageError {
    #[error("the browser refused to use sessionStorage, which sign-in needs to remember it started (is storage disabled or full?)")]
    SessionUnavailable,
    #[error("the browser refused access to localStorage")]
    LocalUnavailable,
    #[error("the browser refused to save to localStorage (private mode or full?)")]
    LocalFull,
    #[error("your saved settings could not be read ({0}); press Reset to clear them")]
    UnreadableSettings(String),
}

/// The browser could not do what sign-in needs.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BrowserError {
    #[error("this browser gives no cryptographic random numbers (Web Crypto)")]
    NoRandomness,
    #[error("the browser refused to leave for {0}")]
    NavigationRefused(String),
}

#[derive(Clone, Debug, PartialEq, Error)]
pub enum AuthError {
    #[error(transparent)]
    Callback(#[from] CallbackError),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("The tokens cannot be checked yet: {0}.")]
    Keys(#[from] KeysError),
    #[error("The {} was rejected: {reason}.", kind.name())]
    Rejected { kind: TokenKind, reason: Rejection },
    #[error("The refreshed tokens belong to another user, so you were signed out. Sign in again.")]
    SubjectChanged,
    #[error("Cognito returned no ID token: the scopes must include openid.")]
    NoIdToken,
    #[error("Cognito refused the refresh token (invalid_grant): it was revoked, has expired, or was replaced by a newer one (with refresh-token rotation, another tab of this session may have refreshed first). Sign in again.")]
    RefreshRefused,
    #[error("This computer's clock is {} {} the user pool's, too far off to check tokens. Set the date and time right (automatically), then sign in again.", duration(.secs.unsigned_abs()), if *.secs < 0 { "ahead of" } else { "behind" })]
    ClockOff {
        /// The issuer's clock minus this computer's, in seconds.
        secs: i64,
    },
    #[error("Sign-in could not start: {0}.")]
    Storage(#[from] StorageError),
    #[error("Sign-in could not start: {0}.")]
    Browser(#[from] BrowserError),
}

impl AuthError {
    /// A failure that may pass by itself (network, timeout, 5xx, keys unreachable): retried.
    pub fn is_transient(&self) -> bool {
        match self {
            AuthError::Token(TokenError::Transport(_)) | AuthError::Keys(_) => true,
            AuthError::Token(TokenError::Unreadable { status, .. }) => *status >= 500,
            AuthError::Token(TokenError::Server { status, .. }) => *status >= 500,
            _ => false,
        }
    }
}

/// A duration in words for people: "45 s", "12 min", "3 h 20 min", "2 days".
pub fn duration(secs: u64) -> String {
    if secs < 90 {
        return format!("{secs} s");
    }
    let minutes = (secs + 30) / 60;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) if h < 48 => format!("{h} h"),
        (h, m) if h < 48 => format!("{h} h {m} min"),
        _ => format!("{} days", (secs + 43_200) / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration(45), "45 s");
        assert_eq!(duration(600), "10 min");
        assert_eq!(duration(3400), "57 min");
        assert_eq!(duration(3 * 3600 + 20 * 60), "3 h 20 min");
        assert_eq!(duration(7200), "2 h");
        assert_eq!(duration(3599), "1 h", "a measured hour is an hour");
        assert_eq!(duration(3 * 86_400), "3 days");
    }

    #[test]
    fn a_wrong_clock_is_named_with_how_far_and_which_way() {
        let ahead = AuthError::ClockOff { secs: -2 * 86_400 }.to_string();
        assert!(
            ahead.starts_with("This computer's clock is 2 days ahead of"),
            "{ahead}"
        );
        let behind = AuthError::ClockOff { secs: 30 * 3600 }.to_string();
        assert!(behind.contains("30 h behind"), "{behind}");
    }

    #[test]
    fn only_network_keys_and_server_errors_are_transient() {
        let net = AuthError::Token(TokenError::Transport(TransportError::Timeout(10_000)));
        assert!(net.is_transient());
        assert!(net.to_string().contains("no answer within 10 s"), "{net}");
        let grant = AuthError::Token(TokenError::Server {
            status: 400,
            error: "invalid_grant".into(),
        });
        assert!(!grant.is_transient());
        assert!(AuthError::Token(TokenError::Unreadable {
            status: 503,
            detail: String::new()
        })
        .is_transient());
        assert!(!AuthError::RefreshRefused.is_transient());
        assert!(!AuthError::SubjectChanged.is_transient());
    }
}
