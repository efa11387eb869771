// Guest memory (issue 1): an input over the component's limits is refused
// before anything is copied into the guest, with the answer the component
// gives; guest pointers are read unsigned; an instance one large input left
// large is replaced. The tests look at the instances behind the public API
// (support/guest-instances.js), so they import the package only after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latest, memoryOf, watchInstances } from '../support/guest-instances.js';

watchInstances();
const paywit = await import('../src/index.js');
const { manifest } = await import('../src/abi.js');

const LIMITS = manifest.limits;
const MiB = 1 << 20;
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1700000000;
const signed = (body) => paywit.signWebhook('standard-webhooks', secret, body, { id: 'msg_1', signedAt: NOW });
const verifies = (body = '{}') => {
  assert.equal(paywit.verifyWebhook('standard-webhooks', secret, signed(body), body, { now: NOW }).messageId, 'msg_1');
  assert.equal(new paywit.Verifier('standard-webhooks', secret).verify(signed(body), body, { now: NOW }).messageId, 'msg_1');
};
const outcome = (call) => {
  try {
    return { ok: call() };
  } catch (error) {
    return { name: error.constructor.name, code: error.code, details: error.details, message: error.message.slice(0, 160) };
  }
};
const limitExceeded = (what, actual) => ({ name: 'VerifyLimitExceededError', code: 'limit-exceeded', details: { what, max: BigInt(LIMITS[what]), actual: BigInt(actual) } });
const withoutMessage = ({ message, ...rest }) => rest;

test('a body just over the limit is refused before it is copied into guest memory', () => {
  verifies(); // both instances exist
  const before = { fast: memoryOf('fast'), glue: memoryOf('glue') };
  const bytes = new Uint8Array(LIMITS['body-bytes'] + 1).fill(0x61);
  const text = 'a'.repeat(LIMITS['body-bytes'] + 1);
  const headers = signed('{}');
  const unblockable = { ...headers, 'x-folded': 'a\r\n b' }; // the header-list path (no field block)
  const verifier = new paywit.Verifier('standard-webhooks', secret);
  for (const [name, call] of Object.entries({
    'verifyWebhook, bytes': () => paywit.verifyWebhook('standard-webhooks', secret, headers, bytes, { now: NOW }),
    'verifyWebhook, text': () => paywit.verifyWebhook('standard-webhooks', secret, headers, text, { now: NOW }),
    'verifyWebhook, header list path': () => paywit.verifyWebhook('standard-webhooks', secret, unblockable, bytes, { now: NOW }),
    'Verifier.verify, bytes': () => verifier.verify(headers, bytes, { now: NOW }),
    'Verifier.verify, text': () => verifier.verify(headers, text, { now: NOW }),
    'Verifier.verify, header list path': () => verifier.verify(unblockable, text, { now: NOW }),
  })) {
    assert.deepEqual(withoutMessage(outcome(call)), limitExceeded('body-bytes', LIMITS['body-bytes'] + 1), name);
    assert.ok(memoryOf('fast') - before.fast < bytes.length, `${name}: the fast path's memory grew from ${before.fast} to ${memoryOf('fast')}`);
    assert.ok(memoryOf('glue') - before.glue < bytes.length, `${name}: the glue's memory grew from ${before.glue} to ${memoryOf('glue')}`);
  }
  verifies();
});

test('every limit is refused with the answer the component itself gives, in its order', () => {
  const raw = paywit.webhooks; // the generated bindings: the component with only the type checks in front
  const component = (secrets, headers, body, url) => {
    try {
      return { ok: raw.verify({ tag: 'standard-webhooks' }, secrets, { headers, body, url }, { now: NOW }) };
    } catch (error) {
      assert.ok(error instanceof raw.VerifyError, error.message);
      return { code: error.code, details: error.details };
    }
  };
  const headers = signed('{}');
  const many = Object.fromEntries(Array.from({ length: LIMITS['header-count'] + 1 }, (_, i) => [`x-h${i}`, 'v']));
  const headerRoom = LIMITS['header-bytes'] - 'x-big'.length;
  const cases = {
    'secret count': { secrets: Array(LIMITS['secret-count'] + 1).fill(secret), headers },
    'body, multi-byte text': { body: 'é'.repeat(LIMITS['body-bytes'] / 2) + 'a', headers },
    'body before header count': { body: new Uint8Array(LIMITS['body-bytes'] + 1), headers: many },
    'header count': { headers: { ...headers, ...many } },
    'header bytes, trimmed value': { headers: { ...headers, 'x-big': ` \t${'a'.repeat(headerRoom + 1)}\t ` } },
    'header bytes, at the limit then over': { headers: { 'x-big': 'a'.repeat(headerRoom), ...headers, 'x-big2': 'é'.repeat(headerRoom) } },
    'url bytes': { headers, url: `https://example.com/${'é'.repeat(LIMITS['url-bytes'] / 2)}` },
    'secret too long, after the limits': { secrets: [secret, `whsec_${'A'.repeat(2 * MiB)}`], headers },
    'empty secret before a long one': { secrets: ['', `whsec_${'A'.repeat(2 * MiB)}`], headers },
    'secret count before body': { secrets: Array(LIMITS['secret-count'] + 1).fill('x'.repeat(4096)), body: new Uint8Array(LIMITS['body-bytes'] + 1), headers },
  };
  for (const [name, c] of Object.entries(cases)) {
    const secrets = c.secrets ?? [secret];
    const body = c.body ?? '{}';
    const headerList = Object.entries(c.headers).map(([n, value]) => ({ name: n, value }));
    const expected = component(secrets, headerList, typeof body === 'string' ? { tag: 'text', val: body } : { tag: 'bytes', val: body }, c.url);
    assert.ok(expected.code, `${name}: the component refuses it`);
    const got = outcome(() => paywit.verifyWebhook('standard-webhooks', secrets, c.headers, body, { now: NOW, url: c.url }));
    assert.deepEqual({ code: got.code, details: got.details }, expected, name);
    let verifier;
    const made = outcome(() => { verifier = new paywit.Verifier('standard-webhooks', secrets); });
    if (verifier) {
      const viaVerifier = outcome(() => verifier.verify(c.headers, body, { now: NOW, url: c.url }));
      assert.deepEqual({ code: viaVerifier.code, details: viaVerifier.details }, expected, `${name} (Verifier)`);
    } else {
      assert.deepEqual({ code: made.code, details: made.details }, expected, `${name} (new Verifier)`);
    }
  }
});

test('signing refuses an over-limit message as the component does, without copying it in', () => {
  const raw = paywit.webhooks;
  const before = memoryOf('glue');
  const cases = {
    body: { body: new Uint8Array(4 * LIMITS['body-bytes']) }, // more than any instance here has free
    'body just over': { body: new Uint8Array(LIMITS['body-bytes'] + 1) },
    'text body': { body: 'é'.repeat(LIMITS['body-bytes'] / 2 + 1) },
    url: { url: `https://example.com/${'a'.repeat(LIMITS['url-bytes'])}` },
    id: { id: 'é'.repeat(LIMITS['id-bytes'] / 2 + 1) },
    'body before id': { body: 'a'.repeat(LIMITS['body-bytes'] + 1), id: 'a'.repeat(LIMITS['id-bytes'] + 1) },
    'secret too long': { secret: `whsec_${'A'.repeat(2 * MiB)}` },
  };
  const expected = {};
  for (const [name, c] of Object.entries(cases)) {
    const got = outcome(() => paywit.signWebhook('standard-webhooks', c.secret ?? secret, c.body ?? '{}', { id: c.id, url: c.url, signedAt: NOW }));
    assert.ok(got.name.startsWith('Sign') && got.name.endsWith('Error'), `${name}: ${got.name}`);
    expected[name] = got;
  }
  assert.ok(memoryOf('glue') - before < MiB, `the glue's memory grew from ${before} to ${memoryOf('glue')}`);
  for (const [name, c] of Object.entries(cases)) {
    const body = c.body ?? '{}';
    let answer;
    try {
      raw.sign({ tag: 'standard-webhooks' }, c.secret ?? secret, { body: typeof body === 'string' ? { tag: 'text', val: body } : { tag: 'bytes', val: body }, id: c.id, url: c.url, signedAt: NOW });
    } catch (error) {
      answer = { code: error.code, details: error.details };
    }
    assert.deepEqual({ code: expected[name].code, details: expected[name].details }, answer, name);
  }
});

test('the UTF-8 length scan counts as TextEncoder encodes', async () => {
  const { utf8LengthScan, utf8Length } = await import('../src/limits.js');
  for (const text of ['', 'a', 'é', '€', '😀', '\ud800', '\udc00', '\ud800a', 'a\ud800', '\udc00\ud800', '\ud83d\ude00\ud83d', 'x'.repeat(5000) + '☃😀é\ud800']) {
    const encoded = new TextEncoder().encode(text).length;
    assert.equal(utf8LengthScan(text), encoded, JSON.stringify(text));
    assert.equal(utf8Length(text), encoded, JSON.stringify(text));
  }
});

test('a 2.1 GiB body gets a typed error, not a trap, and verification keeps working', () => {
  const huge = Buffer.alloc(Math.floor(2.1 * 1024 * MiB));
  const headers = signed('{}');
  const started = Date.now();
  assert.deepEqual(withoutMessage(outcome(() => paywit.verifyWebhook('standard-webhooks', secret, headers, huge, { now: NOW }))), limitExceeded('body-bytes', huge.length));
  assert.deepEqual(withoutMessage(outcome(() => new paywit.Verifier('stripe', 'whsec_x').verify(headers, huge))), limitExceeded('body-bytes', huge.length));
  assert.ok(Date.now() - started < 2000, `refused in ${Date.now() - started} ms: nothing was copied`);
  assert.ok(memoryOf('fast') < 64 * MiB && memoryOf('glue') < 64 * MiB, 'no instance grew');
  verifies();
});

test('guest pointers above 2 GiB are read unsigned', () => {
  verifies();
  // Grow the fast path's memory past 2 GiB behind the allocator's back: the
  // next allocation it cannot serve from its heap lands above 2 GiB.
  latest('fast').exports.memory.grow(32768);
  const body = JSON.stringify({ pad: 'x'.repeat(4 * MiB) });
  const headers = signed(body);
  assert.deepEqual(outcome(() => paywit.verifyWebhook('standard-webhooks', secret, headers, body, { now: NOW })), { ok: { secretIndex: 0, messageId: 'msg_1', signedAt: BigInt(NOW) } });
  verifies();
});

test('an instance one large input left large is replaced', () => {
  const body = new Uint8Array(LIMITS['body-bytes']).fill(0x62); // at the limit: accepted
  const headers = signed(body);
  assert.equal(paywit.verifyWebhook('standard-webhooks', secret, headers, body, { now: NOW }).messageId, 'msg_1');
  assert.equal(new paywit.Verifier('standard-webhooks', secret).verify({ ...headers, 'x-folded': 'a\r\n b' }, body, { now: NOW }).messageId, 'msg_1');
  verifies();
  assert.ok(memoryOf('fast') <= 32 * MiB, `the fast path kept ${memoryOf('fast')} bytes`);
  assert.ok(memoryOf('glue') <= 32 * MiB, `the glue kept ${memoryOf('glue')} bytes`);
});

test('a header value padded with spaces is not copied into the guest at its padded size', () => {
  verifies();
  const before = { fast: memoryOf('fast'), glue: memoryOf('glue') };
  const headers = signed('{}');
  const pad = ' '.repeat(64 * MiB);
  const padded = { ...headers, 'webhook-signature': pad + headers['webhook-signature'] + pad };
  const unblockable = { ...padded, 'x-folded': 'a\r\n b' }; // the header-list path
  for (const [name, call] of Object.entries({
    'verifyWebhook': () => paywit.verifyWebhook('standard-webhooks', secret, padded, '{}', { now: NOW }),
    'verifyWebhook, header list path': () => paywit.verifyWebhook('standard-webhooks', secret, unblockable, '{}', { now: NOW }),
    'Verifier.verify': () => new paywit.Verifier('standard-webhooks', secret).verify(padded, '{}', { now: NOW }),
  })) {
    assert.equal(outcome(call).ok?.messageId, 'msg_1', name); // the component trims values: the same answer
    assert.ok(memoryOf('fast') - before.fast < 32 * MiB, `${name}: the fast path's memory grew from ${before.fast} to ${memoryOf('fast')}`);
    assert.ok(memoryOf('glue') - before.glue < 32 * MiB, `${name}: the glue's memory grew from ${before.glue} to ${memoryOf('glue')}`);
  }
});

test('a header name that is not a string is an InvalidArgumentError on every path', () => {
  const headers = Object.entries(signed('{}'));
  const named = { toString: () => 'webhook-signature' };
  const odd = headers.map(([name, value]) => [name === 'webhook-signature' ? named : name, value]);
  for (const call of [
    () => paywit.verifyWebhook('standard-webhooks', secret, odd, '{}', { now: NOW }),
    () => new paywit.Verifier('standard-webhooks', secret).verify(odd, '{}', { now: NOW }),
    () => paywit.verifyWebhook('standard-webhooks', secret, [[new Array(1 << 20).fill('a'), 'x']], '{}', { now: NOW }),
  ]) {
    assert.equal(outcome(call).name, 'InvalidArgumentError');
  }
});
