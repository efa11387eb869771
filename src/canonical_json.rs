//! The one canonical JSON form paywit uses (request fingerprints and the
//! NOWPayments signature).
//!
//! Canonical form: parse the body as JSON, then write it compactly (no
//! insignificant whitespace) with object keys sorted by Unicode code point at
//! every depth. Numbers keep their digits (`1.0` stays `1.0`, never `1`); an
//! exponent is written lowercase with an explicit sign (`1E2` becomes `1e+2`). Strings are re-escaped minimally (only `"`, `\` and control
//! characters; `/` and non-ASCII are written as themselves, as
//! `JSON.stringify` does). When an object repeats a key, the last value wins,
//! as in `JSON.parse`. Nesting deeper than 128 levels is refused.

/// The canonical form of a JSON document, or why it is not JSON.
pub fn canonicalize(body: &[u8]) -> Result<String, String> {
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|error| format!("not JSON: {error}"))?;
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::canonicalize;

    #[test]
    fn sorts_keys_at_every_depth_and_drops_whitespace() {
        let body = br#" { "b" : 1, "a": {"z": [ 1, {"y":2, "x":1} ], "b": 2}, "fee": {"currency": "btc"} } "#;
        assert_eq!(
            canonicalize(body).unwrap(),
            r#"{"a":{"b":2,"z":[1,{"x":1,"y":2}]},"b":1,"fee":{"currency":"btc"}}"#
        );
    }

    #[test]
    fn keeps_number_text_and_escapes_minimally() {
        assert_eq!(
            canonicalize(br#"{"n":1.0,"e":1E2,"s":"a/\u00e9\n"}"#).unwrap(),
            "{\"e\":1e+2,\"n\":1.0,\"s\":\"a/\u{e9}\\n\"}"
        );
    }

    #[test]
    fn is_idempotent_and_refuses_non_json() {
        let once = canonicalize(br#"{"b":[true,null],"a":"x"}"#).unwrap();
        assert_eq!(canonicalize(once.as_bytes()).unwrap(), once);
        assert!(canonicalize(b"{not json").is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(canonicalize(deep.as_bytes()).is_err(), "deep nesting refused, not a stack overflow");
    }
}
