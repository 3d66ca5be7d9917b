//! Workshop mode's rules (issue 13), pure and tested natively: what presenter view hides and
//! how its keys move between the stages. `web/` and `ui/` carry them out.

/// Whether a claim's value says who the person is, so presenter view blurs it until clicked.
/// Everything but the protocol's own claims counts: a claim this app does not know (a custom
/// attribute, an address) is hidden rather than shown to the room.
pub fn is_personal_claim(name: &str) -> bool {
    !matches!(
        name,
        "iss"
            | "aud"
            | "client_id"
            | "token_use"
            | "scope"
            | "auth_time"
            | "iat"
            | "exp"
            | "nbf"
            | "nonce"
            | "at_hash"
            | "jti"
            | "origin_jti"
            | "event_id"
            | "version"
            | "cognito:groups"
            | "email_verified"
            | "phone_number_verified"
    )
}

/// Presenter view's stages, in order: the id of each stage in index.html.
pub const STAGES: [&str; 4] = [
    "stage-sign-in",
    "stage-callback",
    "stage-tokens",
    "stage-api",
];

/// Presenter view's keys: `Some(true)` for the next stage (PageDown, as presentation clickers
/// send, or `n`), `Some(false)` for the previous one (PageUp, `p`). None while the person types
/// in a field or holds a modifier (Ctrl+PageDown switches tabs: the browser's, not ours).
pub fn stage_key(key: &str, in_text_field: bool, modified: bool) -> Option<bool> {
    if in_text_field || modified {
        return None;
    }
    match key {
        "PageDown" | "n" => Some(true),
        "PageUp" | "p" => Some(false),
        _ => None,
    }
}

/// The stage to show after `current` (an index of [`STAGES`], or none when focus is outside
/// them): the next or previous one, staying at the ends; from outside, the first or the last.
pub fn step_stage(current: Option<usize>, forward: bool) -> usize {
    let last = STAGES.len() - 1;
    match (current, forward) {
        (None, true) => 0,
        (None, false) => last,
        (Some(i), true) => (i + 1).min(last),
        (Some(i), false) => i.saturating_sub(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presenter_view_hides_who_the_person_is_and_shows_the_protocol() {
        for personal in [
            "email",
            "name",
            "sub",
            "cognito:username",
            "username",
            "phone_number",
            "custom:team",
            "address",
            "something_new",
        ] {
            assert!(is_personal_claim(personal), "{personal}");
        }
        for protocol in [
            "iss",
            "aud",
            "client_id",
            "token_use",
            "scope",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "at_hash",
            "jti",
            "origin_jti",
            "email_verified",
        ] {
            assert!(!is_personal_claim(protocol), "{protocol}");
        }
    }

    #[test]
    fn presenter_keys_step_through_the_four_stages_and_stop_at_the_ends() {
        assert_eq!(stage_key("PageDown", false, false), Some(true));
        assert_eq!(stage_key("n", false, false), Some(true));
        assert_eq!(stage_key("PageUp", false, false), Some(false));
        assert_eq!(stage_key("p", false, false), Some(false));
        assert_eq!(stage_key("Enter", false, false), None);
        assert_eq!(
            stage_key("ArrowDown", false, false),
            None,
            "arrows keep scrolling"
        );
        assert_eq!(stage_key("n", true, false), None, "typing an n in a field");
        assert_eq!(
            stage_key("PageDown", false, true),
            None,
            "Ctrl+PageDown: next tab"
        );
        assert_eq!(step_stage(None, true), 0);
        assert_eq!(step_stage(None, false), 3);
        assert_eq!(step_stage(Some(0), true), 1);
        assert_eq!(step_stage(Some(3), true), 3);
        assert_eq!(step_stage(Some(2), false), 1);
        assert_eq!(step_stage(Some(0), false), 0);
        assert_eq!(STAGES[step_stage(Some(1), true)], "stage-tokens");
    }
}
