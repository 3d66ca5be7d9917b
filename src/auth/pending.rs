//! The sign-in in progress: what the app must remember between leaving for the Hosted UI and
//! coming back. Kept in sessionStorage, used once, refused after ten minutes.

use super::pkce::Pkce;
use super::secret::CodeVerifier;
use super::session::Binding;
use super::PENDING_LOGIN_TTL_SECS;
use crate::codec::b64url_encode;
use crate::config::{Config, Flow};
use crate::json;

/// Fresh random bytes for one sign-in (from `crypto.getRandomValues` in the shell).
pub struct Randomness {
    pub state: [u8; 32],
    pub nonce: [u8; 32],
    pub verifier: [u8; 32],
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingLogin {
    pub state: String,
    pub nonce: String,
    /// Code flow only.
    pub verifier: Option<CodeVerifier>,
    /// The configuration this sign-in started with: the redirect_uri sent (to send byte for
    /// byte again at the token endpoint), the hosts the session will talk to.
    pub binding: Binding,
    /// When the sign-in started (seconds since the epoch).
    pub started_at: i64,
}

impl PendingLogin {
    pub fn start(config: &Config, random: Randomness, now: i64) -> (PendingLogin, Option<Pkce>) {
        let pkce = (config.flow == Flow::Code).then(|| Pkce::from_random(random.verifier));
        let pending = PendingLogin {
            state: b64url_encode(&random.state),
            nonce: b64url_encode(&random.nonce),
            verifier: pkce.as_ref().map(|p| p.verifier.clone()),
            binding: Binding::of(config),
            started_at: now,
        };
        (pending, pkce)
    }

    pub fn is_expired(&self, now: i64) -> bool {
        now.saturating_sub(self.started_at) > PENDING_LOGIN_TTL_SECS
            || now < self.started_at.saturating_sub(300)
    }

    pub fn to_json(&self) -> String {
        json::to_string(&json::build([
            ("state", json::s(&self.state)),
            ("nonce", json::s(&self.nonce)),
            (
                "verifier",
                json::opt(self.verifier.as_ref().map(|v| v.secret())),
            ),
            ("binding", self.binding.to_value()),
            ("started_at", self.started_at.into()),
        ]))
    }

    /// `None` for anything that is not a pending login written by this app.
    pub fn from_json(text: &str) -> Option<PendingLogin> {
        if text.len() > 4096 {
            return None;
        }
        let value = json::parse(text).ok()?;
        let map = json::object(&value).ok()?;
        let read = || -> Result<PendingLogin, String> {
            Ok(PendingLogin {
                state: json::string(map, "state")?,
                nonce: json::string(map, "nonce")?,
                verifier: json::opt_string(map, "verifier")?.map(CodeVerifier::new),
                binding: Binding::from_value(json::field(map, "binding")?)?,
                started_at: json::int(map, "started_at")?,
            })
        };
        read().ok()
    }
}
