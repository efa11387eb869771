// wasi:config/store for `jco serve` (Node has no config store of its own):
//   jco serve target/webhook-ingress.wasm --jco-map 'wasi:config/store=<this file>'
// The values come from the JSON object in the file PAYWIT_CONFIG_FILE names
// (a mounted secret or ConfigMap, say), read once at start; without that
// variable the store is empty and the ingress reads its environment.
import { readFileSync } from 'node:fs';
import process from 'node:process';

const file = process.env.PAYWIT_CONFIG_FILE;
/** @type {Record<string, string>} */
const values = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
for (const [key, value] of Object.entries(values)) {
  if (typeof value !== 'string') throw new TypeError(`${file}: the value of ${key} is not a string`);
}

/** wasi:config/store.get: the value of `key`, or undefined. */
export function get(key) {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

/** wasi:config/store.get-all: every key and value. */
export function getAll() {
  return Object.entries(values);
}
