//! The REST API's Cognito user pool authorizer: why it let a call through or refused it, from
//! the method (with or without OAuth scopes) and the token that was sent.
//!
//! The rule (wire spec, "API guards"): a method without scopes reads the token as an ID
//! token; a method with scopes reads it as an access token and wants one of its scopes in
//! `scope`. Every refusal is the same `401 {"message":"Unauthorized"}`, so the reason has to
//! come from what was sent.

use super::guard::{who_gets_write, Guard, Kind, Sent};

/// Why a 401 `{"message":"Unauthorized"}` came back from `method`.
pub fn why_unauthorized(method: &str, sent: &Sent) -> String {
    let scopes = Guard::Rest.method_scopes(method);
    let path = format!("{method} /dragons");
    if sent.kind == Kind::None {
        return "401 Unauthorized: no Authorization header, so the Cognito authorizer refused the call before the API ran.".into();
    }
    if scopes.is_empty() {
        return match sent.kind {
            Kind::Access => format!("401 Unauthorized: {path} has no OAuth scopes, so its Cognito authorizer reads the token as an ID token, and an access token never passes there. Send the ID token."),
            _ => format!("401 Unauthorized: {path} has no OAuth scopes and wants an ID token, but refused this one: it was altered (the signature no longer matches), comes from another user pool or app client, or the method has scopes after all (then it wants an access token)."),
        };
    }
    let wanted = scopes.join(" or ");
    match sent.kind {
        Kind::Id => format!("401 Unauthorized: {path} has the OAuth scope {wanted}, so its Cognito authorizer reads the token as an access token, and an ID token never passes there. Send the access token, of someone who holds {wanted}. {}", who_gets_write()),
        Kind::Access if scopes.iter().any(|s| sent.has_scope(s)) => format!("401 Unauthorized: the access token holds {wanted}, yet was refused: it was altered, comes from another user pool or app client, or the method has no scopes (then it wants the ID token)."),
        Kind::Access => format!("401 Unauthorized: {path} wants an access token holding {wanted}; this one holds {}. {}", sent.scopes_words(), who_gets_write()),
        _ => format!("401 Unauthorized: {path} wants an access token holding {wanted}; this is not a Cognito token this app can read."),
    }
}

/// Why a call got through (2xx).
pub fn why_accepted(method: &str, sent: &Sent) -> Option<String> {
    let scopes = Guard::Rest.method_scopes(method);
    (!scopes.is_empty() && sent.kind == Kind::Access).then(|| {
        format!(
            "The access token holds {}, one of the scopes of {method} /dragons, so the Cognito authorizer let it through.",
            scopes.join(" or ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::guard::tests::sent;

    #[test]
    fn an_id_token_on_the_scoped_post_is_told_to_send_the_access_token() {
        let why = why_unauthorized("POST", &sent(Kind::Id, ""));
        assert!(why.contains("has the OAuth scope dragons/write"), "{why}");
        assert!(why.contains("an ID token never passes"), "{why}");
        assert!(why.contains("Send the access token"), "{why}");
    }

    #[test]
    fn an_access_token_without_the_scope_is_told_who_gets_it() {
        let why = why_unauthorized("POST", &sent(Kind::Access, "openid email dragons/read"));
        assert!(why.contains("only \"openid email dragons/read\""), "{why}");
        assert!(why.contains("dragon-keepers"), "{why}");
        assert!(why.contains("sign in as dragonkeeper"), "{why}");
        // Holding it and still refused: not a scope problem.
        let why = why_unauthorized("POST", &sent(Kind::Access, "openid dragons/write"));
        assert!(
            why.contains("holds dragons/write, yet was refused"),
            "{why}"
        );
        assert!(!why.contains("dragon-keepers"), "{why}");
    }

    #[test]
    fn an_access_token_on_the_unscoped_get_is_told_to_send_the_id_token() {
        let why = why_unauthorized("GET", &sent(Kind::Access, "openid dragons/write"));
        assert!(why.contains("GET /dragons has no OAuth scopes"), "{why}");
        assert!(why.contains("Send the ID token"), "{why}");
        let why = why_unauthorized("GET", &sent(Kind::Id, ""));
        assert!(why.contains("altered"), "{why}");
        let why = why_unauthorized("GET", &sent(Kind::None, ""));
        assert!(why.contains("no Authorization header"), "{why}");
    }

    #[test]
    fn a_scoped_success_names_the_scope_that_let_it_through() {
        let why = why_accepted("POST", &sent(Kind::Access, "dragons/write")).unwrap();
        assert!(why.contains("holds dragons/write"), "{why}");
        assert_eq!(why_accepted("GET", &sent(Kind::Id, "")), None);
    }
}
