// paywit:gateway/retry (wit/retry.wit).

import { checked } from './abi.js';
import { PolicyError } from './errors.js';
import { plain, call, nowSeconds } from './shapes.js';

/** The jco bindings of retry, every argument checked against the WIT first. */
const retry = checked('retry');

function failureIn(failure) {
  return { ...failure };
}

/** Classifies a failed gateway call by the integration guide's table. */
export function classify(failure) {
  return retry.classify(failureIn(failure));
}

/** Parses a `Retry-After` value into milliseconds from `now` (seconds), or undefined. */
export function parseRetryAfter(value, now = nowSeconds()) {
  const ms = retry.parseRetryAfter(value, now);
  return ms === undefined ? undefined : Number(ms);
}

function policyIn(policy) {
  const schedule = policy.schedule.tag === 'explicit'
    ? { tag: 'explicit', val: BigUint64Array.from(policy.schedule.val.map((d) => BigInt(d))) }
    : { tag: 'exponential', val: { baseMs: policy.schedule.val.baseMs, multiplier: policy.schedule.val.multiplier, capMs: policy.schedule.val.capMs } };
  return { schedule, maxAttempts: policy.maxAttempts, jitter: policy.jitter, maxDelayMs: policy.maxDelayMs };
}

function policyOut(policy) {
  return plain({ ...policy, schedule: { tag: policy.schedule.tag, val: policy.schedule.tag === 'explicit' ? Array.from(policy.schedule.val, Number) : policy.schedule.val } });
}

/**
 * The next step after attempt `attempt` (from 1) failed: `{retryAfterMs}` or `{giveUp}`.
 * Pass `random` (a BigInt) for a deterministic jitter.
 */
export function nextStep(policy, attempt, failure, { now = nowSeconds(), random } = {}) {
  const step = call(
    () => (random === undefined
      ? retry.nextStep(policyIn(policy), attempt, failureIn(failure), now)
      : retry.nextStepWithRandom(policyIn(policy), attempt, failureIn(failure), now, random)),
    () => PolicyError,
  );
  return step.tag === 'retry-after-ms' ? { retryAfterMs: Number(step.val) } : { giveUp: step.val.tag === 'not-retryable' ? { notRetryable: step.val.val } : step.val.tag };
}

/** The guide's API schedule (1 s ... 10 min, equal jitter). */
export const apiPolicy = () => policyOut(retry.apiPolicy());
/** The guide's webhook redelivery schedule (1 s ... 24 h). */
export const webhookRedeliveryPolicy = () => policyOut(retry.webhookRedeliveryPolicy());
/** The Standard Webhooks example schedule (5 s ... 24 h). */
export const standardWebhooksPolicy = () => policyOut(retry.standardWebhooksPolicy());
