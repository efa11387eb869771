//! Alerting on sustained error rates (`paywit:gateway/alerts`), not on single
//! failures.
//!
//! Rule: while quiet, alert when each of the last `sustained-windows` windows
//! has at least `min-events` events and a failure rate of at least
//! `alert-at-basis-points`. While alerting, recover when each of the last
//! `sustained-windows` windows has at least `min-events` events and a rate
//! below `recover-below-basis-points`. The recover threshold is lower than the
//! alert threshold (hysteresis), so a rate hovering at the threshold does not
//! flap; windows with too few events never change the state (no data is not
//! good news). Defaults: alert at 5 %, recover below 2 %, 20 events, 3 windows.

/// Counts of one time window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Successful operations.
    pub successes: u32,
    /// Failed operations.
    pub failures: u32,
}

/// The alerting rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertRule {
    /// Alert at or above this failure rate (basis points, 1/100 %).
    pub alert_at_basis_points: u32,
    /// Recover below this failure rate (basis points); must be lower than the alert threshold.
    pub recover_below_basis_points: u32,
    /// Fewest events for a window to count.
    pub min_events: u32,
    /// Consecutive windows that must agree.
    pub sustained_windows: u32,
}

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertAction {
    /// Raise an alert.
    Alert,
    /// Clear the alert.
    Recover,
    /// Keep the current state.
    Nothing,
}

/// A rule that cannot work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleError {
    /// The recover threshold is not below the alert threshold (no hysteresis).
    NoHysteresis,
    /// A threshold above 10 000 basis points, or an alert threshold of 0.
    ThresholdOutOfRange,
    /// `sustained-windows` is 0.
    ZeroWindows,
}

/// Alert at 5 %, recover below 2 %, at least 20 events, 3 windows in a row.
pub fn default_alert_rule() -> AlertRule {
    AlertRule { alert_at_basis_points: 500, recover_below_basis_points: 200, min_events: 20, sustained_windows: 3 }
}

fn rate_bp(window: &Window) -> Option<u64> {
    let total = window.successes as u64 + window.failures as u64;
    (total > 0).then(|| window.failures as u64 * 10_000 / total)
}

/// Evaluates the windows (oldest first) given whether an alert is raised.
pub fn evaluate_alert(windows: &[Window], alerting: bool, rule: &AlertRule) -> Result<AlertAction, RuleError> {
    if rule.sustained_windows == 0 {
        return Err(RuleError::ZeroWindows);
    }
    if rule.alert_at_basis_points == 0 || rule.alert_at_basis_points > 10_000 {
        return Err(RuleError::ThresholdOutOfRange);
    }
    if rule.recover_below_basis_points >= rule.alert_at_basis_points {
        return Err(RuleError::NoHysteresis);
    }
    let n = rule.sustained_windows as usize;
    if windows.len() < n {
        return Ok(AlertAction::Nothing);
    }
    let recent = &windows[windows.len() - n..];
    let enough = |w: &Window| w.successes as u64 + w.failures as u64 >= rule.min_events.max(1) as u64;
    if !recent.iter().all(enough) {
        return Ok(AlertAction::Nothing);
    }
    let rates: Vec<u64> = recent.iter().filter_map(rate_bp).collect();
    if !alerting && rates.iter().all(|r| *r >= rule.alert_at_basis_points as u64) {
        return Ok(AlertAction::Alert);
    }
    if alerting && rates.iter().all(|r| *r < rule.recover_below_basis_points as u64) {
        return Ok(AlertAction::Recover);
    }
    Ok(AlertAction::Nothing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(successes: u32, failures: u32) -> Window {
        Window { successes, failures }
    }

    #[test]
    fn a_single_failure_does_not_alert_a_sustained_rate_does() {
        let rule = default_alert_rule();
        assert_eq!(evaluate_alert(&[w(0, 1)], false, &rule), Ok(AlertAction::Nothing));
        assert_eq!(evaluate_alert(&[w(100, 0), w(100, 0), w(0, 1)], false, &rule), Ok(AlertAction::Nothing));
        assert_eq!(evaluate_alert(&[w(95, 5), w(90, 10), w(94, 6)], false, &rule), Ok(AlertAction::Alert));
        assert_eq!(evaluate_alert(&[w(95, 5), w(96, 4), w(94, 6)], false, &rule), Ok(AlertAction::Nothing));
        assert_eq!(
            evaluate_alert(&[w(0, 5), w(0, 5), w(0, 5)], false, &rule),
            Ok(AlertAction::Nothing),
            "too few events"
        );
    }

    #[test]
    fn hysteresis_keeps_it_from_flapping() {
        let rule = default_alert_rule();
        // 3 % is below the alert threshold but not below the recover threshold: stay alerting.
        assert_eq!(evaluate_alert(&[w(97, 3), w(97, 3), w(97, 3)], true, &rule), Ok(AlertAction::Nothing));
        assert_eq!(evaluate_alert(&[w(97, 3), w(97, 3), w(97, 3)], false, &rule), Ok(AlertAction::Nothing));
        assert_eq!(evaluate_alert(&[w(99, 1), w(100, 0), w(99, 1)], true, &rule), Ok(AlertAction::Recover));
        assert_eq!(
            evaluate_alert(&[w(99, 1), w(100, 0), w(1, 0)], true, &rule),
            Ok(AlertAction::Nothing),
            "no data is not recovery"
        );
    }

    #[test]
    fn rules_are_checked() {
        let rule = default_alert_rule();
        assert_eq!(
            evaluate_alert(&[], false, &AlertRule { sustained_windows: 0, ..rule }),
            Err(RuleError::ZeroWindows)
        );
        assert_eq!(
            evaluate_alert(&[], false, &AlertRule { recover_below_basis_points: 500, ..rule }),
            Err(RuleError::NoHysteresis)
        );
        assert_eq!(
            evaluate_alert(&[], false, &AlertRule { alert_at_basis_points: 10_001, ..rule }),
            Err(RuleError::ThresholdOutOfRange)
        );
    }
}
