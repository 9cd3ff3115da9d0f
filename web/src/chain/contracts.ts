import '@polkadot/api-augment';
// Dry runs (contract queries) and their outcomes. Every message answers
// `Result<Result<T, Error>, LangError>`; `Ok(Ok(Denied(reason)))` is an
// audited denial. The ABI is the bundle's, so error variants are matched by
// name and unknown ones still get a sentence.
import type { AbiMessage } from '@polkadot/api-contract/types';
import type { WeightV2 } from '@polkadot/types/interfaces';
import type { DispatchError } from '@polkadot/types/interfaces';
import { BN } from '@polkadot/util';
import type { Chain, ContractName } from './connection';
import { Variant, toPlain, type Plain } from './plain';
import { explainDenial, explainError, explainLangError, explainPalletError, type Who } from '../errors';

export type Outcome =
  | { kind: 'ok'; value: Plain }
  | { kind: 'denied'; reason: string; value: Variant }
  | { kind: 'error'; variant: string }
  | { kind: 'lang'; variant: string }
  | { kind: 'dispatch'; section: string; name: string; docs: string };

export interface DryRun {
  outcome: Outcome;
  gasRequired: WeightV2;
  /** The storage deposit the call charges (null when it refunds or charges nothing). */
  storageDeposit: bigint | null;
  message: AbiMessage;
  data: Uint8Array;
}

/** What an audited call tried, for denial sentences (by message name). */
export const AUDITED_ACTIONS: Record<string, string> = {
  read_patient_profile: 'ReadProfile',
  read_record: 'ReadRecord',
  add_record: 'WriteRecord',
  add_medication: 'WriteMedication',
  stop_medication: 'StopMedication',
  set_appointment: 'SetAppointment',
};

/** A refused call: the plain sentence, and what the contract said. */
export class Refusal extends Error {
  constructor(readonly sentence: string, readonly outcome: Outcome, readonly sent = false) {
    super(sentence);
    this.name = 'Refusal';
  }
}

/** Whether the deployed ABI has `name` (for messages added in later versions). */
export function hasMessage(chain: Chain, contract: ContractName, name: string): boolean {
  try { findMessage(chain, contract, name); return true; } catch { return false; }
}

export function findMessage(chain: Chain, contract: ContractName, name: string): AbiMessage {
  const camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const m = chain.abis[contract].messages.find(
    x => x.identifier === name || x.identifier.endsWith(`::${name}`) || x.method === camel,
  );
  if (!m) throw new Error(`The ${contract} contract's ABI has no message ${name}: the bundles and the page do not match.`);
  return m;
}

export function dispatchErrorInfo(chain: Chain, err: unknown): { section: string; name: string; docs: string } {
  const e = err as DispatchError;
  if (e.isModule) {
    const m = chain.api.registry.findMetaError(e.asModule);
    return { section: m.section, name: m.name, docs: m.docs.join(' ') };
  }
  return { section: 'system', name: e.type, docs: e.toString() };
}

/** Runs `message` as a dry run from `caller` with `value` attached. */
export async function dryRun(
  chain: Chain, contract: ContractName, message: string, caller: string, args: unknown[], value: bigint = 0n,
): Promise<DryRun> {
  const m = findMessage(chain, contract, message);
  if (m.args.length !== args.length) {
    throw new Error(`${contract}.${message} takes ${m.args.length} arguments, the page gave ${args.length}.`);
  }
  const data = m.toU8a(args);
  const r = await chain.api.call.contractsApi.call(caller, chain.addresses[contract], new BN(value.toString()), null, null, data);
  const storageDeposit = r.storageDeposit.isCharge ? BigInt(r.storageDeposit.asCharge.toString()) : null;
  const base = { gasRequired: r.gasRequired as unknown as WeightV2, storageDeposit, message: m, data };
  if (r.result.isErr) return { ...base, outcome: { kind: 'dispatch', ...dispatchErrorInfo(chain, r.result.asErr) } };
  const ret = m.returnType;
  if (!ret) return { ...base, outcome: { kind: 'ok', value: null } };
  const codec = chain.abis[contract].registry.createTypeUnsafe(ret.lookupName || ret.type, [r.result.asOk.data.toU8a(true)], { isPedantic: true });
  return { ...base, outcome: classify(toPlain(codec)) };
}

/** Splits `Result<Result<T, Error>, LangError>` into an outcome. */
export function classify(p: Plain): Outcome {
  if (!(p instanceof Variant)) return { kind: 'ok', value: p };
  if (p.tag === 'Err') return { kind: 'lang', variant: p.value instanceof Variant ? p.value.tag : String(p.value) };
  if (p.tag !== 'Ok') return { kind: 'ok', value: p };
  const inner = p.value;
  if (inner instanceof Variant && inner.tag === 'Err') {
    return { kind: 'error', variant: inner.value instanceof Variant ? inner.value.tag : String(inner.value) };
  }
  const value = inner instanceof Variant && inner.tag === 'Ok' ? inner.value : inner;
  if (value instanceof Variant && value.tag === 'Denied') {
    return { kind: 'denied', reason: value.value instanceof Variant ? value.value.tag : String(value.value), value };
  }
  return { kind: 'ok', value };
}

/** The plain sentence for an outcome that is not `ok`. */
export function explainOutcome(o: Outcome, message: string, who: Who = {}): string {
  switch (o.kind) {
    case 'ok': return 'Done.';
    case 'denied': return explainDenial(o.reason, AUDITED_ACTIONS[message] ?? '', who);
    case 'error': return explainError(o.variant, message, who);
    case 'lang': return explainLangError(o.variant);
    case 'dispatch': return explainPalletError(o.section, o.name, o.docs);
  }
}

/**
 * A read-only query: the `Ok` value, or a `Refusal` with the sentence. The
 * caller matters for the contracts' advisory checks only.
 */
export async function read<T = Plain>(
  chain: Chain, contract: ContractName, message: string, caller: string, args: unknown[], who: Who = {},
): Promise<T> {
  const d = await dryRun(chain, contract, message, caller, args);
  if (d.outcome.kind !== 'ok') throw new Refusal(explainOutcome(d.outcome, message, who), d.outcome);
  return d.outcome.value as T;
}
