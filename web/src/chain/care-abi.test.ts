// The care circle's calls against the contracts' real metadata (when it is
// built; the test command builds it first and sets SMRMS_REQUIRE_METADATA):
// the arguments journeys.ts sends encode as the messages expect, and the
// answers decode into the shapes journeys.ts reads (field names, options,
// enums), as `dryRun` decodes them.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { u8aToHex } from '@polkadot/util';
import { classify } from './contracts';
import { toPlain, Variant } from './plain';

const INK = process.env.SMRMS_INK_DIR ?? process.env.SMRMS_INK ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(homedir(), '.cache', 'smrms-target'), 'ink');
const metadataOf = (c: string) => path.join(INK, `smrms_${c}`, `smrms_${c}.json`);
/** Each contract's metadata text, read once (null when not built). */
const texts = Object.fromEntries(['permissions', 'records', 'appointments'].map(c => {
  try { return [c, existsSync(metadataOf(c)) ? readFileSync(metadataOf(c), 'utf8') : null]; } catch { return [c, null]; }
})) as Record<string, string | null>;
const has = (c: string, label: string) => !!texts[c]?.includes(`"${label}"`);
const built = has('permissions', 'appoint_guardian') && has('records', 'set_card');
/** The guardian's booking power (GuardianPowers.book, request_appointment_for, BookAppointment / ManageAppointment). */
const booking = built && has('appointments', 'request_appointment_for') && has('permissions', 'book') && has('permissions', 'ManageAppointment');

it.runIf(process.env.SMRMS_REQUIRE_METADATA === '1')('finds the built metadata with the care circle messages', () => {
  expect(built, `metadata with appoint_guardian and set_card in ${INK}`).toBe(true);
  expect(booking, `metadata with the booking power (request_appointment_for, GuardianPowers.book) in ${INK}: run scripts/build.sh`).toBe(true);
});

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const T = 1_800_000_000_000;

describe.skipIf(!built)(`care circle calls with the built metadata (${INK})`, async () => {
  const { Abi } = await import('@polkadot/api-contract');
  // the body runs when the suite is collected, skipped or not: no ABI without metadata
  const abi = (c: string) => (built ? new Abi(JSON.parse(texts[c]!)) : (null as never));
  const permissions = abi('permissions');
  const records = abi('records');
  const message = (a: InstanceType<typeof Abi>, name: string) => {
    const m = a.messages.find(x => x.identifier === name);
    if (!m) throw new Error(`no message ${name}`);
    return m;
  };
  /** Encodes `args` as the page does (`dryRun`: message.toU8a) and decodes them back (JSON). */
  const roundTrip = (a: InstanceType<typeof Abi>, name: string, args: unknown[]) => {
    const m = message(a, name);
    expect(m.args.length, `${name} arguments`).toBe(args.length);
    const data = m.toU8a(args);
    const back = a.decodeMessage(data);
    expect(back.message.identifier).toBe(name);
    return back.args.map(x => x.toJSON());
  };
  /** The answer `value` to `name`, encoded by the node and decoded as `dryRun` does. */
  const answer = (a: InstanceType<typeof Abi>, name: string, value: unknown) => {
    const ret = message(a, name).returnType!;
    const type = ret.lookupName || ret.type;
    const bytes = a.registry.createTypeUnsafe(type, [{ Ok: { Ok: value } }]).toU8a();
    return classify(toPlain(a.registry.createTypeUnsafe(type, [bytes], { isPedantic: true })));
  };

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
  const message = (a: InstanceType<typeof Abi>, name: string) => {
    const m = a.messages.find(x => x.identifier === name);
    if (!m) throw new Error(`no message ${name}`);
    return m;
  };
  const roundTrip = (a: InstanceType<typeof Abi>, name: string, args: unknown[]) => {
    const m = message(a, name);
    expect(m.args.length, `${name} arguments`).toBe(args.length);
    const back = a.decodeMessage(m.toU8a(args));
    expect(back.message.identifier).toBe(name);
    return back.args.map(x => x.toJSON());
  };
  const answer = (a: InstanceType<typeof Abi>, name: string, value: unknown) => {
    const ret = message(a, name).returnType!;
    const type = ret.lookupName || ret.type;
    const bytes = a.registry.createTypeUnsafe(type, [{ Ok: { Ok: value } }]).toU8a();
    return classify(toPlain(a.registry.createTypeUnsafe(type, [bytes], { isPedantic: true })));
  };

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
    expect(roundTrip(appointments, 'request_appointment_for', [BOB, ALICE, T, 30, 'n2:AAAA'])).toEqual([BOB, ALICE, T, 30, 'n2:AAAA']);
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
