// Accounts come from an injected wallet extension (Polkadot{.js}, Talisman,
// SubWallet …); the extension's signer signs every transaction.
import { isWeb3Injected, web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import type { Signer } from '@polkadot/api/types';

export interface WalletAccount {
  address: string;
  name: string;
  source: string;
}

export class WalletError extends Error {}

/** The `source` of development accounts (see devAccounts.ts). */
export const DEV_SOURCE = 'development';

/** Asks the installed extensions for access and returns their accounts. */
export async function connectWallet(ss58Format: number, appName = 'SMRMS'): Promise<WalletAccount[]> {
  let extensions;
  try {
    extensions = await web3Enable(appName);
  } catch (e) {
    throw new WalletError(`The wallet extension failed to answer: ${(e as Error).message}`);
  }
  if (extensions.length === 0) {
    throw new WalletError(isWeb3Injected
      ? 'The wallet extension refused access to SMRMS (or you declined). Open the extension, allow this site, then press "Connect wallet" again.'
      : 'No wallet extension found. Install Polkadot{.js} or Talisman in this browser, create or import an account, then reload this page.');
  }
  const accounts = await web3Accounts({ ss58Format });
  if (accounts.length === 0) {
    throw new WalletError(`The wallet (${extensions.map(e => e.name).join(', ')}) shares no account with SMRMS. Create or import an account in it and allow it for this site.`);
  }
  return accounts.map(a => ({ address: a.address, name: a.meta.name ?? '', source: a.meta.source }));
}

/** The signer of the extension that holds `address`. */
export async function signerFor(address: string): Promise<Signer> {
  const injector = await web3FromAddress(address);
  if (!injector.signer?.signPayload && !injector.signer?.signRaw) {
    throw new WalletError(`The extension "${injector.name}" cannot sign transactions.`);
  }
  return injector.signer;
}
