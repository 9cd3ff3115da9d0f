// @vitest-environment node
import { describe, expect, test } from 'vitest';
import { b64decode, b64encode, concat, fromUtf8, randomBytes, utf8 } from './bytes';
import {
  CARD_BUCKETS, CARD_PREFIX, MAX_CARD_LEN, cardCapacity, cardJson, cardSealedLen, emptyCard, isEmptyCard, openCard,
  sealCard, sealedCardLen, type CardFields,
} from './card';
import { CryptoError, devAccountKeys, newDataKey, open, pad, seal, unwrapKey, wrapInfo, wrapKey } from './core';
import { toChain } from './onchain';

const PATIENT = new Uint8Array(32).fill(7);
const OTHER = new Uint8Array(32).fill(8);
const CUSTODIAN = new Uint8Array(32).fill(9);
const CARD: CardFields = {
  allergies: 'penicillin; shellfish',
  blood_group: 'AB negative',
  medications: 'Metformin XR 500 mg twice daily',
  conditions: 'Type 2 diabetes',
  emergency_contact: 'Rahul Verma, +91 80 5550 6677',
};
const AAD = (patient: Uint8Array) => concat(utf8('smrms/card/v1'), patient);

function kindOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return e instanceof CryptoError ? e.kind : `other: ${String(e)}`; }
  return undefined;
}

/** Seals any text as another writer would: `c1:` base64(nonce ‖ XChaCha20-Poly1305(text ‖ 0x80 ‖ zeros)). */
function sealRaw(k: Uint8Array, patient: Uint8Array, text: string, to = 256): string {
  const nonce = randomBytes(24);
  return `${CARD_PREFIX}${b64encode(concat(nonce, seal(k, nonce, AAD(patient), pad(utf8(text), to))))}`;
}

describe('the emergency card (client/src/crypto.rs seal_card / open_card)', () => {
  test('round trip; the plaintext is the compact JSON padded to a bucket, bound to its patient', () => {
    const k = newDataKey();
    const sealed = sealCard(k, PATIENT, CARD);
    expect(sealed.startsWith('c1:')).toBe(true);
    expect(sealed.length).toBe(cardSealedLen(256));
    expect(sealed.length).toBe(sealedCardLen(CARD));
    for (const v of Object.values(CARD)) expect(sealed).not.toContain(v);
    expect(openCard(k, PATIENT, sealed)).toEqual(CARD);
    expect(openCard(k, PATIENT, utf8(sealed))).toEqual(CARD); // as stored on chain before the binary form
    const stored = toChain(sealed); // as stored on chain now: 0xFF 0x06 ‖ nonce ‖ ciphertext
    expect([...stored.subarray(0, 2)]).toEqual([0xff, 0x06]);
    expect(stored.subarray(2)).toEqual(b64decode(sealed.slice(3)));
    expect(openCard(k, PATIENT, stored)).toEqual(CARD);
    // what is inside, opened by hand
    const raw = b64decode(sealed.slice(3))!;
    const pt = open(k, raw.subarray(0, 24), AAD(PATIENT), raw.subarray(24));
    expect(pt.length).toBe(256);
    const json = cardJson(CARD);
    expect(fromUtf8(pt.subarray(0, json.length))).toBe(json);
    expect(json).toBe('{"allergies":"penicillin; shellfish","blood_group":"AB negative","medications":"Metformin XR 500 mg twice daily","conditions":"Type 2 diabetes","emergency_contact":"Rahul Verma, +91 80 5550 6677"}');
    expect(pt[json.length]).toBe(0x80);
    expect(pt.subarray(json.length + 1).every(b => b === 0)).toBe(true);
    // another patient's card, or another key: it does not open
    expect(kindOf(() => openCard(k, OTHER, sealed))).toBe('Open');
    expect(kindOf(() => openCard(newDataKey(), PATIENT, sealed))).toBe('Open');
  });

  test('cards of different lengths in one bucket are sealed to the same length', () => {
    const a = sealCard(newDataKey(), PATIENT, { ...emptyCard(), blood_group: 'O+' });
    const b = sealCard(newDataKey(), PATIENT, CARD);
    expect(a.length).toBe(b.length);
    const c = sealCard(newDataKey(), PATIENT, { ...CARD, conditions: 'x'.repeat(300) });
    expect(c.length).toBe(cardSealedLen(512));
    const d = sealCard(newDataKey(), PATIENT, { ...CARD, conditions: 'x'.repeat(600) });
    expect(d.length).toBe(cardSealedLen(1024));
  });

  test('capacity: the largest card fits the contract bound; one byte more is refused', () => {
    expect(cardCapacity()).toBe(1493);
    expect(cardSealedLen(cardCapacity())).toBeLessThanOrEqual(MAX_CARD_LEN);
    expect(cardSealedLen(cardCapacity() + 1)).toBeGreaterThan(MAX_CARD_LEN);
    expect(CARD_BUCKETS.every(b => b < cardCapacity())).toBe(true);
    const fill = cardCapacity() - 1 - cardJson(emptyCard()).length;
    const biggest = { ...emptyCard(), conditions: 'c'.repeat(fill) };
    const k = newDataKey();
    const sealed = sealCard(k, PATIENT, biggest);
    expect(sealed.length).toBe(cardSealedLen(cardCapacity()));
    expect(openCard(k, PATIENT, sealed).conditions).toBe(biggest.conditions);
    const more = { ...biggest, conditions: `${biggest.conditions}c` };
    expect(kindOf(() => sealCard(k, PATIENT, more))).toBe('TooLong');
    expect(sealedCardLen(more)).toBeNull();
    // Unicode counts in UTF-8 bytes
    expect(sealedCardLen({ ...emptyCard(), allergies: '🥜'.repeat(400) })).toBeNull();
  });

  test('escapes survive: quotes, backslashes, new lines, control characters, NUL, non-Latin text', () => {
    const odd = { ...emptyCard(), conditions: 'a "b" \\ c\nd\r\n\te \u0001 耀\0', emergency_contact: '</script>' };
    const k = newDataKey();
    expect(openCard(k, PATIENT, sealCard(k, PATIENT, odd))).toEqual(odd);
  });

  test('opens a card another writer sealed: missing keys read as empty, unknown keys are ignored', () => {
    const k = newDataKey();
    expect(openCard(k, PATIENT, sealRaw(k, PATIENT, '{"blood_group":"B+","organ_donor":"yes"}'))).toEqual({ ...emptyCard(), blood_group: 'B+' });
    expect(openCard(k, PATIENT, sealRaw(k, PATIENT, ' { "allergies" : "none" } ', 512))).toEqual({ ...emptyCard(), allergies: 'none' });
  });

  test('refuses what is not a card', () => {
    const k = newDataKey();
    for (const text of ['allergies: none', '["a"]', '{"allergies":5}', '{"allergies":null}', '"text"']) {
      expect(kindOf(() => openCard(k, PATIENT, sealRaw(k, PATIENT, text))), text).toBe('Malformed');
    }
    // bad padding (no 0x80 marker)
    const nonce = randomBytes(24);
    const unpadded = `${CARD_PREFIX}${b64encode(concat(nonce, seal(k, nonce, AAD(PATIENT), new Uint8Array(256))))}`;
    expect(kindOf(() => openCard(k, PATIENT, unpadded))).toBe('Malformed');
    expect(kindOf(() => openCard(k, PATIENT, Uint8Array.of(0xff, 0xfe)))).toBe('Malformed');
    expect(kindOf(() => openCard(k, PATIENT, 'smrms-enc1:abc.def'))).toBe('Malformed');
    expect(kindOf(() => openCard(k, PATIENT, 'c1:!!'))).toBe('Malformed');
    expect(kindOf(() => openCard(k, PATIENT, 'c1:AAAA'))).toBe('Malformed');
    // altered
    const good = sealCard(k, PATIENT, CARD);
    const bad = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
    expect(kindOf(() => openCard(k, PATIENT, bad))).toMatch(/Open|Malformed/);
  });

  test('empty cards are recognised (the page refuses to store one)', () => {
    expect(isEmptyCard(emptyCard())).toBe(true);
    expect(isEmptyCard({ ...emptyCard(), allergies: '  ' })).toBe(true);
    expect(isEmptyCard({ ...emptyCard(), allergies: 'none known' })).toBe(false);
  });

  test("its key is wrapped with item tag 3, for the patient and the custodian, and opens only as the card's", async () => {
    const tag = utf8('smrms/wrap/v1');
    expect(wrapInfo(PATIENT, { kind: 'Card' }, CUSTODIAN)).toEqual(concat(tag, PATIENT, Uint8Array.of(3), CUSTODIAN));
    const custodian = await devAccountKeys('//Ferdie');
    const k = newDataKey();
    const info = wrapInfo(PATIENT, { kind: 'Card' }, CUSTODIAN);
    const wrapped = await wrapKey(custodian.publicKey, k, info);
    expect(await unwrapKey(custodian, wrapped, info)).toEqual(k);
    await expect(unwrapKey(custodian, wrapped, wrapInfo(PATIENT, { kind: 'Profile' }, CUSTODIAN))).rejects.toThrow(CryptoError);
    await expect(unwrapKey(custodian, wrapped, wrapInfo(PATIENT, { kind: 'Card' }, PATIENT))).rejects.toThrow(CryptoError);
  });
});
