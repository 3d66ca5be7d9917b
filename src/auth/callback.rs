//! Reading the redirect back from the Hosted UI: `?code=…&state=…` (code flow),
//! `#id_token=…&access_token=…&state=…` (implicit), or `error=…`. The state is checked before
//! anything else is believed (security checklist rows 1–3, 5, 6).

use super::pending::PendingLogin;
use super::secret::{AccessToken, AuthCode, CodeVerifier, IdToken};
use super::{cap, MAX_TOKEN_LEN};
use crate::config::Flow;
use std::fmt;

/// The parameters of a callback URL, query and fragment together. `Debug` shows the names
/// only: the values are codes and tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackParams {
    pairs: Vec<(String, String)>,
    /// Something was wrong with the URL itself (a parameter twice, a value too long).
    malformed: bool,
}

impl fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        write!(f, "CallbackParams({names:?}, values [redacted])")
    }
}

const CALLBACK_KEYS: [&str; 5] = ["code", "state", "error", "id_token", "access_token"];

impl CallbackParams {
    /// The callback in this URL's `query` and `fragment` (without `?`/`#`), if it is one.
    pub fn read(query: &str, fragment: &str) -> Option<CallbackParams> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut malformed = query.len() + fragment.len() > 4 * MAX_TOKEN_LEN;
        if !malformed {
            for part in [query, fragment] {
                for (k, v) in crate::codec::form_pairs(part) {
                    if v.len() > MAX_TOKEN_LEN || pairs.iter().any(|(seen, _)| *seen == k) {
                        malformed = true;
                    }
                    pairs.push((k, v));
                }
            }
        }
        let is_callback = malformed
            || pairs
                .iter()
                .any(|(k, _)| CALLBACK_KEYS.contains(&k.as_str()));
        is_callback.then_some(CallbackParams { pairs, malformed })
    }

    /// Every (name, value), in the order the URL had them.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// What to do next with a good callback.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Code flow: POST the code, the verifier and the same redirect_uri to /oauth2/token.
    ExchangeCode {
        code: AuthCode,
        verifier: CodeVerifier,
        redirect_uri: String,
    },
    /// Implicit flow: the tokens came in the fragment; verify them before use.
    Tokens {
        id_token: IdToken,
        access_token: AccessToken,
        expires_in: Option<i64>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackError {
    Malformed,
    MissingState,
    /// No sign-in was started in this tab, or its state was already used.
    NotStartedHere,
    StateMismatch,
    Expired,
    /// The Hosted UI answered with `error=` (after the state matched).
    Server {
        error: String,
        description: Option<String>,
    },
    MissingCode,
    MissingTokens,
}

impl std::error::Error for CallbackError {}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::Malformed => f.write_str("The address this page was opened with is not a valid sign-in callback (a parameter is repeated or far too long). Start again with Sign in."),
            CallbackError::MissingState => f.write_str("The callback has no state, so the app cannot tell that it started this sign-in. Nothing was kept. Start again with Sign in."),
            CallbackError::NotStartedHere | CallbackError::StateMismatch => f.write_str("This sign-in was not started here, or was already used (a reload or the back button replays the old callback). Nothing was kept. Start again with Sign in."),
            CallbackError::Expired => f.write_str("This sign-in was started more than ten minutes ago and has expired. Start again with Sign in."),
            CallbackError::Server { error, description } => {
                let advice = match error.as_str() {
                    "redirect_mismatch" => "The callback URL is not registered on the app client: add this page's URL, byte for byte, to its callback URLs, or fix redirectUri in Settings.",
                    "unauthorized_client" => "The app client may not use this flow: enable it under the app client's OAuth grant types, or switch the flow in Settings.",
                    "invalid_scope" => "A requested scope is not allowed for this app client: allow it on the client or remove it in Settings.",
                    "login_required" => "There is no Hosted UI session: sign in again.",
                    "access_denied" => "The sign-in was refused or cancelled.",
                    "invalid_request" => "Cognito refused the request's parameters; check the settings.",
                    _ => "Cognito refused the sign-in.",
                };
                write!(f, "Cognito answered {}: {advice}", cap(error, 60))?;
                if let Some(d) = description {
                    write!(f, " (It said: \u{201c}{}\u{201d})", cap(d, 300))?;
                }
                Ok(())
            }
            CallbackError::MissingCode => f.write_str("Cognito came back without an authorization code. Start again with Sign in."),
            CallbackError::MissingTokens => f.write_str("Cognito came back without the ID and access tokens in the URL fragment. Check that the scopes include openid, then start again."),
        }
    }
}

/// Check a callback against the pending sign-in (already taken out of storage: single use).
pub fn handle_callback(
    params: &CallbackParams,
    pending: Option<&PendingLogin>,
    now: i64,
) -> Result<Next, CallbackError> {
    if params.malformed {
        return Err(CallbackError::Malformed);
    }
    let state = params.get("state").ok_or(CallbackError::MissingState)?;
    let pending = pending.ok_or(CallbackError::NotStartedHere)?;
    if state != pending.state {
        return Err(CallbackError::StateMismatch);
    }
    if pending.is_expired(now) {
        return Err(CallbackError::Expired);
    }
    if let Some(error) = params.get("error") {
        return Err(CallbackError::Server {
            error: cap(error, 60),
            description: params.get("error_description").map(|d| cap(d, 300)),
        });
    }
    match pending.binding.flow {
        Flow::Code => {
            let code = params.get("code").ok_or(CallbackError::MissingCode)?;
            let verifier = pending
                .verifier
                .clone()
                .ok_or(CallbackError::NotStartedHere)?;
            Ok(Next::ExchangeCode {
                code: AuthCode::new(code),
                verifier,
                redirect_uri: pending.binding.redirect_uri.clone(),
            })
        }
        Flow::Implicit => {
            let (Some(id), Some(access)) = (params.get("id_token"), params.get("access_token"))
            else {
                return Err(CallbackError::MissingTokens);
            };
            Ok(Next::Tokens {
                id_token: IdToken::new(id),
                access_token: AccessToken::new(access),
                expires_in: params.get("expires_in").and_then(|v| v.parse().ok()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::pending::Randomness;
    use crate::config::{resolve, RawConfig};

    fn pending(flow: &str) -> PendingLogin {
        let file = RawConfig {
            flow: Some(flow.into()),
            ..Default::default()
        };
        let c = resolve("http://localhost:8080/", &file, &RawConfig::default()).unwrap();
        PendingLogin::start(
            &c,
            Randomness {
                state: [7; 32],
                nonce: [8; 32],
                verifier: [9; 32],
            },
            1000,
        )
        .0
    }

    fn read(query: &str, fragment: &str) -> CallbackParams {
        CallbackParams::read(query, fragment).expect("a callback")
    }

    #[test]
    fn a_plain_page_load_is_not_a_callback() {
        assert_eq!(CallbackParams::read("", ""), None);
        assert_eq!(CallbackParams::read("utm_source=x", "section-2"), None);
    }

    #[test]
    fn code_callback_with_the_right_state_asks_for_the_exchange() {
        let p = pending("code");
        let next = handle_callback(
            &read(&format!("code=abc-123&state={}", p.state), ""),
            Some(&p),
            1010,
        )
        .unwrap();
        assert_eq!(
            next,
            Next::ExchangeCode {
                code: AuthCode::new("abc-123"),
                verifier: p.verifier.clone().unwrap(),
                redirect_uri: "http://localhost:8080/".into()
            }
        );
    }

    #[test]
    fn state_missing_wrong_unknown_or_replayed_is_refused_before_anything_else() {
        let p = pending("code");
        assert_eq!(
            handle_callback(&read("code=abc", ""), Some(&p), 1010),
            Err(CallbackError::MissingState)
        );
        assert_eq!(
            handle_callback(&read("code=abc&state=forged", ""), Some(&p), 1010),
            Err(CallbackError::StateMismatch)
        );
        // Replay or login CSRF: no pending sign-in (it was used, or never started here).
        let q = format!("code=abc&state={}", p.state);
        assert_eq!(
            handle_callback(&read(&q, ""), None, 1010),
            Err(CallbackError::NotStartedHere)
        );
        // An error from a forged callback is not shown as Cognito's.
        assert_eq!(
            handle_callback(
                &read("error=access_denied&state=forged", ""),
                Some(&p),
                1010
            ),
            Err(CallbackError::StateMismatch)
        );
        let msg = CallbackError::StateMismatch.to_string();
        assert!(
            msg.contains("not started here, or was already used"),
            "{msg}"
        );
    }

    #[test]
    fn expired_pending_sign_in_is_refused() {
        let p = pending("code");
        let q = format!("code=abc&state={}", p.state);
        assert_eq!(
            handle_callback(&read(&q, ""), Some(&p), 1000 + 601),
            Err(CallbackError::Expired)
        );
    }

    #[test]
    fn cognito_errors_are_capped_and_advised_after_the_state_matches() {
        let p = pending("code");
        let huge = "<script>alert(1)</script>".repeat(100);
        let q = format!(
            "error=redirect_mismatch&error_description={huge}&state={}",
            p.state
        );
        let err = handle_callback(&read(&q, ""), Some(&p), 1010).unwrap_err();
        let CallbackError::Server { error, description } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(error, "redirect_mismatch");
        assert!(description.as_ref().unwrap().chars().count() <= 301);
        let text = err.to_string();
        assert!(text.contains("callback URLs"), "{text}");
        for (code, hint) in [
            ("unauthorized_client", "grant types"),
            ("invalid_scope", "scope"),
        ] {
            let q = format!("error={code}&state={}", p.state);
            assert!(handle_callback(&read(&q, ""), Some(&p), 1010)
                .unwrap_err()
                .to_string()
                .contains(hint));
        }
    }

    #[test]
    fn debug_names_the_parameters_but_never_shows_their_values() {
        let params = read("code=s3cret-code&state=st4te", "id_token=eyJ.x.y");
        let shown = format!("{params:?}");
        assert!(shown.contains("\"code\""), "{shown}");
        for secret in ["s3cret-code", "st4te", "eyJ"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn code_flow_without_code_is_refused() {
        let p = pending("code");
        let q = format!("state={}", p.state);
        assert_eq!(
            handle_callback(&read(&q, ""), Some(&p), 1010),
            Err(CallbackError::MissingCode)
        );
    }

    #[test]
    fn implicit_tokens_come_from_the_fragment() {
        let p = pending("implicit");
        let f = format!(
            "id_token=eyJ.a.b&access_token=eyJ.c.d&token_type=Bearer&expires_in=3600&state={}",
            p.state
        );
        let next = handle_callback(&read("", &f), Some(&p), 1010).unwrap();
        assert_eq!(
            next,
            Next::Tokens {
                id_token: IdToken::new("eyJ.a.b"),
                access_token: AccessToken::new("eyJ.c.d"),
                expires_in: Some(3600)
            }
        );
        let f = format!("access_token=eyJ.c.d&state={}", p.state);
        assert_eq!(
            handle_callback(&read("", &f), Some(&p), 1010),
            Err(CallbackError::MissingTokens)
        );
    }

    #[test]
    fn repeated_or_huge_parameters_are_malformed() {
        let p = pending("code");
        let q = format!("code=a&code=b&state={}", p.state);
        assert_eq!(
            handle_callback(&read(&q, ""), Some(&p), 1010),
            Err(CallbackError::Malformed)
        );
        let q = format!("state={}", p.state);
        let f = format!("state={}", p.state);
        assert_eq!(
            handle_callback(&read(&q, &f), Some(&p), 1010),
            Err(CallbackError::Malformed)
        );
        let q = format!("code={}&state={}", "a".repeat(MAX_TOKEN_LEN + 1), p.state);
        assert_eq!(
            handle_callback(&read(&q, ""), Some(&p), 1010),
            Err(CallbackError::Malformed)
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_url_never_panics(query in ".{0,300}", fragment in ".{0,300}") {
            let p = pending("code");
            if let Some(params) = CallbackParams::read(&query, &fragment) {
                let _ = handle_callback(&params, Some(&p), 1010);
                let _ = handle_callback(&params, None, 1010);
            }
        }
    }
}
