//! Secrets turned into keys, and the constant-time search for a matching one.

use ed25519_dalek::{Signature as Ed25519Signature, SigningKey, VerifyingKey};
use subtle::ConstantTimeEq;

use super::{mac, Delivery, Scheme, SecretProblem, Signature};
use crate::encoding::base64_decode_secret;
use crate::limits::{MAX_SECRET_BYTES, MIN_DECODED_SECRET_BYTES};

/// Standard Webhooks symmetric secret prefix (base64 key follows).
pub(super) const SYMMETRIC_PREFIX: &str = "whsec_";
/// Standard Webhooks v1a signing-key prefix (base64 32-byte seed follows).
pub(super) const SIGNING_KEY_PREFIX: &str = "whsk_";
/// Standard Webhooks v1a public-key prefix (base64 32-byte key follows).
pub(super) const PUBLIC_KEY_PREFIX: &str = "whpk_";

/// Key material ready for use. Deliberately not `Debug`: it holds secrets.
// A few live per verification, inline in one Vec: boxing would add an allocation per key per call.
#[allow(clippy::large_enum_variant)]
pub(super) enum Key {
    /// An HMAC key.
    Mac(Vec<u8>),
    /// An HMAC key prepared once (`prepare-packed`): its padded blocks already hashed.
    PreparedMac(mac::Prepared),
    /// A Standard Webhooks v1a public key (verifies only).
    Ed25519Public(VerifyingKey),
    /// A Standard Webhooks v1a signing key (signs, and verifies with its public half).
    Ed25519Signing(SigningKey),
}

/// The key a secret stands for when verifying with `scheme`.
pub(super) fn verification_key(scheme: &Scheme, secret: &str) -> Result<Key, SecretProblem> {
    if secret.len() > MAX_SECRET_BYTES {
        return Err(SecretProblem::TooLong);
    }
    match scheme {
        Scheme::StandardWebhooks => standard_webhooks_key(secret),
        // Every other scheme uses the secret's UTF-8 bytes as they are, including
        // Stripe's `whsec_` prefix: never auto-detect base64 by prefix.
        _ if secret.is_empty() => Err(SecretProblem::Empty),
        _ => Ok(Key::Mac(secret.as_bytes().to_vec())),
    }
}

/// The key a secret stands for when signing with `scheme`.
pub(super) fn signing_key(scheme: &Scheme, secret: &str) -> Result<Key, SecretProblem> {
    match verification_key(scheme, secret)? {
        Key::Ed25519Public(_) => Err(SecretProblem::WrongKeyKind),
        key => Ok(key),
    }
}

fn standard_webhooks_key(secret: &str) -> Result<Key, SecretProblem> {
    if let Some(encoded) = secret.strip_prefix(SIGNING_KEY_PREFIX) {
        return Ok(Key::Ed25519Signing(SigningKey::from_bytes(&ed25519_bytes(encoded)?)));
    }
    if let Some(encoded) = secret.strip_prefix(PUBLIC_KEY_PREFIX) {
        let bytes = ed25519_bytes(encoded)?;
        return VerifyingKey::from_bytes(&bytes).map(Key::Ed25519Public).map_err(|_| SecretProblem::WrongKeyLength);
    }
    let encoded = secret.strip_prefix(SYMMETRIC_PREFIX).unwrap_or(secret);
    if encoded.is_empty() {
        return Err(SecretProblem::Empty);
    }
    let key = base64_decode_secret(encoded).ok_or(SecretProblem::BadEncoding)?;
    if key.len() < MIN_DECODED_SECRET_BYTES {
        return Err(SecretProblem::TooShort);
    }
    Ok(Key::Mac(key))
}

fn ed25519_bytes(encoded: &str) -> Result<[u8; 32], SecretProblem> {
    if encoded.is_empty() {
        return Err(SecretProblem::Empty);
    }
    let bytes = base64_decode_secret(encoded).ok_or(SecretProblem::BadEncoding)?;
    bytes.try_into().map_err(|_| SecretProblem::WrongKeyLength)
}

/// The index of the first key that matches any candidate signature.
///
/// Each MAC is computed once per key and compared with every candidate in
/// constant time; a candidate of the wrong length simply does not match (the
/// MAC length is public, so this reveals nothing).
pub(super) fn find_match(keys: &[Key], delivery: &Delivery<'_>) -> Option<usize> {
    let mut joined: Option<Vec<u8>> = None;
    keys.iter().position(|key| match key {
        Key::Mac(secret) => mac_matches(&mac::compute(delivery.algorithm, secret, &delivery.content), delivery),
        Key::PreparedMac(prepared) => {
            prepared.algorithm() == delivery.algorithm && mac_matches(&prepared.compute(&delivery.content), delivery)
        }
        Key::Ed25519Public(public) => ed25519_matches(public, delivery, &mut joined),
        Key::Ed25519Signing(signing) => ed25519_matches(&signing.verifying_key(), delivery, &mut joined),
    })
}

fn mac_matches(expected: &[u8], delivery: &Delivery<'_>) -> bool {
    let mut found = subtle::Choice::from(0u8);
    for signature in &delivery.signatures {
        if let Signature::Mac(candidate) = signature {
            if candidate.len() == expected.len() {
                found |= candidate.as_slice().ct_eq(expected);
            }
        }
    }
    bool::from(found)
}

fn ed25519_matches(public: &VerifyingKey, delivery: &Delivery<'_>, joined: &mut Option<Vec<u8>>) -> bool {
    let message = joined.get_or_insert_with(|| delivery.content.concat());
    delivery.signatures.iter().any(|signature| match signature {
        Signature::Ed25519(bytes) => {
            Ed25519Signature::from_slice(bytes).map(|sig| public.verify_strict(message, &sig).is_ok()).unwrap_or(false)
        }
        Signature::Mac(_) => false,
    })
}

/// Signs `content` with an Ed25519 signing key.
pub(super) fn ed25519_sign(key: &SigningKey, content: &[&[u8]]) -> Vec<u8> {
    use ed25519_dalek::Signer as _;
    key.sign(&content.concat()).to_bytes().to_vec()
}
