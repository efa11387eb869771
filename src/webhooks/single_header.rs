//! Schemes with one signature header and no timestamp: GitHub, Shopify,
//! Coinbase Commerce, BTCPay, Razorpay, Square (URL + body), NOWPayments
//! (canonical JSON) and any generic `hmac` scheme.

use std::borrow::Cow;

use super::keys::Key;
use super::{
    headers, mac, Delivery, HashAlgorithm, Header, Message, Request, Scheme, SignError, Signature, SignatureEncoding,
    VerifyError,
};
use crate::canonical_json;
use crate::encoding::{base64_decode_strict, base64_encode, hex_decode, hex_lower};

/// What is signed besides the header layout.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    /// The raw body.
    RawBody,
    /// The notification URL followed by the raw body (Square).
    UrlThenBody,
    /// The body as canonical JSON (NOWPayments).
    CanonicalJson,
}

/// The layout of a single-header scheme.
pub(super) struct Spec<'a> {
    pub header: &'a str,
    pub algorithm: HashAlgorithm,
    pub encoding: SignatureEncoding,
    pub prefix: &'a str,
    pub content: Content,
}

const fn builtin(
    header: &'static str,
    algorithm: HashAlgorithm,
    encoding: SignatureEncoding,
    prefix: &'static str,
    content: Content,
) -> Spec<'static> {
    Spec { header, algorithm, encoding, prefix, content }
}

/// The layout of every scheme handled here.
pub(super) fn spec(scheme: &Scheme) -> Spec<'_> {
    use HashAlgorithm::*;
    use SignatureEncoding::*;
    match scheme {
        Scheme::Hmac(custom) => Spec {
            header: &custom.header,
            algorithm: custom.algorithm,
            encoding: custom.encoding,
            prefix: custom.prefix.as_deref().unwrap_or(""),
            content: Content::RawBody,
        },
        Scheme::Github => builtin("X-Hub-Signature-256", Sha256, Hex, "sha256=", Content::RawBody),
        Scheme::Shopify => builtin("X-Shopify-Hmac-Sha256", Sha256, Base64, "", Content::RawBody),
        Scheme::CoinbaseCommerce => builtin("X-CC-Webhook-Signature", Sha256, Hex, "", Content::RawBody),
        Scheme::Btcpay => builtin("BTCPay-Sig", Sha256, Hex, "sha256=", Content::RawBody),
        Scheme::Razorpay => builtin("X-Razorpay-Signature", Sha256, Hex, "", Content::RawBody),
        Scheme::Square => builtin("x-square-hmacsha256-signature", Sha256, Base64, "", Content::UrlThenBody),
        Scheme::Nowpayments => builtin("x-nowpayments-sig", Sha512, Hex, "", Content::CanonicalJson),
        Scheme::StandardWebhooks | Scheme::Stripe | Scheme::Slack | Scheme::Paddle => {
            unreachable!("timestamped schemes have their own modules")
        }
    }
}

/// The signed content, or which input is missing or malformed.
fn content<'a>(spec: &Spec<'_>, body: &'a [u8], url: Option<&'a str>) -> Result<Vec<Cow<'a, [u8]>>, ContentError> {
    Ok(match spec.content {
        Content::RawBody => vec![Cow::Borrowed(body)],
        Content::UrlThenBody => {
            let url = url.ok_or(ContentError::MissingUrl)?;
            vec![Cow::Borrowed(url.as_bytes()), Cow::Borrowed(body)]
        }
        Content::CanonicalJson => {
            vec![Cow::Owned(canonical_json::canonicalize(body).map_err(ContentError::MalformedBody)?.into_bytes())]
        }
    })
}

enum ContentError {
    MissingUrl,
    MalformedBody(String),
}

/// Parses the one header and builds the signed content.
pub(super) fn parse<'a>(spec: &Spec<'_>, request: &'a Request) -> Result<Delivery<'a>, VerifyError> {
    let value = headers::require(&request.headers, spec.header)?;
    let encoded = value
        .strip_prefix(spec.prefix)
        .ok_or_else(|| headers::malformed(spec.header, &format!("expected the prefix {:?}", spec.prefix)))?;
    let decoded = match spec.encoding {
        SignatureEncoding::Hex => {
            hex_decode(encoded).ok_or_else(|| headers::malformed(spec.header, "signature is not hex"))
        }
        SignatureEncoding::Base64 => base64_decode_strict(encoded)
            .ok_or_else(|| headers::malformed(spec.header, "signature is not canonical padded base64")),
    }?;
    let content = content(spec, request.body.as_bytes(), request.url.as_deref()).map_err(|error| match error {
        ContentError::MissingUrl => VerifyError::MissingUrl,
        ContentError::MalformedBody(reason) => VerifyError::MalformedBody(reason),
    })?;
    Ok(Delivery {
        content,
        signatures: vec![Signature::Mac(decoded)],
        timestamp: None,
        default_tolerance: 0,
        message_id: None,
        algorithm: spec.algorithm,
    })
}

/// Signs into the one header.
pub(super) fn sign(spec: &Spec<'_>, key: &Key, message: &Message) -> Result<Vec<Header>, SignError> {
    let Key::Mac(secret) = key else { unreachable!("single-header schemes use HMAC keys") };
    let content = content(spec, message.body.as_bytes(), message.url.as_deref()).map_err(|error| match error {
        ContentError::MissingUrl => SignError::MissingField("url".into()),
        ContentError::MalformedBody(reason) => SignError::MalformedBody(reason),
    })?;
    let mac = mac::compute(spec.algorithm, secret, &content);
    let encoded = match spec.encoding {
        SignatureEncoding::Hex => hex_lower(&mac),
        SignatureEncoding::Base64 => base64_encode(&mac),
    };
    Ok(vec![Header::new(spec.header, format!("{}{encoded}", spec.prefix))])
}
