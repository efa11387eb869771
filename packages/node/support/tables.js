// The shared interface tables (conformance/tables/<interface>.json, encoding in
// its README) run through the PUBLIC API: the package's exported namespace
// function for each case (`retry.classify`), arguments converted by the
// function's WIT types from gen/abi.js, `now` passed last (the public functions
// take it there), errors caught as the typed classes and compared by `code` and
// `details`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as paywit from '../src/index.js';
import { manifest } from '../src/abi.js';

export const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const caseOf = (v) => (typeof v === 'string' ? [v, null] : Object.entries(v)[0]);

/** The tables' JSON encoding to the package's value shapes. */
export function fromJson(ty, v) {
  switch (ty.kind) {
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

/** The package's value shapes back to the tables' encoding (64-bit integers as numbers). */
export function toJson(ty, v) {
  switch (ty.kind) {
    case 'u64': case 's64': assert.equal(typeof v, 'bigint'); return Number(v);
    case 'list': return Array.from(v, (x) => (ty.element.kind === 'u8' ? x : toJson(ty.element, x)));
    case 'record': return Object.fromEntries(ty.fields.map((f) => [f.name, toJson(f.type, v[camel(f.name)])]));
    case 'option': return v === undefined ? null : toJson(ty.type, v);
    case 'enum': return v;
    case 'variant': {
      const found = ty.cases.find((c) => c.name === v.tag);
      return found.type ? { [v.tag]: toJson(found.type, v.val) } : v.tag;
    }
    default: return v;
  }
}

/** Records (objects) check only the fields `expect` names. */
export function matches(expect, actual) {
  if (Array.isArray(expect)) return Array.isArray(actual) && expect.length === actual.length && expect.every((e, i) => matches(e, actual[i]));
  if (expect !== null && typeof expect === 'object') {
    return actual !== null && typeof actual === 'object' && Object.entries(expect).every(([k, e]) => k in actual && matches(e, actual[k]));
  }
  return expect === actual;
}

/** Calls the public function `iface.call` with table arguments; answers in the tables' encoding. */
export function callPublic(iface, call, args) {
  const fn = manifest.interfaces[iface][call];
  assert.equal(args.length, fn.params.length, `${iface}.${call}: argument count`);
  const values = fn.params.map((p, i) => fromJson(p.type, args[i]));
  const nowAt = fn.params.findIndex((p) => p.name === 'now' && p.type.kind === 's64');
  if (nowAt >= 0) values.push(values.splice(nowAt, 1)[0]);
  const publicFn = paywit[camel(iface)][camel(call)];
  assert.equal(typeof publicFn, 'function', `${iface}.${call} has no public function`);
  const ty = fn.result;
  if (ty?.kind !== 'result') {
    const value = publicFn(...values);
    return ty ? toJson(ty, value) : null;
  }
  try {
    const value = publicFn(...values);
    return ty.ok ? { ok: toJson(ty.ok, value) } : 'ok';
  } catch (error) {
    if (!(error instanceof paywit.PaywitError) || error instanceof paywit.InvalidArgumentError) throw error;
    const err = ty.err.kind === 'enum' ? error.code : toJson(ty.err, error.details === undefined ? { tag: error.code } : { tag: error.code, val: error.details });
    return { err };
  }
}

/** Runs every case of conformance/tables/<iface>.json; returns how many. */
export function runTable(iface) {
  const table = JSON.parse(readFileSync(new URL(`../../../conformance/tables/${iface}.json`, import.meta.url), 'utf8'));
  assert.equal(table.interface, iface);
  for (const c of table.cases) {
    const actual = callPublic(iface, c.call, c.args);
    assert.ok(matches(c.expect, actual), `${iface}.${c.call} ${JSON.stringify(c.args)}: got ${JSON.stringify(actual)}`);
  }
  return table.cases.length;
}
