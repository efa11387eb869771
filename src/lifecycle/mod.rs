//! Lifecycle state machines (`paywit:gateway/lifecycle`) that converge
//! whatever order and however often events arrive.
//!
//! Design: within each kind the statuses are listed in rank order, and `apply`
//! keeps the higher-ranked state (a join over a total order). Folding `apply`
//! over any permutation of a multiset therefore ends at its maximum, and a
//! duplicate changes nothing. A few pairs are documented *conflicts*: when the
//! higher one arrives second it is a reversal (the host alerts); when the
//! lower one arrives second it is rejected (an operator looks). Either way the
//! final state is the same.

mod events;
pub mod money;

pub use events::{map_event, Gateway};

macro_rules! ranked_status {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            /// Every status, lowest rank first.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }
    };
}

ranked_status!(
    /// A payment (Stripe PaymentIntent / charge), lowest rank first.
    PaymentStatus {
        /// Created.
        Created,
        /// Waiting on the customer.
        RequiresAction,
        /// Outcome pending.
        Processing,
        /// An attempt failed; a new one may still succeed.
        Failed,
        /// Authorized, awaiting capture.
        Authorized,
        /// Canceled.
        Canceled,
        /// Captured.
        Succeeded,
    }
);

ranked_status!(
    /// A refund, lowest rank first.
    RefundStatus {
        /// Pending.
        Pending,
        /// Needs more information.
        RequiresAction,
        /// Canceled.
        Canceled,
        /// Succeeded (may still fail).
        Succeeded,
        /// Failed.
        Failed,
    }
);

ranked_status!(
    /// A dispute, lowest rank first.
    DisputeStatus {
        /// Inquiry needs a response.
        InquiryNeedsResponse,
        /// Inquiry under review.
        InquiryUnderReview,
        /// Inquiry closed.
        InquiryClosed,
        /// Prevented.
        Prevented,
        /// Chargeback needs a response.
        NeedsResponse,
        /// Chargeback under review.
        UnderReview,
        /// Won.
        Won,
        /// Lost.
        Lost,
    }
);

ranked_status!(
    /// A payout, lowest rank first.
    PayoutStatus {
        /// Pending.
        Pending,
        /// In transit.
        InTransit,
        /// Canceled.
        Canceled,
        /// Paid (may still fail).
        Paid,
        /// Failed.
        Failed,
    }
);

ranked_status!(
    /// A crypto invoice, lowest rank first.
    InvoiceStatus {
        /// Created.
        Created,
        /// Seen in the mempool.
        PaymentDetected,
        /// Paid less than expected.
        Underpaid,
        /// Expired unpaid.
        Expired,
        /// Confirmed.
        PaymentConfirmed,
        /// Settled.
        Settled,
        /// Paid after expiry.
        PaidLate,
        /// Paid more than expected.
        Overpaid,
        /// Invalid.
        Invalid,
        /// Refunded.
        Refunded,
    }
);

/// The state of one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// A payment.
    Payment(PaymentStatus),
    /// A refund.
    Refund(RefundStatus),
    /// A dispute.
    Dispute(DisputeStatus),
    /// A payout.
    Payout(PayoutStatus),
    /// A crypto invoice.
    Invoice(InvoiceStatus),
}

/// Why an incoming state was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// Another kind of object.
    KindMismatch,
    /// Contradicts a higher-ranked state already reached; needs an operator.
    ConflictsWithTerminal,
}

/// What applying a state did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Moved forward.
    Advanced(State),
    /// A duplicate.
    Unchanged,
    /// Older than the current state: ignore.
    Stale,
    /// A documented late reversal: the new state; alert.
    Reversed(State),
    /// Not applied.
    Rejected(Rejection),
}

impl State {
    /// (kind, rank) of the state; ranks only compare within a kind.
    fn kind_and_rank(self) -> (u8, u8) {
        match self {
            State::Payment(s) => (0, s as u8),
            State::Refund(s) => (1, s as u8),
            State::Dispute(s) => (2, s as u8),
            State::Payout(s) => (3, s as u8),
            State::Invoice(s) => (4, s as u8),
        }
    }

    /// Every state of every kind.
    pub fn all() -> Vec<State> {
        let mut all = Vec::new();
        all.extend(PaymentStatus::ALL.iter().map(|s| State::Payment(*s)));
        all.extend(RefundStatus::ALL.iter().map(|s| State::Refund(*s)));
        all.extend(DisputeStatus::ALL.iter().map(|s| State::Dispute(*s)));
        all.extend(PayoutStatus::ALL.iter().map(|s| State::Payout(*s)));
        all.extend(InvoiceStatus::ALL.iter().map(|s| State::Invoice(*s)));
        all
    }
}

/// The documented conflicts, each as (lower, higher): the higher state arriving
/// over the lower is a reversal to alert on; the lower arriving over the higher
/// is rejected.
pub const CONFLICTS: &[(State, State)] = &[
    (State::Payment(PaymentStatus::Canceled), State::Payment(PaymentStatus::Succeeded)),
    (State::Refund(RefundStatus::Succeeded), State::Refund(RefundStatus::Failed)),
    (State::Refund(RefundStatus::Canceled), State::Refund(RefundStatus::Succeeded)),
    (State::Dispute(DisputeStatus::Won), State::Dispute(DisputeStatus::Lost)),
    (State::Payout(PayoutStatus::Paid), State::Payout(PayoutStatus::Failed)),
    (State::Payout(PayoutStatus::Canceled), State::Payout(PayoutStatus::Paid)),
    (State::Invoice(InvoiceStatus::PaymentDetected), State::Invoice(InvoiceStatus::Underpaid)),
    (State::Invoice(InvoiceStatus::Expired), State::Invoice(InvoiceStatus::PaidLate)),
    (State::Invoice(InvoiceStatus::PaymentConfirmed), State::Invoice(InvoiceStatus::Invalid)),
    (State::Invoice(InvoiceStatus::Settled), State::Invoice(InvoiceStatus::Invalid)),
    (State::Invoice(InvoiceStatus::Overpaid), State::Invoice(InvoiceStatus::Invalid)),
    (State::Invoice(InvoiceStatus::PaidLate), State::Invoice(InvoiceStatus::Invalid)),
];

/// Applies `incoming` to `current` (`None`: the first event). Total and pure.
pub fn apply(current: Option<State>, incoming: State) -> Outcome {
    let Some(current) = current else {
        return Outcome::Advanced(incoming);
    };
    let (current_kind, current_rank) = current.kind_and_rank();
    let (incoming_kind, incoming_rank) = incoming.kind_and_rank();
    if current_kind != incoming_kind {
        return Outcome::Rejected(Rejection::KindMismatch);
    }
    let conflict = |low: State, high: State| CONFLICTS.contains(&(low, high));
    match incoming_rank.cmp(&current_rank) {
        std::cmp::Ordering::Equal => Outcome::Unchanged,
        std::cmp::Ordering::Greater if conflict(current, incoming) => Outcome::Reversed(incoming),
        std::cmp::Ordering::Greater => Outcome::Advanced(incoming),
        std::cmp::Ordering::Less if conflict(incoming, current) => Outcome::Rejected(Rejection::ConflictsWithTerminal),
        std::cmp::Ordering::Less => Outcome::Stale,
    }
}

/// The state after folding `apply` over `events`, starting from `None`.
pub fn fold(events: impl IntoIterator<Item = State>) -> Option<State> {
    events.into_iter().fold(None, |current, incoming| match apply(current, incoming) {
        Outcome::Advanced(next) | Outcome::Reversed(next) => Some(next),
        Outcome::Unchanged | Outcome::Stale | Outcome::Rejected(_) => current,
    })
}

#[cfg(test)]
mod tests;
