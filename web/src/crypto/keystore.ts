// The browser's key store: an account's encryption seed, encrypted under a
// passphrase, in IndexedDB.
//
// Each entry (object store "keys" of database "smrms-keystore", keyed by the
// account string as the caller gives it, e.g. its SS58 address):
//   { version: 1, kdf: "scrypt", N, r, p, salt (16), nonce (24),
//     ct (XChaCha20-Poly1305 of the 32-byte seed, 48), publicKey (32) }
// key = scrypt(NFKC(passphrase), salt, N=2^15, r=8, p=1, 32 bytes);
// AAD = "smrms/keystore/v1" || u64le(len(account)) || account (UTF-8), so an
// entry copied under another account does not open.
// N=2^15 (32 MiB, about 0.1–0.3 s here) is the OWASP/libsodium "interactive"
// level; the parameters are stored with each entry so they can be raised
// later without breaking existing entries.
//
// The public key is stored in the clear (it is public) so the app can show
// and compare it without the passphrase; after unlocking, the seed is
// checked against it.

import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { type Bytes, concat, equal, randomBytes, u64le, utf8 } from './bytes';
import { CryptoError, type EncryptionKeys, keysFromSeed } from './core';
import { keyFileText } from './keyfile';

/** scrypt parameters for new entries. */
export const SCRYPT_PARAMS = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

const DB_NAME = 'smrms-keystore';
const STORE = 'keys';

interface StoredKey {
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: Uint8Array;
  nonce: Uint8Array;
  ct: Uint8Array;
  publicKey: Uint8Array;
}

function idb(): IDBFactory {
  const f = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!f) throw new Error('IndexedDB is not available in this environment');
  return f;
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = idb().open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('cannot open the key store'));
    req.onblocked = () => reject(new Error('the key store is blocked by another tab'));
  });
}

async function withStore<T>(mode: IDBTransactionMode, f: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('key store transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('key store transaction aborted'));
    });
    const result = await request(f(tx.objectStore(STORE)));
    await done;
    return result;
  } finally {
    db.close();
  }
}

function aad(account: string): Bytes {
  const a = utf8(account);
  return concat(utf8('smrms/keystore/v1'), u64le(a.length), a);
}

function deriveKey(passphrase: string, salt: Bytes, p: { N: number; r: number; p: number }): Promise<Bytes> {
  return scryptAsync(utf8(passphrase.normalize('NFKC')), salt, { N: p.N, r: p.r, p: p.p, dkLen: 32 });
}

/**
 * Stores `keys` for `account`, encrypted under `passphrase` (replacing any
 * earlier entry for that account).
 */
export async function saveKey(account: string, keys: EncryptionKeys, passphrase: string): Promise<void> {
  if (passphrase === '') throw new CryptoError('WrongPassphrase', 'a passphrase is needed');
  if (keys.seed.length !== 32) throw new CryptoError('KeyFile', 'the key store keeps 32-byte seeds');
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const key = await deriveKey(passphrase, salt, SCRYPT_PARAMS);
  const ct = xchacha20poly1305(key, nonce, aad(account)).encrypt(keys.seed);
  key.fill(0);
  const entry: StoredKey = {
    version: 1,
    kdf: 'scrypt',
    ...SCRYPT_PARAMS,
    salt,
    nonce,
    ct,
    publicKey: Uint8Array.from(keys.publicKey),
  };
  await withStore('readwrite', (s) => s.put(entry, account));
}

async function load(account: string): Promise<StoredKey | undefined> {
  return (await withStore('readonly', (s) => s.get(account))) as StoredKey | undefined;
}

/** Whether a key is stored for `account`. */
export async function hasKey(account: string): Promise<boolean> {
  return (await load(account)) !== undefined;
}

/** The stored public key of `account` (no passphrase needed), or null. */
export async function storedPublicKey(account: string): Promise<Bytes | null> {
  const e = await load(account);
  return e ? new Uint8Array(e.publicKey) : null;
}

/**
 * Opens the stored key of `account`. Throws `CryptoError` kind
 * `WrongPassphrase` on a wrong passphrase, `KeyFile` if there is no entry or
 * it is damaged.
 */
export async function unlockKey(account: string, passphrase: string): Promise<EncryptionKeys> {
  const e = await load(account);
  if (!e) throw new CryptoError('KeyFile', `no key stored in this browser for ${account}`);
  if (e.version !== 1 || e.kdf !== 'scrypt' || !(e.ct instanceof Uint8Array) || e.ct.length !== 48) {
    throw new CryptoError('KeyFile', 'unsupported or damaged key store entry');
  }
  const key = await deriveKey(passphrase, new Uint8Array(e.salt), e);
  let seed: Bytes;
  try {
    seed = xchacha20poly1305(key, new Uint8Array(e.nonce), aad(account)).decrypt(new Uint8Array(e.ct));
  } catch {
    throw new CryptoError('WrongPassphrase');
  } finally {
    key.fill(0);
  }
  const keys = await keysFromSeed(seed);
  if (!equal(keys.publicKey, new Uint8Array(e.publicKey))) {
    throw new CryptoError('KeyFile', 'the stored public key does not match the stored seed');
  }
  return keys;
}

/** Removes the stored key of `account` (no error if there is none). */
export async function deleteKey(account: string): Promise<void> {
  await withStore('readwrite', (s) => s.delete(account));
}

/**
 * A backup of `keys`: the key file text, which `smrms --enc-key FILE`
 * reads and `parseKeyFile` imports. It holds the seed in the clear.
 */
export function backupText(keys: EncryptionKeys): string {
  return keyFileText(keys);
}
