// Every error paywit throws: one class per WIT error family and case.

/** Base class of every error paywit throws. `code` is the WIT case name. */
export class PaywitError extends Error {
  constructor(code, details, message) {
    super(message ?? code);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A webhook delivery did not verify. */
export class WebhookVerificationError extends PaywitError {}
/** `secrets` was empty. */
export class NoSecretsError extends WebhookVerificationError {}
/** A secret in the list cannot be used; `details.index` names it (never its value). */
export class UnusableSecretError extends WebhookVerificationError {}
/** A required header is absent; `details` is its name. */
export class MissingHeaderError extends WebhookVerificationError {}
/** A header is malformed or repeated with differing values. */
export class MalformedHeaderError extends WebhookVerificationError {}
/** The scheme signs the URL, but none was given. */
export class MissingUrlError extends WebhookVerificationError {}
/** The body cannot be canonicalised (NOWPayments). */
export class MalformedBodyError extends WebhookVerificationError {}
/** The signed timestamp is outside the replay window. */
export class TimestampOutsideToleranceError extends WebhookVerificationError {}
/** Well-formed, but no signature matches any secret. */
export class NoMatchingSignatureError extends WebhookVerificationError {}
/** An input is larger than paywit accepts. */
export class LimitExceededError extends WebhookVerificationError {}
/** A message could not be signed. */
export class WebhookSigningError extends PaywitError {}
/** An `Idempotency-Key` value was refused. */
export class IdempotencyKeyError extends PaywitError {}
/** A key policy or retry policy is out of range. */
export class PolicyError extends PaywitError {}
/** An amount string was refused. */
export class AmountError extends PaywitError {}
/** A refund is not possible. */
export class RefundError extends PaywitError {}
/** A signed API request was refused or could not be signed. */
export class RequestVerificationError extends PaywitError {}
/** A key must not be used where it is placed. */
export class KeyPlacementError extends PaywitError {}
/** A payout could not be reconciled. */
export class ReconciliationError extends PaywitError {}
/** An address is not valid for the network. */
export class AddressError extends PaywitError {}
/** An alert rule is inconsistent. */
export class AlertRuleError extends PaywitError {}

/**
 * An argument outside its WIT type's range or shape (a negative
 * \`toleranceSeconds\`, a fractional \`now\`, \`null\` where a string belongs),
 * refused before anything reaches the component. \`details\` names the argument
 * and the rule; a number is shown, any other value only by its type.
 */
export class InvalidArgumentError extends PaywitError {
  constructor(argument, rule, value) {
    // A number is shown, except for a secret: only its type, as for every other value.
    const shown = (typeof value === 'number' || typeof value === 'bigint') && !/secret/i.test(argument);
    const got = shown ? String(value) : value === null ? 'null' : typeof value;
    super('invalid-argument', { argument, rule, got }, `invalid-argument: ${argument} ${rule} (got ${got})`);
  }
}
