// The encryption core, byte-compatible with the Rust client
// (client/src/crypto.rs): key pairs, wrapped data keys, sealed records,
// sealed profile/medication fields and sealed appointment notes.
//
// - Key pair: X25519 from RFC 9180 DeriveKeyPair(seed), as the Rust `hpke`
//   crate's `X25519HkdfSha256::derive_keypair`.
// - Wrapped key: HPKE base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
//   ChaCha20-Poly1305, single shot, empty AAD: enc (32) || ct (48) = 80 bytes.
// - Data key: 32 bytes, XChaCha20-Poly1305.

import { CipherSuite } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/dhkem-x25519';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { blake2b } from '@noble/hashes/blake2.js';
import {
  type Bytes,
  b64decode,
  b64encode,
  concat,
  equal,
  fromUtf8,
  hex,
  randomBytes,
  u32le,
  u64le,
  unhex,
  utf8,
} from './bytes';

export type { Bytes } from './bytes';

// ---------------------------------------------------------------------------
// Constants (mirroring client/src/crypto.rs, contracts/shared/lib.rs and
// client/src/journeys/)

/** Prefix of a sealed record body (version 1 of the envelope). */
export const ENVELOPE_PREFIX = 'smrms-enc1:';
/**
 * Prefix of a sealed profile or medication field: version 2, padded to a
 * bucket (see `padBucket`). New fields are always sealed in this format.
 */
export const FIELD_PREFIX = 'e2:';
/** Prefix of a version 1 sealed field (unpadded); still opened, never written. */
export const FIELD_PREFIX_V1 = 'e1:';
/**
 * Prefix of a sealed appointment text (reason, diagnosis, prescription) or
 * emergency note: version 2, padded to a bucket. New notes are always sealed
 * in this format.
 */
export const NOTE_PREFIX = 'n2:';
/** Prefix of a version 1 note (unpadded); still opened, never written. */
export const NOTE_PREFIX_V1 = 'n1:';
/** The title stored on chain for a sealed record; the real one is inside. */
export const SEALED_TITLE = 'sealed';
/** Length of a wrapped data key: HPKE enc (32) + sealed key (32) + tag (16). */
export const WRAPPED_KEY_LEN = 80;

/** contracts/shared/lib.rs bounds (bytes). */
export const MAX_NAME_LEN = 128;
export const MAX_SHORT_LEN = 64;
export const MAX_TEXT_LEN = 512;
export const MAX_TITLE_LEN = 128;
export const MAX_BODY_LEN = 8192;
export const MAX_WRAPPED_KEY_LEN = 128;

/** A sealed text field: its name in the contract ABI, nonce index, bound. */
export interface FieldSpec {
  readonly name: string;
  readonly index: number;
  readonly max: number;
}

/** Profile text fields, in the registry's order (client/src/journeys/profile.rs). */
export const PROFILE_FIELDS: readonly FieldSpec[] = Object.freeze([
  { name: 'name', index: 0, max: MAX_NAME_LEN },
  { name: 'date_of_birth', index: 1, max: MAX_SHORT_LEN },
  { name: 'gender', index: 2, max: MAX_SHORT_LEN },
  { name: 'home_address', index: 3, max: MAX_TEXT_LEN },
  { name: 'phone', index: 4, max: MAX_SHORT_LEN },
  { name: 'blood_group', index: 5, max: MAX_SHORT_LEN },
  { name: 'allergies', index: 6, max: MAX_TEXT_LEN },
  { name: 'emergency_contact_name', index: 7, max: MAX_NAME_LEN },
  { name: 'emergency_contact_phone', index: 8, max: MAX_SHORT_LEN },
] as const);

/** Medication text fields (client/src/journeys/records.rs). */
export const MEDICATION_FIELDS: readonly FieldSpec[] = Object.freeze([
  { name: 'name', index: 0, max: MAX_NAME_LEN },
  { name: 'dose', index: 1, max: MAX_SHORT_LEN },
  { name: 'frequency', index: 2, max: MAX_SHORT_LEN },
  { name: 'notes', index: 3, max: MAX_TEXT_LEN },
] as const);

// ---------------------------------------------------------------------------
// Errors

/** What can go wrong; `kind` mirrors Rust's `CryptoError` (plus key files). */
export type CryptoErrorKind =
  | 'Malformed' // a public key, wrapped key, envelope or note is malformed
  | 'Wrap' // HPKE could not wrap the key for this public key
  | 'Unwrap' // the wrapped key is for someone else / another item, or altered
  | 'Open' // the ciphertext does not open with this data key
  | 'Commitment' // the decrypted record does not match the envelope's commitment
  | 'TooLong' // the sealed text exceeds the contract's bound
  | 'KeyFile' // a key file (or stored key) is malformed or inconsistent
  | 'WrongPassphrase'; // the key store's passphrase is wrong

const MESSAGES: Record<CryptoErrorKind, string> = {
  Malformed: 'malformed key, envelope or sealed text',
  Wrap: 'could not wrap the key for this public key',
  Unwrap: 'the wrapped key does not open with this key (another reader, another item, or altered)',
  Open: 'the ciphertext does not open with this data key (wrong key or altered)',
  Commitment: 'the decrypted record does not match its commitment (altered)',
  TooLong: 'the sealed text is longer than the contract accepts',
  KeyFile: 'invalid key file',
  WrongPassphrase: 'wrong passphrase',
};

export class CryptoError extends Error {
  readonly kind: CryptoErrorKind;
  /** For `TooLong`: the sealed length in bytes. */
  readonly len?: number;
  /** For `TooLong`: the contract's bound. */
  readonly max?: number;

  constructor(kind: CryptoErrorKind, detail?: string, bounds?: { len: number; max: number }) {
    let msg = MESSAGES[kind];
    if (bounds) msg += ` (${bounds.len} bytes, at most ${bounds.max})`;
    if (detail) msg += `: ${detail}`;
    super(msg);
    this.name = 'CryptoError';
    this.kind = kind;
    if (bounds) {
      this.len = bounds.len;
      this.max = bounds.max;
    }
  }
}

function tooLong(len: number, max: number): CryptoError {
  return new CryptoError('TooLong', undefined, { len, max });
}

// ---------------------------------------------------------------------------
// Keys

/** What a wrapped key opens; mirrors `records::Sealed`. */
export type Sealed =
  | { kind: 'Profile' }
  | { kind: 'Record'; id: number }
  | { kind: 'Medication'; id: number }
  | { kind: 'Card' };

/** An account's encryption key pair (X25519), separate from its signing key. */
export interface EncryptionKeys {
  /** The RFC 9180 DeriveKeyPair input; keep it like a password. */
  readonly seed: Bytes;
  /** The public key (32 bytes), as published with `registry.publish_encryption_key`. */
  readonly publicKey: Bytes;
  /** The private key, in the form the HPKE library uses. */
  readonly privateKey: CryptoKey;
}

const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Chacha20Poly1305(),
});

/**
 * The HPKE library imports keys through Web Crypto (`crypto.subtle`), which
 * browsers offer only in a secure context: https, or http from localhost /
 * 127.0.0.1. Fail with a message that says so instead of a library error.
 */
function needWebCrypto(): void {
  if (!globalThis.crypto?.subtle) {
    throw new Error('Web Crypto (crypto.subtle) is not available: serve the app over https or from localhost');
  }
}

function blake2b256(...parts: Bytes[]): Bytes {
  return blake2b(concat(...parts), { dkLen: 32 });
}

/** Derives the pair from a seed (RFC 9180 DeriveKeyPair; use 32 random bytes). */
export async function keysFromSeed(seed: Bytes): Promise<EncryptionKeys> {
  needWebCrypto();
  const s = Uint8Array.from(seed);
  let pair: CryptoKeyPair;
  try {
    pair = await suite.kem.deriveKeyPair(s);
  } catch (e) {
    throw new CryptoError('Malformed', `cannot derive a key pair from this seed (${String(e)})`);
  }
  const publicKey = new Uint8Array(await suite.kem.serializePublicKey(pair.publicKey));
  return Object.freeze({ seed: s, publicKey, privateKey: pair.privateKey });
}

/** A new random pair. */
export async function generateKeys(): Promise<EncryptionKeys> {
  return keysFromSeed(randomBytes(32));
}

/**
 * The pair of a development account (`//Alice`, `//Bob`, …), derived from
 * its secret URI: seed = blake2b-256("smrms/dev-encryption-key/v1" || suri).
 * Never for real accounts: anyone who knows the URI has the key.
 */
export async function devAccountKeys(suri: string): Promise<EncryptionKeys> {
  return keysFromSeed(blake2b256(utf8('smrms/dev-encryption-key/v1'), utf8(suri)));
}

/** A fresh symmetric key for one record, one profile version or one medication. */
export function newDataKey(): Bytes {
  return randomBytes(32);
}

function check32(what: string, b: Bytes): void {
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    throw new RangeError(`${what} must be 32 bytes`);
  }
}

/**
 * The HPKE `info` binding a wrapped key to one patient, item and reader:
 * `smrms/wrap/v1` ‖ patient ‖ item ‖ reader, where item is 0 (profile),
 * 1 ‖ u32 LE id (record), 2 ‖ u32 LE id (medication) or 3 (emergency card).
 */
export function wrapInfo(patient: Bytes, object: Sealed, recipient: Bytes): Bytes {
  check32('patient', patient);
  check32('recipient', recipient);
  let item: Bytes;
  switch (object.kind) {
    case 'Profile':
      item = Uint8Array.of(0);
      break;
    case 'Record':
      item = concat(Uint8Array.of(1), u32le(object.id));
      break;
    case 'Medication':
      item = concat(Uint8Array.of(2), u32le(object.id));
      break;
    case 'Card':
      // the emergency card (one per patient, no id): the next item tag
      item = Uint8Array.of(3);
      break;
  }
  return concat(utf8('smrms/wrap/v1'), patient, item, recipient);
}

/** Wraps `dataKey` for the holder of `recipientPublic` (80 bytes, for `records.share_key`). */
export async function wrapKey(recipientPublic: Bytes, dataKey: Bytes, info: Bytes): Promise<Bytes> {
  check32('data key', dataKey);
  needWebCrypto();
  if (recipientPublic.length !== 32) throw new CryptoError('Malformed', 'a public key is 32 bytes');
  let pk: CryptoKey;
  try {
    pk = await suite.kem.deserializePublicKey(Uint8Array.from(recipientPublic));
  } catch {
    throw new CryptoError('Malformed', 'not an X25519 public key');
  }
  try {
    const { enc, ct } = await suite.seal({ recipientPublicKey: pk, info: Uint8Array.from(info) }, Uint8Array.from(dataKey));
    return concat(new Uint8Array(enc), new Uint8Array(ct));
  } catch (e) {
    throw new CryptoError('Wrap', String(e));
  }
}

/** Opens a wrapped key with the reader's private key. */
export async function unwrapKey(keys: EncryptionKeys, wrapped: Bytes, info: Bytes): Promise<Bytes> {
  if (wrapped.length !== WRAPPED_KEY_LEN) throw new CryptoError('Malformed', `a wrapped key is ${WRAPPED_KEY_LEN} bytes`);
  needWebCrypto();
  let pt: ArrayBuffer;
  try {
    pt = await suite.open(
      { recipientKey: keys.privateKey, enc: wrapped.slice(0, 32), info: Uint8Array.from(info) },
      wrapped.slice(32),
    );
  } catch {
    throw new CryptoError('Unwrap');
  }
  if (pt.byteLength !== 32) throw new CryptoError('Unwrap');
  return new Uint8Array(pt);
}

// ---------------------------------------------------------------------------
// Symmetric sealing

/** XChaCha20-Poly1305 encryption (for this module and card.ts; not exported by index.ts). */
export function seal(key: Bytes, nonce: Bytes, aad: Bytes, pt: Bytes): Bytes {
  check32('data key', key);
  return xchacha20poly1305(key, nonce, aad).encrypt(pt);
}

/** Decrypts or throws `Open` (for this module and card.ts). */
export function open(key: Bytes, nonce: Bytes, aad: Bytes, ct: Bytes): Bytes {
  check32('data key', key);
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(ct);
  } catch {
    throw new CryptoError('Open');
  }
}

/** Text from UTF-8, or `Malformed`. */
function utf8Text(b: Bytes): string {
  try {
    return fromUtf8(b);
  } catch {
    throw new CryptoError('Malformed', 'not UTF-8');
  }
}

const RECORD_AAD = utf8('smrms/record/v1');
const PROFILE_AAD_V1 = utf8('smrms/profile/v1');
const PROFILE_AAD_V2 = utf8('smrms/profile/v2');

/** The salted commitment to a record's plaintext (32 bytes). */
export function commitment(salt: Bytes, title: string, body: string): Bytes {
  const t = utf8(title);
  return blake2b256(utf8('smrms/commit/v1'), salt, u64le(t.length), t, utf8(body));
}

/** A record as the data key's holders see it. */
export interface OpenedRecord {
  title: string;
  body: string;
  /** The commitment's salt (16 bytes; reveal it with title and body to prove them). */
  salt: Bytes;
}

/**
 * Seals a record: returns the body to store (the envelope, which the
 * chain's content hash covers). Store it with the title `SEALED_TITLE`.
 * `maxLen` is the records contract's body bound (default `MAX_BODY_LEN`).
 */
export function sealRecord(dataKey: Bytes, title: string, body: string, maxLen: number = MAX_BODY_LEN): string {
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const t = utf8(title);
  const pt = concat(salt, u64le(t.length), t, utf8(body));
  const ct = seal(dataKey, nonce, RECORD_AAD, pt);
  const envelope = `${ENVELOPE_PREFIX}${b64encode(concat(nonce, ct))}.${hex(commitment(salt, title, body))}`;
  if (envelope.length > maxLen) throw tooLong(envelope.length, maxLen);
  return envelope;
}

function splitEnvelope(envelope: string): { sealed: Bytes; commitment: Bytes } {
  if (!envelope.startsWith(ENVELOPE_PREFIX)) throw new CryptoError('Malformed', `no ${ENVELOPE_PREFIX} prefix`);
  const rest = envelope.slice(ENVELOPE_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot < 0) throw new CryptoError('Malformed', 'no commitment');
  const sealed = b64decode(rest.slice(0, dot));
  const c = unhex(rest.slice(dot + 1), 32);
  if (!sealed || !c || sealed.length < 24 + 16) throw new CryptoError('Malformed');
  return { sealed, commitment: c };
}

/** The commitment an envelope carries (readable without any key). */
export function envelopeCommitment(envelope: string): Bytes {
  return splitEnvelope(envelope).commitment;
}

/**
 * Opens a sealed record and checks it against its commitment: `Open` if the
 * ciphertext was altered (or the key is wrong), `Commitment` if the content
 * does not match the commitment.
 */
export function openRecord(dataKey: Bytes, envelope: string): OpenedRecord {
  const { sealed, commitment: c } = splitEnvelope(envelope);
  const pt = open(dataKey, sealed.subarray(0, 24), RECORD_AAD, sealed.subarray(24));
  if (pt.length < 24) throw new CryptoError('Malformed', 'record plaintext too short');
  const salt = pt.slice(0, 16);
  const titleLen = new DataView(pt.buffer, pt.byteOffset + 16, 8).getBigUint64(0, true);
  const rest = pt.subarray(24);
  if (titleLen > BigInt(rest.length)) throw new CryptoError('Malformed', 'title length');
  const n = Number(titleLen);
  const opened = { title: utf8Text(rest.subarray(0, n)), body: utf8Text(rest.subarray(n)), salt };
  if (!equal(commitment(opened.salt, opened.title, opened.body), c)) throw new CryptoError('Commitment');
  return opened;
}

/**
 * A verifier's check of a revealed record (title, body, salt) against an
 * envelope, with no key: true if they are what the envelope committed to.
 */
export function prove(envelope: string, title: string, body: string, salt: Bytes): boolean {
  let c: Bytes;
  try {
    c = envelopeCommitment(envelope);
  } catch {
    return false;
  }
  return salt.length === 16 && equal(c, commitment(salt, title, body));
}

// ---------------------------------------------------------------------------
// Padding (client/src/crypto.rs, "Padding"; docs/encryption.md)
//
// The version 2 formats (`e2:`, `n2:`) pad the plaintext ISO/IEC 7816-4
// style: the text, one 0x80 byte, zeros up to the bucket. The bucket is the
// smallest of PAD_BUCKETS below the item's capacity that holds the text and
// the marker, else the capacity: the largest padded length whose sealed form
// fits the contract's bound. So the sealed length tells only the bucket.
//
//   bound 64 (short fields)   16, 29
//   bound 128 (names)         16, 32, 64, 77
//   bound 512 (long fields)   16, 32, 64, 128, 256, 365
//   bound 512 (notes)         16, 32, 64, 128, 179

/** The padded lengths (bytes) below an item's capacity. */
export const PAD_BUCKETS: readonly number[] = Object.freeze([16, 32, 64, 128, 256, 512]);

/** Length of `n` bytes in base64 without padding. */
export const b64Len = (n: number): number => Math.ceil((4 * n) / 3);
/** The most bytes whose base64 (no padding) fits in `chars` characters. */
export const b64Fits = (chars: number): number => Math.floor((3 * chars) / 4);

const fieldSealedLen = (padded: number): number => FIELD_PREFIX.length + b64Len(padded + 16);
/** Characters of a note besides its ciphertext: `n2:`, two wrapped keys, two dots. */
const NOTE_OVERHEAD = NOTE_PREFIX.length + 2 * (b64Len(WRAPPED_KEY_LEN) + 1);
const noteSealedLen = (padded: number): number => NOTE_OVERHEAD + b64Len(24 + padded + 16);

/** The largest padded length of a field whose sealed form fits `max`. */
export function fieldCapacity(max: number): number {
  return Math.max(0, b64Fits(Math.max(0, max - FIELD_PREFIX.length)) - 16);
}

/** The largest padded length of a note whose sealed form fits `max`. */
export function noteCapacity(max: number): number {
  return Math.max(0, b64Fits(Math.max(0, max - NOTE_OVERHEAD)) - 24 - 16);
}

/**
 * The padded length for a text of `len` bytes in an item whose largest
 * padded length is `capacity`; null if the text does not fit.
 */
export function padBucket(len: number, capacity: number): number | null {
  const need = len + 1;
  if (need > capacity) return null;
  return PAD_BUCKETS.find((b) => b >= need && b < capacity) ?? capacity;
}

/** The length `sealField` gives a text of `len` UTF-8 bytes (0 if empty); null if too long. */
export function sealedFieldLen(len: number, max: number): number | null {
  if (len === 0) return 0;
  const b = padBucket(len, fieldCapacity(max));
  return b === null ? null : fieldSealedLen(b);
}

/** The length `sealNote` gives a text of `len` UTF-8 bytes (0 if empty); null if too long. */
export function sealedNoteLen(len: number, max: number): number | null {
  if (len === 0) return 0;
  const b = padBucket(len, noteCapacity(max));
  return b === null ? null : noteSealedLen(b);
}

/**
 * The longest appointment text (UTF-8 bytes) that still seals within the
 * appointments contract's 512-byte bound: its largest bucket (179) less the
 * padding marker.
 */
export const MAX_NOTE_PLAINTEXT = noteCapacity(MAX_TEXT_LEN) - 1;

/** `text` ‖ 0x80 ‖ zeros, `to` bytes in all. */
export function pad(text: Bytes, to: number): Bytes {
  const out = new Uint8Array(to);
  out.set(text);
  out[text.length] = 0x80;
  return out;
}

/** Removes `pad`'s padding, or throws `Malformed`. */
export function unpad(padded: Bytes): Bytes {
  let i = padded.length - 1;
  while (i >= 0 && padded[i] === 0) i--;
  if (i < 0 || padded[i] !== 0x80) throw new CryptoError('Malformed', 'bad padding');
  return padded.subarray(0, i);
}

function fieldNonce(index: number): Bytes {
  if (!Number.isInteger(index) || index < 0 || index > 255) throw new RangeError(`field index ${index} is not a u8`);
  const n = new Uint8Array(24);
  n[0] = index;
  return n;
}

/**
 * Seals one profile or medication field (field number `index`, the nonce)
 * under the item's data key, padded to the field's bucket: `e2:`
 * base64(ciphertext of text ‖ 0x80 ‖ zeros, AAD `smrms/profile/v2`). Empty
 * text stays empty. `max` is the contract's bound for that field (`TooLong`
 * if the text exceeds the field's largest bucket).
 */
export function sealField(dataKey: Bytes, index: number, plaintext: string, max: number): string {
  if (plaintext === '') return '';
  const text = utf8(plaintext);
  const bucket = padBucket(text.length, fieldCapacity(max));
  if (bucket === null) throw tooLong(fieldSealedLen(text.length + 1), max);
  const ct = seal(dataKey, fieldNonce(index), PROFILE_AAD_V2, pad(text, bucket));
  const sealed = `${FIELD_PREFIX}${b64encode(ct)}`;
  if (sealed.length > max) throw tooLong(sealed.length, max);
  return sealed;
}

/** Opens a sealed field, padded (`e2:`) or of the old unpadded format (`e1:`); empty stays empty. */
export function openField(dataKey: Bytes, index: number, sealed: string): string {
  if (sealed === '') return '';
  let padded: boolean;
  if (sealed.startsWith(FIELD_PREFIX)) padded = true;
  else if (sealed.startsWith(FIELD_PREFIX_V1)) padded = false;
  else throw new CryptoError('Malformed', `no ${FIELD_PREFIX} prefix`);
  const ct = b64decode(sealed.slice((padded ? FIELD_PREFIX : FIELD_PREFIX_V1).length));
  if (!ct) throw new CryptoError('Malformed', 'not base64');
  const nonce = fieldNonce(index);
  const pt = open(dataKey, nonce, padded ? PROFILE_AAD_V2 : PROFILE_AAD_V1, ct);
  return utf8Text(padded ? unpad(pt) : pt);
}

/** Whether `text` is a sealed note of either version (else plaintext stored by another client, or empty). */
export function isSealedNote(text: string): boolean {
  return text.startsWith(NOTE_PREFIX) || text.startsWith(NOTE_PREFIX_V1);
}

/** AEAD associated data of a note (version 1 or 2); with the reader appended, its wrapped keys' HPKE `info`. */
function noteContext(version: 1 | 2, patient: Bytes, doctor: Bytes): Bytes {
  check32('patient', patient);
  check32('doctor', doctor);
  return concat(utf8(`smrms/note/v${version}`), patient, doctor);
}

function noteInfo(version: 1 | 2, patient: Bytes, doctor: Bytes, reader: Bytes): Bytes {
  return concat(noteContext(version, patient, doctor), reader);
}

/**
 * Seals an appointment text for its two participants, self-contained:
 * `n2:<wrapped for the patient>.<wrapped for the doctor>.<nonce‖ciphertext>`
 * (base64) under a fresh data key, bound to the (patient, doctor) pair
 * (context `smrms/note/v2`); the text is padded to its bucket like a field.
 * Empty text stays empty. `max` is the contract's bound (`MAX_TEXT_LEN`).
 */
export async function sealNote(
  patient: Bytes,
  patientPublic: Bytes,
  doctor: Bytes,
  doctorPublic: Bytes,
  text: string,
  max: number,
): Promise<string> {
  if (text === '') return '';
  const bytes = utf8(text);
  const bucket = padBucket(bytes.length, noteCapacity(max));
  if (bucket === null) throw tooLong(noteSealedLen(bytes.length + 1), max);
  const key = newDataKey();
  const forPatient = await wrapKey(patientPublic, key, noteInfo(2, patient, doctor, patient));
  const forDoctor = await wrapKey(doctorPublic, key, noteInfo(2, patient, doctor, doctor));
  const nonce = randomBytes(24);
  const ct = seal(key, nonce, noteContext(2, patient, doctor), pad(bytes, bucket));
  const note = `${NOTE_PREFIX}${b64encode(forPatient)}.${b64encode(forDoctor)}.${b64encode(concat(nonce, ct))}`;
  if (note.length > max) throw tooLong(note.length, max);
  return note;
}

/**
 * Opens an appointment text sealed by `sealNote` (`n2:`, or the old unpadded
 * `n1:`) with the private key of `reader`, who must be the appointment's
 * patient or doctor (else `Unwrap`).
 */
export async function openNote(
  keys: EncryptionKeys,
  patient: Bytes,
  doctor: Bytes,
  reader: Bytes,
  note: string,
): Promise<string> {
  if (note === '') return '';
  let version: 1 | 2;
  if (note.startsWith(NOTE_PREFIX)) version = 2;
  else if (note.startsWith(NOTE_PREFIX_V1)) version = 1;
  else throw new CryptoError('Malformed', `no ${NOTE_PREFIX} prefix`);
  const parts = note.slice((version === 2 ? NOTE_PREFIX : NOTE_PREFIX_V1).length).split('.');
  if (parts.length !== 3) throw new CryptoError('Malformed', 'a note has three parts');
  const [forPatient, forDoctor, sealedPart] = parts as [string, string, string];
  let wrappedText: string;
  if (equal(reader, patient)) wrappedText = forPatient;
  else if (equal(reader, doctor)) wrappedText = forDoctor;
  else throw new CryptoError('Unwrap', 'the reader is neither the patient nor the doctor');
  const wrapped = b64decode(wrappedText);
  if (!wrapped) throw new CryptoError('Malformed', 'not base64');
  const key = await unwrapKey(keys, wrapped, noteInfo(version, patient, doctor, reader));
  const sealed = b64decode(sealedPart);
  if (!sealed || sealed.length < 24 + 16) throw new CryptoError('Malformed');
  const pt = open(key, sealed.subarray(0, 24), noteContext(version, patient, doctor), sealed.subarray(24));
  return utf8Text(version === 2 ? unpad(pt) : pt);
}
