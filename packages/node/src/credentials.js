// paywit:gateway/credentials (wit/credentials.wit).

import { checked } from './abi.js';
import { KeyPlacementError } from './errors.js';
import { call, nowSeconds } from './shapes.js';

/** The jco bindings of credentials, every argument checked against the WIT first. */
const credentials = checked('credentials');

/** What a gateway key is (`{provider, kind, mode}`), from its published prefix; never contains the key. */
export function classifyKey(key) {
  return credentials.classifyKey(key);
}

/** Returns what the key is if it may be used at `placement`; throws `KeyPlacementError` if not. */
export function checkKeyPlacement(key, placement) {
  return call(() => credentials.checkKeyPlacement(key, placement), () => KeyPlacementError);
}

/**
 * Whether to use or refresh an OAuth access token: `{action: 'use', seconds}` (refresh in),
 * `{action: 'refresh-now', seconds}` (expires in) or `{action: 'expired', seconds}` (ago).
 */
export function tokenStatus(issuedAt, expiresIn, { now = nowSeconds(), refreshSkewSeconds = 60 } = {}) {
  const advice = credentials.tokenStatus(issuedAt, expiresIn, now, refreshSkewSeconds);
  return { action: advice.tag, seconds: Number(advice.val) };
}
