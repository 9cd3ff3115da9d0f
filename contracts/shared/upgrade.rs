//! Time-locked code upgrades, the same in all four contracts.
//!
//! Medical records outlive software versions: a contract must be able to
//! take new code (`set_code_hash`) without abandoning its storage, but no one
//! may swap the code under a patient's feet. So:
//!
//! 1. the head **proposes** a code hash (the code must already be uploaded);
//!    `UpgradeProposed` carries the hash and the earliest time it can take
//!    effect, so that clients warn patients in advance;
//! 2. the head may **cancel** it before it is enacted (`UpgradeCancelled`);
//! 3. once the delay has passed, **anyone** may **enact** it (`Upgraded`).
//!
//! The delay is fixed when the contract is instantiated and can be read by
//! anyone ([`Upgradeable::upgrade_status`]); production deployments use
//! [`DEFAULT_UPGRADE_DELAY_MS`] (7 days), tests a few seconds. One proposal
//! at a time: a second one needs the first cancelled, so a pending hash can
//! never be swapped silently for another.
//!
//! The lock lives in its own storage cell (`Lazy`), so the hot path never
//! reads it. Rules for changing stored types in a new code version are in
//! `docs/upgrades.md`.

use crate::{Error, Result, Timestamp};
use ink::env::DefaultEnvironment;
use ink::primitives::{AccountId, Hash};
use ink::storage::traits::StorageKey;
use ink::storage::Lazy;

/// The delay production deployments use: 7 days.
pub const DEFAULT_UPGRADE_DELAY_MS: Timestamp = 7 * 24 * 60 * 60 * 1000;

/// The longest delay a deployment may fix: 90 days (a longer one would make
/// a security fix impossible in practice).
pub const MAX_UPGRADE_DELAY_MS: Timestamp = 90 * 24 * 60 * 60 * 1000;

/// A proposed code change waiting for its time lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct PendingUpgrade {
    /// Hash of the uploaded code the contract will run.
    pub code_hash: Hash,
    /// When the head proposed it (ms).
    pub proposed_at: Timestamp,
    /// The earliest time anyone may enact it (ms).
    pub not_before: Timestamp,
}

/// The time lock of one contract: its fixed delay and the pending proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct UpgradeLock {
    /// Milliseconds between a proposal and the earliest enactment; fixed at
    /// instantiation.
    pub delay_ms: Timestamp,
    /// The proposal waiting for its time, if any.
    pub pending: Option<PendingUpgrade>,
    /// How many upgrades this contract has enacted.
    pub enacted: u32,
}

impl UpgradeLock {
    /// A lock with the given delay.
    ///
    /// # Errors
    /// `InvalidDuration` past [`MAX_UPGRADE_DELAY_MS`].
    pub fn new(delay_ms: Timestamp) -> Result<Self> {
        if delay_ms > MAX_UPGRADE_DELAY_MS {
            return Err(Error::InvalidDuration);
        }
        Ok(Self { delay_ms, pending: None, enacted: 0 })
    }

    /// Records a proposal made at `now`.
    ///
    /// # Errors
    /// `UpgradePending` if one waits already; `Overflow` on a time past `u64`.
    pub fn propose(&mut self, code_hash: Hash, now: Timestamp) -> Result<PendingUpgrade> {
        if self.pending.is_some() {
            return Err(Error::UpgradePending);
        }
        let not_before = now.checked_add(self.delay_ms).ok_or(Error::Overflow)?;
        let pending = PendingUpgrade { code_hash, proposed_at: now, not_before };
        self.pending = Some(pending);
        Ok(pending)
    }

    /// Withdraws the pending proposal.
    ///
    /// # Errors
    /// `NoPendingUpgrade`.
    pub fn cancel(&mut self) -> Result<PendingUpgrade> {
        self.pending.take().ok_or(Error::NoPendingUpgrade)
    }

    /// Takes the pending proposal if its time has come at `now`.
    ///
    /// # Errors
    /// `NoPendingUpgrade`; `UpgradeNotReady` before `not_before`; `Overflow`
    /// past `u32::MAX` upgrades.
    pub fn take_ready(&mut self, now: Timestamp) -> Result<PendingUpgrade> {
        let pending = self.pending.ok_or(Error::NoPendingUpgrade)?;
        if now < pending.not_before {
            return Err(Error::UpgradeNotReady);
        }
        self.enacted = self.enacted.checked_add(1).ok_or(Error::Overflow)?;
        self.pending = None;
        Ok(pending)
    }
}

/// The head proposed new code for a contract.
#[ink::event]
pub struct UpgradeProposed {
    /// The contract whose code will change.
    #[ink(topic)]
    pub contract: AccountId,
    /// The proposed code.
    #[ink(topic)]
    pub code_hash: Hash,
    /// The earliest time (ms) anyone may enact it.
    pub not_before: Timestamp,
    /// The head who proposed it.
    pub proposed_by: AccountId,
}

/// The head withdrew a proposed upgrade.
#[ink::event]
pub struct UpgradeCancelled {
    /// The contract whose code will not change.
    #[ink(topic)]
    pub contract: AccountId,
    /// The withdrawn code.
    #[ink(topic)]
    pub code_hash: Hash,
    /// The head who withdrew it.
    pub cancelled_by: AccountId,
}

/// A contract now runs new code (from its next call on).
#[ink::event]
pub struct Upgraded {
    /// The contract whose code changed.
    #[ink(topic)]
    pub contract: AccountId,
    /// The code it runs now.
    #[ink(topic)]
    pub code_hash: Hash,
    /// Who enacted it (anyone may, once the time has come).
    pub enacted_by: AccountId,
}

/// The time-locked upgrade interface every SMRMS contract implements.
#[ink::trait_definition]
pub trait Upgradeable {
    /// Proposes to replace this contract's code by `code_hash` (already
    /// uploaded with `upload_code`). It can be enacted, by anyone, once the
    /// contract's upgrade delay has passed. Emits `UpgradeProposed`.
    /// Only the head may call it.
    ///
    /// # Arguments
    /// * `code_hash` - hash of the uploaded Wasm code.
    ///
    /// # Errors
    /// `NotHead`; `UpgradePending` if one waits already (cancel it first).
    #[ink(message)]
    fn propose_upgrade(&mut self, code_hash: Hash) -> Result<Timestamp>;

    /// Withdraws the pending upgrade. Emits `UpgradeCancelled`. Only the head
    /// may call it.
    ///
    /// # Errors
    /// `NotHead`; `NoPendingUpgrade`.
    #[ink(message)]
    fn cancel_upgrade(&mut self) -> Result<()>;

    /// Switches this contract to the pending code once its time has come;
    /// anyone may call it. Storage is kept; the new code runs from the next
    /// call on. Emits `Upgraded`.
    ///
    /// # Errors
    /// `NoPendingUpgrade`; `UpgradeNotReady` before the time;
    /// `UpgradeCodeNotFound` if the code is not (or no longer) uploaded.
    #[ink(message)]
    fn enact_upgrade(&mut self) -> Result<Hash>;

    /// The upgrade delay, the pending proposal (with the time it becomes
    /// possible) and how many upgrades were enacted. Anyone may call it.
    ///
    /// # Errors
    /// None today (`Result` for a uniform interface).
    #[ink(message)]
    fn upgrade_status(&self) -> Result<UpgradeLock>;
}

/// Proposes `code_hash` (the caller's right is checked by the contract).
///
/// # Errors
/// As [`UpgradeLock::propose`].
pub fn propose<K: StorageKey>(lock: &mut Lazy<UpgradeLock, K>, code_hash: Hash) -> Result<Timestamp> {
    let mut state = lock.get().unwrap_or_default();
    let pending = state.propose(code_hash, ink::env::block_timestamp::<DefaultEnvironment>())?;
    lock.set(&state);
    ink::env::emit_event::<DefaultEnvironment, _>(UpgradeProposed {
        contract: ink::env::account_id::<DefaultEnvironment>(),
        code_hash,
        not_before: pending.not_before,
        proposed_by: ink::env::caller::<DefaultEnvironment>(),
    });
    Ok(pending.not_before)
}

/// Cancels the pending proposal (the caller's right is checked by the
/// contract).
///
/// # Errors
/// `NoPendingUpgrade`.
pub fn cancel<K: StorageKey>(lock: &mut Lazy<UpgradeLock, K>) -> Result<()> {
    let mut state = lock.get().unwrap_or_default();
    let pending = state.cancel()?;
    lock.set(&state);
    ink::env::emit_event::<DefaultEnvironment, _>(UpgradeCancelled {
        contract: ink::env::account_id::<DefaultEnvironment>(),
        code_hash: pending.code_hash,
        cancelled_by: ink::env::caller::<DefaultEnvironment>(),
    });
    Ok(())
}

/// Enacts the pending proposal if its time has come.
///
/// # Errors
/// As [`UpgradeLock::take_ready`]; `UpgradeCodeNotFound` if the runtime
/// refuses the code hash (the message then reverts, the proposal stays).
pub fn enact<K: StorageKey>(lock: &mut Lazy<UpgradeLock, K>) -> Result<Hash> {
    let mut state = lock.get().unwrap_or_default();
    let pending = state.take_ready(ink::env::block_timestamp::<DefaultEnvironment>())?;
    ink::env::set_code_hash::<DefaultEnvironment>(&pending.code_hash).map_err(|_| Error::UpgradeCodeNotFound)?;
    lock.set(&state);
    ink::env::emit_event::<DefaultEnvironment, _>(Upgraded {
        contract: ink::env::account_id::<DefaultEnvironment>(),
        code_hash: pending.code_hash,
        enacted_by: ink::env::caller::<DefaultEnvironment>(),
    });
    Ok(pending.code_hash)
}

/// The lock as stored (the default, no delay, before instantiation wrote it).
pub fn status<K: StorageKey>(lock: &Lazy<UpgradeLock, K>) -> UpgradeLock {
    lock.get().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Timestamp = 24 * 60 * 60 * 1000;

    fn hash(b: u8) -> Hash {
        Hash::from([b; 32])
    }

    #[test]
    fn delay_is_bounded() {
        assert_eq!(UpgradeLock::new(DEFAULT_UPGRADE_DELAY_MS).unwrap().delay_ms, 7 * DAY);
        assert_eq!(UpgradeLock::new(MAX_UPGRADE_DELAY_MS + 1), Err(Error::InvalidDuration));
        assert!(UpgradeLock::new(0).is_ok());
    }

    #[test]
    fn enact_only_after_the_delay() {
        let mut lock = UpgradeLock::new(7 * DAY).unwrap();
        let p = lock.propose(hash(1), 1_000).unwrap();
        assert_eq!(p.not_before, 1_000 + 7 * DAY);
        assert_eq!(lock.take_ready(1_000), Err(Error::UpgradeNotReady));
        assert_eq!(lock.take_ready(1_000 + 7 * DAY - 1), Err(Error::UpgradeNotReady));
        assert_eq!(lock.pending, Some(p), "a refused enactment keeps the proposal");
        assert_eq!(lock.take_ready(1_000 + 7 * DAY), Ok(p));
        assert_eq!(lock.pending, None);
        assert_eq!(lock.enacted, 1);
        assert_eq!(lock.take_ready(u64::MAX), Err(Error::NoPendingUpgrade), "enacted once only");
    }

    #[test]
    fn one_proposal_at_a_time_and_cancel() {
        let mut lock = UpgradeLock::new(10).unwrap();
        lock.propose(hash(1), 0).unwrap();
        assert_eq!(lock.propose(hash(2), 5), Err(Error::UpgradePending), "no silent swap");
        assert_eq!(lock.cancel().map(|p| p.code_hash), Ok(hash(1)));
        assert_eq!(lock.cancel(), Err(Error::NoPendingUpgrade));
        assert_eq!(lock.take_ready(100), Err(Error::NoPendingUpgrade), "a cancelled hash cannot be enacted");
        let p = lock.propose(hash(2), 50).unwrap();
        assert_eq!(p.not_before, 60, "the delay counts from the new proposal");
        assert_eq!(lock.enacted, 0);
    }

    #[test]
    fn time_overflow_is_an_error() {
        let mut lock = UpgradeLock::new(10).unwrap();
        assert_eq!(lock.propose(hash(1), u64::MAX - 5), Err(Error::Overflow));
        assert_eq!(lock.pending, None);
    }
}
