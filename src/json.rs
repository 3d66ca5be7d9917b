//! The app's one JSON path: text to a `serde_json::Value` and back, and typed reads of an
//! object's fields. No `Deserialize`/`Serialize` derives: each derive compiles its own
//! deserializer into the wasm; one `Value` parse plus plain field reads is a fraction of it.
//!
//! Field reads follow what the derives did: a missing or `null` optional field is `None`, a
//! field of the wrong type is an error naming it, unknown fields are ignored unless the caller
//! checks for them.
//!
//! In the browser the text is read and written by `JSON.parse`/`JSON.stringify` and converted
//! to and from `Value`: serde_json's parser and serializer are then not in the wasm at all.
//! Natively (the core's tests) serde_json does it.

pub use serde_json::{Map, Value};

/// Parse JSON text. In the browser this is `JSON.parse`: serde_json's parser stays out of the
/// wasm.
pub fn parse(text: &str) -> Result<Value, String> {
    #[cfg(target_arch = "wasm32")]
    return browser::parse(text);
    #[cfg(not(target_arch = "wasm32"))]
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Parse JSON bytes (UTF-8).
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(_) => Err("not UTF-8".to_owned()),
    }
}

/// Compact JSON text (`JSON.stringify` in the browser).
pub fn to_string(value: &Value) -> String {
    #[cfg(target_arch = "wasm32")]
    return browser::stringify(value, None);
    #[cfg(not(target_arch = "wasm32"))]
    value.to_string()
}

/// Indented JSON text, for people to read (`JSON.stringify(v, null, 2)` in the browser).
pub fn to_pretty(value: &Value) -> String {
    #[cfg(target_arch = "wasm32")]
    return browser::stringify(value, Some(2));
    #[cfg(not(target_arch = "wasm32"))]
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// Deeper than this is refused (serde_json's own recursion limit).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
const MAX_DEPTH: usize = 128;

/// The browser's JSON, converted to and from `Value`.
#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{Map, Value, MAX_DEPTH};
    use js_sys::{Array, Object, JSON};
    use wasm_bindgen::{JsCast, JsValue};

    pub fn parse(text: &str) -> Result<Value, String> {
        let js = JSON::parse(text).map_err(|e| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| "not JSON".to_owned())
        })?;
        from_js(&js, 0)
    }

    fn from_js(js: &JsValue, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".to_owned());
        }
        if let Some(b) = js.as_bool() {
            return Ok(Value::Bool(b));
        }
        if let Some(n) = js.as_f64() {
            // Whole numbers as integers, as serde_json reads `3600`.
            return Ok(if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_992.0 {
                Value::from(n as i64)
            } else {
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
            });
        }
        if let Some(s) = js.as_string() {
            return Ok(Value::String(s));
        }
        if let Some(list) = js.dyn_ref::<Array>() {
            return list
                .iter()
                .map(|v| from_js(&v, depth + 1))
                .collect::<Result<_, _>>()
                .map(Value::Array);
        }
        if js.is_object() {
            let mut map = Map::new();
            for entry in Object::entries(js.unchecked_ref()).iter() {
                let entry: Array = entry.unchecked_into();
                let key = entry.get(0).as_string().unwrap_or_default();
                map.insert(key, from_js(&entry.get(1), depth + 1)?);
            }
            return Ok(Value::Object(map));
        }
        Ok(Value::Null)
    }

    fn to_js(value: &Value) -> JsValue {
        match value {
            Value::Null => JsValue::NULL,
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => JsValue::from_str(s),
            Value::Array(list) => list.iter().map(to_js).collect::<Array>().into(),
            Value::Object(map) => {
                // fromEntries defines own properties: a key "__proto__" stays a key.
                let entries: Array = map
                    .iter()
                    .map(|(k, v)| Array::of2(&JsValue::from_str(k), &to_js(v)))
                    .collect();
                Object::from_entries(&entries)
                    .map(JsValue::from)
                    .unwrap_or(JsValue::NULL)
            }
        }
    }

    pub fn stringify(value: &Value, indent: Option<u32>) -> String {
        let js = to_js(value);
        let text = match indent {
            Some(n) => {
                JSON::stringify_with_replacer_and_space(&js, &JsValue::NULL, &JsValue::from(n))
            }
            None => JSON::stringify(&js),
        };
        text.ok().and_then(|t| t.as_string()).unwrap_or_default()
    }
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
    from_pairs(&mut pairs.into_iter())
}

/// The one copy behind [`build`] (a copy per array length was compiled otherwise). Inserted
/// one by one: collecting into the map would sort first, and compile a sort per caller.
fn from_pairs(pairs: &mut dyn Iterator<Item = (&str, Value)>) -> Value {
    let mut map = Map::new();
    for (key, value) in pairs {
        map.insert(key.to_owned(), value);
    }
    Value::Object(map)
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
