#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The SCALE derive of enums with data variants casts the variant index
// (`usize as u8`), which trips cargo-contract's `cast_possible_truncation`
// lint inside generated code. Our own code uses no narrowing casts.
#![allow(clippy::cast_possible_truncation)]
//! # SMRMS permissions
//!
//! The paper's Grant and Revoke Access module: scoped, expiring consent
//! (who, what, until when), revoke and renounce, the paper's
//! `GetPermissiongrantedcount` done right, break-glass emergency access, and
//! each patient's on-chain access log.
//!
//! `authorize` is the one cross-contract call of every audited access: it
//! decides with the standings and the head the registry pushed here
//! (`sync_standing`, `sync_head`) and logs, without calling out, so registry
//! → permissions → registry re-entry cannot happen. `has_access` is a pure
//! read of this contract's storage.
//!
//! Guardians act for a patient who cannot act herself: appointed by her, or
//! by the head for a patient declared a minor or incapacitated; every act of
//! a guardian is logged in the patient's access log with the guardian as the
//! accessor and the outcome `GrantedGuardian` ("by guardian G for patient
//! P").
//!
//! The rules (grant and emergency validity in time, the access basis, the
//! checks of grants and emergency accesses, the access log's folding rule)
//! are pure functions in [`rules`], the guardians' in [`guardians`]; the
//! contract module below keeps the
//! types of its interface, its events, its storage and its messages.

pub mod guardians;
pub mod rules;

#[ink::contract]
pub mod permissions {
    use crate::guardians::{self, GuardianAct, GuardianPowers, Guardianship, Incapacity};
    use crate::rules;
    use ink::prelude::vec::Vec;
    use ink::storage::{Lazy, Mapping};
    use smrms_shared::annex::{self, Annex, Annexed};
    use smrms_shared::in_annex;
    use smrms_shared::list::{self, Bound};
    use smrms_shared::upgrade::{self, UpgradeLock, Upgradeable};
    use smrms_shared::{
        answer_keeping_root, decide_access, ensure, AccessAction, AccessBasis, AccessLogEntry, AccessOutcome, Attempt,
        Authorized, DenyReason, EmergencyReason, Error, PermissionsApi, RegistryApi, Result, Scope, Scopes, Siblings,
        Standing, MAX_GRANTS_PER_PATIENT, MAX_GUARDIANS,
    };

    /// A patient's consent for one grantee.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Grant {
        /// The scopes granted.
        pub scopes: Scopes,
        /// When it was granted (Unix milliseconds).
        pub granted_at: Timestamp,
        /// When it stops (Unix milliseconds, exclusive); `None` = until revoked.
        pub expires_at: Option<Timestamp>,
    }

    /// Positions of a grant in the patient's and the grantee's lists.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    struct Slot {
        grant: Grant,
        in_patient_list: u32,
        in_grantee_list: u32,
    }

    /// A guardianship with its positions in the patient's and the
    /// guardian's lists.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    struct GuardSlot {
        guardianship: Guardianship,
        in_patient_list: u32,
        in_guardian_list: u32,
    }

    /// One emergency (break-glass) access.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct EmergencyAccess {
        /// The doctor who opened it.
        pub doctor: AccountId,
        /// The doctor's reason, as a code.
        pub reason: EmergencyReason,
        /// An optional note, sealed by the doctor's client for the patient
        /// and the doctor (at most 512 bytes; never plaintext).
        pub note: Vec<u8>,
        /// When it was opened (Unix milliseconds).
        pub opened_at: Timestamp,
        /// When it ends (Unix milliseconds, exclusive).
        pub expires_at: Timestamp,
        /// When and by whom it was closed early, if it was (a re-opening by
        /// the same doctor closes the earlier one).
        pub closed: Option<(Timestamp, AccountId)>,
    }

    /// Grant counts of one patient (the paper's `GetPermissiongrantedcount`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct GrantCounts {
        /// Grants the patient ever made (re-grants included).
        pub made_total: u32,
        /// Grants stored now (not revoked or renounced), expired ones included.
        pub current: u32,
        /// Grants in force now (stored and not expired).
        pub active_now: u32,
    }

    /// A patient granted (or re-granted) access.
    #[ink(event)]
    pub struct AccessGranted {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The grantee.
        #[ink(topic)]
        grantee: AccountId,
        /// The scopes.
        scopes: Scopes,
        /// Expiry (Unix milliseconds), if any.
        expires_at: Option<Timestamp>,
    }

    /// A patient revoked a grant.
    #[ink(event)]
    pub struct AccessRevoked {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The former grantee.
        #[ink(topic)]
        grantee: AccountId,
    }

    /// A grantee renounced a grant.
    #[ink(event)]
    pub struct AccessRenounced {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The former grantee.
        #[ink(topic)]
        grantee: AccountId,
    }

    /// A doctor opened emergency (break-glass) access; the head is told.
    #[ink(event)]
    pub struct EmergencyAccessOpened {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The head.
        #[ink(topic)]
        head: AccountId,
        /// The doctor.
        #[ink(topic)]
        doctor: AccountId,
        /// Index in the patient's emergency list.
        index: u32,
        /// The doctor's reason code (the sealed note is in storage only).
        reason: EmergencyReason,
        /// When it ends (Unix milliseconds).
        expires_at: Timestamp,
    }

    /// An emergency access was closed early.
    #[ink(event)]
    pub struct EmergencyAccessClosed {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The doctor.
        #[ink(topic)]
        doctor: AccountId,
        /// Who closed it (patient, head or the doctor).
        by: AccountId,
    }

    /// An access attempt was logged (granted or denied) for a patient.
    #[ink(event)]
    pub struct AccessLogged {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Who tried.
        #[ink(topic)]
        accessor: AccountId,
        /// Index in the patient's access log.
        index: u32,
        /// What was tried.
        action: AccessAction,
        /// Outcome.
        outcome: AccessOutcome,
    }

    /// A guardian was appointed (or her powers or expiry changed).
    #[ink(event)]
    pub struct GuardianAppointed {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The guardian.
        #[ink(topic)]
        guardian: AccountId,
        /// Who appointed her: the patient or the head.
        by: AccountId,
        /// What she may do.
        powers: GuardianPowers,
        /// Expiry (Unix milliseconds), if any.
        expires_at: Option<Timestamp>,
    }

    /// A guardian was removed (by the patient, the head, or herself).
    #[ink(event)]
    pub struct GuardianRemoved {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The former guardian.
        #[ink(topic)]
        guardian: AccountId,
        /// Who removed her.
        by: AccountId,
    }

    /// The head declared that a patient cannot act for herself.
    #[ink(event)]
    pub struct IncapacityDeclared {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Why.
        reason: Incapacity,
    }

    /// The head lifted a declaration of incapacity.
    #[ink(event)]
    pub struct IncapacityLifted {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
    }

    /// The head changed the emergency access maximum.
    #[ink(event)]
    pub struct EmergencyMaxChanged {
        /// New maximum in milliseconds.
        max_ms: Timestamp,
    }

    /// The suite was wired: trusted sibling contracts are fixed.
    #[ink(event)]
    pub struct SiblingsAccepted {
        /// The siblings.
        siblings: Siblings,
    }

    /// The permissions contract's storage.
    #[ink(storage)]
    pub struct Permissions {
        /// The suite's registry, for standings and the head.
        registry: ink::contract_ref!(RegistryApi),
        /// The registry's address (the only caller of `accept_siblings`).
        registry_address: AccountId,
        /// The sibling contracts, once the registry wired the suite.
        siblings: Option<Siblings>,
        /// The grant of (patient, grantee) with its positions in both lists.
        grants: Mapping<(AccountId, AccountId), Slot>,
        /// Each patient's list of grantees (`list` items).
        patient_grantees: Mapping<(AccountId, u32), AccountId>,
        /// Length of each patient's list of grantees (at most 64).
        patient_grant_len: Mapping<AccountId, u32>,
        /// Grants each patient ever made, re-grants included.
        patient_grants_made: Mapping<AccountId, u32>,
        /// Each grantee's list of patients who granted it (`list` items).
        grantee_patients: Mapping<(AccountId, u32), AccountId>,
        /// Length of each grantee's list of patients.
        grantee_len: Mapping<AccountId, u32>,
        /// Grants made by all patients since deployment.
        grants_made_total: u64,
        /// Each patient's list of emergency accesses ever opened (`list` items).
        emergencies: Mapping<(AccountId, u32), EmergencyAccess>,
        /// Length of each patient's list of emergency accesses.
        emergency_len: Mapping<AccountId, u32>,
        /// The latest emergency access of (patient, doctor): its index.
        emergency_open: Mapping<(AccountId, AccountId), u32>,
        /// The longest emergency access a doctor may open (ms); set by the head.
        emergency_max_ms: Timestamp,
        /// Each patient's access log (`list` items).
        log: Mapping<(AccountId, u32), AccessLogEntry>,
        /// Length of each patient's access log.
        log_len: Mapping<AccountId, u32>,
        /// The folded log entry of an unregistered accessor's denied
        /// attempts, per (patient, accessor): its index in the log.
        folded: Mapping<(AccountId, AccountId), u32>,
        /// The upgrade time lock (own cell, never read on the hot path).
        upgrade: Lazy<UpgradeLock>,
        /// Each registered account's standing, as the registry pushed it
        /// (`sync_standing`); absent = unregistered. Lets `authorize` decide
        /// without calling the registry.
        standings: Mapping<AccountId, Standing>,
        /// The head, as the registry pushed it (`sync_head`) at wiring and
        /// on every hand-over.
        head: Lazy<AccountId>,
        /// The guardianship of (patient, guardian) with its list positions.
        guardians: Mapping<(AccountId, AccountId), GuardSlot>,
        /// Each patient's list of guardians (`list` items).
        patient_guardians: Mapping<(AccountId, u32), AccountId>,
        /// Length of each patient's list of guardians (at most 8).
        patient_guardian_len: Mapping<AccountId, u32>,
        /// Each guardian's list of wards (`list` items).
        guardian_wards: Mapping<(AccountId, u32), AccountId>,
        /// Length of each guardian's list of wards.
        guardian_ward_len: Mapping<AccountId, u32>,
        /// Patients the head declared minors or incapacitated: why and when.
        incapacity: Mapping<AccountId, (Incapacity, Timestamp)>,
        /// The annex: the code that runs this contract's less frequent
        /// messages on this storage, and the time lock of its replacement
        /// (`smrms_shared::annex`; read only by those messages).
        annex: Lazy<Annex>,
    }

    impl Permissions {
        /// Deploys the permissions contract for one registry.
        ///
        /// # Arguments
        /// * `registry` - address of the suite's registry contract.
        /// * `upgrade_delay_ms` - how long (ms) a proposed code upgrade waits
        ///   before anyone may enact it; fixed for the contract's life
        ///   (production: 604 800 000, 7 days; at most 90 days).
        ///
        /// # Errors
        /// `InvalidDuration` for a delay past 90 days.
        #[ink(constructor)]
        pub fn new(registry: AccountId, upgrade_delay_ms: Timestamp, annex: Hash) -> Result<Self> {
            let mut upgrade = Lazy::new();
            upgrade.set(&UpgradeLock::new(upgrade_delay_ms)?);
            Ok(Self {
                registry: registry.into(),
                registry_address: registry,
                siblings: None,
                grants: Mapping::default(),
                patient_grantees: Mapping::default(),
                patient_grant_len: Mapping::default(),
                patient_grants_made: Mapping::default(),
                grantee_patients: Mapping::default(),
                grantee_len: Mapping::default(),
                grants_made_total: 0,
                emergencies: Mapping::default(),
                emergency_len: Mapping::default(),
                emergency_open: Mapping::default(),
                emergency_max_ms: 4 * 60 * 60 * 1000,
                log: Mapping::default(),
                log_len: Mapping::default(),
                folded: Mapping::default(),
                upgrade,
                standings: Mapping::default(),
                head: Lazy::new(),
                guardians: Mapping::default(),
                patient_guardians: Mapping::default(),
                patient_guardian_len: Mapping::default(),
                guardian_wards: Mapping::default(),
                guardian_ward_len: Mapping::default(),
                incapacity: Mapping::default(),
                annex: annex::new(annex, upgrade_delay_ms)?,
            })
        }

        fn now(&self) -> Timestamp {
            self.env().block_timestamp()
        }

        /// The decision on `accessor` using `scope` on `patient`'s data now.
        fn outcome(&self, patient: AccountId, accessor: AccountId, scope: Scope) -> AccessOutcome {
            decide_access(self.basis(patient, accessor, scope), self.standing_of(accessor), scope)
        }

        /// An account's standing as the registry pushed it.
        fn standing_of(&self, account: AccountId) -> Standing {
            self.standings.get(account).unwrap_or(Standing::Unregistered)
        }

        /// The head as the registry pushed it at wiring. Never asked from the
        /// registry on the `authorize` path: that would re-enter the registry
        /// on its `read_patient_profile` path.
        ///
        /// # Errors
        /// `SiblingsNotSet` before the suite is wired.
        fn pushed_head(&self) -> Result<AccountId> {
            self.head.get().ok_or(Error::SiblingsNotSet)
        }

        /// The head as the registry pushed it; before the suite is wired,
        /// asked from the registry.
        fn head(&self) -> Result<AccountId> {
            self.pushed_head().or_else(|_| self.registry.head())
        }

        /// Appends `entry` to the patient's access log, except a denied
        /// attempt by an unregistered account: those are folded into one
        /// entry per (patient, accessor) whose `repeats` counts the further
        /// attempts and whose `at` is the latest (the anti-flooding rule: spam
        /// from throw-away accounts costs the spammer a fee per attempt but
        /// adds at most one entry to the patient's log).
        fn append_log(&mut self, patient: AccountId, entry: AccessLogEntry) -> Result<u32> {
            let (accessor, action, outcome) = (entry.accessor, entry.action, entry.outcome);
            let fold = rules::folds(&entry);
            let earlier = if fold { self.folded.get((patient, accessor)) } else { None };
            let folded_into = earlier.and_then(|i| Some((i, list::get(&self.log, patient, i)?)));
            let index = match folded_into {
                Some((index, first)) => {
                    list::set(&mut self.log, patient, index, &rules::fold(first, &entry));
                    index
                }
                None => {
                    let entry = AccessLogEntry { repeats: 0, ..entry };
                    let index = list::push(&mut self.log, &mut self.log_len, patient, &entry, Bound::NONE)?;
                    if fold {
                        self.folded.insert((patient, accessor), &index);
                    }
                    index
                }
            };
            self.env().emit_event(AccessLogged { patient, accessor, index, action, outcome });
            Ok(index)
        }

        /// Removes `(patient, grantee)` from both lists by swap-remove.
        fn remove_grant(&mut self, patient: AccountId, grantee: AccountId) -> Result<()> {
            let slot = self.grants.get((patient, grantee)).ok_or(Error::GrantNotFound)?;
            let (in_patients, in_grantees) = (slot.in_patient_list, slot.in_grantee_list);
            // an entry moved into the freed position: its grant records its new position
            let moved =
                list::swap_remove(&mut self.patient_grantees, &mut self.patient_grant_len, patient, in_patients)?;
            if let Some(moved) = moved {
                let mut ms = self.grants.get((patient, moved)).ok_or(Error::Overflow)?;
                ms.in_patient_list = in_patients;
                self.grants.insert((patient, moved), &ms);
            }
            let moved = list::swap_remove(&mut self.grantee_patients, &mut self.grantee_len, grantee, in_grantees)?;
            if let Some(moved) = moved {
                let mut ms = self.grants.get((moved, grantee)).ok_or(Error::Overflow)?;
                ms.in_grantee_list = in_grantees;
                self.grants.insert((moved, grantee), &ms);
            }
            self.grants.remove((patient, grantee));
            Ok(())
        }

        /// Revokes every grant `patient` made (at most 64), each with
        /// `AccessRevoked`.
        fn drop_grants_of(&mut self, patient: AccountId) -> Result<()> {
            for _ in 0..MAX_GRANTS_PER_PATIENT {
                let Some(grantee) = list::get(&self.patient_grantees, patient, 0) else { break };
                self.remove_grant(patient, grantee)?;
                self.env().emit_event(AccessRevoked { patient, grantee });
            }
            Ok(())
        }

        /// Stores or replaces a grant (no registry checks: see `grant`).
        fn put_grant(
            &mut self,
            patient: AccountId,
            grantee: AccountId,
            scopes: Scopes,
            expires_at: Option<Timestamp>,
        ) -> Result<()> {
            let now = self.now();
            rules::check_grant(patient, grantee, &scopes, expires_at, now)?;
            let grant = Grant { scopes, granted_at: now, expires_at };
            let slot = match self.grants.get((patient, grantee)) {
                Some(s) => Slot { grant, ..s },
                None => {
                    let most = Bound::new(MAX_GRANTS_PER_PATIENT, Error::TooManyGrants);
                    let in_patient_list =
                        list::push(&mut self.patient_grantees, &mut self.patient_grant_len, patient, &grantee, most)?;
                    let in_grantee_list =
                        list::push(&mut self.grantee_patients, &mut self.grantee_len, grantee, &patient, Bound::NONE)?;
                    Slot { grant, in_patient_list, in_grantee_list }
                }
            };
            self.grants.insert((patient, grantee), &slot);
            let made = self.patient_grants_made.get(patient).unwrap_or(0);
            self.patient_grants_made.insert(patient, &made.checked_add(1).ok_or(Error::Overflow)?);
            self.grants_made_total = self.grants_made_total.checked_add(1).ok_or(Error::Overflow)?;
            self.env().emit_event(AccessGranted { patient, grantee, scopes, expires_at });
            Ok(())
        }

        fn basis(&self, patient: AccountId, grantee: AccountId, scope: Scope) -> AccessBasis {
            self.basis_with(patient, grantee, scope, || Some(self.grants.get((patient, grantee))?.grant))
        }

        /// `basis` with the grant read by the caller (each item read once).
        fn basis_with(
            &self,
            patient: AccountId,
            grantee: AccountId,
            scope: Scope,
            grant: impl FnOnce() -> Option<Grant>,
        ) -> AccessBasis {
            let basis = rules::access_basis(
                patient == grantee,
                grant,
                || list::get(&self.emergencies, patient, self.emergency_open.get((patient, grantee))?),
                scope,
                self.now(),
            );
            guardians::with_guardianship(basis, || self.guardianship_in_effect(patient, grantee), scope, self.now())
        }

        /// The stored guardianship (in effect or not).
        fn guardianship_of(&self, patient: AccountId, guardian: AccountId) -> Option<Guardianship> {
            Some(self.guardians.get((patient, guardian))?.guardianship)
        }

        /// The guardianship that counts now: one the head appointed counts
        /// only while the patient is declared (see `guardians::in_effect`).
        fn guardianship_in_effect(&self, patient: AccountId, guardian: AccountId) -> Option<Guardianship> {
            let g = self.guardianship_of(patient, guardian)?;
            guardians::in_effect(&g, patient, || self.incapacity.contains(patient)).then_some(g)
        }

        /// `NotGuardian` unless the caller may do `act` for `patient` now.
        fn ensure_guardian(&self, patient: AccountId, act: GuardianAct) -> Result<AccountId> {
            let guardian = self.env().caller();
            self.check_guardian(patient, guardian, act)?;
            Ok(guardian)
        }

        /// `NotGuardian` unless `guardian` may do `act` for `patient` now.
        fn check_guardian(&self, patient: AccountId, guardian: AccountId, act: GuardianAct) -> Result<()> {
            let guardianship = self.guardianship_in_effect(patient, guardian);
            guardians::may_act(guardianship, self.standing_of(guardian), act, self.now()).map(|_| ())
        }

        /// Stores or replaces a guardianship (the caller checked who may).
        fn put_guardian(
            &mut self,
            patient: AccountId,
            guardian: AccountId,
            powers: GuardianPowers,
            expires_at: Option<Timestamp>,
        ) -> Result<()> {
            let now = self.now();
            guardians::check_appointment(patient, guardian, self.standing_of(guardian), &powers, expires_at, now)?;
            let by = self.env().caller();
            let guardianship = Guardianship { powers, appointed_by: by, appointed_at: now, expires_at };
            let slot = match self.guardians.get((patient, guardian)) {
                Some(s) => GuardSlot { guardianship, ..s },
                None => {
                    let most = Bound::new(MAX_GUARDIANS, Error::TooManyGuardians);
                    let in_patient_list = list::push(
                        &mut self.patient_guardians,
                        &mut self.patient_guardian_len,
                        patient,
                        &guardian,
                        most,
                    )?;
                    let in_guardian_list = list::push(
                        &mut self.guardian_wards,
                        &mut self.guardian_ward_len,
                        guardian,
                        &patient,
                        Bound::NONE,
                    )?;
                    GuardSlot { guardianship, in_patient_list, in_guardian_list }
                }
            };
            self.guardians.insert((patient, guardian), &slot);
            self.env().emit_event(GuardianAppointed { patient, guardian, by, powers, expires_at });
            Ok(())
        }

        /// Logs a guardian's act on the patient's behalf.
        fn log_guardian_act(&mut self, patient: AccountId, guardian: AccountId, action: AccessAction) -> Result<()> {
            let entry = AccessLogEntry::attempt(guardian, action, AccessOutcome::GrantedGuardian, self.now());
            self.append_log(patient, entry).map(|_| ())
        }

        /// The patient (caller) grants `grantee` the ticked scopes, optionally
        /// until `expires_at`. Granting again replaces scopes and expiry.
        ///
        /// # Arguments
        /// * `grantee` - a registered account: a provider (whose grant only has
        ///   effect while verified) or another patient such as a family member.
        /// * `scopes` - what the grantee may do (at least one).
        /// * `expires_at` - Unix time in milliseconds when the grant ends, or
        ///   none for "until I revoke it".
        ///
        /// # Errors
        /// `NotAPatient` if the caller is not a registered patient;
        /// `UnknownAccount` for an unregistered grantee; `SelfGrant`;
        /// `NoScopes`; `ExpiryInPast`; `TooManyGrants` (64 at once).
        #[ink(message)]
        pub fn grant(&mut self, grantee: AccountId, scopes: Scopes, expires_at: Option<Timestamp>) -> Result<()> {
            in_annex!(&self.annex);
            let patient = self.env().caller();
            ensure!(patient != grantee, Error::SelfGrant);
            ensure!(self.standing_of(patient) == Standing::Patient, Error::NotAPatient);
            ensure!(self.standing_of(grantee) != Standing::Unregistered, Error::UnknownAccount);
            self.put_grant(patient, grantee, scopes, expires_at)
        }

        /// The patient (caller) revokes a grant at once.
        ///
        /// # Arguments
        /// * `grantee` - the account whose grant ends.
        ///
        /// # Errors
        /// `GrantNotFound` if there is no such grant.
        #[ink(message)]
        pub fn revoke(&mut self, grantee: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            let patient = self.env().caller();
            self.remove_grant(patient, grantee)?;
            self.env().emit_event(AccessRevoked { patient, grantee });
            Ok(())
        }

        /// The grantee (caller) gives up a grant a patient made to them.
        ///
        /// # Arguments
        /// * `patient` - the patient who made the grant.
        ///
        /// # Errors
        /// `GrantNotFound` if there is no such grant.
        #[ink(message)]
        pub fn renounce(&mut self, patient: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            let grantee = self.env().caller();
            self.remove_grant(patient, grantee)?;
            self.env().emit_event(AccessRenounced { patient, grantee });
            Ok(())
        }

        /// The grant from `patient` to `grantee`, if stored (expired ones too).
        #[ink(message)]
        pub fn grant_of(&self, patient: AccountId, grantee: AccountId) -> Result<Option<Grant>> {
            in_annex!(&self.annex);
            Ok(self.grants.get((patient, grantee)).map(|s| s.grant))
        }

        /// A page of a patient's grants: grantee, scopes and expiry.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn grants_of(&self, patient: AccountId, start: u32, limit: u32) -> Result<Vec<(AccountId, Grant)>> {
            in_annex!(&self.annex);
            Ok(list::page_with(&self.patient_grantees, &self.patient_grant_len, patient, start, limit, |_, g| {
                Some((g, self.grants.get((patient, g))?.grant))
            }))
        }

        /// A page of the patients who granted `grantee` something.
        ///
        /// # Arguments
        /// * `grantee` - the grantee.
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn patients_of(&self, grantee: AccountId, start: u32, limit: u32) -> Result<Vec<(AccountId, Grant)>> {
            in_annex!(&self.annex);
            Ok(list::page_with(&self.grantee_patients, &self.grantee_len, grantee, start, limit, |_, p| {
                Some((p, self.grants.get((p, grantee))?.grant))
            }))
        }

        /// The paper's `GetPermissiongrantedcount` for one patient: grants
        /// made in total, stored now, and in force now (expiry applied).
        #[ink(message)]
        pub fn grant_counts(&self, patient: AccountId) -> Result<GrantCounts> {
            in_annex!(&self.annex);
            let current = list::len(&self.patient_grant_len, patient);
            let now = self.now();
            let mut active_now: u32 = 0;
            for i in 0..current.min(MAX_GRANTS_PER_PATIENT) {
                let Some(g) = list::get(&self.patient_grantees, patient, i) else { continue };
                if let Some(s) = self.grants.get((patient, g)) {
                    if s.grant.in_force(now) {
                        active_now = active_now.checked_add(1).ok_or(Error::Overflow)?;
                    }
                }
            }
            Ok(GrantCounts { made_total: self.patient_grants_made.get(patient).unwrap_or(0), current, active_now })
        }

        /// Grants made by all patients since deployment.
        #[ink(message)]
        pub fn grants_made_total(&self) -> Result<u64> {
            in_annex!(&self.annex);
            Ok(self.grants_made_total)
        }

        // ---------------------------------------------------------------
        // Guardians
        // ---------------------------------------------------------------

        /// The patient (caller) appoints a guardian who may act for her, or
        /// changes an existing guardian's powers or expiry. Logged as an
        /// event; the guardian's every act is logged in the access log.
        ///
        /// # Arguments
        /// * `guardian` - a registered account (a family member registered
        ///   as a patient, or a provider; a provider acts only while
        ///   verified).
        /// * `powers` - `consent` (grant and revoke for her), `read` (her
        ///   profile and records) and/or `book` (book her appointments and
        ///   act on her side of them).
        /// * `expires_at` - Unix time in milliseconds when the guardianship
        ///   ends, or none for "until I remove it".
        ///
        /// # Errors
        /// `NotAPatient` if the caller is not a registered patient;
        /// `SelfGrant`; `UnknownAccount` for an unregistered guardian;
        /// `NoScopes` for no power; `ExpiryInPast`; `TooManyGuardians` (8).
        #[ink(message)]
        pub fn appoint_guardian(
            &mut self,
            guardian: AccountId,
            powers: GuardianPowers,
            expires_at: Option<Timestamp>,
        ) -> Result<()> {
            in_annex!(&self.annex);
            let patient = self.env().caller();
            ensure!(self.standing_of(patient) == Standing::Patient, Error::NotAPatient);
            self.put_guardian(patient, guardian, powers, expires_at)
        }

        /// The head appoints a guardian for a patient she declared a minor
        /// or incapacitated (`declare_incapacity`), or changes one. Such a
        /// guardian acts only while the declaration stands.
        ///
        /// # Arguments
        /// * `patient` - the declared patient.
        /// * `guardian` - a registered account (see `appoint_guardian`).
        /// * `powers` - what the guardian may do.
        /// * `expires_at` - when it ends (Unix ms), or none.
        ///
        /// # Errors
        /// `NotHead`; `NotIncapacitated` unless the patient is declared;
        /// `NotAllowed` for the head's own account; `SelfGrant` for the
        /// patient herself; `UnknownAccount` for an unregistered guardian;
        /// `NoScopes`; `ExpiryInPast`; `TooManyGuardians`.
        #[ink(message)]
        pub fn appoint_guardian_for(
            &mut self,
            patient: AccountId,
            guardian: AccountId,
            powers: GuardianPowers,
            expires_at: Option<Timestamp>,
        ) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            ensure!(self.incapacity.contains(patient), Error::NotIncapacitated);
            ensure!(guardian != self.env().caller(), Error::NotAllowed);
            self.put_guardian(patient, guardian, powers, expires_at)
        }

        /// Ends a guardianship at once. Allowed to the patient, to the
        /// guardian herself (stepping down), and to the head for a patient
        /// she declared.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `guardian` - the guardian who leaves.
        ///
        /// # Errors
        /// `NotGuardian` if there is no such guardianship; `NotAllowed` for
        /// anyone else.
        #[ink(message)]
        pub fn remove_guardian(&mut self, patient: AccountId, guardian: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            let slot = self.guardians.get((patient, guardian)).ok_or(Error::NotGuardian)?;
            guardians::may_remove(caller, patient, guardian, self.incapacity.contains(patient), || self.head())?;
            let moved = list::swap_remove(
                &mut self.patient_guardians,
                &mut self.patient_guardian_len,
                patient,
                slot.in_patient_list,
            )?;
            if let Some(moved) = moved {
                let mut ms = self.guardians.get((patient, moved)).ok_or(Error::Overflow)?;
                ms.in_patient_list = slot.in_patient_list;
                self.guardians.insert((patient, moved), &ms);
            }
            let moved = list::swap_remove(
                &mut self.guardian_wards,
                &mut self.guardian_ward_len,
                guardian,
                slot.in_guardian_list,
            )?;
            if let Some(moved) = moved {
                let mut ms = self.guardians.get((moved, guardian)).ok_or(Error::Overflow)?;
                ms.in_guardian_list = slot.in_guardian_list;
                self.guardians.insert((moved, guardian), &ms);
            }
            self.guardians.remove((patient, guardian));
            self.env().emit_event(GuardianRemoved { patient, guardian, by: caller });
            Ok(())
        }

        /// The guardianship of `guardian` for `patient`, if stored (expired
        /// ones too).
        #[ink(message)]
        pub fn guardianship(&self, patient: AccountId, guardian: AccountId) -> Result<Option<Guardianship>> {
            in_annex!(&self.annex);
            Ok(self.guardianship_of(patient, guardian))
        }

        /// A page of a patient's guardians.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn guardians_of(
            &self,
            patient: AccountId,
            start: u32,
            limit: u32,
        ) -> Result<Vec<(AccountId, Guardianship)>> {
            in_annex!(&self.annex);
            Ok(list::page_with(&self.patient_guardians, &self.patient_guardian_len, patient, start, limit, |_, g| {
                Some((g, self.guardianship_of(patient, g)?))
            }))
        }

        /// A page of the patients `guardian` is guardian of.
        ///
        /// # Arguments
        /// * `guardian` - the guardian.
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn wards_of(&self, guardian: AccountId, start: u32, limit: u32) -> Result<Vec<(AccountId, Guardianship)>> {
            in_annex!(&self.annex);
            Ok(list::page_with(&self.guardian_wards, &self.guardian_ward_len, guardian, start, limit, |_, p| {
                Some((p, self.guardianship_of(p, guardian)?))
            }))
        }

        /// The head declares that a patient cannot act for herself (a minor,
        /// or incapacitated), so that she may appoint a guardian for her.
        ///
        /// # Arguments
        /// * `patient` - a registered patient.
        /// * `reason` - why, as a code.
        ///
        /// # Errors
        /// `NotHead`; `UnknownPatient`.
        #[ink(message)]
        pub fn declare_incapacity(&mut self, patient: AccountId, reason: Incapacity) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            ensure!(self.standing_of(patient) == Standing::Patient, Error::UnknownPatient);
            self.incapacity.insert(patient, &(reason, self.now()));
            self.env().emit_event(IncapacityDeclared { patient, reason });
            Ok(())
        }

        /// The head lifts a declaration (the minor came of age, the patient
        /// recovered). Guardians the head appointed stop acting at once
        /// (they stay listed until the patient removes them, and act again
        /// if she is declared again); those the patient appointed go on.
        ///
        /// # Arguments
        /// * `patient` - the declared patient.
        ///
        /// # Errors
        /// `NotHead`; `NotIncapacitated` if she is not declared.
        #[ink(message)]
        pub fn lift_incapacity(&mut self, patient: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            ensure!(self.incapacity.take(patient).is_some(), Error::NotIncapacitated);
            self.env().emit_event(IncapacityLifted { patient });
            Ok(())
        }

        /// Why and since when (Unix ms) the head declared a patient unable
        /// to act for herself, if she did.
        #[ink(message)]
        pub fn incapacity(&self, patient: AccountId) -> Result<Option<(Incapacity, Timestamp)>> {
            in_annex!(&self.annex);
            Ok(self.incapacity.get(patient))
        }

        /// A guardian (caller) with the consent power grants access on the
        /// patient's behalf, exactly as `grant` would for the patient, to
        /// anyone but herself (her own access is what her powers say).
        /// Logged in the patient's access log as the guardian's act.
        ///
        /// # Arguments
        /// * `patient` - the patient she is guardian of.
        /// * `grantee` - a registered account.
        /// * `scopes` - what the grantee may do (at least one).
        /// * `expires_at` - when the grant ends (Unix ms), or none.
        ///
        /// # Errors
        /// `NotGuardian`; `SelfGrant` for a grant to herself or to the
        /// patient; `UnknownAccount`; `NoScopes`; `ExpiryInPast`;
        /// `TooManyGrants`.
        #[ink(message)]
        pub fn grant_for(
            &mut self,
            patient: AccountId,
            grantee: AccountId,
            scopes: Scopes,
            expires_at: Option<Timestamp>,
        ) -> Result<()> {
            in_annex!(&self.annex);
            let guardian = self.ensure_guardian(patient, GuardianAct::Consent)?;
            ensure!(grantee != guardian, Error::SelfGrant);
            ensure!(self.standing_of(grantee) != Standing::Unregistered, Error::UnknownAccount);
            self.put_grant(patient, grantee, scopes, expires_at)?;
            self.log_guardian_act(patient, guardian, AccessAction::GrantAccess)
        }

        /// A guardian (caller) with the consent power revokes a grant on the
        /// patient's behalf. Logged in the patient's access log.
        ///
        /// # Arguments
        /// * `patient` - the patient she is guardian of.
        /// * `grantee` - the account whose grant ends.
        ///
        /// # Errors
        /// `NotGuardian`; `GrantNotFound`.
        #[ink(message)]
        pub fn revoke_for(&mut self, patient: AccountId, grantee: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            let guardian = self.ensure_guardian(patient, GuardianAct::Consent)?;
            self.remove_grant(patient, grantee)?;
            self.env().emit_event(AccessRevoked { patient, grantee });
            self.log_guardian_act(patient, guardian, AccessAction::RevokeAccess)
        }

        // ---------------------------------------------------------------
        // Emergency access
        // ---------------------------------------------------------------

        /// A verified doctor (caller) opens emergency (break-glass) read and
        /// write access to a patient's profile and records, without consent,
        /// with a reason code, for a bounded time. Logged and announced
        /// to the patient and the head. Opening again closes the doctor's
        /// earlier open one (each opening stays listed and counted).
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `reason` - why, as a code (details in `note`).
        /// * `note` - optional sealed note (the client seals it for the
        ///   patient and the doctor; at most 512 bytes; empty for none).
        /// * `duration_ms` - how long, in milliseconds (1 to the head's maximum).
        ///
        /// # Errors
        /// `NotVerifiedDoctor`; `UnknownPatient`; `FieldTooLong` for the note;
        /// `InvalidDuration`.
        #[ink(message)]
        pub fn open_emergency(
            &mut self,
            patient: AccountId,
            reason: EmergencyReason,
            note: Vec<u8>,
            duration_ms: Timestamp,
        ) -> Result<u32> {
            in_annex!(&self.annex);
            let doctor = self.env().caller();
            rules::check_emergency(note.len(), duration_ms, self.emergency_max_ms)?;
            ensure!(self.standing_of(doctor).is_verified_doctor(), Error::NotVerifiedDoctor);
            ensure!(self.standing_of(patient) == Standing::Patient, Error::UnknownPatient);
            let head = self.head()?;
            let now = self.now();
            let expires_at = now.checked_add(duration_ms).ok_or(Error::Overflow)?;
            if let Some(earlier) = self.emergency_open.get((patient, doctor)) {
                if let Some(mut e) = list::get(&self.emergencies, patient, earlier) {
                    if e.is_open(now) {
                        e.closed = Some((now, doctor));
                        list::set(&mut self.emergencies, patient, earlier, &e);
                        self.env().emit_event(EmergencyAccessClosed { patient, doctor, by: doctor });
                    }
                }
            }
            let access = EmergencyAccess { doctor, reason, note, opened_at: now, expires_at, closed: None };
            let index = list::push(&mut self.emergencies, &mut self.emergency_len, patient, &access, Bound::NONE)?;
            self.emergency_open.insert((patient, doctor), &index);
            let entry =
                AccessLogEntry::attempt(doctor, AccessAction::OpenEmergency, AccessOutcome::GrantedEmergency, now);
            self.append_log(patient, entry)?;
            self.env().emit_event(EmergencyAccessOpened { patient, head, doctor, index, reason, expires_at });
            Ok(index)
        }

        /// Closes an open emergency access early. Allowed to the patient, the
        /// head and the doctor who opened it.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `doctor` - the doctor who opened it.
        ///
        /// # Errors
        /// `EmergencyNotOpen`; `NotAllowed` for anyone else.
        #[ink(message)]
        pub fn close_emergency(&mut self, patient: AccountId, doctor: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            let now = self.now();
            let index = self.emergency_open.get((patient, doctor)).ok_or(Error::EmergencyNotOpen)?;
            let mut e = list::get(&self.emergencies, patient, index).ok_or(Error::EmergencyNotOpen)?;
            ensure!(e.is_open(now), Error::EmergencyNotOpen);
            rules::may_close_emergency(caller, patient, doctor, || self.head())?;
            e.closed = Some((now, caller));
            list::set(&mut self.emergencies, patient, index, &e);
            self.emergency_open.remove((patient, doctor));
            self.env().emit_event(EmergencyAccessClosed { patient, doctor, by: caller });
            Ok(())
        }

        /// A page of every emergency access ever opened on a patient's data.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn emergencies_of(&self, patient: AccountId, start: u32, limit: u32) -> Result<Vec<EmergencyAccess>> {
            in_annex!(&self.annex);
            Ok(list::page(&self.emergencies, &self.emergency_len, patient, start, limit))
        }

        /// Number of emergency accesses ever opened on a patient's data.
        #[ink(message)]
        pub fn emergency_count(&self, patient: AccountId) -> Result<u32> {
            in_annex!(&self.annex);
            Ok(list::len(&self.emergency_len, patient))
        }

        /// The head sets the longest emergency access a doctor may open.
        ///
        /// # Arguments
        /// * `max_ms` - milliseconds, from 1 to 86 400 000 (24 hours).
        ///
        /// # Errors
        /// `NotHead`; `InvalidDuration`.
        #[ink(message)]
        pub fn set_emergency_max(&mut self, max_ms: Timestamp) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            rules::check_emergency_max(max_ms)?;
            self.emergency_max_ms = max_ms;
            self.env().emit_event(EmergencyMaxChanged { max_ms });
            Ok(())
        }

        /// The longest emergency access a doctor may open, in milliseconds.
        #[ink(message)]
        pub fn emergency_max(&self) -> Result<Timestamp> {
            in_annex!(&self.annex);
            Ok(self.emergency_max_ms)
        }

        // ---------------------------------------------------------------
        // Access log
        // ---------------------------------------------------------------

        /// A page of a patient's access log: who tried what, when, and
        /// whether it was granted (under consent or emergency) or denied.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn access_log(&self, patient: AccountId, start: u32, limit: u32) -> Result<Vec<AccessLogEntry>> {
            in_annex!(&self.annex);
            Ok(list::page(&self.log, &self.log_len, patient, start, limit))
        }

        /// Number of entries in a patient's access log.
        #[ink(message)]
        pub fn access_log_len(&self, patient: AccountId) -> Result<u32> {
            in_annex!(&self.annex);
            Ok(list::len(&self.log_len, patient))
        }

        /// **Benchmark builds only** (`--features bench`): `n` synthetic
        /// patients grant `grantee` records-read, and `n` entries are appended
        /// to `patient`'s access log, without checks.
        #[cfg(feature = "bench")]
        #[ink(message)]
        pub fn bench_fill(&mut self, patient: AccountId, grantee: AccountId, n: u32) -> Result<u32> {
            in_annex!(&self.annex);
            let start = list::len(&self.grantee_len, grantee);
            let scopes = Scopes { records_read: true, ..Default::default() };
            for i in 0..n {
                let mut raw = [0xB0u8; 32];
                raw[..4].copy_from_slice(&start.checked_add(i).ok_or(Error::Overflow)?.to_le_bytes());
                self.put_grant(AccountId::from(raw), grantee, scopes, None)?;
                let entry =
                    AccessLogEntry::attempt(grantee, AccessAction::ReadRecord(i), AccessOutcome::Granted, self.now());
                self.append_log(patient, entry)?;
            }
            Ok(list::len(&self.grantee_len, grantee))
        }

        /// The registry this contract trusts.
        #[ink(message)]
        pub fn registry(&self) -> Result<AccountId> {
            in_annex!(&self.annex);
            Ok(self.registry_address)
        }
    }

    impl PermissionsApi for Permissions {
        /// Whether `grantee` may use `scope` on `patient`'s data by consent,
        /// open emergency access, guardianship with the read power, or being
        /// the patient (this contract's storage only; verification is checked
        /// by the caller).
        #[ink(message)]
        fn has_access(&self, patient: AccountId, grantee: AccountId, scope: Scope) -> Result<bool> {
            in_annex!(&self.annex);
            Ok(self.basis(patient, grantee, scope) != AccessBasis::None)
        }

        /// What `authorize` would decide now, without logging (a pure read).
        #[ink(message)]
        fn decide(&self, patient: AccountId, accessor: AccountId, scope: Scope) -> Result<AccessOutcome> {
            in_annex!(&self.annex);
            Ok(self.outcome(patient, accessor, scope))
        }

        /// Whether `guardian` may book for `patient` now (see the trait).
        #[ink(message)]
        fn is_booking_guardian(&self, patient: AccountId, guardian: AccountId) -> Result<bool> {
            in_annex!(&self.annex);
            Ok(self.check_guardian(patient, guardian, GuardianAct::Book).is_ok())
        }

        /// Decides and logs an audited access in one call (see the trait).
        /// Only the suite's registry, records and appointments may call it.
        ///
        /// # Errors
        /// `UntrustedCaller`; for writes `UnknownPatient`, `NotVerifiedDoctor`;
        /// for `GuardianBooking` `UnknownPatient`, `NotGuardian`.
        #[ink(message)]
        fn authorize(
            &mut self,
            patient: AccountId,
            accessor: AccountId,
            scope: Scope,
            action: AccessAction,
            attempt: Attempt,
        ) -> Result<Authorized> {
            if matches!(attempt, Attempt::GuardianBooking | Attempt::CardRelease) {
                // the rare attempts (a guardian's booking, an emergency
                // card's release) run in the annex: the hot path's code stays
                // small (see `in_annex!`)
                in_annex!(&self.annex);
            }
            let caller = self.env().caller();
            ensure!(rules::is_trusted_logger(caller, self.registry_address, self.siblings), Error::UntrustedCaller);
            let own = patient == accessor;
            if attempt == Attempt::GuardianBooking {
                // a guardian with the booking power, for a registered patient
                ensure!(self.standing_of(patient) == Standing::Patient, Error::UnknownPatient);
                self.check_guardian(patient, accessor, GuardianAct::Book)?;
                self.log_guardian_act(patient, accessor, action)?;
                return Ok(Authorized::granted(AccessOutcome::GrantedGuardian));
            }
            // each storage item is read at most once per call: every read
            // adds to the proof a parachain block must carry
            let mut standing = None;
            let mut grant = None;
            if attempt != Attempt::Read {
                let own_write = own && attempt == Attempt::PatientOrDoctorWrite;
                if !own_write && matches!(attempt, Attempt::DoctorWrite | Attempt::PatientOrDoctorWrite) {
                    grant = Some(self.grants.get((patient, accessor)).map(|s| s.grant));
                }
                // a grant from the patient stands for her registration: only
                // a registered patient grants, and her grants go when her
                // standing ends (`sync_standing`); so her standing is read
                // only without one
                if !matches!(grant, Some(Some(_))) {
                    ensure!(self.standing_of(patient) == Standing::Patient, Error::UnknownPatient);
                }
                if own_write {
                    // her own data: granted, not logged (nothing written:
                    // the root is not written back either)
                    let own_write = Authorized::granted(AccessOutcome::Granted);
                    answer_keeping_root(&own_write);
                    return Ok(own_write);
                }
                let writer = self.standing_of(accessor);
                ensure!(writer.is_verified_doctor(), Error::NotVerifiedDoctor);
                standing = Some(writer);
            }
            let outcome = match attempt {
                Attempt::ParticipantWrite => AccessOutcome::Granted,
                Attempt::CardRelease => {
                    let open = self.emergency_open.get((patient, accessor));
                    let open = open.and_then(|i| list::get(&self.emergencies, patient, i));
                    if !open.is_some_and(|e| e.is_open(self.now())) {
                        // not logged: the records contract refuses the release
                        return Ok(Authorized::denied(DenyReason::NoConsent, self.pushed_head()?));
                    }
                    AccessOutcome::GrantedEmergency
                }
                _ => {
                    let grant = match grant {
                        Some(read) => read,
                        None if own => None,
                        None => self.grants.get((patient, accessor)).map(|s| s.grant),
                    };
                    let basis = self.basis_with(patient, accessor, scope, || grant);
                    decide_access(basis, standing.unwrap_or_else(|| self.standing_of(accessor)), scope)
                }
            };
            self.append_log(patient, AccessLogEntry::attempt(accessor, action, outcome, self.now()))?;
            let authorized = match outcome {
                AccessOutcome::Denied(reason) => Authorized::denied(reason, self.pushed_head()?),
                granted => Authorized::granted(granted),
            };
            // `authorize` changes no field of the root struct (the log, its
            // length and the folded index are Mapping cells, written at
            // once): the answer skips ink!'s write-back of the root, one
            // storage write less on every audited access
            answer_keeping_root(&authorized);
            Ok(authorized)
        }

        /// Mirrors an account's standing from the registry (the registry's
        /// own events announce the change).
        ///
        /// # Errors
        /// `UntrustedCaller` unless called by this contract's registry.
        #[ink(message)]
        fn sync_standing(&mut self, account: AccountId, standing: Standing) -> Result<()> {
            if standing != Standing::Patient {
                // (a provider's standing, or an end of registration) runs in the annex
                in_annex!(&self.annex);
            }
            ensure!(self.env().caller() == self.registry_address, Error::UntrustedCaller);
            // a patient whose standing ends loses her grants (at most 64):
            // `authorize` takes a grant as proof of her registration. (The
            // registry has no such change today; compiled out of the
            // contract's own Wasm, which hands these calls to the annex.)
            if cfg!(any(annex, not(target_arch = "wasm32")))
                && standing != Standing::Patient
                && self.standing_of(account) == Standing::Patient
            {
                self.drop_grants_of(account)?;
            }
            if standing == Standing::Unregistered {
                self.standings.remove(account);
            } else {
                self.standings.insert(account, &standing);
            }
            Ok(())
        }

        /// Mirrors the head from the registry (the registry's `HeadChanged`
        /// and `SuiteWired` announce it).
        ///
        /// # Errors
        /// `UntrustedCaller` unless called by this contract's registry.
        #[ink(message)]
        fn sync_head(&mut self, head: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            ensure!(self.env().caller() == self.registry_address, Error::UntrustedCaller);
            self.head.set(&head);
            Ok(())
        }

        /// Called by the registry once, when the head wires the suite.
        ///
        /// # Errors
        /// `UntrustedCaller` unless called by this contract's registry;
        /// `SiblingsAlreadySet` on a second call.
        #[ink(message)]
        fn accept_siblings(&mut self, siblings: Siblings) -> Result<()> {
            in_annex!(&self.annex);
            let from_registry = self.env().caller() == self.registry_address;
            ensure!(from_registry && siblings.permissions == self.env().account_id(), Error::UntrustedCaller);
            ensure!(self.siblings.is_none(), Error::SiblingsAlreadySet);
            self.siblings = Some(siblings);
            self.env().emit_event(SiblingsAccepted { siblings });
            Ok(())
        }
    }

    /// Time-locked code upgrades (see `smrms_shared::upgrade`); the head is
    /// the registry's.
    impl Upgradeable for Permissions {
        /// Proposes new code for this contract; the head only. Enactable by
        /// anyone after the upgrade delay. Returns the earliest time (ms).
        #[ink(message)]
        fn propose_upgrade(&mut self, code_hash: Hash) -> Result<Timestamp> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            upgrade::propose(&mut self.upgrade, code_hash)
        }

        /// Withdraws the pending upgrade; the head only.
        #[ink(message)]
        fn cancel_upgrade(&mut self) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            upgrade::cancel(&mut self.upgrade)
        }

        /// Switches to the pending code once its time has come; anyone.
        #[ink(message)]
        fn enact_upgrade(&mut self) -> Result<Hash> {
            in_annex!(&self.annex);
            upgrade::enact(&mut self.upgrade)
        }

        /// The upgrade delay and the pending proposal; anyone.
        #[ink(message)]
        fn upgrade_status(&self) -> Result<UpgradeLock> {
            in_annex!(&self.annex);
            Ok(upgrade::status(&self.upgrade))
        }
    }

    /// The time-locked replacement of this contract's annex (see
    /// `smrms_shared::annex`); the head proposes and cancels, anyone enacts
    /// after the upgrade delay.
    impl Annexed for Permissions {
        #[ink(message)]
        fn propose_annex(&mut self, code_hash: Hash) -> Result<Timestamp> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            annex::propose(&mut self.annex, code_hash)
        }

        #[ink(message)]
        fn cancel_annex(&mut self) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            annex::cancel(&mut self.annex)
        }

        #[ink(message)]
        fn enact_annex(&mut self) -> Result<Hash> {
            in_annex!(&self.annex);
            annex::enact(&mut self.annex)
        }

        #[ink(message)]
        fn annex(&self) -> Result<Option<Annex>> {
            in_annex!(&self.annex);
            Ok(self.annex.get())
        }
    }

    #[ink(impl)]
    impl Permissions {
        /// `NotHead` unless the caller is the registry's head (one
        /// cross-contract call; used by administrative messages only).
        fn ensure_head(&self) -> Result<()> {
            ensure!(self.env().caller() == self.head()?, Error::NotHead);
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::test;
        use smrms_shared::{DenyReason, ProviderKind, ProviderStatus, MAX_TEXT_LEN};
        type Env = ink::env::DefaultEnvironment;

        fn setup() -> (Permissions, test::DefaultAccounts<Env>) {
            let a = test::default_accounts::<Env>();
            test::set_caller::<Env>(a.alice);
            test::set_block_timestamp::<Env>(1_000);
            (Permissions::new(AccountId::from([0xAA; 32]), 0, Hash::from([0xA7; 32])).unwrap(), a)
        }
        const READ: Scopes =
            Scopes { demographics: false, records_read: true, records_write: false, appointments: false };

        #[ink::test]
        fn put_grant_validates_and_replaces() {
            let (mut p, a) = setup();
            assert_eq!(p.put_grant(a.bob, a.bob, READ, None), Err(Error::SelfGrant));
            assert_eq!(p.put_grant(a.bob, a.charlie, Scopes::default(), None), Err(Error::NoScopes));
            assert_eq!(p.put_grant(a.bob, a.charlie, READ, Some(1_000)), Err(Error::ExpiryInPast));
            assert_eq!(test::recorded_events().count(), 0);
            assert_eq!(p.put_grant(a.bob, a.charlie, READ, Some(5_000)), Ok(()));
            assert_eq!(p.basis(a.bob, a.charlie, Scope::RecordsRead), AccessBasis::Consent);
            assert_eq!(p.basis(a.bob, a.charlie, Scope::RecordsWrite), AccessBasis::None);
            assert_eq!(p.basis(a.bob, a.bob, Scope::RecordsWrite), AccessBasis::Own);
            assert_eq!(p.put_grant(a.bob, a.charlie, Scopes::ALL, None), Ok(()));
            assert_eq!(p.basis(a.bob, a.charlie, Scope::RecordsWrite), AccessBasis::Consent);
            let c = p.grant_counts(a.bob).unwrap();
            assert_eq!((c.made_total, c.current, c.active_now), (2, 1, 1));
            assert_eq!(p.grants_of(a.bob, 0, 10).unwrap().len(), 1);
            assert_eq!(
                p.patients_of(a.charlie, 0, 10).unwrap(),
                vec![(a.bob, p.grant_of(a.bob, a.charlie).unwrap().unwrap())]
            );
        }

        #[ink::test]
        fn guardian_acts_for_the_patient_and_every_act_is_logged() {
            let (mut p, a) = setup();
            let doctor = Standing::Provider(ProviderKind::Doctor, ProviderStatus::Verified);
            test::set_caller::<Env>(AccountId::from([0xAA; 32])); // the registry pushes standings
            for (who, standing) in [(a.bob, Standing::Patient), (a.charlie, Standing::Patient), (a.django, doctor)] {
                p.sync_standing(who, standing).unwrap();
            }
            let both = GuardianPowers { consent: true, read: true, book: false };
            test::set_caller::<Env>(a.bob);
            assert_eq!(p.appoint_guardian(a.eve, both, None), Err(Error::UnknownAccount));
            assert_eq!(p.appoint_guardian(a.charlie, both, Some(5_000)), Ok(()));
            assert_eq!(
                p.appoint_guardian(a.django, GuardianPowers { consent: true, read: false, book: false }, None),
                Ok(())
            );
            test::set_caller::<Env>(a.charlie);
            assert_eq!(p.grant_for(a.bob, a.eve, READ, None), Err(Error::UnknownAccount));
            assert_eq!(p.grant_for(a.bob, a.charlie, Scopes::ALL, None), Err(Error::SelfGrant), "not to herself");
            assert_eq!(p.grant_for(a.bob, a.django, READ, None), Ok(()));
            assert_eq!(p.basis(a.bob, a.django, Scope::RecordsRead), AccessBasis::Consent);
            assert_eq!(p.decide(a.bob, a.charlie, Scope::RecordsRead), Ok(AccessOutcome::GrantedGuardian));
            assert_eq!(
                p.decide(a.bob, a.charlie, Scope::RecordsWrite),
                Ok(AccessOutcome::Denied(DenyReason::WrongRole))
            );
            assert_eq!(p.revoke_for(a.bob, a.django), Ok(()));
            let acts: Vec<_> =
                p.access_log(a.bob, 0, 10).unwrap().into_iter().map(|e| (e.accessor, e.action, e.outcome)).collect();
            let by_guardian = |action| (a.charlie, action, AccessOutcome::GrantedGuardian);
            assert_eq!(acts, vec![by_guardian(AccessAction::GrantAccess), by_guardian(AccessAction::RevokeAccess)]);
            // a guardian whose own standing lapses can do nothing
            test::set_caller::<Env>(AccountId::from([0xAA; 32]));
            p.sync_standing(a.django, Standing::Provider(ProviderKind::Doctor, ProviderStatus::Suspended)).unwrap();
            test::set_caller::<Env>(a.django);
            assert_eq!(p.grant_for(a.bob, a.charlie, READ, None), Err(Error::NotGuardian));
            // expiry ends the guardianship without a transaction
            test::set_block_timestamp::<Env>(5_000);
            test::set_caller::<Env>(a.charlie);
            assert_eq!(p.grant_for(a.bob, a.django, READ, None), Err(Error::NotGuardian));
            assert_eq!(
                p.decide(a.bob, a.charlie, Scope::RecordsRead),
                Ok(AccessOutcome::Denied(DenyReason::NoConsent))
            );
            // removal: not by a stranger; by the guardian herself; lists stay compact
            test::set_caller::<Env>(a.frank);
            assert_eq!(p.remove_guardian(a.bob, a.charlie), Err(Error::NotAllowed));
            test::set_caller::<Env>(a.charlie);
            assert_eq!(p.remove_guardian(a.bob, a.charlie), Ok(()));
            assert_eq!(p.remove_guardian(a.bob, a.charlie), Err(Error::NotGuardian));
            let left: Vec<_> = p.guardians_of(a.bob, 0, 10).unwrap().into_iter().map(|x| x.0).collect();
            assert_eq!(left, vec![a.django]);
            assert_eq!(p.wards_of(a.charlie, 0, 10).unwrap(), vec![]);
            assert_eq!(p.wards_of(a.django, 0, 10).unwrap().len(), 1);
        }

        #[ink::test]
        fn expiry_needs_no_transaction() {
            let (mut p, a) = setup();
            p.put_grant(a.bob, a.charlie, READ, Some(2_000)).unwrap();
            test::set_block_timestamp::<Env>(1_999);
            assert!(p.has_access(a.bob, a.charlie, Scope::RecordsRead).unwrap());
            test::set_block_timestamp::<Env>(2_000);
            assert!(!p.has_access(a.bob, a.charlie, Scope::RecordsRead).unwrap());
            let c = p.grant_counts(a.bob).unwrap();
            assert_eq!((c.current, c.active_now), (1, 0));
        }

        #[ink::test]
        fn revoke_and_renounce_keep_lists_compact() {
            let (mut p, a) = setup();
            for g in [a.charlie, a.django, a.eve] {
                p.put_grant(a.bob, g, READ, None).unwrap();
            }
            p.put_grant(a.frank, a.django, READ, None).unwrap();
            test::set_caller::<Env>(a.bob);
            assert_eq!(p.revoke(a.frank), Err(Error::GrantNotFound));
            assert_eq!(p.revoke(a.charlie), Ok(()));
            assert_eq!(p.revoke(a.charlie), Err(Error::GrantNotFound));
            let left: Vec<_> = p.grants_of(a.bob, 0, 10).unwrap().into_iter().map(|x| x.0).collect();
            assert_eq!(left, vec![a.eve, a.django]);
            test::set_caller::<Env>(a.django);
            assert_eq!(p.renounce(a.bob), Ok(()));
            assert_eq!(p.renounce(a.bob), Err(Error::GrantNotFound));
            assert_eq!(p.patients_of(a.django, 0, 10).unwrap().len(), 1);
            assert!(p.has_access(a.bob, a.eve, Scope::RecordsRead).unwrap());
            assert!(!p.has_access(a.bob, a.django, Scope::RecordsRead).unwrap());
            assert!(p.has_access(a.frank, a.django, Scope::RecordsRead).unwrap());
            let c = p.grant_counts(a.bob).unwrap();
            assert_eq!((c.made_total, c.current, c.active_now), (3, 1, 1));
        }

        #[ink::test]
        fn grant_cap() {
            let (mut p, a) = setup();
            for i in 0..MAX_GRANTS_PER_PATIENT {
                let mut b = [1u8; 32];
                b[..4].copy_from_slice(&i.to_le_bytes());
                p.put_grant(a.bob, AccountId::from(b), READ, None).unwrap();
            }
            assert_eq!(p.put_grant(a.bob, a.charlie, READ, None), Err(Error::TooManyGrants));
        }

        const REGISTRY: [u8; 32] = [0xAA; 32];
        const DOCTOR: Standing = Standing::Provider(ProviderKind::Doctor, ProviderStatus::Verified);

        /// The registry pushes the head and standings (alice head, bob a
        /// patient, django and eve verified doctors); the caller stays the
        /// registry.
        fn synced() -> (Permissions, test::DefaultAccounts<Env>) {
            let (mut p, a) = setup();
            test::set_caller::<Env>(AccountId::from(REGISTRY));
            p.sync_head(a.alice).unwrap();
            p.sync_standing(a.bob, Standing::Patient).unwrap();
            p.sync_standing(a.django, DOCTOR).unwrap();
            p.sync_standing(a.eve, DOCTOR).unwrap();
            (p, a)
        }

        #[ink::test]
        fn authorize_and_sync_only_from_trusted_siblings() {
            let (mut p, a) = setup();
            let write = |p: &mut Permissions, patient, who, attempt| {
                p.authorize(patient, who, Scope::RecordsWrite, AccessAction::WriteRecord, attempt)
            };
            assert_eq!(write(&mut p, a.bob, a.django, Attempt::DoctorWrite), Err(Error::UntrustedCaller));
            assert_eq!(p.sync_standing(a.bob, Standing::Patient), Err(Error::UntrustedCaller));
            assert_eq!(p.sync_head(a.bob), Err(Error::UntrustedCaller));
            let (mut p, a) = synced();
            let head = a.alice;
            let denied = |r| Ok(Authorized::denied(r, head));
            let granted = Ok(Authorized::granted(AccessOutcome::Granted));
            // writes: the patient must be registered, the writer a verified doctor (nothing logged otherwise)
            assert_eq!(write(&mut p, a.charlie, a.django, Attempt::DoctorWrite), Err(Error::UnknownPatient));
            assert_eq!(write(&mut p, a.bob, a.frank, Attempt::DoctorWrite), Err(Error::NotVerifiedDoctor));
            assert_eq!(write(&mut p, a.bob, a.bob, Attempt::DoctorWrite), Err(Error::NotVerifiedDoctor));
            assert_eq!(p.access_log_len(a.bob), Ok(0));
            // her own write: granted, not logged
            assert_eq!(write(&mut p, a.bob, a.bob, Attempt::PatientOrDoctorWrite), granted);
            assert_eq!(p.access_log_len(a.bob), Ok(0));
            // a doctor without consent: denied and logged; with consent: granted and logged
            assert_eq!(write(&mut p, a.bob, a.django, Attempt::DoctorWrite), denied(DenyReason::NoConsent));
            p.put_grant(a.bob, a.django, Scopes { records_write: true, ..Default::default() }, None).unwrap();
            assert_eq!(write(&mut p, a.bob, a.django, Attempt::PatientOrDoctorWrite), granted);
            assert_eq!(p.access_log_len(a.bob), Ok(2));
            // a suspension pushed by the registry takes effect at once
            p.sync_standing(a.django, Standing::Provider(ProviderKind::Doctor, ProviderStatus::Suspended)).unwrap();
            assert_eq!(write(&mut p, a.bob, a.django, Attempt::DoctorWrite), Err(Error::NotVerifiedDoctor));
            let read = p.authorize(a.bob, a.django, Scope::RecordsWrite, AccessAction::ReadRecord(0), Attempt::Read);
            assert_eq!(read, denied(DenyReason::NotVerified));
            // reads: anyone may try, every attempt logged, the patient's own too
            let own = p.authorize(a.bob, a.bob, Scope::RecordsRead, AccessAction::ReadRecord(0), Attempt::Read);
            assert_eq!(own, granted);
            assert_eq!(p.access_log_len(a.bob), Ok(4));
            // unregistering removes the standing
            p.sync_standing(a.bob, Standing::Unregistered).unwrap();
            assert_eq!(write(&mut p, a.bob, a.eve, Attempt::DoctorWrite), Err(Error::UnknownPatient));
            // accept_siblings: only the registry, once, naming this contract
            let me = test::callee::<Env>();
            let s = Siblings { permissions: me, records: a.django, appointments: a.eve };
            test::set_caller::<Env>(a.bob);
            assert_eq!(p.accept_siblings(s), Err(Error::UntrustedCaller));
            test::set_caller::<Env>(AccountId::from(REGISTRY));
            assert_eq!(p.accept_siblings(Siblings { permissions: a.bob, ..s }), Err(Error::UntrustedCaller));
            assert_eq!(p.accept_siblings(s), Ok(()));
            assert_eq!(p.accept_siblings(s), Err(Error::SiblingsAlreadySet));
            // the wired records contract may authorize; it may not sync
            test::set_caller::<Env>(a.django);
            assert!(write(&mut p, a.charlie, a.eve, Attempt::Read).is_ok());
            assert_eq!(p.sync_head(a.django), Err(Error::UntrustedCaller));
        }

        /// The appointments contract asks whether a guardian may book for the
        /// patient: only with the booking power, in force, for a registered
        /// patient; each granted act is logged "by guardian".
        #[ink::test]
        fn guardian_booking_needs_the_booking_power_and_is_logged() {
            let (mut p, a) = synced();
            p.sync_standing(a.charlie, Standing::Patient).unwrap();
            let book = |p: &mut Permissions, patient, who| {
                let action = AccessAction::BookAppointment;
                p.authorize(patient, who, Scope::Appointments, action, Attempt::GuardianBooking)
            };
            test::set_caller::<Env>(a.bob);
            let consent_read = GuardianPowers { consent: true, read: true, book: false };
            p.appoint_guardian(a.charlie, consent_read, None).unwrap();
            p.appoint_guardian(a.django, GuardianPowers { book: true, ..Default::default() }, Some(5_000)).unwrap();
            test::set_caller::<Env>(AccountId::from(REGISTRY));
            let logged = p.access_log_len(a.bob).unwrap();
            assert_eq!(book(&mut p, a.bob, a.charlie), Err(Error::NotGuardian), "consent and read do not book");
            assert_eq!(book(&mut p, a.bob, a.eve), Err(Error::NotGuardian), "no guardianship");
            assert_eq!(book(&mut p, a.frank, a.django), Err(Error::UnknownPatient));
            assert_eq!(p.access_log_len(a.bob), Ok(logged), "refusals change nothing");
            let ok = Ok(Authorized::granted(AccessOutcome::GrantedGuardian));
            assert_eq!(book(&mut p, a.bob, a.django), ok);
            assert_eq!(p.is_booking_guardian(a.bob, a.django), Ok(true));
            assert_eq!(p.is_booking_guardian(a.bob, a.charlie), Ok(false), "consent and read only");
            let last = p.access_log(a.bob, logged, 1).unwrap();
            assert_eq!((last[0].accessor, last[0].action), (a.django, AccessAction::BookAppointment));
            assert_eq!(last[0].outcome, AccessOutcome::GrantedGuardian);
            // her own suspension and the expiry end the power
            p.sync_standing(a.django, Standing::Provider(ProviderKind::Doctor, ProviderStatus::Suspended)).unwrap();
            assert_eq!(book(&mut p, a.bob, a.django), Err(Error::NotGuardian));
            p.sync_standing(a.django, DOCTOR).unwrap();
            test::set_block_timestamp::<Env>(5_000);
            assert_eq!(book(&mut p, a.bob, a.django), Err(Error::NotGuardian), "expired");
            assert_eq!(p.is_booking_guardian(a.bob, a.django), Ok(false), "expired");
        }

        /// `authorize` takes a grant as proof of the patient's registration
        /// (her standing is not read when one exists), so her grants go when
        /// her standing ends; a provider's standing change leaves them.
        #[ink::test]
        fn a_patient_whose_standing_ends_loses_her_grants() {
            let (mut p, a) = synced();
            let rw = Scopes { records_write: true, ..Default::default() };
            p.put_grant(a.bob, a.django, rw, None).unwrap();
            let write = |p: &mut Permissions| {
                p.authorize(a.bob, a.django, Scope::RecordsWrite, AccessAction::WriteRecord, Attempt::DoctorWrite)
            };
            assert_eq!(write(&mut p), Ok(Authorized::granted(AccessOutcome::Granted)));
            p.sync_standing(a.eve, Standing::Provider(ProviderKind::Doctor, ProviderStatus::Suspended)).unwrap();
            assert_eq!(p.grants_of(a.bob, 0, 50).map(|g| g.len()), Ok(1), "another account's change");
            p.sync_standing(a.bob, Standing::Unregistered).unwrap();
            assert_eq!(p.grants_of(a.bob, 0, 50), Ok(vec![]));
            assert_eq!(p.patients_of(a.django, 0, 50), Ok(vec![]));
            assert_eq!(write(&mut p), Err(Error::UnknownPatient));
        }

        /// `authorize` answers without ink!'s write-back of the root struct
        /// (`answer_keeping_root`), which is right only while it changes no
        /// root field: every kind of attempt, granted, denied, folded and
        /// the patient's own, leaves the encoded root as it was.
        #[ink::test]
        fn authorize_changes_no_root_field() {
            let (mut p, a) = synced();
            p.put_grant(a.bob, a.django, READ, None).unwrap();
            let root = |p: &Permissions| {
                let mut bytes = Vec::new();
                ink::storage::traits::Storable::encode(p, &mut bytes);
                bytes
            };
            let before = root(&p);
            let spammer = AccountId::from([0x5A; 32]);
            let attempts = [
                (a.django, Scope::RecordsRead, Attempt::Read),
                (a.eve, Scope::RecordsRead, Attempt::Read),
                (spammer, Scope::RecordsRead, Attempt::Read),
                (spammer, Scope::RecordsRead, Attempt::Read),
                (a.django, Scope::RecordsWrite, Attempt::DoctorWrite),
                (a.bob, Scope::RecordsWrite, Attempt::PatientOrDoctorWrite),
                (a.django, Scope::Appointments, Attempt::ParticipantWrite),
            ];
            for (who, scope, attempt) in attempts {
                assert!(p.authorize(a.bob, who, scope, AccessAction::ReadRecord(0), attempt).is_ok());
                assert_eq!(root(&p), before, "{attempt:?} by {who:?} changed a root field");
            }
            assert_eq!(p.access_log_len(a.bob), Ok(5), "the attempts were logged (in Mapping cells)");
        }

        /// The anti-flooding rule: 10 000 denied attempts by one
        /// unregistered account are one log entry; the patient's real
        /// entries before and after stay where they are.
        #[ink::test]
        fn spam_from_unregistered_accounts_is_folded() {
            let (mut p, a) = synced();
            p.put_grant(a.bob, a.django, READ, None).unwrap();
            let read = |p: &mut Permissions, patient, who, id| {
                let r = p.authorize(patient, who, Scope::RecordsRead, AccessAction::ReadRecord(id), Attempt::Read);
                r.unwrap().outcome
            };
            let spammer = AccountId::from([0x5A; 32]);
            assert_eq!(read(&mut p, a.bob, a.django, 0), AccessOutcome::Granted);
            for i in 0..10_000u64 {
                test::set_block_timestamp::<Env>(10_000 + i);
                assert_eq!(read(&mut p, a.bob, spammer, 7), AccessOutcome::Denied(DenyReason::Unregistered));
            }
            test::set_block_timestamp::<Env>(30_000);
            assert_eq!(read(&mut p, a.bob, a.django, 0), AccessOutcome::Granted);
            // a registered accessor's denials are logged one by one
            assert_eq!(read(&mut p, a.bob, a.eve, 0), AccessOutcome::Denied(DenyReason::NoConsent));
            assert_eq!(read(&mut p, a.bob, a.eve, 0), AccessOutcome::Denied(DenyReason::NoConsent));
            assert_eq!(p.access_log_len(a.bob), Ok(5));
            let log = p.access_log(a.bob, 0, 10).unwrap();
            assert_eq!((log[1].accessor, log[1].repeats, log[1].at), (spammer, 9_999, 19_999));
            assert_eq!((log[0].accessor, log[2].accessor, log[2].at), (a.django, a.django, 30_000));
            // another patient's log is separate
            read(&mut p, a.charlie, spammer, 0);
            assert_eq!((p.access_log_len(a.charlie), p.access_log_len(a.bob)), (Ok(1), Ok(5)));
        }

        #[ink::test]
        fn emergency_basis_and_close() {
            let (mut p, a) = setup();
            // open by hand (opening itself needs the registry: covered by e2e)
            p.emergencies.insert(
                (a.bob, 0),
                &EmergencyAccess {
                    doctor: a.django,
                    reason: EmergencyReason::Trauma,
                    note: vec![],
                    opened_at: 1_000,
                    expires_at: 3_000,
                    closed: None,
                },
            );
            p.emergency_len.insert(a.bob, &1);
            p.emergency_open.insert((a.bob, a.django), &0);
            assert_eq!(p.basis(a.bob, a.django, Scope::RecordsRead), AccessBasis::Emergency);
            assert_eq!(p.basis(a.bob, a.django, Scope::Appointments), AccessBasis::None);
            test::set_caller::<Env>(a.bob);
            assert_eq!(p.close_emergency(a.bob, a.charlie), Err(Error::EmergencyNotOpen));
            assert_eq!(p.close_emergency(a.bob, a.django), Ok(()));
            assert_eq!(p.basis(a.bob, a.django, Scope::RecordsRead), AccessBasis::None);
            assert_eq!(p.close_emergency(a.bob, a.django), Err(Error::EmergencyNotOpen));
            assert_eq!(p.emergencies_of(a.bob, 0, 10).unwrap()[0].closed, Some((1_000, a.bob)));
            assert_eq!(p.emergency_count(a.bob), Ok(1));
        }

        #[ink::test]
        fn emergency_duration_bounds() {
            let (mut p, a) = setup();
            test::set_caller::<Env>(a.django);
            let er = EmergencyReason::Unresponsive;
            assert_eq!(p.open_emergency(a.bob, er, vec![0; MAX_TEXT_LEN + 1], 10), Err(Error::FieldTooLong));
            assert_eq!(p.open_emergency(a.bob, er, vec![], 0), Err(Error::InvalidDuration));
            assert_eq!(
                p.open_emergency(a.bob, er, vec![], p.emergency_max().unwrap() + 1),
                Err(Error::InvalidDuration)
            );
        }
    }

    #[cfg(test)]
    mod model {
        //! Property test (proptest): random grant / revoke / renounce / time
        //! steps against a plain reference model; every `has_access` answer
        //! and every grant count agrees after every step. On failure proptest
        //! shrinks the sequence to a minimal one.
        use super::*;
        use ink::env::test;
        use proptest::prelude::*;
        use std::collections::HashMap;
        type Env = ink::env::DefaultEnvironment;

        /// One step of a random sequence; accounts are indices 0..5.
        #[derive(Debug, Clone)]
        enum Op {
            /// `pa` grants `gr` the scopes in the low 4 bits, optionally
            /// expiring `exp` ms from now.
            Grant { pa: usize, gr: usize, scopes: u8, exp: Option<u64> },
            /// `pa` revokes `gr`.
            Revoke { pa: usize, gr: usize },
            /// `gr` renounces `pa`'s grant.
            Renounce { pa: usize, gr: usize },
            /// Time passes.
            Wait(u64),
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                (0..5usize, 0..5usize, 0..16u8, proptest::option::of(0..50u64))
                    .prop_map(|(pa, gr, scopes, exp)| Op::Grant { pa, gr, scopes, exp }),
                (0..5usize, 0..5usize).prop_map(|(pa, gr)| Op::Revoke { pa, gr }),
                (0..5usize, 0..5usize).prop_map(|(pa, gr)| Op::Renounce { pa, gr }),
                (0..20u64).prop_map(Op::Wait),
            ]
        }

        fn check(ops: &[Op]) -> std::result::Result<(), TestCaseError> {
            let accts: Vec<AccountId> = (1u8..=5).map(|i| AccountId::from([i; 32])).collect();
            let scopes = [Scope::Demographics, Scope::RecordsRead, Scope::RecordsWrite, Scope::Appointments];
            let mut outcome = Ok(());
            ink::env::test::run_test::<Env, _>(|_| {
                outcome = (|| {
                    test::set_block_timestamp::<Env>(1_000);
                    let mut p = Permissions::new(AccountId::from([0xAA; 32]), 0, Hash::from([0xA7; 32])).unwrap();
                    let mut model: HashMap<(AccountId, AccountId), (Scopes, Option<u64>)> = HashMap::new();
                    let mut now = 1_000u64;
                    for op in ops {
                        match *op {
                            Op::Grant { pa, gr, scopes: bits, exp } => {
                                let (pa, gr) = (accts[pa], accts[gr]);
                                let s = Scopes {
                                    demographics: bits & 1 != 0,
                                    records_read: bits & 2 != 0,
                                    records_write: bits & 4 != 0,
                                    appointments: bits & 8 != 0,
                                };
                                let exp = exp.map(|e| now + e);
                                let ok = pa != gr && !s.is_empty() && exp.is_none_or(|e| e > now);
                                prop_assert_eq!(p.put_grant(pa, gr, s, exp).is_ok(), ok);
                                if ok {
                                    model.insert((pa, gr), (s, exp));
                                }
                            }
                            Op::Revoke { pa, gr } => {
                                test::set_caller::<Env>(accts[pa]);
                                prop_assert_eq!(
                                    p.revoke(accts[gr]).is_ok(),
                                    model.remove(&(accts[pa], accts[gr])).is_some()
                                );
                            }
                            Op::Renounce { pa, gr } => {
                                test::set_caller::<Env>(accts[gr]);
                                prop_assert_eq!(
                                    p.renounce(accts[pa]).is_ok(),
                                    model.remove(&(accts[pa], accts[gr])).is_some()
                                );
                            }
                            Op::Wait(ms) => {
                                now += ms;
                                test::set_block_timestamp::<Env>(now);
                            }
                        }
                        for &x in &accts {
                            for &y in &accts {
                                for sc in scopes {
                                    let expect = x == y
                                        || model
                                            .get(&(x, y))
                                            .is_some_and(|(s, e)| s.contains(sc) && e.is_none_or(|e| now < e));
                                    prop_assert_eq!(p.has_access(x, y, sc).unwrap(), expect);
                                }
                            }
                            let n = model.keys().filter(|k| k.0 == x).count() as u32;
                            prop_assert_eq!(p.grant_counts(x).unwrap().current, n);
                            prop_assert_eq!(p.grants_of(x, 0, 50).unwrap().len() as u32, n);
                        }
                    }
                    Ok(())
                })();
                Ok(())
            })
            .expect("the off-chain environment runs");
            outcome
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
            #[test]
            fn random_sequences_agree_with_model(ops in proptest::collection::vec(op(), 1..150)) {
                check(&ops)?;
            }
        }
    }
}
