// Loading the deployment (suite.json + the four .contract bundles served
// beside the app) and connecting to the node, with plain messages when
// something is missing or the node does not answer.
import '@polkadot/api-augment';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Abi } from '@polkadot/api-contract';

export const CONTRACT_NAMES = ['registry', 'permissions', 'records', 'appointments'] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

/** suite.json: the addresses of the four contracts and the node's URL. */
export interface SuiteConfig {
  url?: string;
  registry: string;
  permissions: string;
  records: string;
  appointments: string;
}

export const DEFAULT_NODE_URL = 'ws://127.0.0.1:9944';

/** Everything the app needs from a connected suite. */
export interface Chain {
  api: ApiPromise;
  url: string;
  abis: Record<ContractName, Abi>;
  addresses: Record<ContractName, string>;
  decimals: number;
  token: string;
  ss58: number;
  chainName: string;
  isDevelopment: boolean;
}

async function fetchJson(path: string, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(path, { cache: 'no-store' });
  } catch (e) {
    throw new Error(`Could not load ${what} (${path}): ${(e as Error).message}`);
  }
  if (!res.ok) throw new Error(`Could not load ${what}: ${path} answered ${res.status}. Is the app served with its suite.json and contracts/ folder beside it?`);
  try {
    return await res.json();
  } catch {
    throw new Error(`${what} (${path}) is not valid JSON.`);
  }
}

/** Reads suite.json and the bundles. */
export async function loadDeployment(base = './'): Promise<{ config: SuiteConfig; bundles: Record<ContractName, unknown> }> {
  const raw = (await fetchJson(`${base}suite.json`, 'the deployment description')) as Partial<SuiteConfig>;
  for (const c of CONTRACT_NAMES) {
    if (typeof raw[c] !== 'string' || !raw[c]) throw new Error(`suite.json has no address for the ${c} contract.`);
  }
  const bundles = {} as Record<ContractName, unknown>;
  await Promise.all(CONTRACT_NAMES.map(async c => {
    bundles[c] = await fetchJson(`${base}contracts/smrms_${c}.contract`, `the ${c} contract's ABI`);
  }));
  return { config: raw as SuiteConfig, bundles };
}

/**
 * Connects to `url`; fails with a plain message after `timeoutMs` instead of
 * retrying forever. Once connected, the provider reconnects by itself.
 */
export async function connectNode(url: string, timeoutMs = 10_000): Promise<ApiPromise> {
  if (!/^wss?:\/\//.test(url)) throw new Error(`"${url}" is not a node address: it must start with ws:// or wss://.`);
  const provider = new WsProvider(url, 2_500, {}, timeoutMs);
  const api = new ApiPromise({ provider, noInitWarn: true, throwOnConnect: false });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      api.isReadyOrError,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
  } catch (e) {
    await api.disconnect().catch(() => {});
    const why = (e as Error).message === 'timeout' ? `no answer within ${timeoutMs / 1000} s` : (e as Error).message;
    throw new Error(`The node at ${url} is unreachable (${why}). Is it running, and is the address right?`);
  } finally {
    clearTimeout(timer);
  }
  if (!api.tx.contracts?.call || !api.call.contractsApi?.call) {
    await api.disconnect();
    throw new Error(`The node at ${url} has no contracts pallet: it is not a chain SMRMS can run on.`);
  }
  return api;
}

/** Builds the app's view of a connected suite. */
export async function makeChain(api: ApiPromise, url: string, config: SuiteConfig, bundles: Record<ContractName, unknown>): Promise<Chain> {
  const props = api.registry.getChainProperties();
  const abis = {} as Record<ContractName, Abi>;
  const addresses = {} as Record<ContractName, string>;
  for (const c of CONTRACT_NAMES) {
    abis[c] = new Abi(bundles[c] as Record<string, unknown>, props);
    addresses[c] = config[c];
  }
  const [chainName, chainType] = await Promise.all([api.rpc.system.chain(), api.rpc.system.chainType()]);
  for (const c of CONTRACT_NAMES) {
    const info = await api.query.contracts.contractInfoOf(addresses[c]);
    if (info.isNone) {
      throw new Error(`There is no ${c} contract at ${addresses[c]} on ${url}: suite.json is from another chain or an older deployment.`);
    }
  }
  return {
    api,
    url,
    abis,
    addresses,
    decimals: api.registry.chainDecimals[0] ?? 12,
    token: api.registry.chainTokens[0] ?? 'UNIT',
    ss58: api.registry.chainSS58 ?? 42,
    chainName: chainName.toString(),
    isDevelopment: chainType.isDevelopment || chainType.isLocal,
  };
}
