// @vitest-environment node
import { describe, expect, test } from 'vitest';
import { b64decode, b64encode, concat, hex, randomBytes, unhex, utf8 } from './bytes';
import { CARD_PREFIX, emptyCard, sealCard } from './card';
import {
  CryptoError, ENVELOPE_PREFIX, FIELD_PREFIX, FIELD_PREFIX_V1, MAX_BODY_LEN, MAX_NOTE_PLAINTEXT, MAX_TEXT_LEN, MEDICATION_FIELDS,
  NOTE_PREFIX, NOTE_PREFIX_V1, PROFILE_FIELDS, WRAPPED_KEY_LEN, generateKeys, newDataKey, openField, openNote, openRecord, sealField,
  sealNote, sealRecord,
} from './core';
import { ONCHAIN_MARK, ONCHAIN_TAGS, fromChain, toChain } from './onchain';

const PATIENT = new Uint8Array(32).fill(1);
const DOCTOR = new Uint8Array(32).fill(2);

function kindOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return e instanceof CryptoError ? e.kind : `other: ${String(e)}`; }
  return undefined;
}

/** Checks the codec's rule on `text` and returns its stored bytes. */
function roundTrip(text: string): Uint8Array {
  const bytes = toChain(text);
  expect(fromChain(bytes), text.slice(0, 40)).toBe(text);
  return bytes;
}

const tagOf = (b: Uint8Array) => (b[0] === ONCHAIN_MARK ? b[1] : null);
const x = (n: number, fill = 7) => new Uint8Array(n).fill(fill);

describe('the on-chain bytes codec (client/src/onchain.rs)', () => {
  test('a record envelope: 0xFF 0x01 ‖ nonce‖ciphertext ‖ commitment', () => {
    const k = newDataKey();
    const envelope = sealRecord(k, 'Diagnosis', 'Type 2 diabetes');
    const b = roundTrip(envelope);
    const [sealed, commitment] = envelope.slice(ENVELOPE_PREFIX.length).split('.') as [string, string];
    expect(b).toEqual(concat(Uint8Array.of(0xff, 0x01), b64decode(sealed)!, unhex(commitment)!));
    expect(b.length).toBeLessThan(envelope.length);
    expect(openRecord(k, fromChain(b)).body).toBe('Type 2 diabetes');
  });

  test('fields: e2 -> 0xFF 0x02, e1 -> 0xFF 0x03, empty stays empty', () => {
    const k = newDataKey();
    const e2 = sealField(k, 0, 'Asha Verma', 128);
    const b = roundTrip(e2);
    expect(b).toEqual(concat(Uint8Array.of(0xff, 0x02), b64decode(e2.slice(FIELD_PREFIX.length))!));
    expect(openField(k, 0, fromChain(b))).toBe('Asha Verma');
    const e1 = `${FIELD_PREFIX_V1}${b64encode(randomBytes(27))}`;
    expect(roundTrip(e1)).toEqual(concat(Uint8Array.of(0xff, 0x03), b64decode(e1.slice(3))!));
    expect(sealField(k, 1, '', 64)).toBe('');
    expect(toChain('')).toEqual(new Uint8Array());
    expect(fromChain(new Uint8Array())).toBe('');
  });

  test('notes: n2 -> 0xFF 0x04, n1 -> 0xFF 0x05 (two 80-byte wrapped keys, then nonce‖ciphertext)', async () => {
    const pk = await generateKeys();
    const dk = await generateKeys();
    const n2 = await sealNote(PATIENT, pk.publicKey, DOCTOR, dk.publicKey, 'Chest pain', MAX_TEXT_LEN);
    const b = roundTrip(n2);
    const [w1, w2, sealed] = n2.slice(NOTE_PREFIX.length).split('.').map(s => b64decode(s)!) as [Uint8Array, Uint8Array, Uint8Array];
    expect(w1.length).toBe(WRAPPED_KEY_LEN);
    expect(b).toEqual(concat(Uint8Array.of(0xff, 0x04), w1, w2, sealed));
    expect(await openNote(dk, PATIENT, DOCTOR, DOCTOR, fromChain(b))).toBe('Chest pain');
    const n1 = `${NOTE_PREFIX_V1}${b64encode(x(80, 1))}.${b64encode(x(80, 2))}.${b64encode(x(50, 3))}`;
    expect(roundTrip(n1)).toEqual(concat(Uint8Array.of(0xff, 0x05), x(80, 1), x(80, 2), x(50, 3)));
  });

  test('the emergency card: c1 -> 0xFF 0x06', () => {
    const card = sealCard(newDataKey(), PATIENT, { ...emptyCard(), blood_group: 'O-' });
    expect(card.startsWith(CARD_PREFIX)).toBe(true);
    expect(roundTrip(card)).toEqual(concat(Uint8Array.of(0xff, 0x06), b64decode(card.slice(CARD_PREFIX.length))!));
    expect(ONCHAIN_TAGS.card).toBe(6);
  });

  test('plaintext and anything else is stored as its UTF-8 bytes', () => {
    for (const t of ['sealed', 'Asha Verma', 'Befund: Röntgen 🩻 骨折なし', 'e2:hello world', 'e2', 'n2:', 'c1:x y', 'smrms-enc1:', '0xff02', ' e2:AAAA', '\u{feff}e2:AAAA', 'E2:AAAA', '\0']) {
      expect(roundTrip(t), t).toEqual(utf8(t));
    }
  });

  test('non-canonical base64 (padding, whitespace, stray bits, URL alphabet) and other near misses stay text', () => {
    const w = b64encode(x(80));
    const cases = [
      'e2:AB', // non-zero trailing bits
      'e2:AAAA=', 'e2:AA==', // padding
      'e2:AAAA\n', 'e2:AA AA', // whitespace
      'e2:A', // impossible length
      'e2:-_-_', // URL-safe alphabet
      'c1:AAA=',
      `${ENVELOPE_PREFIX}AAAA`, // no commitment
      `${ENVELOPE_PREFIX}AAAA.${'ab'.repeat(31)}`, // short commitment
      `${ENVELOPE_PREFIX}AAAA.${'AB'.repeat(32)}`, // upper-case hex
      `${ENVELOPE_PREFIX}AAAA.${'ab'.repeat(32)}.`, // a second dot
      `${ENVELOPE_PREFIX}AB.${'ab'.repeat(32)}`,
      `${NOTE_PREFIX}${w}.${w}`, // two parts
      `${NOTE_PREFIX}${w}.${w}.AAAA.AAAA`, // four parts
      `${NOTE_PREFIX}${b64encode(x(79))}.${w}.AAAA`, // a 79-byte wrapped key
      `${NOTE_PREFIX}${w}.${b64encode(x(81))}.AAAA`,
      `${NOTE_PREFIX_V1}${w}.${w}.AB`,
    ];
    for (const t of cases) expect(roundTrip(t), t).toEqual(utf8(t));
  });

  test('the shortest well-formed bodies still round trip', () => {
    expect(roundTrip('e2:')).toEqual(Uint8Array.of(0xff, 0x02));
    expect(roundTrip(`${ENVELOPE_PREFIX}.${'0'.repeat(64)}`)).toEqual(concat(Uint8Array.of(0xff, 0x01), x(32, 0)));
    const w = b64encode(x(80));
    expect(roundTrip(`${NOTE_PREFIX}${w}.${w}.`)).toEqual(concat(Uint8Array.of(0xff, 0x04), x(160)));
  });

  test('what is neither a binary form nor UTF-8 throws Malformed', () => {
    for (const b of [
      [0xff], // the mark alone
      [0xff, 0x00], [0xff, 0x07], [0xff, 0xff, 1, 2], // unknown tags
      [0xff, 0x01, ...x(31)], // an envelope without its whole commitment
      [0xff, 0x04, ...x(159)], [0xff, 0x05], // a note without two wrapped keys
      [0xc3], [0x80], [0xed, 0xa0, 0x80], [0x61, 0xfe], // invalid UTF-8
    ]) {
      expect(kindOf(() => fromChain(Uint8Array.from(b))), hex(Uint8Array.from(b))).toBe('Malformed');
    }
    expect(() => fromChain(Uint8Array.of(0xff))).toThrow(/not UTF-8/);
  });

  test('every well-formed binary value comes back from its text (binary -> text -> binary)', () => {
    for (let i = 0; i < 300; i++) {
      const tag = 1 + (i % 6);
      const min = tag === 1 ? 32 : tag === 4 || tag === 5 ? 160 : 0;
      const b = concat(Uint8Array.of(0xff, tag), randomBytes(min + (i % 37)));
      const text = fromChain(b);
      expect(toChain(text), text).toEqual(b);
    }
  });

  test('round trip on many outputs of the sealing functions; the binary form is always shorter', async () => {
    const pk = await generateKeys();
    const dk = await generateKeys();
    const texts: string[] = [];
    const word = (n: number) => Array.from({ length: n }, (_, i) => 'aé🩺 x'[i % 5]).join('');
    for (let n = 0; n < 60; n++) {
      const k = newDataKey();
      for (const f of [...PROFILE_FIELDS, ...MEDICATION_FIELDS]) {
        const t = word(n % 20);
        try { texts.push(sealField(k, f.index, t, f.max)); } catch { /* too long for the field */ }
      }
      texts.push(sealRecord(k, word(n), word(3 * n)));
      texts.push(sealCard(k, PATIENT, { ...emptyCard(), allergies: word(5 * n) }));
    }
    for (const n of [1, 15, 16, 40, 100, MAX_NOTE_PLAINTEXT]) {
      texts.push(await sealNote(PATIENT, pk.publicKey, DOCTOR, dk.publicKey, 'x'.repeat(n), MAX_TEXT_LEN));
    }
    texts.push(sealRecord(newDataKey(), 'long', 'b'.repeat(5900), MAX_BODY_LEN));
    let binary = 0;
    for (const t of texts) {
      const b = roundTrip(t);
      if (t === '') { expect(b.length).toBe(0); continue; }
      expect(b[0], t.slice(0, 20)).toBe(0xff);
      expect(b.length).toBeLessThan(utf8(t).length);
      binary++;
    }
    expect(binary).toBeGreaterThan(500);
    expect(new Set(texts.filter(t => t).map(t => tagOf(toChain(t))))).toEqual(new Set([1, 2, 4, 6]));
  });

  test('random texts with the prefixes round trip whatever they are', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/.=-_ ';
    const prefixes = [ENVELOPE_PREFIX, FIELD_PREFIX, FIELD_PREFIX_V1, NOTE_PREFIX, NOTE_PREFIX_V1, CARD_PREFIX, ''];
    const r = randomBytes(4000);
    for (let i = 0; i < 1000; i++) {
      const len = r[i]! % 40;
      let t = prefixes[i % prefixes.length]!;
      for (let j = 0; j < len; j++) t += alphabet[r[(i + j * 7) % r.length]! % alphabet.length];
      roundTrip(t);
    }
  });
});
