//! Secrets as newtypes: `Debug` prints `[redacted]`, the value is reached only by `.secret()`.

use std::fmt;

macro_rules! secret {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The raw value: only for the place that must send it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret!(
    /// The PKCE code verifier (RFC 7636), kept until the code is exchanged.
    CodeVerifier
);
secret!(
    /// An ID token (a JWT) as received.
    IdToken
);
secret!(
    /// An access token (a JWT) as received.
    AccessToken
);
secret!(
    /// A refresh token (opaque to the app).
    RefreshToken
);
secret!(
    /// An authorization code, single use.
    AuthCode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let shown = format!(
            "{:?} {:?} {:?} {:?} {:?}",
            CodeVerifier::new("v3rifier"),
            IdToken::new("eyJ.id"),
            AccessToken::new("eyJ.access"),
            RefreshToken::new("r3fresh"),
            AuthCode::new("c0de")
        );
        for secret in ["v3rifier", "eyJ", "r3fresh", "c0de"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("IdToken([redacted])"));
        assert_eq!(IdToken::new("abc").secret(), "abc");
    }
}
