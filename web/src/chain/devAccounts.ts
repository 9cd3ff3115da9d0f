// Development accounts (//Alice, //Bob …), offered ONLY on a development
// chain (system_chainType Development or Local), for trying the app without
// a wallet extension. Their seeds are public: never on a real network. The
// browser journey does not use them (it signs through an injected extension).
import { Keyring } from '@polkadot/keyring';
import type { Signer, SignerResult } from '@polkadot/api/types';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import type { Chain } from './connection';
import { DEV_SOURCE, type WalletAccount } from './accounts';
const NAMES = ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie'];

export function devAccounts(chain: Chain): { accounts: WalletAccount[]; signer: Signer } {
  if (!chain.isDevelopment) throw new Error('Development accounts are offered on a development chain only.');
  const keyring = new Keyring({ type: 'sr25519', ss58Format: chain.ss58 });
  const pairs = NAMES.map(n => keyring.addFromUri(`//${n}`, { name: n }));
  let id = 0;
  const signer: Signer = {
    signPayload: async (payload: SignerPayloadJSON): Promise<SignerResult> => {
      const pair = keyring.getPair(payload.address);
      const ext = chain.api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
      id += 1;
      return { id, signature: ext.sign(pair).signature };
    },
  };
  return { accounts: pairs.map(p => ({ address: p.address, name: `//${String(p.meta.name)} (dev)`, source: DEV_SOURCE })), signer };
}
