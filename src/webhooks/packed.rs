//! `verify-packed`: every argument of `verify-fields` in one byte buffer, so a
//! host whose every call into the component is costly makes one allocation,
//! one call and one post-return per verification (see wit/webhooks.wit).
//!
//! Layout, little-endian; `str` is a u32 byte length then that many UTF-8
//! bytes, `blob` the same for any bytes:
//!
//! ```text
//! head, version 1: u8 1 | scheme | u32 secret count | str secret...
//! head, version 2: u8 2 | scheme | u32 key count | (u8 kind | blob key)...
//!   (from `prepare-packed`: kind 0 an HMAC key's two hash states, 1 an Ed25519 public key)
//! scheme: u8 scheme (the WIT variant's case index)
//!         [hmac only: u8 algorithm | u8 encoding | str header | u8 has-prefix | [str prefix]]
//! then:   str fields | u8 body kind (0 text, 1 bytes) | blob body
//!         u8 has-url | [str url] | i64 now | u8 has-tolerance | [u32 tolerance]
//! ```
//!
//! A buffer that does not follow it gives `malformed-header` with an empty name
//! (the answer a field block a host cannot use gets, so hosts fall back to
//! `verify`), never a trap.

use ed25519_dalek::VerifyingKey;

use super::keys::Key;
use super::{check_secret_count, headers, mac, mac_algorithm, verification_keys, verify_fields, verify_fields_with};
use super::{HashAlgorithm, HmacScheme, Scheme, SignatureEncoding, Verified, VerifyError, VerifyOptions};
use crate::types::{Body, Header};

/// The layout with the secrets as strings.
pub const VERSION: u8 = 1;
/// The layout with prepared keys (`prepare-packed`).
pub const PREPARED_VERSION: u8 = 2;
const KEY_MAC: u8 = 0;
const KEY_ED25519_PUBLIC: u8 = 1;

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4).map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
    }
    fn i64(&mut self) -> Option<i64> {
        self.take(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
    }
    fn blob(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn str(&mut self) -> Option<String> {
        std::str::from_utf8(self.blob()?).ok().map(str::to_string)
    }
}

fn malformed(reason: &str) -> VerifyError {
    headers::malformed("", &format!("packed request: {reason}"))
}

/// Verifies a packed request (see the module docs).
pub fn verify_packed(packed: &[u8]) -> Result<Verified, VerifyError> {
    let mut r = Reader { bytes: packed };
    let version = r.u8();
    if version != Some(VERSION) && version != Some(PREPARED_VERSION) {
        return Err(malformed("unknown layout version"));
    }
    let scheme = scheme(&mut r).ok_or_else(|| malformed("bad scheme"))?;
    let count = r.u32().ok_or_else(|| malformed("truncated"))? as usize;
    // Checked before anything is read for the secrets: the answer verify-fields gives first.
    check_secret_count(count).map_err(VerifyError::LimitExceeded)?;
    let mut secrets = Vec::new();
    let mut keys = Vec::new();
    for _ in 0..count {
        if version == Some(VERSION) {
            secrets.push(r.str().ok_or_else(|| malformed("bad secret"))?);
        } else {
            keys.push(prepared_key(&mut r, &scheme).ok_or_else(|| malformed("bad prepared key"))?);
        }
    }
    let fields = r.str().ok_or_else(|| malformed("bad field block"))?;
    let body = match (r.u8(), r.blob()) {
        (Some(0), Some(text)) => Body::Text(std::str::from_utf8(text).map_err(|_| malformed("bad text body"))?.into()),
        (Some(1), Some(bytes)) => Body::Bytes(bytes.to_vec()),
        _ => return Err(malformed("bad body")),
    };
    let url = match r.u8() {
        Some(0) => None,
        Some(1) => Some(r.str().ok_or_else(|| malformed("bad url"))?),
        _ => return Err(malformed("bad url")),
    };
    let now = r.i64().ok_or_else(|| malformed("truncated"))?;
    let tolerance_seconds = match r.u8() {
        Some(0) => None,
        Some(1) => Some(r.u32().ok_or_else(|| malformed("truncated"))?),
        _ => return Err(malformed("bad tolerance")),
    };
    if !r.bytes.is_empty() {
        return Err(malformed("trailing bytes"));
    }
    let options = VerifyOptions { now, tolerance_seconds };
    if version == Some(VERSION) {
        return verify_fields(&scheme, &secrets, &fields, body, url, options);
    }
    verify_fields_with(&scheme, count, || Ok(keys), &fields, body, url, options)
}

fn prepared_key(r: &mut Reader<'_>, scheme: &Scheme) -> Option<Key> {
    let kind = r.u8()?;
    let bytes = r.blob()?;
    match kind {
        KEY_MAC => mac::Prepared::from_bytes(mac_algorithm(scheme), bytes).map(Key::PreparedMac),
        KEY_ED25519_PUBLIC => VerifyingKey::from_bytes(bytes.try_into().ok()?).ok().map(Key::Ed25519Public),
        _ => None,
    }
}

/// A version-2 head for `scheme` and `secrets`: the secrets checked as `verify` checks them
/// (count, then each), each HMAC key prepared (`mac::Prepared`), each Ed25519 key as its
/// public half. As secret as the secrets.
pub fn prepare_packed(scheme: &Scheme, secrets: &[String]) -> Result<Vec<u8>, VerifyError> {
    check_secret_count(secrets.len()).map_err(VerifyError::LimitExceeded)?;
    if secrets.is_empty() {
        return Err(VerifyError::NoSecrets);
    }
    let keys = verification_keys(scheme, secrets)?;
    let mut out = vec![PREPARED_VERSION];
    pack_scheme(&mut out, scheme);
    out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    let mut key_bytes = Vec::new();
    for key in &keys {
        key_bytes.clear();
        let kind = match key {
            Key::Mac(secret) => {
                mac::Prepared::new(mac_algorithm(scheme), secret).to_bytes(&mut key_bytes);
                KEY_MAC
            }
            Key::PreparedMac(prepared) => {
                prepared.to_bytes(&mut key_bytes);
                KEY_MAC
            }
            Key::Ed25519Public(public) => {
                key_bytes.extend_from_slice(public.as_bytes());
                KEY_ED25519_PUBLIC
            }
            Key::Ed25519Signing(signing) => {
                key_bytes.extend_from_slice(signing.verifying_key().as_bytes());
                KEY_ED25519_PUBLIC
            }
        };
        out.push(kind);
        put_blob(&mut out, &key_bytes);
    }
    Ok(out)
}

fn scheme(r: &mut Reader<'_>) -> Option<Scheme> {
    let index = r.u8()? as usize;
    if index == 0 {
        let algorithm =
            [HashAlgorithm::Sha256, HashAlgorithm::Sha512, HashAlgorithm::Sha1].get(r.u8()? as usize).copied()?;
        let encoding = [SignatureEncoding::Hex, SignatureEncoding::Base64].get(r.u8()? as usize).copied()?;
        let header = r.str()?;
        let prefix = match r.u8()? {
            0 => None,
            1 => Some(r.str()?),
            _ => return None,
        };
        return Some(Scheme::Hmac(HmacScheme { header, algorithm, encoding, prefix }));
    }
    BUILT_IN.get(index.checked_sub(1)?).cloned()
}

/// The payload-free schemes in the WIT variant's case order (case 0 is `hmac`). A table,
/// not `catalog::schemes()`, which builds every description: that took 2.4 us a call.
const BUILT_IN: [Scheme; 11] = [
    Scheme::StandardWebhooks,
    Scheme::Stripe,
    Scheme::Github,
    Scheme::Shopify,
    Scheme::CoinbaseCommerce,
    Scheme::Btcpay,
    Scheme::Razorpay,
    Scheme::Slack,
    Scheme::Paddle,
    Scheme::Square,
    Scheme::Nowpayments,
];

fn put_blob(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn pack_scheme(out: &mut Vec<u8>, scheme: &Scheme) {
    let index = BUILT_IN.iter().position(|built_in| built_in == scheme).map_or(0, |i| i + 1);
    out.push(index as u8);
    if let Scheme::Hmac(h) = scheme {
        out.push(match h.algorithm {
            HashAlgorithm::Sha256 => 0,
            HashAlgorithm::Sha512 => 1,
            HashAlgorithm::Sha1 => 2,
        });
        out.push(match h.encoding {
            SignatureEncoding::Hex => 0,
            SignatureEncoding::Base64 => 1,
        });
        put_blob(out, h.header.as_bytes());
        match &h.prefix {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                put_blob(out, p.as_bytes());
            }
        }
    }
}

/// The headers as the HTTP/1.1-style field block `verify-fields` and `verify-packed` take
/// (`name: value` lines, each ended by CRLF, in order), or `None` when a block might not
/// carry them exactly: a CR or LF anywhere, or a `:` in a name. Every host's encoder does
/// the same (`conformance/golden/verify-packed.json` checks them byte for byte); a name a
/// block still cannot carry makes the component answer `malformed-header` with an empty
/// name, and the host then calls `verify` with the header list.
pub fn field_block(headers: &[Header]) -> Option<String> {
    let mut fields = String::with_capacity(headers.iter().map(|h| h.name.len() + h.value.len() + 4).sum());
    for header in headers {
        let breaks_line = |text: &str| text.contains(['\r', '\n']);
        if breaks_line(&header.name) || breaks_line(&header.value) || header.name.contains(':') {
            return None;
        }
        fields.push_str(&header.name);
        fields.push_str(": ");
        fields.push_str(&header.value);
        fields.push_str("\r\n");
    }
    Some(fields)
}

/// Packs a request (the hosts' encoder, written here for tests and the Rust host).
pub fn pack(
    scheme: &Scheme,
    secrets: &[String],
    fields: &str,
    body: &Body,
    url: Option<&str>,
    options: VerifyOptions,
) -> Vec<u8> {
    let mut out = vec![VERSION];
    pack_scheme(&mut out, scheme);
    out.extend_from_slice(&(secrets.len() as u32).to_le_bytes());
    for s in secrets {
        put_blob(&mut out, s.as_bytes());
    }
    pack_delivery(&mut out, fields, body, url, options);
    out
}

/// Appends a delivery to a head (version 1 from [`pack`]'s start, or 2 from [`prepare_packed`]).
pub fn pack_delivery(out: &mut Vec<u8>, fields: &str, body: &Body, url: Option<&str>, options: VerifyOptions) {
    put_blob(out, fields.as_bytes());
    out.push(matches!(body, Body::Bytes(_)) as u8);
    put_blob(out, body.as_bytes());
    match url {
        None => out.push(0),
        Some(u) => {
            out.push(1);
            put_blob(out, u.as_bytes());
        }
    }
    out.extend_from_slice(&options.now.to_le_bytes());
    match options.tolerance_seconds {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            out.extend_from_slice(&t.to_le_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_table_follows_the_catalog_order() {
        let catalog: Vec<Scheme> = super::super::catalog::schemes().into_iter().map(|info| info.scheme).collect();
        assert!(matches!(catalog[0], Scheme::Hmac(_)));
        assert_eq!(&catalog[1..], &BUILT_IN[..]);
    }
}
