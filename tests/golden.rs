//! Golden inputs: tokens that real Amazon Cognito user pools issued, with each pool's JWKS
//! (copied from `shared/fixtures/real-cognito/` into `tests/data/real-cognito/`; see the
//! `SOURCE.txt` in each folder). They are what AWS really sends, not what our own keys make.
//!
//! Natively: every token decodes, passes the claim checks with the clock at `iat` + 5 s, fails
//! them after `exp`, and the implicit pair's `at_hash` is recomputed. In headless Chromium
//! (`cargo test --target wasm32-unknown-unknown`): the same checks with the RS256 signature
//! checked by WebCrypto, and each token refused with a changed byte, the wrong JWKS or an
//! unknown `kid`.

use dragons_login::auth::claims::{self, AtHash, ClaimError, Expected, TokenKind};
use dragons_login::auth::jwks::Jwks;
use dragons_login::auth::jwt;
use dragons_login::auth::CLOCK_LEEWAY_SECS;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

macro_rules! data {
    ($path:literal) => {
        include_str!(concat!("data/real-cognito/", $path)).trim()
    };
}

/// One real token and where it came from.
struct Golden {
    name: &'static str,
    kind: TokenKind,
    token: &'static str,
    jwks: &'static str,
    issuer: &'static str,
    client_id: &'static str,
    /// The access token of the same implicit-flow answer (the ID token's `at_hash` names it).
    paired_access: Option<&'static str>,
}

const FZ: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_FzvvsAVvl";
const PD: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_PDsy6i0Bf";
const PM: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pmR4YIvVo";
const XR: &str = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_XRsUGkwyU";

fn fz_access() -> &'static str {
    data!("2ndsightlab-aws-scripts_us-east-1_FzvvsAVvl/access_token.jwt")
}

fn goldens() -> Vec<Golden> {
    let fz_jwks = data!("2ndsightlab-aws-scripts_us-east-1_FzvvsAVvl/jwks.json");
    let xr_jwks = data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/jwks.json");
    let xr = |name, kind, token| Golden {
        name,
        kind,
        token,
        jwks: xr_jwks,
        issuer: XR,
        client_id: "4tg7fhidb5adr5jc1bna4me2i6",
        paired_access: None,
    };
    vec![
        Golden {
            name: "us-east-1 implicit ID token",
            kind: TokenKind::Id,
            token: data!("2ndsightlab-aws-scripts_us-east-1_FzvvsAVvl/id_token.jwt"),
            jwks: fz_jwks,
            issuer: FZ,
            client_id: "7p524otequk4m1sasaggpjfi9v",
            paired_access: Some(fz_access()),
        },
        Golden {
            name: "us-east-1 implicit access token",
            kind: TokenKind::Access,
            token: fz_access(),
            jwks: fz_jwks,
            issuer: FZ,
            client_id: "7p524otequk4m1sasaggpjfi9v",
            paired_access: None,
        },
        Golden {
            name: "us-east-1 ID token, kid with +",
            kind: TokenKind::Id,
            token: data!(
                "maximivanov-cognito-jwt-verifier_us-east-1_PDsy6i0Bf/id_token_expired.jwt"
            ),
            jwks: data!("maximivanov-cognito-jwt-verifier_us-east-1_PDsy6i0Bf/jwks.json"),
            issuer: PD,
            client_id: "5ra91i9p4trq42m2vnjs0pv06q",
            paired_access: None,
        },
        Golden {
            name: "eu-west-1 ID token",
            kind: TokenKind::Id,
            token: data!(
                "vrtdev-aws-cloudfront-authorizer_eu-west-1_pmR4YIvVo/id_token_expired.jwt"
            ),
            jwks: data!("vrtdev-aws-cloudfront-authorizer_eu-west-1_pmR4YIvVo/jwks.json"),
            issuer: PM,
            client_id: "23emqn0bm58nejuvl9ju5ug50m",
            paired_access: None,
        },
        xr(
            "us-west-2 InitiateAuth ID token 1, kid with /",
            TokenKind::Id,
            data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/id_token_1.jwt"),
        ),
        xr(
            "us-west-2 InitiateAuth ID token 2",
            TokenKind::Id,
            data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/id_token_2.jwt"),
        ),
        xr(
            "us-west-2 InitiateAuth access token 1",
            TokenKind::Access,
            data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/access_token_1.jwt"),
        ),
        xr(
            "us-west-2 InitiateAuth access token 2 (with groups)",
            TokenKind::Access,
            data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/access_token_2.jwt"),
        ),
    ]
}

/// Tokens of other pools whose kid is not in the us-west-2 JWKS.
fn foreign() -> [&'static str; 3] {
    [
        data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/negative/foreign_pool_access_1.jwt"),
        data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/negative/foreign_pool_id_2.jwt"),
        data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/negative/foreign_pool_id_3.jwt"),
    ]
}

impl Golden {
    fn decoded(&self) -> jwt::DecodedJwt {
        jwt::decode(self.token).unwrap_or_else(|e| panic!("{}: {e:?}", self.name))
    }

    fn iat(&self) -> i64 {
        self.decoded().int_claim("iat").expect("iat")
    }

    /// What the app checks this token against, with the clock at `now`.
    fn expected(&self, now: i64) -> Expected<'static> {
        Expected {
            issuer: self.issuer,
            client_id: self.client_id,
            nonce: None,
            at_hash_of: self.paired_access,
            at_hash_required: self.paired_access.is_some(),
            now,
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_real_token_passes_the_claim_checks_at_its_issue_time_and_fails_after_expiry() {
    for g in goldens() {
        let jwt = g.decoded();
        assert_eq!(jwt.alg(), Some("RS256"), "{}", g.name);
        assert_eq!(
            jwt.str_claim("token_use"),
            Some(g.kind.token_use()),
            "{}",
            g.name
        );
        let now = g.iat() + 5;
        assert_eq!(
            claims::check(g.kind, &jwt, &g.expected(now)),
            Ok(()),
            "{}",
            g.name
        );
        let exp = jwt.int_claim("exp").expect("exp");
        assert!(
            matches!(
                claims::check(g.kind, &jwt, &g.expected(exp + CLOCK_LEEWAY_SECS)),
                Err(ClaimError::Expired { .. })
            ),
            "{}",
            g.name
        );
        // Another pool's client is refused.
        let other = Expected {
            client_id: "someone-else",
            ..g.expected(now)
        };
        assert!(claims::check(g.kind, &jwt, &other).is_err(), "{}", g.name);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_real_implicit_pair_is_tied_by_at_hash_and_a_swapped_access_token_is_caught() {
    let id = jwt::decode(data!(
        "2ndsightlab-aws-scripts_us-east-1_FzvvsAVvl/id_token.jwt"
    ))
    .expect("decodes");
    assert_eq!(id.str_claim("at_hash"), Some("dTVWzbpr8qG384qpngIB8Q"));
    assert_eq!(claims::at_hash(fz_access()), "dTVWzbpr8qG384qpngIB8Q");
    assert_eq!(AtHash::of(&id, Some(fz_access())), AtHash::Matches);
    // The same pool's ID token with another (real) access token beside it.
    let other = data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/access_token_1.jwt");
    assert_eq!(AtHash::of(&id, Some(other)), AtHash::Mismatch);
    let g = &goldens()[0];
    let swapped = Expected {
        at_hash_of: Some(other),
        ..g.expected(g.iat() + 5)
    };
    assert_eq!(
        claims::check(TokenKind::Id, &id, &swapped),
        Err(ClaimError::AtHashMismatch)
    );
    // Tokens from the InitiateAuth API carry no at_hash (wire spec, Tokens).
    let api = jwt::decode(data!(
        "xeedware-cognito-jwt_us-west-2_XRsUGkwyU/id_token_1.jwt"
    ))
    .expect("decodes");
    assert_eq!(AtHash::of(&api, Some(other)), AtHash::Absent);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_real_callback_url_holds_the_same_tokens_and_is_read_as_a_callback() {
    let url = data!("2ndsightlab-aws-scripts_us-east-1_FzvvsAVvl/implicit_callback_url.txt");
    let (_, fragment) = url.split_once('#').expect("a fragment");
    let params = dragons_login::auth::callback::CallbackParams::read("", fragment)
        .expect("the fragment is a callback");
    let shown = format!("{params:?}");
    assert!(
        shown.contains("id_token") && !shown.contains("eyJ"),
        "{shown}"
    );
    let pairs: Vec<(String, String)> = dragons_login::codec::form_pairs(fragment);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("id_token"), Some(goldens()[0].token));
    assert_eq!(get("access_token"), Some(fz_access()));
    assert_eq!(get("token_type"), Some("Bearer"));
    assert_eq!(get("expires_in"), Some("3600"));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn kids_holding_slash_and_plus_are_found_and_foreign_kids_are_not() {
    for g in goldens() {
        let keys = Jwks::parse(g.jwks).expect("a JWKS");
        let kid = g.decoded().kid().expect("kid").to_owned();
        assert!(keys.find(&kid).is_some(), "{}: kid {kid}", g.name);
    }
    let kids: Vec<String> = goldens()
        .iter()
        .map(|g| g.decoded().kid().unwrap().to_owned())
        .collect();
    assert!(kids.iter().any(|k| k.contains('/')));
    assert!(kids.iter().any(|k| k.contains('+')));
    let xr = Jwks::parse(data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/jwks.json")).unwrap();
    for token in foreign() {
        let kid = jwt::decode(token).unwrap().kid().unwrap().to_owned();
        assert!(xr.find(&kid).is_none(), "{kid}");
    }
    let other = Jwks::parse(data!(
        "2ndsightlab-aws-scripts_us-east-1_FzvvsAVvl/jwks_other_unmatched.json"
    ))
    .unwrap();
    for g in &goldens()[..2] {
        assert!(other.find(g.decoded().kid().unwrap()).is_none());
    }
}

/// RS256 through the browser's WebCrypto, as the app checks every token.
#[cfg(target_arch = "wasm32")]
mod webcrypto {
    use super::*;
    use dragons_login::auth::verify::{SignatureStatus, TokenReport};
    use dragons_login::web::crypto::verify_rs256;
    use wasm_bindgen_test::wasm_bindgen_test;

    async fn signature_ok(jwks: &str, token: &str) -> Option<bool> {
        let jwt = jwt::decode(token).ok()?;
        let keys = Jwks::parse(jwks).ok()?;
        let key = keys.find(jwt.kid()?)?;
        verify_rs256(key, jwt.signing_input.as_bytes(), &jwt.signature)
            .await
            .ok()
    }

    #[wasm_bindgen_test]
    async fn every_real_token_is_verified_by_webcrypto_at_its_issue_time() {
        for g in goldens() {
            assert_eq!(
                signature_ok(g.jwks, g.token).await,
                Some(true),
                "{}",
                g.name
            );
            let mut report = TokenReport::new(g.kind, g.token);
            let kid = report.needs_key().expect("waits for a key").to_owned();
            report.judge(SignatureStatus::Valid { kid }, &g.expected(g.iat() + 5));
            assert!(report.is_valid(), "{}: {:?}", g.name, report.verdict);
        }
    }

    #[wasm_bindgen_test]
    async fn a_changed_byte_in_the_payload_or_the_signature_is_refused() {
        for g in goldens() {
            let jwt = g.decoded();
            let keys = Jwks::parse(g.jwks).unwrap();
            let key = keys.find(jwt.kid().unwrap()).unwrap();
            // One byte of the payload's part of the signed input, and one of the signature.
            let mut signed = jwt.signing_input.clone().into_bytes();
            let at = signed.len() - 10;
            signed[at] = if signed[at] == b'A' { b'B' } else { b'A' };
            let ok = verify_rs256(key, &signed, &jwt.signature).await;
            assert_eq!(ok, Ok(false), "{}: payload changed", g.name);
            let mut signature = jwt.signature.clone();
            signature[17] ^= 0x01;
            let ok = verify_rs256(key, jwt.signing_input.as_bytes(), &signature).await;
            assert_eq!(ok, Ok(false), "{}: signature changed", g.name);
        }
    }

    #[wasm_bindgen_test]
    async fn the_wrong_jwks_and_an_unknown_kid_never_pass() {
        let other = data!("2ndsightlab-aws-scripts_us-east-1_FzvvsAVvl/jwks_other_unmatched.json");
        let other_keys = Jwks::parse(other).unwrap();
        for g in goldens() {
            // Another pool's keys: no key for this kid; and forcing one does not verify.
            assert_eq!(signature_ok(other, g.token).await, None, "{}", g.name);
            let jwt = g.decoded();
            for key in &other_keys.keys {
                let ok = verify_rs256(key, jwt.signing_input.as_bytes(), &jwt.signature).await;
                assert_eq!(ok, Ok(false), "{} with {}", g.name, key.kid);
            }
        }
        let xr = data!("xeedware-cognito-jwt_us-west-2_XRsUGkwyU/jwks.json");
        for token in foreign() {
            assert_eq!(signature_ok(xr, token).await, None);
        }
    }
}
