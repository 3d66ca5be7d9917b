//! Plain words for Cognito's claims and times, for the tokens view.

use super::claims::TokenKind;

/// What a claim means, for the person reading the token.
pub fn claim_meaning(name: &str, kind: TokenKind) -> &'static str {
    match (name, kind) {
        ("sub", _) => "The user's unique, permanent id in this user pool (a UUID). Use it, not the user name, as the key for a user.",
        ("iss", _) => "Who issued the token: the user pool's URL. The app checks it equals the configured issuer.",
        ("aud", _) => "Audience: the app client the ID token was made for. Must equal this app's client id. (Access tokens have client_id instead.)",
        ("client_id", _) => "The app client the access token was issued to. Access tokens carry this instead of aud.",
        ("token_use", TokenKind::Id) => "\"id\": this token says who the user is. API Gateway's Cognito authorizer wants it for methods without OAuth scopes.",
        ("token_use", TokenKind::Access) => "\"access\": this token says what the bearer may do (its scopes). Send it where a method has OAuth scopes, and to /oauth2/userInfo.",
        ("scope", _) => "The OAuth scopes granted, space separated. Custom scopes such as dragons/read and dragons/write come from a resource server and are what API methods with authorization scopes check (the workshop's POST /dragons wants dragons/write, which only the group dragon-keepers keeps); they come only from the Hosted UI and the token endpoint, never from InitiateAuth. aws.cognito.signin.user.admin instead lets the token call the user pools API for this user (GetUser, UpdateUserAttributes).",
        ("cognito:groups", _) => "The user pool groups the user belongs to (absent when none).",
        ("cognito:username", _) => "The user name in the pool (in the ID token; the access token calls it username).",
        ("username", _) => "The user name in the pool (in the access token; the ID token calls it cognito:username).",
        ("auth_time", _) => "When the user actually signed in. It stays the same across refreshes.",
        ("iat", _) => "Issued at: when this token was made.",
        ("exp", _) => "Expires at: after this the token is refused (\"The incoming token has expired\"). Refresh before then.",
        ("nonce", _) => "The random value this app sent at sign-in, copied back: it ties the ID token to this sign-in (no replay).",
        ("at_hash", _) => "Hash of the access token issued with this ID token (Cognito adds it in the code and implicit flows alike): it stops a swapped access token.",
        ("email", _) => "The user's e-mail address. With the openid scope Cognito adds every attribute the app client may read, whatever other scopes were asked for.",
        ("email_verified", _) => "Whether the e-mail address has been confirmed.",
        ("jti", _) => "This token's own unique id.",
        ("origin_jti", _) => "The id shared by every token from the same sign-in, refreshes included; revocation uses it.",
        ("event_id", _) => "The id of the sign-in event in Cognito's logs.",
        ("version", _) => "The access token format version (2).",
        ("name", _) => "The user's name attribute (with the profile scope).",
        (n, _) if n.starts_with("custom:") => "A custom attribute defined on the user pool (always a string).",
        _ => "",
    }
}

/// What a header field means.
pub fn header_meaning(name: &str) -> &'static str {
    match name {
        "alg" => "The signature algorithm. Cognito uses RS256 only; the app refuses anything else (none, HS256).",
        "kid" => "Which of the user pool's public keys (JWKS) checks the signature. Cognito has one key for ID tokens and one for access tokens.",
        "typ" => "The token type.",
        _ => "",
    }
}

/// "in 52 min", "3 min ago", "in 40 s".
pub fn relative(ts: i64, now: i64) -> String {
    let delta = ts.saturating_sub(now);
    let abs = delta.unsigned_abs();
    let amount = if abs < 90 {
        format!("{abs} s")
    } else if abs < 90 * 60 {
        format!("{} min", (abs + 30) / 60)
    } else if abs < 48 * 3600 {
        format!("{} h {} min", abs / 3600, (abs % 3600) / 60)
    } else {
        format!("{} days", abs / 86400)
    };
    if delta >= 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// userInfo's fields that hold a boolean as the STRING "true"/"false" (Cognito sends
/// `email_verified` and `phone_number_verified` so there, unlike the ID token's booleans), as
/// one sentence for under the answer; None when there are none.
pub fn string_booleans(user_info: &serde_json::Value) -> Option<String> {
    let names: Vec<&str> = user_info
        .as_object()?
        .iter()
        .filter(|(_, v)| matches!(v.as_str(), Some("true" | "false")))
        .map(|(k, _)| k.as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    Some(format!(
        "{} {} the string \"true\" or \"false\" here, as Cognito's userInfo sends {}; the ID token has real booleans. Compare with == \"true\", not as a boolean.",
        names.join(", "),
        if names.len() == 1 { "is" } else { "are" },
        if names.len() == 1 { "it" } else { "them" },
    ))
}

/// A token time as the cards show it, `now` on the same (issuer's) clock and `local` the time
/// as this computer writes it: a token's expiry says whether it has passed ("Expires in 52 min
/// (…)", "Expired 3 min ago (…)"), any other claim's time reads "… · 3 min ago".
pub fn time_words(at: i64, now: i64, local: &str, expiry: bool) -> String {
    let relative = relative(at, now);
    match (expiry, now < at) {
        (false, _) => format!("{local} · {relative}"),
        (true, true) => format!("Expires {relative} ({local})"),
        (true, false) => format!("Expired {relative} ({local})"),
    }
}

/// Seconds since the epoch as (year, month, day, seconds into the day), UTC: Howard Hinnant's
/// `civil_from_days` (also the SigV4 date, api::sigv4::amz_date).
pub fn civil(secs: i64) -> (i64, i64, i64, i64) {
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        day_secs,
    )
}

/// A time (seconds since the epoch) as a clock on this computer shows it, `east` minutes ahead
/// of UTC: "2026-11-23 21:41:07 UTC+1". The same on every machine, whatever its language
/// (the browser's `toLocaleString` costs 10–30 ms the first time, loading its locale data).
pub fn clock_time(secs: i64, east: i64) -> String {
    let local = secs.saturating_add(east.saturating_mul(60));
    let (year, month, day, day_secs) = civil(local);
    let zone = match east {
        0 => String::new(),
        e if e % 60 == 0 => format!("{:+}", e / 60),
        e => format!(
            "{}{}:{:02}",
            if e < 0 { '-' } else { '+' },
            e.abs() / 60,
            e.abs() % 60
        ),
    };
    format!(
        "{year}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC{zone}",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60
    )
}

/// Claims holding seconds since the epoch.
pub fn is_time_claim(name: &str) -> bool {
    matches!(name, "exp" | "iat" | "auth_time" | "nbf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_string_booleans_are_pointed_out() {
        let body = serde_json::json!({"sub": "u1", "email_verified": "true",
            "phone_number_verified": "false", "email": "a@b.c", "username": "true-name"});
        let said = string_booleans(&body).expect("two string booleans");
        assert!(
            said.starts_with("email_verified, phone_number_verified are the string"),
            "{said}"
        );
        let ok = serde_json::json!({"sub": "u1", "email_verified": true});
        assert_eq!(string_booleans(&ok), None);
        assert_eq!(string_booleans(&serde_json::json!([1])), None);
    }

    #[test]
    fn clock_times_are_dates_on_this_computers_clock() {
        assert_eq!(clock_time(0, 0), "1970-01-01 00:00:00 UTC");
        // 2026-11-23T20:41:07Z, in Berlin's winter, New York's and India's time.
        assert_eq!(clock_time(1_795_466_467, 60), "2026-11-23 21:41:07 UTC+1");
        assert_eq!(clock_time(1_795_466_467, -300), "2026-11-23 15:41:07 UTC-5");
        assert_eq!(
            clock_time(1_795_466_467, 330),
            "2026-11-24 02:11:07 UTC+5:30"
        );
        assert_eq!(
            clock_time(1_795_466_467, -570),
            "2026-11-23 11:11:07 UTC-9:30"
        );
        // A leap day, and the day after the end of a century year that is not a leap year.
        assert_eq!(clock_time(951_782_400, 0), "2000-02-29 00:00:00 UTC");
        assert_eq!(clock_time(4_107_542_400, 0), "2100-03-01 00:00:00 UTC");
        assert_eq!(clock_time(-1, 0), "1969-12-31 23:59:59 UTC");
        // Whatever a token claims, no panic.
        for at in [i64::MIN, i64::MAX, -62_135_596_800] {
            assert!(clock_time(at, 840).contains("UTC+14"));
        }
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(1000 + 52 * 60, 1000), "in 52 min");
        assert_eq!(relative(1000 - 180, 1000), "3 min ago");
        assert_eq!(relative(1040, 1000), "in 40 s");
        assert_eq!(relative(1000, 1000), "in 0 s");
        assert_eq!(relative(1000 + 3 * 3600 + 120, 1000), "in 3 h 2 min");
        assert!(
            relative(i64::MIN, i64::MAX).ends_with("days ago"),
            "no overflow on absurd claims"
        );
        assert!(relative(i64::MAX, i64::MIN).starts_with("in "));
    }

    #[test]
    fn token_times_say_whether_the_expiry_has_passed() {
        assert_eq!(
            time_words(1000 + 52 * 60, 1000, "10:52", true),
            "Expires in 52 min (10:52)"
        );
        assert_eq!(
            time_words(1000 - 180, 1000, "09:57", true),
            "Expired 3 min ago (09:57)"
        );
        assert_eq!(
            time_words(1000, 1000, "10:00", true),
            "Expired in 0 s (10:00)",
            "at exp it is no longer valid"
        );
        assert_eq!(
            time_words(1000 - 180, 1000, "09:57", false),
            "09:57 · 3 min ago"
        );
    }

    #[test]
    fn cognito_claims_are_explained_and_the_pairs_are_told_apart() {
        for claim in [
            "sub",
            "iss",
            "aud",
            "client_id",
            "token_use",
            "scope",
            "cognito:groups",
            "auth_time",
            "exp",
            "iat",
        ] {
            assert!(!claim_meaning(claim, TokenKind::Id).is_empty(), "{claim}");
        }
        assert!(claim_meaning("aud", TokenKind::Id).contains("client_id"));
        assert_ne!(
            claim_meaning("token_use", TokenKind::Id),
            claim_meaning("token_use", TokenKind::Access)
        );
        assert!(claim_meaning("custom:team", TokenKind::Id).contains("custom attribute"));
        assert_eq!(claim_meaning("unheard-of", TokenKind::Id), "");
    }
}
