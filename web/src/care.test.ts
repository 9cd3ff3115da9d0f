import { describe, expect, it } from 'vitest';
import {
  CARD_LABELS, POWER_WORDS, cardProblem, guardianBooks, guardianReads, inForce, keepsKey, parsePublicKey, powersText, readersNow, scopeOf, trimCard,
  type Guardianship,
} from './care';
import { CARD_FIELDS, cardCapacity, cardJson, emptyCard } from './crypto';
import type { Scopes } from './format';

const NOW = 1_800_000_000_000;
const READ: Scopes = { demographics: false, recordsRead: true, recordsWrite: false, appointments: false };
const PROFILE_ONLY: Scopes = { demographics: true, recordsRead: false, recordsWrite: false, appointments: false };
const g = (read: boolean, expiresAt: bigint | null = null, consent = !read, book = false): Guardianship =>
  ({ powers: { consent, read, book }, appointedBy: 'P', appointedAt: 0n, expiresAt });

describe('who reads now', () => {
  it('an expiry is exclusive; none means until ended', () => {
    expect(inForce(null, NOW)).toBe(true);
    expect(inForce(BigInt(NOW + 1), NOW)).toBe(true);
    expect(inForce(BigInt(NOW), NOW)).toBe(false);
    expect(inForce(NOW - 1, NOW)).toBe(false);
    expect(guardianReads(g(true), NOW)).toBe(true);
    expect(guardianReads(g(false), NOW)).toBe(false);
    expect(guardianReads(g(true, BigInt(NOW)), NOW)).toBe(false);
  });

  it('readers: RecordsRead grantees and read guardians in force, each once, without the excluded', () => {
    const grants = [
      { grantee: 'DOC', grant: { scopes: READ, expiresAt: null } },
      { grantee: 'OLD', grant: { scopes: READ, expiresAt: BigInt(NOW - 1) } },
      { grantee: 'PROFILE', grant: { scopes: PROFILE_ONLY, expiresAt: null } },
      { grantee: 'MUM', grant: { scopes: READ, expiresAt: null } },
    ];
    const guardians = [
      { guardian: 'MUM', guardianship: g(true) },
      { guardian: 'DAD', guardianship: g(true, BigInt(NOW + 60_000)) },
      { guardian: 'LAWYER', guardianship: g(false) },
      { guardian: 'GONE', guardianship: g(true, BigInt(NOW)) },
      { guardian: 'ME', guardianship: g(true) },
    ];
    expect(readersNow(grants, guardians, NOW, ['ME'])).toEqual(['DOC', 'MUM', 'DAD']);
    expect(readersNow([], [], NOW)).toEqual([]);
  });

  it('which keys a reader keeps when one access ends', () => {
    expect(scopeOf({ kind: 'Profile' })).toBe('demographics');
    for (const item of [{ kind: 'Record', id: 1 }, { kind: 'Medication', id: 0 }, { kind: 'Card' }] as const) expect(scopeOf(item)).toBe('recordsRead');
    const card = { kind: 'Card' } as const;
    const profile = { kind: 'Profile' } as const;
    // a removed guardian who still holds a grant keeps what the grant covers
    expect(keepsKey(card, { scopes: READ, expiresAt: null }, null, NOW)).toBe(true);
    expect(keepsKey(profile, { scopes: READ, expiresAt: null }, null, NOW)).toBe(false);
    expect(keepsKey(profile, { scopes: PROFILE_ONLY, expiresAt: null }, null, NOW)).toBe(true);
    expect(keepsKey(card, { scopes: READ, expiresAt: BigInt(NOW) }, null, NOW)).toBe(false);
    // a revoked grantee who is still a read guardian keeps everything
    expect(keepsKey(profile, null, g(true), NOW)).toBe(true);
    expect(keepsKey(card, null, g(false), NOW)).toBe(false);
    expect(keepsKey(card, null, g(true, BigInt(NOW - 5)), NOW)).toBe(false);
    expect(keepsKey(card, null, null, NOW)).toBe(false);
  });

  it('powers in words', () => {
    expect(powersText({ consent: true, read: true, book: false })).toBe('manage consent, read profile and records');
    expect(powersText({ consent: false, read: true, book: false })).toBe('read profile and records');
    expect(powersText({ consent: false, read: false, book: false })).toBe('nothing');
    expect(powersText({ consent: false, read: true, book: true })).toBe('read profile and records, book appointments');
    expect(powersText({ consent: false, read: false, book: true })).toBe('book appointments');
    expect(powersText({ consent: true, read: true, book: true })).toBe('manage consent, read profile and records, book appointments');
    // a suite from before the booking power answers without `book`
    expect(powersText({ consent: true, read: false } as never)).toBe('manage consent');
    expect(Object.keys(POWER_WORDS)).toEqual(['consent', 'read', 'book']);
    expect(POWER_WORDS.book.label).toBe('Book my appointments');
    for (const w of Object.values(POWER_WORDS)) expect(w.explain).toMatch(/^[A-Z].*\.$/);
  });

  it('the booking power: in force until its expiry, independent of reading', () => {
    expect(guardianBooks(g(false, null, false, true), NOW)).toBe(true);
    expect(guardianBooks(g(true, null, true, false), NOW)).toBe(false);
    expect(guardianBooks(g(false, BigInt(NOW + 1), false, true), NOW)).toBe(true);
    expect(guardianBooks(g(false, BigInt(NOW), false, true), NOW)).toBe(false);
    expect(guardianBooks({ ...g(false), powers: { consent: true, read: false } as never }, NOW)).toBe(false);
    // booking gives no key: a booking-only guardian is no reader
    expect(readersNow([], [{ guardian: 'AUNT', guardianship: g(false, null, false, true) }], NOW)).toEqual([]);
    expect(keepsKey({ kind: 'Card' }, null, g(false, null, false, true), NOW)).toBe(false);
  });
});

describe("the emergency card's form", () => {
  it('has a label for every field, in order', () => {
    expect(Object.keys(CARD_LABELS)).toEqual([...CARD_FIELDS]);
  });

  it('refuses an empty card and a too long one, with how much too long', () => {
    expect(cardProblem(emptyCard())).toBe('Fill in at least one field of the card.');
    expect(cardProblem({ ...emptyCard(), blood_group: 'O+' })).toBeNull();
    const fill = cardCapacity() - 1 - cardJson(emptyCard()).length;
    expect(cardProblem({ ...emptyCard(), conditions: 'c'.repeat(fill) })).toBeNull();
    expect(cardProblem({ ...emptyCard(), conditions: 'c'.repeat(fill + 3) })).toMatch(/^The card is 3 character\(s\) too long/);
  });

  it('trims what is sealed', () => {
    expect(trimCard({ ...emptyCard(), allergies: '  latex \n' })).toEqual({ ...emptyCard(), allergies: 'latex' });
  });
});

describe("the custodian's key", () => {
  const hex = `0x${'ab'.repeat(32)}`;
  it('takes 64 hex digits, with or without 0x', () => {
    expect(parsePublicKey(hex)).toEqual(new Uint8Array(32).fill(0xab));
    expect(parsePublicKey(` ${'AB'.repeat(32)} `)).toEqual(new Uint8Array(32).fill(0xab));
  });
  it('refuses a key file (it holds the secret), a wrong length, non-hex and zeros', () => {
    expect(() => parsePublicKey(`{"version":1,"seed":"0x00","public":"${hex}"}`)).toThrow(/never the key file/);
    expect(() => parsePublicKey('0x1234')).toThrow(/64 hexadecimal digits/);
    expect(() => parsePublicKey(`0x${'zz'.repeat(32)}`)).toThrow(/64 hexadecimal digits/);
    expect(() => parsePublicKey(`0x${'00'.repeat(32)}`)).toThrow(/not a valid key/);
  });
});
