//! The pallet-contracts glue the client needs, mirrored locally (what
//! cargo-contract's `contract-extrinsics` provided, without its
//! `contract-build`/wasm-opt and its own subxt): the `Contracts::call`
//! extrinsic, the `ContractsApi_call` runtime API request and result, the
//! name of a dispatch error, and the child-trie key of a contract's storage.
//!
//! Layouts as in pallet-contracts of substrate-contracts-node 0.42 (checked
//! against the node's metadata: the `ContractsApi.call` output type and the
//! `Contracts.call` arguments):
//! - `ContractsApi::call(origin, dest, value, gas_limit: Option<Weight>,
//!   storage_deposit_limit: Option<Balance>, input_data)` →
//!   `ContractResult { gas_consumed, gas_required, storage_deposit,
//!   debug_message, result: Result<ExecReturnValue, DispatchError>, events:
//!   Option<Vec<EventRecord>> }`;
//! - `Contracts::call(dest: MultiAddress, #[compact] value, gas_limit: Weight,
//!   storage_deposit_limit: Option<Compact<Balance>>, data: Vec<u8>)`.

use scale::{Decode, Encode, Input};
use subxt::{dynamic::Value, tx::DynamicPayload, utils::AccountId32, Metadata};

/// `sp_weights::Weight`: both parts compact-encoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Weight {
    /// Computation time (picoseconds on the reference hardware).
    #[codec(compact)]
    pub ref_time: u64,
    /// Proof size (bytes).
    #[codec(compact)]
    pub proof_size: u64,
}

/// The arguments of the `ContractsApi_call` runtime API (a dry run).
#[derive(Encode)]
pub struct CallRequest {
    /// The caller (no signature needed).
    pub origin: AccountId32,
    /// The contract.
    pub dest: AccountId32,
    /// Value transferred.
    pub value: u128,
    /// `None`: the block's maximum.
    pub gas_limit: Option<Weight>,
    /// `None`: no limit.
    pub storage_deposit_limit: Option<u128>,
    /// Selector and SCALE-encoded arguments.
    pub input_data: Vec<u8>,
}

/// `pallet_contracts::StorageDeposit<Balance>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Decode)]
pub enum StorageDeposit {
    /// Given back to the caller.
    Refund(u128),
    /// Charged to the caller.
    Charge(u128),
}

/// `ReturnFlags::REVERT` of `pallet_contracts_uapi`.
pub const REVERT: u32 = 1;

/// `pallet_contracts::ExecReturnValue`.
#[derive(Clone, Debug, PartialEq, Eq, Decode)]
pub struct ExecReturnValue {
    /// `ReturnFlags` bits.
    pub flags: u32,
    /// The message's SCALE-encoded answer.
    pub data: Vec<u8>,
}

impl ExecReturnValue {
    /// The contract reverted its state changes.
    pub fn did_revert(&self) -> bool {
        self.flags & REVERT != 0
    }
}

/// `sp_runtime::DispatchError`, kept as its SCALE bytes (decoded with the
/// node's metadata by [`DispatchError::describe`]). Variant indices: 0 Other
/// (its message is not encoded), 1 CannotLookup, 2 BadOrigin, 3 Module
/// (`ModuleError { index: u8, error: [u8; 4] }`), 4 ConsumerRemaining, 5
/// NoProviders, 6 TooManyConsumers, 7 Token, 8 Arithmetic, 9 Transactional
/// (each a one-byte enum), 10 Exhausted, 11 Corruption, 12 Unavailable, 13
/// RootNotAllowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DispatchError(pub Vec<u8>);

impl Decode for DispatchError {
    fn decode<I: Input>(input: &mut I) -> Result<Self, scale::Error> {
        let tag = input.read_byte()?;
        let payload = match tag {
            3 => 5,
            7..=9 => 1,
            0..=13 => 0,
            _ => return Err("unknown DispatchError variant".into()),
        };
        let mut bytes = vec![tag; 1 + payload];
        input.read(&mut bytes[1..])?;
        Ok(Self(bytes))
    }
}

impl DispatchError {
    /// The pallet and error index of a `Module` error.
    pub fn module(&self) -> Option<(u8, u8)> {
        match self.0.as_slice() {
            [3, index, error, ..] => Some((*index, *error)),
            _ => None,
        }
    }

    /// `ModuleError: Pallet::Name: [docs]` for a module error (names from the
    /// metadata), else `DispatchError: Variant(..)` (as cargo-contract
    /// prints them).
    pub fn describe(&self, metadata: &Metadata) -> String {
        use subxt::error::DispatchError as E;
        if let Some((index, error)) = self.module() {
            return match metadata.pallet_by_index(index) {
                Some(p) => match p.error_variant_by_index(error) {
                    Some(v) => format!("ModuleError: {}::{}: {:?}", p.name(), v.name, v.docs),
                    None => format!("ModuleError: {}: unknown error {error}", p.name()),
                },
                None => format!("ModuleError: unknown pallet {index}, error {error}"),
            };
        }
        match E::decode_from(&self.0[..], metadata.clone()) {
            Ok(e) => format!("DispatchError: {e:?}"),
            Err(e) => format!("DispatchError 0x{} ({e})", hex::encode(&self.0)),
        }
    }
}

/// `Option<Vec<EventRecord>>`: the events a dry run would emit (when the
/// runtime collects them), kept as SCALE bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Events(pub Option<Vec<u8>>);

impl Decode for Events {
    fn decode<I: Input>(input: &mut I) -> Result<Self, scale::Error> {
        match input.read_byte()? {
            0 => Ok(Self(None)),
            1 => {
                let n = input.remaining_len()?.ok_or("events of unknown length")?;
                let mut bytes = vec![0; n];
                input.read(&mut bytes)?;
                Ok(Self(Some(bytes)))
            }
            _ => Err("invalid Option tag for events".into()),
        }
    }
}

/// `pallet_contracts::ContractExecResult<Balance = u128, EventRecord>`, the
/// answer of `ContractsApi_call`.
#[derive(Clone, Debug, PartialEq, Eq, Decode)]
pub struct ContractExecResult {
    /// Weight used.
    pub gas_consumed: Weight,
    /// Weight needed to succeed (may exceed `gas_consumed`).
    pub gas_required: Weight,
    /// Storage deposit charged or refunded.
    pub storage_deposit: StorageDeposit,
    /// The contract's debug output.
    pub debug_message: Vec<u8>,
    /// The contract's answer, or why the call failed in the runtime.
    pub result: Result<ExecReturnValue, DispatchError>,
    /// Events the call would emit.
    pub events: Events,
}

/// The `Contracts::call` extrinsic: call `dest` with `data`, transferring
/// `value`, with at most `gas_limit` and `storage_deposit_limit` (`None`:
/// no limit).
pub fn call(
    dest: &AccountId32,
    value: u128,
    gas_limit: Weight,
    storage_deposit_limit: Option<u128>,
    data: Vec<u8>,
) -> DynamicPayload {
    subxt::dynamic::tx(
        "Contracts",
        "call",
        vec![
            Value::unnamed_variant("Id", [Value::from_bytes(dest.0)]),
            Value::u128(value),
            Value::named_composite([
                ("ref_time", Value::u128(gas_limit.ref_time.into())),
                ("proof_size", Value::u128(gas_limit.proof_size.into())),
            ]),
            match storage_deposit_limit {
                None => Value::unnamed_variant("None", []),
                Some(l) => Value::unnamed_variant("Some", [Value::u128(l)]),
            },
            Value::from_bytes(data),
        ],
    )
}

/// The trie id of a contract from its SCALE-encoded `ContractInfo` (its
/// first field, a `BoundedVec<u8>`).
pub fn trie_id(contract_info: &[u8]) -> Result<Vec<u8>, scale::Error> {
    Vec::<u8>::decode(&mut &contract_info[..])
}

/// The key of a contract's child trie for the `childstate_*` RPC:
/// `ChildInfo::new_default(trie_id).into_prefixed_storage_key()`.
pub fn child_storage_key(trie_id: &[u8]) -> subxt::backend::legacy::rpc_methods::Bytes {
    let mut key = b":child_storage:default:".to_vec();
    key.extend_from_slice(trie_id);
    subxt::backend::legacy::rpc_methods::Bytes(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_is_compact() {
        let w = Weight { ref_time: 1, proof_size: 1 << 20 };
        assert_eq!(w.encode(), [vec![4u8], scale::Compact(1u64 << 20).encode()].concat());
        assert_eq!(Weight::decode(&mut &w.encode()[..]).unwrap(), w);
    }

    #[test]
    fn exec_result_round_trip() {
        // gas_consumed, gas_required, Charge(5), debug "", Ok({flags 1, data [0, 1]}), events None
        let mut b = Vec::new();
        b.extend(Weight { ref_time: 10, proof_size: 20 }.encode());
        b.extend(Weight { ref_time: 30, proof_size: 40 }.encode());
        b.push(1);
        b.extend(5u128.encode());
        b.extend(Vec::<u8>::new().encode());
        b.push(0);
        b.extend(1u32.encode());
        b.extend(vec![0u8, 1].encode());
        b.push(0);
        let r = ContractExecResult::decode(&mut &b[..]).unwrap();
        assert_eq!(r.gas_required, Weight { ref_time: 30, proof_size: 40 });
        assert_eq!(r.storage_deposit, StorageDeposit::Charge(5));
        let ok = r.result.unwrap();
        assert!(ok.did_revert());
        assert_eq!(ok.data, vec![0, 1]);
        assert_eq!(r.events, Events(None));
    }

    #[test]
    fn dispatch_error_lengths() {
        // Module { index: 8, error: [11, 0, 0, 0] } then Some(events)
        let b = [1u8, 3, 8, 11, 0, 0, 0, 1, 0xaa];
        let mut input = &b[..];
        let r = Result::<ExecReturnValue, DispatchError>::decode(&mut input).unwrap();
        assert_eq!(r.clone().unwrap_err().module(), Some((8, 11)));
        assert_eq!(Events::decode(&mut input).unwrap(), Events(Some(vec![0xaa])));
        let e = DispatchError::decode(&mut &[7u8, 0][..]).unwrap();
        assert_eq!(e.0, vec![7, 0]);
        assert!(DispatchError::decode(&mut &[14u8][..]).is_err());
    }

    #[test]
    fn child_key() {
        assert_eq!(child_storage_key(&[1, 2]).0, b":child_storage:default:\x01\x02".to_vec());
    }
}
