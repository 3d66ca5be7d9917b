//! The requests the session machine asks the shell to send, and the answers it reads back.

use super::error::TransportError;
use std::fmt;

/// Every request gives up after this long (the shell aborts it).
pub const REQUEST_TIMEOUT_MS: u32 = 10_000;

/// Names a request in flight, so its answer finds its way back (and a late one is dropped).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestId(pub u64);

/// A GET, or a POST of an `application/x-www-form-urlencoded` body. `Debug` hides the body
/// (codes, verifiers and refresh tokens travel in it).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    pub form: Option<String>,
    pub timeout_ms: u32,
}

impl HttpRequest {
    pub fn get(url: String) -> HttpRequest {
        HttpRequest {
            url,
            form: None,
            timeout_ms: REQUEST_TIMEOUT_MS,
        }
    }

    pub fn post_form(url: String, form: String) -> HttpRequest {
        HttpRequest {
            url,
            form: Some(form),
            timeout_ms: REQUEST_TIMEOUT_MS,
        }
    }

    pub fn method(&self) -> &'static str {
        if self.form.is_some() {
            "POST"
        } else {
            "GET"
        }
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.url)?;
        if self.form.is_some() {
            f.write_str(" (form [redacted])")?;
        }
        Ok(())
    }
}

/// An answer: status and body text. `Debug` hides the body (tokens travel in it).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: String,
}

impl fmt::Debug for HttpAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} ({} bytes [redacted])",
            self.status,
            self.body.len()
        )
    }
}

pub type HttpResult = Result<HttpAnswer, TransportError>;
