//! `verify-packed`: every argument of `verify-fields` in one byte buffer, so a
//! host whose every call into the component is costly makes one allocation,
//! one call and one post-return per verification (see wit/webhooks.wit).
//!
//! Layout, little-endian; `str` is a u32 byte length then that many UTF-8
//! bytes, `blob` the same for any bytes:
//!
//! ```text
//! u8 version (1) | u8 scheme (the WIT variant's case index)
//! [hmac only: u8 algorithm | u8 encoding | str header | u8 has-prefix | [str prefix]]
//! u32 secret count | str secret...
//! str fields | u8 body kind (0 text, 1 bytes) | blob body
//! u8 has-url | [str url] | i64 now | u8 has-tolerance | [u32 tolerance]
//! ```
//!
//! A buffer that does not follow it gives `malformed-header` with an empty name
//! (the answer a field block a host cannot use gets, so hosts fall back to
//! `verify`), never a trap.

use super::{catalog, headers, verify_fields, HashAlgorithm, HmacScheme, Scheme, SignatureEncoding};
use super::{Verified, VerifyError, VerifyOptions};
use crate::types::Body;

/// The one layout version.
pub const VERSION: u8 = 1;

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
    if r.u8() != Some(VERSION) {
        return Err(malformed("unknown layout version"));
    }
    let scheme = scheme(&mut r).ok_or_else(|| malformed("bad scheme"))?;
    let count = r.u32().ok_or_else(|| malformed("truncated"))?;
    let secrets =
        (0..count).map(|_| r.str()).collect::<Option<Vec<String>>>().ok_or_else(|| malformed("bad secret"))?;
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
    verify_fields(&scheme, &secrets, &fields, body, url, VerifyOptions { now, tolerance_seconds })
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
    catalog::schemes().into_iter().nth(index).map(|info| info.scheme)
}

/// Packs a request (the hosts' encoder, written here for tests and the Rust host).
#[allow(clippy::too_many_arguments)]
pub fn pack(
    scheme: &Scheme,
    secrets: &[String],
    fields: &str,
    body: &Body,
    url: Option<&str>,
    options: VerifyOptions,
) -> Vec<u8> {
    let mut out = vec![VERSION];
    let str_ = |out: &mut Vec<u8>, bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(bytes);
    };
    let index = catalog::schemes().iter().position(|info| info.scheme.name() == scheme.name()).unwrap_or(0);
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
        str_(&mut out, h.header.as_bytes());
        match &h.prefix {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                str_(&mut out, p.as_bytes());
            }
        }
    }
    out.extend_from_slice(&(secrets.len() as u32).to_le_bytes());
    for s in secrets {
        str_(&mut out, s.as_bytes());
    }
    str_(&mut out, fields.as_bytes());
    out.push(matches!(body, Body::Bytes(_)) as u8);
    str_(&mut out, body.as_bytes());
    match url {
        None => out.push(0),
        Some(u) => {
            out.push(1);
            str_(&mut out, u.as_bytes());
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
    out
}
