//! HTTP through the browser's fetch (web_sys directly), every request with a time limit.
//! Answers come back as status + text for the core to read; "no answer at all" is its own case
//! (network, CORS, timeout).

use crate::auth::error::TransportError;
use crate::auth::http::{HttpAnswer, HttpRequest, HttpResult, REQUEST_TIMEOUT_MS};
use std::future::Future;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

/// The browser's words for a rejection: `Name: message`, or the text it was rejected with.
fn js_error_text(error: &JsValue, otherwise: &str) -> String {
    match error.dyn_ref::<js_sys::Error>() {
        Some(e) => format!("{}: {}", e.name(), e.message()),
        None => error.as_string().unwrap_or_else(|| otherwise.into()),
    }
}

/// A rejected fetch (or a failed request) in the core's terms (an aborted one is our time limit).
fn fetch_error(error: &JsValue, timeout_ms: u32) -> TransportError {
    match error.dyn_ref::<js_sys::Error>() {
        Some(e) if e.name() == "TimeoutError" || e.name() == "AbortError" => {
            TransportError::Timeout(timeout_ms)
        }
        _ => TransportError::Failed(js_error_text(error, "fetch failed")),
    }
}

/// Start a fetch now (not at the first poll) with a time limit of `timeout_ms`; the future
/// is its response.
pub fn start(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    timeout_ms: u32,
) -> impl Future<Output = Result<Response, TransportError>> + 'static {
    let started = (|| {
        let init = RequestInit::new();
        init.set_method(method);
        let list = Headers::new()?;
        for (k, v) in headers {
            list.append(k, v)?;
        }
        init.set_headers(&list);
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(body));
        }
        init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(timeout_ms)));
        let window =
            web_sys::window().ok_or_else(|| JsValue::from_str("no window to fetch from"))?;
        Ok::<_, JsValue>(window.fetch_with_str_and_init(url, &init))
    })();
    async move {
        let promise = started.map_err(|e| fetch_error(&e, timeout_ms))?;
        let answer = JsFuture::from(promise)
            .await
            .map_err(|e| fetch_error(&e, timeout_ms))?;
        Ok(answer.unchecked_into::<Response>())
    }
}

/// The body as text ("" if it cannot be read).
pub async fn text(response: &Response) -> Result<String, String> {
    let read = async {
        let text = JsFuture::from(response.text()?).await?;
        Ok::<_, JsValue>(text.as_string().unwrap_or_default())
    };
    read.await
        .map_err(|e| js_error_text(&e, "the body could not be read"))
}

/// Carry out one of the session machine's requests. The browser's fetch starts now, not at the
/// first poll: the page's first render (which runs before any spawned future) then overlaps the
/// network instead of delaying it.
pub fn send(request: &HttpRequest) -> impl Future<Output = HttpResult> + 'static {
    let answer = match &request.form {
        Some(form) => start(
            "POST",
            &request.url,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(form),
            request.timeout_ms,
        ),
        None => start("GET", &request.url, &[], None, request.timeout_ms),
    };
    status_and_text(answer)
}

/// Any request, started now, with the usual time limit: its status and text.
pub fn fetch(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> impl Future<Output = HttpResult> + 'static {
    status_and_text(start(method, url, headers, body, REQUEST_TIMEOUT_MS))
}

/// A started fetch's answer as the core reads it: status and text.
async fn status_and_text(
    started: impl Future<Output = Result<Response, TransportError>>,
) -> HttpResult {
    let response = started.await?;
    Ok(HttpAnswer {
        status: response.status(),
        body: text(&response).await.unwrap_or_default(),
    })
}
