// Byte helpers shared by the crypto module: hex, base64 (standard alphabet,
// no padding, strict like Rust's `base64::STANDARD_NO_PAD`), UTF-8.

/** Raw bytes. */
export type Bytes = Uint8Array;

const HEX = '0123456789abcdef';

/** Lower-case hex of `bytes` (no `0x`). */
export function hex(bytes: Bytes): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4] + HEX[b & 15];
  return s;
}

/**
 * Bytes from hex digits (either case, no `0x`); `null` if it is not hex or,
 * when `len` is given, not exactly `len` bytes.
 */
export function unhex(s: string, len?: number): Bytes | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  if (len !== undefined && s.length !== 2 * len) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX: Int16Array = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Base64, standard alphabet, no `=` padding. */
export function b64encode(bytes: Bytes): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes base64 (standard alphabet, no padding). Strict, as Rust's
 * `STANDARD_NO_PAD`: `null` on padding, whitespace, a foreign character, an
 * impossible length or non-zero trailing bits.
 */
export function b64decode(text: string): Bytes | null {
  const len = text.length;
  if (len % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c]! : -1;
    if (v < 0) return null;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // leftover bits must be zero (canonical encoding)
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is an error (as Rust's String::from_utf8);
// ignoreBOM: keep a leading U+FEFF as text, do not strip it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Bytes {
  return encoder.encode(text);
}

/** Text from UTF-8 bytes; throws a `TypeError` on invalid UTF-8. */
export function fromUtf8(bytes: Bytes): string {
  return decoder.decode(bytes);
}

/** UTF-8 length of `text` in bytes. */
export function utf8Len(text: string): number {
  return encoder.encode(text).length;
}

/** The concatenation of `parts`. */
export function concat(...parts: Bytes[]): Bytes {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Byte-wise equality (not constant-time; for public values). */
export function equal(a: Bytes, b: Bytes): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `n` random bytes from the platform's CSPRNG. */
export function randomBytes(n: number): Bytes {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** Little-endian u32 (4 bytes). */
export function u32le(n: number): Bytes {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

/** Little-endian u64 (8 bytes) of a safe non-negative integer. */
export function u64le(n: number): Bytes {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a u64: ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}
