//! HTTP through the browser's fetch (gloo-net). Answers come back as status + text for the
//! core to read; "no answer at all" is its own case (network, CORS).

use gloo_net::http::Request;

pub struct Answer {
    pub status: u16,
    pub text: String,
}

/// POST an `application/x-www-form-urlencoded` body.
pub async fn post_form(url: &str, body: String) -> Result<Answer, String> {
    let response = Request::post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(Answer {
        status: response.status(),
        text: response.text().await.unwrap_or_default(),
    })
}

/// GET with an optional `Authorization` header value.
pub async fn get(url: &str, authorization: Option<&str>) -> Result<Answer, String> {
    let mut request = Request::get(url);
    if let Some(a) = authorization {
        request = request.header("Authorization", a);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    Ok(Answer {
        status: response.status(),
        text: response.text().await.unwrap_or_default(),
    })
}
