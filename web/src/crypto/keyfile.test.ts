// @vitest-environment node
import { describe, expect, test } from 'vitest';
import { hex } from './bytes';
import { CryptoError, generateKeys, keysFromSeed } from './core';
import { keyFileText, parseKeyFile } from './keyfile';

// written by `smrms_client::keys::generate_key_file` (client/examples/interop.rs gen)
const RUST_KEY_FILE =
  '{\n  "version": 1,\n  "seed": "0x1e18430f9db5464acde5e5f6bd2902f8b6f243f0aa951d1c1081f31cc19c50f7",\n  "public": "0x4a01e79a017a7f60d9abeda421c87ea30ebf0003429151a65f979bdf6a3df13d"\n}';
const RUST_PUBLIC = '4a01e79a017a7f60d9abeda421c87ea30ebf0003429151a65f979bdf6a3df13d';

async function keyFileError(text: string): Promise<CryptoError> {
  try {
    await parseKeyFile(text);
  } catch (e) {
    if (e instanceof CryptoError) return e;
    throw e;
  }
  throw new Error('parsed');
}

describe('key file', () => {
  test('reads a file written by smrms keygen, and writes it byte for byte', async () => {
    const k = await parseKeyFile(RUST_KEY_FILE);
    expect(hex(k.publicKey)).toBe(RUST_PUBLIC);
    expect(keyFileText(k)).toBe(RUST_KEY_FILE);
  });

  test('round trip of a new key', async () => {
    const k = await generateKeys();
    const text = keyFileText(k);
    expect(JSON.parse(text)).toEqual({ version: 1, seed: `0x${hex(k.seed)}`, public: `0x${hex(k.publicKey)}` });
    const back = await parseKeyFile(text);
    expect(back.seed).toEqual(k.seed);
    expect(back.publicKey).toEqual(k.publicKey);
  });

  test('accepts what the Rust loader accepts: extra fields, upper-case seed hex, compact JSON', async () => {
    const f = JSON.parse(RUST_KEY_FILE) as { seed: string; public: string };
    const k = await parseKeyFile(JSON.stringify({ ...f, seed: `0x${f.seed.slice(2).toUpperCase()}`, comment: 'x' }));
    expect(hex(k.publicKey)).toBe(RUST_PUBLIC);
    expect(hex((await parseKeyFile(JSON.stringify({ ...f, seed: f.seed.slice(2) }))).publicKey)).toBe(RUST_PUBLIC);
  });

  test('refuses malformed files with a clear KeyFile error', async () => {
    const f = JSON.parse(RUST_KEY_FILE) as { version: number; seed: string; public: string };
    const cases: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['[1,2]', /not a JSON object/],
      ['null', /not a JSON object/],
      [JSON.stringify({ seed: f.seed, public: f.public }), /version/],
      [JSON.stringify({ ...f, version: 2 }), /unsupported version 2/],
      [JSON.stringify({ ...f, version: '1' }), /version/],
      [JSON.stringify({ version: 1, public: f.public }), /missing "seed"/],
      [JSON.stringify({ version: 1, seed: f.seed }), /missing "public"/],
      [JSON.stringify({ ...f, seed: f.seed.slice(0, 64) }), /seed is not 32 bytes of hex/],
      [JSON.stringify({ ...f, seed: `${f.seed.slice(0, 65)}g` }), /seed is not 32 bytes of hex/],
      [JSON.stringify({ ...f, seed: 7 }), /missing "seed"/],
    ];
    for (const [text, msg] of cases) {
      const e = await keyFileError(text);
      expect(e.kind, text).toBe('KeyFile');
      expect(e.message, text).toMatch(msg);
    }
  });

  test('refuses a public key that does not match the seed', async () => {
    const other = await keysFromSeed(new Uint8Array(32).fill(9));
    const f = JSON.parse(RUST_KEY_FILE) as object;
    for (const pub of [`0x${hex(other.publicKey)}`, `0x${RUST_PUBLIC.toUpperCase()}`, RUST_PUBLIC]) {
      const e = await keyFileError(JSON.stringify({ ...f, public: pub }));
      expect(e.kind).toBe('KeyFile');
      expect(e.message).toMatch(/does not match the seed/);
    }
  });
});
