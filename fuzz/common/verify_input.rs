//! The byte format of the `verify` fuzz target's input, shared by the target and
//! by `cargo xtask`'s seeding (which includes this file with `#[path]`), so the
//! seeds written from the conformance vectors decode to deliveries that verify.
//!
//! Format: one selector byte (which scheme), then fields separated by 0xff (a
//! byte UTF-8 never contains): the secret, the URL (empty: none), one value per
//! header of the scheme in [`header_names`] order, then the body, which is the
//! rest of the input as it is (0xff included).

use paywit::encoding::{base64_decode_secret, base64_encode};
use paywit::types::{Body, Header};
use paywit::webhooks::{self, HashAlgorithm, HmacScheme, Request, Scheme, SignatureEncoding};

/// Separates the fields of an input.
pub const SEPARATOR: u8 = 0xff;

/// Every built-in scheme (their own order), then the two generic HMAC
/// configurations the derived vectors use besides the guide's example.
pub fn schemes() -> Vec<Scheme> {
    let mut all: Vec<Scheme> = webhooks::schemes().into_iter().map(|i| i.scheme).collect();
    all.push(Scheme::Hmac(HmacScheme {
        header: "X-Sig".into(),
        algorithm: HashAlgorithm::Sha512,
        encoding: SignatureEncoding::Base64,
        prefix: Some("sha512=".into()),
    }));
    all.push(Scheme::Hmac(HmacScheme {
        header: "X-Sig-1".into(),
        algorithm: HashAlgorithm::Sha1,
        encoding: SignatureEncoding::Hex,
        prefix: None,
    }));
    all
}

/// The headers whose values an input carries for `scheme`, in order.
pub fn header_names(scheme: &Scheme) -> Vec<String> {
    match scheme {
        Scheme::Hmac(hmac) => vec![hmac.header.clone()],
        _ => webhooks::schemes().into_iter().find(|i| &i.scheme == scheme).map(|i| i.headers).unwrap_or_default(),
    }
}

/// A decoded input: the scheme, the one secret and the delivery.
pub struct Input {
    /// The scheme.
    pub scheme: Scheme,
    /// The secret to verify with.
    pub secret: String,
    /// The delivery.
    pub request: Request,
}

/// Decodes fuzz bytes into an input (`None` for an empty input).
pub fn decode(data: &[u8]) -> Option<Input> {
    let all = schemes();
    let (&selector, rest) = data.split_first()?;
    let scheme = all[selector as usize % all.len()].clone();
    let names = header_names(&scheme);
    let mut fields = rest.splitn(names.len() + 3, |b| *b == SEPARATOR);
    let text = |bytes: Option<&[u8]>| String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned();
    let secret = text(fields.next());
    let url = Some(text(fields.next())).filter(|u| !u.is_empty());
    let headers = names.iter().map(|name| Header::new(name.clone(), text(fields.next()))).collect();
    let body = fields.next().unwrap_or_default().to_vec();
    Some(Input { scheme, secret, request: Request { headers, body: Body::Bytes(body), url } })
}

/// Encodes an input: `values` are the header values in [`header_names`] order.
pub fn encode(selector: u8, secret: &str, url: Option<&str>, values: &[&str], body: &[u8]) -> Vec<u8> {
    let mut out = vec![selector];
    out.extend_from_slice(secret.as_bytes());
    out.push(SEPARATOR);
    out.extend_from_slice(url.unwrap_or("").as_bytes());
    for value in values {
        out.push(SEPARATOR);
        out.extend_from_slice(value.as_bytes());
    }
    out.push(SEPARATOR);
    out.extend_from_slice(body);
    out
}

/// A well-formed secret of the same kind that is not `secret`: the same
/// format (so the scheme accepts it as a key) with different key bytes, so a
/// delivery that verified under `secret` must fail its MAC or signature.
pub fn other_secret(scheme: &Scheme, secret: &str) -> String {
    if matches!(scheme, Scheme::StandardWebhooks) {
        for prefix in ["whsk_", "whpk_", "whsec_", ""] {
            let Some(encoded) = secret.strip_prefix(prefix) else { continue };
            let Some(mut bytes) = base64_decode_secret(encoded) else { break };
            if prefix == "whpk_" {
                // Another valid public key: one derived from a fixed seed.
                let pair = webhooks::new_signing_key_pair(&[if bytes.first() == Some(&1) { 2 } else { 1 }; 32]);
                return pair.public_key;
            }
            if let Some(first) = bytes.first_mut() {
                *first ^= 0x01;
            }
            let prefix = if prefix.is_empty() { "whsec_" } else { prefix };
            return format!("{prefix}{}", base64_encode(&bytes));
        }
    }
    let first = secret.chars().next().map_or(0, char::len_utf8);
    let replacement = if secret.starts_with('a') { "b" } else { "a" };
    format!("{replacement}{}", &secret[first..])
}
