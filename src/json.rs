//! The app's one JSON path: text to a `serde_json::Value` and back, and typed reads of an
//! object's fields. No `Deserialize`/`Serialize` derives: each derive compiles its own
//! deserializer into the wasm; one `Value` parse plus plain field reads is a fraction of it.
//!
//! Field reads follow what the derives did: a missing or `null` optional field is `None`, a
//! field of the wrong type is an error naming it, unknown fields are ignored unless the caller
//! checks for them.

pub use serde_json::{Map, Value};

/// Parse JSON text.
pub fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Parse JSON bytes (UTF-8).
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(_) => Err("not UTF-8".to_owned()),
    }
}

/// Compact JSON text.
pub fn to_string(value: &Value) -> String {
    value.to_string()
}

/// Indented JSON text, for people to read.
pub fn to_pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// The value as an object, or an error saying it is not one.
pub fn object(value: &Value) -> Result<&Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| "expected an object".to_owned())
}

fn wrong_type(key: &str, expected: &str) -> String {
    format!("invalid type for `{key}`, expected {expected}")
}

/// A field that must be a string.
pub fn string(map: &Map<String, Value>, key: &str) -> Result<String, String> {
    opt_string(map, key)?.ok_or_else(|| format!("missing field `{key}`"))
}

/// A string field that may be absent or `null`.
pub fn opt_string(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(key, "a string")),
    }
}

/// A field that must be an integer.
pub fn int(map: &Map<String, Value>, key: &str) -> Result<i64, String> {
    opt_int(map, key)?.ok_or_else(|| format!("missing field `{key}`"))
}

/// An integer field that may be absent or `null`.
pub fn opt_int(map: &Map<String, Value>, key: &str) -> Result<Option<i64>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(key, "an integer")),
    }
}

/// A boolean field; absent is `false`.
pub fn flag(map: &Map<String, Value>, key: &str) -> Result<bool, String> {
    match map.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(wrong_type(key, "a boolean")),
    }
}

/// An object field.
pub fn field<'a>(map: &'a Map<String, Value>, key: &str) -> Result<&'a Map<String, Value>, String> {
    match map.get(key) {
        None => Err(format!("missing field `{key}`")),
        Some(v) => v.as_object().ok_or_else(|| wrong_type(key, "an object")),
    }
}

/// An object built from `(key, value)` pairs.
pub fn build<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// A string value, or `null`.
pub fn opt(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

/// A string value.
pub fn s(value: &str) -> Value {
    Value::String(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_like_the_derives_did() {
        let v = parse(r#"{"a":"x","n":5,"z":null,"b":true,"o":{}}"#).unwrap();
        let m = object(&v).unwrap();
        assert_eq!(string(m, "a").unwrap(), "x");
        assert_eq!(opt_string(m, "z").unwrap(), None);
        assert_eq!(opt_string(m, "missing").unwrap(), None);
        assert!(string(m, "missing").unwrap_err().contains("missing"));
        assert!(string(m, "n").unwrap_err().contains("`n`"));
        assert_eq!(int(m, "n").unwrap(), 5);
        assert!(int(m, "a").is_err());
        assert!(flag(m, "b").unwrap());
        assert!(!flag(m, "missing").unwrap());
        assert!(field(m, "o").is_ok());
        assert!(field(m, "a").is_err());
        assert!(parse("not json").is_err());
        assert!(object(&parse("[]").unwrap()).is_err());
        assert_eq!(
            to_string(&build([("k", s("v")), ("n", opt(None))])),
            r#"{"k":"v","n":null}"#
        );
    }
}
