import type { Verifier } from './webhooks.js';
import type { Delivery } from './delivery.js';

/**
 * The parts of node:http's `IncomingMessage` the middleware uses (an Express or
 * Connect request is one). After a verified delivery, `webhook` is set.
 */
export interface WebhookIncomingMessage {
  method?: string;
  headers: Record<string, string | string[] | undefined>;
  /** Set by a body parser that ran before the middleware (then the delivery is refused as already read). */
  body?: unknown;
  readonly readableDidRead?: boolean;
  readonly readableEnded?: boolean;
  readonly destroyed?: boolean;
  /** The verified delivery, set by `webhookMiddleware` before it calls `next()`. */
  webhook?: Delivery;
  on(event: string, listener: (...args: any[]) => void): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  pause(): unknown;
}

/** The parts of node:http's `ServerResponse` the middleware uses. */
export interface WebhookServerResponse {
  readonly headersSent: boolean;
  writeHead(status: number, headers?: Record<string, string>): { end(data?: string): unknown };
  end(data?: string): unknown;
  destroy(error?: Error): unknown;
}

/** Options of `webhookMiddleware`. */
export interface WebhookMiddlewareOptions<R = any> {
  /**
   * The body cap in bytes: a Content-Length over it is answered 413 before
   * anything is read, a chunked body 413 as soon as it passes it. Left out or
   * 0: 16 MiB, the component's body-bytes limit (also the most).
   */
  maxBytes?: number;
  /** The full URL the delivery was sent to, for schemes that sign it (Square), or a function of the request. Left out: none. */
  url?: string | ((req: R) => string);
  /**
   * Receives why a request was refused, for logging: the `VerifyError` subclass
   * (never containing a secret), a `BodyTooLargeError`, a `BodyAlreadyReadError`,
   * or the error reading the body. Not called for a 405. When set, the
   * middleware logs nothing itself. A promise it returns is awaited before a
   * 401 or 413 is answered.
   */
  onError?: (req: R, error: Error) => void | Promise<void>;
}

/**
 * The middleware: `(req, res, next)`. Also returns a promise of the verified
 * `Delivery` (undefined when it answered the request or passed an error to `next`).
 */
export type WebhookMiddleware = (req: any, res: any, next?: (error?: unknown) => void) => Promise<Delivery | undefined>;

/** A request after `webhookMiddleware` passed it on: `req.webhook` is the verified delivery. */
export type WithWebhook<R> = R & { webhook: Delivery };

/**
 * A middleware `(req, res, next)` for node:http, Express 5 and Connect that reads
 * the raw body itself, verifies it, sets `req.webhook` to the `Delivery` and
 * calls `next()`; answers 405, 413 and 401 itself; and passes
 * `BodyAlreadyReadError` to `next` when a body parser ran first (without `next`:
 * answers 500 with its message).
 */
export declare function webhookMiddleware(verifier: Verifier, options?: WebhookMiddlewareOptions): WebhookMiddleware;
