// The care circle's pure rules in the page: who may read a patient's data
// now (grantees and guardians), which keys stay when one of them leaves,
// guardian powers in words, the emergency card's form checks and the
// custodian's key as the head types it. journeys.ts and the UI use these;
// care.test.ts tests them without a chain.
import { hexToU8a, isHex } from '@polkadot/util';
import { CARD_FIELDS, MAX_CARD_LEN, cardCapacity, cardJson, isEmptyCard, sealedCardLen, utf8Len, type CardField, type CardFields, type Sealed } from './crypto';
import type { Scopes } from './format';

/**
 * What a guardian may do (permissions `GuardianPowers`). `book` is absent in
 * the answers of suites from before the booking power (read it as false).
 */
export interface GuardianPowers { consent: boolean; read: boolean; book: boolean }
/** One guardianship as the contract returns it (camelCase). */
export interface Guardianship { powers: GuardianPowers; appointedBy: string; appointedAt: bigint; expiresAt: bigint | null }
/** A grant's fields this module needs. */
export interface GrantLike { scopes: Scopes; expiresAt: bigint | null }

/** Unix ms, or null for "until revoked/removed", as a number. */
const ends = (expiresAt: bigint | number | null): number | null => (expiresAt === null ? null : Number(expiresAt));

/** A grant or guardianship is in force at `now` while not expired (the end is exclusive). */
export function inForce(expiresAt: bigint | number | null, now: number): boolean {
  const e = ends(expiresAt);
  return e === null || now < e;
}

/** Whether a guardian may read now (the read power, not expired). Her own standing is the contract's to check. */
export function guardianReads(g: Guardianship, now: number): boolean {
  return g.powers.read && inForce(g.expiresAt, now);
}

/** Whether a guardian may book and act on the patient's appointments now (the booking power, not expired). */
export function guardianBooks(g: Guardianship, now: number): boolean {
  return !!g.powers.book && inForce(g.expiresAt, now);
}

/**
 * Everyone who holds the patient's read access now besides herself: every
 * grantee with RecordsRead in force and every guardian with the read power
 * in force, each once, in that order. A new record's, medication's or
 * card's key is wrapped for them.
 */
export function readersNow(
  grants: { grantee: string; grant: GrantLike }[],
  guardians: { guardian: string; guardianship: Guardianship }[],
  now: number,
  exclude: string[] = [],
): string[] {
  const out: string[] = [];
  const add = (who: string) => { if (!exclude.includes(who) && !out.includes(who)) out.push(who); };
  for (const g of grants) if (g.grant.scopes.recordsRead && inForce(g.grant.expiresAt, now)) add(g.grantee);
  for (const g of guardians) if (guardianReads(g.guardianship, now)) add(g.guardian);
  return out;
}

/** The scope a key of `item` needs: Demographics for the profile, RecordsRead for the rest (the card too). */
export function scopeOf(item: Sealed): 'demographics' | 'recordsRead' {
  return item.kind === 'Profile' ? 'demographics' : 'recordsRead';
}

/**
 * Whether a reader keeps her key of `item` when one of her accesses ends:
 * she keeps it while another access still covers it (`grant` in force with
 * the item's scope, or `guardianship` in force with the read power, which
 * covers profile and records).
 */
export function keepsKey(item: Sealed, grant: GrantLike | null, guardianship: Guardianship | null, now: number): boolean {
  if (grant && inForce(grant.expiresAt, now) && grant.scopes[scopeOf(item)]) return true;
  return !!guardianship && guardianReads(guardianship, now);
}

/** The powers in words: "manage consent, read records". */
export const POWER_WORDS: Record<keyof GuardianPowers, { label: string; short: string; explain: string }> = {
  consent: {
    label: 'Manage my consent',
    short: 'manage consent',
    explain: 'May give and revoke access to your data on your behalf (each act is written in your access log, by the guardian\u2019s name).',
  },
  read: {
    label: 'Read my data',
    short: 'read profile and records',
    explain: 'May read your profile, records, medications and emergency card; your existing data keys are wrapped for the guardian at once.',
  },
  book: {
    label: 'Book my appointments',
    short: 'book appointments',
    explain: 'May request appointments for you with a verified doctor, paying the fee (a refund goes back to the guardian), and confirm, cancel, complete or answer a new time on your side; each act is written in your access log, by the guardian\u2019s name. The reason stays sealed for you and the doctor.',
  },
};

/** The powers in words, in POWER_WORDS order ("nothing" for none). */
export function powersText(p: GuardianPowers): string {
  const parts = (Object.keys(POWER_WORDS) as (keyof GuardianPowers)[]).filter(k => !!p[k]).map(k => POWER_WORDS[k].short);
  return parts.length ? parts.join(', ') : 'nothing';
}

// ---------------------------------------------------------------------------
// the emergency card's form

/** Labels of the card's fields, in their order. */
export const CARD_LABELS: Record<CardField, { label: string; placeholder: string }> = {
  allergies: { label: 'Allergies', placeholder: 'e.g. penicillin, latex' },
  blood_group: { label: 'Blood group', placeholder: 'e.g. O+' },
  medications: { label: 'Current medications', placeholder: 'e.g. metformin 500 mg twice daily' },
  conditions: { label: 'Conditions', placeholder: 'e.g. type 2 diabetes, asthma' },
  emergency_contact: { label: 'Emergency contact', placeholder: 'name and phone' },
};

/** Why a card cannot be stored as typed, in words; null if it can. */
export function cardProblem(card: CardFields): string | null {
  if (isEmptyCard(card)) return 'Fill in at least one field of the card.';
  if (sealedCardLen(card) === null) {
    const over = utf8Len(cardJson(card)) + 1 - cardCapacity();
    return `The card is ${over} character(s) too long to seal within the contract\u2019s bound (${MAX_CARD_LEN} bytes sealed): shorten it.`;
  }
  return null;
}

/** Trims each field (what is sealed). */
export function trimCard(card: CardFields): CardFields {
  const out = {} as CardFields;
  for (const f of CARD_FIELDS) out[f] = (card[f] ?? '').trim();
  return out;
}

// ---------------------------------------------------------------------------
// the custodian's key, as the head gives it

/**
 * The custodian's X25519 public key as the head types it: hex, with or
 * without `0x`, 64 digits. A pasted key file is refused: it holds the
 * service's secret seed, which must never reach the head's page.
 */
export function parsePublicKey(text: string): Uint8Array {
  let t = text.trim();
  if (t.startsWith('{')) throw new Error('Give only the public key (0x and 64 hexadecimal digits), never the key file: it holds the service\u2019s secret.');
  if (!t.startsWith('0x')) t = `0x${t}`;
  if (!isHex(t) || t.length !== 66) throw new Error('An encryption key is 32 bytes: 64 hexadecimal digits.');
  const k = hexToU8a(t);
  if (k.every(b => b === 0)) throw new Error('That encryption key is not a valid key.');
  return k;
}
