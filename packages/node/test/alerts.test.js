// paywit:gateway/alerts through the public API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultAlertRule, evaluateAlert, RuleError, RuleNoHysteresisError } from '../src/index.js';
import { runTable } from '../support/tables.js';

test('conformance/tables/alerts.json', () => {
  assert.ok(runTable('alerts') >= 3);
});

test('alerts', () => {
  const rule = defaultAlertRule();
  assert.deepEqual(rule, { alertAtBasisPoints: 500, recoverBelowBasisPoints: 200, minEvents: 20, sustainedWindows: 3 });
  const w = (successes, failures) => ({ successes, failures });
  assert.equal(evaluateAlert([w(90, 10), w(90, 10), w(90, 10)], false, rule), 'alert');
  assert.equal(evaluateAlert([w(90, 10), w(90, 10)], false, rule), 'nothing');
  assert.equal(evaluateAlert([w(99, 1), w(99, 1), w(99, 1)], true, rule), 'recover');
  assert.throws(() => evaluateAlert([], false, { ...rule, alertAtBasisPoints: 200, recoverBelowBasisPoints: 500 }),
    (e) => e instanceof RuleError && e instanceof RuleNoHysteresisError && e.code === 'no-hysteresis');
});
