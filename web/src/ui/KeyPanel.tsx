// The account's encryption key: create it here or import a key file (the
// `smrms keygen` format), kept in this browser's IndexedDB under a
// passphrase; backup download; compared with the key published in the
// registry.
import { useEffect, useState } from 'react';
import { useApp } from './state';
import { Btn, Field } from './common';
import { backupText, deleteKey, generateKeys, hasKey, hex, parseKeyFile, saveKey, unlockKey } from '../crypto';
import { publishKey, publishedKey, sameBytes } from '../journeys';
import { shortAddress } from '../format';

export function KeyPanel() {
  const { account, chain, keys, setKeys, run, standing, head, refresh, actor } = useApp();
  const [stored, setStored] = useState<boolean | null>(null);
  const [published, setPublished] = useState<Uint8Array | null | undefined>(undefined);
  const [pass, setPass] = useState('');
  const [pass2, setPass2] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<'create' | 'import'>('create');

  const address = account?.address;
  useEffect(() => {
    setStored(null);
    setPass(''); setPass2('');
    if (address) hasKey(address).then(setStored, () => setStored(false));
  }, [address, refresh]);
  useEffect(() => {
    setPublished(undefined);
    if (chain && address) publishedKey(chain, address, address).then(setPublished, () => setPublished(undefined));
  }, [chain, address, refresh, keys]);

  if (!account || !address) return null;
  const registered = standing && standing.role !== 'unregistered';
  const mayPublish = registered || head === address;

  const create = () => run('Creating your encryption key', async p => {
    if (pass.length < 8) throw new Error('Choose a passphrase of at least 8 characters.');
    if (pass !== pass2) throw new Error('The two passphrases differ.');
    p('making a new key pair in this page');
    const k = await generateKeys();
    p('storing it in this browser under your passphrase');
    await saveKey(address, k, pass);
    setKeys(address, k);
    setPass(''); setPass2('');
    return 'Your encryption key was created and stored in this browser under your passphrase. Download a backup now: without it, a lost browser means your records cannot be opened.';
  });
  const importFile = () => run('Importing your key file', async p => {
    if (!file) throw new Error('Choose a key file first.');
    if (pass.length < 8) throw new Error('Choose a passphrase of at least 8 characters to protect it in this browser.');
    p('reading the key file');
    const k = await parseKeyFile(await file.text());
    await saveKey(address, k, pass);
    setKeys(address, k);
    setPass('');
    return 'Key file imported and stored in this browser under your passphrase.';
  });
  const unlock = () => run('Unlocking your key', async () => {
    const k = await unlockKey(address, pass);
    setKeys(address, k);
    setPass('');
    return 'Your encryption key is unlocked for this session.';
  });
  const publish = () => run('Publishing your encryption key', async () => {
    await publishKey(actor());
    return 'Your encryption key is published in the registry: others can now share data with you.';
  });
  const forget = () => run('Removing the stored key', async () => {
    if (!window.confirm('Remove the encryption key stored in this browser for this account? Without a backup your sealed data cannot be opened again.')) return 'Nothing removed.';
    await deleteKey(address);
    setKeys(address, null);
    return 'The key was removed from this browser.';
  });
  const backup = () => {
    if (!keys) return;
    const blob = new Blob([backupText(keys)], { type: 'text/plain' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `smrms-key-${shortAddress(address).replace('…', '-')}.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };

  let status: { state: string; text: string } | null = null;
  if (keys) {
    if (published === undefined) status = { state: 'checking', text: 'Checking the registry…' };
    else if (published === null) status = { state: 'unpublished', text: mayPublish ? 'Not yet published in the registry: others cannot share data with you until you publish it.' : 'Not yet published: registering publishes it.' };
    else if (sameBytes(published, keys.publicKey)) status = { state: 'match', text: 'Published in the registry, and it matches this key.' };
    else status = { state: 'differs', text: 'The registry holds a DIFFERENT key for this account: data shared with you was wrapped for that key and will not open here. Import the matching key file, or publish this key (data wrapped for the old key would then need to be shared again).' };
  }

  return (
    <section className="card key-panel" data-testid="key-panel">
      <h2>Your encryption key</h2>
      {stored === null && <p className="loading">Looking for a stored key…</p>}
      {keys && status && (
        <div>
          <p>Unlocked. Public key <code title={hex(keys.publicKey)}>{hex(keys.publicKey).slice(0, 16)}…</code></p>
          <p className={`key-status ${status.state}`} data-testid="key-status" data-state={status.state}>{status.text}</p>
          <div className="row">
            {mayPublish && status.state !== 'match' && status.state !== 'checking' && <Btn testid="key-publish" onClick={publish}>Publish this key</Btn>}
            <Btn testid="key-backup" onClick={backup}>Download a backup</Btn>
            <Btn testid="key-lock" onClick={() => setKeys(address, null)}>Lock</Btn>
            <Btn className="danger" testid="key-forget" onClick={forget}>Remove from this browser</Btn>
          </div>
        </div>
      )}
      {!keys && stored === true && (
        <form className="row" onSubmit={e => { e.preventDefault(); void unlock(); }}>
          <Field label="Passphrase"><input type="password" data-testid="key-unlock-pass" value={pass} onChange={e => setPass(e.target.value)} autoComplete="current-password" /></Field>
          <Btn type="submit" testid="key-unlock">Unlock</Btn>
          <Btn className="danger" testid="key-forget" onClick={forget}>Remove from this browser</Btn>
        </form>
      )}
      {!keys && stored === false && (
        <div>
          <p className="intro">Your health data is sealed in this page with a key only you hold. It is separate from your wallet account and never leaves this browser except as the backup you download.</p>
          <div className="row tabs small">
            <button type="button" className={mode === 'create' ? 'active' : ''} data-testid="key-mode-create" onClick={() => setMode('create')}>Create a new key</button>
            <button type="button" className={mode === 'import' ? 'active' : ''} data-testid="key-mode-import" onClick={() => setMode('import')}>Import a key file</button>
          </div>
          {mode === 'create' ? (
            <form className="row" onSubmit={e => { e.preventDefault(); void create(); }}>
              <Field label="Passphrase (8+ characters)"><input type="password" data-testid="key-new-pass" value={pass} onChange={e => setPass(e.target.value)} autoComplete="new-password" /></Field>
              <Field label="Repeat it"><input type="password" data-testid="key-new-pass2" value={pass2} onChange={e => setPass2(e.target.value)} autoComplete="new-password" /></Field>
              <Btn type="submit" testid="key-create">Create my key</Btn>
            </form>
          ) : (
            <form className="row" onSubmit={e => { e.preventDefault(); void importFile(); }}>
              <Field label="Key file (from smrms keygen or a backup)"><input type="file" data-testid="key-import-file" onChange={e => setFile(e.target.files?.[0] ?? null)} /></Field>
              <Field label="Passphrase to protect it here"><input type="password" data-testid="key-import-pass" value={pass} onChange={e => setPass(e.target.value)} autoComplete="new-password" /></Field>
              <Btn type="submit" testid="key-import">Import</Btn>
            </form>
          )}
        </div>
      )}
    </section>
  );
}
