// App state: the deployment, the node connection, the wallet accounts, the
// unlocked encryption keys, the chosen account's standing, one activity at a
// time (with progress) and its result, and a name book.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ApiPromise } from '@polkadot/api';
import { connectNode, DEFAULT_NODE_URL, loadDeployment, makeChain, type Chain, type ContractName, type SuiteConfig } from '../chain/connection';
import { connectWallet, signerFor, type WalletAccount } from '../chain/accounts';
import { DEV_SOURCE } from '../chain/accounts';
import type { Signer } from '@polkadot/api/types';
import { followEvents, type FeedEntry } from '../chain/events';
import { Refusal } from '../chain/contracts';
import { headOf, patientName, providerOf, standingOf, type Actor, type Progress, type StandingView } from '../journeys';
import type { EncryptionKeys } from '../crypto';
import { CryptoError } from '../crypto';
import { shortAddress } from '../format';
import { readUpgradeLocks } from '../chain/upgrades';
import { UPGRADE_EVENTS, type UpgradeReading } from '../upgrades';

export interface ActivityState { label: string; text: string; done?: number; total?: number }
export interface ResultState { seq: number; kind: 'ok' | 'refused' | 'error'; text: string }
type ConnState = { status: 'idle' | 'loading' | 'connecting' | 'connected' | 'error'; message: string };
/** The four contracts' upgrade locks, as last read (null before the first answer). */
export interface UpgradeLocksState { readings: Record<ContractName, UpgradeReading> | null; readAt: number | null }

/** How often the upgrade locks are read again besides the events and reconnects. */
const UPGRADE_POLL_MS = 60_000;
/** Events of the live feed (the head's screen). */
const FEED_EVENTS = ['AccessDenied', 'EmergencyAccessOpened', 'CardReleased'];

interface AppCtx {
  config: SuiteConfig | null;
  nodeUrl: string;
  setNodeUrl: (u: string) => void;
  connect: (url?: string) => Promise<void>;
  conn: ConnState;
  chain: Chain | null;
  accounts: WalletAccount[];
  walletError: string | null;
  walletBusy: boolean;
  enableWallet: () => Promise<void>;
  /** Adds //Alice … (development chains only). */
  addDevAccounts: () => Promise<void>;
  account: WalletAccount | null;
  selectAccount: (address: string) => void;
  keys: EncryptionKeys | null;
  setKeys: (account: string, keys: EncryptionKeys | null) => void;
  head: string | null;
  standing: StandingView | null;
  refresh: number;
  bump: () => void;
  activity: ActivityState | null;
  result: ResultState | null;
  run: (label: string, fn: (progress: Progress) => Promise<string>) => Promise<boolean>;
  actor: () => Actor;
  feed: FeedEntry[];
  /** Time-locked upgrades of the four contracts (read after connecting, on their events, on reconnect and every minute). */
  upgrades: UpgradeLocksState;
  nameOf: (address: string) => string;
  lookupName: (address: string) => Promise<string>;
  namesVersion: number;
}

const Ctx = createContext<AppCtx | null>(null);

export function useApp(): AppCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('useApp outside AppProvider');
  return c;
}

function sentence(e: unknown): { kind: ResultState['kind']; text: string } {
  if (e instanceof Refusal) return { kind: 'refused', text: e.sentence };
  if (e instanceof CryptoError) {
    const map: Record<string, string> = {
      WrongPassphrase: 'Wrong passphrase.',
      KeyFile: `The key file or stored key is not usable: ${e.message}`,
      TooLong: 'A text is too long to seal within the contract\u2019s bound: shorten it.',
      Commitment: 'The decrypted content does not match its sealed commitment: it was tampered with.',
    };
    return { kind: 'error', text: map[e.kind] ?? `Encryption error (${e.kind}): ${e.message}` };
  }
  return { kind: 'error', text: (e as Error)?.message ?? String(e) };
}

export function AppProvider({ children }: { children: ReactNode }) {
  const [config, setConfig] = useState<SuiteConfig | null>(null);
  const [bundles, setBundles] = useState<Record<ContractName, unknown> | null>(null);
  const [nodeUrl, setNodeUrl] = useState('');
  const [conn, setConn] = useState<ConnState>({ status: 'loading', message: 'Loading suite.json and the contracts\u2019 ABIs…' });
  const [chain, setChain] = useState<Chain | null>(null);
  const [accounts, setAccounts] = useState<WalletAccount[]>([]);
  const [walletError, setWalletError] = useState<string | null>(null);
  const [walletBusy, setWalletBusy] = useState(false);
  const [account, setAccount] = useState<WalletAccount | null>(null);
  const [keyMap, setKeyMap] = useState<Map<string, EncryptionKeys>>(new Map());
  const [head, setHead] = useState<string | null>(null);
  const [standing, setStanding] = useState<StandingView | null>(null);
  const [refresh, setRefresh] = useState(0);
  const [activity, setActivity] = useState<ActivityState | null>(null);
  const [result, setResult] = useState<ResultState | null>(null);
  const [feed, setFeed] = useState<FeedEntry[]>([]);
  const [upgrades, setUpgrades] = useState<UpgradeLocksState>({ readings: null, readAt: null });
  const [upgradeTick, setUpgradeTick] = useState(0);
  const [namesVersion, setNamesVersion] = useState(0);
  const seq = useRef(0);
  const busy = useRef(false);
  const apiRef = useRef<ApiPromise | null>(null);
  const names = useRef(new Map<string, string>());
  const pendingNames = useRef(new Set<string>());

  const bump = useCallback(() => setRefresh(r => r + 1), []);
  const keys = account ? keyMap.get(account.address) ?? null : null;

  const connect = useCallback(async (url?: string) => {
    if (!config || !bundles) return;
    const target = (url ?? nodeUrl).trim();
    setConn({ status: 'connecting', message: `Connecting to ${target}…` });
    setChain(null);
    const old = apiRef.current;
    apiRef.current = null;
    await old?.disconnect().catch(() => {});
    try {
      const api = await connectNode(target);
      apiRef.current = api;
      const c = await makeChain(api, target, config, bundles);
      api.on('disconnected', () => { if (apiRef.current === api) setConn({ status: 'error', message: `Lost the connection to ${target}; reconnecting…` }); });
      api.on('connected', () => {
        if (apiRef.current !== api) return;
        setConn({ status: 'connected', message: `Connected to ${c.chainName} at ${target}` });
        setUpgradeTick(t => t + 1); // events may have been missed while away
      });
      setChain(c);
      setConn({ status: 'connected', message: `Connected to ${c.chainName} at ${target}` });
    } catch (e) {
      setConn({ status: 'error', message: (e as Error).message });
    }
  }, [config, bundles, nodeUrl]);

  // 1. the deployment
  useEffect(() => {
    loadDeployment().then(({ config: c, bundles: b }) => {
      setConfig(c);
      setBundles(b);
      setNodeUrl(c.url || DEFAULT_NODE_URL);
      setConn({ status: 'idle', message: '' });
    }).catch(e => setConn({ status: 'error', message: (e as Error).message }));
  }, []);
  // 2. connect once it is loaded
  useEffect(() => {
    if (config && bundles && conn.status === 'idle') void connect(config.url || DEFAULT_NODE_URL);
  }, [config, bundles, conn.status, connect]);

  const enableWallet = useCallback(async () => {
    if (!chain) return;
    setWalletBusy(true);
    setWalletError(null);
    try {
      const list = await connectWallet(chain.ss58);
      setAccounts(list);
      setAccount(a => (a && list.find(x => x.address === a.address)) || list[0] || null);
    } catch (e) {
      setWalletError((e as Error).message);
    } finally {
      setWalletBusy(false);
    }
  }, [chain]);
  useEffect(() => { if (chain && accounts.length === 0) void enableWallet(); }, [chain]); // eslint-disable-line react-hooks/exhaustive-deps

  // the head and the chosen account's standing
  const standingFor = useRef<string | null>(null);
  useEffect(() => {
    if (!chain || !account) { setStanding(null); return; }
    if (standingFor.current !== account.address) {
      // another account: forget the old one's standing at once (its screens must not show)
      standingFor.current = account.address;
      setStanding(null);
    }
    let live = true;
    Promise.all([headOf(chain, account.address), standingOf(chain, account.address, account.address)])
      .then(([h, s]) => { if (live) { setHead(h); setStanding(s); } })
      .catch(e => { if (live) setConn(c => ({ ...c, message: `${c.message} (could not read the registry: ${(e as Error).message})` })); });
    return () => { live = false; };
  }, [chain, account, refresh]);

  // the live feed: denials and emergency accesses, from the chain's events
  useEffect(() => {
    if (!chain) return;
    let unsub: (() => void) | null = null;
    let live = true;
    // the same subscription tells when an upgrade was proposed, cancelled or enacted
    followEvents(chain, [...FEED_EVENTS, ...UPGRADE_EVENTS], entries => {
      if (!live) return;
      const shown = entries.filter(e => FEED_EVENTS.includes(e.name));
      if (shown.length) setFeed(f => [...shown, ...f].slice(0, 500));
      if (entries.some(e => (UPGRADE_EVENTS as readonly string[]).includes(e.name))) setUpgradeTick(t => t + 1);
    }).then(u => { if (live) unsub = u; else u(); }).catch(() => {});
    return () => { live = false; unsub?.(); setFeed([]); };
  }, [chain]);

  // the upgrade locks: after connecting, on the events above, on reconnect and every minute
  useEffect(() => {
    if (!chain) { setUpgrades({ readings: null, readAt: null }); return; }
    const t = setInterval(() => setUpgradeTick(n => n + 1), UPGRADE_POLL_MS);
    return () => clearInterval(t);
  }, [chain]);
  useEffect(() => {
    if (!chain) return;
    let live = true;
    readUpgradeLocks(chain)
      .then(readings => { if (live) setUpgrades({ readings, readAt: Date.now() }); })
      .catch(() => {}); // readUpgradeLocks reports failures per contract
    return () => { live = false; };
  }, [chain, upgradeTick]);

  const devSigner = useRef<Signer | null>(null);
  const addDevAccounts = useCallback(async () => {
    if (!chain?.isDevelopment) return;
    // loaded only when asked for: the in-page keyring is not part of the app otherwise
    const { devAccounts } = await import('../chain/devAccounts');
    const dev = devAccounts(chain);
    devSigner.current = dev.signer;
    setAccounts(list => [...list.filter(a => a.source !== DEV_SOURCE), ...dev.accounts]);
    setAccount(a => a ?? dev.accounts[0] ?? null);
    setWalletError(null);
  }, [chain]);

  const selectAccount = useCallback((address: string) => {
    setAccount(accounts.find(a => a.address === address) ?? null);
    setResult(null);
  }, [accounts]);

  const setKeys = useCallback((acc: string, k: EncryptionKeys | null) => {
    setKeyMap(m => {
      const n = new Map(m);
      if (k) n.set(acc, k); else n.delete(acc);
      return n;
    });
  }, []);

  const actorFor = useCallback((): Actor => {
    if (!chain) throw new Error('Not connected to a node.');
    if (!account) throw new Error('Choose an account from your wallet first.');
    const address = account.address;
    return {
      chain,
      me: address,
      keys,
      signing: {
        address,
        // the extension that holds the account signs (looked up at signing
        // time); development accounts sign in the page (dev chains only)
        signer: account.source === DEV_SOURCE && devSigner.current ? devSigner.current : {
          signPayload: async p => {
            const s = await signerFor(address);
            if (!s.signPayload) throw new Error('The wallet extension cannot sign transactions.');
            return s.signPayload(p);
          },
        },
      },
    };
  }, [chain, account, keys]);

  const run = useCallback(async (label: string, fn: (progress: Progress) => Promise<string>): Promise<boolean> => {
    if (busy.current) return false;
    busy.current = true;
    setActivity({ label, text: '' });
    let ok = false;
    try {
      const text = await fn((t, done, total) => setActivity({ label, text: t, done, total }));
      seq.current += 1;
      setResult({ seq: seq.current, kind: 'ok', text });
      ok = true;
    } catch (e) {
      seq.current += 1;
      setResult({ seq: seq.current, ...sentence(e) });
    } finally {
      busy.current = false;
      setActivity(null);
      names.current.clear();
      setNamesVersion(v => v + 1);
      setRefresh(r => r + 1);
    }
    return ok;
  }, []);

  // names: providers by their public name, patients by their sealed name when
  // this account holds their profile key, else a short address
  useEffect(() => { names.current.clear(); setNamesVersion(v => v + 1); }, [chain, account, keys]);
  const lookupName = useCallback(async (address: string): Promise<string> => {
    const known = names.current.get(address);
    if (known) return known;
    const fallback = head === address ? `the head (${shortAddress(address)})` : shortAddress(address);
    if (!chain || !account) return fallback;
    const caller = account.address;
    let n = fallback;
    try {
      const s = await standingOf(chain, caller, address);
      if (s.role === 'provider') n = (await providerOf(chain, caller, address)).details.name;
      else if (s.role === 'patient') {
        const opened = address === caller && !keys ? null : await patientName(actorFor(), address);
        n = opened ? (address === caller ? `${opened} (you)` : opened) : `patient ${shortAddress(address)}`;
      }
    } catch {
      return fallback;
    }
    names.current.set(address, n);
    return n;
  }, [chain, account, keys, head, actorFor]);

  const nameOf = useCallback((address: string): string => {
    const known = names.current.get(address);
    if (known) return known;
    if (!pendingNames.current.has(address)) {
      pendingNames.current.add(address);
      lookupName(address)
        .then(() => setNamesVersion(v => v + 1))
        .catch(() => {})
        .finally(() => pendingNames.current.delete(address));
    }
    return head === address ? `the head (${shortAddress(address)})` : shortAddress(address);
  }, [lookupName, head]);

  const value = useMemo<AppCtx>(() => ({
    config, nodeUrl, setNodeUrl, connect, conn, chain, accounts, walletError, walletBusy, enableWallet, addDevAccounts,
    account, selectAccount, keys, setKeys, head, standing, refresh, bump, activity, result, run,
    actor: actorFor, feed, upgrades, nameOf, lookupName, namesVersion,
  }), [config, nodeUrl, connect, conn, chain, accounts, walletError, walletBusy, enableWallet, addDevAccounts, account, selectAccount,
    keys, setKeys, head, standing, refresh, bump, activity, result, run, actorFor, feed, upgrades, nameOf, lookupName, namesVersion]);

  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}
