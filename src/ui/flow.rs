//! The sign-in flow on screen: the state the page is in, the timeline of what happened, and
//! the actions (sign in, refresh, userInfo, sign out). The work itself is in `web::signin`.

use super::SettingsState;
use crate::auth::callback::CallbackParams;
use crate::auth::session::Session;
use crate::config::Config;
use crate::web::config_source::FileStatus;
use crate::web::signin::{self, Outcome, Step, Verified};
use crate::web::{self, storage};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Where the sign-in stands.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthState {
    /// Loading the configuration, finishing a callback, or restoring a session.
    Working(String),
    SignedOut,
    SignedIn {
        session: Session,
        tokens: Verified,
    },
    /// Tokens arrived but failed their checks: shown for teaching, not used.
    Rejected {
        tokens: Verified,
        reason: String,
    },
    Failed(String),
}

impl AuthState {
    pub fn tokens(&self) -> Option<&Verified> {
        match self {
            AuthState::SignedIn { tokens, .. } | AuthState::Rejected { tokens, .. } => Some(tokens),
            _ => None,
        }
    }

    pub fn session(&self) -> Option<&Session> {
        match self {
            AuthState::SignedIn { session, .. } => Some(session),
            _ => None,
        }
    }
}

impl From<Outcome> for AuthState {
    fn from(o: Outcome) -> AuthState {
        match o {
            Outcome::SignedIn { session, tokens } => AuthState::SignedIn { session, tokens },
            Outcome::Rejected { tokens, reason } => AuthState::Rejected { tokens, reason },
            Outcome::Failed(e) => AuthState::Failed(e),
        }
    }
}

/// The flow's state, shared by the stages (a `Copy` handle made once at the root).
#[derive(Clone, Copy)]
pub struct Flow {
    pub state: RwSignal<AuthState>,
    pub timeline: RwSignal<Vec<Step>>,
    /// Seconds since the epoch, ticking once a second (countdowns, refresh ahead of expiry).
    pub now: RwSignal<i64>,
    pub refreshing: RwSignal<bool>,
    pub user_info: RwSignal<Option<Result<(u16, String), String>>>,
    /// The ID token a refresh replaced: once expired, the 401 lab can show what that gets.
    pub replaced_id_token: RwSignal<Option<String>>,
}

impl Flow {
    pub fn new() -> Flow {
        Flow {
            state: RwSignal::new(AuthState::Working("Loading the configuration…".into())),
            timeline: RwSignal::new(Vec::new()),
            now: RwSignal::new(web::now()),
            refreshing: RwSignal::new(false),
            user_info: RwSignal::new(None),
            replaced_id_token: RwSignal::new(None),
        }
    }

    fn log(&self, step: Step) {
        self.timeline.update(|t| t.push(step));
    }

    /// Once config.json is in: finish a callback, or restore a saved session.
    pub fn begin(self, settings: SettingsState, callback: Option<CallbackParams>) {
        spawn_local(async move {
            let (file, status) = web::config_source::fetch_config_file().await;
            settings.file.set(file);
            settings.file_status.set(status);
            let config = match settings.config() {
                Ok(c) => c,
                Err(_) => {
                    self.state.set(AuthState::Failed(
                        "The configuration has problems (see above), so sign-in cannot start."
                            .into(),
                    ));
                    return;
                }
            };
            if let Some(params) = callback {
                self.log(Step::ok("Back from the Hosted UI with a callback", None));
                self.state
                    .set(AuthState::Working("Finishing the sign-in…".into()));
                let outcome = signin::complete_callback(&config, &params, &|s| self.log(s)).await;
                let verified = matches!(outcome, Outcome::SignedIn { .. });
                self.state.set(outcome.into());
                if verified {
                    web::mark_verified();
                }
            } else if let Some(session) = storage::load_session() {
                self.state
                    .set(AuthState::Working("Checking the saved session…".into()));
                self.state
                    .set(signin::restore(&config, session).await.into());
            } else {
                self.state.set(AuthState::SignedOut);
            }
        });
    }

    pub fn sign_in(self, config: &Config) {
        self.state
            .set(AuthState::Working("Going to the Hosted UI…".into()));
        if let Err(e) = signin::start_sign_in(config) {
            self.state
                .set(AuthState::Failed(format!("Sign-in could not start: {e}")));
        }
    }

    pub fn refresh(self, config: Config) {
        let Some(session) = self.state.with_untracked(|s| s.session().cloned()) else {
            return;
        };
        if self.refreshing.get_untracked() {
            return;
        }
        self.refreshing.set(true);
        spawn_local(async move {
            let started = web::now_ms();
            let outcome = signin::refresh(&config, &session).await;
            if matches!(outcome, Outcome::SignedIn { .. }) {
                self.replaced_id_token
                    .set(Some(session.id_token.secret().to_owned()));
            }
            match &outcome {
                Outcome::SignedIn { .. } => self.log(Step::ok(
                    "Refreshed with the refresh token: new ID and access tokens, verified (the refresh token is kept)",
                    Some(format!("{} ms", web::now_ms() - started)),
                )),
                Outcome::Failed(e) | Outcome::Rejected { reason: e, .. } => {
                    self.log(Step::failed("Refresh failed", Some(e.clone())))
                }
            }
            self.state.set(outcome.into());
            self.refreshing.set(false);
        });
    }

    pub fn load_user_info(self, config: Config) {
        let Some(session) = self.state.with_untracked(|s| s.session().cloned()) else {
            return;
        };
        spawn_local(async move {
            let answer = signin::user_info(&config, &session.access_token).await;
            self.user_info.set(Some(answer));
        });
    }

    pub fn sign_out(self, config: Config) {
        let session = self.state.with_untracked(|s| s.session().cloned());
        self.state.set(AuthState::Working("Signing out…".into()));
        spawn_local(async move {
            signin::sign_out(&config, session.as_ref()).await;
        });
    }
}

impl Default for Flow {
    fn default() -> Self {
        Flow::new()
    }
}

/// Stage 1's controls: sign in, or who is signed in with refresh and sign-out.
#[component]
pub fn SignInControls(settings: SettingsState, flow: Flow) -> impl IntoView {
    let config = move || settings.config().ok();
    let loading = move || settings.file_status.get() == FileStatus::Loading;
    view! {
        {move || match flow.state.get() {
            AuthState::SignedIn { tokens, session } => {
                let who = tokens
                    .id
                    .decoded
                    .as_ref()
                    .ok()
                    .and_then(|j| j.str_claim("cognito:username").map(str::to_owned))
                    .unwrap_or_default();
                let can_refresh = session.refresh_token.is_some();
                view! {
                    <p class="signed-in" data-testid="signed-in-as">
                        "Signed in as " <strong>{who}</strong>
                    </p>
                    <div class="actions">
                        <button type="button" class="button secondary" data-testid="refresh"
                            disabled=move || !can_refresh || flow.refreshing.get()
                            on:click=move |_| { if let Some(c) = config() { flow.refresh(c) } }>
                            {move || if flow.refreshing.get() { "Refreshing…" } else { "Refresh tokens" }}
                        </button>
                        <button type="button" class="button primary" data-testid="sign-out"
                            on:click=move |_| { if let Some(c) = config() { flow.sign_out(c) } }>
                            "Sign out"
                        </button>
                    </div>
                }
                .into_any()
            }
            state => {
                let busy = matches!(state, AuthState::Working(_));
                view! {
                    <button type="button" class="button primary big" data-testid="sign-in"
                        disabled=move || busy || loading() || config().is_none()
                        on:click=move |_| { if let Some(c) = config() { flow.sign_in(&c) } }>
                        "Sign in with the Hosted UI"
                    </button>
                }
                .into_any()
            }
        }}
    }
}

/// Stage 2's body: the timeline and the state of the sign-in.
#[component]
pub fn CallbackStatus(flow: Flow) -> impl IntoView {
    view! {
        <ol class="timeline" data-testid="timeline" aria-live="polite">
            {move || flow.timeline.get().into_iter().map(|step| view! {
                <li class=if step.ok { "ok" } else { "failed" }>
                    <span class="mark" aria-hidden="true">{if step.ok { "✓" } else { "✗" }}</span>
                    <span class="visually-hidden">{if step.ok { "Done: " } else { "Failed: " }}</span>
                    {step.text}
                    {step.detail.map(|d| view! { <span class="detail">{d}</span> })}
                </li>
            }).collect_view()}
        </ol>
        {move || match flow.state.get() {
            AuthState::Working(what) => Some(view! {
                <p class="status working" role="status" data-testid="auth-working"><span class="spinner" aria-hidden="true"></span>{what}</p>
            }.into_any()),
            AuthState::Failed(e) => Some(view! {
                <p class="status error" role="alert" data-testid="auth-error">{e}</p>
            }.into_any()),
            AuthState::Rejected { reason, .. } => Some(view! {
                <p class="status error" role="alert" data-testid="auth-error">{reason}</p>
            }.into_any()),
            _ => None,
        }}
    }
}
