//! The REST API's `AWS_IAM` methods: what their answers mean. API Gateway checks the Signature
//! Version 4 of each request (made with the identity pool's temporary credentials), then the
//! IAM role's policy. Every refusal is a 403; the message says which check failed.

use super::Diagnosis;

/// AWS's opening words for a signature that does not match.
pub const MISMATCH: &str = "The request signature we calculated does not match";

/// What an IAM-guarded answer means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IamAnswer {
    /// 403 "Missing Authentication Token": no signature at all (or a wrong URL).
    Unsigned,
    /// 403 "Authorization header requires 'Credential' parameter…": a bearer token, not SigV4.
    NotSigV4,
    /// 403 mismatch, with the canonical string and string to sign the server computed.
    Mismatch {
        canonical_request: Option<String>,
        string_to_sign: Option<String>,
    },
    /// 403 "Signature expired: …": `X-Amz-Date` more than five minutes off.
    StaleDate,
    /// 403 "The security token included in the request is expired".
    ExpiredCredentials,
    /// 403 "The security token included in the request is invalid.": keys not issued (or
    /// revoked), or the session token missing.
    UnknownCredentials,
    /// 403 `{"Message":"User: … is not authorized to perform: execute-api:Invoke …"}`.
    NotAllowed { user: String },
    /// Anything else: the general diagnosis.
    Other,
}

fn quoted_after<'a>(message: &'a str, marker: &str) -> Option<&'a str> {
    let start = message.find(marker)? + marker.len();
    let rest = message.get(start..)?.strip_prefix("\n'")?;
    let end = rest.find("'\n")?;
    rest.get(..end)
}

fn message_of(body: &str) -> String {
    crate::json::parse(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .or_else(|| v.get("Message"))
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}

/// Read a 403 from the IAM API.
pub fn read(status: Option<u16>, body: &str) -> IamAnswer {
    if status != Some(403) {
        return IamAnswer::Other;
    }
    let m = message_of(body);
    if m == "Missing Authentication Token" {
        IamAnswer::Unsigned
    } else if m.starts_with("Authorization header requires")
        || m.contains("not a valid key=value pair (missing equal-sign)")
    {
        IamAnswer::NotSigV4
    } else if m.starts_with(MISMATCH) {
        IamAnswer::Mismatch {
            canonical_request: quoted_after(
                &m,
                "The Canonical String for this request should have been",
            )
            .map(str::to_owned),
            string_to_sign: quoted_after(&m, "The String-to-Sign should have been")
                .map(str::to_owned),
        }
    } else if m.starts_with("Signature expired") || m.starts_with("Signature not yet current") {
        IamAnswer::StaleDate
    } else if m.contains("security token included in the request is expired") {
        IamAnswer::ExpiredCredentials
    } else if m.contains("security token included in the request is invalid") {
        IamAnswer::UnknownCredentials
    } else if m.starts_with("User: ")
        && m.contains("is not authorized to perform: execute-api:Invoke")
    {
        let user = m
            .strip_prefix("User: ")
            .and_then(|r| r.split(" is not authorized").next())
            .unwrap_or("")
            .to_owned();
        IamAnswer::NotAllowed { user }
    } else {
        IamAnswer::Other
    }
}

/// One or two sentences on an IAM API answer (None: the general diagnosis says it).
pub fn explain(method: &str, diagnosis: &Diagnosis, answer: &IamAnswer) -> Option<String> {
    Some(match answer {
        IamAnswer::Unsigned => "403 \"Missing Authentication Token\": the request carried no AWS signature. Methods with AWS_IAM want a Signature Version 4 made with AWS credentials: get them from the identity pool first (or check the URL: an unknown path says the same).".to_owned(),
        IamAnswer::NotSigV4 => "403: API Gateway read the Authorization header as an AWS signature and found a token instead. An AWS_IAM method takes no Cognito token: it wants AWS credentials (from the identity pool) and a Signature Version 4.".to_owned(),
        IamAnswer::Mismatch { canonical_request, .. } => format!(
            "403: the signature does not match the one API Gateway computed with the secret key it knows for this access key. {} Compare the two canonical requests in the inspector: a header, the path's encoding or the body that differs is the usual cause; with everything equal, the secret key is wrong.",
            if canonical_request.is_some() { "AWS says what it signed." } else { "" }
        ),
        IamAnswer::StaleDate => "403 \"Signature expired\": the request's X-Amz-Date is more than five minutes away from AWS's clock. Sign with the right time (this computer's clock may be off), and sign just before sending.".to_owned(),
        IamAnswer::ExpiredCredentials => "403: the temporary credentials have expired (identity pool credentials last an hour). Get new ones from the identity pool and sign again.".to_owned(),
        IamAnswer::UnknownCredentials => "403: AWS does not know these credentials (not issued by it, or the session token is missing or altered). Get credentials from the identity pool and send X-Amz-Security-Token with them.".to_owned(),
        IamAnswer::NotAllowed { user } => {
            let guest = user.contains("unauth");
            format!(
                "403: the signature is valid, but the role behind it ({user}) may not {method} /dragons: its IAM policy allows execute-api:Invoke only on other methods.{}",
                if guest { " Guests (the identity pool's unauthenticated role) may only read dragons: sign in and get credentials of the authenticated role to report one." } else { "" }
            )
        }
        IamAnswer::Other => match diagnosis {
            Diagnosis::Dragons(_) => "200 OK: API Gateway checked the Signature Version 4 against the secret it issued and the role's IAM policy allowed the call.".to_owned(),
            Diagnosis::Accepted => "Accepted: the signature checked out and the signed-in user's role may POST /dragons. The dragon shows in the list once the background job has run.".to_owned(),
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(m: &str) -> String {
        serde_json::json!({ "message": m }).to_string()
    }

    #[test]
    fn every_403_is_told_apart() {
        assert_eq!(
            read(Some(403), &body("Missing Authentication Token")),
            IamAnswer::Unsigned
        );
        assert_eq!(
            read(
                Some(403),
                &body("Authorization header requires 'Credential' parameter. Authorization=eyJ")
            ),
            IamAnswer::NotSigV4
        );
        assert_eq!(read(Some(403), &body("Signature expired: 20200101T000000Z is now earlier than 20261208T010000Z (20261208T010500Z - 5 min.)")), IamAnswer::StaleDate);
        assert_eq!(
            read(
                Some(403),
                &body("The security token included in the request is expired")
            ),
            IamAnswer::ExpiredCredentials
        );
        assert_eq!(
            read(
                Some(403),
                &body("The security token included in the request is invalid.")
            ),
            IamAnswer::UnknownCredentials
        );
        assert_eq!(read(Some(200), "[]"), IamAnswer::Other);
        let denied = serde_json::json!({"Message": "User: arn:aws:sts::123456789012:assumed-role/dragons-unauthenticated/CognitoIdentityCredentials is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:a/iam/POST/dragons"}).to_string();
        let answer = read(Some(403), &denied);
        assert_eq!(
            answer,
            IamAnswer::NotAllowed {
                user: "arn:aws:sts::123456789012:assumed-role/dragons-unauthenticated/CognitoIdentityCredentials".into()
            }
        );
        let why = explain("POST", &Diagnosis::Forbidden, &answer).unwrap();
        assert!(
            why.contains("Guests") && why.contains("may not POST"),
            "{why}"
        );
    }

    #[test]
    fn a_mismatch_gives_the_servers_canonical_request_and_string_to_sign() {
        let m = format!("{MISMATCH} the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'GET\n/iam/dragons\n\nhost:localhost:9002\n\nhost\ne3b0'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n20261208T010000Z\n20261208/us-east-1/execute-api/aws4_request\nabc'\n");
        let IamAnswer::Mismatch {
            canonical_request,
            string_to_sign,
        } = read(Some(403), &body(&m))
        else {
            panic!("a mismatch");
        };
        assert_eq!(
            canonical_request.as_deref(),
            Some("GET\n/iam/dragons\n\nhost:localhost:9002\n\nhost\ne3b0")
        );
        assert!(string_to_sign.unwrap().ends_with("aws4_request\nabc"));
        let why = explain("GET", &Diagnosis::Forbidden, &read(Some(403), &body(&m))).unwrap();
        assert!(why.contains("secret key"), "{why}");
    }

    #[test]
    fn successes_say_what_was_checked() {
        let why = explain("GET", &Diagnosis::Dragons(vec![]), &IamAnswer::Other).unwrap();
        assert!(
            why.contains("Signature Version 4") && why.contains("IAM policy"),
            "{why}"
        );
        assert_eq!(
            explain("GET", &Diagnosis::ServerError, &IamAnswer::Other),
            None
        );
    }
}
