//! HTTP through the browser's fetch (gloo-net), every request with a time limit. Answers come
//! back as status + text for the core to read; "no answer at all" is its own case (network,
//! CORS, timeout).

use crate::auth::error::TransportError;
use crate::auth::http::{HttpAnswer, HttpRequest, HttpResult, REQUEST_TIMEOUT_MS};
use gloo_net::http::{RequestBuilder, Response};

/// A signal that aborts the request after `ms`.
pub fn deadline(ms: u32) -> Option<web_sys::AbortSignal> {
    Some(web_sys::AbortSignal::timeout_with_u32(ms))
}

/// The browser's failure in the core's terms (a timeout is named as such).
pub fn transport_error(error: gloo_net::Error, timeout_ms: u32) -> TransportError {
    match error {
        gloo_net::Error::JsError(e) if e.name == "TimeoutError" || e.name == "AbortError" => {
            TransportError::Timeout(timeout_ms)
        }
        other => TransportError::Failed(other.to_string()),
    }
}

/// Send `builder` with a time limit of `timeout_ms`, the body if any.
pub async fn fetch(
    builder: RequestBuilder,
    body: Option<String>,
    timeout_ms: u32,
) -> Result<Response, TransportError> {
    let signal = deadline(timeout_ms);
    let builder = builder.abort_signal(signal.as_ref());
    let sent = match body {
        Some(body) => match builder.body(body) {
            Ok(request) => request.send().await,
            Err(e) => Err(e),
        },
        None => builder.send().await,
    };
    sent.map_err(|e| transport_error(e, timeout_ms))
}

/// Carry out one of the session machine's requests.
pub async fn send(request: &HttpRequest) -> HttpResult {
    let builder = match &request.form {
        Some(_) => RequestBuilder::new(&request.url)
            .method(gloo_net::http::Method::POST)
            .header("Content-Type", "application/x-www-form-urlencoded"),
        None => RequestBuilder::new(&request.url),
    };
    let response = fetch(builder, request.form.clone(), request.timeout_ms).await?;
    Ok(HttpAnswer {
        status: response.status(),
        body: response.text().await.unwrap_or_default(),
    })
}

/// GET with an `Authorization` header value (userInfo), with the usual time limit.
pub async fn get_authorized(url: &str, authorization: &str) -> HttpResult {
    let builder = RequestBuilder::new(url).header("Authorization", authorization);
    let response = fetch(builder, None, REQUEST_TIMEOUT_MS).await?;
    Ok(HttpAnswer {
        status: response.status(),
        body: response.text().await.unwrap_or_default(),
    })
}
