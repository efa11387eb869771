// The shared interface tables (host-tests/tables/*.json) through jco's glue:
// the same cases the Rust harness and pytest run, so one table proves three
// hosts. Arguments are converted by the WIT types in gen/abi.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import '../src/index.js';
import { manifest } from '../src/abi.js';
import { runtime } from '../src/runtime.js';

const gen = runtime().glue;

const dir = new URL('../../../host-tests/tables/', import.meta.url);
const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const caseOf = (v) => (typeof v === 'string' ? [v, null] : Object.entries(v)[0]);

/** The tables' JSON encoding (tables/README.md) to jco's value shapes. */
function fromJson(ty, v) {
  switch (ty.kind) {
    case 'u64': case 's64': return BigInt(v);
    case 'list': return ty.element.kind === 'u8' ? Uint8Array.from(v) : v.map((x) => fromJson(ty.element, x));
    case 'record': return Object.fromEntries(ty.fields.map((f) => [camel(f.name), fromJson(f.type, v[f.name] ?? null)]));
    case 'option': return v === null ? undefined : fromJson(ty.type, v);
    case 'variant': {
      const [name, payload] = caseOf(v);
      const found = ty.cases.find((c) => c.name === name);
      return found.type ? { tag: name, val: fromJson(found.type, payload) } : { tag: name };
    }
    default: return v;
  }
}

/** jco's value shapes back to the tables' encoding. */
function toJson(ty, v) {
  switch (ty.kind) {
    case 'u64': case 's64': return Number(v);
    case 'list': return Array.from(v, (x) => (ty.element.kind === 'u8' ? x : toJson(ty.element, x)));
    case 'record': return Object.fromEntries(ty.fields.map((f) => [f.name, toJson(f.type, v[camel(f.name)])]));
    case 'option': return v === undefined ? null : toJson(ty.type, v);
    case 'variant': {
      const found = ty.cases.find((c) => c.name === v.tag);
      return found.type ? { [v.tag]: toJson(found.type, v.val) } : v.tag;
    }
    default: return v;
  }
}

/** Records (objects) check only the fields `expect` names. */
function matches(expect, actual) {
  if (Array.isArray(expect)) return Array.isArray(actual) && expect.length === actual.length && expect.every((e, i) => matches(e, actual[i]));
  if (expect !== null && typeof expect === 'object') {
    return actual !== null && typeof actual === 'object' && Object.entries(expect).every(([k, e]) => k in actual && matches(e, actual[k]));
  }
  return expect === actual;
}

/** Calls the glue; a WIT `result` comes back as {ok} or {err} (jco throws the err payload). */
function call(fn, ty, args) {
  if (ty?.kind !== 'result') return fn(...args);
  try {
    return { ok: fn(...args) };
  } catch (error) {
    if (error?.payload === undefined) throw error;
    return { err: error.payload };
  }
}

function resultToJson(ty, value) {
  if (ty?.kind !== 'result') return ty ? toJson(ty, value) : null;
  const [name, payload] = 'ok' in value ? ['ok', value.ok] : ['err', value.err];
  const inner = ty[name];
  return inner ? { [name]: toJson(inner, payload) } : name;
}

const tables = readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')));

test('every shared table case through the jco glue', () => {
  let checked = 0;
  for (const table of tables) {
    for (const c of table.cases) {
      const fn = manifest.interfaces[table.interface][c.call];
      const args = fn.params.map((p, i) => fromJson(p.type, c.args[i]));
      assert.equal(c.args.length, fn.params.length, `${table.interface}.${c.call}: argument count`);
      const actual = resultToJson(fn.result, call(gen[camel(table.interface)][camel(c.call)], fn.result, args));
      assert.ok(matches(c.expect, actual), `${table.interface}.${c.call} ${JSON.stringify(c.args)}: got ${JSON.stringify(actual)}`);
      checked++;
    }
  }
  assert.ok(tables.length >= 6 && checked >= 80, `${tables.length} tables, ${checked} cases`);
});
