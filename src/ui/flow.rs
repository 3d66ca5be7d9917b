//! The sign-in flow on screen: the machine's state, the timeline of what happened (in words
//! chosen here), and the actions. The decisions are the session machine's (`auth::machine`);
//! the work is its driver's (`web::driver`).

use super::{dom, SettingsState};
use crate::auth::callback::CallbackParams;
use crate::auth::error::duration;
use crate::auth::http::HttpResult;
use crate::auth::machine::paste::{Pasted, PastedToken};
use crate::auth::machine::{
    Attempt, AuthState, Event, Milestone, RefreshStatus, Retry, SignedIn, SignedOutReason, Work,
};
use crate::auth::verify::Verified;
use crate::config::Flow as FlowKind;
use crate::web::config_source::FileStatus;
use crate::web::driver::Driver;
use crate::web::{self, http};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The flow's state, shared by the stages (a `Copy` handle made once at the root).
#[derive(Clone, Copy)]
pub struct Flow {
    pub driver: Driver,
    pub state: RwSignal<AuthState>,
    /// Seconds since the epoch on this computer's clock, ticking once a second (countdowns).
    pub now: RwSignal<i64>,
    pub user_info: RwSignal<Option<HttpResult>>,
    /// A userInfo call is on its way.
    pub user_info_busy: RwSignal<bool>,
}

impl Flow {
    pub fn new() -> Flow {
        let driver = Driver::new();
        Flow {
            driver,
            state: driver.state,
            now: RwSignal::new(web::now()),
            user_info: RwSignal::new(None),
            user_info_busy: RwSignal::new(false),
        }
    }

    /// Finish a callback or restore a saved session at once (they carry their own
    /// configuration).
    pub fn begin(self, callback: Option<CallbackParams>) {
        self.driver.start(callback);
    }

    /// Read config.json (index.html asks for it beside the wasm) for the next sign-in.
    pub fn read_config(self, settings: SettingsState) {
        spawn_local(async move {
            let (file, status) = web::config_source::fetch_config_file().await;
            settings.file.set(file);
            settings.file_status.set(status);
        });
    }

    /// `f` of the signed-in state, read in place (tracked): no copy of the session and its
    /// token reports.
    pub fn with_signed_in<R>(&self, f: impl FnOnce(&SignedIn) -> R) -> Option<R> {
        self.state.with(|s| match s {
            AuthState::SignedIn(s) => Some(f(s)),
            _ => None,
        })
    }

    pub fn is_signed_in(&self) -> bool {
        self.state.with(|s| matches!(s, AuthState::SignedIn(_)))
    }

    /// `f` of the pasted token, if one was accepted, read in place (tracked).
    pub fn with_pasted<R>(&self, f: impl FnOnce(&PastedToken) -> R) -> Option<R> {
        self.driver.pasted.with(|p| match p {
            Some(Pasted::Token(t)) => Some(f(t)),
            _ => None,
        })
    }

    pub fn has_pasted_token(&self) -> bool {
        self.with_pasted(|_| ()).is_some()
    }

    /// Check pasted text as a token of the configured pool (beside the session, memory only).
    pub fn paste(self, settings: SettingsState, text: String) {
        if let Ok(config) = settings.config() {
            self.driver.handle(Event::Paste {
                text,
                config: Box::new(config),
            });
        }
    }

    pub fn forget_pasted(self) {
        self.driver.handle(Event::ForgetPasted);
    }

    pub fn sign_in(self, settings: SettingsState) {
        if let Ok(config) = settings.config() {
            self.driver.sign_in(config);
        }
    }

    pub fn refresh(self) {
        self.driver.handle(Event::Refresh);
    }

    pub fn sign_out(self) {
        self.driver.handle(Event::SignOut);
    }

    /// Workshop mode's "Reset for the next person": signed out everywhere, the pasted token,
    /// the userInfo answer and the sequence diagram forgotten, the Hosted UI's session ended (see `Event::Reset`).
    pub fn reset(self, settings: SettingsState) {
        self.user_info.set(None);
        let config = settings.config().ok().map(Box::new);
        self.driver.handle(Event::Reset { config });
        // The next person starts with an empty diagram (its logout arrow included).
        self.driver.forget_trace();
    }

    /// `GET /oauth2/userInfo` of the session's own Hosted UI domain, with its access token.
    pub fn load_user_info(self) {
        let Some(s) = self.state.with_untracked(|s| match s {
            AuthState::SignedIn(s) => Some(s.session.clone()),
            _ => None,
        }) else {
            return;
        };
        self.user_info_busy.set(true);
        spawn_local(async move {
            let bearer = format!("Bearer {}", s.access_token.secret());
            let url = s.binding.user_info_endpoint();
            let id = self.driver.sent(
                crate::trace::Party::UserInfo,
                "GET",
                &url,
                &[("Authorization", &bearer)],
                None,
            );
            let answer = http::fetch("GET", &url, &[("Authorization", &bearer)], None).await;
            self.driver.answered_with(id, &answer);
            self.user_info.set(Some(answer));
            self.user_info_busy.set(false);
        });
    }
}

impl Default for Flow {
    fn default() -> Self {
        Flow::new()
    }
}

/// The tokens on show: verified, being verified, or rejected (for teaching).
pub fn tokens_of(state: &AuthState) -> Option<(Verified, i64)> {
    match state {
        AuthState::SignedIn(s) => Some((s.tokens.clone(), s.session.clock_offset)),
        // Shown while the keys are out of reach (retrying); on the fast path the cards wait for
        // the verdict, so the long claim tables render once, not once per signature check.
        AuthState::Working(Work::Verifying {
            tokens,
            retry: Some(_),
        }) => Some(((**tokens).clone(), 0)),
        AuthState::Failed {
            tokens: Some(tokens),
            ..
        } => Some(((**tokens).clone(), 0)),
        _ => None,
    }
}

fn attempt_words(what: Attempt) -> &'static str {
    match what {
        Attempt::Callback => "Callback refused",
        Attempt::Exchange => "Code exchange failed",
        Attempt::Keys => "The user pool's keys could not be fetched",
        Attempt::Verify => "Tokens rejected",
        Attempt::Restore => "The saved session was rejected",
        Attempt::Refresh => "Refresh failed",
        Attempt::SignIn => "Sign-in could not start",
    }
}

/// A line of the timeline: (ok, text, detail).
pub(super) fn describe(m: &Milestone) -> (bool, String, Option<String>) {
    match m {
        Milestone::CallbackAccepted { flow } => (
            true,
            "Callback matched this tab's sign-in (state), address bar cleaned".into(),
            Some(match flow {
                FlowKind::Code => "The pending sign-in was used up: replaying this URL will be refused. Next: the code goes to the token endpoint of the Hosted UI domain this sign-in started with.".into(),
                FlowKind::Implicit => "The pending sign-in was used up: replaying this URL will be refused.".into(),
            }),
        ),
        Milestone::CodeExchanged { ms } => (
            true,
            "Code exchanged for tokens at /oauth2/token (with the PKCE verifier)".into(),
            Some(format!("{ms} ms")),
        ),
        Milestone::TokensInFragment => (true, "Tokens read from the URL fragment (implicit flow)".into(), None),
        Milestone::ClockCorrected { secs } => (
            true,
            format!(
                "This computer's clock is {} {} Cognito's: token times are corrected for it",
                duration(secs.unsigned_abs()),
                if *secs < 0 { "ahead of" } else { "behind" }
            ),
            Some("Measured from the tokens' issue time; refreshes are scheduled on this computer's clock.".into()),
        ),
        Milestone::Verified { ms } => (
            true,
            "Both tokens verified: RS256 signature (WebCrypto), issuer, audience, token_use, expiry, nonce".into(),
            Some(format!("{ms} ms")),
        ),
        Milestone::Restored => (true, "Saved session checked again after the reload".into(), None),
        Milestone::Refreshed { ms, rotated, id_token_kept } => (
            true,
            format!(
                "Refreshed with the refresh token: new {} verified ({})",
                if *id_token_kept { "access token" } else { "ID and access tokens" },
                if *rotated { "the refresh token rotated: the new one replaces the old" } else { "the refresh token is kept" }
            ),
            Some(format!(
                "{ms} ms{}",
                if *id_token_kept { "; Cognito sent no new ID token, so the previous one stays" } else { "" }
            )),
        ),
        Milestone::Retrying { what, error, in_ms } => (
            false,
            format!("{}; retrying in {}", attempt_words(*what), duration((*in_ms as u64).div_ceil(1000))),
            Some(error.to_string()),
        ),
        Milestone::Failed { what, error } => (false, attempt_words(*what).into(), Some(error.to_string())),
        Milestone::SignedOut => (
            true,
            "Signed out: tokens forgotten here; now revoking the refresh token and ending the Hosted UI session".into(),
            None,
        ),
    }
}

fn retry_words(what: &str, retry: &Retry, now_secs: i64) -> String {
    let left = (retry.at / 1000).saturating_sub(now_secs).max(0) as u64;
    format!("{what}: {} Retrying in {}.", retry.error, duration(left))
}

/// Stage 1's controls, drawn into `root` (dom.rs: the first screen has no Leptos views, so
/// their render code stays in the later module): sign in, or who is signed in with refresh and
/// sign-out. Clicks reach them through the page's click listener ([`Flow::clicked`]).
pub fn sign_in_controls(root: &web_sys::Element, settings: SettingsState, flow: Flow) {
    let controls = dom::add(root, "div", &[("id", "sign-in-controls")], "");
    // Working, the configuration still loading or wrong: nothing to sign in with yet.
    let sign_in_disabled = move || {
        let busy = flow
            .state
            .with(|s| matches!(s, AuthState::Working(_) | AuthState::Starting));
        busy || settings.file_status.with(|s| *s == FileStatus::Loading)
            || settings.config().is_err()
    };
    // Drawn again whole when what it shows changes, as a reactive view would.
    let shown = Memo::new(move |_| {
        flow.state.with(|state| match state {
            AuthState::SignedIn(s) => Some((
                s.tokens
                    .id
                    .claim_str("cognito:username")
                    .unwrap_or_default()
                    .to_owned(),
                s.session.refresh_token.is_some(),
                s.refresh == RefreshStatus::Running,
                match &s.refresh {
                    RefreshStatus::Retrying(r) => Some((r.clone(), s.session.expires_at() / 1000)),
                    _ => None,
                },
                s.memory_only,
            )),
            _ => None,
        })
    });
    Effect::new(move |_| {
        controls.set_text_content(None);
        let Some((who, can_refresh, running, retry, memory_only)) = shown.get() else {
            let attrs = [
                ("type", "button"),
                ("class", "button primary big"),
                ("data-testid", "sign-in"),
            ];
            let button = dom::add(&controls, "button", &attrs, "Sign in with the Hosted UI");
            if untrack(sign_in_disabled) {
                let _ = button.set_attribute("disabled", "");
            } else {
                request_animation_frame(web::mark_sign_in);
            }
            return;
        };
        let p = dom::add(
            &controls,
            "p",
            &[("class", "signed-in"), ("data-testid", "signed-in-as")],
            "Signed in as ",
        );
        dom::add(
            &p,
            "strong",
            &[("class", "private"), ("tabindex", "0")],
            &who,
        );
        if retry.is_some() {
            let attrs = [
                ("class", "status warning"),
                ("role", "status"),
                ("data-testid", "refresh-retry"),
                ("id", "refresh-retry"),
            ];
            dom::add(&controls, "p", &attrs, "");
        }
        if memory_only {
            dom::add(
                &controls,
                "p",
                &[("class", "note"), ("data-testid", "memory-only-notice")],
                "This browser refused to store the session, so it lives in this page's memory only: a reload signs you out.",
            );
        }
        let actions = dom::add(&controls, "div", &[("class", "actions")], "");
        let refresh = dom::add(
            &actions,
            "button",
            &[
                ("type", "button"),
                ("class", "button secondary"),
                ("data-testid", "refresh"),
            ],
            if running {
                "Refreshing…"
            } else {
                "Refresh tokens"
            },
        );
        if !can_refresh || running {
            let _ = refresh.set_attribute("disabled", "");
        }
        let attrs = [
            ("type", "button"),
            ("class", "button primary"),
            ("data-testid", "sign-out"),
        ];
        dom::add(&actions, "button", &attrs, "Sign out");
    });
    // The retry line's words, each second (its countdown).
    Effect::new(move |_| {
        let Some((_, _, _, Some((retry, expires_at)), _)) = shown.get() else {
            return;
        };
        let now = flow.now.get();
        let mut words = retry_words("Refresh failed", &retry, now);
        if now >= expires_at {
            words.push_str(
                " The tokens have expired meanwhile: the API answers 401 until a refresh works.",
            );
        }
        if let Some(line) = dom::by_id("refresh-retry") {
            line.set_text_content(Some(&words));
        }
    });
    // The sign-in button's state, in place (it keeps focus while the configuration loads).
    Effect::new(move |_| {
        let disabled = sign_in_disabled();
        if let Some(button) = dom::by_testid("sign-in") {
            if !disabled {
                // At the next frame: "usable on screen", for the first-visit benchmark.
                request_animation_frame(web::mark_sign_in);
            }
            let _ = if disabled {
                button.set_attribute("disabled", "")
            } else {
                button.remove_attribute("disabled")
            };
        }
    });
}

impl Flow {
    /// A click on one of stage 1's controls (`data-testid` of the target).
    pub fn clicked(self, testid: &str, settings: SettingsState) {
        match testid {
            "sign-in" => self.sign_in(settings),
            "refresh" => self.refresh(),
            "sign-out" => self.sign_out(),
            _ => {}
        }
    }
}

/// Stage 2's body, drawn into `root`: the timeline and the state of the sign-in (dom.rs).
pub fn callback_status(root: &web_sys::Element, flow: Flow) {
    let ol = [
        ("class", "timeline"),
        ("data-testid", "timeline"),
        ("aria-live", "polite"),
        ("id", "timeline"),
    ];
    dom::add(root, "ol", &ol, "");
    dom::add(root, "div", &[("id", "auth-status")], "");
    let timeline = flow.driver.timeline;
    // Only what is new is added, so the live region reads out each new line.
    Effect::new(move |_| timeline.with(|t| draw_timeline(t)));
    // (working, words): a step under way, or what went wrong.
    Effect::new(move |_| {
        let status = match flow.state.get() {
            AuthState::Starting => Some((true, "Starting…".into())),
            AuthState::Working(Work::Redirecting) => Some((true, "Going to the Hosted UI…".into())),
            AuthState::Working(Work::ExchangingCode { retry: None }) => Some((true, "Exchanging the code for tokens…".into())),
            AuthState::Working(Work::ExchangingCode { retry: Some(r) }) => Some((true, retry_words("The code exchange failed", &r, flow.now.get()))),
            AuthState::Working(Work::Verifying { retry: None, .. }) => Some((true, "Checking the tokens' signatures and claims…".into())),
            AuthState::Working(Work::Verifying { retry: Some(r), .. }) => Some((true, format!(
                "The tokens are not verified yet. {}",
                retry_words("The keys could not be fetched", &r, flow.now.get())
            ))),
            AuthState::Failed { error: e, .. } => Some((false, e.to_string())),
            AuthState::SignedOut(SignedOutReason::Refused(e)) => Some((false, e.to_string())),
            AuthState::SignedOut(SignedOutReason::Expired) => Some((false,
                "The tokens expired and this session has no refresh token (the implicit flow never gets one). Sign in again.".into(),
            )),
            AuthState::SignedOut(_) | AuthState::SignedIn(_) => None,
        };
        let Some(root) = dom::canvas("auth-status") else {
            return;
        };
        match status {
            Some((true, words)) => {
                let line = dom::working(&root, "p", &words);
                let _ = line.set_attribute("role", "status");
                let _ = line.set_attribute("data-testid", "auth-working");
            }
            Some((false, words)) => {
                let attrs = [
                    ("class", "status error"),
                    ("role", "alert"),
                    ("data-testid", "auth-error"),
                ];
                dom::add(&root, "p", &attrs, &words);
            }
            None => {}
        }
    });
}

fn draw_timeline(timeline: &[Milestone]) {
    let Some(ol) = dom::by_id("timeline") else {
        return;
    };
    let mut drawn = ol.child_element_count() as usize;
    if drawn > timeline.len() {
        ol.set_text_content(None);
        drawn = 0;
    }
    for m in &timeline[drawn..] {
        let (ok, text, detail) = describe(m);
        let li = dom::add(
            &ol,
            "li",
            &[("class", if ok { "ok" } else { "failed" })],
            "",
        );
        dom::add(
            &li,
            "span",
            &[("class", "mark"), ("aria-hidden", "true")],
            if ok { "✓" } else { "✗" },
        );
        dom::add(
            &li,
            "span",
            &[("class", "visually-hidden")],
            if ok { "Done: " } else { "Failed: " },
        );
        dom::text(&li, &text);
        if let Some(d) = detail {
            dom::add(&li, "span", &[("class", "detail")], &d);
        }
    }
}
