//! The whole sign-in and session lifecycle as a sans-I/O state machine (the way quinn-proto's
//! `Connection` works): the shell feeds [`Event`]s with this computer's time, performs the
//! [`Effect`]s that come back, and wakes the machine at [`Machine::next_wake`]. Every rule —
//! what a callback means, when to refresh, what a failure costs, where a token may go — is
//! decided here and tested natively.
//!
//! Times are this computer's clock in milliseconds since the epoch. Token times are the
//! issuer's clock; the offset between the two is measured from each fresh token's `iat`, so a
//! browser clock that is off (a time-zone slip, a dead battery) neither rejects good tokens nor
//! makes them look due for a refresh every second.

use super::authorize::{authorize_url, logout_url};
use super::callback::{handle_callback, CallbackError, CallbackParams, Next};
use super::claims::{Expected, TokenKind};
use super::error::{AuthError, BrowserError, KeysError, StorageError};
use super::http::{HttpAnswer, HttpRequest, HttpResult, RequestId};
use super::jwks::{Jwk, Jwks};
use super::pending::{PendingLogin, Randomness};
use super::secret::{IdToken, RefreshToken};
use super::session::{Binding, Session, TokenTimes};
use super::token::{self, TokenError, TokenSet};
use super::verify::{Rejection, SignatureStatus, TokenReport, Unchecked, Verified};
use crate::config::{Config, Flow};
use std::fmt;

/// A clock further off than this is not corrected: the person is asked to fix it.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 24 * 3600;
/// How long sign-out waits for the revoke call before going to `/logout` anyway.
pub const REVOKE_TIMEOUT_MS: u32 = 3000;
/// Attempts at exchanging one code (it is single use and lives five minutes).
pub const EXCHANGE_ATTEMPTS: u32 = 3;
/// The first retry waits about this long; each later one twice as long, up to the cap.
pub const BACKOFF_BASE_MS: i64 = 2000;
pub const BACKOFF_CAP_MS: i64 = 120_000;

/// What happened, fed to the machine by the shell.
// Events are made, handled once and dropped: the size of `Start` costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// The page loaded: the callback taken from the address bar (if this load is one), the
    /// pending sign-in and the saved session as read from storage.
    Start {
        callback: Option<CallbackParams>,
        pending: Option<PendingLogin>,
        saved: Option<Session>,
    },
    /// The person pressed Sign in, with the configuration in force and fresh random bytes (or
    /// why the browser gave none).
    SignIn {
        config: Box<Config>,
        random: Result<Randomness, BrowserError>,
    },
    /// Whether the pending sign-in could be saved (it must survive the trip to the Hosted UI).
    PendingSaved(Result<(), StorageError>),
    Answer {
        id: RequestId,
        result: HttpResult,
    },
    /// WebCrypto's answer: `Ok(true)` the signature matches, `Ok(false)` it does not, `Err` the
    /// key could not be used (WebCrypto's words).
    Signature {
        id: RequestId,
        result: Result<bool, CryptoError>,
    },
    /// Storage refused the session: it lives in memory only.
    SessionNotSaved,
    /// The time asked for by [`Machine::next_wake`] has come (or any time later).
    Wake,
    /// The person asked for new tokens now.
    Refresh,
    SignOut,
    /// "Reset for the next person" (workshop mode): sign out everywhere as [`Event::SignOut`]
    /// does, forget a pasted token too, and when nobody is signed in here, still end the
    /// Hosted UI's session (its cookie would sign the next person in as the last one) at the
    /// configured domain, if there is a configuration.
    Reset {
        config: Option<Box<Config>>,
    },
    /// "Use a token you already have": text pasted, to be checked against the pool `config`
    /// names (see [`paste`]).
    Paste {
        text: String,
        config: Box<Config>,
    },
    ForgetPasted,
}

/// WebCrypto could not use a key (its own words).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptoError(pub String);

/// What the shell must do, in order.
#[derive(Debug, PartialEq)]
pub enum Effect {
    Send {
        id: RequestId,
        request: HttpRequest,
    },
    /// Check an RS256 signature over `signed` with `key` (WebCrypto), answer with
    /// [`Event::Signature`].
    Verify {
        id: RequestId,
        key: Jwk,
        signed: Redacted<String>,
        signature: Vec<u8>,
    },
    Navigate(String),
    SavePending(PendingLogin),
    /// The pending sign-in was used (or refused): remove it, so it cannot be used again.
    ForgetPending,
    SaveSession(Box<Session>),
    /// Remove every token (and any pending sign-in) from storage.
    ClearSession,
    /// Something the timeline shows.
    Note(Milestone),
}

/// A value `Debug` never shows.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted<T>(pub T);

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A step of the flow, for the timeline (the UI chooses the words).
#[derive(Clone, Debug, PartialEq)]
pub enum Milestone {
    CallbackAccepted {
        flow: Flow,
    },
    CodeExchanged {
        ms: i64,
    },
    TokensInFragment,
    /// The clock here differs from the issuer's by more than the leeway; times are corrected.
    ClockCorrected {
        secs: i64,
    },
    Verified {
        ms: i64,
    },
    Restored,
    Refreshed {
        ms: i64,
        rotated: bool,
        id_token_kept: bool,
    },
    Retrying {
        what: Attempt,
        error: AuthError,
        in_ms: i64,
    },
    /// The step that ended a sign-in or a session.
    Failed {
        what: Attempt,
        error: AuthError,
    },
    SignedOut,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Callback,
    Exchange,
    Keys,
    Verify,
    Restore,
    Refresh,
    SignIn,
}

/// Where the sign-in stands: the one state the UI reads.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthState {
    Starting,
    SignedOut(SignedOutReason),
    Working(Work),
    SignedIn(Box<SignedIn>),
    Failed {
        error: AuthError,
        /// Tokens that failed their checks: shown for teaching, never used.
        tokens: Option<Box<Verified>>,
    },
}

impl AuthState {
    /// A step is under way with nothing to show but progress: starting, leaving for the Hosted
    /// UI, exchanging the code or checking tokens, not waiting to retry. The page mounts its
    /// controls once this is over (or after a moment, issue 12), so a fast callback renders once.
    pub fn in_flight(&self) -> bool {
        matches!(
            self,
            AuthState::Starting
                | AuthState::Working(
                    Work::Redirecting
                        | Work::ExchangingCode { retry: None }
                        | Work::Verifying { retry: None, .. }
                )
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum SignedOutReason {
    Never,
    ByYou,
    /// The tokens ran out and there was no refresh token (implicit flow).
    Expired,
    /// Cognito refused: an `error=` callback, or the refresh token.
    Refused(AuthError),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    Redirecting,
    ExchangingCode {
        retry: Option<Retry>,
    },
    /// Checking new or saved tokens; `retry` when the keys could not be fetched yet.
    Verifying {
        tokens: Box<Verified>,
        retry: Option<Retry>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Retry {
    /// Local ms.
    pub at: i64,
    pub error: AuthError,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SignedIn {
    pub session: Session,
    pub tokens: Verified,
    pub refresh: RefreshStatus,
    /// The ID token a refresh replaced (for the 401 lab's expired token).
    pub replaced_id_token: Option<IdToken>,
    /// Storage refused the session: it is kept in memory only.
    pub memory_only: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RefreshStatus {
    /// Due at this local time (none without a refresh token).
    Scheduled(Option<i64>),
    Running,
    Retrying(Retry),
}

/// Checking one answer's tokens: the JWKS (once more for an unknown kid), then WebCrypto.
#[derive(Debug)]
struct Job {
    goal: Goal,
    tokens: Verified,
    binding: Binding,
    refresh_token: Option<RefreshToken>,
    nonce: Option<String>,
    implicit: bool,
    /// The ID and access tokens came in the same answer, so `at_hash` can tie them.
    paired: bool,
    /// The issuer's clock minus this one, seconds.
    offset: i64,
    started: i64,
    /// A JWKS was fetched for this job (an unknown kid is then final).
    fetched: bool,
    keys_request: Option<RequestId>,
    keys_retry: Option<Retry>,
    keys_failures: u32,
    signatures: Vec<(RequestId, TokenKind)>,
}

#[derive(Debug)]
enum Goal {
    SignIn,
    Restore(Box<Session>),
    /// Refreshing this session; the ID token was kept when the answer had none.
    Refresh {
        id_token_kept: bool,
        rotated: bool,
    },
}

#[derive(Debug)]
enum Refresh {
    Idle,
    Sending { id: RequestId, started: i64 },
    Verifying(Box<Job>),
    RetryAt(Retry),
}

#[derive(Debug)]
struct Live {
    session: Session,
    tokens: Verified,
    refresh: Refresh,
    failures: u32,
    replaced_id_token: Option<IdToken>,
    memory_only: bool,
}

#[derive(Debug)]
struct Exchange {
    binding: Binding,
    nonce: String,
    next: Next,
    attempt: u32,
    started: i64,
    request: Option<RequestId>,
    retry: Option<Retry>,
}

#[derive(Debug)]
enum Phase {
    Starting,
    SignedOut(SignedOutReason),
    Failed {
        error: AuthError,
        tokens: Option<Box<Verified>>,
    },
    Redirecting {
        url: String,
    },
    Exchanging(Box<Exchange>),
    Verifying(Box<Job>),
    Live(Box<Live>),
    /// Signed out already; waiting (a little) for the revoke call before `/logout`.
    SigningOut {
        logout: String,
        revoke: RequestId,
        deadline: i64,
    },
}

/// The session machine. One per page.
#[derive(Debug)]
pub struct Machine {
    phase: Phase,
    /// The JWKS last fetched, and for which issuer.
    keys: Option<(String, Jwks)>,
    /// A token pasted from elsewhere, checked beside (and apart from) the session.
    paste: Option<paste::PasteJob>,
    /// The JWKS asked for while a code is exchanged (it depends only on the issuer), so the
    /// tokens can be checked as soon as they arrive; taken over by the job that needs it.
    keys_prefetch: Option<(RequestId, String)>,
    next_id: u64,
    rng: u64,
}

impl Machine {
    /// `seed`: random bits for the jitter of retries (any value; 0 is replaced).
    pub fn new(seed: u64) -> Machine {
        Machine {
            phase: Phase::Starting,
            keys: None,
            paste: None,
            keys_prefetch: None,
            next_id: 0,
            rng: seed | 1,
        }
    }

    /// Where things stand, for the UI.
    pub fn state(&self) -> AuthState {
        match &self.phase {
            Phase::Starting => AuthState::Starting,
            Phase::SignedOut(why) => AuthState::SignedOut(why.clone()),
            Phase::SigningOut { .. } => AuthState::SignedOut(SignedOutReason::ByYou),
            Phase::Failed { error, tokens } => AuthState::Failed {
                error: error.clone(),
                tokens: tokens.clone(),
            },
            Phase::Redirecting { .. } => AuthState::Working(Work::Redirecting),
            Phase::Exchanging(x) => AuthState::Working(Work::ExchangingCode {
                retry: x.retry.clone(),
            }),
            Phase::Verifying(job) => AuthState::Working(Work::Verifying {
                tokens: Box::new(job.tokens.clone()),
                retry: job.keys_retry.clone(),
            }),
            Phase::Live(live) => AuthState::SignedIn(Box::new(SignedIn {
                session: live.session.clone(),
                tokens: live.tokens.clone(),
                refresh: match &live.refresh {
                    Refresh::Idle => RefreshStatus::Scheduled(live.session.refresh_due_at()),
                    Refresh::Sending { .. } | Refresh::Verifying(_) => RefreshStatus::Running,
                    Refresh::RetryAt(r) => RefreshStatus::Retrying(r.clone()),
                },
                replaced_id_token: live.replaced_id_token.clone(),
                memory_only: live.memory_only,
            })),
        }
    }

    /// When to feed [`Event::Wake`] next (local ms), if anything is waiting on time.
    pub fn next_wake(&self) -> Option<i64> {
        match &self.phase {
            Phase::Exchanging(x) => x.retry.as_ref().map(|r| r.at),
            Phase::Verifying(job) => job.keys_retry.as_ref().map(|r| r.at),
            Phase::SigningOut { deadline, .. } => Some(*deadline),
            Phase::Live(live) => match &live.refresh {
                Refresh::Idle => live
                    .session
                    .refresh_due_at()
                    .or_else(|| Some(live.session.expires_at())),
                Refresh::RetryAt(r) => Some(r.at),
                Refresh::Sending { .. } | Refresh::Verifying(_) => None,
            },
            _ => None,
        }
    }

    /// Take an event at local time `now` (ms) and say what to do.
    pub fn handle(&mut self, now: i64, event: Event) -> Vec<Effect> {
        let mut out = Vec::new();
        match event {
            Event::Start {
                callback,
                pending,
                saved,
            } => self.start(now, callback, pending, saved, &mut out),
            Event::SignIn { config, random } => self.sign_in(now, &config, random, &mut out),
            Event::PendingSaved(result) => {
                if let Phase::Redirecting { url } = &self.phase {
                    match result {
                        Ok(()) => out.push(Effect::Navigate(url.clone())),
                        Err(e) => self.fail(Attempt::SignIn, e.into(), None, &mut out),
                    }
                }
            }
            Event::Answer { id, result } if self.paste_owns(id) => {
                self.paste_keys(now, result, &mut out)
            }
            Event::Answer { id, result } => self.answer(now, id, result, &mut out),
            Event::Signature { id, result } if self.paste_owns(id) => {
                self.paste_signature(now, result)
            }
            Event::Signature { id, result } => self.signature(now, id, result, &mut out),
            Event::SessionNotSaved => {
                if let Phase::Live(live) = &mut self.phase {
                    live.memory_only = true;
                }
            }
            Event::Wake => self.wake(now, &mut out),
            Event::Refresh => {
                if let Phase::Live(live) = &mut self.phase {
                    if matches!(live.refresh, Refresh::Idle | Refresh::RetryAt(_)) {
                        self.start_refresh(now, &mut out);
                    }
                }
            }
            Event::SignOut => self.sign_out(now, &mut out),
            Event::Reset { config } => {
                self.paste = None;
                let signed_in = matches!(self.phase, Phase::Live(_));
                self.sign_out(now, &mut out);
                if let (false, Some(config)) = (signed_in, config) {
                    out.push(Effect::Navigate(logout_url(&Binding::of(&config))));
                }
            }
            Event::Paste { text, config } => self.paste(now, &text, &config, &mut out),
            Event::ForgetPasted => self.paste = None,
        }
        out
    }

    fn request(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    /// Exponential back-off with jitter: about base·2^(attempt−1), capped, ±25 %.
    fn backoff(&mut self, attempt: u32) -> i64 {
        let exp = attempt.saturating_sub(1).min(16);
        let delay = BACKOFF_BASE_MS.saturating_mul(1 << exp).min(BACKOFF_CAP_MS);
        // xorshift64: enough to spread retries of many attendees apart.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let spread = delay / 2;
        let jitter = (self.rng % (spread as u64 + 1)) as i64;
        delay - spread / 2 + jitter
    }

    fn fail(
        &mut self,
        what: Attempt,
        error: AuthError,
        tokens: Option<Verified>,
        out: &mut Vec<Effect>,
    ) {
        out.push(Effect::ClearSession);
        out.push(Effect::Note(Milestone::Failed {
            what,
            error: error.clone(),
        }));
        self.phase = Phase::Failed {
            error,
            tokens: tokens.map(Box::new),
        };
    }

    fn start(
        &mut self,
        now: i64,
        callback: Option<CallbackParams>,
        pending: Option<PendingLogin>,
        saved: Option<Session>,
        out: &mut Vec<Effect>,
    ) {
        if !matches!(self.phase, Phase::Starting) {
            return;
        }
        let Some(params) = callback else {
            match saved {
                Some(session) => {
                    let tokens = TokenSet {
                        id_token: Some(session.id_token.clone()),
                        access_token: session.access_token.clone(),
                        refresh_token: session.refresh_token.clone(),
                        expires_in: None,
                        token_type: None,
                    };
                    let job = self.job(
                        now,
                        Goal::Restore(Box::new(session.clone())),
                        &tokens,
                        None,
                        session.binding.clone(),
                        None,
                        session.clock_offset,
                    );
                    self.run_job(now, job, out);
                }
                None => self.phase = Phase::SignedOut(SignedOutReason::Never),
            }
            return;
        };
        // A callback uses up the pending sign-in, whatever becomes of it (no replay).
        out.push(Effect::ForgetPending);
        let next = match handle_callback(&params, pending.as_ref(), now / 1000) {
            Ok(next) => next,
            Err(e @ CallbackError::Server { .. }) => {
                out.push(Effect::ClearSession);
                let error = AuthError::Callback(e);
                out.push(Effect::Note(Milestone::Failed {
                    what: Attempt::Callback,
                    error: error.clone(),
                }));
                self.phase = Phase::SignedOut(SignedOutReason::Refused(error));
                return;
            }
            Err(e) => return self.fail(Attempt::Callback, e.into(), None, out),
        };
        let Some(pending) = pending else {
            return self.fail(
                Attempt::Callback,
                CallbackError::NotStartedHere.into(),
                None,
                out,
            );
        };
        out.push(Effect::Note(Milestone::CallbackAccepted {
            flow: pending.binding.flow,
        }));
        match next {
            Next::ExchangeCode { .. } => {
                let exchange = Exchange {
                    binding: pending.binding,
                    nonce: pending.nonce,
                    next,
                    attempt: 0,
                    started: now,
                    request: None,
                    retry: None,
                };
                self.phase = Phase::Exchanging(Box::new(exchange));
                self.send_exchange(now, out);
            }
            Next::Tokens {
                id_token,
                access_token,
                expires_in,
            } => {
                out.push(Effect::Note(Milestone::TokensInFragment));
                let tokens = TokenSet {
                    id_token: Some(id_token),
                    access_token,
                    refresh_token: None,
                    expires_in,
                    token_type: Some("Bearer".into()),
                };
                self.fresh_tokens(
                    now,
                    Goal::SignIn,
                    &tokens,
                    pending.binding,
                    Some(pending.nonce),
                    out,
                );
            }
        }
    }

    fn sign_in(
        &mut self,
        now: i64,
        config: &Config,
        random: Result<Randomness, BrowserError>,
        out: &mut Vec<Effect>,
    ) {
        if matches!(self.phase, Phase::SigningOut { .. }) {
            return;
        }
        let random = match random {
            Ok(random) => random,
            Err(e) => return self.fail(Attempt::SignIn, e.into(), None, out),
        };
        let (pending, pkce) = PendingLogin::start(config, random, now / 1000);
        let url = authorize_url(config, &pending, pkce.as_ref());
        out.push(Effect::SavePending(pending));
        self.phase = Phase::Redirecting { url };
    }

    fn send_exchange(&mut self, now: i64, out: &mut Vec<Effect>) {
        let id = self.request();
        let Phase::Exchanging(x) = &mut self.phase else {
            return;
        };
        let Next::ExchangeCode {
            code,
            verifier,
            redirect_uri,
        } = &x.next
        else {
            return;
        };
        x.attempt += 1;
        x.request = Some(id);
        x.retry = None;
        if x.attempt == 1 {
            x.started = now;
        }
        let body = token::code_exchange_body(&x.binding.client_id, code, verifier, redirect_uri);
        out.push(Effect::Send {
            id,
            request: HttpRequest::post_form(x.binding.token_endpoint(), body),
        });
        // The keys at the same time: they depend only on the issuer.
        let issuer = x.binding.issuer.clone();
        let jwks = x.binding.jwks_uri();
        let cached = self.keys.as_ref().is_some_and(|(i, _)| *i == issuer);
        if !cached && self.keys_prefetch.is_none() {
            let id = self.request();
            self.keys_prefetch = Some((id, issuer));
            out.push(Effect::Send {
                id,
                request: HttpRequest::get(jwks),
            });
        }
    }

    /// A new [`Job`] for `tokens`; the clock offset is given (restore) or measured.
    #[allow(clippy::too_many_arguments)]
    fn job(
        &mut self,
        now: i64,
        goal: Goal,
        tokens: &TokenSet,
        kept_id: Option<TokenReport>,
        binding: Binding,
        nonce: Option<String>,
        offset: i64,
    ) -> Job {
        let implicit = tokens.refresh_token.is_none()
            && matches!(goal, Goal::SignIn)
            && binding.flow == Flow::Implicit;
        let paired =
            kept_id.is_none() && !matches!(&goal, Goal::Restore(session) if session.id_token_kept);
        let id = kept_id.unwrap_or_else(|| {
            TokenReport::new(
                TokenKind::Id,
                tokens
                    .id_token
                    .as_ref()
                    .map(|t| t.secret())
                    .unwrap_or_default(),
            )
        });
        let access = TokenReport::new(TokenKind::Access, tokens.access_token.secret());
        Job {
            goal,
            tokens: Verified { id, access },
            binding,
            refresh_token: tokens.refresh_token.clone(),
            nonce,
            implicit,
            paired,
            offset,
            started: now,
            fetched: false,
            keys_request: None,
            keys_retry: None,
            keys_failures: 0,
            signatures: Vec::new(),
        }
    }

    /// Tokens that just arrived (exchange, fragment): measure the clock, then check them.
    fn fresh_tokens(
        &mut self,
        now: i64,
        goal: Goal,
        tokens: &TokenSet,
        binding: Binding,
        nonce: Option<String>,
        out: &mut Vec<Effect>,
    ) {
        if tokens.id_token.is_none() {
            return self.fail(Attempt::Verify, AuthError::NoIdToken, None, out);
        }
        let offset = match clock_offset(now, tokens) {
            Ok(offset) => offset,
            Err(e) => return self.fail(Attempt::Verify, e, None, out),
        };
        if offset.abs() > super::CLOCK_LEEWAY_SECS {
            out.push(Effect::Note(Milestone::ClockCorrected { secs: offset }));
        }
        let job = self.job(now, goal, tokens, None, binding, nonce, offset);
        self.run_job(now, job, out);
    }

    /// Put `job` where it belongs and take it as far as it goes without waiting.
    fn run_job(&mut self, now: i64, job: Job, out: &mut Vec<Effect>) {
        let job = Box::new(job);
        match (&job.goal, &mut self.phase) {
            (Goal::Refresh { .. }, Phase::Live(live)) => live.refresh = Refresh::Verifying(job),
            _ => self.phase = Phase::Verifying(job),
        }
        self.advance_job(now, out);
    }

    fn job_mut(&mut self) -> Option<&mut Job> {
        match &mut self.phase {
            Phase::Verifying(job) => Some(job),
            Phase::Live(live) => match &mut live.refresh {
                Refresh::Verifying(job) => Some(job),
                _ => None,
            },
            _ => None,
        }
    }

    /// Ask for what the job still needs (keys, signature checks); finish it when nothing is.
    fn advance_job(&mut self, now: i64, out: &mut Vec<Effect>) {
        let cached = self.keys.clone();
        let prefetch = self.keys_prefetch.clone();
        let mut adopted = false;
        let mut ids = (self.next_id, 0u64);
        let Some(job) = self.job_mut() else {
            return;
        };
        let keys = cached
            .as_ref()
            .filter(|(issuer, _)| *issuer == job.binding.issuer)
            .map(|(_, k)| k);
        let mut need_keys = false;
        for kind in [TokenKind::Id, TokenKind::Access] {
            if job.signatures.iter().any(|(_, k)| *k == kind) {
                continue;
            }
            let report = match kind {
                TokenKind::Id => &job.tokens.id,
                TokenKind::Access => &job.tokens.access,
            };
            let Some(kid) = report.needs_key().map(str::to_owned) else {
                continue;
            };
            match keys.and_then(|k| k.find(&kid)) {
                Some(key) => {
                    let (signed, signature) = match &report.decoded {
                        Ok(jwt) => (jwt.signing_input.clone(), jwt.signature.clone()),
                        Err(_) => continue,
                    };
                    ids.1 += 1;
                    let id = RequestId(ids.0 + ids.1);
                    job.signatures.push((id, kind));
                    out.push(Effect::Verify {
                        id,
                        key: key.clone(),
                        signed: Redacted(signed),
                        signature,
                    });
                }
                None if job.fetched => {
                    let status = SignatureStatus::NotChecked(Unchecked::UnknownKid(kid));
                    job.judge(kind, Some(status), now);
                }
                None => need_keys = true,
            }
        }
        // Reports that will never see a key (alg none, no kid) are judged now.
        for kind in [TokenKind::Id, TokenKind::Access] {
            let report = report_mut(&mut job.tokens, kind);
            if report.is_pending() && matches!(report.signature, SignatureStatus::NotChecked(_)) {
                job.judge(kind, None, now);
            }
        }
        let mut fetch = need_keys && job.keys_request.is_none() && job.keys_retry.is_none();
        // Keys already on their way (asked for during the code exchange): wait for those.
        if fetch && !job.fetched {
            if let Some((id, _)) = prefetch.filter(|(_, issuer)| *issuer == job.binding.issuer) {
                job.keys_request = Some(id);
                fetch = false;
                adopted = true;
            }
        }
        if fetch {
            ids.1 += 1;
            let id = RequestId(ids.0 + ids.1);
            job.keys_request = Some(id);
            out.push(Effect::Send {
                id,
                request: HttpRequest::get(job.binding.jwks_uri()),
            });
        }
        let done = !need_keys && job.signatures.is_empty() && !job.tokens.any_pending();
        self.next_id += ids.1;
        if adopted {
            self.keys_prefetch = None;
        }
        if done {
            self.finish_job(now, out);
        }
    }

    fn take_job(&mut self) -> Option<Box<Job>> {
        if matches!(self.phase, Phase::Verifying(_)) {
            if let Phase::Verifying(job) = std::mem::replace(&mut self.phase, Phase::Starting) {
                return Some(job);
            }
        }
        if let Phase::Live(live) = &mut self.phase {
            if matches!(live.refresh, Refresh::Verifying(_)) {
                if let Refresh::Verifying(job) = std::mem::replace(&mut live.refresh, Refresh::Idle)
                {
                    return Some(job);
                }
            }
        }
        None
    }

    fn finish_job(&mut self, now: i64, out: &mut Vec<Effect>) {
        let Some(job) = self.take_job() else {
            return;
        };
        let Job {
            goal,
            mut tokens,
            binding,
            refresh_token,
            implicit,
            offset,
            started,
            ..
        } = *job;
        // Implicit: a swapped access token fails the ID token's at_hash; reject both (row 14).
        if implicit && !tokens.id.is_valid() && tokens.access.is_valid() {
            tokens.access.verdict = super::verify::Verdict::Rejected(Rejection::CameWithBadIdToken);
        }
        let rejected = tokens.first_rejection();
        match goal {
            Goal::SignIn => {
                if let Some((kind, reason)) = rejected {
                    let error = AuthError::Rejected { kind, reason };
                    return self.fail(Attempt::Verify, error, Some(tokens), out);
                }
                let Some(session) = new_session(&tokens, refresh_token, binding, offset, now)
                else {
                    return self.fail(Attempt::Verify, AuthError::NoIdToken, Some(tokens), out);
                };
                out.push(Effect::SaveSession(Box::new(session.clone())));
                out.push(Effect::Note(Milestone::Verified { ms: now - started }));
                self.go_live(session, tokens, None);
            }
            Goal::Restore(session) => {
                let expired_only = [&tokens.id, &tokens.access]
                    .iter()
                    .all(|r| r.is_valid() || r.only_expired());
                match rejected {
                    None => {
                        out.push(Effect::Note(Milestone::Restored));
                        self.go_live(*session, tokens, None);
                    }
                    // Expired while the page was closed: a refresh brings it back.
                    Some(_) if expired_only && session.refresh_token.is_some() => {
                        out.push(Effect::Note(Milestone::Restored));
                        self.go_live(*session, tokens, None);
                        self.start_refresh(now, out);
                    }
                    Some(_) if expired_only => {
                        out.push(Effect::ClearSession);
                        self.phase = Phase::SignedOut(SignedOutReason::Expired);
                    }
                    Some((kind, reason)) => {
                        let error = AuthError::Rejected { kind, reason };
                        self.fail(Attempt::Restore, error, Some(tokens), out);
                    }
                }
            }
            Goal::Refresh {
                id_token_kept,
                rotated,
            } => {
                let Phase::Live(live) = &mut self.phase else {
                    return;
                };
                let old = live.session.refresh_token.take();
                let sub = std::mem::take(&mut live.session.sub);
                let replaced = if id_token_kept {
                    live.replaced_id_token.take()
                } else {
                    Some(live.session.id_token.clone())
                };
                let memory_only = live.memory_only;
                if let Some((kind, reason)) = rejected {
                    let error = AuthError::Rejected { kind, reason };
                    return self.fail(Attempt::Refresh, error, Some(tokens), out);
                }
                let subs = [tokens.id.claim_str("sub"), tokens.access.claim_str("sub")];
                if subs.iter().any(|s| *s != Some(sub.as_str())) {
                    return self.fail(
                        Attempt::Refresh,
                        AuthError::SubjectChanged,
                        Some(tokens),
                        out,
                    );
                }
                // Cognito sends no refresh token unless rotation is on: keep the old one.
                let Some(mut session) =
                    new_session(&tokens, refresh_token.or(old), binding, offset, now)
                else {
                    return self.fail(Attempt::Refresh, AuthError::NoIdToken, Some(tokens), out);
                };
                session.id_token_kept = id_token_kept;
                out.push(Effect::SaveSession(Box::new(session.clone())));
                out.push(Effect::Note(Milestone::Refreshed {
                    ms: now - started,
                    rotated,
                    id_token_kept,
                }));
                self.go_live(session, tokens, replaced);
                if let Phase::Live(live) = &mut self.phase {
                    live.memory_only = memory_only;
                }
            }
        }
    }

    fn go_live(&mut self, session: Session, tokens: Verified, replaced: Option<IdToken>) {
        self.phase = Phase::Live(Box::new(Live {
            session,
            tokens,
            refresh: Refresh::Idle,
            failures: 0,
            replaced_id_token: replaced,
            memory_only: false,
        }));
    }

    fn start_refresh(&mut self, now: i64, out: &mut Vec<Effect>) {
        let id = self.request();
        let Phase::Live(live) = &mut self.phase else {
            return;
        };
        let Some(refresh_token) = &live.session.refresh_token else {
            return;
        };
        let binding = &live.session.binding;
        out.push(Effect::Send {
            id,
            request: HttpRequest::post_form(
                binding.token_endpoint(),
                token::refresh_body(&binding.client_id, refresh_token),
            ),
        });
        live.refresh = Refresh::Sending { id, started: now };
    }

    /// A refresh that did not work out but may next time: keep the session, try again later.
    fn retry_refresh(
        &mut self,
        now: i64,
        error: AuthError,
        rotated: Option<RefreshToken>,
        out: &mut Vec<Effect>,
    ) {
        let failures = match &mut self.phase {
            Phase::Live(live) => {
                live.failures += 1;
                live.failures
            }
            _ => return,
        };
        let wait = self.backoff(failures);
        if let Phase::Live(live) = &mut self.phase {
            if let Some(token) = rotated {
                live.session.refresh_token = Some(token);
                out.push(Effect::SaveSession(Box::new(live.session.clone())));
            }
            out.push(Effect::Note(Milestone::Retrying {
                what: Attempt::Refresh,
                error: error.clone(),
                in_ms: wait,
            }));
            live.refresh = Refresh::RetryAt(Retry {
                at: now + wait,
                error,
            });
        }
    }

    fn answer(&mut self, now: i64, id: RequestId, result: HttpResult, out: &mut Vec<Effect>) {
        match &mut self.phase {
            Phase::Exchanging(x) if x.request == Some(id) => {
                x.request = None;
                self.exchange_answer(now, result, out);
            }
            Phase::SigningOut { revoke, logout, .. } if *revoke == id => {
                // Whatever the answer: the local session is gone already.
                out.push(Effect::Navigate(std::mem::take(logout)));
                self.phase = Phase::SignedOut(SignedOutReason::ByYou);
            }
            Phase::Live(live) if matches!(live.refresh, Refresh::Sending { id: sent, .. } if sent == id) =>
            {
                let started = match live.refresh {
                    Refresh::Sending { started, .. } => started,
                    _ => now,
                };
                live.refresh = Refresh::Idle;
                self.refresh_answer(now, started, result, out);
            }
            _ => {
                if self
                    .job_mut()
                    .is_some_and(|job| job.keys_request == Some(id))
                {
                    self.keys_answer(now, result, out);
                } else if self.keys_prefetch.as_ref().is_some_and(|(p, _)| *p == id) {
                    // Before any job needed them: keep good keys; a failure is the job's to see.
                    if let Some((_, issuer)) = self.keys_prefetch.take() {
                        if let Ok(keys) = keys_from(String::new(), result) {
                            self.keys = Some((issuer, keys));
                        }
                    }
                }
                // Anything else is an answer nobody waits for any more (after sign-out, a new
                // sign-in, …): dropped.
            }
        }
    }

    fn exchange_answer(&mut self, now: i64, result: HttpResult, out: &mut Vec<Effect>) {
        let parsed = match result {
            Ok(HttpAnswer { status, body }) => token::parse_token_response(status, &body),
            Err(e) => Err(TokenError::Transport(e)),
        };
        let Phase::Exchanging(x) = &mut self.phase else {
            return;
        };
        match parsed {
            Ok(tokens) => {
                out.push(Effect::Note(Milestone::CodeExchanged {
                    ms: now - x.started,
                }));
                let binding = x.binding.clone();
                let nonce = x.nonce.clone();
                self.fresh_tokens(now, Goal::SignIn, &tokens, binding, Some(nonce), out);
            }
            Err(e) => {
                let error = AuthError::Token(e);
                if error.is_transient() && x.attempt < EXCHANGE_ATTEMPTS {
                    let attempt = x.attempt;
                    let wait = self.backoff(attempt);
                    out.push(Effect::Note(Milestone::Retrying {
                        what: Attempt::Exchange,
                        error: error.clone(),
                        in_ms: wait,
                    }));
                    if let Phase::Exchanging(x) = &mut self.phase {
                        x.retry = Some(Retry {
                            at: now + wait,
                            error,
                        });
                    }
                } else {
                    self.fail(Attempt::Exchange, error, None, out);
                }
            }
        }
    }

    fn refresh_answer(
        &mut self,
        now: i64,
        started: i64,
        result: HttpResult,
        out: &mut Vec<Effect>,
    ) {
        let parsed = match result {
            Ok(HttpAnswer { status, body }) => token::parse_token_response(status, &body),
            Err(e) => Err(TokenError::Transport(e)),
        };
        let tokens = match parsed {
            Ok(tokens) => tokens,
            Err(TokenError::Server { error, .. }) if error == "invalid_grant" => {
                out.push(Effect::ClearSession);
                out.push(Effect::Note(Milestone::Failed {
                    what: Attempt::Refresh,
                    error: AuthError::RefreshRefused,
                }));
                self.phase = Phase::SignedOut(SignedOutReason::Refused(AuthError::RefreshRefused));
                return;
            }
            Err(e) => return self.retry_refresh(now, AuthError::Token(e), None, out),
        };
        let Phase::Live(live) = &self.phase else {
            return;
        };
        let binding = live.session.binding.clone();
        let rotated = tokens.refresh_token.is_some();
        // No id_token in the answer: the previous one (already verified) stays.
        let kept_id = tokens
            .id_token
            .is_none()
            .then(|| live.tokens.id.clone().kept_across_refresh());
        let offset = match clock_offset(now, &tokens) {
            Ok(offset) => offset,
            Err(e) => return self.fail(Attempt::Refresh, e, None, out),
        };
        let goal = Goal::Refresh {
            id_token_kept: kept_id.is_some(),
            rotated,
        };
        let mut job = self.job(now, goal, &tokens, kept_id, binding, None, offset);
        job.started = started;
        self.run_job(now, job, out);
    }

    fn keys_answer(&mut self, now: i64, result: HttpResult, out: &mut Vec<Effect>) {
        let Some(job) = self.job_mut() else {
            return;
        };
        job.keys_request = None;
        let issuer = job.binding.issuer.clone();
        match keys_from(job.binding.jwks_uri(), result) {
            Ok(keys) => {
                job.fetched = true;
                job.keys_retry = None;
                self.keys = Some((issuer, keys));
                self.advance_job(now, out);
            }
            Err(e) => self.keys_failed(now, AuthError::Keys(e), out),
        }
    }

    fn keys_failed(&mut self, now: i64, error: AuthError, out: &mut Vec<Effect>) {
        let refreshing = matches!(&self.phase, Phase::Live(_));
        if refreshing {
            // The new tokens cannot be checked now: keep the session, refresh again later.
            let rotated = self.take_job().and_then(|job| job.refresh_token);
            return self.retry_refresh(now, error, rotated, out);
        }
        let attempt = match self.job_mut() {
            Some(job) => {
                job.keys_failures += 1;
                job.keys_failures
            }
            None => return,
        };
        let wait = self.backoff(attempt);
        out.push(Effect::Note(Milestone::Retrying {
            what: Attempt::Keys,
            error: error.clone(),
            in_ms: wait,
        }));
        if let Some(job) = self.job_mut() {
            job.keys_retry = Some(Retry {
                at: now + wait,
                error,
            });
        }
    }

    fn signature(
        &mut self,
        now: i64,
        id: RequestId,
        result: Result<bool, CryptoError>,
        out: &mut Vec<Effect>,
    ) {
        let Some(job) = self.job_mut() else {
            return;
        };
        let Some(at) = job.signatures.iter().position(|(sent, _)| *sent == id) else {
            return;
        };
        let (_, kind) = job.signatures.remove(at);
        let kid = report_mut(&mut job.tokens, kind)
            .needs_key()
            .unwrap_or_default()
            .to_owned();
        job.judge(kind, Some(signature_status(kid, result)), now);
        self.advance_job(now, out);
    }

    fn wake(&mut self, now: i64, out: &mut Vec<Effect>) {
        match &mut self.phase {
            Phase::Exchanging(x) if x.retry.as_ref().is_some_and(|r| r.at <= now) => {
                self.send_exchange(now, out)
            }
            Phase::SigningOut {
                deadline, logout, ..
            } if *deadline <= now => {
                out.push(Effect::Navigate(std::mem::take(logout)));
                self.phase = Phase::SignedOut(SignedOutReason::ByYou);
            }
            Phase::Verifying(job) if job.keys_retry.as_ref().is_some_and(|r| r.at <= now) => {
                job.keys_retry = None;
                self.advance_job(now, out);
            }
            Phase::Live(live) => {
                let due = match &live.refresh {
                    Refresh::Idle => live.session.refresh_due_at().is_some_and(|at| at <= now),
                    Refresh::RetryAt(r) => r.at <= now,
                    _ => false,
                };
                if due {
                    self.start_refresh(now, out);
                } else if live.session.refresh_token.is_none() && now >= live.session.expires_at() {
                    out.push(Effect::ClearSession);
                    self.phase = Phase::SignedOut(SignedOutReason::Expired);
                }
            }
            _ => {}
        }
    }

    fn sign_out(&mut self, now: i64, out: &mut Vec<Effect>) {
        // Forget first: whatever happens next, nothing is left here.
        out.push(Effect::ClearSession);
        out.push(Effect::Note(Milestone::SignedOut));
        let session =
            match std::mem::replace(&mut self.phase, Phase::SignedOut(SignedOutReason::ByYou)) {
                Phase::Live(live) => live.session,
                _ => return,
            };
        let logout = logout_url(&session.binding);
        let Some(refresh_token) = &session.refresh_token else {
            out.push(Effect::Navigate(logout));
            return;
        };
        let revoke = self.request();
        let mut request = HttpRequest::post_form(
            session.binding.revoke_endpoint(),
            token::revoke_body(&session.binding.client_id, refresh_token),
        );
        request.timeout_ms = REVOKE_TIMEOUT_MS;
        out.push(Effect::Send {
            id: revoke,
            request,
        });
        self.phase = Phase::SigningOut {
            logout,
            revoke,
            deadline: now + i64::from(REVOKE_TIMEOUT_MS),
        };
    }
}

fn report_mut(tokens: &mut Verified, kind: TokenKind) -> &mut TokenReport {
    match kind {
        TokenKind::Id => &mut tokens.id,
        TokenKind::Access => &mut tokens.access,
    }
}

impl Job {
    /// Judge the token of `kind` (with its signature status, if new) against what it must
    /// match, at local time `now`.
    fn judge(&mut self, kind: TokenKind, signature: Option<SignatureStatus>, now: i64) {
        let id = kind == TokenKind::Id;
        let access = self.tokens.access.raw.clone();
        let expected = Expected {
            issuer: &self.binding.issuer,
            client_id: &self.binding.client_id,
            nonce: self.nonce.as_deref().filter(|_| id),
            at_hash_of: (id && self.paired).then_some(access.as_str()),
            at_hash_required: id && self.implicit,
            now: (now / 1000).saturating_add(self.offset),
        };
        let report = report_mut(&mut self.tokens, kind);
        match signature {
            Some(status) => report.judge(status, &expected),
            None => report.rejudge(&expected),
        }
    }
}

/// What WebCrypto's answer for the key `kid` means for the token.
fn signature_status(kid: String, result: Result<bool, CryptoError>) -> SignatureStatus {
    match result {
        Ok(true) => SignatureStatus::Valid { kid },
        Ok(false) => SignatureStatus::Invalid { kid },
        Err(CryptoError(why)) => SignatureStatus::NotChecked(Unchecked::KeyUnusable(why)),
    }
}

/// The key set in a JWKS answer, or why there is none.
fn keys_from(uri: String, result: HttpResult) -> Result<Jwks, KeysError> {
    match result {
        Err(error) => Err(KeysError::Unreachable { uri, error }),
        Ok(HttpAnswer { status: 200, body }) => {
            Jwks::parse(&body).map_err(|e| KeysError::Unreadable { uri, detail: e.0 })
        }
        Ok(HttpAnswer { status, .. }) => Err(KeysError::Status { uri, status }),
    }
}

/// The issuer's clock minus this one, from the `iat` of tokens that arrived just now (fresh
/// from Cognito: over TLS from the token endpoint, or bound to this sign-in by its nonce).
/// Within a day it is corrected for; beyond, the person is asked to fix the clock.
fn clock_offset(now: i64, tokens: &TokenSet) -> Result<i64, AuthError> {
    let iat = super::jwt::decode(tokens.access_token.secret())
        .ok()
        .and_then(|j| j.int_claim("iat"));
    let Some(iat) = iat else {
        // Unreadable: the checks will say why; no correction.
        return Ok(0);
    };
    let offset = iat.saturating_sub(now / 1000);
    if offset.abs() > MAX_CLOCK_OFFSET_SECS {
        return Err(AuthError::ClockOff { secs: offset });
    }
    Ok(offset)
}

/// A session from verified tokens.
fn new_session(
    tokens: &Verified,
    refresh_token: Option<RefreshToken>,
    binding: Binding,
    offset: i64,
    now: i64,
) -> Option<Session> {
    let times = |r: &TokenReport| TokenTimes {
        iat: r.iat().unwrap_or_default(),
        exp: r.exp().unwrap_or_default(),
    };
    Some(Session {
        id_token: IdToken::new(tokens.id.raw.clone()),
        access_token: super::secret::AccessToken::new(tokens.access.raw.clone()),
        refresh_token,
        sub: tokens.id.claim_str("sub")?.to_owned(),
        binding,
        id_times: times(&tokens.id),
        access_times: times(&tokens.access),
        clock_offset: offset,
        received_at: now,
        id_token_kept: false,
    })
}

#[path = "paste.rs"]
pub mod paste;

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
