// For `npm run typecheck` only (tsconfig.js.json): the two imports the hand-written
// runtime makes that TypeScript has no declarations for without @types/node.
declare module 'node:fs' {
  export function readFileSync(path: URL | string): Uint8Array<ArrayBuffer>;
}
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
