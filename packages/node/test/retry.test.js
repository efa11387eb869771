// paywit:gateway/retry through the public API: the shared table, and the shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retry, classify, apiPolicy, nextStep, nextStepWithRandom, parseRetryAfter, InvalidArgumentError } from '../src/index.js';
import { runTable } from '../support/tables.js';

test('conformance/tables/retry.json', () => {
  assert.ok(runTable('retry') >= 10);
});

test("the guide's retry table, in the package's shapes", () => {
  const c = classify({ status: 402, errorCode: 'card_declined' });
  assert.equal(c.category, 'payment-declined');
  assert.equal(c.retry, false);
  assert.equal(classify({ transport: 'connection-reset' }).retry, true);
  assert.equal(parseRetryAfter('120', 0), 120000n);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:50:37 GMT', 784111777), 60000n);
  assert.equal(parseRetryAfter('soon'), undefined);
  const api = apiPolicy();
  assert.deepEqual(api.schedule, { tag: 'explicit', val: [1000n, 3000n, 10000n, 30000n, 120000n, 600000n] });
  const step = nextStep(api, 1, { status: 503 }, 0);
  assert.equal(step.tag, 'retry-after-ms');
  assert.ok(step.val >= 500n && step.val <= 1000n);
  assert.deepEqual(nextStepWithRandom(api, 7, { status: 503 }, 1n, 0), { tag: 'give-up', val: { tag: 'attempts-exhausted' } });
  assert.deepEqual(nextStep(api, 1, { status: 402 }, 0), { tag: 'give-up', val: { tag: 'not-retryable', val: 'payment-declined' } });
  assert.deepEqual(nextStepWithRandom(api, 1, { status: 429, retryAfter: '20' }, 0, 0), { tag: 'retry-after-ms', val: 20000n });
});

test('an exponential schedule (u64, f64, u64 in a variant) round-trips through the parameter block', () => {
  const policy = { schedule: { tag: 'exponential', val: { baseMs: 100, multiplier: 2.5, capMs: 10_000 } }, maxAttempts: 5, jitter: 'none', maxDelayMs: 60_000 };
  assert.deepEqual(nextStepWithRandom(policy, 1, { status: 503 }, 0, 0), { tag: 'retry-after-ms', val: 100n });
  assert.deepEqual(nextStepWithRandom(policy, 3, { status: 503 }, 0, 0), { tag: 'retry-after-ms', val: 625n });
  assert.throws(() => nextStep({ ...policy, maxAttempts: 0 }, 1, { status: 503 }), (e) => e instanceof retry.PolicyError && e instanceof retry.PolicyZeroAttemptsError && e.code === 'zero-attempts');
  assert.throws(() => nextStep({ ...policy, schedule: { tag: 'explicit', val: [1, -2] } }, 1, {}),
    (e) => e instanceof InvalidArgumentError && e.details.argument === 'policy.schedule.val[1]');
});
