//! The dragons API, pure: the data types, the requests the app sends, what an answer means
//! (including why a 401 happened), "Copy as curl", and the tampered token of the 401 lab.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod guard;
pub mod http_jwt;
pub mod iam;
pub mod identity;
pub mod rest;
pub mod sigv4;

use crate::codec::{b64url_decode, b64url_encode, Form};
use crate::json::{self, Value};
pub use guard::{Guard, Sent};

/// A dragon as `GET /dragons` returns it (the course's snake-suffixed fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dragon {
    pub dragon_name_str: String,
    pub family_str: String,
    pub description_str: String,
    pub location_city_str: String,
    pub location_country_str: String,
    pub location_state_str: String,
    pub location_neighborhood_str: String,
}

/// A dragon to report with `POST /dragons` (camelCase, as the API's model wants).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewDragon {
    pub dragon_name: String,
    pub description: String,
    pub family: String,
    pub city: String,
    pub country: String,
    pub state: String,
    pub neighborhood: String,
    pub reporting_phone_number: String,
    pub confirmation_required: bool,
}

impl Dragon {
    /// A `GET /dragons` answer: a list of dragons (missing fields empty), or `None`.
    pub fn list_from_json(body: &str) -> Option<Vec<Dragon>> {
        let Ok(Value::Array(list)) = json::parse(body) else {
            return None;
        };
        list.iter()
            .map(|item| {
                let map = json::object(item).ok()?;
                let text = |key| {
                    json::opt_string(map, key)
                        .map(Option::unwrap_or_default)
                        .ok()
                };
                Some(Dragon {
                    dragon_name_str: text("dragon_name_str")?,
                    family_str: text("family_str")?,
                    description_str: text("description_str")?,
                    location_city_str: text("location_city_str")?,
                    location_country_str: text("location_country_str")?,
                    location_state_str: text("location_state_str")?,
                    location_neighborhood_str: text("location_neighborhood_str")?,
                })
            })
            .collect()
    }
}

impl NewDragon {
    /// The dragon the 401 lab reports when it calls the scoped `POST`.
    pub fn lab() -> NewDragon {
        NewDragon {
            dragon_name: "Lab dragon".into(),
            description: "Reported by the 401 lab to test the scoped POST".into(),
            family: "blue".into(),
            city: "Seattle".into(),
            country: "USA".into(),
            state: "WA".into(),
            neighborhood: String::new(),
            reporting_phone_number: "15555550100".into(),
            confirmation_required: false,
        }
    }

    /// The `POST /dragons` body.
    pub fn to_json(&self) -> String {
        json::to_string(&json::build([
            ("dragonName", json::s(&self.dragon_name)),
            ("description", json::s(&self.description)),
            ("family", json::s(&self.family)),
            ("city", json::s(&self.city)),
            ("country", json::s(&self.country)),
            ("state", json::s(&self.state)),
            ("neighborhood", json::s(&self.neighborhood)),
            (
                "reportingPhoneNumber",
                json::s(&self.reporting_phone_number),
            ),
            ("confirmationRequired", self.confirmation_required.into()),
        ]))
    }

    /// Problems to fix before sending, as (field, message).
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        let required = [
            ("dragonName", &self.dragon_name),
            ("description", &self.description),
            ("family", &self.family),
            ("city", &self.city),
            ("country", &self.country),
            ("reportingPhoneNumber", &self.reporting_phone_number),
        ];
        for (field, value) in required {
            if value.trim().is_empty() {
                out.push((field, "is required"));
            } else if value.len() > 1024 {
                out.push((field, "is too long"));
            }
        }
        let phone = self.reporting_phone_number.trim();
        if !phone.is_empty()
            && !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
        {
            out.push((
                "reportingPhoneNumber",
                "may hold digits, spaces, + - ( ) only",
            ));
        }
        out
    }
}

/// `GET /dragons` filters: by name, by family, or none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Filter {
    All,
    Name(String),
    Family(String),
}

/// A request as the inspector shows it and the shell sends it. `Debug` hides the
/// `Authorization` value (a token).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl std::fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if k.eq_ignore_ascii_case("authorization") {
                    "[redacted]"
                } else {
                    v.as_str()
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("ApiRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body", &self.body)
            .finish()
    }
}

impl ApiRequest {
    /// The `Authorization` header value, if any.
    pub fn authorization(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            .map(|(_, v)| v.as_str())
    }
}

/// What the console can call the API with: the session's tokens and the API it started with, a
/// pasted token and the API configured when it was pasted, and the API configured now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallSources {
    /// (ID token, access token, API base URL) of the signed-in session.
    pub session: Option<(String, String, String)>,
    /// (token, API base URL) of the pasted token.
    pub pasted: Option<(String, String)>,
    /// The API base URL of the configuration in force, if it is valid.
    pub configured_api: Option<String>,
    /// The HTTP API's base URL: the session's (it started with it), else the configured one;
    /// None when there is no HTTP API.
    pub http_api: Option<String>,
}

impl CallSources {
    /// The API a call goes to. A live session calls the API it started with (Settings apply
    /// from the next sign-in); a call with the pasted token, or any call when no one is signed
    /// in, the API configured when the token was pasted; else the configured one.
    pub fn api_base(&self, with_pasted: bool) -> String {
        let pasted = self
            .pasted
            .as_ref()
            .filter(|_| with_pasted || self.session.is_none())
            .map(|(_, api)| api);
        pasted
            .or(self.session.as_ref().map(|(_, _, api)| api))
            .or(self.configured_api.as_ref())
            .cloned()
            .unwrap_or_default()
    }

    /// The base URL of `guard`'s API (None: no HTTP API configured).
    pub fn base_for(&self, guard: Guard, with_pasted: bool) -> Option<String> {
        match guard {
            Guard::Rest => Some(self.api_base(with_pasted)),
            Guard::Http => self.http_api.clone(),
        }
    }

    /// The session's token of that kind, if signed in.
    pub fn session_token(&self, which: crate::config::ApiToken) -> Option<String> {
        self.session.as_ref().map(|(id, access, _)| match which {
            crate::config::ApiToken::Id => id.clone(),
            crate::config::ApiToken::Access => access.clone(),
        })
    }

    pub fn pasted_token(&self) -> Option<String> {
        self.pasted.as_ref().map(|(token, _)| token.clone())
    }

    /// The token a call sends: the pasted one when chosen (and there is one), else the
    /// session's of the chosen kind.
    pub fn call_token(&self, pasted: bool, which: crate::config::ApiToken) -> Option<String> {
        self.pasted_token()
            .filter(|_| pasted)
            .or_else(|| self.session_token(which))
    }
}

/// The 401 lab's ways of calling the API: `GET /dragons` on the REST API unless named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lab {
    NoToken,
    IdToken,
    AccessToken,
    /// The ID token on the REST API's scoped `POST`.
    IdOnPost,
    /// The access token on the REST API's scoped `POST`.
    AccessOnPost,
    Tampered,
    Expired,
    /// The HTTP API's `GET` with the ID token, the access token, the expired ID token.
    HttpId,
    HttpAccess,
    HttpExpired,
    Pasted,
}

pub const LABS: [Lab; 11] = [
    Lab::NoToken,
    Lab::IdToken,
    Lab::AccessToken,
    Lab::IdOnPost,
    Lab::AccessOnPost,
    Lab::Tampered,
    Lab::Expired,
    Lab::HttpId,
    Lab::HttpAccess,
    Lab::HttpExpired,
    Lab::Pasted,
];

/// What the page holds, as far as the lab is concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabHas {
    pub signed_in: bool,
    pub pasted: bool,
    /// An ID token a refresh replaced, now past its `exp`.
    pub expired: bool,
    /// A call is on its way.
    pub busy: bool,
    /// An HTTP API is configured.
    pub http: bool,
}

impl Lab {
    pub fn label(self) -> &'static str {
        match self {
            Lab::NoToken => "No token",
            Lab::IdToken => "ID token",
            Lab::AccessToken => "Access token",
            Lab::Tampered => "Tampered token",
            Lab::Expired => "Expired token",
            Lab::IdOnPost => "ID token → POST",
            Lab::AccessOnPost => "Access token → POST",
            Lab::HttpId => "HTTP API: ID token",
            Lab::HttpAccess => "HTTP API: access token",
            Lab::HttpExpired => "HTTP API: expired token",
            Lab::Pasted => "Pasted token",
        }
    }

    /// The API this case calls.
    pub fn guard(self) -> Guard {
        match self {
            Lab::HttpId | Lab::HttpAccess | Lab::HttpExpired => Guard::Http,
            _ => Guard::Rest,
        }
    }

    /// Why API Gateway answers as it does.
    pub fn why(self) -> &'static str {
        match self {
            Lab::NoToken => "No Authorization header: the authorizer refuses before the API runs.",
            Lab::IdToken => "REST API Cognito authorizers on methods without OAuth scopes expect the ID token.",
            Lab::AccessToken => "REST API Cognito authorizers with no OAuth scopes accept only ID tokens; the access token is for methods with scopes.",
            Lab::Tampered => "One claim changed (cognito:username set to admin), the signature kept: it no longer matches, so the token is refused.",
            Lab::Expired => "The ID token a refresh replaced, now past its exp: a genuine token, refused only for its age. Refresh before exp.",
            Lab::IdOnPost => "POST /dragons has the OAuth scope dragons/write, so the REST API's Cognito authorizer reads the token as an access token: an ID token never passes a scoped method.",
            Lab::AccessOnPost => "A scoped method wants an access token holding one of its scopes. dragons/write goes only to the group dragon-keepers: dragonrider's access token is refused (401), dragonkeeper's passes (and reports a lab dragon).",
            Lab::HttpId => "The HTTP API's JWT authorizer checks aud against its Audience (your app client) and never looks at token_use: the ID token passes GET, which has no scopes.",
            Lab::HttpAccess => "An access token has no aud, so the JWT authorizer checks its client_id against the Audience instead: the access token passes the HTTP API's GET too, unlike the REST API's unscoped GET.",
            Lab::HttpExpired => "The expired ID token at the HTTP API: 401 {\"message\":\"Unauthorized\"} like every refusal there; only the www-authenticate header says why (the token has expired).",
            Lab::Pasted => "The token you pasted, as API Gateway's authorizer sees it: an ID token of this pool and client passes a method without scopes; an access token, an expired token or one from another pool or client does not.",
        }
    }

    /// Whether this call is offered at all (an expired token only once there is one, the
    /// pasted token only once one is pasted), and whether it can be made now.
    pub fn offered(self, has: LabHas) -> (bool, bool) {
        let shown = match self {
            Lab::Expired => has.expired,
            Lab::HttpExpired => has.expired && has.http,
            Lab::HttpId | Lab::HttpAccess => has.http,
            Lab::Pasted => has.pasted,
            _ => true,
        };
        let usable = !has.busy
            && match self {
                Lab::NoToken => true,
                Lab::Tampered => has.signed_in || has.pasted,
                Lab::Pasted => has.pasted,
                _ => has.signed_in,
            };
        (shown, usable)
    }
}

impl CallSources {
    /// The lab's call `which`: the session's tokens (the tampered one from the session's ID
    /// token, else the pasted one), the `expired` ID token a refresh replaced, or the pasted
    /// token at its own API.
    pub fn lab_request(&self, which: Lab, expired: Option<&str>) -> ApiRequest {
        let token = match which {
            Lab::NoToken => None,
            Lab::IdToken | Lab::IdOnPost | Lab::HttpId => {
                self.session_token(crate::config::ApiToken::Id)
            }
            Lab::AccessToken | Lab::AccessOnPost | Lab::HttpAccess => {
                self.session_token(crate::config::ApiToken::Access)
            }
            Lab::Tampered => self
                .session_token(crate::config::ApiToken::Id)
                .or_else(|| self.pasted_token())
                .and_then(|t| tamper(&t)),
            Lab::Expired | Lab::HttpExpired => expired.map(str::to_owned),
            Lab::Pasted => self.pasted_token(),
        };
        let base = self
            .base_for(which.guard(), which == Lab::Pasted)
            .unwrap_or_default();
        match which {
            Lab::IdOnPost | Lab::AccessOnPost => {
                create_request(&base, token.as_deref(), &NewDragon::lab())
            }
            _ => list_request(&base, token.as_deref(), &Filter::All),
        }
    }
}

/// `GET <api>/dragons[?dragonName=…|family=…]` with the raw token in `Authorization` (what a
/// REST API Cognito authorizer reads; no `Bearer ` prefix needed).
pub fn list_request(api_base: &str, token: Option<&str>, filter: &Filter) -> ApiRequest {
    let query = match filter {
        Filter::All => String::new(),
        Filter::Name(n) => format!("?{}", encode_pair("dragonName", n.trim())),
        Filter::Family(f) => format!("?{}", encode_pair("family", f.trim())),
    };
    ApiRequest {
        method: "GET",
        url: format!("{api_base}/dragons{query}"),
        headers: token
            .map(|t| vec![("Authorization".to_owned(), t.to_owned())])
            .unwrap_or_default(),
        body: None,
    }
}

pub fn create_request(api_base: &str, token: Option<&str>, dragon: &NewDragon) -> ApiRequest {
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    if let Some(t) = token {
        headers.push(("Authorization".to_owned(), t.to_owned()));
    }
    ApiRequest {
        method: "POST",
        url: format!("{api_base}/dragons"),
        headers,
        body: Some(dragon.to_json()),
    }
}

fn encode_pair(key: &str, value: &str) -> String {
    Form::new().pair(key, value).finish()
}

/// What an answer means, in the words the console shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Diagnosis {
    Dragons(Vec<Dragon>),
    Accepted,
    /// 401 `{"message":"Unauthorized"}`.
    Unauthorized,
    /// 401 `{"message":"The incoming token has expired"}`: refresh.
    Expired,
    /// HTTP API: 403 `{"message":"Forbidden"}`, a valid token without the route's scope.
    MissingScope,
    /// HTTP API: 404 `{"message":"Not Found"}`, no such route.
    NoRoute,
    /// 403 `{"message":"Missing Authentication Token"}`: wrong URL, method or stage.
    WrongUrl,
    /// The same mistake with an `Authorization` header sent: 403 "Authorization header
    /// requires 'Credential' parameter…" (or "…not a valid key=value pair…" for `Bearer`),
    /// which echoes the token.
    WrongUrlWithToken,
    Forbidden,
    BadRequest,
    ServerError,
    /// No status at all: the browser blocked or lost the answer.
    NoAnswer,
    /// No answer with the token, and the same URL without it (no preflight) answered 403
    /// "Missing Authentication Token": the URL is wrong, and its CORS preflight failed.
    NoAnswerWrongUrl,
    /// No answer with the token, but a readable 401 without it: the URL is right and error
    /// answers carry CORS headers, so the preflight for the `Authorization` header failed.
    NoAnswerPreflight,
    Unexpected,
}

impl Diagnosis {
    /// One or two sentences on what happened and what to do.
    pub fn explain(&self) -> &'static str {
        match self {
            Diagnosis::Dragons(_) => "200 OK: the authorizer accepted the token and the API answered.",
            Diagnosis::Accepted => "Accepted. The dragon is stored by a background job, so it shows in the list a moment later.",
            Diagnosis::Unauthorized => "401 Unauthorized: API Gateway's Cognito authorizer refused the token before your code ran: none was sent, it is not the kind this method wants (a REST API method without OAuth scopes accepts only ID tokens; with scopes, only access tokens holding one), its signature does not match (altered), or it comes from another user pool.",
            Diagnosis::Expired => "401 \"The incoming token has expired\": the token's exp has passed. Refresh the tokens and call again.",
            Diagnosis::WrongUrl => "403 \"Missing Authentication Token\": API Gateway has no such resource or method here. Despite the words, it is not about tokens: check apiBaseUrl (the stage name, e.g. /test) and the path.",
            Diagnosis::WrongUrlWithToken => "403 \"Authorization header requires 'Credential' parameter…\": wrong URL, stage or method. API Gateway found no such resource or method, took the Authorization header for an AWS signature and never looked at the token, which is fine. Check apiBaseUrl (the stage name, e.g. /test), the path and the method. (The answer echoes the token: it is masked here.)",
            Diagnosis::Forbidden => "403 Forbidden: the request was understood but refused.",
            Diagnosis::MissingScope => "403 Forbidden: the token was accepted, but it lacks the scope this route asks for.",
            Diagnosis::NoRoute => "404 Not Found: the API has no route for this method and path.",
            Diagnosis::BadRequest => "400: the API refused the request body; check the fields.",
            Diagnosis::ServerError => "5xx: the API or its integration failed; try again, then check its logs.",
            Diagnosis::NoAnswer => "No answer could be read. From a browser this is most often a 401 (or 403) that API Gateway sent WITHOUT CORS headers, so the browser hides it and reports a CORS or network error. Fix: add CORS headers to the DEFAULT_4XX and DEFAULT_5XX gateway responses (API Gateway console, Gateway responses) and redeploy the stage. Otherwise check apiBaseUrl and the network.",
            Diagnosis::NoAnswerWrongUrl => "No answer with the token, and the same URL asked without one (a request with no CORS preflight) says 403 \"Missing Authentication Token\": the API has no such resource or stage, so the browser's CORS preflight for the Authorization header got a 403 and stopped the call. Check apiBaseUrl: the stage name (e.g. /test) and the path.",
            Diagnosis::NoAnswerPreflight => "No answer with the token, yet the same URL without one gave a readable 401: the URL is right and API Gateway's error answers carry CORS headers, so the request failed in its CORS preflight. The OPTIONS method of /dragons must answer 200 with Access-Control-Allow-Headers including Authorization (API Gateway console: Enable CORS on the resource, then deploy the stage). If it does, the network dropped the call: try again.",
            Diagnosis::Unexpected => "An answer this app did not expect; see the body.",
        }
    }
}

fn message_of(body: &str) -> Option<String> {
    json::parse(body)
        .ok()?
        .get("message")?
        .as_str()
        .map(str::to_owned)
}

/// Classify an answer (`status` None: the request got no readable answer).
pub fn classify(method: &str, status: Option<u16>, body: &str) -> Diagnosis {
    let Some(status) = status else {
        return Diagnosis::NoAnswer;
    };
    let message = message_of(body);
    match status {
        200..=299 if method == "POST" => Diagnosis::Accepted,
        200..=299 => match Dragon::list_from_json(body) {
            Some(list) => Diagnosis::Dragons(list),
            None => Diagnosis::Unexpected,
        },
        401 if message.as_deref() == Some("The incoming token has expired") => Diagnosis::Expired,
        401 => Diagnosis::Unauthorized,
        403 if message.as_deref() == Some("Missing Authentication Token") => Diagnosis::WrongUrl,
        403 if message.as_deref().is_some_and(|m| {
            m.starts_with("Authorization header requires")
                || m.contains(
                    "not a valid key=value pair (missing equal-sign) in Authorization header",
                )
        }) =>
        {
            Diagnosis::WrongUrlWithToken
        }
        403 => Diagnosis::Forbidden,
        400 => Diagnosis::BadRequest,
        500..=599 => Diagnosis::ServerError,
        _ => Diagnosis::Unexpected,
    }
}

/// What an answer from `guard` means: classified (REST: by status and message; HTTP API: also
/// by its `www-authenticate` header).
pub fn diagnose(
    guard: Guard,
    method: &str,
    status: Option<u16>,
    body: &str,
    headers: &[(String, String)],
) -> Diagnosis {
    match guard {
        Guard::Rest => classify(method, status, body),
        Guard::Http => http_jwt::classify(
            method,
            status,
            body,
            http_jwt::challenge_of(headers).as_ref(),
        ),
    }
}

/// The words the console shows for an answer: which token that guard wants and why, which
/// scope was missing and who gets it, 401 against 403.
pub fn explanation(
    guard: Guard,
    request: &ApiRequest,
    diagnosis: &Diagnosis,
    headers: &[(String, String)],
) -> String {
    let sent = Sent::of(request.authorization());
    let method = request.method;
    match (guard, diagnosis) {
        (Guard::Rest, Diagnosis::Unauthorized) => rest::why_unauthorized(method, &sent),
        (Guard::Rest, Diagnosis::Accepted) => match rest::why_accepted(method, &sent) {
            Some(why) => format!("{} {why}", diagnosis.explain()),
            None => diagnosis.explain().to_owned(),
        },
        (Guard::Rest, d) => d.explain().to_owned(),
        (Guard::Http, d) => {
            http_jwt::explain(method, d, &sent, http_jwt::challenge_of(headers).as_ref())
                .unwrap_or_else(|| d.explain().to_owned())
        }
    }
}

/// After a call with a token got no readable answer: the same URL with GET and no headers, a
/// "simple" request that needs no CORS preflight, tells a wrong URL from a preflight problem.
/// None when the call got an answer, or sent no token.
pub fn probe_request(request: &ApiRequest, diagnosis: &Diagnosis) -> Option<ApiRequest> {
    if *diagnosis != Diagnosis::NoAnswer {
        return None;
    }
    request.authorization()?;
    Some(ApiRequest {
        method: "GET",
        url: request.url.clone(),
        headers: Vec::new(),
        body: None,
    })
}

/// What the probe's answer says about the call that got none.
pub fn after_probe(status: Option<u16>, body: &str) -> Diagnosis {
    match (status, message_of(body).as_deref()) {
        (Some(403), Some("Missing Authentication Token")) => Diagnosis::NoAnswerWrongUrl,
        (Some(401), _) => Diagnosis::NoAnswerPreflight,
        _ => Diagnosis::NoAnswer,
    }
}

/// Quote for a POSIX shell: `'…'`, with `'` written as `'\''`.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// "Copy as curl". Without `include_token` the token is left out and read from `$TOKEN`, so a
/// pasted command never carries it by accident.
pub fn curl_command(request: &ApiRequest, include_token: bool) -> String {
    let mut out = format!(
        "curl -i -X {} {}",
        request.method,
        shell_quote(&request.url)
    );
    for (k, v) in &request.headers {
        if k.eq_ignore_ascii_case("authorization") && !include_token {
            out.push_str(&format!(" -H \"{k}: $TOKEN\""));
        } else {
            out.push_str(&format!(" -H {}", shell_quote(&format!("{k}: {v}"))));
        }
    }
    if let Some(body) = &request.body {
        out.push_str(&format!(" --data-raw {}", shell_quote(body)));
    }
    out
}

/// A token shortened for display: the first and last characters around its length.
pub fn shorten_token(token: &str) -> String {
    let n = token.chars().count();
    if n <= 24 {
        return token.to_owned();
    }
    let head: String = token.chars().take(12).collect();
    let tail: String = token.chars().skip(n - 6).collect();
    format!("{head}…{tail} ({n} characters)")
}

/// `text` with every copy of the `Authorization` value `authorization` (and of the token after
/// a `Bearer ` prefix) shortened: API Gateway's 403 for a wrong URL echoes it.
pub fn mask_token(text: &str, authorization: &str) -> String {
    let bare = authorization
        .strip_prefix("Bearer ")
        .unwrap_or(authorization)
        .trim();
    if bare.len() < 8 {
        return text.to_owned();
    }
    let mut out = text.replace(authorization, &shorten_token(authorization));
    if bare != authorization {
        out = out.replace(bare, &shorten_token(bare));
    }
    out
}

/// Whether a token's `exp` has passed at `now` (for the 401 lab's expired-token call; no
/// leeway: it asks what API Gateway will say). Unreadable tokens are not "expired".
pub fn has_expired(token: &str, now: i64) -> bool {
    crate::auth::jwt::decode(token)
        .ok()
        .and_then(|j| j.int_claim("exp"))
        .is_some_and(|exp| exp <= now)
}

/// The 401 lab's tampered token: one claim changed (`cognito:username`, else `sub`, set to
/// "admin"), the header and the original signature kept. A real authorizer must refuse it.
pub fn tamper(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let mut claims: Value = json::parse_bytes(&b64url_decode(payload)?).ok()?;
    let object = claims.as_object_mut()?;
    let key = if object.contains_key("cognito:username") {
        "cognito:username"
    } else if object.contains_key("username") {
        "username"
    } else {
        "sub"
    };
    object.insert(key.to_owned(), Value::String("admin".into()));
    let payload = b64url_encode(json::to_string(&claims).as_bytes());
    Some(format!("{header}.{payload}.{signature}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/test";

    #[test]
    fn list_requests_put_the_raw_token_in_authorization_and_encode_filters() {
        let r = list_request(API, Some("eyJ.a.b"), &Filter::All);
        assert_eq!(r.method, "GET");
        assert_eq!(r.url, format!("{API}/dragons"));
        assert_eq!(
            r.authorization(),
            Some("eyJ.a.b"),
            "raw, as the authorizer reads it"
        );
        assert!(!r.url.contains("eyJ"), "never in the query string");
        let shown = format!("{r:?}");
        assert!(
            shown.contains("[redacted]") && !shown.contains("eyJ"),
            "{shown}"
        );
        let r = list_request(API, None, &Filter::Name(" Smaug & co ".into()));
        assert_eq!(r.url, format!("{API}/dragons?dragonName=Smaug+%26+co"));
        assert_eq!(r.authorization(), None);
        let r = list_request(API, None, &Filter::Family("red".into()));
        assert!(r.url.ends_with("?family=red"));
    }

    #[test]
    fn create_requests_send_camel_case_json() {
        let d = NewDragon {
            dragon_name: "Puff".into(),
            confirmation_required: true,
            ..Default::default()
        };
        let r = create_request(API, Some("tok"), &d);
        assert_eq!(r.method, "POST");
        let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["dragonName"], "Puff");
        assert_eq!(body["reportingPhoneNumber"], "");
        assert_eq!(body["confirmationRequired"], true);
        assert!(r
            .headers
            .contains(&("Content-Type".into(), "application/json".into())));
    }

    #[test]
    fn a_new_dragon_is_checked_before_sending() {
        let empty = NewDragon::default();
        let fields: Vec<&str> = empty.problems().iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "dragonName",
                "description",
                "family",
                "city",
                "country",
                "reportingPhoneNumber"
            ]
        );
        let ok = NewDragon {
            dragon_name: "Puff".into(),
            description: "Magic".into(),
            family: "green".into(),
            city: "Honalee".into(),
            country: "USA".into(),
            reporting_phone_number: "+1 (555) 555-0100".into(),
            ..Default::default()
        };
        assert!(ok.problems().is_empty());
        let bad_phone = NewDragon {
            reporting_phone_number: "call me".into(),
            ..ok
        };
        assert_eq!(
            bad_phone.problems(),
            [(
                "reportingPhoneNumber",
                "may hold digits, spaces, + - ( ) only"
            )]
        );
    }

    #[test]
    fn answers_are_classified_as_api_gateway_means_them() {
        let list = r#"[{"dragon_name_str":"Frost","family_str":"white"}]"#;
        match classify("GET", Some(200), list) {
            Diagnosis::Dragons(d) => assert_eq!(d[0].dragon_name_str, "Frost"),
            other => panic!("{other:?}"),
        }
        assert_eq!(classify("POST", Some(200), "{}"), Diagnosis::Accepted);
        assert_eq!(
            classify("GET", Some(401), r#"{"message":"Unauthorized"}"#),
            Diagnosis::Unauthorized
        );
        assert_eq!(
            classify(
                "GET",
                Some(401),
                r#"{"message":"The incoming token has expired"}"#
            ),
            Diagnosis::Expired
        );
        assert_eq!(
            classify(
                "GET",
                Some(403),
                r#"{"message":"Missing Authentication Token"}"#
            ),
            Diagnosis::WrongUrl
        );
        assert_eq!(
            classify("GET", Some(403), r#"{"message":"User is not authorized"}"#),
            Diagnosis::Forbidden
        );
        assert_eq!(
            classify("POST", Some(400), r#"{"message":"Invalid request body"}"#),
            Diagnosis::BadRequest
        );
        assert_eq!(
            classify("GET", Some(502), "Bad gateway"),
            Diagnosis::ServerError
        );
        assert_eq!(classify("GET", None, ""), Diagnosis::NoAnswer);
        assert_eq!(classify("GET", Some(200), "<html>"), Diagnosis::Unexpected);
        assert!(Diagnosis::NoAnswer.explain().contains("DEFAULT_4XX"));
        assert!(Diagnosis::Unauthorized.explain().contains("only ID tokens"));
        assert!(Diagnosis::WrongUrl.explain().contains("stage"));
    }

    /// API Gateway's words for an unknown route when an `Authorization` header was sent
    /// (wire spec, API Gateway section).
    fn sigv4_complaint(authorization: &str) -> String {
        serde_json::json!({"message": format!("Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}")}).to_string()
    }

    #[test]
    fn a_403_that_echoes_the_token_means_a_wrong_url_and_the_token_is_masked() {
        let token = "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl";
        let body = sigv4_complaint(token);
        assert_eq!(
            classify("GET", Some(403), &body),
            Diagnosis::WrongUrlWithToken
        );
        let bearer = serde_json::json!({"message": format!("'{token}' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer {token}'.")}).to_string();
        assert_eq!(
            classify("GET", Some(403), &bearer),
            Diagnosis::WrongUrlWithToken
        );
        let why = Diagnosis::WrongUrlWithToken.explain();
        assert!(
            why.contains("never looked at the token") && why.contains("stage"),
            "{why}"
        );
        // Masked wherever it is echoed, raw or after Bearer.
        let masked = mask_token(&body, token);
        assert!(!masked.contains(token), "{masked}");
        assert!(masked.contains("Authorization=eyJraWQiOiJr…"), "{masked}");
        let masked = mask_token(&bearer, &format!("Bearer {token}"));
        assert!(!masked.contains(token), "{masked}");
        assert!(masked.contains("not a valid key=value pair"), "{masked}");
        // Nothing to mask: unchanged.
        assert_eq!(mask_token("[]", token), "[]");
    }

    #[test]
    fn a_missing_answer_is_probed_without_the_token_to_tell_a_wrong_url_from_cors() {
        let with_token = list_request(API, Some("eyJ.a.b"), &Filter::Family("red".into()));
        let probe = probe_request(&with_token, &Diagnosis::NoAnswer).expect("a probe");
        assert_eq!(
            probe_request(&with_token, &Diagnosis::Unauthorized),
            None,
            "an answer came"
        );
        assert_eq!(probe.method, "GET");
        assert_eq!(probe.url, with_token.url);
        assert!(probe.headers.is_empty(), "no header, so no preflight");
        let without = list_request(API, None, &Filter::All);
        assert_eq!(probe_request(&without, &Diagnosis::NoAnswer), None);
        assert_eq!(
            after_probe(Some(403), r#"{"message":"Missing Authentication Token"}"#),
            Diagnosis::NoAnswerWrongUrl
        );
        assert_eq!(
            after_probe(Some(401), r#"{"message":"Unauthorized"}"#),
            Diagnosis::NoAnswerPreflight
        );
        // Still nothing readable: the gateway responses lack CORS headers (or no network).
        assert_eq!(after_probe(None, ""), Diagnosis::NoAnswer);
        assert!(Diagnosis::NoAnswerWrongUrl.explain().contains("stage"));
        assert!(Diagnosis::NoAnswerPreflight
            .explain()
            .contains("Access-Control-Allow-Headers"));
    }

    #[test]
    fn curl_leaves_the_token_out_unless_asked() {
        let r = list_request(API, Some("eyJ.secret.sig"), &Filter::Name("O'Brien".into()));
        let without = curl_command(&r, false);
        assert!(!without.contains("eyJ"), "{without}");
        assert!(without.contains("\"Authorization: $TOKEN\""));
        let with = curl_command(&r, true);
        assert!(with.contains("'Authorization: eyJ.secret.sig'"), "{with}");
        assert!(with.starts_with("curl -i -X GET 'https://"));
    }

    #[test]
    fn shell_quoting_survives_any_text() {
        for s in [
            "plain",
            "it's",
            "'",
            "''",
            "a\"b",
            "$(rm -rf /)",
            "`x`",
            "\\",
            "new\nline",
            "",
            "ünï",
        ] {
            let words = shell_words::split(&shell_quote(s)).unwrap();
            assert_eq!(words, [s.to_owned()], "{s:?}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn curl_commands_split_back_into_the_same_arguments(url in ".{0,60}", token in ".{0,60}", body in ".{0,60}") {
            let request = ApiRequest {
                method: "POST",
                url: url.clone(),
                headers: vec![("Authorization".into(), token.clone())],
                body: Some(body.clone()),
            };
            let words = shell_words::split(&curl_command(&request, true)).unwrap();
            proptest::prop_assert_eq!(words, vec![
                "curl".to_owned(), "-i".into(), "-X".into(), "POST".into(), url,
                "-H".into(), format!("Authorization: {token}"), "--data-raw".into(), body,
            ]);
        }

        #[test]
        fn tamper_and_classify_never_panic(s in ".{0,200}") {
            let _ = tamper(&s);
            let _ = classify("GET", Some(200), &s);
            let _ = shorten_token(&s);
        }
    }

    #[test]
    fn a_session_calls_its_own_api_and_a_pasted_token_the_api_it_was_pasted_for() {
        use crate::config::ApiToken;
        let session = (
            "id1".to_owned(),
            "acc1".to_owned(),
            "https://session.api".to_owned(),
        );
        let pasted = ("pasted1".to_owned(), "https://pasted.api".to_owned());
        let configured = Some("https://configured.api".to_owned());
        let both = CallSources {
            session: Some(session.clone()),
            pasted: Some(pasted.clone()),
            configured_api: configured.clone(),
            http_api: Some("https://http.api".into()),
        };
        assert_eq!(
            both.base_for(Guard::Rest, true).as_deref(),
            Some("https://pasted.api")
        );
        assert_eq!(
            both.base_for(Guard::Http, true).as_deref(),
            Some("https://http.api")
        );
        assert_eq!(CallSources::default().base_for(Guard::Http, false), None);
        assert_eq!(both.api_base(false), "https://session.api");
        assert_eq!(both.api_base(true), "https://pasted.api");
        assert_eq!(
            both.call_token(false, ApiToken::Access).as_deref(),
            Some("acc1")
        );
        assert_eq!(
            both.call_token(true, ApiToken::Access).as_deref(),
            Some("pasted1")
        );
        // Signed out: the pasted token's API even for a call without it (the 401 lab).
        let only_pasted = CallSources {
            session: None,
            ..both.clone()
        };
        assert_eq!(only_pasted.api_base(false), "https://pasted.api");
        assert_eq!(only_pasted.call_token(false, ApiToken::Id), None);
        // Nothing pasted: "use the pasted token" falls back to the session's.
        let only_session = CallSources {
            pasted: None,
            ..both.clone()
        };
        assert_eq!(only_session.api_base(true), "https://session.api");
        assert_eq!(
            only_session.call_token(true, ApiToken::Id).as_deref(),
            Some("id1")
        );
        let nothing = CallSources {
            configured_api: configured,
            ..CallSources::default()
        };
        assert_eq!(nothing.api_base(true), "https://configured.api");
        assert_eq!(CallSources::default().api_base(false), "");
    }

    #[test]
    fn the_lab_offers_each_call_when_it_can_be_made() {
        let offered = |has: LabHas| LABS.map(|l| l.offered(has));
        let signed_out = LabHas::default();
        // Signed out: only "no token"; the expired and pasted calls not even shown.
        assert_eq!(
            offered(signed_out),
            [
                (true, true),   // no token
                (true, false),  // ID token
                (true, false),  // access token
                (true, false),  // ID token → POST
                (true, false),  // access token → POST
                (true, false),  // tampered
                (false, false), // expired
                (false, false), // HTTP API: ID token (no HTTP API configured)
                (false, false), // HTTP API: access token
                (false, false), // HTTP API: expired
                (false, false)  // pasted
            ]
        );
        let with_http = LabHas {
            http: true,
            ..signed_out
        };
        assert_eq!(Lab::HttpId.offered(with_http), (true, false));
        assert_eq!(Lab::HttpExpired.offered(with_http), (false, false));
        let pasted_only = LabHas {
            pasted: true,
            ..signed_out
        };
        assert_eq!(
            Lab::Tampered.offered(pasted_only),
            (true, true),
            "tampers the pasted one"
        );
        assert_eq!(Lab::Pasted.offered(pasted_only), (true, true));
        assert_eq!(Lab::IdToken.offered(pasted_only), (true, false));
        let all = LabHas {
            signed_in: true,
            pasted: true,
            expired: true,
            busy: false,
            http: true,
        };
        assert!(offered(all).iter().all(|o| *o == (true, true)));
        let busy = LabHas { busy: true, ..all };
        assert!(offered(busy)
            .iter()
            .all(|(shown, usable)| *shown && !usable));
    }

    #[test]
    fn each_lab_call_sends_its_token_to_its_api() {
        let sources = CallSources {
            session: Some(("id1".into(), "acc1".into(), "https://session.api".into())),
            pasted: Some(("pasted1".into(), "https://pasted.api".into())),
            configured_api: None,
            http_api: Some("https://http.api".into()),
        };
        let sent = |which, expired| {
            let r = sources.lab_request(which, expired);
            let authorization = r.authorization().map(str::to_owned);
            (r.url, authorization)
        };
        let at = |api: &str| format!("{api}/dragons");
        assert_eq!(sent(Lab::NoToken, None), (at("https://session.api"), None));
        assert_eq!(sent(Lab::IdToken, None).1.as_deref(), Some("id1"));
        assert_eq!(sent(Lab::AccessToken, None).1.as_deref(), Some("acc1"));
        assert_eq!(sent(Lab::Expired, Some("old")).1.as_deref(), Some("old"));
        assert_eq!(
            sent(Lab::Pasted, None),
            (at("https://pasted.api"), Some("pasted1".into()))
        );
        // The scoped POST: the lab dragon, with each token.
        let post = sources.lab_request(Lab::IdOnPost, None);
        assert_eq!(
            (post.method, post.url.as_str()),
            ("POST", "https://session.api/dragons")
        );
        assert_eq!(post.authorization(), Some("id1"));
        assert!(post.body.unwrap().contains("Lab dragon"));
        assert_eq!(sent(Lab::AccessOnPost, None).1.as_deref(), Some("acc1"));
        // The HTTP API's own origin.
        assert_eq!(
            sent(Lab::HttpId, None),
            (at("https://http.api"), Some("id1".into()))
        );
        assert_eq!(sent(Lab::HttpAccess, None).1.as_deref(), Some("acc1"));
        assert_eq!(
            sent(Lab::HttpExpired, Some("old")),
            (at("https://http.api"), Some("old".into()))
        );
        // "id1" is no JWT, so there is nothing to tamper with: no token at all.
        assert_eq!(sent(Lab::Tampered, None).1, None);
    }

    #[test]
    fn each_guard_explains_its_answer_from_the_token_that_was_sent() {
        use crate::auth::jwt::tests::encode;
        let id = encode(
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"token_use": "id"}),
            b"s",
        );
        let access = encode(
            &serde_json::json!({"alg": "RS256"}),
            &serde_json::json!({"token_use": "access", "scope": "openid dragons/read"}),
            b"s",
        );
        let post = |token: &str| create_request(API, Some(token), &NewDragon::lab());
        let unauthorized = r#"{"message":"Unauthorized"}"#;
        // REST: the scoped POST with each token.
        let d = diagnose(Guard::Rest, "POST", Some(401), unauthorized, &[]);
        assert_eq!(d, Diagnosis::Unauthorized);
        let why = explanation(Guard::Rest, &post(&id), &d, &[]);
        assert!(why.contains("an ID token never passes"), "{why}");
        let why = explanation(Guard::Rest, &post(&access), &d, &[]);
        assert!(why.contains("dragon-keepers"), "{why}");
        // HTTP API: the same call is a 403 with the scope named.
        let headers = vec![(
            "www-authenticate".to_owned(),
            "Bearer scope=\"dragons/write\" error=\"insufficient_scope\"".to_owned(),
        )];
        let d = diagnose(
            Guard::Http,
            "POST",
            Some(403),
            r#"{"message":"Forbidden"}"#,
            &headers,
        );
        assert_eq!(d, Diagnosis::MissingScope);
        let why = explanation(Guard::Http, &post(&access), &d, &headers);
        assert!(why.starts_with("403 Forbidden"), "{why}");
        assert!(why.contains("only \"openid dragons/read\""), "{why}");
        // The REST API's own words where the guard adds nothing.
        let d = diagnose(
            Guard::Rest,
            "GET",
            Some(403),
            r#"{"message":"Missing Authentication Token"}"#,
            &[],
        );
        assert_eq!(explanation(Guard::Rest, &post(&id), &d, &[]), d.explain());
    }

    #[test]
    fn tampering_changes_one_claim_and_keeps_the_signature() {
        let header = b64url_encode(br#"{"alg":"RS256","kid":"k"}"#);
        let payload = b64url_encode(br#"{"sub":"u1","cognito:username":"rider"}"#);
        let token = format!("{header}.{payload}.c2ln");
        let t = tamper(&token).unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        assert_eq!(parts[0], header);
        assert_eq!(parts[2], "c2ln");
        let claims: Value = serde_json::from_slice(&b64url_decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["cognito:username"], "admin");
        assert_eq!(claims["sub"], "u1");
        assert_eq!(tamper("not-a-jwt"), None);
    }

    #[test]
    fn expiry_is_read_from_the_token() {
        let header = b64url_encode(br#"{"alg":"RS256"}"#);
        let token = |exp: i64| {
            format!(
                "{header}.{}.c2ln",
                b64url_encode(format!(r#"{{"exp":{exp}}}"#).as_bytes())
            )
        };
        assert!(!has_expired(&token(1000), 999));
        assert!(has_expired(&token(1000), 1000));
        assert!(!has_expired("not-a-jwt", i64::MAX));
    }

    #[test]
    fn tokens_are_shortened_for_display() {
        let t = "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.payload.signature-part";
        assert_eq!(
            shorten_token(t),
            format!("eyJraWQiOiJr…e-part ({} characters)", t.len())
        );
        assert_eq!(shorten_token("short"), "short");
    }
}
