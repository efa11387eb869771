// The component's exported types, from gen/abi.js (written by `cargo xtask
// build` with wit-parser's canonical-ABI layouts): argument checking for every
// call into the component, and the layout helpers the fast path reads its
// offsets and case tables from, so no offset is written by hand.

import manifest from '../gen/abi.js';
import { InvalidArgumentError } from './errors.js';
import { callGlue } from './runtime.js';

export { manifest };

/** The manifest entry of `interface.name` (kebab-case WIT names). */
export function signature(iface, name) {
  const fn = manifest.interfaces[iface]?.[name];
  if (!fn) throw new Error(`paywit's abi.json has no ${iface}.${name}; rebuild with cargo xtask build`);
  return fn;
}

const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const RANGES = {
  u8: [0, 0xff], u16: [0, 0xffff], u32: [0, 0xffffffff], s8: [-0x80, 0x7f], s16: [-0x8000, 0x7fff], s32: [-0x80000000, 0x7fffffff],
};
const BIG_RANGES = { u64: [0n, (1n << 64n) - 1n], s64: [-(1n << 63n), (1n << 63n) - 1n] };

/**
 * `value` checked against the WIT type `ty` in jco's value shapes, and
 * normalised (numbers to BigInt for 64-bit types, null to undefined for
 * options). Throws InvalidArgumentError naming `path` before anything reaches
 * the component, so a bad argument never leaves a guest allocation behind.
 */
export function check(ty, value, path) {
  const fail = (rule) => { throw new InvalidArgumentError(path, rule, value); };
  switch (ty.kind) {
    case 'u8': case 'u16': case 'u32': case 's8': case 's16': case 's32': {
      const [low, high] = RANGES[ty.kind];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) fail(`must be an integer in ${ty.kind} range ${low}..${high}`);
      return value;
    }
    case 'u64': case 's64': {
      const [low, high] = BIG_RANGES[ty.kind];
      const big = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : undefined;
      if (big === undefined || big < low || big > high) fail(`must be a safe integer or BigInt in ${ty.kind} range`);
      return big;
    }
    case 'f32': case 'f64':
      if (typeof value !== 'number') fail('must be a number');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail('must be a boolean');
      return value;
    case 'char':
      if (typeof value !== 'string' || [...value].length !== 1) fail('must be one character');
      return value;
    case 'string':
      if (typeof value !== 'string') fail('must be a string');
      return value;
    case 'list':
      if (ty.element.kind === 'u8') {
        if (!(value instanceof Uint8Array)) fail('must be a Uint8Array');
        return value;
      }
      if (ty.element.kind === 'u64' && value instanceof BigUint64Array) return value;
      if (!Array.isArray(value)) fail('must be an array');
      return value.map((item, i) => check(ty.element, item, `${path}[${i}]`));
    case 'record': case 'tuple': {
      if (value === null || typeof value !== 'object') fail('must be an object');
      const out = {};
      for (const field of ty.fields) out[camel(field.name)] = check(field.type, value[camel(field.name)], `${path}.${camel(field.name)}`);
      return out;
    }
    case 'enum':
      if (!ty.names.includes(value)) fail(`must be one of ${ty.names.join(', ')}`);
      return value;
    case 'option':
      return value === undefined || value === null ? undefined : check(ty.type, value, path);
    case 'variant': {
      if (value === null || typeof value !== 'object') fail('must be a {tag, val} variant');
      const found = ty.cases.find((c) => c.name === value.tag);
      if (!found) fail(`must be one of the cases ${ty.cases.map((c) => c.name).join(', ')}`);
      return found.type ? { tag: value.tag, val: check(found.type, value.val, `${path}.${value.tag}`) } : { tag: value.tag };
    }
    default:
      throw new Error(`paywit's argument check does not handle ${ty.kind}`);
  }
}

/**
 * The jco bindings of one interface with every function's arguments checked
 * first: `checked('webhooks').sign(...)`. The glue is looked up at each call
 * (callGlue), so the entry point (index.js or edge.js) installs the component
 * first and a replaced instance (after a trap) is picked up.
 */
export function checked(iface) {
  const out = {};
  for (const [name, fn] of Object.entries(manifest.interfaces[iface])) {
    const jsName = camel(name);
    out[jsName] = (...args) => callGlue(iface, jsName, checkParams(fn, args));
  }
  return out;
}

const checkParams = (fn, args) => fn.params.map((p, i) => check(p.type, args[i], camel(p.name)));

/** `args` of `interface.name` checked and normalised as `checked` does, for a wrapper that looks at them first. */
export function checkArgs(iface, name, args) {
  return checkParams(signature(iface, name), args);
}

/** A record's field `{offset, type}` by WIT name. */
export function field(record, name) {
  const found = record.fields.find((f) => f.name === name);
  if (!found) throw new Error(`the WIT record lost its field ${name}: update paywit`);
  return found;
}

/** A variant's case index and payload type by WIT name. */
export function caseOf(variant, name) {
  const index = variant.cases.findIndex((c) => c.name === name);
  if (index < 0) throw new Error(`the WIT variant lost its case ${name}: update paywit`);
  return { index, type: variant.cases[index].type };
}
