//! Stage 3: the ID and access tokens, decoded and explained. Every value is rendered as text.

use super::flow::{tokens_of, Flow};
use super::SettingsState;
use crate::auth::claims::TokenKind;
use crate::auth::explain::{
    claim_meaning, header_meaning, is_time_claim, relative, string_booleans,
};
use crate::auth::machine::paste::Pasted;
use crate::auth::machine::AuthState;
use crate::auth::verify::{SignatureStatus, TokenReport, Verdict};
use crate::auth::CLOCK_LEEWAY_SECS;
use crate::json::{self, Value};
use crate::workshop::is_personal_claim;
use leptos::prelude::*;

#[component]
pub fn TokensView(flow: Flow, settings: SettingsState) -> impl IntoView {
    // Only a change of the tokens themselves renders the cards again.
    let tokens = Memo::new(move |_| flow.state.with(tokens_of));
    let checking = move || {
        flow.state.with(|s| {
            matches!(
                s,
                AuthState::Working(crate::auth::machine::Work::Verifying { .. })
            )
        })
    };
    view! {
        {move || match tokens.get() {
            Some((tokens, offset)) => view! {
                <div class="token-grid">
                    <TokenCard report=tokens.id now=flow.now offset />
                    <TokenCard report=tokens.access now=flow.now offset />
                </div>
                <UserInfo flow />
            }
            .into_any(),
            None => view! {
                <p class="muted" data-testid="tokens-placeholder">
                    {move || if checking() {
                        "Checking both tokens' signatures with the user pool's keys…"
                    } else {
                        "After sign-in, both tokens appear here, decoded, checked and explained."
                    }}
                </p>
            }
            .into_any(),
        }}
        <PasteToken flow settings />
    }
}

/// "Use a token you already have": paste one (from the AWS CLI, Postman…), see it checked and
/// explained like a signed-in one. Memory only; never refreshed.
#[component]
fn PasteToken(flow: Flow, settings: SettingsState) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let ready = move || settings.config().is_ok();
    let check = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        flow.paste(settings, text.get_untracked());
    };
    let offset = move || flow.with_signed_in(|s| s.session.clock_offset).unwrap_or(0);
    view! {
        <details class="paste" data-testid="paste-section" open=move || flow.driver.pasted.with(Option::is_some)>
            <summary>"Use a token you already have"</summary>
            <p class="muted">
                "Paste an ID or access token, e.g. the IdToken that " <code>"aws cognito-idp admin-initiate-auth"</code>
                " prints. It is checked against the configured user pool like a signed-in token, can be used in the console "
                "below, lives in this page's memory only and is never refreshed."
            </p>
            <form class="paste-form" on:submit=check>
                <label for="paste-input">"Token"</label>
                <textarea id="paste-input" class="private" data-testid="paste-input" rows="3" spellcheck="false"
                    autocomplete="off" placeholder="eyJraWQiOi…"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="paste-check" disabled=move || !ready()>
                        "Check this token"
                    </button>
                    <button type="button" class="button secondary" data-testid="paste-forget"
                        hidden=move || flow.driver.pasted.with(Option::is_none)
                        on:click=move |_| { text.set(String::new()); flow.forget_pasted(); }>
                        "Forget it"
                    </button>
                </div>
            </form>
            {move || match flow.driver.pasted.get() {
                None => ().into_any(),
                Some(Pasted::Refused(e)) => view! {
                    <p class="status error" role="alert" data-testid="paste-error">{e.to_string()}</p>
                }.into_any(),
                Some(Pasted::Token(t)) => view! {
                    {t.keys_error.map(|e| view! {
                        <p class="status error" role="alert" data-testid="paste-keys-error">
                            {format!("Its signature cannot be checked yet: {e}. Press Check again once the pool answers.")}
                        </p>
                    })}
                    <TokenCard report=t.report now=flow.now offset=offset() pasted=true />
                }.into_any(),
            }}
        </details>
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => json::to_string(other),
    }
}

/// `toLocaleString()` of a time in seconds since the epoch (this computer's clock).
fn local_time(secs: i64) -> String {
    String::from(
        js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(secs as f64 * 1000.0))
            .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED),
    )
}

/// `offset`: the issuer's clock minus this computer's, so times read right on a wrong clock.
#[component]
fn TokenCard(
    report: TokenReport,
    now: RwSignal<i64>,
    offset: i64,
    /// Pasted, not from this app's sign-in.
    #[prop(optional)]
    pasted: bool,
) -> impl IntoView {
    let now = move || now.get() + offset;
    let local_time = move |t: i64| local_time(t - offset);
    let kind = report.kind;
    let id = match (kind, pasted) {
        (TokenKind::Id, false) => "id-token",
        (TokenKind::Access, false) => "access-token",
        (TokenKind::Id, true) => "pasted-id-token",
        (TokenKind::Access, true) => "pasted-access-token",
    };
    let title = match (kind, pasted) {
        (TokenKind::Id, false) => "ID token",
        (TokenKind::Access, false) => "Access token",
        (TokenKind::Id, true) => "Pasted ID token",
        (TokenKind::Access, true) => "Pasted access token",
    };
    let valid = report.is_valid();
    let pending = report.is_pending();
    let (badge_class, badge) = match &report.verdict {
        Verdict::Valid => ("badge ok", "Verified"),
        Verdict::Pending => ("badge pending", "Not yet verified"),
        Verdict::Rejected(_) => ("badge bad", "Rejected"),
    };
    let verdict = report.rejection().map(|e| format!("Rejected: {e}"));
    let signature = match &report.signature {
        SignatureStatus::Valid { kid } => {
            format!("RS256 signature valid (WebCrypto), key {kid} from the user pool's JWKS")
        }
        SignatureStatus::Invalid { kid } => format!("Signature INVALID for key {kid}"),
        SignatureStatus::NotChecked(why) => format!("Signature not checked: {why}"),
        SignatureStatus::Pending => {
            "Signature not checked yet: waiting for the user pool's keys".into()
        }
    };
    let exp = report
        .decoded
        .as_ref()
        .ok()
        .and_then(|j| j.int_claim("exp"));
    let (header, claims, parts) = match &report.decoded {
        Ok(j) => (j.header.clone(), j.claims.clone(), Some(j.parts.clone())),
        Err(_) => Default::default(),
    };
    let raw = report.raw.clone();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if crate::web::copy_to_clipboard(&raw) {
            copied.set(true);
        }
    };
    view! {
        <article class="token-card" class:rejected=!valid && !pending data-testid=id aria-labelledby=format!("{id}-title")>
            <header class="token-head">
                <h3 id=format!("{id}-title")>{title}</h3>
                <span class=badge_class data-testid=format!("{id}-verdict")>{badge}</span>
            </header>
            {verdict.map(|v| view! { <p class="verdict bad" data-testid=format!("{id}-reason")>{v}</p> })}
            <p class="signature" data-testid=format!("{id}-signature")>{signature}</p>
            {report.at_hash.map(|a| view! { <p class="signature" data-testid=format!("{id}-at-hash")>{a.describe()}</p> })}
            {exp.map(|exp| view! {
                <p class="expiry" data-testid=format!("{id}-expiry")>
                    {move || {
                        let now = now();
                        if now < exp { format!("Expires {} ({})", relative(exp, now), local_time(exp)) }
                        else { format!("Expired {} ({})", relative(exp, now), local_time(exp)) }
                    }}
                </p>
            })}
            <details>
                <summary>"Header"</summary>
                <table class="claims">
                    <tbody>
                        {header.into_iter().map(|(k, v)| view! {
                            <tr><th scope="row"><code>{k.clone()}</code></th><td><code>{value_text(&v)}</code></td><td>{header_meaning(&k)}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
            <table class="claims" data-testid=format!("{id}-claims")>
                <caption class="visually-hidden">{format!("{title} claims")}</caption>
                <thead><tr><th scope="col">"Claim"</th><th scope="col">"Value"</th><th scope="col">"What it means"</th></tr></thead>
                <tbody>
                    {claims.into_iter().map(|(k, v)| {
                        let shown = value_text(&v);
                        let when = v.as_i64().filter(|_| is_time_claim(&k)).map(|t| {
                            move || format!("{} · {}", local_time(t), relative(t, now()))
                        });
                        // Presenter view blurs who the person is until clicked (focused).
                        let personal = is_personal_claim(&k);
                        view! {
                            <tr data-claim=k.clone()>
                                <th scope="row"><code>{k.clone()}</code></th>
                                <td class=if personal { "value private" } else { "value" } tabindex="0"><code>{shown}</code>{when.map(|w| view! { <span class="when">{w}</span> })}</td>
                                <td>{claim_meaning(&k, kind)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <p class="muted small">{format!("Times allow {CLOCK_LEEWAY_SECS} s of clock difference.")}</p>
            <details>
                <summary>"Raw token"</summary>
                <p class="raw-token private" tabindex="0" data-testid=format!("{id}-raw")>
                    {match parts {
                        Some([h, p, s]) => view! {
                            <span class="jwt-header">{h}</span>"."<span class="jwt-payload">{p}</span>"."<span class="jwt-signature">{s}</span>
                        }.into_any(),
                        None => view! { <span>{report.raw.clone()}</span> }.into_any(),
                    }}
                </p>
                <button type="button" class="button secondary" on:click=copy>
                    {move || if copied.get() { "Copied" } else { "Copy token" }}
                </button>
            </details>
        </article>
    }
}

#[component]
fn UserInfo(flow: Flow) -> impl IntoView {
    let answer = move || {
        flow.user_info.get().map(|answer| match answer {
            Ok(answer) => {
                let json = json::parse(&answer.body).ok();
                let note = json.as_ref().and_then(string_booleans);
                let body = json.map(|v| json::to_pretty(&v)).unwrap_or(answer.body);
                view! {
                    <p class="muted">{format!("HTTP {}", answer.status)}</p>
                    <pre class="json private" tabindex="0" data-testid="userinfo-body">{body}</pre>
                    {note.map(|n| view! { <p class="muted small" data-testid="userinfo-note">{n}</p> })}
                }
                .into_any()
            }
            Err(e) => view! {
                <p class="status error" role="alert">{format!("userInfo could not be reached ({e})")}</p>
            }
            .into_any(),
        })
    };
    super::shown_when(
        move || flow.is_signed_in(),
        move || {
            view! {
                <div class="userinfo">
                    <button type="button" class="button secondary" data-testid="userinfo"
                        disabled=move || flow.user_info_busy.get()
                        aria-busy=move || flow.user_info_busy.get().to_string()
                        on:click=move |_| flow.load_user_info()>
                        {move || if flow.user_info_busy.get() { "Calling /oauth2/userInfo…" } else { "Call /oauth2/userInfo with the access token" }}
                    </button>
                    {answer}
                </div>
            }
        },
    )
}
