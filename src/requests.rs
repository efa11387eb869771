//! HMAC-signed API requests (`paywit:gateway/requests`): the guide's third
//! authentication scheme, the same construction on both sides.
//!
//! Canonical request string (UTF-8, `\n`-separated, no trailing newline):
//!
//! ```text
//! PAYWIT-HMAC-SHA256
//! {METHOD, uppercased}
//! {path with query, exactly as sent}
//! {timestamp, Unix seconds}
//! {nonce}
//! {lowercase hex SHA-256 of the body}
//! ```
//!
//! The signature is lowercase hex HMAC-SHA256 of that string under the
//! secret's UTF-8 bytes. Headers: `X-Paywit-Key-Id`, `X-Paywit-Timestamp`,
//! `X-Paywit-Nonce`, `X-Paywit-Content-SHA256`, `X-Paywit-Signature`. The
//! receiver checks the body hash, the signature (constant time, any secret of
//! the key id), and the replay window; the host then refuses a nonce it has
//! already seen within twice the window.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::encoding::{hex_decode, hex_lower};
use crate::types::{Body, Header};
use crate::webhooks::{mac, HashAlgorithm};

/// The scheme name at the top of the canonical string.
pub const ALGORITHM: &str = "PAYWIT-HMAC-SHA256";
/// Header carrying the key id.
pub const KEY_ID_HEADER: &str = "X-Paywit-Key-Id";
/// Header carrying the timestamp.
pub const TIMESTAMP_HEADER: &str = "X-Paywit-Timestamp";
/// Header carrying the nonce.
pub const NONCE_HEADER: &str = "X-Paywit-Nonce";
/// Header carrying the body hash.
pub const CONTENT_HEADER: &str = "X-Paywit-Content-SHA256";
/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Paywit-Signature";
/// Default replay window, both directions.
pub const DEFAULT_TOLERANCE: u32 = 300;

/// A request about to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundRequest {
    /// HTTP method.
    pub method: String,
    /// Path with query, exactly as it will be sent.
    pub path: String,
    /// The body exactly as it will be sent.
    pub body: Body,
    /// Unix seconds.
    pub timestamp: i64,
    /// A fresh random nonce, 16-128 visible ASCII characters.
    pub nonce: String,
}

/// A secret with the key id it is known by.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiSecret {
    /// The public key id.
    pub key_id: String,
    /// The shared secret.
    pub secret: String,
}

impl std::fmt::Debug for ApiSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiSecret").field("key_id", &self.key_id).field("secret", &"<redacted>").finish()
    }
}

/// A request as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundRequest {
    /// HTTP method.
    pub method: String,
    /// Path with query, exactly as received.
    pub path: String,
    /// All headers.
    pub headers: Vec<Header>,
    /// The raw body.
    pub body: Body,
}

/// A request that verified; the host must still refuse a repeated nonce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedRequest {
    /// The key id that signed it.
    pub key_id: String,
    /// Its timestamp.
    pub timestamp: i64,
    /// Its nonce (check for reuse within twice the window).
    pub nonce: String,
}

/// Why a request could not be signed or verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// A required header is absent (its name).
    MissingHeader(String),
    /// A header is malformed (its name).
    MalformedHeader(String),
    /// The nonce is not 16-128 visible ASCII characters.
    InvalidNonce,
    /// A key id or secret is empty, or a key id is not visible ASCII.
    UnusableSecret,
    /// No secret is known for the key id.
    UnknownKeyId,
    /// The body does not match its declared SHA-256.
    ContentMismatch,
    /// The timestamp is this many seconds outside the window (negative: in the future).
    TimestampOutsideTolerance(i64),
    /// The signature does not match.
    NoMatchingSignature,
}

fn body_hash(body: &Body) -> String {
    hex_lower(&Sha256::digest(body.as_bytes()))
}

/// The canonical request string.
pub fn canonical_request(method: &str, path: &str, timestamp: i64, nonce: &str, content_sha256: &str) -> String {
    format!("{ALGORITHM}\n{}\n{path}\n{timestamp}\n{nonce}\n{content_sha256}", method.to_ascii_uppercase())
}

fn valid_nonce(nonce: &str) -> bool {
    (16..=128).contains(&nonce.len()) && nonce.bytes().all(|b| b.is_ascii_graphic())
}

fn valid_key(key_id: &str, secret: &str) -> bool {
    !key_id.is_empty() && key_id.bytes().all(|b| b.is_ascii_graphic()) && !secret.is_empty()
}

/// Signs an outbound request; returns the five headers to add.
pub fn sign_request(key_id: &str, secret: &str, request: &OutboundRequest) -> Result<Vec<Header>, RequestError> {
    if !valid_key(key_id, secret) {
        return Err(RequestError::UnusableSecret);
    }
    if !valid_nonce(&request.nonce) {
        return Err(RequestError::InvalidNonce);
    }
    let content = body_hash(&request.body);
    let canonical = canonical_request(&request.method, &request.path, request.timestamp, &request.nonce, &content);
    let signature = mac::compute(HashAlgorithm::Sha256, secret.as_bytes(), &[canonical.as_bytes()]);
    Ok(vec![
        Header::new(KEY_ID_HEADER, key_id),
        Header::new(TIMESTAMP_HEADER, request.timestamp.to_string()),
        Header::new(NONCE_HEADER, request.nonce.clone()),
        Header::new(CONTENT_HEADER, content),
        Header::new(SIGNATURE_HEADER, hex_lower(&signature)),
    ])
}

fn header<'a>(headers: &'a [Header], name: &str) -> Result<&'a str, RequestError> {
    crate::types::find_header(headers, name)
        .map_err(|_| RequestError::MalformedHeader(name.to_string()))?
        .ok_or_else(|| RequestError::MissingHeader(name.to_string()))
}

/// Verifies a signed request against the secrets known for its key id.
pub fn verify_request(
    secrets: &[ApiSecret],
    request: &InboundRequest,
    now: i64,
    tolerance_seconds: Option<u32>,
) -> Result<VerifiedRequest, RequestError> {
    let key_id = header(&request.headers, KEY_ID_HEADER)?;
    let timestamp_text = header(&request.headers, TIMESTAMP_HEADER)?;
    let nonce = header(&request.headers, NONCE_HEADER)?;
    let content = header(&request.headers, CONTENT_HEADER)?;
    let signature = header(&request.headers, SIGNATURE_HEADER)?;
    if timestamp_text.is_empty() || !timestamp_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RequestError::MalformedHeader(TIMESTAMP_HEADER.into()));
    }
    let timestamp: i64 = timestamp_text.parse().map_err(|_| RequestError::MalformedHeader(TIMESTAMP_HEADER.into()))?;
    if !valid_nonce(nonce) {
        return Err(RequestError::InvalidNonce);
    }
    let declared = hex_decode(content).filter(|h| h.len() == 32);
    let declared = declared.ok_or_else(|| RequestError::MalformedHeader(CONTENT_HEADER.into()))?;
    let signature = hex_decode(signature).ok_or_else(|| RequestError::MalformedHeader(SIGNATURE_HEADER.into()))?;
    let actual = Sha256::digest(request.body.as_bytes());
    if !bool::from(actual.as_slice().ct_eq(&declared)) {
        return Err(RequestError::ContentMismatch);
    }
    let candidates: Vec<&ApiSecret> = secrets.iter().filter(|s| s.key_id == key_id).collect();
    if candidates.is_empty() {
        return Err(RequestError::UnknownKeyId);
    }
    if candidates.iter().any(|s| !valid_key(&s.key_id, &s.secret)) {
        return Err(RequestError::UnusableSecret);
    }
    let canonical = canonical_request(&request.method, &request.path, timestamp, nonce, &hex_lower(&actual));
    let matched = candidates.iter().any(|s| {
        let expected = mac::compute(HashAlgorithm::Sha256, s.secret.as_bytes(), &[canonical.as_bytes()]);
        expected.len() == signature.len() && bool::from(expected.as_slice().ct_eq(&signature))
    });
    if !matched {
        return Err(RequestError::NoMatchingSignature);
    }
    let tolerance = tolerance_seconds.unwrap_or(DEFAULT_TOLERANCE) as i128;
    let age = now as i128 - timestamp as i128;
    if age.abs() > tolerance {
        let outside = if age > 0 { age - tolerance } else { age + tolerance };
        return Err(RequestError::TimestampOutsideTolerance(outside.clamp(i64::MIN as i128, i64::MAX as i128) as i64));
    }
    Ok(VerifiedRequest { key_id: key_id.to_string(), timestamp, nonce: nonce.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "n0nce-0123456789abcdef";

    fn outbound() -> OutboundRequest {
        OutboundRequest {
            method: "post".into(),
            path: "/v1/charges?expand=customer".into(),
            body: Body::Text(r#"{"amount":9900}"#.into()),
            timestamp: 1_700_000_000,
            nonce: NONCE.into(),
        }
    }

    fn inbound(headers: Vec<Header>) -> InboundRequest {
        InboundRequest {
            method: "POST".into(),
            path: "/v1/charges?expand=customer".into(),
            headers,
            body: Body::Text(r#"{"amount":9900}"#.into()),
        }
    }

    fn secrets() -> Vec<ApiSecret> {
        vec![
            ApiSecret { key_id: "key_1".into(), secret: "old".into() },
            ApiSecret { key_id: "key_1".into(), secret: "s3cret".into() },
        ]
    }

    #[test]
    fn canonical_string_is_documented_and_signing_round_trips() {
        let content = body_hash(&outbound().body);
        assert_eq!(
            canonical_request("post", "/a?b=1", 5, NONCE, &content),
            format!("PAYWIT-HMAC-SHA256\nPOST\n/a?b=1\n5\n{NONCE}\n{content}")
        );
        let headers = sign_request("key_1", "s3cret", &outbound()).unwrap();
        let expected = mac::compute(
            HashAlgorithm::Sha256,
            b"s3cret",
            &[canonical_request("POST", "/v1/charges?expand=customer", 1_700_000_000, NONCE, &content)],
        );
        assert_eq!(headers[4].value, hex_lower(&expected));
        let verified = verify_request(&secrets(), &inbound(headers), 1_700_000_100, None).unwrap();
        assert_eq!(verified, VerifiedRequest { key_id: "key_1".into(), timestamp: 1_700_000_000, nonce: NONCE.into() });
    }

    #[test]
    fn every_tampering_is_refused_with_its_own_error() {
        let headers = sign_request("key_1", "s3cret", &outbound()).unwrap();
        let check = |request: InboundRequest, now: i64| verify_request(&secrets(), &request, now, None);
        let mut body = inbound(headers.clone());
        body.body = Body::Text(r#"{"amount":99}"#.into());
        assert_eq!(check(body, 1_700_000_000), Err(RequestError::ContentMismatch));
        let mut path = inbound(headers.clone());
        path.path = "/v1/charges".into();
        assert_eq!(check(path, 1_700_000_000), Err(RequestError::NoMatchingSignature));
        let mut method = inbound(headers.clone());
        method.method = "PUT".into();
        assert_eq!(check(method, 1_700_000_000), Err(RequestError::NoMatchingSignature));
        assert_eq!(check(inbound(headers.clone()), 1_700_000_301), Err(RequestError::TimestampOutsideTolerance(1)));
        assert_eq!(check(inbound(headers.clone()), 1_699_999_690), Err(RequestError::TimestampOutsideTolerance(-10)));
        let mut unknown = headers.clone();
        unknown[0].value = "key_2".into();
        assert_eq!(check(inbound(unknown), 1_700_000_000), Err(RequestError::UnknownKeyId));
        let mut missing = headers.clone();
        missing.remove(2);
        assert_eq!(check(inbound(missing), 1_700_000_000), Err(RequestError::MissingHeader(NONCE_HEADER.into())));
        let mut repeated = headers.clone();
        repeated.push(Header::new("x-paywit-signature", "00"));
        assert_eq!(
            check(inbound(repeated), 1_700_000_000),
            Err(RequestError::MalformedHeader(SIGNATURE_HEADER.into()))
        );
        let mut bad_ts = headers.clone();
        bad_ts[1].value = "-5".into();
        assert_eq!(check(inbound(bad_ts), 1_700_000_000), Err(RequestError::MalformedHeader(TIMESTAMP_HEADER.into())));
    }

    #[test]
    fn nonces_and_keys_are_validated() {
        let mut short = outbound();
        short.nonce = "short".into();
        assert_eq!(sign_request("key_1", "s", &short), Err(RequestError::InvalidNonce));
        assert_eq!(sign_request("", "s", &outbound()), Err(RequestError::UnusableSecret));
        assert_eq!(sign_request("key 1", "s", &outbound()), Err(RequestError::UnusableSecret));
        assert_eq!(sign_request("key_1", "", &outbound()), Err(RequestError::UnusableSecret));
        assert!(!format!("{:?}", secrets()).contains("s3cret"));
    }
}
