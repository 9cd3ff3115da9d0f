// Contract events: decoded with each contract's ABI from the chain's
// `system.events`, for transaction results and the head's live feed.
import type { EventRecord } from '@polkadot/types/interfaces';
import type { Chain, ContractName } from './connection';
import { CONTRACT_NAMES } from './connection';
import { toPlain, type Plain } from './plain';

export interface ContractEvent {
  contract: ContractName;
  name: string;
  args: Record<string, Plain>;
}

export function contractOf(chain: Chain, address: string): ContractName | undefined {
  return CONTRACT_NAMES.find(c => chain.addresses[c] === address);
}

/** The SMRMS contract events among `records` (others are skipped). */
export function decodeContractEvents(chain: Chain, records: readonly EventRecord[]): ContractEvent[] {
  const out: ContractEvent[] = [];
  for (const record of records) {
    const { event } = record;
    if (event.section !== 'contracts' || event.method !== 'ContractEmitted') continue;
    const contract = contractOf(chain, event.data[0].toString());
    if (!contract) continue;
    try {
      const decoded = chain.abis[contract].decodeEvent(record);
      const args: Record<string, Plain> = {};
      decoded.event.args.forEach((a, i) => { args[a.name] = toPlain(decoded.args[i]); });
      const name = decoded.event.identifier.split('::').pop() ?? decoded.event.identifier;
      out.push({ contract, name, args });
    } catch {
      // an event this page's ABI does not know: skipped
    }
  }
  return out;
}

export interface FeedEntry extends ContractEvent {
  key: string;
  block: number;
  at: number;
}

/**
 * Follows new blocks and reports the events named in `names`, after first
 * reporting those of the last `backfill` blocks. Returns the unsubscribe.
 */
export async function followEvents(
  chain: Chain, names: string[], onEntries: (entries: FeedEntry[]) => void, backfill = 200,
): Promise<() => void> {
  const { api } = chain;
  const seen = new Set<string>();
  const handle = async (hash: string, number: number) => {
    if (seen.has(hash)) return;
    seen.add(hash);
    const at = await api.at(hash);
    const [records, now] = await Promise.all([at.query.system.events(), at.query.timestamp.now()]);
    const entries = decodeContractEvents(chain, records as unknown as EventRecord[])
      .filter(e => names.includes(e.name))
      .map((e, i) => ({ ...e, key: `${hash}-${i}`, block: number, at: Number(now.toString()) }));
    if (entries.length) onEntries(entries);
  };
  const head = (await api.rpc.chain.getHeader()).number.toNumber();
  for (let n = Math.max(1, head - backfill + 1); n <= head; n++) {
    const hash = (await api.rpc.chain.getBlockHash(n)).toHex();
    await handle(hash, n).catch(() => {});
  }
  const unsub = await api.rpc.chain.subscribeNewHeads(h => {
    handle(h.hash.toHex(), h.number.toNumber()).catch(() => {});
  });
  return unsub;
}
