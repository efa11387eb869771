import type { Verifier } from './webhooks.js';
import type { Delivery } from './delivery.js';

/** Options of `verifyWebhookRequest`. */
export interface VerifyWebhookRequestOptions {
  /**
   * The body cap in bytes: a Content-Length over it is answered 413 before
   * anything is read, a body of unknown length 413 as soon as it passes it.
   * Left out or 0: 16 MiB, the component's body-bytes limit (also the most).
   */
  maxBytes?: number;
  /**
   * The full URL the delivery was sent to, for schemes that sign it (Square):
   * usually the public URL the gateway was configured with, or a function of the
   * request. Left out: no URL is passed.
   */
  url?: string | ((request: Request) => string);
  /**
   * Receives why a request was refused, for logging: the `VerifyError` subclass
   * (paywit's errors never contain a secret), a `BodyTooLargeError`, or the
   * `BodyAlreadyReadError` about to be thrown. Not called for a 405. A promise
   * it returns is awaited before a 401 or 413 is answered.
   */
  onError?: (request: Request, error: Error) => void | Promise<void>;
}

/**
 * Verifies the delivery `request` (its body unread) and returns a `Delivery`,
 * or the `Response` to answer: 405 (`Allow: POST`) for a method other than POST,
 * 413 for a body over `maxBytes`, 401 with an empty body for a delivery that does
 * not verify. Throws `BodyAlreadyReadError` when something read the body first
 * (the framework answers 500 and logs it), and any unexpected error.
 */
export declare function verifyWebhookRequest(verifier: Verifier, request: Request, options?: VerifyWebhookRequestOptions): Promise<Delivery | Response>;
