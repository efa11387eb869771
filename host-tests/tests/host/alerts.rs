//! alerts (sustained error rates with hysteresis) through the component vs native.

use paywit_component::native::alerts;
use paywit_component::Conv;
use paywit_host_tests::seeded_instance;

#[test]
fn alerts_through_the_component() {
    let mut i = seeded_instance(3);
    let alerts_api = i.bindings.paywit_gateway_alerts();
    let rule: alerts::AlertRule = alerts_api.call_default_alert_rule(&mut i.store).unwrap().conv();
    assert_eq!(rule, alerts::default_alert_rule());
    let w = |s, f| alerts::Window { successes: s, failures: f };
    for (windows, alerting) in [
        (vec![w(90, 10), w(90, 10), w(90, 10)], false),
        (vec![w(99, 1), w(99, 1), w(99, 1)], true),
        (vec![w(0, 1)], false),
    ] {
        let wit_windows: Vec<_> = windows.clone().conv();
        let component: Result<alerts::AlertAction, alerts::RuleError> =
            alerts_api.call_evaluate_alert(&mut i.store, &wit_windows, alerting, rule.conv()).unwrap().conv();
        assert_eq!(component, alerts::evaluate_alert(&windows, alerting, &rule));
    }
}
