//! The four stages of the flow, laid out as the page's structure.

use super::console::DragonsConsole;
use super::flow::{CallbackStatus, Flow as FlowState, SignInControls};
use super::tokens::TokensView;
use super::SettingsState;
use crate::config::{ApiToken, Config, Flow};
use leptos::prelude::*;

#[component]
pub fn Stages(state: SettingsState, flow: FlowState) -> impl IntoView {
    let config = move || state.config().ok();
    view! {
        <ol class="stages" aria-label="The sign-in flow">
            <Stage number=1 id="stage-sign-in" title="Sign in">
                <p>
                    "The app sends you to the Cognito Hosted UI, which asks for your user name and password "
                    "and then sends you back here."
                </p>
                {move || config().map(|c| view! { <SignInSummary config=c /> })}
                <SignInControls settings=state flow />
            </Stage>
            <Stage number=2 id="stage-callback" title="Callback">
                <p>
                    "Cognito redirects back to this page. The app checks that it started this sign-in "
                    "(the " <code>"state"</code> " value), wipes the code or tokens from the address bar, and "
                    {move || match config().map(|c| c.flow) {
                        Some(Flow::Implicit) => "reads the tokens from the URL fragment.",
                        _ => "exchanges the one-time code (with its PKCE verifier) for tokens.",
                    }}
                </p>
                <CallbackStatus flow />
            </Stage>
            <Stage number=3 id="stage-tokens" title="Tokens" wide=true>
                <p>
                    "The ID token says who you are; the access token says what you may do. The app checks "
                    "each one's signature against the user pool's public keys, its issuer, audience, type "
                    "and expiry, and explains every claim."
                </p>
                <TokensView flow settings=state />
            </Stage>
            <Stage number=4 id="stage-api" title="Dragons API" wide=true>
                <p>
                    "With a token, the app calls " <code>"GET /dragons"</code> " with the "
                    <code>"Authorization"</code> " header, and shows what came back, 401s included."
                </p>
                {move || config().map(|c| {
                    // A session calls the API it signed in with; Settings apply from the next sign-in.
                    let api = flow
                        .with_signed_in(|s| s.session.binding.api_base_url.clone())
                        .unwrap_or_else(|| c.api_base_url.clone());
                    view! {
                    <dl class="facts">
                        <dt>"API"</dt>
                        <dd><code data-testid="api-base-url">{api}</code></dd>
                        <dt>"Token sent"</dt>
                        <dd>{match c.api_token {
                            ApiToken::Id => "ID token (REST API authorizers without OAuth scopes expect it)",
                            ApiToken::Access => "access token (for methods with OAuth scopes)",
                        }}</dd>
                    </dl>
                }})}
                <DragonsConsole settings=state flow />
            </Stage>
        </ol>
    }
}

#[component]
fn SignInSummary(config: Config) -> impl IntoView {
    let flow = match config.flow {
        Flow::Code => "Authorization code with PKCE (recommended)",
        Flow::Implicit => {
            "Implicit: tokens come back in the URL (kept for workshops; not recommended)"
        }
    };
    let implicit = config.flow == Flow::Implicit;
    view! {
        <dl class="facts">
            <dt>"Hosted UI"</dt>
            <dd><code data-testid="auth-domain">{config.auth_domain.clone()}</code></dd>
            <dt>"App client"</dt>
            <dd><code data-testid="client-id">{config.client_id.clone()}</code></dd>
            <dt>"Flow"</dt>
            <dd data-testid="flow">{flow}</dd>
            <dt>"Scopes"</dt>
            <dd><code>{config.scopes.join(" ")}</code></dd>
        </dl>
        {implicit.then(|| view! {
            <p class="note" data-testid="implicit-warning">
                "The implicit flow puts tokens in the address bar and gives no refresh token. The OAuth "
                "security best practice for browser apps is the code flow with PKCE, this app's default."
            </p>
        })}
    }
}

#[component]
fn Stage(
    number: u8,
    id: &'static str,
    title: &'static str,
    #[prop(optional)] wide: bool,
    children: Children,
) -> impl IntoView {
    let heading = format!("{id}-title");
    let labelled_by = heading.clone();
    view! {
        <li class="stage" class:wide=wide id=id data-testid=id>
            <section aria-labelledby=labelled_by>
                <h2 id=heading>
                    <span class="stage-number" aria-hidden="true">{number}</span>
                    <span class="visually-hidden">{format!("Stage {number}: ")}</span>
                    <span class="stage-title">{title}</span>
                </h2>
                {children()}
            </section>
        </li>
    }
}
