// paywit:gateway/reconciliation (wit/reconciliation.wit).

import { checked } from './abi.js';
import { ReconciliationError } from './errors.js';
import { call, nowSeconds, stateIn } from './shapes.js';

/** The jco bindings of reconciliation, every argument checked against the WIT first. */
const reconciliation = checked('reconciliation');

/**
 * The polling backstop for an object whose webhooks may be lost:
 * `{action: 'not-needed'}`, `{action: 'poll-now', seconds}` or `{action: 'wait', seconds}`.
 */
export function pollBackstop(state, lastEventAt, { now = nowSeconds() } = {}) {
  const decision = reconciliation.pollBackstop(stateIn(state), lastEventAt, now);
  return decision.val === undefined ? { action: decision.tag } : { action: decision.tag, seconds: Number(decision.val) };
}

/**
 * Checks a payout against its items `[{id, kind, amount}]` (and, if given, the
 * ids expected in it): `{itemsNet, match, difference?, missing, unexpected, duplicates}`.
 */
export function reconcilePayout(payoutAmount, items, expectedIds = []) {
  const report = call(() => reconciliation.reconcilePayout(payoutAmount, items, expectedIds), () => ReconciliationError);
  const { itemsNet, result, missing, unexpected, duplicates } = report;
  return {
    itemsNet: (itemsNet.negative ? '-' : '') + itemsNet.amount,
    match: result.tag,
    ...(result.val === undefined ? {} : { difference: result.val }),
    missing,
    unexpected,
    duplicates,
  };
}
