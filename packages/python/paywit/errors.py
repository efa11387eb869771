"""The exceptions every paywit module shares.

`PaywitError` is the base of every error paywit raises. Each WIT error type gets its own family
of subclasses in its interface's generated module (`paywit.webhooks.VerifyError`,
`paywit.webhooks.VerifyNoSecretsError`, ...: see docs/CODEGEN.md). `InvalidArgumentError` is
raised, before anything reaches the component, for an argument outside its WIT type.
"""
from __future__ import annotations

import re
from typing import Any

__all__ = ["PaywitError", "InvalidArgumentError"]


class PaywitError(Exception):
    """Base of every paywit error. `code` is the WIT case name, `details` its payload (typed)."""

    code: str
    details: Any

    def __init__(self, code: str, details: Any = None) -> None:
        self.code = code
        self.details = details
        super().__init__(code if details is None else f"{code}: {details}")

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.code, self.details))


def _rebuild(cls: Any, code: str, details: Any) -> "PaywitError":
    error: PaywitError = cls.__new__(cls)
    PaywitError.__init__(error, code, details)
    return error


class InvalidArgumentError(PaywitError, ValueError):
    """An argument is not of its WIT type's shape or range (e.g. a negative `tolerance`): refused
    before anything reaches the component. `details` names the argument path (`policy.schedule.value[2]`)
    and the rule; the value is shown only when it is a number and the argument path does not name a
    secret (`/secret/i`, as in the Node package), never a string's contents. An int of more than 40
    digits is shown by its size (`"int of 16610 bits"`): formatting a huge int is slow, and refused
    past 4300 digits."""

    def __init__(self, argument: str, rule: str, value: Any = None) -> None:
        super().__init__("invalid-argument", {"argument": argument, "rule": rule, "got": _shown(argument, value)})


_SECRET = re.compile("secret", re.IGNORECASE)
_SHOWN_INT = 10**40


def _shown(argument: str, value: Any) -> Any:
    """What an InvalidArgumentError shows of `value`: a number, or its type's name."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or _SECRET.search(argument):
        return type(value).__name__
    if isinstance(value, int) and not -_SHOWN_INT < value < _SHOWN_INT:
        return f"int of {value.bit_length()} bits"
    return value
