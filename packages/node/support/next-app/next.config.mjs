// paywit loads its WebAssembly core from its package files: Node's own loader
// runs it on the server rather than the bundler. The Turbopack root is given by
// support/frameworks.js (packages/node, where next is installed).
export default { serverExternalPackages: ['paywit'], turbopack: { root: process.env.PAYWIT_NEXT_ROOT } };
