//! Idempotency keys and the replay / conflict / mismatch decision
//! (`paywit:gateway/idempotency`). Pure: the host owns storage.

use sha2::{Digest, Sha256};

use crate::canonical_json;
use crate::encoding::hex_lower;
use crate::types::{trim_ows, Body};

/// Longest key accepted (Stripe's limit).
pub const MAX_KEY_LENGTH: usize = 255;
/// Shortest retention window: 24 h.
pub const MIN_RETENTION_SECONDS: u32 = 24 * 3600;
/// Longest retention window: 72 h.
pub const MAX_RETENTION_SECONDS: u32 = 72 * 3600;

/// Why an `Idempotency-Key` value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyError {
    /// Empty after unquoting.
    Empty,
    /// Longer than 255 characters (the payload is the length).
    TooLong(u32),
    /// A character outside visible ASCII at this byte offset of the key.
    InvalidCharacter(u32),
    /// A quoted sf-string that is unterminated, badly escaped or followed by data.
    MalformedQuotedString,
}

/// What the host stored when it first saw a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredKey {
    /// The first request's fingerprint.
    pub fingerprint: String,
    /// When the first request arrived (Unix seconds).
    pub first_seen: i64,
    /// Whether the first request finished and its response is stored.
    pub completed: bool,
    /// The host's reference to the stored response.
    pub response_ref: Option<String>,
}

/// The status for a key reused with a different request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MismatchStatus {
    /// 422, per the IETF draft.
    UnprocessableContent,
    /// 400, Stripe's flavour.
    BadRequest,
}

/// How the server treats keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPolicy {
    /// Retention window, 24-72 h.
    pub retention_seconds: u32,
    /// Whether requests without a key are refused.
    pub require_key: bool,
    /// The mismatch status.
    pub mismatch_status: MismatchStatus,
}

/// Why `execute` was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecuteReason {
    /// The key is new.
    NewKey,
    /// The key is older than the retention window.
    ExpiredKey,
    /// No key, and none is required.
    NoKey,
}

/// What to do with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Run it.
    Execute(ExecuteReason),
    /// Return the stored response.
    Replay(Option<String>),
    /// 409: the first request is still running.
    InProgress,
    /// 422 (or 400): same key, different request.
    Mismatch,
    /// 400: a key is required.
    MissingKey,
}

/// An RFC 9457 problem-details response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// HTTP status.
    pub status: u16,
    /// `application/problem+json`.
    pub content_type: String,
    /// The JSON body.
    pub body: String,
}

/// A policy out of range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// Retention outside 24-72 h (the value given).
    RetentionOutOfRange(u32),
}

/// A UUIDv4 (lowercase, hyphenated) from 16 random bytes: 122 random bits.
pub fn new_key(random: [u8; 16]) -> String {
    let mut bytes = random;
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = hex_lower(&bytes);
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// Parses an `Idempotency-Key` value: a bare token or a quoted sf-string.
/// Surrounding spaces and tabs are ignored; the key itself must be 1..=255
/// visible ASCII characters (0x21-0x7E) other than `"` and `\`, so that a
/// parsed key always re-parses to itself (a key starting with `"` would read
/// back as an sf-string).
pub fn parse_key(header_value: &str) -> Result<String, KeyError> {
    let value = trim_ows(header_value);
    let key = match value.strip_prefix('"') {
        Some(quoted) => unquote(quoted)?,
        None => value.to_string(),
    };
    if key.is_empty() {
        return Err(KeyError::Empty);
    }
    if key.len() > MAX_KEY_LENGTH {
        return Err(KeyError::TooLong(u32::try_from(key.len()).unwrap_or(u32::MAX)));
    }
    if let Some(offset) = key.bytes().position(|b| !b.is_ascii_graphic() || b == b'"' || b == b'\\') {
        return Err(KeyError::InvalidCharacter(offset as u32));
    }
    Ok(key)
}

/// The content of an sf-string after its opening quote (RFC 8941 §3.3.3).
fn unquote(rest: &str) -> Result<String, KeyError> {
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped @ ('"' | '\\')) => out.push(escaped),
                _ => return Err(KeyError::MalformedQuotedString),
            },
            '"' => {
                return if chars.as_str().is_empty() { Ok(out) } else { Err(KeyError::MalformedQuotedString) };
            }
            c => out.push(c),
        }
    }
    Err(KeyError::MalformedQuotedString)
}

/// SHA-256 (lowercase hex) of the logical request: the method uppercased, the
/// path, and the body (canonical JSON when it parses as JSON, else its bytes),
/// each length-prefixed so no two field splits collide.
pub fn fingerprint(method: &str, path: &str, body: &Body) -> String {
    let bytes = body.as_bytes();
    let canonical = canonical_json::canonicalize(bytes).ok();
    let (kind, content): (&[u8], &[u8]) = match &canonical {
        Some(json) => (b"json", json.as_bytes()),
        None => (b"bytes", bytes),
    };
    let mut hasher = Sha256::new();
    for field in [method.to_ascii_uppercase().as_bytes(), path.as_bytes(), kind, content] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    hex_lower(&hasher.finalize())
}

/// 24 h retention, key required, 422 on mismatch.
pub fn default_policy() -> KeyPolicy {
    KeyPolicy {
        retention_seconds: MIN_RETENTION_SECONDS,
        require_key: true,
        mismatch_status: MismatchStatus::UnprocessableContent,
    }
}

/// Decides what to do with a request carrying `key` (`None`: no key sent).
///
/// Order: missing key, new key, expired key, fingerprint mismatch (even while
/// the first request runs, as the IETF draft says), in progress, replay.
pub fn decide(
    key: Option<&str>,
    stored: Option<&StoredKey>,
    fingerprint: &str,
    now: i64,
    policy: &KeyPolicy,
) -> Result<Decision, PolicyError> {
    if !(MIN_RETENTION_SECONDS..=MAX_RETENTION_SECONDS).contains(&policy.retention_seconds) {
        return Err(PolicyError::RetentionOutOfRange(policy.retention_seconds));
    }
    let Some(_key) = key else {
        return Ok(if policy.require_key { Decision::MissingKey } else { Decision::Execute(ExecuteReason::NoKey) });
    };
    let Some(stored) = stored else {
        return Ok(Decision::Execute(ExecuteReason::NewKey));
    };
    if now as i128 - stored.first_seen as i128 >= policy.retention_seconds as i128 {
        return Ok(Decision::Execute(ExecuteReason::ExpiredKey));
    }
    if stored.fingerprint != fingerprint {
        return Ok(Decision::Mismatch);
    }
    if !stored.completed {
        return Ok(Decision::InProgress);
    }
    Ok(Decision::Replay(stored.response_ref.clone()))
}

/// The refusal for a decision (`None` for execute and replay).
pub fn problem_for(decision: &Decision, policy: &KeyPolicy) -> Option<Problem> {
    let (status, slug, title, detail) = match decision {
        Decision::Execute(_) | Decision::Replay(_) => return None,
        Decision::InProgress => (
            409,
            "key-in-use",
            "Idempotency-Key in use",
            "A request with this Idempotency-Key is still being processed; retry later with the same key.",
        ),
        Decision::Mismatch => (
            match policy.mismatch_status {
                MismatchStatus::UnprocessableContent => 422,
                MismatchStatus::BadRequest => 400,
            },
            "key-reused",
            "Idempotency-Key reused",
            "This Idempotency-Key was already used with a different request; use a new key for a new request.",
        ),
        Decision::MissingKey => {
            (400, "key-missing", "Idempotency-Key missing", "This operation requires an Idempotency-Key header.")
        }
    };
    let body = serde_json::json!({
        "type": format!("urn:paywit:problem:idempotency-{slug}"),
        "title": title,
        "status": status,
        "detail": detail,
    });
    Some(Problem { status, content_type: "application/problem+json".into(), body: body.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP: &str = "abc";

    fn stored(completed: bool) -> StoredKey {
        StoredKey { fingerprint: FP.into(), first_seen: 1000, completed, response_ref: Some("resp-1".into()) }
    }

    #[test]
    fn new_key_is_a_version_4_uuid() {
        let key = new_key([0xff; 16]);
        assert_eq!(key, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(new_key([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(parse_key(&key).unwrap(), key);
    }

    #[test]
    fn parse_key_accepts_tokens_and_sf_strings() {
        assert_eq!(parse_key("8b7cfa4d-1e6c-4a12").unwrap(), "8b7cfa4d-1e6c-4a12");
        assert_eq!(parse_key(" \"8e03978e-40d5\" ").unwrap(), "8e03978e-40d5");
        assert_eq!(
            parse_key(r#""a\"b""#),
            Err(KeyError::InvalidCharacter(1)),
            "escapes decode, but quotes are refused"
        );
        assert_eq!(parse_key(r#"a\b"#), Err(KeyError::InvalidCharacter(1)));
        assert_eq!(parse_key(""), Err(KeyError::Empty));
        assert_eq!(parse_key("\"\""), Err(KeyError::Empty));
        assert_eq!(parse_key("a b"), Err(KeyError::InvalidCharacter(1)));
        assert_eq!(parse_key("\"a b\""), Err(KeyError::InvalidCharacter(1)));
        assert_eq!(parse_key("ab\u{7f}"), Err(KeyError::InvalidCharacter(2)));
        assert_eq!(parse_key("é"), Err(KeyError::InvalidCharacter(0)));
        assert_eq!(parse_key(&"k".repeat(256)), Err(KeyError::TooLong(256)));
        assert!(parse_key(&"k".repeat(255)).is_ok());
        for bad in ["\"abc", "\"a\\nb\"", "\"abc\"x", "\"abc\";p=1"] {
            assert_eq!(parse_key(bad), Err(KeyError::MalformedQuotedString), "{bad}");
        }
    }

    #[test]
    fn decide_covers_every_decision() {
        let policy = default_policy();
        let lenient = KeyPolicy { require_key: false, ..policy };
        assert_eq!(decide(None, None, FP, 0, &policy), Ok(Decision::MissingKey));
        assert_eq!(decide(None, None, FP, 0, &lenient), Ok(Decision::Execute(ExecuteReason::NoKey)));
        assert_eq!(decide(Some("k"), None, FP, 0, &policy), Ok(Decision::Execute(ExecuteReason::NewKey)));
        assert_eq!(
            decide(Some("k"), Some(&stored(true)), FP, 1000 + 86_399, &policy),
            Ok(Decision::Replay(Some("resp-1".into())))
        );
        assert_eq!(
            decide(Some("k"), Some(&stored(true)), FP, 1000 + 86_400, &policy),
            Ok(Decision::Execute(ExecuteReason::ExpiredKey))
        );
        assert_eq!(decide(Some("k"), Some(&stored(false)), FP, 1001, &policy), Ok(Decision::InProgress));
        assert_eq!(decide(Some("k"), Some(&stored(false)), "other", 1001, &policy), Ok(Decision::Mismatch));
        assert_eq!(decide(Some("k"), Some(&stored(true)), "other", 1001, &policy), Ok(Decision::Mismatch));
        let long = KeyPolicy { retention_seconds: 72 * 3600, ..policy };
        assert_eq!(
            decide(Some("k"), Some(&stored(true)), FP, 1000 + 86_400, &long),
            Ok(Decision::Replay(Some("resp-1".into())))
        );
        for bad in [0, 86_399, 259_201] {
            let policy = KeyPolicy { retention_seconds: bad, ..policy };
            assert_eq!(decide(Some("k"), None, FP, 0, &policy), Err(PolicyError::RetentionOutOfRange(bad)));
        }
    }

    #[test]
    fn problems_carry_the_right_status() {
        let policy = default_policy();
        let stripe_flavour = KeyPolicy { mismatch_status: MismatchStatus::BadRequest, ..policy };
        assert_eq!(problem_for(&Decision::Execute(ExecuteReason::NewKey), &policy), None);
        assert_eq!(problem_for(&Decision::Replay(None), &policy), None);
        assert_eq!(problem_for(&Decision::InProgress, &policy).unwrap().status, 409);
        assert_eq!(problem_for(&Decision::Mismatch, &policy).unwrap().status, 422);
        assert_eq!(problem_for(&Decision::Mismatch, &stripe_flavour).unwrap().status, 400);
        let missing = problem_for(&Decision::MissingKey, &policy).unwrap();
        assert_eq!(missing.status, 400);
        assert_eq!(missing.content_type, "application/problem+json");
        let body: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
        assert_eq!(body["status"], 400);
        assert_eq!(body["type"], "urn:paywit:problem:idempotency-key-missing");
    }

    #[test]
    fn fingerprint_ignores_key_order_and_whitespace_only() {
        let a = fingerprint("post", "/v1/charges", &Body::Text(r#"{"amount":9900,"currency":"usd"}"#.into()));
        let b = fingerprint(
            "POST",
            "/v1/charges",
            &Body::Bytes(b"{ \"currency\" : \"usd\",\n \"amount\" : 9900 }".to_vec()),
        );
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        for other in [
            r#"{"amount":9901,"currency":"usd"}"#,
            r#"{"amount":"9900","currency":"usd"}"#,
            r#"{"amount":9900.0,"currency":"usd"}"#,
        ] {
            assert_ne!(a, fingerprint("POST", "/v1/charges", &Body::Text(other.into())), "{other}");
        }
        assert_ne!(a, fingerprint("PUT", "/v1/charges", &Body::Text(r#"{"amount":9900,"currency":"usd"}"#.into())));
        assert_ne!(a, fingerprint("POST", "/v1/refunds", &Body::Text(r#"{"amount":9900,"currency":"usd"}"#.into())));
        assert_ne!(
            fingerprint("POST", "/a", &Body::Text("x=1 ".into())),
            fingerprint("POST", "/a", &Body::Text("x=1".into())),
            "non-JSON bodies hash as bytes"
        );
    }

    proptest::proptest! {
        #[test]
        fn fingerprint_is_invariant_under_key_reordering(entries in proptest::collection::btree_map("[a-z]{1,6}", 0i64..1_000_000, 0..8), spaces in 0usize..3) {
            let forward: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            let backward: Vec<String> = entries.iter().rev().map(|(k, v)| format!("\"{k}\"{}:{v}", " ".repeat(spaces))).collect();
            let a = fingerprint("POST", "/x", &Body::Text(format!("{{{}}}", forward.join(","))));
            let b = fingerprint("POST", "/x", &Body::Text(format!("{{ {} }}", backward.join(" ,\n"))));
            proptest::prop_assert_eq!(a, b);
        }
    }
}
