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

/// Carry out one of the session machine's requests. The browser's fetch starts now, not at the
/// first poll: the page's first render (which runs before any spawned future) then overlaps the
/// network instead of delaying it.
pub fn send(request: &HttpRequest) -> impl std::future::Future<Output = HttpResult> + 'static {
    let timeout_ms = request.timeout_ms;
    let builder = match &request.form {
        Some(_) => RequestBuilder::new(&request.url)
            .method(gloo_net::http::Method::POST)
            .header("Content-Type", "application/x-www-form-urlencoded"),
        None => RequestBuilder::new(&request.url),
    }
    .abort_signal(deadline(timeout_ms).as_ref());
    let built = match &request.form {
        Some(form) => builder.body(form.clone()),
        None => builder.build(),
    };
    let started = built
        .map_err(|e| transport_error(e, timeout_ms))
        .and_then(|request| {
            let raw: web_sys::Request = request.into();
            web_sys::window()
                .map(|w| w.fetch_with_request(&raw))
                .ok_or_else(|| TransportError::Failed("no window to fetch from".into()))
        });
    async move {
        let answer = wasm_bindgen_futures::JsFuture::from(started?)
            .await
            .map_err(|e| fetch_error(&e, timeout_ms))?;
        let response = Response::from(web_sys::Response::from(answer));
        Ok(HttpAnswer {
            status: response.status(),
            body: response.text().await.unwrap_or_default(),
        })
    }
}

/// A rejected fetch in the core's terms (an aborted one is our time limit).
fn fetch_error(error: &wasm_bindgen::JsValue, timeout_ms: u32) -> TransportError {
    use wasm_bindgen::JsCast;
    match error.dyn_ref::<js_sys::Error>() {
        Some(e) if e.name() == "TimeoutError" || e.name() == "AbortError" => {
            TransportError::Timeout(timeout_ms)
        }
        Some(e) => TransportError::Failed(format!("{}: {}", e.name(), e.message())),
        None => TransportError::Failed(error.as_string().unwrap_or_else(|| "fetch failed".into())),
    }
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
