// The key file of the Rust client (client/src/keys.rs): JSON
// `{"version":1,"seed":"0x…","public":"0x…"}`, as written by
// `smrms keygen --out FILE` and read by `smrms --enc-key FILE`.

import { hex, unhex } from './bytes';
import { CryptoError, type EncryptionKeys, keysFromSeed } from './core';

/**
 * The key file text of `keys`, byte for byte what `smrms keygen` writes
 * (serde_json pretty printing: two-space indent, no trailing newline).
 */
export function keyFileText(keys: EncryptionKeys): string {
  return JSON.stringify({ version: 1, seed: `0x${hex(keys.seed)}`, public: `0x${hex(keys.publicKey)}` }, null, 2);
}

/**
 * Reads a key file. Throws `CryptoError` kind `KeyFile` if it is not JSON,
 * lacks a field, is not version 1, has a seed that is not 32 bytes of hex,
 * or carries a public key that does not match the seed.
 */
export async function parseKeyFile(text: string): Promise<EncryptionKeys> {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch {
    throw new CryptoError('KeyFile', 'not JSON');
  }
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    throw new CryptoError('KeyFile', 'not a JSON object');
  }
  const { version, seed, public: pub } = file as Record<string, unknown>;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new CryptoError('KeyFile', 'missing or invalid "version"');
  }
  if (version !== 1) throw new CryptoError('KeyFile', `unsupported version ${version} (this app reads version 1)`);
  if (typeof seed !== 'string') throw new CryptoError('KeyFile', 'missing "seed"');
  if (typeof pub !== 'string') throw new CryptoError('KeyFile', 'missing "public"');
  // as Rust: any number of leading "0x", then exactly 64 hex digits
  let s = seed;
  while (s.startsWith('0x')) s = s.slice(2);
  const bytes = unhex(s, 32);
  if (!bytes) throw new CryptoError('KeyFile', 'seed is not 32 bytes of hex');
  const keys = await keysFromSeed(bytes);
  if (`0x${hex(keys.publicKey)}` !== pub) {
    throw new CryptoError('KeyFile', 'the public key does not match the seed');
  }
  return keys;
}
