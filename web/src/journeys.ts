// The journeys of client/src/journeys/, in the page: every health text is
// sealed here before it reaches the chain, and every data key is wrapped for
// exactly the accounts the patient allows. The UI (src/ui) only calls these.
import { decodeAddress } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import {
  MAX_TEXT_LEN, MEDICATION_FIELDS, PROFILE_FIELDS, SEALED_TITLE, CryptoError,
  fromChain, isSealedNote, newDataKey, openCard, openField, openNote, openRecord, sealCard, sealField, sealNote, sealRecord, toChain, unwrapKey, utf8, wrapInfo, wrapKey,
  type CardFields, type EncryptionKeys, type Sealed,
} from './crypto';
import { cardProblem, keepsKey, readersNow, trimCard, type GuardianPowers, type Guardianship } from './care';
import type { Chain } from './chain/connection';
import { hasMessage, read, Refusal } from './chain/contracts';
import { send, eventOf, type Signing } from './chain/tx';
import { Variant, type Plain } from './chain/plain';
import { chainText, isUnreadable, storedArg, storedText, storesBytes, unreadable, type Stored } from './chain/opaque';
import type { Scopes } from './format';
import { explainError, type Who } from './errors';

/** Progress of a long piece of work: a sentence and, when known, done of total. */
export type Progress = (text: string, done?: number, total?: number) => void;

/** Who acts: the chain, the wallet signer, the account and its unlocked encryption key. */
export interface Actor {
  chain: Chain;
  signing: Signing;
  me: string;
  keys: EncryptionKeys | null;
}

export const PAGE = 50;
/** Keys per share_keys / revoke_keys transaction (as the CLI). */
export const KEY_BATCH = 32;
export const RECORD_KINDS = ['Diagnosis', 'Prescription', 'LabResult', 'Procedure', 'Imaging', 'Note'] as const;
export const PROVIDER_KINDS = ['Doctor', 'Nurse', 'Lab', 'Pharmacist'] as const;

// ---- decoded contract types (field names as @polkadot/types gives them: camelCase).
// The opaque text fields (`Stored`) are the bytes on chain (chain/opaque.ts:
// `storedText` gives the sealed text, `storedArg` passes them back as stored).
export interface Grant { scopes: Scopes; grantedAt: bigint; expiresAt: bigint | null }
export interface ProviderDetails {
  name: string; phone: string; gender: string; qualification: string; specialization: string;
  licenceHash: Uint8Array; kind: Variant;
}
export interface Provider { details: ProviderDetails; registeredAt: bigint; status: Variant; statusReason: string }
export interface RecordData {
  kind: Variant; title: Stored; body: Stored; author: string; createdAt: bigint; block: bigint;
  contentHash: Uint8Array; supersedes: bigint | null; supersededBy: bigint | null; emergency: boolean;
}
export interface MedicationData {
  name: Stored; dose: Stored; frequency: Stored; start: bigint; end: bigint | null; prescribedBy: string | null;
  notes: Stored; addedBy: string; stoppedAt: bigint | null;
}
/** One access-log entry; `repeats` counts further denied attempts of an
 *  unregistered account folded into it (the anti-flooding rule; `at` is then the latest). */
export interface AccessLogEntry { accessor: string; action: Variant; outcome: Variant; at: bigint; repeats?: bigint | number }
/** `reason` is an `EmergencyReason` code (older suites: free text); `note` an optional sealed note. */
export interface EmergencyAccess { doctor: string; reason: Variant | string; note?: Uint8Array; openedAt: bigint; expiresAt: bigint; closed: [bigint, string] | null }
export interface AppointmentData {
  doctor: string; patient: string; start: bigint; durationMin: bigint; reason: Stored; diagnosis: Stored;
  prescription: Stored; status: Variant; fee: bigint; paid: bigint; createdAt: bigint;
  /** A new start the doctor proposed, waiting for the patient's answer. */
  proposedStart?: bigint | null;
}

export type StandingView =
  | { role: 'unregistered' }
  | { role: 'patient' }
  | { role: 'provider'; kind: string; status: string };

const bytes = (address: string) => decodeAddress(address);
const sealedArg = (o: Sealed) => (o.kind === 'Profile' || o.kind === 'Card' ? o.kind : { [o.kind]: o.id });
const tx = (a: Actor, contract: Parameters<typeof send>[2], message: string, args: unknown[], opts: Parameters<typeof send>[5] = {}) =>
  send(a.chain, a.signing, contract, message, args, opts);

function needKeys(a: Actor): EncryptionKeys {
  if (!a.keys) throw new Error('Unlock your encryption key first (top of the page).');
  return a.keys;
}

// ---------------------------------------------------------------------------
// who is who

export async function standingOf(chain: Chain, caller: string, who: string): Promise<StandingView> {
  const s = await read<Variant>(chain, 'registry', 'standing', caller, [who]);
  if (s.tag === 'Patient') return { role: 'patient' };
  if (s.tag === 'Provider') {
    const [kind, status] = s.value as Variant[];
    return { role: 'provider', kind: kind.tag, status: status.tag };
  }
  return { role: 'unregistered' };
}

export async function headOf(chain: Chain, caller: string): Promise<string> {
  return read<string>(chain, 'registry', 'head', caller, []);
}

export async function providerOf(chain: Chain, caller: string, who: string): Promise<Provider> {
  return read<Provider>(chain, 'registry', 'provider', caller, [who]);
}

/** Every provider with its details. */
export async function providers(chain: Chain, caller: string): Promise<{ account: string; provider: Provider }[]> {
  const out: { account: string; provider: Provider }[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[string, Variant, Variant][]>(chain, 'registry', 'providers', caller, [start, PAGE]);
    for (const [account] of page) out.push({ account, provider: await providerOf(chain, caller, account) });
    if (page.length < PAGE) return out;
  }
}

// ---------------------------------------------------------------------------
// keys

export async function publishedKey(chain: Chain, caller: string, who: string): Promise<Uint8Array | null> {
  return read<Uint8Array | null>(chain, 'registry', 'encryption_key', caller, [who]);
}

export async function publishKey(a: Actor): Promise<void> {
  await tx(a, 'registry', 'publish_encryption_key', [u8aToHex(needKeys(a).publicKey)]);
}

/** My unwrapped data key of `object`, or null when none is stored for me. Throws if one is stored but does not open. */
export async function myKey(a: Actor, patient: string, object: Sealed): Promise<Uint8Array | null> {
  const wrapped = await read<Uint8Array | null>(a.chain, 'records', 'key_of', a.me, [patient, sealedArg(object), a.me]);
  if (!wrapped) return null;
  return unwrapKey(needKeys(a), wrapped, wrapInfo(bytes(patient), object, bytes(a.me)));
}

async function shareWith(a: Actor, patient: string, object: Sealed, recipient: string, publicKey: Uint8Array, dataKey: Uint8Array, who: Who = {}) {
  const wrapped = await wrapKey(publicKey, dataKey, wrapInfo(bytes(patient), object, bytes(recipient)));
  // Vec<u8> as hex: @polkadot/types reads a bare Uint8Array as already SCALE-encoded (length-prefixed)
  await tx(a, 'records', 'share_key', [patient, sealedArg(object), recipient, u8aToHex(wrapped)], { who });
}

export async function keyHolders(chain: Chain, caller: string, patient: string, object: Sealed): Promise<string[]> {
  return read<string[]>(chain, 'records', 'key_holders', caller, [patient, sealedArg(object)]);
}

// ---------------------------------------------------------------------------
// registration

/** The nine profile text fields, in PROFILE_FIELDS order. */
export type ProfileFields = string[];

export async function registerPatient(a: Actor, fields: ProfileFields, progress: Progress): Promise<void> {
  const keys = needKeys(a);
  const k = newDataKey();
  const profile: Record<string, unknown> = { heightCm: 0, weightKg: 0, nationalIdHash: new Uint8Array(32) };
  PROFILE_FIELDS.forEach((f, i) => {
    profile[f.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = chainText(a.chain, 'registry', sealField(k, f.index, fields[i] ?? '', f.max));
  });
  progress('registering (every profile field sealed in this page)', 0, 3);
  await tx(a, 'registry', 'register_patient', [profile]);
  progress('publishing your encryption key', 1, 3);
  const published = await publishedKey(a.chain, a.me, a.me);
  if (!published || !sameBytes(published, keys.publicKey)) await publishKey(a);
  progress('storing your profile key, wrapped for you', 2, 3);
  await shareWith(a, a.me, { kind: 'Profile' }, a.me, keys.publicKey, k);
  progress('registered', 3, 3);
}

export interface ProviderInput {
  name: string; phone: string; gender: string; qualification: string; specialization: string;
  licenceHash: Uint8Array; kind: string;
}

export async function registerProvider(a: Actor, d: ProviderInput, progress: Progress): Promise<void> {
  progress('registering as a provider (public details)', 0, 2);
  await tx(a, 'registry', 'register_provider', [{ ...d, kind: d.kind }]);
  if (a.keys) {
    progress('publishing your encryption key', 1, 2);
    await publishKey(a);
  }
  progress('registered: waiting for the head to verify you', 2, 2);
}

export async function changeProviderStatus(a: Actor, provider: string, action: 'verify' | 'reject' | 'suspend' | 'reinstate', reason: string, name: string) {
  const args = action === 'reject' || action === 'suspend' ? [provider, reason] : [provider];
  await tx(a, 'registry', `${action}_provider`, args, { who: { other: name } });
}

/** A patient's profile fields, opened where the reader holds the profile key (`problem`: why one stayed unread, if not for want of the key). */
export async function profileOf(a: Actor, patient: string): Promise<{ name: string; value: string | null; problem?: string }[]> {
  // the contract's check is advisory (storage is public): read as the patient
  const p = await read<{ profile: Record<string, Plain> }>(a.chain, 'registry', 'patient_profile', patient, [patient]);
  let k: Uint8Array | null = null;
  try { k = a.keys ? await myKey(a, patient, { kind: 'Profile' }) : null; } catch { k = null; }
  return PROFILE_FIELDS.map(f => {
    const raw = (p.profile[f.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] ?? null) as Stored | null;
    let stored: string;
    try { stored = storedText(raw); } catch (e) {
      if (isUnreadable(e) && raw !== null) return { name: f.name, value: null, problem: unreadable(raw) };
      throw e;
    }
    if (!k) return { name: f.name, value: null };
    try { return { name: f.name, value: openField(k, f.index, stored) }; } catch { return { name: f.name, value: null }; }
  });
}

// ---------------------------------------------------------------------------
// consent

export async function grantsOf(chain: Chain, caller: string, patient: string): Promise<{ grantee: string; grant: Grant }[]> {
  const out: { grantee: string; grant: Grant }[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[string, Grant][]>(chain, 'permissions', 'grants_of', caller, [patient, start, PAGE]);
    out.push(...page.map(([grantee, grant]) => ({ grantee, grant })));
    if (page.length < PAGE) return out;
  }
}

export async function patientsOf(chain: Chain, caller: string, grantee: string): Promise<{ patient: string; grant: Grant }[]> {
  const out: { patient: string; grant: Grant }[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[string, Grant][]>(chain, 'permissions', 'patients_of', caller, [grantee, start, PAGE]);
    out.push(...page.map(([patient, grant]) => ({ patient, grant })));
    if (page.length < PAGE) return out;
  }
}

/**
 * The patient's items a reader of `scopes` may open: the profile with
 * Demographics; every record, medication and her emergency card with
 * RecordsRead.
 */
async function itemsFor(a: Actor, scopes: { demographics: boolean; recordsRead: boolean }): Promise<Sealed[]> {
  const items: Sealed[] = [];
  if (scopes.demographics) items.push({ kind: 'Profile' });
  if (scopes.recordsRead) {
    const count = Number(await read<bigint>(a.chain, 'records', 'record_count', a.me, [a.me]));
    for (let id = 0; id < count; id++) items.push({ kind: 'Record', id });
    for (const m of await medicationEntries(a.chain, a.me, a.me)) items.push({ kind: 'Medication', id: m.id });
    if (await cardOf(a.chain, a.me, a.me)) items.push({ kind: 'Card' });
  }
  return items;
}

/**
 * Unwraps the patient's copy of each item's key and wraps it for
 * `recipient` (an item she cannot open is skipped and counted, never the
 * end of the work), then stores them, KEY_BATCH per `share_keys`
 * transaction (one by one on older suites). Returns how many were stored.
 */
async function rewrapFor(a: Actor, recipient: string, pk: Uint8Array, items: Sealed[], name: string, progress: Progress): Promise<{ rewrapped: number; skipped: number }> {
  const batch: [Sealed, Uint8Array][] = [];
  let skipped = 0;
  for (const [i, item] of items.entries()) {
    progress(`re-wrapping existing keys for ${name}: ${i + 1} of ${items.length}`, i, items.length);
    let k: Uint8Array | null = null;
    try { k = await myKey(a, a.me, item); } catch { k = null; }
    if (!k) { skipped++; continue; }
    batch.push([item, await wrapKey(pk, k, wrapInfo(bytes(a.me), item, bytes(recipient)))]);
  }
  let n = 0;
  const batched = hasMessage(a.chain, 'records', 'share_keys');
  for (let i = 0; i < batch.length; i += batched ? KEY_BATCH : 1) {
    const chunk = batch.slice(i, i + (batched ? KEY_BATCH : 1));
    progress(`storing the re-wrapped keys for ${name}: ${n} of ${batch.length}`, n, batch.length);
    if (batched) {
      await tx(a, 'records', 'share_keys', [a.me, recipient, chunk.map(([o, w]) => [sealedArg(o), u8aToHex(w)])], { who: { other: name } });
    } else {
      await tx(a, 'records', 'share_key', [a.me, sealedArg(chunk[0]![0]), recipient, u8aToHex(chunk[0]![1])], { who: { other: name } });
    }
    n += chunk.length;
  }
  progress(`re-wrapped ${n} key(s) for ${name}`, Math.max(n, 1), Math.max(batch.length, 1));
  return { rewrapped: n, skipped };
}

const skippedNote = (skipped: number) => (skipped ? `${skipped} item(s) had no key of yours (shredded) and were not re-wrapped.` : '');

/**
 * Grants `scopes` to `grantee` until `expiresAt` (or until revoked), then
 * re-wraps the existing data keys for them: the profile key with
 * Demographics, every record, medication and emergency card key with
 * RecordsRead. Returns how many keys were wrapped, and a note if the
 * grantee has no key yet.
 */
export async function grant(a: Actor, grantee: string, scopes: Scopes, expiresAt: number | null, name: string, progress: Progress): Promise<{ rewrapped: number; note: string }> {
  progress(`granting access to ${name}`);
  await tx(a, 'permissions', 'grant', [grantee, scopes, expiresAt], { who: { other: name } });
  const pk = await publishedKey(a.chain, a.me, grantee);
  if (!pk) return { rewrapped: 0, note: `${name} has published no encryption key yet: nothing re-wrapped (grant again once they have).` };
  const r = await rewrapFor(a, grantee, pk, await itemsFor(a, scopes), name, progress);
  return { rewrapped: r.rewrapped, note: skippedNote(r.skipped) };
}

/** Every sealed item of a patient: her profile, each record, each medication, her emergency card. */
async function itemsOf(a: Actor, patient: string): Promise<Sealed[]> {
  const items: Sealed[] = [{ kind: 'Profile' }];
  const count = Number(await read<bigint>(a.chain, 'records', 'record_count', a.me, [patient]));
  for (let id = 0; id < count; id++) items.push({ kind: 'Record', id });
  for (const m of await medicationEntries(a.chain, a.me, patient)) items.push({ kind: 'Medication', id: m.id });
  if (await cardOf(a.chain, a.me, patient)) items.push({ kind: 'Card' });
  return items;
}

/**
 * Removes the keys wrapped for `reader` from the current state
 * (`records.revoke_keys`, KEY_BATCH per transaction), except those another
 * access of hers still covers (`keep`), so that she cannot fetch them any
 * more (keys fetched before cannot be taken back). Returns how many were
 * removed.
 */
async function removeKeysOf(a: Actor, reader: string, name: string, keep: (item: Sealed) => boolean, progress: Progress): Promise<number> {
  if (!hasMessage(a.chain, 'records', 'revoke_keys')) return 0;
  const held: Sealed[] = [];
  const items = (await itemsOf(a, a.me)).filter(item => !keep(item));
  for (const [i, item] of items.entries()) {
    progress(`looking for keys wrapped for ${name}: ${i + 1} of ${items.length}`, i, items.length);
    if (await read<Uint8Array | null>(a.chain, 'records', 'key_of', a.me, [a.me, sealedArg(item), reader])) held.push(item);
  }
  let removed = 0;
  for (let i = 0; i < held.length; i += KEY_BATCH) {
    progress(`removing the keys wrapped for ${name}: ${i} of ${held.length}`, i, held.length);
    const sent = await tx(a, 'records', 'revoke_keys', [a.me, reader, held.slice(i, i + KEY_BATCH).map(sealedArg)], { who: { other: name } });
    removed += Number(sent.value as bigint);
  }
  return removed;
}

/**
 * Revokes `grantee`'s grant, then removes the keys wrapped for them (those
 * a guardianship of theirs with the read power still covers stay).
 * Returns how many keys were removed.
 */
export async function revoke(a: Actor, grantee: string, name: string, progress: Progress = () => {}): Promise<number> {
  progress(`revoking the access of ${name}`);
  await tx(a, 'permissions', 'revoke', [grantee], { who: { other: name } });
  const guardianship = await guardianshipOf(a.chain, a.me, a.me, grantee);
  const now = Date.now();
  return removeKeysOf(a, grantee, name, item => keepsKey(item, null, guardianship, now), progress);
}

// ---------------------------------------------------------------------------
// records

export interface RecordView {
  id: number;
  data: RecordData;
  /** Opened: title, body and the commitment's salt (which proves them against the envelope). */
  opened: { title: string; body: string; salt: Uint8Array } | null;
  /** Why it stayed sealed, or why opening failed. */
  problem: string | null;
  /** The contract's stored hash matches this envelope (records.verify_record). */
  hashOk: boolean;
  /** The decrypted text matches the envelope's sealed commitment. */
  commitmentOk: boolean | null;
}

/**
 * Who gets a new record's or medication's key: the patient, the author,
 * every RecordsRead grantee and every guardian with the read power, in force now.
 */
async function readersOf(a: Actor, patient: string): Promise<string[]> {
  const readers = [patient];
  if (a.me !== patient) readers.push(a.me);
  const guardians = await guardiansOf(a.chain, a.me, patient);
  return [...readers, ...readersNow(await grantsOf(a.chain, a.me, patient), guardians, Date.now(), readers)];
}

async function shareWithReaders(a: Actor, patient: string, object: Sealed, k: Uint8Array, progress: Progress, nameOf: (x: string) => string): Promise<string[]> {
  const readers = await readersOf(a, patient);
  const shared: string[] = [];
  for (const [i, r] of readers.entries()) {
    progress(`wrapping the key for ${nameOf(r)} (${i + 1} of ${readers.length})`, i, readers.length);
    const pk = await publishedKey(a.chain, a.me, r);
    if (!pk) continue;
    try {
      await shareWith(a, patient, object, r, pk, k, { other: nameOf(r) });
      shared.push(r);
    } catch (e) {
      if (e instanceof Refusal && e.outcome.kind === 'error' && e.outcome.variant === 'RecipientNotAllowed') continue;
      throw e;
    }
  }
  progress('keys wrapped', readers.length, readers.length);
  return shared;
}

/** A doctor adds a sealed record; returns its id and whom its key was wrapped for. */
export async function addRecord(a: Actor, patient: string, kind: string, title: string, body: string, patientName: string, nameOf: (x: string) => string, progress: Progress): Promise<{ id: number; wrappedFor: string[] }> {
  needKeys(a);
  const k = newDataKey();
  const envelope = sealRecord(k, title, body);
  progress('storing the sealed record', 0, 1);
  const sent = await tx(a, 'records', 'add_record', [patient, kind, chainText(a.chain, 'records', SEALED_TITLE), chainText(a.chain, 'records', envelope), null], { who: { other: patientName } });
  const ev = eventOf(sent, 'RecordAdded');
  const v = sent.value as Variant;
  const id = Number(ev ? (ev.args.id as bigint) : (v.value as bigint));
  const wrappedFor = await shareWithReaders(a, patient, { kind: 'Record', id }, k, progress, nameOf);
  return { id, wrappedFor };
}

export async function recordViews(a: Actor, patient: string): Promise<RecordView[]> {
  const count = Number(await read<bigint>(a.chain, 'records', 'record_count', a.me, [patient]));
  const out: RecordView[] = [];
  for (let start = 0; start < count; start += PAGE) {
    // advisory check: storage is public, so fetch as the patient (as anyone can)
    const page = await read<[bigint, RecordData][]>(a.chain, 'records', 'records', patient, [patient, start, PAGE]);
    for (const [idBig, data] of page) {
      const id = Number(idBig);
      // the contract hashes the stored bytes: give them back exactly as stored
      const hashOk = await read<boolean>(a.chain, 'records', 'verify_record', a.me, [patient, id, data.kind.tag, storedArg(data.title), storedArg(data.body)]);
      let opened: RecordView['opened'] = null;
      let problem: string | null = null;
      let commitmentOk: boolean | null = null;
      try {
        const k = a.keys ? await myKey(a, patient, { kind: 'Record', id }) : null;
        if (!a.keys) problem = 'Unlock your encryption key to open it.';
        else if (!k) problem = 'No data key is wrapped for you (never granted, granted after a revocation, or shredded).';
        else {
          const o = openRecord(k, storedText(data.body));
          opened = { title: o.title, body: o.body, salt: o.salt };
          commitmentOk = true;
        }
      } catch (e) {
        if (isUnreadable(e)) problem = `The stored body is ${unreadable(data.body)}.`;
        else if (e instanceof CryptoError && e.kind === 'Commitment') { commitmentOk = false; problem = 'The decrypted text does not match its sealed commitment: it was tampered with.'; }
        else if (e instanceof CryptoError && e.kind === 'Open') problem = 'The ciphertext does not open with its key: it was altered.';
        else problem = `It does not open: ${(e as Error).message}`;
      }
      out.push({ id, data, opened, problem, hashOk, commitmentOk });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// medications

export interface MedicationInput { name: string; dose: string; frequency: string; notes: string; start: number; end: number | null; prescribedBy: string | null }
export interface MedicationView { id: number; data: MedicationData; opened: { name: string; dose: string; frequency: string; notes: string } | null }

export async function medicationEntries(chain: Chain, _caller: string, patient: string): Promise<{ id: number; data: MedicationData }[]> {
  const out: { id: number; data: MedicationData }[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[bigint, MedicationData][]>(chain, 'records', 'medications', patient, [patient, start, PAGE]);
    out.push(...page.map(([id, data]) => ({ id: Number(id), data })));
    if (page.length < PAGE) return out;
  }
}

export async function addMedication(a: Actor, patient: string, m: MedicationInput, patientName: string, nameOf: (x: string) => string, progress: Progress): Promise<{ id: number; wrappedFor: string[] }> {
  needKeys(a);
  const k = newDataKey();
  const [name, dose, frequency, notes] = MEDICATION_FIELDS.map((f, i) => chainText(a.chain, 'records', sealField(k, f.index, [m.name, m.dose, m.frequency, m.notes][i] ?? '', f.max)));
  progress('storing the sealed medication', 0, 1);
  const medication = { name, dose, frequency, start: m.start, end: m.end, prescribedBy: m.prescribedBy, notes };
  const sent = await tx(a, 'records', 'add_medication', [patient, medication], { who: { other: patientName } });
  const ev = eventOf(sent, 'MedicationAdded');
  const id = Number(ev ? (ev.args.id as bigint) : ((sent.value as Variant).value as bigint));
  const wrappedFor = await shareWithReaders(a, patient, { kind: 'Medication', id }, k, progress, nameOf);
  return { id, wrappedFor };
}

export async function medicationViews(a: Actor, patient: string): Promise<MedicationView[]> {
  const out: MedicationView[] = [];
  for (const { id, data } of await medicationEntries(a.chain, a.me, patient)) {
    let opened: MedicationView['opened'] = null;
    try {
      const k = a.keys ? await myKey(a, patient, { kind: 'Medication', id }) : null;
      if (k) {
        const [name, dose, frequency, notes] = MEDICATION_FIELDS.map(f => openField(k, f.index, storedText((data as unknown as Record<string, Stored | undefined>)[f.name])));
        opened = { name: name ?? '', dose: dose ?? '', frequency: frequency ?? '', notes: notes ?? '' };
      }
    } catch { opened = null; }
    out.push({ id, data, opened });
  }
  return out;
}

export async function stopMedication(a: Actor, patient: string, id: number, patientName: string) {
  await tx(a, 'records', 'stop_medication', [patient, id], { who: { other: patientName } });
}

// ---------------------------------------------------------------------------
// access log and emergencies

export async function accessLog(chain: Chain, caller: string, patient: string): Promise<AccessLogEntry[]> {
  const len = Number(await read<bigint>(chain, 'permissions', 'access_log_len', caller, [patient]));
  const out: AccessLogEntry[] = [];
  for (let start = 0; start < len; start += PAGE) {
    out.push(...await read<AccessLogEntry[]>(chain, 'permissions', 'access_log', caller, [patient, start, PAGE]));
  }
  return out;
}

export async function emergencies(chain: Chain, caller: string, patient: string): Promise<EmergencyAccess[]> {
  const out: EmergencyAccess[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<EmergencyAccess[]>(chain, 'permissions', 'emergencies_of', caller, [patient, start, PAGE]);
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

/**
 * Closes an emergency access. When the patient closes it, the key of her
 * emergency card released to that doctor is removed from current state too
 * (unless a grant or guardianship of theirs still covers it). Returns
 * whether a card key was removed.
 */
export async function closeEmergency(a: Actor, patient: string, doctor: string, name: string): Promise<boolean> {
  await tx(a, 'permissions', 'close_emergency', [patient, doctor], { who: { other: name } });
  if (a.me !== patient || !hasMessage(a.chain, 'records', 'revoke_keys') || !(await cardOf(a.chain, a.me, patient))) return false;
  if (!(await read<Uint8Array | null>(a.chain, 'records', 'key_of', a.me, [patient, 'Card', doctor]))) return false;
  const grant = (await grantsOf(a.chain, a.me, patient)).find(g => g.grantee === doctor)?.grant ?? null;
  if (keepsKey({ kind: 'Card' }, grant, await guardianshipOf(a.chain, a.me, patient, doctor), Date.now())) return false;
  const sent = await tx(a, 'records', 'revoke_keys', [patient, doctor, ['Card']], { who: { other: name } });
  return Number(sent.value as bigint) > 0;
}

// ---------------------------------------------------------------------------
// appointments

export interface AppointmentView { id: bigint; data: AppointmentData; reason: string; diagnosis: string; prescription: string }

async function noteKeys(a: Actor, patient: string, doctor: string): Promise<[Uint8Array, Uint8Array]> {
  const out: Uint8Array[] = [];
  for (const who of [patient, doctor]) {
    const k = await publishedKey(a.chain, a.me, who);
    if (!k) throw new Error(`${who === a.me ? 'You have' : who === patient ? 'The patient has' : 'The doctor has'} published no encryption key: appointment texts are never stored in plaintext.`);
    out.push(k);
  }
  return [out[0]!, out[1]!];
}

async function sealFor(a: Actor, patient: string, doctor: string, text: string): Promise<string> {
  const [pp, dp] = await noteKeys(a, patient, doctor);
  try {
    return await sealNote(bytes(patient), pp, bytes(doctor), dp, text, MAX_TEXT_LEN);
  } catch (e) {
    if (e instanceof CryptoError && e.kind === 'TooLong') throw new Error('This text is too long to seal within the contract\u2019s bound (about 170 characters): put longer detail in a record.');
    throw e;
  }
}

async function openFor(a: Actor, ap: AppointmentData, stored: Stored): Promise<string> {
  let text: string;
  try { text = storedText(stored); } catch (e) {
    if (isUnreadable(e)) return `(${unreadable(stored)})`;
    throw e;
  }
  if (!text) return '';
  if (a.me !== ap.patient && a.me !== ap.doctor) return '(sealed for the patient and the doctor)';
  if (!a.keys) return '(sealed)';
  try {
    return await openNote(a.keys, bytes(ap.patient), bytes(ap.doctor), bytes(a.me), text);
  } catch {
    return isSealedNote(text) ? '(sealed: does not open with your key)' : text;
  }
}

export async function appointments(a: Actor, of: string, asDoctor: boolean): Promise<AppointmentView[]> {
  const msg = asDoctor ? 'doctor_appointments' : 'patient_appointments';
  const out: AppointmentView[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[bigint, AppointmentData][]>(a.chain, 'appointments', msg, a.me, [of, start, PAGE]);
    for (const [id, data] of page) {
      out.push({
        id, data,
        reason: await openFor(a, data, data.reason),
        diagnosis: await openFor(a, data, data.diagnosis),
        prescription: await openFor(a, data, data.prescription),
      });
    }
    if (page.length < PAGE) return out.sort((x, y) => Number(y.id - x.id));
  }
}

export async function feeOf(chain: Chain, caller: string, doctor: string): Promise<bigint> {
  return read<bigint>(chain, 'appointments', 'fee_of', caller, [doctor]);
}

export async function creditOf(chain: Chain, caller: string, who: string): Promise<bigint> {
  return read<bigint>(chain, 'appointments', 'credit_of', caller, [who]);
}

export async function requestAppointment(a: Actor, doctor: string, start: number, durationMin: number, reason: string, fee: bigint, doctorName: string): Promise<bigint> {
  const sealed = chainText(a.chain, 'appointments', await sealFor(a, a.me, doctor, reason));
  const sent = await tx(a, 'appointments', 'request_appointment', [doctor, start, durationMin, sealed], { value: fee, who: { other: doctorName } });
  const ev = eventOf(sent, 'AppointmentCreated');
  return ev ? (ev.args.id as bigint) : (sent.value as bigint);
}

export async function setAppointment(a: Actor, patient: string, start: number, durationMin: number, reason: string, fee: bigint, patientName: string): Promise<void> {
  const sealed = chainText(a.chain, 'appointments', await sealFor(a, patient, a.me, reason));
  await tx(a, 'appointments', 'set_appointment', [patient, start, durationMin, sealed, fee], { who: { other: patientName } });
}

export type AppointmentAction = 'accept' | 'decline' | 'confirm' | 'cancel' | 'complete' | 'mark_no_show' | 'accept_reschedule' | 'decline_reschedule';

/**
 * A participant's `action` on an appointment (`confirm` pays its fee). The
 * patient's actions are open to her guardian with the booking power too:
 * the contract decides, and logs the guardian's act in her access log.
 */
export async function appointmentAction(a: Actor, ap: AppointmentView, action: AppointmentAction, otherName: string): Promise<void> {
  const value = action === 'confirm' ? ap.data.fee : 0n;
  await tx(a, 'appointments', action, [ap.id], { value, who: { other: otherName } });
}

/**
 * A guardian with the booking power requests an appointment for `patient`
 * (`request_appointment_for`), paying the doctor's `fee` herself (a refund
 * is credited to her). The reason is sealed for the patient and the doctor
 * only: the guardian sees the appointment (patient_appointments) but cannot
 * open its texts. Returns the id.
 */
export async function requestAppointmentFor(
  a: Actor, patient: string, doctor: string, start: number, durationMin: number, reason: string, fee: bigint, patientName: string,
): Promise<bigint> {
  const sealed = chainText(a.chain, 'appointments', await sealFor(a, patient, doctor, reason));
  const sent = await tx(a, 'appointments', 'request_appointment_for', [patient, doctor, start, durationMin, sealed], { value: fee, who: { other: patientName } });
  const ev = eventOf(sent, 'AppointmentCreated');
  return ev ? (ev.args.id as bigint) : (sent.value as bigint);
}

/** The doctor stores sealed notes; a `newStart` different from the booked one proposes a new time to the patient. */
export async function updateAppointment(a: Actor, ap: AppointmentView, diagnosis: string, prescription: string, newStart?: number): Promise<void> {
  const { patient, doctor } = ap.data;
  const sealed = async (text: string) => chainText(a.chain, 'appointments', await sealFor(a, patient, doctor, text));
  // the reason stays as stored
  await tx(a, 'appointments', 'update_appointment', [
    ap.id, newStart ?? ap.data.start, ap.data.durationMin, storedArg(ap.data.reason),
    await sealed(diagnosis), await sealed(prescription),
  ]);
}

/** How long after the start a doctor must wait to mark a no-show (0 on suites without a grace). */
export async function noShowGrace(chain: Chain, caller: string): Promise<number> {
  if (!hasMessage(chain, 'appointments', 'no_show_grace')) return 0;
  return Number(await read<bigint>(chain, 'appointments', 'no_show_grace', caller, []));
}

/**
 * An emergency's sealed note, opened for its patient or doctor; null if there is none. Stored as
 * `toChain` of its `n2:` text (0xFF 0x04 ‖ …); a note written before as the text's UTF-8 bytes
 * reads the same through `fromChain`.
 */
export async function emergencyNote(a: Actor, patient: string, e: EmergencyAccess): Promise<string | null> {
  if (!e.note || e.note.length === 0) return null;
  let text: string;
  try { text = fromChain(e.note); } catch { return `(note ${unreadable(e.note)})`; }
  if (!a.keys || !isSealedNote(text)) return `(sealed note, ${e.note.length} bytes)`;
  try {
    return await openNote(a.keys, bytes(patient), bytes(e.doctor), bytes(a.me), text);
  } catch {
    return `(sealed note, ${e.note.length} bytes: it does not open with your key)`;
  }
}

export async function setFee(a: Actor, fee: bigint): Promise<void> {
  await tx(a, 'appointments', 'set_fee', [fee]);
}

export async function withdraw(a: Actor): Promise<bigint> {
  const sent = await tx(a, 'appointments', 'withdraw', []);
  const ev = eventOf(sent, 'Withdrawn');
  return ev ? (ev.args.amount as bigint) : (sent.value as bigint);
}

// ---------------------------------------------------------------------------
// guardians

/** Whether the deployed suite has guardians, the emergency card and the guardian's booking power (older suites do not). */
export function hasCareCircle(chain: Chain): { guardians: boolean; card: boolean; booking: boolean } {
  return {
    guardians: hasMessage(chain, 'permissions', 'appoint_guardian'),
    card: hasMessage(chain, 'records', 'set_card'),
    booking: hasMessage(chain, 'appointments', 'request_appointment_for'),
  };
}

/** A patient's guardians (expired ones too, until removed). Empty on suites without guardians. */
export async function guardiansOf(chain: Chain, caller: string, patient: string): Promise<{ guardian: string; guardianship: Guardianship }[]> {
  if (!hasMessage(chain, 'permissions', 'guardians_of')) return [];
  const out: { guardian: string; guardianship: Guardianship }[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[string, Guardianship][]>(chain, 'permissions', 'guardians_of', caller, [patient, start, PAGE]);
    out.push(...page.map(([guardian, guardianship]) => ({ guardian, guardianship })));
    if (page.length < PAGE) return out;
  }
}

/** The patients `guardian` is guardian of. */
export async function wardsOf(chain: Chain, caller: string, guardian: string): Promise<{ patient: string; guardianship: Guardianship }[]> {
  if (!hasMessage(chain, 'permissions', 'wards_of')) return [];
  const out: { patient: string; guardianship: Guardianship }[] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[string, Guardianship][]>(chain, 'permissions', 'wards_of', caller, [guardian, start, PAGE]);
    out.push(...page.map(([patient, guardianship]) => ({ patient, guardianship })));
    if (page.length < PAGE) return out;
  }
}

export async function guardianshipOf(chain: Chain, caller: string, patient: string, guardian: string): Promise<Guardianship | null> {
  if (!hasMessage(chain, 'permissions', 'guardianship')) return null;
  return read<Guardianship | null>(chain, 'permissions', 'guardianship', caller, [patient, guardian]);
}

/**
 * The patient appoints `guardian` (or changes her powers or expiry). With
 * the read power, her existing data keys (profile, records, medications,
 * emergency card) are wrapped for the guardian at once, in share_keys
 * batches, as for a granted doctor; a guardian re-appointed without it
 * loses the keys it gave her. Returns how many keys were wrapped and a note.
 */
export async function appointGuardian(a: Actor, guardian: string, powers: GuardianPowers, expiresAt: number | null, name: string, progress: Progress): Promise<{ rewrapped: number; note: string }> {
  progress(`appointing ${name} as your guardian`);
  const before = await guardianshipOf(a.chain, a.me, a.me, guardian);
  await tx(a, 'permissions', 'appoint_guardian', [guardian, powers, expiresAt], { who: { other: name } });
  if (!powers.read) {
    // a guardian who loses the read power loses the keys only that power gave her
    if (!before?.powers.read) return { rewrapped: 0, note: '' };
    const grant = (await grantsOf(a.chain, a.me, a.me)).find(g => g.grantee === guardian)?.grant ?? null;
    const now = Date.now();
    const removed = await removeKeysOf(a, guardian, name, item => keepsKey(item, grant, null, now), progress);
    return { rewrapped: 0, note: removed ? `The ${removed} key(s) wrapped for them are removed (no read power any more).` : '' };
  }
  const pk = await publishedKey(a.chain, a.me, guardian);
  if (!pk) return { rewrapped: 0, note: `${name} has published no encryption key yet: nothing re-wrapped (appoint again once they have).` };
  const r = await rewrapFor(a, guardian, pk, await itemsFor(a, { demographics: true, recordsRead: true }), name, progress);
  return { rewrapped: r.rewrapped, note: skippedNote(r.skipped) };
}

/**
 * The patient removes `guardian`, then removes the keys wrapped for her
 * (those a grant of hers still covers stay). Returns how many keys were removed.
 */
export async function removeGuardian(a: Actor, guardian: string, name: string, progress: Progress = () => {}): Promise<number> {
  progress(`removing ${name} as your guardian`);
  await tx(a, 'permissions', 'remove_guardian', [a.me, guardian], { who: { other: name } });
  const grant = (await grantsOf(a.chain, a.me, a.me)).find(g => g.grantee === guardian)?.grant ?? null;
  const now = Date.now();
  return removeKeysOf(a, guardian, name, item => keepsKey(item, grant, null, now), progress);
}

/** A guardian steps down (her own `remove_guardian` for `patient`). */
export async function stepDown(a: Actor, patient: string, name: string): Promise<void> {
  await tx(a, 'permissions', 'remove_guardian', [patient, a.me], { who: { other: name } });
}

// ---------------------------------------------------------------------------
// the emergency card

/** The emergency custodian the head designated: the key service's account and encryption key. */
export interface Custodian { account: string; encryptionKey: Uint8Array }
/** A patient's card as stored (ciphertext). */
export interface EmergencyCard { body: Uint8Array; version: bigint; updatedAt: bigint }

export async function custodianOf(chain: Chain, caller: string): Promise<Custodian | null> {
  if (!hasMessage(chain, 'records', 'custodian')) return null;
  return read<Custodian | null>(chain, 'records', 'custodian', caller, []);
}

/** The head designates the emergency custodian (its account and X25519 public key). */
export async function designateCustodian(a: Actor, account: string, encryptionKey: Uint8Array, name: string): Promise<void> {
  await tx(a, 'records', 'designate_custodian', [account, u8aToHex(encryptionKey)], { who: { other: name } });
}

export async function cardOf(chain: Chain, caller: string, patient: string): Promise<EmergencyCard | null> {
  if (!hasMessage(chain, 'records', 'card')) return null;
  return read<EmergencyCard | null>(chain, 'records', 'card', caller, [patient]);
}

export interface CardView {
  card: EmergencyCard | null;
  /** Opened with the reader's key. */
  fields: CardFields | null;
  /** Why it stayed sealed. */
  problem: string | null;
  /** Who holds a wrapped key of it now. */
  holders: string[];
}

/** A patient's emergency card, opened where the reader holds its key. */
export async function cardView(a: Actor, patient: string): Promise<CardView> {
  const card = await cardOf(a.chain, a.me, patient);
  if (!card) return { card: null, fields: null, problem: null, holders: [] };
  const holders = await keyHolders(a.chain, a.me, patient, { kind: 'Card' });
  if (!a.keys) return { card, fields: null, problem: 'Unlock your encryption key to open it.', holders };
  try {
    const k = await myKey(a, patient, { kind: 'Card' });
    if (!k) return { card, fields: null, problem: 'Its key is not wrapped for you.', holders };
    return { card, fields: openCard(k, bytes(patient), card.body), problem: null, holders };
  } catch (e) {
    const why = e instanceof CryptoError && e.kind === 'Open' ? 'the ciphertext does not open with its key: it was altered' : (e as Error).message;
    return { card, fields: null, problem: `It does not open: ${why}.`, holders };
  }
}

/**
 * The patient sets (or replaces) her emergency card: sealed in this page
 * under a fresh data key, the key wrapped for her and for the emergency
 * custodian (`records.set_card`, which drops every key of the earlier
 * card), then for everyone who holds her read access now (RecordsRead
 * grantees, guardians with the read power). Returns the card's version and
 * whom else its key was wrapped for.
 */
export async function setCard(a: Actor, typed: CardFields, nameOf: (x: string) => string, progress: Progress): Promise<{ version: number; custodian: string; sharedWith: string[] }> {
  const keys = needKeys(a);
  const card = trimCard(typed);
  const problem = cardProblem(card);
  if (problem) throw new Error(problem);
  const custodian = await custodianOf(a.chain, a.me);
  if (!custodian) throw new Refusal(explainError('NoCustodian', 'set_card'), { kind: 'error', variant: 'NoCustodian' });
  const me = bytes(a.me);
  const k = newDataKey();
  progress('sealing your card in this page', 0, 3);
  const sealed = sealCard(k, me, card);
  const own = await wrapKey(keys.publicKey, k, wrapInfo(me, { kind: 'Card' }, me));
  const forCustodian = await wrapKey(custodian.encryptionKey, k, wrapInfo(me, { kind: 'Card' }, bytes(custodian.account)));
  progress('storing the sealed card, its key wrapped for you and the emergency custodian', 1, 3);
  // the card's on-chain form (0xFF 0x06 ‖ nonce ‖ ciphertext); its text's bytes for bundles from before issue 16
  const body = storesBytes(a.chain, 'records') ? toChain(sealed) : utf8(sealed);
  const sent = await tx(a, 'records', 'set_card', [u8aToHex(body), u8aToHex(own), u8aToHex(forCustodian)]);
  const ev = eventOf(sent, 'CardSet');
  const version = Number(ev ? (ev.args.version as bigint) : (sent.value as bigint));
  const readers = readersNow(await grantsOf(a.chain, a.me, a.me), await guardiansOf(a.chain, a.me, a.me), Date.now(), [a.me, custodian.account]);
  const sharedWith: string[] = [];
  for (const [i, r] of readers.entries()) {
    progress(`wrapping the card's key for ${nameOf(r)} (${i + 1} of ${readers.length})`, 2, 3);
    const pk = await publishedKey(a.chain, a.me, r);
    if (!pk) continue;
    try {
      await shareWith(a, a.me, { kind: 'Card' }, r, pk, k, { other: nameOf(r) });
      sharedWith.push(r);
    } catch (e) {
      if (e instanceof Refusal && e.outcome.kind === 'error' && e.outcome.variant === 'RecipientNotAllowed') continue;
      throw e;
    }
  }
  progress('card stored', 3, 3);
  return { version, custodian: custodian.account, sharedWith };
}

// ---------------------------------------------------------------------------

export function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  return x.length === y.length && x.every((b, i) => b === y[i]);
}

/** A patient's sealed name, opened if the reader holds her profile key. */
export async function patientName(a: Actor, patient: string): Promise<string | null> {
  if (!a.keys) return null;
  try {
    const k = await myKey(a, patient, { kind: 'Profile' });
    if (!k) return null;
    const p = await read<{ profile: { name: Stored } }>(a.chain, 'registry', 'patient_profile', patient, [patient]);
    return openField(k, 0, storedText(p.profile.name)) || null;
  } catch {
    return null;
  }
}
