//! Standard Webhooks (and Svix): `{id}.{timestamp}.{body}`, signed with
//! HMAC-SHA256 (`v1`) or Ed25519 (`v1a`), signatures space-separated.

use std::borrow::Cow;

use super::keys::{ed25519_sign, Key};
use super::{
    check_signed_at, headers, mac, parse_timestamp, Candidates, Delivery, HashAlgorithm, Header, Message, Request,
    SignError, Signature, VerifyError,
};
use crate::encoding::{base64_decode_strict, base64_encode};

/// Default replay window, both directions.
pub(super) const DEFAULT_TOLERANCE: u32 = 300;

/// The three header names of one family (`webhook-*` or Svix's `svix-*`).
struct HeaderNames {
    id: &'static str,
    timestamp: &'static str,
    signature: &'static str,
}

const STANDARD: HeaderNames =
    HeaderNames { id: "webhook-id", timestamp: "webhook-timestamp", signature: "webhook-signature" };
const SVIX: HeaderNames = HeaderNames { id: "svix-id", timestamp: "svix-timestamp", signature: "svix-signature" };

/// Parses the headers: `webhook-*` when `webhook-id` is present, else `svix-*`.
pub(super) fn parse(request: &Request) -> Result<Delivery<'_>, VerifyError> {
    let names = if headers::find(&request.headers, STANDARD.id)?.is_none()
        && headers::find(&request.headers, SVIX.id)?.is_some()
    {
        &SVIX
    } else {
        &STANDARD
    };
    let id = headers::require(&request.headers, names.id)?;
    let timestamp_text = headers::require(&request.headers, names.timestamp)?;
    let timestamp = parse_timestamp(names.timestamp, timestamp_text)?;
    let signature_header = headers::require(&request.headers, names.signature)?;

    // An undecodable entry matches nothing, as in the reference libraries; a header
    // with entries but none usable is malformed.
    let mut candidates = Candidates::default();
    for entry in signature_header.split(' ').filter(|entry| !entry.is_empty()) {
        let Some((version, encoded)) = entry.split_once(',') else {
            candidates.push(None, || headers::malformed(names.signature, "entry without a version prefix"));
            continue;
        };
        let not_base64 = || headers::malformed(names.signature, "signature is not canonical padded base64");
        match version {
            "v1" => candidates.push(base64_decode_strict(encoded).map(Signature::Mac), not_base64),
            "v1a" => candidates.push(base64_decode_strict(encoded).map(Signature::Ed25519), not_base64),
            _ => {} // other versions are skipped, as the spec says
        }
    }
    let signatures = candidates.into_signatures()?;
    Ok(Delivery {
        content: vec![
            Cow::Borrowed(id.as_bytes()),
            Cow::Borrowed(b"."),
            Cow::Owned(timestamp.to_string().into_bytes()),
            Cow::Borrowed(b"."),
            Cow::Borrowed(request.body.as_bytes()),
        ],
        signatures,
        timestamp: Some(timestamp),
        default_tolerance: DEFAULT_TOLERANCE,
        message_id: Some(id.to_string()),
        algorithm: HashAlgorithm::Sha256,
    })
}

/// Signs with `v1` (a symmetric key) or `v1a` (a `whsk_` signing key).
pub(super) fn sign(key: &Key, message: &Message) -> Result<Vec<Header>, SignError> {
    let id = message.id.as_deref().ok_or_else(|| SignError::MissingField("id".into()))?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_graphic() && b != b'.') {
        return Err(SignError::InvalidField {
            field: "id".into(),
            reason: "must be non-empty visible ASCII without '.'".into(),
        });
    }
    check_signed_at(message)?;
    let timestamp = message.signed_at.to_string();
    let content: [&[u8]; 5] = [id.as_bytes(), b".", timestamp.as_bytes(), b".", message.body.as_bytes()];
    let signature = match key {
        Key::Mac(secret) => format!("v1,{}", base64_encode(&mac::compute(HashAlgorithm::Sha256, secret, &content))),
        Key::PreparedMac(prepared) => format!("v1,{}", base64_encode(&prepared.compute(&content))),
        Key::Ed25519Signing(signing) => {
            format!("v1a,{}", base64_encode(&ed25519_sign(signing, &content)))
        }
        Key::Ed25519Public(_) => unreachable!("signing_key refuses public keys"),
    };
    Ok(vec![
        Header::new(STANDARD.id, id),
        Header::new(STANDARD.timestamp, timestamp),
        Header::new(STANDARD.signature, signature),
    ])
}
