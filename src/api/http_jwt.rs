//! The HTTP API's JWT authorizer: what its answers mean. It checks the signature, `iss`,
//! `exp`/`nbf`/`iat` and that `aud` (or, without `aud`, `client_id`) is in its audience list,
//! not `token_use`, so both Cognito tokens pass a route without scopes. It says why it refused in
//! the `www-authenticate` header: 401 for a token it does not accept, 403 for a valid token
//! without the route's scope.

use super::guard::{who_gets_write, Guard, Kind, Sent};
use super::Diagnosis;

/// The parts of a `www-authenticate: Bearer …` header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    pub error: Option<String>,
    pub description: Option<String>,
    pub scope: Option<String>,
}

impl Challenge {
    /// Read `Bearer scope="…" error="…" error_description="…"` (None: not a Bearer challenge).
    pub fn parse(header: &str) -> Option<Challenge> {
        let rest = header.trim().strip_prefix("Bearer")?;
        let mut challenge = Challenge::default();
        let mut rest = rest.trim_start();
        while let Some((name, after)) = rest.split_once("=\"") {
            let (value, after) = after.split_once('"')?;
            let value = Some(value.to_owned()).filter(|v| !v.is_empty());
            match name.trim_start_matches([',', ' ']) {
                "error" => challenge.error = value,
                "error_description" => challenge.description = value,
                "scope" => challenge.scope = value,
                _ => {}
            }
            rest = after.trim_start_matches([',', ' ']);
        }
        Some(challenge)
    }
}

/// The answer's `www-authenticate` header, if the page could read it.
pub fn challenge_of(headers: &[(String, String)]) -> Option<Challenge> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
        .and_then(|(_, v)| Challenge::parse(v))
}

/// Classify an HTTP API answer (`status` None: no readable answer).
pub fn classify(
    method: &str,
    status: Option<u16>,
    body: &str,
    challenge: Option<&Challenge>,
) -> Diagnosis {
    let expired = challenge
        .and_then(|c| c.description.as_deref())
        .is_some_and(|d| d.contains("expired"));
    match status {
        Some(401) if expired => Diagnosis::Expired,
        Some(403) => Diagnosis::MissingScope,
        Some(404) => Diagnosis::NoRoute,
        _ => super::classify(method, status, body),
    }
}

/// One or two sentences on an HTTP API answer, when its authorizer decided it.
pub fn explain(
    method: &str,
    diagnosis: &Diagnosis,
    sent: &Sent,
    challenge: Option<&Challenge>,
) -> Option<String> {
    let path = format!("{method} /dragons");
    let header = |c: &Challenge| {
        let mut parts = Vec::new();
        if let Some(e) = &c.error {
            parts.push(format!("error=\"{e}\""));
        }
        if let Some(d) = &c.description {
            parts.push(format!("\"{d}\""));
        }
        if parts.is_empty() {
            "www-authenticate: Bearer".to_owned()
        } else {
            format!("www-authenticate: {}", parts.join(" "))
        }
    };
    Some(match diagnosis {
        Diagnosis::Dragons(_) | Diagnosis::Accepted => {
            let scopes = Guard::Http.method_scopes(method);
            if scopes.is_empty() {
                format!("{} OK: the JWT authorizer accepted {}. It checks the signature, the issuer, the expiry and that aud (ID token) or client_id (access token, which has no aud) is in its Audience, not token_use, so either token passes a route without scopes.", if *diagnosis == Diagnosis::Accepted { "Accepted" } else { "200" }, sent.name())
            } else {
                format!("Accepted: the JWT authorizer checked {} and found {} in its scope, which {path} asks for. The dragon is stored by a background job and shows in the list a moment later.", sent.name(), scopes.join(" or "))
            }
        }
        Diagnosis::Expired => format!("401 Unauthorized ({}): the token's exp has passed. Refresh the tokens and call again.", challenge.map_or("expired".into(), header)),
        Diagnosis::Unauthorized => match (sent.kind, challenge) {
            (Kind::None, _) => "401 Unauthorized (www-authenticate: Bearer): no token was sent; the JWT authorizer wants one in Authorization, raw or after \"Bearer \".".to_owned(),
            (_, Some(c)) => {
                let d = c.description.as_deref().unwrap_or("");
                let why = if d.contains("segments") {
                    "this is not a JWT (a JWT has three parts separated by dots)".to_owned()
                } else if d.contains("audience") {
                    "the token's aud (ID token) or client_id (access token) is not in the authorizer's Audience, so it was issued to another app client; the Audience must list your app client's id".to_owned()
                } else {
                    "the token failed the authorizer's checks (signature, issuer or key): it was altered, or comes from another user pool".to_owned()
                };
                format!("401 Unauthorized ({}): {why}. 401 means the token itself was not accepted.", header(c))
            }
            (_, None) => "401 Unauthorized: the JWT authorizer refused the token. Its reason is in the www-authenticate header, which this API does not let the page read (add it to the CORS configuration's ExposeHeaders).".to_owned(),
        },
        Diagnosis::MissingScope => {
            let wanted = challenge
                .and_then(|c| c.scope.clone())
                .unwrap_or_else(|| Guard::Http.method_scopes(method).join(" "));
            format!("403 Forbidden: the JWT authorizer accepted the token (who you are), but {path} asks for the scope {wanted} and {} holds {}. 403 is \"valid token, not allowed\"; 401 would be \"token not accepted\". {}", sent.name(), sent.scopes_words(), who_gets_write())
        }
        Diagnosis::NoRoute => format!("404 Not Found: the HTTP API has no route for {path} at this URL. Check httpApiBaseUrl: the $default stage has no stage name in the path."),
        Diagnosis::NoAnswer => "No answer could be read: the HTTP API's CORS configuration does not allow this page (AllowOrigins, AllowHeaders with authorization), or the network failed. Check the API's CORS settings and httpApiBaseUrl.".to_owned(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::guard::tests::sent;

    const AUDIENCE: &str = "Bearer scope=\"\" error=\"invalid_token\" error_description=\"the token does not have a valid audience\"";
    const SCOPE: &str = "Bearer scope=\"dragons/write\" error=\"insufficient_scope\" error_description=\"the token does not have the required scopes\"";

    #[test]
    fn challenges_are_read_from_www_authenticate() {
        let c = Challenge::parse(AUDIENCE).unwrap();
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(c.scope, None, "empty");
        assert_eq!(
            c.description.as_deref(),
            Some("the token does not have a valid audience")
        );
        assert_eq!(Challenge::parse("Bearer"), Some(Challenge::default()));
        assert_eq!(Challenge::parse("Basic realm=\"x\""), None);
        assert_eq!(Challenge::parse("Bearer error=\"unterminated"), None);
        let headers = vec![("WWW-Authenticate".to_owned(), SCOPE.to_owned())];
        assert_eq!(
            challenge_of(&headers).unwrap().scope.as_deref(),
            Some("dragons/write")
        );
    }

    #[test]
    fn a_403_is_a_missing_scope_and_says_who_gets_it() {
        let c = Challenge::parse(SCOPE).unwrap();
        let d = classify("POST", Some(403), r#"{"message":"Forbidden"}"#, Some(&c));
        assert_eq!(d, Diagnosis::MissingScope);
        let why = explain(
            "POST",
            &d,
            &sent(Kind::Access, "openid dragons/read"),
            Some(&c),
        )
        .unwrap();
        assert!(why.contains("asks for the scope dragons/write"), "{why}");
        assert!(why.contains("only \"openid dragons/read\""), "{why}");
        assert!(why.contains("401 would be"), "{why}");
        assert!(why.contains("dragonkeeper"), "{why}");
        let why = explain("POST", &d, &sent(Kind::Id, ""), None).unwrap();
        assert!(why.contains("ID tokens carry none"), "{why}");
        assert!(why.contains("dragons/write"), "{why}");
    }

    #[test]
    fn either_token_passes_an_unscoped_route_and_the_answer_says_why() {
        let d = classify("GET", Some(200), "[]", None);
        let why = explain("GET", &d, &sent(Kind::Access, "openid"), None).unwrap();
        assert!(why.contains("accepted the access token"), "{why}");
        assert!(why.contains("not token_use"), "{why}");
    }

    #[test]
    fn each_401_names_its_reason() {
        let expired = Challenge::parse(
            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"the token has expired\"",
        )
        .unwrap();
        let d = classify(
            "GET",
            Some(401),
            r#"{"message":"Unauthorized"}"#,
            Some(&expired),
        );
        assert_eq!(d, Diagnosis::Expired, "so the console offers a refresh");
        let why = explain("GET", &d, &sent(Kind::Id, ""), Some(&expired)).unwrap();
        assert!(
            why.contains("the token has expired") && why.contains("Refresh"),
            "{why}"
        );

        let audience = Challenge::parse(AUDIENCE).unwrap();
        let d = classify(
            "GET",
            Some(401),
            r#"{"message":"Unauthorized"}"#,
            Some(&audience),
        );
        assert_eq!(d, Diagnosis::Unauthorized);
        let why = explain("GET", &d, &sent(Kind::Id, ""), Some(&audience)).unwrap();
        assert!(why.contains("another app client"), "{why}");
        let segments = Challenge::parse("Bearer scope=\"\" error=\"invalid_token\" error_description=\"token contains an invalid number of segments\"").unwrap();
        let why = explain("GET", &d, &sent(Kind::Unknown, ""), Some(&segments)).unwrap();
        assert!(why.contains("not a JWT"), "{why}");
        let why = explain(
            "GET",
            &d,
            &sent(Kind::None, ""),
            Some(&Challenge::default()),
        )
        .unwrap();
        assert!(why.contains("no token was sent"), "{why}");
        let why = explain("GET", &d, &sent(Kind::Id, ""), None).unwrap();
        assert!(why.contains("ExposeHeaders"), "{why}");
    }

    #[test]
    fn a_404_is_a_wrong_url() {
        let d = classify("GET", Some(404), r#"{"message":"Not Found"}"#, None);
        assert_eq!(d, Diagnosis::NoRoute);
        assert!(explain("GET", &d, &sent(Kind::Id, ""), None)
            .unwrap()
            .contains("httpApiBaseUrl"));
    }
}
