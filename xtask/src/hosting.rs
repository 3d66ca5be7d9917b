//! How the built site goes onto S3, decided without I/O: which `Content-Type`, `Cache-Control`
//! and `Content-Encoding` each file gets, the `<meta>` Content-Security-Policy for hosting
//! straight from S3, `config.json` from the stack's outputs, and the AWS CLI command lines.
//! `deploy.rs` reads the files, runs the commands and prints them.

use flate2::write::GzEncoder;
use flate2::Compression;
use serde_json::{Map, Value};
use std::io::Write;

/// Where the uploaded files are served from, which decides what is precompressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hosting {
    /// Straight from S3 (REST or website endpoint): S3 sends objects as stored, headers and all,
    /// and never negotiates an encoding. Every compressible file but `config.json` is stored
    /// gzip-compressed with `Content-Encoding: gzip`. Not brotli: S3 cannot serve a br body
    /// only to browsers that ask for it, and browsers ask for br over https only, so a website
    /// endpoint (http) would hand them bytes they cannot read. Every browser takes gzip.
    StraightS3,
    /// Behind CloudFront: CloudFront compresses with brotli or gzip as each browser asks, but
    /// only the content types on its list, which has no `application/wasm`; so only the wasm,
    /// the largest file, is stored gzip-compressed (CloudFront passes a stored encoding through).
    CloudFront,
}

/// The `Content-Type` S3 will send for a file of this name.
pub fn content_type(name: &str) -> &'static str {
    match extension(name) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn extension(name: &str) -> &str {
    let file = name.rsplit('/').next().unwrap_or(name);
    file.rsplit_once('.').map_or("", |(_, ext)| ext)
}

fn file_name(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// Trunk names built assets `<name>-<hash>.<ext>`, the hash 16 hex digits or (leading zeros
/// dropped) a few fewer (and the build's loader `loader-<16 hex>.js`): the same rule as the
/// local stack's hosting (emulator/src/site.rs).
pub fn is_hashed_asset(name: &str) -> bool {
    let stem = file_name(name).split('.').next().unwrap_or("");
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    match stem.rsplit_once('-') {
        // Trunk writes its 64-bit hash in hex without leading zeros: 16 digits, now and then
        // fewer (main.css was `main-54a2409b08fe0b9.css`); 13 or more, so a name a person
        // chose (`logo-2024.png`) is not taken for one.
        Some((_, hash)) => {
            (13..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// Hashed assets never change under their name: a year, immutable. Everything else (the
/// pages, `config.json`) is revalidated on every load, so a new deploy shows at once.
pub fn cache_control(name: &str) -> &'static str {
    if is_hashed_asset(name) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    }
}

fn compressible(name: &str) -> bool {
    matches!(
        extension(name),
        "html" | "js" | "mjs" | "css" | "json" | "map" | "wasm" | "svg" | "txt"
    )
}

/// Whether the file is stored gzip-compressed (with `Content-Encoding: gzip`) when that makes it
/// smaller. `config.json` never is: people edit it in the S3 console.
pub fn precompress(name: &str, hosting: Hosting) -> bool {
    if name == "config.json" || !compressible(name) {
        return false;
    }
    match hosting {
        Hosting::StraightS3 => true,
        Hosting::CloudFront => extension(name) == "wasm",
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// One object to put: its key under the prefix, the exact body, and its headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// The file's name in the site (`index.html`, `dragons-login-….wasm`), without the prefix.
    pub name: String,
    pub key: String,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub cache_control: &'static str,
    pub content_encoding: Option<&'static str>,
}

/// Check a key prefix (`workshop/2026`): empty, or plain path segments.
pub fn normalise_prefix(prefix: &str) -> Result<String, String> {
    let trimmed = prefix.trim_matches('/');
    let ok = trimmed.split('/').all(|segment| {
        !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if trimmed.is_empty() || ok {
        Ok(trimmed.to_owned())
    } else {
        Err(format!(
            "--prefix {prefix:?}: use path segments of letters, digits, '-', '_' and '.', e.g. workshop/2026"
        ))
    }
}

fn key(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

/// Upload order: hashed assets first, then the other files, `config.json`, and the pages last,
/// so a visitor during the upload never gets a page that names an asset not there yet.
fn upload_rank(name: &str) -> u8 {
    if is_hashed_asset(name) {
        0
    } else if name == "config.json" {
        2
    } else if extension(name) == "html" {
        3
    } else {
        1
    }
}

/// The objects to put for the built site `files` (name relative to dist/, body): `config.json`
/// replaced by `config_json`, `callback.html` a copy of `index.html` (app clients registered
/// with the old workshop's callback URL keep working), and `page_head` (a `<meta>` CSP) put into
/// both pages when given. The build's precompressed copies (`x.js.br`, `x.js.gz` beside `x.js`,
/// for the local stack) are left out: each file is put once, compressed here as its hosting needs
/// (and the pages change here, so their copies would be stale anyway).
pub fn plan(
    files: &[(String, Vec<u8>)],
    config_json: &str,
    prefix: &str,
    hosting: Hosting,
    meta_csp: Option<&str>,
) -> Result<Vec<Upload>, String> {
    let index = files
        .iter()
        .find(|(name, _)| name == "index.html")
        .map(|(_, body)| body)
        .ok_or("the site has no index.html; build it first: cargo xtask build")?;
    let mut index = String::from_utf8(index.clone()).map_err(|_| "index.html is not UTF-8")?;
    check_no_inline_script(&index)?;
    if let Some(policy) = meta_csp {
        index = insert_meta_csp(&index, policy)?;
    }
    let names = || files.iter().map(|(name, _)| name.as_str());
    let mut bodies: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "index.html" | "callback.html" | "config.json"
            ) && !file_name(name).starts_with('.')
                && !crate::compress::is_copy_of_a_sibling(name, names())
        })
        .cloned()
        .collect();
    bodies.push(("config.json".into(), config_json.as_bytes().to_vec()));
    bodies.push(("callback.html".into(), index.clone().into_bytes()));
    bodies.push(("index.html".into(), index.into_bytes()));
    bodies.sort_by(|a, b| (upload_rank(&a.0), &a.0).cmp(&(upload_rank(&b.0), &b.0)));
    Ok(bodies
        .into_iter()
        .map(|(name, raw)| {
            // A tiny file (the loader) can come out of gzip larger: then it stays as it is.
            let compressed = precompress(&name, hosting)
                .then(|| gzip(&raw))
                .filter(|gz| gz.len() < raw.len());
            Upload {
                key: key(prefix, &name),
                content_type: content_type(&name),
                cache_control: cache_control(&name),
                content_encoding: compressed.is_some().then_some("gzip"),
                body: compressed.unwrap_or(raw),
                name,
            }
        })
        .collect())
}

/// A strict policy refuses inline scripts; the build moves Trunk's loader into a file
/// (xtask/src/loader.rs). A page that still has one would not start: stop before uploading it.
fn check_no_inline_script(html: &str) -> Result<(), String> {
    let lower = html.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("<script") {
        let tag_end = rest[at..].find('>').map_or(rest.len(), |i| at + i);
        let tag = &rest[at..tag_end];
        let after = &rest[tag_end.min(rest.len())..];
        let body_empty = after
            .trim_start_matches('>')
            .trim_start()
            .starts_with("</script");
        if !tag.contains(" src=") || !body_empty {
            return Err("index.html has an inline <script>, which the site's Content-Security-Policy refuses; rebuild it with cargo xtask build (the build moves Trunk's loader into a file)".into());
        }
        rest = after;
    }
    Ok(())
}

/// The origin (`scheme://host[:port]`) of a URL from config.json, checked to be something a
/// policy and an HTML attribute can hold as is: https, or http for localhost only.
pub fn origin_of(field: &str, url: &str) -> Result<String, String> {
    let bad = |why: &str| format!("config.json {field} {url:?}: {why}");
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("not an absolute URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
    {
        return Err(bad("has no plain host name"));
    }
    let bare = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let loopback = matches!(bare, "localhost" | "127.0.0.1" | "[::1]");
    match scheme {
        "https" => Ok(format!("https://{host}")),
        "http" if loopback => Ok(format!("http://{host}")),
        _ => Err(bad(
            "must be https:// (http only for localhost), as the app itself requires",
        )),
    }
}

/// The Content-Security-Policy for a `<meta http-equiv>` tag: the checklist's policy naming the
/// hosts in the `config.json` being uploaded (the Hosted UI, the issuer's origin for the JWKS, the
/// REST API's origin; and, when config.json has them, the HTTP API's origin, the IAM API's origin
/// and Cognito Identity's endpoint for the identity pool's region: the app treats those three as
/// optional, absent or blank meaning none). A `<meta>` policy cannot carry `frame-ancestors` or
/// `report-uri` (browsers ignore them there), so those are left out; without headers, nothing
/// stops framing.
pub fn meta_csp(config: &Map<String, Value>) -> Result<String, String> {
    let field = |name: &str| -> Result<String, String> {
        let url = config.get(name).and_then(Value::as_str).ok_or_else(|| {
            format!("config.json has no {name}: the page's Content-Security-Policy allows exactly the hosts config.json names, so it must name {name}")
        })?;
        origin_of(name, url)
    };
    // An optional field: absent, null or blank is none.
    let optional = |name: &str| -> Result<Option<&str>, String> {
        match config.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(v)) if v.trim().is_empty() => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.trim())),
            Some(_) => Err(format!("config.json {name} must be a string (or left out)")),
        }
    };
    let auth = field("authDomain")?;
    let mut connect = vec![auth.clone()];
    let mut origins = vec![field("issuer")?, field("apiBaseUrl")?];
    for name in ["httpApiBaseUrl", "iamApiBaseUrl"] {
        if let Some(url) = optional(name)? {
            origins.push(origin_of(name, url)?);
        }
    }
    if let Some(pool) = optional("identityPoolId")? {
        origins.push(cognito_identity_origin(pool)?);
    }
    for origin in origins {
        if !connect.contains(&origin) {
            connect.push(origin);
        }
    }
    Ok(format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' {}; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self' {auth}; object-src 'none'",
        connect.join(" ")
    ))
}

/// Cognito Identity's endpoint for an identity pool id (`<region>:<uuid>`), the region checked to
/// be a plain name (it goes into the policy and an HTML attribute as is).
pub fn cognito_identity_origin(identity_pool_id: &str) -> Result<String, String> {
    let region = identity_pool_id
        .split_once(':')
        .map(|(region, _)| region)
        .filter(|region| {
            !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
        .ok_or_else(|| {
            format!(
                "config.json identityPoolId {identity_pool_id:?}: must be <region>:<uuid>, e.g. eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001 (the region lowercase letters, digits and '-')"
            )
        })?;
    Ok(format!("https://cognito-identity.{region}.amazonaws.com"))
}

/// Put `<meta http-equiv="Content-Security-Policy">` first in `<head>` (after the charset), before
/// any script or stylesheet, where a meta policy must be to cover them.
pub fn insert_meta_csp(html: &str, policy: &str) -> Result<String, String> {
    if policy.contains(['"', '<', '>', '&']) {
        return Err("the Content-Security-Policy would break out of its attribute".into());
    }
    if html
        .to_ascii_lowercase()
        .contains("http-equiv=\"content-security-policy\"")
    {
        return Err("index.html already has a Content-Security-Policy <meta>; upload a fresh build (cargo xtask build)".into());
    }
    let tag = format!("\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />");
    let lower = html.to_ascii_lowercase();
    let at = match lower.find("<meta charset") {
        Some(start) => lower[start..].find('>').map(|i| start + i + 1),
        None => lower
            .find("<head")
            .and_then(|start| lower[start..].find('>').map(|i| start + i + 1)),
    }
    .ok_or("index.html has no <head>")?;
    Ok(format!("{}{tag}{}", &html[..at], &html[at..]))
}

/// The keys config.json may hold (src/config.rs's `Field::key`, which rejects any other).
pub const CONFIG_KEYS: [&str; 12] = [
    "authDomain",
    "issuer",
    "clientId",
    "redirectUri",
    "logoutUri",
    "scopes",
    "flow",
    "apiBaseUrl",
    "httpApiBaseUrl",
    "iamApiBaseUrl",
    "identityPoolId",
    "apiToken",
];

/// The stack output that carries a config.json key: `authDomain` -> `AuthDomain`.
pub fn output_name(config_key: &str) -> String {
    let mut chars = config_key.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// Parse `config.json` text as the app will: an object with known keys only.
pub fn parse_config(text: &str) -> Result<Map<String, Value>, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("config.json is not JSON: {e}"))?;
    let Value::Object(map) = value else {
        return Err("config.json must be a JSON object".into());
    };
    if let Some(unknown) = map.keys().find(|k| !CONFIG_KEYS.contains(&k.as_str())) {
        return Err(format!(
            "config.json has an unknown field {unknown:?} (the app refuses it); the fields are {}",
            CONFIG_KEYS.join(", ")
        ));
    }
    Ok(map)
}

/// config.json from the stack's outputs (`describe-stacks` `Outputs`: `OutputKey`, `OutputValue`):
/// every field, in the app's order, `scopes` split from its space-separated output.
pub fn config_from_outputs(outputs: &[(String, String)]) -> Result<String, String> {
    let get = |name: &str| {
        outputs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut lines = Vec::new();
    for key in CONFIG_KEYS {
        let name = output_name(key);
        let value = get(&name).ok_or_else(|| {
            format!("the stack has no output {name} (config.json {key}); update it with cargo xtask deploy")
        })?;
        let value = if key == "scopes" {
            Value::Array(
                value
                    .split_whitespace()
                    .map(|s| Value::String(s.into()))
                    .collect(),
            )
        } else {
            Value::String(value)
        };
        lines.push(format!("  \"{key}\": {value}"));
    }
    Ok(format!("{{\n{}\n}}\n", lines.join(",\n")))
}

/// `describe-stacks --query Stacks[0].Outputs --output json` as (key, value) pairs.
pub fn parse_outputs(json: &str) -> Result<Vec<(String, String)>, String> {
    let value: Value = serde_json::from_str(json)
        .map_err(|e| format!("describe-stacks did not answer JSON ({e}): {json}"))?;
    let items = value
        .as_array()
        .ok_or_else(|| format!("the stack has no outputs yet: {json}"))?;
    Ok(items
        .iter()
        .filter_map(|o| {
            Some((
                o.get("OutputKey")?.as_str()?.to_owned(),
                o.get("OutputValue")?.as_str()?.to_owned(),
            ))
        })
        .collect())
}

/// Quote a word for a POSIX shell only when it needs it, so printed commands can be pasted.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'/' | b':' | b'=' | b',' | b'@' | b'%' | b'+'
                )
        });
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

pub fn command_line(program: &str, args: &[String]) -> String {
    std::iter::once(program.to_owned())
        .chain(args.iter().map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `aws s3 cp <file> s3://<bucket>/<key>` with the object's headers.
pub fn s3_cp_args(local: &str, bucket: &str, upload: &Upload) -> Vec<String> {
    let mut args: Vec<String> = [
        "s3",
        "cp",
        local,
        &format!("s3://{bucket}/{}", upload.key),
        "--content-type",
        upload.content_type,
        "--cache-control",
        upload.cache_control,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(encoding) = upload.content_encoding {
        args.extend(["--content-encoding".into(), encoding.into()]);
    }
    args.push("--only-show-errors".into());
    args
}

/// The stack's parameters as given on the command line (`Name=value`); the ones not given keep
/// their value on an update (the template's default on a create).
pub fn cloudformation_deploy_args(
    template: &str,
    stack: &str,
    parameters: &[(String, String)],
) -> Vec<String> {
    let mut args: Vec<String> = [
        "cloudformation",
        "deploy",
        "--template-file",
        template,
        "--stack-name",
        stack,
        "--capabilities",
        "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if !parameters.is_empty() {
        args.push("--parameter-overrides".into());
        args.extend(parameters.iter().map(|(k, v)| format!("{k}={v}")));
    }
    args
}

pub fn describe_outputs_args(stack: &str) -> Vec<String> {
    [
        "cloudformation",
        "describe-stacks",
        "--stack-name",
        stack,
        "--query",
        "Stacks[0].Outputs",
        "--output",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A fresh deployment of the API to its stage: CloudFormation takes a deployment only when the
/// stack creates it, so changed methods or gateway responses need one to reach the stage.
pub fn api_redeploy_args(rest_api_id: &str, stage: &str) -> Vec<String> {
    [
        "apigateway",
        "create-deployment",
        "--rest-api-id",
        rest_api_id,
        "--stage-name",
        stage,
        "--description",
        "cargo xtask deploy",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

pub fn invalidation_args(distribution_id: &str) -> Vec<String> {
    [
        "cloudfront",
        "create-invalidation",
        "--distribution-id",
        distribution_id,
        "--paths",
        "/*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// CloudFormation stack names: a letter, then letters, digits and hyphens. Lowercase and at most
/// 40 characters here, as the names made from it must be (the Hosted UI prefix
/// `<stack>-<account id>`, the origin access control `<stack>-site`).
pub fn check_stack_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!("--stack-name {name:?}: use a lowercase letter, then lowercase letters, digits and hyphens, at most 40 characters (e.g. dragons-workshop)"))
    }
}

/// A Hosted UI domain prefix: lowercase letters, digits and hyphens, not starting or ending with
/// a hyphen, at most 63 characters, and none of the words Cognito reserves.
pub fn check_domain_prefix(prefix: &str) -> Result<(), String> {
    let shape = !prefix.is_empty()
        && prefix.len() <= 63
        && !prefix.starts_with('-')
        && !prefix.ends_with('-')
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !shape {
        return Err(format!("--domain-prefix {prefix:?}: use lowercase letters, digits and hyphens (not at either end), at most 63 characters"));
    }
    if let Some(word) = ["aws", "amazon", "cognito"]
        .into_iter()
        .find(|w| prefix.contains(w))
    {
        return Err(format!(
            "--domain-prefix {prefix:?}: Cognito refuses prefixes containing {word:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;
    use std::io::Read;

    const INDEX: &str = "<!doctype html>\n<html lang=\"en\">\n  <head>\n    <meta charset=\"utf-8\" />\n    <title>t</title>\n    <link rel=\"stylesheet\" href=\"./main-3fedb268ee05593a.css\"/>\n<script type=\"module\" src=\"./loader-f9a52be02155279c.js\"></script>\n  </head>\n  <body></body>\n</html>\n";

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
        out
    }

    fn site() -> Vec<(String, Vec<u8>)> {
        [
            ("index.html", INDEX.as_bytes().to_vec()),
            ("config.json", b"{\"clientId\":\"old\"}".to_vec()),
            (
                "dragons-login-941bed98258b730e_bg.wasm",
                vec![0, 97, 115, 109, 1, 0, 0, 0],
            ),
            (
                "dragons-login-941bed98258b730e.js",
                b"export default 1;".to_vec(),
            ),
            (
                "loader-f9a52be02155279c.js",
                b"import init from './x.js';".to_vec(),
            ),
            (
                "big-1a2b3c4d5e6f7a8b.js",
                "export const a = 1;\n".repeat(50).into_bytes(),
            ),
            ("main-3fedb268ee05593a.css", b"body{}".to_vec()),
            (".stage", b"left by trunk".to_vec()),
        ]
        .into_iter()
        .map(|(n, b)| (n.to_owned(), b))
        .collect()
    }

    fn config() -> Map<String, Value> {
        parse_config(r#"{"authDomain":"https://dragons.auth.eu-west-1.amazoncognito.com","issuer":"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC","apiBaseUrl":"https://abc123.execute-api.eu-west-1.amazonaws.com/test","clientId":"x"}"#).unwrap()
    }

    #[test]
    fn every_file_gets_its_content_type() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("callback.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("a-1a2b3c4d5e6f7a8b_bg.wasm"),
            "application/wasm"
        );
        assert_eq!(content_type("a-1a2b3c4d5e6f7a8b.js"), "text/javascript");
        assert_eq!(content_type("main-1a2b3c4d5e6f7a8b.css"), "text/css");
        assert_eq!(content_type("config.json"), "application/json");
        assert_eq!(content_type("img/logo.svg"), "image/svg+xml");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
    }

    #[test]
    fn hashed_assets_are_immutable_and_the_rest_revalidates() {
        let year = "public, max-age=31536000, immutable";
        for name in [
            "dragons-login-941bed98258b730e_bg.wasm",
            "dragons-login-941bed98258b730e.js",
            "loader-f9a52be02155279c.js",
            "main-3fedb268ee05593a.css",
            "sub/dir/main-3fedb268ee05593a.css",
            // Trunk's hash without its leading zero.
            "main-54a2409b08fe0b9.css",
        ] {
            assert_eq!(cache_control(name), year, "{name}");
        }
        for name in [
            "index.html",
            "callback.html",
            "config.json",
            "main-3fedb268ee05.css",
            "main-3fedb268ee05593g.css",
            "favicon.ico",
        ] {
            assert_eq!(cache_control(name), "no-cache", "{name}");
        }
    }

    #[test]
    fn straight_s3_stores_gzip_and_cloudfront_only_the_wasm() {
        for name in [
            "index.html",
            "a-1a2b3c4d5e6f7a8b.js",
            "m.css",
            "a_bg.wasm",
            "x.svg",
        ] {
            assert!(precompress(name, Hosting::StraightS3), "{name}");
        }
        assert!(!precompress("config.json", Hosting::StraightS3));
        assert!(!precompress("logo.png", Hosting::StraightS3));
        assert!(precompress("a_bg.wasm", Hosting::CloudFront));
        for name in ["index.html", "a.js", "m.css", "config.json"] {
            assert!(!precompress(name, Hosting::CloudFront), "{name}");
        }
    }

    #[test]
    fn the_plan_for_straight_s3_copies_the_page_puts_the_config_and_orders_pages_last() {
        let csp = meta_csp(&config()).unwrap();
        let uploads = plan(
            &site(),
            "{\"clientId\":\"new\"}\n",
            "workshop",
            Hosting::StraightS3,
            Some(&csp),
        )
        .unwrap();
        let names: Vec<&str> = uploads.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "big-1a2b3c4d5e6f7a8b.js",
                "dragons-login-941bed98258b730e.js",
                "dragons-login-941bed98258b730e_bg.wasm",
                "loader-f9a52be02155279c.js",
                "main-3fedb268ee05593a.css",
                "config.json",
                "callback.html",
                "index.html",
            ],
            "hashed assets first, the pages last, nothing hidden"
        );
        for u in &uploads {
            assert_eq!(u.key, format!("workshop/{}", u.name));
            assert_eq!(u.content_type, content_type(&u.name));
            assert_eq!(u.cache_control, cache_control(&u.name));
        }
        let by_name = |n: &str| uploads.iter().find(|u| u.name == n).unwrap();
        let config = by_name("config.json");
        assert_eq!(config.content_encoding, None);
        assert_eq!(config.body, b"{\"clientId\":\"new\"}\n");
        let index = by_name("index.html");
        assert_eq!(index.content_encoding, Some("gzip"));
        let page = String::from_utf8(gunzip(&index.body)).unwrap();
        assert_eq!(gunzip(&by_name("callback.html").body), page.as_bytes());
        assert!(page.contains(&format!(
            "<meta charset=\"utf-8\" />\n    <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\" />"
        )));
        let big = by_name("big-1a2b3c4d5e6f7a8b.js");
        assert_eq!(big.content_encoding, Some("gzip"));
        assert_eq!(
            gunzip(&big.body),
            "export const a = 1;\n".repeat(50).as_bytes()
        );
        // Files gzip would make larger are stored as they are.
        for tiny in [
            "dragons-login-941bed98258b730e_bg.wasm",
            "loader-f9a52be02155279c.js",
        ] {
            assert_eq!(by_name(tiny).content_encoding, None, "{tiny}");
        }
    }

    #[test]
    fn the_builds_precompressed_copies_are_not_uploaded() {
        let mut with_copies = site();
        for (name, body) in site() {
            if crate::compress::gets_copies(&name) {
                with_copies.push((format!("{name}.br"), crate::compress::brotli(&body)));
                with_copies.push((format!("{name}.gz"), gzip(&body)));
            }
        }
        // A .gz of its own (no file beside it) is part of the site and stays.
        with_copies.push(("data.gz".into(), gzip(b"data")));
        assert!(with_copies.iter().any(|(n, _)| n == "index.html.br"));
        for hosting in [Hosting::StraightS3, Hosting::CloudFront] {
            let plain = plan(&site(), "{}", "", hosting, None).unwrap();
            let copies = plan(&with_copies, "{}", "", hosting, None).unwrap();
            let (data, rest): (Vec<_>, Vec<_>) =
                copies.into_iter().partition(|u| u.name == "data.gz");
            assert_eq!(rest, plain, "{hosting:?}");
            assert_eq!(data.len(), 1);
        }
    }

    #[test]
    fn the_plan_for_cloudfront_has_no_meta_policy_and_only_a_gzip_wasm() {
        let mut files = site();
        files.push(("app-1a2b3c4d5e6f7a8b_bg.wasm".into(), vec![0; 4096]));
        let uploads = plan(&files, "{}", "", Hosting::CloudFront, None).unwrap();
        for u in &uploads {
            assert_eq!(u.key, u.name, "no prefix");
            let big_wasm = u.name == "app-1a2b3c4d5e6f7a8b_bg.wasm";
            assert_eq!(u.content_encoding.is_some(), big_wasm, "{}", u.name);
        }
        let index = uploads.iter().find(|u| u.name == "index.html").unwrap();
        assert_eq!(index.body, INDEX.as_bytes(), "the page as built");
    }

    #[test]
    fn a_page_with_an_inline_script_is_not_uploaded() {
        let mut files = site();
        files[0].1 =
            b"<head><script type=\"module\">import init from './a.js';</script></head>".to_vec();
        let err = plan(&files, "{}", "", Hosting::CloudFront, None).unwrap_err();
        assert!(err.contains("inline <script>"), "{err}");
        files[0].1 = b"<head><script src=\"./a.js\">alert(1)</script></head>".to_vec();
        assert!(plan(&files, "{}", "", Hosting::CloudFront, None).is_err());
        files.retain(|(n, _)| n != "index.html");
        let err = plan(&files, "{}", "", Hosting::CloudFront, None).unwrap_err();
        assert!(err.contains("cargo xtask build"), "{err}");
    }

    #[test]
    fn the_meta_policy_names_the_configs_hosts_and_nothing_a_meta_cannot_carry() {
        let csp = meta_csp(&config()).unwrap();
        assert_eq!(
            csp,
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' https://dragons.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.amazonaws.com https://abc123.execute-api.eu-west-1.amazonaws.com; img-src 'self' data:; style-src 'self'; base-uri 'none'; form-action 'self' https://dragons.auth.eu-west-1.amazoncognito.com; object-src 'none'"
        );
        assert!(!csp.contains("frame-ancestors") && !csp.contains("report-uri"));
        // The shipped local config: http is fine for localhost, each origin once.
        let local = parse_config(
            r#"{"authDomain":"http://localhost:9000","issuer":"http://localhost:9001/us-east-1_DRAGONS01","apiBaseUrl":"http://localhost:9002/test"}"#,
        )
        .unwrap();
        assert!(meta_csp(&local).unwrap().contains(
            "connect-src 'self' http://localhost:9000 http://localhost:9001 http://localhost:9002;"
        ));
    }

    #[test]
    fn the_meta_policy_names_the_http_api_when_the_config_has_one() {
        let mut with_http = config();
        with_http.insert(
            "httpApiBaseUrl".into(),
            Value::String("https://h7j8k9.execute-api.eu-west-1.amazonaws.com".into()),
        );
        assert!(meta_csp(&with_http).unwrap().contains(
            "connect-src 'self' https://dragons.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.amazonaws.com https://abc123.execute-api.eu-west-1.amazonaws.com https://h7j8k9.execute-api.eu-west-1.amazonaws.com; img-src"
        ));
        // Optional, as the app has it: absent, null or blank adds nothing.
        let without = meta_csp(&config()).unwrap();
        for nothing in [
            Value::Null,
            Value::String("".into()),
            Value::String("  ".into()),
        ] {
            let mut blank = config();
            blank.insert("httpApiBaseUrl".into(), nothing);
            assert_eq!(meta_csp(&blank).unwrap(), without);
        }
        // The shipped local config: the local stack's HTTP API on its own port.
        let local = parse_config(
            r#"{"authDomain":"http://localhost:9000","issuer":"http://localhost:9001/us-east-1_DRAGONS01","apiBaseUrl":"http://localhost:9002/test","httpApiBaseUrl":"http://localhost:9003"}"#,
        )
        .unwrap();
        assert!(meta_csp(&local).unwrap().contains(
            "connect-src 'self' http://localhost:9000 http://localhost:9001 http://localhost:9002 http://localhost:9003;"
        ));
        // The same origin as the REST API's is named once.
        let mut same = config();
        same.insert(
            "httpApiBaseUrl".into(),
            Value::String("https://abc123.execute-api.eu-west-1.amazonaws.com/other".into()),
        );
        assert_eq!(meta_csp(&same).unwrap(), without);
        // A bad one is refused as the other URLs are.
        for bad in [
            Value::String("http://h.example.com".into()),
            Value::String("https://h.example.com;script-src *".into()),
            Value::String("h.example.com".into()),
            serde_json::json!(["https://h.example.com"]),
        ] {
            let mut config = config();
            config.insert("httpApiBaseUrl".into(), bad);
            let err = meta_csp(&config).unwrap_err();
            assert!(err.contains("httpApiBaseUrl"), "{err}");
        }
    }

    #[test]
    fn the_meta_policy_names_the_iam_api_and_cognito_identity_when_the_config_has_them() {
        let mut with_iam = config();
        with_iam.insert(
            "httpApiBaseUrl".into(),
            Value::String("https://h7j8k9.execute-api.eu-west-1.amazonaws.com".into()),
        );
        with_iam.insert(
            "iamApiBaseUrl".into(),
            Value::String("https://i1m2n3.execute-api.eu-west-1.amazonaws.com/iam".into()),
        );
        with_iam.insert(
            "identityPoolId".into(),
            Value::String("eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001".into()),
        );
        // In config.json's order: the IAM API, then the identity pool's endpoint.
        assert!(meta_csp(&with_iam).unwrap().contains(
            "connect-src 'self' https://dragons.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.amazonaws.com https://abc123.execute-api.eu-west-1.amazonaws.com https://h7j8k9.execute-api.eu-west-1.amazonaws.com https://i1m2n3.execute-api.eu-west-1.amazonaws.com https://cognito-identity.eu-west-1.amazonaws.com; img-src"
        ));
        // Each on its own.
        let mut iam_only = config();
        iam_only.insert(
            "iamApiBaseUrl".into(),
            Value::String("https://i1m2n3.execute-api.eu-west-1.amazonaws.com/iam".into()),
        );
        assert!(meta_csp(&iam_only).unwrap().contains(
            "https://abc123.execute-api.eu-west-1.amazonaws.com https://i1m2n3.execute-api.eu-west-1.amazonaws.com; img-src"
        ));
        let mut pool_only = config();
        pool_only.insert(
            "identityPoolId".into(),
            Value::String("ap-southeast-2:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001".into()),
        );
        assert!(meta_csp(&pool_only).unwrap().contains(
            "https://abc123.execute-api.eu-west-1.amazonaws.com https://cognito-identity.ap-southeast-2.amazonaws.com; img-src"
        ));
        // Optional, as the app has them: absent, null or blank adds nothing.
        let without = meta_csp(&config()).unwrap();
        for name in ["iamApiBaseUrl", "identityPoolId"] {
            for nothing in [
                Value::Null,
                Value::String("".into()),
                Value::String("  ".into()),
            ] {
                let mut blank = config();
                blank.insert(name.into(), nothing);
                assert_eq!(meta_csp(&blank).unwrap(), without, "{name}");
            }
        }
        // The shipped local config: the IAM stage on the REST API's origin, named once.
        let local = parse_config(
            r#"{"authDomain":"http://localhost:9000","issuer":"http://localhost:9001/us-east-1_DRAGONS01","apiBaseUrl":"http://localhost:9002/test","httpApiBaseUrl":"http://localhost:9003","iamApiBaseUrl":"http://localhost:9002/iam"}"#,
        )
        .unwrap();
        assert!(meta_csp(&local).unwrap().contains(
            "connect-src 'self' http://localhost:9000 http://localhost:9001 http://localhost:9002 http://localhost:9003;"
        ));
        // A bad IAM API URL is refused as the other URLs are.
        for bad in [
            Value::String("http://i.example.com/iam".into()),
            Value::String("https://i.example.com;script-src */iam".into()),
            Value::String("i.example.com/iam".into()),
            serde_json::json!(1),
        ] {
            let mut config = config();
            config.insert("iamApiBaseUrl".into(), bad);
            let err = meta_csp(&config).unwrap_err();
            assert!(err.contains("iamApiBaseUrl"), "{err}");
        }
        // An identity pool id whose region could not be a host name, or that has none.
        for bad in [
            Value::String("eu-west-1".into()),
            Value::String(":0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001".into()),
            Value::String("EU-WEST-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001".into()),
            Value::String("eu west 1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001".into()),
            Value::String("eu-west-1.evil.example;script-src *:x".into()),
            Value::String("eu-west-1\" onload=\"x:y".into()),
            serde_json::json!({"region": "eu-west-1"}),
        ] {
            let mut config = config();
            config.insert("identityPoolId".into(), bad.clone());
            let err = meta_csp(&config).unwrap_err();
            assert!(err.contains("identityPoolId"), "{bad}: {err}");
        }
        assert_eq!(
            cognito_identity_origin("us-east-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001").unwrap(),
            "https://cognito-identity.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn hosts_that_could_break_the_policy_or_the_page_are_refused() {
        for (field, url) in [
            ("authDomain", "http://dragons.example.com"),
            ("authDomain", "https://a.example.com\" onload=\"x"),
            ("issuer", "https://a b.example.com/pool"),
            ("apiBaseUrl", "https://x.example.com;script-src *"),
            ("apiBaseUrl", "ftp://x.example.com"),
            ("apiBaseUrl", "x.example.com"),
            ("issuer", "https:///pool"),
        ] {
            let mut config = config();
            config.insert(field.into(), Value::String(url.into()));
            let err = meta_csp(&config).unwrap_err();
            assert!(err.contains(field), "{err}");
        }
        let mut config = config();
        config.remove("apiBaseUrl");
        assert!(meta_csp(&config).unwrap_err().contains("apiBaseUrl"));
        assert!(insert_meta_csp(INDEX, "default-src \"x").is_err());
        let once = insert_meta_csp(INDEX, "default-src 'none'").unwrap();
        assert!(insert_meta_csp(&once, "default-src 'none'").is_err());
    }

    #[test]
    fn config_json_comes_from_the_outputs_field_by_field() {
        let outputs: Vec<(String, String)> = [
            ("AuthDomain", "https://p.auth.eu-west-1.amazoncognito.com"),
            (
                "Issuer",
                "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_X",
            ),
            ("ClientId", "abc"),
            ("RedirectUri", "https://d1.cloudfront.net/"),
            ("LogoutUri", "https://d1.cloudfront.net/"),
            ("Scopes", "openid email profile"),
            ("Flow", "code"),
            (
                "ApiBaseUrl",
                "https://x.execute-api.eu-west-1.amazonaws.com/test",
            ),
            (
                "HttpApiBaseUrl",
                "https://h.execute-api.eu-west-1.amazonaws.com",
            ),
            (
                "IamApiBaseUrl",
                "https://i.execute-api.eu-west-1.amazonaws.com/iam",
            ),
            (
                "IdentityPoolId",
                "eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001",
            ),
            ("ApiToken", "id"),
            ("SiteUrl", "https://d1.cloudfront.net/"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let text = config_from_outputs(&outputs).unwrap();
        let config = parse_config(&text).unwrap();
        assert_eq!(config.len(), CONFIG_KEYS.len());
        assert!(text.starts_with("{\n  \"authDomain\": \"https://p.auth.eu-west-1.amazoncognito.com\",\n  \"issuer\""), "{text}");
        assert_eq!(
            config["scopes"],
            serde_json::json!(["openid", "email", "profile"])
        );
        assert_eq!(config["clientId"], "abc");
        assert_eq!(config["redirectUri"], "https://d1.cloudfront.net/");
        assert_eq!(
            config["httpApiBaseUrl"],
            "https://h.execute-api.eu-west-1.amazonaws.com"
        );
        assert!(
            text.contains("\"apiBaseUrl\": \"https://x.execute-api.eu-west-1.amazonaws.com/test\",\n  \"httpApiBaseUrl\": \"https://h.execute-api.eu-west-1.amazonaws.com\",\n  \"iamApiBaseUrl\": \"https://i.execute-api.eu-west-1.amazonaws.com/iam\",\n  \"identityPoolId\": \"eu-west-1:0d5e8a52-1c4b-4f8e-9a11-d7a60c0de001\",\n  \"apiToken\""),
            "in the app's order: {text}"
        );
        assert_eq!(output_name("httpApiBaseUrl"), "HttpApiBaseUrl");
        assert_eq!(output_name("iamApiBaseUrl"), "IamApiBaseUrl");
        assert_eq!(output_name("identityPoolId"), "IdentityPoolId");
        // A stack from before the identity pool: deploy says which output is missing.
        let old: Vec<(String, String)> = outputs
            .iter()
            .filter(|(k, _)| k != "IdentityPoolId")
            .cloned()
            .collect();
        let err = config_from_outputs(&old).unwrap_err();
        assert!(
            err.contains("IdentityPoolId (config.json identityPoolId)"),
            "{err}"
        );
        let err = config_from_outputs(&outputs[1..]).unwrap_err();
        assert!(err.contains("AuthDomain"), "{err}");
        assert_eq!(output_name("apiBaseUrl"), "ApiBaseUrl");
        let parsed =
            parse_outputs(r#"[{"OutputKey":"ClientId","OutputValue":"abc","Description":"d"}]"#)
                .unwrap();
        assert_eq!(parsed, [("ClientId".to_owned(), "abc".to_owned())]);
        assert!(parse_outputs("null").is_err());
    }

    #[test]
    fn a_config_with_an_unknown_field_is_refused_before_upload() {
        let err = parse_config(r#"{"clientID":"x"}"#).unwrap_err();
        assert!(err.contains("clientID"), "{err}");
        assert!(parse_config("[1]").is_err());
        assert!(parse_config("{").is_err());
    }

    #[test]
    fn command_lines_are_printed_ready_to_paste() {
        let upload = Upload {
            name: "index.html".into(),
            key: "w/index.html".into(),
            body: vec![],
            content_type: "text/html; charset=utf-8",
            cache_control: "no-cache",
            content_encoding: Some("gzip"),
        };
        let args = s3_cp_args("/tmp/up/index.html", "my-bucket", &upload);
        assert_eq!(
            command_line("aws", &args),
            "aws s3 cp /tmp/up/index.html s3://my-bucket/w/index.html --content-type 'text/html; charset=utf-8' --cache-control no-cache --content-encoding gzip --only-show-errors"
        );
        let args = cloudformation_deploy_args(
            "infra/template.yaml",
            "dragons",
            &[("DomainPrefix".into(), "dragons-x".into())],
        );
        assert_eq!(
            command_line("aws", &args),
            "aws cloudformation deploy --template-file infra/template.yaml --stack-name dragons --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset --parameter-overrides DomainPrefix=dragons-x"
        );
        assert!(!cloudformation_deploy_args("t", "s", &[])
            .contains(&"--parameter-overrides".to_owned()));
        assert_eq!(
            command_line("aws", &invalidation_args("E1")),
            "aws cloudfront create-invalidation --distribution-id E1 --paths '/*'"
        );
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(
            command_line("aws", &describe_outputs_args("s")),
            "aws cloudformation describe-stacks --stack-name s --query 'Stacks[0].Outputs' --output json"
        );
        assert_eq!(
            command_line("aws", &api_redeploy_args("a1", "test")),
            "aws apigateway create-deployment --rest-api-id a1 --stage-name test --description 'cargo xtask deploy'"
        );
    }

    #[test]
    fn names_are_checked_before_anything_is_created() {
        assert_eq!(
            normalise_prefix("/workshop/2026/").unwrap(),
            "workshop/2026"
        );
        assert_eq!(normalise_prefix("").unwrap(), "");
        for bad in ["a/../b", "a//b", "a b", "a?b"] {
            assert!(normalise_prefix(bad).is_err(), "{bad}");
        }
        assert!(check_stack_name("dragons-workshop").is_ok());
        for bad in [
            "Dragons",
            "1dragons",
            "dragons-",
            "dragons_x",
            &"d".repeat(41),
        ] {
            assert!(check_stack_name(bad).is_err(), "{bad}");
        }
        assert!(check_domain_prefix("dragons-2026").is_ok());
        for bad in [
            "",
            "-x",
            "x-",
            "Upper",
            "my-aws-x",
            "amazonian",
            "cognito1",
            &"x".repeat(64),
        ] {
            assert!(check_domain_prefix(bad).is_err(), "{bad}");
        }
    }
}
