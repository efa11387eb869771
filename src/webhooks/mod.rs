//! Webhook signatures (`paywit:gateway/webhooks`): verify and sign every
//! supported gateway scheme.
//!
//! Flow of `verify`: check input limits, turn every secret into a [`keys::Key`]
//! (typed errors name the secret's index, never its value), let the scheme's
//! module parse its headers into a [`Delivery`] (the signed content as borrowed
//! parts, the candidate signatures, the timestamp), find a secret whose MAC or
//! Ed25519 signature matches in constant time, then check the replay window.

mod catalog;
mod headers;
mod keys;
pub(crate) mod mac;
mod packed;
mod single_header;
mod standard_webhooks;
mod stripe;
mod timestamped;

use std::borrow::Cow;
use std::fmt;

use crate::limits;
use crate::types::trim_ows;
pub use crate::types::{Body, Header};
pub use catalog::{new_secret, new_signing_key_pair, public_key, schemes, SchemeInfo, SigningKeyPair};
pub use packed::{field_block, pack, pack_delivery, prepare_packed, verify_packed};

/// The hash function of a generic HMAC scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA512.
    Sha512,
    /// HMAC-SHA1 (legacy senders only).
    Sha1,
}

/// How a signature is written into its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureEncoding {
    /// Hex, decoded case-insensitively.
    Hex,
    /// Standard padded base64, decoded strictly (canonical encodings only).
    Base64,
}

/// A raw-body HMAC carried in one header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HmacScheme {
    /// The header carrying the signature.
    pub header: String,
    /// The hash function.
    pub algorithm: HashAlgorithm,
    /// The signature encoding.
    pub encoding: SignatureEncoding,
    /// A literal prefix before the encoded MAC (e.g. `sha256=`).
    pub prefix: Option<String>,
}

/// A webhook signature scheme (see the WIT for each construction).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Any raw-body HMAC in one header.
    Hmac(HmacScheme),
    /// Standard Webhooks / Svix, v1 (HMAC-SHA256) and v1a (Ed25519).
    StandardWebhooks,
    /// Stripe `Stripe-Signature`.
    Stripe,
    /// GitHub `X-Hub-Signature-256`.
    Github,
    /// Shopify `X-Shopify-Hmac-Sha256`.
    Shopify,
    /// Coinbase Commerce `X-CC-Webhook-Signature`.
    CoinbaseCommerce,
    /// BTCPay Server `BTCPay-Sig`.
    Btcpay,
    /// Razorpay `X-Razorpay-Signature`.
    Razorpay,
    /// Slack `X-Slack-Signature` + `X-Slack-Request-Timestamp`.
    Slack,
    /// Paddle Billing `Paddle-Signature`.
    Paddle,
    /// Square `x-square-hmacsha256-signature` (signs URL + body).
    Square,
    /// NOWPayments `x-nowpayments-sig` (HMAC-SHA512 of canonical JSON).
    Nowpayments,
}

/// An incoming webhook delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// All headers of the delivery.
    pub headers: Vec<Header>,
    /// The raw body.
    pub body: Body,
    /// The URL as registered with the gateway (Square only).
    pub url: Option<String>,
}

/// Options for [`verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifyOptions {
    /// The current time in Unix seconds.
    pub now: i64,
    /// The replay window; `None` uses the scheme's default.
    pub tolerance_seconds: Option<u32>,
}

/// A delivery that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Index of the matching secret.
    pub secret_index: u32,
    /// The signed message id (Standard Webhooks).
    pub message_id: Option<String>,
    /// The signed timestamp, for timestamped schemes.
    pub signed_at: Option<i64>,
}

/// What to sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The body exactly as it will be sent.
    pub body: Body,
    /// The message id (Standard Webhooks).
    pub id: Option<String>,
    /// The signing time in Unix seconds.
    pub signed_at: i64,
    /// The destination URL (Square).
    pub url: Option<String>,
}

/// Why a secret cannot be used (the secret itself is never reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretProblem {
    /// Empty, or only a prefix.
    Empty,
    /// Not valid base64.
    BadEncoding,
    /// Decodes to fewer than 16 bytes.
    TooShort,
    /// Longer than 1024 bytes.
    TooLong,
    /// An Ed25519 key that is not 32 bytes or not a valid point.
    WrongKeyLength,
    /// A public key where a signing key is needed.
    WrongKeyKind,
}

/// Which side of the replay window a timestamp fell on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockDirection {
    /// Older than the window allows.
    Past,
    /// Further ahead than the window allows.
    Future,
}

/// Which input limit was exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// Body length in bytes.
    BodyBytes,
    /// Number of headers.
    HeaderCount,
    /// Length of one header (name plus value).
    HeaderBytes,
    /// Number of secrets.
    SecretCount,
    /// URL length.
    UrlBytes,
    /// Message id length.
    IdBytes,
}

/// An input larger than paywit accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitExceeded {
    /// What was too large.
    pub what: Limit,
    /// The maximum.
    pub max: u64,
    /// The size received.
    pub actual: u64,
}

/// Why a delivery did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// No secrets were given.
    NoSecrets,
    /// The secret at `index` cannot be used.
    UnusableSecret {
        /// Index into the secrets list.
        index: u32,
        /// What is wrong with it.
        problem: SecretProblem,
    },
    /// A required header is absent.
    MissingHeader(String),
    /// A header is malformed, or repeated with differing values.
    MalformedHeader {
        /// The header name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The scheme signs the URL but none was given.
    MissingUrl,
    /// The body cannot be canonicalised.
    MalformedBody(String),
    /// The timestamp is outside the replay window.
    TimestampOutsideTolerance {
        /// Seconds beyond the window.
        seconds_outside: u64,
        /// Past or future.
        direction: ClockDirection,
        /// The window applied.
        tolerance_seconds: u32,
    },
    /// No signature matches any secret.
    NoMatchingSignature,
    /// An input is too large.
    LimitExceeded(LimitExceeded),
}

/// Why a message could not be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignError {
    /// The secret cannot be used.
    UnusableSecret(SecretProblem),
    /// A field the scheme needs is absent.
    MissingField(String),
    /// A field holds a value the scheme cannot carry.
    InvalidField {
        /// The field name.
        field: String,
        /// Why.
        reason: String,
    },
    /// The body cannot be canonicalised.
    MalformedBody(String),
    /// An input is too large.
    LimitExceeded(LimitExceeded),
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::NoSecrets => write!(f, "no secrets were given"),
            VerifyError::UnusableSecret { index, problem } => {
                write!(f, "secret #{index} cannot be used: {problem:?}")
            }
            VerifyError::MissingHeader(name) => write!(f, "missing header {name}"),
            VerifyError::MalformedHeader { name, reason } => {
                write!(f, "malformed header {name}: {reason}")
            }
            VerifyError::MissingUrl => write!(f, "the scheme signs the URL, but none was given"),
            VerifyError::MalformedBody(reason) => write!(f, "malformed body: {reason}"),
            VerifyError::TimestampOutsideTolerance { seconds_outside, direction, tolerance_seconds } => write!(
                f,
                "timestamp {seconds_outside} s outside the {tolerance_seconds} s window ({})",
                if *direction == ClockDirection::Past { "too old" } else { "in the future" }
            ),
            VerifyError::NoMatchingSignature => write!(f, "no signature matches any secret"),
            VerifyError::LimitExceeded(limit) => write!(f, "{limit}"),
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::UnusableSecret(problem) => {
                write!(f, "the secret cannot be used: {problem:?}")
            }
            SignError::MissingField(field) => write!(f, "the scheme needs the message's {field}"),
            SignError::InvalidField { field, reason } => write!(f, "invalid {field}: {reason}"),
            SignError::MalformedBody(reason) => write!(f, "malformed body: {reason}"),
            SignError::LimitExceeded(limit) => write!(f, "{limit}"),
        }
    }
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is {} but at most {} is accepted", self.what, self.actual, self.max)
    }
}

impl VerifyError {
    /// The kebab-case name of the WIT case, stable across every host.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::NoSecrets => "no-secrets",
            VerifyError::UnusableSecret { .. } => "unusable-secret",
            VerifyError::MissingHeader(_) => "missing-header",
            VerifyError::MalformedHeader { .. } => "malformed-header",
            VerifyError::MissingUrl => "missing-url",
            VerifyError::MalformedBody(_) => "malformed-body",
            VerifyError::TimestampOutsideTolerance { .. } => "timestamp-outside-tolerance",
            VerifyError::NoMatchingSignature => "no-matching-signature",
            VerifyError::LimitExceeded(_) => "limit-exceeded",
        }
    }
}

impl Scheme {
    /// The scheme's kebab-case name, as in the WIT variant.
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Hmac(_) => "hmac",
            Scheme::StandardWebhooks => "standard-webhooks",
            Scheme::Stripe => "stripe",
            Scheme::Github => "github",
            Scheme::Shopify => "shopify",
            Scheme::CoinbaseCommerce => "coinbase-commerce",
            Scheme::Btcpay => "btcpay",
            Scheme::Razorpay => "razorpay",
            Scheme::Slack => "slack",
            Scheme::Paddle => "paddle",
            Scheme::Square => "square",
            Scheme::Nowpayments => "nowpayments",
        }
    }

    /// The built-in scheme with this name (`hmac` needs parameters, so it is not found here).
    pub fn from_name(name: &str) -> Option<Scheme> {
        schemes()
            .into_iter()
            .map(|info| info.scheme)
            .find(|scheme| scheme.name() == name && !matches!(scheme, Scheme::Hmac(_)))
    }
}

impl std::error::Error for VerifyError {}
impl std::error::Error for SignError {}

/// A candidate signature taken from the headers.
#[derive(Debug)]
enum Signature {
    /// An HMAC value (decoded bytes).
    Mac(Vec<u8>),
    /// An Ed25519 signature (decoded bytes; any length, checked on use).
    Ed25519(Vec<u8>),
}

/// The candidate signatures of a header that carries a list of them. An
/// undecodable candidate is a non-match, not an error; only a header whose
/// every candidate is undecodable is malformed (the first problem is kept).
#[derive(Default)]
struct Candidates {
    signatures: Vec<Signature>,
    first_problem: Option<VerifyError>,
}

impl Candidates {
    /// Adds a decoded candidate, or notes `problem` for one that did not decode.
    fn push(&mut self, decoded: Option<Signature>, problem: impl FnOnce() -> VerifyError) {
        match decoded {
            Some(signature) => self.signatures.push(signature),
            None if self.first_problem.is_none() => self.first_problem = Some(problem()),
            None => {}
        }
    }

    /// The usable candidates; the first problem when there were candidates but none usable.
    fn into_signatures(self) -> Result<Vec<Signature>, VerifyError> {
        match (self.signatures.is_empty(), self.first_problem) {
            (true, Some(problem)) => Err(problem),
            _ => Ok(self.signatures),
        }
    }
}

/// A delivery as its scheme module parsed it.
struct Delivery<'a> {
    /// The signed content, concatenated in order.
    content: Vec<Cow<'a, [u8]>>,
    /// Every candidate signature.
    signatures: Vec<Signature>,
    /// The signed timestamp, for timestamped schemes.
    timestamp: Option<i64>,
    /// The replay window when none is given.
    default_tolerance: u32,
    /// The signed message id.
    message_id: Option<String>,
    /// The HMAC hash function of the scheme.
    algorithm: HashAlgorithm,
}

fn limit_error(what: Limit, max: usize, actual: usize) -> LimitExceeded {
    LimitExceeded { what, max: max as u64, actual: actual as u64 }
}

/// The limits checked before the headers are looked at, first by `verify` and
/// `verify-fields` alike, so both answer the same whichever input is too large.
fn check_secret_and_body_limits(secret_count: usize, body: &Body) -> Result<(), LimitExceeded> {
    check_secret_count(secret_count)?;
    let body_len = body.as_bytes().len();
    if body_len > limits::MAX_BODY_BYTES {
        return Err(limit_error(Limit::BodyBytes, limits::MAX_BODY_BYTES, body_len));
    }
    Ok(())
}

/// The first limit every verification checks (and `prepare-packed` too).
fn check_secret_count(secret_count: usize) -> Result<(), LimitExceeded> {
    if secret_count > limits::MAX_SECRET_COUNT {
        return Err(limit_error(Limit::SecretCount, limits::MAX_SECRET_COUNT, secret_count));
    }
    Ok(())
}

/// Every input limit of `verify`, in the one documented order: secret count,
/// body bytes, header count, header bytes, URL bytes.
fn check_request_limits(secret_count: usize, request: &Request) -> Result<(), LimitExceeded> {
    check_secret_and_body_limits(secret_count, &request.body)?;
    if request.headers.len() > limits::MAX_HEADER_COUNT {
        return Err(limit_error(Limit::HeaderCount, limits::MAX_HEADER_COUNT, request.headers.len()));
    }
    // Measured on the trimmed value, as lookups see it, so that a header list
    // and the same headers as a field block hit the limit identically.
    let header_bytes = |h: &Header| h.name.len() + trim_ows(&h.value).len();
    if let Some(header) = request.headers.iter().find(|h| header_bytes(h) > limits::MAX_HEADER_BYTES) {
        return Err(limit_error(Limit::HeaderBytes, limits::MAX_HEADER_BYTES, header_bytes(header)));
    }
    if let Some(url) = &request.url {
        if url.len() > limits::MAX_URL_BYTES {
            return Err(limit_error(Limit::UrlBytes, limits::MAX_URL_BYTES, url.len()));
        }
    }
    Ok(())
}

fn check_message_limits(message: &Message) -> Result<(), LimitExceeded> {
    let body_len = message.body.as_bytes().len();
    if body_len > limits::MAX_BODY_BYTES {
        return Err(limit_error(Limit::BodyBytes, limits::MAX_BODY_BYTES, body_len));
    }
    if let Some(url) = &message.url {
        if url.len() > limits::MAX_URL_BYTES {
            return Err(limit_error(Limit::UrlBytes, limits::MAX_URL_BYTES, url.len()));
        }
    }
    if let Some(id) = &message.id {
        if id.len() > limits::MAX_ID_BYTES {
            return Err(limit_error(Limit::IdBytes, limits::MAX_ID_BYTES, id.len()));
        }
    }
    Ok(())
}

/// Verifies a delivery against a rotation list of secrets; any may match.
pub fn verify(
    scheme: &Scheme,
    secrets: &[String],
    request: &Request,
    options: VerifyOptions,
) -> Result<Verified, VerifyError> {
    verify_request(scheme, secrets.len(), || verification_keys(scheme, secrets), request, options)
}

/// [`verify`] with the keys from `keys` (the secrets turned into keys, or keys prepared
/// before), called once the limits and the secret count are checked.
fn verify_request(
    scheme: &Scheme,
    secret_count: usize,
    keys: impl FnOnce() -> Result<Vec<keys::Key>, VerifyError>,
    request: &Request,
    options: VerifyOptions,
) -> Result<Verified, VerifyError> {
    check_request_limits(secret_count, request).map_err(VerifyError::LimitExceeded)?;
    if secret_count == 0 {
        return Err(VerifyError::NoSecrets);
    }
    verify_with_keys(scheme, &keys()?, request, options)
}

/// Each secret's verification key, or the first secret the scheme cannot use.
fn verification_keys(scheme: &Scheme, secrets: &[String]) -> Result<Vec<keys::Key>, VerifyError> {
    secrets
        .iter()
        .enumerate()
        .map(|(index, secret)| {
            keys::verification_key(scheme, secret)
                .map_err(|problem| VerifyError::UnusableSecret { index: index as u32, problem })
        })
        .collect()
}

/// The HMAC algorithm a scheme signs with (for schemes with Ed25519 keys too: their HMAC one).
fn mac_algorithm(scheme: &Scheme) -> HashAlgorithm {
    match scheme {
        Scheme::Hmac(custom) => custom.algorithm,
        Scheme::StandardWebhooks | Scheme::Stripe | Scheme::Slack | Scheme::Paddle => HashAlgorithm::Sha256,
        other => single_header::spec(other).algorithm,
    }
}

/// [`verify`] after the limits and the keys are checked: parse, match, time window.
fn verify_with_keys(
    scheme: &Scheme,
    keys: &[keys::Key],
    request: &Request,
    options: VerifyOptions,
) -> Result<Verified, VerifyError> {
    let delivery = match scheme {
        Scheme::StandardWebhooks => standard_webhooks::parse(request)?,
        Scheme::Stripe => stripe::parse(request)?,
        Scheme::Slack => timestamped::parse_slack(request)?,
        Scheme::Paddle => timestamped::parse_paddle(request)?,
        other => single_header::parse(&single_header::spec(other), request)?,
    };

    let secret_index = keys::find_match(keys, &delivery).ok_or(VerifyError::NoMatchingSignature)?;

    if let Some(timestamp) = delivery.timestamp {
        let tolerance = options.tolerance_seconds.unwrap_or(delivery.default_tolerance);
        check_window(timestamp, options.now, tolerance)?;
    }
    Ok(Verified { secret_index: secret_index as u32, message_id: delivery.message_id, signed_at: delivery.timestamp })
}

/// [`verify`] with the headers given as one field block (see [`parse_field_block`]).
pub fn verify_fields(
    scheme: &Scheme,
    secrets: &[String],
    fields: &str,
    body: Body,
    url: Option<String>,
    options: VerifyOptions,
) -> Result<Verified, VerifyError> {
    verify_fields_with(scheme, secrets.len(), || verification_keys(scheme, secrets), fields, body, url, options)
}

/// [`verify_fields`] with the keys from `keys` (see [`verify_request`]).
fn verify_fields_with(
    scheme: &Scheme,
    secret_count: usize,
    keys: impl FnOnce() -> Result<Vec<keys::Key>, VerifyError>,
    fields: &str,
    body: Body,
    url: Option<String>,
    options: VerifyOptions,
) -> Result<Verified, VerifyError> {
    check_secret_and_body_limits(secret_count, &body).map_err(VerifyError::LimitExceeded)?;
    let headers = parse_field_block(fields)?;
    verify_request(scheme, secret_count, keys, &Request { headers, body, url }, options)
}

/// Splits an HTTP/1.1-style field block into headers.
///
/// Lines are separated by CRLF (or a bare LF, which RFC 9112 lets recipients
/// accept); empty lines are skipped. Each line is `name ":" value`, the name
/// an RFC 9110 token, the value trimmed of spaces and tabs. A CR anywhere else,
/// a line without a colon, an empty or non-token name, or a folded line (one
/// starting with a space or tab) is a `malformed-header` error naming the line
/// number, never its contents. The header count and size limits apply as for
/// a list of headers.
pub fn parse_field_block(fields: &str) -> Result<Vec<Header>, VerifyError> {
    let lines = || fields.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).enumerate();
    let count = lines().filter(|(_, line)| !line.is_empty()).count();
    if count > limits::MAX_HEADER_COUNT {
        return Err(VerifyError::LimitExceeded(limit_error(Limit::HeaderCount, limits::MAX_HEADER_COUNT, count)));
    }
    let mut parsed = Vec::with_capacity(count);
    for (index, line) in lines().filter(|(_, line)| !line.is_empty()) {
        let bad = |reason: &str| headers::malformed("", &format!("field line {}: {reason}", index + 1));
        if line.starts_with([' ', '\t']) {
            return Err(bad("folded continuation lines are not accepted"));
        }
        if line.contains('\r') {
            return Err(bad("carriage return inside a line"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad("no ':' after the field name"));
        };
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            return Err(bad("the field name is empty or not an HTTP token"));
        }
        parsed.push(Header::new(name, trim_ows(value)));
    }
    Ok(parsed)
}

/// An RFC 9110 `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Checks `|now - timestamp| <= tolerance`, reporting how far outside it lies.
fn check_window(timestamp: i64, now: i64, tolerance: u32) -> Result<(), VerifyError> {
    let age = now as i128 - timestamp as i128;
    let outside = age.unsigned_abs().saturating_sub(tolerance as u128);
    if outside == 0 {
        return Ok(());
    }
    Err(VerifyError::TimestampOutsideTolerance {
        seconds_outside: u64::try_from(outside).unwrap_or(u64::MAX),
        direction: if age > 0 { ClockDirection::Past } else { ClockDirection::Future },
        tolerance_seconds: tolerance,
    })
}

/// Signs a message; returns the headers to send with it.
pub fn sign(scheme: &Scheme, secret: &str, message: &Message) -> Result<Vec<Header>, SignError> {
    check_message_limits(message).map_err(SignError::LimitExceeded)?;
    let key = keys::signing_key(scheme, secret).map_err(SignError::UnusableSecret)?;
    match scheme {
        Scheme::StandardWebhooks => standard_webhooks::sign(&key, message),
        Scheme::Stripe => stripe::sign(&key, message),
        Scheme::Slack => timestamped::sign_slack(&key, message),
        Scheme::Paddle => timestamped::sign_paddle(&key, message),
        other => single_header::sign(&single_header::spec(other), &key, message),
    }
}

/// Parses a Unix-seconds header strictly: ASCII digits only, no sign, no fraction.
fn parse_timestamp(name: &str, text: &str) -> Result<i64, VerifyError> {
    let malformed = |reason: &str| VerifyError::MalformedHeader { name: name.to_string(), reason: reason.to_string() };
    if text.is_empty() {
        return Err(malformed("empty timestamp"));
    }
    if text.starts_with('-') {
        return Err(malformed("negative timestamp"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("timestamp is not a whole number of seconds"));
    }
    text.parse::<i64>().map_err(|_| malformed("timestamp out of range"))
}

/// Refuses negative signing times for timestamped schemes.
fn check_signed_at(message: &Message) -> Result<(), SignError> {
    if message.signed_at < 0 {
        return Err(SignError::InvalidField { field: "signed-at".into(), reason: "negative timestamp".into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
