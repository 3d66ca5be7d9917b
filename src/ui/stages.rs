//! The bodies of the four stages of the flow. Their headings and introductions are fixed text in
//! index.html (shown before the WebAssembly arrives); each body is mounted into its stage.

use super::console::{Calls, DragonsConsole};
use super::flow::Flow as FlowState;
use super::{dom, SettingsState};
use crate::config::{ApiToken, Flow};
use leptos::prelude::*;

/// Stage 1's body, drawn into `root` after its heading and introduction in index.html.
pub fn sign_in_stage(root: &web_sys::Element, state: SettingsState, flow: FlowState) {
    dom::add(root, "div", &[("id", "sign-in-summary")], "");
    // What sign-in will use, drawn whenever the configuration changes.
    Effect::new(move |_| {
        let config = state.config().ok();
        let Some(root) = dom::canvas("sign-in-summary") else {
            return;
        };
        let Some(c) = config else {
            return;
        };
        let flow = match c.flow {
            Flow::Code => "Authorization code with PKCE (recommended)",
            Flow::Implicit => {
                "Implicit: tokens come back in the URL (kept for workshops; not recommended)"
            }
        };
        facts(
            &root,
            &[
                ("Hosted UI", &c.auth_domain, true, "auth-domain"),
                ("App client", &c.client_id, true, "client-id"),
                ("Flow", flow, false, "flow"),
                ("Scopes", &c.scopes.join(" "), true, ""),
            ],
        );
        if c.flow == Flow::Implicit {
            dom::add(
                &root,
                "p",
                &[("class", "note"), ("data-testid", "implicit-warning")],
                "The implicit flow puts tokens in the address bar and gives no refresh token. The OAuth security best practice for browser apps is the code flow with PKCE, this app's default.",
            );
        }
    });
    super::flow::sign_in_controls(root, state, flow);
}

/// A `dl.facts` of (name, value, code, test id).
fn facts(root: &web_sys::Element, rows: &[(&str, &str, bool, &str)]) {
    let dl = dom::add(root, "dl", &[("class", "facts")], "");
    for (name, value, code, testid) in rows {
        dom::fact(&dl, name, value, *code, testid);
    }
}

/// Stage 4's body: which API and token, then the console.
#[component]
pub fn ApiStage(state: SettingsState, flow: FlowState, calls: Calls) -> impl IntoView {
    Effect::new(move |_| {
        let config = state.config().ok();
        // A session calls the API it signed in with; Settings apply from the next sign-in.
        let session = flow.with_signed_in(|s| {
            (
                s.session.binding.api_base_url.clone(),
                s.session.binding.http_api_base_url.clone(),
            )
        });
        let (Some(root), Some(c)) = (dom::canvas("api-facts"), config) else {
            return;
        };
        let (api, http) = session.unwrap_or((c.api_base_url, c.http_api_base_url));
        let token = match c.api_token {
            ApiToken::Id => "ID token at first (REST API methods without OAuth scopes expect it; POST /dragons has the scope dragons/write and wants the access token)",
            ApiToken::Access => "access token at first (for methods with OAuth scopes)",
        };
        let mut rows = vec![("REST API", api.as_str(), true, "api-base-url")];
        if let Some(http) = &http {
            rows.push(("HTTP API", http.as_str(), true, "http-api-base-url"));
        }
        rows.push(("Token sent", token, false, ""));
        facts(&root, &rows);
    });
    view! {
        <div id="api-facts"></div>
        <DragonsConsole settings=state flow calls />
    }
}
