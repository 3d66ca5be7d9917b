//! The session machine, driven natively: a fake Cognito answers its requests, a fake WebCrypto
//! its signature checks, and the clock is ours.

use super::*;
use crate::auth::claims::{AtHash, ClaimError};
use crate::auth::jwt::tests::encode;
use crate::config::{resolve, RawConfig};
use serde_json::{json, Value};

const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_POOL";
const AUTH: &str = "https://dragons.auth.us-east-1.amazoncognito.com";
const CLIENT: &str = "client1";
/// 2027-01-15, local ms: the machine's clock in these tests starts here.
const T0: i64 = 1_800_000_000_000;

fn config(flow: &str, auth: &str, api: &str) -> Config {
    let file = RawConfig {
        flow: Some(flow.into()),
        auth_domain: Some(auth.into()),
        issuer: Some(ISSUER.into()),
        client_id: Some(CLIENT.into()),
        api_base_url: Some(api.into()),
        ..Default::default()
    };
    resolve("https://app.example/", &file, &RawConfig::default()).expect("a valid config")
}

fn random() -> Randomness {
    Randomness {
        state: [1; 32],
        nonce: [2; 32],
        verifier: [3; 32],
    }
}

/// How the fake Cognito answers.
#[derive(Clone)]
struct Cognito {
    /// The issuer's clock minus the browser's, seconds.
    offset: i64,
    lifetime: i64,
    sub: String,
    /// Answer the token endpoint with this instead of tokens.
    token_failure: Option<Result<HttpAnswer, TransportError>>,
    jwks_failure: Option<Result<HttpAnswer, TransportError>>,
    /// Leave refresh answers without an id_token / with a new refresh token.
    refresh_without_id: bool,
    rotate: bool,
    /// Send another access token than the one the ID token's at_hash names.
    swap_access: bool,
    kid: String,
    /// Signatures WebCrypto finds bad.
    forged: bool,
    issued: u32,
}

impl Default for Cognito {
    fn default() -> Cognito {
        Cognito {
            offset: 0,
            lifetime: 3600,
            sub: "sub-1".into(),
            token_failure: None,
            jwks_failure: None,
            refresh_without_id: false,
            rotate: false,
            swap_access: false,
            kid: "k1".into(),
            forged: false,
            issued: 0,
        }
    }
}

use crate::auth::error::TransportError;

impl Cognito {
    fn token(&mut self, kind: &str, iat: i64, nonce: Option<&str>) -> String {
        self.issued += 1;
        let mut claims = json!({
            "sub": self.sub, "iss": ISSUER, "token_use": kind, "iat": iat,
            "exp": iat + self.lifetime, "auth_time": iat, "jti": format!("jti-{}", self.issued),
        });
        if kind == "id" {
            claims["aud"] = json!(CLIENT);
            claims["cognito:username"] = json!("dragonrider");
            if let Some(n) = nonce {
                claims["nonce"] = json!(n);
            }
        } else {
            claims["client_id"] = json!(CLIENT);
            claims["scope"] = json!("openid email profile");
        }
        encode(
            &json!({"kid": self.kid, "alg": "RS256"}),
            &claims,
            b"signature",
        )
    }

    fn tokens_body(&mut self, now: i64, nonce: Option<&str>, refresh: Option<&str>) -> String {
        let iat = now / 1000 + self.offset;
        let access = self.token("access", iat, None);
        let mut body = json!({
            "access_token": access,
            "token_type": "Bearer", "expires_in": self.lifetime,
        });
        if let Some(r) = refresh {
            body["refresh_token"] = json!(r);
        }
        if nonce.is_some() || !self.refresh_without_id {
            // As Cognito: at_hash in every ID token from the OAuth endpoints.
            let id = self.token("id", iat, nonce);
            body["id_token"] = json!(with_at_hash(&id, &access));
        }
        if self.swap_access {
            body["access_token"] = json!(self.token("access", iat, None));
        }
        body.to_string()
    }

    fn jwks(&self) -> String {
        json!({"keys": [{"kid": self.kid, "kty": "RSA", "alg": "RS256", "use": "sig", "n": "nn", "e": "AQAB"}]})
            .to_string()
    }
}

fn form(request: &HttpRequest) -> Vec<(String, String)> {
    crate::codec::form_pairs(request.form.as_deref().unwrap_or_default())
}

fn field(request: &HttpRequest, key: &str) -> Option<String> {
    form(request)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The machine in its world: our clock, the fake Cognito, and what storage holds.
struct World {
    m: Machine,
    now: i64,
    cognito: Cognito,
    pending: Option<PendingLogin>,
    saved: Option<Session>,
    sent: Vec<HttpRequest>,
    notes: Vec<Milestone>,
    navigated: Vec<String>,
    /// Requests the world does not answer until told (to model hanging calls).
    hold: Vec<String>,
    held: Vec<(RequestId, HttpRequest)>,
    /// The nonce the fake Hosted UI copies into the ID token.
    pending_nonce: Option<String>,
}

impl World {
    fn new(cognito: Cognito) -> World {
        World {
            m: Machine::new(42),
            now: T0,
            cognito,
            pending: None,
            saved: None,
            sent: Vec::new(),
            notes: Vec::new(),
            navigated: Vec::new(),
            hold: Vec::new(),
            held: Vec::new(),
            pending_nonce: None,
        }
    }

    /// Feed an event and carry out everything that follows, answering at once.
    fn feed(&mut self, event: Event) {
        let mut queue = std::collections::VecDeque::from([event]);
        while let Some(event) = queue.pop_front() {
            for effect in self.m.handle(self.now, event) {
                if let Some(next) = self.perform(effect) {
                    queue.push_back(next);
                }
            }
        }
    }

    /// Carry out `effects` (already taken from the machine), feeding back what they answer.
    fn perform_all(&mut self, effects: Vec<Effect>) {
        for e in effects {
            if let Some(event) = self.perform(e) {
                self.feed(event);
            }
        }
    }

    fn perform(&mut self, effect: Effect) -> Option<Event> {
        match effect {
            Effect::Send { id, request } => {
                self.sent.push(request.clone());
                if self.hold.iter().any(|h| request.url.ends_with(h.as_str())) {
                    self.held.push((id, request));
                    return None;
                }
                let result = self.serve(&request);
                Some(Event::Answer { id, result })
            }
            Effect::Verify { id, .. } => Some(Event::Signature {
                id,
                result: Ok(!self.cognito.forged),
            }),
            Effect::Navigate(url) => {
                self.navigated.push(url);
                None
            }
            Effect::SavePending(p) => {
                self.pending = Some(p);
                Some(Event::PendingSaved(Ok(())))
            }
            Effect::ForgetPending => {
                self.pending = None;
                None
            }
            Effect::SaveSession(s) => {
                self.saved = Some(*s);
                None
            }
            Effect::ClearSession => {
                self.saved = None;
                self.pending = None;
                None
            }
            Effect::Note(m) => {
                self.notes.push(m);
                None
            }
        }
    }

    fn serve(&mut self, request: &HttpRequest) -> HttpResult {
        let c = &mut self.cognito;
        if request.url.ends_with("/.well-known/jwks.json") {
            if let Some(failure) = &c.jwks_failure {
                return failure.clone();
            }
            return Ok(HttpAnswer {
                status: 200,
                body: c.jwks(),
            });
        }
        if request.url.ends_with("/oauth2/revoke") {
            return Ok(HttpAnswer {
                status: 200,
                body: String::new(),
            });
        }
        if let Some(failure) = &c.token_failure {
            return failure.clone();
        }
        let body = match field(request, "grant_type").as_deref() {
            Some("authorization_code") => {
                let nonce = self.pending_nonce.clone();
                c.tokens_body(self.now, nonce.as_deref(), Some("r1"))
            }
            _ => {
                let rotated = c.rotate.then(|| format!("r{}", c.issued + 2));
                c.tokens_body(self.now, None, rotated.as_deref())
            }
        };
        Ok(HttpAnswer { status: 200, body })
    }

    /// Press Sign in, come back from the Hosted UI with a code (or tokens), and finish.
    fn sign_in(&mut self, flow: &str) {
        self.sign_in_with(&config(flow, AUTH, "https://api.example/test"));
    }

    fn sign_in_with(&mut self, config: &Config) {
        self.feed(Event::SignIn {
            config: Box::new(config.clone()),
            random: Ok(random()),
        });
        let pending = self.pending.clone().expect("the pending sign-in was saved");
        assert_eq!(self.navigated.len(), 1, "left for the Hosted UI");
        self.pending_nonce = Some(pending.nonce.clone());
        // The page loads again with the callback; a fresh machine, as after a navigation.
        self.m = Machine::new(7);
        let callback = match pending.binding.flow {
            Flow::Code => CallbackParams::read(&format!("code=c0de&state={}", pending.state), ""),
            Flow::Implicit => {
                let iat = self.now / 1000 + self.cognito.offset;
                let id = self.cognito.token("id", iat, Some(&pending.nonce));
                let access = self.cognito.token("access", iat, None);
                // at_hash ties the two together.
                let id = with_at_hash(&id, &access);
                CallbackParams::read(
                    "",
                    &format!(
                        "id_token={id}&access_token={access}&token_type=Bearer&expires_in=3600&state={}",
                        pending.state
                    ),
                )
            }
        };
        let pending = self.pending.clone();
        self.feed(Event::Start {
            callback,
            pending,
            saved: self.saved.clone(),
        });
    }

    /// Reload the page: a fresh machine starts from what storage holds.
    fn reload(&mut self) {
        self.m = Machine::new(9);
        let saved = self.saved.clone();
        self.feed(Event::Start {
            callback: None,
            pending: None,
            saved,
        });
    }

    /// Let `secs` pass, waking the machine whenever it asked (and at least every second).
    fn run_for(&mut self, secs: i64) {
        let end = self.now + secs * 1000;
        while self.now < end {
            let next = self
                .m
                .next_wake()
                .unwrap_or(i64::MAX)
                .clamp(self.now + 1, self.now + 1000)
                .min(end);
            self.now = next;
            self.feed(Event::Wake);
        }
    }

    fn refreshes(&self) -> usize {
        self.sent
            .iter()
            .filter(|r| field(r, "grant_type").as_deref() == Some("refresh_token"))
            .count()
    }

    fn signed_in(&self) -> Option<Box<SignedIn>> {
        match self.m.state() {
            AuthState::SignedIn(s) => Some(s),
            _ => None,
        }
    }

    fn release_held(&mut self, result: HttpResult) {
        for (id, _) in std::mem::take(&mut self.held) {
            self.feed(Event::Answer {
                id,
                result: result.clone(),
            });
        }
    }
}

fn with_at_hash(id: &str, access: &str) -> String {
    let jwt = crate::auth::jwt::decode(id).expect("our own token");
    let mut claims = Value::Object(jwt.claims);
    claims["at_hash"] = json!(crate::auth::claims::at_hash(access));
    encode(&Value::Object(jwt.header), &claims, b"signature")
}

fn network_down() -> HttpResult {
    Err(TransportError::Failed("Failed to fetch".into()))
}

fn status(code: u16, body: &str) -> HttpResult {
    Ok(HttpAnswer {
        status: code,
        body: body.into(),
    })
}

#[test]
fn code_flow_signs_in_through_exchange_keys_and_signatures_and_saves_the_session() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let s = w.signed_in().expect("signed in");
    assert!(s.tokens.all_valid(), "{:?}", s.tokens);
    assert_eq!(s.session.sub, "sub-1");
    assert_eq!(w.saved.as_ref(), Some(&s.session), "saved for a reload");
    assert_eq!(w.pending, None, "the pending sign-in was used up");
    let urls: Vec<&str> = w.sent.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            format!("{AUTH}/oauth2/token"),
            format!("{ISSUER}/.well-known/jwks.json")
        ]
    );
    let exchange = &w.sent[0];
    assert_eq!(field(exchange, "code").as_deref(), Some("c0de"));
    assert_eq!(
        field(exchange, "redirect_uri").as_deref(),
        Some("https://app.example/")
    );
    assert!(field(exchange, "code_verifier").is_some_and(|v| v.len() >= 43));
    assert!(matches!(
        w.notes[0],
        Milestone::CallbackAccepted { flow: Flow::Code }
    ));
    assert!(w
        .notes
        .iter()
        .any(|n| matches!(n, Milestone::CodeExchanged { .. })));
    assert!(w
        .notes
        .iter()
        .any(|n| matches!(n, Milestone::Verified { .. })));
    // Due for a refresh five minutes before the hour is up.
    assert_eq!(s.refresh, RefreshStatus::Scheduled(Some(T0 + 3300 * 1000)));
}

#[test]
fn implicit_flow_checks_nonce_and_at_hash_and_a_swapped_access_token_rejects_both() {
    let mut w = World::new(Cognito::default());
    w.sign_in("implicit");
    let s = w.signed_in().expect("signed in with the implicit flow");
    assert_eq!(s.session.refresh_token, None);
    assert_eq!(s.refresh, RefreshStatus::Scheduled(None));
    assert!(w.sent.iter().all(|r| r.form.is_none()), "no token endpoint");

    // An access token swapped in the fragment fails the ID token's at_hash: both rejected.
    let mut w = World::new(Cognito::default());
    w.feed(Event::SignIn {
        config: Box::new(config("implicit", AUTH, "https://api.example/test")),
        random: Ok(random()),
    });
    let pending = w.pending.clone().unwrap();
    let iat = T0 / 1000;
    let id = with_at_hash(
        &w.cognito.token("id", iat, Some(&pending.nonce)),
        &w.cognito.token("access", iat, None),
    );
    let other_access = w.cognito.token("access", iat, None);
    let callback = CallbackParams::read(
        "",
        &format!(
            "id_token={id}&access_token={other_access}&state={}",
            pending.state
        ),
    );
    w.m = Machine::new(3);
    w.feed(Event::Start {
        callback,
        pending: Some(pending),
        saved: None,
    });
    let AuthState::Failed { error, tokens } = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert!(error.to_string().contains("at_hash"), "{error}");
    let tokens = tokens.expect("shown for teaching");
    assert_eq!(
        tokens.access.rejection(),
        Some(&Rejection::CameWithBadIdToken)
    );
    assert_eq!(w.saved, None);
}

#[test]
fn a_forged_signature_is_rejected_and_nothing_is_kept() {
    let mut w = World::new(Cognito {
        forged: true,
        ..Cognito::default()
    });
    w.sign_in("code");
    let AuthState::Failed { error, tokens } = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert!(error.to_string().contains("altered or forged"), "{error}");
    assert!(tokens.is_some());
    assert_eq!(w.saved, None);
}

#[test]
fn an_unknown_kid_fetches_the_keys_once_more_then_rejects() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    // The pool rotates its keys; refreshed tokens name a kid the cached JWKS lacks.
    w.cognito.kid = "k2".into();
    w.feed(Event::Refresh);
    assert!(w.signed_in().unwrap().tokens.all_valid());
    let jwks_fetches = |w: &World| {
        w.sent
            .iter()
            .filter(|r| r.url.ends_with("jwks.json"))
            .count()
    };
    assert_eq!(jwks_fetches(&w), 2, "fetched again for the new kid");

    // A kid that is not in the JWKS even after fetching it again: rejected, fetched once only.
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let before = jwks_fetches(&w);
    let saved = w.saved.as_mut().unwrap();
    let claims = crate::auth::jwt::decode(saved.id_token.secret())
        .unwrap()
        .claims;
    saved.id_token = IdToken::new(encode(
        &json!({"kid": "nope", "alg": "RS256"}),
        &Value::Object(claims),
        b"s",
    ));
    w.reload();
    let AuthState::Failed { error, .. } = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert!(
        error.to_string().contains("even after fetching it again"),
        "{error}"
    );
    assert_eq!(jwks_fetches(&w), before + 1);
    assert_eq!(w.saved, None, "cleared");
}

#[test]
fn alg_none_and_hs256_tokens_never_reach_a_key() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let mut saved = w.saved.clone().unwrap();
    let claims = crate::auth::jwt::decode(saved.id_token.secret())
        .unwrap()
        .claims;
    for alg in ["none", "HS256"] {
        saved.id_token = IdToken::new(encode(
            &json!({"kid": "k1", "alg": alg}),
            &Value::Object(claims.clone()),
            b"",
        ));
        w.saved = Some(saved.clone());
        w.reload();
        let AuthState::Failed { error, .. } = w.m.state() else {
            panic!("{:?}", w.m.state())
        };
        assert!(error.to_string().contains("RS256 only"), "{alg}: {error}");
    }
}

#[test]
fn clock_one_hour_fast_or_slow_signs_in_and_refreshes_once_per_lifetime() {
    for offset in [-3600, 3600, -300, 300, -3400] {
        let mut w = World::new(Cognito {
            offset,
            ..Cognito::default()
        });
        w.sign_in("code");
        let s = w
            .signed_in()
            .unwrap_or_else(|| panic!("{offset}: {:?}", w.m.state()));
        assert!(s.tokens.all_valid());
        assert_eq!(s.session.clock_offset, offset);
        if offset.abs() > 60 {
            assert!(w
                .notes
                .contains(&Milestone::ClockCorrected { secs: offset }));
        }
        // An hour passes: one refresh (55 minutes in), never a storm.
        w.run_for(3600);
        assert_eq!(w.refreshes(), 1, "offset {offset}: {:?}", w.notes);
        // A reload with the wrong clock keeps the session (checked with the measured offset).
        w.reload();
        assert!(w.signed_in().is_some(), "{offset}: {:?}", w.m.state());
    }
}

#[test]
fn the_clock_1h_fast_refreshes_once_in_an_hour_and_20_seconds_send_nothing() {
    // The field report: 3,400 s fast made 432–463 refresh requests in 20 s.
    let mut w = World::new(Cognito {
        offset: -3400,
        ..Cognito::default()
    });
    w.sign_in("code");
    w.run_for(20);
    assert_eq!(w.refreshes(), 0);
    let mut w = World::new(Cognito {
        offset: -3600,
        ..Cognito::default()
    });
    w.sign_in("code");
    w.run_for(3600);
    println!(
        "refreshes in one hour with the clock 1 h fast: {}",
        w.refreshes()
    );
    assert_eq!(w.refreshes(), 1);
}

#[test]
fn a_clock_days_off_gets_one_message_saying_by_how_much() {
    let mut w = World::new(Cognito {
        offset: -3 * 86_400,
        ..Cognito::default()
    });
    w.sign_in("code");
    let AuthState::Failed { error, .. } = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert_eq!(error, AuthError::ClockOff { secs: -3 * 86_400 });
    assert!(error.to_string().contains("3 days ahead"), "{error}");
    assert_eq!(w.saved, None);
}

#[test]
fn a_refused_connection_during_refresh_keeps_the_session_and_retries_with_backoff() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let saved = w.saved.clone();
    w.cognito.token_failure = Some(network_down());
    w.now += 3300 * 1000;
    w.feed(Event::Wake);
    let s = w.signed_in().expect("still signed in");
    let RefreshStatus::Retrying(retry) = &s.refresh else {
        panic!("{:?}", s.refresh)
    };
    assert!(retry.error.to_string().contains("Failed to fetch"));
    let first_wait = retry.at - w.now;
    assert!((1500..=2500).contains(&first_wait), "{first_wait}");
    assert_eq!(w.saved, saved, "the refresh token is kept");
    assert!(matches!(
        w.notes.last(),
        Some(Milestone::Retrying {
            what: Attempt::Refresh,
            ..
        })
    ));
    // Still down: each wait about twice the last.
    let mut waits = vec![first_wait];
    for _ in 0..4 {
        w.now = w.m.next_wake().unwrap();
        w.feed(Event::Wake);
        let RefreshStatus::Retrying(r) = w.signed_in().unwrap().refresh else {
            panic!()
        };
        waits.push(r.at - w.now);
    }
    for pair in waits.windows(2) {
        assert!(
            pair[1] > pair[0] * 3 / 2 && pair[1] < pair[0] * 3,
            "{waits:?}"
        );
    }
    // Back: the next retry succeeds.
    w.cognito.token_failure = None;
    w.now = w.m.next_wake().unwrap();
    w.feed(Event::Wake);
    let s = w.signed_in().unwrap();
    assert!(matches!(s.refresh, RefreshStatus::Scheduled(Some(_))));
    assert_ne!(w.saved, saved, "new tokens saved");
}

#[test]
fn timeouts_and_server_errors_are_retried_but_invalid_grant_ends_the_session() {
    for failure in [
        Err(TransportError::Timeout(10_000)),
        status(500, "{\"error\":\"internal\"}"),
        status(503, "<html>unavailable</html>"),
    ] {
        let mut w = World::new(Cognito::default());
        w.sign_in("code");
        w.cognito.token_failure = Some(failure);
        w.feed(Event::Refresh);
        assert!(matches!(
            w.signed_in().unwrap().refresh,
            RefreshStatus::Retrying(_)
        ));
        assert!(w.saved.is_some());
    }
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    w.cognito.token_failure = Some(status(400, "{\"error\":\"invalid_grant\"}"));
    w.feed(Event::Refresh);
    assert_eq!(
        w.m.state(),
        AuthState::SignedOut(SignedOutReason::Refused(AuthError::RefreshRefused))
    );
    assert!(AuthError::RefreshRefused
        .to_string()
        .contains("another tab"));
    assert_eq!(w.saved, None, "cleared");
    w.run_for(60);
    assert_eq!(w.refreshes(), 1, "no retry loop after a refusal");
}

#[test]
fn a_refresh_without_id_token_keeps_the_previous_one_and_a_rotated_refresh_token_is_taken() {
    let mut w = World::new(Cognito {
        refresh_without_id: true,
        ..Cognito::default()
    });
    w.sign_in("code");
    let before = w.saved.clone().unwrap();
    w.now += 10_000;
    w.feed(Event::Refresh);
    let s = w.signed_in().expect("still signed in");
    assert_eq!(s.session.id_token, before.id_token);
    assert_ne!(s.session.access_token, before.access_token);
    assert_eq!(s.session.refresh_token, before.refresh_token, "kept");
    assert!(w.notes.iter().any(|n| matches!(
        n,
        Milestone::Refreshed {
            id_token_kept: true,
            rotated: false,
            ..
        }
    )));
    // Its at_hash named the first access token: not checked against the new one, and said so.
    assert_eq!(s.tokens.id.at_hash, Some(AtHash::Unpaired));
    assert!(s.tokens.all_valid());
    assert!(w.saved.as_ref().unwrap().id_token_kept);
    // A reload restores the pair without calling it a swap.
    w.reload();
    let s = w.signed_in().expect("restored");
    assert!(s.tokens.all_valid(), "{:?}", s.tokens);
    assert_eq!(s.tokens.id.at_hash, Some(AtHash::Unpaired));
    // The next refresh that brings an ID token pairs them again.
    w.cognito.refresh_without_id = false;
    w.feed(Event::Refresh);
    let s = w.signed_in().unwrap();
    assert_eq!(s.tokens.id.at_hash, Some(AtHash::Matches));
    assert!(!w.saved.as_ref().unwrap().id_token_kept);

    let mut w = World::new(Cognito {
        rotate: true,
        ..Cognito::default()
    });
    w.sign_in("code");
    let first_id = w.saved.clone().unwrap().id_token;
    w.feed(Event::Refresh);
    let s = w.signed_in().unwrap();
    assert_ne!(s.session.refresh_token, Some(RefreshToken::new("r1")));
    assert_eq!(
        w.saved.clone().unwrap().refresh_token,
        s.session.refresh_token
    );
    assert!(w
        .notes
        .iter()
        .any(|n| matches!(n, Milestone::Refreshed { rotated: true, .. })));
    assert_eq!(s.replaced_id_token, Some(first_id), "kept for the 401 lab");
    // The next refresh presents the new refresh token, not the first one.
    let rotated = s.session.refresh_token.clone().unwrap();
    w.now += 10_000;
    w.feed(Event::Refresh);
    let last = w.sent.last().unwrap();
    assert_eq!(
        field(last, "refresh_token").as_deref(),
        Some(rotated.secret())
    );
    assert_ne!(w.signed_in().unwrap().session.refresh_token, Some(rotated));
}

#[test]
fn at_hash_ties_the_code_flow_pair_too_and_a_swapped_access_token_is_refused() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let s = w.signed_in().expect("signed in");
    assert_eq!(s.tokens.id.at_hash, Some(AtHash::Matches));
    assert!(AtHash::Matches.describe().contains("issued together"));

    let mut w = World::new(Cognito {
        swap_access: true,
        ..Cognito::default()
    });
    w.sign_in("code");
    let AuthState::Failed { error, .. } = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert_eq!(
        error,
        AuthError::Rejected {
            kind: TokenKind::Id,
            reason: Rejection::Claim(ClaimError::AtHashMismatch)
        }
    );
    assert!(error.to_string().contains("swapped"), "{error}");
    assert_eq!(w.saved, None);

    // A refresh whose pair does not match is refused as well.
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    w.cognito.swap_access = true;
    w.feed(Event::Refresh);
    assert!(
        matches!(w.m.state(), AuthState::Failed { .. }),
        "{:?}",
        w.m.state()
    );
}

#[test]
fn a_refresh_for_another_user_ends_the_session() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    w.cognito.sub = "someone-else".into();
    w.feed(Event::Refresh);
    let AuthState::Failed { error, .. } = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert_eq!(error, AuthError::SubjectChanged);
    assert_eq!(w.saved, None);
}

#[test]
fn a_reload_after_the_tokens_expired_refreshes_instead_of_dropping_the_session() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let old = w.saved.clone().unwrap();
    w.now += 2 * 3600 * 1000;
    w.reload();
    let s = w.signed_in().expect("kept by a refresh");
    assert!(s.tokens.all_valid(), "{:?}", s.tokens);
    assert_ne!(s.session.access_token, old.access_token);
    assert_eq!(w.refreshes(), 1);

    // Implicit: no refresh token, so an expired session is over.
    let mut w = World::new(Cognito::default());
    w.sign_in("implicit");
    w.now += 2 * 3600 * 1000;
    w.reload();
    assert_eq!(w.m.state(), AuthState::SignedOut(SignedOutReason::Expired));
    assert_eq!(w.saved, None);
    // And a live implicit session ends by itself at expiry.
    let mut w = World::new(Cognito::default());
    w.sign_in("implicit");
    w.run_for(3601);
    assert_eq!(w.m.state(), AuthState::SignedOut(SignedOutReason::Expired));
}

#[test]
fn unreachable_keys_show_the_tokens_unverified_and_verify_once_they_answer() {
    let mut w = World::new(Cognito {
        jwks_failure: Some(network_down()),
        ..Cognito::default()
    });
    w.sign_in("code");
    let AuthState::Working(Work::Verifying { tokens, retry }) = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert!(tokens.id.is_pending() && tokens.access.is_pending());
    let retry = retry.expect("a retry is scheduled");
    assert!(retry.error.to_string().contains("JWKS"), "{}", retry.error);
    w.run_for(5);
    assert!(matches!(w.m.state(), AuthState::Working(_)));
    w.cognito.jwks_failure = None;
    w.run_for(10);
    assert!(w.signed_in().is_some_and(|s| s.tokens.all_valid()));

    // At start with a saved session: the same.
    w.cognito.jwks_failure = Some(status(502, "bad gateway"));
    w.reload();
    assert!(matches!(
        w.m.state(),
        AuthState::Working(Work::Verifying { retry: Some(_), .. })
    ));
    assert!(
        w.saved.is_some(),
        "the saved session is kept while the keys are away"
    );
    w.cognito.jwks_failure = None;
    w.run_for(10);
    assert!(w.signed_in().is_some());
}

#[test]
fn unreachable_keys_during_a_refresh_keep_the_session() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    w.cognito.kid = "k2".into();
    w.cognito.jwks_failure = Some(network_down());
    w.feed(Event::Refresh);
    let s = w.signed_in().expect("still signed in");
    assert!(matches!(s.refresh, RefreshStatus::Retrying(_)));
    assert!(s.tokens.all_valid(), "the old tokens stay in use");
}

#[test]
fn the_code_exchange_is_retried_on_network_errors_then_given_up() {
    let mut w = World::new(Cognito {
        token_failure: Some(network_down()),
        ..Cognito::default()
    });
    w.sign_in("code");
    assert!(matches!(
        w.m.state(),
        AuthState::Working(Work::ExchangingCode { retry: Some(_) })
    ));
    w.run_for(30);
    let exchanges = w
        .sent
        .iter()
        .filter(|r| r.url.ends_with("/oauth2/token"))
        .count();
    assert_eq!(exchanges as u32, EXCHANGE_ATTEMPTS);
    let AuthState::Failed { error, .. } = w.m.state() else {
        panic!("{:?}", w.m.state())
    };
    assert!(
        error.to_string().contains("could not be reached"),
        "{error}"
    );

    // A code already used is not retried.
    let mut w = World::new(Cognito {
        token_failure: Some(status(400, "{\"error\":\"invalid_grant\"}")),
        ..Cognito::default()
    });
    w.sign_in("code");
    assert!(matches!(w.m.state(), AuthState::Failed { .. }));
    let exchanges = w.sent.iter().filter(|r| r.url.ends_with("/oauth2/token"));
    assert_eq!(exchanges.count(), 1);
}

#[test]
fn the_session_talks_only_to_the_hosts_it_started_with() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let s = w.signed_in().unwrap();
    assert_eq!(s.session.binding.api_base_url, "https://api.example/test");
    // Settings change mid-session: refresh and sign-out still go to the original domain.
    let _edited = config("code", "https://evil.example", "https://evil-api.example");
    w.feed(Event::Refresh);
    w.feed(Event::SignOut);
    for request in &w.sent {
        assert!(
            request.url.starts_with(AUTH) || request.url.starts_with(ISSUER),
            "{request:?}"
        );
    }
    assert!(w
        .navigated
        .last()
        .unwrap()
        .starts_with(&format!("{AUTH}/logout?")));

    // A pending sign-in is bound too: the callback is exchanged where the sign-in started.
    let mut w = World::new(Cognito::default());
    w.sign_in_with(&config(
        "code",
        "https://other.auth.example",
        "https://api.example/test",
    ));
    assert!(w.sent[0]
        .url
        .starts_with("https://other.auth.example/oauth2/token"));
}

#[test]
fn sign_out_clears_first_then_revokes_then_logs_out_and_drops_late_answers() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    w.hold = vec!["/oauth2/revoke".into(), "/oauth2/token".into()];
    // A refresh in flight when the person signs out.
    w.feed(Event::Refresh);
    let effects = w.m.handle(w.now, Event::SignOut);
    assert_eq!(
        effects.first(),
        Some(&Effect::ClearSession),
        "storage first"
    );
    w.perform_all(effects);
    assert_eq!(w.m.state(), AuthState::SignedOut(SignedOutReason::ByYou));
    assert_eq!(w.saved, None);
    let revoke = w.sent.last().unwrap().clone();
    assert!(revoke.url.ends_with("/oauth2/revoke"));
    assert_eq!(field(&revoke, "token").as_deref(), Some("r1"));
    assert_eq!(revoke.timeout_ms, REVOKE_TIMEOUT_MS);
    assert!(
        w.navigated.len() == 1,
        "not yet at /logout: the revoke is pending"
    );
    // The revoke hangs: /logout anyway once its time is up.
    w.run_for(4);
    let logout = w.navigated.last().unwrap();
    assert!(
        logout.contains("/logout?client_id=client1&logout_uri="),
        "{logout}"
    );
    // The refresh answer arrives late: dropped, nothing saved.
    w.hold.clear();
    w.release_held(Ok(HttpAnswer {
        status: 200,
        body: w.cognito.clone().tokens_body(w.now, None, None),
    }));
    assert_eq!(w.saved, None);
    assert_eq!(w.m.state(), AuthState::SignedOut(SignedOutReason::ByYou));
}

#[test]
fn reset_signs_out_everywhere_and_forgets_a_pasted_token() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let pasted = w.cognito.clone().tokens_body(w.now, None, None);
    let id_token = crate::json::parse(&pasted).unwrap()["id_token"]
        .as_str()
        .unwrap()
        .to_owned();
    w.feed(Event::Paste {
        text: id_token,
        config: Box::new(config("code", AUTH, "https://api.example/test")),
    });
    assert!(w.m.pasted().is_some());
    let effects = w.m.handle(
        w.now,
        Event::Reset {
            config: Some(Box::new(config("code", AUTH, "https://api.example/test"))),
        },
    );
    assert_eq!(
        effects.first(),
        Some(&Effect::ClearSession),
        "storage first"
    );
    w.perform_all(effects);
    assert_eq!(w.m.pasted(), None, "the pasted token is forgotten too");
    assert_eq!(w.m.state(), AuthState::SignedOut(SignedOutReason::ByYou));
    assert_eq!(w.saved, None);
    assert!(w.sent.last().unwrap().url.ends_with("/oauth2/revoke"));
    let logouts = w.navigated.iter().filter(|u| u.contains("/logout?"));
    assert_eq!(logouts.count(), 1, "one trip to /logout: {:?}", w.navigated);
}

#[test]
fn reset_with_nobody_signed_in_still_ends_the_hosted_ui_session() {
    let mut w = World::new(Cognito::default());
    w.feed(Event::Start {
        callback: None,
        pending: None,
        saved: None,
    });
    let effects = w.m.handle(
        w.now,
        Event::Reset {
            config: Some(Box::new(config("code", AUTH, "https://api.example/test"))),
        },
    );
    assert_eq!(effects.first(), Some(&Effect::ClearSession));
    match effects.last() {
        Some(Effect::Navigate(url)) => assert!(
            url.starts_with(&format!("{AUTH}/logout?client_id=client1&logout_uri=")),
            "{url}"
        ),
        other => panic!("no /logout: {other:?}"),
    }
    // Without a configuration there is no Hosted UI to send anyone to: storage is cleared.
    let effects = w.m.handle(w.now, Event::Reset { config: None });
    assert_eq!(effects.first(), Some(&Effect::ClearSession));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Navigate(_))));
}

#[test]
fn a_failed_or_refused_callback_clears_an_older_session() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    assert!(w.saved.is_some());
    // A replayed callback (its pending sign-in is gone).
    w.m = Machine::new(1);
    w.feed(Event::Start {
        callback: CallbackParams::read("code=old&state=used", ""),
        pending: None,
        saved: w.saved.clone(),
    });
    assert!(matches!(w.m.state(), AuthState::Failed { .. }));
    assert_eq!(w.saved, None);

    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    w.feed(Event::SignIn {
        config: Box::new(config("code", AUTH, "https://api.example/test")),
        random: Ok(random()),
    });
    let pending = w.pending.clone().unwrap();
    w.m = Machine::new(1);
    w.feed(Event::Start {
        callback: CallbackParams::read(&format!("error=access_denied&state={}", pending.state), ""),
        pending: Some(pending),
        saved: w.saved.clone(),
    });
    assert!(matches!(
        w.m.state(),
        AuthState::SignedOut(SignedOutReason::Refused(_))
    ));
    assert_eq!(w.saved, None);
    assert_eq!(w.pending, None);
}

#[test]
fn no_random_numbers_no_sign_in() {
    let mut m = Machine::new(1);
    let effects = m.handle(
        T0,
        Event::SignIn {
            config: Box::new(config("code", AUTH, "https://api.example/test")),
            random: Err(BrowserError::NoRandomness),
        },
    );
    assert!(!effects
        .iter()
        .any(|e| matches!(e, Effect::SavePending(_) | Effect::Navigate(_))));
    let AuthState::Failed { error, .. } = m.state() else {
        panic!("{:?}", m.state())
    };
    assert!(error.to_string().contains("random numbers"), "{error}");
}

#[test]
fn storage_refusing_the_pending_sign_in_stops_before_leaving() {
    let mut m = Machine::new(1);
    let effects = m.handle(
        T0,
        Event::SignIn {
            config: Box::new(config("code", AUTH, "https://api.example/test")),
            random: Ok(random()),
        },
    );
    assert!(matches!(effects.as_slice(), [Effect::SavePending(_)]));
    let effects = m.handle(
        T0,
        Event::PendingSaved(Err(StorageError::SessionUnavailable)),
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::Navigate(_))));
    let AuthState::Failed { error, .. } = m.state() else {
        panic!()
    };
    assert!(error.to_string().contains("sessionStorage"), "{error}");
}

#[test]
fn a_session_storage_refuses_lives_in_memory_with_a_notice() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    w.feed(Event::SessionNotSaved);
    assert!(w.signed_in().unwrap().memory_only);
    w.feed(Event::Refresh);
    assert!(
        w.signed_in().unwrap().memory_only,
        "still said after a refresh"
    );
}

#[test]
fn debug_of_state_and_effects_never_shows_a_token_or_code() {
    let mut w = World::new(Cognito::default());
    w.sign_in("code");
    let signed_in = format!("{:?} {:?}", w.m, w.m.state());
    let mut effects = w.m.handle(w.now, Event::Refresh);
    effects.extend(w.m.handle(w.now, Event::SignOut));
    let shown = format!("{signed_in} {:?} {:?} {effects:?}", w.m, w.m.state());
    assert!(shown.contains("oauth2/revoke"), "{shown}");
    // JWTs start with eyJ (base64 of `{"`); the code and refresh token are ours.
    for secret in ["c0de", "\"r1\"", "eyJ"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Step {
        Wait(u32),
        Refresh,
        SignOut,
        SignIn,
        Reload,
        Answers(u8),
        SessionNotSaved,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u32..4_000_000).prop_map(Step::Wait),
            Just(Step::Refresh),
            Just(Step::SignOut),
            Just(Step::SignIn),
            Just(Step::Reload),
            any::<u8>().prop_map(Step::Answers),
            Just(Step::SessionNotSaved),
        ]
    }

    fn answer(kind: u8, w: &mut World, request: &HttpRequest) -> HttpResult {
        match kind % 8 {
            0 => network_down(),
            1 => Err(TransportError::Timeout(10_000)),
            2 => status(500, "oops"),
            3 => status(400, "{\"error\":\"invalid_grant\"}"),
            4 => status(200, "{}"),
            5 => status(200, "not json"),
            _ => w.serve(request),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn any_events_any_answers_any_clock(
            offset in -90_000i64..90_000,
            lifetime in 1i64..7200,
            steps in proptest::collection::vec(step(), 1..40),
        ) {
            let mut w = World::new(Cognito { offset, lifetime, ..Cognito::default() });
            w.hold = vec!["/oauth2/token".into(), "/.well-known/jwks.json".into(), "/oauth2/revoke".into()];
            w.sign_in("code");
            let mut in_flight: Vec<(RequestId, HttpRequest)> = Vec::new();
            let mut verified_at: Option<i64> = None;
            let allowed = [AUTH.to_owned(), ISSUER.to_owned()];
            for step in steps {
                let before = w.sent.len();
                match step {
                    Step::Wait(ms) => {
                        w.now += i64::from(ms);
                        w.feed(Event::Wake);
                    }
                    Step::Refresh => w.feed(Event::Refresh),
                    Step::SignOut => w.feed(Event::SignOut),
                    Step::SignIn => {
                        w.feed(Event::SignIn {
                            config: Box::new(config("code", AUTH, "https://api.example/test")),
                            random: Ok(random()),
                        });
                    }
                    Step::Reload => {
                        in_flight.clear();
                        w.held.clear();
                        w.reload();
                    }
                    Step::Answers(kind) => {
                        let held: Vec<_> = std::mem::take(&mut w.held);
                        for (id, request) in held {
                            let result = answer(kind, &mut w, &request);
                            w.feed(Event::Answer { id, result });
                        }
                    }
                    Step::SessionNotSaved => w.feed(Event::SessionNotSaved),
                }
                // What is held now (each request once).
                in_flight = w.held.clone();
                // Never a token sent outside the session's configuration.
                for request in &w.sent[before..] {
                    prop_assert!(allowed.iter().any(|a| request.url.starts_with(a.as_str())), "{request:?}");
                }
                // Never two refreshes in flight.
                let refreshing = in_flight.iter()
                    .filter(|(_, r)| field(r, "grant_type").as_deref() == Some("refresh_token"))
                    .count();
                prop_assert!(refreshing <= 1, "{refreshing} refreshes in flight");
                // A scheduled refresh is never sooner than half a lifetime after new tokens.
                if let Some(s) = w.signed_in() {
                    if let RefreshStatus::Scheduled(Some(at)) = s.refresh {
                        prop_assert!(at >= s.session.received_at + s.session.lifetime() * 500);
                    }
                    verified_at = Some(s.session.received_at);
                }
                let _ = format!("{:?}", w.m.state());
            }
            let _ = verified_at;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]
        /// Per token set, at most one refresh is sent by itself: with answers always good, an
        /// hour's wake-ups send no more refreshes than the hour holds lifetimes (rounded up).
        #[test]
        fn at_most_one_scheduled_refresh_per_token_lifetime(
            offset in -80_000i64..80_000,
            lifetime in 2i64..7200,
            tick in 1u32..5000,
        ) {
            let mut w = World::new(Cognito { offset, lifetime, ..Cognito::default() });
            w.sign_in("code");
            prop_assert!(w.signed_in().is_some(), "{:?}", w.m.state());
            let hour = 3600 * 1000;
            let end = w.now + hour;
            while w.now < end {
                w.now += i64::from(tick);
                w.feed(Event::Wake);
            }
            // Each set lives `lifetime` and is refreshed at or after its half-life.
            let bound = (hour / (lifetime * 500)) as usize + 1;
            prop_assert!(w.refreshes() <= bound, "{} refreshes, bound {bound}", w.refreshes());
            prop_assert!(w.signed_in().is_some());
        }
    }
}

mod pasting {
    use super::*;
    use crate::auth::machine::paste::{PasteError, Pasted};
    use crate::auth::verify::{Unchecked, Verdict};

    fn paste(w: &mut World, text: &str) -> Pasted {
        w.feed(Event::Paste {
            text: text.into(),
            config: Box::new(config("code", AUTH, "https://api.example/test")),
        });
        w.m.pasted().expect("a paste result")
    }

    fn report(p: Pasted) -> crate::auth::machine::paste::PastedToken {
        match p {
            Pasted::Token(t) => *t,
            Pasted::Refused(e) => panic!("refused: {e}"),
        }
    }

    fn cli_token(w: &mut World, kind: &str) -> String {
        let iat = w.now / 1000 + w.cognito.offset;
        w.cognito.token(kind, iat, None)
    }

    #[test]
    fn a_pasted_token_is_checked_like_a_signed_in_one_and_kept_apart_from_the_session() {
        let mut w = World::new(Cognito::default());
        w.feed(Event::Start {
            callback: None,
            pending: None,
            saved: None,
        });
        let token = cli_token(&mut w, "id");
        let t = report(paste(&mut w, &format!("\"{token}\",\n")));
        assert!(t.report.is_valid(), "{:?}", t.report);
        assert_eq!(
            t.report.at_hash,
            Some(AtHash::Absent),
            "as the CLI's tokens"
        );
        // An ID token from the Hosted UI: its at_hash names an access token that is not here.
        let access = cli_token(&mut w, "access");
        let oauth = with_at_hash(&cli_token(&mut w, "id"), &access);
        let oauth = report(paste(&mut w, &oauth));
        assert!(oauth.report.is_valid());
        assert_eq!(oauth.report.at_hash, Some(AtHash::Alone));
        assert!(AtHash::Alone.describe().contains("not pasted with it"));
        let t = report(paste(&mut w, &format!("\"{token}\",\n")));
        assert_eq!(t.report.kind, TokenKind::Id);
        assert_eq!(t.report.raw, token, "cleaned of quotes and comma");
        assert_eq!(w.sent.len(), 1, "the configured pool's JWKS, nothing else");
        assert!(w.sent[0].url.starts_with(ISSUER));
        // Never a session: not saved, no refresh, still signed out.
        assert_eq!(w.saved, None);
        assert_eq!(w.m.state(), AuthState::SignedOut(SignedOutReason::Never));
        assert_eq!(w.m.next_wake(), None);
        // The keys are cached: a second paste needs no request.
        let access = cli_token(&mut w, "access");
        assert!(report(paste(&mut w, &access)).report.is_valid());
        assert_eq!(w.sent.len(), 1);
        w.feed(Event::ForgetPasted);
        assert_eq!(w.m.pasted(), None);
    }

    #[test]
    fn a_pasted_token_beside_a_session_leaves_the_session_alone() {
        let mut w = World::new(Cognito::default());
        w.sign_in("code");
        let before = w.signed_in().unwrap();
        let token = cli_token(&mut w, "access");
        assert!(report(paste(&mut w, &token)).report.is_valid());
        assert_eq!(w.signed_in().unwrap(), before);
        w.cognito.forged = true;
        let t = report(paste(&mut w, &token));
        assert!(matches!(
            t.report.signature,
            SignatureStatus::Invalid { .. }
        ));
        assert!(
            w.signed_in().is_some(),
            "a bad paste does not end the session"
        );
    }

    #[test]
    fn expired_foreign_tampered_and_unknown_key_tokens_are_refused_with_the_reason() {
        // Expired.
        let mut w = World::new(Cognito::default());
        let old = cli_token(&mut w, "id");
        w.now += 2 * 3600 * 1000;
        let t = report(paste(&mut w, &old));
        assert!(
            t.report
                .rejection()
                .unwrap()
                .to_string()
                .contains("expired"),
            "{:?}",
            t.report.verdict
        );
        // Another client of the pool.
        let mut w = World::new(Cognito::default());
        let token = cli_token(&mut w, "id");
        let jwt = crate::auth::jwt::decode(&token).unwrap();
        let mut claims = Value::Object(jwt.claims);
        claims["aud"] = json!("another-client");
        let foreign = encode(&Value::Object(jwt.header), &claims, b"signature");
        let t = report(paste(&mut w, &foreign));
        assert!(matches!(
            t.report.verdict,
            Verdict::Rejected(Rejection::Claim(ClaimError::WrongAudience(_)))
        ));
        // Signed with a key the pool does not have: fetched once, then named.
        let mut w = World::new(Cognito::default());
        w.cognito.kid = "k-other-pool".into();
        let token = cli_token(&mut w, "id");
        w.cognito.kid = "k1".into();
        let t = report(paste(&mut w, &token));
        assert_eq!(
            t.report.signature,
            SignatureStatus::NotChecked(Unchecked::UnknownKid("k-other-pool".into()))
        );
        assert_eq!(w.sent.len(), 1);
        // The keys out of reach: said, and the token stays unverified.
        let mut w = World::new(Cognito {
            jwks_failure: Some(network_down()),
            ..Cognito::default()
        });
        let token = cli_token(&mut w, "id");
        let t = report(paste(&mut w, &token));
        assert!(t.keys_error.is_some());
        assert!(t.report.is_pending());
        // Not a token at all.
        let mut w = World::new(Cognito::default());
        assert!(matches!(
            paste(&mut w, "<script>alert(1)</script>"),
            Pasted::Refused(PasteError::NotAJwt(_))
        ));
        assert!(w.sent.is_empty());
    }
}

#[test]
fn the_keys_are_fetched_while_the_code_is_exchanged_and_only_once() {
    let mut w = World::new(Cognito::default());
    w.hold = vec!["/oauth2/token".into(), "/.well-known/jwks.json".into()];
    w.sign_in("code");
    let urls: Vec<&str> = w.held.iter().map(|(_, r)| r.url.as_str()).collect();
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert!(urls[0].ends_with("/oauth2/token") && urls[1].ends_with("/jwks.json"));
    // The tokens arrive first: the job waits for the keys already on their way.
    let held = std::mem::take(&mut w.held);
    let (exchange, keys) = (held[0].clone(), held[1].clone());
    let result = w.serve(&exchange.1);
    w.feed(Event::Answer {
        id: exchange.0,
        result,
    });
    assert!(w.held.is_empty(), "no second JWKS request");
    assert!(matches!(
        w.m.state(),
        AuthState::Working(Work::Verifying { .. })
    ));
    let result = w.serve(&keys.1);
    w.feed(Event::Answer { id: keys.0, result });
    assert!(w.signed_in().is_some_and(|s| s.tokens.all_valid()));
    // Keys first, tokens after: no wait at all.
    let mut w = World::new(Cognito::default());
    w.hold = vec!["/oauth2/token".into()];
    w.sign_in("code");
    let (id, request) = w.held.remove(0);
    let result = w.serve(&request);
    w.feed(Event::Answer { id, result });
    assert!(w.signed_in().is_some());
    let jwks = w
        .sent
        .iter()
        .filter(|r| r.url.ends_with("/jwks.json"))
        .count();
    assert_eq!(jwks, 1);
    // A failed early fetch is the job's to retry, as before.
    let mut w = World::new(Cognito {
        jwks_failure: Some(network_down()),
        ..Cognito::default()
    });
    w.sign_in("code");
    assert!(
        matches!(
            w.m.state(),
            AuthState::Working(Work::Verifying { retry: Some(_), .. })
        ),
        "{:?}",
        w.m.state()
    );
}

#[test]
fn a_step_is_in_flight_until_it_ends_or_waits_to_retry() {
    // Nothing has happened yet; a fresh page with nothing saved is at rest at once.
    assert!(Machine::new(1).state().in_flight());
    let mut w = World::new(Cognito::default());
    w.reload();
    assert!(!w.m.state().in_flight(), "{:?}", w.m.state());
    // A callback: in flight while the exchange and the keys are out, at rest once verified.
    w.hold = vec!["/oauth2/token".into(), "/.well-known/jwks.json".into()];
    w.sign_in("code");
    assert!(w.m.state().in_flight(), "{:?}", w.m.state());
    w.hold.clear();
    for (id, request) in std::mem::take(&mut w.held) {
        let result = w.serve(&request);
        w.feed(Event::Answer { id, result });
    }
    assert!(w.signed_in().is_some());
    assert!(!w.m.state().in_flight());
    // Waiting to retry the exchange shows that wait: not in flight.
    let mut w = World::new(Cognito {
        token_failure: Some(network_down()),
        ..Cognito::default()
    });
    w.sign_in("code");
    assert!(!w.m.state().in_flight(), "{:?}", w.m.state());
    // A refused callback is over at once.
    let mut w = World::new(Cognito::default());
    w.feed(Event::Start {
        callback: CallbackParams::read("code=c0de&state=nobody-started-this", ""),
        pending: None,
        saved: None,
    });
    assert!(matches!(w.m.state(), AuthState::Failed { .. }));
    assert!(!w.m.state().in_flight());
}
