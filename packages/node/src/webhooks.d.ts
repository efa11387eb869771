import type { Scheme, HmacScheme, Verified } from './gen/webhooks.js';

/** A built-in scheme by name (every case of the WIT `scheme` without a payload). */
export type SchemeName = Exclude<Scheme['tag'], 'hmac'>;
/** A scheme: a name, `{ hmac: {...} }`, or the WIT variant itself. */
export type SchemeInput = SchemeName | { hmac: HmacScheme } | Scheme;
/** Headers as received: a plain object (Node's `req.headers`), `Headers`, `[name, value]` pairs or `{name, value}` records. */
export type HeadersInput =
  | Record<string, string | string[] | undefined>
  | { forEach(callback: (value: string, name: string) => void): void; get(name: string): string | null }
  | Iterable<readonly [string, string]>
  | ReadonlyArray<{ name: string; value: string }>;
/** The raw body as received. */
export type BodyInput = string | Uint8Array | ArrayBuffer;

export interface VerifyWebhookOptions {
  /** Unix seconds; defaults to the current time. */
  now?: number | bigint;
  /** The replay window; the scheme's default when left out. */
  toleranceSeconds?: number | null;
  /** The URL the delivery was sent to (Square signs it). */
  url?: string | null;
}

export interface SignWebhookOptions {
  id?: string | null;
  /** Unix seconds; defaults to the current time. */
  signedAt?: number | bigint;
  url?: string | null;
}

/** The WIT `scheme` variant for a scheme given as a name or `{ hmac: {...} }`. */
export declare function parseScheme(scheme: SchemeInput): Scheme;

/**
 * Verifies a webhook delivery. Throws a `VerifyError` subclass on failure,
 * `InvalidArgumentError` for an out-of-range `now` or `toleranceSeconds`.
 */
export declare function verifyWebhook(scheme: SchemeInput, secrets: string | readonly string[], headers: HeadersInput, body: BodyInput, options?: VerifyWebhookOptions): Verified;

/** A reusable verifier for one scheme and rotation list: the secrets are checked and prepared once. */
export declare class Verifier {
  constructor(scheme: SchemeInput, secrets: string | Iterable<string>, options?: { toleranceSeconds?: number | null });
  /** Verifies one delivery; throws a `VerifyError` subclass on failure. */
  verify(headers: HeadersInput, body: BodyInput, options?: { now?: number | bigint; url?: string | null }): Verified;
}

/** Signs a message; returns the headers to send, as a plain object. Throws a `SignError` subclass. */
export declare function signWebhook(scheme: SchemeInput, secret: string, body: BodyInput, options?: SignWebhookOptions): Record<string, string>;
