// The last step of `npm run build` (which `cargo xtask build` runs): jco's
// generated glue reads `process.env.JCO_DEBUG` on every call (its debug log),
// which under Deno with scoped permissions (`--allow-env=APP_VARS`) throws
// `NotCapable` from every export that goes through the glue. jco has no option
// to leave it out, so this rewrites that read to `undefined` (debug logging
// off) and then refuses glue that still reads the environment in any form, so
// a jco upgrade that reads it differently fails the build instead of shipping.
//
//   node support/patch-glue.js gen/paywit.js
//
// The file is replaced atomically (written beside it, then renamed).

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DEBUG_READ = /globalThis\s*\?\.\s*process\s*\?\.\s*env\s*\?\.\s*JCO_DEBUG/g;
const ENV_READ = /\bprocess\s*\??\.\s*env\b|\bprocess\s*\??\.?\s*\[\s*['"]env['"]\s*\]|\bDeno\s*\??\.\s*env\b/g;

/** Every environment read left in `source` (`process.env`, `process?.env`, `Deno.env`...). */
export function envReads(source) {
  return [...source.matchAll(ENV_READ)].map((m) => m[0]);
}

/** jco's glue without its environment reads; throws if one it does not know remains. */
export function patchGlue(source) {
  const patched = source.replace(DEBUG_READ, 'undefined');
  const left = envReads(patched);
  if (left.length) {
    throw new Error(`jco's glue still reads the environment (${[...new Set(left)].join(', ')}): `
      + 'paywit must not need --allow-env under Deno; extend support/patch-glue.js for this jco version');
  }
  return patched;
}

/** Patches the glue file at `path` in place. */
export function patchGlueFile(path) {
  const patched = patchGlue(readFileSync(path, 'utf8'));
  const temporary = `${path}.patching`;
  writeFileSync(temporary, patched);
  renameSync(temporary, path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [path] = process.argv.slice(2);
  if (!path) {
    console.error('usage: node support/patch-glue.js <gen/paywit.js>');
    process.exit(2);
  }
  patchGlueFile(path);
}
