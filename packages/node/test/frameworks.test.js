// paywit's framework adapters in the real frameworks on their real servers, on
// loopback: Express 5 and plain node:http (webhookMiddleware), Fastify 5
// (paywitFastify), Hono on Node (@hono/node-server), Hono on workerd and a
// Next.js App Router route under `next start` (verifyWebhookRequest). Each gets the same deliveries: valid, rotated secret, chunked,
// tampered, stale, oversized by Content-Length (headers only), oversized
// chunked, wrong method, and a body parser in front (a loud 500 naming the
// fix, never a 401). Servers start once per suite.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import {
  Verifier, signWebhook, verifyWebhookRequest, webhookMiddleware, paywitFastify, Delivery, BodyAlreadyReadError, BodyTooLargeError,
  PaywitError, VerifyNoMatchingSignatureError, VerifyTimestampOutsideToleranceError, LIMITS,
} from '../src/index.js';
import { readFileSync } from 'node:fs';
import { startHonoWorkerd, startNext } from '../support/frameworks.js';

const NEW = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';
const MAX = 64 * 1024;
const FIX = "paywit: the request body was read before paywit's adapter: mount paywit's adapter before any body parser, or give it the raw body";
const verifier = new Verifier('standard-webhooks', [NEW, OLD]);

let serial = 0;
/** A signed delivery: { id, headers, body }. */
function signed({ secret = NEW, age = 0 } = {}) {
  const id = `msg_${++serial}`;
  const body = JSON.stringify({ id: `evt_${serial}`, type: 'payment.succeeded', amount: 9900 });
  const headers = signWebhook('standard-webhooks', secret, body, { id, signedAt: Math.floor(Date.now() / 1000) - age });
  return { id, body, headers: { ...headers, 'content-type': 'application/json' } };
}

/** What each test app's handler answers for a verified delivery. */
const answer = (delivery) => ({ messageId: delivery.messageId, secretIndex: delivery.secretIndex, type: delivery.json().type });

/**
 * A request written on a socket: the status of the answer. The body is either never sent (a
 * Content-Length over `MAX`) or chunked to one frame past `MAX` and never ended, so only an
 * answer given as the cap is passed can come. Nothing is written after the frame that passes the
 * cap: a server that answers and closes then finds nothing unread, so its close cannot reset the
 * connection and lose the answer (or fail a late write with EPIPE, as workerd's did in CI).
 */
function raw(origin, path, { chunked }) {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let answered = false;
    let head = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer from ${origin}${path}`)); }, 15000);
    socket.on('data', (data) => {
      head += data.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status && !answered) {
        answered = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', (error) => { if (!answered) { clearTimeout(timer); reject(error); } });
    socket.on('close', () => { if (!answered) { clearTimeout(timer); reject(new Error(`closed without an answer: ${head}`)); } });
    const length = chunked ? 'Transfer-Encoding: chunked' : 'Content-Length: 1073741824';
    const { headers } = signed();
    const signature = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${signature}${length}\r\n\r\n`);
    if (!chunked) return; // headers only: a 1 GiB body never sent
    const frame = Buffer.concat([Buffer.from('4000\r\n'), Buffer.alloc(0x4000, 0x61), Buffer.from('\r\n')]);
    socket.write(Buffer.concat(Array.from({ length: MAX / 0x4000 + 1 }, () => frame))); // MAX + 16 KiB, no last chunk
  });
}

/** A delivery POSTed chunked (no Content-Length), in three writes: `{ status, text }`. */
function chunkedPost(origin, path, { headers, body }) {
  return new Promise((resolve, reject) => {
    const request = http.request(`${origin}${path}`, { method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({ status: response.statusCode, text }));
    });
    request.on('error', reject);
    request.write(body.slice(0, 7));
    request.write(body.slice(7, 30));
    request.end(body.slice(30));
  });
}

/** The deliveries every adapter gets, at `origin` + `path`. */
function deliveries(name, target) {
  const url = () => `${target().origin}${target().path}`;
  const post = ({ headers, body }) => fetch(url(), { method: 'POST', headers, body });

  it(`${name}: a valid delivery reaches the handler, which sees the message id and the parsed JSON`, async () => {
    const delivery = signed();
    const reply = await post(delivery);
    assert.equal(reply.status, 200);
    assert.deepEqual(await reply.json(), { messageId: delivery.id, secretIndex: 0, type: 'payment.succeeded' });
  });
  it(`${name}: a delivery signed with the rotated-out secret verifies`, async () => {
    const delivery = signed({ secret: OLD });
    const reply = await post(delivery);
    assert.equal(reply.status, 200);
    assert.deepEqual(await reply.json(), { messageId: delivery.id, secretIndex: 1, type: 'payment.succeeded' });
  });
  it(`${name}: a chunked delivery under maxBytes verifies`, async () => {
    const delivery = signed();
    const reply = await chunkedPost(target().origin, target().path, delivery);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(JSON.parse(reply.text), { messageId: delivery.id, secretIndex: 0, type: 'payment.succeeded' });
  });
  it(`${name}: a tampered body is 401 with an empty body`, async () => {
    const delivery = signed();
    const reply = await post({ ...delivery, body: delivery.body.replace('9900', '9901') });
    assert.equal(reply.status, 401);
    assert.equal(await reply.text(), '');
  });
  it(`${name}: a stale delivery is 401 with an empty body`, async () => {
    const reply = await post(signed({ age: 600 }));
    assert.equal(reply.status, 401);
    assert.equal(await reply.text(), '');
  });
  it(`${name}: a Content-Length over maxBytes is 413 with no body sent`, async () => {
    assert.equal(await raw(target().origin, target().path, { chunked: false }), 413);
  });
  it(`${name}: a chunked body is 413 as it passes maxBytes`, async () => {
    assert.equal(await raw(target().origin, target().path, { chunked: true }), 413);
  });
  it(`${name}: a method other than POST is 405 with Allow: POST`, async () => {
    const reply = await fetch(url());
    assert.equal(reply.status, 405);
    assert.equal(reply.headers.get('allow'), 'POST');
    await reply.arrayBuffer();
  });
}

/** Listens on loopback, port 0; the origin. */
async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${server.address().port}`;
}
const close = (server) => { server.closeAllConnections?.(); return new Promise((resolve) => server.close(resolve)); };

describe('Express 5 (webhookMiddleware)', () => {
  let origin;
  let parsedOrigin;
  const servers = [];
  const refused = [];
  before(async () => {
    const app = express();
    app.all('/webhooks', webhookMiddleware(verifier, { maxBytes: MAX, onError: (req, error) => refused.push(error) }), (req, res) => {
      res.json(answer(req.webhook));
    });
    // The mistake: express.json() mounted app-wide, in front of the webhook route.
    const parsed = express();
    parsed.set('env', 'test'); // Express's own error page, without its console log in the test output
    parsed.use(express.json());
    parsed.all('/webhooks', webhookMiddleware(verifier), (req, res) => res.json(answer(req.webhook)));
    servers.push(http.createServer(app), http.createServer(parsed));
    [origin, parsedOrigin] = await Promise.all(servers.map(listen));
  });
  after(() => Promise.all(servers.map(close)));

  deliveries('Express', () => ({ origin, path: '/webhooks' }));

  it('Express: onError got the typed reasons, and none mentions a secret', () => {
    const kinds = new Set(refused.map((error) => error.constructor));
    for (const kind of [VerifyNoMatchingSignatureError, VerifyTimestampOutsideToleranceError, BodyTooLargeError]) assert.ok(kinds.has(kind), kind.name);
    for (const error of refused) assert.ok(!`${error.message} ${JSON.stringify(error.details, (_, v) => String(v))}`.includes(NEW.slice(6, 20)));
  });
  it('Express: express.json() in front is a 500 naming the fix, never a 401', async () => {
    const { headers, body } = signed();
    const reply = await fetch(`${parsedOrigin}/webhooks`, { method: 'POST', headers, body });
    assert.equal(reply.status, 500);
    const page = (await reply.text()).replaceAll('&#39;', "'");
    assert.ok(page.includes(FIX), page.slice(0, 300));
  });
});

describe('plain node:http (webhookMiddleware awaited, no next)', () => {
  let origin;
  let server;
  const refused = [];
  before(async () => {
    const paywit = webhookMiddleware(verifier, { maxBytes: MAX, onError: (req, error) => refused.push(error) });
    server = http.createServer(async (req, res) => {
      if (req.url === '/logged-first') for await (const chunk of req) void chunk; // a logging middleware that read the body
      const delivery = await paywit(req, res);
      if (!delivery) return;
      assert.equal(req.webhook, delivery);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(delivery)));
    });
    origin = await listen(server);
  });
  after(() => close(server));

  deliveries('node:http', () => ({ origin, path: '/webhooks' }));

  it('node:http: a promise onError returns is awaited before the 401 is written', async () => {
    const events = [];
    const paywit = webhookMiddleware(verifier, {
      onError: async (req, e) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`recorded ${e.constructor.name}`);
      },
    });
    const awaited = http.createServer(async (req, res) => {
      res.on('finish', () => events.push(`answered ${res.statusCode}`));
      await paywit(req, res);
    });
    const at = await listen(awaited);
    try {
      const { headers } = signed();
      const reply = await fetch(`${at}/webhooks`, { method: 'POST', headers, body: '{"tampered":true}' });
      assert.equal(reply.status, 401);
    } finally {
      await close(awaited);
    }
    assert.deepEqual(events, ['recorded VerifyNoMatchingSignatureError', 'answered 401']);
  });
  it('node:http: an onError that throws or rejects is logged, and the request answered as before', async () => {
    const logged = [];
    const consoleError = console.error;
    console.error = (...args) => logged.push(args.join(' '));
    const failing = http.createServer(async (req, res) => {
      if (req.url === '/read-first') for await (const chunk of req) void chunk;
      const paywit = webhookMiddleware(verifier, { onError: req.url === '/throws' ? () => { throw new Error('log store down'); } : async () => { throw new Error('log store down'); } });
      await paywit(req, res);
    });
    const at = await listen(failing);
    try {
      const { headers } = signed();
      for (const path of ['/rejects', '/throws']) {
        const reply = await fetch(`${at}${path}`, { method: 'POST', headers, body: '{"tampered":true}' });
        assert.equal(reply.status, 401, path);
      }
      const read = signed();
      const reply = await fetch(`${at}/read-first`, { method: 'POST', headers: read.headers, body: read.body });
      assert.equal(reply.status, 500);
    } finally {
      await close(failing);
      console.error = consoleError;
    }
    assert.ok(logged.length >= 3 && logged.every((line) => line.includes('onError hook failed')), logged.join('\n'));
  });
  it('node:http: a request with no body, read to its end in front, is answered (never left hanging)', async () => {
    const paywit = webhookMiddleware(verifier);
    const drained = http.createServer(async (req, res) => {
      for await (const chunk of req) void chunk;
      await paywit(req, res);
    });
    const at = await listen(drained);
    try {
      const { headers } = signed();
      const reply = await fetch(`${at}/webhooks`, { method: 'POST', headers: { ...headers, 'content-length': '0' }, signal: AbortSignal.timeout(5000) });
      assert.equal(reply.status, 401); // an empty body does not verify
    } finally {
      await close(drained);
    }
  });
  it('node:http: a body read in front is a 500 with the message naming the fix, never a 401', async () => {
    const { headers, body } = signed();
    const reply = await fetch(`${origin}/logged-first`, { method: 'POST', headers, body });
    assert.equal(reply.status, 500);
    assert.equal(await reply.text(), `${FIX}\n`);
    assert.ok(refused.at(-1) instanceof BodyAlreadyReadError);
  });
});

describe('Fastify 5 (paywitFastify)', () => {
  let origin;
  let parsedOrigin;
  const apps = [];
  const refused = [];
  before(async () => {
    const app = Fastify();
    // An app-wide JSON parser of the app's own: it must not apply to the webhook route.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => done(null, { parsedByApp: JSON.parse(body) }));
    app.post('/other', async (request) => request.body);
    app.register(paywitFastify, {
      verifier, path: '/webhooks', maxBytes: MAX, onError: (request, error) => refused.push(error), handler: async (delivery) => answer(delivery),
    });
    // The mistake in Fastify's terms: an app-wide hook that replaces each body by its parsed JSON.
    const parsed = Fastify();
    parsed.addHook('preValidation', async (request) => {
      if (!Buffer.isBuffer(request.body)) return;
      const json = JSON.parse(request.body.toString());
      // /webhooks gets the parsed object; /reserialised the JSON written again, as bytes.
      request.body = request.url === '/reserialised' ? Buffer.from(JSON.stringify(json)) : json;
    });
    parsed.register(paywitFastify, { verifier, path: '/webhooks', handler: async (delivery) => answer(delivery) });
    parsed.register(paywitFastify, { verifier, path: '/reserialised', handler: async (delivery) => answer(delivery) });
    apps.push(app, parsed);
    [origin, parsedOrigin] = await Promise.all(apps.map((a) => a.listen({ port: 0, host: '127.0.0.1' })));
  });
  after(() => Promise.all(apps.map((a) => a.close())));

  deliveries('Fastify', () => ({ origin, path: '/webhooks' }));

  it('Fastify: onError got the typed reasons, the 413 from Fastify included', () => {
    const kinds = new Set(refused.map((error) => error.constructor));
    for (const kind of [VerifyNoMatchingSignatureError, VerifyTimestampOutsideToleranceError, BodyTooLargeError]) assert.ok(kinds.has(kind), kind.name);
  });
  it("Fastify: the app's JSON parser still parses its other routes", async () => {
    const reply = await fetch(`${origin}/other`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.deepEqual(await reply.json(), { parsedByApp: { a: 1 } });
  });
  it('Fastify: a body replaced before the route is a 500 naming the fix, never a 401', async () => {
    for (const path of ['/webhooks', '/reserialised']) {
      const { headers } = signed();
      // Spaces a re-serialisation drops: the bytes the hook puts back differ from the signed ones.
      const body = '{ "id": "evt", "type": "payment.succeeded" }';
      const signedHeaders = { ...signWebhook('standard-webhooks', NEW, body, { id: 'msg_spaced' }), 'content-type': headers['content-type'] };
      const reply = await fetch(`${parsedOrigin}${path}`, { method: 'POST', headers: signedHeaders, body });
      assert.equal(reply.status, 500, path);
      assert.equal((await reply.json()).message, FIX);
    }
  });
});

describe('Hono on Node (@hono/node-server, verifyWebhookRequest)', () => {
  let origin;
  let server;
  const thrown = [];
  const refused = [];
  before(async () => {
    const app = new Hono();
    app.all('/webhooks', async (c) => {
      const delivery = await verifyWebhookRequest(verifier, c.req.raw, { maxBytes: MAX, onError: (request, error) => refused.push(error) });
      if (delivery instanceof Response) return delivery;
      return c.json(answer(delivery));
    });
    app.post('/parsed-first', async (c) => {
      await c.req.json(); // the mistake: the body parsed before paywit sees it
      const delivery = await verifyWebhookRequest(verifier, c.req.raw);
      return delivery instanceof Response ? delivery : c.text('verified a body that was read first');
    });
    app.onError((error, c) => { thrown.push(error); return c.text('Internal Server Error', 500); }); // Hono's default, recorded
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    origin = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => close(server));

  deliveries('Hono/Node', () => ({ origin, path: '/webhooks' }));

  it('Hono/Node: onError got the typed reasons', () => {
    const kinds = new Set(refused.map((error) => error.constructor));
    for (const kind of [VerifyNoMatchingSignatureError, VerifyTimestampOutsideToleranceError, BodyTooLargeError]) assert.ok(kinds.has(kind), kind.name);
  });
  it('Hono/Node: c.req.json() before verifyWebhookRequest is a loud 500 (BodyAlreadyReadError naming the fix), never a 401', async () => {
    const { headers, body } = signed();
    const reply = await fetch(`${origin}/parsed-first`, { method: 'POST', headers, body });
    assert.equal(reply.status, 500);
    await reply.text();
    assert.equal(thrown.length, 1);
    assert.ok(thrown[0] instanceof BodyAlreadyReadError);
    assert.equal(thrown[0].message, FIX);
  });
});

describe('Hono on workerd (bundled with esbuild, the workerd condition)', () => {
  let served;
  before(async () => {
    served = await startHonoWorkerd({ PAYWIT_WEBHOOK_SECRETS: `${NEW},${OLD}`, PAYWIT_MAX_BYTES: String(MAX) });
  });
  after(() => served?.stop());

  deliveries('Hono/workerd', () => ({ origin: served.origin, path: '/webhooks' }));

  it('Hono/workerd: c.req.json() first is a loud 500, the error naming the fix in the log, never a 401', async () => {
    assert.ok(!served.bundle.includes('readFileSync'), 'the edge entry was bundled');
    const { headers, body } = signed();
    const reply = await fetch(`${served.origin}/parsed-first`, { method: 'POST', headers, body });
    assert.equal(reply.status, 500);
    await reply.text();
    for (let i = 0; i < 50 && !served.log().includes('mount paywit'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(served.log().includes(FIX), `workerd's log: ${served.log()}`);
  });
});

describe('Next.js App Router (next build, next start; verifyWebhookRequest in a route handler)', () => {
  let served;
  before(async () => {
    served = await startNext({ PAYWIT_WEBHOOK_SECRET: `${NEW} ${OLD}`, PAYWIT_MAX_BYTES: String(MAX) });
  });
  after(() => served?.stop());

  deliveries('Next.js', () => ({ origin: served.origin, path: '/webhooks' }));

  it('Next.js: request.json() before verifyWebhookRequest is a loud 500, the error naming the fix in the log, never a 401', async () => {
    const { headers, body } = signed();
    const reply = await fetch(`${served.origin}/parsed-first`, { method: 'POST', headers, body });
    assert.equal(reply.status, 500);
    await reply.text();
    for (let i = 0; i < 50 && !served.log().includes('mount paywit'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(served.log().includes(FIX), `next's log: ${served.log()}`);
  });
});

describe('verifyWebhookRequest and Delivery on their own', () => {
  const request = (delivery, init = {}) => new Request('https://example.test/webhooks', { method: 'POST', headers: delivery.headers, body: delivery.body, ...init });

  it('a Delivery is what was verified and the raw bytes; text() and json() parse on call', async () => {
    const delivery = signed();
    const got = await verifyWebhookRequest(verifier, request(delivery));
    assert.ok(got instanceof Delivery);
    assert.equal(got.messageId, delivery.id);
    assert.equal(typeof got.signedAt, 'bigint');
    assert.ok(got.body instanceof Uint8Array);
    assert.equal(got.text(), delivery.body);
    assert.deepEqual(got.json(), JSON.parse(delivery.body));
    assert.ok(Object.isFrozen(got));
  });
  it('a read body throws BodyAlreadyReadError (a PaywitError naming the fix) after onError', async () => {
    const used = request(signed());
    await used.text();
    const seen = [];
    await assert.rejects(verifyWebhookRequest(verifier, used, { onError: (r, e) => seen.push(e) }), (e) => e instanceof BodyAlreadyReadError && e instanceof PaywitError && e.code === 'body-already-read' && e.message === FIX);
    assert.ok(seen[0] instanceof BodyAlreadyReadError);
    const locked = request(signed());
    locked.body.getReader();
    await assert.rejects(verifyWebhookRequest(verifier, locked), BodyAlreadyReadError);
  });
  it('a promise onError returns is awaited before the 401 (a refusal recorded before its answer)', async () => {
    const events = [];
    const onError = async (r, e) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      events.push(`recorded ${e.constructor.name}`);
    };
    const { headers } = signed();
    const answer = await verifyWebhookRequest(verifier, request({ headers, body: '{"tampered":true}' }), { onError });
    events.push(`answered ${answer.status}`);
    assert.deepEqual(events, ['recorded VerifyNoMatchingSignatureError', 'answered 401']);
  });
  it('an onError that rejects is logged, never thrown: the 401 and the BodyAlreadyReadError are as before', async () => {
    const consoleError = console.error;
    const logged = [];
    console.error = (...args) => logged.push(args.join(' '));
    try {
      const onError = async () => { throw new Error('log store down'); };
      const { headers } = signed();
      const answer = await verifyWebhookRequest(verifier, request({ headers, body: '{"tampered":true}' }), { onError });
      assert.equal(answer.status, 401);
      const used = request(signed());
      await used.text();
      await assert.rejects(verifyWebhookRequest(verifier, used, { onError }), BodyAlreadyReadError);
    } finally {
      console.error = consoleError;
    }
    assert.equal(logged.length, 2);
  });
  it('a streamed body is cancelled as it passes maxBytes; maxBytes is capped at the body-bytes limit', async () => {
    let pulled = 0;
    let cancelled = false;
    const stream = new ReadableStream({
      pull(controller) { pulled++; controller.enqueue(new Uint8Array(1024)); },
      cancel() { cancelled = true; },
    });
    const reply = await verifyWebhookRequest(verifier, new Request('https://example.test/', { method: 'POST', body: stream, duplex: 'half' }), { maxBytes: 4096 });
    assert.equal(reply.status, 413);
    assert.ok(cancelled && pulled <= 6, `${pulled} chunks pulled`);
    const big = request(signed(), { headers: { 'content-length': String(LIMITS['body-bytes'] + 1) }, body: null });
    assert.equal((await verifyWebhookRequest(verifier, big, { maxBytes: 2 ** 40 })).status, 413);
    await assert.rejects(verifyWebhookRequest(verifier, request(signed()), { maxBytes: -1 }), TypeError);
    assert.throws(() => webhookMiddleware({}), TypeError);
  });
  it('the edge entry exports the same adapters (Node cannot import it: the workerd suite runs it)', () => {
    const adapters = (file) => readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8').split('\n').filter((line) => /^export \{.*\} from '\.\/(delivery|fetch-adapter|node-middleware|fastify)\.js';$/.test(line));
    assert.equal(adapters('index.js').length, 4);
    assert.deepEqual(adapters('edge.js'), adapters('index.js'));
  });
});
