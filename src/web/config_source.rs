//! Fetches `config.json` from next to `index.html` (a relative URL, so any S3 prefix works).
//! The query string is never read for configuration: a link must not be able to send tokens
//! elsewhere (security checklist row 20).

use crate::auth::http::REQUEST_TIMEOUT_MS;
use crate::config::RawConfig;

/// What became of `config.json`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileStatus {
    Loading,
    Loaded,
    /// No config.json next to the page (HTTP 404): the built-in defaults apply.
    Missing,
    /// It exists but could not be fetched or read; the message says what to do.
    Failed(String),
}

pub const CONFIG_PATH: &str = "config.json";

pub async fn fetch_config_file() -> (RawConfig, FileStatus) {
    let request = super::http::start("GET", CONFIG_PATH, &[], None, REQUEST_TIMEOUT_MS);
    let response = match request.await {
        Ok(r) => r,
        Err(e) => {
            return (
                RawConfig::default(),
                FileStatus::Failed(format!(
                    "config.json could not be fetched ({e}); check that it is deployed next to index.html. Using the built-in defaults."
                )),
            )
        }
    };
    match response.status() {
        200 => {}
        404 => return (RawConfig::default(), FileStatus::Missing),
        status => {
            return (
                RawConfig::default(),
                FileStatus::Failed(format!(
                    "config.json answered HTTP {status}; check the hosting. Using the built-in defaults."
                )),
            )
        }
    }
    match super::http::text(&response).await {
        Ok(text) => match RawConfig::from_json(&text) {
            Ok(raw) => (raw, FileStatus::Loaded),
            Err(e) => (
                RawConfig::default(),
                FileStatus::Failed(format!("{e}. Using the built-in defaults.")),
            ),
        },
        Err(e) => (
            RawConfig::default(),
            FileStatus::Failed(format!(
                "config.json could not be read ({e}). Using the built-in defaults."
            )),
        ),
    }
}
