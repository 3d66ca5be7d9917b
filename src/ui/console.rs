//! Stage 4: the dragons API console. Calls `GET/POST /dragons` with the chosen token, shows
//! the dragons, inspects every call, copies it as curl, and runs the 401 lab.

use super::dom;
use super::flow::Flow;
use super::SettingsState;
use crate::api::{self, ApiRequest, Diagnosis, Filter, Guard, Lab, LabHas, NewDragon, LABS};
use crate::config::ApiToken;
use crate::web::api::{send, ApiAnswer};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

/// One call and its answer, for the inspector.
#[derive(Clone, Debug, PartialEq)]
struct Call {
    label: String,
    request: ApiRequest,
    answer: ApiAnswer,
    diagnosis: Diagnosis,
    /// What the answer means for the guard it went through (api::explanation).
    explanation: String,
}

/// The lab button's test id.
fn lab_testid(which: Lab) -> &'static str {
    match which {
        Lab::NoToken => "lab-no-token",
        Lab::IdToken => "lab-id-token",
        Lab::AccessToken => "lab-access-token",
        Lab::Tampered => "lab-tampered-token",
        Lab::Expired => "lab-expired-token",
        Lab::IdOnPost => "lab-id-post",
        Lab::AccessOnPost => "lab-access-post",
        Lab::HttpId => "lab-http-id",
        Lab::HttpAccess => "lab-http-access",
        Lab::HttpExpired => "lab-http-expired",
        Lab::Pasted => "lab-pasted-token",
    }
}

#[component]
pub fn DragonsConsole(settings: SettingsState, flow: Flow, calls: Calls) -> impl IntoView {
    let token_choice = RwSignal::new(None::<ApiToken>);
    // Which API the console's GET and POST go to.
    let guard = RwSignal::new(Guard::Rest);
    // Call with the pasted token instead of the session's.
    let use_pasted = RwSignal::new(false);
    let Calls { last, busy, .. } = calls;
    calls.draw_on_change();

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
        // A session calls the HTTP API it started with; else the configured one.
        http_api: flow
            .with_signed_in(|s| s.session.binding.http_api_base_url.clone())
            .unwrap_or_else(|| settings.config().ok().and_then(|c| c.http_api_base_url)),
    };
    let has_http = move || sources().http_api.is_some();
    // The API a call goes to: the chosen one, the REST API when no HTTP API is configured.
    let chosen_guard = move || {
        if has_http() {
            guard.get()
        } else {
            Guard::Rest
        }
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

    let run = move |label: String, request: ApiRequest, guard: Guard, into_lab: Option<Lab>| {
        busy.set(true);
        spawn_local(async move {
            let answer = send(&request, guard.party(), flow.driver).await;
            let mut diagnosis = api::diagnose(
                guard,
                request.method,
                answer.status,
                &answer.body,
                &answer.headers,
            );
            // The probe reads the REST API's own 403 for a wrong URL.
            if let Some(probe) =
                api::probe_request(&request, &diagnosis).filter(|_| guard == Guard::Rest)
            {
                let probed = send(&probe, guard.party(), flow.driver).await;
                diagnosis = api::after_probe(probed.status, &probed.body);
            }
            let explanation = api::explanation(guard, &request, &diagnosis, &answer.headers);
            let call = Call {
                label,
                request,
                answer,
                diagnosis,
                explanation,
            };
            if let Some(which) = into_lab {
                draw_lab_result(which, &call);
            }
            last.set(Some(call));
            busy.set(false);
        });
    };
    let list = move || {
        let filter = match (
            dom::value("filter-kind").as_str(),
            dom::value("filter-text"),
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
        let guard = untrack(chosen_guard);
        let base = sources.base_for(guard, pasted).unwrap_or_default();
        let request = api::list_request(&base, token.as_deref(), &filter);
        run(
            format!("GET /dragons ({}) with the {which} token", guard.label()),
            request,
            guard,
            None,
        );
    };
    let run_lab = move |which: Lab| {
        let expired = untrack(replaced_id_token);
        let expired = expired.as_ref().map(|(t, _)| t.secret());
        let request = untrack(sources).lab_request(which, expired);
        run(
            format!("401 lab: {}", which.label()),
            request,
            which.guard(),
            Some(which),
        );
    };
    let post = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut dragon = NewDragon::default();
        for (field, _) in REPORT_FIELDS {
            set_field(&mut dragon, field, dom::value(&format!("new-{field}")));
        }
        let problems = dragon.problems();
        show_problems(&problems);
        if problems.is_empty() {
            let sources = untrack(sources);
            let pasted = untrack(pasting);
            let token = sources.call_token(pasted, untrack(chosen));
            let guard = untrack(chosen_guard);
            let base = sources.base_for(guard, pasted).unwrap_or_default();
            let request = api::create_request(&base, token.as_deref(), &dragon);
            let which = if pasted {
                "pasted"
            } else {
                untrack(chosen).as_str()
            };
            run(
                format!("POST /dragons ({}) with the {which} token", guard.label()),
                request,
                guard,
                None,
            );
        }
    };
    // Once the console is on the page: the report's fields.
    Effect::new(|_| draw_report_fields());
    // The lab's buttons, drawn once; what is offered, enabled and checked set as the session
    // changes (one effect instead of a reactive attribute each).
    Effect::new(move |_| {
        let busy = busy.get();
        let (pasted, token) = (has_pasted(), has_token());
        draw_lab(LabHas {
            signed_in: signed_in(),
            pasted,
            expired: replaced_expired(),
            busy,
            http: has_http(),
        });
        let (http, on_http) = (has_http(), chosen_guard() == Guard::Http);
        for (testid, on) in [("api-guard-rest", !on_http), ("api-guard-http", on_http)] {
            if let Some(radio) = dom::by_testid(testid) {
                radio.unchecked_ref::<HtmlInputElement>().set_checked(on);
            }
        }
        if let Some(choice) = dom::by_testid("http-choice") {
            let _ = choice.toggle_attribute_with_force("hidden", !http);
        }
        let (pasting, chosen) = (pasting(), chosen());
        for (testid, on) in [
            ("api-token-id", !pasting && chosen == ApiToken::Id),
            ("api-token-access", !pasting && chosen == ApiToken::Access),
            ("api-token-pasted", pasting),
        ] {
            if let Some(radio) = dom::by_testid(testid) {
                radio.unchecked_ref::<HtmlInputElement>().set_checked(on);
            }
        }
        for (testid, attr, on) in [
            ("pasted-choice", "hidden", !pasted),
            ("console-note", "hidden", token),
            ("get-dragons", "disabled", busy),
            ("post-dragon", "disabled", busy || !token),
        ] {
            if let Some(el) = dom::by_testid(testid) {
                let _ = el.toggle_attribute_with_force(attr, on);
            }
        }
    });
    // Clicks and changes inside the console, by the control's test id (the radios by change,
    // which mouse and keyboard both fire).
    let act = move |target: Option<web_sys::EventTarget>| {
        let Some(testid) = target
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.get_attribute("data-testid"))
        else {
            return;
        };
        match testid.as_str() {
            "get-dragons" => list(),
            "api-token-id" => {
                use_pasted.set(false);
                token_choice.set(Some(ApiToken::Id));
            }
            "api-token-access" => {
                use_pasted.set(false);
                token_choice.set(Some(ApiToken::Access));
            }
            "api-token-pasted" => use_pasted.set(true),
            "api-guard-rest" => guard.set(Guard::Rest),
            "api-guard-http" => guard.set(Guard::Http),
            _ => {
                if let Some(which) = LABS.into_iter().find(|l| lab_testid(*l) == testid) {
                    run_lab(which);
                }
            }
        }
    };

    view! {
        <div class="console" on:click=move |ev| act(ev.target()) on:change=move |ev| act(ev.target())>
            <p class="note" data-testid="console-note" hidden>"Sign in first (or paste a token in stage 3) to call the API with a token; the 401 lab works without one."</p>
            <div class="console-controls">
                <fieldset class="choice inline">
                    <legend>"API"</legend>
                    <label><input type="radio" name="api-guard" data-testid="api-guard-rest" />" REST API (Cognito authorizer)"</label>
                    <label data-testid="http-choice" hidden><input type="radio" name="api-guard" data-testid="api-guard-http" />" HTTP API (JWT authorizer)"</label>
                </fieldset>
                <fieldset class="choice inline">
                    <legend>"Token in Authorization"</legend>
                    <label><input type="radio" name="api-token" data-testid="api-token-id" />" ID token"</label>
                    <label><input type="radio" name="api-token" data-testid="api-token-access" />" Access token"</label>
                    <label data-testid="pasted-choice" hidden><input type="radio" name="api-token" data-testid="api-token-pasted" />" Pasted token"</label>
                </fieldset>
                <label class="inline-field">"Filter "
                    <select data-testid="filter-kind">
                        <option value="all">"all dragons"</option>
                        <option value="name">"dragonName ="</option>
                        <option value="family">"family ="</option>
                    </select>
                </label>
                <input type="text" aria-label="Filter value" data-testid="filter-text" placeholder="e.g. red" />
                <button type="button" class="button primary" data-testid="get-dragons">"GET /dragons"</button>
            </div>
            <div class="results" aria-live="polite" data-testid="results" id="api-results"></div>
            <div id="inspector"></div>
            <section class="lab" aria-labelledby="lab-title">
                <h3 id="lab-title">"The 401 lab"</h3>
                <p class="muted">"Call the dragons API in different ways and see what each guard says: the REST API's Cognito authorizer on GET (no scopes) and POST (scope dragons/write), and the HTTP API's JWT authorizer. An expired token is offered once a refresh has replaced one and it has run out."</p>
                <div class="actions" id="lab-buttons"></div>
                <p class="lab-result" data-testid="lab-result" id="lab-result"></p>
            </section>
            <form class="report" on:submit=post novalidate=true aria-labelledby="report-title">
                <h3 id="report-title">"Report a dragon (POST /dragons)"</h3>
                <div class="report-grid" id="report-fields"></div>
                <button type="submit" class="button primary" data-testid="post-dragon" disabled>
                    "POST /dragons"
                </button>
            </form>
        </div>
    }
}

/// The report's fields (the API's names) and their labels.
const REPORT_FIELDS: [(&str, &str); 8] = [
    ("dragonName", "Name"),
    ("family", "Family"),
    ("description", "Description"),
    ("city", "City"),
    ("state", "State"),
    ("country", "Country"),
    ("neighborhood", "Neighborhood"),
    ("reportingPhoneNumber", "Your phone"),
];

/// The lab's buttons (drawn the first time), each offered and enabled as `api::Lab` says.
fn draw_lab(has: LabHas) {
    let Some(root) = dom::by_id("lab-buttons") else {
        return;
    };
    if root.child_element_count() == 0 {
        for which in LABS {
            let attrs = [
                ("type", "button"),
                ("class", "button secondary"),
                ("data-testid", lab_testid(which)),
            ];
            dom::add(&root, "button", &attrs, which.label());
        }
    }
    let buttons = root.children();
    for (i, which) in LABS.into_iter().enumerate() {
        if let Some(b) = buttons.item(i as u32) {
            let (shown, usable) = which.offered(has);
            let _ = b.toggle_attribute_with_force("hidden", !shown);
            let _ = b.toggle_attribute_with_force("disabled", !usable);
        }
    }
}

/// The report's inputs, each with the place for its problem.
fn draw_report_fields() {
    let Some(grid) = dom::canvas("report-fields") else {
        return;
    };
    for (field, label) in REPORT_FIELDS {
        let l = dom::add(&grid, "label", &[], label);
        let id = format!("new-{field}");
        dom::add(&l, "input", &[("data-testid", &id), ("type", "text")], "");
        dom::add(
            &l,
            "span",
            &[("class", "error"), ("id", &format!("{id}-error"))],
            "",
        );
    }
}

fn draw_lab_result(which: Lab, call: &Call) {
    let Some(p) = dom::canvas("lab-result") else {
        return;
    };
    let status = call
        .answer
        .status
        .map_or("no answer".to_owned(), |s| s.to_string());
    dom::add(&p, "strong", &[], &format!("{}: {status}", which.label()));
    dom::text(&p, &format!(" — {}", which.why()));
}

/// Each field's problem next to it (`aria-invalid` on the field), or none.
fn show_problems(problems: &[(&str, &str)]) {
    for (field, _) in REPORT_FIELDS {
        let id = format!("new-{field}");
        let problem = problems.iter().find(|(f, _)| *f == field).map(|(_, m)| *m);
        if let Some(input) = dom::by_testid(&id) {
            let _ = input.set_attribute("aria-invalid", &problem.is_some().to_string());
        }
        if let Some(span) = dom::by_id(&format!("{id}-error")) {
            span.set_text_content(problem);
        }
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

/// The console's last call, drawn by dom.rs (issue 12's budget: the Leptos views of the results
/// and the inspector were ~5 KB brotli): made once in `ui::start`, so the page's one click
/// listener reaches the inspector's controls.
#[derive(Clone, Copy)]
pub struct Calls {
    last: RwSignal<Option<Call>>,
    busy: RwSignal<bool>,
    /// The inspector's "Show the full token" and "Include the token in curl".
    show_token: StoredValue<bool>,
    with_token: StoredValue<bool>,
}

impl Calls {
    pub fn new() -> Calls {
        Calls {
            last: RwSignal::new(None),
            busy: RwSignal::new(false),
            show_token: StoredValue::new(false),
            with_token: StoredValue::new(false),
        }
    }

    /// Draw the results and the inspector now and after every call (once the console is on
    /// the page).
    fn draw_on_change(self) {
        Effect::new(move |_| {
            let busy = self.busy.get();
            self.last.with(|last| draw_results(busy, last.as_ref()));
            self.draw_inspector();
        });
    }

    fn draw_inspector(self) {
        self.last.with_untracked(|last| {
            draw_inspector(
                last.as_ref(),
                self.show_token.get_value(),
                self.with_token.get_value(),
            )
        });
    }

    /// A click on the page: the inspector's two checkboxes redraw it (focus kept on the box);
    /// "Refresh the tokens" after an expired-token 401 refreshes.
    pub fn clicked(self, target: &Element, flow: Flow) {
        let Some(testid) = target.get_attribute("data-testid") else {
            return;
        };
        let which = match testid.as_str() {
            "show-token" => self.show_token,
            "curl-with-token" => self.with_token,
            "refresh-offer" => return flow.refresh(),
            _ => return,
        };
        which.set_value(target.unchecked_ref::<HtmlInputElement>().checked());
        self.draw_inspector();
        dom::focus(&format!("[data-testid={testid}]"));
    }
}

impl Default for Calls {
    fn default() -> Self {
        Calls::new()
    }
}

fn draw_results(busy: bool, last: Option<&Call>) {
    let Some(root) = dom::canvas("api-results") else {
        return;
    };
    let say = |class: &str, testid: &str, text: &str| {
        dom::add(
            &root,
            "p",
            &[("class", class), ("data-testid", testid)],
            text,
        )
    };
    if busy {
        dom::working(&root, "p", "Calling the API…");
        return;
    }
    let Some(call) = last else {
        say("muted", "no-call", "No call yet.");
        return;
    };
    if let Diagnosis::Dragons(_) = call.diagnosis {
        say("status ok", "call-why", &call.explanation);
    }
    match &call.diagnosis {
        Diagnosis::Dragons(list) if list.is_empty() => {
            say("muted", "no-dragons", "No dragons match.");
        }
        Diagnosis::Dragons(list) => {
            let ul = dom::add(
                &root,
                "ul",
                &[("class", "dragons"), ("data-testid", "dragon-list")],
                "",
            );
            for d in list {
                let li = dom::add(
                    &ul,
                    "li",
                    &[("class", "dragon"), ("data-family", &d.family_str)],
                    "",
                );
                dom::add(&li, "h4", &[], &d.dragon_name_str);
                let family = dom::add(&li, "p", &[("class", "family")], "");
                dom::add(
                    &family,
                    "span",
                    &[("class", "chip"), ("aria-hidden", "true")],
                    "",
                );
                dom::text(&family, &d.family_str);
                let place = [
                    &d.location_neighborhood_str,
                    &d.location_city_str,
                    &d.location_state_str,
                    &d.location_country_str,
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ");
                dom::add(&li, "p", &[("class", "where")], &place);
                dom::add(&li, "p", &[], &d.description_str);
            }
        }
        d => {
            let ok = *d == Diagnosis::Accepted;
            say(
                if ok { "status ok" } else { "status error" },
                "diagnosis",
                &call.explanation,
            );
            if *d == Diagnosis::Expired {
                dom::add(
                    &root,
                    "button",
                    &[
                        ("type", "button"),
                        ("class", "button primary"),
                        ("data-testid", "refresh-offer"),
                    ],
                    "Refresh the tokens",
                );
            }
        }
    }
}

fn draw_inspector(last: Option<&Call>, show_token: bool, with_token: bool) {
    let Some(root) = dom::canvas("inspector") else {
        return;
    };
    let Some(call) = last else {
        return;
    };
    let details = dom::add(
        &root,
        "details",
        &[
            ("class", "inspector"),
            ("open", ""),
            ("data-testid", "inspector"),
        ],
        "",
    );
    dom::add(
        &details,
        "summary",
        &[],
        &format!("Inspector: {}", call.label),
    );
    let dl = dom::add(&details, "dl", &[("class", "facts")], "");
    let fact = |name: &str, value: &str, code: bool, testid: &str| {
        dom::fact(&dl, name, value, code, testid)
    };
    let request = &call.request;
    fact(
        "Request",
        &format!("{} {}", request.method, request.url),
        true,
        "inspector-request",
    );
    for (k, v) in &request.headers {
        let hidden = k.eq_ignore_ascii_case("authorization") && !show_token;
        let v = if hidden {
            api::shorten_token(v)
        } else {
            v.clone()
        };
        fact(k, &v, true, "");
    }
    let answer = &call.answer;
    let status = match (answer.status, &answer.failure) {
        (Some(s), _) => s.to_string(),
        (None, Some(f)) => format!("no answer ({f})"),
        (None, None) => "no answer".into(),
    };
    fact("Status", &status, false, "inspector-status");
    fact(
        "Time",
        &format!("{} ms", answer.elapsed_ms),
        false,
        "inspector-time",
    );
    for (k, v) in &answer.headers {
        fact(k, v, true, "");
    }
    let pretty = crate::json::parse(&answer.body)
        .ok()
        .map(|v| crate::json::to_pretty(&v))
        .unwrap_or_else(|| answer.body.clone());
    // API Gateway's 403 for a wrong URL echoes the token: masked unless revealed.
    let body = match (request.authorization(), show_token) {
        (Some(a), false) => api::mask_token(&pretty, a),
        _ => pretty,
    };
    dom::add(
        &details,
        "pre",
        &[("class", "json"), ("data-testid", "inspector-body")],
        &body,
    );
    let actions = dom::add(&details, "div", &[("class", "actions")], "");
    for (testid, on, words) in [
        ("show-token", show_token, " Show the full token"),
        ("curl-with-token", with_token, " Include the token in curl"),
    ] {
        let label = dom::add(&actions, "label", &[], "");
        let mut attrs = vec![("type", "checkbox"), ("data-testid", testid)];
        if on {
            attrs.push(("checked", ""));
        }
        dom::add(&label, "input", &attrs, "");
        dom::text(&label, words);
    }
    dom::add(
        &details,
        "pre",
        &[("class", "curl"), ("data-testid", "curl")],
        &api::curl_command(request, with_token),
    );
    dom::add(
        &details,
        "button",
        &[
            ("type", "button"),
            ("class", "button secondary"),
            ("data-copy", ".curl"),
        ],
        "Copy as curl",
    );
}
