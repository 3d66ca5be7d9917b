//! Stage 4: the dragons API console. Calls `GET/POST /dragons` with the chosen token, shows
//! the dragons, inspects every call, copies it as curl, and runs the 401 lab.

use super::flow::Flow;
use super::SettingsState;
use crate::api::{self, ApiRequest, Diagnosis, Filter, NewDragon};
use crate::config::ApiToken;
use crate::web::api::{send, ApiAnswer};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// One call and its answer, for the inspector.
#[derive(Clone, Debug, PartialEq)]
struct Call {
    label: String,
    request: ApiRequest,
    answer: ApiAnswer,
    diagnosis: Diagnosis,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lab {
    NoToken,
    IdToken,
    AccessToken,
    Tampered,
    Expired,
    Pasted,
}

impl Lab {
    fn label(self) -> &'static str {
        match self {
            Lab::NoToken => "No token",
            Lab::IdToken => "ID token",
            Lab::AccessToken => "Access token",
            Lab::Tampered => "Tampered token",
            Lab::Expired => "Expired token",
            Lab::Pasted => "Pasted token",
        }
    }

    fn why(self) -> &'static str {
        match self {
            Lab::NoToken => "No Authorization header: the authorizer refuses before the API runs.",
            Lab::IdToken => "REST API Cognito authorizers on methods without OAuth scopes expect the ID token.",
            Lab::AccessToken => "REST API Cognito authorizers with no OAuth scopes accept only ID tokens; the access token is for methods with scopes.",
            Lab::Tampered => "One claim changed (cognito:username set to admin), the signature kept: it no longer matches, so the token is refused.",
            Lab::Expired => "The ID token a refresh replaced, now past its exp: a genuine token, refused only for its age. Refresh before exp.",
            Lab::Pasted => "The token you pasted, as API Gateway's authorizer sees it: an ID token of this pool and client passes a method without scopes; an access token, an expired token or one from another pool or client does not.",
        }
    }
}

#[component]
pub fn DragonsConsole(settings: SettingsState, flow: Flow) -> impl IntoView {
    let token_choice = RwSignal::new(None::<ApiToken>);
    // Call with the pasted token instead of the session's.
    let use_pasted = RwSignal::new(false);
    let filter_kind = RwSignal::new("all".to_owned());
    let filter_text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let last = RwSignal::new(None::<Call>);
    let lab = RwSignal::new(None::<(Lab, Call)>);
    let new_dragon = RwSignal::new(NewDragon::default());
    let post_problems = RwSignal::new(Vec::<(&'static str, &'static str)>::new());

    let has_pasted = move || flow.has_pasted_token();
    let pasting = move || use_pasted.get() && has_pasted();
    // What a call can use, read when it is made (api::CallSources decides which).
    let sources = move || api::CallSources {
        session: flow.with_signed_in(|s| {
            (
                s.session.id_token.secret().to_owned(),
                s.session.access_token.secret().to_owned(),
                s.session.binding.api_base_url.clone(),
            )
        }),
        pasted: flow.with_pasted(|p| (p.report.raw.clone(), p.binding.api_base_url.clone())),
        configured_api: settings.config().ok().map(|c| c.api_base_url),
    };
    let chosen = move || {
        token_choice
            .get()
            .or_else(|| settings.config().ok().map(|c| c.api_token))
            .unwrap_or(ApiToken::Id)
    };
    let signed_in = move || flow.is_signed_in();
    let has_token = move || signed_in() || has_pasted();
    let replaced_id_token = move || {
        flow.with_signed_in(|s| {
            s.replaced_id_token
                .clone()
                .map(|t| (t, s.session.clock_offset))
        })
        .flatten()
    };
    // Offered once a refresh has replaced an ID token and that token's exp has passed.
    let replaced_expired = move || {
        let now = flow.now.get();
        replaced_id_token().is_some_and(|(t, offset)| api::has_expired(t.secret(), now + offset))
    };

    let run = move |label: String, request: ApiRequest, into_lab: Option<Lab>| {
        busy.set(true);
        spawn_local(async move {
            let answer = send(&request).await;
            let mut diagnosis = api::classify(request.method, answer.status, &answer.body);
            if let Some(probe) = api::probe_request(&request, &diagnosis) {
                let probed = send(&probe).await;
                diagnosis = api::after_probe(probed.status, &probed.body);
            }
            let call = Call {
                label,
                request,
                answer,
                diagnosis,
            };
            if let Some(which) = into_lab {
                lab.set(Some((which, call.clone())));
            }
            last.set(Some(call));
            busy.set(false);
        });
    };
    let list = move || {
        let filter = match (
            filter_kind.get_untracked().as_str(),
            filter_text.get_untracked(),
        ) {
            (_, t) if t.trim().is_empty() => Filter::All,
            ("name", t) => Filter::Name(t),
            ("family", t) => Filter::Family(t),
            _ => Filter::All,
        };
        let which = if untrack(pasting) {
            "pasted"
        } else {
            chosen().as_str()
        };
        let sources = untrack(sources);
        let pasted = untrack(pasting);
        let token = sources.call_token(pasted, untrack(chosen));
        let request = api::list_request(&sources.api_base(pasted), token.as_deref(), &filter);
        run(
            format!("GET /dragons with the {which} token"),
            request,
            None,
        );
    };
    let run_lab = move |which: Lab| {
        let sources = untrack(sources);
        let token = match which {
            Lab::NoToken => None,
            Lab::IdToken => sources.session_token(ApiToken::Id),
            Lab::AccessToken => sources.session_token(ApiToken::Access),
            Lab::Tampered => sources
                .session_token(ApiToken::Id)
                .or_else(|| sources.pasted_token())
                .and_then(|t| api::tamper(&t)),
            Lab::Expired => untrack(replaced_id_token).map(|(t, _)| t.secret().to_owned()),
            Lab::Pasted => sources.pasted_token(),
        };
        let base = sources.api_base(which == Lab::Pasted);
        let request = api::list_request(&base, token.as_deref(), &Filter::All);
        run(format!("401 lab: {}", which.label()), request, Some(which));
    };
    let post = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let dragon = new_dragon.get_untracked();
        let problems = dragon.problems();
        post_problems.set(problems.clone());
        if problems.is_empty() {
            let sources = untrack(sources);
            let pasted = untrack(pasting);
            let token = sources.call_token(pasted, untrack(chosen));
            let request = api::create_request(&sources.api_base(pasted), token.as_deref(), &dragon);
            run("POST /dragons".into(), request, None);
        }
    };

    view! {
        <div class="console">
            {super::shown_when(move || !has_token(), || view! {
                <p class="note">"Sign in first (or paste a token in stage 3) to call the API with a token; the 401 lab works without one."</p>
            })}
            <div class="console-controls">
                <fieldset class="choice inline">
                    <legend>"Token in Authorization"</legend>
                    <label><input type="radio" name="api-token" data-testid="api-token-id"
                        prop:checked=move || !pasting() && chosen() == ApiToken::Id
                        on:change=move |_| { use_pasted.set(false); token_choice.set(Some(ApiToken::Id)) } />" ID token"</label>
                    <label><input type="radio" name="api-token" data-testid="api-token-access"
                        prop:checked=move || !pasting() && chosen() == ApiToken::Access
                        on:change=move |_| { use_pasted.set(false); token_choice.set(Some(ApiToken::Access)) } />" Access token"</label>
                    <label hidden=move || !has_pasted()><input type="radio" name="api-token" data-testid="api-token-pasted"
                        prop:checked=pasting
                        on:change=move |_| use_pasted.set(true) />" Pasted token"</label>
                </fieldset>
                <label class="inline-field">"Filter "
                    <select data-testid="filter-kind" on:change=move |ev| filter_kind.set(event_target_value(&ev))>
                        <option value="all">"all dragons"</option>
                        <option value="name">"dragonName ="</option>
                        <option value="family">"family ="</option>
                    </select>
                </label>
                <input type="text" aria-label="Filter value" data-testid="filter-text" placeholder="e.g. red"
                    prop:value=move || filter_text.get() on:input=move |ev| filter_text.set(event_target_value(&ev)) />
                <button type="button" class="button primary" data-testid="get-dragons"
                    disabled=move || busy.get() on:click=move |_| list()>"GET /dragons"</button>
            </div>
            <Results last busy flow />
            <Inspector last />
            <section class="lab" aria-labelledby="lab-title">
                <h3 id="lab-title">"The 401 lab"</h3>
                <p class="muted">"Call GET /dragons in different ways and see what API Gateway's Cognito authorizer says (an expired token is offered once a refresh has replaced one and it has run out)."</p>
                <div class="actions">
                    {[Lab::NoToken, Lab::IdToken, Lab::AccessToken, Lab::Tampered, Lab::Expired, Lab::Pasted].into_iter().map(|which| view! {
                        <button type="button" class="button secondary" data-testid=format!("lab-{}", which.label().to_ascii_lowercase().replace(' ', "-"))
                            hidden=move || (which == Lab::Expired && !replaced_expired()) || (which == Lab::Pasted && !has_pasted())
                            disabled=move || busy.get() || match which {
                                Lab::NoToken => false,
                                Lab::Tampered => !has_token(),
                                Lab::Pasted => !has_pasted(),
                                _ => !signed_in(),
                            }
                            on:click=move |_| run_lab(which)>{which.label()}</button>
                    }).collect_view()}
                </div>
                {move || lab.get().map(|(which, call)| view! {
                    <p class="lab-result" data-testid="lab-result">
                        <strong>{format!("{}: {}", which.label(), call.answer.status.map_or("no answer".to_owned(), |s| s.to_string()))}</strong>
                        " — " {which.why()}
                    </p>
                })}
            </section>
            <form class="report" on:submit=post novalidate=true aria-labelledby="report-title">
                <h3 id="report-title">"Report a dragon (POST /dragons)"</h3>
                <div class="report-grid">
                    {[
                        ("dragonName", "Name"), ("family", "Family"), ("description", "Description"),
                        ("city", "City"), ("state", "State"), ("country", "Country"),
                        ("neighborhood", "Neighborhood"), ("reportingPhoneNumber", "Your phone"),
                    ].into_iter().map(|(field, label)| {
                        let id = format!("new-{field}");
                        let problem = move || post_problems.get().iter().find(|(f, _)| *f == field).map(|(_, m)| *m);
                        view! {
                            <label>{label}
                                <input data-testid=id type="text"
                                    aria-invalid=move || problem().is_some().to_string()
                                    on:input=move |ev| { let v = event_target_value(&ev); new_dragon.update(|d| set_field(d, field, v)) } />
                                <span class="error">{problem}</span>
                            </label>
                        }
                    }).collect_view()}
                </div>
                <button type="submit" class="button primary" data-testid="post-dragon" disabled=move || busy.get() || !has_token()>
                    "POST /dragons"
                </button>
            </form>
        </div>
    }
}

fn set_field(d: &mut NewDragon, field: &str, v: String) {
    match field {
        "dragonName" => d.dragon_name = v,
        "family" => d.family = v,
        "description" => d.description = v,
        "city" => d.city = v,
        "state" => d.state = v,
        "country" => d.country = v,
        "neighborhood" => d.neighborhood = v,
        "reportingPhoneNumber" => d.reporting_phone_number = v,
        _ => {}
    }
}

#[component]
fn Results(last: RwSignal<Option<Call>>, busy: RwSignal<bool>, flow: Flow) -> impl IntoView {
    view! {
        <div class="results" aria-live="polite" data-testid="results">
            {move || {
                if busy.get() {
                    return view! { <p class="status working"><span class="spinner" aria-hidden="true"></span>"Calling the API…"</p> }.into_any();
                }
                match last.get().map(|c| c.diagnosis) {
                    None => view! { <p class="muted">"No call yet."</p> }.into_any(),
                    Some(Diagnosis::Dragons(list)) if list.is_empty() => view! {
                        <p class="muted" data-testid="no-dragons">"No dragons match."</p>
                    }.into_any(),
                    Some(Diagnosis::Dragons(list)) => view! {
                        <ul class="dragons" data-testid="dragon-list">
                            {list.into_iter().map(|d| { let family = d.family_str.clone(); view! {
                                <li class="dragon" data-family=family>
                                    <h4>{d.dragon_name_str}</h4>
                                    <p class="family"><span class="chip" aria-hidden="true"></span>{d.family_str}</p>
                                    <p class="where">{[d.location_neighborhood_str, d.location_city_str, d.location_state_str, d.location_country_str]
                                        .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")}</p>
                                    <p>{d.description_str}</p>
                                </li>
                            }}).collect_view()}
                        </ul>
                    }.into_any(),
                    Some(d) => {
                        let expired = d == Diagnosis::Expired;
                        let ok = d == Diagnosis::Accepted;
                        view! {
                            <p class=if ok { "status ok" } else { "status error" } data-testid="diagnosis">{d.explain()}</p>
                            {expired.then(|| view! {
                                <button type="button" class="button primary" data-testid="refresh-offer"
                                    on:click=move |_| flow.refresh()>"Refresh the tokens"</button>
                            })}
                        }.into_any()
                    }
                }
            }}
        </div>
    }
}

#[component]
fn Inspector(last: RwSignal<Option<Call>>) -> impl IntoView {
    let show_token = RwSignal::new(false);
    let with_token = RwSignal::new(false);
    view! {
        {move || last.get().map(|call| {
            let curl = api::curl_command(&call.request, with_token.get());
            let pretty = crate::json::parse(&call.answer.body)
                .ok()
                .map(|v| crate::json::to_pretty(&v))
                .unwrap_or_else(|| call.answer.body.clone());
            // API Gateway's 403 for a wrong URL echoes the token: masked unless revealed.
            let authorization = call.request.authorization().map(str::to_owned);
            let body = move || match (&authorization, show_token.get()) {
                (Some(a), false) => api::mask_token(&pretty, a),
                _ => pretty.clone(),
            };
            let status = match (call.answer.status, &call.answer.failure) {
                (Some(s), _) => s.to_string(),
                (None, Some(f)) => format!("no answer ({f})"),
                (None, None) => "no answer".into(),
            };
            let copy_text = curl.clone();
            view! {
                <details class="inspector" open=true data-testid="inspector">
                    <summary>{format!("Inspector: {}", call.label)}</summary>
                    <dl class="facts">
                        <dt>"Request"</dt><dd><code>{format!("{} {}", call.request.method, call.request.url)}</code></dd>
                        {call.request.headers.iter().map(|(k, v)| {
                            let is_token = k.eq_ignore_ascii_case("authorization");
                            let full = v.clone();
                            let short = api::shorten_token(v);
                            view! {
                                <dt>{k.clone()}</dt>
                                <dd><code>{move || if is_token && !show_token.get() { short.clone() } else { full.clone() }}</code></dd>
                            }
                        }).collect_view()}
                        <dt>"Status"</dt><dd data-testid="inspector-status">{status}</dd>
                        <dt>"Time"</dt><dd>{format!("{} ms", call.answer.elapsed_ms)}</dd>
                        {call.answer.headers.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd><code>{v.clone()}</code></dd> }).collect_view()}
                    </dl>
                    <pre class="json" data-testid="inspector-body">{body}</pre>
                    <div class="actions">
                        <label><input type="checkbox" data-testid="show-token" prop:checked=move || show_token.get() on:change=move |ev| show_token.set(event_target_checked(&ev)) />" Show the full token"</label>
                        <label><input type="checkbox" data-testid="curl-with-token" prop:checked=move || with_token.get() on:change=move |ev| with_token.set(event_target_checked(&ev)) />" Include the token in curl"</label>
                    </div>
                    <pre class="curl" data-testid="curl">{curl}</pre>
                    <button type="button" class="button secondary" on:click=move |_| {
                        crate::web::copy_to_clipboard(&copy_text);
                    }>"Copy as curl"</button>
                </details>
            }
        })}
    }
}
