// gen/abi.js (written by `cargo xtask build` with wit-parser's canonical-ABI
// layouts, beside the component): the component's digest, its input limits, and
// the layouts the verify fast path (src/core-verify.js) reads its offsets and case
// tables from, so no offset there is written by hand.

import manifest from '../gen/abi.js';

export { manifest };

/** The manifest entry of `interface.name` (kebab-case WIT names). */
export function signature(iface, name) {
  const fn = manifest.interfaces[iface]?.[name];
  if (!fn) throw new Error(`paywit's abi.json has no ${iface}.${name}; rebuild with cargo xtask build`);
  return fn;
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
