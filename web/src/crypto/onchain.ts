// The on-chain bytes codec (issue 16, "opaque bytes on chain"): the
// contracts store the opaque text fields (patient profile fields, record
// title and body, medication texts, appointment texts, the emergency card)
// as `Vec<u8>`. The crypto code keeps producing and parsing its text formats;
// at the chain boundary every such text goes through this one lossless codec,
// identical to the Rust client's (`client/src/onchain.rs`):
//
//   toChain(T)
//     `smrms-enc1:` B "." H  -> 0xFF 0x01 ‖ b64dec(B) ‖ hexdec(H)   (H: 64 lower-case hex digits)
//     `e2:` B                -> 0xFF 0x02 ‖ b64dec(B)
//     `e1:` B                -> 0xFF 0x03 ‖ b64dec(B)
//     `n2:` B1 "." B2 "." B3 -> 0xFF 0x04 ‖ dec(B1) ‖ dec(B2) ‖ dec(B3)  (dec(B1), dec(B2): 80 bytes each)
//     `n1:` B1 "." B2 "." B3 -> 0xFF 0x05 ‖ …  (the same shape: n1 wraps its key with the same
//                               HPKE suite, so its two wrapped keys are 80 bytes too)
//     `c1:` B                -> 0xFF 0x06 ‖ b64dec(B)
//     anything else (plaintext; "" -> no bytes) -> the UTF-8 bytes of T.
//   Base64 is canonical STANDARD_NO_PAD (bytes.ts `b64decode` is strict).
//   A binary form is used only when `fromChain` of it gives T back exactly,
//   otherwise T's UTF-8 bytes: so fromChain(toChain(T)) === T for every T
//   (non-canonical base64, upper-case hex, a wrong wrapped-key length… all
//   stay text).
//
//   fromChain(bytes)
//     0xFF, a known tag and a well-formed body (tag 1: at least 32 bytes, the
//     last 32 the commitment; tags 4/5: at least 160 bytes) -> the text form;
//     otherwise valid UTF-8 -> that text (values written before as text, or
//     plaintext from the Contracts UI); otherwise a `CryptoError` `Malformed`
//     ("not UTF-8"). 0xFF never occurs in UTF-8, so the cases cannot be confused.
//
// The binary form is always shorter than the text form, so whatever fitted
// a contract's bound before fits now; the pad buckets are unchanged.

import { type Bytes, b64decode, b64encode, concat, fromUtf8, hex, unhex, utf8 } from './bytes';
import { CryptoError, ENVELOPE_PREFIX, FIELD_PREFIX, FIELD_PREFIX_V1, NOTE_PREFIX, NOTE_PREFIX_V1, WRAPPED_KEY_LEN } from './core';

/** The first byte of every binary form (never a byte of UTF-8). */
export const ONCHAIN_MARK = 0xff;

/** The tags of the binary forms, by text format. */
export const ONCHAIN_TAGS = Object.freeze({
  envelope: 0x01, // smrms-enc1:
  field: 0x02, // e2:
  fieldV1: 0x03, // e1:
  note: 0x04, // n2:
  noteV1: 0x05, // n1:
  card: 0x06, // c1:
} as const);

// card.ts's CARD_PREFIX (card.ts imports this module; onchain.test.ts checks they agree)
const CARD_PREFIX = 'c1:';
const COMMITMENT_LEN = 32;

/** Prefix of a simple tag (the body is one base64 text). */
const SIMPLE: ReadonlyMap<number, string> = new Map([
  [ONCHAIN_TAGS.field, FIELD_PREFIX],
  [ONCHAIN_TAGS.fieldV1, FIELD_PREFIX_V1],
  [ONCHAIN_TAGS.card, CARD_PREFIX],
]);
const NOTES: ReadonlyMap<number, string> = new Map([
  [ONCHAIN_TAGS.note, NOTE_PREFIX],
  [ONCHAIN_TAGS.noteV1, NOTE_PREFIX_V1],
]);

/** The text form of a binary value (`bytes[0]` is 0xFF), or null if it is not one. */
function binaryText(bytes: Bytes): string | null {
  if (bytes.length < 2 || bytes[0] !== ONCHAIN_MARK) return null;
  const tag = bytes[1]!;
  const body = bytes.subarray(2);
  if (tag === ONCHAIN_TAGS.envelope) {
    if (body.length < COMMITMENT_LEN) return null;
    const split = body.length - COMMITMENT_LEN;
    return `${ENVELOPE_PREFIX}${b64encode(body.subarray(0, split))}.${hex(body.subarray(split))}`;
  }
  const simple = SIMPLE.get(tag);
  if (simple !== undefined) return `${simple}${b64encode(body)}`;
  const note = NOTES.get(tag);
  if (note !== undefined) {
    if (body.length < 2 * WRAPPED_KEY_LEN) return null;
    const w = WRAPPED_KEY_LEN;
    return `${note}${b64encode(body.subarray(0, w))}.${b64encode(body.subarray(w, 2 * w))}.${b64encode(body.subarray(2 * w))}`;
  }
  return null;
}

/**
 * The text a stored value stands for. Throws a `CryptoError` of kind
 * `Malformed` ("not UTF-8") when it is neither a binary form nor UTF-8.
 */
export function fromChain(bytes: Bytes): string {
  const text = binaryText(bytes);
  if (text !== null) return text;
  try {
    return fromUtf8(bytes);
  } catch {
    throw new CryptoError('Malformed', 'the stored value is not UTF-8');
  }
}

/** The binary candidate for `text` by its format, or null if it does not parse. */
function candidate(text: string): Bytes | null {
  const tagged = (tag: number, ...parts: Bytes[]) => concat(Uint8Array.of(ONCHAIN_MARK, tag), ...parts);
  if (text.startsWith(ENVELOPE_PREFIX)) {
    const rest = text.slice(ENVELOPE_PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot < 0) return null;
    const sealed = b64decode(rest.slice(0, dot));
    const c = unhex(rest.slice(dot + 1), COMMITMENT_LEN);
    return sealed && c ? tagged(ONCHAIN_TAGS.envelope, sealed, c) : null;
  }
  for (const [tag, prefix] of SIMPLE) {
    if (text.startsWith(prefix)) {
      const b = b64decode(text.slice(prefix.length));
      return b ? tagged(tag, b) : null;
    }
  }
  for (const [tag, prefix] of NOTES) {
    if (text.startsWith(prefix)) {
      const parts = text.slice(prefix.length).split('.');
      if (parts.length !== 3) return null;
      const [w1, w2, sealed] = parts.map(b64decode);
      if (!w1 || !w2 || !sealed || w1.length !== WRAPPED_KEY_LEN || w2.length !== WRAPPED_KEY_LEN) return null;
      return tagged(tag, w1, w2, sealed);
    }
  }
  return null;
}

/**
 * The bytes to store for `text`: its binary form when it is a sealed text
 * in canonical form (and only when `fromChain` gives `text` back exactly),
 * else its UTF-8 bytes ("" -> no bytes).
 */
export function toChain(text: string): Bytes {
  const c = candidate(text);
  if (c && binaryText(c) === text) return c;
  return utf8(text);
}
