//! Helpers for the HTTP-level tests: a stack on free loopback ports, and a plain HTTP client
//! that does not follow redirects (the tests read each Location themselves).
#![allow(dead_code)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
#[allow(unused_imports)]
pub use dragons_emulator::config::{StackConfig, DEMO_PASSWORD, DEMO_USERNAME, KEEPER_USERNAME};
use dragons_emulator::keys::Keys;
use dragons_emulator::Stack;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

pub const CLIENT: &str = "dragonsdemo0localclient001";
pub const POOL: &str = "us-east-1_DRAGONS01";
pub const REDIRECT: &str = "http://localhost:8080/";
/// The RFC 7636 appendix B verifier.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// Key generation is slow; every stack in a test binary shares one pair.
fn keys() -> Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys::generate().expect("RSA keys"))
        .clone()
}

pub fn test_config() -> StackConfig {
    StackConfig {
        auth_port: 0,
        idp_port: 0,
        api_port: 0,
        http_api_port: 0,
        site_port: 0,
        ..StackConfig::default()
    }
}

pub async fn start() -> Stack {
    start_with(test_config()).await
}

pub async fn start_with(config: StackConfig) -> Stack {
    try_start(config).await.expect("stack starts")
}

pub async fn try_start(config: StackConfig) -> Result<Stack, String> {
    Stack::start_with_keys(config, keys()).await
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An authorize query for the code flow with PKCE, overridden/extended by `extra`
/// (a value of None removes the parameter).
pub fn query(extra: &[(&str, Option<&str>)]) -> String {
    let ch = challenge(VERIFIER);
    let mut params: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("state", "st4te"),
        ("scope", "openid email profile"),
        ("code_challenge_method", "S256"),
        ("code_challenge", ch.as_str()),
        ("nonce", "n0nce"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        params.retain(|(pk, _)| pk != k);
        if let Some(v) = v {
            params.push((k.to_string(), v.to_string()));
        }
    }
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

pub fn location(headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

/// The query (or fragment) parameters of a URL.
pub fn params_of(url: &str, fragment: bool) -> Vec<(String, String)> {
    let part = if fragment {
        url.split_once('#').map(|(_, f)| f).unwrap_or("")
    } else {
        let no_frag = url.split('#').next().unwrap_or("");
        no_frag.split_once('?').map(|(_, q)| q).unwrap_or("")
    };
    form_urlencoded::parse(part.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param(url: &str, key: &str) -> Option<String> {
    params_of(url, false)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The session cookie pair (`cognito=…`) from a Set-Cookie.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cognito="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

/// GET a Hosted UI form page and return its CSRF token and the matching cookie pair, as a
/// browser would have them.
pub async fn csrf_for(stack: &Stack, path_and_query: &str) -> (String, String) {
    let r = http()
        .get(format!("{}{path_and_query}", stack.urls().auth))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path_and_query}");
    let cookie = r
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("XSRF-TOKEN="))
        .and_then(|v| v.split(';').next())
        .expect("an XSRF-TOKEN cookie")
        .to_owned();
    let html = r.text().await.unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).expect("a _csrf field") + marker.len();
    let token = html[start..].split('"').next().unwrap().to_owned();
    (token, cookie)
}

/// POST a Hosted UI form at `path_and_query` as a browser would: after loading `page` for its
/// CSRF token.
pub async fn post_form(
    stack: &Stack,
    page: &str,
    path_and_query: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let (token, cookie) = csrf_for(stack, page).await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf", &token));
    http()
        .post(format!("{}{path_and_query}", stack.urls().auth))
        .header("Cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// POST the login form for `query` (after loading it); returns the response.
pub async fn submit_login(
    stack: &Stack,
    query: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let path = format!("/login?{query}");
    post_form(
        stack,
        &path,
        &path,
        &[("username", username), ("password", password)],
    )
    .await
}

/// Sign in as the demo user with `query`; returns (redirect Location, session cookie).
pub async fn login(stack: &Stack, query: &str) -> (String, String) {
    let r = submit_login(stack, query, DEMO_USERNAME, DEMO_PASSWORD).await;
    assert_eq!(r.status(), 302, "login succeeds");
    let cookie = session_cookie(r.headers()).expect("a session cookie");
    (location(r.headers()), cookie)
}

/// A fresh authorization code for the demo user (code flow, PKCE with VERIFIER).
pub async fn code(stack: &Stack) -> String {
    let (loc, _) = login(stack, &query(&[])).await;
    param(&loc, "code").expect("a code")
}

/// Tokens for `username` (the demo password) through the code flow, asking for `scope`.
pub async fn tokens_for(stack: &Stack, username: &str, scope: &str) -> Value {
    let r = submit_login(
        stack,
        &query(&[("scope", Some(scope))]),
        username,
        DEMO_PASSWORD,
    )
    .await;
    assert_eq!(r.status(), 302, "{username} signs in");
    let code = param(&location(r.headers()), "code").expect("a code");
    let (status, body) = exchange(stack, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The scopes the workshop's app asks for: the OIDC ones and the dragons API's.
pub const DRAGON_SCOPES: &str = "openid email profile dragons/read dragons/write";

pub async fn token_request(stack: &Stack, form: &[(&str, &str)]) -> (u16, Value) {
    let r = http()
        .post(format!("{}/oauth2/token", stack.urls().auth))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub async fn exchange(stack: &Stack, code: &str, verifier: &str) -> (u16, Value) {
    token_request(
        stack,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Tokens for the demo user through the code flow.
pub async fn tokens(stack: &Stack) -> Value {
    let code = code(stack).await;
    let (status, body) = exchange(stack, &code, VERIFIER).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A JWT's header and claims, decoded without checking (the tests check signatures separately).
pub fn decode(jwt: &str) -> (Value, Value) {
    let mut parts = jwt.split('.');
    let mut part = || {
        let bytes = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        serde_json::from_slice::<Value>(&bytes).unwrap()
    };
    (part(), part())
}

pub async fn api_get(
    stack: &Stack,
    path_and_query: &str,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut req = http().get(format!("{}{path_and_query}", stack.urls().api));
    if let Some(a) = authorization {
        req = req.header("Authorization", a);
    }
    req.send().await.unwrap()
}

/// OIDC `at_hash`, computed here on its own: base64url (no padding) of the left half of the
/// SHA-256 of the access token's ASCII.
pub fn expected_at_hash(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(access_token.as_bytes())[..16])
}

/// A refresh_token grant with `refresh`.
pub async fn refresh_with(stack: &Stack, refresh: &str) -> (u16, Value) {
    token_request(
        stack,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh),
        ],
    )
    .await
}

/// POST /oauth2/revoke with `token` for `client_id`.
pub async fn revoke(stack: &Stack, token: &str, client_id: &str) -> reqwest::Response {
    http()
        .post(format!("{}/oauth2/revoke", stack.urls().auth))
        .form(&[("token", token), ("client_id", client_id)])
        .send()
        .await
        .unwrap()
}

/// GET /oauth2/userInfo with `Authorization: Bearer <access_token>`.
pub async fn user_info(stack: &Stack, access_token: &str) -> reqwest::Response {
    http()
        .get(format!("{}/oauth2/userInfo", stack.urls().auth))
        .header("Authorization", format!("Bearer {access_token}"))
        .send()
        .await
        .unwrap()
}

/// A request to the user pools JSON API (`POST /` on the issuer's origin) with
/// `X-Amz-Target: AWSCognitoIdentityProviderService.<operation>`; signed with a shape-valid
/// SigV4 header (any key) when `signed`. Returns (status, x-amzn-ErrorType, JSON body).
pub async fn idp(
    stack: &Stack,
    operation: &str,
    body: Value,
    signed: bool,
) -> (u16, Option<String>, Value) {
    let mut req = http()
        .post(format!("{}/", stack.urls().idp))
        .header(
            "X-Amz-Target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .header("Content-Type", "application/x-amz-json-1.1")
        .body(body.to_string());
    if signed {
        req = req.header("X-Amz-Date", SIGV4_DATE).header(
            "Authorization",
            sigv4_authorization("us-east-1", "cognito-idp"),
        );
    }
    read_idp(req.send().await.unwrap()).await
}

pub const SIGV4_DATE: &str = "20260101T120000Z";

/// An `Authorization` value shaped like the SDKs' (throw-away key, any signature).
pub fn sigv4_authorization(region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=local/20260101/{region}/{service}/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={}",
        "0123456789abcdef".repeat(4)
    )
}

pub async fn read_idp(r: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = r.status().as_u16();
    let error_type = r
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = r.text().await.unwrap();
    (
        status,
        error_type,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The demo user's tokens through `AdminInitiateAuth` (`ADMIN_USER_PASSWORD_AUTH`).
pub async fn api_sign_in(stack: &Stack, username: &str, password: &str) -> Value {
    let (status, _, body) = idp(
        stack,
        "AdminInitiateAuth",
        serde_json::json!({
            "UserPoolId": POOL,
            "ClientId": CLIENT,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": username, "PASSWORD": password },
        }),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["AuthenticationResult"].clone()
}
