// After a trap (or any error that is not a paywit answer) thrown from inside
// the guest, the instance is replaced and later calls work (issue 1), on the
// verify fast path and in a generated binding (one instance serves both). The traps are forced for real: the
// guest's memory grown to the engine's maximum, so its allocator's next
// memory.grow fails and it aborts, and a host import that throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exhaustMemory, latest, made, memoryOf, watchInstances } from '../support/guest-instances.js';

watchInstances();
const paywit = await import('../src/index.js');

const MiB = 1 << 20;
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1700000000;
const signed = (body) => paywit.signWebhook('standard-webhooks', secret, body, { id: 'msg_1', signedAt: NOW });
const verify = (body, headers = signed(body)) => paywit.verifyWebhook('standard-webhooks', secret, headers, body, { now: NOW });
// A body larger than anything the fresh instances have free, so serving it needs memory.grow.
const body = JSON.stringify({ pad: 'x'.repeat(MiB) });

/** Generated bindings, and a verification. */
function everythingWorks() {
  assert.match(paywit.newSecret({ tag: 'stripe' }), /^whsec_/);
  assert.equal(paywit.classifyKey('sk_test_abc').provider, 'stripe');
  assert.equal(paywit.classify({ status: 503 }).category, 'server-error');
  const headers = signed('{}');
  assert.equal(new paywit.Verifier('standard-webhooks', secret).verify(headers, '{}', { now: NOW }).messageId, 'msg_1');
  assert.equal(verify('{}', headers).secretIndex, 0);
}

test('a trap on the verify fast path replaces its instance', () => {
  const headers = signed(body);
  assert.equal(verify('{}').secretIndex, 0);
  const exhausted = latest('fast');
  assert.equal(exhaustMemory('fast'), 4 * 1024 * MiB);
  assert.throws(() => verify(body, headers), WebAssembly.RuntimeError, 'the allocator cannot grow: the guest aborts');
  assert.equal(verify(body, headers).messageId, 'msg_1', 'the same delivery verifies on a fresh instance');
  assert.notEqual(latest('fast'), exhausted);
  assert.ok(memoryOf('fast') < 64 * MiB);
  everythingWorks();
});

test('a trap inside a generated binding replaces the instance', () => {
  everythingWorks();
  const bigger = body.repeat(3); // more than the glue has served so far
  const exhausted = latest('glue');
  exhaustMemory('glue');
  assert.throws(() => signed(bigger), WebAssembly.RuntimeError, 'the allocator cannot grow: the guest aborts');
  everythingWorks();
  assert.equal(signed(bigger)['webhook-id'], 'msg_1');
  assert.notEqual(latest('glue'), exhausted);
});

test('a host import failing inside the guest replaces the instance', (t) => {
  const getRandomValues = globalThis.crypto.getRandomValues;
  t.after(() => { globalThis.crypto.getRandomValues = getRandomValues; });
  for (const failure of [new WebAssembly.RuntimeError('injected trap'), new Error('injected failure')]) {
    const count = made.length;
    let armed = true;
    globalThis.crypto.getRandomValues = function (array) {
      if (armed) { armed = false; throw failure; }
      return getRandomValues.call(this, array);
    };
    const broken = latest();
    assert.throws(() => paywit.newSecret({ tag: 'stripe' }), (error) => error === failure);
    everythingWorks();
    assert.ok(made.length > count && latest() !== broken, `${failure.message}: the instance was replaced`);
  }
});
