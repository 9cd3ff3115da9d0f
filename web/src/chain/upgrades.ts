// Reads `Upgradeable::upgrade_status` of the four contracts (a dry run; any
// origin may ask). A contract or ABI without the trait is a reading of kind
// `missing`, never an error: older deployments keep working.
import type { Chain, ContractName } from './connection';
import { CONTRACT_NAMES } from './connection';
import { dryRun, hasMessage } from './contracts';
import { readingFrom, UPGRADE_STATUS_MESSAGE, type UpgradeReading } from '../upgrades';

/** The four readings; `caller` is any account (the contract itself when none). */
export async function readUpgradeLocks(chain: Chain, caller?: string): Promise<Record<ContractName, UpgradeReading>> {
  const out = {} as Record<ContractName, UpgradeReading>;
  await Promise.all(CONTRACT_NAMES.map(async c => {
    if (!hasMessage(chain, c, UPGRADE_STATUS_MESSAGE)) {
      out[c] = readingFrom(false);
      return;
    }
    try {
      const d = await dryRun(chain, c, UPGRADE_STATUS_MESSAGE, caller ?? chain.addresses[c], []);
      out[c] = readingFrom(true, d.outcome);
    } catch (e) {
      out[c] = { kind: 'failed', error: (e as Error)?.message ?? String(e) };
    }
  }));
  return out;
}
