//! Gateway event names (and object statuses) mapped to canonical states.
//!
//! Where the payload carries the object's own status it is preferred over the
//! event name, as Stripe and Coinbase advise: events arrive out of order, but
//! the status in each payload is the object's state when that event was made.

use super::{DisputeStatus as D, InvoiceStatus as I, PaymentStatus as P, PayoutStatus as O, RefundStatus as R, State};

/// The gateway an event came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gateway {
    /// Stripe.
    Stripe,
    /// Coinbase Commerce.
    CoinbaseCommerce,
    /// BTCPay Server.
    Btcpay,
    /// The integration guide's generic crypto names.
    GenericCrypto,
}

/// Maps an event (and, preferred, the object's status) to a state; `None` for
/// names paywit does not know.
pub fn map_event(gateway: Gateway, event_type: &str, object_status: Option<&str>) -> Option<State> {
    match gateway {
        Gateway::Stripe => stripe(event_type, object_status),
        Gateway::CoinbaseCommerce => coinbase(event_type, object_status),
        Gateway::Btcpay => btcpay(event_type, object_status),
        Gateway::GenericCrypto => generic_crypto(event_type),
    }
}

fn stripe(event: &str, status: Option<&str>) -> Option<State> {
    let (object, action) = event.rsplit_once('.')?;
    match object {
        "payment_intent" => {
            let from_status = status.and_then(|s| match s {
                // After a failed attempt the intent returns to requires_payment_method.
                "requires_payment_method" if action == "payment_failed" => Some(P::Failed),
                "requires_payment_method" | "requires_confirmation" => Some(P::Created),
                "requires_action" => Some(P::RequiresAction),
                "processing" => Some(P::Processing),
                "requires_capture" => Some(P::Authorized),
                "canceled" => Some(P::Canceled),
                "succeeded" => Some(P::Succeeded),
                _ => None,
            });
            from_status
                .or(match action {
                    "created" => Some(P::Created),
                    "requires_action" => Some(P::RequiresAction),
                    "processing" | "partially_funded" => Some(P::Processing),
                    "amount_capturable_updated" => Some(P::Authorized),
                    "payment_failed" => Some(P::Failed),
                    "canceled" => Some(P::Canceled),
                    "succeeded" => Some(P::Succeeded),
                    _ => None,
                })
                .map(State::Payment)
        }
        "charge" => status
            .and_then(|s| match (s, action) {
                ("succeeded", "captured") => Some(P::Succeeded),
                ("pending", _) => Some(P::Processing),
                ("failed", _) => Some(P::Failed),
                ("succeeded", "succeeded" | "updated") => Some(P::Succeeded),
                _ => None,
            })
            .or(match action {
                "pending" => Some(P::Processing),
                "succeeded" | "captured" => Some(P::Succeeded),
                "failed" => Some(P::Failed),
                "expired" => Some(P::Canceled),
                _ => None,
            })
            .map(State::Payment),
        "refund" | "charge.refund" => status
            .and_then(|s| match s {
                "pending" => Some(R::Pending),
                "requires_action" => Some(R::RequiresAction),
                "succeeded" => Some(R::Succeeded),
                "failed" => Some(R::Failed),
                "canceled" => Some(R::Canceled),
                _ => None,
            })
            .or(match action {
                "created" => Some(R::Pending),
                "failed" => Some(R::Failed),
                _ => None,
            })
            .map(State::Refund),
        "charge.dispute" => status
            .and_then(|s| match s {
                "warning_needs_response" => Some(D::InquiryNeedsResponse),
                "warning_under_review" => Some(D::InquiryUnderReview),
                "warning_closed" => Some(D::InquiryClosed),
                "needs_response" => Some(D::NeedsResponse),
                "under_review" => Some(D::UnderReview),
                "won" => Some(D::Won),
                "lost" | "charge_refunded" => Some(D::Lost),
                "prevented" => Some(D::Prevented),
                _ => None,
            })
            .or(match action {
                "created" => Some(D::NeedsResponse),
                _ => None,
            })
            .map(State::Dispute),
        "payout" => status
            .and_then(|s| match s {
                "pending" => Some(O::Pending),
                "in_transit" => Some(O::InTransit),
                "paid" => Some(O::Paid),
                "failed" => Some(O::Failed),
                "canceled" => Some(O::Canceled),
                _ => None,
            })
            .or(match action {
                "created" => Some(O::Pending),
                "paid" => Some(O::Paid),
                "failed" => Some(O::Failed),
                "canceled" => Some(O::Canceled),
                _ => None,
            })
            .map(State::Payout),
        _ => None,
    }
}

/// Coinbase Commerce statuses: the last timeline entry, e.g. `COMPLETED`, or
/// `UNRESOLVED` with its context written `UNRESOLVED:UNDERPAID` (or the bare context).
fn coinbase(event: &str, status: Option<&str>) -> Option<State> {
    let from_status = status.and_then(|s| {
        let context = s.strip_prefix("UNRESOLVED:").unwrap_or(s);
        match context {
            "NEW" => Some(I::Created),
            "PENDING" | "SIGNED" => Some(I::PaymentDetected),
            "COMPLETED" => Some(I::PaymentConfirmed),
            "EXPIRED" | "CANCELED" => Some(I::Expired),
            "FAILED" => Some(I::Invalid),
            "RESOLVED" => Some(I::Settled),
            "UNDERPAID" => Some(I::Underpaid),
            "OVERPAID" | "MULTIPLE" => Some(I::Overpaid),
            "DELAYED" => Some(I::PaidLate),
            _ => None,
        }
    });
    from_status
        .or(match event {
            "charge:created" => Some(I::Created),
            "charge:pending" => Some(I::PaymentDetected),
            "charge:confirmed" => Some(I::PaymentConfirmed),
            "charge:failed" => Some(I::Expired),
            "charge:delayed" => Some(I::PaidLate),
            "charge:resolved" => Some(I::Settled),
            _ => None,
        })
        .map(State::Invoice)
}

fn btcpay(event: &str, status: Option<&str>) -> Option<State> {
    if let Some(payout) = event.strip_prefix("Payout") {
        return status
            .and_then(|s| match s {
                "AwaitingApproval" | "AwaitingPayment" => Some(O::Pending),
                "InProgress" => Some(O::InTransit),
                "Completed" => Some(O::Paid),
                "Cancelled" => Some(O::Canceled),
                _ => None,
            })
            .or(match payout {
                "Created" | "Approved" => Some(O::Pending),
                _ => None,
            })
            .map(State::Payout);
    }
    // Event names carry the exception (PaidLate, PaidPartial) that the bare
    // invoice status lacks, so the specific ones win over the status here.
    let from_event = match event {
        "InvoiceExpiredPaidPartial" => Some(I::Underpaid),
        "InvoicePaidAfterExpiration" => Some(I::PaidLate),
        "InvoiceRefund" => Some(I::Refunded),
        _ => None,
    };
    from_event
        .or(status.and_then(|s| match s {
            "New" => Some(I::Created),
            "Processing" => Some(I::PaymentDetected),
            "Expired" => Some(I::Expired),
            "Invalid" => Some(I::Invalid),
            "Settled" | "Complete" | "Confirmed" => Some(I::Settled),
            _ => None,
        }))
        .or(match event {
            "InvoiceCreated" => Some(I::Created),
            "InvoiceReceivedPayment" | "InvoiceProcessing" => Some(I::PaymentDetected),
            "InvoicePaymentSettled" => Some(I::PaymentConfirmed),
            "InvoiceSettled" => Some(I::Settled),
            "InvoiceExpired" => Some(I::Expired),
            "InvoiceInvalid" => Some(I::Invalid),
            _ => None,
        })
        .map(State::Invoice)
}

fn generic_crypto(event: &str) -> Option<State> {
    Some(match event {
        "invoice.created" => State::Invoice(I::Created),
        "payment.detected" => State::Invoice(I::PaymentDetected),
        "payment.completed" => State::Invoice(I::PaymentConfirmed),
        "payment.settled" => State::Invoice(I::Settled),
        "invoice.expired" => State::Invoice(I::Expired),
        "invoice.underpaid" => State::Invoice(I::Underpaid),
        "payout.initiated" => State::Payout(O::InTransit),
        "payout.paid" => State::Payout(O::Paid),
        "payout.failed" => State::Payout(O::Failed),
        "refund.completed" => State::Refund(R::Succeeded),
        "refund.failed" => State::Refund(R::Failed),
        _ => return None,
    })
}
