// The emergency card: a small sealed summary the patient keeps current for
// an emergency (allergies, blood group, current medications, conditions, an
// emergency contact), readable by a doctor only once the emergency
// custodian releases its key during an open emergency access.
//
// Format, version 1 (shared with the Rust client, which opens it with
// `open_record` and serde_json):
// - A fresh 32-byte data key per version of the card (`records.set_card`
//   drops every key of the earlier version).
// - The card is a sealed record (`sealRecord`, `smrms-enc1:` envelope, AAD
//   `smrms/record/v1`, salted commitment) whose title is `CARD_TITLE`
//   (`smrms-card/v1`) and whose body is one JSON object with the five
//   string fields, keys in this order:
//     {"allergies":"…","blood_group":"…","medications":"…","conditions":"…","emergency_contact":"…"}
//   followed by ASCII spaces up to a bucket (`CARD_BUCKETS`: 256, 512 or
//   1024 bytes, else the card's capacity, the longest body that fits the
//   contract's 2048-byte bound), so the stored length tells only the
//   bucket. Spaces after a JSON value are JSON whitespace: any JSON parser
//   reads the padded body. A missing key reads as "", unknown keys are
//   ignored (later versions may add fields).
// - Stored on chain as the envelope's ASCII bytes (`records.set_card` body,
//   1 to `MAX_CARD_LEN` bytes).
// - The data key is wrapped like any other item's, with the item tag 3 in
//   the HPKE info (`wrapInfo(patient, { kind: 'Card' }, reader)`), for the
//   patient, for the custodian's published encryption key
//   (`records.custodian()`), and for readers the patient shares it with.

import { utf8, utf8Len, fromUtf8 } from './bytes';
import { CryptoError, ENVELOPE_PREFIX, openRecord, sealRecord, type Bytes } from './core';

/** The title sealed inside a card's envelope: names the format and its version. */
export const CARD_TITLE = 'smrms-card/v1';
/** contracts/shared/lib.rs `MAX_CARD_LEN`: the sealed card's bound (bytes). */
export const MAX_CARD_LEN = 2048;
/** The padded body lengths below the card's capacity. */
export const CARD_BUCKETS: readonly number[] = Object.freeze([256, 512, 1024]);

/** The card's fields, in their JSON order. */
export const CARD_FIELDS = ['allergies', 'blood_group', 'medications', 'conditions', 'emergency_contact'] as const;
export type CardField = (typeof CARD_FIELDS)[number];
export type CardFields = Record<CardField, string>;

/** A card with every field empty. */
export const emptyCard = (): CardFields => ({ allergies: '', blood_group: '', medications: '', conditions: '', emergency_contact: '' });

const b64Len = (n: number): number => Math.ceil((4 * n) / 3);
const b64Fits = (chars: number): number => Math.floor((3 * chars) / 4);
/** Envelope characters besides the base64: prefix, '.', 64 hex of commitment. */
const ENVELOPE_OVERHEAD = ENVELOPE_PREFIX.length + 1 + 64;
/** Sealed bytes besides title and body: nonce 24, salt 16, title length 8, tag 16. */
const SEALED_OVERHEAD = 24 + 16 + 8 + 16;

/** The length of the envelope of a card whose padded body is `bodyLen` bytes. */
export function cardEnvelopeLen(bodyLen: number): number {
  return ENVELOPE_OVERHEAD + b64Len(SEALED_OVERHEAD + utf8Len(CARD_TITLE) + bodyLen);
}

/** The longest padded body whose envelope fits `max` (1402 bytes for 2048). */
export function cardCapacity(max: number = MAX_CARD_LEN): number {
  return Math.max(0, b64Fits(Math.max(0, max - ENVELOPE_OVERHEAD)) - SEALED_OVERHEAD - utf8Len(CARD_TITLE));
}

/** The card's JSON text (unpadded), keys in `CARD_FIELDS` order. */
export function cardJson(card: CardFields): string {
  const o: Record<string, string> = {};
  for (const f of CARD_FIELDS) o[f] = card[f] ?? '';
  return JSON.stringify(o);
}

/** The padded body length for a JSON text of `len` bytes; null if it does not fit. */
export function cardBucket(len: number, max: number = MAX_CARD_LEN): number | null {
  const capacity = cardCapacity(max);
  if (len > capacity) return null;
  return CARD_BUCKETS.find((b) => b >= len && b < capacity) ?? capacity;
}

/** The envelope length `sealCard` gives this card; null if it is too long. */
export function sealedCardLen(card: CardFields, max: number = MAX_CARD_LEN): number | null {
  const b = cardBucket(utf8Len(cardJson(card)), max);
  return b === null ? null : cardEnvelopeLen(b);
}

/** Whether every field is empty (or blank). */
export function isEmptyCard(card: CardFields): boolean {
  return CARD_FIELDS.every((f) => !(card[f] ?? '').trim());
}

/**
 * Seals a card under `dataKey`: the envelope to store with
 * `records.set_card` (as its ASCII bytes). `TooLong` if the card does not
 * fit the contract's bound.
 */
export function sealCard(dataKey: Bytes, card: CardFields, max: number = MAX_CARD_LEN): string {
  const json = cardJson(card);
  const len = utf8Len(json);
  const bucket = cardBucket(len, max);
  if (bucket === null) throw new CryptoError('TooLong', undefined, { len: cardEnvelopeLen(len), max });
  const envelope = sealRecord(dataKey, CARD_TITLE, json + ' '.repeat(bucket - len), max);
  if (envelope.length !== cardEnvelopeLen(bucket)) throw new Error('card envelope length mismatch');
  return envelope;
}

/** A card as its readers see it. */
export interface OpenedCard {
  fields: CardFields;
  /** The padded body length (the bucket). */
  padded: number;
}

/**
 * Opens a card's envelope (a string, or the bytes stored on chain) with its
 * data key: `Open` / `Commitment` as for records, `Malformed` if it is not a
 * card (another title, not a JSON object, a field that is not a string).
 */
export function openCard(dataKey: Bytes, stored: string | Bytes): OpenedCard {
  let envelope: string;
  try {
    envelope = typeof stored === 'string' ? stored : fromUtf8(stored);
  } catch {
    throw new CryptoError('Malformed', 'the card is not UTF-8');
  }
  const o = openRecord(dataKey, envelope);
  if (o.title !== CARD_TITLE) throw new CryptoError('Malformed', `not an emergency card (${JSON.stringify(o.title.slice(0, 32))})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(o.body);
  } catch {
    throw new CryptoError('Malformed', 'the card is not JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CryptoError('Malformed', 'the card is not a JSON object');
  const fields = emptyCard();
  for (const f of CARD_FIELDS) {
    const v = (parsed as Record<string, unknown>)[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new CryptoError('Malformed', `card field ${f} is not text`);
    fields[f] = v;
  }
  return { fields, padded: utf8(o.body).length };
}
