//! Polling backstop and payout reconciliation (`paywit:gateway/reconciliation`).
//!
//! Webhooks stay the source of truth; `poll_backstop` only says when an object
//! has been in flight long enough that a missed webhook is likely.

use crate::lifecycle::money::{parse_amount, AmountError};
use crate::lifecycle::{DisputeStatus, InvoiceStatus, PaymentStatus, PayoutStatus, RefundStatus, State};

const MINUTE: u32 = 60;
const HOUR: u32 = 60 * MINUTE;
const DAY: u32 = 24 * HOUR;

/// Whether and when to poll the gateway for an object's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollDecision {
    /// Final for polling purposes: webhooks alone are enough.
    NotNeeded,
    /// Poll now; if still in flight afterwards, look again after this many seconds.
    PollNow(u32),
    /// Nothing yet; look again in this many seconds.
    Wait(u64),
}

/// How long an object may stay in `state` without an event before a poll, or
/// `None` when the state needs no backstop.
pub fn quiet_period(state: State) -> Option<u32> {
    use InvoiceStatus as I;
    match state {
        State::Payment(PaymentStatus::Processing) => Some(15 * MINUTE),
        State::Payment(PaymentStatus::Created | PaymentStatus::RequiresAction) => Some(HOUR),
        State::Payment(PaymentStatus::Failed | PaymentStatus::Authorized) => Some(DAY),
        State::Payment(PaymentStatus::Canceled | PaymentStatus::Succeeded) => None,
        State::Refund(RefundStatus::Pending | RefundStatus::RequiresAction) => Some(DAY),
        State::Refund(_) => None,
        State::Dispute(
            DisputeStatus::Won | DisputeStatus::Lost | DisputeStatus::InquiryClosed | DisputeStatus::Prevented,
        ) => None,
        State::Dispute(_) => Some(DAY),
        State::Payout(PayoutStatus::Pending) => Some(DAY),
        State::Payout(PayoutStatus::InTransit) => Some(2 * DAY),
        State::Payout(_) => None,
        State::Invoice(I::Created | I::PaymentDetected | I::PaymentConfirmed) => Some(30 * MINUTE),
        State::Invoice(I::Underpaid) => Some(HOUR),
        State::Invoice(_) => None,
    }
}

/// Decides whether an object whose last event arrived at `last_event_at` needs
/// a reconciliation poll at `now`.
pub fn poll_backstop(state: State, last_event_at: i64, now: i64) -> PollDecision {
    let Some(period) = quiet_period(state) else { return PollDecision::NotNeeded };
    let elapsed = now as i128 - last_event_at as i128;
    if elapsed >= period as i128 {
        PollDecision::PollNow(period)
    } else {
        PollDecision::Wait(u64::try_from(period as i128 - elapsed.max(0)).unwrap_or(u64::MAX))
    }
}

/// How an item moves a payout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    /// A charge or invoice paid out (adds).
    Charge,
    /// A refund (subtracts).
    Refund,
    /// A fee (subtracts).
    Fee,
    /// An adjustment in the merchant's favour (adds).
    AdjustmentCredit,
    /// An adjustment against the merchant (subtracts).
    AdjustmentDebit,
}

/// One line of a payout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutItem {
    /// The item's id (charge, refund, fee id).
    pub id: String,
    /// How it moves the payout.
    pub kind: ItemKind,
    /// Its amount in atomic units (non-negative).
    pub amount: String,
}

/// A signed amount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedAmount {
    /// Below zero.
    pub negative: bool,
    /// The magnitude (decimal string).
    pub amount: String,
}

/// How the payout compares with its items.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayoutMatch {
    /// The payout equals the items' net.
    Exact,
    /// The payout is higher than the items' net by this much (items missing?).
    PayoutHigher(String),
    /// The payout is lower by this much (unrecorded fees or debits?).
    PayoutLower(String),
}

/// The reconciliation of one payout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayoutReport {
    /// Credits minus debits of the items.
    pub items_net: SignedAmount,
    /// The comparison with the payout amount.
    pub result: PayoutMatch,
    /// Expected ids absent from the items.
    pub missing: Vec<String>,
    /// Item ids not expected (only when an expected list is given).
    pub unexpected: Vec<String>,
    /// Item ids listed more than once.
    pub duplicates: Vec<String>,
}

/// Why a payout cannot be reconciled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReconciliationError {
    /// The payout amount is malformed.
    InvalidPayoutAmount(AmountError),
    /// An item's amount is malformed; the index of the item.
    InvalidItemAmount(u32, AmountError),
    /// The sums exceed 2^128 - 1.
    Overflow,
}

/// Reconciles a payout against its items, exactly. `expected_ids` (may be
/// empty: no membership check) lists what the ledger says the payout covers.
pub fn reconcile_payout(
    payout_amount: &str,
    items: &[PayoutItem],
    expected_ids: &[String],
) -> Result<PayoutReport, ReconciliationError> {
    let payout = parse_amount(payout_amount).map_err(ReconciliationError::InvalidPayoutAmount)?;
    let (mut credits, mut debits) = (0u128, 0u128);
    for (index, item) in items.iter().enumerate() {
        let amount = parse_amount(&item.amount).map_err(|e| ReconciliationError::InvalidItemAmount(index as u32, e))?;
        let total = match item.kind {
            ItemKind::Charge | ItemKind::AdjustmentCredit => &mut credits,
            ItemKind::Refund | ItemKind::Fee | ItemKind::AdjustmentDebit => &mut debits,
        };
        *total = total.checked_add(amount).ok_or(ReconciliationError::Overflow)?;
    }
    let items_net = if credits >= debits {
        SignedAmount { negative: false, amount: (credits - debits).to_string() }
    } else {
        SignedAmount { negative: true, amount: (debits - credits).to_string() }
    };
    // payout - net, computed without leaving u128.
    let result = if items_net.negative {
        let over = payout.checked_add(debits - credits).ok_or(ReconciliationError::Overflow)?;
        if over == 0 {
            PayoutMatch::Exact
        } else {
            PayoutMatch::PayoutHigher(over.to_string())
        }
    } else {
        let net = credits - debits;
        match payout.cmp(&net) {
            std::cmp::Ordering::Equal => PayoutMatch::Exact,
            std::cmp::Ordering::Greater => PayoutMatch::PayoutHigher((payout - net).to_string()),
            std::cmp::Ordering::Less => PayoutMatch::PayoutLower((net - payout).to_string()),
        }
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut duplicates = std::collections::BTreeSet::new();
    for item in items {
        if !seen.insert(item.id.as_str()) {
            duplicates.insert(item.id.clone());
        }
    }
    let expected: std::collections::BTreeSet<&str> = expected_ids.iter().map(String::as_str).collect();
    let missing = expected.iter().filter(|id| !seen.contains(**id)).map(|id| id.to_string()).collect();
    let unexpected = if expected.is_empty() {
        Vec::new()
    } else {
        seen.iter().filter(|id| !expected.contains(**id)).map(|id| id.to_string()).collect()
    };
    Ok(PayoutReport { items_net, result, missing, unexpected, duplicates: duplicates.into_iter().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, kind: ItemKind, amount: &str) -> PayoutItem {
        PayoutItem { id: id.into(), kind, amount: amount.into() }
    }

    #[test]
    fn backstop_polls_in_flight_objects_after_their_quiet_period() {
        let processing = State::Payment(PaymentStatus::Processing);
        assert_eq!(poll_backstop(processing, 1000, 1000 + 600), PollDecision::Wait(300));
        assert_eq!(poll_backstop(processing, 1000, 1000 + 900), PollDecision::PollNow(900));
        assert_eq!(poll_backstop(State::Payment(PaymentStatus::Succeeded), 0, 1_000_000), PollDecision::NotNeeded);
        assert_eq!(poll_backstop(State::Refund(RefundStatus::Pending), 0, 86_400), PollDecision::PollNow(86_400));
        assert_eq!(poll_backstop(State::Payout(PayoutStatus::InTransit), 0, 86_400), PollDecision::Wait(86_400));
        assert_eq!(poll_backstop(State::Invoice(InvoiceStatus::PaymentDetected), 0, 1800), PollDecision::PollNow(1800));
        assert_eq!(poll_backstop(State::Invoice(InvoiceStatus::Settled), 0, 1_000_000), PollDecision::NotNeeded);
        assert_eq!(
            poll_backstop(processing, 1000, 0),
            PollDecision::Wait(900),
            "clock behind the event: wait a full period"
        );
        for state in State::all() {
            let _ = poll_backstop(state, i64::MIN, i64::MAX); // total
        }
    }

    #[test]
    fn payouts_reconcile_exactly() {
        let items = vec![
            item("ch_1", ItemKind::Charge, "10000"),
            item("ch_2", ItemKind::Charge, "5000"),
            item("re_1", ItemKind::Refund, "2000"),
            item("fee_1", ItemKind::Fee, "435"),
        ];
        let expected: Vec<String> = ["ch_1", "ch_2", "ch_3", "re_1", "fee_1"].iter().map(|s| s.to_string()).collect();
        let report = reconcile_payout("12565", &items, &expected).unwrap();
        assert_eq!(report.items_net, SignedAmount { negative: false, amount: "12565".into() });
        assert_eq!(report.result, PayoutMatch::Exact);
        assert_eq!(report.missing, ["ch_3"]);
        assert!(report.unexpected.is_empty() && report.duplicates.is_empty());
        assert_eq!(reconcile_payout("12000", &items, &[]).unwrap().result, PayoutMatch::PayoutLower("565".into()));
        assert_eq!(reconcile_payout("13000", &items, &[]).unwrap().result, PayoutMatch::PayoutHigher("435".into()));
        let mut doubled = items.clone();
        doubled.push(item("ch_1", ItemKind::Charge, "10000"));
        doubled.push(item("adj_9", ItemKind::AdjustmentDebit, "1"));
        let report = reconcile_payout("0", &doubled, &expected).unwrap();
        assert_eq!(report.duplicates, ["ch_1"]);
        assert_eq!(report.unexpected, ["adj_9"]);
        let negative = vec![item("re_1", ItemKind::Refund, "700")];
        let report = reconcile_payout("0", &negative, &[]).unwrap();
        assert_eq!(report.items_net, SignedAmount { negative: true, amount: "700".into() });
        assert_eq!(report.result, PayoutMatch::PayoutHigher("700".into()));
        let wei = vec![item("inv_1", ItemKind::Charge, "1000000000000000000000000")];
        assert_eq!(reconcile_payout("1000000000000000000000000", &wei, &[]).unwrap().result, PayoutMatch::Exact);
        assert_eq!(
            reconcile_payout("1", &[item("x", ItemKind::Fee, "1.5")], &[]),
            Err(ReconciliationError::InvalidItemAmount(0, AmountError::InvalidCharacter(1)))
        );
        let max = u128::MAX.to_string();
        let huge = vec![item("a", ItemKind::Charge, &max), item("b", ItemKind::Charge, "1")];
        assert_eq!(reconcile_payout("1", &huge, &[]), Err(ReconciliationError::Overflow));
    }
}
