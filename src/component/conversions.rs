// Conversions between the pure Rust types (`native`) and the WIT binding
// types (`w`), in both directions.
//
// This file is `include!`d twice: by the component glue (with `w` = the
// wit-bindgen guest types) and by the wasmtime host harness (with `w` = the
// wasmtime `bindgen!` host types). Both generators give the same Rust names to
// the same WIT items, so one mapping serves both sides of the boundary and
// cannot drift. The includer must bring `native` (the paywit crate) and `w`
// (a module with every exported interface: `types`, `webhooks`, `idempotency`, `retry`,
// `lifecycle`, `requests`, `credentials`, `reconciliation`, `addresses`, `alerts`)
// into scope.

/// A conversion between a native type and its WIT binding twin.
pub trait Conv<T> {
    /// Converts `self`.
    fn conv(self) -> T;
}

macro_rules! conv_identity {
    ($($t:ty),+) => { $(impl Conv<$t> for $t { fn conv(self) -> $t { self } })+ };
}
conv_identity!(String, bool, u8, u16, u32, u64, i64, f64);

impl<A: Conv<B>, B> Conv<Vec<B>> for Vec<A> {
    fn conv(self) -> Vec<B> {
        self.into_iter().map(Conv::conv).collect()
    }
}

impl<A: Conv<B>, B> Conv<Option<B>> for Option<A> {
    fn conv(self) -> Option<B> {
        self.map(Conv::conv)
    }
}

impl<A: Conv<B>, B, E: Conv<F>, F> Conv<Result<B, F>> for Result<A, E> {
    fn conv(self) -> Result<B, F> {
        self.map(Conv::conv).map_err(Conv::conv)
    }
}

/// Both directions for types whose every case or field maps by name.
macro_rules! twins {
    (enum $a:ty, $b:ty, [$($case:ident),+ $(,)?]) => {
        impl Conv<$b> for $a { fn conv(self) -> $b { match self { $(Self::$case => <$b>::$case),+ } } }
        impl Conv<$a> for $b { fn conv(self) -> $a { match self { $(Self::$case => <$a>::$case),+ } } }
    };
    (variant $a:ty, $b:ty, units [$($unit:ident),*], payloads [$($case:ident),* $(,)?]) => {
        impl Conv<$b> for $a {
            fn conv(self) -> $b {
                match self { $(Self::$unit => <$b>::$unit,)* $(Self::$case(x) => <$b>::$case(x.conv()),)* }
            }
        }
        impl Conv<$a> for $b {
            fn conv(self) -> $a {
                match self { $(Self::$unit => <$a>::$unit,)* $(Self::$case(x) => <$a>::$case(x.conv()),)* }
            }
        }
    };
    (record $a:path, $b:path, [$($field:ident),+ $(,)?]) => {
        impl Conv<$b> for $a { fn conv(self) -> $b { let $a { $($field),+ } = self; $b { $($field: $field.conv()),+ } } }
        impl Conv<$a> for $b { fn conv(self) -> $a { let $b { $($field),+ } = self; $a { $($field: $field.conv()),+ } } }
    };
}

// ---- types ----
twins!(variant native::types::Body, w::types::Body, units [], payloads [Text, Bytes]);
twins!(record native::types::Header, w::types::Header, [name, value]);

// ---- webhooks ----
twins!(enum native::webhooks::HashAlgorithm, w::webhooks::HashAlgorithm, [Sha256, Sha512, Sha1]);
twins!(enum native::webhooks::SignatureEncoding, w::webhooks::SignatureEncoding, [Hex, Base64]);
twins!(record native::webhooks::HmacScheme, w::webhooks::HmacScheme, [header, algorithm, encoding, prefix]);
twins!(variant native::webhooks::Scheme, w::webhooks::Scheme,
    units [StandardWebhooks, Stripe, Github, Shopify, CoinbaseCommerce, Btcpay, Razorpay, Slack, Paddle, Square, Nowpayments],
    payloads [Hmac]);
twins!(record native::webhooks::Request, w::webhooks::Request, [headers, body, url]);
twins!(record native::webhooks::VerifyOptions, w::webhooks::VerifyOptions, [now, tolerance_seconds]);
twins!(record native::webhooks::Verified, w::webhooks::Verified, [secret_index, message_id, signed_at]);
twins!(record native::webhooks::Message, w::webhooks::Message, [body, id, signed_at, url]);
twins!(enum native::webhooks::SecretProblem, w::webhooks::SecretProblem,
    [Empty, BadEncoding, TooShort, TooLong, WrongKeyLength, WrongKeyKind]);
twins!(enum native::webhooks::ClockDirection, w::webhooks::ClockDirection, [Past, Future]);
twins!(enum native::webhooks::Limit, w::webhooks::Limit, [BodyBytes, HeaderCount, HeaderBytes, SecretCount, UrlBytes, IdBytes]);
twins!(record native::webhooks::LimitExceeded, w::webhooks::LimitExceeded, [what, max, actual]);
twins!(record native::webhooks::SchemeInfo, w::webhooks::SchemeInfo,
    [name, scheme, headers, signed_content, algorithm, encoding, default_tolerance_seconds, secret_format]);
twins!(record native::webhooks::SigningKeyPair, w::webhooks::SigningKeyPair, [signing_key, public_key]);

impl Conv<w::webhooks::VerifyError> for native::webhooks::VerifyError {
    fn conv(self) -> w::webhooks::VerifyError {
        use native::webhooks::VerifyError as N;
        use w::webhooks::VerifyError as W;
        match self {
            N::NoSecrets => W::NoSecrets,
            N::UnusableSecret { index, problem } => {
                W::UnusableSecret(w::webhooks::UnusableSecret { index, problem: problem.conv() })
            }
            N::MissingHeader(name) => W::MissingHeader(name),
            N::MalformedHeader { name, reason } => W::MalformedHeader(w::webhooks::MalformedHeader { name, reason }),
            N::MissingUrl => W::MissingUrl,
            N::MalformedBody(reason) => W::MalformedBody(reason),
            N::TimestampOutsideTolerance { seconds_outside, direction, tolerance_seconds } => {
                W::TimestampOutsideTolerance(w::webhooks::TimestampSkew {
                    seconds_outside,
                    direction: direction.conv(),
                    tolerance_seconds,
                })
            }
            N::NoMatchingSignature => W::NoMatchingSignature,
            N::LimitExceeded(limit) => W::LimitExceeded(limit.conv()),
        }
    }
}

impl Conv<native::webhooks::VerifyError> for w::webhooks::VerifyError {
    fn conv(self) -> native::webhooks::VerifyError {
        use native::webhooks::VerifyError as N;
        use w::webhooks::VerifyError as W;
        match self {
            W::NoSecrets => N::NoSecrets,
            W::UnusableSecret(s) => N::UnusableSecret { index: s.index, problem: s.problem.conv() },
            W::MissingHeader(name) => N::MissingHeader(name),
            W::MalformedHeader(m) => N::MalformedHeader { name: m.name, reason: m.reason },
            W::MissingUrl => N::MissingUrl,
            W::MalformedBody(reason) => N::MalformedBody(reason),
            W::TimestampOutsideTolerance(t) => N::TimestampOutsideTolerance {
                seconds_outside: t.seconds_outside,
                direction: t.direction.conv(),
                tolerance_seconds: t.tolerance_seconds,
            },
            W::NoMatchingSignature => N::NoMatchingSignature,
            W::LimitExceeded(limit) => N::LimitExceeded(limit.conv()),
        }
    }
}

impl Conv<w::webhooks::SignError> for native::webhooks::SignError {
    fn conv(self) -> w::webhooks::SignError {
        use native::webhooks::SignError as N;
        use w::webhooks::SignError as W;
        match self {
            N::UnusableSecret(problem) => W::UnusableSecret(problem.conv()),
            N::MissingField(field) => W::MissingField(field),
            N::InvalidField { field, reason } => W::InvalidField(w::webhooks::InvalidField { field, reason }),
            N::MalformedBody(reason) => W::MalformedBody(reason),
            N::LimitExceeded(limit) => W::LimitExceeded(limit.conv()),
        }
    }
}

impl Conv<native::webhooks::SignError> for w::webhooks::SignError {
    fn conv(self) -> native::webhooks::SignError {
        use native::webhooks::SignError as N;
        use w::webhooks::SignError as W;
        match self {
            W::UnusableSecret(problem) => N::UnusableSecret(problem.conv()),
            W::MissingField(field) => N::MissingField(field),
            W::InvalidField(f) => N::InvalidField { field: f.field, reason: f.reason },
            W::MalformedBody(reason) => N::MalformedBody(reason),
            W::LimitExceeded(limit) => N::LimitExceeded(limit.conv()),
        }
    }
}

// ---- idempotency ----
twins!(variant native::idempotency::KeyError, w::idempotency::KeyError,
    units [Empty, MalformedQuotedString], payloads [TooLong, InvalidCharacter]);
twins!(record native::idempotency::StoredKey, w::idempotency::StoredKey, [fingerprint, first_seen, completed, response_ref]);
twins!(enum native::idempotency::MismatchStatus, w::idempotency::MismatchStatus, [UnprocessableContent, BadRequest]);
twins!(record native::idempotency::KeyPolicy, w::idempotency::KeyPolicy, [retention_seconds, require_key, mismatch_status]);
twins!(enum native::idempotency::ExecuteReason, w::idempotency::ExecuteReason, [NewKey, ExpiredKey, NoKey]);
twins!(variant native::idempotency::Decision, w::idempotency::Decision,
    units [InProgress, Mismatch, MissingKey], payloads [Execute, Replay]);
twins!(record native::idempotency::Problem, w::idempotency::Problem, [status, content_type, body]);
twins!(variant native::idempotency::PolicyError, w::idempotency::PolicyError, units [], payloads [RetentionOutOfRange]);

// ---- retry ----
twins!(enum native::retry::TransportError, w::retry::TransportError,
    [Timeout, ConnectionReset, ConnectionRefused, Dns, Tls, Unknown]);
twins!(record native::retry::Failure, w::retry::Failure,
    [status, transport, error_type, error_code, retry_after, should_retry]);
twins!(enum native::retry::Category, w::retry::Category,
    [InvalidRequest, Authentication, Permission, NotFound, PaymentDeclined, IdempotencyConflict, RateLimited, ServerError, Transport, Unknown]);
twins!(record native::retry::Classification, w::retry::Classification,
    [category, retry, reuse_idempotency_key, fetch_existing, reason]);
twins!(record native::retry::Exponential, w::retry::Exponential, [base_ms, multiplier, cap_ms]);
twins!(variant native::retry::Schedule, w::retry::Schedule, units [], payloads [Explicit, Exponential]);
twins!(enum native::retry::Jitter, w::retry::Jitter, [None, Full, Equal, Decorrelated]);
twins!(record native::retry::Policy, w::retry::Policy, [schedule, max_attempts, jitter, max_delay_ms]);
twins!(variant native::retry::GiveUpReason, w::retry::GiveUpReason, units [AttemptsExhausted], payloads [NotRetryable]);
twins!(variant native::retry::NextStep, w::retry::Step, units [], payloads [RetryAfterMs, GiveUp]);
twins!(enum native::retry::PolicyError, w::retry::PolicyError, [ZeroAttempts, EmptySchedule, InvalidMultiplier, ZeroAttempt]);

// ---- lifecycle ----
twins!(enum native::lifecycle::PaymentStatus, w::lifecycle::PaymentStatus,
    [Created, RequiresAction, Processing, Failed, Authorized, Canceled, Succeeded]);
twins!(enum native::lifecycle::RefundStatus, w::lifecycle::RefundStatus, [Pending, RequiresAction, Canceled, Succeeded, Failed]);
twins!(enum native::lifecycle::DisputeStatus, w::lifecycle::DisputeStatus,
    [InquiryNeedsResponse, InquiryUnderReview, InquiryClosed, Prevented, NeedsResponse, UnderReview, Won, Lost]);
twins!(enum native::lifecycle::PayoutStatus, w::lifecycle::PayoutStatus, [Pending, InTransit, Canceled, Paid, Failed]);
twins!(enum native::lifecycle::InvoiceStatus, w::lifecycle::InvoiceStatus,
    [Created, PaymentDetected, Underpaid, Expired, PaymentConfirmed, Settled, PaidLate, Overpaid, Invalid, Refunded]);
twins!(variant native::lifecycle::State, w::lifecycle::State, units [], payloads [Payment, Refund, Dispute, Payout, Invoice]);
twins!(enum native::lifecycle::Rejection, w::lifecycle::Rejection, [KindMismatch, ConflictsWithTerminal]);
twins!(variant native::lifecycle::Outcome, w::lifecycle::Outcome, units [Unchanged, Stale], payloads [Advanced, Reversed, Rejected]);
twins!(enum native::lifecycle::Gateway, w::lifecycle::Gateway, [Stripe, CoinbaseCommerce, Btcpay, GenericCrypto]);
twins!(variant native::lifecycle::money::AmountError, w::lifecycle::AmountError,
    units [Empty, LeadingZero, TooLarge], payloads [InvalidCharacter]);
twins!(variant native::lifecycle::money::Tolerance, w::lifecycle::Tolerance, units [None], payloads [Atomic, BasisPoints]);
twins!(record native::lifecycle::money::Difference, w::lifecycle::Difference, [amount, within_tolerance]);
twins!(variant native::lifecycle::money::PaymentAssessment, w::lifecycle::PaymentAssessment,
    units [Exact], payloads [Underpaid, Overpaid]);
twins!(variant native::lifecycle::money::RefundError, w::lifecycle::RefundError,
    units [ZeroAmount, NotCaptured, AlreadyOverRefunded], payloads [InvalidAmount, OverRefund]);
twins!(record native::lifecycle::money::RefundAllowance, w::lifecycle::RefundAllowance, [amount, remaining_after]);
twins!(enum native::lifecycle::money::SpeedPolicy, w::lifecycle::SpeedPolicy, [HighSpeed, MediumSpeed, LowMediumSpeed, LowSpeed]);
twins!(record native::lifecycle::money::ConfirmationStatus, w::lifecycle::ConfirmationProgress, [confirmed, remaining]);

// ---- requests ----
twins!(record native::requests::OutboundRequest, w::requests::OutboundRequest, [method, path, body, timestamp, nonce]);
twins!(record native::requests::ApiSecret, w::requests::ApiSecret, [key_id, secret]);
twins!(record native::requests::InboundRequest, w::requests::InboundRequest, [method, path, headers, body]);
twins!(record native::requests::VerifiedRequest, w::requests::VerifiedRequest, [key_id, timestamp, nonce]);
twins!(variant native::requests::RequestError, w::requests::RequestError,
    units [InvalidNonce, UnusableSecret, UnknownKeyId, ContentMismatch, NoMatchingSignature],
    payloads [MissingHeader, MalformedHeader, TimestampOutsideTolerance]);

// ---- credentials ----
twins!(enum native::credentials::KeyKind, w::credentials::KeyKind, [Secret, Publishable, Restricted, WebhookSecret, Unknown]);
twins!(enum native::credentials::KeyMode, w::credentials::KeyMode, [Live, Test, Unknown]);
twins!(record native::credentials::KeyInfo, w::credentials::KeyInfo, [provider, kind, mode]);
twins!(enum native::credentials::KeyPlacement, w::credentials::KeyPlacement,
    [Browser, Server, TestEnvironment, ProductionEnvironment]);
twins!(enum native::credentials::PlacementRefusal, w::credentials::PlacementRefusal,
    [SecretInBrowser, UnrecognisedInBrowser, LiveKeyInTest, TestKeyInProduction]);
twins!(variant native::credentials::TokenStatus, w::credentials::TokenAdvice, units [], payloads [Use, RefreshNow, Expired]);

// ---- reconciliation ----
twins!(variant native::reconciliation::PollDecision, w::reconciliation::PollDecision,
    units [NotNeeded], payloads [PollNow, Wait]);
twins!(enum native::reconciliation::ItemKind, w::reconciliation::ItemKind,
    [Charge, Refund, Fee, AdjustmentCredit, AdjustmentDebit]);
twins!(record native::reconciliation::PayoutItem, w::reconciliation::PayoutItem, [id, kind, amount]);
twins!(record native::reconciliation::SignedAmount, w::reconciliation::SignedAmount, [negative, amount]);
twins!(variant native::reconciliation::PayoutMatch, w::reconciliation::PayoutMatch,
    units [Exact], payloads [PayoutHigher, PayoutLower]);
twins!(record native::reconciliation::PayoutReport, w::reconciliation::PayoutReport,
    [items_net, result, missing, unexpected, duplicates]);

impl Conv<w::reconciliation::ReconciliationError> for native::reconciliation::ReconciliationError {
    fn conv(self) -> w::reconciliation::ReconciliationError {
        use native::reconciliation::ReconciliationError as N;
        use w::reconciliation::ReconciliationError as W;
        match self {
            N::InvalidPayoutAmount(e) => W::InvalidPayoutAmount(e.conv()),
            N::InvalidItemAmount(index, e) => {
                W::InvalidItemAmount(w::reconciliation::InvalidItem { index, error: e.conv() })
            }
            N::Overflow => W::Overflow,
        }
    }
}

impl Conv<native::reconciliation::ReconciliationError> for w::reconciliation::ReconciliationError {
    fn conv(self) -> native::reconciliation::ReconciliationError {
        use native::reconciliation::ReconciliationError as N;
        use w::reconciliation::ReconciliationError as W;
        match self {
            W::InvalidPayoutAmount(e) => N::InvalidPayoutAmount(e.conv()),
            W::InvalidItemAmount(item) => N::InvalidItemAmount(item.index, item.error.conv()),
            W::Overflow => N::Overflow,
        }
    }
}

// ---- addresses ----
twins!(enum native::addresses::Network, w::addresses::Network, [BitcoinMainnet, BitcoinTestnet, Ethereum]);
twins!(enum native::addresses::AddressKind, w::addresses::AddressKind,
    [P2pkh, P2sh, WitnessV0KeyHash, WitnessV0ScriptHash, Taproot, WitnessFuture, Ethereum]);
twins!(record native::addresses::AddressInfo, w::addresses::AddressInfo, [kind, checksummed]);
twins!(variant native::addresses::AddressError, w::addresses::AddressError,
    units [Empty, TooLong, MixedCase, BadChecksum, WrongNetwork, InvalidFormat, InvalidProgramLength, InvalidWitnessVersion,
        InvalidPadding],
    payloads [InvalidCharacter]);

// ---- alerts ----
twins!(record native::alerts::Window, w::alerts::Window, [successes, failures]);
twins!(record native::alerts::AlertRule, w::alerts::AlertRule,
    [alert_at_basis_points, recover_below_basis_points, min_events, sustained_windows]);
twins!(enum native::alerts::AlertAction, w::alerts::AlertAction, [Alert, Recover, Nothing]);
twins!(enum native::alerts::RuleError, w::alerts::RuleError, [NoHysteresis, ThresholdOutOfRange, ZeroWindows]);
