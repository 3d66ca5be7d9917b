//! The Hosted UI authorize URL for the configured flow.

use super::pending::PendingLogin;
use super::pkce::Pkce;
use super::session::Binding;
use crate::codec::Form;
use crate::config::{Config, Flow};

/// `<authDomain>/oauth2/authorize?…` with response_type, client_id, redirect_uri, scope, state,
/// nonce and, for the code flow, the S256 challenge.
pub fn authorize_url(config: &Config, pending: &PendingLogin, pkce: Option<&Pkce>) -> String {
    let mut query = Form::new()
        .pair(
            "response_type",
            match pending.binding.flow {
                Flow::Code => "code",
                Flow::Implicit => "token",
            },
        )
        .pair("client_id", &pending.binding.client_id)
        .pair("redirect_uri", &pending.binding.redirect_uri)
        .pair("scope", &config.scopes.join(" "))
        .pair("state", &pending.state)
        .pair("nonce", &pending.nonce);
    if let Some(pkce) = pkce {
        query = query
            .pair("code_challenge_method", "S256")
            .pair("code_challenge", &pkce.challenge);
    }
    format!(
        "{}/oauth2/authorize?{}",
        pending.binding.auth_domain,
        query.finish()
    )
}

/// `<authDomain>/logout?client_id=…&logout_uri=…`: Cognito's sign-out (not the OIDC one), which
/// also ends the Hosted UI's one-hour session cookie.
pub fn logout_url(binding: &Binding) -> String {
    let query = Form::new()
        .pair("client_id", &binding.client_id)
        .pair("logout_uri", &binding.logout_uri)
        .finish();
    format!("{}/logout?{query}", binding.auth_domain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::pending::Randomness;
    use crate::config::{resolve, RawConfig};

    fn config(flow: &str) -> Config {
        let file = RawConfig {
            flow: Some(flow.into()),
            auth_domain: Some("https://dragons.auth.us-east-1.amazoncognito.com".into()),
            ..Default::default()
        };
        resolve("https://app.example/app/", &file, &RawConfig::default()).unwrap()
    }

    fn params(url: &str) -> Vec<(String, String)> {
        let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
        crate::codec::form_pairs(query)
    }

    fn random() -> Randomness {
        Randomness {
            state: [1; 32],
            nonce: [2; 32],
            verifier: [3; 32],
        }
    }

    #[test]
    fn code_flow_url_carries_pkce_state_nonce_and_encoded_redirect() {
        let c = config("code");
        let (pending, pkce) = PendingLogin::start(&c, random(), 1000);
        let url = authorize_url(&c, &pending, pkce.as_ref());
        assert!(
            url.starts_with("https://dragons.auth.us-east-1.amazoncognito.com/oauth2/authorize?")
        );
        assert!(
            url.contains("redirect_uri=https%3A%2F%2Fapp.example%2Fapp%2F"),
            "{url}"
        );
        let p = params(&url);
        let get = |k: &str| p.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.as_str());
        assert_eq!(get("response_type"), Some("code"));
        assert_eq!(get("scope"), Some("openid email profile"));
        assert_eq!(get("state"), Some(pending.state.as_str()));
        assert_eq!(get("nonce"), Some(pending.nonce.as_str()));
        assert_eq!(get("code_challenge_method"), Some("S256"));
        let verifier = pending.verifier.as_ref().unwrap();
        assert_eq!(
            get("code_challenge"),
            Some(crate::auth::pkce::s256(verifier.secret()).as_str())
        );
        assert!(
            !url.contains(verifier.secret()),
            "the verifier never leaves the browser here"
        );
        assert_eq!(pending.state.len(), 43);
        assert_ne!(pending.state, pending.nonce);
    }

    #[test]
    fn implicit_flow_asks_for_token_without_pkce() {
        let c = config("implicit");
        let (pending, pkce) = PendingLogin::start(&c, random(), 1000);
        assert!(pkce.is_none() && pending.verifier.is_none());
        let p = params(&authorize_url(&c, &pending, None));
        assert!(p.contains(&("response_type".into(), "token".into())));
        assert!(!p.iter().any(|(k, _)| k.starts_with("code_challenge")));
    }

    #[test]
    fn logout_url_uses_cognitos_parameters() {
        let c = config("code");
        let url = logout_url(&crate::auth::session::Binding::of(&c));
        assert_eq!(
            url,
            "https://dragons.auth.us-east-1.amazoncognito.com/logout?client_id=dragonsdemo0localclient001&logout_uri=https%3A%2F%2Fapp.example%2Fapp%2F"
        );
        assert!(!url.contains("post_logout_redirect_uri"));
    }

    #[test]
    fn pending_logins_expire_after_ten_minutes_and_round_trip() {
        let (pending, _) = PendingLogin::start(&config("code"), random(), 1000);
        assert!(!pending.is_expired(1000 + 600));
        assert!(pending.is_expired(1000 + 601));
        assert_eq!(PendingLogin::from_json(&pending.to_json()), Some(pending));
        assert_eq!(PendingLogin::from_json("{\"state\":1}"), None);
        assert_eq!(PendingLogin::from_json(&"x".repeat(10_000)), None);
    }
}
