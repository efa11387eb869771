"""paywit for Python: payment-gateway webhook signatures, idempotency keys,
retry rules and lifecycle state machines, answered by the paywit WebAssembly
component (the same code every other language runs).

    import paywit
    verified = paywit.verify_webhook("stripe", [old_secret, new_secret], request.headers, request.get_data())
    # -> Verified(secret_index=1, message_id=None, signed_at=1764158400)
    # raises paywit.TimestampOutsideToleranceError, paywit.NoMatchingSignatureError, ...

Thread-safe: each thread uses its own instance of the component (see _runtime).
"""
from __future__ import annotations

import enum
import time
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from . import _fast_verify, _runtime

__all__ = [
    "Scheme", "HmacScheme", "Verified", "SchemeInfo", "SigningKeyPair",
    "verify_webhook", "sign_webhook", "schemes", "new_secret", "new_signing_key_pair", "public_key",
    "KeyPolicy", "StoredKey", "Decision", "DecisionKind", "Problem", "MismatchStatus",
    "new_idempotency_key", "parse_idempotency_key", "fingerprint", "default_key_policy", "decide", "problem_for",
    "Failure", "Classification", "Category", "TransportError", "RetryPolicy", "NextStep",
    "classify", "parse_retry_after", "next_step", "api_policy", "webhook_redelivery_policy", "standard_webhooks_policy",
    "State", "Outcome", "Gateway", "apply", "map_event", "parse_amount", "assess_payment", "Assessment",
    "refundable", "RefundAllowance", "confirmation_status", "required_confirmations",
    "PaywitError", "WebhookVerificationError", "NoSecretsError", "UnusableSecretError", "MissingHeaderError",
    "MalformedHeaderError", "MissingUrlError", "MalformedBodyError", "TimestampOutsideToleranceError",
    "NoMatchingSignatureError", "LimitExceededError", "WebhookSigningError", "IdempotencyKeyError",
    "PolicyError", "AmountError", "RefundError",
    "ApiSecret", "VerifiedRequest", "sign_request", "verify_request", "RequestVerificationError",
    "KeyKind", "KeyMode", "KeyPlacement", "KeyInfo", "TokenAdvice", "classify_key", "check_key_placement",
    "token_status", "KeyPlacementError",
    "ItemKind", "PollDecision", "PayoutItem", "PayoutReport", "poll_backstop", "reconcile_payout", "ReconciliationError",
    "Network", "AddressInfo", "validate_address", "AddressError",
    "Window", "AlertRule", "AlertAction", "default_alert_rule", "evaluate_alert", "AlertRuleError",
]

Body = Union[str, bytes, bytearray, memoryview]
HeadersLike = Union[Mapping[str, Any], Iterable[Tuple[str, str]]]


# ---------- errors ----------

class PaywitError(Exception):
    """Base of every paywit error. `code` is the WIT case name, `details` its payload."""

    def __init__(self, code: str, details: Any = None) -> None:
        self.code = code
        self.details = details
        super().__init__(code if details is None else f"{code}: {details}")


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


_VERIFY_ERRORS = {
    "no-secrets": NoSecretsError, "unusable-secret": UnusableSecretError, "missing-header": MissingHeaderError,
    "malformed-header": MalformedHeaderError, "missing-url": MissingUrlError, "malformed-body": MalformedBodyError,
    "timestamp-outside-tolerance": TimestampOutsideToleranceError, "no-matching-signature": NoMatchingSignatureError,
    "limit-exceeded": LimitExceededError,
}


def _py(value: Any) -> Any:
    """ABI values to plain Python: kebab keys become snake_case, variants stay (tag, payload)."""
    if isinstance(value, dict):
        return {k.replace("-", "_"): _py(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return (value[0], _py(value[1]))
    if isinstance(value, list):
        return [_py(v) for v in value]
    return value


def _unwrap(result: Tuple[str, Any], error: Any) -> Any:
    tag, payload = result
    if tag == "ok":
        return payload
    if isinstance(payload, tuple):
        code, details = payload
    else:
        code, details = payload, None
    cls = error(code) if callable(error) and not isinstance(error, type) else error
    raise cls(code, _py(details))


# ---------- webhooks ----------

class Scheme(str, enum.Enum):
    """A built-in webhook signature scheme."""
    STANDARD_WEBHOOKS = "standard-webhooks"
    STRIPE = "stripe"
    GITHUB = "github"
    SHOPIFY = "shopify"
    COINBASE_COMMERCE = "coinbase-commerce"
    BTCPAY = "btcpay"
    RAZORPAY = "razorpay"
    SLACK = "slack"
    PADDLE = "paddle"
    SQUARE = "square"
    NOWPAYMENTS = "nowpayments"


@dataclass(frozen=True)
class HmacScheme:
    """A raw-body HMAC in one header, for gateways without a built-in scheme."""
    header: str
    algorithm: str = "sha256"  # sha256 | sha512 | sha1
    encoding: str = "hex"  # hex | base64
    prefix: Optional[str] = None


SchemeLike = Union[Scheme, str, HmacScheme]


@dataclass(frozen=True)
class Verified:
    """A delivery that verified."""
    secret_index: int
    message_id: Optional[str]
    signed_at: Optional[int]


@dataclass(frozen=True)
class SchemeInfo:
    """A built-in scheme's description."""
    name: str
    scheme: SchemeLike
    headers: List[str]
    signed_content: str
    algorithm: str
    encoding: str
    default_tolerance_seconds: Optional[int]
    secret_format: str


@dataclass(frozen=True)
class SigningKeyPair:
    """A Standard Webhooks v1a key pair. `signing_key` is secret."""
    signing_key: str
    public_key: str

    def __repr__(self) -> str:
        return f"SigningKeyPair(signing_key='<redacted>', public_key={self.public_key!r})"


def _scheme(scheme: SchemeLike) -> Tuple[str, Any]:
    if isinstance(scheme, HmacScheme):
        return ("hmac", {"header": scheme.header, "algorithm": scheme.algorithm, "encoding": scheme.encoding, "prefix": scheme.prefix})
    name = scheme.value if isinstance(scheme, Scheme) else scheme
    if name not in _SCHEME_NAMES:
        raise ValueError(f"unknown scheme {name!r}; use one of {sorted(_SCHEME_NAMES)} or HmacScheme(...)")
    return (name, None)


_SCHEME_NAMES = {s.value for s in Scheme}


def _body(body: Body) -> Tuple[str, Any]:
    if isinstance(body, str):
        return ("text", body)
    if isinstance(body, (bytes, bytearray, memoryview)):
        return ("bytes", bytes(body))
    raise TypeError("body must be str or bytes: the raw body exactly as received")


def _header_pairs(headers: HeadersLike) -> List[Tuple[str, str]]:
    """(name, value) pairs from a mapping, a multi-dict or pairs; list values
    become repeated headers and bytes (ASGI raw headers) are read as Latin-1."""
    items = headers.items() if hasattr(headers, "items") else headers
    out: List[Tuple[str, str]] = []
    for name, value in items:  # type: ignore[misc]
        name = name.decode("latin-1") if isinstance(name, (bytes, bytearray)) else str(name)
        for v in value if isinstance(value, (list, tuple)) else (value,):
            out.append((name, v.decode("latin-1") if isinstance(v, (bytes, bytearray)) else str(v)))
    return out


def verify_webhook(scheme: SchemeLike, secrets: Union[str, Sequence[str]], headers: HeadersLike, body: Body, *,
                   now: Optional[int] = None, tolerance: Optional[int] = None, url: Optional[str] = None) -> Verified:
    """Verifies a webhook delivery against one secret or a rotation list.

    `headers` may be a dict, any mapping (Flask/Django/Starlette headers), or
    (name, value) pairs; `body` the raw body as str or bytes; `now` defaults to
    the current time. Raises a `WebhookVerificationError` subclass on failure.
    """
    wit_scheme = _scheme(scheme)
    kind, data = _body(body)
    secret_list = [secrets] if isinstance(secrets, str) else list(secrets)
    at = int(time.time()) if now is None else int(now)
    pairs = None  # normalised only when the headers are not plain str pairs
    block = _fast_verify.field_block(headers)
    if block is None:
        pairs = _header_pairs(headers)
        block = _fast_verify.field_block(pairs)
    result = None
    if block is not None:
        encoded = (kind, data.encode("utf-8") if kind == "text" else data)
        result = _runtime.verify_fields(wit_scheme, secret_list, block, encoded, url, at, tolerance)
    if result is None or _fast_verify.is_field_block_error(result):
        # A header a field block cannot carry exactly: the general path.
        pairs = pairs if pairs is not None else _header_pairs(headers)
        request = {"headers": [{"name": n, "value": v} for n, v in pairs], "body": (kind, data), "url": url}
        result = _runtime.call("webhooks", "verify", wit_scheme, secret_list, request, {"now": at, "tolerance-seconds": tolerance})
    ok = _unwrap(result, lambda code: _VERIFY_ERRORS.get(code, WebhookVerificationError))
    return Verified(ok["secret-index"], ok["message-id"], ok["signed-at"])


def sign_webhook(scheme: SchemeLike, secret: str, body: Body, *, id: Optional[str] = None,
                 signed_at: Optional[int] = None, url: Optional[str] = None) -> Dict[str, str]:
    """Signs a message; returns the headers to send."""
    message = {"body": _body(body), "id": id, "signed-at": int(time.time()) if signed_at is None else int(signed_at), "url": url}
    headers = _unwrap(_runtime.call("webhooks", "sign", _scheme(scheme), secret, message), WebhookSigningError)
    return {h["name"]: h["value"] for h in headers}


def _scheme_out(value: Tuple[str, Any]) -> SchemeLike:
    tag, payload = value
    if tag == "hmac":
        return HmacScheme(payload["header"], payload["algorithm"], payload["encoding"], payload["prefix"])
    return Scheme(tag)


def schemes() -> List[SchemeInfo]:
    """Every built-in scheme with its headers, signed content and defaults."""
    return [SchemeInfo(i["name"], _scheme_out(i["scheme"]), i["headers"], i["signed-content"], i["algorithm"],
                       i["encoding"], i["default-tolerance-seconds"], i["secret-format"])
            for i in _runtime.call("webhooks", "schemes")]


def new_secret(scheme: SchemeLike) -> str:
    """A fresh secret in the scheme's own format."""
    return _runtime.call("webhooks", "new-secret", _scheme(scheme))


def new_signing_key_pair() -> SigningKeyPair:
    """A fresh Standard Webhooks v1a Ed25519 key pair."""
    pair = _runtime.call("webhooks", "new-signing-key-pair")
    return SigningKeyPair(pair["signing-key"], pair["public-key"])


def public_key(signing_key: str) -> str:
    """The whpk_ public key of a whsk_ signing key."""
    return _unwrap(_runtime.call("webhooks", "public-key", signing_key), WebhookSigningError)


# ---------- idempotency ----------

class MismatchStatus(str, enum.Enum):
    """The status for a key reused with a different request."""
    UNPROCESSABLE_CONTENT = "unprocessable-content"
    BAD_REQUEST = "bad-request"


@dataclass(frozen=True)
class KeyPolicy:
    """How the server treats keys (retention 24-72 h)."""
    retention_seconds: int = 86400
    require_key: bool = True
    mismatch_status: MismatchStatus = MismatchStatus.UNPROCESSABLE_CONTENT


@dataclass(frozen=True)
class StoredKey:
    """What the host stored when it first saw a key."""
    fingerprint: str
    first_seen: int
    completed: bool
    response_ref: Optional[str] = None


class DecisionKind(str, enum.Enum):
    """What to do with a request."""
    EXECUTE = "execute"
    REPLAY = "replay"
    IN_PROGRESS = "in-progress"
    MISMATCH = "mismatch"
    MISSING_KEY = "missing-key"


@dataclass(frozen=True)
class Decision:
    """A decision; `detail` is the execute reason or the replayed response reference."""
    kind: DecisionKind
    detail: Optional[str] = None


@dataclass(frozen=True)
class Problem:
    """An RFC 9457 problem-details response."""
    status: int
    content_type: str
    body: str


def _policy(policy: Optional[KeyPolicy]) -> Dict[str, Any]:
    p = policy or KeyPolicy()
    return {"retention-seconds": p.retention_seconds, "require-key": p.require_key, "mismatch-status": MismatchStatus(p.mismatch_status).value}


def new_idempotency_key() -> str:
    """A fresh UUIDv4 idempotency key."""
    return _runtime.call("idempotency", "new-key")


def parse_idempotency_key(value: str) -> str:
    """Parses an Idempotency-Key header value (token or quoted sf-string)."""
    return _unwrap(_runtime.call("idempotency", "parse-key", value), IdempotencyKeyError)


def fingerprint(method: str, path: str, body: Body) -> str:
    """SHA-256 fingerprint of the logical request (JSON bodies canonicalised)."""
    return _runtime.call("idempotency", "fingerprint", method, path, _body(body))


def default_key_policy() -> KeyPolicy:
    """24 h retention, key required, 422 on mismatch (from the component)."""
    p = _runtime.call("idempotency", "default-policy")
    return KeyPolicy(p["retention-seconds"], p["require-key"], MismatchStatus(p["mismatch-status"]))


def decide(key: Optional[str], stored: Optional[StoredKey], fingerprint: str, *, now: Optional[int] = None,
           policy: Optional[KeyPolicy] = None) -> Decision:
    """Decides what to do with a request carrying `key` (None: no key sent)."""
    wit_stored = stored and {"fingerprint": stored.fingerprint, "first-seen": stored.first_seen,
                             "completed": stored.completed, "response-ref": stored.response_ref}
    tag, detail = _unwrap(_runtime.call("idempotency", "decide", key, wit_stored, fingerprint,
                                        int(time.time()) if now is None else int(now), _policy(policy)), PolicyError)
    return Decision(DecisionKind(tag), detail)


def problem_for(decision: Decision, policy: Optional[KeyPolicy] = None) -> Optional[Problem]:
    """The HTTP refusal for a decision, None for execute and replay."""
    value = (decision.kind.value, decision.detail)
    p = _runtime.call("idempotency", "problem-for", value, _policy(policy))
    return p and Problem(p["status"], p["content-type"], p["body"])


# ---------- retry ----------

class TransportError(str, enum.Enum):
    """A failure below HTTP."""
    TIMEOUT = "timeout"
    CONNECTION_RESET = "connection-reset"
    CONNECTION_REFUSED = "connection-refused"
    DNS = "dns"
    TLS = "tls"
    UNKNOWN = "unknown"


class Category(str, enum.Enum):
    """What kind of failure it was."""
    INVALID_REQUEST = "invalid-request"
    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    NOT_FOUND = "not-found"
    PAYMENT_DECLINED = "payment-declined"
    IDEMPOTENCY_CONFLICT = "idempotency-conflict"
    RATE_LIMITED = "rate-limited"
    SERVER_ERROR = "server-error"
    TRANSPORT = "transport"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Failure:
    """One failed gateway call."""
    status: Optional[int] = None
    transport: Optional[TransportError] = None
    error_type: Optional[str] = None
    error_code: Optional[str] = None
    retry_after: Optional[str] = None
    should_retry: Optional[str] = None


@dataclass(frozen=True)
class Classification:
    """The verdict on a failure."""
    category: Category
    retry: bool
    reuse_idempotency_key: bool
    fetch_existing: bool
    reason: str


@dataclass(frozen=True)
class RetryPolicy:
    """A retry policy: `schedule` is ("explicit", [ms...]) or ("exponential", {"base_ms", "multiplier", "cap_ms"})."""
    schedule: Tuple[str, Any]
    max_attempts: int
    jitter: str  # none | full | equal | decorrelated
    max_delay_ms: int


@dataclass(frozen=True)
class NextStep:
    """Retry after `retry_after_ms`, or give up (`give_up` is the reason)."""
    retry_after_ms: Optional[int] = None
    give_up: Optional[str] = None
    category: Optional[Category] = None


def _failure(f: Failure) -> Dict[str, Any]:
    return {"status": f.status, "transport": f.transport and TransportError(f.transport).value,
            "error-type": f.error_type, "error-code": f.error_code, "retry-after": f.retry_after, "should-retry": f.should_retry}


def classify(failure: Failure) -> Classification:
    """Classifies a failed call by the integration guide's table."""
    c = _runtime.call("retry", "classify", _failure(failure))
    return Classification(Category(c["category"]), c["retry"], c["reuse-idempotency-key"], c["fetch-existing"], c["reason"])


def parse_retry_after(value: str, now: Optional[int] = None) -> Optional[int]:
    """Parses Retry-After into milliseconds from `now`, or None."""
    return _runtime.call("retry", "parse-retry-after", value, int(time.time()) if now is None else int(now))


def _retry_policy_in(p: RetryPolicy) -> Dict[str, Any]:
    kind, value = p.schedule
    schedule = (kind, list(value)) if kind == "explicit" else (kind, {"base-ms": value["base_ms"], "multiplier": float(value["multiplier"]), "cap-ms": value["cap_ms"]})
    return {"schedule": schedule, "max-attempts": p.max_attempts, "jitter": p.jitter, "max-delay-ms": p.max_delay_ms}


def _retry_policy_out(p: Dict[str, Any]) -> RetryPolicy:
    kind, value = p["schedule"]
    schedule = (kind, list(value)) if kind == "explicit" else (kind, _py(value))
    return RetryPolicy(schedule, p["max-attempts"], p["jitter"], p["max-delay-ms"])


def next_step(policy: RetryPolicy, attempt: int, failure: Failure, *, now: Optional[int] = None, random: Optional[int] = None) -> NextStep:
    """The next step after attempt `attempt` (from 1) failed. Pass `random` (u64) for deterministic jitter."""
    when = int(time.time()) if now is None else int(now)
    if random is None:
        result = _runtime.call("retry", "next-step", _retry_policy_in(policy), attempt, _failure(failure), when)
    else:
        result = _runtime.call("retry", "next-step-with-random", _retry_policy_in(policy), attempt, _failure(failure), when, random)
    tag, value = _unwrap(result, PolicyError)
    if tag == "retry-after-ms":
        return NextStep(retry_after_ms=value)
    reason, category = value
    return NextStep(give_up=reason, category=Category(category) if category else None)


def api_policy() -> RetryPolicy:
    """The guide's API schedule: 1 s, 3 s, 10 s, 30 s, 2 min, 10 min, equal jitter."""
    return _retry_policy_out(_runtime.call("retry", "api-policy"))


def webhook_redelivery_policy() -> RetryPolicy:
    """The guide's webhook redelivery schedule: 1 s ... 24 h."""
    return _retry_policy_out(_runtime.call("retry", "webhook-redelivery-policy"))


def standard_webhooks_policy() -> RetryPolicy:
    """The Standard Webhooks example schedule: 5 s ... 24 h."""
    return _retry_policy_out(_runtime.call("retry", "standard-webhooks-policy"))


# ---------- lifecycle ----------

class Gateway(str, enum.Enum):
    """Where an event came from."""
    STRIPE = "stripe"
    COINBASE_COMMERCE = "coinbase-commerce"
    BTCPAY = "btcpay"
    GENERIC_CRYPTO = "generic-crypto"


@dataclass(frozen=True)
class State:
    """One object's state: `kind` (payment, refund, dispute, payout, invoice) and its `status`."""
    kind: str
    status: str


@dataclass(frozen=True)
class Outcome:
    """What applying a state did: advanced, unchanged, stale, reversed (alert) or rejected (`reason`)."""
    outcome: str
    state: Optional[State] = None
    reason: Optional[str] = None


@dataclass(frozen=True)
class Assessment:
    """exact, underpaid or overpaid, with the difference and whether the tolerance covers it."""
    verdict: str
    amount: Optional[str] = None
    within_tolerance: Optional[bool] = None


@dataclass(frozen=True)
class RefundAllowance:
    """An allowed refund and what remains refundable after it."""
    amount: str
    remaining_after: str


def apply(current: Optional[State], incoming: State) -> Outcome:
    """Applies an incoming state to the current one (None: first event)."""
    tag, payload = _runtime.call("lifecycle", "apply", current and (current.kind, current.status), (incoming.kind, incoming.status))
    if tag in ("advanced", "reversed"):
        return Outcome(tag, State(*payload))
    if tag == "rejected":
        return Outcome(tag, reason=payload[0])
    return Outcome(tag)


def map_event(gateway: Union[Gateway, str], event_type: str, object_status: Optional[str] = None) -> Optional[State]:
    """Maps a gateway event (and its object status) to a state, or None."""
    value = _runtime.call("lifecycle", "map-event", Gateway(gateway).value, event_type, object_status)
    return value and State(*value)


def parse_amount(value: str) -> str:
    """Parses an amount of atomic units (digits only); returns it canonical."""
    return _unwrap(_runtime.call("lifecycle", "parse-amount", value), AmountError)


def assess_payment(expected: str, received: str, *, atomic: Optional[str] = None, basis_points: Optional[int] = None) -> Assessment:
    """Compares a received amount with the expected one, with an optional tolerance."""
    tolerance = ("atomic", atomic) if atomic is not None else ("basis-points", basis_points) if basis_points is not None else ("none", None)
    tag, value = _unwrap(_runtime.call("lifecycle", "assess-payment", expected, received, tolerance), AmountError)
    return Assessment(tag) if value is None else Assessment(tag, value["amount"], value["within-tolerance"])


def refundable(captured: str, already_refunded: str, requested: str) -> RefundAllowance:
    """Checks a refund; raises RefundError (over-refund, zero, not captured, ...)."""
    value = _unwrap(_runtime.call("lifecycle", "refundable", captured, already_refunded, requested), RefundError)
    return RefundAllowance(value["amount"], value["remaining-after"])


def confirmation_status(confirmations: int, required: int) -> Tuple[bool, int]:
    """(confirmed, remaining) towards the required confirmations."""
    value = _runtime.call("lifecycle", "confirmation-status", confirmations, required)
    return value["confirmed"], value["remaining"]


def required_confirmations(speed: str, rbf: bool = False) -> int:
    """Confirmations a BTCPay-style speed policy requires (high-speed, medium-speed, low-medium-speed, low-speed)."""
    return _runtime.call("lifecycle", "required-confirmations", speed, rbf)


# ---------- signed API requests ----------

class RequestVerificationError(PaywitError):
    """A signed API request was refused, or could not be signed; `code` is the WIT case."""


@dataclass(frozen=True)
class ApiSecret:
    """A shared secret for HMAC-signed API requests, named by its key id (several may share one id: rotation)."""
    key_id: str
    secret: str

    def __repr__(self) -> str:
        return f"ApiSecret(key_id={self.key_id!r}, secret='<redacted>')"


@dataclass(frozen=True)
class VerifiedRequest:
    """A request that verified: who signed it, when, and the nonce to check for reuse."""
    key_id: str
    timestamp: int
    nonce: str


def sign_request(key_id: str, secret: str, *, method: str, path: str, body: Body = b"", timestamp: Optional[int] = None,
                 nonce: Optional[str] = None) -> Dict[str, str]:
    """Signs an outbound API request; returns the five X-Paywit-* headers to add.
    `nonce` defaults to a fresh UUID from the component's random source."""
    request = {"method": method, "path": path, "body": _body(body),
               "timestamp": int(time.time()) if timestamp is None else int(timestamp),
               "nonce": new_idempotency_key() if nonce is None else nonce}
    headers = _unwrap(_runtime.call("requests", "sign-request", key_id, secret, request), RequestVerificationError)
    return {h["name"]: h["value"] for h in headers}


def verify_request(secrets: Union[Sequence[ApiSecret], Mapping[str, str]], *, method: str, path: str,
                   headers: HeadersLike, body: Body, now: Optional[int] = None,
                   tolerance: Optional[int] = None) -> VerifiedRequest:
    """Verifies an inbound signed API request. `secrets` is a list of ApiSecret or a
    {key_id: secret} mapping. The caller must still refuse a reused nonce."""
    items = [ApiSecret(k, v) for k, v in secrets.items()] if isinstance(secrets, Mapping) else list(secrets)
    request = {"method": method, "path": path, "body": _body(body),
               "headers": [{"name": n, "value": v} for n, v in _header_pairs(headers)]}
    value = _unwrap(_runtime.call("requests", "verify-request", [{"key-id": s.key_id, "secret": s.secret} for s in items],
                                  request, int(time.time()) if now is None else int(now), tolerance),
                    RequestVerificationError)
    return VerifiedRequest(value["key-id"], value["timestamp"], value["nonce"])


# ---------- credentials ----------

class KeyKind(str, enum.Enum):
    """What a gateway key is for."""
    SECRET = "secret"
    PUBLISHABLE = "publishable"
    RESTRICTED = "restricted"
    WEBHOOK_SECRET = "webhook-secret"
    UNKNOWN = "unknown"


class KeyMode(str, enum.Enum):
    """Live or test key."""
    LIVE = "live"
    TEST = "test"
    UNKNOWN = "unknown"


class KeyPlacement(str, enum.Enum):
    """Where a key is about to be used."""
    BROWSER = "browser"
    SERVER = "server"
    TEST_ENVIRONMENT = "test-environment"
    PRODUCTION_ENVIRONMENT = "production-environment"


class KeyPlacementError(PaywitError):
    """A key must not be used where it is placed; `code`: secret-in-browser,
    unrecognised-in-browser, live-key-in-test or test-key-in-production."""


@dataclass(frozen=True)
class KeyInfo:
    """What a key is, from its published prefix. Never contains the key."""
    provider: str
    kind: KeyKind
    mode: KeyMode


@dataclass(frozen=True)
class TokenAdvice:
    """What to do with an access token: `action` is "use" (refresh in `seconds`),
    "refresh-now" (expires in `seconds`) or "expired" (`seconds` ago)."""
    action: str
    seconds: int


def _key_info(value: Dict[str, Any]) -> KeyInfo:
    return KeyInfo(value["provider"], KeyKind(value["kind"]), KeyMode(value["mode"]))


def classify_key(key: str) -> KeyInfo:
    """Classifies a gateway key (Stripe, Adyen, Square, ... prefixes) without keeping or showing it."""
    return _key_info(_runtime.call("credentials", "classify-key", key))


def check_key_placement(key: str, placement: Union[KeyPlacement, str]) -> KeyInfo:
    """Returns what the key is if it may be used there; raises KeyPlacementError if not."""
    tag, value = _runtime.call("credentials", "check-key-placement", key, KeyPlacement(placement).value)
    if tag == "err":
        raise KeyPlacementError(value)
    return _key_info(value)


def token_status(issued_at: int, expires_in: int, *, now: Optional[int] = None, refresh_skew: int = 60) -> TokenAdvice:
    """Whether to use or refresh an OAuth access token issued at `issued_at` for `expires_in` seconds."""
    tag, seconds = _runtime.call("credentials", "token-status", int(issued_at), int(expires_in),
                                 int(time.time()) if now is None else int(now), int(refresh_skew))
    return TokenAdvice(tag, seconds)


# ---------- reconciliation ----------

class ReconciliationError(PaywitError):
    """A payout could not be reconciled: invalid-payout-amount, invalid-item-amount
    (`details["index"]` names the item) or overflow."""


class ItemKind(str, enum.Enum):
    """How an item moves a payout: charges and credits add, the rest subtract."""
    CHARGE = "charge"
    REFUND = "refund"
    FEE = "fee"
    ADJUSTMENT_CREDIT = "adjustment-credit"
    ADJUSTMENT_DEBIT = "adjustment-debit"


@dataclass(frozen=True)
class PollDecision:
    """The polling backstop: `action` is "not-needed", "poll-now" (then look again
    after `seconds`) or "wait" (`seconds` until the next look)."""
    action: str
    seconds: Optional[int] = None


@dataclass(frozen=True)
class PayoutItem:
    """One balance transaction of a payout; `amount` in atomic units (digits only)."""
    id: str
    kind: ItemKind
    amount: str


@dataclass(frozen=True)
class PayoutReport:
    """The reconciliation of one payout. `items_net` is signed ("-120" when debits
    win); `match` is "exact", "payout-higher" or "payout-lower" by `difference`."""
    items_net: str
    match: str
    difference: Optional[str]
    missing: List[str]
    unexpected: List[str]
    duplicates: List[str]


def poll_backstop(state: State, last_event_at: int, *, now: Optional[int] = None) -> PollDecision:
    """Whether to poll the gateway for an object whose webhooks may have been lost."""
    tag, seconds = _runtime.call("reconciliation", "poll-backstop", (state.kind, state.status), int(last_event_at),
                                 int(time.time()) if now is None else int(now))
    return PollDecision(tag, seconds)


def reconcile_payout(payout_amount: str, items: Sequence[PayoutItem], expected_ids: Sequence[str] = ()) -> PayoutReport:
    """Checks a payout against its items (and, if given, the ids expected in it)."""
    wit_items = [{"id": i.id, "kind": ItemKind(i.kind).value, "amount": i.amount} for i in items]
    report = _unwrap(_runtime.call("reconciliation", "reconcile-payout", payout_amount, wit_items, list(expected_ids)),
                     ReconciliationError)
    net = report["items-net"]
    match, difference = report["result"]
    return PayoutReport(("-" if net["negative"] else "") + net["amount"], match, difference, report["missing"],
                        report["unexpected"], report["duplicates"])


# ---------- addresses ----------

class AddressError(PaywitError):
    """An address is not valid for the network; `code` is the WIT case (bad-checksum,
    wrong-network, invalid-character with the position in `details`, ...)."""


class Network(str, enum.Enum):
    """A network a refund address must belong to."""
    BITCOIN_MAINNET = "bitcoin-mainnet"
    BITCOIN_TESTNET = "bitcoin-testnet"
    ETHEREUM = "ethereum"


@dataclass(frozen=True)
class AddressInfo:
    """A valid address: its kind (p2pkh, p2sh, witness-v0-key-hash, ..., taproot,
    ethereum) and whether its case carries a checksum (EIP-55)."""
    kind: str
    checksummed: bool


def validate_address(network: Union[Network, str], address: str) -> AddressInfo:
    """Validates a crypto refund address for `network`; raises AddressError."""
    value = _unwrap(_runtime.call("addresses", "validate-address", Network(network).value, address), AddressError)
    return AddressInfo(value["kind"], value["checksummed"])


# ---------- alerts ----------

class AlertRuleError(PaywitError):
    """An alert rule is inconsistent: no-hysteresis, threshold-out-of-range or zero-windows."""


class AlertAction(str, enum.Enum):
    """What the failure-rate alert should do now."""
    ALERT = "alert"
    RECOVER = "recover"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Window:
    """Webhook deliveries in one time window."""
    successes: int
    failures: int


@dataclass(frozen=True)
class AlertRule:
    """Alert at `alert_at_basis_points` failures, recover below `recover_below_basis_points`,
    counting windows with at least `min_events`, `sustained_windows` in a row."""
    alert_at_basis_points: int
    recover_below_basis_points: int
    min_events: int
    sustained_windows: int


def default_alert_rule() -> AlertRule:
    """Alert at 5 %, recover below 2 %, at least 20 events, 3 windows in a row."""
    r = _runtime.call("alerts", "default-alert-rule")
    return AlertRule(r["alert-at-basis-points"], r["recover-below-basis-points"], r["min-events"], r["sustained-windows"])


def evaluate_alert(windows: Sequence[Window], alerting: bool, rule: Optional[AlertRule] = None) -> AlertAction:
    """Evaluates the windows (oldest first), given whether an alert is raised now."""
    r = rule or default_alert_rule()
    wit_rule = {"alert-at-basis-points": r.alert_at_basis_points, "recover-below-basis-points": r.recover_below_basis_points,
                "min-events": r.min_events, "sustained-windows": r.sustained_windows}
    wit_windows = [{"successes": w.successes, "failures": w.failures} for w in windows]
    return AlertAction(_unwrap(_runtime.call("alerts", "evaluate-alert", wit_windows, bool(alerting), wit_rule), AlertRuleError))
