"""Every exception paywit raises: one class per WIT error family and case."""
from __future__ import annotations

from typing import Any

__all__ = ['PaywitError', 'InvalidArgumentError', 'WebhookVerificationError', 'NoSecretsError', 'UnusableSecretError', 'MissingHeaderError', 'MalformedHeaderError', 'MissingUrlError', 'MalformedBodyError', 'TimestampOutsideToleranceError', 'NoMatchingSignatureError', 'LimitExceededError', 'WebhookSigningError', 'IdempotencyKeyError', 'PolicyError', 'AmountError', 'RefundError', 'RequestVerificationError', 'KeyPlacementError', 'ReconciliationError', 'AddressError', 'AlertRuleError']


class PaywitError(Exception):
    """Base of every paywit error. `code` is the WIT case name, `details` its payload."""

    def __init__(self, code: str, details: Any = None) -> None:
        self.code = code
        self.details = details
        super().__init__(code if details is None else f"{code}: {details}")


class InvalidArgumentError(PaywitError, ValueError):
    """An argument is not of the WIT type's range or shape (e.g. a negative
    `tolerance`): refused before anything reaches the component. `details` names
    the argument and the rule; the value is shown only when it is a number."""

    def __init__(self, argument: str, rule: str, value: Any = None) -> None:
        shown = value if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__
        super().__init__("invalid-argument", {"argument": argument, "rule": rule, "got": shown})


class WebhookVerificationError(PaywitError):
    """A webhook delivery did not verify."""


class NoSecretsError(WebhookVerificationError):
    """No secrets were given."""


class UnusableSecretError(WebhookVerificationError):
    """A secret cannot be used; `details["index"]` names it (never its value)."""


class MissingHeaderError(WebhookVerificationError):
    """A required header is absent; `details` is its name."""


class MalformedHeaderError(WebhookVerificationError):
    """A header is malformed or repeated with differing values."""


class MissingUrlError(WebhookVerificationError):
    """The scheme signs the URL, but none was given."""


class MalformedBodyError(WebhookVerificationError):
    """The body cannot be canonicalised (NOWPayments)."""


class TimestampOutsideToleranceError(WebhookVerificationError):
    """The signed timestamp is outside the replay window."""


class NoMatchingSignatureError(WebhookVerificationError):
    """Well-formed, but no signature matches any secret."""


class LimitExceededError(WebhookVerificationError):
    """An input is larger than paywit accepts."""


class WebhookSigningError(PaywitError):
    """A message could not be signed."""


class IdempotencyKeyError(PaywitError):
    """An Idempotency-Key value was refused."""


class PolicyError(PaywitError):
    """A key policy or retry policy is out of range."""


class AmountError(PaywitError):
    """An amount string was refused."""


class RefundError(PaywitError):
    """A refund is not possible."""


class RequestVerificationError(PaywitError):
    """A signed API request was refused, or could not be signed; `code` is the WIT case."""


class KeyPlacementError(PaywitError):
    """A key must not be used where it is placed; `code`: secret-in-browser,
    unrecognised-in-browser, live-key-in-test or test-key-in-production."""


class ReconciliationError(PaywitError):
    """A payout could not be reconciled: invalid-payout-amount, invalid-item-amount
    (`details["index"]` names the item) or overflow."""


class AddressError(PaywitError):
    """An address is not valid for the network; `code` is the WIT case (bad-checksum,
    wrong-network, invalid-character with the position in `details`, ...)."""


class AlertRuleError(PaywitError):
    """An alert rule is inconsistent: no-hysteresis, threshold-out-of-range or zero-windows."""
