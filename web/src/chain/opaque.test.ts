import { describe, expect, it } from 'vitest';
import { TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { CryptoError, fromChain, newDataKey, sealField, sealRecord, toChain, utf8 } from '../crypto';
import type { Chain } from './connection';
import { chainText, isUnreadable, storedArg, storedText, storesBytes, unreadable } from './opaque';

/** A chain whose ABIs have just the messages `storesBytes` looks at, their opaque texts of `type`. */
function fakeChain(type: 'Bytes' | 'Text'): Chain {
  const msg = (identifier: string, args: unknown[]) => ({ identifier, method: identifier, args });
  const abis = {
    registry: { messages: [msg('register_patient', [{ name: 'profile', type: { type: '{…}', sub: [{ name: 'name', type }, { name: 'heightCm', type: 'u16' }] } }])] },
    records: { messages: [msg('add_record', [{ name: 'patient', type: { type: 'AccountId' } }, { name: 'body', type: { type } }])] },
    permissions: { messages: [] },
    appointments: { messages: [msg('request_appointment', [{ name: 'reason', type: { type } }])] },
  };
  return { abis } as unknown as Chain;
}

const registry = new TypeRegistry();

describe('opaque text fields at the chain boundary', () => {
  const k = newDataKey();
  const envelope = sealRecord(k, 'Diagnosis', 'Type 2 diabetes');
  const field = sealField(k, 0, 'Asha Verma', 128);

  it('knows from the ABI whether the fields are bytes (Vec<u8>) or text (bundles from before)', () => {
    const now = fakeChain('Bytes');
    const before = fakeChain('Text');
    for (const c of ['registry', 'records', 'appointments'] as const) {
      expect(storesBytes(now, c), c).toBe(true);
      expect(storesBytes(before, c), c).toBe(false);
    }
  });

  it('writes toChain(text) as 0x-hex, which @polkadot/types encodes as exactly those bytes', () => {
    const chain = fakeChain('Bytes');
    for (const text of [envelope, field, 'sealed', '', 'e2:QQ==', '0xff02', 'Übelkeit 🩺']) {
      const arg = chainText(chain, 'records', text);
      const bytes = registry.createType('Bytes', arg);
      expect(bytes.toU8a(true), text).toEqual(toChain(text));
      // SCALE: compact length, then the bytes (as the contract's Vec<u8>)
      expect(bytes.toU8a(), text).toEqual(registry.createType('Bytes', toChain(text).length ? u8aToHex(toChain(text)) : '0x').toU8a());
      expect(fromChain(bytes.toU8a(true)), text).toBe(text);
    }
    expect(chainText(chain, 'records', envelope).startsWith('0xff01')).toBe(true);
    expect(chainText(chain, 'registry', field).startsWith('0xff02')).toBe(true);
    // why not the text or the bare bytes: a string is stored as its UTF-8 (or as hex if it looks like hex),
    // a Uint8Array is read as already SCALE-encoded
    expect(registry.createType('Bytes', envelope).toU8a(true)).toEqual(utf8(envelope));
    expect(registry.createType('Bytes', '0xff02').toU8a(true)).toEqual(Uint8Array.of(0xff, 0x02));
    expect(registry.createType('Bytes', chainText(chain, 'records', '0xff02')).toU8a(true)).toEqual(utf8('0xff02'));
    expect(() => registry.createType('Bytes', toChain(envelope)).toU8a(true)).toThrow();
  });

  it('writes the text itself where the ABI still has String', () => {
    const chain = fakeChain('Text');
    expect(chainText(chain, 'records', envelope)).toBe(envelope);
    expect(registry.createType('Text', chainText(chain, 'appointments', 'n2:x')).toString()).toBe('n2:x');
  });

  it('reads bytes (or text from older bundles) back to the sealed text; passes stored values back as stored', () => {
    expect(storedText(toChain(envelope))).toBe(envelope);
    expect(storedText(utf8(envelope))).toBe(envelope); // written as text before issue 16
    expect(storedText(envelope)).toBe(envelope); // decoded with a String ABI
    expect(storedText(new Uint8Array())).toBe('');
    expect(storedText(null)).toBe('');
    const stored = toChain(envelope);
    expect(storedArg(stored)).toBe(u8aToHex(stored));
    expect(registry.createType('Bytes', storedArg(stored)).toU8a(true)).toEqual(stored);
    expect(storedArg(utf8('0xabc'))).toBe(u8aToHex(utf8('0xabc')));
    expect(storedArg('sealed')).toBe('sealed');
  });

  it('bytes that are neither a binary form nor UTF-8 are "unreadable (not UTF-8)", not a crash', () => {
    const bad = Uint8Array.of(0xff, 0x09, 1, 2);
    let err: unknown;
    try { storedText(bad); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(CryptoError);
    expect(isUnreadable(err)).toBe(true);
    expect(isUnreadable(new CryptoError('Malformed', 'bad padding'))).toBe(false);
    expect(unreadable(bad)).toBe('unreadable (not UTF-8, 4 bytes)');
  });
});
