//! Sending a dragons API request from the browser and reading back all it lets us see.

use crate::api::ApiRequest;
use crate::auth::http::REQUEST_TIMEOUT_MS;
use wasm_bindgen::JsCast;

/// What came back: the status, the headers the browser exposes, the body, the time taken.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiAnswer {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub elapsed_ms: i64,
    /// Why there is no status (the browser's own words), when there is none.
    pub failure: Option<String>,
}

/// Send `request`, drawn on the session's trace (`driver`).
pub async fn send(
    request: &ApiRequest,
    to: crate::trace::Party,
    driver: super::driver::Driver,
) -> ApiAnswer {
    let started = super::now_ms();
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let method = if request.method == "POST" {
        "POST"
    } else {
        "GET"
    };
    let id = driver.sent(to, method, &request.url, &headers, request.body.as_deref());
    let sent = super::http::start(
        method,
        &request.url,
        &headers,
        request.body.as_deref(),
        REQUEST_TIMEOUT_MS,
    );
    let answer = match sent.await {
        Ok(response) => ApiAnswer {
            status: Some(response.status()),
            headers: header_list(&response.headers()),
            body: super::http::text(&response).await.unwrap_or_default(),
            elapsed_ms: super::now_ms() - started,
            failure: None,
        },
        Err(e) => ApiAnswer {
            status: None,
            headers: Vec::new(),
            body: String::new(),
            elapsed_ms: super::now_ms() - started,
            failure: Some(e.to_string()),
        },
    };
    let said = answer.failure.as_deref().unwrap_or(&answer.body);
    driver.answered(id, answer.status, said);
    answer
}

/// The headers the browser lets the page see, as (name, value).
fn header_list(headers: &web_sys::Headers) -> Vec<(String, String)> {
    let Ok(Some(entries)) = js_sys::try_iter(headers) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|entry| {
            let pair: js_sys::Array = entry.unchecked_into();
            (
                pair.get(0).as_string().unwrap_or_default(),
                pair.get(1).as_string().unwrap_or_default(),
            )
        })
        .collect()
}
