//! Stage 4's "AWS credentials": the identity pool's enhanced flow (`GetId`, then
//! `GetCredentialsForIdentity`) with the session's ID token, or as a guest, for the IAM API's
//! signed calls. Shows the identity id, the masked key id, the expiry counting down and what
//! each call answered; gets new credentials when they are due or the ID token was refreshed.
//! The rules are in `api::identity`; this sends and draws (dom.rs).

use super::dom;
use super::flow::Flow;
use super::SettingsState;
use crate::api::identity::{self, AwsCredentials};
use crate::trace::Party;
use crate::web::api::send;
use leptos::prelude::*;

/// Credentials held, with the ID token they were got with (None: a guest's).
#[derive(Clone, Debug, PartialEq)]
struct Held {
    credentials: AwsCredentials,
    id_token: Option<String>,
}

/// Where the identity pool is and who asks: (endpoint, pool id, issuer, the ID token).
struct Ask {
    endpoint: String,
    pool_id: String,
    issuer: String,
    id_token: Option<String>,
}

#[derive(Clone, Copy)]
pub struct AwsKeys {
    held: RwSignal<Option<Held>>,
    /// Each call of the last attempt and its status, or the error explained.
    said: RwSignal<Vec<String>>,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

impl AwsKeys {
    pub fn new() -> AwsKeys {
        AwsKeys {
            held: RwSignal::new(None),
            said: RwSignal::new(Vec::new()),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// The identity pool and the ID token to ask with: the session's binding when signed in
    /// (a guest when `guest` or signed out), else the configuration in force.
    fn ask(flow: Flow, settings: SettingsState, guest: bool) -> Option<Ask> {
        let session = flow.with_signed_in(|s| {
            (
                s.session.binding.identity_pool_id.clone(),
                s.session.binding.issuer.clone(),
                s.session.id_token.secret().to_owned(),
            )
        });
        let (pool_id, issuer, id_token) = match session {
            Some((pool, issuer, token)) => (pool?, issuer, (!guest).then_some(token)),
            None => {
                let c = settings.config().ok()?;
                (c.identity_pool_id?, c.issuer, None)
            }
        };
        Some(Ask {
            endpoint: crate::config::identity_endpoint(&issuer),
            pool_id,
            issuer,
            id_token,
        })
    }

    /// Whether an identity pool is configured (the panel and the IAM API are offered).
    pub fn configured(flow: Flow, settings: SettingsState) -> bool {
        Self::ask(flow, settings, true).is_some()
    }

    /// Credentials for the signed-in person (or a guest): the ones held when still good for the
    /// same ID token, else new ones from the identity pool.
    pub async fn ensure(
        self,
        flow: Flow,
        settings: SettingsState,
        guest: bool,
    ) -> Result<AwsCredentials, String> {
        let ask = untrack(|| Self::ask(flow, settings, guest))
            .ok_or("No identity pool is configured (identityPoolId in config.json or Settings).")?;
        let now = crate::web::now();
        if let Some(held) = self.held.get_untracked() {
            if held.id_token == ask.id_token && !held.credentials.due(now) {
                return Ok(held.credentials);
            }
        }
        self.busy.set(true);
        self.error.set(None);
        let result = self.fetch(flow, &ask).await;
        self.busy.set(false);
        match result {
            Ok(credentials) => {
                self.held.set(Some(Held {
                    credentials: credentials.clone(),
                    id_token: ask.id_token,
                }));
                Ok(credentials)
            }
            Err(e) => {
                self.error.set(Some(e.clone()));
                Err(e)
            }
        }
    }

    async fn fetch(self, flow: Flow, ask: &Ask) -> Result<AwsCredentials, String> {
        let mut said = Vec::new();
        let token = ask.id_token.as_deref();
        let request = identity::get_id(&ask.endpoint, &ask.pool_id, &ask.issuer, token);
        let answer = send(&request, Party::IdentityPool, flow.driver).await;
        let status = answer.status.ok_or_else(|| {
            format!(
                "The identity pool at {} did not answer ({}).",
                ask.endpoint,
                answer.failure.clone().unwrap_or_default()
            )
        })?;
        said.push(format!("GetId → {status}"));
        self.said.set(said.clone());
        let identity_id =
            identity::read_identity_id(status, &answer.body).map_err(|e| e.explain())?;
        let request = identity::get_credentials(&ask.endpoint, &identity_id, &ask.issuer, token);
        let answer = send(&request, Party::IdentityPool, flow.driver).await;
        let status = answer
            .status
            .ok_or_else(|| format!("The identity pool at {} did not answer.", ask.endpoint))?;
        said.push(format!("GetCredentialsForIdentity → {status}"));
        self.said.set(said);
        identity::read_credentials(status, &answer.body).map_err(|e| e.explain())
    }

    /// Whether credentials are held and have expired at `now` (tracked).
    pub fn expired(self, now: i64) -> bool {
        self.held
            .with(|h| h.as_ref().is_some_and(|h| h.credentials.expiration <= now))
    }

    /// The held credentials, if any.
    pub fn held(self) -> Option<(AwsCredentials, bool)> {
        self.held
            .get_untracked()
            .map(|h| (h.credentials, h.id_token.is_some()))
    }

    /// Draw the panel now and whenever it changes (once the console is on the page).
    pub fn draw_on_change(self, flow: Flow, settings: SettingsState) {
        Effect::new(move |_| {
            let configured = Self::configured(flow, settings);
            let signed_in = flow.is_signed_in();
            let (held, said, error, busy) = (
                self.held.get(),
                self.said.get(),
                self.error.get(),
                self.busy.get(),
            );
            let Some(root) = dom::canvas("credentials-panel") else {
                return;
            };
            let _ = root.toggle_attribute_with_force("hidden", !configured);
            if !configured {
                return;
            }
            dom::add(
                &root,
                "h3",
                &[("id", "credentials-title")],
                "AWS credentials (identity pool)",
            );
            dom::add(
                &root,
                "p",
                &[("class", "muted")],
                "The IAM API wants requests signed with AWS credentials. The identity pool trades the ID token (in Logins) for temporary credentials of its authenticated role: GetId, then GetCredentialsForIdentity. Without a sign-in you get the guest (unauthenticated) role.",
            );
            let mut attrs = vec![
                ("type", "button"),
                ("class", "button secondary"),
                ("data-testid", "get-credentials"),
            ];
            if busy {
                attrs.push(("disabled", ""));
            }
            dom::add(
                &root,
                "button",
                &attrs,
                if signed_in {
                    "Get AWS credentials"
                } else {
                    "Get guest credentials"
                },
            );
            if busy {
                dom::working(&root, "p", "Asking the identity pool…");
            }
            if let Some(e) = error {
                dom::add(
                    &root,
                    "p",
                    &[
                        ("class", "status error"),
                        ("data-testid", "credentials-error"),
                        ("role", "alert"),
                    ],
                    &e,
                );
            }
            if let Some(h) = held {
                let dl = dom::add(&root, "dl", &[("class", "facts")], "");
                dom::fact(
                    &dl,
                    "Identity ID",
                    &h.credentials.identity_id,
                    true,
                    "credentials-identity",
                );
                dom::fact(
                    &dl,
                    "Access key ID",
                    &h.credentials.masked_key_id(),
                    true,
                    "credentials-key",
                );
                dom::fact(
                    &dl,
                    "Role",
                    if h.id_token.is_some() {
                        "authenticated (signed in)"
                    } else {
                        "unauthenticated (guest)"
                    },
                    false,
                    "credentials-role",
                );
                dom::add(&dl, "dt", &[], "Expires");
                let dd = dom::add(&dl, "dd", &[], "");
                dom::add_time(
                    &dd,
                    "span",
                    &[("data-testid", "credentials-expiry")],
                    h.credentials.expiration,
                    0,
                    true,
                );
            }
            if !said.is_empty() {
                dom::add(
                    &root,
                    "p",
                    &[
                        ("class", "muted small"),
                        ("data-testid", "credentials-calls"),
                    ],
                    &format!("Sent: {} (each in the sequence diagram).", said.join(", ")),
                );
            }
        });
    }
}

impl Default for AwsKeys {
    fn default() -> Self {
        AwsKeys::new()
    }
}
