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
  FIELD_PREFIX_V1,
  MAX_BODY_LEN,
  MAX_NAME_LEN,
  MAX_NOTE_PLAINTEXT,
  MAX_SHORT_LEN,
  MAX_TEXT_LEN,
  MAX_WRAPPED_KEY_LEN,
  MEDICATION_FIELDS,
  NOTE_PREFIX,
  NOTE_PREFIX_V1,
  PAD_BUCKETS,
  PROFILE_FIELDS,
  SEALED_TITLE,
  WRAPPED_KEY_LEN,
  commitment,
  devAccountKeys,
  fieldCapacity,
  isSealedNote,
  noteCapacity,
  padBucket,
  sealedFieldLen,
  sealedNoteLen,
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
    expect([ENVELOPE_PREFIX, FIELD_PREFIX, NOTE_PREFIX, SEALED_TITLE]).toEqual(['smrms-enc1:', 'e2:', 'n2:', 'sealed']);
    expect([FIELD_PREFIX_V1, NOTE_PREFIX_V1]).toEqual(['e1:', 'n1:']);
    expect([WRAPPED_KEY_LEN, MAX_NOTE_PLAINTEXT, MAX_BODY_LEN, MAX_WRAPPED_KEY_LEN]).toEqual([80, 178, 8192, 128]);
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
    // e2: + base64(padded + 16) <= 64  ->  padded <= 29, text <= 28 (0x80 marker)
    expect(sealField(k, 1, 'x'.repeat(28), MAX_SHORT_LEN).length).toBe(63);
    expect(kindOf(() => sealField(k, 1, 'x'.repeat(29), MAX_SHORT_LEN))).toBe('TooLong');
    expect(kindOf(() => sealField(k, 1, 'é'.repeat(15), MAX_SHORT_LEN))).toBe('TooLong'); // 30 bytes
    expect(sealField(k, 1, 'é'.repeat(14), MAX_SHORT_LEN).length).toBe(63); // 28 bytes
    let err: unknown;
    try {
      sealField(k, 4, '9'.repeat(29), MAX_SHORT_LEN);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'TooLong', len: 65, max: 64 });
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
    expect((await seal('x'.repeat(MAX_NOTE_PLAINTEXT))).length).toBe(MAX_TEXT_LEN - 1);
    expect(await asyncKindOf(() => seal('x'.repeat(MAX_NOTE_PLAINTEXT + 1)))).toBe('TooLong');
    expect(await asyncKindOf(() => seal('é'.repeat(90)))).toBe('TooLong'); // 180 bytes
    await expect(seal('x'.repeat(179))).rejects.toMatchObject({ kind: 'TooLong', len: 513, max: 512 });
    expect(await seal('')).toBe('');
  });
});

// Sealed by the version 1 Rust code (before padding); client/src/crypto.rs
// opens the same strings. Data key [0x11; 32].
const LEGACY_FIELDS: [number, string, string][] = [
  [5, 'A+', 'e1:Y1yBfgIzdzYIV5yOTZqE+UUX'],
  [2, 'female', 'e1:42K02vn0udALDmHwfhk13EU8LfVb6g'],
  [0, 'Metformin', 'e1:XnJBGxP6fFJJ9EPYjBRE21tZGYDD+ISXXA'],
  [3, '12 MG Road, Bengaluru 560001', 'e1:GQ1+b6y6U5BPB8WBwAwMUBJYC6lcIB6Zb6V+wL4CmT3rUMDfhwIrpVSMp7Y'],
];
// A version 1 note: patient [7; 32] (key seed [0x21; 32]), doctor [8; 32] (seed [0x22; 32]).
const LEGACY_NOTE = {
  text: 'Chest pain on exertion; troponin pending',
  note:
    'n1:4NumehYa8rKKNCJmRDDqcdcd4X3foT1+Iwyg+9lkJATQXghsBhcVyLAfmEerVZWr23lHBNF5IBrkNtQXAXiwPlQ1PsIjbHYuxfceaMwRA7s.' +
    'k+6UJLH04SkdRv8jo7mD3C1WhAx1AJrieaBc83wX6EBGrtKwKD3WvxopRc1AJ3RqFsmkDJttpO7C1D1jSyRP5wUxds3/y/eZk0nobwErBs4.' +
    'XColr00YHCg3R6XO/TjYtFmdMU0UCLN+T3guEbR/yxinuHNSl7JeY86OWvPsW58Pv/C7ylI4qMyaBnQsnpESHDqpzZIGxFOj7St1pY9vHj0',
};

/** An `e2:` field of `padded` as is (no padding applied): for malformed padding. */
function rawPaddedField(key: Uint8Array, index: number, padded: Uint8Array): string {
  const nonce = new Uint8Array(24);
  nonce[0] = index;
  return FIELD_PREFIX + b64encode(xchacha20poly1305(key, nonce, utf8('smrms/profile/v2')).encrypt(padded));
}

/** An `n2:` note of `padded` as is, built from the format's description. */
async function rawPaddedNote(
  p: Uint8Array,
  pPub: Uint8Array,
  d: Uint8Array,
  dPub: Uint8Array,
  padded: Uint8Array,
): Promise<string> {
  const key = newDataKey();
  const context = concat(utf8('smrms/note/v2'), p, d);
  const wp = await wrapKey(pPub, key, concat(context, p));
  const wd = await wrapKey(dPub, key, concat(context, d));
  const nonce = new Uint8Array(24).fill(5);
  const ct = xchacha20poly1305(key, nonce, context).encrypt(padded);
  return `${NOTE_PREFIX}${b64encode(wp)}.${b64encode(wd)}.${b64encode(concat(nonce, ct))}`;
}

describe('padding', () => {
  test('bucket table (as in client/src/crypto.rs)', () => {
    expect([fieldCapacity(MAX_SHORT_LEN), fieldCapacity(MAX_NAME_LEN), fieldCapacity(MAX_TEXT_LEN)]).toEqual([29, 77, 365]);
    expect(noteCapacity(MAX_TEXT_LEN)).toBe(179);
    const table = (cap: number, len: (n: number) => number | null) =>
      [...PAD_BUCKETS.filter((b) => b < cap), cap].map((b) => [b, len(b - 1)]);
    const field = (max: number) => (n: number) => sealedFieldLen(n, max);
    expect(table(29, field(MAX_SHORT_LEN))).toEqual([
      [16, 46],
      [29, 63],
    ]);
    expect(table(77, field(MAX_NAME_LEN))).toEqual([
      [16, 46],
      [32, 67],
      [64, 110],
      [77, 127],
    ]);
    expect(table(365, field(MAX_TEXT_LEN))).toEqual([
      [16, 46],
      [32, 67],
      [64, 110],
      [128, 195],
      [256, 366],
      [365, 511],
    ]);
    expect(table(179, (n) => sealedNoteLen(n, MAX_TEXT_LEN))).toEqual([
      [16, 294],
      [32, 315],
      [64, 358],
      [128, 443],
      [179, 511],
    ]);
    expect([0, 15, 16, 28, 29].map((n) => padBucket(n, 29))).toEqual([16, 16, 29, 29, null]);
    expect([31, 32, 255, 256, 364, 365].map((n) => padBucket(n, 365))).toEqual([32, 64, 256, 365, 365, null]);
    expect(padBucket(3, 10)).toBe(10);
    expect([0, 2, 16, 29].map((n) => sealedFieldLen(n, MAX_SHORT_LEN))).toEqual([0, 46, 63, null]);
    expect([0, 3, 178, 179].map((n) => sealedNoteLen(n, MAX_TEXT_LEN))).toEqual([0, 294, 511, null]);
  });

  test('values in one bucket seal to one length', async () => {
    const k = newDataKey();
    const len = (i: number, t: string, max: number): number => {
      const s = sealField(k, i, t, max);
      expect(s.startsWith(FIELD_PREFIX)).toBe(true);
      expect(s.length).toBeLessThanOrEqual(max);
      expect(openField(k, i, s)).toBe(t);
      return s.length;
    };
    const blood = ['A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'].map((t) => len(5, t, MAX_SHORT_LEN));
    expect(new Set(blood)).toEqual(new Set([46]));
    expect(len(2, 'male', MAX_SHORT_LEN)).toBe(len(2, 'female', MAX_SHORT_LEN));
    expect(len(0, 'Metformin', MAX_NAME_LEN)).toBe(len(0, 'Atorvastatin', MAX_NAME_LEN));
    expect(len(1, '5 mg', MAX_SHORT_LEN)).toBe(len(1, '500 mg', MAX_SHORT_LEN));
    expect(len(6, 'p'.repeat(40), MAX_TEXT_LEN)).toBe(len(6, 'q'.repeat(63), MAX_TEXT_LEN));
    expect(len(6, 'p'.repeat(63), MAX_TEXT_LEN)).not.toBe(len(6, 'p'.repeat(64), MAX_TEXT_LEN));
    expect(len(4, '+91 80 1234 5678', MAX_SHORT_LEN)).toBe(63);

    const patient = await devAccountKeys('//Dave');
    const doctor = await devAccountKeys('//Eve');
    const [p, d] = [PATIENT, DOCTOR];
    const note = async (t: string) => {
      const n = await sealNote(p, patient.publicKey, d, doctor.publicKey, t, MAX_TEXT_LEN);
      expect(await openNote(doctor, p, d, d, n)).toBe(t);
      return n.length;
    };
    expect(await note('Flu')).toBe(await note('HIV follow-up'));
    expect(await note('Metformin 500 mg twice daily')).toBe(await note('Sertraline 50 mg'));
  });

  test('round trip at bucket edges and with NUL / 0x80 bytes at the end', async () => {
    const k = newDataKey();
    for (const t of ['a', 'x\0', '\0\0', '耀', 'a耀\0', 'Übelkeit — 头痛 🩺', 'y'.repeat(15), 'y'.repeat(16), 'z'.repeat(364)]) {
      expect(openField(k, 6, sealField(k, 6, t, MAX_TEXT_LEN))).toBe(t);
    }
    const patient = await devAccountKeys('//Dave');
    const doctor = await devAccountKeys('//Eve');
    for (const t of ['x\0', '耀', 'n'.repeat(127), 'n'.repeat(128), 'n'.repeat(MAX_NOTE_PLAINTEXT)]) {
      const n = await sealNote(PATIENT, patient.publicKey, DOCTOR, doctor.publicKey, t, MAX_TEXT_LEN);
      expect(await openNote(patient, PATIENT, DOCTOR, PATIENT, n)).toBe(t);
    }
  });

  test('old unpadded texts (made by the Rust code before padding) still open', async () => {
    const k = new Uint8Array(32).fill(0x11);
    for (const [i, text, sealed] of LEGACY_FIELDS) {
      expect(openField(k, i, sealed)).toBe(text);
      // relabelled as version 2: another AAD, so it does not open
      expect(kindOf(() => openField(k, i, FIELD_PREFIX + sealed.slice(3)))).toBe('Open');
    }
    const patient = await keysFromSeed(new Uint8Array(32).fill(0x21));
    const doctor = await keysFromSeed(new Uint8Array(32).fill(0x22));
    const p = new Uint8Array(32).fill(7);
    const d = new Uint8Array(32).fill(8);
    expect(isSealedNote(LEGACY_NOTE.note)).toBe(true);
    expect(await openNote(patient, p, d, p, LEGACY_NOTE.note)).toBe(LEGACY_NOTE.text);
    expect(await openNote(doctor, p, d, d, LEGACY_NOTE.note)).toBe(LEGACY_NOTE.text);
    expect(await asyncKindOf(() => openNote(doctor, p, d, d, NOTE_PREFIX + LEGACY_NOTE.note.slice(3)))).toBe('Unwrap');
    const fresh = await sealNote(p, patient.publicKey, d, doctor.publicKey, LEGACY_NOTE.text, MAX_TEXT_LEN);
    expect([isSealedNote(fresh), isSealedNote('plain note'), isSealedNote('')]).toEqual([true, false, false]);
    expect(await asyncKindOf(() => openNote(doctor, p, d, d, NOTE_PREFIX_V1 + fresh.slice(3)))).toBe('Unwrap');
  });

  test('corrupted padding is refused', async () => {
    const k = newDataKey();
    const ab = utf8('A+');
    const bad = [
      concat(ab, new Uint8Array(14)), // no marker
      concat(ab, Uint8Array.of(0x80), new Uint8Array(12), Uint8Array.of(1)), // non-zero after the marker
      concat(ab, Uint8Array.of(0x81), new Uint8Array(13)), // another marker byte
      new Uint8Array(16), // only zeros
      new Uint8Array(0), // nothing
    ];
    for (const padded of bad) expect(kindOf(() => openField(k, 5, rawPaddedField(k, 5, padded)))).toBe('Malformed');
    expect(openField(k, 5, rawPaddedField(k, 5, concat(ab, Uint8Array.of(0x80), new Uint8Array(13))))).toBe('A+');
    expect(kindOf(() => openField(k, 5, rawPaddedField(k, 5, Uint8Array.of(0xff, 0x80, 0))))).toBe('Malformed');

    const patient = await devAccountKeys('//Dave');
    const doctor = await devAccountKeys('//Eve');
    const [p, d] = [PATIENT, DOCTOR];
    for (const padded of bad) {
      const n = await rawPaddedNote(p, patient.publicKey, d, doctor.publicKey, padded);
      expect(await asyncKindOf(() => openNote(patient, p, d, p, n))).toBe('Malformed');
    }
    const good = await rawPaddedNote(p, patient.publicKey, d, doctor.publicKey, concat(utf8('ok'), Uint8Array.of(0x80), new Uint8Array(13)));
    expect(await openNote(doctor, p, d, d, good)).toBe('ok');
  });

  test('too-long texts are refused', () => {
    const k = newDataKey();
    expect(kindOf(() => sealField(k, 0, 'n'.repeat(77), MAX_NAME_LEN))).toBe('TooLong');
    expect(kindOf(() => sealField(k, 3, 'a'.repeat(365), MAX_TEXT_LEN))).toBe('TooLong');
    expect(kindOf(() => sealField(k, 3, 'a', 3))).toBe('TooLong');
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
