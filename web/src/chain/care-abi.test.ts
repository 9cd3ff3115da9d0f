// The care circle's calls against the contracts' real metadata (when it is
// built; the test command builds it first and sets SMRMS_REQUIRE_METADATA):
// the arguments journeys.ts sends encode as the messages expect, and the
// answers decode into the shapes journeys.ts reads (field names, options,
// enums), as `dryRun` decodes them.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Abi } from '@polkadot/api-contract';
import { u8aToHex } from '@polkadot/util';
import { b64encode, toChain } from '../crypto';
import type { Chain } from './connection';
import { classify } from './contracts';
import { chainText, storedArg, storedText, storesBytes } from './opaque';
import { toPlain, Variant } from './plain';

const INK = process.env.SMRMS_INK_DIR ?? process.env.SMRMS_INK ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(homedir(), '.cache', 'smrms-target'), 'ink');
const metadataOf = (c: string) => path.join(INK, `smrms_${c}`, `smrms_${c}.json`);
/** Each contract's metadata text, read once (null when not built). */
const texts = Object.fromEntries(['registry', 'permissions', 'records', 'appointments'].map(c => {
  try { return [c, existsSync(metadataOf(c)) ? readFileSync(metadataOf(c), 'utf8') : null]; } catch { return [c, null]; }
})) as Record<string, string | null>;
const has = (c: string, label: string) => !!texts[c]?.includes(`"${label}"`);
const built = has('permissions', 'appoint_guardian') && has('records', 'set_card');
/** The guardian's booking power (GuardianPowers.book, request_appointment_for, BookAppointment / ManageAppointment). */
const booking = built && has('appointments', 'request_appointment_for') && has('permissions', 'book') && has('permissions', 'ManageAppointment');
/** The opaque text fields (patient profile, records, medications, appointments) as Vec<u8> (issue 16)? From the metadata's types. */
function opaqueTypes(): Record<string, string> | null {
  if (!booking || !texts.registry) return null;
  const out: Record<string, string> = {};
  // the type of each field of a struct type, or of a message argument, by name (path of the type)
  for (const c of ['registry', 'permissions', 'records', 'appointments']) {
    const m = JSON.parse(texts[c]!) as { types: { id: number; type: { path?: string[]; def: Record<string, any> } }[]; spec: { messages: { label: string; args: { label: string; type: { type: number } }[] }[] } };
    const name = (id: number): string => {
      const t = m.types.find(x => x.id === id)!.type;
      if (t.def.primitive) return t.def.primitive;
      if (t.def.sequence) return `Vec<${name(t.def.sequence.type)}>`;
      return t.path?.join('::') ?? JSON.stringify(t.def);
    };
    for (const t of m.types) {
      const fields = t.type.def.composite?.fields as { name?: string; type: number }[] | undefined;
      const last = t.type.path?.at(-1);
      if (fields && last) for (const f of fields) if (f.name) out[`${c}.${last}.${f.name}`] = name(f.type);
    }
    for (const msg of m.spec.messages) for (const a of msg.args) out[`${c}.${msg.label}(${a.label})`] = name(a.type.type);
  }
  return out;
}
const types = opaqueTypes();
/** The fields issue 16 makes Vec<u8>, and those that stay String. */
const OPAQUE = [
  ...['name', 'date_of_birth', 'gender', 'home_address', 'phone', 'blood_group', 'allergies', 'emergency_contact_name', 'emergency_contact_phone'].map(f => `registry.PatientProfile.${f}`),
  'records.Record.title', 'records.Record.body', 'records.add_record(title)', 'records.add_record(body)', 'records.verify_record(title)', 'records.verify_record(body)',
  ...['name', 'dose', 'frequency', 'notes'].flatMap(f => [`records.NewMedication.${f}`, `records.Medication.${f}`]),
  'records.set_card(body)',
  ...['reason', 'diagnosis', 'prescription'].map(f => `appointments.Appointment.${f}`),
  'appointments.request_appointment(reason)', 'appointments.set_appointment(reason)', 'appointments.request_appointment_for(reason)',
  ...['reason', 'diagnosis', 'prescription'].map(f => `appointments.update_appointment(${f})`),
  // bytes before issue 16 already
  'permissions.open_emergency(note)', 'permissions.EmergencyAccess.note',
];
const PUBLIC_TEXT = [
  ...['name', 'phone', 'gender', 'qualification', 'specialization'].map(f => `registry.ProviderDetails.${f}`),
  'registry.Provider.status_reason', 'registry.reject_provider(reason)', 'registry.suspend_provider(reason)',
];
/** The metadata is from issue 16 on (the bundles the page is built for). */
const opaque = types !== null && types['records.add_record(body)'] === 'Vec<u8>';

it.runIf(process.env.SMRMS_REQUIRE_METADATA === '1')('finds the built metadata with the care circle messages', () => {
  expect(built, `metadata with appoint_guardian and set_card in ${INK}`).toBe(true);
  expect(booking, `metadata with the booking power (request_appointment_for, GuardianPowers.book) in ${INK}: run scripts/build.sh`).toBe(true);
  expect(opaque, `metadata with the opaque texts as Vec<u8> (issue 16) in ${INK}: run scripts/build.sh`).toBe(true);
});

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const T = 1_800_000_000_000;

/** The message `name` of `a`, or throws. */
function message(a: Abi, name: string) {
  const m = a.messages.find(x => x.identifier === name);
  if (!m) throw new Error(`no message ${name}`);
  return m;
}

/** Encodes `args` as the page does (`dryRun`: message.toU8a) and decodes them back (JSON). */
function roundTrip(a: Abi, name: string, args: unknown[]) {
  const m = message(a, name);
  expect(m.args.length, `${name} arguments`).toBe(args.length);
  const back = a.decodeMessage(m.toU8a(args));
  expect(back.message.identifier).toBe(name);
  return back.args.map(x => x.toJSON());
}

/** The answer `value` to `name`, encoded by the node and decoded as `dryRun` does. */
function answer(a: Abi, name: string, value: unknown) {
  const ret = message(a, name).returnType!;
  const type = ret.lookupName || ret.type;
  const bytes = a.registry.createTypeUnsafe(type, [{ Ok: { Ok: value } }]).toU8a();
  return classify(toPlain(a.registry.createTypeUnsafe(type, [bytes], { isPedantic: true })));
}

describe.skipIf(!built)(`care circle calls with the built metadata (${INK})`, async () => {
  const { Abi } = await import('@polkadot/api-contract');
  // the body runs when the suite is collected, skipped or not: no ABI without metadata
  const abi = (c: string) => (built ? new Abi(JSON.parse(texts[c]!)) : (null as never));
  const permissions = abi('permissions');
  const records = abi('records');

  it('appoint_guardian, remove_guardian and the lists take what journeys.ts sends', () => {
    const powers = booking ? { consent: false, read: true, book: false } : { consent: false, read: true };
    expect(roundTrip(permissions, 'appoint_guardian', [BOB, powers, T])).toEqual([BOB, powers, T]);
    expect(roundTrip(permissions, 'appoint_guardian', [BOB, { consent: true, read: false, book: false }, null])[2]).toBeNull();
    expect(roundTrip(permissions, 'remove_guardian', [ALICE, BOB])).toEqual([ALICE, BOB]);
    expect(roundTrip(permissions, 'guardians_of', [ALICE, 0, 50])).toEqual([ALICE, 0, 50]);
    expect(roundTrip(permissions, 'wards_of', [BOB, 50, 50])).toEqual([BOB, 50, 50]);
    expect(roundTrip(permissions, 'guardianship', [ALICE, BOB])).toEqual([ALICE, BOB]);
  });

  it('set_card, designate_custodian and the card key in share_keys / revoke_keys / key_of', () => {
    const body = new TextEncoder().encode('c1:AAAA');
    const [b, own, cust] = roundTrip(records, 'set_card', [u8aToHex(body), u8aToHex(new Uint8Array(80).fill(1)), u8aToHex(new Uint8Array(80).fill(2))]);
    expect(b).toBe(u8aToHex(body));
    expect(own).toBe(u8aToHex(new Uint8Array(80).fill(1)));
    expect(cust).toBe(u8aToHex(new Uint8Array(80).fill(2)));
    const key = u8aToHex(new Uint8Array(32).fill(0xab));
    expect(roundTrip(records, 'designate_custodian', [BOB, key])).toEqual([BOB, key]);
    const w = u8aToHex(new Uint8Array(80).fill(3));
    expect(roundTrip(records, 'share_keys', [ALICE, BOB, [['Card', w], [{ Record: 2 }, w], ['Profile', w]]])[2]).toEqual([
      [{ card: null }, w], [{ record: 2 }, w], [{ profile: null }, w],
    ]);
    expect(roundTrip(records, 'share_key', [ALICE, 'Card', BOB, w])[1]).toEqual({ card: null });
    expect(roundTrip(records, 'revoke_keys', [ALICE, BOB, ['Card', { Medication: 1 }]])[2]).toEqual([{ card: null }, { medication: 1 }]);
    expect(roundTrip(records, 'key_of', [ALICE, 'Card', BOB])[1]).toEqual({ card: null });
    expect(roundTrip(records, 'key_holders', [ALICE, 'Card'])[1]).toEqual({ card: null });
  });

  it("answers decode into journeys.ts's shapes: guardianships, the custodian, the card, the log's new entries", () => {
    const powers = booking ? { consent: true, read: false, book: false } : { consent: true, read: false };
    const g = answer(permissions, 'guardians_of', [[BOB, { powers, appointedBy: ALICE, appointedAt: 5, expiresAt: T }]]);
    expect(g).toEqual({ kind: 'ok', value: [[BOB, { powers, appointedBy: ALICE, appointedAt: 5n, expiresAt: BigInt(T) }]] });
    expect(answer(permissions, 'guardianship', null)).toEqual({ kind: 'ok', value: null });
    const c = answer(records, 'custodian', { account: BOB, encryptionKey: new Uint8Array(32).fill(7) });
    expect(c).toEqual({ kind: 'ok', value: { account: BOB, encryptionKey: new Uint8Array(32).fill(7) } });
    expect(answer(records, 'custodian', null)).toEqual({ kind: 'ok', value: null });
    const card = answer(records, 'card', { body: u8aToHex(new TextEncoder().encode('c1:xyz')), version: 3, updatedAt: T });
    expect(card).toEqual({ kind: 'ok', value: { body: new TextEncoder().encode('c1:xyz'), version: 3n, updatedAt: BigInt(T) } });
    const log = answer(permissions, 'access_log', [
      { accessor: BOB, action: 'GrantAccess', outcome: 'GrantedGuardian', at: 1, repeats: 0 },
      { accessor: ALICE, action: 'ReadCard', outcome: 'GrantedEmergency', at: 2, repeats: 0 },
    ]);
    expect(log.kind).toBe('ok');
    const entries = (log as unknown as { value: { action: Variant; outcome: Variant }[] }).value;
    expect(entries.map(e => [e.action.tag, e.outcome.tag])).toEqual([['GrantAccess', 'GrantedGuardian'], ['ReadCard', 'GrantedEmergency']]);
  });

  it('the five new errors come back by name', () => {
    const ret = message(records, 'set_card').returnType!;
    for (const v of ['NotGuardian', 'TooManyGuardians', 'NotIncapacitated', 'NoCustodian', 'NoCard']) {
      const bytes = records.registry.createTypeUnsafe(ret.lookupName || ret.type, [{ Ok: { Err: v } }]).toU8a();
      expect(classify(toPlain(records.registry.createTypeUnsafe(ret.lookupName || ret.type, [bytes])))).toEqual({ kind: 'error', variant: v });
    }
  });
});

describe.skipIf(!booking)(`the guardian's booking power with the built metadata (${INK})`, async () => {
  const { Abi } = await import('@polkadot/api-contract');
  const abi = (c: string) => (booking ? new Abi(JSON.parse(texts[c]!)) : (null as never));
  const permissions = abi('permissions');
  const appointments = abi('appointments');

  it('GuardianPowers carries book: what the Guardians form sends encodes as the contract expects', () => {
    for (const powers of [{ consent: false, read: false, book: true }, { consent: true, read: true, book: true }, { consent: false, read: true, book: false }]) {
      expect(roundTrip(permissions, 'appoint_guardian', [BOB, powers, null])).toEqual([BOB, powers, null]);
    }
    // the three booleans in field order: consent, read, book
    const m = message(permissions, 'appoint_guardian');
    const data = m.toU8a([BOB, { consent: false, read: false, book: true }, null]);
    expect([...data.slice(-4)]).toEqual([0, 0, 1, 0]);
    // and a guardianship with the booking power decodes with it
    const w = answer(permissions, 'wards_of', [[ALICE, { powers: { consent: false, read: false, book: true }, appointedBy: ALICE, appointedAt: 1, expiresAt: null }]]);
    expect(w).toEqual({ kind: 'ok', value: [[ALICE, { powers: { consent: false, read: false, book: true }, appointedBy: ALICE, appointedAt: 1n, expiresAt: null }]] });
  });

  it('request_appointment_for takes what journeys.ts sends, and is payable', () => {
    const m = message(appointments, 'request_appointment_for');
    expect(m.isPayable).toBe(true);
    expect(m.isMutating).toBe(true);
    const note = `n2:${b64encode(new Uint8Array(80).fill(1))}.${b64encode(new Uint8Array(80).fill(2))}.${b64encode(new Uint8Array(60).fill(3))}`;
    const reason = chainText({ abis: { appointments } } as unknown as Chain, 'appointments', note);
    // from issue 16 on, the bytes toChain(note) (0xFF 0x04 ‖ …); before, the text
    expect(reason).toBe(opaque ? u8aToHex(toChain(note)) : note);
    expect(roundTrip(appointments, 'request_appointment_for', [BOB, ALICE, T, 30, reason])).toEqual([BOB, ALICE, T, 30, reason]);
    for (const a of ['confirm', 'cancel', 'complete', 'accept_reschedule', 'decline_reschedule']) expect(message(appointments, a).args.length).toBe(1);
    const ok = answer(appointments, 'request_appointment_for', 7);
    expect(ok).toEqual({ kind: 'ok', value: 7n });
  });

  it("the access log's BookAppointment and ManageAppointment(id) decode as the page reads them", () => {
    const log = answer(permissions, 'access_log', [
      { accessor: BOB, action: 'BookAppointment', outcome: 'GrantedGuardian', at: 1, repeats: 0 },
      { accessor: BOB, action: { ManageAppointment: 3 }, outcome: 'GrantedGuardian', at: 2, repeats: 0 },
    ]);
    expect(log.kind).toBe('ok');
    const entries = (log as unknown as { value: { action: Variant; outcome: Variant }[] }).value;
    expect(entries.map(e => [e.action.tag, e.action.value, e.outcome.tag])).toEqual([
      ['BookAppointment', null, 'GrantedGuardian'], ['ManageAppointment', 3n, 'GrantedGuardian'],
    ]);
  });

  it('NotGuardian comes back by name from request_appointment_for', () => {
    const ret = message(appointments, 'request_appointment_for').returnType!;
    const type = ret.lookupName || ret.type;
    const bytes = appointments.registry.createTypeUnsafe(type, [{ Ok: { Err: 'NotGuardian' } }]).toU8a();
    expect(classify(toPlain(appointments.registry.createTypeUnsafe(type, [bytes])))).toEqual({ kind: 'error', variant: 'NotGuardian' });
  });
});

describe.skipIf(!opaque)(`opaque texts as Vec<u8> (issue 16) with the built metadata (${INK})`, async () => {
  const { Abi } = await import('@polkadot/api-contract');
  const abi = (c: string) => (opaque ? new Abi(JSON.parse(texts[c]!)) : (null as never));
  const registry = abi('registry');
  const permissions = abi('permissions');
  const records = abi('records');
  const appointments = abi('appointments');
  const chain = { abis: { registry, records, appointments, permissions } } as unknown as Chain;
  const b64 = (n: number, fill: number) => b64encode(new Uint8Array(n).fill(fill));
  const envelope = `smrms-enc1:${b64(70, 9)}.${'ab'.repeat(32)}`;
  const field = `e2:${b64(32, 5)}`;
  const note = `n2:${b64(80, 1)}.${b64(80, 2)}.${b64(60, 3)}`;
  const card = `c1:${b64(296, 4)}`;

  it('the listed fields are Vec<u8>; provider details and status reasons stay String', () => {
    for (const k of OPAQUE) expect(types![k], k).toBe('Vec<u8>');
    for (const k of PUBLIC_TEXT) expect(types![k], k).toBe('str');
    for (const c of ['registry', 'permissions', 'records', 'appointments'] as const) expect(storesBytes(chain, c), c).toBe(true);
  });

  it('what journeys.ts sends encodes as the bytes toChain(text)', () => {
    const profile: Record<string, unknown> = { heightCm: 0, weightKg: 0, nationalIdHash: new Uint8Array(32) };
    for (const f of ['name', 'dateOfBirth', 'gender', 'homeAddress', 'phone', 'bloodGroup', 'allergies', 'emergencyContactName', 'emergencyContactPhone']) {
      profile[f] = chainText(chain, 'registry', f === 'gender' ? '' : field);
    }
    const [p] = roundTrip(registry, 'register_patient', [profile]) as [Record<string, string>];
    expect(p.name).toBe(u8aToHex(toChain(field)));
    expect(p.name.startsWith('0xff02')).toBe(true);
    expect(p.gender).toBe('0x');
    const [, , title, body] = roundTrip(records, 'add_record', [ALICE, 'Diagnosis', chainText(chain, 'records', 'sealed'), chainText(chain, 'records', envelope), null]);
    expect(title).toBe(u8aToHex(new TextEncoder().encode('sealed')));
    expect(body).toBe(u8aToHex(toChain(envelope)));
    expect((body as string).startsWith('0xff01')).toBe(true);
    const medication = { name: chainText(chain, 'records', field), dose: chainText(chain, 'records', field), frequency: chainText(chain, 'records', ''), start: T, end: null, prescribedBy: null, notes: chainText(chain, 'records', field) };
    const [, m] = roundTrip(records, 'add_medication', [ALICE, medication]) as [string, Record<string, unknown>];
    expect([m.name, m.dose, m.frequency, m.notes]).toEqual([u8aToHex(toChain(field)), u8aToHex(toChain(field)), '0x', u8aToHex(toChain(field))]);
    const reason = chainText(chain, 'appointments', note);
    expect(reason.startsWith('0xff04')).toBe(true);
    expect(roundTrip(appointments, 'request_appointment', [BOB, T, 30, reason])[3]).toBe(reason);
    expect(roundTrip(appointments, 'set_appointment', [ALICE, T, 30, reason, 5])[3]).toBe(reason);
    expect(roundTrip(appointments, 'update_appointment', [7, T, 30, reason, reason, chainText(chain, 'appointments', '')]).slice(3)).toEqual([reason, reason, '0x']);
    expect(roundTrip(records, 'set_card', [u8aToHex(toChain(card)), u8aToHex(new Uint8Array(80)), u8aToHex(new Uint8Array(80))])[0]).toBe(u8aToHex(toChain(card)));
    // the emergency note: toChain(n2: text), 0xFF 0x04 ‖ …; none: the empty bytes
    const emergencyNote = chainText(chain, 'permissions', note);
    expect(emergencyNote).toBe(u8aToHex(toChain(note)));
    expect(roundTrip(permissions, 'open_emergency', [ALICE, 'Cardiac', emergencyNote, 3_600_000])).toEqual([ALICE, 'Cardiac', emergencyNote, 3_600_000]);
    expect(roundTrip(permissions, 'open_emergency', [ALICE, 'Cardiac', chainText(chain, 'permissions', ''), 3_600_000])[2]).toBe('0x');
  });

  it('answers decode into bytes that storedText turns back into the sealed texts; verify_record gets them as stored', () => {
    const rec = { kind: 'Diagnosis', title: u8aToHex(new TextEncoder().encode('sealed')), body: u8aToHex(toChain(envelope)), author: BOB, createdAt: T, block: 3, contentHash: new Uint8Array(32).fill(1), supersedes: null, supersededBy: null, emergency: false };
    const r = answer(records, 'records', [[0, rec]]) as unknown as { kind: string; value: [bigint, Record<string, unknown>][] };
    expect(r.kind).toBe('ok');
    const [[id, data]] = r.value as unknown as [[bigint, { title: Uint8Array; body: Uint8Array }]];
    expect(id).toBe(0n);
    expect(data.body).toBeInstanceOf(Uint8Array);
    expect(storedText(data.body)).toBe(envelope);
    expect(storedText(data.title)).toBe('sealed');
    const [, , , title, body] = roundTrip(records, 'verify_record', [ALICE, 0, 'Diagnosis', storedArg(data.title), storedArg(data.body)]);
    expect([title, body]).toEqual([rec.title, rec.body]);
    // an old value written as text reads back as that text
    const old = answer(records, 'records', [[1, { ...rec, body: u8aToHex(new TextEncoder().encode(envelope)) }]]) as unknown as { value: [bigint, { body: Uint8Array }][] };
    expect(storedText(old.value[0]![1].body)).toBe(envelope);
    const ap = answer(appointments, 'patient_appointments', [[4, {
      doctor: BOB, patient: ALICE, start: T, durationMin: 30, reason: u8aToHex(toChain(note)), diagnosis: '0x', prescription: '0x',
      status: 'Requested', fee: 0, paid: 0, createdAt: T, proposedStart: null,
    }]]) as unknown as { value: [bigint, { reason: Uint8Array; diagnosis: Uint8Array }][] };
    expect(storedText(ap.value[0]![1].reason)).toBe(note);
    expect(storedText(ap.value[0]![1].diagnosis)).toBe('');
    // the emergency note in its binary form, and one written before as its text's UTF-8 bytes
    const access = (n: string) => ({ doctor: BOB, reason: 'Cardiac', note: n, openedAt: T, expiresAt: T + 1, closed: null });
    const es = answer(permissions, 'emergencies_of', [access(u8aToHex(toChain(note))), access(u8aToHex(new TextEncoder().encode(note))), access('0x')]) as unknown as { kind: string; value: { note: Uint8Array }[] };
    expect(es.kind).toBe('ok');
    expect(es.value[0]!.note).toBeInstanceOf(Uint8Array);
    expect([es.value[0]!.note[0], es.value[0]!.note[1]]).toEqual([0xff, 0x04]);
    expect(es.value.map(e => storedText(e.note))).toEqual([note, note, '']);
  });
});
