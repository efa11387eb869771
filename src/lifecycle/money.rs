//! Exact money checks on amounts in minor or atomic units, carried as decimal
//! strings (crypto amounts overflow 64 bits: 1 ETH is 10^18 wei) and computed
//! as u128.

/// Why an amount string was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountError {
    /// Empty.
    Empty,
    /// A non-digit at this byte offset.
    InvalidCharacter(u32),
    /// A leading zero in a number other than `0`.
    LeadingZero,
    /// Larger than 2^128 - 1.
    TooLarge,
}

/// Parses a non-negative decimal integer: digits only, no sign, no decimal
/// point, no spaces, no leading zeros.
pub fn parse_amount(value: &str) -> Result<u128, AmountError> {
    if value.is_empty() {
        return Err(AmountError::Empty);
    }
    if let Some(offset) = value.bytes().position(|b| !b.is_ascii_digit()) {
        return Err(AmountError::InvalidCharacter(offset as u32));
    }
    if value.len() > 1 && value.starts_with('0') {
        return Err(AmountError::LeadingZero);
    }
    value.parse::<u128>().map_err(|_| AmountError::TooLarge)
}

/// A payment tolerance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tolerance {
    /// Exact only.
    None,
    /// Up to this many atomic units (a decimal string).
    Atomic(String),
    /// Up to this many basis points of the expected amount, rounded down.
    BasisPoints(u32),
}

/// A difference and whether the tolerance covers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The absolute difference.
    pub amount: String,
    /// Within tolerance.
    pub within_tolerance: bool,
}

/// How a received amount compares with the expected one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentAssessment {
    /// Exact.
    Exact,
    /// Less than expected.
    Underpaid(Difference),
    /// More than expected.
    Overpaid(Difference),
}

/// Compares `received` with `expected` under `tolerance`.
pub fn assess_payment(expected: &str, received: &str, tolerance: &Tolerance) -> Result<PaymentAssessment, AmountError> {
    let expected = parse_amount(expected)?;
    let received = parse_amount(received)?;
    let allowed = match tolerance {
        Tolerance::None => 0,
        Tolerance::Atomic(units) => parse_amount(units)?,
        // expected * bp / 10000 without overflow: split into quotient and remainder.
        Tolerance::BasisPoints(bp) => {
            let bp = *bp as u128;
            (expected / 10_000).saturating_mul(bp).saturating_add((expected % 10_000) * bp / 10_000)
        }
    };
    let difference = |amount: u128| Difference { amount: amount.to_string(), within_tolerance: amount <= allowed };
    Ok(match received.cmp(&expected) {
        std::cmp::Ordering::Equal => PaymentAssessment::Exact,
        std::cmp::Ordering::Less => PaymentAssessment::Underpaid(difference(expected - received)),
        std::cmp::Ordering::Greater => PaymentAssessment::Overpaid(difference(received - expected)),
    })
}

/// Why a refund is not possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefundError {
    /// A malformed amount.
    InvalidAmount(AmountError),
    /// Zero requested.
    ZeroAmount,
    /// Nothing captured.
    NotCaptured,
    /// The stored numbers already refund more than was captured.
    AlreadyOverRefunded,
    /// More than remains (the payload is what remains).
    OverRefund(String),
}

/// An allowed refund.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundAllowance {
    /// The amount to refund.
    pub amount: String,
    /// What remains refundable after it.
    pub remaining_after: String,
}

/// Checks a refund of `requested` against `captured - already_refunded`.
pub fn refundable(captured: &str, already_refunded: &str, requested: &str) -> Result<RefundAllowance, RefundError> {
    let captured = parse_amount(captured).map_err(RefundError::InvalidAmount)?;
    let refunded = parse_amount(already_refunded).map_err(RefundError::InvalidAmount)?;
    let requested = parse_amount(requested).map_err(RefundError::InvalidAmount)?;
    if captured == 0 {
        return Err(RefundError::NotCaptured);
    }
    let remaining = captured.checked_sub(refunded).ok_or(RefundError::AlreadyOverRefunded)?;
    if requested == 0 {
        return Err(RefundError::ZeroAmount);
    }
    if requested > remaining {
        return Err(RefundError::OverRefund(remaining.to_string()));
    }
    Ok(RefundAllowance { amount: requested.to_string(), remaining_after: (remaining - requested).to_string() })
}

/// A BTCPay-style speed policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpeedPolicy {
    /// 0 (1 with RBF).
    HighSpeed,
    /// 1.
    MediumSpeed,
    /// 2.
    LowMediumSpeed,
    /// 6.
    LowSpeed,
}

/// Progress towards the required confirmations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfirmationStatus {
    /// Reached.
    pub confirmed: bool,
    /// How many more.
    pub remaining: u32,
}

/// Progress of `confirmations` towards `required`.
pub fn confirmation_status(confirmations: u32, required: u32) -> ConfirmationStatus {
    let remaining = required.saturating_sub(confirmations);
    ConfirmationStatus { confirmed: remaining == 0, remaining }
}

/// Confirmations a speed policy requires; a replace-by-fee payment is never
/// accepted at zero confirmations.
pub fn required_confirmations(speed: SpeedPolicy, rbf: bool) -> u32 {
    match speed {
        SpeedPolicy::HighSpeed if rbf => 1,
        SpeedPolicy::HighSpeed => 0,
        SpeedPolicy::MediumSpeed => 1,
        SpeedPolicy::LowMediumSpeed => 2,
        SpeedPolicy::LowSpeed => 6,
    }
}
