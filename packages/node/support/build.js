// `npm run build`: the component's core module into gen/ (what `cargo xtask build`
// leaves in target/paywit.core.wasm, byte-identical to the module jco would extract).
// The bindings are generated from the WIT and committed (src/gen/); nothing is transpiled.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

const gen = new URL('../gen/', import.meta.url);
mkdirSync(gen, { recursive: true });
copyFileSync(new URL('../../../target/paywit.core.wasm', import.meta.url), new URL('paywit.core.wasm', gen));
// What jco's transpile used to leave here.
for (const stale of ['paywit.js', 'paywit.d.ts', 'interfaces']) rmSync(new URL(stale, gen), { recursive: true, force: true });
