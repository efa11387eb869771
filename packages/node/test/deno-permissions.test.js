// The package under Deno with scoped permissions (issue 9): read access to the
// package's own folder only and env access to an unrelated name. jco's glue
// used to read `process.env.JCO_DEBUG` on every call, so everything but the
// fast verify path threw NotCapable; the generated bindings read nothing but
// their arguments, and no source file reads the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as paywit from '../src/index.js';
import { pkg } from '../support/edge-runtimes.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1700000000;

// Every call answers deterministically, except newSecret and newKey (checked by shape).
const PROGRAM = `
import * as paywit from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
const secret = ${JSON.stringify(secret)};
const NOW = ${NOW};
const results = {};
const run = (name, fn) => {
  try { results[name] = { ok: fn() }; } catch (error) { results[name] = { error: \`\${error.name}: \${error.message}\` }; }
};
let headers;
run('signWebhook', () => (headers = paywit.signWebhook('standard-webhooks', secret, '{"id":1}', { id: 'msg_1', signedAt: NOW })));
run('verifyWebhook', () => paywit.verifyWebhook('standard-webhooks', secret, headers, '{"id":1}', { now: NOW }));
run('Verifier.verify', () => new paywit.Verifier('standard-webhooks', [secret]).verify(headers, '{"id":1}', { now: NOW }));
run('Verifier refusal', () => new paywit.Verifier('standard-webhooks', secret).verify(headers, '{"id":2}', { now: NOW }));
run('classify', () => paywit.classify({ status: 503 }));
run('classifyKey', () => paywit.classifyKey('sk_live_abc'));
run('fingerprint', () => paywit.fingerprint('POST', '/v1/charges', { tag: 'text', val: '{"amount":100}' }));
run('parseAmount', () => paywit.parseAmount('1234'));
run('schemes', () => paywit.schemes().length);
run('newSecret', () => /^whsec_/.test(paywit.newSecret({ tag: 'stripe' })));
run('newKey', () => typeof paywit.newKey());
run('nextStepWithRandom', () => String(paywit.nextStepWithRandom(paywit.apiPolicy(), 1, { status: 503 }, 5n, NOW).val));
console.log(JSON.stringify(results, (_, v) => (typeof v === 'bigint' ? \`\${v}n\` : v)));
`;

test('the package reads no environment variable anywhere', async () => {
  const { readdirSync } = await import('node:fs');
  for (const dir of ['../src/', '../src/gen/']) {
    const url = new URL(dir, import.meta.url);
    for (const file of readdirSync(url).filter((f) => f.endsWith('.js'))) {
      assert.doesNotMatch(readFileSync(new URL(file, url), 'utf8'), /process\??\.env|process\[|Deno\.env/, `${dir}${file}`);
    }
  }
});

test('under Deno with --allow-read of the package only and --allow-env of an unrelated name, every export works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paywit-deno-permissions-'));
  try {
    const program = join(dir, 'main.js');
    writeFileSync(program, PROGRAM);
    const { stdout, stderr } = await promisify(execFile)(
      join(pkg, 'node_modules', '.bin', 'deno'),
      ['run', '--quiet', '--no-prompt', '--no-config', `--allow-read=${pkg}`, '--allow-env=APP_VARS', program],
      { cwd: dir, env: { ...process.env, DENO_DIR: join(dir, 'cache'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout: 120000 },
    );
    let results;
    try {
      results = JSON.parse(stdout);
    } catch {
      assert.fail(`deno printed no results: ${stdout}\n${stderr}`);
    }
    const headers = paywit.signWebhook('standard-webhooks', secret, '{"id":1}', { id: 'msg_1', signedAt: NOW });
    const verified = { secretIndex: 0, messageId: 'msg_1', signedAt: `${NOW}n` };
    assert.deepEqual(results, {
      signWebhook: { ok: headers },
      verifyWebhook: { ok: verified },
      'Verifier.verify': { ok: verified },
      'Verifier refusal': { error: 'VerifyNoMatchingSignatureError: no-matching-signature' },
      classify: { ok: paywit.classify({ status: 503 }) },
      classifyKey: { ok: paywit.classifyKey('sk_live_abc') },
      fingerprint: { ok: paywit.fingerprint('POST', '/v1/charges', { tag: 'text', val: '{"amount":100}' }) },
      parseAmount: { ok: paywit.parseAmount('1234') },
      schemes: { ok: paywit.schemes().length },
      newSecret: { ok: true },
      newKey: { ok: 'string' },
      nextStepWithRandom: { ok: String(paywit.nextStepWithRandom(paywit.apiPolicy(), 1, { status: 503 }, 5n, NOW).val) },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
