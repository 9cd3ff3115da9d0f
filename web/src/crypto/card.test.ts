// @vitest-environment node
import { describe, expect, test } from 'vitest';
import { concat, utf8 } from './bytes';
import {
  CARD_TITLE, CARD_BUCKETS, MAX_CARD_LEN, cardCapacity, cardEnvelopeLen, cardJson, emptyCard, isEmptyCard, openCard,
  sealCard, sealedCardLen, type CardFields,
} from './card';
import { CryptoError, devAccountKeys, newDataKey, openRecord, sealRecord, unwrapKey, wrapInfo, wrapKey } from './core';

const PATIENT = new Uint8Array(32).fill(7);
const CUSTODIAN = new Uint8Array(32).fill(9);
const CARD: CardFields = {
  allergies: 'penicillin; shellfish',
  blood_group: 'AB negative',
  medications: 'Metformin XR 500 mg twice daily',
  conditions: 'Type 2 diabetes',
  emergency_contact: 'Rahul Verma, +91 80 5550 6677',
};

function kindOf(f: () => unknown): string | undefined {
  try { f(); } catch (e) { return e instanceof CryptoError ? e.kind : `other: ${String(e)}`; }
  return undefined;
}

describe('the emergency card', () => {
  test('round trip, padded to a bucket; the JSON keys in their order', () => {
    const k = newDataKey();
    const env = sealCard(k, CARD);
    expect(env.startsWith('smrms-enc1:')).toBe(true);
    expect(env.length).toBe(cardEnvelopeLen(256));
    expect(env.length).toBe(sealedCardLen(CARD));
    const o = openCard(k, env);
    expect(o.fields).toEqual(CARD);
    expect(o.padded).toBe(256);
    // the same card opened as a record: the title names the format, the body is padded JSON
    const r = openRecord(k, env);
    expect(r.title).toBe(CARD_TITLE);
    expect(r.body.trimEnd()).toBe(cardJson(CARD));
    expect(r.body).toMatch(/^\{"allergies":.*"blood_group":.*"medications":.*"conditions":.*"emergency_contact":.*\} +$/);
    expect(JSON.parse(r.body)).toEqual(CARD);
    // stored as bytes on chain
    expect(openCard(k, utf8(env)).fields).toEqual(CARD);
  });

  test('cards of different lengths in one bucket are sealed to the same length', () => {
    const a = sealCard(newDataKey(), { ...emptyCard(), blood_group: 'O-' });
    const b = sealCard(newDataKey(), CARD);
    expect(a.length).toBe(b.length);
    const c = sealCard(newDataKey(), { ...CARD, conditions: 'x'.repeat(300) });
    expect(c.length).toBe(cardEnvelopeLen(512));
  });

  test('capacity: the largest card fills the contract bound exactly; one byte more is refused', () => {
    expect(cardCapacity()).toBe(1402);
    expect(cardEnvelopeLen(cardCapacity())).toBe(MAX_CARD_LEN);
    expect(CARD_BUCKETS.every(b => b < cardCapacity())).toBe(true);
    const fill = cardCapacity() - cardJson(emptyCard()).length;
    const biggest = { ...emptyCard(), conditions: 'c'.repeat(fill) };
    const k = newDataKey();
    const env = sealCard(k, biggest);
    expect(env.length).toBe(MAX_CARD_LEN);
    expect(openCard(k, env).fields.conditions).toBe(biggest.conditions);
    expect(kindOf(() => sealCard(k, { ...biggest, conditions: `${biggest.conditions}c` }))).toBe('TooLong');
    expect(sealedCardLen({ ...biggest, conditions: `${biggest.conditions}c` })).toBeNull();
    // Unicode counts in UTF-8 bytes
    expect(sealedCardLen({ ...emptyCard(), allergies: '🥜'.repeat(400) })).toBeNull();
  });

  test('escapes survive: quotes, backslashes, new lines, control characters, non-Latin text', () => {
    const odd = { ...emptyCard(), conditions: 'a "b" \\ c\nd\r\n\te \u0001 耀\0', emergency_contact: '</script>' };
    const k = newDataKey();
    expect(openCard(k, sealCard(k, odd)).fields).toEqual(odd);
  });

  test('opens a card another writer sealed: missing keys read as empty, unknown keys are ignored', () => {
    const k = newDataKey();
    const env = sealRecord(k, CARD_TITLE, '{"blood_group":"B+","organ_donor":"yes"}\n   ');
    expect(openCard(k, env).fields).toEqual({ ...emptyCard(), blood_group: 'B+' });
  });

  test('refuses what is not a card, and the wrong key', () => {
    const k = newDataKey();
    expect(kindOf(() => openCard(k, sealRecord(k, 'Diagnosis', cardJson(CARD))))).toBe('Malformed');
    expect(kindOf(() => openCard(k, sealRecord(k, CARD_TITLE, 'allergies: none')))).toBe('Malformed');
    expect(kindOf(() => openCard(k, sealRecord(k, CARD_TITLE, '["a"]')))).toBe('Malformed');
    expect(kindOf(() => openCard(k, sealRecord(k, CARD_TITLE, '{"allergies":5}')))).toBe('Malformed');
    expect(kindOf(() => openCard(newDataKey(), sealCard(k, CARD)))).toBe('Open');
    expect(kindOf(() => openCard(k, Uint8Array.of(0xff, 0xfe)))).toBe('Malformed');
    expect(kindOf(() => openCard(k, 'plain text'))).toBe('Malformed');
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
