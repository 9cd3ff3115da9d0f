import { describe, expect, it } from 'vitest';
import { TypeRegistry } from '@polkadot/types';
import { toPlain, Variant, describe as describePlain } from './plain';

const registry = new TypeRegistry();
registry.register({
  DenyReason: { _enum: ['NoConsent', 'NotVerified', 'Unregistered', 'WrongRole'] },
  ReadOutcome: { _enum: { Granted: 'Rec', Denied: 'DenyReason' } },
  // field names as @polkadot/types gives contract metadata types: camelCase
  Rec: { title: 'Text', body: 'Text', author: 'AccountId', createdAt: 'u64', contentHash: '[u8;32]', supersedes: 'Option<u32>', emergency: 'bool' },
  Scopes: { demographics: 'bool', recordsRead: 'bool', recordsWrite: 'bool', appointments: 'bool' },
});
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

describe('decoded values as plain JavaScript', () => {
  it('structs become objects, integers bigint, accounts SS58, byte arrays Uint8Array', () => {
    const rec = registry.createType('Rec', {
      title: 'sealed', body: 'smrms-enc1:x', author: ALICE, createdAt: 1_700_000_000_000, contentHash: new Uint8Array(32).fill(7), supersedes: null, emergency: false,
    });
    const p = toPlain(rec) as Record<string, unknown>;
    expect(p.title).toBe('sealed');
    expect(p.author).toBe(ALICE);
    expect(p.createdAt).toBe(1_700_000_000_000n);
    expect(p.contentHash).toEqual(new Uint8Array(32).fill(7));
    expect(p.supersedes).toBeNull();
    expect(p.emergency).toBe(false);
  });
  it('enums become Variants, unit variants carry null; Result is an enum', () => {
    const denied = toPlain(registry.createType('ReadOutcome', { Denied: 'NoConsent' }));
    expect(denied).toEqual(new Variant('Denied', new Variant('NoConsent', null)));
    expect(describePlain(denied as Variant)).toBe('Denied(NoConsent)');
    const r = toPlain(registry.createType('Result<Result<u32, DenyReason>, Text>', { Ok: { Err: 'WrongRole' } }));
    expect(r).toEqual(new Variant('Ok', new Variant('Err', new Variant('WrongRole', null))));
  });
  it('options, vectors, tuples and Vec<u8>', () => {
    expect(toPlain(registry.createType('Option<u64>', 5))).toBe(5n);
    expect(toPlain(registry.createType('Vec<(AccountId, u32)>', [[ALICE, 3]]))).toEqual([[ALICE, 3n]]);
    // Vec<u8> without its length prefix
    expect(toPlain(registry.createType('Bytes', '0x010203'))).toEqual(new Uint8Array([1, 2, 3]));
    expect(toPlain(registry.createType('Option<Bytes>', null))).toBeNull();
    expect(toPlain(registry.createType('Scopes', { recordsRead: true }))).toEqual({ demographics: false, recordsRead: true, recordsWrite: false, appointments: false });
  });
});
