//! The WIT glue (wasm32 only): each export converts its arguments with the
//! shared [`conversions`] mapping, calls one pure function, and converts the
//! answer back. Randomness comes from `wasi:random`; no logic lives here.

wit_bindgen::generate!({
    path: "wit",
    world: "paywit",
    generate_all,
});

use crate as native;
use exports::paywit::gateway as w;
use wasi::random::random::get_random_u64;

mod conversions {
    use super::{native, w};
    include!("conversions.rs");
}
use conversions::Conv;

/// The exported component.
struct Component;

export!(Component);

/// `N` bytes from the host's secure random source.
///
/// Drawn 8 at a time with `get-random-u64`: `get-random-bytes` returns a list,
/// whose lowering needs two extra core instances (a shim and a fixup module)
/// in every component instance, which made instantiation measurably slower.
fn random_array<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(8) {
        chunk.copy_from_slice(&get_random_u64().to_le_bytes()[..chunk.len()]);
    }
    out
}

impl w::webhooks::Guest for Component {
    fn verify(
        scheme: w::webhooks::Scheme,
        secrets: Vec<String>,
        request: w::webhooks::Request,
        options: w::webhooks::VerifyOptions,
    ) -> Result<w::webhooks::Verified, w::webhooks::VerifyError> {
        native::webhooks::verify(&scheme.conv(), &secrets, &request.conv(), options.conv()).conv()
    }

    fn verify_fields(
        scheme: w::webhooks::Scheme,
        secrets: Vec<String>,
        fields: String,
        body: w::types::Body,
        url: Option<String>,
        options: w::webhooks::VerifyOptions,
    ) -> Result<w::webhooks::Verified, w::webhooks::VerifyError> {
        native::webhooks::verify_fields(&scheme.conv(), &secrets, &fields, body.conv(), url, options.conv()).conv()
    }

    fn verify_packed(packed: Vec<u8>) -> Result<w::webhooks::Verified, w::webhooks::VerifyError> {
        native::webhooks::verify_packed(&packed).conv()
    }

    fn prepare_packed(scheme: w::webhooks::Scheme, secrets: Vec<String>) -> Result<Vec<u8>, w::webhooks::VerifyError> {
        native::webhooks::prepare_packed(&scheme.conv(), &secrets).map_err(|e| e.conv())
    }

    fn sign(
        scheme: w::webhooks::Scheme,
        secret: String,
        message: w::webhooks::Message,
    ) -> Result<Vec<w::webhooks::Header>, w::webhooks::SignError> {
        native::webhooks::sign(&scheme.conv(), &secret, &message.conv()).conv()
    }

    fn schemes() -> Vec<w::webhooks::SchemeInfo> {
        native::webhooks::schemes().conv()
    }

    fn new_secret(scheme: w::webhooks::Scheme) -> String {
        native::webhooks::new_secret(&scheme.conv(), &random_array())
    }

    fn new_signing_key_pair() -> w::webhooks::SigningKeyPair {
        native::webhooks::new_signing_key_pair(&random_array()).conv()
    }

    fn public_key(signing_key: String) -> Result<String, w::webhooks::SecretProblem> {
        native::webhooks::public_key(&signing_key).conv()
    }
}

impl w::idempotency::Guest for Component {
    fn new_key() -> String {
        native::idempotency::new_key(random_array())
    }

    fn parse_key(header_value: String) -> Result<String, w::idempotency::KeyError> {
        native::idempotency::parse_key(&header_value).conv()
    }

    fn fingerprint(method: String, path: String, body: w::types::Body) -> String {
        native::idempotency::fingerprint(&method, &path, &body.conv())
    }

    fn default_policy() -> w::idempotency::KeyPolicy {
        native::idempotency::default_policy().conv()
    }

    fn decide(
        key: Option<String>,
        stored: Option<w::idempotency::StoredKey>,
        fingerprint: String,
        now: i64,
        policy: w::idempotency::KeyPolicy,
    ) -> Result<w::idempotency::Decision, w::idempotency::PolicyError> {
        let stored: Option<native::idempotency::StoredKey> = stored.conv();
        native::idempotency::decide(key.as_deref(), stored.as_ref(), &fingerprint, now, &policy.conv()).conv()
    }

    fn problem_for(
        decision: w::idempotency::Decision,
        policy: w::idempotency::KeyPolicy,
    ) -> Option<w::idempotency::Problem> {
        native::idempotency::problem_for(&decision.conv(), &policy.conv()).conv()
    }
}

impl w::retry::Guest for Component {
    fn classify(failure: w::retry::Failure) -> w::retry::Classification {
        native::retry::classify(&failure.conv()).conv()
    }

    fn parse_retry_after(value: String, now: i64) -> Option<u64> {
        native::retry::parse_retry_after(&value, now)
    }

    fn next_step(
        policy: w::retry::Policy,
        attempt: u32,
        failure: w::retry::Failure,
        now: i64,
    ) -> Result<w::retry::Step, w::retry::PolicyError> {
        native::retry::next_step(&policy.conv(), attempt, &failure.conv(), now, get_random_u64()).conv()
    }

    fn next_step_with_random(
        policy: w::retry::Policy,
        attempt: u32,
        failure: w::retry::Failure,
        now: i64,
        random: u64,
    ) -> Result<w::retry::Step, w::retry::PolicyError> {
        native::retry::next_step(&policy.conv(), attempt, &failure.conv(), now, random).conv()
    }

    fn api_policy() -> w::retry::Policy {
        native::retry::api_policy().conv()
    }

    fn webhook_redelivery_policy() -> w::retry::Policy {
        native::retry::webhook_redelivery_policy().conv()
    }

    fn standard_webhooks_policy() -> w::retry::Policy {
        native::retry::standard_webhooks_policy().conv()
    }
}

impl w::lifecycle::Guest for Component {
    fn apply(current: Option<w::lifecycle::State>, incoming: w::lifecycle::State) -> w::lifecycle::Outcome {
        native::lifecycle::apply(current.conv(), incoming.conv()).conv()
    }

    fn map_event(
        gateway: w::lifecycle::Gateway,
        event_type: String,
        object_status: Option<String>,
    ) -> Option<w::lifecycle::State> {
        native::lifecycle::map_event(gateway.conv(), &event_type, object_status.as_deref()).conv()
    }

    fn parse_amount(value: String) -> Result<String, w::lifecycle::AmountError> {
        native::lifecycle::money::parse_amount(&value).map(|amount| amount.to_string()).conv()
    }

    fn assess_payment(
        expected: String,
        received: String,
        tolerance: w::lifecycle::Tolerance,
    ) -> Result<w::lifecycle::PaymentAssessment, w::lifecycle::AmountError> {
        native::lifecycle::money::assess_payment(&expected, &received, &tolerance.conv()).conv()
    }

    fn refundable(
        captured: String,
        already_refunded: String,
        requested: String,
    ) -> Result<w::lifecycle::RefundAllowance, w::lifecycle::RefundError> {
        native::lifecycle::money::refundable(&captured, &already_refunded, &requested).conv()
    }

    fn confirmation_status(confirmations: u32, required: u32) -> w::lifecycle::ConfirmationProgress {
        native::lifecycle::money::confirmation_status(confirmations, required).conv()
    }

    fn required_confirmations(speed: w::lifecycle::SpeedPolicy, rbf: bool) -> u32 {
        native::lifecycle::money::required_confirmations(speed.conv(), rbf)
    }
}

impl w::requests::Guest for Component {
    fn sign_request(
        key_id: String,
        secret: String,
        request: w::requests::OutboundRequest,
    ) -> Result<Vec<w::types::Header>, w::requests::RequestError> {
        native::requests::sign_request(&key_id, &secret, &request.conv()).conv()
    }

    fn verify_request(
        secrets: Vec<w::requests::ApiSecret>,
        request: w::requests::InboundRequest,
        now: i64,
        tolerance_seconds: Option<u32>,
    ) -> Result<w::requests::VerifiedRequest, w::requests::RequestError> {
        let secrets: Vec<native::requests::ApiSecret> = secrets.conv();
        native::requests::verify_request(&secrets, &request.conv(), now, tolerance_seconds).conv()
    }
}

impl w::credentials::Guest for Component {
    fn classify_key(key: String) -> w::credentials::KeyInfo {
        native::credentials::classify_key(&key).conv()
    }

    fn check_key_placement(
        key: String,
        placement: w::credentials::KeyPlacement,
    ) -> Result<w::credentials::KeyInfo, w::credentials::PlacementRefusal> {
        native::credentials::check_key_placement(&key, placement.conv()).conv()
    }

    fn token_status(
        issued_at: i64,
        expires_in: u32,
        now: i64,
        refresh_skew_seconds: u32,
    ) -> w::credentials::TokenAdvice {
        native::credentials::token_status(issued_at, expires_in, now, refresh_skew_seconds).conv()
    }
}

impl w::reconciliation::Guest for Component {
    fn poll_backstop(state: w::lifecycle::State, last_event_at: i64, now: i64) -> w::reconciliation::PollDecision {
        native::reconciliation::poll_backstop(state.conv(), last_event_at, now).conv()
    }

    fn reconcile_payout(
        payout_amount: String,
        items: Vec<w::reconciliation::PayoutItem>,
        expected_ids: Vec<String>,
    ) -> Result<w::reconciliation::PayoutReport, w::reconciliation::ReconciliationError> {
        let items: Vec<native::reconciliation::PayoutItem> = items.conv();
        native::reconciliation::reconcile_payout(&payout_amount, &items, &expected_ids).conv()
    }
}

impl w::addresses::Guest for Component {
    fn validate_address(
        network: w::addresses::Network,
        address: String,
    ) -> Result<w::addresses::AddressInfo, w::addresses::AddressError> {
        native::addresses::validate_address(network.conv(), &address).conv()
    }
}

impl w::alerts::Guest for Component {
    fn default_alert_rule() -> w::alerts::AlertRule {
        native::alerts::default_alert_rule().conv()
    }

    fn evaluate_alert(
        windows: Vec<w::alerts::Window>,
        alerting: bool,
        rule: w::alerts::AlertRule,
    ) -> Result<w::alerts::AlertAction, w::alerts::RuleError> {
        let windows: Vec<native::alerts::Window> = windows.conv();
        native::alerts::evaluate_alert(&windows, alerting, &rule.conv()).conv()
    }
}
