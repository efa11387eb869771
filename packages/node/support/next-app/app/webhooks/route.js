// A Next.js App Router route handler (app/webhooks/route.js) verifying
// Standard Webhooks deliveries with verifyWebhookRequest, for test/frameworks.test.js.
import { Verifier, verifyWebhookRequest } from 'paywit';

let verifier; // made on the first request: `next build` loads this module without the secrets
const getVerifier = () => (verifier ??= new Verifier('standard-webhooks', process.env.PAYWIT_WEBHOOK_SECRET.split(/\s+/)));

async function handle(request) {
  const delivery = await verifyWebhookRequest(getVerifier(), request, { maxBytes: Number(process.env.PAYWIT_MAX_BYTES) });
  if (delivery instanceof Response) return delivery;
  return Response.json({ messageId: delivery.messageId, secretIndex: delivery.secretIndex, type: delivery.json().type });
}

// Every method comes to paywit, which answers all but POST 405 (Allow: POST).
export { handle as POST, handle as GET, handle as PUT, handle as PATCH, handle as DELETE };
export const dynamic = 'force-dynamic';
