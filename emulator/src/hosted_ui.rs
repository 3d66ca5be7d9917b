//! The Hosted UI: `/oauth2/authorize`, the login page (`/login`), sign-up and confirmation
//! (`/signup`, `/confirmUser`), and `/logout`, with Cognito's rules for each parameter.

use crate::pages::{self, found};
use crate::state::{opaque_token, uuid, AppState, CodeGrant, Session, User};
use crate::tokens::{self, Grant};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;

pub const SESSION_COOKIE: &str = "cognito";
/// Longest query string accepted; Cognito's front end refuses very long URLs too.
const MAX_QUERY: usize = 8 * 1024;
const MAX_FORM: usize = 16 * 1024;

/// A checked `/oauth2/authorize` request.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    pub implicit: bool,
    pub client_id: String,
    pub redirect_uri: String,
    pub state: Option<String>,
    pub scopes: Vec<String>,
    pub code_challenge: Option<String>,
    pub nonce: Option<String>,
    /// `prompt`, as managed login reads it; always `Prompt::Default` with the classic Hosted UI,
    /// which ignores the parameter.
    pub prompt: Prompt,
}

/// The `prompt` values managed login acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// No prompt (or one managed login does not act on): a live session signs straight back in.
    Default,
    /// `prompt=none`: never show a page; without a session, `error=login_required`.
    None,
    /// `prompt=login`: show the login page even with a live session.
    Login,
}

/// How an authorize request fails: a page (no redirect to an unverified URL) or a redirect.
pub enum AuthorizeError {
    Page(Response),
    Redirect(Response),
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            AuthorizeError::Page(r) | AuthorizeError::Redirect(r) => r,
        }
    }
}

/// Query or form pairs; a parameter given twice is an error, as it is for Cognito.
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in form_urlencoded::parse(text.as_bytes()) {
        if pairs.iter().any(|(seen, _)| *seen == k) {
            return Err(format!("duplicate parameter {k}"));
        }
        pairs.push((k.into_owned(), v.into_owned()));
    }
    Ok(pairs)
}

fn get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// `uri` with `params` appended to its query (or, for implicit answers, its fragment).
pub fn with_params(uri: &str, params: &[(&str, &str)], fragment: bool) -> String {
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let sep = if fragment {
        '#'
    } else if uri.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{uri}{sep}{encoded}")
}

pub fn check_authorize(shared: &AppState, query: &str) -> Result<AuthorizeRequest, AuthorizeError> {
    if query.len() > MAX_QUERY {
        return Err(AuthorizeError::Page(pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request is too large.",
        )));
    }
    let pairs = pairs_or_page(query)?;
    let client = &shared.config.client;
    let client_id = get(&pairs, "client_id").unwrap_or("");
    if client_id != client.client_id {
        return Err(AuthorizeError::Page(pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Invalid client_id: this app client does not exist in the user pool.",
        )));
    }
    let redirect_uri = get(&pairs, "redirect_uri").unwrap_or("");
    if !client.callback_urls.iter().any(|u| u == redirect_uri) {
        return Err(AuthorizeError::Page(pages::error(
            StatusCode::BAD_REQUEST,
            "redirect_mismatch",
            "redirect_mismatch: the redirect_uri is not one of the app client's callback URLs (they must match byte for byte, trailing slash included).",
        )));
    }
    let state = get(&pairs, "state").map(str::to_owned);
    let fail = |error: &str, description: &str| {
        let mut params = vec![("error", error), ("error_description", description)];
        if let Some(s) = state.as_deref() {
            params.push(("state", s));
        }
        AuthorizeError::Redirect(found(&with_params(redirect_uri, &params, false)))
    };
    let implicit = match get(&pairs, "response_type") {
        Some("code") => false,
        Some("token") => true,
        Some(_) => {
            return Err(fail(
                "unsupported_response_type",
                "response_type must be code or token",
            ))
        }
        None => return Err(fail("invalid_request", "response_type is required")),
    };
    let flow = if implicit { "implicit" } else { "code" };
    if !client.allowed_flows.iter().any(|f| f == flow) {
        return Err(fail(
            "unauthorized_client",
            "the app client may not use this flow",
        ));
    }
    let scopes: Vec<String> = match get(&pairs, "scope") {
        None => client.allowed_scopes.clone(),
        Some(s) => s
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    if scopes.is_empty() || scopes.iter().any(|s| !client.allowed_scopes.contains(s)) {
        return Err(fail("invalid_scope", "invalid_scope"));
    }
    // `email`, `phone` and `profile` are OIDC scopes: Cognito grants them only with `openid`.
    let oidc_only = ["email", "phone", "profile"];
    if !scopes.iter().any(|s| s == "openid")
        && scopes.iter().any(|s| oidc_only.contains(&s.as_str()))
    {
        return Err(fail("invalid_scope", "invalid_scope"));
    }
    let method = get(&pairs, "code_challenge_method");
    let challenge = get(&pairs, "code_challenge");
    let code_challenge = match (method, challenge) {
        (None, None) => None,
        (Some("S256"), Some(c)) if is_s256_challenge(c) => Some(c.to_owned()),
        (Some("S256"), Some(_)) => return Err(fail("invalid_request", "invalid code_challenge")),
        (Some("S256"), None) => return Err(fail("invalid_request", "code_challenge is required")),
        (None, Some(_)) => {
            return Err(fail("invalid_request", "code_challenge_method is required"))
        }
        (Some(_), _) => {
            return Err(fail(
                "invalid_request",
                "unsupported code_challenge_method; only S256 is supported",
            ))
        }
    };
    Ok(AuthorizeRequest {
        implicit,
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        state,
        scopes,
        code_challenge: if implicit { None } else { code_challenge },
        nonce: get(&pairs, "nonce").map(str::to_owned),
        prompt: match get(&pairs, "prompt") {
            Some("none") if shared.config.managed_login => Prompt::None,
            Some("login") if shared.config.managed_login => Prompt::Login,
            _ => Prompt::Default,
        },
    })
}

/// An S256 challenge is base64url (no padding) of 32 bytes: 43 characters.
fn is_s256_challenge(c: &str) -> bool {
    c.len() == 43
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn pairs_or_page(text: &str) -> Result<Vec<(String, String)>, AuthorizeError> {
    parse_pairs(text).map_err(|e| {
        AuthorizeError::Page(pages::error(StatusCode::BAD_REQUEST, "invalid_request", &e))
    })
}

/// The values of the request's cookies called `name`.
fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = String> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .filter(move |c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The live Hosted UI session named by the request's cookie, if any.
fn session_of(shared: &AppState, headers: &HeaderMap) -> Option<(String, Session)> {
    let now = shared.clock.now();
    cookies(headers, SESSION_COOKIE).find_map(|id| {
        let session = shared.store().sessions.get(&id).cloned()?;
        (session.expires_at > now).then_some((id, session))
    })
}

/// The forms' CSRF token, double-submitted like Cognito's: a hidden `_csrf` field that must
/// equal the `XSRF-TOKEN` cookie.
pub const CSRF_COOKIE: &str = "XSRF-TOKEN";

/// The CSRF token to put in a form: the browser's, or a new one to set as a cookie.
fn csrf_token(headers: &HeaderMap) -> (String, bool) {
    match cookies(headers, CSRF_COOKIE).find(|t| t.len() == 64) {
        Some(token) => (token, false),
        None => (opaque_token(), true),
    }
}

/// A form page with its CSRF token (and the cookie, when the browser has none yet).
fn form_page(
    headers: &HeaderMap,
    render: impl FnOnce(&str) -> axum::response::Html<String>,
) -> Response {
    let (token, new) = csrf_token(headers);
    let mut response = render(&token).into_response();
    if new {
        let cookie = format!("{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
        if let Ok(v) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Whether the form's `_csrf` matches the cookie; a refusal page otherwise.
fn check_csrf(headers: &HeaderMap, form: &[(String, String)]) -> Result<(), Response> {
    let sent = get(form, "_csrf").unwrap_or("");
    if !sent.is_empty() && cookies(headers, CSRF_COOKIE).any(|c| c == sent) {
        Ok(())
    } else {
        Err(pages::error(
            StatusCode::FORBIDDEN,
            "invalid_request",
            "The form's CSRF token is missing or does not match: reload the sign-in page and try again.",
        ))
    }
}

/// Send the person back to the app with a code or tokens.
fn complete(
    shared: &AppState,
    request: &AuthorizeRequest,
    username: &str,
    auth_time: i64,
) -> Response {
    let user = match shared.store().users.get(username).cloned() {
        Some(u) => u,
        None => {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The user no longer exists.",
            )
        }
    };
    let state = request.state.as_deref();
    if request.implicit {
        let origin_jti = uuid();
        let minted = tokens::mint(
            shared,
            &Grant {
                user: &user,
                client_id: &request.client_id,
                scopes: &request.scopes,
                nonce: request.nonce.as_deref(),
                auth_time,
                origin_jti: &origin_jti,
                id_token: Grant::openid(&request.scopes),
                at_hash: true,
            },
        );
        let expires_in = shared.config.tokens.access_token_seconds.to_string();
        let mut params = Vec::new();
        if let Some(id) = minted.id_token.as_deref() {
            params.push(("id_token", id));
        }
        params.push(("access_token", &minted.access_token));
        params.push(("expires_in", &expires_in));
        params.push(("token_type", "Bearer"));
        if let Some(s) = state {
            params.push(("state", s));
        }
        return issue(shared, with_params(&request.redirect_uri, &params, true));
    }
    let code = uuid();
    shared.store().codes.insert(
        code.clone(),
        CodeGrant {
            client_id: request.client_id.clone(),
            redirect_uri: request.redirect_uri.clone(),
            code_challenge: request.code_challenge.clone(),
            username: user.username.clone(),
            scopes: request.scopes.clone(),
            nonce: request.nonce.clone(),
            auth_time,
            expires_at: shared.clock.now() + shared.config.tokens.code_seconds as i64,
        },
    );
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = state {
        params.push(("state", s));
    }
    issue(shared, with_params(&request.redirect_uri, &params, false))
}

/// Redirect back to the app, remembering the URL (bounded) for replay tests.
fn issue(shared: &AppState, location: String) -> Response {
    let mut store = shared.store();
    if store.issued_redirects.len() >= 100 {
        store.issued_redirects.remove(0);
    }
    store.issued_redirects.push(location.clone());
    drop(store);
    found(&location)
}

/// Check an authorize request and, if the browser has a live Hosted UI session, answer it
/// straight away (a new code or tokens, no login page). `Err` is the finished answer. With
/// managed login, `prompt=login` shows the login page anyway and `prompt=none` without a
/// session goes back to the app with `error=login_required`.
fn check_or_resume(
    shared: &AppState,
    query: &str,
    headers: &HeaderMap,
) -> Result<AuthorizeRequest, Response> {
    let request = check_authorize(shared, query).map_err(IntoResponse::into_response)?;
    if request.prompt == Prompt::Login {
        return Ok(request);
    }
    match session_of(shared, headers) {
        Some((_, session)) => Err(complete(
            shared,
            &request,
            &session.username,
            session.auth_time,
        )),
        None if request.prompt == Prompt::None => {
            let mut params = vec![("error", "login_required")];
            if let Some(s) = request.state.as_deref() {
                params.push(("state", s));
            }
            Err(found(&with_params(&request.redirect_uri, &params, false)))
        }
        None => Ok(request),
    }
}

/// GET /oauth2/authorize
pub async fn authorize(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    match check_or_resume(&shared, &query, &headers) {
        Ok(_) => found(&format!("/login?{query}")),
        Err(answer) => answer,
    }
}

/// GET /login: the sign-in form (or straight back, with a live session).
pub async fn login_page(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    match check_or_resume(&shared, &query, &headers) {
        Ok(_) => form_page(&headers, |csrf| pages::login(&query, csrf, None, None)),
        Err(answer) => answer,
    }
}

/// The pairs of an `application/x-www-form-urlencoded` body, or why it is not one (wrong
/// content type, too large, not UTF-8, a repeated field).
pub fn form_pairs(headers: &HeaderMap, body: &Bytes) -> Result<Vec<(String, String)>, String> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form || body.len() > MAX_FORM {
        return Err("The form could not be read.".into());
    }
    let text = std::str::from_utf8(body).map_err(|_| "The form could not be read.".to_owned())?;
    parse_pairs(text)
}

/// The form body of a Hosted UI page, or the error page to answer with.
fn read_form(headers: &HeaderMap, body: &Bytes) -> Result<Vec<(String, String)>, Response> {
    form_pairs(headers, body)
        .map_err(|e| pages::error(StatusCode::BAD_REQUEST, "invalid_request", &e))
}

fn start_session(shared: &AppState, username: &str) -> (String, i64) {
    let id = opaque_token();
    let now = shared.clock.now();
    shared.store().sessions.insert(
        id.clone(),
        Session {
            username: username.to_owned(),
            auth_time: now,
            expires_at: now + shared.config.tokens.session_seconds as i64,
        },
    );
    let cookie = format!(
        "{SESSION_COOKIE}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax",
        shared.config.tokens.session_seconds
    );
    (cookie, now)
}

fn signed_in(shared: &AppState, request: &AuthorizeRequest, username: &str) -> Response {
    let (cookie, now) = start_session(shared, username);
    let mut response = complete(shared, request, username, now);
    if let Ok(v) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// POST /login
pub async fn login_submit(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = query.unwrap_or_default();
    let request = match check_authorize(&shared, &query) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let form = match read_form(&headers, &body) {
        Ok(f) => f,
        Err(page) => return page,
    };
    if let Err(page) = check_csrf(&headers, &form) {
        return page;
    }
    let username = get(&form, "username").unwrap_or("").trim().to_owned();
    let password = get(&form, "password").unwrap_or("");
    let user: Option<User> = shared.store().users.get(&username).cloned();
    let problem = match &user {
        None => Some("User does not exist."),
        Some(u) if u.password != password => Some("Incorrect username or password."),
        Some(u) if u.pending_code.is_some() => Some("User is not confirmed."),
        Some(_) => None,
    };
    if let Some(problem) = problem {
        return form_page(&headers, |csrf| {
            pages::login(&query, csrf, Some(&username), Some(problem))
        });
    }
    if user.as_ref().is_some_and(|u| u.must_change_password) {
        // A temporary password (AdminCreateUser): the new one first, as the Hosted UI asks.
        let session = crate::idp_api::start_challenge(&shared, &username, &request.client_id);
        return form_page(&headers, |csrf| {
            pages::change_password(&query, csrf, &session, None)
        });
    }
    signed_in(&shared, &request, &username)
}

/// POST /forceChangePassword: the new password for a user who signed in with a temporary one;
/// then signed in.
pub async fn force_change_password(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = query.unwrap_or_default();
    let request = match check_authorize(&shared, &query) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let form = match read_form(&headers, &body) {
        Ok(f) => f,
        Err(page) => return page,
    };
    if let Err(page) = check_csrf(&headers, &form) {
        return page;
    }
    let session = get(&form, "session").unwrap_or("").to_owned();
    let password = get(&form, "password").unwrap_or("");
    let challenge = shared.store().challenges.get(&session).cloned();
    let Some(challenge) = challenge.filter(|c| c.expires_at_ms > shared.clock.now_ms()) else {
        return form_page(&headers, |csrf| {
            pages::login(
                &query,
                csrf,
                None,
                Some("Invalid session for the user, session is expired."),
            )
        });
    };
    let problem = if password != get(&form, "confirm_password").unwrap_or("") {
        Some("Passwords do not match")
    } else {
        password_problem(password)
    };
    if let Some(problem) = problem {
        return form_page(&headers, |csrf| {
            pages::change_password(&query, csrf, &session, Some(problem))
        });
    }
    match crate::idp_api::complete_new_password(&shared, &session, password, &[]) {
        Ok(_) => signed_in(&shared, &request, &challenge.username),
        Err(e) => form_page(&headers, |csrf| {
            pages::login(&query, csrf, None, Some(&e.message))
        }),
    }
}

/// GET /signup
pub async fn signup_page(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query = query.unwrap_or_default();
    match check_authorize(&shared, &query) {
        Ok(_) => form_page(&headers, |csrf| pages::signup(&query, csrf, None)),
        Err(e) => e.into_response(),
    }
}

/// Cognito's default password policy: 8+ characters with upper, lower, digit and symbol.
pub fn password_problem(p: &str) -> Option<&'static str> {
    if p.chars().count() < 8 {
        Some("Password did not conform with policy: Password not long enough")
    } else if !p.chars().any(char::is_uppercase) {
        Some("Password did not conform with policy: Password must have uppercase characters")
    } else if !p.chars().any(char::is_lowercase) {
        Some("Password did not conform with policy: Password must have lowercase characters")
    } else if !p.chars().any(|c| c.is_ascii_digit()) {
        Some("Password did not conform with policy: Password must have numeric characters")
    } else if !p.chars().any(|c| !c.is_alphanumeric()) {
        Some("Password did not conform with policy: Password must have symbol characters")
    } else {
        None
    }
}

/// POST /signup: create an unconfirmed user; the confirmation code goes to the server log.
pub async fn signup_submit(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = query.unwrap_or_default();
    if let Err(e) = check_authorize(&shared, &query) {
        return e.into_response();
    }
    let form = match read_form(&headers, &body) {
        Ok(f) => f,
        Err(page) => return page,
    };
    if let Err(page) = check_csrf(&headers, &form) {
        return page;
    }
    let username = get(&form, "username").unwrap_or("").trim().to_owned();
    let email = get(&form, "email").unwrap_or("").trim().to_owned();
    let password = get(&form, "password").unwrap_or("").to_owned();
    let problem =
        if username.is_empty() || username.len() > 128 || username.chars().any(char::is_whitespace)
        {
            Some("Username is required and may not contain spaces.")
        } else if !email.contains('@') || email.len() > 256 {
            Some("Invalid email address format.")
        } else if shared.store().users.contains_key(&username) {
            Some("User already exists")
        } else {
            password_problem(&password)
        };
    if let Some(problem) = problem {
        return form_page(&headers, |csrf| pages::signup(&query, csrf, Some(problem)));
    }
    let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
    println!("[emulator] sign-up: confirmation code for {username} <{email}> is {code}");
    let mut user = User::signed_up(&username, &password, code, shared.clock.now_ms());
    user.email = email;
    shared.store().users.insert(username.clone(), user);
    let next = with_params(
        &format!("/confirmUser?{query}"),
        &[("username", &username)],
        false,
    );
    found(&next)
}

/// Split `username` off a confirm page's query, leaving the authorize parameters.
fn split_username(query: &str) -> (String, String) {
    let mut username = String::new();
    let rest: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter_map(|(k, v)| {
            if k == "username" {
                username = v.into_owned();
                None
            } else {
                Some((k.into_owned(), v.into_owned()))
            }
        })
        .collect();
    let rest = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(rest)
        .finish();
    (username, rest)
}

/// GET /confirmUser
pub async fn confirm_page(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (username, query) = split_username(&query.unwrap_or_default());
    match check_authorize(&shared, &query) {
        Ok(_) => form_page(&headers, |csrf| {
            pages::confirm(&query, csrf, &username, None)
        }),
        Err(e) => e.into_response(),
    }
}

/// POST /confirmUser: check the code, confirm the user, and sign them in.
pub async fn confirm_submit(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (_, query) = split_username(&query.unwrap_or_default());
    let request = match check_authorize(&shared, &query) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let form = match read_form(&headers, &body) {
        Ok(f) => f,
        Err(page) => return page,
    };
    if let Err(page) = check_csrf(&headers, &form) {
        return page;
    }
    let username = get(&form, "username").unwrap_or("").trim().to_owned();
    let code = get(&form, "code").unwrap_or("").trim();
    let confirmed = {
        let mut store = shared.store();
        match store.users.get_mut(&username) {
            Some(user) if user.pending_code.as_deref() == Some(code) => {
                user.pending_code = None;
                user.email_verified = true;
                true
            }
            _ => false,
        }
    };
    if !confirmed {
        return form_page(&headers, |csrf| {
            pages::confirm(
                &query,
                csrf,
                &username,
                Some("Invalid verification code provided, please try again."),
            )
        });
    }
    println!("[emulator] sign-up: {username} confirmed");
    signed_in(&shared, &request, &username)
}

/// GET /logout, in either of Cognito's two forms: `client_id` + `logout_uri` (a registered
/// sign-out URL) ends the Hosted UI session and goes back to the app; `client_id` +
/// `redirect_uri` (a registered callback URL) + `response_type` (+ `scope`, `state`) ends it and
/// goes to the login page with those parameters. The OIDC `post_logout_redirect_uri` is not
/// understood. Tokens are not revoked.
pub async fn logout(
    State(shared): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let pairs = match parse_pairs(&query.unwrap_or_default()) {
        Ok(p) => p,
        Err(e) => return pages::error(StatusCode::BAD_REQUEST, "invalid_request", &e),
    };
    let client = &shared.config.client;
    if get(&pairs, "client_id") != Some(client.client_id.as_str()) {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Invalid client_id.",
        );
    }
    let target = if let Some(logout_uri) = get(&pairs, "logout_uri") {
        if !client.logout_urls.iter().any(|u| u == logout_uri) {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The logout_uri is not one of the app client's sign-out URLs.",
            );
        }
        logout_uri.to_owned()
    } else if let Some(redirect_uri) = get(&pairs, "redirect_uri") {
        if !client.callback_urls.iter().any(|u| u == redirect_uri) {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "redirect_mismatch",
                "redirect_mismatch: the redirect_uri is not one of the app client's callback URLs.",
            );
        }
        if get(&pairs, "response_type").is_none() {
            return pages::error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Required parameter response_type is missing.",
            );
        }
        let params: Vec<(&str, &str)> = [
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state",
        ]
        .into_iter()
        .filter_map(|k| get(&pairs, k).map(|v| (k, v)))
        .collect();
        with_params("/login", &params, false)
    } else {
        return pages::error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required parameter logout_uri (or redirect_uri with response_type) is missing; Cognito does not understand post_logout_redirect_uri.",
        );
    };
    if let Some((id, _)) = session_of(&shared, &headers) {
        shared.store().sessions.remove(&id);
    }
    let mut response = found(&target);
    let expired = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    if let Ok(v) = expired.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
