//! Carrying out the sign-in the core decides: leaving for the Hosted UI, the callback, the code
//! exchange, verifying tokens (JWKS + WebCrypto), refresh, userInfo and sign-out. Every step
//! is reported so the page can show the flow as it happens.

use super::{crypto, http, location, now, now_ms, storage};
use crate::auth::authorize::{authorize_url, logout_url};
use crate::auth::callback::{handle_callback, CallbackParams, Next};
use crate::auth::claims::{self, Expected, SignatureStatus, TokenKind};
use crate::auth::jwks::{Jwk, Jwks};
use crate::auth::jwt::{self, DecodedJwt, JwtError};
use crate::auth::pending::{PendingLogin, Randomness};
use crate::auth::secret::AccessToken;
use crate::auth::session::{Session, TokenTimes};
use crate::auth::token::{self, TokenError, TokenSet};
use crate::config::{Config, Flow};
use std::cell::RefCell;

/// One line of the flow's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub text: String,
    pub ok: bool,
    pub detail: Option<String>,
}

impl Step {
    pub fn ok(text: impl Into<String>, detail: Option<String>) -> Step {
        Step {
            text: text.into(),
            ok: true,
            detail,
        }
    }

    pub fn failed(text: impl Into<String>, detail: Option<String>) -> Step {
        Step {
            text: text.into(),
            ok: false,
            detail,
        }
    }
}

/// A token as received, decoded for reading, and the verdict on it.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenReport {
    pub kind: TokenKind,
    pub raw: String,
    pub decoded: Result<DecodedJwt, JwtError>,
    pub signature: SignatureStatus,
    /// `Ok` only when the signature and every claim check passed.
    pub verdict: Result<(), String>,
}

impl TokenReport {
    pub fn is_valid(&self) -> bool {
        self.verdict.is_ok()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    pub id: TokenReport,
    pub access: TokenReport,
}

impl Verified {
    pub fn all_valid(&self) -> bool {
        self.id.is_valid() && self.access.is_valid()
    }

    fn first_problem(&self) -> Option<String> {
        [&self.id, &self.access].into_iter().find_map(|r| {
            r.verdict
                .as_ref()
                .err()
                .map(|e| format!("The {} was rejected: {e}.", r.kind.name()))
        })
    }

    fn sub_and_times(&self) -> (String, TokenTimes) {
        let id = self.id.decoded.as_ref().ok();
        let access = self.access.decoded.as_ref().ok();
        let claim = |name| access.and_then(|j| j.int_claim(name)).unwrap_or_default();
        let sub = id.and_then(|j| j.str_claim("sub")).unwrap_or_default();
        (
            sub.to_owned(),
            TokenTimes {
                iat: claim("iat"),
                exp: claim("exp"),
            },
        )
    }
}

/// What a finished callback or refresh produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    SignedIn {
        session: Session,
        tokens: Verified,
    },
    /// Tokens arrived but failed verification: shown for teaching, never used.
    Rejected {
        tokens: Verified,
        reason: String,
    },
    Failed(String),
}

thread_local! {
    /// The JWKS, per issuer, fetched once and again only for an unknown kid (key rotation).
    static JWKS: RefCell<Option<(String, Jwks)>> = const { RefCell::new(None) };
}

/// Start a sign-in: remember it (state, nonce, verifier) and leave for the Hosted UI.
pub fn start_sign_in(config: &Config) -> Result<(), String> {
    let random = Randomness {
        state: crypto::random_bytes()?,
        nonce: crypto::random_bytes()?,
        verifier: crypto::random_bytes()?,
    };
    let (pending, pkce) = PendingLogin::start(config, random, now());
    storage::save_pending(&pending)?;
    location::navigate(&authorize_url(config, &pending, pkce.as_ref()))
}

async fn fetch_jwks(config: &Config) -> Result<Jwks, String> {
    let uri = config.jwks_uri();
    let answer = http::get(&uri, None).await.map_err(|e| {
        format!("the user pool's keys (JWKS) could not be fetched from {uri} ({e}); check issuer in Settings and your network")
    })?;
    if answer.status != 200 {
        return Err(format!(
            "the JWKS at {uri} answered HTTP {}; check issuer in Settings",
            answer.status
        ));
    }
    let jwks = Jwks::parse(&answer.text)?;
    JWKS.with(|c| *c.borrow_mut() = Some((config.issuer.clone(), jwks.clone())));
    Ok(jwks)
}

/// The key named `kid`, from the cached JWKS or, if it is not there, a fresh one (once).
async fn key_for(config: &Config, kid: &str) -> Result<Jwk, String> {
    let cached = JWKS.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|(issuer, _)| *issuer == config.issuer)
            .and_then(|(_, jwks)| jwks.find(kid).cloned())
    });
    if let Some(key) = cached {
        return Ok(key);
    }
    fetch_jwks(config).await?.find(kid).cloned().ok_or_else(|| {
        format!("no RS256 key with kid {kid} in the user pool's JWKS, even after fetching it again: the token was not signed by this pool")
    })
}

async fn check_signature(config: &Config, jwt: &DecodedJwt) -> SignatureStatus {
    // alg none / HS256 never reach a key.
    if jwt.alg() != Some("RS256") {
        return SignatureStatus::NotChecked("the algorithm is not RS256".into());
    }
    let Some(kid) = jwt.kid() else {
        return SignatureStatus::NotChecked("the header names no key".into());
    };
    let key = match key_for(config, kid).await {
        Ok(k) => k,
        Err(e) => return SignatureStatus::NotChecked(e),
    };
    match crypto::verify_rs256(&key, jwt.signing_input.as_bytes(), &jwt.signature).await {
        Ok(true) => SignatureStatus::Valid {
            kid: kid.to_owned(),
        },
        Ok(false) => SignatureStatus::Invalid {
            kid: kid.to_owned(),
        },
        Err(e) => SignatureStatus::NotChecked(e),
    }
}

/// Decode a token, check its signature with WebCrypto and its claims with the core.
pub async fn verify(
    config: &Config,
    kind: TokenKind,
    raw: &str,
    expected: &Expected<'_>,
) -> TokenReport {
    let decoded = jwt::decode(raw);
    let (signature, verdict) = match &decoded {
        Err(e) => (
            SignatureStatus::NotChecked("it is not a JWT".into()),
            Err(format!("it is not a readable JWT: {e}")),
        ),
        Ok(jwt) => {
            let signature = check_signature(config, jwt).await;
            let verdict = claims::verdict(&signature, claims::check(kind, jwt, expected));
            (signature, verdict)
        }
    };
    TokenReport {
        kind,
        raw: raw.to_owned(),
        decoded,
        signature,
        verdict,
    }
}

async fn verify_pair(
    config: &Config,
    tokens: &TokenSet,
    nonce: Option<&str>,
    implicit: bool,
) -> Verified {
    let now = now();
    let access_raw = tokens.access_token.secret();
    let id_raw = tokens
        .id_token
        .as_ref()
        .map(|t| t.secret())
        .unwrap_or_default();
    let base = Expected {
        issuer: &config.issuer,
        client_id: &config.client_id,
        nonce: None,
        at_hash_of: None,
        now,
    };
    let id = verify(
        config,
        TokenKind::Id,
        id_raw,
        &Expected {
            nonce,
            at_hash_of: implicit.then_some(access_raw),
            ..base
        },
    )
    .await;
    let mut access = verify(config, TokenKind::Access, access_raw, &base).await;
    // Implicit: a swapped access token fails the ID token's at_hash; reject both (row 14).
    if implicit && !id.is_valid() && access.is_valid() {
        access.verdict = Err(
            "it came with an ID token that failed its checks, so it is not trusted either".into(),
        );
    }
    Verified { id, access }
}

fn outcome(tokens: TokenSet, verified: Verified, flow: Flow) -> Outcome {
    if let Some(reason) = verified.first_problem() {
        return Outcome::Rejected {
            tokens: verified,
            reason,
        };
    }
    let (sub, times) = verified.sub_and_times();
    match Session::new(tokens, flow, sub, times) {
        Ok(session) => {
            storage::save_session(&session);
            Outcome::SignedIn {
                session,
                tokens: verified,
            }
        }
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

fn token_endpoint(config: &Config) -> String {
    format!("{}/oauth2/token", config.auth_domain)
}

/// Finish a sign-in from the callback parameters (already wiped from the address bar).
pub async fn complete_callback(
    config: &Config,
    params: &CallbackParams,
    log: &dyn Fn(Step),
) -> Outcome {
    let pending = storage::take_pending();
    let next = match handle_callback(params, pending.as_ref(), now()) {
        Ok(next) => next,
        Err(e) => {
            log(Step::failed("Callback refused", Some(e.to_string())));
            return Outcome::Failed(e.to_string());
        }
    };
    log(Step::ok(
        "Callback matched this tab's sign-in (state), address bar cleaned",
        Some("The pending sign-in was used up: replaying this URL will be refused.".into()),
    ));
    let nonce = pending.as_ref().map(|p| p.nonce.clone());
    let (tokens, implicit) = match next {
        Next::ExchangeCode {
            code,
            verifier,
            redirect_uri,
        } => {
            let started = now_ms();
            let body =
                token::code_exchange_body(&config.client_id, &code, &verifier, &redirect_uri);
            let answer = http::post_form(&token_endpoint(config), body).await;
            let parsed = match answer {
                Ok(a) => token::parse_token_response(a.status, &a.text),
                Err(e) => Err(TokenError::Transport(e)),
            };
            match parsed {
                Ok(t) => {
                    log(Step::ok(
                        "Code exchanged for tokens at /oauth2/token (with the PKCE verifier)",
                        Some(format!("{} ms", now_ms() - started)),
                    ));
                    (t, false)
                }
                Err(e) => {
                    log(Step::failed("Code exchange failed", Some(e.to_string())));
                    return Outcome::Failed(e.to_string());
                }
            }
        }
        Next::Tokens {
            id_token,
            access_token,
            expires_in,
        } => {
            log(Step::ok(
                "Tokens read from the URL fragment (implicit flow)",
                None,
            ));
            (
                TokenSet {
                    id_token: Some(id_token),
                    access_token,
                    refresh_token: None,
                    expires_in,
                    token_type: Some("Bearer".into()),
                },
                true,
            )
        }
    };
    let started = now_ms();
    let verified = verify_pair(config, &tokens, nonce.as_deref(), implicit).await;
    let flow = if implicit { Flow::Implicit } else { Flow::Code };
    let result = outcome(tokens, verified, flow);
    match &result {
        Outcome::SignedIn { .. } => log(Step::ok(
            "Both tokens verified: RS256 signature (WebCrypto), issuer, audience, token_use, expiry, nonce",
            Some(format!("{} ms", now_ms() - started)),
        )),
        Outcome::Rejected { reason, .. } => log(Step::failed("Tokens rejected", Some(reason.clone()))),
        Outcome::Failed(e) => log(Step::failed("Sign-in failed", Some(e.clone()))),
    }
    result
}

/// Verify a session restored from sessionStorage after a reload.
pub async fn restore(config: &Config, session: Session) -> Outcome {
    let tokens = TokenSet {
        id_token: Some(session.id_token.clone()),
        access_token: session.access_token.clone(),
        refresh_token: session.refresh_token.clone(),
        expires_in: None,
        token_type: None,
    };
    let verified = verify_pair(config, &tokens, None, false).await;
    if verified.all_valid() {
        Outcome::SignedIn {
            session,
            tokens: verified,
        }
    } else {
        storage::clear_auth();
        Outcome::Failed(format!(
            "The saved session is no longer valid ({}), so it was cleared. Sign in again.",
            verified.first_problem().unwrap_or_default()
        ))
    }
}

/// Refresh with the refresh token: new tokens, verified, merged (the old refresh token kept).
/// On any failure the session is cleared (security checklist row 18).
pub async fn refresh(config: &Config, session: &Session) -> Outcome {
    let Some(refresh_token) = &session.refresh_token else {
        return Outcome::Failed(
            "This session has no refresh token (the implicit flow never gets one). Sign in again."
                .into(),
        );
    };
    let answer = http::post_form(
        &token_endpoint(config),
        token::refresh_body(&config.client_id, refresh_token),
    )
    .await;
    let parsed = match answer {
        Ok(a) => token::parse_token_response(a.status, &a.text),
        Err(e) => Err(TokenError::Transport(e)),
    };
    let fail = |e: String| {
        storage::clear_auth();
        Outcome::Failed(format!("Refresh failed, so you were signed out: {e}"))
    };
    let tokens = match parsed {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()),
    };
    let verified = verify_pair(config, &tokens, None, false).await;
    if let Some(reason) = verified.first_problem() {
        return fail(reason);
    }
    let (sub, times) = verified.sub_and_times();
    match session.refreshed(tokens, &sub, times) {
        Ok(new) => {
            storage::save_session(&new);
            Outcome::SignedIn {
                session: new,
                tokens: verified,
            }
        }
        Err(e) => fail(e.to_string()),
    }
}

/// `GET /oauth2/userInfo` with the access token: status and pretty JSON (or the text).
pub async fn user_info(
    config: &Config,
    access_token: &AccessToken,
) -> Result<(u16, String), String> {
    let url = format!("{}/oauth2/userInfo", config.auth_domain);
    let answer = http::get(&url, Some(&format!("Bearer {}", access_token.secret())))
        .await
        .map_err(|e| format!("userInfo could not be reached ({e})"))?;
    let pretty = serde_json::from_str::<serde_json::Value>(&answer.text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or(answer.text);
    Ok((answer.status, pretty))
}

/// Sign out: revoke the refresh token, forget every token here, then end the Hosted UI
/// session at Cognito's /logout, which sends the browser back to logoutUri.
pub async fn sign_out(config: &Config, session: Option<&Session>) {
    if let Some(refresh_token) = session.and_then(|s| s.refresh_token.as_ref()) {
        let url = format!("{}/oauth2/revoke", config.auth_domain);
        let _ = http::post_form(&url, token::revoke_body(&config.client_id, refresh_token)).await;
    }
    storage::clear_auth();
    let _ = location::navigate(&logout_url(config));
}
