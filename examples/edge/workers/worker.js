// A Cloudflare Worker that receives payment webhooks with paywit: verify the
// raw body, drop duplicates atomically in a Durable Object keyed by the event
// id, answer 200 at once, and hand the event off after the response
// (ctx.waitUntil here; a Queue binding in production).
import { DurableObject } from 'cloudflare:workers';
import { verifyWebhook, VerifyError } from 'paywit';

/** One object per event id: the first claim wins, every later one is a duplicate. */
export class Deliveries extends DurableObject {
  async fetch() {
    const seen = await this.ctx.storage.get('seen');
    if (seen) return new Response('duplicate');
    await this.ctx.storage.put('seen', Date.now());
    return new Response('new');
  }
}

export default {
  async fetch(request, env, ctx) {
    if (request.method !== 'POST') return new Response('method not allowed\n', { status: 405, headers: { allow: 'POST' } });
    const body = new Uint8Array(await request.arrayBuffer());
    let verified;
    try {
      verified = verifyWebhook(env.PAYWIT_SCHEME, env.PAYWIT_SECRETS.split(','), request.headers, body);
    } catch (error) {
      if (error instanceof VerifyError && error.code !== 'no-secrets' && error.code !== 'unusable-secret') {
        return new Response('unauthorized\n', { status: 401 });
      }
      console.error(`paywit: configuration error: ${error.code}`); // never the secret
      return new Response('misconfigured\n', { status: 500 });
    }
    const id = verified.messageId ?? JSON.parse(new TextDecoder().decode(body)).id;
    const claim = await env.DELIVERIES.get(env.DELIVERIES.idFromName(id)).fetch('https://deliveries/claim', { method: 'POST' });
    if ((await claim.text()) === 'duplicate') return new Response('duplicate\n');
    if (env.UPSTREAM_URL) {
      ctx.waitUntil(fetch(env.UPSTREAM_URL, { method: 'POST', headers: { 'idempotency-key': id }, body }));
    }
    return new Response('ok\n');
  },
};
