// Time-locked code upgrades, for people: the four contracts' answers to
// `Upgradeable::upgrade_status` (docs/upgrades.md) decoded into a banner
// ("the records contract will change on 3 Mar 2027 …; review it or withdraw
// your consent") and one line per contract for the deployment panel. Pure:
// no chain, the current time is an argument, so the texts are tested.
import type { ContractName } from './chain/connection';
import type { Outcome } from './chain/contracts';
import { Variant, describe, type Plain } from './chain/plain';
import { formatDateTime } from './format';

/** The message's label in the metadata (an ink! trait message). */
export const UPGRADE_STATUS_MESSAGE = 'Upgradeable::upgrade_status';
/** The events after which the locks are read again. */
export const UPGRADE_EVENTS = ['UpgradeProposed', 'UpgradeCancelled', 'Upgraded'] as const;

const ORDER: ContractName[] = ['registry', 'permissions', 'records', 'appointments'];

/** What each contract keeps, in the patient's words. */
export const CONTRACT_WORDS: Record<ContractName, string> = {
  registry: 'who is who: your registration, profile, encryption key and the providers\u2019 verification',
  permissions: 'your grants, emergency accesses and access log',
  records: 'your medical records and medications',
  appointments: 'appointments and their fees',
};

export interface PendingUpgradeView {
  /** The proposed code's hash, `0x` and 64 hex digits. */
  codeHash: string;
  /** Unix ms. */
  proposedAt: number;
  /** Unix ms: the earliest time anyone may enact it. */
  notBefore: number;
}

/** `UpgradeLock { delay_ms, pending, enacted }` as plain numbers. */
export interface UpgradeLockView {
  delayMs: number;
  pending: PendingUpgradeView | null;
  enacted: number;
}

/** One contract's answer. */
export type UpgradeReading =
  | { kind: 'lock'; lock: UpgradeLockView }
  /** No `Upgradeable` trait: an older deployment (or older ABIs beside the page). */
  | { kind: 'missing'; why: string }
  | { kind: 'failed'; error: string };

function field(o: Plain, name: string): Plain {
  if (!o || typeof o !== 'object' || o instanceof Uint8Array || o instanceof Variant || Array.isArray(o)) {
    throw new Error(`expected a struct with ${name}, got ${describe(o)}`);
  }
  if (!(name in o)) throw new Error(`the upgrade status has no field ${name}: ${describe(o)}`);
  return o[name]!;
}

function int(p: Plain, what: string): number {
  let v: bigint;
  if (typeof p === 'bigint') v = p;
  else if (typeof p === 'string' && /^\d+$/.test(p.replace(/,/g, ''))) v = BigInt(p.replace(/,/g, ''));
  else throw new Error(`${what} is not a number: ${describe(p)}`);
  if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${what} is out of range: ${v}`);
  return Number(v);
}

function hex32(p: Plain): string {
  let bytes: Uint8Array | null = null;
  if (p instanceof Uint8Array) bytes = p;
  else if (Array.isArray(p) && p.every(b => typeof b === 'bigint')) bytes = Uint8Array.from(p as bigint[], Number);
  else if (typeof p === 'string' && /^0x[0-9a-fA-F]{64}$/.test(p)) return p.toLowerCase();
  else if (p && typeof p === 'object' && !(p instanceof Variant) && !Array.isArray(p) && Object.keys(p).length === 1) {
    return hex32(Object.values(p)[0]!); // a newtype around the bytes
  }
  if (!bytes || bytes.length !== 32) throw new Error(`the code hash is not 32 bytes: ${describe(p)}`);
  return `0x${[...bytes].map(b => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Decodes the `Ok` value of `upgrade_status` (as `toPlain` gives it; camelCase keys). */
export function decodeUpgradeLock(p: Plain): UpgradeLockView {
  const pending = field(p, 'pending');
  return {
    delayMs: int(field(p, 'delayMs'), 'delay_ms'),
    pending: pending === null ? null : {
      codeHash: hex32(field(pending, 'codeHash')),
      proposedAt: int(field(pending, 'proposedAt'), 'proposed_at'),
      notBefore: int(field(pending, 'notBefore'), 'not_before'),
    },
    enacted: int(field(p, 'enacted'), 'enacted'),
  };
}

/**
 * One contract's reading from the query's outcome. `hasMessage` is false
 * when the ABI beside the page has no `Upgradeable::upgrade_status`; an old
 * contract asked with a new ABI answers `LangError::CouldNotReadInput`
 * (unknown selector): both mean "no upgrade lock".
 */
export function readingFrom(hasMessage: boolean, outcome?: Outcome): UpgradeReading {
  if (!hasMessage) return { kind: 'missing', why: 'the contract\u2019s ABI has no Upgradeable::upgrade_status' };
  if (!outcome) return { kind: 'failed', error: 'no answer' };
  switch (outcome.kind) {
    case 'ok':
      try {
        return { kind: 'lock', lock: decodeUpgradeLock(outcome.value) };
      } catch (e) {
        return { kind: 'failed', error: `unexpected answer (${(e as Error).message})` };
      }
    case 'lang':
      return outcome.variant === 'CouldNotReadInput'
        ? { kind: 'missing', why: 'the deployed contract does not know Upgradeable::upgrade_status' }
        : { kind: 'failed', error: `the contract answered ${outcome.variant}` };
    case 'error': return { kind: 'failed', error: `the contract answered ${outcome.variant}` };
    case 'denied': return { kind: 'failed', error: `the contract answered Denied(${outcome.reason})` };
    case 'dispatch': return { kind: 'failed', error: `${outcome.section}.${outcome.name}` };
  }
}

const UNITS: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * A span in at most two units, rounded down: "6 days 23 hours", "5 hours
 * 10 minutes", "40 seconds"; below a second "less than a second".
 */
export function spanWords(ms: number): string {
  const a = Math.abs(ms);
  const i = UNITS.findIndex(([size]) => a >= size);
  if (i < 0) return 'less than a second';
  const [size, unit] = UNITS[i]!;
  const n = Math.floor(a / size);
  const parts = [plural(n, unit)];
  const next = UNITS[i + 1];
  if (next) {
    const m = Math.floor((a - n * size) / next[0]);
    if (m > 0) parts.push(plural(m, next[1]));
  }
  return parts.join(' ');
}

/** "in 6 days 23 hours" / "2 hours ago" (rounded down, so never later than it is). */
export function untilWords(at: number, now: number): string {
  const d = at - now;
  if (Math.abs(d) < 1000) return 'now';
  return d > 0 ? `in ${spanWords(d)}` : `${spanWords(d)} ago`;
}

/** The fixed upgrade delay: "7 days", "4 seconds", "none". */
export function delayWords(ms: number): string {
  if (ms === 0) return 'none (a proposal can be enacted at once)';
  if (ms < 1000) return `${ms} ms`;
  return spanWords(ms);
}

/** "no upgrades so far", "1 upgrade so far", "3 upgrades so far". */
export function enactedWords(n: number): string {
  return n === 0 ? 'no upgrades so far' : `${n} upgrade${n === 1 ? '' : 's'} so far`;
}

/** 0x1234abcd…9876fedc */
export function shortHash(hash: string): string {
  return hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-8)}` : hash;
}

/** One pending upgrade, in words, for the banner. */
export interface UpgradeNotice {
  contract: ContractName;
  codeHash: string;
  shortHash: string;
  proposedAt: number;
  notBefore: number;
  /** `not_before` has passed: anyone may enact it now. */
  due: boolean;
  /** `not_before` in local date and time. */
  when: string;
  /** `proposed_at` in local date and time. */
  proposed: string;
  /** "in 6 days 23 hours" / "2 hours ago". */
  relative: string;
  /** "The records contract (…) will change on …" */
  headline: string;
  /** What the patient can do. */
  advice: string;
}

/** One contract's line in the deployment panel. */
export interface LockRow {
  contract: ContractName;
  state: UpgradeReading['kind'];
  /** "7 days"; null without a lock. */
  delay: string | null;
  /** Upgrades enacted; null without a lock. */
  enacted: number | null;
  /** The whole line in words. */
  text: string;
  pending: UpgradeNotice | null;
}

export interface UpgradeModel {
  /** Pending upgrades, soonest first (empty: no banner). */
  notices: UpgradeNotice[];
  /** The four contracts in the suite's order (those with a reading). */
  rows: LockRow[];
  /** True when no contract has an upgrade lock (an older deployment). */
  noLock: boolean;
  /** A sentence for the panel, or null. */
  note: string | null;
}

export interface FormatOptions { locale?: string; timeZone?: string }

/** The notice for `contract`'s pending upgrade at `now`. */
export function noticeFor(contract: ContractName, p: PendingUpgradeView, now: number, fmt: FormatOptions = {}): UpgradeNotice {
  const due = now >= p.notBefore;
  const when = formatDateTime(p.notBefore, fmt.locale, fmt.timeZone);
  const relative = untilWords(p.notBefore, now);
  const what = `The ${contract} contract (${CONTRACT_WORDS[contract]})`;
  const headline = due
    ? `${what} has new code waiting that can take effect now (anyone may enact it): its waiting time ended ${relative}, on ${when}.`
    : `${what} will change its code on ${when} (${relative}), unless the head cancels the proposal.`;
  const advice = due
    ? `Review the published code with hash ${shortHash(p.codeHash)} (rebuild the published source and compare its code hash), or withdraw your consent under \u201cWho has access\u201d now: the change can happen with the next transaction.`
    : `Before then, review the published code with hash ${shortHash(p.codeHash)} (rebuild the published source and compare its code hash), or withdraw your consent under \u201cWho has access\u201d.`;
  const proposed = formatDateTime(p.proposedAt, fmt.locale, fmt.timeZone);
  return { contract, codeHash: p.codeHash, shortHash: shortHash(p.codeHash), proposedAt: p.proposedAt, notBefore: p.notBefore, due, when, proposed, relative, headline, advice };
}

/** The banner and the panel's lines from the four readings at `now`. */
export function upgradeModel(readings: Partial<Record<ContractName, UpgradeReading>>, now: number, fmt: FormatOptions = {}): UpgradeModel {
  const rows: LockRow[] = [];
  for (const contract of ORDER) {
    const r = readings[contract];
    if (!r) continue;
    if (r.kind === 'missing') {
      rows.push({ contract, state: 'missing', delay: null, enacted: null, pending: null, text: `${contract}: no upgrade lock (${r.why})` });
      continue;
    }
    if (r.kind === 'failed') {
      rows.push({ contract, state: 'failed', delay: null, enacted: null, pending: null, text: `${contract}: could not read the upgrade lock (${r.error})` });
      continue;
    }
    const { lock } = r;
    const pending = lock.pending ? noticeFor(contract, lock.pending, now, fmt) : null;
    const status = !pending ? 'no change proposed'
      : pending.due ? `new code ${pending.shortHash} can take effect now`
      : `new code ${pending.shortHash} from ${pending.when} (${pending.relative})`;
    rows.push({
      contract, state: 'lock', delay: delayWords(lock.delayMs), enacted: lock.enacted, pending,
      text: `${contract}: upgrade delay ${delayWords(lock.delayMs)}, ${enactedWords(lock.enacted)}, ${status}`,
    });
  }
  const notices = rows.flatMap(r => (r.pending ? [r.pending] : [])).sort((a, b) => a.notBefore - b.notBefore);
  const missing = rows.filter(r => r.state === 'missing');
  const failed = rows.filter(r => r.state === 'failed');
  const noLock = rows.length > 0 && missing.length === rows.length;
  let note: string | null = null;
  if (noLock) note = 'This deployment has no upgrade lock: its contracts predate time-locked upgrades, so no code change can be announced here.';
  else if (missing.length) note = `No upgrade lock on the ${missing.map(r => r.contract).join(', ')} contract${missing.length === 1 ? '' : 's'} (older code): a change of ${missing.length === 1 ? 'it' : 'them'} cannot be announced here.`;
  if (failed.length) {
    const f = `Could not read the upgrade lock of the ${failed.map(r => r.contract).join(', ')} contract${failed.length === 1 ? '' : 's'}; the page tries again every minute.`;
    note = note ? `${note} ${f}` : f;
  }
  return { notices, rows, noLock, note };
}
