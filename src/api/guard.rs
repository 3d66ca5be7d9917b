//! Which guard a call goes through, and what the token it carried says about itself: the
//! inputs every explanation of an answer starts from.

use crate::auth::jwt;

/// The scope the workshop's `POST /dragons` asks for, on both APIs.
pub const WRITE_SCOPE: &str = "dragons/write";
/// The group whose members keep `dragons/write` (the pool's pre-token-generation trigger
/// suppresses it for everyone else).
pub const KEEPERS_GROUP: &str = "dragon-keepers";
/// The local stack's demo user in that group.
pub const KEEPER_USER: &str = "dragonkeeper";

/// The API in front of the dragons, as the workshop builds it twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    /// A REST API with a Cognito user pool authorizer (`apiBaseUrl`).
    Rest,
    /// An HTTP API with a JWT authorizer (`httpApiBaseUrl`).
    Http,
}

impl Guard {
    pub fn label(self) -> &'static str {
        match self {
            Guard::Rest => "REST API",
            Guard::Http => "HTTP API",
        }
    }

    /// Its lifeline in the sequence diagram.
    pub fn party(self) -> crate::trace::Party {
        match self {
            Guard::Rest => crate::trace::Party::Api,
            Guard::Http => crate::trace::Party::HttpApi,
        }
    }

    /// The scopes the workshop's API asks for on `method`: none on `GET`, `dragons/write` on
    /// `POST`, on both APIs.
    pub fn method_scopes(self, method: &str) -> &'static [&'static str] {
        match method {
            "POST" => &[WRITE_SCOPE],
            _ => &[],
        }
    }
}

/// The kind of token a call carried, read from its claims (not verified here: the console
/// sends tokens the app verified, or the lab's deliberately broken ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    None,
    Id,
    Access,
    /// Not a JWT, or one without a `token_use` this app knows.
    Unknown,
}

/// What the `Authorization` header of a call held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sent {
    pub kind: Kind,
    /// The access token's `scope`, split (an ID token has none).
    pub scopes: Vec<String>,
}

impl Sent {
    /// Read the `Authorization` value (raw or after `Bearer `).
    pub fn of(authorization: Option<&str>) -> Sent {
        let Some(value) = authorization.map(str::trim).filter(|v| !v.is_empty()) else {
            return Sent {
                kind: Kind::None,
                scopes: Vec::new(),
            };
        };
        let token = value.strip_prefix("Bearer ").unwrap_or(value).trim();
        let decoded = jwt::decode(token).ok();
        let kind = match decoded.as_ref().and_then(|d| d.str_claim("token_use")) {
            Some("id") => Kind::Id,
            Some("access") => Kind::Access,
            _ => Kind::Unknown,
        };
        let scopes = decoded
            .as_ref()
            .and_then(|d| d.str_claim("scope"))
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        Sent { kind, scopes }
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// "the ID token", "the access token", …: for sentences.
    pub fn name(&self) -> &'static str {
        match self.kind {
            Kind::None => "no token",
            Kind::Id => "the ID token",
            Kind::Access => "the access token",
            Kind::Unknown => "a token this app cannot read",
        }
    }

    /// The scopes, quoted for a sentence ("no scope at all" for an ID token).
    pub fn scopes_words(&self) -> String {
        if self.scopes.is_empty() {
            match self.kind {
                Kind::Id => "no scope at all (ID tokens carry none)".to_owned(),
                _ => "no scope".to_owned(),
            }
        } else {
            format!("only \"{}\"", self.scopes.join(" "))
        }
    }
}

/// Who gets the write scope, for the end of an explanation.
pub fn who_gets_write() -> String {
    format!(
        "Cognito gives {WRITE_SCOPE} only to members of the group {KEEPERS_GROUP} (the pool's pre-token-generation trigger suppresses it for everyone else), and only when the app asks for it at sign-in: sign in as {KEEPER_USER} and send the access token."
    )
}

/// What an access token's `scope` means for the dragons API, for its card.
pub fn scope_note(scope: &str) -> String {
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let custom: Vec<&str> = scopes.iter().copied().filter(|s| s.contains('/')).collect();
    if scopes.contains(&WRITE_SCOPE) {
        format!("Holds {WRITE_SCOPE}: this access token may report dragons (POST /dragons on the REST API and the HTTP API).")
    } else if !custom.is_empty() {
        format!("Custom scopes {}, but not {WRITE_SCOPE}: POST /dragons refuses this token. Only members of {KEEPERS_GROUP} keep {WRITE_SCOPE}.", custom.join(" "))
    } else if scopes == ["aws.cognito.signin.user.admin"] {
        "Only aws.cognito.signin.user.admin: a token from the user pools API (InitiateAuth, as the AWS CLI signs in), which never carries custom scopes; the dragons API's scoped POST refuses it.".to_owned()
    } else {
        format!("No custom scopes: the app did not ask for dragons/read or {WRITE_SCOPE} (Settings, Scopes), or the app client may not request them. POST /dragons refuses this token.")
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What a test's call sent: `kind`, with these space-separated scopes.
    pub(crate) fn sent(kind: Kind, scopes: &str) -> Sent {
        Sent {
            kind,
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
        }
    }
    use crate::auth::jwt::tests::encode;
    use serde_json::json;

    fn token(claims: serde_json::Value) -> String {
        encode(&json!({"alg": "RS256", "kid": "k"}), &claims, b"sig")
    }

    #[test]
    fn the_sent_token_is_read_raw_or_after_bearer() {
        let access = token(json!({"token_use": "access", "scope": "openid dragons/read"}));
        for value in [access.clone(), format!("Bearer {access}")] {
            let sent = Sent::of(Some(&value));
            assert_eq!(sent.kind, Kind::Access);
            assert_eq!(sent.scopes, ["openid", "dragons/read"]);
            assert!(!sent.has_scope(WRITE_SCOPE));
        }
        let id = Sent::of(Some(&token(json!({"token_use": "id"}))));
        assert_eq!(id.kind, Kind::Id);
        assert!(id.scopes_words().contains("ID tokens carry none"));
        assert_eq!(Sent::of(None).kind, Kind::None);
        assert_eq!(Sent::of(Some("  ")).kind, Kind::None);
        assert_eq!(Sent::of(Some("not-a-jwt")).kind, Kind::Unknown);
    }

    #[test]
    fn the_scope_note_says_whether_the_token_may_report_dragons() {
        assert!(scope_note("openid dragons/read dragons/write").starts_with("Holds dragons/write"));
        let n = scope_note("openid email dragons/read");
        assert!(
            n.contains("not dragons/write") && n.contains("dragon-keepers"),
            "{n}"
        );
        assert!(scope_note("aws.cognito.signin.user.admin").contains("InitiateAuth"));
        assert!(scope_note("openid email").contains("did not ask"));
    }

    #[test]
    fn the_workshops_post_is_the_scoped_method_on_both_apis() {
        for guard in [Guard::Rest, Guard::Http] {
            assert_eq!(guard.method_scopes("POST"), [WRITE_SCOPE]);
            assert!(guard.method_scopes("GET").is_empty());
        }
    }
}
