//! Runtime configuration: parse `config.json`, layer a person's saved overrides on top, fill in
//! defaults, and validate every field. Pure: no I/O, no browser; the shell passes the page URL in.

// Nothing from the URL, the network or storage may panic the app (security checklist).
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

use crate::json::{self, Value};
use std::fmt;

/// Where the defaults point: the local stack started by the demo command.
pub mod defaults {
    pub const AUTH_DOMAIN: &str = "http://localhost:9000";
    pub const ISSUER: &str = "http://localhost:9001/us-east-1_DRAGONS01";
    pub const CLIENT_ID: &str = "dragonsdemo0localclient001";
    pub const API_BASE_URL: &str = "http://localhost:9002/test";
    pub const SCOPES: [&str; 3] = ["openid", "email", "profile"];
}

/// Longest value any field may hold; longer input is reported, not truncated.
const MAX_FIELD_LEN: usize = 2048;

/// Which OAuth flow the app starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Authorization code with PKCE (S256): the default, and what the BCPs recommend.
    Code,
    /// Implicit: tokens in the URL fragment, as the workshop's old pages did.
    Implicit,
}

impl Flow {
    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Code => "code",
            Flow::Implicit => "implicit",
        }
    }

    /// The flow named `name` (as [`Flow::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Flow> {
        match name {
            "code" => Some(Flow::Code),
            "implicit" => Some(Flow::Implicit),
            _ => None,
        }
    }
}

/// Which token the app puts in the `Authorization` header of API calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiToken {
    Id,
    Access,
}

impl ApiToken {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiToken::Id => "id",
            ApiToken::Access => "access",
        }
    }
}

/// A config as written in `config.json` or saved as overrides: every field optional, kept as
/// text so that a wrong value can be shown next to its field instead of failing the whole file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawConfig {
    pub auth_domain: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub logout_uri: Option<String>,
    pub scopes: Option<Vec<String>>,
    pub flow: Option<String>,
    pub api_base_url: Option<String>,
    pub http_api_base_url: Option<String>,
    pub iam_api_base_url: Option<String>,
    pub identity_pool_id: Option<String>,
    pub api_token: Option<String>,
}

/// The fields of the config, in the order the Settings panel shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    AuthDomain,
    Issuer,
    ClientId,
    RedirectUri,
    LogoutUri,
    Scopes,
    Flow,
    ApiBaseUrl,
    HttpApiBaseUrl,
    IamApiBaseUrl,
    IdentityPoolId,
    ApiToken,
}

impl Field {
    pub const ALL: [Field; 12] = [
        Field::AuthDomain,
        Field::Issuer,
        Field::ClientId,
        Field::RedirectUri,
        Field::LogoutUri,
        Field::Scopes,
        Field::Flow,
        Field::ApiBaseUrl,
        Field::HttpApiBaseUrl,
        Field::IamApiBaseUrl,
        Field::IdentityPoolId,
        Field::ApiToken,
    ];

    /// The JSON name, as in `config.json`.
    pub fn key(self) -> &'static str {
        match self {
            Field::AuthDomain => "authDomain",
            Field::Issuer => "issuer",
            Field::ClientId => "clientId",
            Field::RedirectUri => "redirectUri",
            Field::LogoutUri => "logoutUri",
            Field::Scopes => "scopes",
            Field::Flow => "flow",
            Field::ApiBaseUrl => "apiBaseUrl",
            Field::HttpApiBaseUrl => "httpApiBaseUrl",
            Field::IamApiBaseUrl => "iamApiBaseUrl",
            Field::IdentityPoolId => "identityPoolId",
            Field::ApiToken => "apiToken",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::AuthDomain => "Hosted UI domain",
            Field::Issuer => "Issuer (user pool)",
            Field::ClientId => "App client ID",
            Field::RedirectUri => "Callback URL",
            Field::LogoutUri => "Sign-out URL",
            Field::Scopes => "Scopes",
            Field::Flow => "Flow",
            Field::ApiBaseUrl => "Dragons API base URL",
            Field::HttpApiBaseUrl => "HTTP API base URL",
            Field::IamApiBaseUrl => "IAM API base URL",
            Field::IdentityPoolId => "Identity pool ID",
            Field::ApiToken => "Token sent to the API",
        }
    }

    pub fn help(self) -> &'static str {
        match self {
            Field::AuthDomain => "https://<prefix>.auth.<region>.amazoncognito.com",
            Field::Issuer => "https://cognito-idp.<region>.amazonaws.com/<poolId>; the JWKS is <issuer>/.well-known/jwks.json",
            Field::ClientId => "A public app client (no secret) with the Hosted UI enabled",
            Field::RedirectUri => "Must equal one of the app client's callback URLs, byte for byte (trailing slash too)",
            Field::LogoutUri => "Must equal one of the app client's sign-out URLs",
            Field::Scopes => "Space separated; openid is required for an ID token",
            Field::Flow => "code (with PKCE, recommended) or implicit (tokens in the URL, as the old pages did)",
            Field::ApiBaseUrl => "The API Gateway stage URL, e.g. https://<id>.execute-api.<region>.amazonaws.com/test",
            Field::HttpApiBaseUrl => "Optional: an HTTP API with a JWT authorizer, e.g. https://<id>.execute-api.<region>.amazonaws.com (its $default stage); blank = none",
            Field::IamApiBaseUrl => "Optional: the stage URL of a REST API whose methods use AWS_IAM (SigV4), e.g. https://<id>.execute-api.<region>.amazonaws.com/iam; blank = none",
            Field::IdentityPoolId => "Optional: <region>:<uuid>, an identity pool with this user pool's app client as provider; it gives AWS credentials for the IAM API; blank = none",
            Field::ApiToken => "id for a REST API authorizer without OAuth scopes; access where the method has scopes",
        }
    }

    /// The value of this field in `raw`, as the text a person edits (scopes space separated).
    pub fn get(self, raw: &RawConfig) -> Option<String> {
        match self {
            Field::AuthDomain => raw.auth_domain.clone(),
            Field::Issuer => raw.issuer.clone(),
            Field::ClientId => raw.client_id.clone(),
            Field::RedirectUri => raw.redirect_uri.clone(),
            Field::LogoutUri => raw.logout_uri.clone(),
            Field::Scopes => raw.scopes.as_ref().map(|s| s.join(" ")),
            Field::Flow => raw.flow.clone(),
            Field::ApiBaseUrl => raw.api_base_url.clone(),
            Field::HttpApiBaseUrl => raw.http_api_base_url.clone(),
            Field::IamApiBaseUrl => raw.iam_api_base_url.clone(),
            Field::IdentityPoolId => raw.identity_pool_id.clone(),
            Field::ApiToken => raw.api_token.clone(),
        }
    }

    /// Set this field in `raw` from the text a person typed; `None` removes it.
    pub fn set(self, raw: &mut RawConfig, value: Option<String>) {
        match self {
            Field::AuthDomain => raw.auth_domain = value,
            Field::Issuer => raw.issuer = value,
            Field::ClientId => raw.client_id = value,
            Field::RedirectUri => raw.redirect_uri = value,
            Field::LogoutUri => raw.logout_uri = value,
            Field::Scopes => {
                raw.scopes = value.map(|v| v.split_whitespace().map(str::to_owned).collect())
            }
            Field::Flow => raw.flow = value,
            Field::ApiBaseUrl => raw.api_base_url = value,
            Field::HttpApiBaseUrl => raw.http_api_base_url = value,
            Field::IamApiBaseUrl => raw.iam_api_base_url = value,
            Field::IdentityPoolId => raw.identity_pool_id = value,
            Field::ApiToken => raw.api_token = value,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// One problem with one field, worded for the person who has to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why `config.json` (or saved overrides) could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigFileError {
    #[error("config.json is not valid JSON for this app ({0}); fix the file or remove it to use the built-in defaults")]
    Parse(String),
    #[error("config.json is too large ({0} bytes); it should be a small object of settings")]
    TooLarge(usize),
}

impl RawConfig {
    /// Parse `config.json`. Unknown fields are an error (a typo such as `clientID` would
    /// otherwise be silently ignored and the default used).
    pub fn from_json(text: &str) -> Result<RawConfig, ConfigFileError> {
        if text.len() > 64 * 1024 {
            return Err(ConfigFileError::TooLarge(text.len()));
        }
        RawConfig::from_value(&json::parse(text).map_err(ConfigFileError::Parse)?)
            .map_err(ConfigFileError::Parse)
    }

    fn from_value(value: &Value) -> Result<RawConfig, String> {
        let mut raw = RawConfig::default();
        for (key, v) in json::object(value)? {
            let Some(field) = Field::ALL.into_iter().find(|f| f.key() == key) else {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.key()).collect();
                return Err(format!(
                    "unknown field `{key}`, expected one of {}",
                    known.join(", ")
                ));
            };
            let wrong = || {
                format!(
                    "invalid type for `{key}`, expected {}",
                    if field == Field::Scopes {
                        "a list of strings"
                    } else {
                        "a string"
                    }
                )
            };
            match (field, v) {
                (_, Value::Null) => {}
                (Field::Scopes, Value::Array(list)) => {
                    raw.scopes = Some(
                        list.iter()
                            .map(|s| s.as_str().map(str::to_owned))
                            .collect::<Option<Vec<String>>>()
                            .ok_or_else(wrong)?,
                    )
                }
                (Field::Scopes, _) => return Err(wrong()),
                (_, Value::String(s)) => field.set(&mut raw, Some(s.clone())),
                _ => return Err(wrong()),
            }
        }
        Ok(raw)
    }

    pub fn to_json(&self) -> String {
        let mut map = json::Map::new();
        for field in Field::ALL {
            let value = match field {
                Field::Scopes => self
                    .scopes
                    .as_ref()
                    .map(|s| Value::Array(s.iter().map(|v| json::s(v)).collect())),
                _ => field.get(self).map(Value::String),
            };
            if let Some(value) = value {
                map.insert(field.key().to_owned(), value);
            }
        }
        json::to_string(&Value::Object(map))
    }

    /// `self` with every field that `over` sets replaced.
    pub fn overlay(&self, over: &RawConfig) -> RawConfig {
        let mut out = self.clone();
        for field in Field::ALL {
            if let Some(v) = field.get(over) {
                field.set(&mut out, Some(v));
            }
        }
        out
    }

    /// The fields of `self` that differ from `base`: what a person changed, worth saving.
    pub fn diff_from(&self, base: &RawConfig) -> RawConfig {
        let mut out = RawConfig::default();
        for field in Field::ALL {
            let mine = field.get(self);
            if mine != field.get(base) {
                field.set(&mut out, mine);
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        *self == RawConfig::default()
    }
}

/// The Settings form as typed: one text per field, kept verbatim (so typing a space between
/// scopes is not undone), converted to a `RawConfig` for checking and saving.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormText([String; Field::ALL.len()]);

impl FormText {
    pub fn from_raw(raw: &RawConfig) -> FormText {
        FormText(Field::ALL.map(|f| f.get(raw).unwrap_or_default()))
    }

    pub fn get(&self, field: Field) -> &str {
        self.0.get(field as usize).map_or("", String::as_str)
    }

    pub fn set(&mut self, field: Field, text: String) {
        if let Some(slot) = self.0.get_mut(field as usize) {
            *slot = text;
        }
    }

    /// Blank fields become unset; everything else is trimmed.
    pub fn to_raw(&self) -> RawConfig {
        let mut raw = RawConfig::default();
        for field in Field::ALL {
            let text = self.get(field).trim();
            field.set(&mut raw, (!text.is_empty()).then(|| text.to_owned()));
        }
        raw
    }
}

/// A checked configuration, every field present and valid.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    pub auth_domain: String,
    pub issuer: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub logout_uri: String,
    pub scopes: Vec<String>,
    pub flow: Flow,
    pub api_base_url: String,
    /// The HTTP API (JWT authorizer), when one is configured.
    pub http_api_base_url: Option<String>,
    /// The REST API stage whose methods use `AWS_IAM`, when one is configured.
    pub iam_api_base_url: Option<String>,
    /// The identity pool (`<region>:<uuid>`), when one is configured.
    pub identity_pool_id: Option<String>,
    pub api_token: ApiToken,
}

/// The built-in defaults as a `RawConfig`, with the redirect and sign-out URLs set to the page
/// the app runs on (`origin` + `path`, no query or fragment).
pub fn default_raw(page_url: &str) -> RawConfig {
    let page = page_without_query(page_url).to_owned();
    RawConfig {
        auth_domain: Some(defaults::AUTH_DOMAIN.to_owned()),
        issuer: Some(defaults::ISSUER.to_owned()),
        client_id: Some(defaults::CLIENT_ID.to_owned()),
        redirect_uri: Some(page.clone()),
        logout_uri: None,
        scopes: Some(defaults::SCOPES.iter().map(|s| (*s).to_owned()).collect()),
        flow: Some(Flow::Code.as_str().to_owned()),
        api_base_url: Some(defaults::API_BASE_URL.to_owned()),
        http_api_base_url: None,
        iam_api_base_url: None,
        identity_pool_id: None,
        api_token: Some(ApiToken::Id.as_str().to_owned()),
    }
}

fn page_without_query(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

/// Defaults, then `file` (config.json), then `overrides` (the Settings panel), validated.
/// Every problem is reported, each against its field.
pub fn resolve(
    page_url: &str,
    file: &RawConfig,
    overrides: &RawConfig,
) -> Result<Config, Vec<FieldError>> {
    let merged = default_raw(page_url).overlay(file).overlay(overrides);
    validate(&merged)
}

/// Check a complete `RawConfig` (missing fields are errors; `logoutUri` falls back to
/// `redirectUri`).
pub fn validate(raw: &RawConfig) -> Result<Config, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut check = |field: Field, result: Result<String, String>| {
        result
            .map_err(|message| errors.push(FieldError { field, message }))
            .ok()
    };

    let auth_domain = check(
        Field::AuthDomain,
        required(raw.auth_domain.as_deref()).and_then(|v| origin_only(v, "the Hosted UI domain")),
    );
    let issuer = check(
        Field::Issuer,
        required(raw.issuer.as_deref()).and_then(check_issuer),
    );
    let client_id = check(
        Field::ClientId,
        required(raw.client_id.as_deref()).and_then(check_client_id),
    );
    let redirect_uri = check(
        Field::RedirectUri,
        required(raw.redirect_uri.as_deref()).and_then(check_app_url),
    );
    let logout_uri = match raw.logout_uri.as_deref() {
        Some(v) => check(Field::LogoutUri, required(Some(v)).and_then(check_app_url)),
        None => redirect_uri.clone(),
    };
    let scopes = check(Field::Scopes, check_scopes(raw.scopes.as_deref()));
    let flow = check(
        Field::Flow,
        required(raw.flow.as_deref()).and_then(|v| match v {
            "code" | "implicit" => Ok(v.to_owned()),
            other => Err(format!(
                "must be \"code\" or \"implicit\", not \"{}\"",
                shorten(other)
            )),
        }),
    );
    let api_base_url = check(
        Field::ApiBaseUrl,
        required(raw.api_base_url.as_deref()).and_then(check_api_base),
    );
    // Optional: blank or absent means no HTTP API, and the console offers only the REST API.
    let http_api_base_url = match raw.http_api_base_url.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => check(
            Field::HttpApiBaseUrl,
            required(Some(v)).and_then(check_api_base),
        )
        .map(Some),
    };
    let iam_api_base_url = match raw.iam_api_base_url.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => check(
            Field::IamApiBaseUrl,
            required(Some(v)).and_then(check_api_base),
        )
        .map(Some),
    };
    let identity_pool_id = match raw.identity_pool_id.as_deref().map(str::trim) {
        None | Some("") => Some(None),
        Some(v) => check(
            Field::IdentityPoolId,
            required(Some(v)).and_then(check_identity_pool_id),
        )
        .map(Some),
    };
    let api_token = check(
        Field::ApiToken,
        required(raw.api_token.as_deref()).and_then(|v| match v {
            "id" | "access" => Ok(v.to_owned()),
            other => Err(format!(
                "must be \"id\" or \"access\", not \"{}\"",
                shorten(other)
            )),
        }),
    );

    match (
        auth_domain,
        issuer,
        client_id,
        redirect_uri,
        logout_uri,
        scopes,
        flow,
        api_base_url,
        http_api_base_url,
        iam_api_base_url,
        identity_pool_id,
        api_token,
    ) {
        (
            Some(auth_domain),
            Some(issuer),
            Some(client_id),
            Some(redirect_uri),
            Some(logout_uri),
            Some(_),
            Some(flow),
            Some(api_base_url),
            Some(http_api_base_url),
            Some(iam_api_base_url),
            Some(identity_pool_id),
            Some(api_token),
        ) => Ok(Config {
            auth_domain,
            issuer,
            client_id,
            redirect_uri,
            logout_uri,
            scopes: raw.scopes.clone().unwrap_or_default(),
            flow: if flow == "code" {
                Flow::Code
            } else {
                Flow::Implicit
            },
            api_base_url,
            http_api_base_url,
            iam_api_base_url,
            identity_pool_id,
            api_token: if api_token == "id" {
                ApiToken::Id
            } else {
                ApiToken::Access
            },
        }),
        _ => Err(errors),
    }
}

fn required(value: Option<&str>) -> Result<&str, String> {
    match value.map(str::trim) {
        None | Some("") => Err("is required".into()),
        Some(v) if v.len() > MAX_FIELD_LEN => Err(format!(
            "is too long ({} characters; at most {MAX_FIELD_LEN})",
            v.len()
        )),
        Some(v) => Ok(v),
    }
}

/// Cut a value for quoting in an error message.
fn shorten(v: &str) -> String {
    const MAX: usize = 40;
    if v.chars().count() <= MAX {
        v.to_owned()
    } else {
        let cut: String = v.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// The parts of an absolute http(s) URL that the rules here need.
#[derive(Debug, PartialEq, Eq)]
struct HttpUrl<'a> {
    https: bool,
    host: &'a str,
    /// Everything after the authority: path, query, fragment ("" when none).
    rest: &'a str,
}

impl HttpUrl<'_> {
    fn is_loopback(&self) -> bool {
        let host = match self.host.rsplit_once(':') {
            Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => self.host,
        };
        matches!(host, "localhost" | "127.0.0.1" | "[::1]")
    }
}

fn parse_http_url(v: &str) -> Result<HttpUrl<'_>, String> {
    if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain spaces or control characters".into());
    }
    let (https, after) = if let Some(r) = v.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = v.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!(
            "must be an absolute https:// URL, not \"{}\"",
            shorten(v)
        ));
    };
    let split = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (host, rest) = after.split_at(split);
    if host.is_empty() {
        return Err("has no host name".into());
    }
    if host.contains('@') {
        return Err("must not contain a user name or password (@)".into());
    }
    if !host
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    {
        return Err(format!("has an invalid host name \"{}\"", shorten(host)));
    }
    let url = HttpUrl { https, host, rest };
    if !url.https && !url.is_loopback() {
        return Err(format!(
            "must use https:// (plain http is allowed only for localhost), not \"{}\"",
            shorten(v)
        ));
    }
    Ok(url)
}

/// A base URL with no path (a trailing slash is tolerated and dropped).
fn origin_only(v: &str, what: &str) -> Result<String, String> {
    let url = parse_http_url(v)?;
    match url.rest {
        "" | "/" => Ok(v.trim_end_matches('/').to_owned()),
        _ => Err(format!(
            "must be only the scheme and host of {what}, with no path, query or fragment (e.g. https://example.auth.us-east-1.amazoncognito.com)"
        )),
    }
}

fn check_issuer(v: &str) -> Result<String, String> {
    let url = parse_http_url(v)?;
    if url.rest.contains(['?', '#']) {
        return Err("must not have a query or fragment".into());
    }
    let path = url.rest.trim_end_matches('/');
    if path.is_empty() {
        return Err("must end with the user pool id, e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI".into());
    }
    if v.ends_with('/') {
        return Err(
            "must not end with a slash: tokens carry the issuer exactly as Cognito writes it"
                .into(),
        );
    }
    Ok(v.to_owned())
}

fn check_client_id(v: &str) -> Result<String, String> {
    if v.len() > 128 || !v.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(
            "must be the app client id: letters and digits only (Cognito's are 26 characters)"
                .into(),
        );
    }
    Ok(v.to_owned())
}

/// A URL of this app that Cognito redirects to: absolute, no fragment.
fn check_app_url(v: &str) -> Result<String, String> {
    let url = parse_http_url(v)?;
    if url.rest.contains('#') {
        return Err("must not contain a fragment (#); Cognito rejects it".into());
    }
    Ok(v.to_owned())
}

fn check_api_base(v: &str) -> Result<String, String> {
    let url = parse_http_url(v)?;
    if url.rest.contains(['?', '#']) {
        return Err("must not have a query or fragment; give the stage URL, e.g. https://abc123.execute-api.us-east-1.amazonaws.com/test".into());
    }
    Ok(v.trim_end_matches('/').to_owned())
}

/// `<region>:<uuid>`, as AWS names identity pools.
fn check_identity_pool_id(v: &str) -> Result<String, String> {
    let ok = v.split_once(':').is_some_and(|(region, id)| {
        !region.is_empty()
            && region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && id.len() == 36
            && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
    });
    if ok {
        Ok(v.to_owned())
    } else {
        Err(format!(
            "must be <region>:<uuid>, e.g. us-east-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001, not \"{}\"",
            shorten(v)
        ))
    }
}

impl Config {
    /// Where the identity pool's API answers: `https://cognito-identity.<region>.amazonaws.com`
    /// for a real user pool (its region from the issuer), else the issuer's own origin (the
    /// local stack serves both APIs there, told apart by `X-Amz-Target`).
    pub fn identity_endpoint(&self) -> String {
        identity_endpoint(&self.issuer)
    }
}

/// See [`Config::identity_endpoint`].
pub fn identity_endpoint(issuer: &str) -> String {
    let after = issuer.strip_prefix("https://cognito-idp.");
    if let Some(region) = after
        .and_then(|r| r.split_once(".amazonaws.com/"))
        .map(|(r, _)| r)
    {
        return format!("https://cognito-identity.{region}.amazonaws.com");
    }
    let scheme_end = issuer.find("://").map_or(0, |i| i + 3);
    match issuer.get(scheme_end..).and_then(|r| r.find('/')) {
        Some(i) => issuer.get(..scheme_end + i).unwrap_or(issuer).to_owned(),
        None => issuer.to_owned(),
    }
}

/// Valid scopes, checked; `Ok` carries them joined for display.
fn check_scopes(scopes: Option<&[String]>) -> Result<String, String> {
    let scopes = scopes.unwrap_or_default();
    if scopes.is_empty() {
        return Err("must list at least openid".into());
    }
    for s in scopes {
        if s.is_empty()
            || !s
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
        {
            return Err(format!("\"{}\" is not a valid scope name", shorten(s)));
        }
        if s == "offline_access" {
            return Err("offline_access is not a Cognito scope (Cognito rejects it; refresh tokens come with the code flow anyway)".into());
        }
    }
    if !scopes.iter().any(|s| s == "openid") {
        return Err("must include openid, or Cognito returns no ID token".into());
    }
    Ok(scopes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "http://localhost:8080/";

    fn ok(file: &RawConfig) -> Config {
        resolve(PAGE, file, &RawConfig::default()).expect("valid config")
    }

    fn errors_for(file: RawConfig) -> Vec<FieldError> {
        resolve(PAGE, &file, &RawConfig::default()).expect_err("invalid config")
    }

    fn only_error(file: RawConfig, field: Field) -> String {
        let errs = errors_for(file);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].field, field);
        errs[0].message.clone()
    }

    #[test]
    fn empty_file_gives_the_local_stack_defaults() {
        let c = ok(&RawConfig::default());
        assert_eq!(c.auth_domain, defaults::AUTH_DOMAIN);
        assert_eq!(c.issuer, defaults::ISSUER);
        assert_eq!(c.client_id, defaults::CLIENT_ID);
        assert_eq!(c.redirect_uri, PAGE);
        assert_eq!(c.logout_uri, PAGE, "logoutUri falls back to redirectUri");
        assert_eq!(c.scopes, ["openid", "email", "profile"]);
        assert_eq!(c.flow, Flow::Code);
        assert_eq!(c.api_token, ApiToken::Id);
        assert_eq!(
            crate::auth::session::Binding::of(&c).jwks_uri(),
            format!("{}/.well-known/jwks.json", defaults::ISSUER)
        );
    }

    #[test]
    fn redirect_default_is_the_page_without_query_or_fragment() {
        let c = resolve(
            "https://d1.cloudfront.net/app/index.html?code=abc&state=x#id_token=y",
            &RawConfig::default(),
            &RawConfig::default(),
        )
        .unwrap();
        assert_eq!(c.redirect_uri, "https://d1.cloudfront.net/app/index.html");
    }

    #[test]
    fn the_shipped_config_json_is_valid() {
        let text = include_str!("../public/config.json");
        let file = RawConfig::from_json(text).expect("public/config.json parses");
        let c = ok(&file);
        assert_eq!(c.client_id, defaults::CLIENT_ID);
    }

    #[test]
    fn a_real_pool_config_is_accepted() {
        let file = RawConfig::from_json(
            r#"{
              "authDomain": "https://dragons.auth.us-east-1.amazoncognito.com/",
              "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI",
              "clientId": "1h57kf5cpq17m0eml12EXAMPLE",
              "redirectUri": "https://d111111abcdef8.cloudfront.net/",
              "logoutUri": "https://d111111abcdef8.cloudfront.net/signed-out",
              "scopes": ["openid", "email", "dragons/read"],
              "flow": "implicit",
              "apiBaseUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/test/",
              "apiToken": "access"
            }"#,
        )
        .unwrap();
        let c = ok(&file);
        assert_eq!(
            c.auth_domain,
            "https://dragons.auth.us-east-1.amazoncognito.com"
        );
        assert_eq!(
            c.redirect_uri, "https://d111111abcdef8.cloudfront.net/",
            "kept byte for byte"
        );
        assert_eq!(
            c.logout_uri,
            "https://d111111abcdef8.cloudfront.net/signed-out"
        );
        assert_eq!(c.flow, Flow::Implicit);
        assert_eq!(
            c.api_base_url,
            "https://abc123.execute-api.us-east-1.amazonaws.com/test"
        );
        assert_eq!(c.api_token, ApiToken::Access);
    }

    #[test]
    fn the_http_api_is_optional_and_checked_like_the_rest_api() {
        let none = ok(&RawConfig::default());
        assert_eq!(
            none.http_api_base_url, None,
            "no default: not every pool has one"
        );
        let blank = ok(&RawConfig {
            http_api_base_url: Some("  ".into()),
            ..Default::default()
        });
        assert_eq!(blank.http_api_base_url, None, "a cleared Settings field");
        let file = RawConfig::from_json(
            r#"{"httpApiBaseUrl": "https://h1.execute-api.eu-west-1.amazonaws.com/"}"#,
        )
        .unwrap();
        assert_eq!(
            ok(&file).http_api_base_url.as_deref(),
            Some("https://h1.execute-api.eu-west-1.amazonaws.com")
        );
        let errs = errors_for(RawConfig {
            http_api_base_url: Some("https://h1.example/x?y=1".into()),
            ..Default::default()
        });
        assert_eq!(
            errs.iter().map(|e| e.field).collect::<Vec<_>>(),
            [Field::HttpApiBaseUrl]
        );
    }

    #[test]
    fn the_identity_pool_and_the_iam_api_are_optional_and_checked() {
        let none = ok(&RawConfig::default());
        assert_eq!((none.identity_pool_id, none.iam_api_base_url), (None, None));
        let file = RawConfig::from_json(
            r#"{"identityPoolId": "eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001", "iamApiBaseUrl": "https://i1.execute-api.eu-west-1.amazonaws.com/iam/"}"#,
        )
        .unwrap();
        let c = ok(&file);
        assert_eq!(
            c.identity_pool_id.as_deref(),
            Some("eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001")
        );
        assert_eq!(
            c.iam_api_base_url.as_deref(),
            Some("https://i1.execute-api.eu-west-1.amazonaws.com/iam")
        );
        for bad in [
            "eu-west-1",
            "EU:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001",
            "us-east-1:xyz",
            ":0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001",
        ] {
            let errs = errors_for(RawConfig {
                identity_pool_id: Some(bad.into()),
                ..Default::default()
            });
            assert_eq!(
                errs.iter().map(|e| e.field).collect::<Vec<_>>(),
                [Field::IdentityPoolId],
                "{bad}"
            );
        }
    }

    #[test]
    fn the_identity_endpoint_follows_the_issuer() {
        assert_eq!(
            identity_endpoint("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC"),
            "https://cognito-identity.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            identity_endpoint("http://localhost:9001/us-east-1_DRAGONS01"),
            "http://localhost:9001"
        );
    }

    #[test]
    fn overrides_win_over_the_file_which_wins_over_defaults() {
        let file = RawConfig {
            client_id: Some("fromfile".into()),
            flow: Some("implicit".into()),
            ..Default::default()
        };
        let over = RawConfig {
            flow: Some("code".into()),
            ..Default::default()
        };
        let c = resolve(PAGE, &file, &over).unwrap();
        assert_eq!(c.client_id, "fromfile");
        assert_eq!(c.flow, Flow::Code);
        assert_eq!(c.issuer, defaults::ISSUER);
    }

    #[test]
    fn plain_http_is_refused_except_on_localhost() {
        let msg = only_error(
            RawConfig {
                auth_domain: Some("http://dragons.auth.us-east-1.amazoncognito.com".into()),
                ..Default::default()
            },
            Field::AuthDomain,
        );
        assert!(msg.contains("https"), "{msg}");
        for local in [
            "http://localhost:9000",
            "http://127.0.0.1:9000",
            "http://[::1]:9000",
        ] {
            let c = ok(&RawConfig {
                auth_domain: Some(local.into()),
                ..Default::default()
            });
            assert_eq!(c.auth_domain, local);
        }
        // "localhost" as a prefix of another host name is not loopback.
        let msg = only_error(
            RawConfig {
                api_base_url: Some("http://localhost.evil.example/test".into()),
                ..Default::default()
            },
            Field::ApiBaseUrl,
        );
        assert!(msg.contains("https"), "{msg}");
    }

    #[test]
    fn each_bad_field_is_reported_against_its_own_name() {
        let errs = errors_for(RawConfig {
            auth_domain: Some("dragons.auth.us-east-1.amazoncognito.com".into()),
            issuer: Some("https://cognito-idp.us-east-1.amazonaws.com".into()),
            client_id: Some("".into()),
            redirect_uri: Some("https://app.example/#frag".into()),
            scopes: Some(vec!["email".into()]),
            flow: Some("hybrid".into()),
            api_base_url: Some("ftp://x".into()),
            api_token: Some("refresh".into()),
            ..Default::default()
        });
        let fields: Vec<Field> = errs.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::AuthDomain,
                Field::Issuer,
                Field::ClientId,
                Field::RedirectUri,
                Field::LogoutUri,
                Field::Scopes,
                Field::Flow,
                Field::ApiBaseUrl,
                Field::ApiToken
            ]
            .into_iter()
            .filter(|f| *f != Field::LogoutUri)
            .collect::<Vec<_>>()
        );
        let text = |f: Field| errs.iter().find(|e| e.field == f).unwrap().message.clone();
        assert_eq!(text(Field::ClientId), "is required");
        assert!(text(Field::Flow).contains("\"hybrid\""));
        assert!(text(Field::Scopes).contains("openid"));
        assert!(text(Field::RedirectUri).contains("fragment"));
        assert!(text(Field::Issuer).contains("user pool id"));
    }

    #[test]
    fn offline_access_and_odd_scopes_are_refused() {
        let msg = only_error(
            RawConfig {
                scopes: Some(vec!["openid".into(), "offline_access".into()]),
                ..Default::default()
            },
            Field::Scopes,
        );
        assert!(msg.contains("offline_access"));
        only_error(
            RawConfig {
                scopes: Some(vec!["openid".into(), "a\"b".into()]),
                ..Default::default()
            },
            Field::Scopes,
        );
        only_error(
            RawConfig {
                scopes: Some(vec![]),
                ..Default::default()
            },
            Field::Scopes,
        );
    }

    #[test]
    fn urls_with_credentials_or_spaces_are_refused() {
        only_error(
            RawConfig {
                auth_domain: Some("https://user:pw@dragons.example".into()),
                ..Default::default()
            },
            Field::AuthDomain,
        );
        only_error(
            RawConfig {
                redirect_uri: Some("https://app.example/ call".into()),
                ..Default::default()
            },
            Field::RedirectUri,
        );
        only_error(
            RawConfig {
                issuer: Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X/".into()),
                ..Default::default()
            },
            Field::Issuer,
        );
    }

    #[test]
    fn unknown_fields_and_wrong_types_in_the_file_are_errors() {
        let e = RawConfig::from_json(r#"{"clientID":"abc"}"#).unwrap_err();
        assert!(e.to_string().contains("clientID"), "{e}");
        assert!(RawConfig::from_json(r#"{"scopes":"openid"}"#).is_err());
        assert!(RawConfig::from_json("not json").is_err());
        let huge = format!("{{\"clientId\":\"{}\"}}", "a".repeat(70_000));
        assert_eq!(
            RawConfig::from_json(&huge),
            Err(ConfigFileError::TooLarge(huge.len()))
        );
    }

    #[test]
    fn overly_long_values_are_reported_not_truncated() {
        let msg = only_error(
            RawConfig {
                client_id: Some("a".repeat(5000)),
                ..Default::default()
            },
            Field::ClientId,
        );
        assert!(msg.contains("too long"), "{msg}");
    }

    #[test]
    fn diff_keeps_only_what_a_person_changed_and_round_trips() {
        let base = default_raw(PAGE);
        let mut edited = base.clone();
        Field::Scopes.set(&mut edited, Some("openid  email".into()));
        Field::ClientId.set(&mut edited, base.client_id.clone());
        let diff = edited.diff_from(&base);
        assert_eq!(
            diff,
            RawConfig {
                scopes: Some(vec!["openid".into(), "email".into()]),
                ..Default::default()
            }
        );
        assert_eq!(RawConfig::from_json(&diff.to_json()).unwrap(), diff);
        assert_eq!(base.overlay(&diff), edited);
        assert!(base.diff_from(&base).is_empty());
    }

    #[test]
    fn form_text_keeps_what_is_typed_and_blanks_mean_unset() {
        let base = default_raw(PAGE);
        let mut form = FormText::from_raw(&base);
        assert_eq!(form.get(Field::Scopes), "openid email profile");
        assert_eq!(form.to_raw(), base);
        form.set(Field::Scopes, "openid ".into());
        assert_eq!(
            form.get(Field::Scopes),
            "openid ",
            "the trailing space survives while typing"
        );
        form.set(Field::ClientId, "   ".into());
        let raw = form.to_raw();
        assert_eq!(raw.scopes, Some(vec!["openid".to_owned()]));
        assert_eq!(raw.client_id, None);
        let errs = validate(&raw).unwrap_err();
        assert_eq!(
            errs,
            [FieldError {
                field: Field::ClientId,
                message: "is required".into()
            }]
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_text_in_any_field_never_panics(s in ".{0,200}", field in 0usize..9) {
            let mut raw = RawConfig::default();
            Field::ALL[field].set(&mut raw, Some(s.clone()));
            let _ = resolve(PAGE, &raw, &RawConfig::default());
            let _ = RawConfig::from_json(&s);
            let _ = default_raw(&s);
        }
    }
}
