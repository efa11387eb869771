// paywit:gateway/alerts (wit/alerts.wit).

import { checked } from './abi.js';
import { AlertRuleError } from './errors.js';
import { call } from './shapes.js';

/** The jco bindings of alerts, every argument checked against the WIT first. */
const alerts = checked('alerts');

/** Alert at 5 %, recover below 2 %, at least 20 events, 3 windows in a row. */
export function defaultAlertRule() {
  return alerts.defaultAlertRule();
}

/** Evaluates the windows `[{successes, failures}]` (oldest first): 'alert', 'recover' or 'nothing'. */
export function evaluateAlert(windows, alerting, rule = defaultAlertRule()) {
  return call(() => alerts.evaluateAlert(windows, alerting, rule), () => AlertRuleError);
}
