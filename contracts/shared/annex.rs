//! Annexes: each contract's less frequent messages run in a second code blob.
//!
//! A call pays, in proof size and in time, for the code of every contract it
//! runs (docs/benchmark.md: about one byte of proof per byte of Wasm). So a
//! contract's hot path should not carry the code of its rarely used
//! messages. ink! 5 cannot leave a message out of a contract's interface
//! (the Contracts UI and the clients read one metadata file per address), so
//! each contract is built twice from one source file:
//!
//! - **the contract** (deployed, instantiated): the hot path's messages run
//!   their bodies; every other message starts with [`in_annex!`], which hands
//!   the call to the annex and compiles the rest of the body out;
//! - **the annex** (uploaded, never instantiated; a package beside the
//!   contract's, whose `build.rs` sets the `annex` cfg): every other message
//!   runs its body; the hot path's start with [`not_in_annex!`].
//!
//! The hand-over is a `delegate_call` to the annex's code hash with the call's
//! own input (`CLONE_INPUT`) that ends the call with the annex's answer
//! (`TAIL_CALL`): the annex runs on the contract's storage, sees the same
//! caller and value, and its events are the contract's. Both builds have the
//! same storage layout and the same selectors by construction (one source),
//! and the same metadata, which is the contract's interface.
//!
//! The annex's code hash is stored in the contract ([`Annex`]), set at
//! instantiation. Replacing it is a code change like an upgrade, with the
//! same time lock: the head proposes, may cancel, anyone enacts after the
//! delay ([`Annexed`]). The enactment stores the new hash, then asks the new
//! code itself (a delegate call of [`Annexed::annex`]) and reverts unless it
//! answers: code that is not uploaded, or a build that is not an annex, fails,
//! so that a mistaken hash cannot leave the contract without its annex.

use crate::upgrade::{PendingUpgrade, UpgradeLock};
use crate::{Error, Result, Timestamp};
use ink::env::DefaultEnvironment;
use ink::primitives::{AccountId, Hash};
use ink::storage::traits::StorageKey;
use ink::storage::Lazy;

/// A contract's annex and the time lock that guards its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Annex {
    /// Hash of the uploaded annex code that runs the contract's less frequent
    /// messages.
    pub code_hash: Hash,
    /// The time lock of a replacement: the contract's upgrade delay, the
    /// proposed code, how many replacements were enacted.
    pub lock: UpgradeLock,
}

/// The head proposed new annex code for a contract.
#[ink::event]
pub struct AnnexProposed {
    /// The contract whose annex will change.
    #[ink(topic)]
    pub contract: AccountId,
    /// The proposed annex code.
    #[ink(topic)]
    pub code_hash: Hash,
    /// The earliest time (ms) anyone may enact it.
    pub not_before: Timestamp,
    /// The head who proposed it.
    pub proposed_by: AccountId,
}

/// The head withdrew a proposed annex.
#[ink::event]
pub struct AnnexCancelled {
    /// The contract whose annex will not change.
    #[ink(topic)]
    pub contract: AccountId,
    /// The withdrawn annex code.
    #[ink(topic)]
    pub code_hash: Hash,
    /// The head who withdrew it.
    pub cancelled_by: AccountId,
}

/// A contract runs its less frequent messages in new annex code from now on.
#[ink::event]
pub struct AnnexReplaced {
    /// The contract whose annex changed.
    #[ink(topic)]
    pub contract: AccountId,
    /// The annex code it runs now.
    #[ink(topic)]
    pub code_hash: Hash,
    /// Who enacted it (anyone may, once the time has come).
    pub enacted_by: AccountId,
}

/// The time-locked replacement of a contract's annex; every SMRMS contract
/// implements it.
#[ink::trait_definition]
pub trait Annexed {
    /// Proposes `code_hash` (an annex build of this contract's source,
    /// already uploaded with `upload_code`) as this contract's new annex. It
    /// can be enacted, by anyone, once the contract's upgrade delay has
    /// passed. Emits `AnnexProposed`. Only the head may call it.
    ///
    /// # Arguments
    /// * `code_hash` - hash of the uploaded annex code.
    ///
    /// # Errors
    /// `NotHead`; `UpgradePending` if a proposed annex waits already (cancel
    /// it first); `AnnexMissing`, `AnnexUnavailable` if the annex cannot run
    /// (this message runs in the annex).
    #[ink(message)]
    fn propose_annex(&mut self, code_hash: Hash) -> Result<Timestamp>;

    /// Withdraws the proposed annex. Emits `AnnexCancelled`. Only the head
    /// may call it.
    ///
    /// # Errors
    /// `NotHead`; `NoPendingUpgrade`.
    #[ink(message)]
    fn cancel_annex(&mut self) -> Result<()>;

    /// Switches this contract to the proposed annex once its time has come;
    /// anyone may call it. Emits `AnnexReplaced`.
    ///
    /// # Errors
    /// `NoPendingUpgrade`; `UpgradeNotReady` before the time;
    /// `UpgradeCodeNotFound` if the code is not uploaded or is not an annex
    /// build of this contract (the proposal stays; the head may cancel it).
    #[ink(message)]
    fn enact_annex(&mut self) -> Result<Hash>;

    /// The annex: its code hash and the time lock of its replacement (none
    /// only in storage written before annexes). Anyone may call it; the
    /// annex answers it.
    ///
    /// # Errors
    /// `AnnexMissing`, `AnnexUnavailable` if the annex cannot run.
    #[ink(message)]
    fn annex(&self) -> Result<Option<Annex>>;
}

/// The first statement of every message that runs in the annex. In the
/// contract's Wasm it hands the call to the annex ([`run_in_annex`]) and
/// never returns, so the rest of the message is compiled out; in the annex
/// build and off chain (unit tests run every body) it does nothing.
#[macro_export]
macro_rules! in_annex {
    ($annex:expr) => {
        if cfg!(all(target_arch = "wasm32", not(annex))) {
            $crate::annex::run_in_annex($annex);
        }
    };
}

/// The first statement of every message the contract runs itself (its hot
/// path): compiled out of the annex's Wasm, which never receives them.
#[macro_export]
macro_rules! not_in_annex {
    () => {
        if cfg!(all(target_arch = "wasm32", annex)) {
            return ::core::result::Result::Err($crate::Error::AnnexUnavailable);
        }
    };
}

/// Runs the message being called in the annex code, on this contract's
/// storage: a delegate call with the call's own input that ends this call
/// with the annex's answer, revert flag and events. If the annex cannot run,
/// reverts with `AnnexMissing` (none stored) or `AnnexUnavailable` (not
/// uploaded, or it trapped): an answer every message's `Result` decodes,
/// since only its `Err` is set.
pub fn run_in_annex<K: StorageKey>(annex: &Lazy<Annex, K>) -> ! {
    let error = match annex.get() {
        None => Error::AnnexMissing,
        Some(a) => {
            let _ = ink::env::call::build_call::<DefaultEnvironment>()
                .delegate(a.code_hash)
                .call_flags(ink::env::CallFlags::CLONE_INPUT | ink::env::CallFlags::TAIL_CALL)
                .exec_input(ink::env::call::ExecutionInput::new(ink::env::call::Selector::new([0; 4])))
                .returns::<()>()
                .try_invoke();
            Error::AnnexUnavailable
        }
    };
    let answer: ink::MessageResult<Result<()>> = Ok(Err(error));
    ink::env::return_value(ink::env::ReturnFlags::REVERT, &answer)
}

/// The annex a constructor stores: `code_hash` with a lock of the
/// contract's upgrade delay.
///
/// # Errors
/// As [`UpgradeLock::new`].
pub fn new<K: StorageKey>(code_hash: Hash, delay_ms: Timestamp) -> Result<Lazy<Annex, K>> {
    let mut cell = Lazy::new();
    cell.set(&Annex { code_hash, lock: UpgradeLock::new(delay_ms)? });
    Ok(cell)
}

fn update<K: StorageKey, T>(
    annex: &Lazy<Annex, K>,
    change: impl FnOnce(&mut UpgradeLock, Timestamp) -> Result<T>,
) -> Result<(Annex, T)> {
    let mut a = annex.get().ok_or(Error::AnnexMissing)?;
    let out = change(&mut a.lock, ink::env::block_timestamp::<DefaultEnvironment>())?;
    Ok((a, out))
}

/// Proposes `code_hash` (the caller's right is checked by the contract).
///
/// # Errors
/// `AnnexMissing`; as [`UpgradeLock::propose`].
pub fn propose<K: StorageKey>(annex: &mut Lazy<Annex, K>, code_hash: Hash) -> Result<Timestamp> {
    let (a, pending) = update(annex, |lock, now| lock.propose(code_hash, now))?;
    annex.set(&a);
    ink::env::emit_event::<DefaultEnvironment, _>(AnnexProposed {
        contract: ink::env::account_id::<DefaultEnvironment>(),
        code_hash,
        not_before: pending.not_before,
        proposed_by: ink::env::caller::<DefaultEnvironment>(),
    });
    Ok(pending.not_before)
}

/// Cancels the proposed annex (the caller's right is checked by the
/// contract).
///
/// # Errors
/// `AnnexMissing`; `NoPendingUpgrade`.
pub fn cancel<K: StorageKey>(annex: &mut Lazy<Annex, K>) -> Result<()> {
    let (a, pending) = update(annex, |lock, _| lock.cancel())?;
    annex.set(&a);
    ink::env::emit_event::<DefaultEnvironment, _>(AnnexCancelled {
        contract: ink::env::account_id::<DefaultEnvironment>(),
        code_hash: pending.code_hash,
        cancelled_by: ink::env::caller::<DefaultEnvironment>(),
    });
    Ok(())
}

/// Enacts the proposed annex if its time has come and the new code answers
/// as an annex.
///
/// # Errors
/// `AnnexMissing`; as [`UpgradeLock::take_ready`]; `UpgradeCodeNotFound`
/// if the new code is not uploaded or is not an annex build (the message
/// then reverts: the old annex and the proposal stay).
pub fn enact<K: StorageKey>(annex: &mut Lazy<Annex, K>) -> Result<Hash> {
    let (mut a, pending): (Annex, PendingUpgrade) = update(annex, |lock, now| lock.take_ready(now))?;
    a.code_hash = pending.code_hash;
    annex.set(&a);
    ensure_annex_build(pending.code_hash)?;
    ink::env::emit_event::<DefaultEnvironment, _>(AnnexReplaced {
        contract: ink::env::account_id::<DefaultEnvironment>(),
        code_hash: pending.code_hash,
        enacted_by: ink::env::caller::<DefaultEnvironment>(),
    });
    Ok(pending.code_hash)
}

/// `UpgradeCodeNotFound` unless `code_hash`, already stored as the annex,
/// answers [`Annexed::annex`] itself (a delegate call on this contract's
/// storage). Code that is not uploaded fails the call; the contract's own
/// build (or any build that is not an annex) hands the question to the
/// stored annex, which is itself, until the call stack's depth limit makes
/// the call fail.
fn ensure_annex_build(code_hash: Hash) -> Result<()> {
    if !cfg!(target_arch = "wasm32") {
        return Ok(()); // off chain there is no code to ask
    }
    let answer = ink::env::call::build_call::<DefaultEnvironment>()
        .delegate(code_hash)
        .exec_input(ink::env::call::ExecutionInput::new(ink::env::call::Selector::new(ink::selector_bytes!(
            "Annexed::annex"
        ))))
        .returns::<Result<Option<Annex>>>()
        .try_invoke();
    match answer {
        Ok(Ok(Ok(Some(a)))) if a.code_hash == code_hash => Ok(()),
        _ => Err(Error::UpgradeCodeNotFound),
    }
}
