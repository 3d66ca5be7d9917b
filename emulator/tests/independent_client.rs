//! A maintained OpenID Connect client that nobody here wrote (the `openidconnect` crate) signs in
//! through the login form with code + PKCE and validates the ID token against the JWKS: if the
//! emulator misread the spec, this client, not our own SPA, catches it.

mod common;
use common::*;
use dragons_emulator::config::{DEMO_PASSWORD, DEMO_USERNAME};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse,
};

#[tokio::test]
async fn openidconnect_crate_completes_code_pkce_login_and_validates_the_id_token() {
    let stack = start().await;
    let http_client = openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata = CoreProviderMetadata::discover_async(
        IssuerUrl::new(stack.urls().issuer.clone()).unwrap(),
        &http_client,
    )
    .await
    .expect("discovery document accepted");
    let client = CoreClient::from_provider_metadata(metadata, ClientId::new(CLIENT.into()), None)
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap());

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();

    // The browser part: authorize → login form → POST credentials → back with a code.
    let r = http_client.get(auth_url.as_str()).send().await.unwrap();
    assert_eq!(r.status(), 302);
    let login_path = location(r.headers());
    // The form as a browser fills it: loaded first (CSRF token and cookie), then posted.
    let r = post_form(
        &stack,
        &login_path,
        &login_path,
        &[("username", DEMO_USERNAME), ("password", DEMO_PASSWORD)],
    )
    .await;
    let back = location(r.headers());
    assert_eq!(
        param(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = param(&back, "code").expect("a code");

    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http_client)
        .await
        .expect("token exchange accepted");
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&client.id_token_verifier(), &nonce)
        .expect("ID token valid: RS256 signature against the JWKS, iss, aud, exp, nonce");
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("rider@dragons.example")
    );
    assert_eq!(claims.issuer().as_str(), stack.urls().issuer);
    assert!(tokens.refresh_token().is_some());

    // A wrong nonce must fail with this client too.
    assert!(id_token
        .claims(&client.id_token_verifier(), &Nonce::new("other".into()))
        .is_err());

    let info: CoreUserInfoClaims = client
        .user_info(tokens.access_token().clone(), None)
        .unwrap()
        .request_async(&http_client)
        .await
        .expect("userInfo accepted");
    assert_eq!(info.subject(), claims.subject());
}
