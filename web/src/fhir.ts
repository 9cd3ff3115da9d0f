// FHIR R4 export: a patient's data as a FHIR R4 `Bundle` of type
// `collection`. A port of client/src/fhir.rs (the specification): the same
// resources, identifiers, code systems, status mappings and `urn:uuid:`
// full URLs, so the page's export and `smrms export --fhir FILE` of the same
// data agree (fhir.test.ts compares the two on the Rust unit test's sample).
//
// A pure function from plain, already fetched and opened data to the Bundle
// JSON: nothing here talks to a chain. The glue that fills an `FhirExport`
// from the chain is `fhirExport` in export.ts.
//
// | SMRMS | FHIR R4 |
// |---|---|
// | the sealed profile (opened with the exporter's key) | Patient, Observation (blood group, LOINC 882-1), AllergyIntolerance |
// | a provider involved | Practitioner + PractitionerRole |
// | a grant (current, or ended as found in the chain's events) | Consent (scopes as provision.action, period, inactive once ended) |
// | an appointment | Appointment (status mapped) |
// | a medication entry | MedicationStatement |
// | a record | DocumentReference (content hash, block and commitment salt as identifiers) |
// | an access-log entry | AuditEvent (granted, emergency, by a guardian, denied with its reason) |
//
// Items the exporter cannot open are exported without content and marked:
// `meta.tag` `urn:smrms:export#sealed` and the `data-absent-reason`
// extension (`masked`) where FHIR requires the element.
import { blake2b } from '@noble/hashes/blake2.js';
import type { Scopes } from './format';

/** The FHIR version the bundle follows. */
export const FHIR_VERSION = '4.0.1';
export const SYS_ACCOUNT = 'urn:smrms:account';
export const SYS_RECORD = 'urn:smrms:record';
export const SYS_CONTENT_HASH = 'urn:smrms:content-hash';
export const SYS_BLOCK = 'urn:smrms:block';
export const SYS_SALT = 'urn:smrms:commitment-salt';
export const SYS_MEDICATION = 'urn:smrms:medication';
export const SYS_APPOINTMENT = 'urn:smrms:appointment';
export const SYS_GRANT = 'urn:smrms:grant';
export const SYS_EXPORT = 'urn:smrms:export';
export const SYS_SCOPE = 'urn:smrms:scope';
export const SYS_RECORD_KIND = 'urn:smrms:record-kind';
export const SYS_ACTION = 'urn:smrms:access-action';
export const SYS_TAG = 'urn:smrms:export';

const DAR = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

// ---------------------------------------------------------------------------
// input: plain data (times are Unix milliseconds)

/** The profile's nine text fields; null where the exporter could not open it ('' when empty). */
export interface ProfileFields {
  name: string | null;
  dateOfBirth: string | null;
  gender: string | null;
  homeAddress: string | null;
  phone: string | null;
  bloodGroup: string | null;
  allergies: string | null;
  emergencyContactName: string | null;
  emergencyContactPhone: string | null;
}

/** From the nine fields in PROFILE_FIELDS order. */
export function profileFieldsFromArray(f: readonly (string | null)[]): ProfileFields {
  const v = (i: number) => f[i] ?? null;
  return {
    name: v(0), dateOfBirth: v(1), gender: v(2), homeAddress: v(3), phone: v(4), bloodGroup: v(5), allergies: v(6),
    emergencyContactName: v(7), emergencyContactPhone: v(8),
  };
}

export function allSealed(f: ProfileFields): boolean {
  return Object.values(f).every(x => x === null);
}

export interface ProfileData {
  fields: ProfileFields;
  registeredAtMs: number | null;
  identityVerified: boolean;
}

export type ProviderKind = 'Doctor' | 'Nurse' | 'Lab' | 'Pharmacist';
export type ProviderStatus = 'Pending' | 'Verified' | 'Rejected' | 'Suspended';

/** A provider's public directory entry. */
export interface ProviderData {
  account: string;
  name: string;
  phone: string;
  gender: string;
  qualification: string;
  specialization: string;
  kind: ProviderKind;
  status: ProviderStatus;
}

/** How a grant ended. */
export type GrantEndKind = 'Revoked' | 'Renounced' | 'Replaced' | 'Unknown';

const END_CODES: Record<GrantEndKind, string> = { Revoked: 'revoked', Renounced: 'renounced', Replaced: 'replaced', Unknown: 'ended' };

/** One grant: current (`ended` null), or ended. */
export interface GrantData {
  grantee: string;
  scopes: Scopes;
  grantedAtMs: number | null;
  /** Exclusive; null = until revoked. */
  expiresAtMs: number | null;
  ended: { kind: GrantEndKind; atMs: number | null } | null;
}

/** A grant event of one patient, as the permissions contract emits it. */
export type GrantEvent =
  | { kind: 'Granted'; scopes: Scopes; expiresAtMs: number | null }
  | { kind: 'Ended'; how: GrantEndKind };

/** A grant event with its grantee and block time, in chain order. */
export interface GrantHistoryItem { grantee: string; atMs: number | null; event: GrantEvent }

export const NO_SCOPES: Scopes = { demographics: false, recordsRead: false, recordsWrite: false, appointments: false };

/**
 * The grants to export (fhir.rs `merge_grants`): every grant of `history`
 * that ended, then the `current` grants (the contract's list, authoritative
 * for what is in force). A grant the history opens that is not current any
 * more ended where the history does not show it (`Unknown`); an end without
 * its grant in the history is kept with no scopes.
 */
export function mergeGrants(current: GrantData[], history: GrantHistoryItem[]): GrantData[] {
  const open: GrantData[] = [];
  const out: GrantData[] = [];
  for (const { grantee, atMs, event } of history) {
    const i = open.findIndex(g => g.grantee === grantee);
    const prev = i >= 0 ? open.splice(i, 1)[0]! : null;
    if (event.kind === 'Granted') {
      if (prev) out.push({ ...prev, ended: { kind: 'Replaced', atMs } });
      open.push({ grantee, scopes: event.scopes, grantedAtMs: atMs, expiresAtMs: event.expiresAtMs, ended: null });
    } else {
      const p = prev ?? { grantee, scopes: { ...NO_SCOPES }, grantedAtMs: null, expiresAtMs: null, ended: null };
      out.push({ ...p, ended: { kind: event.how, atMs } });
    }
  }
  for (const p of open) {
    if (!current.some(c => c.grantee === p.grantee)) out.push({ ...p, ended: { kind: 'Unknown', atMs: null } });
  }
  out.push(...current);
  // a stable sort, as Rust's sort_by_key
  const key = (g: GrantData) => g.grantedAtMs ?? g.ended?.atMs ?? 0;
  return out.map((g, i) => ({ g, i })).sort((x, y) => key(x.g) - key(y.g) || x.i - y.i).map(x => x.g);
}

/** An appointment's status, as the appointments contract names it. */
export type AppointmentStatus = 'Requested' | 'Proposed' | 'Booked' | 'Completed' | 'Cancelled' | 'Declined' | 'NoShow';
export const APPOINTMENT_STATUSES: readonly AppointmentStatus[] = ['Requested', 'Proposed', 'Booked', 'Completed', 'Cancelled', 'Declined', 'NoShow'];

/** FHIR's Appointment.status for an SMRMS status. */
export function appointmentStatus(s: AppointmentStatus): string {
  switch (s) {
    case 'Requested': return 'proposed';
    case 'Proposed': return 'pending';
    case 'Booked': return 'booked';
    case 'Completed': return 'fulfilled';
    case 'Cancelled': case 'Declined': return 'cancelled';
    case 'NoShow': return 'noshow';
  }
}

/** One appointment; texts are null when the exporter could not open them (not a participant). */
export interface AppointmentData {
  id: number;
  doctor: string;
  patient: string;
  startMs: number;
  durationMin: number;
  status: AppointmentStatus;
  createdAtMs: number;
  proposedStartMs: number | null;
  reason: string | null;
  diagnosis: string | null;
  prescription: string | null;
}

export interface MedicationText { name: string; dose: string; frequency: string; notes: string }

/** One medication entry; `text` null when no key is wrapped for the exporter. */
export interface MedicationData {
  id: number;
  text: MedicationText | null;
  startMs: number;
  endMs: number | null;
  prescribedBy: string | null;
  addedBy: string;
  stoppedAtMs: number | null;
  emergency: boolean;
}

/** A record's content: opened (and checked against its commitment), or sealed and why. */
export type RecordContent =
  | { opened: { title: string; body: string; salt: Uint8Array } }
  | { sealed: string };

export interface RecordData {
  id: number;
  /** As the contract names it (Diagnosis, Note, …). */
  kind: string;
  author: string;
  createdAtMs: number;
  block: number;
  contentHash: Uint8Array;
  hashOk: boolean;
  supersedes: number | null;
  supersededBy: number | null;
  emergency: boolean;
  content: RecordContent;
}

export type AccessAction =
  | { kind: 'ReadProfile' | 'WriteRecord' | 'WriteMedication' | 'SetAppointment' | 'OpenEmergency' | 'StopMedication' | 'UpdateAppointment' | 'GrantAccess' | 'RevokeAccess' | 'ReadCard' | 'BookAppointment' }
  | { kind: 'ReadRecord'; id: number }
  | { kind: 'ManageAppointment'; id: number };
export type DenyReason = 'NoConsent' | 'NotVerified' | 'Unregistered' | 'WrongRole';
export type AccessOutcome = { kind: 'Granted' } | { kind: 'GrantedEmergency' } | { kind: 'GrantedGuardian' } | { kind: 'Denied'; reason: DenyReason };

export interface AccessEntry {
  /** Position in the log. */
  index: number;
  accessor: string;
  action: AccessAction;
  outcome: AccessOutcome;
  atMs: number;
}

/** Everything the exporter could fetch for one patient. */
export interface FhirExport {
  patient: string;
  exportedBy: string;
  exportedAtMs: number;
  /** The suite's contracts (name, address), named as the audit source. */
  contracts: [string, string][];
  profile: ProfileData;
  providers: ProviderData[];
  grants: GrantData[];
  appointments: AppointmentData[];
  medications: MedicationData[];
  records: RecordData[];
  accessLog: AccessEntry[];
}

// ---------------------------------------------------------------------------
// helpers

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
type Obj = Record<string, Json>;

/** Unix ms as a FHIR instant (YYYY-MM-DDThh:mm:ss.sssZ, UTC); clamped to year 9999. */
export function instant(ms: number): string {
  const clamped = Math.min(Math.max(0, ms), 253_402_300_799_999);
  return new Date(clamped).toISOString();
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (b: Uint8Array) => Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
const hex0x = (b: Uint8Array) => `0x${hex(b)}`;

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A deterministic urn:uuid: for an item of a patient (version 8, name-based on blake2b-256). */
export function itemUrn(patient: string, item: string): string {
  const p = utf8(patient);
  const it = utf8(item);
  const tag = utf8('smrms/fhir/v1');
  const input = new Uint8Array(tag.length + p.length + 1 + it.length);
  input.set(tag, 0);
  input.set(p, tag.length);
  input[tag.length + p.length] = 0;
  input.set(it, tag.length + p.length + 1);
  const b = blake2b(input, { dkLen: 32 }).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const x = hex(b);
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** FHIR's administrative gender for a free-text gender (null when empty). */
export function gender(text: string): string | null {
  const t = text.trim().toLowerCase();
  if (t === '') return null;
  if (['m', 'male', 'man'].includes(t)) return 'male';
  if (['f', 'female', 'woman'].includes(t)) return 'female';
  if (['unknown', 'u'].includes(t)) return 'unknown';
  return 'other';
}

/** True for a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD, month and day in range). */
export function isFhirDate(s: string): boolean {
  const p = s.split('-');
  const num = (x: string | undefined, n: number) => x !== undefined && x.length === n && /^[0-9]+$/.test(x);
  const okYear = num(p[0], 4) && p[0] !== '0000';
  const okMonth = p[1] === undefined || (num(p[1], 2) && Number(p[1]) >= 1 && Number(p[1]) <= 12);
  const okDay = p[2] === undefined || (num(p[2], 2) && Number(p[2]) >= 1 && Number(p[2]) <= 31);
  return p.length <= 3 && okYear && okMonth && okDay;
}

const coding = (system: string, code: string, display: string) => ({ system, code, display });
const tag = (code: string, display: string) => coding(SYS_TAG, code, display);
const masked = () => [{ url: DAR, valueCode: 'masked' }];
const emergencyLabel = () => coding(ACT_REASON, 'ETREAT', 'Emergency Treatment');

function nonEmpty(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

function setMeta(r: Obj, tags: Json[], security: Json[]) {
  const meta: Obj = {};
  if (tags.length) meta.tag = tags;
  if (security.length) meta.security = security;
  if (Object.keys(meta).length) r.meta = meta;
}

const RECORD_KIND_LOINC: Record<string, [string, string]> = {
  Diagnosis: ['29548-5', 'Diagnosis Narrative'],
  Prescription: ['57833-6', 'Prescription for medication'],
  LabResult: ['11502-2', 'Laboratory report'],
  Procedure: ['28570-0', 'Procedure note'],
  Imaging: ['18748-4', 'Diagnostic imaging study'],
  Note: ['34109-9', 'Note'],
};

/** (SMRMS scope, FHIR consentaction code, words) for each granted scope. */
export function scopeCodes(s: Scopes): [string, string | null, string][] {
  const v: [string, string | null, string][] = [];
  if (s.demographics) v.push(['demographics', 'access', 'read the profile (demographics)']);
  if (s.recordsRead) v.push(['records-read', 'access', 'read medical records and medications']);
  if (s.recordsWrite) v.push(['records-write', 'collect', 'add medical records and medications']);
  if (s.appointments) v.push(['appointments', null, 'set appointments']);
  return v;
}

const DENY_WORDS: Record<DenyReason, string> = {
  NoConsent: 'no consent (none given, revoked or expired) and no emergency access open',
  NotVerified: 'the provider is not verified',
  Unregistered: 'the accessor is not registered',
  WrongRole: "the accessor's role may not do this",
};

/** (code, DICOM action, restful interaction, contract) of each access-log action. */
const ACTIONS: Record<AccessAction['kind'], [string, string | null, string]> = {
  ReadProfile: ['R', 'read', 'registry'],
  ReadRecord: ['R', 'read', 'records'],
  WriteRecord: ['C', 'create', 'records'],
  WriteMedication: ['C', 'create', 'records'],
  SetAppointment: ['C', 'create', 'appointments'],
  OpenEmergency: ['E', null, 'permissions'],
  StopMedication: ['U', 'update', 'records'],
  UpdateAppointment: ['U', 'update', 'appointments'],
  GrantAccess: ['C', null, 'permissions'],
  RevokeAccess: ['D', null, 'permissions'],
  ReadCard: ['R', 'read', 'records'],
  BookAppointment: ['C', 'create', 'appointments'],
  ManageAppointment: ['U', 'update', 'appointments'],
};

// ---------------------------------------------------------------------------
// the bundle

class Builder {
  /** account → [fullUrl, display] */
  private people = new Map<string, [string, string]>();
  readonly entries: Json[] = [];

  constructor(private readonly e: FhirExport) {
    const pname = nonEmpty(e.profile.fields.name) ?? 'the patient';
    this.people.set(e.patient, [itemUrn(e.patient, 'patient'), pname]);
    for (const p of e.providers) {
      if (p.account !== e.patient) this.people.set(p.account, [itemUrn(e.patient, `practitioner/${p.account}`), p.name]);
    }
  }

  private urn(item: string) { return itemUrn(this.e.patient, item); }

  /** A reference to an account: inside the bundle if it is the patient or a listed provider, else by identifier. */
  private who(account: string): Json {
    const known = this.people.get(account);
    if (known) return { reference: known[0], display: known[1] };
    return { identifier: { system: SYS_ACCOUNT, value: account }, display: `account ${account}` };
  }

  private patientRef() { return this.who(this.e.patient); }

  private push(fullUrl: string, resource: Obj) { this.entries.push({ fullUrl, resource }); }

  patient() {
    const f = this.e.profile.fields;
    const r: Obj = { resourceType: 'Patient', id: 'patient' };
    const tags: Json[] = [];
    if (allSealed(f)) tags.push(tag('sealed', 'profile not opened: no profile key is wrapped for the exporting account'));
    if (this.e.profile.identityVerified) tags.push(tag('identity-verified', 'identity checked off-chain by the head office'));
    setMeta(r, tags, []);
    r.identifier = [{ system: SYS_ACCOUNT, value: this.e.patient }];
    r.active = true;
    const n = nonEmpty(f.name);
    if (n) r.name = [{ text: n }];
    const p = nonEmpty(f.phone);
    if (p) r.telecom = [{ system: 'phone', value: p }];
    const g = nonEmpty(f.gender);
    const gc = g ? gender(g) : null;
    if (gc) r.gender = gc;
    const d = nonEmpty(f.dateOfBirth);
    if (d && isFhirDate(d)) r.birthDate = d;
    const a = nonEmpty(f.homeAddress);
    if (a) r.address = [{ text: a }];
    const ecn = nonEmpty(f.emergencyContactName);
    const ecp = nonEmpty(f.emergencyContactPhone);
    if (ecn || ecp) {
      const c: Obj = { relationship: [{ coding: [coding('http://terminology.hl7.org/CodeSystem/v2-0131', 'C', 'Emergency Contact')] }] };
      if (ecn) c.name = { text: ecn };
      if (ecp) c.telecom = [{ system: 'phone', value: ecp }];
      r.contact = [c];
    }
    this.push(this.people.get(this.e.patient)![0], r);

    const b = nonEmpty(f.bloodGroup);
    if (b) {
      this.push(this.urn('blood-group'), {
        resourceType: 'Observation',
        id: 'blood-group',
        status: 'final',
        code: { coding: [coding('http://loinc.org', '882-1', 'ABO and Rh group [Type] in Blood')], text: 'Blood group' },
        subject: this.patientRef(),
        valueCodeableConcept: { text: b },
      });
    }
    const al = nonEmpty(f.allergies);
    if (al) {
      this.push(this.urn('allergies'), {
        resourceType: 'AllergyIntolerance',
        id: 'allergies',
        clinicalStatus: { coding: [coding('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', 'active', 'Active')] },
        code: { text: al },
        patient: this.patientRef(),
      });
    }
  }

  practitioners() {
    this.e.providers.forEach((p, i) => {
      if (p.account === this.e.patient) return;
      const url = this.people.get(p.account)![0];
      const r: Obj = { resourceType: 'Practitioner', id: `practitioner-${i}` };
      setMeta(r, [tag(p.status.toLowerCase(), `verification status: ${p.status}`)], []);
      r.identifier = [{ system: SYS_ACCOUNT, value: p.account }];
      r.active = p.status === 'Verified';
      r.name = [{ text: p.name }];
      if (p.phone.trim()) r.telecom = [{ system: 'phone', value: p.phone.trim() }];
      const g = gender(p.gender);
      if (g) r.gender = g;
      if (p.qualification.trim()) r.qualification = [{ code: { text: p.qualification.trim() } }];
      this.push(url, r);

      const role: Obj = {
        resourceType: 'PractitionerRole',
        id: `practitioner-role-${i}`,
        active: p.status === 'Verified',
        practitioner: { reference: url, display: p.name },
      };
      const code: Record<ProviderKind, [string, string] | null> = {
        Doctor: ['doctor', 'Doctor'], Nurse: ['nurse', 'Nurse'], Pharmacist: ['pharmacist', 'Pharmacist'], Lab: null,
      };
      const c = code[p.kind];
      role.code = c
        ? [{ coding: [coding('http://terminology.hl7.org/CodeSystem/practitioner-role', c[0], c[1])], text: p.kind }]
        : [{ text: 'Laboratory' }];
      if (p.specialization.trim()) role.specialty = [{ text: p.specialization.trim() }];
      this.push(this.urn(`practitioner-role/${p.account}`), role);
    });
  }

  consents() {
    const now = this.e.exportedAtMs;
    this.e.grants.forEach((g, i) => {
      const expired = g.expiresAtMs !== null && g.expiresAtMs <= now;
      const status = g.ended || expired ? 'inactive' : 'active';
      const r: Obj = { resourceType: 'Consent', id: `consent-${i}` };
      const tags: Json[] = [];
      if (g.ended) {
        const how = END_CODES[g.ended.kind];
        tags.push(tag(how, g.ended.atMs !== null ? `grant ${how} at ${instant(g.ended.atMs)}` : `grant ${how} (time not found)`));
      } else if (expired) {
        tags.push(tag('expired', 'grant expired'));
      }
      setMeta(r, tags, []);
      const granted = g.grantedAtMs !== null ? String(g.grantedAtMs) : `unknown-${i}`;
      r.identifier = [{ system: SYS_GRANT, value: `${this.e.patient}/${g.grantee}/${granted}` }];
      r.status = status;
      r.scope = { coding: [coding('http://terminology.hl7.org/CodeSystem/consentscope', 'patient-privacy', 'Privacy Consent')] };
      r.category = [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }];
      r.patient = this.patientRef();
      if (g.grantedAtMs !== null) r.dateTime = instant(g.grantedAtMs);
      r.performer = [this.patientRef()];
      r.policyRule = { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', 'OPTIN', 'opt-in')] };
      const period: Obj = {};
      if (g.grantedAtMs !== null) period.start = instant(g.grantedAtMs);
      const endedAt = g.ended?.atMs ?? null;
      const end = endedAt !== null && g.expiresAtMs !== null ? Math.min(endedAt, g.expiresAtMs) : endedAt ?? g.expiresAtMs;
      if (end !== null) period.end = instant(end);
      const actions = scopeCodes(g.scopes).map(([scope, action, words]) => {
        const codings: Json[] = [];
        if (action) codings.push({ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: action });
        codings.push(coding(SYS_SCOPE, scope, words));
        return { coding: codings, text: words };
      });
      const provision: Obj = { type: 'permit' };
      if (Object.keys(period).length) provision.period = period;
      provision.actor = [{
        role: { coding: [coding('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'IRCP', 'information recipient')] },
        reference: this.who(g.grantee),
      }];
      if (actions.length) provision.action = actions;
      r.provision = provision;
      this.push(this.urn(`consent/${g.grantee}/${granted}`), r);
    });
  }

  appointments() {
    for (const a of this.e.appointments) {
      const r: Obj = { resourceType: 'Appointment', id: `appointment-${a.id}` };
      const sealed = a.reason === null || a.diagnosis === null || a.prescription === null;
      const tags: Json[] = [tag(a.status.toLowerCase(), `SMRMS status ${a.status}`)];
      if (sealed) tags.push(tag('sealed', 'texts not opened: the exporting account is not a participant'));
      setMeta(r, tags, []);
      r.identifier = [{ system: SYS_APPOINTMENT, value: String(a.id) }];
      r.status = appointmentStatus(a.status);
      if (a.status === 'Declined') r.cancelationReason = { text: 'declined by the doctor' };
      if (a.status === 'Cancelled') r.cancelationReason = { text: 'cancelled by a participant' };
      const reason = nonEmpty(a.reason);
      if (reason) r.description = reason;
      r.start = instant(a.startMs);
      r.end = instant(a.startMs + a.durationMin * 60_000);
      if (a.durationMin > 0) r.minutesDuration = a.durationMin;
      r.created = instant(a.createdAtMs);
      const comment: string[] = [];
      const d = nonEmpty(a.diagnosis);
      if (d) comment.push(`Diagnosis: ${d}`);
      const p = nonEmpty(a.prescription);
      if (p) comment.push(`Prescription: ${p}`);
      if (comment.length) r.comment = comment.join('\n');
      if (a.proposedStartMs !== null) {
        r.requestedPeriod = [{ start: instant(a.proposedStartMs), end: instant(a.proposedStartMs + a.durationMin * 60_000) }];
      }
      const [patientStatus, doctorStatus] =
        a.status === 'Requested' ? ['accepted', 'needs-action']
          : a.status === 'Proposed' ? ['needs-action', 'accepted']
            : a.status === 'Declined' ? ['accepted', 'declined']
              : ['accepted', 'accepted'];
      r.participant = [
        { actor: this.who(a.patient), required: 'required', status: patientStatus },
        { actor: this.who(a.doctor), required: 'required', status: doctorStatus },
      ];
      this.push(this.urn(`appointment/${a.id}`), r);
    }
  }

  medications() {
    const now = this.e.exportedAtMs;
    for (const m of this.e.medications) {
      const r: Obj = { resourceType: 'MedicationStatement', id: `medication-${m.id}` };
      setMeta(
        r,
        m.text === null ? [tag('sealed', 'not opened: no data key is wrapped for the exporting account')] : [],
        m.emergency ? [emergencyLabel()] : [],
      );
      r.identifier = [{ system: SYS_MEDICATION, value: `${this.e.patient}/${m.id}` }];
      r.status = m.stoppedAtMs !== null ? 'stopped' : m.endMs !== null && m.endMs <= now ? 'completed' : 'active';
      r.medicationCodeableConcept = m.text && m.text.name.trim() ? { text: m.text.name.trim() } : { extension: masked() };
      r.subject = this.patientRef();
      const period: Obj = { start: instant(m.startMs) };
      const end = m.stoppedAtMs ?? m.endMs;
      if (end !== null) period.end = instant(end);
      r.effectivePeriod = period;
      r.dateAsserted = instant(m.startMs);
      r.informationSource = this.who(m.addedBy);
      const notes: Json[] = [];
      if (m.prescribedBy !== null) notes.push({ authorReference: this.who(m.prescribedBy), text: 'prescribed by this doctor' });
      if (m.text) {
        if (m.text.notes.trim()) notes.push({ text: m.text.notes.trim() });
        const dose = [m.text.dose.trim(), m.text.frequency.trim()].filter(s => s !== '');
        if (dose.length) {
          const d: Obj = { text: dose.join(', ') };
          if (m.text.frequency.trim()) d.timing = { code: { text: m.text.frequency.trim() } };
          r.dosage = [d];
        }
      }
      if (notes.length) r.note = notes;
      this.push(this.urn(`medication/${m.id}`), r);
    }
  }

  documents() {
    for (const rec of this.e.records) {
      const r: Obj = { resourceType: 'DocumentReference', id: `record-${rec.id}` };
      const tags: Json[] = [];
      if ('sealed' in rec.content) tags.push(tag('sealed', `not opened: ${rec.content.sealed}`));
      if (!rec.hashOk) tags.push(tag('content-hash-mismatch', "the stored envelope does not match the chain's content hash"));
      setMeta(r, tags, rec.emergency ? [emergencyLabel()] : []);
      r.masterIdentifier = { system: SYS_RECORD, value: `${this.e.patient}/${rec.id}` };
      const ids: Json[] = [
        { use: 'secondary', system: SYS_CONTENT_HASH, value: hex0x(rec.contentHash) },
        { use: 'secondary', system: SYS_BLOCK, value: String(rec.block) },
      ];
      if ('opened' in rec.content) ids.push({ use: 'secondary', system: SYS_SALT, value: hex0x(rec.content.opened.salt) });
      r.identifier = ids;
      r.status = rec.supersededBy !== null ? 'superseded' : 'current';
      r.docStatus = 'final';
      const codings: Json[] = [];
      const loinc = RECORD_KIND_LOINC[rec.kind];
      if (loinc) codings.push(coding('http://loinc.org', loinc[0], loinc[1]));
      codings.push(coding(SYS_RECORD_KIND, rec.kind, rec.kind));
      r.type = { coding: codings, text: rec.kind };
      r.subject = this.patientRef();
      r.date = instant(rec.createdAtMs);
      r.author = [this.who(rec.author)];
      if (rec.supersedes !== null) r.relatesTo = [{ code: 'replaces', target: { reference: this.urn(`record/${rec.supersedes}`) } }];
      let attachment: Obj;
      if ('opened' in rec.content) {
        const { title, body } = rec.content.opened;
        r.description = title;
        const bytes = utf8(body);
        attachment = { contentType: 'text/plain', language: 'en', data: base64(bytes), size: bytes.length, title, creation: instant(rec.createdAtMs) };
      } else {
        r.description = 'sealed: no data key is wrapped for the exporting account; content not exported';
        attachment = { extension: masked() };
      }
      r.content = [{ attachment }];
      this.push(this.urn(`record/${rec.id}`), r);
    }
  }

  auditEvents() {
    const contractOf = (name: string): Json => {
      const found = this.e.contracts.find(([n]) => n === name);
      return found
        ? { identifier: { system: SYS_ACCOUNT, value: found[1] }, display: `SMRMS ${name} contract` }
        : { display: `SMRMS ${name} contract` };
    };
    for (const en of this.e.accessLog) {
      const code = en.action.kind;
      const [act, interaction, contract] = ACTIONS[code];
      const subtype: Json[] = [];
      if (interaction) subtype.push(coding('http://hl7.org/fhir/restful-interaction', interaction, interaction));
      subtype.push(coding(SYS_ACTION, code, code));
      let outcome: string;
      let desc: string;
      let emergency = false;
      if (en.outcome.kind === 'Granted') { outcome = '0'; desc = 'granted'; }
      else if (en.outcome.kind === 'GrantedEmergency') { outcome = '0'; desc = 'granted under an emergency (break-glass) access'; emergency = true; }
      else if (en.outcome.kind === 'GrantedGuardian') { outcome = '0'; desc = 'granted: by a guardian acting for the patient'; }
      else { outcome = '4'; desc = `denied: ${en.outcome.reason} (${DENY_WORDS[en.outcome.reason]})`; }
      emergency = emergency || code === 'OpenEmergency';
      const r: Obj = { resourceType: 'AuditEvent', id: `access-${en.index}` };
      if (en.outcome.kind === 'Denied') setMeta(r, [tag('denied', en.outcome.reason)], []);
      r.type = coding('http://dicom.nema.org/resources/ontology/DCM', '110110', 'Patient Record');
      r.subtype = subtype;
      r.action = act;
      r.recorded = instant(en.atMs);
      r.outcome = outcome;
      r.outcomeDesc = desc;
      if (emergency) r.purposeOfEvent = [{ coding: [coding(ACT_REASON, 'BTG', 'break the glass')] }];
      r.agent = [{ who: this.who(en.accessor), requestor: true }];
      r.source = {
        observer: contractOf(contract),
        type: [coding('http://terminology.hl7.org/CodeSystem/security-source-type', '4', 'Application Server')],
      };
      const entity: Json[] = [{
        what: this.patientRef(),
        type: coding('http://terminology.hl7.org/CodeSystem/audit-entity-type', '1', 'Person'),
        role: coding('http://terminology.hl7.org/CodeSystem/object-role', '1', 'Patient'),
      }];
      if (en.action.kind === 'ReadRecord') {
        const id = en.action.id;
        const target = this.e.records.some(x => x.id === id)
          ? { reference: this.urn(`record/${id}`), display: `record ${id}` }
          : { identifier: { system: SYS_RECORD, value: `${this.e.patient}/${id}` } };
        entity.push({ what: target, type: coding('http://terminology.hl7.org/CodeSystem/audit-entity-type', '2', 'System Object') });
      }
      if (en.action.kind === 'ManageAppointment') {
        const id = en.action.id;
        const target = this.e.appointments.some(x => x.id === id)
          ? { reference: this.urn(`appointment/${id}`), display: `appointment ${id}` }
          : { identifier: { system: SYS_APPOINTMENT, value: String(id) } };
        entity.push({ what: target, type: coding('http://terminology.hl7.org/CodeSystem/audit-entity-type', '2', 'System Object') });
      }
      r.entity = entity;
      this.push(this.urn(`access/${en.index}`), r);
    }
  }
}

/** The FHIR R4 Bundle (type collection) of an export. */
export function fhirBundle(e: FhirExport): Json {
  const b = new Builder(e);
  b.patient();
  b.practitioners();
  b.consents();
  b.appointments();
  b.medications();
  b.documents();
  b.auditEvents();
  return {
    resourceType: 'Bundle',
    id: `smrms-export-${e.exportedAtMs}`,
    meta: {
      lastUpdated: instant(e.exportedAtMs),
      tag: [tag('export', `SMRMS export for ${e.patient} by ${e.exportedBy} (FHIR ${FHIR_VERSION})`)],
    },
    identifier: { system: SYS_EXPORT, value: `${e.patient}/${e.exportedAtMs}` },
    type: 'collection',
    timestamp: instant(e.exportedAtMs),
    entry: b.entries,
  };
}

/** Resources per type in a bundle, and how many carry the `sealed` tag. */
export function summary(bundle: Json): { byType: Record<string, number>; sealed: number; total: number } {
  const byType: Record<string, number> = {};
  let sealed = 0;
  let total = 0;
  for (const e of bundle?.entry ?? []) {
    const r = e?.resource;
    if (typeof r?.resourceType === 'string') byType[r.resourceType] = (byType[r.resourceType] ?? 0) + 1;
    total += 1;
    if ((r?.meta?.tag ?? []).some((t: Json) => t?.system === SYS_TAG && t?.code === 'sealed')) sealed += 1;
  }
  return { byType, sealed, total };
}

/**
 * Every `reference` inside the bundle must be the fullUrl of one of its
 * entries, and fullUrls and (type, id) pairs must be unique. Returns the
 * problems found (empty when none).
 */
export function checkReferences(bundle: Json): string[] {
  const problems: string[] = [];
  const urls = new Set<string>();
  const ids = new Set<string>();
  const entries: Json[] = bundle?.entry ?? [];
  for (const e of entries) {
    const url = String(e?.fullUrl ?? '');
    if (urls.has(url)) problems.push(`duplicate fullUrl ${url}`);
    urls.add(url);
    const key = `${e?.resource?.resourceType ?? '?'}/${e?.resource?.id ?? '?'}`;
    if (ids.has(key)) problems.push(`duplicate resource ${key}`);
    ids.add(key);
  }
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string') { if (!urls.has(x)) problems.push(`dangling reference ${x}`); }
        else if (k !== 'reference') walk(x);
      }
    }
  };
  for (const e of entries) walk(e?.resource);
  return problems;
}
