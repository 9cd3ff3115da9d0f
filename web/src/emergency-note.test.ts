// The emergency access's sealed note (`permissions.open_emergency(.., note:
// Vec<u8>, ..)`, `EmergencyAccess.note`) at the chain boundary: written as
// `toChain` of its `n2:` text (0xFF 0x04 ‖ the two wrapped keys ‖ nonce and
// ciphertext), passed as 0x-hex; read back through `fromChain`, which also
// reads a note written before as its text's UTF-8 bytes. The Rust client
// (`client/src/journeys/emergency.rs`) writes it; the page reads it
// (`emergencyNote`).
import { beforeAll, describe, expect, it } from 'vitest';
import { TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { MAX_TEXT_LEN, ONCHAIN_MARK, ONCHAIN_TAGS, b64decode, fromChain, keysFromSeed, sealNote, toChain, utf8, type EncryptionKeys } from './crypto';
import type { Chain } from './chain/connection';
import { chainText } from './chain/opaque';
import { toPlain } from './chain/plain';
import { emergencyNote, type Actor, type EmergencyAccess } from './journeys';

const PATIENT = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const DOCTOR = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
const STRANGER = '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL';
const TEXT = 'Found unresponsive at home, suspected opioid overdose';
const registry = new TypeRegistry();

let keys: Record<'patient' | 'doctor' | 'stranger', EncryptionKeys>;
let sealed: string;

beforeAll(async () => {
  keys = {
    patient: await keysFromSeed(new Uint8Array(32).fill(0x21)),
    doctor: await keysFromSeed(new Uint8Array(32).fill(0x22)),
    stranger: await keysFromSeed(new Uint8Array(32).fill(0x23)),
  };
  sealed = await sealNote(decodeAddress(PATIENT), keys.patient.publicKey, decodeAddress(DOCTOR), keys.doctor.publicKey, TEXT, MAX_TEXT_LEN);
});

const actor = (me: string, k: EncryptionKeys | null): Actor => ({ chain: {} as Chain, signing: {} as Actor['signing'], me, keys: k });
const access = (note: Uint8Array | undefined): EmergencyAccess => ({ doctor: DOCTOR, reason: 'Cardiac', note, openedAt: 1n, expiresAt: 2n, closed: null });

describe("the emergency access's sealed note on chain", () => {
  it('is written as toChain(n2: text): 0xFF 0x04, the raw wrapped keys, nonce and ciphertext, as 0x-hex', () => {
    expect(sealed.startsWith('n2:')).toBe(true);
    const stored = toChain(sealed);
    expect([stored[0], stored[1]]).toEqual([ONCHAIN_MARK, ONCHAIN_TAGS.note]);
    const parts = sealed.slice(3).split('.').map(s => b64decode(s)!);
    expect(parts.map(p => p.length).slice(0, 2)).toEqual([80, 80]);
    expect(stored.slice(2)).toEqual(Uint8Array.from(parts.flatMap(p => [...p])));
    expect(stored.length).toBeLessThan(sealed.length);
    expect(stored.length).toBeLessThanOrEqual(MAX_TEXT_LEN);
    expect(fromChain(stored)).toBe(sealed);
    // the argument for the Vec<u8>: 0x-hex, which @polkadot/types encodes as exactly those bytes
    // (permissions' note has always been bytes: no String ABI to fall back to)
    const chain = { abis: { permissions: { messages: [] } } } as unknown as Chain;
    const arg = chainText(chain, 'permissions', sealed);
    expect(arg).toBe(u8aToHex(stored));
    expect(arg.startsWith('0xff04')).toBe(true);
    expect(registry.createType('Bytes', arg).toU8a(true)).toEqual(stored);
    // not the bare bytes: @polkadot/types would read them as already SCALE-encoded
    expect(() => registry.createType('Bytes', stored).toU8a(true)).toThrow();
    // no note: the empty bytes
    expect(registry.createType('Bytes', chainText(chain, 'permissions', '')).toU8a(true)).toEqual(new Uint8Array());
  });

  it('reads back (decoded Bytes) and opens for the patient and the doctor only', async () => {
    const decoded = toPlain(registry.createType('Bytes', u8aToHex(toChain(sealed)))) as Uint8Array;
    expect(decoded).toBeInstanceOf(Uint8Array);
    const e = access(decoded);
    expect(await emergencyNote(actor(PATIENT, keys.patient), PATIENT, e)).toBe(TEXT);
    expect(await emergencyNote(actor(DOCTOR, keys.doctor), PATIENT, e)).toBe(TEXT);
    expect(await emergencyNote(actor(STRANGER, keys.stranger), PATIENT, e)).toBe(`(sealed note, ${decoded.length} bytes: it does not open with your key)`);
    expect(await emergencyNote(actor(PATIENT, null), PATIENT, e)).toBe(`(sealed note, ${decoded.length} bytes)`);
  });

  it('a note written before as its text (UTF-8 bytes of the n2: text) still reads and opens', async () => {
    const old = access(utf8(sealed));
    expect(fromChain(utf8(sealed))).toBe(sealed);
    expect(await emergencyNote(actor(PATIENT, keys.patient), PATIENT, old)).toBe(TEXT);
    expect(await emergencyNote(actor(DOCTOR, keys.doctor), PATIENT, old)).toBe(TEXT);
  });

  it('no note is null; bytes that are neither a binary form nor UTF-8 are shown as unreadable', async () => {
    const me = actor(PATIENT, keys.patient);
    expect(await emergencyNote(me, PATIENT, access(undefined))).toBeNull();
    expect(await emergencyNote(me, PATIENT, access(new Uint8Array()))).toBeNull();
    expect(await emergencyNote(me, PATIENT, access(Uint8Array.of(0xff, 0x04, 1, 2)))).toBe('(note unreadable (not UTF-8, 4 bytes))');
    // plaintext (another client) is not opened as a note
    expect(await emergencyNote(me, PATIENT, access(utf8('chest pain')))).toBe('(sealed note, 10 bytes)');
  });
});
