// The contracts' opaque text fields at the chain boundary (issue 16, "opaque
// bytes on chain"): the patient profile's fields, a record's title and body,
// a medication's texts, an appointment's reason, diagnosis and prescription
// are `Vec<u8>`, holding `toChain(text)` of the sealed text (crypto/onchain.ts);
// so is an emergency access's sealed note (`open_emergency(.., note, ..)`,
// `EmergencyAccess.note`: bytes in every bundle, written by the Rust client
// as `to_chain` of its `n2:` text, read by `emergencyNote` in journeys.ts).
// Provider profiles and status reasons stay `String` (public text).
//
// - Writing: `chainText` gives the argument for a text: the bytes as 0x-hex,
//   which @polkadot/types decodes into the `Bytes` (Vec<u8>) exactly. Never
//   a bare string (it would be stored as its UTF-8 text, or as hex if it
//   looked like hex) nor a bare Uint8Array (@polkadot/types would read it
//   as already SCALE-encoded, length prefix first). Against bundles built
//   before issue 16 (those fields `String`, `Text` in the ABI) it gives the
//   text itself, as the page always did.
// - Reading: the decoded value is a Uint8Array (`toPlain` of Bytes), or a
//   string from such older bundles: `storedText` turns either into the text
//   (throws `CryptoError` Malformed when the bytes are neither a binary form
//   nor UTF-8); `storedArg` passes the stored value back unchanged (for
//   `verify_record`, or an appointment's unchanged reason).
import { u8aToHex } from '@polkadot/util';
import { CryptoError, fromChain, toChain } from '../crypto';
import type { Chain, ContractName } from './connection';
import { findMessage } from './contracts';

/** An opaque text field as decoded: bytes, or text from bundles built before issue 16. */
export type Stored = Uint8Array | string;

/** Per contract, a message argument (and struct field) that is an opaque text field. */
const PROBES: Partial<Record<ContractName, { message: string; arg: string; field?: string }>> = {
  registry: { message: 'register_patient', arg: 'profile', field: 'name' },
  records: { message: 'add_record', arg: 'body' },
  appointments: { message: 'request_appointment', arg: 'reason' },
};

const cache = new WeakMap<object, boolean>();

/**
 * Whether `contract`'s ABI takes its opaque texts as bytes (`Vec<u8>`,
 * `Bytes` to @polkadot/types); false for bundles where they are `String`.
 */
export function storesBytes(chain: Chain, contract: ContractName): boolean {
  const abi = chain.abis[contract];
  const known = cache.get(abi);
  if (known !== undefined) return known;
  const probe = PROBES[contract];
  let bytes = true;
  if (probe) {
    const m = findMessage(chain, contract, probe.message);
    const arg = m.args.find(x => x.name === probe.arg || x.name === probe.arg.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
    let type = arg?.type;
    if (type && probe.field) {
      const sub = Array.isArray(type.sub) ? type.sub : [];
      type = sub.find(s => s.name === probe.field);
    }
    bytes = type?.type !== 'Text';
  }
  cache.set(abi, bytes);
  return bytes;
}

/** The argument for an opaque text field of `contract`: `toChain(text)` as 0x-hex (the text itself for `String` ABIs). */
export function chainText(chain: Chain, contract: ContractName, text: string): string {
  return storesBytes(chain, contract) ? u8aToHex(toChain(text)) : text;
}

/** A stored value passed back exactly as stored (bytes as 0x-hex). */
export function storedArg(v: Stored): string {
  return v instanceof Uint8Array ? u8aToHex(v) : v;
}

/** The text a stored value stands for (`fromChain`); '' for none. Throws `CryptoError` Malformed (not UTF-8). */
export function storedText(v: Stored | null | undefined): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : fromChain(v);
}

/** Whether `e` is `storedText`'s refusal of bytes that are neither a binary form nor UTF-8. */
export function isUnreadable(e: unknown): boolean {
  return e instanceof CryptoError && e.kind === 'Malformed' && /not UTF-8/.test(e.message);
}

/** What the page shows for a stored value it cannot read at all. */
export function unreadable(v: Stored): string {
  return `unreadable (not UTF-8, ${v instanceof Uint8Array ? v.length : 0} bytes)`;
}
