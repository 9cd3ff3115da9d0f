// Decoded contract values as plain, typed JavaScript: structs become objects
// with camelCase keys (as @polkadot/types names them), enums `Variant`s,
// integers `bigint`, byte arrays `Uint8Array`, accounts SS58 strings.
import type { Codec } from '@polkadot/types-codec/types';
import { Enum, Option, Struct } from '@polkadot/types';
import { BN, u8aToU8a } from '@polkadot/util';

/** An enum value: its variant name and the variant's data (null if none). */
export class Variant {
  constructor(readonly tag: string, readonly value: Plain) {}
}

export type Plain = null | boolean | string | bigint | Uint8Array | Variant | Plain[] | { [key: string]: Plain };

function isAccount(c: Codec): boolean {
  const raw = c.toRawType();
  return raw === 'AccountId' || raw === 'AccountId32' || c.constructor.name === 'AccountId';
}

/** Walks a decoded codec into plain JavaScript. */
export function toPlain(c: Codec): Plain {
  if (c instanceof Option) return c.isSome ? toPlain(c.unwrap()) : null;
  if (c instanceof Enum) return new Variant(c.type, c.inner.isEmpty && c.inner.toRawType() === 'Null' ? null : toPlain(c.inner));
  if (c instanceof Struct) {
    const out: { [k: string]: Plain } = {};
    for (const [k, v] of c.entries()) out[String(k)] = toPlain(v as Codec);
    return out;
  }
  if (isAccount(c)) return c.toString();
  if (c instanceof Uint8Array) return u8aToU8a(c.toU8a(true));
  if (Array.isArray(c)) return (c as Codec[]).map(toPlain);
  if (c instanceof String) return c.toString();
  if (c instanceof Boolean) return c.valueOf();
  if (BN.isBN(c)) return BigInt((c as unknown as BN).toString());
  if (c.toRawType() === 'Null') return null;
  return c.toString();
}

/** The variant of an enum value, or throws. */
export function asVariant(p: Plain): Variant {
  if (p instanceof Variant) return p;
  throw new Error(`expected an enum value, got ${describe(p)}`);
}

export function describe(p: Plain): string {
  if (p instanceof Variant) return p.value === null ? p.tag : `${p.tag}(${describe(p.value)})`;
  if (typeof p === 'bigint') return p.toString();
  if (p instanceof Uint8Array) return `0x${[...p].map(b => b.toString(16).padStart(2, '0')).join('')}`;
  if (Array.isArray(p)) return `[${p.map(describe).join(', ')}]`;
  if (p && typeof p === 'object') return `{ ${Object.entries(p).map(([k, v]) => `${k}: ${describe(v)}`).join(', ')} }`;
  return String(p);
}
