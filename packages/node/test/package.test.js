// What npm publishes (issues 16 and 24): the tarball `npm pack` makes carries exactly the
// README, LICENSE, CHANGELOG, the sources with their typings, the generated bindings and the
// component's core module, nothing from the tests, benchmarks or test support; every export
// condition and subpath resolves to a file in it, with types; and every dev dependency with an
// install script is reviewed in `allowScripts`, so an npm that blocks unreviewed install scripts
// still installs what the tests need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import * as paywit from 'paywit';
import { pkg } from '../support/edge-runtimes.js';

const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const SUBPATHS = { '.': undefined, './fetch': 'verifyWebhookRequest', './node': 'webhookMiddleware', './fastify': 'paywitFastify' };
const EDGE = ['workerd', 'worker', 'edge-light'];
const FILE_SYSTEM = ['deno', 'bun', 'node', 'default'];

/** The files `npm pack` would put in the tarball, sorted. */
async function packed() {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, timeout: 120000 });
  return JSON.parse(stdout)[0].files.map((f) => f.path).sort();
}

test('npm pack ships exactly the README, LICENSE, CHANGELOG, sources, typings and gen/', async () => {
  // The committed sources (git), so a stray file in src/ would show up as unexpected.
  const { stdout } = await run('git', ['ls-files', 'src'], { cwd: pkg });
  const sources = stdout.split('\n').filter(Boolean);
  assert.ok(sources.includes('src/index.d.ts') && sources.includes('src/gen/webhooks.js'), 'git lists the sources');
  const expected = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'gen/abi.js', 'gen/paywit.core.wasm', ...sources].sort();
  assert.deepEqual(await packed(), expected);
  assert.match(readFileSync(new URL('../LICENSE', import.meta.url), 'utf8'), /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
  assert.equal(manifest.license, 'Apache-2.0');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const part of ['npm install paywit', 'verifyWebhook', 'Verifier', 'VerifyLimitExceededError', 'paywit/fetch', 'paywit/node', 'paywit/fastify']) assert.ok(readme.includes(part), `the README shows ${part}`);
  assert.doesNotMatch(readme, /\]\(\.\.\//, 'no link out of the package (it would break on npm)');
  const changelog = readFileSync(new URL('../CHANGELOG.md', import.meta.url), 'utf8');
  assert.match(changelog, new RegExp(`^## \\[${manifest.version.replaceAll('.', '\\.')}\\]$`, 'm'), 'a CHANGELOG entry for this version');
});

test('every export condition and subpath points at a packed file, each with its types', async () => {
  const files = new Set(await packed());
  assert.deepEqual(Object.keys(manifest.exports).sort(), [...Object.keys(SUBPATHS), './package.json'].sort());
  for (const subpath of Object.keys(SUBPATHS)) {
    const conditions = manifest.exports[subpath];
    assert.equal(Object.keys(conditions)[0], 'types', `${subpath}: types first, as TypeScript wants`);
    for (const condition of EDGE) assert.equal(conditions[condition], './src/edge.js', `${subpath} ${condition}`);
    for (const condition of FILE_SYSTEM) assert.equal(conditions[condition], './src/index.js', `${subpath} ${condition}`);
    assert.ok(Object.keys(conditions).indexOf('workerd') < Object.keys(conditions).indexOf('node'), `${subpath}: workerd is matched before node`);
    for (const target of Object.values(conditions)) assert.ok(files.has(target.slice(2)), `${subpath} -> ${target} is packed`);
    const name = SUBPATHS[subpath];
    if (name) assert.match(readFileSync(new URL(`.${conditions.types.slice(1)}`, new URL('../', import.meta.url)), 'utf8'), new RegExp(`export declare function ${name}\\b`));
  }
  for (const field of ['main', 'types']) assert.ok(files.has(manifest[field].slice(2)), `${field} is packed`);
});

test('each adapter subpath is the package itself under Node (one component, one Verifier class)', async () => {
  for (const [subpath, name] of Object.entries(SUBPATHS)) {
    const specifier = `paywit${subpath.slice(1)}`;
    assert.equal(fileURLToPath(import.meta.resolve(specifier)), fileURLToPath(new URL('../src/index.js', import.meta.url)), specifier);
    if (name) assert.equal((await import(specifier))[name], paywit[name], `${specifier} exports the same ${name}`);
  }
});

test('a bundler with the workerd condition (as wrangler bundles) takes src/edge.js for every subpath', async () => {
  for (const subpath of Object.keys(SUBPATHS)) {
    const specifier = `paywit${subpath.slice(1)}`;
    let resolved;
    await esbuild.build({
      stdin: { contents: `import ${JSON.stringify(specifier)};`, resolveDir: pkg },
      bundle: true, write: false, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker'], logLevel: 'silent',
      plugins: [{ name: 'stop-at-paywit', setup(build) {
        build.onResolve({ filter: /^paywit/ }, async (args) => {
          if (args.pluginData === 'inner') return undefined;
          const result = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
          resolved = result.path;
          return { path: result.path, external: true };
        });
      } }],
    });
    assert.equal(resolved, fileURLToPath(new URL('../src/edge.js', import.meta.url)), specifier);
  }
  assert.ok(existsSync(new URL('../src/edge.js', import.meta.url)));
});

test('every dev dependency with an install script is reviewed in allowScripts', async () => {
  // By name: the lockfile records no `resolved` URLs (omit-lockfile-registry-resolved), so npm
  // cannot verify a pinned `name@version` entry and refuses it; the versions are pinned by
  // devDependencies and the lockfile.
  const withScripts = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .sort();
  assert.deepEqual(Object.keys(manifest.allowScripts ?? {}).sort(), withScripts);
  // The binaries the edge tests and the clean-install check start must be the real ones: without
  // their postinstall, npm's bin links are Node wrappers, and killing a wrapper leaves the runtime
  // running. esbuild's only replaces its CLI shim; the tests use its JS API, which finds the
  // platform binary itself.
  assert.deepEqual(manifest.allowScripts, { bun: true, deno: true, workerd: true, esbuild: false });
  const { stdout, stderr } = await run('npm', ['install-scripts', 'ls'], { cwd: pkg, timeout: 120000 });
  assert.doesNotMatch(stdout + stderr, /not yet covered by allowScripts/);
});
