// The operator dashboard in a real browser: headless Chromium (Debian's
// `chromium`) driven by playwright-core. A scripted run (scenario.py: the
// sandbox gateway, the Python receiver and worker, the dashboard with 2 s
// alert windows) produces failures; the page must list them, raise the alert
// only after a sustained error rate and clear it after recovery, and a click on
// Replay must end with the failed event processed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { signWebhook } from 'paywit';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../../..');
const CHROMIUM = process.env.PAYWIT_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = process.env.PAYWIT_SCREENSHOT_TO ?? join(ROOT, 'target/operator/dashboard.png');
const WRONG_SECRET = 'whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

let scenario;
let urls;
let browser;
let page;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: \`cargo xtask test\` installs Debian's chromium (apt-get install chromium), or set PAYWIT_CHROMIUM`);
  }
  scenario = spawn(process.env.PAYWIT_PYTHON ?? 'python3', [join(HERE, '..', 'scenario.py')], {
    env: { ...process.env, PYTHONPATH: join(ROOT, 'packages/python') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise((ok, fail) => {
    createInterface({ input: scenario.stdout }).once('line', ok);
    scenario.once('exit', (code) => fail(new Error(`scenario.py exited with ${code} before starting`)));
  });
  urls = JSON.parse(firstLine);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

after(async () => {
  await browser?.close();
  scenario?.stdin.end();
  await new Promise((ok) => (scenario?.exitCode !== null ? ok() : scenario.once('exit', ok)));
});

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
let sequence = 0;

/** One signed delivery straight to the receiver; `forged` signs with a secret it does not have. */
async function deliver(forged = false) {
  const n = sequence++;
  const id = `evt_op_${n}`;
  const body = JSON.stringify({ id, type: 'payment_intent.succeeded', created: Math.trunc(Date.now() / 1000),
    data: { object: { id: `pi_op_${n % 25}`, object: 'payment_intent', status: 'succeeded' } } });
  const headers = signWebhook('standard-webhooks', forged ? WRONG_SECRET : urls.secret, body, { id });
  const response = await fetch(`${urls.receiver}/webhooks`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
  await response.arrayBuffer();
  assert.equal(response.status, forged ? 401 : 200);
}

/** Deliveries for `seconds`, each tenth of a second `good` genuine and `forged` forged ones. */
async function traffic(seconds, { good, forged = 0 }) {
  for (let tick = 0; tick < seconds * 10; tick++) {
    const started = Date.now();
    await Promise.all([...Array(good)].map(() => deliver()).concat([...Array(forged)].map(() => deliver(true))));
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
}

/** A gateway POST retried with its key through the sandbox's misbehaviour (500, 429, lost responses). */
async function gatewayPost(path, body, key) {
  for (let i = 0; i < 40; i++) {
    try {
      const response = await fetch(`${urls.gateway}${path}`, { method: 'POST', body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, signal: AbortSignal.timeout(2000) });
      if (response.status < 500 && response.status !== 429 && response.status !== 409) return [response.status, await response.json()];
    } catch { /* a lost response: retry with the same key */ }
    await sleep(50);
  }
  throw new Error(`${path} kept failing`);
}

/** Reloads the dashboard until `check()` holds (or fails after `seconds`). */
async function until(what, check, seconds = 30) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    await page.goto(urls.dashboard);
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`the dashboard never showed ${what}`);
    await sleep(500);
  }
}

const streamState = (name) => page.locator(`.stream[data-stream="${name}"]`).getAttribute('class');
const rows = (table) => page.locator(`#${table} tr`).allInnerTexts();

test('the dashboard lists the failures, alerts on a sustained error rate only, and replays a failed event', async () => {
  // Failures a scripted run produces: a declined payment, and a payout whose items the worker
  // cannot fetch while the gateway's reads are down (retried, then given up).
  const [declinedStatus, declined] = await gatewayPost('/v1/payment_intents', { amount: 500, currency: 'usd', card: '4000000000000002' }, 'op-declined');
  assert.equal(declinedStatus, 402);
  const declinedId = declined.error.payment_intent.id;
  const [, paid] = await gatewayPost('/v1/payment_intents', { amount: 2500, currency: 'usd', card: '4242424242424242' }, 'op-paid');
  assert.equal(paid.status, 'succeeded');
  // Long enough for every attempt on a loaded machine; ended below once the event is given up.
  await gatewayPost('/v1/sandbox/outage', { seconds: 300, reads_only: true });
  const [, payout] = await gatewayPost('/v1/payouts', { payment_intents: [paid.id] }, 'op-payout');
  await until('the failed payout event', async () => (await rows('events-whose-processing-failed')).some((r) => r.includes('payout.paid') && r.includes('failed ')));
  const failedRow = (await rows('events-whose-processing-failed')).find((r) => r.includes('payout.paid'));
  assert.match(failedRow, /server-error/, 'the failure carries its category');
  assert.ok((await rows('failed-payments')).some((r) => r.includes(declinedId)), 'the declined payment is listed');
  assert.ok((await rows('charges-declined-or-failed')).length >= 1);
  assert.equal((await gatewayPost('/v1/sandbox/outage', { seconds: 0 }))[0], 200, 'the API is back');

  // Healthy traffic with one burst of forgeries inside a single window: no alert.
  await traffic(1, { good: 2 });
  await Promise.all([...Array(6)].map(() => deliver(true)));
  await traffic(8, { good: 2 });
  await page.goto(urls.dashboard);
  assert.match(await streamState('webhook deliveries'), /\bok\b/, 'a burst in one window never raises the alert');
  assert.ok((await rows('deliveries-refused-per-window-scheme-and-code')).some((r) => r.includes('standard-webhooks') && r.includes('no-matching-signature')));
  const html = await page.content();
  assert.ok(!html.includes(urls.secret) && !html.includes(WRONG_SECRET) && !/v1,[A-Za-z0-9+/=]{20}/.test(html), 'no secret or signature on the page');

  // A sustained error rate (a third of the deliveries forged, 8 s = 4 windows): the alert.
  await traffic(8, { good: 2, forged: 1 });
  await until('the alert', async () => /\balerting\b/.test(await streamState('webhook deliveries')), 6);
  assert.match(await page.locator('.stream[data-stream="webhook deliveries"]').innerText(), /ALERT since/);
  await sleep(300);
  mkdirSync(dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });

  // Recovery: healthy again for 4 windows, and the alert clears.
  await traffic(8, { good: 2 });
  await until('the alert cleared', async () => /\bok\b/.test(await streamState('webhook deliveries')), 6);

  // The API is back: Replay on the failed event re-fires it through the gateway; it ends processed, once.
  await page.goto(urls.dashboard);
  await page.locator('#events-whose-processing-failed tr', { hasText: 'payout.paid' }).getByRole('button', { name: 'Replay' }).click();
  await page.waitForURL(/message=/);
  assert.match(await page.locator('.notice').innerText(), /replayed by the gateway/);
  await until('the replayed event processed', async () =>
    (await rows('events-whose-processing-failed')).some((r) => r.includes('payout.paid') && r.includes('processed ')));
  const replayed = (await rows('events-whose-processing-failed')).find((r) => r.includes('payout.paid'));
  assert.match(replayed, /payout\.paid\t[2-9]\t1\tserver-error\tprocessed /, 'delivered again by the replay, processed once');
  assert.ok(!(await rows('payouts-not-reconciled-exactly')).some((r) => r.includes(payout.id)), 'the payout reconciles exactly');
  // Any stored event can be looked up by id, with its own Replay button.
  const eventId = replayed.split('\t')[0];
  await page.getByLabel('Event id').fill(eventId);
  await page.getByRole('button', { name: 'Find' }).click();
  await page.waitForURL(/event=/);
  const found = await page.locator('table', { hasText: `Event ${eventId}` }).locator('tr').allInnerTexts();
  assert.match(found[1] ?? '', /payout\.paid\t[2-9]\tprocessed/, 'found by id');
});
