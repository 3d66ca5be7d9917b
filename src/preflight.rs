//! The pre-flight check (issue 13): before anyone signs in, what a browser can read of the
//! configured user pool, Hosted UI and API, judged line by line, each wrong line with its fix
//! in a sentence. Pure: [`probes`] says what to ask, [`judge`] reads the answers (the shell
//! sends them from this page, so CORS is tested as the app meets it).

use crate::api::{self, Filter};
use crate::auth::http::{HttpAnswer, HttpResult};
use crate::auth::session::Binding;
use crate::config::{Config, Flow};
use crate::json::{self, Value};

/// One request of the check.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(&'static str, &'static str)>,
    pub body: Option<String>,
}

/// A verdict: `ok` is `None` for what a browser cannot check (how to check it is in `says`).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub ok: Option<bool>,
    pub what: &'static str,
    pub says: String,
}

/// What the check asks, in this order: the issuer's discovery document, its JWKS, the token
/// endpoint (a made-up code: the error tells whether the domain and the client are right),
/// the API's CORS preflight (`OPTIONS` with an `Authorization` header, as a call sends) and
/// `GET /dragons` without a token.
pub fn probes(config: &Config) -> [Probe; 5] {
    let binding = Binding::of(config);
    let api = api::list_request(&config.api_base_url, None, &Filter::All).url;
    let get = |url: String| Probe {
        method: "GET",
        url,
        headers: Vec::new(),
        body: None,
    };
    let form = crate::codec::Form::new()
        .pair("grant_type", "authorization_code")
        .pair("client_id", &config.client_id)
        .pair("code", "pre-flight-check")
        .pair("redirect_uri", &config.redirect_uri)
        .pair("code_verifier", &"v".repeat(43))
        .finish();
    [
        get(format!(
            "{}/.well-known/openid-configuration",
            config.issuer
        )),
        get(binding.jwks_uri()),
        Probe {
            method: "POST",
            url: binding.token_endpoint(),
            headers: vec![("Content-Type", "application/x-www-form-urlencoded")],
            body: Some(form),
        },
        Probe {
            method: "OPTIONS",
            url: api.clone(),
            headers: vec![("Authorization", "pre-flight-check")],
            body: None,
        },
        get(api),
    ]
}

fn status_words(answer: &HttpResult) -> String {
    match answer {
        Ok(a) => format!("HTTP {}", a.status),
        Err(e) => format!("no readable answer: {e}"),
    }
}

/// The JSON object of a 200 answer.
fn object_of(answer: &HttpResult) -> Option<json::Map<String, Value>> {
    match answer {
        Ok(HttpAnswer { status: 200, body }) => match json::parse(body) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

fn line(ok: Option<bool>, what: &'static str, says: String) -> Line {
    Line { ok, what, says }
}

/// The verdicts, from the answers to [`probes`] (same order).
pub fn judge(config: &Config, answers: &[HttpResult; 5]) -> Vec<Line> {
    let binding = Binding::of(config);
    let [discovery, jwks, token, preflight, no_token] = answers;
    let mut out = Vec::new();

    let doc = object_of(discovery);
    match &doc {
        None => out.push(line(
            Some(false),
            "Issuer",
            format!(
                "No discovery document at {}/.well-known/openid-configuration ({}). Set the issuer to https://cognito-idp.<region>.amazonaws.com/<user pool id>, the pool id from the Cognito console.",
                config.issuer,
                status_words(discovery)
            ),
        )),
        Some(doc) => {
            let named = doc.get("issuer").and_then(Value::as_str).unwrap_or("");
            out.push(if named == config.issuer {
                line(Some(true), "Issuer", format!("{named} publishes its discovery document."))
            } else {
                line(
                    Some(false),
                    "Issuer",
                    format!("The discovery document names the issuer {named}, the settings {}: set the issuer to it exactly.", config.issuer),
                )
            });
            let wrong: Vec<String> = [
                ("authorization_endpoint", format!("{}/oauth2/authorize", config.auth_domain)),
                ("token_endpoint", binding.token_endpoint()),
                ("userinfo_endpoint", binding.user_info_endpoint()),
                ("jwks_uri", binding.jwks_uri()),
            ]
            .into_iter()
            .filter_map(|(k, want)| {
                let named = doc.get(k).and_then(Value::as_str).unwrap_or("(none)");
                (named != want).then(|| format!("{k} is {named}, the settings make it {want}"))
            })
            .collect();
            out.push(if wrong.is_empty() {
                line(
                    Some(true),
                    "Endpoints",
                    format!("The pool's endpoints are on {}, as configured.", config.auth_domain),
                )
            } else {
                line(
                    Some(false),
                    "Endpoints",
                    format!("{}. Set the Hosted UI domain to the pool's domain (App integration → Domain).", wrong.join("; ")),
                )
            });
        }
    }

    let keys = object_of(jwks)
        .and_then(|m| m.get("keys").and_then(Value::as_array).map(Vec::len))
        .unwrap_or(0);
    out.push(if keys > 0 {
        line(
            Some(true),
            "Keys",
            format!("The JWKS holds {keys} keys to verify tokens with."),
        )
    } else {
        line(
            Some(false),
            "Keys",
            format!(
                "No keys at {} ({}): tokens cannot be verified. Check the issuer.",
                binding.jwks_uri(),
                status_words(jwks)
            ),
        )
    });

    let error = match token {
        Ok(a) => json::parse(&a.body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned)),
        Err(_) => None,
    };
    let code_flow = config.flow == Flow::Code;
    out.push(match (token, error.as_deref()) {
        (Err(e), _) => line(
            Some(false),
            "Hosted UI",
            format!("The Hosted UI domain {} does not answer ({e}). Set it to the pool's domain (App integration → Domain).", config.auth_domain),
        ),
        (Ok(_), Some("invalid_grant")) => line(
            Some(true),
            "Hosted UI",
            format!("{} answers and knows app client {}.", config.auth_domain, config.client_id),
        ),
        (Ok(_), Some("unauthorized_client")) if !code_flow => line(
            Some(true),
            "Hosted UI",
            format!("{} answers and knows app client {} (the implicit grant shows only at sign-in).", config.auth_domain, config.client_id),
        ),
        (Ok(_), Some("unauthorized_client")) => line(
            Some(false),
            "Hosted UI",
            "The app client may not use the authorization code grant: enable it under the app client's OAuth grant types.".into(),
        ),
        (Ok(_), Some("invalid_client")) => line(
            Some(false),
            "Hosted UI",
            format!("The Hosted UI does not know app client {}, or the client has a secret: use a public client (no secret) of this pool.", config.client_id),
        ),
        (Ok(a), _) => line(
            Some(false),
            "Hosted UI",
            format!("{}/oauth2/token answered HTTP {}, not as Cognito does: is the Hosted UI domain right?", config.auth_domain, a.status),
        ),
    });

    let api = &config.api_base_url;
    out.push(match preflight {
        Ok(a) if a.status < 300 => line(Some(true), "API preflight", format!("{api} answers a CORS preflight from this page.")),
        Ok(a) => line(
            Some(false),
            "API preflight",
            format!("{api} answered the CORS preflight with HTTP {}: check the API URL, stage included.", a.status),
        ),
        Err(_) => line(
            Some(false),
            "API preflight",
            format!("{api} refuses a CORS preflight from this page: enable CORS on /dragons (OPTIONS allowing the Authorization header) and deploy the API."),
        ),
    });
    out.push(match no_token {
        Ok(a) if a.status == 401 => line(Some(true), "API 401", "A call without a token gets 401, readable here (gateway responses send CORS headers).".into()),
        Ok(a) if a.status == 403 => line(
            Some(false),
            "API 401",
            format!("{api} answered HTTP 403 (\"Missing Authentication Token\"): no such resource; check the API URL, stage included."),
        ),
        Ok(a) => line(
            Some(false),
            "API 401",
            format!("A call without a token got HTTP {}, not 401: put a Cognito authorizer on GET /dragons.", a.status),
        ),
        Err(_) => line(
            Some(false),
            "API 401",
            "A call without a token got no readable answer: API Gateway's own 401 carries no CORS headers, so browsers report a CORS error. Add the gateway responses DEFAULT_4XX and DEFAULT_5XX with Access-Control-Allow-Origin and deploy the API.".into(),
        ),
    });

    let pool = config.issuer.rsplit('/').next().unwrap_or("");
    out.push(line(
        None,
        "Callback URLs",
        format!(
            "A browser cannot read them: {} must be an allowed callback URL and {} an allowed sign-out URL of the app client, byte for byte. See them with: aws cognito-idp describe-user-pool-client --user-pool-id {pool} --client-id {}",
            config.redirect_uri, config.logout_uri, config.client_id
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::error::TransportError;
    use crate::config::{resolve, RawConfig};

    const AUTH: &str = "https://dragons.auth.eu-west-1.amazoncognito.com";
    const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123";

    fn config(flow: &str) -> Config {
        let file = RawConfig {
            flow: Some(flow.into()),
            auth_domain: Some(AUTH.into()),
            issuer: Some(ISSUER.into()),
            client_id: Some("client1".into()),
            api_base_url: Some("https://api.example/prod".into()),
            ..Default::default()
        };
        resolve("https://app.example/", &file, &RawConfig::default()).expect("a valid config")
    }

    fn answer(status: u16, body: &str) -> HttpResult {
        Ok(HttpAnswer {
            status,
            body: body.into(),
        })
    }

    fn no_answer() -> HttpResult {
        Err(TransportError::Failed("TypeError: Failed to fetch".into()))
    }

    fn discovery(issuer: &str, domain: &str) -> HttpResult {
        answer(
            200,
            &format!(
                r#"{{"issuer":"{issuer}","authorization_endpoint":"{domain}/oauth2/authorize","token_endpoint":"{domain}/oauth2/token","userinfo_endpoint":"{domain}/oauth2/userInfo","jwks_uri":"{issuer}/.well-known/jwks.json"}}"#
            ),
        )
    }

    /// What a correctly set up pool, domain and API answer.
    fn all_good() -> [HttpResult; 5] {
        [
            discovery(ISSUER, AUTH),
            answer(200, r#"{"keys":[{"kid":"a"},{"kid":"b"}]}"#),
            answer(400, r#"{"error":"invalid_grant"}"#),
            answer(200, ""),
            answer(401, r#"{"message":"Unauthorized"}"#),
        ]
    }

    fn verdicts(lines: &[Line]) -> Vec<(&str, Option<bool>)> {
        lines.iter().map(|l| (l.what, l.ok)).collect()
    }

    fn says<'a>(lines: &'a [Line], what: &str) -> &'a str {
        &lines.iter().find(|l| l.what == what).expect(what).says
    }

    #[test]
    fn it_asks_the_issuer_the_token_endpoint_and_the_api_as_the_app_would() {
        let probes = probes(&config("code"));
        let asked: Vec<(&str, &str)> = probes.iter().map(|p| (p.method, p.url.as_str())).collect();
        assert_eq!(
            asked,
            [
                (
                    "GET",
                    format!("{ISSUER}/.well-known/openid-configuration").as_str()
                ),
                ("GET", format!("{ISSUER}/.well-known/jwks.json").as_str()),
                ("POST", format!("{AUTH}/oauth2/token").as_str()),
                ("OPTIONS", "https://api.example/prod/dragons"),
                ("GET", "https://api.example/prod/dragons"),
            ]
        );
        let form = probes[2].body.as_deref().unwrap();
        assert!(form.starts_with("grant_type=authorization_code&client_id=client1&code=pre-flight-check&redirect_uri=https%3A%2F%2Fapp.example%2F&code_verifier="), "{form}");
        assert_eq!(
            probes[3].headers,
            [("Authorization", "pre-flight-check")],
            "a header that needs a CORS preflight"
        );
        assert!(probes[4].headers.is_empty(), "no token");
    }

    #[test]
    fn a_good_setup_is_green_and_the_callback_urls_say_how_to_check_them() {
        let lines = judge(&config("code"), &all_good());
        assert_eq!(
            verdicts(&lines),
            [
                ("Issuer", Some(true)),
                ("Endpoints", Some(true)),
                ("Keys", Some(true)),
                ("Hosted UI", Some(true)),
                ("API preflight", Some(true)),
                ("API 401", Some(true)),
                ("Callback URLs", None),
            ]
        );
        let manual = says(&lines, "Callback URLs");
        assert!(
            manual.contains("https://app.example/ must be an allowed callback URL"),
            "{manual}"
        );
        assert!(
            manual.contains(
                "describe-user-pool-client --user-pool-id eu-west-1_AbC123 --client-id client1"
            ),
            "{manual}"
        );
    }

    #[test]
    fn a_wrong_issuer_is_red_with_where_to_find_the_right_one() {
        let mut answers = all_good();
        answers[0] = no_answer();
        answers[1] = answer(404, "");
        let lines = judge(&config("code"), &answers);
        assert_eq!(lines[0].ok, Some(false));
        assert!(says(&lines, "Issuer").contains(
            "Set the issuer to https://cognito-idp.<region>.amazonaws.com/<user pool id>"
        ));
        assert!(says(&lines, "Keys").contains("(HTTP 404)"));
        assert!(
            !lines.iter().any(|l| l.what == "Endpoints"),
            "nothing to compare without the document"
        );

        // The document names another issuer, or other endpoints.
        answers[0] = discovery(
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
            "https://other.auth.eu-west-1.amazoncognito.com",
        );
        let lines = judge(&config("code"), &answers);
        assert!(says(&lines, "Issuer").contains(
            "names the issuer https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"
        ));
        let endpoints = says(&lines, "Endpoints");
        assert!(
            endpoints.contains(
                "token_endpoint is https://other.auth.eu-west-1.amazoncognito.com/oauth2/token"
            ),
            "{endpoints}"
        );
        assert!(endpoints.ends_with(
            "Set the Hosted UI domain to the pool's domain (App integration → Domain)."
        ));
    }

    #[test]
    fn an_api_without_gateway_responses_or_cors_is_red_with_the_fix() {
        let mut answers = all_good();
        answers[4] = no_answer();
        let lines = judge(&config("code"), &answers);
        assert_eq!(lines[4].ok, Some(true), "the preflight itself is fine");
        assert_eq!(lines[5].ok, Some(false));
        assert!(says(&lines, "API 401")
            .contains("Add the gateway responses DEFAULT_4XX and DEFAULT_5XX"));

        answers[3] = no_answer();
        let lines = judge(&config("code"), &answers);
        assert!(says(&lines, "API preflight").contains("enable CORS on /dragons"));

        answers[4] = answer(403, r#"{"message":"Missing Authentication Token"}"#);
        answers[3] = answer(403, "");
        let lines = judge(&config("code"), &answers);
        assert!(says(&lines, "API 401").contains("check the API URL, stage included"));
        assert!(says(&lines, "API preflight").contains("HTTP 403"));

        answers[4] = answer(200, "[]");
        let lines = judge(&config("code"), &answers);
        assert!(says(&lines, "API 401").contains("put a Cognito authorizer on GET /dragons"));
    }

    #[test]
    fn the_token_endpoints_error_tells_the_domain_client_and_grant_apart() {
        let mut answers = all_good();
        let hosted = |answers: &[HttpResult; 5], flow: &str| {
            let line = judge(&config(flow), answers).remove(3);
            (line.ok, line.says)
        };
        answers[2] = answer(400, r#"{"error":"invalid_client"}"#);
        let (ok, text) = hosted(&answers, "code");
        assert_eq!(ok, Some(false));
        assert!(text.contains("does not know app client client1, or the client has a secret"));
        answers[2] = answer(400, r#"{"error":"unauthorized_client"}"#);
        let (ok, text) = hosted(&answers, "code");
        assert_eq!(ok, Some(false));
        assert!(text.contains("may not use the authorization code grant"));
        assert_eq!(
            hosted(&answers, "implicit").0,
            Some(true),
            "the implicit flow does not need it"
        );
        answers[2] = no_answer();
        let (ok, text) = hosted(&answers, "code");
        assert_eq!(ok, Some(false));
        assert!(text.contains(&format!("The Hosted UI domain {AUTH} does not answer")));
        answers[2] = answer(404, "<html>");
        assert!(hosted(&answers, "code").1.contains("answered HTTP 404"));
    }
}
