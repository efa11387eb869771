// Cold start: the wall time of a fresh `node` process from its start to its exit after the first
// verification of one 1 KiB delivery (import, verify, exit), for paywit and its npm peers, with
// `node -e 0` and its ES-module form as the floors (every program here is an ES module, and
// starting Node's ES module loader costs a process more than `-e 0` does). Each row is the
// median of ROUNDS processes; the rounds interleave the rows, so a slow spell of the machine hits
// all of them alike. Prints a markdown table.
//
//   node bench/cold-start.mjs
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';

const ROUNDS = 11;
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const STRIPE_SECRET = 'whsec_cold_start';

// One 1 KiB JSON delivery, signed here with node:crypto (no library under test signs it).
const body = JSON.stringify({ type: 'payment.succeeded', data: { id: 'pay_123', pad: 'x'.repeat(1024 - 61) } });
if (body.length !== 1024) throw new Error(`the body is ${body.length} bytes, not 1 KiB`);
const now = Math.floor(Date.now() / 1000);
const standard = {
  'webhook-id': 'msg_cold_start',
  'webhook-timestamp': String(now),
  'webhook-signature': `v1,${createHmac('sha256', Buffer.from(SECRET.slice('whsec_'.length), 'base64')).update(`msg_cold_start.${now}.${body}`).digest('base64')}`,
};
const stripeHeader = `t=${now},v1=${createHmac('sha256', STRIPE_SECRET).update(`${now}.${body}`).digest('hex')}`;

const url = (specifier) => JSON.stringify(import.meta.resolve(specifier));
const data = `const body = ${JSON.stringify(body)}; const headers = ${JSON.stringify(standard)};`;
// [row, node arguments]: each program exits non-zero unless the delivery verified.
const rows = [
  ['`node -e 0`', ['-e', '0']],
  ['`node --input-type=module -e 0` (the floor)', ['--input-type=module', '-e', '0']],
  ['paywit `verifyWebhook` (standard-webhooks)', ['--input-type=module', '-e', `${data}
    const { verifyWebhook } = await import(${url('paywit')});
    if (verifyWebhook('standard-webhooks', ${JSON.stringify(SECRET)}, headers, body).messageId !== 'msg_cold_start') process.exit(1);`]],
  ['paywit, import only (no call)', ['--input-type=module', '-e', `await import(${url('paywit')});`]],
  ['npm standardwebhooks `Webhook.verify`', ['--input-type=module', '-e', `${data}
    const { Webhook } = await import(${url('standardwebhooks')});
    if (new Webhook(${JSON.stringify(SECRET)}).verify(body, headers).type !== 'payment.succeeded') process.exit(1);`]],
  ['npm stripe `webhooks.constructEvent` (stripe scheme)', ['--input-type=module', '-e', `const body = ${JSON.stringify(body)};
    const { default: Stripe } = await import(${url('stripe')});
    if (Stripe.webhooks.constructEvent(body, ${JSON.stringify(stripeHeader)}, ${JSON.stringify(STRIPE_SECRET)}).type !== 'payment.succeeded') process.exit(1);`]],
];

/** Milliseconds from spawning `node args` to its exit; throws unless it exited 0. */
function time(args) {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`node ${args.slice(0, 2).join(' ')}… exited ${child.status}: ${child.stderr}`);
  return ms;
}

const samples = rows.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < rows.length; i++) {
    const r = (i + round) % rows.length; // a different row goes first each round
    samples[r].push(time(rows[r][1]));
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const medians = samples.map(median);
const FLOOR = 1;
const PEER = 4;
const floor = medians[FLOOR];

const lines = [
  `Median of ${ROUNDS} fresh \`node\` processes (${process.version}) each: process start to exit after the first verification of one 1 KiB delivery.`,
  '"above the floor" is the median less the ES-module floor\'s (the cost of the library); the last column is the median over npm standardwebhooks\' (measured in the same run).',
  '',
  '| program | median (ms) | above the floor (ms) | vs standardwebhooks |',
  '|---|---:|---:|---:|',
  ...rows.map(([name], i) => {
    const above = medians[i] - floor;
    const library = i > FLOOR;
    return `| ${name} | ${medians[i].toFixed(1)} | ${library ? above.toFixed(1) : ''} | ${(medians[i] / medians[PEER]).toFixed(2)}x |`;
  }),
];
console.log(lines.join('\n'));
