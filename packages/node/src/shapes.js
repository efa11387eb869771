// Shapes shared by the interface modules: error mapping, bodies, headers, times.
import { InvalidArgumentError } from './errors.js';
import { trimOws } from './limits.js';

export function plain(value) {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export function describe(code, details) {
  if (details === undefined) return code;
  if (typeof details === 'string') return `${code}: ${details}`;
  return `${code}: ${JSON.stringify(details)}`;
}

/** The typed error for a component `err` payload (a case name, or `{tag, val}`): an instance of `pick(code)`. */
export function componentError(payload, pick) {
  const code = typeof payload === 'string' ? payload : payload.tag;
  const details = typeof payload === 'string' ? undefined : plain(payload.val);
  const ErrorClass = pick(code);
  return new ErrorClass(code, details, describe(code, details));
}

/** Calls `fn`, turning a component `err` into an instance of `pick(code)`. */
export function call(fn, pick) {
  try {
    return fn();
  } catch (error) {
    if (error?.payload === undefined) throw error;
    throw componentError(error.payload, pick);
  }
}

/** The current Unix time in seconds. */
export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function schemeValue(scheme) {
  if (typeof scheme === 'string') return { tag: scheme };
  if (scheme && typeof scheme === 'object' && scheme.hmac) return { tag: 'hmac', val: scheme.hmac };
  if (scheme && typeof scheme === 'object' && 'tag' in scheme) return scheme;
  throw new TypeError('scheme must be a scheme name such as "stripe", or { hmac: { header, algorithm, encoding, prefix } }');
}

export function schemeOut(scheme) {
  return scheme.tag === 'hmac' ? { hmac: scheme.val } : scheme.tag;
}

export function bodyValue(body) {
  if (typeof body === 'string') return { tag: 'text', val: body };
  if (body instanceof Uint8Array) return { tag: 'bytes', val: body };
  if (body instanceof ArrayBuffer) return { tag: 'bytes', val: new Uint8Array(body) };
  throw new TypeError('body must be a string, Uint8Array, Buffer or ArrayBuffer: the raw body as received');
}

/**
 * Headers (a plain object, `Headers`, `[name, value]` pairs or `{name, value}` records) as
 * `[{name, value}]`. Values are trimmed of surrounding spaces and tabs here, as the component
 * trims them anyway: the answer is the same, and padding cannot make the bytes copied into the
 * guest larger than the header limit it is checked against. A name that is not a string is an
 * InvalidArgumentError.
 */
export function headerList(headers) {
  if (headers == null) return [];
  const out = [];
  const add = (name, value) => {
    if (typeof name !== 'string') throw new InvalidArgumentError('a header name', 'must be a string', name);
    out.push({ name, value: trimOws(String(value)) });
  };
  if (typeof headers.forEach === 'function' && typeof headers.get === 'function' && !Array.isArray(headers)) {
    headers.forEach((value, name) => add(name, value));
  } else if (Array.isArray(headers)) {
    for (const h of headers) Array.isArray(h) ? add(h[0], h[1]) : add(h.name, h.value);
  } else {
    for (const [name, value] of Object.entries(headers)) {
      // Node's IncomingMessage.headers joins most repeats but keeps arrays for some; pass each.
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) add(name, v);
    }
  }
  return out;
}

/**
 * `[{name, value}]` headers as one CRLF field block for `verify-fields`, or
 * undefined when a block might not carry them exactly (a CR or LF anywhere, a
 * `:` in a name); the caller then uses `verify` with the list. Names the
 * component's block parser refuses come back as `malformed-header` with an
 * empty name, and the caller retries with the list too (see isFieldBlockError).
 */
export function fieldBlock(headers) {
  let block = '';
  for (const { name, value } of headers) {
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) return undefined;
    block += `${name}: ${value}\r\n`;
  }
  return block;
}

/** Whether verify-fields refused the field block itself. */
export function isFieldBlockError(result) {
  return result.err?.tag === 'malformed-header' && result.err.val.name === '';
}

/** A lifecycle state `{kind, status}` in jco's variant shape, and back. */
export const stateIn = (state) => state && { tag: state.kind, val: state.status };
export const stateOut = (state) => state && { kind: state.tag, status: state.val };
