// @vitest-environment node
// Mirrors the Rust unit tests in client/src/crypto.rs, plus fixed vectors
// from the Rust code so that key derivation is checked even without cargo.
import { describe, expect, test } from 'vitest';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { b64decode, b64encode, concat, hex, u32le, u64le, unhex, utf8 } from './bytes';
import {
  CryptoError,
  type CryptoErrorKind,
  ENVELOPE_PREFIX,
  FIELD_PREFIX,
  MAX_BODY_LEN,
  MAX_NAME_LEN,
  MAX_NOTE_PLAINTEXT,
  MAX_SHORT_LEN,
  MAX_TEXT_LEN,
  MAX_WRAPPED_KEY_LEN,
  MEDICATION_FIELDS,
  NOTE_PREFIX,
  PROFILE_FIELDS,
  SEALED_TITLE,
  WRAPPED_KEY_LEN,
  commitment,
  devAccountKeys,
  envelopeCommitment,
  generateKeys,
  keysFromSeed,
  newDataKey,
  openField,
  openNote,
  openRecord,
  prove,
  sealField,
  sealNote,
  sealRecord,
  unwrapKey,
  wrapInfo,
  wrapKey,
} from './core';
import { RFC9180_IKM_R, RFC9180_PK_R } from './interop-vectors';

const PATIENT = new Uint8Array(32).fill(1);
const DOCTOR = new Uint8Array(32).fill(2);
const STRANGER = new Uint8Array(32).fill(3);

function kindOf(f: () => unknown): CryptoErrorKind | 'ok' {
  try {
    f();
  } catch (e) {
    if (e instanceof CryptoError) return e.kind;
    throw e;
  }
  return 'ok';
}

async function asyncKindOf(f: () => Promise<unknown>): Promise<CryptoErrorKind | 'ok'> {
  try {
    await f();
  } catch (e) {
    if (e instanceof CryptoError) return e.kind;
    throw e;
  }
  return 'ok';
}

/** Replaces the character at `i` with another base64 character. */
function flipChar(s: string, i: number): string {
  return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
}

describe('constants mirror Rust', () => {
  test('prefixes and bounds', () => {
    expect([ENVELOPE_PREFIX, FIELD_PREFIX, NOTE_PREFIX, SEALED_TITLE]).toEqual(['smrms-enc1:', 'e1:', 'n1:', 'sealed']);
    expect([WRAPPED_KEY_LEN, MAX_NOTE_PLAINTEXT, MAX_BODY_LEN, MAX_WRAPPED_KEY_LEN]).toEqual([80, 179, 8192, 128]);
    expect([MAX_NAME_LEN, MAX_SHORT_LEN, MAX_TEXT_LEN]).toEqual([128, 64, 512]);
    expect(PROFILE_FIELDS.map((f) => [f.name, f.index, f.max])).toEqual([
      ['name', 0, 128],
      ['date_of_birth', 1, 64],
      ['gender', 2, 64],
      ['home_address', 3, 512],
      ['phone', 4, 64],
      ['blood_group', 5, 64],
      ['allergies', 6, 512],
      ['emergency_contact_name', 7, 128],
      ['emergency_contact_phone', 8, 64],
    ]);
    expect(MEDICATION_FIELDS.map((f) => [f.name, f.index, f.max])).toEqual([
      ['name', 0, 128],
      ['dose', 1, 64],
      ['frequency', 2, 64],
      ['notes', 3, 512],
    ]);
  });
  test('CryptoError is an Error with a kind', () => {
    const e = new CryptoError('TooLong', undefined, { len: 70, max: 64 });
    expect(e).toBeInstanceOf(Error);
    expect([e.kind, e.len, e.max, e.name]).toEqual(['TooLong', 70, 64, 'CryptoError']);
    expect(e.message).toMatch(/70 bytes, at most 64/);
  });
});

describe('key pairs', () => {
  test('RFC 9180 DeriveKeyPair as the Rust hpke crate (fixed vectors)', async () => {
    // RFC 9180 A.1: ikmR -> pkRm
    expect(hex((await keysFromSeed(unhex(RFC9180_IKM_R)!)).publicKey)).toBe(RFC9180_PK_R);
    // from `interop gen` (Rust EncryptionKeys::from_seed / for_dev_account)
    expect(hex((await keysFromSeed(new Uint8Array(32))).publicKey)).toBe(
      '70a736978971281065765948fb66006c898c25acd789169223ca7336cf62146f',
    );
    expect(hex((await keysFromSeed(Uint8Array.from({ length: 32 }, (_, i) => i))).publicKey)).toBe(
      'b1f1b840de7a3241b02748cf9b05b74dc8c5e8451298738817bd76aa8ebe8c2b',
    );
    const dev: [string, string][] = [
      ['//Alice', '329cdbbba828541d2178a2cea0869db284772d5c7b8f064521899ed16526b42d'],
      ['//Bob', '0e12233e73ca95f85fc2c937fb80be82b53164f081cb1a8b7fbb64a1a0166f09'],
      ['//Charlie', 'a676007c1d6cfaba1ee826b9b32c86db3e6a01c57d28369915d4f50463c08d4b'],
      ['//Dave', '9e39f3b01eb1e332d9d9cab37b93ab31021212644bed5311e9d7bc7003412475'],
    ];
    for (const [suri, pub] of dev) expect(hex((await devAccountKeys(suri)).publicKey), suri).toBe(pub);
  });

  test('dev keys are stable and distinct; generated keys differ', async () => {
    const a = (await devAccountKeys('//Bob')).publicKey;
    expect(a).toEqual((await devAccountKeys('//Bob')).publicKey);
    expect(a).not.toEqual((await devAccountKeys('//Charlie')).publicKey);
    const [g1, g2] = [await generateKeys(), await generateKeys()];
    expect(g1.publicKey).not.toEqual(g2.publicKey);
    expect(g1.seed.length).toBe(32);
    expect(a).not.toEqual(new Uint8Array(32));
  });
});

describe('wrapped keys', () => {
  test('wrap_info layout', () => {
    const tag = utf8('smrms/wrap/v1');
    expect(wrapInfo(PATIENT, { kind: 'Profile' }, DOCTOR)).toEqual(concat(tag, PATIENT, Uint8Array.of(0), DOCTOR));
    expect(wrapInfo(PATIENT, { kind: 'Record', id: 0x01020304 }, DOCTOR)).toEqual(
      concat(tag, PATIENT, Uint8Array.of(1, 4, 3, 2, 1), DOCTOR),
    );
    expect(wrapInfo(PATIENT, { kind: 'Medication', id: 5 }, DOCTOR)).toEqual(
      concat(tag, PATIENT, Uint8Array.of(2), u32le(5), DOCTOR),
    );
    expect(() => wrapInfo(PATIENT, { kind: 'Record', id: -1 }, DOCTOR)).toThrow(RangeError);
    expect(() => wrapInfo(PATIENT, { kind: 'Record', id: 2 ** 32 }, DOCTOR)).toThrow(RangeError);
    expect(() => wrapInfo(PATIENT.subarray(1), { kind: 'Profile' }, DOCTOR)).toThrow(RangeError);
  });

  test('a wrapped key opens only for its reader and item', async () => {
    const doctor = await devAccountKeys('//Charlie');
    const stranger = await devAccountKeys('//Ferdie');
    const k = newDataKey();
    const info = wrapInfo(PATIENT, { kind: 'Record', id: 0 }, DOCTOR);
    const wrapped = await wrapKey(doctor.publicKey, k, info);
    expect(wrapped.length).toBe(WRAPPED_KEY_LEN);
    expect(await unwrapKey(doctor, wrapped, info)).toEqual(k);
    expect(await asyncKindOf(() => unwrapKey(stranger, wrapped, info))).toBe('Unwrap');
    for (const other of [
      wrapInfo(PATIENT, { kind: 'Record', id: 1 }, DOCTOR),
      wrapInfo(PATIENT, { kind: 'Profile' }, DOCTOR),
      wrapInfo(PATIENT, { kind: 'Medication', id: 0 }, DOCTOR),
      wrapInfo(PATIENT, { kind: 'Record', id: 0 }, STRANGER),
      wrapInfo(STRANGER, { kind: 'Record', id: 0 }, DOCTOR),
    ]) {
      expect(await asyncKindOf(() => unwrapKey(doctor, wrapped, other))).toBe('Unwrap');
    }
    for (const i of [0, 31, 32, 50, 79]) {
      const bad = Uint8Array.from(wrapped);
      bad[i]! ^= 1;
      expect(await asyncKindOf(() => unwrapKey(doctor, bad, info)), `bit flipped in byte ${i}`).toBe('Unwrap');
    }
    expect(await asyncKindOf(() => unwrapKey(doctor, wrapped.subarray(0, 79), info))).toBe('Malformed');
    expect(await asyncKindOf(() => unwrapKey(doctor, concat(wrapped, Uint8Array.of(0)), info))).toBe('Malformed');
    expect(await wrapKey(doctor.publicKey, k, info)).not.toEqual(wrapped);
  });

  test('bad public keys: wrong length is Malformed, the zero key cannot be wrapped for', async () => {
    const k = newDataKey();
    expect(await asyncKindOf(() => wrapKey(new Uint8Array(31), k, new Uint8Array(0)))).toBe('Malformed');
    expect(await asyncKindOf(() => wrapKey(new Uint8Array(32), k, new Uint8Array(0)))).toBe('Wrap');
  });
});

describe('sealed records', () => {
  test('round trip hides the plaintext', () => {
    const k = newDataKey();
    const [title, body] = ['HIV test', 'positive; start ART, CD4 350'];
    const env = sealRecord(k, title, body);
    expect(env.startsWith(ENVELOPE_PREFIX)).toBe(true);
    for (const word of ['HIV', 'positive', 'ART', 'CD4']) expect(env).not.toContain(word);
    const opened = openRecord(k, env);
    expect([opened.title, opened.body]).toEqual([title, body]);
    expect(opened.salt.length).toBe(16);
    expect(kindOf(() => openRecord(newDataKey(), env))).toBe('Open');
    expect(sealRecord(k, title, body)).not.toBe(env);
  });

  test('layout: nonce || ct of salt, u64le(title bytes), title, body; commitment over the same', () => {
    const k = newDataKey();
    const [title, body] = ['Röntgen 🩻', 'Ünïcödé'];
    const env = sealRecord(k, title, body);
    const [b64, c] = env.slice(ENVELOPE_PREFIX.length).split('.') as [string, string];
    const sealed = b64decode(b64)!;
    const titleBytes = utf8(title).length;
    expect(sealed.length).toBe(24 + 16 + 8 + titleBytes + utf8(body).length + 16);
    const { salt } = openRecord(k, env);
    expect(c).toBe(hex(commitment(salt, title, body)));
    expect(envelopeCommitment(env)).toEqual(unhex(c));
    // the title length is bytes, not UTF-16 units: moving the split changes the commitment
    expect(commitment(salt, 'ab', 'c')).not.toEqual(commitment(salt, 'a', 'bc'));
  });

  test('tampering is caught by the cipher (Open) and by the commitment (Commitment)', () => {
    const k = newDataKey();
    const env = sealRecord(k, 'Diagnosis', 'Type 2 diabetes');
    expect(kindOf(() => openRecord(k, flipChar(env, ENVELOPE_PREFIX.length + 10)))).toBe('Open');
    const other = sealRecord(k, 'x', 'y');
    const forged = `${env.split('.')[0]}.${other.split('.')[1]}`;
    expect(kindOf(() => openRecord(k, forged))).toBe('Commitment');
    // a flipped commitment digit also fails the check
    const lastHex = env.length - 1;
    const flipped = env.slice(0, lastHex) + (env[lastHex] === '0' ? '1' : '0');
    expect(kindOf(() => openRecord(k, flipped))).toBe('Commitment');
    for (const bad of [
      'plain text',
      `${ENVELOPE_PREFIX}${env.slice(ENVELOPE_PREFIX.length).split('.')[0]}`,
      `${env.split('.')[0]}.abcd`,
      `${env}0`,
      `${ENVELOPE_PREFIX}${b64encode(new Uint8Array(39))}.${'00'.repeat(32)}`,
      `${ENVELOPE_PREFIX}${env.slice(ENVELOPE_PREFIX.length).replace('.', '=.')}`,
    ]) {
      expect(kindOf(() => openRecord(k, bad)), bad.slice(0, 40)).toBe('Malformed');
    }
  });

  test('a record is proven without the key', () => {
    const k = newDataKey();
    const env = sealRecord(k, 'Lab result', 'HbA1c 6.8 %');
    const { salt } = openRecord(k, env);
    expect(prove(env, 'Lab result', 'HbA1c 6.8 %', salt)).toBe(true);
    expect(prove(env, 'Lab result', 'HbA1c 5.8 %', salt)).toBe(false);
    expect(prove(env, 'Lab result', 'HbA1c 6.8 %', new Uint8Array(16))).toBe(false);
    expect(prove('garbage', 'Lab result', 'HbA1c 6.8 %', salt)).toBe(false);
  });

  test('largest sealed body fits and an oversized one is refused', () => {
    const k = newDataKey();
    expect(sealRecord(k, 't', 'b'.repeat(5900)).length).toBeLessThanOrEqual(MAX_BODY_LEN);
    let e: unknown;
    try {
      sealRecord(k, 't', 'b'.repeat(6500));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(CryptoError);
    expect((e as CryptoError).kind).toBe('TooLong');
    expect((e as CryptoError).max).toBe(MAX_BODY_LEN);
    expect(kindOf(() => sealRecord(k, 't', 'body', 100))).toBe('TooLong');
  });

  test('a plaintext that opens but is malformed inside (Rust checks the same)', () => {
    const k = newDataKey();
    const raw = (pt: Uint8Array) => {
      const nonce = new Uint8Array(24).fill(5);
      const ct = xchacha20poly1305(k, nonce, utf8('smrms/record/v1')).encrypt(pt);
      return `${ENVELOPE_PREFIX}${b64encode(concat(nonce, ct))}.${'00'.repeat(32)}`;
    };
    const salt = new Uint8Array(16);
    expect(kindOf(() => openRecord(k, raw(new Uint8Array(23))))).toBe('Malformed'); // < salt + length
    expect(kindOf(() => openRecord(k, raw(concat(salt, u64le(5), utf8('abcd')))))).toBe('Malformed'); // title past the end
    expect(kindOf(() => openRecord(k, raw(concat(salt, new Uint8Array(8).fill(0xff)))))).toBe('Malformed'); // huge u64
    expect(kindOf(() => openRecord(k, raw(concat(salt, u64le(1), Uint8Array.of(0xff)))))).toBe('Malformed'); // not UTF-8
    expect(kindOf(() => openRecord(k, raw(concat(salt, u64le(0), utf8('body')))))).toBe('Commitment');
  });

  test('empty title and body, and a leading BOM, survive', () => {
    const k = newDataKey();
    for (const [t, b] of [
      ['', ''],
      ['', 'x'],
      ['x', ''],
      ['\u{feff}t', '\u{feff}b'],
    ] as const) {
      const o = openRecord(k, sealRecord(k, t, b));
      expect([o.title, o.body]).toEqual([t, b]);
    }
  });
});

describe('sealed fields', () => {
  test('profile fields seal within the registry bounds', () => {
    const k = newDataKey();
    const fields: [number, string, number][] = [
      [0, 'Bob Kumar', MAX_NAME_LEN],
      [1, '1980-02-14', MAX_SHORT_LEN],
      [4, '+91 80 1234 5678', MAX_SHORT_LEN],
      [3, '12 MG Road, Bengaluru 560001', MAX_TEXT_LEN],
    ];
    for (const [i, pt, max] of fields) {
      const sealed = sealField(k, i, pt, max);
      expect(sealed.startsWith(FIELD_PREFIX)).toBe(true);
      expect(sealed.length).toBeLessThanOrEqual(max);
      expect(sealed).not.toContain(pt);
      expect(openField(k, i, sealed)).toBe(pt);
      expect(kindOf(() => openField(k, (i + 1) & 0xff, sealed)), 'bound to its field').toBe('Open');
      expect(kindOf(() => openField(newDataKey(), i, sealed))).toBe('Open');
    }
    expect(sealField(k, 0, '', MAX_SHORT_LEN)).toBe('');
    expect(openField(k, 0, '')).toBe('');
    expect(kindOf(() => sealField(k, 1, '9'.repeat(40), MAX_SHORT_LEN))).toBe('TooLong');
  });

  test('field nonce is [index, 0 x 23]: deterministic per key and index', () => {
    const k = newDataKey();
    expect(sealField(k, 2, 'same', 64)).toBe(sealField(k, 2, 'same', 64));
    expect(sealField(k, 2, 'same', 64)).not.toBe(sealField(k, 3, 'same', 64));
    expect(sealField(k, 255, 'x', 64)).not.toBe('');
    expect(() => sealField(k, 256, 'x', 64)).toThrow(RangeError);
  });

  test('bounds are in bytes: the longest field that fits, and one more byte', () => {
    const k = newDataKey();
    // e1: + base64(len + 16) <= 64  ->  len <= 29
    expect(sealField(k, 1, 'x'.repeat(29), MAX_SHORT_LEN).length).toBeLessThanOrEqual(MAX_SHORT_LEN);
    expect(kindOf(() => sealField(k, 1, 'x'.repeat(30), MAX_SHORT_LEN))).toBe('TooLong');
    expect(kindOf(() => sealField(k, 1, 'é'.repeat(15), MAX_SHORT_LEN))).toBe('TooLong'); // 30 bytes
  });

  test('malformed sealed fields', () => {
    const k = newDataKey();
    const sealed = sealField(k, 0, 'Bob', 64);
    expect(kindOf(() => openField(k, 0, sealed.slice(FIELD_PREFIX.length)))).toBe('Malformed');
    expect(kindOf(() => openField(k, 0, `${sealed}==`))).toBe('Malformed');
    expect(kindOf(() => openField(k, 0, flipChar(sealed, 5)))).toBe('Open');
  });
});

describe('appointment notes', () => {
  test('open for both participants only', async () => {
    const patient = await devAccountKeys('//Dave');
    const doctor = await devAccountKeys('//Eve');
    const stranger = await devAccountKeys('//Ferdie');
    const p = new Uint8Array(32).fill(7);
    const d = new Uint8Array(32).fill(8);
    const other = new Uint8Array(32).fill(9);
    const text = 'Chest pain on exertion; troponin pending';
    const note = await sealNote(p, patient.publicKey, d, doctor.publicKey, text, MAX_TEXT_LEN);
    expect(note.startsWith(NOTE_PREFIX)).toBe(true);
    expect(note).not.toContain('troponin');
    expect(note.split('.').length).toBe(3);
    expect(await openNote(patient, p, d, p, note)).toBe(text);
    expect(await openNote(doctor, p, d, d, note)).toBe(text);
    expect(await asyncKindOf(() => openNote(stranger, p, d, other, note))).toBe('Unwrap');
    expect(await asyncKindOf(() => openNote(stranger, p, d, d, note))).toBe('Unwrap');
    expect(await asyncKindOf(() => openNote(doctor, p, other, d, note))).toBe('Unwrap');
    expect(await asyncKindOf(() => openNote(patient, p, d, p, flipChar(note, note.length - 3)))).toBe('Open');
    expect(await asyncKindOf(() => openNote(patient, p, d, p, note.slice(NOTE_PREFIX.length)))).toBe('Malformed');
    expect(await asyncKindOf(() => openNote(patient, p, d, p, `${note}.x`))).toBe('Malformed');
    expect(await openNote(patient, p, d, p, '')).toBe('');
  });

  test('the documented bound is exact, in bytes', async () => {
    const patient = await devAccountKeys('//Dave');
    const doctor = await devAccountKeys('//Eve');
    const [p, d] = [PATIENT, DOCTOR];
    const seal = (t: string) => sealNote(p, patient.publicKey, d, doctor.publicKey, t, MAX_TEXT_LEN);
    expect((await seal('x'.repeat(MAX_NOTE_PLAINTEXT))).length).toBeLessThanOrEqual(MAX_TEXT_LEN);
    expect(await asyncKindOf(() => seal('x'.repeat(MAX_NOTE_PLAINTEXT + 1)))).toBe('TooLong');
    expect(await asyncKindOf(() => seal('é'.repeat(90)))).toBe('TooLong'); // 180 bytes
    expect(await seal('')).toBe('');
  });
});

describe('environment', () => {
  test('without Web Crypto (an insecure context) key operations say why they fail', async () => {
    const real = globalThis.crypto;
    Object.defineProperty(globalThis, 'crypto', {
      value: { getRandomValues: real.getRandomValues.bind(real) },
      configurable: true,
    });
    try {
      await expect(keysFromSeed(new Uint8Array(32))).rejects.toThrow(/https or from localhost/);
      await expect(wrapKey(new Uint8Array(32), newDataKey(), new Uint8Array(0))).rejects.toThrow(/https/);
      // the symmetric part needs no Web Crypto
      const k = newDataKey();
      expect(openField(k, 0, sealField(k, 0, 'x', 64))).toBe('x');
    } finally {
      Object.defineProperty(globalThis, 'crypto', { value: real, configurable: true });
    }
  });
});
