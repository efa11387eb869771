/** Base class of every error paywit throws. `code` is the WIT case name. */
export declare class PaywitError extends Error {
  constructor(code: string, details?: unknown, message?: string);
  readonly code: string;
  readonly details: unknown;
}

/**
 * An argument outside its WIT type's range or shape, refused before anything
 * reaches the component. `details.argument` is the argument path (`policy.schedule.val[2]`).
 */
export declare class InvalidArgumentError extends PaywitError {
  constructor(argument: string, rule: string, value?: unknown);
  readonly code: 'invalid-argument';
  readonly details: { argument: string; rule: string; got: string };
}
