// The export's gathering (export.ts) against a fake suite: the contracts'
// queries answer decoded values as @polkadot/types gives them, the items are
// sealed with the real crypto, and the chain's blocks carry grant events.
// The patient's bundle must open what she holds keys for, list the rest as
// sealed, find the revoked grant in the events, and pass the FHIR validator.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAddress } from '@polkadot/util-crypto';
import {
  MEDICATION_FIELDS, PROFILE_FIELDS, keysFromSeed, newDataKey, sealField, sealNote, sealRecord, wrapInfo, wrapKey,
  type EncryptionKeys, type Sealed,
} from './crypto';
import { Variant } from './chain/plain';
import type { Chain } from './chain/connection';

const PATIENT = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const EVE = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
const STRANGER = '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL';
const T0 = 1_700_000_000_000;
const ALL = { demographics: true, recordsRead: true, recordsWrite: true, appointments: true };
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// ---- the fake suite: answers of the contracts' queries by "contract.message"
const answers = new Map<string, (args: unknown[]) => unknown>();
vi.mock('./chain/contracts', async importOriginal => {
  const actual = await importOriginal<typeof import('./chain/contracts')>();
  return {
    ...actual,
    hasMessage: () => true,
    read: async (_chain: unknown, contract: string, message: string, _caller: string, args: unknown[]) => {
      const f = answers.get(`${contract}.${message}`);
      if (!f) throw new Error(`the test has no answer for ${contract}.${message}`);
      return f(args);
    },
  };
});
// the blocks' "system.events" are the decoded contract events themselves
vi.mock('./chain/events', () => ({ decodeContractEvents: (_c: unknown, records: unknown[]) => records }));

const { fhirExport } = await import('./export');
const { Refusal } = await import('./chain/contracts');

const sealedKey = (o: Sealed) => (o.kind === 'Profile' || o.kind === 'Card' ? o.kind : `${o.kind}:${o.id}`);
const argKey = (a: unknown) => (typeof a === 'string' ? a : Object.entries(a as Record<string, number>).map(([k, v]) => `${k}:${v}`)[0]!);

let patientKeys: EncryptionKeys;
let chain: Chain;
const scanned: number[] = [];

beforeAll(async () => {
  patientKeys = await keysFromSeed(new Uint8Array(32).fill(1));
  const doctorKeys = await keysFromSeed(new Uint8Array(32).fill(2));
  const wrapped = new Map<string, Uint8Array>();
  const keyFor = async (o: Sealed) => {
    const k = newDataKey();
    wrapped.set(sealedKey(o), await wrapKey(patientKeys.publicKey, k, wrapInfo(decodeAddress(PATIENT), o, decodeAddress(PATIENT))));
    return k;
  };
  // profile (the emergency phone left empty)
  const pk = await keyFor({ kind: 'Profile' });
  const values = ['Asha Verma', '1984-03-17', 'Female', '12 Residency Road', '+91 80 5550 7788', 'AB negative', 'penicillin', 'Rahul Verma', ''];
  const profile: Record<string, string> = {};
  PROFILE_FIELDS.forEach((f, i) => { profile[f.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = sealField(pk, f.index, values[i]!, f.max); });
  answers.set('registry.patient_profile', () => ({ profile }));
  answers.set('registry.patient_registration', () => [BigInt(T0), true]);
  // records: #0 opens for her, #1 has no key for her
  const rk = await keyFor({ kind: 'Record', id: 0 });
  const record = (id: number, body: string, supersedes: bigint | null, supersededBy: bigint | null) => ({
    kind: new Variant(id === 0 ? 'Diagnosis' : 'Note', null), title: 'sealed', body, author: CHARLIE, createdAt: BigInt(T0 + 15_000 + id),
    block: BigInt(7 + id), contentHash: new Uint8Array(32).fill(id + 1), supersedes, supersededBy, emergency: id === 1,
  });
  const records = [
    [0n, record(0, sealRecord(rk, 'Type 2 diabetes', 'HbA1c 8.1 %'), null, 1n)],
    [1n, record(1, sealRecord(newDataKey(), 'Correction', 'not for her'), 0n, null)],
  ];
  answers.set('records.record_count', () => 2n);
  answers.set('records.records', () => records);
  answers.set('records.verify_record', args => args[1] === 0);
  answers.set('records.key_of', args => wrapped.get(argKey(args[1])) ?? null);
  // medications: #0 opens, #1 does not
  const mk = await keyFor({ kind: 'Medication', id: 0 });
  const med: Record<string, unknown> = { start: BigInt(T0 + 20_000), end: null, prescribedBy: CHARLIE, addedBy: CHARLIE, stoppedAt: null, emergency: false };
  ['Metformin XR', '500 mg', 'twice daily', 'with meals'].forEach((t, i) => { med[MEDICATION_FIELDS[i]!.name] = sealField(mk, i, t, MEDICATION_FIELDS[i]!.max); });
  const other = { ...med, name: sealField(newDataKey(), 0, 'secret', 128), stoppedAt: BigInt(T0 + 30_000), emergency: true };
  answers.set('records.medications', () => [[0n, med], [1n, other]]);
  // grants: Charlie now; Eve's revoked grant only in the events
  answers.set('permissions.grants_of', () => [[CHARLIE, { scopes: { ...ALL, demographics: false }, grantedAt: BigInt(T0 + 12_000), expiresAt: null }]]);
  answers.set('permissions.grant_counts', () => ({ madeTotal: 2n, current: 1n, activeNow: 1n }));
  // an appointment with a sealed reason
  const reason = await sealNote(decodeAddress(PATIENT), patientKeys.publicKey, decodeAddress(CHARLIE), doctorKeys.publicKey, 'Blood sugar review', 512);
  answers.set('appointments.patient_appointments', () => [[0n, {
    doctor: CHARLIE, patient: PATIENT, start: BigInt(T0 + 100_000), durationMin: 20n, reason, diagnosis: '', prescription: '',
    status: new Variant('Completed', null), fee: 0n, paid: 0n, createdAt: BigInt(T0 + 90_000), proposedStart: null,
  }]]);
  // the access log
  const log = [
    { accessor: CHARLIE, action: new Variant('WriteRecord', null), outcome: new Variant('Granted', null), at: BigInt(T0 + 15_000), repeats: 0n },
    { accessor: STRANGER, action: new Variant('ReadRecord', 0n), outcome: new Variant('Denied', new Variant('Unregistered', null)), at: BigInt(T0 + 16_000), repeats: 2n },
    { accessor: CHARLIE, action: new Variant('OpenEmergency', null), outcome: new Variant('GrantedEmergency', null), at: BigInt(T0 + 17_000), repeats: 0n },
    // a guardian with the booking power booked appointment #0 for her, then acted on it
    { accessor: STRANGER, action: new Variant('BookAppointment', null), outcome: new Variant('GrantedGuardian', null), at: BigInt(T0 + 18_000), repeats: 0n },
    { accessor: STRANGER, action: new Variant('ManageAppointment', 0n), outcome: new Variant('GrantedGuardian', null), at: BigInt(T0 + 19_000), repeats: 0n },
  ];
  answers.set('permissions.access_log_len', () => BigInt(log.length));
  answers.set('permissions.access_log', () => log);
  // the directory: the stranger is no provider
  const providers: Record<string, unknown> = {
    [CHARLIE]: { details: { name: 'Dr. Charlie Rao', phone: '', gender: 'M', qualification: 'MBBS', specialization: 'Endocrinology', licenceHash: new Uint8Array(32), kind: new Variant('Doctor', null) }, registeredAt: 0n, status: new Variant('Verified', null), statusReason: '' },
    [EVE]: { details: { name: 'Eve Lab', phone: '', gender: '', qualification: '', specialization: '', licenceHash: new Uint8Array(32), kind: new Variant('Lab', null) }, registeredAt: 0n, status: new Variant('Suspended', null), statusReason: '' },
  };
  answers.set('registry.provider', args => {
    const p = providers[args[0] as string];
    if (!p) throw new Refusal('unknown provider', { kind: 'error', variant: 'UnknownProvider' });
    return p;
  });

  // 20 blocks: Eve granted in block 5 and revoked in 8, Charlie granted in 12; block 17 is pruned
  const events: Record<number, unknown[]> = {
    3: [{ contract: 'permissions', name: 'AccessGranted', args: { patient: STRANGER, grantee: EVE, scopes: ALL, expiresAt: null } }],
    5: [{ contract: 'permissions', name: 'AccessGranted', args: { patient: PATIENT, grantee: EVE, scopes: ALL, expiresAt: BigInt(T0 + 99_000) } }],
    8: [{ contract: 'records', name: 'RecordAdded', args: { patient: PATIENT } }, { contract: 'permissions', name: 'AccessRevoked', args: { patient: PATIENT, grantee: EVE } }],
    12: [{ contract: 'permissions', name: 'AccessGranted', args: { patient: PATIENT, grantee: CHARLIE, scopes: { ...ALL, demographics: false }, expiresAt: null } }],
  };
  const api = {
    rpc: { chain: {
      getHeader: async () => ({ number: { toNumber: () => 20 } }),
      getBlockHash: async (n: number) => { if (n === 17) throw new Error('pruned'); return n; },
    } },
    at: async (n: number) => {
      scanned.push(n);
      return { query: { system: { events: async () => events[n] ?? [] }, timestamp: { now: async () => ({ toString: () => String(T0 + n * 1000) }) } } };
    },
  };
  chain = { api, addresses: { registry: STRANGER, permissions: EVE, records: CHARLIE, appointments: PATIENT } } as unknown as Chain;
});

const resources = (b: { entry: { resource: Record<string, never> }[] }, t: string) => b.entry.map(e => e.resource).filter(r => r.resourceType === t) as Record<string, any>[]; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('fhirExport gathers what the patient may open', () => {
  it('opens, marks sealed, finds the ended grant, and passes the validator', async () => {
    const steps: string[] = [];
    const r = await fhirExport({ chain, me: PATIENT, keys: patientKeys, signing: null as never }, PATIENT, t => steps.push(t));
    const b = r.bundle;
    expect(r.byType).toEqual({
      Patient: 1, Observation: 1, AllergyIntolerance: 1, Practitioner: 2, PractitionerRole: 2, Consent: 2, Appointment: 1,
      MedicationStatement: 2, DocumentReference: 2, AuditEvent: 5,
    });
    expect(r.total).toBe(b.entry.length);
    expect(r.sealed).toBe(2);
    expect(steps.some(s => s.startsWith('scanning blocks'))).toBe(true);
    // the scan stopped once both grants were seen (blocks 20 down to 5), and skipped the pruned block
    expect(Math.min(...scanned)).toBe(5);
    expect(scanned).not.toContain(17);
    expect(r.notes.join('\n')).toMatch(/1 block\(s\) between 17 and 17 unavailable/);
    expect(r.notes.join('\n')).toMatch(/counts 2 grant\(s\) made; all 2 found/);

    const p = resources(b, 'Patient')[0]!;
    expect([p.name[0].text, p.birthDate, p.gender]).toEqual(['Asha Verma', '1984-03-17', 'female']);
    expect(p.meta.tag[0].code).toBe('identity-verified');
    expect(p.contact[0].telecom).toBeUndefined();

    const [c0, c1] = resources(b, 'Consent');
    expect([c0!.status, c0!.meta.tag[0].code, c0!.provision.period]).toEqual(['inactive', 'revoked', { start: new Date(T0 + 5000).toISOString(), end: new Date(T0 + 8000).toISOString() }]);
    expect(c0!.provision.actor[0].reference.display).toBe('Eve Lab');
    expect([c1!.status, c1!.identifier[0].value]).toEqual(['active', `${PATIENT}/${CHARLIE}/${T0 + 12_000}`]);

    const [d0, d1] = resources(b, 'DocumentReference');
    expect(Buffer.from(d0!.content[0].attachment.data, 'base64').toString()).toBe('HbA1c 8.1 %');
    expect([d0!.description, d0!.status, d0!.identifier[1].value]).toEqual(['Type 2 diabetes', 'superseded', '7']);
    expect(d0!.identifier[2].value).toMatch(/^0x[0-9a-f]{32}$/);
    expect(d1!.meta.tag.map((t: { code: string }) => t.code)).toEqual(['sealed', 'content-hash-mismatch']);
    expect(d1!.meta.tag[0].display).toBe('not opened: no data key is wrapped for me (never granted, granted after a revocation, or shredded)');
    expect(d1!.meta.security[0].code).toBe('ETREAT');

    const [m0, m1] = resources(b, 'MedicationStatement');
    expect([m0!.medicationCodeableConcept.text, m0!.dosage[0].text, m0!.status]).toEqual(['Metformin XR', '500 mg, twice daily', 'active']);
    expect([m1!.status, m1!.meta.tag[0].code]).toEqual(['stopped', 'sealed']);

    const a = resources(b, 'Appointment')[0]!;
    expect([a.status, a.description, a.minutesDuration]).toEqual(['fulfilled', 'Blood sugar review', 20]);

    const au = resources(b, 'AuditEvent');
    expect(au.map(x => x.outcome)).toEqual(['0', '4', '0', '0', '0']);
    // the guardian's booking (a create) and her act on appointment #0 (an update naming it)
    expect(au.slice(3).map(x => [x.action, x.subtype.at(-1).code, x.outcomeDesc])).toEqual([
      ['C', 'BookAppointment', 'granted: by a guardian acting for the patient'],
      ['U', 'ManageAppointment', 'granted: by a guardian acting for the patient'],
    ]);
    expect(au[3]!.entity).toHaveLength(1);
    expect(au[4]!.entity[1].what.reference).toBe(b.entry.find((e: { resource: { id: string } }) => e.resource.id === 'appointment-0').fullUrl);
    expect(au[1]!.agent[0].who.identifier.value).toBe(STRANGER);
    expect(au[1]!.entity[1].what.reference).toBe(b.entry.find((e: { resource: { id: string } }) => e.resource.id === 'record-0').fullUrl);
    expect(au[2]!.purposeOfEvent[0].coding[0].code).toBe('BTG');
    expect(resources(b, 'PractitionerRole').map(x => x.code[0].text)).toEqual(['Laboratory', 'Doctor']); // in the order they are involved: Eve's grant comes first

    // the file the page downloads passes the FHIR validator
    if (!existsSync(path.join(REPO, 'tools', 'fhir-validate', 'node_modules'))) throw new Error('run npm ci in tools/fhir-validate');
    const dir = mkdtempSync(path.join(tmpdir(), 'smrms-export-test-'));
    try {
      writeFileSync(path.join(dir, 'export.json'), r.text);
      const v = spawnSync(process.execPath, [path.join(REPO, 'tools', 'fhir-validate', 'validate.mjs'), path.join(dir, 'export.json')], { encoding: 'utf8' });
      expect(v.stderr).toBe('');
      expect(v.stdout).toMatch(new RegExp(`^fhir: ${r.total} resources valid$`, 'm'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('without the unlocked key: everything sealed is listed without content', async () => {
    scanned.length = 0;
    const r = await fhirExport({ chain, me: PATIENT, keys: null, signing: null as never }, PATIENT, () => {});
    const b = r.bundle;
    expect(resources(b, 'Patient')[0]!.name).toBeUndefined();
    expect(resources(b, 'Observation')).toHaveLength(0);
    expect(resources(b, 'DocumentReference')[0]!.meta.tag[0].display).toBe('not opened: the encryption key is not unlocked in this page');
    expect(resources(b, 'Appointment')[0]!.meta.tag.map((t: { code: string }) => t.code)).toContain('sealed');
    // 2 records, 2 medications, the appointment; the Patient is not tagged, as in
    // fhir_export: her empty emergency phone counts as opened ("")
    expect(r.sealed).toBe(5);
  });
});
