//! API key hygiene and OAuth token refresh (`paywit:gateway/credentials`).
//!
//! Keys are classified by their documented prefixes; the answer never
//! contains the key. Unknown keys are treated as secret wherever that is the
//! safe assumption (a browser must never get a key paywit cannot recognise).

/// What a key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// Server-only secret key.
    Secret,
    /// Safe to send to a browser.
    Publishable,
    /// A restricted (scoped) secret key.
    Restricted,
    /// A webhook signing secret.
    WebhookSecret,
    /// Not recognised.
    Unknown,
}

/// Live or test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// Moves real money.
    Live,
    /// Sandbox / test mode.
    Test,
    /// The prefix does not say.
    Unknown,
}

/// A key's classification (never the key itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// The provider the prefix belongs to (`stripe`, `razorpay`, `paddle`, `standard-webhooks`), or empty.
    pub provider: String,
    /// The kind.
    pub kind: KeyKind,
    /// The mode.
    pub mode: KeyMode,
}

/// Where a key is about to be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyPlacement {
    /// Sent to a browser or mobile client.
    Browser,
    /// Kept on a server.
    Server,
    /// A sandbox / test configuration.
    TestEnvironment,
    /// The production configuration.
    ProductionEnvironment,
}

/// Why a key must not go where it is about to go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlacementRefusal {
    /// A secret, restricted or webhook key headed for a browser.
    SecretInBrowser,
    /// An unrecognised key headed for a browser (fail closed).
    UnrecognisedInBrowser,
    /// A live key in a test configuration.
    LiveKeyInTest,
    /// A test key in the production configuration.
    TestKeyInProduction,
}

/// (prefix, provider, kind, mode), longest prefixes first where they overlap.
const PREFIXES: &[(&str, &str, KeyKind, KeyMode)] = &[
    ("sk_live_", "stripe", KeyKind::Secret, KeyMode::Live),
    ("sk_test_", "stripe", KeyKind::Secret, KeyMode::Test),
    ("pk_live_", "stripe", KeyKind::Publishable, KeyMode::Live),
    ("pk_test_", "stripe", KeyKind::Publishable, KeyMode::Test),
    ("rk_live_", "stripe", KeyKind::Restricted, KeyMode::Live),
    ("rk_test_", "stripe", KeyKind::Restricted, KeyMode::Test),
    ("whsec_", "stripe", KeyKind::WebhookSecret, KeyMode::Unknown),
    ("rzp_live_", "razorpay", KeyKind::Publishable, KeyMode::Live),
    ("rzp_test_", "razorpay", KeyKind::Publishable, KeyMode::Test),
    ("pdl_live_apikey_", "paddle", KeyKind::Secret, KeyMode::Live),
    ("pdl_sdbx_apikey_", "paddle", KeyKind::Secret, KeyMode::Test),
    ("whsk_", "standard-webhooks", KeyKind::WebhookSecret, KeyMode::Unknown),
    ("whpk_", "standard-webhooks", KeyKind::Publishable, KeyMode::Unknown),
];

/// Classifies a key by its prefix. `whsec_` is reported as a webhook secret
/// (Stripe's and Standard Webhooks' share the prefix).
pub fn classify_key(key: &str) -> KeyInfo {
    let key = key.trim();
    PREFIXES
        .iter()
        .find(|(prefix, ..)| key.starts_with(prefix) && key.len() > prefix.len())
        .map(|(_, provider, kind, mode)| KeyInfo { provider: provider.to_string(), kind: *kind, mode: *mode })
        .unwrap_or(KeyInfo { provider: String::new(), kind: KeyKind::Unknown, mode: KeyMode::Unknown })
}

/// Refuses a key where it does not belong; returns its classification otherwise.
pub fn check_key_placement(key: &str, placement: KeyPlacement) -> Result<KeyInfo, PlacementRefusal> {
    let info = classify_key(key);
    match placement {
        KeyPlacement::Browser => match info.kind {
            KeyKind::Publishable => Ok(info),
            KeyKind::Unknown => Err(PlacementRefusal::UnrecognisedInBrowser),
            _ => Err(PlacementRefusal::SecretInBrowser),
        },
        KeyPlacement::TestEnvironment if info.mode == KeyMode::Live => Err(PlacementRefusal::LiveKeyInTest),
        KeyPlacement::ProductionEnvironment if info.mode == KeyMode::Test => Err(PlacementRefusal::TestKeyInProduction),
        _ => Ok(info),
    }
}

/// What to do with an OAuth access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenStatus {
    /// Use it; refresh in this many seconds.
    Use(u64),
    /// Refresh now (it expires in this many seconds).
    RefreshNow(u64),
    /// Expired this many seconds ago.
    Expired(u64),
}

/// Decides use / refresh / expired for a client-credentials token issued at
/// `issued_at` with `expires_in` seconds of life. The refresh skew is capped
/// at half the lifetime, so short-lived tokens are not refreshed continuously.
pub fn token_status(issued_at: i64, expires_in: u32, now: i64, refresh_skew_seconds: u32) -> TokenStatus {
    let expires_at = issued_at as i128 + expires_in as i128;
    let skew = refresh_skew_seconds.min(expires_in / 2) as i128;
    let now = now as i128;
    let clamp = |v: i128| u64::try_from(v.max(0)).unwrap_or(u64::MAX);
    if now >= expires_at {
        TokenStatus::Expired(clamp(now - expires_at))
    } else if now >= expires_at - skew {
        TokenStatus::RefreshNow(clamp(expires_at - now))
    } else {
        TokenStatus::Use(clamp(expires_at - skew - now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_classified_by_prefix_and_never_echoed() {
        let info = classify_key("sk_live_51Habc");
        assert_eq!(info, KeyInfo { provider: "stripe".into(), kind: KeyKind::Secret, mode: KeyMode::Live });
        assert!(!format!("{info:?}").contains("51Habc"));
        assert_eq!(classify_key("pk_test_x").kind, KeyKind::Publishable);
        assert_eq!(classify_key("rk_live_x").kind, KeyKind::Restricted);
        assert_eq!(classify_key("whsec_x").kind, KeyKind::WebhookSecret);
        assert_eq!(classify_key("rzp_test_x").mode, KeyMode::Test);
        assert_eq!(classify_key("pdl_sdbx_apikey_x").mode, KeyMode::Test);
        assert_eq!(classify_key("sk_live_").kind, KeyKind::Unknown, "a bare prefix is not a key");
        assert_eq!(classify_key("hello").kind, KeyKind::Unknown);
    }

    #[test]
    fn placement_refuses_secrets_in_browsers_and_crossed_modes() {
        use KeyPlacement::*;
        assert_eq!(check_key_placement("sk_test_x", Browser), Err(PlacementRefusal::SecretInBrowser));
        assert_eq!(check_key_placement("rk_live_x", Browser), Err(PlacementRefusal::SecretInBrowser));
        assert_eq!(check_key_placement("whsec_x", Browser), Err(PlacementRefusal::SecretInBrowser));
        assert_eq!(check_key_placement("mystery", Browser), Err(PlacementRefusal::UnrecognisedInBrowser));
        assert!(check_key_placement("pk_live_x", Browser).is_ok());
        assert_eq!(check_key_placement("sk_live_x", TestEnvironment), Err(PlacementRefusal::LiveKeyInTest));
        assert_eq!(check_key_placement("pk_test_x", ProductionEnvironment), Err(PlacementRefusal::TestKeyInProduction));
        assert!(check_key_placement("sk_live_x", ProductionEnvironment).is_ok());
        assert!(check_key_placement("sk_live_x", Server).is_ok());
    }

    #[test]
    fn tokens_refresh_before_expiry() {
        assert_eq!(token_status(1000, 3600, 1000, 60), TokenStatus::Use(3540));
        assert_eq!(token_status(1000, 3600, 4540, 60), TokenStatus::RefreshNow(60));
        assert_eq!(token_status(1000, 3600, 4599, 60), TokenStatus::RefreshNow(1));
        assert_eq!(token_status(1000, 3600, 4600, 60), TokenStatus::Expired(0));
        assert_eq!(token_status(1000, 3600, 5000, 60), TokenStatus::Expired(400));
        assert_eq!(token_status(1000, 60, 1000, 300), TokenStatus::Use(30), "skew capped at half the lifetime");
        assert_eq!(token_status(i64::MAX, u32::MAX, i64::MIN, u32::MAX), TokenStatus::Use(u64::MAX));
    }
}
