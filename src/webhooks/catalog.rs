//! The scheme table, and fresh secrets and keys in each scheme's own format.

use ed25519_dalek::SigningKey;

use super::keys::{verification_key, Key, PUBLIC_KEY_PREFIX, SIGNING_KEY_PREFIX, SYMMETRIC_PREFIX};
use super::{
    standard_webhooks, stripe, timestamped, HashAlgorithm, HmacScheme, Scheme, SecretProblem, SignatureEncoding,
};
use crate::encoding::{base64_encode, hex_lower};

/// A description of one built-in scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeInfo {
    /// The kebab-case name, as in the WIT `scheme` variant.
    pub name: String,
    /// The scheme value (for `hmac`, the guide's `X-Signature` example).
    pub scheme: Scheme,
    /// The headers it reads and writes.
    pub headers: Vec<String>,
    /// What bytes are signed.
    pub signed_content: String,
    /// The algorithm.
    pub algorithm: String,
    /// The signature encoding.
    pub encoding: SignatureEncoding,
    /// The default replay window (none: no timestamp).
    pub default_tolerance_seconds: Option<u32>,
    /// How the secret is written and used.
    pub secret_format: String,
}

/// A Standard Webhooks v1a key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyPair {
    /// `whsk_` + base64 seed: secret.
    pub signing_key: String,
    /// `whpk_` + base64 public key.
    pub public_key: String,
}

impl std::fmt::Debug for SigningKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyPair")
            .field("signing_key", &"<redacted>")
            .field("public_key", &self.public_key)
            .finish()
    }
}

const UTF8_SECRET: &str = "the secret string's UTF-8 bytes are the HMAC key";

#[allow(clippy::too_many_arguments)]
fn info(
    name: &str,
    scheme: Scheme,
    headers: &[&str],
    signed_content: &str,
    algorithm: &str,
    encoding: SignatureEncoding,
    default_tolerance_seconds: Option<u32>,
    secret_format: &str,
) -> SchemeInfo {
    SchemeInfo {
        name: name.into(),
        scheme,
        headers: headers.iter().map(|h| h.to_string()).collect(),
        signed_content: signed_content.into(),
        algorithm: algorithm.into(),
        encoding,
        default_tolerance_seconds,
        secret_format: secret_format.into(),
    }
}

/// Every built-in scheme, in the order of the WIT variant.
pub fn schemes() -> Vec<SchemeInfo> {
    use SignatureEncoding::{Base64, Hex};
    let guide_example =
        HmacScheme { header: "X-Signature".into(), algorithm: HashAlgorithm::Sha256, encoding: Hex, prefix: None };
    // An array, not `vec![]`: rustfmt formats array literals but not macro arguments.
    let all = [
        info("hmac", Scheme::Hmac(guide_example), &["X-Signature"], "{body}", "HMAC-SHA256 / SHA512 / SHA1", Hex, None, UTF8_SECRET),
        info(
            "standard-webhooks",
            Scheme::StandardWebhooks,
            &["webhook-id", "webhook-timestamp", "webhook-signature"],
            "{id}.{timestamp}.{body}",
            "HMAC-SHA256 (v1), Ed25519 (v1a)",
            Base64,
            Some(standard_webhooks::DEFAULT_TOLERANCE),
            "whsec_ + base64 key (v1); whsk_ signing key / whpk_ public key, base64 of 32 bytes (v1a); svix-* headers also accepted",
        ),
        info(
            "stripe",
            Scheme::Stripe,
            &["Stripe-Signature"],
            "{t}.{body}",
            "HMAC-SHA256",
            Hex,
            Some(stripe::DEFAULT_TOLERANCE),
            "whsec_...; the whole string, prefix included, is the HMAC key (not base64-decoded)",
        ),
        info("github", Scheme::Github, &["X-Hub-Signature-256"], "{body}", "HMAC-SHA256", Hex, None, UTF8_SECRET),
        info("shopify", Scheme::Shopify, &["X-Shopify-Hmac-Sha256"], "{body}", "HMAC-SHA256", Base64, None, UTF8_SECRET),
        info("coinbase-commerce", Scheme::CoinbaseCommerce, &["X-CC-Webhook-Signature"], "{body}", "HMAC-SHA256", Hex, None, UTF8_SECRET),
        info("btcpay", Scheme::Btcpay, &["BTCPay-Sig"], "{body}", "HMAC-SHA256", Hex, None, UTF8_SECRET),
        info("razorpay", Scheme::Razorpay, &["X-Razorpay-Signature"], "{body}", "HMAC-SHA256", Hex, None, UTF8_SECRET),
        info(
            "slack",
            Scheme::Slack,
            &["X-Slack-Signature", "X-Slack-Request-Timestamp"],
            "v0:{timestamp}:{body}",
            "HMAC-SHA256",
            Hex,
            Some(timestamped::SLACK_TOLERANCE),
            UTF8_SECRET,
        ),
        info(
            "paddle",
            Scheme::Paddle,
            &["Paddle-Signature"],
            "{ts}:{body}",
            "HMAC-SHA256",
            Hex,
            Some(timestamped::PADDLE_TOLERANCE),
            UTF8_SECRET,
        ),
        info("square", Scheme::Square, &["x-square-hmacsha256-signature"], "{notification-url}{body}", "HMAC-SHA256", Base64, None, UTF8_SECRET),
        info(
            "nowpayments",
            Scheme::Nowpayments,
            &["x-nowpayments-sig"],
            "{canonical JSON of body: keys sorted at every depth, compact}",
            "HMAC-SHA512",
            Hex,
            None,
            UTF8_SECRET,
        ),
    ];
    all.into()
}

/// A fresh secret for `scheme` made from 32 random bytes: `whsec_` + base64
/// for Standard Webhooks, `whsec_` + hex for Stripe, hex for the rest.
pub fn new_secret(scheme: &Scheme, random: &[u8; 32]) -> String {
    match scheme {
        Scheme::StandardWebhooks => format!("{SYMMETRIC_PREFIX}{}", base64_encode(random)),
        Scheme::Stripe => format!("whsec_{}", hex_lower(random)),
        _ => hex_lower(random),
    }
}

/// A v1a key pair from a 32-byte random seed.
pub fn new_signing_key_pair(seed: &[u8; 32]) -> SigningKeyPair {
    let signing = SigningKey::from_bytes(seed);
    SigningKeyPair {
        signing_key: format!("{SIGNING_KEY_PREFIX}{}", base64_encode(seed)),
        public_key: format!("{PUBLIC_KEY_PREFIX}{}", base64_encode(signing.verifying_key().as_bytes())),
    }
}

/// The `whpk_` public key of a `whsk_` signing key.
pub fn public_key(signing_key: &str) -> Result<String, SecretProblem> {
    if !signing_key.starts_with(SIGNING_KEY_PREFIX) {
        return Err(SecretProblem::WrongKeyKind);
    }
    match verification_key(&Scheme::StandardWebhooks, signing_key)? {
        Key::Ed25519Signing(signing) => {
            Ok(format!("{PUBLIC_KEY_PREFIX}{}", base64_encode(signing.verifying_key().as_bytes())))
        }
        _ => Err(SecretProblem::WrongKeyKind),
    }
}
