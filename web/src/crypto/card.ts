// The emergency card: a small sealed summary the patient keeps current for
// an emergency (allergies, blood group, current medications, conditions, an
// emergency contact), readable by a doctor only once the emergency
// custodian releases its key during an open emergency access.
//
// Byte-compatible with the Rust client (client/src/crypto.rs, "Emergency
// card": `seal_card` / `open_card`), version 1:
// - A fresh 32-byte data key per version of the card (`records.set_card`
//   drops every key of the earlier version).
// - Plaintext: one compact JSON object with the five string fields, in this
//   order (as serde_json writes the Rust `Card`):
//     {"allergies":"…","blood_group":"…","medications":"…","conditions":"…","emergency_contact":"…"}
//   A missing key reads as "", unknown keys are ignored.
// - Padded like a field (the JSON, 0x80, zeros) to a bucket: 256, 512 or
//   1024 bytes, else the card's capacity (1493 bytes: the largest padded
//   length whose sealed form fits the contract's 2048-byte bound), so its
//   length tells only the bucket.
// - Sealed: `c1:` base64(nonce (24) ‖ XChaCha20-Poly1305 ciphertext), AAD
//   `smrms/card/v1` ‖ patient account (32 bytes): a card opens only as the
//   card of its patient. Stored (`records.set_card` body, 1 to
//   `MAX_CARD_LEN` bytes) in the on-chain form of onchain.ts: 0xFF 0x06 ‖
//   nonce ‖ ciphertext (cards stored before as the text's ASCII bytes
//   still open).
// - The data key is wrapped like any other item's, with the item tag 3 in
//   the HPKE info (`wrapInfo(patient, { kind: 'Card' }, reader)`), for the
//   patient, for the custodian's encryption key (`records.custodian()`),
//   and for readers the patient shares it with.

import { b64decode, b64encode, concat, fromUtf8, randomBytes, utf8, utf8Len } from './bytes';
import { CryptoError, b64Fits, b64Len, open, pad, seal, unpad, type Bytes } from './core';
import { fromChain } from './onchain';

/** Prefix of a sealed emergency card (version 1). */
export const CARD_PREFIX = 'c1:';
/** contracts/shared/lib.rs `MAX_CARD_LEN`: the sealed card's bound (bytes). */
export const MAX_CARD_LEN = 2048;
/** The padded lengths below the card's capacity. */
export const CARD_BUCKETS: readonly number[] = Object.freeze([256, 512, 1024]);

/** The card's fields, in their JSON order. */
export const CARD_FIELDS = ['allergies', 'blood_group', 'medications', 'conditions', 'emergency_contact'] as const;
export type CardField = (typeof CARD_FIELDS)[number];
export type CardFields = Record<CardField, string>;

/** A card with every field empty. */
export const emptyCard = (): CardFields => ({ allergies: '', blood_group: '', medications: '', conditions: '', emergency_contact: '' });

/** The sealed length of a card padded to `padded` bytes. */
export function cardSealedLen(padded: number): number {
  return CARD_PREFIX.length + b64Len(24 + padded + 16);
}

/** The largest padded length whose sealed form fits `max` (1493 for 2048). */
export function cardCapacity(max: number = MAX_CARD_LEN): number {
  return Math.max(0, b64Fits(Math.max(0, max - CARD_PREFIX.length)) - 24 - 16);
}

/** The card's JSON text (unpadded), keys in `CARD_FIELDS` order. */
export function cardJson(card: CardFields): string {
  const o: Record<string, string> = {};
  for (const f of CARD_FIELDS) o[f] = card[f] ?? '';
  return JSON.stringify(o);
}

/** The padded length for a JSON text of `len` bytes (plus the 0x80 marker); null if it does not fit. */
export function cardBucket(len: number, max: number = MAX_CARD_LEN): number | null {
  const capacity = cardCapacity(max);
  const need = len + 1;
  if (need > capacity) return null;
  return CARD_BUCKETS.find((b) => b >= need && b < capacity) ?? capacity;
}

/** The length `sealCard` gives this card; null if it is too long. */
export function sealedCardLen(card: CardFields, max: number = MAX_CARD_LEN): number | null {
  const b = cardBucket(utf8Len(cardJson(card)), max);
  return b === null ? null : cardSealedLen(b);
}

/** Whether every field is empty (or blank). */
export function isEmptyCard(card: CardFields): boolean {
  return CARD_FIELDS.every((f) => !(card[f] ?? '').trim());
}

function cardAad(patient: Bytes): Bytes {
  if (!(patient instanceof Uint8Array) || patient.length !== 32) throw new RangeError('patient must be 32 bytes');
  return concat(utf8('smrms/card/v1'), patient);
}

/**
 * Seals `card` of `patient` (32-byte account) under `dataKey`: the text
 * whose ASCII bytes `records.set_card` stores. `TooLong` if it does not fit
 * the contract's bound.
 */
export function sealCard(dataKey: Bytes, patient: Bytes, card: CardFields, max: number = MAX_CARD_LEN): string {
  const json = utf8(cardJson(card));
  const bucket = cardBucket(json.length, max);
  if (bucket === null) throw new CryptoError('TooLong', undefined, { len: cardSealedLen(json.length + 1), max });
  const nonce = randomBytes(24);
  const ct = seal(dataKey, nonce, cardAad(patient), pad(json, bucket));
  return `${CARD_PREFIX}${b64encode(concat(nonce, ct))}`;
}

/**
 * Opens a card (the text, or the bytes stored on chain) of `patient` with
 * its data key: `Open` for another key, another patient or an altered card,
 * `Malformed` if it is not a card (no `c1:`, bad padding, not a JSON
 * object, a field that is not text).
 */
export function openCard(dataKey: Bytes, patient: Bytes, stored: string | Bytes): CardFields {
  // stored bytes: the on-chain form (onchain.ts), binary or the old text's UTF-8
  const text = typeof stored === 'string' ? stored : fromChain(stored);
  if (!text.startsWith(CARD_PREFIX)) throw new CryptoError('Malformed', `no ${CARD_PREFIX} prefix`);
  const sealed = b64decode(text.slice(CARD_PREFIX.length));
  if (!sealed || sealed.length < 24 + 16) throw new CryptoError('Malformed');
  const pt = open(dataKey, sealed.subarray(0, 24), cardAad(patient), sealed.subarray(24));
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(unpad(pt)));
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError('Malformed', 'the card is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CryptoError('Malformed', 'the card is not a JSON object');
  const fields = emptyCard();
  for (const f of CARD_FIELDS) {
    const v = (parsed as Record<string, unknown>)[f];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new CryptoError('Malformed', `card field ${f} is not text`);
    fields[f] = v;
  }
  return fields;
}
