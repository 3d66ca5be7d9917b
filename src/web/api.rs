//! Sending a dragons API request from the browser and reading back all it lets us see.

use crate::api::ApiRequest;
use crate::auth::http::REQUEST_TIMEOUT_MS;
use gloo_net::http::{Method, RequestBuilder};

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

pub async fn send(request: &ApiRequest) -> ApiAnswer {
    let started = super::now_ms();
    let method = if request.method == "POST" {
        Method::POST
    } else {
        Method::GET
    };
    let mut builder = RequestBuilder::new(&request.url).method(method);
    for (k, v) in &request.headers {
        builder = builder.header(k, v);
    }
    match super::http::fetch(builder, request.body.clone(), REQUEST_TIMEOUT_MS).await {
        Ok(response) => ApiAnswer {
            status: Some(response.status()),
            headers: response.headers().entries().collect(),
            body: response.text().await.unwrap_or_default(),
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
    }
}
