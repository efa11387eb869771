// Per-call time of non-verify functions through the generated bindings: 5000
// warm-up calls, then the best of 7 rounds of 5000 (`node bench/calls.mjs`).
import { classify, nextStepWithRandom, apiPolicy, parseRetryAfter } from '../src/index.js';

const calls = {
  classify: () => classify({ status: 503 }),
  nextStep: () => nextStepWithRandom(apiPolicy(), 1, { status: 503 }, 5n, 1), // as measured before: the policy made each call
  apiPolicy: () => apiPolicy(),
  parseRetryAfter: () => parseRetryAfter('120', 1),
};
const N = 5000;
for (const [name, fn] of Object.entries(calls)) {
  for (let i = 0; i < N; i++) fn();
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / N / 1000);
  }
  console.log(`${name}: ${best.toFixed(2)} us`);
}
