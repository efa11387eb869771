// The quickstarts (examples/quickstart/{express,fastify,hono}) as a user copies
// them: each installed from its own package-lock.json (`npm ci`, only when
// node_modules is missing or the lock changed: a stamp file, as xtask's
// npm_ci), started with `node server.js` (PORT, PAYWIT_WEBHOOK_SECRET: a rotation list, from the
// environment) and sent a valid delivery (200), its redelivery (not processed
// again), a tampered one and a stale one (401) and an oversized one (413 by
// its Content-Length, the body never sent). Each program is at most 60 lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '../src/index.js';

const quickstarts = fileURLToPath(new URL('../../../examples/quickstart/', import.meta.url));
const NEW = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD = 'whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

/** `npm ci` in `dir` unless node_modules was installed from this very lock. */
function install(dir) {
  const lock = readFileSync(join(dir, 'package-lock.json'), 'utf8');
  const stamp = join(dir, 'node_modules', '.paywit-installed-lock');
  let installed;
  try { installed = readFileSync(stamp, 'utf8'); } catch { installed = undefined; }
  if (installed === lock) return;
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'pipe', timeout: 300000 });
  writeFileSync(stamp, lock);
}

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const connects = (port) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

/** The status a request with `headers` and a 17 MiB Content-Length gets, its body never sent. */
function headersOnly(port, headers) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let head = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no answer to the oversized delivery')); }, 10000);
    socket.on('data', (data) => {
      head += data.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (status) { clearTimeout(timer); socket.destroy(); resolve(Number(status[1])); }
    });
    socket.on('error', (error) => { clearTimeout(timer); reject(error); });
    const fields = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.write(`POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${fields}Content-Type: application/json\r\nContent-Length: ${17 << 20}\r\n\r\n`);
  });
}

for (const name of ['express', 'fastify', 'hono']) {
  test(`the ${name} quickstart, as it stands`, { timeout: 300000 }, async () => {
    const dir = join(quickstarts, name);
    const program = readFileSync(join(dir, 'server.js'), 'utf8');
    const lines = program.split('\n').length - (program.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= 60, `server.js is ${lines} lines`);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    for (const part of ['PAYWIT_WEBHOOK_SECRET', 'npm install', 'file:../../../packages/node']) assert.ok(readme.includes(part), `the README mentions ${part}`);
    install(dir);

    const port = await freePort();
    const child = spawn(process.execPath, ['server.js'], {
      cwd: dir,
      env: { ...process.env, PORT: String(port), PAYWIT_WEBHOOK_SECRET: `${NEW} ${OLD}`, NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    try {
      for (let i = 0; !(await connects(port)); i++) {
        assert.ok(child.exitCode === null && i < 200, `the quickstart did not listen: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = `http://127.0.0.1:${port}/webhooks`;
      const now = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ id: `evt_${name}`, type: 'payment.succeeded', amount: 9900 });
      const sign = (secret, id, signedAt = now) => ({ ...signWebhook('standard-webhooks', secret, body, { id, signedAt }), 'content-type': 'application/json' });
      const post = async (headers, payload = body) => {
        const reply = await fetch(url, { method: 'POST', headers, body: payload });
        return [reply.status, await reply.text()];
      };
      const valid = sign(NEW, `msg_${name}_1`);
      assert.deepEqual(await post(valid), [200, 'ok']);
      assert.deepEqual(await post(valid), [200, 'duplicate'], 'a redelivery is recorded, not processed again');
      assert.deepEqual(await post(sign(OLD, `msg_${name}_2`)), [200, 'ok'], 'the rotated-out secret verifies');
      assert.deepEqual(await post(sign(NEW, `msg_${name}_3`), body.replace('9900', '9901')), [401, ''], 'tampered');
      assert.deepEqual(await post(sign(NEW, `msg_${name}_4`, now - 600)), [401, ''], 'stale');
      assert.equal(await headersOnly(port, sign(NEW, `msg_${name}_5`)), 413, 'oversized');
      assert.equal(output.match(/processing payment\.succeeded/g)?.length, 2, `processed twice, once per new delivery: ${output}`);
    } catch (error) {
      error.message += `\n${name} said: ${output}`;
      throw error;
    } finally {
      child.kill();
    }
  });
}
