// Sending a contract call: always a dry run first with the same caller and
// value; a refusal or a denial is explained and nothing is sent. Otherwise
// the call goes out with the dry run's gas (plus a margin) and storage
// deposit limit, signed by the wallet extension's signer.
import type { Signer } from '@polkadot/api/types';
import type { EventRecord } from '@polkadot/types/interfaces';
import { BN } from '@polkadot/util';
import type { Chain, ContractName } from './connection';
import { dryRun, dispatchErrorInfo, explainOutcome, Refusal, type Outcome } from './contracts';
import { decodeContractEvents, type ContractEvent } from './events';
import { explainPalletError, explainRpcError, type Who } from '../errors';
import type { Plain } from './plain';

export interface Signing {
  address: string;
  signer: Signer;
}

export interface Sent {
  /** The dry run's `Ok` value (ids from events are more reliable). */
  value: Plain;
  events: ContractEvent[];
  blockHash: string;
}

export interface SendOptions {
  value?: bigint;
  who?: Who;
  onStatus?: (text: string) => void;
}

const margin = (n: BN) => n.muln(5).divn(4).addn(1_000_000);

export async function send(
  chain: Chain, signing: Signing, contract: ContractName, message: string, args: unknown[], opts: SendOptions = {},
): Promise<Sent> {
  const value = opts.value ?? 0n;
  opts.onStatus?.(`checking ${contract}.${message} (dry run)`);
  const d = await dryRun(chain, contract, message, signing.address, args, value);
  if (d.outcome.kind !== 'ok') {
    throw new Refusal(`${explainOutcome(d.outcome, message, opts.who)} Nothing was sent.`, d.outcome);
  }
  const api = chain.api;
  const gasLimit = api.registry.createType('WeightV2', {
    refTime: margin(d.gasRequired.refTime.toBn()),
    proofSize: margin(d.gasRequired.proofSize.toBn()),
  });
  const storageLimit = d.storageDeposit === null ? null : new BN(((d.storageDeposit * 11n) / 10n + 1n).toString());
  const tx = api.tx.contracts.call(chain.addresses[contract], new BN(value.toString()), gasLimit, storageLimit, d.data);
  opts.onStatus?.(`waiting for your wallet to sign ${contract}.${message}`);
  const okValue = d.outcome.value;
  return new Promise<Sent>((resolve, reject) => {
    let unsub: (() => void) | undefined;
    let finished = false;
    const done = (f: () => void) => { if (finished) return; finished = true; unsub?.(); f(); };
    tx.signAndSend(signing.address, { signer: signing.signer }, result => {
      if (result.status.isReady || result.status.isBroadcast) opts.onStatus?.(`${contract}.${message} sent, waiting for a block`);
      if (result.isError && !result.status.isInBlock) {
        done(() => reject(new Error(`The chain dropped the transaction (${result.status.type}).`)));
        return;
      }
      if (!result.status.isInBlock && !result.status.isFinalized) return;
      const blockHash = (result.status.isInBlock ? result.status.asInBlock : result.status.asFinalized).toHex();
      if (result.dispatchError) {
        const info = dispatchErrorInfo(chain, result.dispatchError);
        const outcome: Outcome = { kind: 'dispatch', ...info };
        done(() => reject(new Refusal(`${explainPalletError(info.section, info.name, info.docs)} The transaction was included but had no effect.`, outcome, true)));
        return;
      }
      const events = decodeContractEvents(chain, result.events as unknown as EventRecord[]);
      done(() => resolve({ value: okValue, events, blockHash }));
    }).then(u => { unsub = u; if (finished) u(); }).catch((e: Error) => {
      done(() => reject(new Error(explainRpcError(e.message))));
    });
  });
}

/** The first event named `name` of a sent call. */
export function eventOf(sent: Sent, name: string): ContractEvent | undefined {
  return sent.events.find(e => e.name === name);
}
