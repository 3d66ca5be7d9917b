//! Stage 3: the ID and access tokens, decoded and explained. Every value is rendered as text.

use super::dom;
use super::flow::{tokens_of, Flow};
use super::SettingsState;
use crate::auth::claims::TokenKind;
use crate::auth::explain::{claim_meaning, header_meaning, is_time_claim, string_booleans};
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
    // Drawn once per change of the tokens themselves (dom.rs), not per second.
    Effect::new(move |_| {
        let shown = tokens.get();
        let (id, access, offset) = match &shown {
            Some((t, offset)) => (Some(&t.id), Some(&t.access), *offset),
            None => (None, None, 0),
        };
        draw_card("id-token-card", id, offset, false);
        draw_card("access-token-card", access, offset, false);
    });
    view! {
        <div class="token-grid">
            <div id="id-token-card"></div>
            <div id="access-token-card"></div>
        </div>
        {move || tokens.with(Option::is_none).then(|| view! {
            <p class="muted" data-testid="tokens-placeholder">
                {move || if checking() {
                    "Checking both tokens' signatures with the user pool's keys…"
                } else {
                    "After sign-in, both tokens appear here, decoded, checked and explained."
                }}
            </p>
        })}
        <UserInfo flow />
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
    Effect::new(move |_| {
        let offset = flow.with_signed_in(|s| s.session.clock_offset).unwrap_or(0);
        flow.driver.pasted.with(|p| {
            let report = match p {
                Some(Pasted::Token(t)) => Some(&t.report),
                _ => None,
            };
            draw_card("pasted-card", report, offset, true);
        });
    });
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
                Some(Pasted::Token(t)) => t.keys_error.map(|e| view! {
                    <p class="status error" role="alert" data-testid="paste-keys-error">
                        {format!("Its signature cannot be checked yet: {e}. Press Check again once the pool answers.")}
                    </p>
                }).into_any(),
            }}
            <div id="pasted-card"></div>
        </details>
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => json::to_string(other),
    }
}

/// Draw a token's card into the element with id `into` (emptied first; nothing for `None`).
/// `offset`: the issuer's clock minus this computer's, so times read right on a wrong clock.
fn draw_card(into: &str, report: Option<&TokenReport>, offset: i64, pasted: bool) {
    let (Some(parent), Some(report)) = (dom::canvas(into), report) else {
        return;
    };
    let kind = report.kind;
    let (id, title) = match (kind, pasted) {
        (TokenKind::Id, false) => ("id-token", "ID token"),
        (TokenKind::Access, false) => ("access-token", "Access token"),
        (TokenKind::Id, true) => ("pasted-id-token", "Pasted ID token"),
        (TokenKind::Access, true) => ("pasted-access-token", "Pasted access token"),
    };
    let (badge_class, badge) = match &report.verdict {
        Verdict::Valid => ("badge ok", "Verified"),
        Verdict::Pending => ("badge pending", "Not yet verified"),
        Verdict::Rejected(_) => ("badge bad", "Rejected"),
    };
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
    let testid = |part: &str| format!("{id}-{part}");
    let card = dom::add(
        &parent,
        "article",
        &[
            (
                "class",
                if report.rejection().is_some() {
                    "token-card rejected"
                } else {
                    "token-card"
                },
            ),
            ("data-testid", id),
            ("aria-labelledby", &testid("title")),
        ],
        "",
    );
    let head = dom::add(&card, "header", &[("class", "token-head")], "");
    dom::add(&head, "h3", &[("id", &testid("title"))], title);
    dom::add(
        &head,
        "span",
        &[("class", badge_class), ("data-testid", &testid("verdict"))],
        badge,
    );
    if let Some(e) = report.rejection() {
        dom::add(
            &card,
            "p",
            &[("class", "verdict bad"), ("data-testid", &testid("reason"))],
            &format!("Rejected: {e}"),
        );
    }
    dom::add(
        &card,
        "p",
        &[
            ("class", "signature"),
            ("data-testid", &testid("signature")),
        ],
        &signature,
    );
    if let Some(a) = &report.at_hash {
        dom::add(
            &card,
            "p",
            &[("class", "signature"), ("data-testid", &testid("at-hash"))],
            a.describe(),
        );
    }
    let decoded = report.decoded.as_ref().ok();
    if let (TokenKind::Access, Some(scope)) = (kind, decoded.and_then(|j| j.str_claim("scope"))) {
        dom::add(
            &card,
            "p",
            &[("class", "signature"), ("data-testid", &testid("scope"))],
            &crate::api::guard::scope_note(scope),
        );
    }
    if let Some(exp) = decoded.and_then(|j| j.int_claim("exp")) {
        dom::add_time(
            &card,
            "p",
            &[("class", "expiry"), ("data-testid", &testid("expiry"))],
            exp,
            offset,
            true,
        );
    }
    // A table of (name, value, meaning) rows; claims get presenter view's blur and times.
    let table =
        |parent: &web_sys::Element, map: Option<&json::Map<String, Value>>, is_claims: bool| {
            let body = dom::add(parent, "tbody", &[], "");
            for (k, v) in map.into_iter().flatten() {
                let row = dom::add(&body, "tr", &[("data-claim", k)], "");
                let th = dom::add(&row, "th", &[("scope", "row")], "");
                dom::add(&th, "code", &[], k);
                // Presenter view blurs who the person is until clicked (focused).
                let class = if is_claims && is_personal_claim(k) {
                    "value private"
                } else {
                    "value"
                };
                let td = dom::add(&row, "td", &[("class", class), ("tabindex", "0")], "");
                dom::add(&td, "code", &[], &value_text(v));
                if let Some(t) = v.as_i64().filter(|_| is_claims && is_time_claim(k)) {
                    dom::add_time(&td, "span", &[("class", "when")], t, offset, false);
                }
                let meaning = if is_claims {
                    claim_meaning(k, kind)
                } else {
                    header_meaning(k)
                };
                dom::add(&row, "td", &[], meaning);
            }
        };
    let header = dom::add(&card, "details", &[], "");
    dom::add(&header, "summary", &[], "Header");
    table(
        &dom::add(&header, "table", &[("class", "claims")], ""),
        decoded.map(|j| &j.header),
        false,
    );
    let claims = dom::add(
        &card,
        "table",
        &[("class", "claims"), ("data-testid", &testid("claims"))],
        "",
    );
    dom::add(
        &claims,
        "caption",
        &[("class", "visually-hidden")],
        &format!("{title} claims"),
    );
    let head_row = dom::add(&dom::add(&claims, "thead", &[], ""), "tr", &[], "");
    for name in ["Claim", "Value", "What it means"] {
        dom::add(&head_row, "th", &[("scope", "col")], name);
    }
    table(&claims, decoded.map(|j| &j.claims), true);
    dom::add(
        &card,
        "p",
        &[("class", "muted small")],
        &format!("Times allow {CLOCK_LEEWAY_SECS} s of clock difference."),
    );
    let raw = dom::add(&card, "details", &[], "");
    dom::add(&raw, "summary", &[], "Raw token");
    let text = dom::add(
        &raw,
        "p",
        &[
            ("class", "raw-token private"),
            ("tabindex", "0"),
            ("data-testid", &testid("raw")),
        ],
        "",
    );
    match decoded.map(|j| &j.parts) {
        Some([h, p, s]) => {
            dom::add(&text, "span", &[("class", "jwt-header")], h);
            dom::add(&text, "span", &[], ".");
            dom::add(&text, "span", &[("class", "jwt-payload")], p);
            dom::add(&text, "span", &[], ".");
            dom::add(&text, "span", &[("class", "jwt-signature")], s);
        }
        None => {
            dom::add(&text, "span", &[], &report.raw);
        }
    }
    dom::add(
        &raw,
        "button",
        &[
            ("type", "button"),
            ("class", "button secondary"),
            ("data-copy", ".raw-token"),
        ],
        "Copy token",
    );
}

#[component]
fn UserInfo(flow: Flow) -> impl IntoView {
    // The answer, drawn by dom.rs (the div is there while someone is signed in).
    Effect::new(move |_| {
        flow.user_info.with(|a| {
            let Some(root) = dom::canvas("userinfo-answer") else {
                return;
            };
            match a {
                Some(Ok(answer)) => {
                    let json = json::parse(&answer.body).ok();
                    let note = json.as_ref().and_then(string_booleans);
                    let body = json.map_or_else(|| answer.body.clone(), |v| json::to_pretty(&v));
                    dom::add(
                        &root,
                        "p",
                        &[("class", "muted")],
                        &format!("HTTP {}", answer.status),
                    );
                    dom::add(
                        &root,
                        "pre",
                        &[
                            ("class", "json private"),
                            ("tabindex", "0"),
                            ("data-testid", "userinfo-body"),
                        ],
                        &body,
                    );
                    if let Some(n) = note {
                        dom::add(
                            &root,
                            "p",
                            &[("class", "muted small"), ("data-testid", "userinfo-note")],
                            &n,
                        );
                    }
                }
                Some(Err(e)) => {
                    dom::add(
                        &root,
                        "p",
                        &[("class", "status error"), ("role", "alert")],
                        &format!("userInfo could not be reached ({e})"),
                    );
                }
                None => {}
            }
        })
    });
    super::later::shown_when(
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
                    <div id="userinfo-answer"></div>
                </div>
            }
        },
    )
}
