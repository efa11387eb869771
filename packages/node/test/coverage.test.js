// Binding drift: every function the component exports (abi.json) has a public
// function (its interface's namespace, and flat when no other interface uses
// the name), and the JavaScript and the declarations export the same names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as paywit from '../src/index.js';
import { manifest } from '../src/abi.js';
import { camel } from '../support/tables.js';

const gen = new URL('../src/gen/', import.meta.url);
const read = (url) => readFileSync(url, 'utf8');

test('every WIT export has a public function', () => {
  const missing = [];
  const count = {};
  for (const functions of Object.values(manifest.interfaces)) for (const name of Object.keys(functions)) count[camel(name)] = (count[camel(name)] ?? 0) + 1;
  let n = 0;
  for (const [iface, functions] of Object.entries(manifest.interfaces)) {
    for (const name of Object.keys(functions)) {
      n++;
      const ns = paywit[camel(iface)];
      if (typeof ns?.[camel(name)] !== 'function') missing.push(`${iface}.${name}`);
      else if (count[camel(name)] === 1 && paywit[camel(name)] !== ns[camel(name)]) missing.push(`${camel(name)} (flat)`);
    }
  }
  assert.deepEqual(missing, [], 'WIT exports without a public function');
  assert.ok(n >= 39, `${n} exports`);
});

/** Names a .d.ts exports (declarations and re-export lists; `export *` followed). */
function declared(url) {
  const text = read(url);
  const names = new Set([...text.matchAll(/export (?:declare )?(?:function|const|class|type|interface) (\w+)/g)].map((m) => m[1]));
  for (const m of text.matchAll(/export (type )?\{([^}]*)\} from/g)) for (const n of m[2].split(',')) if (n.trim()) names.add(n.trim());
  for (const m of text.matchAll(/export \* as (\w+) from/g)) names.add(m[1]);
  for (const m of text.matchAll(/export \* from '([^']+)'/g)) for (const n of declared(new URL(m[1].replace(/\.js$/, '.d.ts'), url))) names.add(n);
  return names;
}

test('every public export is declared in src/index.d.ts, and every declared value exists', () => {
  const names = declared(new URL('../src/index.d.ts', import.meta.url));
  const missing = Object.keys(paywit).filter((name) => !names.has(name));
  assert.deepEqual(missing, [], `declare these: ${missing.join(', ')}`);
  const typeOnly = new Set();
  for (const file of readdirSync(gen).filter((f) => f.endsWith('.d.ts'))) {
    for (const m of read(new URL(file, gen)).matchAll(/export (?:type|interface) (\w+)/g)) typeOnly.add(m[1]);
  }
  for (const m of read(new URL('../src/webhooks.d.ts', import.meta.url)).matchAll(/export (?:type|interface) (\w+)/g)) typeOnly.add(m[1]);
  const phantom = [...names].filter((name) => !(name in paywit) && !typeOnly.has(name));
  assert.deepEqual(phantom, [], 'declared but not exported');
});

test('each generated module and its declarations export the same values', async () => {
  for (const file of readdirSync(gen).filter((f) => f.endsWith('.js'))) {
    const module = await import(new URL(file, gen));
    const dts = read(new URL(file.replace(/\.js$/, '.d.ts'), gen));
    const values = new Set([...dts.matchAll(/export declare (?:function|const|class) (\w+)/g)].map((m) => m[1]));
    for (const m of dts.matchAll(/export (?!type)\{([^}]*)\} from/g)) for (const n of m[1].split(',')) values.add(n.trim());
    for (const m of dts.matchAll(/export \* as (\w+) from/g)) values.add(m[1]);
    assert.deepEqual(Object.keys(module).sort(), [...values].sort(), file);
  }
});
