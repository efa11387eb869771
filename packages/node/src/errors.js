// The error classes every generated module builds on. Each WIT error type gets a
// family in its generated module (src/gen/<interface>.js): a base class extending
// PaywitError and one subclass per case, with `code` (the case name) and `details`
// (the case's payload, typed in the .d.ts).

/** Base class of every error paywit throws. `code` is the WIT case name. */
export class PaywitError extends Error {
  constructor(code, details, message) {
    super(message ?? code);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/**
 * An argument outside its WIT type's range or shape (a negative
 * `toleranceSeconds`, a fractional `now`, `null` where a string belongs),
 * refused before anything reaches the component. `details` names the argument
 * path and the rule; a number is shown, any other value only by its type
 * (a string's contents never: it may be a secret).
 */
export class InvalidArgumentError extends PaywitError {
  constructor(argument, rule, value) {
    // A number is shown, except for a secret: only its type, as for every other value.
    const shown = (typeof value === 'number' || typeof value === 'bigint') && !/secret/i.test(argument);
    const got = shown ? String(value) : value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    super('invalid-argument', { argument, rule, got }, `invalid-argument: ${argument} ${rule} (got ${got})`);
  }
}

/** Throws InvalidArgumentError (the generated checks call it). */
export function invalid(path, rule, value) {
  throw new InvalidArgumentError(path, rule, value);
}

const show = (details) => JSON.stringify(details, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/** The error of class `ErrorClass` for the component's error case `code` with payload `details`. */
export function makeError(ErrorClass, code, details) {
  const message = details === undefined ? code : typeof details === 'string' ? `${code}: ${details}` : `${code}: ${show(details)}`;
  return new ErrorClass(code, details, message);
}
