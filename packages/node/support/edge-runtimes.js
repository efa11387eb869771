// Starting the edge examples on loopback for tests and benchmarks: the Worker
// bundled as wrangler would (esbuild, the `workerd` condition, the core module
// as a wasm module) and served by the npm `workerd` binary; the Deno server by
// the npm `deno` binary. Each returns { url, stop, log, bundle? }.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const pkg = fileURLToPath(new URL('..', import.meta.url));
export const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

export function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port, child, log) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`the runtime exited (${child.exitCode}): ${log()}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listened on ${port} within 30 s: ${log()}`);
}

export function run(command, args, options) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  return { child, log: () => output };
}

/** Bundles examples/edge/workers and serves it with workerd; `vars` become text bindings. */
export async function startWorkerd(vars) {
  const dir = mkdtempSync(join(tmpdir(), 'paywit-workerd-'));
  // `paywit` resolved as a user's bundler resolves it: node_modules/paywit with its export conditions.
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(pkg, join(dir, 'node_modules', 'paywit'));
  const wasmAsModule = {
    name: 'wasm-module',
    setup(build) {
      build.onResolve({ filter: /\.wasm$/ }, () => ({ path: 'paywit.core.wasm', external: true }));
    },
  };
  await esbuild.build({
    entryPoints: [join(examples, 'edge', 'workers', 'worker.js')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker'],
    nodePaths: [join(dir, 'node_modules')],
    external: ['cloudflare:workers'],
    plugins: [wasmAsModule],
    outfile: join(dir, 'worker.js'),
    logLevel: 'silent',
  });
  const bundle = readFileSync(join(dir, 'worker.js'), 'utf8');
  copyFileSync(join(pkg, 'gen', 'paywit.core.wasm'), join(dir, 'paywit.core.wasm'));
  const port = await freePort();
  const bindings = Object.entries(vars).map(([name, value]) => `    (name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)}),`).join('\n');
  writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .receiver) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const receiver :Workerd.Worker = (
  compatibilityDate = "2025-01-01",
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "paywit.core.wasm", wasm = embed "paywit.core.wasm"),
  ],
  durableObjectNamespaces = [ (className = "Deliveries", uniqueKey = "paywit-edge-deliveries") ],
  durableObjectStorage = (inMemory = void),
  bindings = [
${bindings}
    (name = "DELIVERIES", durableObjectNamespace = "Deliveries"),
  ],
);
`);
  const served = await serving(run(join(pkg, 'node_modules', '.bin', 'workerd'), ['serve', join(dir, 'config.capnp')], { cwd: dir }), port, dir);
  return { ...served, bundle };
}

/** Serves examples/edge/deno with Deno; `vars` become its environment. */
export async function startDeno(vars) {
  const dir = mkdtempSync(join(tmpdir(), 'paywit-deno-'));
  const port = await freePort();
  const example = join(examples, 'edge', 'deno');
  const { child, log } = run(
    join(pkg, 'node_modules', '.bin', 'deno'),
    ['run', '--quiet', '--unstable-kv', '--allow-net=127.0.0.1', `--allow-read=${pkg},${dir}`, `--allow-write=${dir}`, '--allow-env',
      '--config', join(example, 'deno.json'), join(example, 'server.js')],
    { cwd: example, env: { ...process.env, ...vars, PORT: String(port), PAYWIT_KV_PATH: join(dir, 'kv.sqlite'), DENO_DIR: join(dir, 'cache'), DENO_NO_UPDATE_CHECK: '1' } },
  );
  return serving({ child, log }, port, dir);
}

/** Waits for a started runtime to listen; `stop` kills it and removes its folder. */
async function serving({ child, log }, port, dir) {
  const stop = () => { child.kill(); rmSync(dir, { recursive: true, force: true }); };
  try {
    await waitForPort(port, child, log);
  } catch (error) {
    stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}/webhooks`, stop, log };
}
