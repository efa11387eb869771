// src/runtime.js: the core module's one import, the digest check between the
// generated modules and the component (gen/abi.js), and the export check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as paywit from '../src/index.js';
import { checkDigest, COMPONENT_DIGEST, install } from '../src/runtime.js';

const pkg = new URL('../', import.meta.url).pathname;
const core = new WebAssembly.Module(readFileSync(new URL('../gen/paywit.core.wasm', import.meta.url)));

test('the core module imports only wasi:random get-random-u64', () => {
  assert.deepEqual(WebAssembly.Module.imports(core), [{ module: 'wasi:random/random@0.2.0', name: 'get-random-u64', kind: 'function' }]);
});

test('every generated module embeds the component\'s digest', async () => {
  const gen = new URL('../src/gen/', import.meta.url);
  for (const file of readdirSync(gen).filter((f) => f.endsWith('.js'))) {
    const { DIGEST } = await import(new URL(file, gen));
    assert.equal(DIGEST, COMPONENT_DIGEST, file);
  }
  assert.match(COMPONENT_DIGEST, /^[0-9a-f]{16}$/);
});

test('a digest that differs is refused with a clear error', () => {
  assert.throws(() => checkDigest('0000000000000000'), /was not built from the WIT these bindings were generated from.*cargo xtask codegen/);
  checkDigest(COMPONENT_DIGEST);
});

test('the package refuses to load a component whose abi.js digest differs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paywit-digest-'));
  try {
    for (const part of ['src', 'gen', 'package.json']) cpSync(join(pkg, part), join(dir, part), { recursive: true });
    const abi = readFileSync(join(dir, 'gen', 'abi.js'), 'utf8');
    writeFileSync(join(dir, 'gen', 'abi.js'), abi.replace(`"digest":"${COMPONENT_DIGEST}"`, '"digest":"ffffffffffffffff"'));
    const run = promisify(execFile)(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(join(dir, 'src', 'index.js'))}); console.log('loaded');`]);
    await assert.rejects(run, (error) => /WIT digest ffffffffffffffff/.test(error.stderr) && !/loaded/.test(error.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a core module without the exports the bindings call is refused at install', () => {
  const empty = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  assert.throws(() => install(empty), /lacks the export memory/);
  assert.equal(paywit.classify({ status: 503 }).category, 'server-error', 'the installed component is kept');
});

/** Runs `program` (an ES module) in a fresh Node process; its stdout and stderr, and whether it exited 0. */
async function fresh(program) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', program], { timeout: 60000 });
    return { ok: true, stdout, stderr };
  } catch (error) {
    return { ok: false, stdout: error.stdout, stderr: error.stderr };
  }
}

test('importing the package compiles nothing; the first call compiles the core module, once', async () => {
  const { ok, stdout, stderr } = await fresh(`
    let compiles = 0;
    globalThis.WebAssembly.Module = new Proxy(WebAssembly.Module, { construct(target, args) { compiles++; return Reflect.construct(target, args); } });
    const paywit = await import(${JSON.stringify(join(pkg, 'src', 'index.js'))});
    const counts = [compiles];
    paywit.classify({ status: 503 });
    counts.push(compiles);
    paywit.signWebhook('standard-webhooks', ${JSON.stringify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')}, '{}', { id: 'msg_1' });
    counts.push(compiles);
    console.log(JSON.stringify(counts));
  `);
  assert.ok(ok, stderr);
  assert.deepEqual(JSON.parse(stdout), [0, 1, 1]);
});

test('a missing or damaged core module is a clear error at the first call, and the import still loads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paywit-damaged-'));
  try {
    for (const part of ['src', 'gen', 'package.json']) cpSync(join(pkg, part), join(dir, part), { recursive: true });
    const wasm = join(dir, 'gen', 'paywit.core.wasm');
    const program = `
      const paywit = await import(${JSON.stringify(join(dir, 'src', 'index.js'))});
      console.log('imported');
      for (let i = 0; i < 2; i++) {
        try { paywit.classify({ status: 503 }); console.log('answered'); } catch (error) { console.log(error.constructor.name + ': ' + error.message); }
      }
    `;
    writeFileSync(wasm, readFileSync(wasm).subarray(0, 1000));
    let { ok, stdout } = await fresh(program);
    assert.ok(ok);
    const [imported, ...calls] = stdout.trim().split('\n');
    assert.equal(imported, 'imported');
    assert.equal(calls.length, 2);
    for (const call of calls) assert.match(call, /^Error: paywit: .*paywit\.core\.wasm is not a valid core module \(.+\); reinstall paywit$/);
    rmSync(wasm);
    ({ ok, stdout } = await fresh(program));
    assert.ok(ok);
    assert.match(stdout, /^imported\nError: paywit: cannot read its core module .*paywit\.core\.wasm \(ENOENT\); reinstall paywit\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
