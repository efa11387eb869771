// The raw-body mistake in a Next.js route: the body parsed before paywit sees it.
import { Verifier, verifyWebhookRequest } from 'paywit';

let verifier; // made on the first request: `next build` loads this module without the secrets
const getVerifier = () => (verifier ??= new Verifier('standard-webhooks', process.env.PAYWIT_WEBHOOK_SECRET.split(/\s+/)));

export async function POST(request) {
  await request.json();
  const delivery = await verifyWebhookRequest(getVerifier(), request);
  return delivery instanceof Response ? delivery : new Response('verified a body that was read first');
}
export const dynamic = 'force-dynamic';
