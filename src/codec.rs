//! base64url (RFC 4648 §5, no padding) and `application/x-www-form-urlencoded`, the two
//! encodings OAuth and JWTs are made of. In the browser they are the browser's own `atob`/`btoa`
//! and `URLSearchParams` (no codec compiled into the wasm: issue 12's size budget); natively
//! the maintained `base64` and `form_urlencoded` crates, so the core's tests run without a
//! browser. `tests/web.rs` checks in Chromium that both give the same answers.

/// `bytes` in base64url without padding.
pub fn b64url_encode(bytes: &[u8]) -> String {
    imp::b64url_encode(bytes)
}

/// base64url without padding to bytes; `None` for any other text (padding, `+`, `/`,
/// whitespace, a length no encoding has). The browser's `atob` also takes non-zero unused bits
/// in the last character, which the crate refuses; they change no byte (and a JWT's signature
/// covers its text, not the decoded bytes).
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if text.len() % 4 == 1 || !text.bytes().all(alphabet) {
        return None;
    }
    imp::b64url_decode(text)
}

/// A form body or query string, built pair by pair (space as `+`, as Cognito expects).
pub struct Form(imp::Form);

impl Form {
    pub fn new() -> Form {
        Form(imp::Form::new())
    }

    pub fn pair(mut self, key: &str, value: &str) -> Form {
        self.0.append(key, value);
        self
    }

    pub fn finish(self) -> String {
        self.0.finish()
    }
}

impl Default for Form {
    fn default() -> Self {
        Form::new()
    }
}

/// The pairs of a form body or query string (without its `?`), decoded, in order, repeats
/// kept.
pub fn form_pairs(text: &str) -> Vec<(String, String)> {
    imp::form_pairs(text)
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    pub fn b64url_encode(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(text).ok()
    }

    pub struct Form(form_urlencoded::Serializer<'static, String>);

    impl Form {
        pub fn new() -> Form {
            Form(form_urlencoded::Serializer::new(String::new()))
        }

        pub fn append(&mut self, key: &str, value: &str) {
            self.0.append_pair(key, value);
        }

        pub fn finish(mut self) -> String {
            self.0.finish()
        }
    }

    pub fn form_pairs(text: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(text.as_bytes())
            .into_owned()
            .collect()
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch)]
        fn atob(text: &str) -> Result<String, JsValue>;
        #[wasm_bindgen(catch)]
        fn btoa(binary: &str) -> Result<String, JsValue>;
    }

    pub fn b64url_encode(bytes: &[u8]) -> String {
        // btoa takes a "binary string": one character (U+0000..U+00FF) per byte.
        let binary: String = bytes.iter().map(|&b| char::from(b)).collect();
        let standard = btoa(&binary).unwrap_or_default();
        standard
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect()
    }

    pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
        let standard: String = text
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        let binary = atob(&standard).ok()?;
        // Every character of atob's answer is one byte (U+0000..U+00FF).
        Some(binary.chars().map(|c| c as u32 as u8).collect())
    }

    pub struct Form(web_sys::UrlSearchParams);

    impl Form {
        pub fn new() -> Form {
            Form(web_sys::UrlSearchParams::new().expect("URLSearchParams with no input"))
        }

        pub fn append(&mut self, key: &str, value: &str) {
            self.0.append(key, value);
        }

        pub fn finish(self) -> String {
            self.0.to_string().into()
        }
    }

    pub fn form_pairs(text: &str) -> Vec<(String, String)> {
        // URLSearchParams drops one leading `?`; form_urlencoded (and the spec's parser) does
        // not. A leading `&` makes an empty part, which both skip.
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(&format!("&{text}")) else {
            return Vec::new();
        };
        js_sys::Array::from(&params)
            .iter()
            .map(|entry| {
                let entry = js_sys::Array::from(&entry);
                let text = |i| entry.get(i).as_string().unwrap_or_default();
                (text(0), text(1))
            })
            .collect()
    }
}

/// The same checks natively (the crates) and in Chromium (the browser's codecs).
#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn base64url_round_trips_every_byte_and_length() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 200) as u8).collect();
            let text = b64url_encode(&bytes);
            assert!(!text.contains(['=', '+', '/']), "{text}");
            assert_eq!(b64url_decode(&text), Some(bytes));
        }
        assert_eq!(b64url_encode(b"\xfb\xff\xbf"), "-_-_");
        assert_eq!(b64url_encode(b"{}"), "e30");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn base64url_refuses_other_texts() {
        for bad in ["e30=", "+/+/", "e3 0", "abcde", "é30", "e30\n"] {
            assert_eq!(b64url_decode(bad), None, "{bad:?}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn forms_encode_like_cognito_expects_and_parse_back() {
        let body = Form::new()
            .pair("grant_type", "authorization_code")
            .pair("redirect_uri", "https://app.example/cb?x=1&y=2")
            .pair("scope", "openid email")
            .pair("odd", "a+b*-._~é")
            .finish();
        assert_eq!(
            body,
            "grant_type=authorization_code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fx%3D1%26y%3D2&scope=openid+email&odd=a%2Bb*-._%7E%C3%A9"
        );
        let pairs = form_pairs(&body);
        assert_eq!(pairs[1].1, "https://app.example/cb?x=1&y=2");
        assert_eq!(pairs[2].1, "openid email");
        assert_eq!(pairs[3].1, "a+b*-._~é");
        assert_eq!(
            form_pairs("?a=1&&b&a=%zz"),
            vec![
                ("?a".into(), "1".into()),
                ("b".into(), "".into()),
                ("a".into(), "%zz".into())
            ]
        );
    }
}
