// paywit:gateway/addresses (wit/addresses.wit).

import { checked } from './abi.js';
import { AddressError } from './errors.js';
import { call } from './shapes.js';

/** The jco bindings of addresses, every argument checked against the WIT first. */
const addresses = checked('addresses');

/** Validates a crypto refund address for `network`: `{kind, checksummed}`, or throws `AddressError`. */
export function validateAddress(network, address) {
  return call(() => addresses.validateAddress(network, address), () => AddressError);
}
