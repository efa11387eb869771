//! Slack (`v0:{ts}:{body}`) and Paddle Billing (`{ts}:{body}`): timestamped
//! HMAC-SHA256 schemes with a hex signature.

use std::borrow::Cow;

use super::keys::Key;
use super::{
    check_signed_at, headers, mac, parse_timestamp, Candidates, Delivery, HashAlgorithm, Header, Message, Request,
    SignError, Signature, VerifyError,
};
use crate::encoding::{hex_decode, hex_lower};

const SLACK_SIGNATURE: &str = "X-Slack-Signature";
const SLACK_TIMESTAMP: &str = "X-Slack-Request-Timestamp";
/// Slack's replay window.
pub(super) const SLACK_TOLERANCE: u32 = 300;
const PADDLE_SIGNATURE: &str = "Paddle-Signature";
/// Paddle's own default window (its SDKs use 5 s); override with `tolerance-seconds`.
pub(super) const PADDLE_TOLERANCE: u32 = 5;

fn decode_hex_signature(header: &str, text: &str) -> Result<Signature, VerifyError> {
    hex_decode(text).map(Signature::Mac).ok_or_else(|| headers::malformed(header, "signature is not hex"))
}

fn mac_key(key: &Key) -> &[u8] {
    match key {
        Key::Mac(secret) => secret,
        _ => unreachable!("Slack and Paddle keys are HMAC keys"),
    }
}

/// Parses Slack's two headers.
pub(super) fn parse_slack(request: &Request) -> Result<Delivery<'_>, VerifyError> {
    let timestamp = parse_timestamp(SLACK_TIMESTAMP, headers::require(&request.headers, SLACK_TIMESTAMP)?)?;
    let signature = headers::require(&request.headers, SLACK_SIGNATURE)?;
    let hex = signature.strip_prefix("v0=").ok_or_else(|| headers::malformed(SLACK_SIGNATURE, "expected v0="))?;
    Ok(Delivery {
        content: vec![Cow::Owned(format!("v0:{timestamp}:").into_bytes()), Cow::Borrowed(request.body.as_bytes())],
        signatures: vec![decode_hex_signature(SLACK_SIGNATURE, hex)?],
        timestamp: Some(timestamp),
        default_tolerance: SLACK_TOLERANCE,
        message_id: None,
        algorithm: HashAlgorithm::Sha256,
    })
}

/// Signs as Slack does.
pub(super) fn sign_slack(key: &Key, message: &Message) -> Result<Vec<Header>, SignError> {
    check_signed_at(message)?;
    let prefix = format!("v0:{}:", message.signed_at);
    let mac = mac::compute(HashAlgorithm::Sha256, mac_key(key), &[prefix.as_bytes(), message.body.as_bytes()]);
    Ok(vec![
        Header::new(SLACK_TIMESTAMP, message.signed_at.to_string()),
        Header::new(SLACK_SIGNATURE, format!("v0={}", hex_lower(&mac))),
    ])
}

/// Parses `ts=<ts>;h1=<hex>[;h1=...]`; unknown keys are ignored. An `h1` that
/// is not hex matches nothing; a header whose every `h1` is undecodable is malformed.
pub(super) fn parse_paddle(request: &Request) -> Result<Delivery<'_>, VerifyError> {
    let value = headers::require(&request.headers, PADDLE_SIGNATURE)?;
    let mut timestamp = None;
    let mut candidates = Candidates::default();
    for item in value.split(';') {
        let (key, field) =
            item.split_once('=').ok_or_else(|| headers::malformed(PADDLE_SIGNATURE, "item without '='"))?;
        match key {
            "ts" if timestamp.is_some() => return Err(headers::malformed(PADDLE_SIGNATURE, "more than one ts=")),
            "ts" => timestamp = Some(parse_timestamp(PADDLE_SIGNATURE, field)?),
            "h1" => candidates.push(hex_decode(field).map(Signature::Mac), || {
                headers::malformed(PADDLE_SIGNATURE, "signature is not hex")
            }),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| headers::malformed(PADDLE_SIGNATURE, "no ts= timestamp"))?;
    let signatures = candidates.into_signatures()?;
    Ok(Delivery {
        content: vec![Cow::Owned(format!("{timestamp}:").into_bytes()), Cow::Borrowed(request.body.as_bytes())],
        signatures,
        timestamp: Some(timestamp),
        default_tolerance: PADDLE_TOLERANCE,
        message_id: None,
        algorithm: HashAlgorithm::Sha256,
    })
}

/// Signs as Paddle does.
pub(super) fn sign_paddle(key: &Key, message: &Message) -> Result<Vec<Header>, SignError> {
    check_signed_at(message)?;
    let prefix = format!("{}:", message.signed_at);
    let mac = mac::compute(HashAlgorithm::Sha256, mac_key(key), &[prefix.as_bytes(), message.body.as_bytes()]);
    Ok(vec![Header::new(PADDLE_SIGNATURE, format!("ts={};h1={}", message.signed_at, hex_lower(&mac)))])
}
