// paywit:gateway/lifecycle (wit/lifecycle.wit).

import { checked } from './abi.js';
import { AmountError, RefundError } from './errors.js';
import { call, stateIn, stateOut } from './shapes.js';

/** The jco bindings of lifecycle, every argument checked against the WIT first. */
const lifecycle = checked('lifecycle');


/**
 * Applies an incoming state `{kind, status}` to the current one (or undefined):
 * `{outcome: 'advanced' | 'reversed', state}`, `{outcome: 'unchanged' | 'stale'}`,
 * or `{outcome: 'rejected', reason}`.
 */
export function apply(current, incoming) {
  const outcome = lifecycle.apply(stateIn(current ?? undefined), stateIn(incoming));
  if (outcome.tag === 'advanced' || outcome.tag === 'reversed') return { outcome: outcome.tag, state: stateOut(outcome.val) };
  if (outcome.tag === 'rejected') return { outcome: 'rejected', reason: outcome.val.tag ?? outcome.val };
  return { outcome: outcome.tag };
}

/** Maps a gateway event (and its object status) to `{kind, status}`, or undefined. */
export function mapEvent(gateway, eventType, objectStatus) {
  return stateOut(lifecycle.mapEvent(gateway, eventType, objectStatus ?? undefined));
}

/** Parses an amount of atomic units; returns it canonical. */
export function parseAmount(value) {
  return call(() => lifecycle.parseAmount(value), () => AmountError);
}

/**
 * Compares `received` with `expected` (decimal strings). `tolerance`: undefined,
 * `{atomic: '10'}` or `{basisPoints: 50}`.
 */
export function assessPayment(expected, received, tolerance) {
  const t = tolerance?.atomic !== undefined ? { tag: 'atomic', val: tolerance.atomic }
    : tolerance?.basisPoints !== undefined ? { tag: 'basis-points', val: tolerance.basisPoints } : { tag: 'none' };
  const result = call(() => lifecycle.assessPayment(expected, received, t), () => AmountError);
  return result.tag === 'exact' ? { verdict: 'exact' } : { verdict: result.tag, ...result.val };
}

/** Checks a refund; returns `{amount, remainingAfter}` or throws `RefundError`. */
export function refundable(captured, alreadyRefunded, requested) {
  return call(() => lifecycle.refundable(captured, alreadyRefunded, requested), () => RefundError);
}

/** Progress towards the required confirmations. */
export function confirmationStatus(confirmations, required) {
  return lifecycle.confirmationStatus(confirmations, required);
}

/** Confirmations a BTCPay-style speed policy requires. */
export function requiredConfirmations(speed, rbf = false) {
  return lifecycle.requiredConfirmations(speed, rbf);
}
