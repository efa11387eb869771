import type { Verified } from './gen/webhooks.js';
import { PaywitError } from './errors.js';

/**
 * A verified webhook delivery, as paywit's adapters hand it to a handler: what
 * verification found and the raw body exactly as received and verified. Record
 * `messageId` (or the event id in `json()`) before processing, so a redelivery
 * is recognised.
 */
export declare class Delivery {
  constructor(verified: Verified, body: Uint8Array);
  /** Index into the Verifier's rotation list of the secret that matched. */
  readonly secretIndex: number;
  /** The message id, for schemes that sign one (Standard Webhooks' `webhook-id`). */
  readonly messageId: string | undefined;
  /** The signed timestamp (Unix seconds), for schemes that sign one. */
  readonly signedAt: bigint | undefined;
  /** The raw body exactly as received and verified (a Buffer from the Node adapters). */
  readonly body: Uint8Array;
  /** The body as text (UTF-8, invalid sequences as U+FFFD), decoded on each call. */
  text(): string;
  /** The body parsed as JSON, on each call and only when called. Throws `SyntaxError` for a body that is not JSON. */
  json<T = unknown>(): T;
}

/**
 * A request whose body something read before paywit's adapter did (a body
 * parser mounted in front of it). The adapters raise it (a 500 the framework
 * logs, with this message naming the fix), never a 401.
 */
export declare class BodyAlreadyReadError extends PaywitError {
  constructor();
  readonly code: 'body-already-read';
  readonly details: undefined;
}

/** A request body over the adapter's `maxBytes`, answered 413 and handed to `onError`. */
export declare class BodyTooLargeError extends PaywitError {
  constructor(limit: number);
  readonly code: 'body-too-large';
  readonly details: { limit: number };
}

/** @internal The component's body-bytes limit (16 MiB): the largest `maxBytes` and its default. */
export declare const MAX_BODY_BYTES: number;
/** @internal `maxBytes` as used: the limit when left out or 0, at most the limit; TypeError otherwise. */
export declare function capBytes(maxBytes: number | undefined): number;
/** @internal Throws TypeError unless `verifier` has a `verify` method. */
export declare function checkVerifier(verifier: unknown, where: string): void;
/** @internal The URL to verify with: the string, the function's answer, or undefined. */
export declare function urlFor<R>(url: string | ((request: R) => string) | undefined, request: R): string | undefined;

/** @internal Calls an adapter's onError hook, awaits it, and never throws (a failing hook is logged). */
export declare function report(onError: ((request: any, error: Error) => unknown) | undefined, request: any, error: Error): Promise<void>;

/** @internal `chunks` as one Uint8Array (the one chunk itself when there is one). */
export declare function concat(chunks: Uint8Array[], total: number): Uint8Array;
