//! The Cognito user pools JSON API (`AWSCognitoIdentityProviderService`) on the issuer's
//! origin, as AWS serves it on `cognito-idp.<region>.amazonaws.com`: `POST /` with
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>` and an
//! `application/x-amz-json-1.1` body. This is what `aws cognito-idp …` and Amplify speak.
//!
//! Public operations (sign-up, sign-in, the access-token ones) need no signature. Admin
//! operations need an AWS Signature V4 `Authorization` header, as on AWS: its shape and scope
//! (region, service `cognito-idp`, date) are checked, and any access key is accepted (the
//! signature itself cannot be checked without the secret, which the stack does not know).
//!
//! Errors are AWS's: HTTP 400, `{"__type": "<Exception>", "message": "…"}` and the
//! `x-amzn-ErrorType` header.

use crate::hosted_ui::password_problem;
use crate::keys::KeyUse;
use crate::oauth::{redeem_refresh_token, revoke_family_of, Redeemed};
use crate::state::{opaque_token, uuid, AppState, Challenge, RefreshGrant, User};
use crate::tokens::{self, Grant, Rejection};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::{json, Map, Value};

/// The `X-Amz-Target` prefix of every operation.
pub const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
/// The content type AWS answers with (and the SDKs send).
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The scope of access tokens from this API; `GetUser` and `GlobalSignOut` require it.
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";
/// How long a `NEW_PASSWORD_REQUIRED` session lasts (the app client's default
/// `AuthSessionValidity`, 3 minutes).
pub const CHALLENGE_SECONDS: i64 = 180;
/// `ListUsers`' largest `Limit`.
const MAX_LIST_LIMIT: usize = 60;

/// An AWS error answer of the JSON services (the user pools and the identity pools APIs): its
/// `__type` and `message`, with `x-amzn-ErrorType` and `x-amzn-ErrorMessage`.
#[derive(Debug)]
pub struct ApiError {
    pub kind: &'static str,
    pub message: String,
}

pub(crate) fn error(kind: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        kind,
        message: message.into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "__type": self.kind, "message": self.message });
        let mut response = answer(StatusCode::BAD_REQUEST, &body);
        let headers = response.headers_mut();
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.kind));
        if let Ok(v) = HeaderValue::from_str(&self.message) {
            headers.insert("x-amzn-errormessage", v);
        }
        response
    }
}

type ApiResult = Result<Value, ApiError>;

/// An answer with AWS's content type and a request id.
pub(crate) fn answer(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(v) = HeaderValue::from_str(&uuid()) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

/// The operations the stack implements, and whether each needs a SigV4 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    SignUp,
    ConfirmSignUp,
    InitiateAuth,
    RespondToAuthChallenge,
    GetUser,
    GlobalSignOut,
    RevokeToken,
    GetTokensFromRefreshToken,
    AdminConfirmSignUp,
    AdminCreateUser,
    AdminSetUserPassword,
    AdminGetUser,
    ListUsers,
    AdminInitiateAuth,
    AdminRespondToAuthChallenge,
}

impl Operation {
    fn from_name(name: &str) -> Option<Operation> {
        use Operation::*;
        Some(match name {
            "SignUp" => SignUp,
            "ConfirmSignUp" => ConfirmSignUp,
            "InitiateAuth" => InitiateAuth,
            "RespondToAuthChallenge" => RespondToAuthChallenge,
            "GetUser" => GetUser,
            "GlobalSignOut" => GlobalSignOut,
            "RevokeToken" => RevokeToken,
            "GetTokensFromRefreshToken" => GetTokensFromRefreshToken,
            "AdminConfirmSignUp" => AdminConfirmSignUp,
            "AdminCreateUser" => AdminCreateUser,
            "AdminSetUserPassword" => AdminSetUserPassword,
            "AdminGetUser" => AdminGetUser,
            "ListUsers" => ListUsers,
            "AdminInitiateAuth" => AdminInitiateAuth,
            "AdminRespondToAuthChallenge" => AdminRespondToAuthChallenge,
            _ => return None,
        })
    }

    /// Admin operations (and `ListUsers`) are authorized by IAM: the request must be signed.
    fn signed(self) -> bool {
        use Operation::*;
        matches!(
            self,
            AdminConfirmSignUp
                | AdminCreateUser
                | AdminSetUserPassword
                | AdminGetUser
                | ListUsers
                | AdminInitiateAuth
                | AdminRespondToAuthChallenge
        )
    }
}

/// POST / on the issuer's origin: the user pools API, or the identity pools API when the
/// target names it.
pub async fn handle(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let identity_operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(crate::identity::TARGET_PREFIX));
    if let Some(operation) = identity_operation {
        return crate::identity::handle(&shared, operation, &body);
    }
    match dispatch(&shared, &headers, &body) {
        Ok(value) => answer(StatusCode::OK, &value),
        Err(e) => e.into_response(),
    }
}

fn dispatch(shared: &AppState, headers: &HeaderMap, body: &Bytes) -> ApiResult {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let operation = target
        .strip_prefix(TARGET_PREFIX)
        .and_then(Operation::from_name)
        .ok_or_else(|| error("UnknownOperationException", ""))?;
    if operation.signed() {
        check_signature(shared, headers)?;
    }
    let body: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|_| {
            error(
                "SerializationException",
                "The request body is not a JSON object.",
            )
        })?
    };
    let Value::Object(input) = body else {
        return Err(error(
            "SerializationException",
            "The request body is not a JSON object.",
        ));
    };
    let input = Input(&input);
    use Operation::*;
    match operation {
        SignUp => sign_up(shared, &input),
        ConfirmSignUp => confirm_sign_up(shared, &input),
        InitiateAuth => initiate_auth(shared, &input, false),
        AdminInitiateAuth => initiate_auth(shared, &input, true),
        RespondToAuthChallenge => respond_to_auth_challenge(shared, &input, false),
        AdminRespondToAuthChallenge => respond_to_auth_challenge(shared, &input, true),
        GetUser => get_user(shared, &input),
        GlobalSignOut => global_sign_out(shared, &input),
        RevokeToken => revoke_token(shared, &input),
        GetTokensFromRefreshToken => get_tokens_from_refresh_token(shared, &input),
        AdminConfirmSignUp => admin_confirm_sign_up(shared, &input),
        AdminCreateUser => admin_create_user(shared, &input),
        AdminSetUserPassword => admin_set_user_password(shared, &input),
        AdminGetUser => admin_get_user(shared, &input),
        ListUsers => list_users(shared, &input),
    }
}

// ---------------------------------------------------------------------------------------------
// AWS Signature V4: shape and scope (crate::sigv4), and a signature of the right form.

/// Check the `Authorization` header as AWS's front end does, short of the signature itself:
/// shape and scope for `cognito-idp` (crate::sigv4), then 64 hex digits. Any access key is
/// accepted.
fn check_signature(shared: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let signed = crate::sigv4::check_shape(headers, &shared.config.region, "cognito-idp")
        .map_err(|r| error(r.kind, r.message))?
        .ok_or_else(|| {
            error(
                "MissingAuthenticationTokenException",
                "Request is missing Authentication Token",
            )
        })?;
    let signature = &signed.signature;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(error("InvalidSignatureException", crate::sigv4::MISMATCH));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading the input.

pub(crate) struct Input<'a>(pub &'a Map<String, Value>);

impl<'a> Input<'a> {
    pub(crate) fn str(&self, key: &str) -> Option<&'a str> {
        self.0.get(key).and_then(Value::as_str)
    }

    /// A required string member; AWS's validation message when it is missing.
    pub(crate) fn required(&self, key: &str) -> Result<&'a str, ApiError> {
        self.str(key).ok_or_else(|| {
            let mut camel = key.to_owned();
            if let Some(first) = camel.get_mut(..1) {
                first.make_ascii_lowercase();
            }
            error(
                "InvalidParameterException",
                format!("1 validation error detected: Value null at '{camel}' failed to satisfy constraint: Member must not be null"),
            )
        })
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.0.get(key).and_then(Value::as_bool)
    }

    /// A string-to-string map member (`AuthParameters`, `ChallengeResponses`).
    fn map(&self, key: &str) -> Vec<(String, String)> {
        self.0
            .get(key)
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An `AttributeListType` member: `[{"Name": …, "Value": …}, …]`.
    fn attributes(&self, key: &str) -> Vec<(String, String)> {
        self.0
            .get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|a| {
                        let name = a.get("Name")?.as_str()?;
                        let value = a.get("Value").and_then(Value::as_str).unwrap_or("");
                        Some((name.to_owned(), value.to_owned()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn missing_parameter(name: &str) -> ApiError {
    error(
        "InvalidParameterException",
        format!("Missing required parameter {name}"),
    )
}

fn check_pool(shared: &AppState, input: &Input<'_>) -> Result<(), ApiError> {
    let pool = input.required("UserPoolId")?;
    if pool == shared.config.pool_id {
        Ok(())
    } else {
        Err(error(
            "ResourceNotFoundException",
            format!("User pool {pool} does not exist."),
        ))
    }
}

fn check_client<'a>(shared: &AppState, input: &'a Input<'_>) -> Result<&'a str, ApiError> {
    let client = input.required("ClientId")?;
    if client == shared.config.client.client_id {
        Ok(client)
    } else {
        Err(error(
            "ResourceNotFoundException",
            format!("User pool client {client} does not exist."),
        ))
    }
}

fn flow_allowed(shared: &AppState, flow: &str) -> bool {
    shared
        .config
        .client
        .explicit_auth_flows
        .iter()
        .any(|f| f == flow)
}

fn user_not_found() -> ApiError {
    error("UserNotFoundException", "User does not exist.")
}

fn password_ok(password: &str) -> Result<(), ApiError> {
    match password_problem(password) {
        Some(problem) => Err(error("InvalidPasswordException", problem)),
        None => Ok(()),
    }
}

/// The standard attributes of a user pool; anything else must be `custom:*`.
const STANDARD_ATTRIBUTES: &[&str] = &[
    "address",
    "birthdate",
    "email",
    "email_verified",
    "family_name",
    "gender",
    "given_name",
    "locale",
    "middle_name",
    "name",
    "nickname",
    "phone_number",
    "phone_number_verified",
    "picture",
    "preferred_username",
    "profile",
    "updated_at",
    "website",
    "zoneinfo",
];

/// Put `attributes` on `user`, with Cognito's schema check.
fn apply_attributes(user: &mut User, attributes: &[(String, String)]) -> Result<(), ApiError> {
    for (name, value) in attributes {
        let known = STANDARD_ATTRIBUTES.contains(&name.as_str())
            || (name.starts_with("custom:") && name.len() > 7);
        if !known {
            return Err(error(
                "InvalidParameterException",
                format!("Attributes did not conform to the schema: {name}: Attribute does not exist in the schema.\n"),
            ));
        }
        match name.as_str() {
            "email" => user.email = value.clone(),
            "email_verified" => user.email_verified = value == "true",
            _ => {
                user.attributes.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(())
}

/// The user's attributes as Cognito lists them: `[{"Name", "Value"}]`, `sub` first, every
/// value a string.
fn attribute_list(user: &User) -> Vec<Value> {
    let mut list = vec![json!({ "Name": "sub", "Value": user.sub })];
    if !user.email.is_empty() {
        list.push(json!({ "Name": "email_verified", "Value": user.email_verified.to_string() }));
    }
    for (k, v) in tokens::readable_attributes(user, true) {
        list.push(json!({ "Name": k, "Value": v }));
    }
    if !user.email.is_empty() {
        list.push(json!({ "Name": "email", "Value": user.email }));
    }
    list
}

/// Cognito's dates: seconds since the epoch, with milliseconds.
fn date(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

/// `UserType`, as `AdminCreateUser` and `ListUsers` answer it.
fn user_type(user: &User, only: Option<&[String]>) -> Value {
    let mut attributes = attribute_list(user);
    if let Some(names) = only {
        attributes.retain(|a| {
            a["Name"]
                .as_str()
                .is_some_and(|n| names.iter().any(|want| want == n))
        });
    }
    json!({
        "Username": user.username,
        "Attributes": attributes,
        "UserCreateDate": date(user.created_ms),
        "UserLastModifiedDate": date(user.modified_ms),
        "Enabled": true,
        "UserStatus": user.status(),
    })
}

/// `r***@d***`: how Cognito shows where a code went.
fn masked(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

fn confirmation_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000))
}

/// A temporary password that meets the default policy, for `AdminCreateUser` without one.
fn temporary_password() -> String {
    let token = opaque_token();
    format!("Tmp-{}9a", &token[..10])
}

// ---------------------------------------------------------------------------------------------
// Sign-up.

fn sign_up(shared: &AppState, input: &Input<'_>) -> ApiResult {
    check_client(shared, input)?;
    let username = input.required("Username")?.trim();
    let password = input.required("Password")?;
    if username.is_empty() || username.chars().any(char::is_whitespace) {
        return Err(error(
            "InvalidParameterException",
            "Username should be a non-empty string without spaces.",
        ));
    }
    password_ok(password)?;
    let code = confirmation_code();
    let mut user = User::signed_up(username, password, code.clone(), shared.clock.now_ms());
    apply_attributes(&mut user, &input.attributes("UserAttributes"))?;
    let (sub, email) = (user.sub.clone(), user.email.clone());
    {
        let mut store = shared.store();
        if store.users.contains_key(username) {
            return Err(error("UsernameExistsException", "User already exists"));
        }
        store.users.insert(username.to_owned(), user);
    }
    println!("[emulator] SignUp: confirmation code for {username} is {code}");
    let mut out = json!({ "UserConfirmed": false, "UserSub": sub });
    if !email.is_empty() {
        out["CodeDeliveryDetails"] = json!({
            "Destination": masked(&email),
            "DeliveryMedium": "EMAIL",
            "AttributeName": "email",
        });
    }
    Ok(out)
}

fn confirm_sign_up(shared: &AppState, input: &Input<'_>) -> ApiResult {
    check_client(shared, input)?;
    let username = input.required("Username")?;
    let code = input.required("ConfirmationCode")?;
    let mut store = shared.store();
    let Some(user) = store.users.get_mut(username) else {
        return Err(error(
            "UserNotFoundException",
            "Username/client id combination not found.",
        ));
    };
    match user.pending_code.as_deref() {
        None => Err(error(
            "NotAuthorizedException",
            format!(
                "User cannot be confirmed. Current status is {}",
                user.status()
            ),
        )),
        Some(expected) if expected != code.trim() => Err(error(
            "CodeMismatchException",
            "Invalid verification code provided, please try again.",
        )),
        Some(_) => {
            user.pending_code = None;
            // The code went to the e-mail address: it is verified now.
            if !user.email.is_empty() {
                user.email_verified = true;
            }
            user.modified_ms = shared.clock.now_ms();
            println!("[emulator] ConfirmSignUp: {username} confirmed");
            Ok(json!({}))
        }
    }
}

fn admin_confirm_sign_up(shared: &AppState, input: &Input<'_>) -> ApiResult {
    check_pool(shared, input)?;
    let username = input.required("Username")?;
    let mut store = shared.store();
    let user = store.users.get_mut(username).ok_or_else(user_not_found)?;
    if user.pending_code.is_none() {
        return Err(error(
            "NotAuthorizedException",
            format!(
                "User cannot be confirmed. Current status is {}",
                user.status()
            ),
        ));
    }
    user.pending_code = None;
    user.modified_ms = shared.clock.now_ms();
    Ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// Admin user management.

fn admin_create_user(shared: &AppState, input: &Input<'_>) -> ApiResult {
    check_pool(shared, input)?;
    let username = input.required("Username")?.trim();
    let action = input.str("MessageAction");
    if let Some(a) = action.filter(|a| *a != "SUPPRESS" && *a != "RESEND") {
        return Err(error(
            "InvalidParameterException",
            format!("1 validation error detected: Value '{a}' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]"),
        ));
    }
    let given = input.str("TemporaryPassword");
    if let Some(p) = given {
        password_ok(p)?;
    }
    let password = given.map_or_else(temporary_password, str::to_owned);
    let now_ms = shared.clock.now_ms();
    let mut store = shared.store();
    if action == Some("RESEND") {
        // Send the invitation again (a new temporary password when one is given).
        let user = store.users.get_mut(username).ok_or_else(user_not_found)?;
        if !user.must_change_password {
            return Err(error(
                "UnsupportedUserStateException",
                format!("Resend not possible. {username} status is not FORCE_CHANGE_PASSWORD"),
            ));
        }
        user.password = password.clone();
        user.modified_ms = now_ms;
        let out = json!({ "User": user_type(user, None) });
        drop(store);
        println!("[emulator] AdminCreateUser: invitation for {username} sent again; temporary password {password}");
        return Ok(out);
    }
    if store.users.contains_key(username) {
        return Err(error(
            "UsernameExistsException",
            "User account already exists",
        ));
    }
    let mut user = User {
        pending_code: None,
        must_change_password: true,
        ..User::signed_up(username, &password, String::new(), now_ms)
    };
    apply_attributes(&mut user, &input.attributes("UserAttributes"))?;
    let out = json!({ "User": user_type(&user, None) });
    store.users.insert(username.to_owned(), user);
    drop(store);
    if action == Some("SUPPRESS") {
        println!(
            "[emulator] AdminCreateUser: {username} created (FORCE_CHANGE_PASSWORD, no invitation)"
        );
    } else {
        println!(
            "[emulator] AdminCreateUser: invitation for {username}: temporary password {password}"
        );
    }
    Ok(out)
}

fn admin_set_user_password(shared: &AppState, input: &Input<'_>) -> ApiResult {
    check_pool(shared, input)?;
    let username = input.required("Username")?;
    let password = input.required("Password")?;
    password_ok(password)?;
    let permanent = input.bool("Permanent").unwrap_or(false);
    let mut store = shared.store();
    let user = store.users.get_mut(username).ok_or_else(user_not_found)?;
    user.password = password.to_owned();
    if permanent {
        user.must_change_password = false;
        user.pending_code = None;
    } else {
        user.must_change_password = true;
    }
    user.modified_ms = shared.clock.now_ms();
    Ok(json!({}))
}

fn admin_get_user(shared: &AppState, input: &Input<'_>) -> ApiResult {
    check_pool(shared, input)?;
    let username = input.required("Username")?;
    let store = shared.store();
    let user = store.users.get(username).ok_or_else(user_not_found)?;
    Ok(json!({
        "Username": user.username,
        "UserAttributes": attribute_list(user),
        "UserCreateDate": date(user.created_ms),
        "UserLastModifiedDate": date(user.modified_ms),
        "Enabled": true,
        "UserStatus": user.status(),
    }))
}

/// A `ListUsers` filter: `attribute = "value"` (exact) or `attribute ^= "value"` (prefix).
struct Filter {
    attribute: String,
    prefix: bool,
    value: String,
}

fn parse_filter(text: &str) -> Result<Option<Filter>, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || error("InvalidParameterException", "Error while parsing filter.");
    let (attribute, rest, prefix) = match (text.find("^="), text.find('=')) {
        (Some(i), _) => (&text[..i], &text[i + 2..], true),
        (None, Some(i)) => (&text[..i], &text[i + 1..], false),
        _ => return Err(bad()),
    };
    let attribute = attribute.trim();
    let value = rest
        .trim()
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(bad)?;
    const SEARCHABLE: &[&str] = &[
        "username",
        "email",
        "phone_number",
        "name",
        "given_name",
        "family_name",
        "preferred_username",
        "cognito:user_status",
        "status",
        "sub",
    ];
    if !SEARCHABLE.contains(&attribute) {
        return Err(error(
            "InvalidParameterException",
            format!("Invalid search attribute: {attribute}"),
        ));
    }
    Ok(Some(Filter {
        attribute: attribute.to_owned(),
        prefix,
        value: value.to_owned(),
    }))
}

fn matches(filter: &Filter, user: &User) -> bool {
    let actual = match filter.attribute.as_str() {
        "username" => Some(user.username.as_str()),
        "email" => Some(user.email.as_str()).filter(|e| !e.is_empty()),
        "sub" => Some(user.sub.as_str()),
        "cognito:user_status" => Some(user.status()),
        "status" => Some("Enabled"),
        other => user.attributes.get(other).map(String::as_str),
    };
    match actual {
        Some(a) if filter.prefix => a.starts_with(&filter.value),
        Some(a) => a == filter.value,
        None => false,
    }
}

fn list_users(shared: &AppState, input: &Input<'_>) -> ApiResult {
    check_pool(shared, input)?;
    let filter = parse_filter(input.str("Filter").unwrap_or(""))?;
    let limit = match input.0.get("Limit").and_then(Value::as_u64) {
        None => MAX_LIST_LIMIT,
        Some(n) if (1..=MAX_LIST_LIMIT as u64).contains(&n) => n as usize,
        Some(n) => {
            return Err(error(
                "InvalidParameterException",
                format!("1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60"),
            ))
        }
    };
    let start = match input.str("PaginationToken") {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| error("InvalidParameterException", "Invalid pagination token"))?,
    };
    let only: Option<Vec<String>> = input
        .0
        .get("AttributesToGet")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        });
    let store = shared.store();
    let mut users: Vec<&User> = store
        .users
        .values()
        .filter(|u| filter.as_ref().is_none_or(|f| matches(f, u)))
        .collect();
    users.sort_by(|a, b| (a.created_ms, &a.username).cmp(&(b.created_ms, &b.username)));
    let page: Vec<Value> = users
        .iter()
        .skip(start)
        .take(limit)
        .map(|u| user_type(u, only.as_deref()))
        .collect();
    let mut out = json!({ "Users": page });
    if start + limit < users.len() {
        out["PaginationToken"] = json!((start + limit).to_string());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Sign-in.

/// Tokens for a fresh sign-in through the API: an ID token without `at_hash` or `nonce`, an
/// access token with the `aws.cognito.signin.user.admin` scope, and a refresh token.
fn signed_in(shared: &AppState, user: &User, client_id: &str) -> Value {
    let auth_time = shared.clock.now();
    let origin_jti = uuid();
    let scopes = vec![ADMIN_SCOPE.to_owned()];
    let minted = tokens::mint(
        shared,
        &Grant {
            user,
            client_id,
            scopes: &scopes,
            nonce: None,
            auth_time,
            origin_jti: &origin_jti,
            id_token: true,
            at_hash: false,
        },
    );
    let refresh_token = opaque_token();
    shared.store().refresh_tokens.insert(
        refresh_token.clone(),
        RefreshGrant {
            client_id: client_id.to_owned(),
            username: user.username.clone(),
            scopes,
            auth_time,
            expires_at: auth_time + shared.config.tokens.refresh_token_seconds as i64,
            revoked: false,
            origin_jti,
            rotated_at_ms: None,
            api: true,
        },
    );
    json!({
        "ChallengeParameters": {},
        "AuthenticationResult": authentication_result(shared, minted, Some(refresh_token)),
    })
}

fn authentication_result(
    shared: &AppState,
    minted: tokens::Minted,
    refresh_token: Option<String>,
) -> Value {
    let mut result = json!({
        "AccessToken": minted.access_token,
        "ExpiresIn": shared.config.tokens.access_token_seconds,
        "TokenType": "Bearer",
    });
    if let Some(r) = refresh_token {
        result["RefreshToken"] = json!(r);
    }
    if let Some(id) = minted.id_token {
        result["IdToken"] = json!(id);
    }
    result
}

/// Start a `NEW_PASSWORD_REQUIRED` challenge for `user`; returns its session.
pub fn start_challenge(shared: &AppState, username: &str, client_id: &str) -> String {
    // Like AWS's (`AYAB…`), it never starts with '-', which the CLI would read as an option.
    let session = format!("AYAB{}{}", opaque_token(), opaque_token());
    let now_ms = shared.clock.now_ms();
    let expires_at_ms = now_ms + CHALLENGE_SECONDS * 1000;
    let mut store = shared.store();
    store.challenges.retain(|_, c| c.expires_at_ms > now_ms);
    store.challenges.insert(
        session.clone(),
        Challenge {
            username: username.to_owned(),
            client_id: client_id.to_owned(),
            expires_at_ms,
        },
    );
    session
}

fn new_password_challenge(shared: &AppState, user: &User, client_id: &str) -> Value {
    let session = start_challenge(shared, &user.username, client_id);
    let mut attributes = Map::new();
    if !user.email.is_empty() {
        attributes.insert(
            "email_verified".into(),
            json!(user.email_verified.to_string()),
        );
        attributes.insert("email".into(), json!(user.email));
    }
    for (k, v) in tokens::readable_attributes(user, true) {
        attributes.insert(k, v);
    }
    json!({
        "ChallengeName": "NEW_PASSWORD_REQUIRED",
        "Session": session,
        "ChallengeParameters": {
            "USER_ID_FOR_SRP": user.username,
            "requiredAttributes": "[]",
            "userAttributes": Value::Object(attributes).to_string(),
        },
    })
}

/// Check a user name and password as every password flow does.
pub fn check_password(shared: &AppState, username: &str, password: &str) -> Result<User, ApiError> {
    let user = shared
        .store()
        .users
        .get(username)
        .cloned()
        .ok_or_else(user_not_found)?;
    if user.password != password {
        return Err(error(
            "NotAuthorizedException",
            "Incorrect username or password.",
        ));
    }
    if user.pending_code.is_some() {
        return Err(error("UserNotConfirmedException", "User is not confirmed."));
    }
    Ok(user)
}

fn initiate_auth(shared: &AppState, input: &Input<'_>, admin: bool) -> ApiResult {
    if admin {
        check_pool(shared, input)?;
    }
    let client_id = check_client(shared, input)?;
    let flow = input.required("AuthFlow")?;
    let parameters = input.map("AuthParameters");
    let password_flow = match (admin, flow) {
        (false, "USER_PASSWORD_AUTH") => Some("ALLOW_USER_PASSWORD_AUTH"),
        (true, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH") => {
            Some("ALLOW_ADMIN_USER_PASSWORD_AUTH")
        }
        (_, "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN") => None,
        (false, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH")
        | (true, "USER_PASSWORD_AUTH") => {
            return Err(error(
                "InvalidParameterException",
                "Initiate Auth method not supported.",
            ))
        }
        (_, "USER_SRP_AUTH" | "CUSTOM_AUTH" | "USER_AUTH") => {
            return Err(error(
                "InvalidParameterException",
                "Auth flow not enabled for this client",
            ))
        }
        (_, other) => {
            return Err(error(
                "InvalidParameterException",
                format!("1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"),
            ))
        }
    };
    match password_flow {
        Some(allow) => {
            if !flow_allowed(shared, allow) {
                return Err(error(
                    "InvalidParameterException",
                    if allow == "ALLOW_USER_PASSWORD_AUTH" {
                        "USER_PASSWORD_AUTH flow not enabled for this client"
                    } else {
                        "Auth flow not enabled for this client"
                    },
                ));
            }
            let username =
                lookup(&parameters, "USERNAME").ok_or_else(|| missing_parameter("USERNAME"))?;
            let password =
                lookup(&parameters, "PASSWORD").ok_or_else(|| missing_parameter("PASSWORD"))?;
            let user = check_password(shared, username, password)?;
            if user.must_change_password {
                return Ok(new_password_challenge(shared, &user, client_id));
            }
            Ok(signed_in(shared, &user, client_id))
        }
        None => {
            if !flow_allowed(shared, "ALLOW_REFRESH_TOKEN_AUTH") {
                return Err(error(
                    "InvalidParameterException",
                    "Auth flow not enabled for this client",
                ));
            }
            if shared
                .config
                .client
                .refresh_token_rotation_grace_seconds
                .is_some()
            {
                // AWS: REFRESH_TOKEN_AUTH is not available to a client with rotation on.
                return Err(error(
                    "InvalidParameterException",
                    "REFRESH_TOKEN_AUTH is not allowed when refresh token rotation is enabled for this client; use GetTokensFromRefreshToken",
                ));
            }
            let refresh_token = lookup(&parameters, "REFRESH_TOKEN")
                .ok_or_else(|| missing_parameter("REFRESH_TOKEN"))?;
            refresh(shared, refresh_token, client_id)
        }
    }
}

/// New ID and access tokens from a refresh token (and a new refresh token with rotation).
fn refresh(shared: &AppState, refresh_token: &str, client_id: &str) -> ApiResult {
    let Redeemed {
        grant,
        user,
        successor,
    } = redeem_refresh_token(shared, refresh_token, client_id)
        .ok_or_else(|| error("NotAuthorizedException", "Invalid Refresh Token"))?;
    let minted = tokens::mint(
        shared,
        &Grant {
            user: &user,
            client_id,
            scopes: &grant.scopes,
            nonce: None,
            auth_time: grant.auth_time,
            origin_jti: &grant.origin_jti,
            id_token: grant.api || Grant::openid(&grant.scopes),
            at_hash: false,
        },
    );
    Ok(json!({
        "ChallengeParameters": {},
        "AuthenticationResult": authentication_result(shared, minted, successor),
    }))
}

fn get_tokens_from_refresh_token(shared: &AppState, input: &Input<'_>) -> ApiResult {
    let client_id = check_client(shared, input)?;
    let refresh_token = input.required("RefreshToken")?;
    let mut out = refresh(shared, refresh_token, client_id)?;
    // This operation answers only the AuthenticationResult.
    if let Some(o) = out.as_object_mut() {
        o.remove("ChallengeParameters");
    }
    Ok(out)
}

fn respond_to_auth_challenge(shared: &AppState, input: &Input<'_>, admin: bool) -> ApiResult {
    if admin {
        check_pool(shared, input)?;
    }
    let client_id = check_client(shared, input)?;
    let name = input.required("ChallengeName")?;
    if name != "NEW_PASSWORD_REQUIRED" {
        return Err(error(
            "InvalidParameterException",
            format!("The local stack answers only NEW_PASSWORD_REQUIRED, not {name}"),
        ));
    }
    let responses = input.map("ChallengeResponses");
    let username = lookup(&responses, "USERNAME").ok_or_else(|| missing_parameter("USERNAME"))?;
    let new_password =
        lookup(&responses, "NEW_PASSWORD").ok_or_else(|| missing_parameter("NEW_PASSWORD"))?;
    let session = input.str("Session").unwrap_or("");
    let invalid_session = || error("NotAuthorizedException", "Invalid session for the user.");
    let challenge = shared
        .store()
        .challenges
        .get(session)
        .cloned()
        .ok_or_else(invalid_session)?;
    if challenge.expires_at_ms <= shared.clock.now_ms() {
        shared.store().challenges.remove(session);
        return Err(error(
            "NotAuthorizedException",
            "Invalid session for the user, session is expired.",
        ));
    }
    if challenge.username != username || challenge.client_id != client_id {
        return Err(invalid_session());
    }
    password_ok(new_password)?;
    let attributes: Vec<(String, String)> = responses
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("userAttributes.")
                .map(|name| (name.to_owned(), v.clone()))
        })
        .collect();
    let user = complete_new_password(shared, session, new_password, &attributes)?;
    Ok(signed_in(shared, &user, client_id))
}

/// Answer a `NEW_PASSWORD_REQUIRED` challenge: the session is used up, the new password is
/// permanent (status `CONFIRMED`), and `attributes` are set. Returns the user.
pub fn complete_new_password(
    shared: &AppState,
    session: &str,
    new_password: &str,
    attributes: &[(String, String)],
) -> Result<User, ApiError> {
    let mut store = shared.store();
    let challenge = store
        .challenges
        .remove(session)
        .ok_or_else(|| error("NotAuthorizedException", "Invalid session for the user."))?;
    let user = store
        .users
        .get_mut(&challenge.username)
        .ok_or_else(user_not_found)?;
    let mut changed = user.clone();
    apply_attributes(&mut changed, attributes)?;
    changed.password = new_password.to_owned();
    changed.must_change_password = false;
    changed.modified_ms = shared.clock.now_ms();
    *user = changed.clone();
    Ok(changed)
}

// ---------------------------------------------------------------------------------------------
// Access-token operations and revocation.

/// The user an access token from this pool stands for, or AWS's refusal.
fn user_of_access_token(
    shared: &AppState,
    input: &Input<'_>,
) -> Result<(User, Map<String, Value>), ApiError> {
    let token = input.required("AccessToken")?;
    let claims = match tokens::verify(shared, token, KeyUse::Access) {
        Ok(c) => c,
        Err(Rejection::Expired) => {
            return Err(error("NotAuthorizedException", "Access Token has expired"))
        }
        Err(Rejection::Invalid) => {
            return Err(error("NotAuthorizedException", "Invalid Access Token"))
        }
    };
    let has_scope = claims
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or("")
        .split(' ')
        .any(|s| s == ADMIN_SCOPE);
    if !has_scope {
        return Err(error(
            "NotAuthorizedException",
            "Access Token does not have required scopes",
        ));
    }
    let revoked = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .is_some_and(|family| shared.store().revoked_families.contains(family));
    if revoked {
        return Err(error(
            "NotAuthorizedException",
            "Access Token has been revoked",
        ));
    }
    let username = claims.get("username").and_then(Value::as_str).unwrap_or("");
    let user = shared
        .store()
        .users
        .get(username)
        .cloned()
        .ok_or_else(user_not_found)?;
    Ok((user, claims))
}

fn get_user(shared: &AppState, input: &Input<'_>) -> ApiResult {
    let (user, _) = user_of_access_token(shared, input)?;
    Ok(json!({
        "Username": user.username,
        "UserAttributes": attribute_list(&user),
    }))
}

/// Sign the user out everywhere: every refresh token of theirs is revoked, and the ID and
/// access tokens minted with them stop working at the pool's own endpoints.
fn global_sign_out(shared: &AppState, input: &Input<'_>) -> ApiResult {
    let (user, _) = user_of_access_token(shared, input)?;
    let mut store = shared.store();
    let mut families = Vec::new();
    for grant in store.refresh_tokens.values_mut() {
        if grant.username == user.username {
            grant.revoked = true;
            families.push(grant.origin_jti.clone());
        }
    }
    store.revoked_families.extend(families);
    Ok(json!({}))
}

fn revoke_token(shared: &AppState, input: &Input<'_>) -> ApiResult {
    let token = input.required("Token")?;
    let client_id = input.required("ClientId")?;
    if client_id != shared.config.client.client_id {
        return Err(error("UnauthorizedException", "Invalid client"));
    }
    if tokens::issued_by_pool(shared, token) {
        return Err(error(
            "UnsupportedTokenTypeException",
            "Unsupported token type",
        ));
    }
    revoke_family_of(shared, token, client_id);
    Ok(json!({}))
}
