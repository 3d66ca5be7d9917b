//! The session machine's driver: feeds it events with the browser's clock, performs the effects
//! it returns (fetch, WebCrypto, storage, navigation) and feeds the results back, and wakes it
//! when it asked. It decides nothing.

use super::{crypto, http, location, now_ms, storage};
use crate::auth::callback::CallbackParams;
use crate::auth::http::HttpResult;
use crate::auth::machine::paste::Pasted;
use crate::auth::machine::{AuthState, Effect, Event, Machine, Milestone};
use crate::auth::pending::Randomness;
use crate::config::Config;
use crate::trace::Trace;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::time::Duration;

/// A request's answer, on its way.
type Answer = std::pin::Pin<Box<dyn std::future::Future<Output = HttpResult>>>;

/// A `Copy` handle made once at the app root: the machine, the state it shows, its timeline.
#[derive(Clone, Copy)]
pub struct Driver {
    machine: StoredValue<Machine>,
    timer: StoredValue<Option<TimeoutHandle>>,
    pub state: RwSignal<AuthState>,
    pub timeline: RwSignal<Vec<Milestone>>,
    /// The session as a sequence diagram: every redirect, request and answer.
    pub trace: RwSignal<Trace>,
    /// Ids for requests the machine does not make (API, userInfo): counting down from the top.
    next_call: StoredValue<u64>,
    /// The last pasted token ("Use a token you already have"), memory only.
    pub pasted: RwSignal<Option<Pasted>>,
    /// The trace changed since it was last saved.
    unsaved: StoredValue<bool>,
}

impl Driver {
    pub fn new() -> Driver {
        let seed = crypto::random_bytes::<8>()
            .map(u64::from_le_bytes)
            .unwrap_or_else(|_| now_ms() as u64);
        Driver {
            machine: StoredValue::new(Machine::new(seed)),
            timer: StoredValue::new(None),
            state: RwSignal::new(AuthState::Starting),
            timeline: RwSignal::new(Vec::new()),
            trace: RwSignal::new(Trace::default()),
            next_call: StoredValue::new(u64::MAX),
            pasted: RwSignal::new(None),
            unsaved: StoredValue::new(false),
        }
    }

    /// The page loaded: a callback (already wiped from the address bar) or a saved session.
    /// Needs no configuration: a pending sign-in and a session carry their own.
    pub fn start(self, callback: Option<CallbackParams>) {
        let pending = callback.as_ref().and_then(|_| storage::load_pending());
        let saved = storage::load_session();
        self.handle(Event::Start {
            callback,
            pending,
            saved,
        });
    }

    pub fn sign_in(self, config: Config) {
        let random = (|| {
            Ok(Randomness {
                state: crypto::random_bytes()?,
                nonce: crypto::random_bytes()?,
                verifier: crypto::random_bytes()?,
            })
        })();
        self.handle(Event::SignIn {
            config: Box::new(config),
            random,
        });
    }

    pub fn handle(self, event: Event) {
        // The page load's first event: how this page was reached, for the trace.
        let arrived = match &event {
            Event::Start { callback, .. } => Some(callback.as_ref().map(|c| c.pairs().to_vec())),
            _ => None,
        };
        let now = now_ms();
        let Some(effects) = self.machine.try_update_value(|m| m.handle(now, event)) else {
            return;
        };
        // Every request of this event goes out before anything else is done (the exchange
        // and the JWKS at once, issue 12); the rest in the machine's order.
        let requests: Vec<_> = effects
            .iter()
            .map(|effect| match effect {
                Effect::Send { request, .. } => Some(Box::pin(http::send(request)) as Answer),
                _ => None,
            })
            .collect();
        self.state.set(self.machine.with_value(|m| m.state()));
        let pasted = self.machine.with_value(|m| m.pasted());
        if self.pasted.with_untracked(|p| *p != pasted) {
            self.pasted.set(pasted);
        }
        if let Some(callback) = arrived {
            self.read_trace(callback);
        }
        for (effect, answer) in effects.into_iter().zip(requests) {
            self.perform(effect, answer);
        }
        // Once per event, after every request of it is on its way (saving is not free: the
        // trace is masked and serialized), and before a navigation this event started leaves.
        self.keep_trace();
        self.schedule();
    }

    /// The trace this tab kept from the pages before (sign-in, the Hosted UI), read once this
    /// page's first requests are out (parsing it is not free), and the callback that brought
    /// this page, if one did.
    fn read_trace(self, callback: Option<Vec<(String, String)>>) {
        self.trace
            .set(Trace::from_json(&storage::load_trace().unwrap_or_default()));
        if let Some(pairs) = callback {
            self.traced(|t| t.called_back(&pairs));
        }
    }

    /// Feed `event` after the current effects are done (keeps their order).
    fn later(self, event: Event) {
        spawn_local(async move { self.handle(event) });
    }

    /// Perform `effect`; a request's fetch is already on its way (`answer`).
    fn perform(self, effect: Effect, answer: Option<Answer>) {
        match effect {
            Effect::Send { id, request } => {
                let answer = answer.unwrap_or_else(|| Box::pin(http::send(&request)));
                let form = request.form.as_deref();
                let headers: &[(&str, &str)] = if form.is_some() {
                    &[("Content-Type", "application/x-www-form-urlencoded")]
                } else {
                    &[]
                };
                self.traced(|t| t.sent(id.0, request.method(), &request.url, headers, form));
                spawn_local(async move {
                    let result = answer.await;
                    self.trace_answer(id.0, &result);
                    self.handle(Event::Answer { id, result });
                })
            }
            Effect::Verify {
                id,
                key,
                signed,
                signature,
            } => spawn_local(async move {
                let result = crypto::verify_rs256(&key, signed.0.as_bytes(), &signature).await;
                self.handle(Event::Signature { id, result });
            }),
            Effect::Navigate(url) => {
                // Kept (at the end of this event, before the page goes): the arrow survives
                // the trip to the Hosted UI.
                self.traced(|t| t.navigated(&url));
                // A refused navigation leaves the page as it is (the state says what happened);
                // an accepted one leaves once this task is done.
                let _ = location::navigate(&url);
            }
            Effect::SavePending(pending) => {
                self.later(Event::PendingSaved(storage::save_pending(&pending)))
            }
            Effect::ForgetPending => storage::forget_pending(),
            Effect::SaveSession(session) => {
                if storage::save_session(&session).is_err() {
                    self.later(Event::SessionNotSaved);
                }
            }
            Effect::ClearSession => storage::clear_auth(),
            Effect::Note(milestone) => {
                let verified = matches!(milestone, Milestone::Verified { .. });
                self.timeline.update(|t| t.push(milestone));
                if verified {
                    // At the next frame: Leptos renders the new state in microtasks before it,
                    // so the mark means "verified claims on screen", not just "decided".
                    request_animation_frame(super::mark_verified);
                }
            }
        }
    }

    /// A request the machine does not make (API, userInfo) goes on the trace; its id for
    /// [`Driver::answered`].
    pub fn sent(
        self,
        to: crate::trace::Party,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> u64 {
        let id = self.next_call.get_value();
        self.next_call.set_value(id - 1);
        self.traced(|t| t.sent_to(id, to, method, url, headers, body));
        self.keep_trace();
        id
    }

    /// The answer to a traced request: its status (none if no answer came) and its body (or
    /// why none came).
    pub fn answered(self, id: u64, status: Option<u16>, body: &str) {
        self.traced(|t| t.answered(id, status, body));
        self.keep_trace();
    }

    /// [`Driver::answered`] with a fetch's result.
    pub fn answered_with(self, id: u64, result: &HttpResult) {
        self.trace_answer(id, result);
        self.keep_trace();
    }

    fn trace_answer(self, id: u64, result: &HttpResult) {
        self.traced(|t| match result {
            Ok(a) => t.answered(id, Some(a.status), &a.body),
            Err(e) => t.answered(id, None, &e.to_string()),
        });
    }

    /// Change the trace; [`Driver::keep_trace`] saves it.
    fn traced(self, change: impl FnOnce(&mut Trace)) {
        self.trace.update(change);
        self.unsaved.set_value(true);
    }

    /// The trace, masked, in this tab's storage for the next page load, if it changed: after
    /// each event of the machine, and after each call the console or userInfo made.
    fn keep_trace(self) {
        if self.unsaved.get_value() {
            self.unsaved.set_value(false);
            storage::save_trace(&self.trace.with_untracked(Trace::to_json));
        }
    }

    /// Reset for the next person: an empty diagram, nothing kept.
    pub fn forget_trace(self) {
        self.trace.set(Trace::default());
        storage::forget_trace();
    }

    /// One timer, set to when the machine next wants to be woken.
    fn schedule(self) {
        if let Some(handle) = self.timer.get_value() {
            handle.clear();
        }
        let next = self.machine.with_value(|m| m.next_wake());
        let handle = next.and_then(|at| {
            let delay = at.saturating_sub(now_ms()).clamp(0, i64::from(i32::MAX)) as u64;
            set_timeout_with_handle(
                move || self.handle(Event::Wake),
                Duration::from_millis(delay),
            )
            .ok()
        });
        self.timer.set_value(handle);
    }
}

impl Default for Driver {
    fn default() -> Self {
        Driver::new()
    }
}
