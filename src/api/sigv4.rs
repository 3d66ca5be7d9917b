//! AWS Signature Version 4 for the IAM-guarded dragons API (issue 27), pure: the canonical
//! request, the string to sign, the signing key's derivation and the `Authorization` header,
//! from the request, the credentials and `now`. The hashing (SHA-256, HMAC-SHA256) is the
//! caller's: WebCrypto in the browser, the `sha2`/`hmac` crates in the native tests, which also
//! check every signature against the maintained `aws-sigv4` crate.
//!
//! The rules (AWS's "Create a signed AWS API request"): the canonical URI is the path encoded
//! once more (every service but S3), the query's parameters sorted and RFC 3986-encoded, the
//! signed headers lower-cased, sorted, their values trimmed with inner runs of spaces made one,
//! the payload's SHA-256 in hex; temporary credentials sign `x-amz-security-token` too.

/// What a signed call sends along.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_key: String,
    pub session_token: Option<String>,
}

/// The algorithm's name, first in the string to sign and the header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The `X-Amz-Date` for `now` (epoch seconds): `YYYYMMDDTHHMMSSZ`.
pub fn amz_date(now: i64) -> String {
    let (y, m, d, secs) = crate::auth::explain::civil(now);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// SHA-256 (the `sha2` crate the app already hashes PKCE and `at_hash` with).
pub fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(data).to_vec()
}

/// HMAC-SHA256 (RFC 2104) over [`sha256`]: the key padded (or hashed) to the 64-byte block,
/// `H((K ^ opad) || H((K ^ ipad) || data))`. A dozen lines instead of the `hmac` crate or
/// WebCrypto's asynchronous `sign` (each cost kilobytes of wasm: issue 25's whole-site gate);
/// checked natively against the `hmac` crate, RFC 4231's vectors and `aws-sigv4`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut block = [0u8; 64];
    if key.len() > 64 {
        for (b, k) in block.iter_mut().zip(sha256(key)) {
            *b = k;
        }
    } else {
        for (b, k) in block.iter_mut().zip(key) {
            *b = *k;
        }
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = sha2::Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(data)
        .finalize();
    sha2::Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Sign with this module's own SHA-256 and HMAC: what the browser runs.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    service: &str,
    now: i64,
) -> Option<Signed> {
    sign_with(
        sha256,
        hmac_sha256,
        method,
        url,
        headers,
        body,
        credentials,
        region,
        service,
        now,
    )
}

/// `secret` with its first character changed (the 401 lab's wrong secret).
pub fn with_one_character_changed(secret: &str) -> String {
    let mut chars = secret.chars();
    match chars.next() {
        Some(first) => format!("{}{}", if first == 'x' { 'y' } else { 'x' }, chars.as_str()),
        None => "x".into(),
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        push_hex(&mut out, *b, b"0123456789abcdef");
    }
    out
}

/// Two hex digits of `b` from `digits` (no formatting machinery: issue 25's budget).
fn push_hex(out: &mut String, b: u8, digits: &[u8; 16]) {
    for nibble in [b >> 4, b & 15] {
        if let Some(d) = digits.get(usize::from(nibble)) {
            out.push(char::from(*d));
        }
    }
}

/// RFC 3986 encoding: everything but `A-Z a-z 0-9 - _ . ~` as `%XX` (and `/` kept when asked).
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(b as char);
        } else {
            out.push('%');
            push_hex(&mut out, b, b"0123456789ABCDEF");
        }
    }
    out
}

/// `%XX` decoded (a `+` stays a `+`: in a URL's query it is not a space for SigV4).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex_at = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b, hex_at(i + 1), hex_at(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    // Not UTF-8 after decoding: signed as sent (the server decodes the same bytes).
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// The parts of an absolute `http(s)` URL that signing needs.
#[derive(Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `host[:port]`, as the browser sends it in `Host`.
    pub host: &'a str,
    pub path: &'a str,
    pub query: &'a str,
}

pub fn url_parts(url: &str) -> Option<UrlParts<'_>> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let (authority, path_query) = match rest.find(['/', '?']) {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, ""),
    };
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    (!authority.is_empty()).then_some(UrlParts {
        host: authority,
        path: if path.is_empty() { "/" } else { path },
        query,
    })
}

/// Sort (name, value) pairs by name, then value: an insertion sort, as a request has a handful
/// (the standard library's sorts compile into several kilobytes of wasm).
fn sort_pairs(pairs: &mut [(String, String)]) {
    for i in 1..pairs.len() {
        let mut j = i;
        while j > 0 && pairs.get(j - 1) > pairs.get(j) {
            pairs.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// The canonical request and the signed headers' names (`host;x-amz-date;…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Canonical {
    pub request: String,
    pub signed_headers: String,
}

/// The canonical request of `method url` with `headers` (`Host` is taken from the URL, so it
/// must not be among them) and the payload's SHA-256 in hex.
pub fn canonical_request(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    payload_hash: &str,
) -> Option<Canonical> {
    let parts = url_parts(url)?;
    let uri = encode(parts.path, true);
    let mut query: Vec<(String, String)> = parts
        .query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(k), false), encode(&decode(v), false))
        })
        .collect();
    sort_pairs(&mut query);
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut signed: Vec<(String, String)> = vec![("host".into(), parts.host.to_owned())];
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match signed.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => signed.push((name, value)),
        }
    }
    sort_pairs(&mut signed);
    let names: Vec<&str> = signed.iter().map(|(n, _)| n.as_str()).collect();
    let lines: String = signed.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let signed_headers = names.join(";");
    Some(Canonical {
        request: format!(
            "{method}\n{uri}\n{}\n{lines}\n{signed_headers}\n{payload_hash}",
            query.join("&")
        ),
        signed_headers,
    })
}

/// `<date>/<region>/<service>/aws4_request`.
pub fn scope(amz_date: &str, region: &str, service: &str) -> String {
    format!(
        "{}/{region}/{service}/aws4_request",
        amz_date.get(..8).unwrap_or(amz_date)
    )
}

/// The string to sign, from the canonical request's SHA-256 in hex.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_hash: &str) -> String {
    format!("{ALGORITHM}\n{amz_date}\n{scope}\n{canonical_hash}")
}

/// The signing key's derivation: the first HMAC key (`AWS4` + secret) and the four messages
/// each HMAC takes in turn (date, region, service, `aws4_request`); the last result signs the
/// string to sign.
pub fn key_steps(secret: &str, scope: &str) -> (Vec<u8>, Vec<String>) {
    (
        format!("AWS4{secret}").into_bytes(),
        scope.split('/').map(str::to_owned).collect(),
    )
}

/// The `Authorization` header.
pub fn authorization(
    access_key_id: &str,
    scope: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    format!("{ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}")
}

/// A request signed: every step, for the inspector, and the headers to add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signature: String,
    /// `X-Amz-Date`, `X-Amz-Security-Token` (temporary credentials) and `Authorization`.
    pub headers: Vec<(String, String)>,
}

/// The headers SigV4 adds before signing: `X-Amz-Date` and, for temporary credentials,
/// `X-Amz-Security-Token`.
pub fn date_and_token(amz_date: &str, credentials: &Credentials) -> Vec<(String, String)> {
    let mut out = vec![("X-Amz-Date".to_owned(), amz_date.to_owned())];
    if let Some(token) = &credentials.session_token {
        out.push(("X-Amz-Security-Token".to_owned(), token.clone()));
    }
    out
}

/// Sign with the given SHA-256 and HMAC-SHA256 ([`sign`] passes this module's; the tests pass
/// the `sha2` and `hmac` crates' too).
#[allow(clippy::too_many_arguments)]
pub fn sign_with(
    sha256: impl Fn(&[u8]) -> Vec<u8>,
    hmac: impl Fn(&[u8], &[u8]) -> Vec<u8>,
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    service: &str,
    now: i64,
) -> Option<Signed> {
    let date = amz_date(now);
    let added = date_and_token(&date, credentials);
    let all: Vec<(String, String)> = headers
        .iter()
        .cloned()
        .chain(added.iter().cloned())
        .collect();
    let canonical = canonical_request(method, url, &all, &hex(&sha256(body)))?;
    let scope = scope(&date, region, service);
    let to_sign = string_to_sign(&date, &scope, &hex(&sha256(canonical.request.as_bytes())));
    let (mut key, messages) = key_steps(&credentials.secret_key, &scope);
    for m in &messages {
        key = hmac(&key, m.as_bytes());
    }
    let signature = hex(&hmac(&key, to_sign.as_bytes()));
    let mut out_headers = added;
    out_headers.push((
        "Authorization".into(),
        authorization(
            &credentials.access_key_id,
            &scope,
            &canonical.signed_headers,
            &signature,
        ),
    ));
    Some(Signed {
        canonical_request: canonical.request,
        string_to_sign: to_sign,
        signature,
        headers: out_headers,
    })
}

// Natively only: aws-sigv4, sha2 and hmac are native dev-dependencies.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};
    use std::time::{Duration, UNIX_EPOCH};

    fn sha2_crate(bytes: &[u8]) -> Vec<u8> {
        Sha256::digest(bytes).to_vec()
    }

    fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }

    /// The maintained `aws-sigv4` crate's signature of the same request.
    fn reference(
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
        c: &Credentials,
        now: i64,
    ) -> (String, Vec<(String, String)>) {
        use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
        use aws_sigv4::sign::v4;
        let identity = aws_credential_types::Credentials::new(
            &c.access_key_id,
            &c.secret_key,
            c.session_token.clone(),
            None,
            "test",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("execute-api")
            .time(UNIX_EPOCH + Duration::from_secs(now as u64))
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, signature) = sign(request, &params).unwrap().into_parts();
        let added = instructions
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        (signature, added)
    }

    fn credentials(token: bool) -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLEKEY000001".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.then(|| "IQoJb3JpZ2luX2VjEXAMPLE/+token==".into()),
        }
    }

    #[test]
    fn hmac_is_rfc_4231s_and_the_hmac_crates() {
        // RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        for len in [0, 1, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..len).map(|i| i as u8).collect();
            assert_eq!(
                hmac_sha256(&key, b"data"),
                hmac(&key, b"data"),
                "key of {len}"
            );
        }
    }

    #[test]
    fn the_labs_wrong_secret_differs_in_one_character() {
        assert_eq!(with_one_character_changed("abc"), "xbc");
        assert_eq!(with_one_character_changed("xbc"), "ybc");
        assert_eq!(with_one_character_changed(""), "x");
    }

    #[test]
    fn amz_dates_are_utc_basic_format() {
        assert_eq!(amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(951_782_400), "20000229T000000Z");
    }

    /// AWS's published example (IAM ListUsers, in the SigV4 documentation).
    #[test]
    fn the_documented_example_gives_the_published_signature() {
        let c = Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: None,
        };
        let headers = vec![(
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
        )];
        let s = sign_with(
            sha2_crate,
            hmac,
            "GET",
            "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
            &headers,
            b"",
            &c,
            "us-east-1",
            "iam",
            1_440_938_160,
        )
        .unwrap();
        assert_eq!(
            hex(&sha2_crate(s.canonical_request.as_bytes())),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            s.signature,
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }

    /// Generated requests (methods, paths with spaces and unicode, queries, bodies, with and
    /// without a session token), each signed here and by `aws-sigv4`: the same signature and
    /// the same headers.
    #[test]
    fn every_generated_request_signs_as_aws_sigv4_does() {
        let paths = [
            "/iam/dragons",
            "/iam/dragons/",
            "/test/a%20dragon",
            "/test/%E2%9C%93/caf%C3%A9",
            "/iam/dragons;x=1",
        ];
        let queries = [
            "",
            "?dragonName=Smaug",
            "?family=red&dragonName=Frost%20Bite",
            "?b=2&a=1&a=0",
            "?q=%E2%9C%93&empty=",
            "?tilde=~&star=*",
        ];
        let bodies: [&[u8]; 3] = [b"", br#"{"dragonName":"Puff"}"#, "Ünïcödé body".as_bytes()];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut checked = 0;
        for path in paths {
            for query in queries {
                for (i, body) in bodies.iter().enumerate() {
                    let method = if body.is_empty() && i == 0 {
                        "GET"
                    } else {
                        "POST"
                    };
                    let token = next() % 2 == 0;
                    let now = 1_700_000_000 + (next() % 100_000_000) as i64;
                    let url =
                        format!("https://abc123.execute-api.us-east-1.amazonaws.com{path}{query}");
                    let mut headers = Vec::new();
                    if !body.is_empty() {
                        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
                    }
                    if next() % 3 == 0 {
                        headers.push(("X-Custom".to_owned(), "  spaced   out  ".to_owned()));
                    }
                    let c = credentials(token);
                    let mine = sign(
                        method,
                        &url,
                        &headers,
                        body,
                        &c,
                        "us-east-1",
                        "execute-api",
                        now,
                    )
                    .unwrap();
                    let (theirs, added) = reference(method, &url, &headers, body, &c, now);
                    assert_eq!(
                        mine.signature, theirs,
                        "{method} {url}\n{}",
                        mine.canonical_request
                    );
                    for (name, value) in &added {
                        let ours = mine
                            .headers
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.as_str());
                        assert_eq!(ours, Some(value.as_str()), "{name} for {url}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, paths.len() * queries.len() * bodies.len());
    }

    #[test]
    fn urls_split_into_host_path_and_query() {
        let p = url_parts("http://localhost:9002/iam/dragons?x=1#frag").unwrap();
        assert_eq!(
            (p.host, p.path, p.query),
            ("localhost:9002", "/iam/dragons", "x=1")
        );
        assert_eq!(url_parts("https://h.example").unwrap().path, "/");
        assert_eq!(url_parts("ftp://x/y"), None);
        assert_eq!(url_parts("https:///nohost"), None);
    }
}
