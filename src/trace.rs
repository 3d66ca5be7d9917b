//! The session drawn as a sequence diagram (issue 13): who sent what to whom, in order, from the
//! requests and redirects that really happened. Pure: the shell reports each navigation,
//! callback, request and answer; this decides the parties, the labels and what is masked.
//!
//! Tokens never leave this module whole unless the person reveals them: [`mask_tokens`] cuts
//! every JWT (and Cognito's JWE refresh token) down to its first characters, and the copy kept
//! in storage for the next page load is masked.

use crate::auth::jwt;
use crate::json::{self, Value};

/// The diagram's lifelines, left to right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    Browser,
    App,
    HostedUi,
    TokenEndpoint,
    Jwks,
    UserInfo,
    Api,
    /// The HTTP API (JWT authorizer): its own party, last so saved traces keep their columns.
    HttpApi,
}

pub const PARTIES: [Party; 8] = [
    Party::Browser,
    Party::App,
    Party::HostedUi,
    Party::TokenEndpoint,
    Party::Jwks,
    Party::UserInfo,
    Party::Api,
    Party::HttpApi,
];

impl Party {
    pub fn name(self) -> &'static str {
        match self {
            Party::Browser => "Browser",
            Party::App => "This app",
            Party::HostedUi => "Hosted UI",
            Party::TokenEndpoint => "Token endpoint",
            Party::Jwks => "JWKS",
            Party::UserInfo => "userInfo",
            Party::Api => "Dragons API",
            Party::HttpApi => "HTTP API",
        }
    }

    /// Its column, from 0 at the left.
    pub fn column(self) -> usize {
        self as usize
    }

    fn from_column(i: u64) -> Party {
        PARTIES[(i as usize).min(PARTIES.len() - 1)]
    }
}

/// Who answers a URL, by its path: Cognito's paths are fixed, anything else is the API.
pub fn party_of(url: &str) -> Party {
    let path = path_of(url);
    if path.ends_with("/oauth2/token") || path.ends_with("/oauth2/revoke") {
        Party::TokenEndpoint
    } else if path.ends_with("/jwks.json") {
        Party::Jwks
    } else if path.ends_with("/oauth2/userInfo") {
        Party::UserInfo
    } else if path.ends_with("/oauth2/authorize") || path.ends_with("/logout") {
        Party::HostedUi
    } else {
        Party::Api
    }
}

/// `https://host/a/b?x#y` → `/a/b`.
fn path_of(url: &str) -> &str {
    let no_query = url.split(['?', '#']).next().unwrap_or("");
    let after_scheme = no_query.split_once("://").map_or(no_query, |(_, r)| r);
    after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
}

/// One arrow, and the dashed one back when its answer came.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub from: Party,
    pub to: Party,
    /// What travelled, in a few words: `POST /oauth2/token (authorization_code)`.
    pub label: String,
    /// The request (or redirect) exactly as sent: the method and URL, headers, a blank line
    /// and the body.
    pub request: String,
    /// The answer's status (`200`, `401`, `no answer`) once it came; redirects have none.
    pub status: Option<String>,
    /// The answer's body (or why there was none).
    pub answer: Option<String>,
}

/// This session's arrows, and the last sign-in of the other flow (for the lesson that compares
/// the code flow with the implicit flow).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trace {
    pub arrows: Vec<Arrow>,
    pub other: Vec<Arrow>,
    /// Requests on their way: (request id, index of its arrow).
    waiting: Vec<(u64, usize)>,
}

/// The flow a trace's sign-in used (`code` or `implicit`, from its authorize URL), if it
/// starts with one.
pub fn flow_of(arrows: &[Arrow]) -> Option<&'static str> {
    let url = arrows.first()?.request.lines().next()?;
    if !url.contains("/oauth2/authorize?") {
        None
    } else if url.contains("response_type=code") {
        Some("code")
    } else {
        Some("implicit")
    }
}

impl Trace {
    /// The browser was sent to `url` (the Hosted UI's authorize or logout). A sign-in starts
    /// a new trace; the one before is kept as the other flow's if it was.
    pub fn navigated(&mut self, url: &str) {
        let to = party_of(url);
        let path = path_of(url);
        let mut label = format!("GET {path}");
        if path.ends_with("/oauth2/authorize") {
            let earlier = std::mem::take(&mut self.arrows);
            self.waiting.clear();
            let code = url.contains("response_type=code");
            let flow = if code { "code" } else { "implicit" };
            // The lesson compares the two flows: the other one's last sign-in is kept.
            if flow_of(&earlier).is_some_and(|f| f != flow) {
                self.other = earlier;
            }
            label.push_str(if code {
                " (response_type=code, PKCE)"
            } else {
                " (response_type=token)"
            });
        }
        self.push(Party::Browser, to, label, format!("GET {url}"));
    }

    /// The page loaded as the Hosted UI's redirect back, with these parameters (query or
    /// fragment): the redirect, then the app reading (and wiping) it.
    pub fn called_back(&mut self, pairs: &[(String, String)]) {
        let fragment = pairs
            .iter()
            .any(|(k, _)| k == "id_token" || k == "access_token");
        let names: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        let sep = if fragment { '#' } else { '?' };
        let mut form = crate::codec::Form::new();
        for (k, v) in pairs {
            form = form.pair(k, v);
        }
        self.push(
            Party::HostedUi,
            Party::Browser,
            format!("302 back: {sep}{}", names.join(", ")),
            format!("302 Found\nLocation: (this page){sep}{}", form.finish()),
        );
        self.push(
            Party::Browser,
            Party::App,
            format!("page loads: {sep} read, checked, wiped"),
            "The app reads the parameters, checks state against the pending sign-in and \
             replaces the address (history.replaceState) before anything renders."
                .into(),
        );
    }

    /// A request went out (from the app): `id` finds its answer later.
    pub fn sent(
        &mut self,
        id: u64,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) {
        self.sent_to(id, party_of(url), method, url, headers, body);
    }

    /// [`Trace::sent`] to a party the URL cannot tell (the HTTP API's `/dragons` looks like
    /// the REST API's).
    pub fn sent_to(
        &mut self,
        id: u64,
        to: Party,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) {
        let path = path_of(url);
        let mut label = format!("{method} {path}");
        if let Some(grant) = body.and_then(|b| {
            crate::codec::form_pairs(b)
                .into_iter()
                .find(|(k, _)| k == "grant_type")
        }) {
            label.push_str(&format!(" ({})", grant.1));
        }
        let mut request = format!("{method} {url}");
        for (k, v) in headers {
            request.push_str(&format!("\n{k}: {v}"));
        }
        if let Some(body) = body {
            request.push_str("\n\n");
            request.push_str(body);
        }
        self.waiting.push((id, self.arrows.len()));
        self.push(Party::App, to, label, request);
    }

    /// The answer to request `id`: its status and body, or (no status) why none came.
    pub fn answered(&mut self, id: u64, status: Option<u16>, body: &str) {
        let Some(at) = self.waiting.iter().position(|(w, _)| *w == id) else {
            return;
        };
        let (_, index) = self.waiting.swap_remove(at);
        if let Some(arrow) = self.arrows.get_mut(index) {
            arrow.status = Some(status.map_or("no answer".into(), |s| s.to_string()));
            arrow.answer = Some(body.to_owned());
        }
    }

    fn push(&mut self, from: Party, to: Party, label: String, request: String) {
        self.arrows.push(Arrow {
            from,
            to,
            label,
            request,
            status: None,
            answer: None,
        });
    }

    /// The trace to keep for the next page load (sessionStorage), every token masked.
    pub fn to_json(&self) -> String {
        let list = |arrows: &[Arrow]| {
            Value::Array(
                arrows
                    .iter()
                    .map(|a| {
                        json::build([
                            ("from", Value::from(a.from.column())),
                            ("to", Value::from(a.to.column())),
                            ("label", Value::from(a.label.as_str())),
                            ("request", Value::from(mask_tokens(&a.request))),
                            ("status", a.status.as_deref().into()),
                            ("answer", a.answer.as_deref().map(mask_tokens).into()),
                        ])
                    })
                    .collect(),
            )
        };
        json::to_string(&json::build([
            ("arrows", list(&self.arrows)),
            ("other", list(&self.other)),
        ]))
    }

    /// What [`Trace::to_json`] wrote; anything else is an empty trace.
    pub fn from_json(text: &str) -> Trace {
        let value = json::parse(text).unwrap_or(Value::Null);
        let list = |key: &str| -> Vec<Arrow> {
            let Some(items) = value.get(key).and_then(Value::as_array) else {
                return Vec::new();
            };
            items
                .iter()
                .filter_map(|a| {
                    let text = |k: &str| a.get(k).and_then(Value::as_str).map(str::to_owned);
                    Some(Arrow {
                        from: Party::from_column(a.get("from")?.as_u64()?),
                        to: Party::from_column(a.get("to")?.as_u64()?),
                        label: text("label")?,
                        request: text("request")?,
                        status: text("status"),
                        answer: text("answer"),
                    })
                })
                .collect()
        };
        Trace {
            arrows: list("arrows"),
            other: list("other"),
            waiting: Vec::new(),
        }
    }
}

/// Keep this many characters of a token when it is masked.
const SHOWN: usize = 12;

/// `text` with every token replaced by what `swap` makes of it: each JWT or JWE (`eyJ…` and
/// two or four dots), then each opaque refresh token (the local stack's; Cognito's are JWE)
/// where one stands: the `refresh_token` JSON field and form field, a revoke's `token`.
fn replace_tokens(text: &str, swap: &mut dyn FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("eyJ") {
        let run = rest[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .map_or(rest.len() - start, |n| n);
        let token = &rest[start..start + run];
        out.push_str(&rest[..start]);
        if token.matches('.').count() >= 2 {
            out.push_str(&swap(token));
        } else {
            out.push_str(token);
        }
        rest = &rest[start + run..];
    }
    out.push_str(rest);

    let (text, mut out) = (out, String::new());
    let mut rest = text.as_str();
    while let Some((start, len)) = next_refresh_value(rest) {
        let value = &rest[start..start + len];
        out.push_str(&rest[..start]);
        // Empty, or a JWE already replaced above.
        if value.is_empty() || value.starts_with('[') || value.starts_with("eyJ") {
            out.push_str(value);
        } else {
            out.push_str(&swap(value));
        }
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Where the next refresh token value in `text` starts, and its length.
fn next_refresh_value(text: &str) -> Option<(usize, usize)> {
    let mut first: Option<usize> = None;
    for marker in ["\"refresh_token\":\"", "refresh_token=", "token="] {
        let mut from = 0;
        while let Some(i) = text[from..].find(marker).map(|i| i + from) {
            // A revoke's `token=` opens the body or follows `&` (not `id_token=`).
            if marker != "token=" || i == 0 || matches!(text.as_bytes()[i - 1], b'&' | b'\n') {
                let start = i + marker.len();
                first = Some(first.map_or(start, |f| f.min(start)));
                break;
            }
            from = i + 1;
        }
    }
    let start = first?;
    let len = text[start..]
        .find(['"', '&', '\n', ' '])
        .unwrap_or(text.len() - start);
    Some((start, len))
}

/// `text` with every token cut to its first characters.
pub fn mask_tokens(text: &str) -> String {
    replace_tokens(text, &mut |token| {
        format!(
            "{}…[{} characters masked]",
            token.get(..SHOWN).unwrap_or(""),
            token.len().saturating_sub(SHOWN)
        )
    })
}

/// The tokens met while exporting: each decoded once, referred to by its number.
#[derive(Default)]
struct Decoded {
    seen: Vec<String>,
    listed: Vec<Value>,
}

impl Decoded {
    fn swap(&mut self, text: &str) -> String {
        replace_tokens(text, &mut |token| {
            if token.matches('.').count() != 2 {
                return format!("[a refresh token ({} characters), left out]", token.len());
            }
            let n = match self.seen.iter().position(|t| t == token) {
                Some(i) => i + 1,
                None => {
                    self.seen.push(token.to_owned());
                    let n = self.seen.len();
                    self.listed.push(match jwt::decode(token) {
                        Ok(d) => json::build([
                            ("token", Value::from(n)),
                            ("header", Value::Object(d.header)),
                            ("claims", Value::Object(d.claims)),
                            ("signature", json::s("removed")),
                        ]),
                        Err(e) => json::build([
                            ("token", Value::from(n)),
                            ("undecodable", Value::from(e.to_string())),
                        ]),
                    });
                    n
                }
            };
            format!("[token {n}: decoded under \"tokens\", signature removed]")
        })
    }

    fn steps(&mut self, list: &[Arrow]) -> Value {
        Value::Array(
            list.iter()
                .enumerate()
                .map(|(i, a)| {
                    json::build([
                        ("step", Value::from(i + 1)),
                        ("from", json::s(a.from.name())),
                        ("to", json::s(a.to.name())),
                        ("what", json::s(&a.label)),
                        ("request", Value::from(self.swap(&a.request))),
                        ("status", json::opt(a.status.as_deref())),
                        ("answer", a.answer.as_deref().map(|t| self.swap(t)).into()),
                    ])
                })
                .collect(),
        )
    }
}

impl Trace {
    /// The session as a file for students (issue 13), JSON: what happened (`timeline`, in
    /// words) and every step with its exact request and answer, each JWT replaced by a
    /// reference to its decoded header and claims (listed once under `tokens`, signature
    /// removed) and each refresh token left out. No whole token, no signature.
    pub fn export(&self, timeline: &[String]) -> String {
        let mut decoded = Decoded::default();
        let steps = decoded.steps(&self.arrows);
        let other = decoded.steps(&self.other);
        json::to_pretty(&json::build([
            (
                "exported_by",
                json::s("dragons-login: the Amazon Cognito Hosted UI login flow, step by step"),
            ),
            ("flow", json::opt(flow_of(&self.arrows))),
            ("timeline", timeline.iter().map(|t| json::s(t)).collect()),
            ("steps", steps),
            ("other_flow_steps", other),
            ("tokens", Value::Array(decoded.listed)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTH: &str = "https://dragons.auth.us-east-1.amazoncognito.com";
    const JWT: &str =
        "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJhYmMifQ.c2lnbmF0dXJlc2lnbmF0dXJl";

    fn code_sign_in(t: &mut Trace) {
        t.navigated(&format!(
            "{AUTH}/oauth2/authorize?response_type=code&client_id=c1&state=s1&code_challenge_method=S256&code_challenge=ch"
        ));
        t.called_back(&[
            ("code".into(), "a1b2".into()),
            ("state".into(), "s1".into()),
        ]);
        t.sent(
            1,
            "POST",
            &format!("{AUTH}/oauth2/token"),
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some("grant_type=authorization_code&code=a1b2&code_verifier=v"),
        );
        t.sent(
            2,
            "GET",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X/.well-known/jwks.json",
            &[],
            None,
        );
        // Answers come back in any order.
        t.answered(2, Some(200), r#"{"keys":[]}"#);
        t.answered(1, Some(200), &format!(r#"{{"id_token":"{JWT}"}}"#));
    }

    #[test]
    fn a_code_flow_sign_in_draws_its_arrows_in_order_between_the_right_parties() {
        let mut t = Trace::default();
        code_sign_in(&mut t);
        t.sent(
            7,
            "GET",
            "https://api.example/prod/dragons",
            &[("Authorization", JWT)],
            None,
        );
        t.answered(7, Some(401), r#"{"message":"Unauthorized"}"#);
        let drawn: Vec<(Party, Party, &str, Option<&str>)> = t
            .arrows
            .iter()
            .map(|a| (a.from, a.to, a.label.as_str(), a.status.as_deref()))
            .collect();
        assert_eq!(
            drawn,
            [
                (
                    Party::Browser,
                    Party::HostedUi,
                    "GET /oauth2/authorize (response_type=code, PKCE)",
                    None
                ),
                (
                    Party::HostedUi,
                    Party::Browser,
                    "302 back: ?code, state",
                    None
                ),
                (
                    Party::Browser,
                    Party::App,
                    "page loads: ? read, checked, wiped",
                    None
                ),
                (
                    Party::App,
                    Party::TokenEndpoint,
                    "POST /oauth2/token (authorization_code)",
                    Some("200")
                ),
                (
                    Party::App,
                    Party::Jwks,
                    "GET /us-east-1_X/.well-known/jwks.json",
                    Some("200")
                ),
                (Party::App, Party::Api, "GET /prod/dragons", Some("401")),
            ]
        );
        assert!(t.arrows[0].request.contains("code_challenge=ch"));
        assert_eq!(
            t.arrows[1].request,
            "302 Found\nLocation: (this page)?code=a1b2&state=s1"
        );
        assert!(t.arrows[3]
            .request
            .ends_with("\n\ngrant_type=authorization_code&code=a1b2&code_verifier=v"));
        assert!(t.arrows[5]
            .request
            .contains(&format!("\nAuthorization: {JWT}")));
        assert_eq!(
            t.arrows[3].answer.as_deref().map(|a| a.contains(JWT)),
            Some(true)
        );
    }

    #[test]
    fn parties_come_from_cognitos_fixed_paths() {
        assert_eq!(
            party_of(&format!("{AUTH}/oauth2/revoke")),
            Party::TokenEndpoint
        );
        assert_eq!(
            party_of(&format!("{AUTH}/oauth2/userInfo")),
            Party::UserInfo
        );
        assert_eq!(
            party_of(&format!("{AUTH}/logout?client_id=c")),
            Party::HostedUi
        );
        assert_eq!(
            party_of("http://127.0.0.1:9/dragons?x=/oauth2/token"),
            Party::Api
        );
        assert_eq!(path_of("http://h"), "/");
    }

    #[test]
    fn the_implicit_flow_draws_its_own_and_keeps_the_code_flow_beside_it() {
        let mut t = Trace::default();
        code_sign_in(&mut t);
        let code_arrows = t.arrows.clone();
        t.navigated(&format!(
            "{AUTH}/oauth2/authorize?response_type=token&client_id=c1"
        ));
        t.called_back(&[
            ("id_token".into(), JWT.into()),
            ("access_token".into(), JWT.into()),
            ("state".into(), "s".into()),
        ]);
        assert_eq!(t.other, code_arrows, "the code flow's sign-in kept");
        assert_eq!(t.arrows.len(), 3);
        assert_eq!(
            t.arrows[0].label,
            "GET /oauth2/authorize (response_type=token)"
        );
        assert_eq!(
            t.arrows[1].label,
            "302 back: #id_token, access_token, state"
        );
        // A second code-flow sign-in replaces the first and keeps the implicit one beside it.
        let implicit = t.arrows.clone();
        code_sign_in(&mut t);
        assert_eq!(t.other, implicit);
        code_sign_in(&mut t);
        assert_eq!(t.other, implicit, "the same flow again keeps the other one");
    }

    #[test]
    fn an_answer_nobody_waits_for_changes_nothing_and_a_failure_says_no_answer() {
        let mut t = Trace::default();
        t.answered(9, Some(200), "late");
        assert!(t.arrows.is_empty());
        t.sent(3, "GET", "https://api.example/dragons", &[], None);
        t.answered(3, None, "TypeError: Failed to fetch");
        t.answered(3, Some(200), "twice");
        assert_eq!(t.arrows[0].status.as_deref(), Some("no answer"));
        assert_eq!(
            t.arrows[0].answer.as_deref(),
            Some("TypeError: Failed to fetch")
        );
    }

    #[test]
    fn the_http_api_is_its_own_party_and_survives_a_stored_copy() {
        let mut t = Trace::default();
        t.sent(1, "GET", "https://rest.example/test/dragons", &[], None);
        t.sent_to(
            2,
            Party::HttpApi,
            "GET",
            "https://http.example/dragons",
            &[],
            None,
        );
        assert_eq!(t.arrows[0].to, Party::Api);
        assert_eq!(t.arrows[1].to, Party::HttpApi);
        assert_eq!(Party::HttpApi.name(), "HTTP API");
        assert_eq!(
            Party::HttpApi.column(),
            PARTIES.len() - 1,
            "last: old columns kept"
        );
        let again = Trace::from_json(&t.to_json());
        assert_eq!(again.arrows[1].to, Party::HttpApi);
    }

    #[test]
    fn tokens_are_masked_and_the_stored_copy_holds_no_whole_token() {
        let masked = mask_tokens(&format!(
            "Authorization: {JWT}\n{{\"t\":\"{JWT}\"}} eyJnot-a-jwt"
        ));
        assert!(!masked.contains(JWT));
        assert!(masked.starts_with("Authorization: eyJraWQiOiJr…["));
        assert!(masked.contains("characters masked]\n{\"t\":\"eyJraWQiOiJr…["));
        assert!(masked.ends_with(" eyJnot-a-jwt"), "not a JWT: left alone");
        assert_eq!(mask_tokens("no tokens"), "no tokens");

        let mut t = Trace::default();
        code_sign_in(&mut t);
        let stored = t.to_json();
        assert!(!stored.contains(JWT), "{stored}");
        let back = Trace::from_json(&stored);
        assert_eq!(back.arrows.len(), t.arrows.len());
        assert_eq!(back.arrows[0], t.arrows[0]);
        assert_eq!(back.arrows[3].status.as_deref(), Some("200"));
        assert_eq!(Trace::from_json("not json"), Trace::default());
        assert_eq!(
            Trace::from_json(r#"{"arrows":[{"from":1}]}"#),
            Trace::default()
        );
    }

    #[test]
    fn the_export_holds_the_claims_but_no_whole_token_and_no_signature() {
        let mut t = Trace::default();
        code_sign_in(&mut t);
        let jwe = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.a2V5.aXZpdg.Y2lwaGVydGV4dA.dGFn";
        t.sent(
            4,
            "POST",
            &format!("{AUTH}/oauth2/revoke"),
            &[],
            Some(&format!("token={jwe}&client_id=c1")),
        );
        t.sent(
            7,
            "GET",
            "https://api.example/prod/dragons",
            &[("Authorization", JWT)],
            None,
        );
        let out = t.export(&["Code exchanged for tokens".into()]);
        assert!(!out.contains(JWT), "{out}");
        assert!(!out.contains("c2lnbmF0dXJl"), "no signature: {out}");
        assert!(
            !out.contains(jwe) && !out.contains("Y2lwaGVydGV4dA"),
            "{out}"
        );

        let v = json::parse(&out).unwrap();
        assert_eq!(v["flow"], "code");
        assert_eq!(v["timeline"][0], "Code exchanged for tokens");
        let tokens = v["tokens"].as_array().unwrap();
        assert_eq!(tokens.len(), 1, "the same token listed once: {out}");
        assert_eq!(tokens[0]["claims"]["sub"], "abc");
        assert_eq!(tokens[0]["header"]["kid"], "k1");
        assert_eq!(tokens[0]["signature"], "removed");
        let steps = v["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 7);
        assert_eq!(steps[3]["to"], "Token endpoint");
        assert_eq!(steps[3]["status"], "200");
        assert!(steps[3]["answer"]
            .as_str()
            .unwrap()
            .contains("[token 1: decoded under"));
        assert!(steps[6]["request"]
            .as_str()
            .unwrap()
            .contains("Authorization: [token 1:"));
        let left_out = format!(
            "token=[a refresh token ({} characters), left out]&client_id=c1",
            jwe.len()
        );
        assert!(steps[5]["request"].as_str().unwrap().contains(&left_out));
        assert_eq!(v["other_flow_steps"], serde_json::json!([]));
    }

    #[test]
    fn opaque_refresh_tokens_are_masked_and_left_out_wherever_they_stand() {
        let answer = r#"{"id_token":"x","refresh_token":"YTNVrJX2PjLK44x5mnGJ","expires_in":3600}"#;
        let refresh = "grant_type=refresh_token&client_id=c1&refresh_token=YTNVrJX2PjLK44x5mnGJ";
        let revoke = "POST https://d/oauth2/revoke\n\ntoken=YTNVrJX2PjLK44x5mnGJ&client_id=c1";
        for text in [answer, refresh, revoke] {
            let masked = mask_tokens(text);
            assert!(!masked.contains("YTNVrJX2PjLK44x5mnGJ"), "{masked}");
            assert!(
                masked.contains("YTNVrJX2PjLK…[8 characters masked]"),
                "{masked}"
            );
        }
        assert!(mask_tokens(refresh).starts_with("grant_type=refresh_token&client_id=c1&"));
        assert_eq!(
            mask_tokens("id_token=abc&token_type=Bearer"),
            "id_token=abc&token_type=Bearer"
        );
        assert_eq!(
            mask_tokens("token=ab"),
            "token=…[0 characters masked]",
            "short: all of it"
        );
        assert_eq!(
            mask_tokens("token=&x=1"),
            "token=&x=1",
            "empty: nothing to hide"
        );

        let mut t = Trace::default();
        t.sent(
            1,
            "POST",
            &format!("{AUTH}/oauth2/token"),
            &[],
            Some(refresh),
        );
        t.answered(1, Some(200), answer);
        let out = t.export(&[]);
        assert!(!out.contains("YTNVrJX2PjLK44x5mnGJ"), "{out}");
        assert!(
            out.contains("refresh_token=[a refresh token (20 characters), left out]"),
            "{out}"
        );
    }
}
