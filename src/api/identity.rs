//! The identity pool (Cognito Identity), pure: the two calls of the enhanced flow — `GetId`
//! then `GetCredentialsForIdentity` — with the user pool's ID token in `Logins` (or none, for a
//! guest), their answers read, and AWS's errors explained in plain words. The shell sends them
//! (`application/x-amz-json-1.1`, `X-Amz-Target`, unsigned) and keeps the credentials.

use super::sigv4::Credentials;
use super::ApiRequest;
use crate::json::{self, Value};

/// The `Logins` key of a user pool: its issuer without the scheme
/// (`cognito-idp.<region>.amazonaws.com/<pool id>`).
pub fn provider_name(issuer: &str) -> &str {
    issuer.split_once("://").map_or(issuer, |(_, rest)| rest)
}

fn call(endpoint: &str, operation: &str, body: Value) -> ApiRequest {
    ApiRequest {
        method: "POST",
        url: format!("{}/", endpoint.trim_end_matches('/')),
        headers: vec![
            (
                "Content-Type".to_owned(),
                "application/x-amz-json-1.1".to_owned(),
            ),
            (
                "X-Amz-Target".to_owned(),
                format!("AWSCognitoIdentityService.{operation}"),
            ),
        ],
        body: Some(json::to_string(&body)),
    }
}

fn logins(issuer: &str, id_token: Option<&str>) -> Option<Value> {
    id_token.map(|t| {
        let mut map = json::Map::new();
        map.insert(provider_name(issuer).to_owned(), json::s(t));
        Value::Object(map)
    })
}

/// `GetId`: the identity of the person holding `id_token` (None: a guest).
pub fn get_id(endpoint: &str, pool_id: &str, issuer: &str, id_token: Option<&str>) -> ApiRequest {
    let mut map = json::Map::new();
    map.insert("IdentityPoolId".into(), json::s(pool_id));
    if let Some(l) = logins(issuer, id_token) {
        map.insert("Logins".into(), l);
    }
    call(endpoint, "GetId", Value::Object(map))
}

/// `GetCredentialsForIdentity` for `identity_id`, with the same login.
pub fn get_credentials(
    endpoint: &str,
    identity_id: &str,
    issuer: &str,
    id_token: Option<&str>,
) -> ApiRequest {
    let mut map = json::Map::new();
    map.insert("IdentityId".into(), json::s(identity_id));
    if let Some(l) = logins(issuer, id_token) {
        map.insert("Logins".into(), l);
    }
    call(endpoint, "GetCredentialsForIdentity", Value::Object(map))
}

/// Temporary AWS credentials and when they expire (epoch seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsCredentials {
    pub identity_id: String,
    pub credentials: Credentials,
    pub expiration: i64,
}

impl AwsCredentials {
    /// `ASIA…` with all but the first four and last four characters hidden.
    pub fn masked_key_id(&self) -> String {
        let id = &self.credentials.access_key_id;
        let chars: Vec<char> = id.chars().collect();
        if chars.len() <= 8 {
            return "…".into();
        }
        let head: String = chars.iter().take(4).collect();
        let tail: String = chars.iter().skip(chars.len() - 4).collect();
        format!("{head}…{tail}")
    }

    /// Whether they are due for renewal at `now` (a minute of margin).
    pub fn due(&self, now: i64) -> bool {
        now >= self.expiration - 60
    }
}

/// An error answer: AWS's `__type` and `message`, and what they mean.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityError {
    pub kind: String,
    pub message: String,
}

impl IdentityError {
    /// One or two sentences on what went wrong and what to do.
    pub fn explain(&self) -> String {
        let m = self.message.as_str();
        let why = match self.kind.as_str() {
            "NotAuthorizedException" if m.contains("Missing a required claim: aud") => "the login in Logins is an access token; an identity pool takes the ID token (it has aud, the app client).",
            "NotAuthorizedException" if m.contains("Token expired") => "the ID token in Logins has expired: refresh the tokens, then ask again.",
            "NotAuthorizedException" if m.contains("Issuer doesn't match providerName") => "the Logins key must be the user pool's provider name, cognito-idp.<region>.amazonaws.com/<pool id>, and the token must come from that pool.",
            "NotAuthorizedException" if m.contains("Logins don't match") => "this identity belongs to a signed-in user: send that user's ID token in Logins (or ask for a new identity).",
            "NotAuthorizedException" if m.contains("Unauthenticated access is not supported") => "this identity pool does not allow guests: sign in first.",
            "NotAuthorizedException" if m.contains("Incorrect token audience") => "the ID token was issued to an app client this identity pool does not list as a provider.",
            "NotAuthorizedException" => "the identity pool refused the login: the ID token was altered, or comes from a pool or client it does not trust.",
            "ResourceNotFoundException" => "no such identity pool (or identity) in this region: check identityPoolId.",
            "InvalidIdentityPoolConfigurationException" => "the identity pool has no IAM role for this kind of identity: attach an authenticated (and, for guests, an unauthenticated) role.",
            _ => "the identity pool answered with an error.",
        };
        format!("{}: {m} — {why}", self.kind)
    }
}

fn error_of(body: &str) -> IdentityError {
    let value = json::parse(body).ok();
    let field = |k: &str| {
        value
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    // `__type` may carry a namespace prefix (`com.amazonaws…#NotAuthorizedException`).
    let kind = field("__type")
        .map(|t| t.rsplit('#').next().unwrap_or(&t).to_owned())
        .unwrap_or_else(|| "UnknownError".into());
    IdentityError {
        kind,
        message: field("message")
            .or_else(|| field("Message"))
            .unwrap_or_default(),
    }
}

/// `GetId`'s answer: the identity id.
pub fn read_identity_id(status: u16, body: &str) -> Result<String, IdentityError> {
    if status != 200 {
        return Err(error_of(body));
    }
    json::parse(body)
        .ok()
        .and_then(|v| {
            v.get("IdentityId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .ok_or_else(|| IdentityError {
            kind: "UnexpectedAnswer".into(),
            message: "GetId answered without an IdentityId".into(),
        })
}

/// `GetCredentialsForIdentity`'s answer.
pub fn read_credentials(status: u16, body: &str) -> Result<AwsCredentials, IdentityError> {
    if status != 200 {
        return Err(error_of(body));
    }
    let value = json::parse(body).ok();
    let c = value.as_ref().and_then(|v| v.get("Credentials"));
    let text = |v: Option<&Value>, k: &str| {
        v.and_then(|v| v.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let read = || {
        Some(AwsCredentials {
            identity_id: text(value.as_ref(), "IdentityId")?,
            credentials: Credentials {
                access_key_id: text(c, "AccessKeyId")?,
                secret_key: text(c, "SecretKey")?,
                session_token: Some(text(c, "SessionToken")?),
            },
            // Epoch seconds, an integer or (as AWS sends it) a float.
            expiration: c?.get("Expiration")?.as_f64()? as i64,
        })
    };
    read().ok_or_else(|| IdentityError {
        kind: "UnexpectedAnswer".into(),
        message: "GetCredentialsForIdentity answered without complete Credentials".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC";
    const POOL: &str = "eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001";

    #[test]
    fn get_id_sends_the_id_token_under_the_pools_provider_name() {
        let r = get_id(
            "https://cognito-identity.eu-west-1.amazonaws.com",
            POOL,
            ISSUER,
            Some("eyJ.id.sig"),
        );
        assert_eq!(r.method, "POST");
        assert_eq!(r.url, "https://cognito-identity.eu-west-1.amazonaws.com/");
        assert!(r.headers.contains(&(
            "X-Amz-Target".into(),
            "AWSCognitoIdentityService.GetId".into()
        )));
        assert!(r
            .headers
            .contains(&("Content-Type".into(), "application/x-amz-json-1.1".into())));
        assert!(r.authorization().is_none(), "unsigned");
        let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"IdentityPoolId": POOL, "Logins": {"cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC": "eyJ.id.sig"}})
        );
        // A guest: no Logins at all.
        let guest = get_credentials("http://localhost:9001", "eu-west-1:x", ISSUER, None);
        let body: Value = serde_json::from_str(guest.body.as_deref().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"IdentityId": "eu-west-1:x"}));
        assert_eq!(
            provider_name("http://localhost:9001/us-east-1_DRAGONS01"),
            "localhost:9001/us-east-1_DRAGONS01"
        );
    }

    #[test]
    fn credentials_are_read_with_a_float_or_integer_expiry_and_masked() {
        let body = r#"{"IdentityId":"eu-west-1:x","Credentials":{"AccessKeyId":"ASIAABCDEFGHIJKLMNOP","SecretKey":"s3cr3t","SessionToken":"tok","Expiration":1.7967003E9}}"#;
        let c = read_credentials(200, body).unwrap();
        assert_eq!(c.expiration, 1_796_700_300);
        assert_eq!(c.credentials.session_token.as_deref(), Some("tok"));
        assert_eq!(c.masked_key_id(), "ASIA…MNOP");
        assert!(!c.due(1_796_700_000));
        assert!(c.due(1_796_700_250));
        let int = body.replace("1.7967003E9", "1796700300");
        assert_eq!(
            read_credentials(200, &int).unwrap().expiration,
            1_796_700_300
        );
        assert_eq!(
            read_credentials(200, "{}").unwrap_err().kind,
            "UnexpectedAnswer"
        );
        assert_eq!(
            read_identity_id(200, r#"{"IdentityId":"eu-west-1:y"}"#).unwrap(),
            "eu-west-1:y"
        );
    }

    #[test]
    fn each_error_is_explained() {
        let err = |kind: &str, message: &str| {
            let body = serde_json::json!({"__type": kind, "message": message}).to_string();
            read_identity_id(400, &body).unwrap_err().explain()
        };
        assert!(err(
            "NotAuthorizedException",
            "Invalid login token. Missing a required claim: aud"
        )
        .contains("access token"));
        assert!(err(
            "NotAuthorizedException",
            "Invalid login token. Token expired: 1 >= 0"
        )
        .contains("refresh"));
        assert!(err("NotAuthorizedException", "Logins don't match. Please include at least one valid login for this identity or identity pool.").contains("that user's ID token"));
        assert!(err(
            "NotAuthorizedException",
            "Unauthenticated access is not supported for this identity pool."
        )
        .contains("sign in first"));
        assert!(err(
            "com.amazonaws.cognito.identity#ResourceNotFoundException",
            "IdentityPool 'x' not found."
        )
        .starts_with("ResourceNotFoundException: "));
        assert!(err(
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration."
        )
        .contains("IAM role"));
        assert!(read_credentials(400, "not json")
            .unwrap_err()
            .explain()
            .starts_with("UnknownError"));
    }
}
