//! The token endpoint: the form bodies the app sends and the answers it reads, Cognito's
//! errors included.

use super::cap;
use super::error::TransportError;
use super::secret::{AccessToken, AuthCode, CodeVerifier, IdToken, RefreshToken};
use crate::codec::Form;
use crate::json;
use std::fmt;

/// `grant_type=authorization_code` with the PKCE verifier and the same redirect_uri.
pub fn code_exchange_body(
    client_id: &str,
    code: &AuthCode,
    verifier: &CodeVerifier,
    redirect_uri: &str,
) -> String {
    Form::new()
        .pair("grant_type", "authorization_code")
        .pair("client_id", client_id)
        .pair("code", code.secret())
        .pair("redirect_uri", redirect_uri)
        .pair("code_verifier", verifier.secret())
        .finish()
}

pub fn refresh_body(client_id: &str, refresh_token: &RefreshToken) -> String {
    Form::new()
        .pair("grant_type", "refresh_token")
        .pair("client_id", client_id)
        .pair("refresh_token", refresh_token.secret())
        .finish()
}

pub fn revoke_body(client_id: &str, refresh_token: &RefreshToken) -> String {
    Form::new()
        .pair("token", refresh_token.secret())
        .pair("client_id", client_id)
        .finish()
}

/// What a successful token answer holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    pub id_token: Option<IdToken>,
    pub access_token: AccessToken,
    /// Absent on refresh: Cognito keeps the old one valid (merge, don't replace).
    pub refresh_token: Option<RefreshToken>,
    pub expires_in: Option<i64>,
    pub token_type: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Cognito answered with `{"error": …}`.
    Server { status: u16, error: String },
    /// The answer was not the JSON the endpoint gives.
    Unreadable { status: u16, detail: String },
    /// The request did not get an answer at all (network, CORS, wrong URL, timeout).
    Transport(TransportError),
}

impl std::error::Error for TokenError {}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Server { status, error } => {
                let advice = match error.as_str() {
                    "invalid_grant" => "the code (or refresh token) was already used, has expired, or the PKCE verifier or redirect_uri did not match. Sign in again.",
                    "invalid_client" => "the app client id is unknown to this user pool, or the client has a secret (a browser app needs a public client). Check clientId in Settings.",
                    "unauthorized_client" => "the app client may not use this grant; enable the authorization code grant on it.",
                    "invalid_request" => "the request was missing something; this is a bug in the app, please report it.",
                    "unsupported_grant_type" => "the endpoint does not support this grant.",
                    _ => "Cognito refused the request.",
                };
                write!(f, "The token endpoint answered {status} {}: {advice}", cap(error, 60))
            }
            TokenError::Unreadable { status, detail } => write!(
                f,
                "The token endpoint answered {status} with something that is not a token answer ({}). Is authDomain right?",
                cap(detail, 120)
            ),
            TokenError::Transport(e) => write!(
                f,
                "The token endpoint could not be reached ({e}). Check authDomain in Settings, your network, and that the local stack is running."
            ),
        }
    }
}

/// Read the token endpoint's answer.
pub fn parse_token_response(status: u16, body: &str) -> Result<TokenSet, TokenError> {
    if body.len() > 64 * 1024 {
        return Err(TokenError::Unreadable {
            status,
            detail: "the answer is too large".into(),
        });
    }
    let parsed = json::parse(body);
    let fields = parsed
        .as_ref()
        .map_err(String::clone)
        .and_then(json::object);
    if status == 200 {
        let read = |map| -> Result<TokenSet, String> {
            Ok(TokenSet {
                id_token: json::opt_string(map, "id_token")?.map(IdToken::new),
                access_token: AccessToken::new(json::string(map, "access_token")?),
                refresh_token: json::opt_string(map, "refresh_token")?.map(RefreshToken::new),
                expires_in: json::opt_int(map, "expires_in")?,
                token_type: json::opt_string(map, "token_type")?,
            })
        };
        return fields
            .and_then(read)
            .map_err(|detail| TokenError::Unreadable { status, detail });
    }
    match fields.and_then(|map| json::string(map, "error")) {
        Ok(error) => Err(TokenError::Server { status, error }),
        Err(_) => Err(TokenError::Unreadable {
            status,
            detail: cap(body, 80),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(body: &str) -> Vec<(String, String)> {
        crate::codec::form_pairs(body)
    }

    #[test]
    fn code_exchange_sends_what_cognito_wants_form_encoded() {
        let body = code_exchange_body(
            "client1",
            &AuthCode::new("c&d=e"),
            &CodeVerifier::new("v+1"),
            "http://localhost:8080/",
        );
        assert_eq!(
            pairs(&body),
            [
                ("grant_type", "authorization_code"),
                ("client_id", "client1"),
                ("code", "c&d=e"),
                ("redirect_uri", "http://localhost:8080/"),
                ("code_verifier", "v+1")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        assert!(refresh_body("c", &RefreshToken::new("r")).contains("grant_type=refresh_token"));
        assert_eq!(
            revoke_body("c", &RefreshToken::new("r/=")),
            "token=r%2F%3D&client_id=c"
        );
    }

    #[test]
    fn reads_tokens_and_refresh_answers_without_a_refresh_token() {
        let t = parse_token_response(200, r#"{"id_token":"i","access_token":"a","refresh_token":"r","expires_in":3600,"token_type":"Bearer"}"#).unwrap();
        assert_eq!(t.id_token, Some(IdToken::new("i")));
        assert_eq!(t.refresh_token, Some(RefreshToken::new("r")));
        let refreshed = parse_token_response(
            200,
            r#"{"id_token":"i2","access_token":"a2","expires_in":3600,"token_type":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(refreshed.refresh_token, None);
    }

    #[test]
    fn errors_say_what_happened_and_what_to_do() {
        let e = parse_token_response(400, r#"{"error":"invalid_grant"}"#).unwrap_err();
        assert_eq!(
            e,
            TokenError::Server {
                status: 400,
                error: "invalid_grant".into()
            }
        );
        assert!(e.to_string().contains("Sign in again"));
        let e = parse_token_response(502, "<html>Bad gateway</html>").unwrap_err();
        assert!(matches!(e, TokenError::Unreadable { status: 502, .. }));
        assert!(matches!(
            parse_token_response(200, "{}"),
            Err(TokenError::Unreadable { .. })
        ));
        assert!(parse_token_response(200, &"x".repeat(70_000)).is_err());
    }
}
