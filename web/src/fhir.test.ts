// The FHIR R4 export's builder: the Rust client's sample (fhir.rs tests)
// gives the very bundle the Rust code wrote
// (tools/fhir-validate/test/fixtures/sample-bundle.json); the real
// validator (tools/fhir-validate/validate.mjs: the official FHIR R4 JSON
// schema with ajv, and FHIR.js) accepts the page's bundle and rejects a
// broken one; the mappings are checked one by one.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  APPOINTMENT_STATUSES, SYS_APPOINTMENT, SYS_SALT, SYS_TAG, appointmentStatus, checkReferences, fhirBundle, gender, instant, isFhirDate,
  itemUrn, mergeGrants, profileFieldsFromArray, summary, type AppointmentStatus, type FhirExport, type GrantData,
  type AccessAction, type GrantHistoryItem, type Json,
} from './fhir';
import type { Scopes } from './format';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const VALIDATOR = path.join(REPO, 'tools', 'fhir-validate', 'validate.mjs');
const RUST_SAMPLE = path.join(REPO, 'tools', 'fhir-validate', 'test', 'fixtures', 'sample-bundle.json');

const PATIENT = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const EVE = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
const STRANGER = '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL';
const T0 = 1_700_000_000_000;
const ALL: Scopes = { demographics: true, recordsRead: true, recordsWrite: true, appointments: true };
const NONE: Scopes = { demographics: false, recordsRead: false, recordsWrite: false, appointments: false };

const provider = (account: string, name: string, specialization: string) => ({
  account, name, phone: '', gender: 'F', qualification: 'MBBS, MD', specialization, kind: 'Doctor' as const, status: 'Verified' as const,
});

/** fhir.rs `tests::sample()`: the encrypted demo's story, as plain data. */
function sample(): FhirExport {
  return {
    patient: PATIENT,
    exportedBy: PATIENT,
    exportedAtMs: T0 + 3_600_000,
    contracts: [['registry', STRANGER]],
    profile: {
      fields: profileFieldsFromArray(['Dave Mehta', '1975-09-30', 'Male', '7 Lalbagh Road, Bengaluru 560027', '+91 80 5550 4321', 'AB-',
        'sulfonamides, latex', 'Kavya Mehta', '+91 80 5550 9876']),
      registeredAtMs: T0,
      identityVerified: false,
    },
    providers: [provider(EVE, 'Dr. Eve Rao', 'Internal medicine'), provider(CHARLIE, 'Dr. Charlie Iyer', 'Psychiatry')],
    grants: [
      { grantee: EVE, scopes: ALL, grantedAtMs: T0 + 10_000, expiresAtMs: null, ended: { kind: 'Revoked', atMs: T0 + 60_000 } },
      { grantee: CHARLIE, scopes: { ...NONE, recordsRead: true, recordsWrite: true, appointments: true }, grantedAtMs: T0 + 70_000, expiresAtMs: null, ended: null },
    ],
    appointments: [
      {
        id: 0, doctor: CHARLIE, patient: PATIENT, startMs: T0 + 100_000, durationMin: 30, status: 'Completed', createdAtMs: T0 + 97_000,
        proposedStartMs: null, reason: 'Low mood, insomnia since March', diagnosis: 'Depressive episode, improving', prescription: 'Sertraline 100 mg once daily',
      },
      {
        id: 1, doctor: CHARLIE, patient: PATIENT, startMs: T0 + 86_500_000, durationMin: 30, status: 'Declined', createdAtMs: T0 + 110_000,
        proposedStartMs: T0 + 90_000_000, reason: null, diagnosis: '', prescription: '',
      },
    ],
    medications: [
      {
        id: 0, text: { name: 'Dolutegravir', dose: '50 mg', frequency: 'once daily', notes: 'with TDF/3TC, do not stop' },
        startMs: T0 + 20_000, endMs: T0 + 20_000 + 180 * 86_400_000, prescribedBy: null, addedBy: PATIENT, stoppedAtMs: null, emergency: false,
      },
      { id: 1, text: null, startMs: T0 + 80_000, endMs: null, prescribedBy: CHARLIE, addedBy: CHARLIE, stoppedAtMs: T0 + 90_000, emergency: true },
    ],
    records: [
      {
        id: 0, kind: 'Diagnosis', author: EVE, createdAtMs: T0 + 15_000, block: 12, contentHash: new Uint8Array(32).fill(7), hashOk: true,
        supersedes: null, supersededBy: 1, emergency: false, content: { sealed: 'no data key is wrapped for me (shredded)' },
      },
      {
        id: 1, kind: 'Note', author: CHARLIE, createdAtMs: T0 + 75_000, block: 30, contentHash: new Uint8Array(32).fill(9), hashOk: true,
        supersedes: 0, supersededBy: null, emergency: false,
        content: { opened: { title: 'Psychiatry consult', body: 'Major depressive episode; sertraline 50 mg daily', salt: new Uint8Array(16).fill(1) } },
      },
    ],
    accessLog: [
      { index: 0, accessor: EVE, action: { kind: 'WriteRecord' }, outcome: { kind: 'Granted' }, atMs: T0 + 15_000 },
      { index: 1, accessor: EVE, action: { kind: 'ReadRecord', id: 1 }, outcome: { kind: 'Denied', reason: 'NoConsent' }, atMs: T0 + 76_000 },
      { index: 2, accessor: CHARLIE, action: { kind: 'OpenEmergency' }, outcome: { kind: 'GrantedEmergency' }, atMs: T0 + 77_000 },
      { index: 3, accessor: STRANGER, action: { kind: 'ReadProfile' }, outcome: { kind: 'Denied', reason: 'Unregistered' }, atMs: T0 + 78_000 },
    ],
  };
}

const resources = (b: Json, t: string): Json[] => b.entry.map((e: Json) => e.resource).filter((r: Json) => r.resourceType === t);
const hasTag = (r: Json, code: string) => (r.meta?.tag ?? []).some((t: Json) => t.system === SYS_TAG && t.code === code);

function validateFile(bundle: Json): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(path.join(REPO, 'tools', 'fhir-validate', 'node_modules'))) {
    throw new Error('tools/fhir-validate/node_modules is missing: run `npm ci` in tools/fhir-validate (scripts/setup.sh does)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'smrms-fhir-test-'));
  try {
    const file = path.join(dir, 'bundle.json');
    writeFileSync(file, JSON.stringify(bundle, null, 2));
    const r = spawnSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8', timeout: 120_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fhir bundle', () => {
  it('is the very bundle the Rust client writes for the same data', () => {
    const rust = JSON.parse(readFileSync(RUST_SAMPLE, 'utf8'));
    // the same values and structure (key order aside)
    expect(JSON.parse(JSON.stringify(fhirBundle(sample())))).toEqual(rust);
  });

  it('has every item once, and every reference resolves', () => {
    const b = fhirBundle(sample());
    expect(b.resourceType).toBe('Bundle');
    expect(b.type).toBe('collection');
    const s = summary(b);
    expect(s.byType).toEqual({
      Patient: 1, Observation: 1, AllergyIntolerance: 1, Practitioner: 2, PractitionerRole: 2, Consent: 2, Appointment: 2,
      MedicationStatement: 2, DocumentReference: 2, AuditEvent: 4,
    });
    expect(s.total).toBe(19);
    // record 0 sealed, medication 1 sealed, appointment 1 (reason sealed)
    expect(s.sealed).toBe(3);
    expect(checkReferences(b)).toEqual([]);
  });

  it('passes the FHIR R4 validator (JSON schema + FHIR.js), which rejects a broken bundle', () => {
    const b = fhirBundle(sample());
    const ok = validateFile(b);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^fhir: ${b.entry.length} resources valid$`, 'm'));

    const broken = structuredClone(b);
    resources(broken, 'Appointment')[0].status = 'bogus';
    delete resources(broken, 'DocumentReference')[0].status;
    resources(broken, 'AuditEvent')[0].recorded = '2023-11-14 22:13';
    const bad = validateFile(broken);
    expect(bad.status).toBe(1);
    expect(bad.stdout).not.toMatch(/resources valid/);
    expect(bad.stderr).toMatch(/Appointment\.status/);
    expect(bad.stderr).toMatch(/DocumentReference\.status: Missing property/);
    expect(bad.stderr).toMatch(/recorded/);
  }, 120_000);

  it('maps every appointment status as fhir.rs does', () => {
    const want: Record<AppointmentStatus, string> = {
      Requested: 'proposed', Proposed: 'pending', Booked: 'booked', Completed: 'fulfilled', Cancelled: 'cancelled', Declined: 'cancelled', NoShow: 'noshow',
    };
    for (const s of APPOINTMENT_STATUSES) expect(appointmentStatus(s), s).toBe(want[s]);
    const b = fhirBundle(sample());
    const a = resources(b, 'Appointment');
    expect(a[0].status).toBe('fulfilled');
    expect(a[0].description).toBe('Low mood, insomnia since March');
    expect(a[0].comment).toBe('Diagnosis: Depressive episode, improving\nPrescription: Sertraline 100 mg once daily');
    expect(a[0].end).toBe(instant(T0 + 100_000 + 30 * 60_000));
    expect(a[1].status).toBe('cancelled');
    expect(a[1].cancelationReason.text).toBe('declined by the doctor');
    expect(a[1].participant[1].status).toBe('declined');
    expect(hasTag(a[1], 'sealed') && a[1].description === undefined).toBe(true);
    expect(a[1].requestedPeriod[0].start).toBe(instant(T0 + 90_000_000));
    // a requested one waits for the doctor, a proposed one for the patient
    const e = sample();
    e.appointments[0]!.status = 'Requested';
    e.appointments[1]!.status = 'Proposed';
    const [r, p] = resources(fhirBundle(e), 'Appointment');
    expect([r.status, r.participant[0].status, r.participant[1].status]).toEqual(['proposed', 'accepted', 'needs-action']);
    expect([p.status, p.participant[0].status, p.participant[1].status]).toEqual(['pending', 'needs-action', 'accepted']);
  });

  it('maps consent scopes, period and status (revoked, active, expired)', () => {
    const c = resources(fhirBundle(sample()), 'Consent');
    expect(c[0].status).toBe('inactive');
    expect(hasTag(c[0], 'revoked')).toBe(true);
    expect(c[0].provision.period).toEqual({ start: instant(T0 + 10_000), end: instant(T0 + 60_000) });
    expect(c[0].provision.action).toHaveLength(4);
    expect(c[0].provision.action[0].coding[0]).toEqual({ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' });
    expect(c[1].status).toBe('active');
    expect(c[1].provision.period.end).toBeUndefined();
    expect(c[1].provision.action.map((a: Json) => a.coding.at(-1).code)).toEqual(['records-read', 'records-write', 'appointments']);
    expect(c[1].provision.action[1].coding[0].code).toBe('collect');
    expect(c[1].provision.action[2].coding).toHaveLength(1);
    expect(c[1].provision.actor[0].reference.display).toBe('Dr. Charlie Iyer');
    expect(c[1].identifier[0].value).toBe(`${PATIENT}/${CHARLIE}/${T0 + 70_000}`);
    // an expired grant is inactive too; the period ends at the earlier of end and expiry
    const e = sample();
    e.grants[1]!.expiresAtMs = T0 + 80_000;
    e.grants[0]!.expiresAtMs = T0 + 50_000;
    const d = resources(fhirBundle(e), 'Consent');
    expect(d[1].status).toBe('inactive');
    expect(hasTag(d[1], 'expired')).toBe(true);
    expect(d[1].provision.period.end).toBe(instant(T0 + 80_000));
    expect(d[0].provision.period.end).toBe(instant(T0 + 50_000));
  });

  it('maps the access log to AuditEvents: denied is outcome 4 with its reason, emergency is break-the-glass', () => {
    const a = resources(fhirBundle(sample()), 'AuditEvent');
    expect(a).toHaveLength(4);
    expect([a[0].action, a[0].outcome, a[0].outcomeDesc]).toEqual(['C', '0', 'granted']);
    expect(a[1].outcome).toBe('4');
    expect(a[1].outcomeDesc).toMatch(/^denied: NoConsent \(no consent/);
    expect(hasTag(a[1], 'denied')).toBe(true);
    expect(a[1].entity[1].what.reference).toBe(itemUrn(PATIENT, 'record/1'));
    expect(a[2].purposeOfEvent[0].coding[0].code).toBe('BTG');
    expect(a[2].action).toBe('E');
    expect(a[3].outcome).toBe('4');
    expect(a[3].agent[0].who.identifier.value).toBe(STRANGER);
    expect(a[3].outcomeDesc).toContain('Unregistered');
    expect(a[3].source.observer).toEqual({ identifier: { system: 'urn:smrms:account', value: STRANGER }, display: 'SMRMS registry contract' });
  });

  it("maps a guardian's acts and an emergency card release as fhir.rs does; the validator accepts them", () => {
    const e = sample();
    e.accessLog.push(
      { index: 4, accessor: STRANGER, action: { kind: 'GrantAccess' }, outcome: { kind: 'GrantedGuardian' }, atMs: T0 + 79_000 },
      { index: 5, accessor: STRANGER, action: { kind: 'RevokeAccess' }, outcome: { kind: 'GrantedGuardian' }, atMs: T0 + 80_000 },
      { index: 6, accessor: STRANGER, action: { kind: 'ReadProfile' }, outcome: { kind: 'GrantedGuardian' }, atMs: T0 + 81_000 },
      { index: 7, accessor: CHARLIE, action: { kind: 'ReadCard' }, outcome: { kind: 'GrantedEmergency' }, atMs: T0 + 82_000 },
    );
    const b = fhirBundle(e);
    const a = resources(b, 'AuditEvent');
    expect(a).toHaveLength(8);
    expect([a[4].action, a[4].outcome, a[4].outcomeDesc]).toEqual(['C', '0', 'granted: by a guardian acting for the patient']);
    expect(a[4].source.observer.display).toBe('SMRMS permissions contract');
    expect(a[4].purposeOfEvent).toBeUndefined();
    expect(a[5].action).toBe('D');
    expect(a[6].action).toBe('R');
    expect(a[6].agent[0].who.identifier.value).toBe(STRANGER);
    expect([a[7].action, a[7].outcome]).toEqual(['R', '0']);
    expect(a[7].subtype.map((c: Json) => c.code)).toEqual(['read', 'ReadCard']);
    expect(a[7].purposeOfEvent[0].coding[0].code).toBe('BTG');
    expect(a[7].source.observer.display).toBe('SMRMS records contract');
    expect(checkReferences(b)).toEqual([]);
    const ok = validateFile(b);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
  }, 120_000);

  it("maps a guardian's bookings as fhir.rs does: BookAppointment a create, ManageAppointment an update naming the appointment", () => {
    const e = sample();
    // appointment 1 is in the bundle, appointment 9 is not (fhir.rs guardian_booking_entries_become_audit_events)
    const acts: AccessAction[] = [{ kind: 'BookAppointment' }, { kind: 'ManageAppointment', id: 1 }, { kind: 'ManageAppointment', id: 9 }];
    for (const action of acts) e.accessLog.push({ index: e.accessLog.length, accessor: CHARLIE, action, outcome: { kind: 'GrantedGuardian' }, atMs: T0 + 95_000 });
    const b = fhirBundle(e);
    expect(checkReferences(b)).toEqual([]);
    const a = resources(b, 'AuditEvent');
    expect(a).toHaveLength(7);
    const codes = (r: Json) => r.subtype.map((c: Json) => c.code);
    expect([a[4].action, ...codes(a[4])]).toEqual(['C', 'create', 'BookAppointment']);
    expect(a[4].source.observer.display).toBe('SMRMS appointments contract');
    expect(a[4].outcomeDesc).toContain('guardian');
    expect(a[4].purposeOfEvent).toBeUndefined();
    expect(a[4].entity).toHaveLength(1);
    expect([a[5].action, ...codes(a[5])]).toEqual(['U', 'update', 'ManageAppointment']);
    expect(a[5].entity[1].what).toEqual({ reference: itemUrn(PATIENT, 'appointment/1'), display: 'appointment 1' });
    expect(a[6].entity[1].what).toEqual({ identifier: { system: SYS_APPOINTMENT, value: '9' } });
    const ok = validateFile(b);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
  }, 120_000);

  it('marks what the exporter cannot open, and keeps what it opened', () => {
    const b = fhirBundle(sample());
    const [d0, d1] = resources(b, 'DocumentReference');
    expect(hasTag(d0, 'sealed')).toBe(true);
    expect(d0.status).toBe('superseded');
    expect(d0.content[0].attachment).toEqual({ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' }] });
    expect(d0.identifier[0].value).toBe(`0x${'07'.repeat(32)}`);
    expect(d0.identifier[1].value).toBe('12');
    expect(d1.status).toBe('current');
    const att = d1.content[0].attachment;
    expect(Buffer.from(att.data, 'base64').toString('utf8')).toBe('Major depressive episode; sertraline 50 mg daily');
    expect(att.size).toBe(48);
    expect(d1.identifier[2].system).toBe(SYS_SALT);
    expect(d1.relatesTo[0].target.reference).toBe(itemUrn(PATIENT, 'record/0'));
    const m = resources(b, 'MedicationStatement');
    expect(m[0].dosage[0].text).toBe('50 mg, once daily');
    expect(m[1].status).toBe('stopped');
    expect(m[1].medicationCodeableConcept.extension[0].valueCode).toBe('masked');
    expect(m[1].meta.security[0].code).toBe('ETREAT');
    // nothing of the profile opened: a Patient with its account only
    const e = sample();
    e.profile.fields = profileFieldsFromArray([]);
    const s = fhirBundle(e);
    const p = resources(s, 'Patient')[0];
    expect(hasTag(p, 'sealed')).toBe(true);
    expect(p.name).toBeUndefined();
    expect(resources(s, 'Observation')).toHaveLength(0);
    // a date of birth that is not a FHIR date is left out
    e.profile.fields = profileFieldsFromArray(['A', '30/09/1975']);
    expect(resources(fhirBundle(e), 'Patient')[0].birthDate).toBeUndefined();
  });

  it('text helpers and URNs match fhir.rs', () => {
    expect(instant(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(instant(T0 + 123)).toBe('2023-11-14T22:13:20.123Z');
    expect(instant(Number.MAX_SAFE_INTEGER)).toBe('9999-12-31T23:59:59.999Z');
    expect([gender('Male'), gender(' f '), gender('non-binary'), gender('')]).toEqual(['male', 'female', 'other', null]);
    expect(isFhirDate('1975-09-30') && isFhirDate('1975-09') && isFhirDate('1975')).toBe(true);
    expect(isFhirDate('30/09/1975') || isFhirDate('1975-13-01') || isFhirDate('0000') || isFhirDate('1975-9-1') || isFhirDate('')).toBe(false);
    const u = itemUrn(PATIENT, 'record/0');
    expect(u).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(u).not.toBe(itemUrn(PATIENT, 'record/1'));
  });

  it('merges grant history with the current grants as fhir.rs does', () => {
    const read = { ...NONE, recordsRead: true };
    const g = (scopes: Scopes) => ({ kind: 'Granted' as const, scopes, expiresAtMs: null });
    const current = (who: string, at: number): GrantData => ({ grantee: who, scopes: ALL, grantedAtMs: at, expiresAtMs: null, ended: null });
    const history: GrantHistoryItem[] = [
      { grantee: EVE, atMs: 10, event: g(ALL) },
      { grantee: CHARLIE, atMs: 20, event: g(read) },
      { grantee: EVE, atMs: 30, event: { kind: 'Ended', how: 'Revoked' } },
      { grantee: CHARLIE, atMs: 40, event: g(ALL) },
      { grantee: STRANGER, atMs: 50, event: { kind: 'Ended', how: 'Renounced' } },
    ];
    const out = mergeGrants([current(CHARLIE, 40)], history);
    expect(out.map(x => [x.grantee, x.grantedAtMs, x.ended])).toEqual([
      [EVE, 10, { kind: 'Revoked', atMs: 30 }],
      [CHARLIE, 20, { kind: 'Replaced', atMs: 40 }],
      [CHARLIE, 40, null],
      [STRANGER, null, { kind: 'Renounced', atMs: 50 }],
    ]);
    expect(out[1]!.scopes).toEqual(read);
    expect(out[3]!.scopes).toEqual(NONE);
    expect(mergeGrants([], [{ grantee: EVE, atMs: 10, event: g(read) }])[0]!.ended).toEqual({ kind: 'Unknown', atMs: null });
    expect(mergeGrants([current(EVE, 5)], [])).toEqual([current(EVE, 5)]);
    const e = sample();
    e.grants = out;
    const b = fhirBundle(e);
    expect(resources(b, 'Consent')).toHaveLength(4);
    expect(checkReferences(b)).toEqual([]);
  });

  it('finds dangling references and duplicates', () => {
    const b = fhirBundle(sample());
    b.entry[3].resource.subject = { reference: 'urn:uuid:nowhere' };
    b.entry.push(structuredClone(b.entry[0]));
    const p = checkReferences(b);
    expect(p).toContain('dangling reference urn:uuid:nowhere');
    expect(p.some(s => s.startsWith('duplicate fullUrl'))).toBe(true);
    expect(p).toContain('duplicate resource Patient/patient');
  });
});
