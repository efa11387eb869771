// conformance/golden/verify-packed.json: the packed `verify-packed` request
// byte for byte. src/core-verify.js's encoder must produce the Rust encoder's
// field block, whole layout-1 buffer and delivery part for every case, and
// verifyWebhook (and a Verifier) must give the case's answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { verifyWebhook, Verifier, PaywitError, InvalidArgumentError, parseScheme } from '../src/index.js';
import { packDelivery, packHead } from '../src/core-verify.js';
import { bodyValue, fieldBlock, headerList } from '../src/shapes.js';
import { boundedSecrets } from '../src/limits.js';

const file = new URL('../../../conformance/golden/verify-packed.json', import.meta.url);
const golden = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
const hex = (bytes) => Buffer.from(bytes).toString('hex');

/** A case's scheme (tables encoding) in the package's shapes. */
const schemeOf = (scheme) => (typeof scheme === 'string' ? scheme : { hmac: { ...scheme.hmac, prefix: scheme.hmac.prefix ?? undefined } });
const bodyOf = (body) => ('text' in body ? body.text : Buffer.from(body.bytes, 'hex'));
/** verifyWebhook's answer in the file's encoding: {ok: {kebab fields}} or {err: code}. */
function answer(call) {
  try {
    const v = call();
    return { ok: { 'secret-index': v.secretIndex, 'message-id': v.messageId ?? null, 'signed-at': v.signedAt === undefined ? null : Number(v.signedAt) } };
  } catch (error) {
    if (!(error instanceof PaywitError) || error instanceof InvalidArgumentError) throw error;
    return { err: error.code };
  }
}
const sameAnswer = (expect, got) => (typeof expect.err === 'object' && expect.err !== null ? Object.keys(expect.err)[0] === got.err : assert.deepEqual(got, expect) ?? true);

test('the golden file is there and has cases', { skip: golden ? false : 'conformance/golden/verify-packed.json is not written yet' }, () => {
  assert.ok(golden.cases.length >= 10, `${golden.cases.length} cases`);
});

test('core-verify.js encodes every golden case byte for byte', { skip: !golden }, () => {
  let packed = 0;
  for (const c of golden.cases) {
    const headers = headerList(c.headers);
    const fields = fieldBlock(headers);
    assert.equal(fields ?? null, c.fields, `${c.name}: field block`);
    if (fields === undefined) continue;
    const body = bodyValue(bodyOf(c.body));
    const options = { now: c.now, toleranceSeconds: c['tolerance-seconds'] ?? undefined };
    const delivery = packDelivery(fields, body, c.url ?? undefined, options);
    assert.equal(hex(delivery), c.delivery, `${c.name}: delivery part`);
    const head = packHead(parseScheme(schemeOf(c.scheme)), boundedSecrets(c.secrets));
    assert.equal(hex(head) + hex(delivery), c.packed, `${c.name}: whole layout-1 buffer`);
    packed++;
  }
  assert.ok(packed >= 10, `${packed} cases packed`);
});

test('verifyWebhook and a Verifier give every golden answer', { skip: !golden }, () => {
  for (const c of golden.cases) {
    const options = { now: c.now, toleranceSeconds: c['tolerance-seconds'] ?? undefined, url: c.url ?? undefined };
    const got = answer(() => verifyWebhook(schemeOf(c.scheme), c.secrets, c.headers, bodyOf(c.body), options));
    assert.ok(sameAnswer(c.expect, got), `${c.name}: ${JSON.stringify(got)}`);
    const viaVerifier = answer(() => new Verifier(schemeOf(c.scheme), c.secrets, { toleranceSeconds: options.toleranceSeconds }).verify(c.headers, bodyOf(c.body), options));
    assert.deepEqual(viaVerifier, got, `${c.name} (Verifier)`);
  }
});
