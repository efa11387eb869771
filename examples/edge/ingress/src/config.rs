//! The ingress's settings: each `PAYWIT_*` key from `wasi:config/store` first
//! (`wasmtime serve -Sconfig`, wasmCloud, a `jco serve --jco-map`), else from
//! `wasi:cli/environment` (`wasmtime serve --env`, Spin's `environment`,
//! `jco serve`'s process environment), the same keys in both.

use crate::bindings::paywit::gateway::webhooks::Scheme;
use crate::bindings::wasi::config::store;
use crate::Refusal;

/// The default body cap: gateways send a few KiB.
const DEFAULT_BODY_LIMIT: u64 = 1 << 20;

/// The ingress's settings, read on each request (an instance serves one
/// request in `wasmtime serve`).
pub struct Config {
    pub scheme: Scheme,
    pub secrets: Vec<String>,
    pub upstream: Upstream,
    pub key_id: String,
    pub key_secret: String,
    pub body_limit: u64,
    pub tolerance: Option<u32>,
    pub url: Option<String>,
}

/// Where verified deliveries go.
pub struct Upstream {
    pub https: bool,
    pub authority: String,
    pub path: String,
}

/// A configuration problem: a 500, with the line for stderr (never a secret).
pub fn misconfigured(what: &str) -> Refusal {
    Refusal { status: 500, log: Some(format!("paywit ingress: configuration error: {what}")) }
}

impl Config {
    /// Reads every key from `wasi:config/store`, falling back to `env` (the
    /// host's `wasi:cli/environment`) key by key.
    pub fn read(env: &[(String, String)]) -> Result<Config, Refusal> {
        Config::from_sources(|key| store::get(key).map_err(|e| describe(&e)), env)
    }

    /// The settings from `stored` (the store's answer for a key) and `env`.
    fn from_sources(
        stored: impl Fn(&str) -> Result<Option<String>, String>,
        env: &[(String, String)],
    ) -> Result<Config, Refusal> {
        let var = |name: &str| -> Result<Option<String>, Refusal> {
            let from_store =
                stored(name).map_err(|e| misconfigured(&format!("wasi:config/store failed for {name}: {e}")))?;
            let from_env = || env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            Ok(from_store.filter(|v| !v.is_empty()).or_else(from_env).filter(|v| !v.is_empty()))
        };
        let required = |name: &str| var(name)?.ok_or_else(|| misconfigured(&format!("{name} is not set")));
        let scheme_name = required("PAYWIT_SCHEME")?;
        let scheme = scheme_named(&scheme_name)
            // The value is not repeated: a secret pasted into the wrong key must not reach the log.
            .ok_or_else(|| {
                misconfigured("PAYWIT_SCHEME is not a built-in scheme (standard-webhooks, stripe, github, ...)")
            })?;
        let secrets = var("PAYWIT_SECRETS")?.map(|s| split_secrets(&s)).unwrap_or_default();
        let upstream = parse_url(&required("PAYWIT_UPSTREAM_URL")?)
            .ok_or_else(|| misconfigured("PAYWIT_UPSTREAM_URL is not an http(s) URL"))?;
        let key_id = required("PAYWIT_UPSTREAM_KEY_ID")?;
        let key_secret = required("PAYWIT_UPSTREAM_SECRET")?;
        let number = |name: &str| -> Result<Option<u64>, Refusal> {
            var(name)?
                .map(|v| v.parse::<u64>().map_err(|_| misconfigured(&format!("{name} is not a number"))))
                .transpose()
        };
        let body_limit = number("PAYWIT_BODY_LIMIT")?.unwrap_or(DEFAULT_BODY_LIMIT);
        let tolerance = number("PAYWIT_TOLERANCE")?
            .map(|t| u32::try_from(t).map_err(|_| misconfigured("PAYWIT_TOLERANCE is too large")))
            .transpose()?;
        let url = var("PAYWIT_URL")?;
        Ok(Config { scheme, secrets, upstream, key_id, key_secret, body_limit, tolerance, url })
    }
}

/// The store's error, named by its kind only: its text comes from the host's
/// config source and is not shown, in case that source quotes a value.
fn describe(error: &store::Error) -> String {
    match error {
        store::Error::Upstream(_) => "the config source failed (upstream error)".into(),
        store::Error::Io(_) => "the config source failed (I/O error)".into(),
    }
}

/// The secrets of `PAYWIT_SECRETS`: separated by commas, whitespace or both.
/// Whitespace too because `wasmtime serve -Sconfig-var=K=V` splits every `-S`
/// value on commas, so a list can reach the store only space-separated.
pub fn split_secrets(list: &str) -> Vec<String> {
    list.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn scheme_named(name: &str) -> Option<Scheme> {
    use Scheme as S;
    Some(match name {
        "standard-webhooks" => S::StandardWebhooks,
        "stripe" => S::Stripe,
        "github" => S::Github,
        "shopify" => S::Shopify,
        "coinbase-commerce" => S::CoinbaseCommerce,
        "btcpay" => S::Btcpay,
        "razorpay" => S::Razorpay,
        "slack" => S::Slack,
        "paddle" => S::Paddle,
        "square" => S::Square,
        "nowpayments" => S::Nowpayments,
        _ => return None,
    })
}

fn parse_url(url: &str) -> Option<Upstream> {
    let (https, rest) = if let Some(rest) = url.strip_prefix("http://") {
        (false, rest)
    } else {
        (true, url.strip_prefix("https://")?)
    };
    let (authority, path) = rest.split_once('/').map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    (!authority.is_empty()).then(|| Upstream { https, authority: authority.to_string(), path })
}
