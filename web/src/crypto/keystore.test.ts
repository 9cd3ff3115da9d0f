// @vitest-environment node
import 'fake-indexeddb/auto';
import { describe, expect, test } from 'vitest';
import { CryptoError, type CryptoErrorKind, devAccountKeys, generateKeys } from './core';
import { keyFileText, parseKeyFile } from './keyfile';
import { SCRYPT_PARAMS, backupText, deleteKey, hasKey, saveKey, storedPublicKey, unlockKey } from './keystore';

async function kindOf(f: () => Promise<unknown>): Promise<CryptoErrorKind | 'ok'> {
  try {
    await f();
  } catch (e) {
    if (e instanceof CryptoError) return e.kind;
    throw e;
  }
  return 'ok';
}

/** Raw access to the store, to copy an entry under another account. */
function rawCopy(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('smrms-keystore', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('keys', 'readwrite');
      const store = tx.objectStore('keys');
      const get = store.get(from);
      get.onsuccess = () => store.put(get.result, to);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
      tx.onerror = () => reject(tx.error);
    };
  });
}

describe('key store (IndexedDB)', () => {
  test('uses scrypt N=2^15, r=8, p=1', () => {
    expect(SCRYPT_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
  });

  test('the right passphrase unlocks, a wrong one is refused', async () => {
    const account = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
    const keys = await generateKeys();
    expect(await hasKey(account)).toBe(false);
    expect(await storedPublicKey(account)).toBeNull();
    await saveKey(account, keys, 'correct horse battery staple');
    expect(await hasKey(account)).toBe(true);
    expect(await storedPublicKey(account)).toEqual(keys.publicKey);
    expect(await kindOf(() => unlockKey(account, 'correct horse battery stapl'))).toBe('WrongPassphrase');
    expect(await kindOf(() => unlockKey(account, ''))).toBe('WrongPassphrase');
    const back = await unlockKey(account, 'correct horse battery staple');
    expect(back.seed).toEqual(keys.seed);
    expect(back.publicKey).toEqual(keys.publicKey);
  });

  test('accounts are kept apart, and an entry copied under another account does not open', async () => {
    const [a, b] = ['acct-a', 'acct-b'];
    const ka = await devAccountKeys('//Alice');
    const kb = await devAccountKeys('//Bob');
    await saveKey(a, ka, 'pass a');
    await saveKey(b, kb, 'pass b');
    expect((await unlockKey(a, 'pass a')).publicKey).toEqual(ka.publicKey);
    expect((await unlockKey(b, 'pass b')).publicKey).toEqual(kb.publicKey);
    expect(await kindOf(() => unlockKey(b, 'pass a'))).toBe('WrongPassphrase');
    // the AAD binds the account: a's entry under c does not open with a's passphrase
    await rawCopy(a, 'acct-c');
    expect(await hasKey('acct-c')).toBe(true);
    expect(await kindOf(() => unlockKey('acct-c', 'pass a'))).toBe('WrongPassphrase');
    // deleting one leaves the other
    await deleteKey(a);
    expect(await hasKey(a)).toBe(false);
    expect(await hasKey(b)).toBe(true);
    expect(await kindOf(() => unlockKey(a, 'pass a'))).toBe('KeyFile');
    await deleteKey(a); // no error when absent
  });

  test('saving again replaces the entry; an empty passphrase is refused', async () => {
    const account = 'acct-replace';
    const k1 = await generateKeys();
    const k2 = await generateKeys();
    await saveKey(account, k1, 'one');
    await saveKey(account, k2, 'two');
    expect(await kindOf(() => unlockKey(account, 'one'))).toBe('WrongPassphrase');
    expect((await unlockKey(account, 'two')).publicKey).toEqual(k2.publicKey);
    expect(await kindOf(() => saveKey(account, k1, ''))).toBe('WrongPassphrase');
  });

  test('passphrases are compared after NFKC normalization', async () => {
    const account = 'acct-nfkc';
    const k = await generateKeys();
    await saveKey(account, k, 'caf\u00e9');
    expect((await unlockKey(account, 'cafe\u0301')).publicKey).toEqual(k.publicKey);
  });

  test('the backup is the key file the CLI reads', async () => {
    const k = await devAccountKeys('//Dave');
    expect(backupText(k)).toBe(keyFileText(k));
    expect((await parseKeyFile(backupText(k))).publicKey).toEqual(k.publicKey);
  });
});
