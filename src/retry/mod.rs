//! Retry semantics (`paywit:gateway/retry`): classify a failure, parse
//! `Retry-After`, and compute the next step of a backoff policy.

mod http_date;

/// A transport-level failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// Timed out.
    Timeout,
    /// Connection reset.
    ConnectionReset,
    /// Connection refused.
    ConnectionRefused,
    /// Name resolution failed.
    Dns,
    /// TLS failed.
    Tls,
    /// Anything else.
    Unknown,
}

/// One failed call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    /// HTTP status, if a response arrived.
    pub status: Option<u16>,
    /// Transport error, if none did.
    pub transport: Option<TransportError>,
    /// Gateway error type (`card_error`, ...).
    pub error_type: Option<String>,
    /// Gateway error code (`card_declined`, `lock_timeout`, ...).
    pub error_code: Option<String>,
    /// Raw `Retry-After`.
    pub retry_after: Option<String>,
    /// Raw `Stripe-Should-Retry`.
    pub should_retry: Option<String>,
}

/// The kind of failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// 4xx not listed below.
    InvalidRequest,
    /// 401.
    Authentication,
    /// 403.
    Permission,
    /// 404.
    NotFound,
    /// 402 or a decline.
    PaymentDeclined,
    /// 409 or an idempotency error.
    IdempotencyConflict,
    /// 429.
    RateLimited,
    /// 5xx.
    ServerError,
    /// No response.
    Transport,
    /// Nothing to go on.
    Unknown,
}

/// The verdict on a failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    /// The category.
    pub category: Category,
    /// Retry or not.
    pub retry: bool,
    /// A retry must reuse the original idempotency key.
    pub reuse_idempotency_key: bool,
    /// Fetch the existing object instead of repeating the mutation.
    pub fetch_existing: bool,
    /// The rule applied.
    pub reason: String,
}

/// Error codes that mean the customer's payment method was declined.
const DECLINE_CODES: &[&str] = &[
    "card_declined",
    "insufficient_funds",
    "expired_card",
    "incorrect_cvc",
    "incorrect_number",
    "invalid_cvc",
    "invalid_expiry_month",
    "invalid_expiry_year",
    "lost_card",
    "stolen_card",
    "do_not_honor",
    "fraudulent",
    "authentication_required",
    "processing_error_declined",
];

/// Classifies a failure by the integration guide's table, refined by the
/// gateway's own signals: `Stripe-Should-Retry` overrides the status (except
/// that a decline is never retried), and 409 `lock_timeout` is retryable.
pub fn classify(failure: &Failure) -> Classification {
    let code = failure.error_code.as_deref().unwrap_or("");
    let kind = failure.error_type.as_deref().unwrap_or("");
    let declined = failure.status == Some(402) || kind == "card_error" || DECLINE_CODES.contains(&code);
    let (category, mut retry, reason) = match (failure.status, failure.transport) {
        _ if declined => (Category::PaymentDeclined, false, "a decline: surface to the user, never retry"),
        (Some(409), _) if code == "lock_timeout" => {
            (Category::IdempotencyConflict, true, "409 lock_timeout: the object was locked; retry with the same key")
        }
        (_, _) if kind == "idempotency_error" => {
            (Category::IdempotencyConflict, false, "the key was reused with different parameters: a bug, never retry")
        }
        (Some(409), _) => {
            (Category::IdempotencyConflict, false, "409: treat as a duplicate and fetch the existing result")
        }
        (Some(429), _) => (Category::RateLimited, true, "429: back off exponentially, respect Retry-After"),
        (Some(408), _) => (Category::Transport, true, "408: the request timed out; retry with the same key"),
        (Some(401), _) => (Category::Authentication, false, "401: fix the credentials"),
        (Some(403), _) => (Category::Permission, false, "403: the key lacks permission"),
        (Some(404), _) => (Category::NotFound, false, "404: the object does not exist"),
        (Some(400..=499), _) => (Category::InvalidRequest, false, "4xx: fix the request"),
        (Some(500..=599), _) => (Category::ServerError, true, "5xx: back off and retry with the same key"),
        (None, Some(_)) => (Category::Transport, true, "no response: retry with the same key"),
        _ => (Category::Unknown, false, "no failure status or transport error to go on"),
    };
    let mut reason = reason.to_string();
    if category != Category::PaymentDeclined {
        if let Some(verdict) = failure.should_retry.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
            let said = match verdict.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            };
            if let Some(said) = said.filter(|said| *said != retry) {
                retry = said;
                reason = format!("Stripe-Should-Retry: {verdict} (overrides: {reason})");
            }
        }
    }
    Classification {
        category,
        retry,
        reuse_idempotency_key: retry,
        fetch_existing: category == Category::IdempotencyConflict && !retry && kind != "idempotency_error",
        reason,
    }
}

/// The largest `Retry-After` paywit believes: 7 days.
pub const MAX_RETRY_AFTER_SECONDS: u64 = 7 * 24 * 3600;

/// Parses `Retry-After` into milliseconds from `now`: delay-seconds or an
/// HTTP-date (a date in the past means 0). `None` for garbage, negatives, or
/// more than 7 days.
pub fn parse_retry_after(value: &str, now: i64) -> Option<u64> {
    let value = crate::types::trim_ows(value);
    let seconds = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        value.parse::<u64>().ok()?
    } else {
        let at = http_date::parse(value, now)?;
        u64::try_from(at.saturating_sub(now)).unwrap_or(0)
    };
    (seconds <= MAX_RETRY_AFTER_SECONDS).then_some(seconds * 1000)
}

/// Exponential delays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exponential {
    /// First delay (ms).
    pub base_ms: u64,
    /// Growth factor.
    pub multiplier: f64,
    /// Largest delay (ms).
    pub cap_ms: u64,
}

/// Where delays come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Schedule {
    /// One delay per retry (ms); the last repeats.
    Explicit(Vec<u64>),
    /// Computed.
    Exponential(Exponential),
}

/// Jitter mode (AWS's formulas).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// None.
    None,
    /// U[0, d].
    Full,
    /// d/2 + U[0, d/2].
    Equal,
    /// U[first, 3 x previous], capped.
    Decorrelated,
}

/// A retry policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// The schedule.
    pub schedule: Schedule,
    /// Total attempts including the first.
    pub max_attempts: u32,
    /// Jitter.
    pub jitter: Jitter,
    /// Largest delay ever returned (ms).
    pub max_delay_ms: u64,
}

/// Why to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GiveUpReason {
    /// The failure is not retryable.
    NotRetryable(Category),
    /// All attempts made.
    AttemptsExhausted,
}

/// What to do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// Wait, then retry with the same key.
    RetryAfterMs(u64),
    /// Stop and alert.
    GiveUp(GiveUpReason),
}

/// A policy that cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// `max_attempts` is 0.
    ZeroAttempts,
    /// Explicit schedule without delays.
    EmptySchedule,
    /// Multiplier not finite or below 1.
    InvalidMultiplier,
    /// `attempt` is 0.
    ZeroAttempt,
}

impl Policy {
    fn validate(&self) -> Result<(), PolicyError> {
        if self.max_attempts == 0 {
            return Err(PolicyError::ZeroAttempts);
        }
        match &self.schedule {
            Schedule::Explicit(delays) if delays.is_empty() => Err(PolicyError::EmptySchedule),
            Schedule::Exponential(e) if !e.multiplier.is_finite() || e.multiplier < 1.0 => {
                Err(PolicyError::InvalidMultiplier)
            }
            _ => Ok(()),
        }
    }

    /// The un-jittered delay before retry number `retry` (1-based).
    pub fn scheduled_delay(&self, retry: u32) -> u64 {
        match &self.schedule {
            Schedule::Explicit(delays) => delays[(retry.max(1) as usize - 1).min(delays.len() - 1)],
            Schedule::Exponential(e) => {
                let grown =
                    e.base_ms as f64 * e.multiplier.powi(retry.max(1).saturating_sub(1).min(i32::MAX as u32) as i32);
                // f64 -> u64 `as` saturates, and NaN cannot occur for finite multipliers >= 1.
                (grown.min(e.cap_ms as f64) as u64).min(e.cap_ms)
            }
        }
    }

    fn largest_scheduled(&self) -> u64 {
        match &self.schedule {
            Schedule::Explicit(delays) => delays.iter().copied().max().unwrap_or(0),
            Schedule::Exponential(e) => e.cap_ms,
        }
    }
}

/// A uniform value in `[0, span]` from a uniform u64.
fn uniform(random: u64, span: u64) -> u64 {
    ((random as u128 * (span as u128 + 1)) >> 64) as u64
}

/// The next step after attempt `attempt` (1-based) failed, with `random`
/// driving the jitter. A `Retry-After` longer than the computed delay wins;
/// the result never exceeds `max_delay_ms`.
pub fn next_step(
    policy: &Policy,
    attempt: u32,
    failure: &Failure,
    now: i64,
    random: u64,
) -> Result<NextStep, PolicyError> {
    policy.validate()?;
    if attempt == 0 {
        return Err(PolicyError::ZeroAttempt);
    }
    let classification = classify(failure);
    if !classification.retry {
        return Ok(NextStep::GiveUp(GiveUpReason::NotRetryable(classification.category)));
    }
    if attempt >= policy.max_attempts {
        return Ok(NextStep::GiveUp(GiveUpReason::AttemptsExhausted));
    }
    let scheduled = policy.scheduled_delay(attempt);
    let mut delay = match policy.jitter {
        Jitter::None => scheduled,
        Jitter::Full => uniform(random, scheduled),
        Jitter::Equal => scheduled / 2 + uniform(random, scheduled - scheduled / 2),
        Jitter::Decorrelated => {
            let low = policy.scheduled_delay(1);
            let previous = if attempt > 1 { policy.scheduled_delay(attempt - 1) } else { low };
            let high = previous.saturating_mul(3).max(low);
            (low + uniform(random, high - low)).min(policy.largest_scheduled())
        }
    };
    if let Some(asked) = failure.retry_after.as_deref().and_then(|value| parse_retry_after(value, now)) {
        delay = delay.max(asked);
    }
    Ok(NextStep::RetryAfterMs(delay.min(policy.max_delay_ms)))
}

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

fn explicit(delays: &[u64], jitter: Jitter) -> Policy {
    Policy {
        schedule: Schedule::Explicit(delays.to_vec()),
        max_attempts: delays.len() as u32 + 1,
        jitter,
        max_delay_ms: delays.iter().copied().max().unwrap_or(0),
    }
}

/// The guide's API schedule: 1 s, 3 s, 10 s, 30 s, 2 min, 10 min with equal
/// jitter, then give up (7 attempts in all).
pub fn api_policy() -> Policy {
    explicit(&[SECOND, 3 * SECOND, 10 * SECOND, 30 * SECOND, 2 * MINUTE, 10 * MINUTE], Jitter::Equal)
}

/// The guide's webhook redelivery schedule: 1 s, 5 s, 30 s, 2 min, 15 min, 1 h, 6 h, 24 h.
pub fn webhook_redelivery_policy() -> Policy {
    explicit(&[SECOND, 5 * SECOND, 30 * SECOND, 2 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, 24 * HOUR], Jitter::None)
}

/// The Standard Webhooks example schedule after the immediate first attempt:
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
pub fn standard_webhooks_policy() -> Policy {
    explicit(
        &[5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR],
        Jitter::None,
    )
}

#[cfg(test)]
mod tests;
