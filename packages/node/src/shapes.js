// Shapes the idiomatic webhook surface accepts: bodies, header collections, field blocks.
import { InvalidArgumentError } from './errors.js';
import { trimOws } from './limits.js';
import { u8view, wellFormed } from './runtime.js';

/** The rule a string with a lone surrogate breaks (it has no UTF-8 form); the generated checks say the same. */
export const WELL_FORMED = 'must be well-formed UTF-16 (no lone surrogates)';

/** Throws InvalidArgumentError naming `path` (never the contents) unless `text` is well-formed. */
export function checkText(text, path) {
  if (!wellFormed(text)) throw new InvalidArgumentError(path, WELL_FORMED, text);
}

/** A body as the WIT `body` variant: a string is `text`, bytes (Uint8Array, Buffer, ArrayBuffer) `bytes`. */
export function bodyValue(body) {
  if (typeof body === 'string') {
    checkText(body, 'body');
    return { tag: 'text', val: body };
  }
  // Bytes as a fresh view made through the intrinsic accessors: nothing of the caller's runs later.
  const bytes = u8view(body);
  if (bytes !== undefined) return { tag: 'bytes', val: bytes };
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
    const text = String(value);
    checkText(name, `headers[${out.length}].name`);
    checkText(text, `headers[${out.length}].value`);
    out.push({ name, value: trimOws(text) });
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
 * `[{name, value}]` headers as one CRLF field block for the packed request, or
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

/** Whether the component refused the field block itself. */
export function isFieldBlockError(result) {
  return result.err?.tag === 'malformed-header' && result.err.val.name === '';
}
