// Compiled by `npm run typecheck` (never run): the public API used as a TypeScript
// user would, against src/index.d.ts and the generated declarations. Each
// `@ts-expect-error` line must stay an error: a declaration that loosened would fail.
import {
  retry, webhooks, classify, apiPolicy, nextStep, parseRetryAfter, validateAddress, verifyWebhook, Verifier, signWebhook,
  PaywitError, InvalidArgumentError, VerifyError, VerifyLimitExceededError, AmountError, evaluateAlert, defaultAlertRule, decide,
  LIMITS, verifyWebhookRequest, webhookMiddleware, paywitFastify, Delivery, BodyAlreadyReadError, BodyTooLargeError,
} from 'paywit';
import type { Classification, Policy, Step, Verified, Failure } from 'paywit';
import type { VerifyWebhookRequestOptions, WebhookMiddlewareOptions, PaywitFastifyOptions, WithWebhook, WebhookMiddleware } from 'paywit';

const failure: Failure = { status: 503 };
const c: Classification = classify(failure);
const retryable: boolean = c.retry;
const policy: Policy = apiPolicy();
const step: Step = nextStep(policy, 1, failure);
const ms: bigint | undefined = step.tag === 'retry-after-ms' ? step.val : undefined;
const after: bigint | undefined = parseRetryAfter('120', 1);
const info = validateAddress('ethereum', '0x0');
const checksummed: boolean = info.checksummed;
const verified: Verified = verifyWebhook('stripe', ['whsec_x'], { 'stripe-signature': 't=1' }, '{}', { now: 1 });
const signedAt: bigint | undefined = verified.signedAt;
const v = new Verifier({ hmac: { header: 'X-Sig', algorithm: 'sha256', encoding: 'hex' } }, 'k', { toleranceSeconds: 300 });
v.verify(new Headers(), new Uint8Array(0));
const headers: Record<string, string> = signWebhook('standard-webhooks', 'whsec_x', '{}', { id: 'msg_1', signedAt: 1 });
const ns: Policy = retry.webhookRedeliveryPolicy();
const secret: string = webhooks.newSecret({ tag: 'stripe' });
const action: 'alert' | 'recover' | 'nothing' = evaluateAlert([{ successes: 1, failures: 0 }], false, defaultAlertRule());
decide(undefined, null, 'fp', { retentionSeconds: 1, requireKey: true, mismatchStatus: 'bad-request' });
const limit: number = LIMITS['body-bytes'];

try {
  verifyWebhook('stripe', 'k', {}, '');
} catch (e) {
  if (e instanceof VerifyLimitExceededError) {
    const max: bigint = e.details.max;
    const code: 'limit-exceeded' = e.code;
  } else if (e instanceof VerifyError) {
    const code: string = e.code;
  } else if (e instanceof InvalidArgumentError) {
    const path: string = e.details.argument;
  } else if (e instanceof AmountError || e instanceof PaywitError) {
    e.code;
  }
}

// @ts-expect-error: a status is a number
classify({ status: '503' });
// @ts-expect-error: not a jitter
const bad: Policy = { ...policy, jitter: 'sometimes' };
// @ts-expect-error: not a scheme
verifyWebhook('paypal', 'k', {}, '');
// @ts-expect-error: 64-bit answers are bigint
const n: number = parseRetryAfter('1', 1);
// @ts-expect-error: the network is an enum
validateAddress('dogecoin', 'x');

void retryable; void ms; void after; void checksummed; void signedAt; void headers; void ns; void secret; void action; void limit; void bad; void n;

// The framework adapters.

export async function route(request: Request): Promise<Response> {
  const options: VerifyWebhookRequestOptions = { maxBytes: 1 << 20, url: (r) => r.url, onError: (r, e) => void e.message };
  const delivery = await verifyWebhookRequest(v, request, options);
  if (delivery instanceof Response) return delivery;
  const id: string | undefined = delivery.messageId;
  const at: bigint | undefined = delivery.signedAt;
  const index: number = delivery.secretIndex;
  const raw: Uint8Array = delivery.body;
  const type: string = delivery.json<{ type: string }>().type;
  void id; void at; void index; void raw;
  return new Response(`${type} ${delivery.text()}`);
}
const middleware: WebhookMiddleware = webhookMiddleware(v, { maxBytes: 1024, url: 'https://example.com/webhooks' } satisfies WebhookMiddlewareOptions);
export const routeHandler = (req: WithWebhook<{ url: string }>) => req.webhook.messageId;
const plugin: (fastify: any, options: PaywitFastifyOptions) => Promise<void> = paywitFastify;
const fastifyOptions: PaywitFastifyOptions = { verifier: v, path: '/webhooks', handler: async (delivery) => delivery.messageId };
const misread: 'body-already-read' = new BodyAlreadyReadError().code;
const cap: number = new BodyTooLargeError(1).details.limit;
const asPaywit: PaywitError = new BodyAlreadyReadError();
// @ts-expect-error: maxBytes is a number
webhookMiddleware(v, { maxBytes: '1' });
// @ts-expect-error: the body is bytes, not a string
const text: string = new Delivery({ secretIndex: 0 }, new Uint8Array(0)).body;
// @ts-expect-error: the plugin needs a handler
const noHandler: PaywitFastifyOptions = { verifier: v, path: '/webhooks' };
// @ts-expect-error: verifyWebhookRequest takes a Request
verifyWebhookRequest(v, '/webhooks');
void middleware; void plugin; void fastifyOptions; void misread; void cap; void asPaywit; void text; void noHandler;

// The adapters' subpaths: each declares its adapter (the same function as the flat export) and
// its option types, and nothing else.
import { verifyWebhookRequest as fromFetch } from 'paywit/fetch';
import type { VerifyWebhookRequestOptions as FetchOptions } from 'paywit/fetch';
import { webhookMiddleware as fromNode } from 'paywit/node';
import type { WebhookMiddlewareOptions as NodeOptions } from 'paywit/node';
import { paywitFastify as fromFastify } from 'paywit/fastify';
import type { PaywitFastifyOptions as FastifyOptions } from 'paywit/fastify';
// @ts-expect-error: a subpath declares only its adapter
import { classify as notAnAdapter } from 'paywit/fastify';
const subpaths: [typeof verifyWebhookRequest, typeof webhookMiddleware, typeof paywitFastify] = [fromFetch, fromNode, fromFastify];
const subpathOptions: [FetchOptions, NodeOptions, FastifyOptions] = [{ maxBytes: 1 }, { maxBytes: 1 }, fastifyOptions];
void subpaths; void subpathOptions; void notAnAdapter;
