//! The bodies of the four stages of the flow. Their headings and introductions are fixed text in
//! index.html (shown before the WebAssembly arrives); each body is mounted into its stage.

use super::console::{Calls, DragonsConsole};
use super::flow::{Flow as FlowState, SignInControls};
use super::SettingsState;
use crate::config::{ApiToken, Config, Flow};
use leptos::prelude::*;

/// Stage 1's body, after its heading and introduction in index.html.
#[component]
pub fn SignInStage(state: SettingsState, flow: FlowState) -> impl IntoView {
    view! {
        {move || state.config().ok().map(|c| view! { <SignInSummary config=c /> })}
        <SignInControls settings=state flow />
    }
}

/// Stage 4's body: which API and token, then the console.
#[component]
pub fn ApiStage(state: SettingsState, flow: FlowState, calls: Calls) -> impl IntoView {
    view! {
        {move || state.config().ok().map(|c| {
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
        <DragonsConsole settings=state flow calls />
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
