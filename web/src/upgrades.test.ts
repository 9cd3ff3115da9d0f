// The upgrade warning: decoding `Upgradeable::upgrade_status` into the
// banner's model (pending in the future, due, none, no trait, several
// contracts), its words, and — when the contracts' metadata is built — the
// whole read path through the real ABIs with a fake node.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Variant } from './chain/plain';
import {
  decodeUpgradeLock, delayWords, enactedWords, readingFrom, shortHash, spanWords, untilWords, upgradeModel,
  UPGRADE_EVENTS, UPGRADE_STATUS_MESSAGE, type UpgradeReading,
} from './upgrades';

const FMT = { locale: 'en-GB', timeZone: 'UTC' };
const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2027, 1, 24, 10, 0, 0); // 24 Feb 2027, 10:00 UTC
const HASH = `0x${'ab'.repeat(16)}${'cd'.repeat(16)}`;
const HASH_BYTES = Uint8Array.from({ length: 32 }, (_, i) => (i < 16 ? 0xab : 0xcd));

/** `upgrade_status`'s Ok value as `toPlain` gives it. */
const plainLock = (delayMs: bigint, pending: { proposedAt: bigint; notBefore: bigint } | null, enacted = 0n) => ({
  delayMs,
  pending: pending && { codeHash: HASH_BYTES, ...pending },
  enacted,
});
const lock = (delayMs: number, pending: { proposedAt: number; notBefore: number } | null, enacted = 0): UpgradeReading =>
  ({ kind: 'lock', lock: { delayMs, pending: pending && { codeHash: HASH, ...pending }, enacted } });
const none = (delay = 7 * DAY, enacted = 0) => lock(delay, null, enacted);

describe('decoding upgrade_status', () => {
  it('reads the lock with a pending proposal (hash as bytes)', () => {
    const v = decodeUpgradeLock(plainLock(604_800_000n, { proposedAt: BigInt(NOW), notBefore: BigInt(NOW + 7 * DAY) }, 2n));
    expect(v).toEqual({ delayMs: 7 * DAY, pending: { codeHash: HASH, proposedAt: NOW, notBefore: NOW + 7 * DAY }, enacted: 2 });
  });
  it('reads the lock without a proposal', () => {
    expect(decodeUpgradeLock(plainLock(4000n, null))).toEqual({ delayMs: 4000, pending: null, enacted: 0 });
  });
  it('refuses a shape it does not know, so the page says so instead of guessing', () => {
    expect(() => decodeUpgradeLock({ delay: 1n })).toThrow(/no field pending/);
    expect(() => decodeUpgradeLock({ delayMs: 1n, pending: { codeHash: new Uint8Array(3), proposedAt: 0n, notBefore: 0n }, enacted: 0n })).toThrow(/32 bytes/);
    expect(() => decodeUpgradeLock(new Variant('Ok', null))).toThrow();
  });
  it('turns the query outcomes into readings: ok, no trait, failures', () => {
    expect(readingFrom(true, { kind: 'ok', value: plainLock(5n, null) })).toEqual({ kind: 'lock', lock: { delayMs: 5, pending: null, enacted: 0 } });
    expect(readingFrom(false).kind).toBe('missing');
    // an old contract asked with a new ABI: unknown selector
    expect(readingFrom(true, { kind: 'lang', variant: 'CouldNotReadInput' }).kind).toBe('missing');
    expect(readingFrom(true, { kind: 'dispatch', section: 'contracts', name: 'ContractTrapped', docs: '' }))
      .toEqual({ kind: 'failed', error: 'contracts.ContractTrapped' });
    expect(readingFrom(true, { kind: 'error', variant: 'Overflow' }).kind).toBe('failed');
    expect(readingFrom(true, { kind: 'ok', value: 'garbage' }).kind).toBe('failed');
  });
});

describe('words', () => {
  it('says spans in at most two units, rounded down', () => {
    expect(spanWords(7 * DAY - 1)).toBe('6 days 23 hours');
    expect(spanWords(3 * DAY)).toBe('3 days');
    expect(spanWords(DAY + HOUR)).toBe('1 day 1 hour');
    expect(spanWords(5 * HOUR + 10 * 60_000 + 5000)).toBe('5 hours 10 minutes');
    expect(spanWords(40_000)).toBe('40 seconds');
    expect(spanWords(10)).toBe('less than a second');
    expect(untilWords(NOW + 2 * DAY, NOW)).toBe('in 2 days');
    expect(untilWords(NOW - 2 * HOUR, NOW)).toBe('2 hours ago');
    expect(untilWords(NOW + 300, NOW)).toBe('now');
  });
  it('says the delay and the past upgrades', () => {
    expect(delayWords(7 * DAY)).toBe('7 days');
    expect(delayWords(4000)).toBe('4 seconds');
    expect(delayWords(0)).toMatch(/^none/);
    expect(enactedWords(0)).toBe('no upgrades so far');
    expect(enactedWords(1)).toBe('1 upgrade so far');
    expect(enactedWords(3)).toBe('3 upgrades so far');
    expect(shortHash(HASH)).toBe('0xabababab…cdcdcdcd');
  });
});

describe('the banner model', () => {
  it('pending in the future: which contract, the hash, the local date and "in N days", what to do', () => {
    const notBefore = Date.UTC(2027, 2, 3, 14, 5); // 3 Mar 2027, 14:05 UTC
    const m = upgradeModel({
      registry: none(), permissions: none(), appointments: none(),
      records: lock(7 * DAY, { proposedAt: notBefore - 7 * DAY, notBefore }, 1),
    }, NOW, FMT);
    expect(m.notices).toHaveLength(1);
    const n = m.notices[0]!;
    expect(n).toMatchObject({ contract: 'records', codeHash: HASH, shortHash: '0xabababab…cdcdcdcd', due: false, notBefore, relative: 'in 7 days 4 hours' });
    expect(n.when).toMatch(/3 Mar 2027.*14:05/);
    expect(n.proposed).toMatch(/24 Feb 2027.*14:05/);
    expect(n.headline).toMatch(/^The records contract \(your medical records and medications\) will change its code on 3 Mar 2027.*14:05 \(in 7 days 4 hours\)/);
    expect(n.advice).toMatch(/review the published code with hash 0xabababab…cdcdcdcd/);
    expect(n.advice).toMatch(/withdraw your consent under “Who has access”/);
    expect(m.noLock).toBe(false);
    expect(m.note).toBeNull();
    const row = m.rows.find(r => r.contract === 'records')!;
    expect(row).toMatchObject({ state: 'lock', delay: '7 days', enacted: 1 });
    expect(row.text).toMatch(/^records: upgrade delay 7 days, 1 upgrade so far, new code 0xabababab…cdcdcdcd from 3 Mar 2027/);
  });

  it('due but not enacted: "can take effect now (anyone may enact it)"', () => {
    const m = upgradeModel({ records: lock(4000, { proposedAt: NOW - 2 * HOUR - 4000, notBefore: NOW - 2 * HOUR }) }, NOW, FMT);
    const n = m.notices[0]!;
    expect(n.due).toBe(true);
    expect(n.relative).toBe('2 hours ago');
    expect(n.headline).toMatch(/can take effect now \(anyone may enact it\): its waiting time ended 2 hours ago, on 24 Feb 2027.*08:00\.$/);
    expect(n.proposed).toMatch(/24 Feb 2027.*07:59/);
    expect(n.advice).toMatch(/now/);
    expect(m.rows[0]!.text).toMatch(/can take effect now$/);
    // exactly at not_before it is due already (the contract enacts at now >= not_before)
    expect(upgradeModel({ records: lock(4000, { proposedAt: NOW - 4000, notBefore: NOW }) }, NOW, FMT).notices[0]!.due).toBe(true);
    expect(upgradeModel({ records: lock(4000, { proposedAt: NOW - 3999, notBefore: NOW + 1 }) }, NOW, FMT).notices[0]!.due).toBe(false);
  });

  it('none pending: no banner, each contract with its delay and past upgrades', () => {
    const m = upgradeModel({ registry: none(), permissions: none(7 * DAY, 2), records: none(), appointments: none(90 * DAY) }, NOW, FMT);
    expect(m.notices).toEqual([]);
    expect(m.note).toBeNull();
    expect(m.rows.map(r => r.contract)).toEqual(['registry', 'permissions', 'records', 'appointments']);
    expect(m.rows.map(r => r.text)).toEqual([
      'registry: upgrade delay 7 days, no upgrades so far, no change proposed',
      'permissions: upgrade delay 7 days, 2 upgrades so far, no change proposed',
      'records: upgrade delay 7 days, no upgrades so far, no change proposed',
      'appointments: upgrade delay 90 days, no upgrades so far, no change proposed',
    ]);
  });

  it('an old deployment without the trait: no banner, "this deployment has no upgrade lock"', () => {
    const missing: UpgradeReading = readingFrom(false);
    const m = upgradeModel({ registry: missing, permissions: missing, records: missing, appointments: readingFrom(true, { kind: 'lang', variant: 'CouldNotReadInput' }) }, NOW, FMT);
    expect(m.notices).toEqual([]);
    expect(m.noLock).toBe(true);
    expect(m.note).toMatch(/^This deployment has no upgrade lock/);
    expect(m.rows.every(r => r.state === 'missing' && r.delay === null && r.enacted === null)).toBe(true);
  });

  it('some contracts without the lock, one unreadable: the others still warn', () => {
    const m = upgradeModel({
      registry: readingFrom(false),
      permissions: { kind: 'failed', error: 'timeout' },
      records: lock(DAY, { proposedAt: NOW, notBefore: NOW + DAY }),
      appointments: none(),
    }, NOW, FMT);
    expect(m.noLock).toBe(false);
    expect(m.notices.map(n => n.contract)).toEqual(['records']);
    expect(m.note).toMatch(/No upgrade lock on the registry contract \(older code\)/);
    expect(m.note).toMatch(/Could not read the upgrade lock of the permissions contract/);
    expect(m.rows.find(r => r.contract === 'permissions')!.text).toBe('permissions: could not read the upgrade lock (timeout)');
  });

  it('several contracts pending: one notice each, soonest first, the due one flagged', () => {
    const m = upgradeModel({
      registry: lock(7 * DAY, { proposedAt: NOW, notBefore: NOW + 7 * DAY }),
      permissions: none(),
      records: lock(7 * DAY, { proposedAt: NOW - 3 * DAY, notBefore: NOW + 4 * DAY }),
      appointments: lock(7 * DAY, { proposedAt: NOW - 8 * DAY, notBefore: NOW - DAY }, 1),
    }, NOW, FMT);
    expect(m.notices.map(n => [n.contract, n.due, n.relative])).toEqual([
      ['appointments', true, '1 day ago'],
      ['records', false, 'in 4 days'],
      ['registry', false, 'in 7 days'],
    ]);
    expect(m.notices[2]!.headline).toMatch(/^The registry contract \(who is who/);
  });

  it('names the events that make the page read again', () => {
    expect([...UPGRADE_EVENTS]).toEqual(['UpgradeProposed', 'UpgradeCancelled', 'Upgraded']);
  });
});

// ---- the read path with the contracts' real metadata (when it is built) ----
const INK = process.env.SMRMS_INK_DIR ?? process.env.SMRMS_INK ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(homedir(), '.cache', 'smrms-target'), 'ink');
const NAMES = ['registry', 'permissions', 'records', 'appointments'] as const;
const metadataOf = (c: string) => path.join(INK, `smrms_${c}`, `smrms_${c}.json`);
const withTrait = NAMES.every(c => existsSync(metadataOf(c)) && readFileSync(metadataOf(c), 'utf8').includes(UPGRADE_STATUS_MESSAGE));

// The test command builds the contracts first and sets SMRMS_REQUIRE_METADATA:
// there the metadata must be found, never skipped.
it.runIf(process.env.SMRMS_REQUIRE_METADATA === '1')('finds the built metadata with the upgrade trait', () => {
  expect(withTrait, `metadata with ${UPGRADE_STATUS_MESSAGE} in ${INK}`).toBe(true);
});

describe.skipIf(!withTrait)(`the read path with the built metadata (${INK})`, async () => {
  const { Abi } = await import('@polkadot/api-contract');
  const { readUpgradeLocks } = await import('./chain/upgrades');
  const meta = (c: string) => JSON.parse(readFileSync(metadataOf(c), 'utf8')) as Record<string, unknown>;

  /** A chain whose node answers every dry run with `answer(contract, abi)` (the encoded return value). */
  function fakeChain(abis: Record<string, InstanceType<typeof Abi>>, answer: (contract: string, abi: InstanceType<typeof Abi>, input: Uint8Array) => Uint8Array) {
    const addresses = Object.fromEntries(NAMES.map((c, i) => [c, `addr-${i}`]));
    const byAddress = Object.fromEntries(NAMES.map((c, i) => [`addr-${i}`, c]));
    const call = async (_origin: string, dest: string, _v: unknown, _g: unknown, _s: unknown, input: Uint8Array) => ({
      gasRequired: {}, storageDeposit: { isCharge: false },
      result: { isErr: false, asOk: { data: { toU8a: () => answer(byAddress[dest]!, abis[byAddress[dest]!]!, input) } } },
    });
    return { api: { call: { contractsApi: { call } } }, abis, addresses } as never;
  }
  const encodeReturn = (abi: InstanceType<typeof Abi>, value: unknown) => {
    const m = abi.messages.find(x => x.identifier === UPGRADE_STATUS_MESSAGE)!;
    return abi.registry.createTypeUnsafe(m.returnType!.lookupName || m.returnType!.type, [value]).toU8a();
  };

  it('every contract has the message and the three events, named as the page looks for them', () => {
    for (const c of NAMES) {
      const abi = new Abi(meta(c));
      const m = abi.messages.find(x => x.identifier === UPGRADE_STATUS_MESSAGE);
      expect(m, c).toBeDefined();
      expect(m!.isMutating).toBe(false);
      expect(m!.args).toEqual([]);
      const events = abi.events.map(e => e.identifier.split('::').pop());
      for (const e of UPGRADE_EVENTS) expect(events, `${c} events`).toContain(e);
    }
  });

  it('decodes the node\u2019s answers: a pending upgrade, none, and an old contract that does not know the selector', async () => {
    const abis = Object.fromEntries(NAMES.map(c => [c, new Abi(meta(c))]));
    const notBefore = NOW + 7 * DAY;
    const chain = fakeChain(abis, (c, abi, input) => {
      const m = abi.messages.find(x => x.identifier === UPGRADE_STATUS_MESSAGE)!;
      expect([...input].slice(-4)).toEqual([...m.selector.toU8a()]); // (length-prefixed, as the page sends it)
      if (c === 'records') return encodeReturn(abi, { Ok: { Ok: { delayMs: 7 * DAY, pending: { codeHash: HASH, proposedAt: NOW, notBefore }, enacted: 1 } } });
      if (c === 'registry') return encodeReturn(abi, { Err: 'CouldNotReadInput' });
      return encodeReturn(abi, { Ok: { Ok: { delayMs: 4000, pending: null, enacted: 0 } } });
    });
    const readings = await readUpgradeLocks(chain, 'anyone');
    expect(readings.records).toEqual({ kind: 'lock', lock: { delayMs: 7 * DAY, pending: { codeHash: HASH, proposedAt: NOW, notBefore }, enacted: 1 } });
    expect(readings.permissions).toEqual({ kind: 'lock', lock: { delayMs: 4000, pending: null, enacted: 0 } });
    expect(readings.registry.kind).toBe('missing');
    const m = upgradeModel(readings, NOW, FMT);
    expect(m.notices.map(n => n.contract)).toEqual(['records']);
    expect(m.note).toMatch(/No upgrade lock on the registry contract/);
  });

  it('ABIs without the trait (an old deployment\u2019s bundles): no query sent, "no upgrade lock"', async () => {
    const old = (c: string) => {
      const j = meta(c) as { spec: { messages: { label: string }[] } };
      j.spec.messages = j.spec.messages.filter(x => !x.label.startsWith('Upgradeable::'));
      return new Abi(j as never);
    };
    const abis = Object.fromEntries(NAMES.map(c => [c, old(c)]));
    const chain = fakeChain(abis, () => { throw new Error('no query expected'); });
    const m = upgradeModel(await readUpgradeLocks(chain), NOW, FMT);
    expect(m.noLock).toBe(true);
    expect(m.notices).toEqual([]);
  });
});
