import type { Verifier } from './webhooks.js';
import type { Delivery } from './delivery.js';

/** Options of the `paywitFastify` plugin. */
export interface PaywitFastifyOptions<Request = any, Reply = any> {
  /** The scheme and rotation list. */
  verifier: Verifier;
  /** The webhook route's URL, such as '/webhooks' (under the registration's prefix). */
  path: string;
  /**
   * The body cap in bytes (the route's `bodyLimit`): Fastify answers 413 for a
   * Content-Length over it before reading, for a chunked body as it passes it.
   * Left out or 0: 16 MiB, the component's body-bytes limit (also the most).
   */
  maxBytes?: number;
  /** The full URL the delivery was sent to, for schemes that sign it (Square), or a function of the request. Left out: none. */
  url?: string | ((request: Request) => string);
  /** Receives why a request was refused, for logging (the `VerifyError` subclass, `BodyTooLargeError`, `BodyAlreadyReadError`). Not called for a 405. A promise it returns is awaited before the answer; a hook that throws is logged, never fatal. */
  onError?: (request: Request, error: Error) => void | Promise<void>;
  /**
   * Called once per verified delivery. What it returns is sent, as any Fastify
   * handler's; nothing (and no `reply.send`) sends an empty 200.
   */
  handler: (delivery: Delivery, request: Request, reply: Reply) => unknown;
}

/**
 * A Fastify 5 plugin registering one webhook route whose body is read raw,
 * capped, in the plugin's own context (an app-wide JSON parser does not apply):
 * `app.register(paywitFastify, { verifier, path, handler })`. 405 / 413 / 401 as
 * the other adapters; a body that is not the raw bytes throws `BodyAlreadyReadError` (500).
 */
export declare function paywitFastify(fastify: any, options: PaywitFastifyOptions): Promise<void>;
