// wasi:random/random for the component, from Web Crypto (Node 20+, Deno,
// Cloudflare Workers, browsers): no Node-only import on this path.

/** @param {bigint} len @returns {Uint8Array} */
export function getRandomBytes(len) {
  const out = new Uint8Array(Number(len));
  for (let offset = 0; offset < out.length; offset += 65536) {
    globalThis.crypto.getRandomValues(out.subarray(offset, offset + 65536));
  }
  return out;
}

/** @returns {bigint} */
export function getRandomU64() {
  const words = globalThis.crypto.getRandomValues(new BigUint64Array(1));
  return words[0];
}

export const random = { getRandomBytes, getRandomU64 };
