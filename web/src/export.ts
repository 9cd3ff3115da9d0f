// The FHIR R4 export in the page: gathers everything the signed-in account
// may open for a patient (what `journeys::Client::fhir_export` does for
// `smrms export --fhir FILE`) and builds the Bundle with fhir.ts.
//
// Items this account holds no key for are included without content, marked
// `sealed` (their ciphertext is public chain data and is not exported).
// Grants that ended (revoked, renounced, or replaced by a new grant) are
// found in the permissions contract's events: the blocks are scanned from
// the newest back until every grant the contract counts for the patient
// (`grant_counts.made_total`) has been seen.
import { NOTE_PREFIX, PROFILE_FIELDS, openField, openNote } from './crypto';
import { decodeAddress } from '@polkadot/util-crypto';
import type { EventRecord } from '@polkadot/types/interfaces';
import { CONTRACT_NAMES, type Chain } from './chain/connection';
import { hasMessage, read, Refusal } from './chain/contracts';
import { decodeContractEvents } from './chain/events';
import { Variant, type Plain } from './chain/plain';
import { storedText, type Stored } from './chain/opaque';
import {
  PAGE, accessLog, grantsOf, medicationViews, myKey, providerOf, recordViews,
  type Actor, type AppointmentData as ChainAppointment, type Progress,
} from './journeys';
import {
  APPOINTMENT_STATUSES, checkReferences, fhirBundle, mergeGrants, profileFieldsFromArray, summary,
  type AccessAction, type AccessEntry, type AppointmentData, type AppointmentStatus, type DenyReason, type FhirExport,
  type GrantData, type GrantHistoryItem, type Json, type MedicationData, type ProviderData, type ProviderKind,
  type ProviderStatus, type RecordData,
} from './fhir';
import type { Scopes } from './format';

const ms = (x: bigint | number | null | undefined): number | null => (x === null || x === undefined ? null : Number(x));
const isRefusal = (e: unknown, variant: string) => e instanceof Refusal && e.outcome.kind === 'error' && e.outcome.variant === variant;
const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

// ---------------------------------------------------------------------------
// grant history from the chain's events

export interface GrantHistory {
  events: GrantHistoryItem[];
  /** How many AccessGranted events of the patient were found. */
  granted: number;
  note: string;
}

const ACCESS_EVENTS = ['AccessGranted', 'AccessRevoked', 'AccessRenounced'];

/**
 * The patient's grant events (AccessGranted, AccessRevoked, AccessRenounced
 * of the permissions contract), in chain order. Scans from the best block
 * back to block 1, and stops once `expectedGrants` grants were seen (a
 * grant's end always comes after it); blocks whose state the node pruned
 * are skipped and reported.
 */
export async function grantHistory(chain: Chain, patient: string, expectedGrants: number | null, progress: Progress): Promise<GrantHistory> {
  const { api } = chain;
  const t0 = Date.now();
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const perBlock = new Map<number, GrantHistoryItem[]>();
  const unavailable: number[] = [];
  let granted = 0;
  let lowest = best + 1;
  const BATCH = 8;
  const blockEvents = async (n: number): Promise<GrantHistoryItem[] | null> => {
    try {
      const hash = await api.rpc.chain.getBlockHash(n);
      const at = await api.at(hash);
      const records = (await at.query.system.events()) as unknown as EventRecord[];
      const mine = decodeContractEvents(chain, records)
        .filter(e => e.contract === 'permissions' && ACCESS_EVENTS.includes(e.name) && e.args.patient === patient);
      if (!mine.length) return [];
      const now = Number((await at.query.timestamp.now()).toString());
      return mine.map(e => {
        const grantee = String(e.args.grantee);
        if (e.name === 'AccessGranted') {
          const exp = (e.args.expiresAt ?? e.args.expires_at ?? null) as bigint | null;
          return { grantee, atMs: now, event: { kind: 'Granted' as const, scopes: e.args.scopes as unknown as Scopes, expiresAtMs: ms(exp) } };
        }
        return { grantee, atMs: now, event: { kind: 'Ended' as const, how: e.name === 'AccessRevoked' ? 'Revoked' as const : 'Renounced' as const } };
      });
    } catch {
      return null;
    }
  };
  while (lowest > 1 && (expectedGrants === null || granted < expectedGrants)) {
    const top = lowest - 1;
    const from = Math.max(1, top - BATCH + 1);
    progress(`scanning blocks for ended grants: ${best - from + 1} of up to ${best}`, best - top, best);
    const ns = Array.from({ length: top - from + 1 }, (_, i) => top - i);
    const found = await Promise.all(ns.map(blockEvents));
    ns.forEach((n, i) => {
      const f = found[i];
      if (f === null || f === undefined) unavailable.push(n);
      else if (f.length) {
        perBlock.set(n, f);
        granted += f.filter(x => x.event.kind === 'Granted').length;
      }
    });
    lowest = from;
  }
  const events = [...perBlock.keys()].sort((x, y) => x - y).flatMap(n => perBlock.get(n)!);
  let note = `grant history: ${events.length} event(s) of this patient in blocks ${lowest}..=${best} (${best - lowest + 1} blocks scanned in ${((Date.now() - t0) / 1000).toFixed(1)} s)`;
  if (unavailable.length) {
    note += `; ${unavailable.length} block(s) between ${Math.min(...unavailable)} and ${Math.max(...unavailable)} unavailable (pruned state?): grants ended there are missing`;
  }
  return { events, granted, note };
}

// ---------------------------------------------------------------------------
// the export

async function openText(a: Actor, ap: ChainAppointment, stored: Stored): Promise<string | null> {
  // as fhir_export's open_note_opt: empty or never sealed → as it is; sealed → opened, or null (also when unreadable)
  let text: string;
  try { text = storedText(stored); } catch { return null; }
  if (text === '' || !text.startsWith(NOTE_PREFIX)) return text;
  if (!a.keys) return null;
  try {
    return await openNote(a.keys, decodeAddress(ap.patient), decodeAddress(ap.doctor), decodeAddress(a.me), text);
  } catch {
    return null;
  }
}

async function appointmentPages(a: Actor, message: string, who: string): Promise<[bigint, ChainAppointment][]> {
  const out: [bigint, ChainAppointment][] = [];
  for (let start = 0; ; start += PAGE) {
    const page = await read<[bigint, ChainAppointment][]>(a.chain, 'appointments', message, a.me, [who, start, PAGE]);
    out.push(...page);
    if (page.length < PAGE) return out;
  }
}

const ACTION_KINDS = [
  'ReadProfile', 'ReadRecord', 'WriteRecord', 'WriteMedication', 'SetAppointment', 'OpenEmergency', 'StopMedication', 'UpdateAppointment',
  'GrantAccess', 'RevokeAccess', 'ReadCard', 'BookAppointment', 'ManageAppointment',
];
const DENY_REASONS = ['NoConsent', 'NotVerified', 'Unregistered', 'WrongRole'];

function accessAction(v: Variant): AccessAction {
  if (!ACTION_KINDS.includes(v.tag)) throw new Error(`unknown access action ${v.tag}`);
  if (v.tag === 'ReadRecord' || v.tag === 'ManageAppointment') {
    if (typeof v.value !== 'bigint' && typeof v.value !== 'number') throw new Error(`access action ${v.tag} without its id`);
    return { kind: v.tag, id: Number(v.value) };
  }
  return { kind: v.tag as Exclude<AccessAction['kind'], 'ReadRecord' | 'ManageAppointment'> };
}

function accessOutcome(v: Variant): AccessEntry['outcome'] {
  if (v.tag === 'Granted' || v.tag === 'GrantedEmergency' || v.tag === 'GrantedGuardian') return { kind: v.tag };
  if (v.tag === 'Denied') {
    const r = v.value instanceof Variant ? v.value.tag : String(v.value);
    if (!DENY_REASONS.includes(r)) throw new Error(`unknown deny reason ${r}`);
    return { kind: 'Denied', reason: r as DenyReason };
  }
  throw new Error(`unknown access outcome ${v.tag}`);
}

/**
 * Everything `a` may open for `patient`, as the plain data of a FHIR export,
 * with notes on what is covered.
 */
export async function gatherExport(a: Actor, patient: string, progress: Progress): Promise<{ export: FhirExport; notes: string[] }> {
  const { chain } = a;
  const notes: string[] = [];
  const exportedAtMs = Date.now();

  // profile: the contract's check is advisory (storage is public): read as the patient
  progress('opening the profile');
  const p = await read<{ profile: Record<string, Plain> }>(chain, 'registry', 'patient_profile', patient, [patient]);
  let pk: Uint8Array | null = null;
  try { pk = a.keys ? await myKey(a, patient, { kind: 'Profile' }) : null; } catch { pk = null; }
  const opened = PROFILE_FIELDS.map(f => {
    let stored: string;
    try { stored = storedText((p.profile[camel(f.name)] ?? null) as Stored | null); } catch { return null; }
    if (stored === '') return '';
    if (!pk) return null;
    try { return openField(pk, f.index, stored); } catch { return null; }
  });
  let registeredAtMs: number | null = null;
  let identityVerified = false;
  if (hasMessage(chain, 'registry', 'patient_registration')) {
    const [at, verified] = await read<[bigint, boolean]>(chain, 'registry', 'patient_registration', a.me, [patient]);
    registeredAtMs = Number(at);
    identityVerified = verified === true;
  }
  const profile = { fields: profileFieldsFromArray(opened), registeredAtMs, identityVerified };
  if (opened.every(x => x === null)) notes.push('profile: no profile key is wrapped for me: Patient exported with its account only');

  // grants: current ones, then what the chain's events say about ended ones
  progress('listing the grants');
  const current: GrantData[] = (await grantsOf(chain, a.me, patient)).map(g => ({
    grantee: g.grantee, scopes: g.grant.scopes, grantedAtMs: Number(g.grant.grantedAt), expiresAtMs: ms(g.grant.expiresAt), ended: null,
  }));
  let made: number | null = null;
  if (hasMessage(chain, 'permissions', 'grant_counts')) {
    const counts = await read<{ madeTotal?: bigint; made_total?: bigint }>(chain, 'permissions', 'grant_counts', a.me, [patient]);
    const total = counts.madeTotal ?? counts.made_total;
    made = total === undefined ? null : Number(total);
  }
  const h = made === 0 ? { events: [], granted: 0, note: 'grant history: the permissions contract counts no grant made: nothing to scan' } : await grantHistory(chain, patient, made, progress);
  notes.push(h.note);
  if (made !== null && made > 0) {
    notes.push(h.granted >= made
      ? `grants: the permissions contract counts ${made} grant(s) made; all ${h.granted} found`
      : `grants: the permissions contract counts ${made} grant(s) made; ${h.granted} found: earlier ones that ended are missing`);
  }
  const grants = mergeGrants(current, h.events);

  // records
  progress('opening the records');
  const records: RecordData[] = (await recordViews(a, patient)).map(v => {
    let why = 'not opened';
    if (!a.keys) why = 'the encryption key is not unlocked in this page';
    else if (v.problem?.startsWith('No data key')) why = 'no data key is wrapped for me (never granted, granted after a revocation, or shredded)';
    else if (v.problem) why = v.problem.replace(/\.$/, '').replace(/^./, c => c.toLowerCase());
    return {
      id: v.id,
      kind: v.data.kind.tag,
      author: v.data.author,
      createdAtMs: Number(v.data.createdAt),
      block: Number(v.data.block),
      contentHash: v.data.contentHash,
      hashOk: v.hashOk,
      supersedes: ms(v.data.supersedes),
      supersededBy: ms(v.data.supersededBy),
      emergency: v.data.emergency === true,
      content: v.opened ? { opened: v.opened } : { sealed: why },
    };
  });

  // medications
  progress('opening the medications');
  const medications: MedicationData[] = (await medicationViews(a, patient)).map(m => ({
    id: m.id,
    text: m.opened,
    startMs: Number(m.data.start),
    endMs: ms(m.data.end),
    prescribedBy: m.data.prescribedBy,
    addedBy: m.data.addedBy,
    stoppedAtMs: ms(m.data.stoppedAt),
    emergency: (m.data as unknown as { emergency?: boolean }).emergency === true,
  }));

  // appointments: the patient and the head see all of hers; a doctor his own with her
  progress('opening the appointments');
  let list: [bigint, ChainAppointment][];
  try {
    list = await appointmentPages(a, 'patient_appointments', patient);
  } catch (e) {
    if (!isRefusal(e, 'NotParticipant')) throw e;
    try {
      list = (await appointmentPages(a, 'doctor_appointments', a.me)).filter(([, x]) => x.patient === patient);
      notes.push("appointments: only mine with this patient (a patient's list is hers and the head's)");
    } catch (e2) {
      if (!isRefusal(e2, 'NotParticipant')) throw e2;
      notes.push('appointments: none visible to me (not the patient, the head or a doctor)');
      list = [];
    }
  }
  const appointments: AppointmentData[] = [];
  for (const [id, x] of list) {
    const status = x.status.tag as AppointmentStatus;
    if (!APPOINTMENT_STATUSES.includes(status)) throw new Error(`appointment ${id}: unknown status ${x.status.tag}`);
    appointments.push({
      id: Number(id),
      doctor: x.doctor,
      patient: x.patient,
      startMs: Number(x.start),
      durationMin: Number(x.durationMin),
      status,
      createdAtMs: Number(x.createdAt),
      proposedStartMs: ms(x.proposedStart),
      reason: await openText(a, x, x.reason),
      diagnosis: await openText(a, x, x.diagnosis),
      prescription: await openText(a, x, x.prescription),
    });
  }

  // the access log
  progress('reading the access log');
  const accessLogEntries: AccessEntry[] = (await accessLog(chain, a.me, patient)).map((e, index) => ({
    index, accessor: e.accessor, action: accessAction(e.action), outcome: accessOutcome(e.outcome), atMs: Number(e.at),
  }));

  // the providers involved, from the registry's public directory
  progress('reading the providers involved');
  const involved: string[] = [];
  const add = (x: string | null) => { if (x && x !== patient && !involved.includes(x)) involved.push(x); };
  grants.forEach(g => add(g.grantee));
  records.forEach(r => add(r.author));
  medications.forEach(m => { add(m.addedBy); add(m.prescribedBy); });
  appointments.forEach(x => add(x.doctor));
  accessLogEntries.forEach(e => add(e.accessor));
  const providers: ProviderData[] = [];
  for (const account of involved) {
    try {
      const pr = await providerOf(chain, a.me, account);
      const d = pr.details;
      providers.push({
        account, name: d.name, phone: d.phone, gender: d.gender, qualification: d.qualification, specialization: d.specialization,
        kind: d.kind.tag as ProviderKind, status: pr.status.tag as ProviderStatus,
      });
    } catch (e) {
      if (!isRefusal(e, 'UnknownProvider')) throw e;
    }
  }

  return {
    export: {
      patient,
      exportedBy: a.me,
      exportedAtMs,
      contracts: CONTRACT_NAMES.map(c => [c, chain.addresses[c]] as [string, string]),
      profile,
      providers,
      grants,
      appointments,
      medications,
      records,
      accessLog: accessLogEntries,
    },
    notes,
  };
}

export interface ExportResult {
  bundle: Json;
  /** The bundle as the file's text (pretty JSON). */
  text: string;
  total: number;
  byType: Record<string, number>;
  sealed: number;
  notes: string[];
}

/** Gathers, builds and checks the FHIR R4 Bundle of `patient` as `a` sees it. */
export async function fhirExport(a: Actor, patient: string, progress: Progress): Promise<ExportResult> {
  const { export: e, notes } = await gatherExport(a, patient, progress);
  progress('building the FHIR R4 bundle');
  const bundle = fhirBundle(e);
  const problems = checkReferences(bundle);
  if (problems.length) throw new Error(`The bundle is inconsistent (nothing downloaded): ${problems.join('; ')}`);
  const s = summary(bundle);
  return { bundle, text: `${JSON.stringify(bundle, null, 2)}\n`, total: s.total, byType: s.byType, sealed: s.sealed, notes };
}

/** "Appointment 1, Consent 1, …": resources per type, sorted by type. */
export function typesText(byType: Record<string, number>): string {
  return Object.keys(byType).sort().map(t => `${t} ${byType[t]}`).join(', ');
}
