"""Binding drift: every function the component exports has a Python wrapper.
A new WIT function fails this test until it is wrapped (and listed here)."""
import paywit
from paywit import _runtime

WRAPPED_BY = {
    "webhooks": {"verify": "verify_webhook", "verify-fields": "verify_webhook", "verify-packed": "Verifier", "prepare-packed": "Verifier",
                 "sign": "sign_webhook",
                 "schemes": "schemes", "new-secret": "new_secret", "new-signing-key-pair": "new_signing_key_pair",
                 "public-key": "public_key"},
    "idempotency": {"new-key": "new_idempotency_key", "parse-key": "parse_idempotency_key", "fingerprint": "fingerprint",
                    "default-policy": "default_key_policy", "decide": "decide", "problem-for": "problem_for"},
    "retry": {"classify": "classify", "parse-retry-after": "parse_retry_after", "next-step": "next_step",
              "next-step-with-random": "next_step", "api-policy": "api_policy",
              "webhook-redelivery-policy": "webhook_redelivery_policy", "standard-webhooks-policy": "standard_webhooks_policy"},
    "lifecycle": {"apply": "apply", "map-event": "map_event", "parse-amount": "parse_amount", "assess-payment": "assess_payment",
                  "refundable": "refundable", "confirmation-status": "confirmation_status",
                  "required-confirmations": "required_confirmations"},
    "requests": {"sign-request": "sign_request", "verify-request": "verify_request"},
    "credentials": {"classify-key": "classify_key", "check-key-placement": "check_key_placement", "token-status": "token_status"},
    "reconciliation": {"poll-backstop": "poll_backstop", "reconcile-payout": "reconcile_payout"},
    "addresses": {"validate-address": "validate_address"},
    "alerts": {"default-alert-rule": "default_alert_rule", "evaluate-alert": "evaluate_alert"},
}


def test_every_export_has_a_public_wrapper():
    _runtime.instance()
    exported = {}
    for qualified, functions in _runtime._process.signatures.items():
        interface = qualified.split("/")[1].split("@")[0]
        if functions:
            exported[interface] = set(functions)
    assert exported == {interface: set(table) for interface, table in WRAPPED_BY.items()}
    for table in WRAPPED_BY.values():
        for wrapper in table.values():
            assert wrapper in paywit.__all__ and callable(getattr(paywit, wrapper)), wrapper
