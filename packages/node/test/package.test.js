// What npm publishes (issue 16): the tarball `npm pack` would make carries the
// README, the LICENSE, the typings, every source module, the generated bindings
// and the component's core module, and nothing from the tests, benchmarks or test support; and every
// dev dependency with an install script is reviewed in `allowScripts`, so an
// npm that blocks unreviewed install scripts still installs what the tests need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { pkg } from '../support/edge-runtimes.js';

const run = promisify(execFile);
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));

test('npm pack ships the README, LICENSE, typings, sources and gen/, and no tests or benchmarks', async () => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: pkg, timeout: 120000 });
  const [tarball] = JSON.parse(stdout);
  const files = tarball.files.map((f) => f.path);
  const expected = [
    'package.json', 'README.md', 'LICENSE', 'src/index.d.ts',
    'gen/paywit.core.wasm', 'gen/abi.js', 'CODEGEN.md',
    ...readdirSync(new URL('../src/', import.meta.url)).filter((name) => name !== 'gen').map((name) => `src/${name}`),
    ...readdirSync(new URL('../src/gen/', import.meta.url)).map((name) => `src/gen/${name}`),
  ];
  for (const file of expected) assert.ok(files.includes(file), `${file} is in the tarball (it has ${files.join(', ')})`);
  const unwanted = files.filter((f) => /^(test|bench|support|node_modules)\//.test(f) || (f.startsWith('gen/') && !['gen/paywit.core.wasm', 'gen/abi.js'].includes(f)) || f === 'tsconfig.json');
  assert.deepEqual(unwanted, [], 'no tests, benchmarks, test support or build leftovers');
  assert.match(readFileSync(new URL('../LICENSE', import.meta.url), 'utf8'), /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
  assert.equal(manifest.license, 'Apache-2.0');
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const part of ['npm install paywit', 'verifyWebhook', 'Verifier', 'VerifyLimitExceededError']) assert.ok(readme.includes(part), `the README shows ${part}`);
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
  // The binaries the edge tests start must be the real ones: without their postinstall, npm's
  // bin links are Node wrappers, and killing a wrapper leaves the runtime running. esbuild's
  // only replaces its CLI shim; the tests use its JS API, which finds the platform binary itself.
  assert.deepEqual(manifest.allowScripts, { deno: true, workerd: true, esbuild: false });
  const { stdout, stderr } = await run('npm', ['install-scripts', 'ls'], { cwd: pkg, timeout: 120000 });
  assert.doesNotMatch(stdout + stderr, /not yet covered by allowScripts/);
});
