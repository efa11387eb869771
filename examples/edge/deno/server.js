// A Deno webhook receiver with paywit: verify the raw body, drop duplicates
// atomically in Deno KV keyed by the event id, answer 200 at once, and process
// the event after the response.
import { verifyWebhook, VerifyError } from 'paywit';

const scheme = Deno.env.get('PAYWIT_SCHEME') ?? 'standard-webhooks';
const secrets = (Deno.env.get('PAYWIT_SECRETS') ?? '').split(',');
const kv = await Deno.openKv(Deno.env.get('PAYWIT_KV_PATH') || undefined);

async function processLater(id, body) {
  await kv.set(['events', id], new TextDecoder().decode(body)); // stands in for the real work
}

Deno.serve({ hostname: '127.0.0.1', port: Number(Deno.env.get('PORT') ?? 8000) }, async (request) => {
  if (request.method !== 'POST') return new Response('method not allowed\n', { status: 405, headers: { allow: 'POST' } });
  const body = new Uint8Array(await request.arrayBuffer());
  let verified;
  try {
    verified = verifyWebhook(scheme, secrets, request.headers, body);
  } catch (error) {
    if (error instanceof VerifyError && error.code !== 'no-secrets' && error.code !== 'unusable-secret') {
      return new Response('unauthorized\n', { status: 401 });
    }
    console.error(`paywit: configuration error: ${error.code}`);
    return new Response('misconfigured\n', { status: 500 });
  }
  const id = verified.messageId ?? JSON.parse(new TextDecoder().decode(body)).id;
  // Only the first delivery of an id commits; a duplicate finds the key taken.
  const claimed = await kv.atomic().check({ key: ['seen', id], versionstamp: null }).set(['seen', id], Date.now()).commit();
  if (!claimed.ok) return new Response('duplicate\n');
  setTimeout(() => processLater(id, body), 0);
  return new Response('ok\n');
});
