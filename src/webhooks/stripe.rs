//! Stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=<hex>...]` over `{t}.{body}`.

use std::borrow::Cow;

use super::keys::Key;
use super::{
    check_signed_at, headers, mac, parse_timestamp, Candidates, Delivery, HashAlgorithm, Header, Message, Request,
    SignError, Signature, VerifyError,
};
use crate::encoding::{hex_decode, hex_lower};

const HEADER: &str = "Stripe-Signature";
/// Default replay window; unlike Stripe's SDKs paywit checks it both ways.
pub(super) const DEFAULT_TOLERANCE: u32 = 300;

/// Parses `t=` (exactly one, strict integer) and every `v1=`; other schemes
/// such as `v0=` are ignored. Every item must be `key=value`. A `v1` that is
/// not hex is a candidate that matches nothing, as in Stripe's SDKs; a header
/// whose every `v1` is undecodable is malformed.
pub(super) fn parse(request: &Request) -> Result<Delivery<'_>, VerifyError> {
    let value = headers::require(&request.headers, HEADER)?;
    let mut timestamp = None;
    let mut candidates = Candidates::default();
    for item in value.split(',') {
        let (key, field) = item.split_once('=').ok_or_else(|| headers::malformed(HEADER, "item without '='"))?;
        match key {
            "t" if timestamp.is_some() => return Err(headers::malformed(HEADER, "more than one t=")),
            "t" => timestamp = Some(parse_timestamp(HEADER, field)?),
            "v1" => candidates
                .push(hex_decode(field).map(Signature::Mac), || headers::malformed(HEADER, "v1 signature is not hex")),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| headers::malformed(HEADER, "no t= timestamp"))?;
    let signatures = candidates.into_signatures()?;
    Ok(Delivery {
        content: vec![
            Cow::Owned(timestamp.to_string().into_bytes()),
            Cow::Borrowed(b"."),
            Cow::Borrowed(request.body.as_bytes()),
        ],
        signatures,
        timestamp: Some(timestamp),
        default_tolerance: DEFAULT_TOLERANCE,
        message_id: None,
        algorithm: HashAlgorithm::Sha256,
    })
}

/// Signs as Stripe does: one `v1` for the given secret.
pub(super) fn sign(key: &Key, message: &Message) -> Result<Vec<Header>, SignError> {
    check_signed_at(message)?;
    let Key::Mac(secret) = key else { unreachable!("Stripe keys are HMAC keys") };
    let timestamp = message.signed_at.to_string();
    let mac = mac::compute(HashAlgorithm::Sha256, secret, &[timestamp.as_bytes(), b".", message.body.as_bytes()]);
    Ok(vec![Header::new(HEADER, format!("t={timestamp},v1={}", hex_lower(&mac)))])
}
