// Hostile arguments and misbehaving guests (review findings 1-5): every argument is read once,
// by its check, and the lowering writes only the values captured then (no getter, Proxy or
// toString of the caller's runs once guest memory is written); a string with a lone surrogate
// is refused, never replaced by U+FFFD; records holding secret material are inspected redacted;
// an array is not a record; a guest answer that is not UTF-8 or points outside its memory is a
// guest fault that replaces the instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { inspect } from 'node:util';
import * as paywit from '../src/index.js';
import * as runtime from '../src/runtime.js';

const { GuestFault, currentInstance, wellFormed } = runtime;

const { retry, webhooks } = paywit;
const J = (x) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
const fail = { status: 503 };
const api = retry.apiPolicy();
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

test('a Proxy list is read once: a length that grows after the check is never lowered', () => {
  for (const grow of [4000, 200000]) {
    let lengthReads = 0;
    const list = new Proxy([1000n], {
      get(target, key) {
        if (key === 'length') return ++lengthReads <= 1 ? 1 : grow;
        if (typeof key === 'string' && /^\d+$/.test(key)) return 0xdeadbeefn;
        return Reflect.get(target, key);
      },
    });
    const before = currentInstance();
    const got = retry.nextStepWithRandom({ ...api, schedule: { tag: 'explicit', val: list } }, 1, fail, 0n, 0);
    assert.equal(lengthReads, 1, 'the length is read once');
    assert.equal(J(got), J(retry.nextStepWithRandom({ ...api, schedule: { tag: 'explicit', val: [0xdeadbeefn] } }, 1, fail, 0n, 0)));
    assert.equal(currentInstance(), before, 'no fault, the same instance');
    const expected = J(retry.nextStepWithRandom(api, 2, fail, 0n, 0));
    for (let i = 0; i < 200; i++) assert.equal(J(retry.nextStepWithRandom(api, 2, fail, 0n, 0)), expected);
  }
});

test('a getter is read once: a value that changes type after the check is never lowered', () => {
  let reads = 0;
  const failure = { get errorType() { return ++reads === 1 ? 'ok' : 12345; } };
  assert.equal(J(retry.classify(failure)), J(retry.classify({ errorType: 'ok' })));
  assert.equal(reads, 1);
  // Every field of every record, variant tag and payload, read once.
  const counts = {};
  const counted = (object, name) => new Proxy(object, {
    get(target, key) {
      counts[`${name}.${String(key)}`] = (counts[`${name}.${String(key)}`] ?? 0) + 1;
      return Reflect.get(target, key);
    },
  });
  const policy = counted({ ...api, schedule: counted({ tag: 'explicit', val: [1, 2, 3] }, 'schedule') }, 'policy');
  retry.nextStep(policy, 1, counted({ status: 500, errorType: 'x' }, 'failure'), 0);
  for (const [key, n] of Object.entries(counts)) assert.equal(n, 1, `${key} read ${n} times`);
  assert.ok(counts['schedule.tag'] && counts['schedule.val'] && counts['policy.maxDelayMs'] && counts['failure.status']);
});

test('a call made from a getter runs before the outer call touches the guest', () => {
  const plain = { status: 429, errorType: 'rate_limit_error', errorCode: 'lock_timeout', retryAfter: '7', shouldRetry: 'true' };
  const expected = J(retry.classify(plain));
  let reads = 0;
  const hostile = {
    ...plain,
    get errorType() {
      reads++;
      // A call large enough to make the runtime drop its instance, then one on a fresh instance.
      // (refused as limit-exceeded, after the body was copied in: the memory stays over the retain limit)
      assert.throws(() => webhooks.sign({ tag: 'stripe' }, 'whsec_abc', { body: { tag: 'bytes', val: new Uint8Array(40 << 20) }, signedAt: 1 }), webhooks.SignLimitExceededError);
      retry.classify({});
      return 'rate_limit_error';
    },
  };
  assert.equal(J(retry.classify(hostile)), expected);
  assert.equal(reads, 1);
  for (let i = 0; i < 500; i++) assert.equal(J(retry.classify(plain)), expected);
});

test('the generated modules keep no call state at module level', () => {
  const dir = new URL('../src/gen/', import.meta.url);
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.js') && n !== 'api.js')) {
    const code = readFileSync(new URL(name, dir), 'utf8');
    assert.doesNotMatch(code, /^let /m, `${name}: a module-level variable`);
    assert.doesNotMatch(code, /\bI\./, `${name}: a module-level instance`);
  }
});

test('bytes are read through the intrinsic accessors: a lying length or a Proxy cannot resize them', () => {
  const message = (val) => ({ body: { tag: 'bytes', val }, signedAt: 1 });
  const bytes = new TextEncoder().encode('{"a":1}');
  const expected = webhooks.sign({ tag: 'stripe' }, secret, message(bytes));
  const lying = new TextEncoder().encode('{"a":1}');
  let reads = 0;
  Object.defineProperty(lying, 'length', { get: () => (++reads === 1 ? 7 : 1 << 20) });
  Object.defineProperty(lying, 'byteLength', { get: () => 1 << 20 });
  assert.deepEqual(webhooks.sign({ tag: 'stripe' }, secret, message(lying)), expected);
  assert.deepEqual(webhooks.sign({ tag: 'stripe' }, secret, message(bytes.buffer.slice(0))), expected, 'an ArrayBuffer');
  assert.deepEqual(webhooks.sign({ tag: 'stripe' }, secret, message(Buffer.from(bytes))), expected, 'a Buffer');
  // The webhook surface's fast path too: its body is the same fresh view, so the getter never runs.
  const headers = paywit.signWebhook('stripe', secret, bytes, { signedAt: 1 });
  let surfaceReads = 0;
  const lyingBody = new TextEncoder().encode('{"a":1}');
  Object.defineProperty(lyingBody, 'length', { get: () => (++surfaceReads, 1 << 20) });
  assert.equal(paywit.verifyWebhook('stripe', secret, headers, lyingBody, { now: 1 }).secretIndex, 0);
  assert.equal(new paywit.Verifier('stripe', secret).verify(headers, lyingBody, { now: 1 }).secretIndex, 0);
  assert.equal(surfaceReads, 0);
  for (const bad of [new Proxy(bytes, {}), new Uint16Array(4), [1, 2], new DataView(bytes.buffer)]) {
    assert.throws(() => webhooks.sign({ tag: 'stripe' }, secret, message(bad)), (e) => e instanceof paywit.InvalidArgumentError && e.details.argument === 'message.body.val');
  }
});

const LONE = ['whsec_a\uD800', '\uDC00', 'a\uD800b', 'x'.repeat(100) + '\uDBFF'];

test('a string with a lone surrogate is refused by every generated check, naming the path, never the contents', () => {
  const refused = (fn, argument) =>
    assert.throws(fn, (e) => e instanceof paywit.InvalidArgumentError && e.details.argument === argument
      && e.details.rule.includes('lone surrogate') && !/[\uD800-\uDFFF]/.test(e.message) && !e.message.includes('whsec'));
  for (const s of LONE) {
    refused(() => webhooks.sign({ tag: 'stripe' }, s, { body: { tag: 'text', val: '{}' }, signedAt: 1 }), 'secret');
    refused(() => webhooks.sign({ tag: 'stripe' }, secret, { body: { tag: 'text', val: s }, signedAt: 1 }), 'message.body.val');
    refused(() => retry.classify({ errorType: s }), 'failure.errorType');
    refused(() => webhooks.verify({ tag: 'stripe' }, [secret, s], { headers: [], body: { tag: 'text', val: '' } }, {}), 'secrets[1]');
    refused(() => webhooks.verify({ tag: 'stripe' }, [secret], { headers: [{ name: 'a', value: s }], body: { tag: 'text', val: '' } }, {}), 'request.headers[0].value');
  }
  // A pair is a character: accepted.
  assert.equal(retry.classify({ errorType: '\u{1F600}' }).category, retry.classify({ errorType: 'x' }).category);
});

test('the webhook surface refuses lone surrogates in secrets, bodies, headers and urls before any limit', () => {
  const headers = paywit.signWebhook('stripe', secret, '{}', { signedAt: 1 });
  const refused = (fn, argument) =>
    assert.throws(fn, (e) => e instanceof paywit.InvalidArgumentError && e.details.argument === argument && !/[\uD800-\uDFFF]/.test(e.message));
  for (const s of LONE) {
    refused(() => paywit.signWebhook('stripe', s, '{}', { signedAt: 1 }), 'secret');
    refused(() => paywit.signWebhook('stripe', secret, s, { signedAt: 1 }), 'body');
    refused(() => paywit.signWebhook('standard-webhooks', secret, '{}', { id: s, signedAt: 1 }), 'message.id');
    refused(() => paywit.verifyWebhook('stripe', s, headers, '{}', { now: 1 }), 'secrets[0]');
    refused(() => paywit.verifyWebhook('stripe', [secret, s], headers, '{}', { now: 1 }), 'secrets[1]');
    refused(() => new paywit.Verifier('stripe', [s]), 'secrets[0]');
    refused(() => paywit.verifyWebhook('stripe', secret, headers, s, { now: 1 }), 'body');
    refused(() => paywit.verifyWebhook('stripe', secret, { ...headers, 'x-a': s }, '{}', { now: 1 }), 'headers[1].value');
    refused(() => paywit.verifyWebhook('stripe', secret, { [s]: 'v', ...headers }, '{}', { now: 1 }), 'headers[0].name');
    refused(() => paywit.verifyWebhook('stripe', secret, headers, '{}', { now: 1, url: `https://a/${s}` }), 'options.url');
  }
  // Over every limit too: the argument check comes first, and an over-long secret is not swapped for its stand-in.
  const MiB = 1 << 20;
  refused(() => paywit.signWebhook('stripe', secret, '\uD800'.repeat(10 * MiB), { signedAt: 1 }), 'body');
  refused(() => paywit.verifyWebhook('stripe', secret, headers, '\uD800'.repeat(10 * MiB), { now: 1 }), 'body');
  refused(() => paywit.signWebhook('stripe', `whsec_${'A'.repeat(2 * MiB)}\uD800`, '{}', { signedAt: 1 }), 'secret');
  refused(() => paywit.verifyWebhook('stripe', secret, headers, '{}', { now: 1, url: `https://a/${'é'.repeat(MiB)}\uD800` }), 'options.url');
  refused(() => paywit.signWebhook('stripe', secret, '{}', { signedAt: 1, url: `https://a/${'é'.repeat(MiB)}\uD800` }), 'message.url');
  // The U+FFFD secret does not verify a signature made with a lone surrogate (none is made).
  const fffd = paywit.signWebhook('stripe', 'whsec_a\uFFFD', '{}', { signedAt: 1 });
  assert.equal(paywit.verifyWebhook('stripe', 'whsec_a\uFFFD', fffd, '{}', { now: 1 }).secretIndex, 0);
});

test('the lone-surrogate fallback (for runtimes without isWellFormed) agrees with isWellFormed', () => {
  const fallback = (s) => !/\p{Cs}/u.test(s);
  for (const s of [...LONE, '', 'abc', 'é', '\u{1F600}', '\uD83D\uDE00x\uD800', '\uDE00\uD83D', '\uD800\uD800\uDC00']) {
    assert.equal(fallback(s), s.isWellFormed(), J(s));
    assert.equal(wellFormed(s), s.isWellFormed(), J(s));
  }
});

// Every record field that holds secret material: the generator's rule is a field named `secret`,
// ending in `-secret`, or `signing-key` (xtask/src/codegen/js.rs `holds_secret`; Python the same).
const SECRET_FIELDS = ['requests.api-secret.secret', 'webhooks.signing-key-pair.signing-key'];
// Fields whose names mention secrets but hold none.
const NOT_SECRET = ['webhooks.scheme-info.secret-format', 'webhooks.verified.secret-index'];

test('every record field holding secret material is listed, and the rest are not secret', () => {
  const wit = new URL('../../../wit/', import.meta.url);
  const found = [];
  const named = [];
  for (const file of readdirSync(wit).filter((n) => n.endsWith('.wit'))) {
    const text = readFileSync(new URL(file, wit), 'utf8').replace(/\/\/.*$/gm, '');
    for (const [, record, body] of text.matchAll(/record\s+([a-z0-9-]+)\s*\{([^}]*)\}/g)) {
      for (const [, field] of body.matchAll(/([a-z0-9-]+)\s*:/g)) {
        const path = `${file.replace('.wit', '')}.${record}.${field}`;
        if (/secret|signing|private/.test(field)) named.push(path);
        if (field === 'secret' || field.endsWith('-secret') || field === 'signing-key') found.push(path);
      }
    }
  }
  assert.deepEqual(found.sort(), [...SECRET_FIELDS].sort());
  assert.deepEqual(named.sort(), [...SECRET_FIELDS, ...NOT_SECRET].sort(), 'a new field naming a secret: classify it here');
  // The generated loaders redact exactly the secret fields of the records the component returns.
  const dir = new URL('../src/gen/', import.meta.url);
  const redacting = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.js'))) {
    const code = readFileSync(new URL(name, dir), 'utf8');
    for (const [, fn, keys] of code.matchAll(/function (ld_\w+)\(m, dv, a\) \{\s*return redacted\(\{[^}]*\}, \[([^\]]*)\]\);/g)) redacting.push(`${fn}: ${keys}`);
  }
  assert.deepEqual(redacting, ['ld_webhooks_signing_key_pair: "signingKey"']);
});

test('a signing key pair is inspected redacted; the key stays readable and serializable', () => {
  const pair = paywit.newSigningKeyPair();
  assert.match(pair.signingKey, /^whsk_/);
  assert.match(pair.publicKey, /^whpk_/);
  for (const shown of [inspect(pair), inspect([pair], { depth: 4 }), inspect({ pair }), `${inspect(pair, { colors: true })}`]) {
    assert.ok(!shown.includes(pair.signingKey), shown);
    assert.ok(shown.includes('[redacted]') && shown.includes(pair.publicKey), shown);
  }
  assert.deepEqual(Object.keys(pair), ['signingKey', 'publicKey']);
  // JSON.stringify and spreading keep it: serializing a pair is how it is stored.
  assert.equal(JSON.parse(JSON.stringify(pair)).signingKey, pair.signingKey);
  assert.equal({ ...pair }.signingKey, pair.signingKey);
  assert.equal(paywit.publicKey(pair.signingKey), pair.publicKey);
});

test('an array is not a record or a variant, and a bad scheme is an InvalidArgumentError', () => {
  const refused = (fn, argument) => assert.throws(fn, (e) => e instanceof paywit.InvalidArgumentError && e.details.argument === argument && e.details.got === 'array');
  refused(() => retry.classify([]), 'failure');
  refused(() => retry.nextStep({ ...api, schedule: [] }, 1, {}, 0), 'policy.schedule');
  refused(() => retry.nextStep([], 1, {}, 0), 'policy');
  for (const scheme of [42, null, undefined, [], ['stripe'], {}, { hmac: null }]) {
    assert.throws(() => paywit.parseScheme(scheme), (e) => e instanceof paywit.InvalidArgumentError && e.details.argument === 'scheme');
    assert.throws(() => paywit.signWebhook(scheme, secret, '{}'), paywit.InvalidArgumentError);
  }
});

/** Makes the current instance's next `export` call return whatever `corrupt(memory, ret)` leaves. */
function corruptNext(exportName, corrupt) {
  retry.classify({});
  const inst = currentInstance();
  const real = inst.e;
  inst.e = { ...real, [exportName]: (...args) => { const ret = real[exportName](...args); corrupt(new DataView(real.memory.buffer), ret >>> 0); return ret; } };
  return inst;
}

test('a guest answer that is not UTF-8 is a guest fault: the instance is replaced', () => {
  const expected = J(retry.classify({ status: 429 }));
  for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80]]) {
    // classification.reason is at +4 (pointer) and +8 (length).
    const inst = corruptNext('paywit:gateway/retry@0.1.0#classify', (dv, r) => {
      const p = dv.getUint32(r + 4, true);
      bad.forEach((b, i) => dv.setUint8(p + i, b));
    });
    assert.throws(() => retry.classify({ status: 429 }), (e) => e instanceof GuestFault && /not UTF-8/.test(e.message));
    assert.notEqual(currentInstance(), inst);
    assert.equal(J(retry.classify({ status: 429 })), expected);
  }
  // Long strings (TextDecoder) too.
  const inst = corruptNext('paywit:gateway/webhooks@0.1.0#new-secret', (dv, r) => {
    const p = dv.getUint32(r, true), n = dv.getUint32(r + 4, true);
    dv.setUint8(p + n - 1, 0xff);
  });
  assert.throws(() => webhooks.newSecret({ tag: 'standard-webhooks' }), GuestFault);
  assert.notEqual(currentInstance(), inst);
});

test('a guest answer pointing outside its memory is a guest fault, never a silently short copy', () => {
  const outside = (dv, at) => dv.setUint32(at, dv.buffer.byteLength - 2, true);
  let inst = corruptNext('paywit:gateway/webhooks@0.1.0#prepare-packed', (dv, r) => outside(dv, r + 8));
  assert.throws(() => webhooks.preparePacked({ tag: 'stripe' }, [secret]), (e) => e instanceof GuestFault && /outside its memory/.test(e.message));
  assert.notEqual(currentInstance(), inst);
  inst = corruptNext('paywit:gateway/retry@0.1.0#classify', (dv, r) => outside(dv, r + 4));
  assert.throws(() => retry.classify({ status: 429 }), GuestFault);
  assert.notEqual(currentInstance(), inst);
  assert.ok(webhooks.preparePacked({ tag: 'stripe' }, [secret]).length > 0);
});
