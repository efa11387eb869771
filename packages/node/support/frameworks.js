// The servers test/frameworks.test.js starts that are not in-process: Hono on
// workerd (support/hono-worker.js bundled as wrangler would: esbuild, the
// `workerd` condition, the core module as a wasm module; served by the npm
// `workerd` binary) and a Next.js App Router app (support/next-app, built with
// `next build` and served by `next start`). Standalone: support/edge-runtimes.js
// serves the examples.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** A port nothing listens on (for runtimes that cannot be given port 0). */
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

/** Waits for `child` to listen on `port`; `stop` kills it. Returns { origin, stop, log }. */
async function serving(child, port, cleanup) {
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const log = () => output;
  const stop = () => {
    child.kill();
    cleanup?.();
  };
  for (let i = 0; !(await connects(port)); i++) {
    if (child.exitCode !== null || i >= 300) {
      stop();
      throw new Error(`the server did not listen on ${port}: ${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { origin: `http://127.0.0.1:${port}`, stop, log };
}

/**
 * Bundles support/hono-worker.js and serves it with workerd; `vars` become text
 * bindings. Returns { origin, stop, log, bundle }.
 */
export async function startHonoWorkerd(vars) {
  const dir = mkdtempSync(join(tmpdir(), 'paywit-hono-workerd-'));
  try {
    await esbuild.build({
      entryPoints: [join(pkg, 'support', 'hono-worker.js')],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker'],
      plugins: [{
        name: 'wasm-module',
        setup(build) {
          build.onResolve({ filter: /\.wasm$/ }, () => ({ path: 'paywit.core.wasm', external: true }));
        },
      }],
      outfile: join(dir, 'worker.js'),
      logLevel: 'silent',
    });
    copyFileSync(join(pkg, 'gen', 'paywit.core.wasm'), join(dir, 'paywit.core.wasm'));
    const port = await freePort();
    const bindings = Object.entries(vars).map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`).join(', ');
    writeFileSync(join(dir, 'config.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .hono) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const hono :Workerd.Worker = (
  compatibilityDate = "2025-01-01",
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "paywit.core.wasm", wasm = embed "paywit.core.wasm"),
  ],
  bindings = [ ${bindings} ],
);
`);
    const bundle = readFileSync(join(dir, 'worker.js'), 'utf8');
    const child = spawn(join(pkg, 'node_modules', '.bin', 'workerd'), ['serve', join(dir, 'config.capnp')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    return { ...(await serving(child, port, () => rmSync(dir, { recursive: true, force: true }))), bundle };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Every file under `dir` (relative paths, sorted). */
function files(dir, prefix = '') {
  return readdirSync(join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(dir, join(prefix, entry.name)) : [join(prefix, entry.name)]))
    .sort();
}

/**
 * Builds support/next-app with `next build` (Turbopack) and serves it with
 * `next start`; `env` becomes its environment. The app is built in
 * node_modules/.cache/paywit-next-app (inside packages/node, Turbopack's root,
 * where next is installed), `paywit` linked there as a user's node_modules
 * would have it, and the build is reused while the app's files and the lock are
 * unchanged (paywit is a server external package: loaded at run time, never
 * built in). Returns { origin, stop, log, built } (`built`: whether it was built now).
 */
export async function startNext(env) {
  const source = join(pkg, 'support', 'next-app');
  const dir = join(pkg, 'node_modules', '.cache', 'paywit-next-app');
  const hash = createHash('sha256');
  for (const file of files(source)) hash.update(`${file}\0`).update(readFileSync(join(source, file))).update('\0');
  hash.update(readFileSync(join(pkg, 'package-lock.json')));
  const digest = hash.digest('hex');
  const stamp = join(dir, '.paywit-built');
  const next = join(pkg, 'node_modules', '.bin', 'next');
  const base = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', PAYWIT_NEXT_ROOT: pkg };
  let built = false;
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== digest) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'node_modules'), { recursive: true });
    cpSync(source, dir, { recursive: true });
    symlinkSync(pkg, join(dir, 'node_modules', 'paywit'));
    const build = spawn(next, ['build'], { cwd: dir, env: base, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    build.stdout.on('data', (d) => { output += d; });
    build.stderr.on('data', (d) => { output += d; });
    const code = await new Promise((resolve) => build.on('close', resolve));
    if (code !== 0) throw new Error(`next build failed (${code}): ${output}`);
    writeFileSync(stamp, digest);
    built = true;
  }
  const port = await freePort();
  const child = spawn(next, ['start', '-p', String(port), '-H', '127.0.0.1'], { cwd: dir, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return { ...(await serving(child, port)), built };
}
