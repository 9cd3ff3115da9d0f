#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The SCALE derive of enums with data variants casts the variant index
// (`usize as u8`), which trips cargo-contract's `cast_possible_truncation`
// lint inside generated code. Our own code uses no narrowing casts.
#![allow(clippy::cast_possible_truncation)]
#![allow(clippy::new_without_default)]
//! # SMRMS registry
//!
//! The suite's source of truth for who is who: the head (administrator, the
//! paper's SMRMS-BCN-Head), patients with their profiles (the paper's
//! `setDetails` / `editDetails`), providers (doctors, nurses, labs,
//! pharmacists; `setDoctor` / `editDoctor`) and their verification by the
//! head, and the addresses of the sibling contracts.
//!
//! The rules (the provider status machine, the field checks, the status
//! counts) are pure functions in [`rules`]; the contract module below keeps
//! the types of its interface, its events, its storage and its messages.

pub mod rules;

#[ink::contract]
pub mod registry {
    use crate::rules;
    pub use crate::rules::{credentials_changed, next_status, validate_details, validate_profile, StatusAction};
    use ink::prelude::{string::String, vec::Vec};
    use ink::storage::{Lazy, Mapping};
    use smrms_shared::annex::{self, Annex, Annexed};
    use smrms_shared::upgrade::{self, UpgradeLock, Upgradeable};
    use smrms_shared::{
        collect_page, ensure, ensure_not_zero, AccessAction, AccessOutcome, Attempt, DenyReason, Error, PermissionsApi,
        ProviderKind, ProviderStatus, RegistryApi, Result, Scope, Siblings, Standing,
    };
    use smrms_shared::{in_annex, not_in_annex};

    /// A patient's profile, as she enters it. Its text fields are opaque
    /// bytes: the client's sealed bytes (the web app and `smrms` seal every
    /// field in the page or on the device), or UTF-8 text. Their bounds are
    /// in bytes.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct PatientProfile {
        /// Full name (required, at most 128 bytes).
        pub name: Vec<u8>,
        /// Date of birth, `YYYY-MM-DD` (at most 64 bytes).
        pub date_of_birth: Vec<u8>,
        /// Gender (at most 64 bytes).
        pub gender: Vec<u8>,
        /// Postal address (at most 512 bytes).
        pub home_address: Vec<u8>,
        /// Phone number (at most 64 bytes).
        pub phone: Vec<u8>,
        /// Blood group, e.g. `O+` (at most 64 bytes).
        pub blood_group: Vec<u8>,
        /// Known allergies (at most 512 bytes).
        pub allergies: Vec<u8>,
        /// Height in centimetres (0 = not given).
        pub height_cm: u16,
        /// Weight in kilograms (0 = not given).
        pub weight_kg: u16,
        /// Emergency contact's name (at most 128 bytes).
        pub emergency_contact_name: Vec<u8>,
        /// Emergency contact's phone (at most 64 bytes).
        pub emergency_contact_phone: Vec<u8>,
        /// HMAC-SHA-256 of the national id number (Aadhaar), computed by the
        /// client with the head office's key. The number never reaches the
        /// chain.
        pub national_id_hash: [u8; 32],
    }

    /// A registered patient.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Patient {
        /// The profile.
        pub profile: PatientProfile,
        /// When she registered (Unix milliseconds).
        pub registered_at: Timestamp,
        /// When the profile last changed (Unix milliseconds).
        pub updated_at: Timestamp,
        /// Whether the head checked her identity off-chain.
        pub identity_verified: bool,
    }

    /// A provider's details, as the provider enters them.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct ProviderDetails {
        /// Full name (required, at most 128 bytes).
        pub name: String,
        /// Phone number (at most 64 bytes).
        pub phone: String,
        /// Gender (at most 64 bytes).
        pub gender: String,
        /// Qualification, e.g. `MBBS, MD` (at most 64 bytes). A credential.
        pub qualification: String,
        /// Specialization, e.g. `Cardiology` (at most 64 bytes). A credential.
        pub specialization: String,
        /// Hash of the licence number (the head checks the licence off-chain).
        /// A credential.
        pub licence_hash: [u8; 32],
        /// Doctor, nurse, lab or pharmacist. A credential.
        pub kind: ProviderKind,
    }

    /// A registered provider.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Provider {
        /// The details.
        pub details: ProviderDetails,
        /// When the provider registered (Unix milliseconds).
        pub registered_at: Timestamp,
        /// Verification status.
        pub status: ProviderStatus,
        /// The head's reason for the last rejection or suspension (else empty).
        pub status_reason: String,
    }

    /// Counts of registered accounts.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Counts {
        /// Registered patients.
        pub patients: u32,
        /// Registered providers of every status.
        pub providers: u32,
        /// Providers waiting for verification.
        pub pending: u32,
        /// Verified providers.
        pub verified: u32,
        /// Rejected providers.
        pub rejected: u32,
        /// Suspended providers.
        pub suspended: u32,
    }

    /// The (registry, permissions) a records or appointments contract was
    /// deployed with, from its `siblings()` message; `None` if `contract`
    /// does not answer it (not such a contract).
    fn sibling_points_to(contract: AccountId) -> Option<(AccountId, AccountId)> {
        use ink::env::call::{build_call, ExecutionInput, Selector};
        build_call::<ink::env::DefaultEnvironment>()
            .call(contract)
            .exec_input(ExecutionInput::new(Selector::new(ink::selector_bytes!("siblings"))))
            .returns::<Result<(AccountId, AccountId)>>()
            .try_invoke()
            .ok()?
            .ok()?
            .ok()
    }

    /// A patient registered herself (`setDetails`).
    #[ink(event)]
    pub struct PatientRegistered {
        /// The patient's account.
        #[ink(topic)]
        patient: AccountId,
        /// When (Unix milliseconds).
        at: Timestamp,
    }

    /// A patient edited her profile (`editDetails`).
    #[ink(event)]
    pub struct PatientProfileUpdated {
        /// The patient's account.
        #[ink(topic)]
        patient: AccountId,
        /// When (Unix milliseconds).
        at: Timestamp,
    }

    /// The head marked a patient's identity verified.
    #[ink(event)]
    pub struct PatientIdentityVerified {
        /// The patient's account.
        #[ink(topic)]
        patient: AccountId,
        /// The head who verified.
        #[ink(topic)]
        head: AccountId,
    }

    /// A provider registered and waits for verification (`setDoctor`).
    #[ink(event)]
    pub struct ProviderRegistered {
        /// The provider's account.
        #[ink(topic)]
        provider: AccountId,
        /// Doctor, nurse, lab or pharmacist.
        kind: ProviderKind,
    }

    /// A provider edited details (`editDoctor`).
    #[ink(event)]
    pub struct ProviderDetailsUpdated {
        /// The provider's account.
        #[ink(topic)]
        provider: AccountId,
        /// True when a credential changed and the provider went back to pending.
        back_to_pending: bool,
    }

    /// The head changed a provider's status.
    #[ink(event)]
    pub struct ProviderStatusChanged {
        /// The provider's account.
        #[ink(topic)]
        provider: AccountId,
        /// Status before.
        from: ProviderStatus,
        /// Status after.
        to: ProviderStatus,
        /// The head's reason (empty for verify / reinstate).
        reason: String,
    }

    /// The head proposed a new head (step one of two).
    #[ink(event)]
    pub struct HeadProposed {
        /// The current head.
        #[ink(topic)]
        head: AccountId,
        /// The proposed head.
        #[ink(topic)]
        proposed: AccountId,
    }

    /// The proposed head accepted (step two): the head changed.
    #[ink(event)]
    pub struct HeadChanged {
        /// The previous head.
        #[ink(topic)]
        previous: AccountId,
        /// The new head.
        #[ink(topic)]
        new_head: AccountId,
    }

    /// The head wired the suite: the sibling addresses are fixed.
    #[ink(event)]
    pub struct SuiteWired {
        /// The sibling addresses.
        siblings: Siblings,
    }

    /// A patient's profile was read through an audited read.
    #[ink(event)]
    pub struct ProfileAccessed {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Who read.
        #[ink(topic)]
        accessor: AccountId,
        /// True under an emergency access.
        emergency: bool,
    }

    /// An account published (or replaced) its encryption public key, used by
    /// clients to wrap data keys for it (see README, "Encryption").
    #[ink(event)]
    pub struct EncryptionKeyPublished {
        /// The account.
        #[ink(topic)]
        account: AccountId,
        /// Its X25519 public key.
        public_key: [u8; 32],
    }

    /// The outcome of an audited profile read.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum ProfileRead {
        /// Allowed: here is the patient.
        Granted(Patient),
        /// Denied, with the reason; the attempt is logged and the head told.
        Denied(DenyReason),
    }

    /// The registry's storage.
    #[ink(storage)]
    pub struct Registry {
        /// The administrator (the paper's SMRMS-BCN-Head).
        head: AccountId,
        /// The account proposed as the next head, until it accepts.
        proposed_head: Option<AccountId>,
        /// The sibling contracts, fixed once the head wires the suite.
        siblings: Option<Siblings>,
        /// Registered patients by account.
        patients: Mapping<AccountId, Patient>,
        /// Patient accounts by registration index (`0..counts.patients`).
        patient_at: Mapping<u32, AccountId>,
        /// Registered providers by account.
        providers: Mapping<AccountId, Provider>,
        /// Provider accounts by registration index (`0..counts.providers`).
        provider_at: Mapping<u32, AccountId>,
        /// Patients, providers and providers by status.
        counts: Counts,
        /// Published X25519 encryption public keys by account.
        encryption_keys: Mapping<AccountId, [u8; 32]>,
        /// The upgrade time lock (own cell, never read on the hot path).
        upgrade: Lazy<UpgradeLock>,
        /// The annex: the code that runs this contract's less frequent
        /// messages on this storage, and the time lock of its replacement
        /// (`smrms_shared::annex`; read only by those messages).
        annex: Lazy<Annex>,
    }

    impl Registry {
        /// Deploys the registry. The deployer becomes the head (administrator).
        ///
        /// # Arguments
        /// * `upgrade_delay_ms` - how long (ms) a proposed code upgrade waits
        ///   before anyone may enact it; fixed for the contract's life
        ///   (production: 604 800 000, 7 days; at most 90 days).
        /// * `annex` - hash of this contract's annex code (its annex package's
        ///   build, uploaded first; `smrms_shared::annex`).
        ///
        /// # Errors
        /// `InvalidDuration` for a delay past 90 days.
        #[ink(constructor)]
        pub fn new(upgrade_delay_ms: Timestamp, annex: Hash) -> Result<Self> {
            let mut upgrade = Lazy::new();
            upgrade.set(&UpgradeLock::new(upgrade_delay_ms)?);
            Ok(Self {
                head: Self::env().caller(),
                proposed_head: None,
                siblings: None,
                patients: Mapping::default(),
                patient_at: Mapping::default(),
                providers: Mapping::default(),
                provider_at: Mapping::default(),
                counts: Counts::default(),
                encryption_keys: Mapping::default(),
                upgrade,
                annex: annex::new(annex, upgrade_delay_ms)?,
            })
        }

        /// Pushes `account`'s standing to permissions once the suite is
        /// wired (before that there is nothing to push to: wiring requires
        /// an empty registry).
        fn sync_standing(&mut self, account: AccountId) -> Result<()> {
            if let Some(siblings) = self.siblings {
                let mut permissions: ink::contract_ref!(PermissionsApi) = siblings.permissions.into();
                permissions.sync_standing(account, self.standing_of(&account))?;
            }
            Ok(())
        }

        fn ensure_head(&self) -> Result<()> {
            ensure!(self.env().caller() == self.head, Error::NotHead);
            Ok(())
        }

        fn standing_of(&self, account: &AccountId) -> Standing {
            if self.patients.contains(account) {
                Standing::Patient
            } else if let Some(p) = self.providers.get(account) {
                Standing::Provider(p.details.kind, p.status)
            } else {
                Standing::Unregistered
            }
        }

        fn permissions(&self) -> Result<ink::contract_ref!(PermissionsApi)> {
            Ok(self.siblings.ok_or(Error::SiblingsNotSet)?.permissions.into())
        }

        // ---------------------------------------------------------------
        // Head
        // ---------------------------------------------------------------

        /// Step one of handing over the head role: the head proposes the next
        /// head. Proposing again replaces the proposal.
        ///
        /// # Arguments
        /// * `new_head` - the account that will become head once it accepts.
        ///
        /// # Errors
        /// `NotHead` if the caller is not the head; `ZeroAccount` for the
        /// all-zero account; `HeadCannotBeProvider` for a registered provider
        /// (the head administers providers and may not be one).
        #[ink(message)]
        pub fn propose_head(&mut self, new_head: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            ensure_not_zero(&new_head)?;
            ensure!(!self.providers.contains(new_head), Error::HeadCannotBeProvider);
            self.proposed_head = Some(new_head);
            self.env().emit_event(HeadProposed { head: self.head, proposed: new_head });
            Ok(())
        }

        /// Step two of handing over the head role: the proposed account accepts
        /// and becomes the head.
        ///
        /// # Errors
        /// `NotProposedHead` if the caller is not the proposed account;
        /// `HeadCannotBeProvider` if she registered as a provider since.
        #[ink(message)]
        pub fn accept_head(&mut self) -> Result<()> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            ensure!(self.proposed_head == Some(caller), Error::NotProposedHead);
            // registered as a provider after the proposal: still refused
            ensure!(!self.providers.contains(caller), Error::HeadCannotBeProvider);
            let previous = self.head;
            self.head = caller;
            self.proposed_head = None;
            self.env().emit_event(HeadChanged { previous, new_head: caller });
            if let Some(siblings) = self.siblings {
                let mut permissions: ink::contract_ref!(PermissionsApi) = siblings.permissions.into();
                permissions.sync_head(caller)?;
            }
            Ok(())
        }

        /// The account proposed as the next head, if any.
        #[ink(message)]
        pub fn proposed_head(&self) -> Result<Option<AccountId>> {
            in_annex!(&self.annex);
            Ok(self.proposed_head)
        }

        /// Wires the suite once: records the sibling contract addresses here
        /// and hands the trusted addresses to the permissions contract. They
        /// cannot be changed afterwards.
        ///
        /// # Arguments
        /// * `permissions` - the permissions contract (deployed with this
        ///   registry's address).
        /// * `records` - the records contract.
        /// * `appointments` - the appointments contract.
        ///
        /// # Errors
        /// `NotHead`; `SiblingsAlreadySet` on a second call; `ZeroAccount`;
        /// `UntrustedCaller` if the permissions contract was deployed for
        /// another registry; `SiblingMismatch` if records or appointments
        /// do not answer `siblings()` with this registry and `permissions`;
        /// `RegisteredBeforeWiring` if accounts registered first (permissions
        /// learns each standing when it changes, so it must see them all).
        #[ink(message)]
        pub fn set_siblings(
            &mut self,
            permissions: AccountId,
            records: AccountId,
            appointments: AccountId,
        ) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            ensure!(self.siblings.is_none(), Error::SiblingsAlreadySet);
            for a in [&permissions, &records, &appointments] {
                ensure_not_zero(a)?;
            }
            ensure!(self.counts.patients == 0 && self.counts.providers == 0, Error::RegisteredBeforeWiring);
            let this = self.env().account_id();
            for contract in [records, appointments] {
                ensure!(sibling_points_to(contract) == Some((this, permissions)), Error::SiblingMismatch);
            }
            let siblings = Siblings { permissions, records, appointments };
            self.siblings = Some(siblings);
            let mut p: ink::contract_ref!(PermissionsApi) = permissions.into();
            p.accept_siblings(siblings)?;
            p.sync_head(self.head)?;
            self.env().emit_event(SuiteWired { siblings });
            Ok(())
        }

        // ---------------------------------------------------------------
        // Patients
        // ---------------------------------------------------------------

        /// Registers the caller as a patient with her profile (the paper's
        /// `setDetails`, Algorithm 1). She always has access to her own data.
        ///
        /// # Arguments
        /// * `profile` - name (required) and the other demographic fields.
        ///
        /// # Errors
        /// `AlreadyRegistered` if the caller is already a patient or a
        /// provider; `EmptyField` / `FieldTooLong` for a bad field.
        #[ink(message)]
        pub fn register_patient(&mut self, profile: PatientProfile) -> Result<()> {
            not_in_annex!();
            let caller = self.env().caller();
            validate_profile(&profile)?;
            ensure!(self.standing_of(&caller) == Standing::Unregistered, Error::AlreadyRegistered);
            let now = self.env().block_timestamp();
            let index = self.counts.patients;
            self.counts.patients = index.checked_add(1).ok_or(Error::Overflow)?;
            self.patient_at.insert(index, &caller);
            self.patients
                .insert(caller, &Patient { profile, registered_at: now, updated_at: now, identity_verified: false });
            self.env().emit_event(PatientRegistered { patient: caller, at: now });
            self.sync_standing(caller)
        }

        /// Replaces the caller's own profile (the paper's `editDetails`,
        /// Algorithm 2). Changing the national id hash clears the head's
        /// identity verification.
        ///
        /// # Arguments
        /// * `profile` - the new profile.
        ///
        /// # Errors
        /// `NotAPatient` if the caller is not a registered patient;
        /// `EmptyField` / `FieldTooLong` for a bad field.
        #[ink(message)]
        pub fn edit_patient(&mut self, profile: PatientProfile) -> Result<()> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            validate_profile(&profile)?;
            let mut p = self.patients.get(caller).ok_or(Error::NotAPatient)?;
            p.identity_verified = rules::identity_stays_verified(p.identity_verified, &p.profile, &profile);
            let now = self.env().block_timestamp();
            p.profile = profile;
            p.updated_at = now;
            self.patients.insert(caller, &p);
            self.env().emit_event(PatientProfileUpdated { patient: caller, at: now });
            Ok(())
        }

        /// The head marks a patient's identity verified, after checking her
        /// national id off-chain against the stored hash.
        ///
        /// # Arguments
        /// * `patient` - the patient's account.
        ///
        /// # Errors
        /// `NotHead`; `UnknownPatient`.
        #[ink(message)]
        pub fn verify_patient_identity(&mut self, patient: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            let mut p = self.patients.get(patient).ok_or(Error::UnknownPatient)?;
            p.identity_verified = true;
            self.patients.insert(patient, &p);
            self.env().emit_event(PatientIdentityVerified { patient, head: self.head });
            Ok(())
        }

        /// A patient's profile, for the patient herself and verified
        /// providers or family members she granted `Demographics` (or under
        /// an open emergency access). The head sees every access, not the
        /// data: the head needs consent like anyone else. **Advisory**: a query cannot
        /// hide storage from a determined reader (see README, security);
        /// use `read_patient_profile` for an audited read.
        ///
        /// # Arguments
        /// * `patient` - the patient's account.
        ///
        /// # Errors
        /// `UnknownPatient`; `NotAllowed` without permission.
        #[ink(message)]
        pub fn patient_profile(&self, patient: AccountId) -> Result<Patient> {
            in_annex!(&self.annex);
            let p = self.patients.get(patient).ok_or(Error::UnknownPatient)?;
            let caller = self.env().caller();
            if caller == patient {
                return Ok(p);
            }
            match self.permissions()?.decide(patient, caller, Scope::Demographics)? {
                AccessOutcome::Denied(_) => Err(Error::NotAllowed),
                _ => Ok(p),
            }
        }

        /// Audited read of a patient's profile (a transaction): the attempt is
        /// appended to the patient's access log, and a denial emits
        /// `AccessDenied` to the patient and the head.
        ///
        /// # Arguments
        /// * `patient` - the patient's account.
        ///
        /// # Errors
        /// `UnknownPatient`; `SiblingsNotSet` before wiring. A denial is not
        /// an error: it returns `Ok(Denied(reason))` so that its log entry
        /// and event persist.
        #[ink(message)]
        pub fn read_patient_profile(&mut self, patient: AccountId) -> Result<ProfileRead> {
            not_in_annex!();
            let p = self.patients.get(patient).ok_or(Error::UnknownPatient)?;
            let caller = self.env().caller();
            let action = AccessAction::ReadProfile;
            let auth = self.permissions()?.authorize(patient, caller, Scope::Demographics, action, Attempt::Read)?;
            Ok(match auth.announce(patient, caller, action) {
                AccessOutcome::Denied(reason) => ProfileRead::Denied(reason),
                o => {
                    self.env().emit_event(ProfileAccessed {
                        patient,
                        accessor: caller,
                        emergency: o == AccessOutcome::GrantedEmergency,
                    });
                    ProfileRead::Granted(p)
                }
            })
        }

        /// When a patient registered and whether the head verified her
        /// identity (public).
        ///
        /// # Errors
        /// `UnknownPatient`.
        #[ink(message)]
        pub fn patient_registration(&self, patient: AccountId) -> Result<(Timestamp, bool)> {
            in_annex!(&self.annex);
            let p = self.patients.get(patient).ok_or(Error::UnknownPatient)?;
            Ok((p.registered_at, p.identity_verified))
        }

        /// A page of registered patient accounts with their registration time.
        ///
        /// # Arguments
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn patients(&self, start: u32, limit: u32) -> Result<Vec<(AccountId, Timestamp)>> {
            in_annex!(&self.annex);
            Ok(collect_page(start, limit, self.counts.patients, |i| {
                let a = self.patient_at.get(i)?;
                Some((a, self.patients.get(a)?.registered_at))
            }))
        }

        // ---------------------------------------------------------------
        // Providers
        // ---------------------------------------------------------------

        /// Registers the caller as a provider (the paper's `setDoctor`,
        /// Algorithm 3). The provider is pending until the head verifies.
        ///
        /// # Arguments
        /// * `details` - name (required), contact, credentials and kind.
        ///
        /// # Errors
        /// `AlreadyRegistered`; `EmptyField` / `FieldTooLong`;
        /// `HeadCannotBeProvider` for the head.
        #[ink(message)]
        pub fn register_provider(&mut self, details: ProviderDetails) -> Result<()> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            validate_details(&details)?;
            ensure!(caller != self.head, Error::HeadCannotBeProvider);
            ensure!(self.standing_of(&caller) == Standing::Unregistered, Error::AlreadyRegistered);
            let index = self.counts.providers;
            self.counts = self.counts.with_new_provider()?;
            self.provider_at.insert(index, &caller);
            let kind = details.kind;
            self.providers.insert(
                caller,
                &Provider {
                    details,
                    registered_at: self.env().block_timestamp(),
                    status: ProviderStatus::Pending,
                    status_reason: String::new(),
                },
            );
            self.env().emit_event(ProviderRegistered { provider: caller, kind });
            self.sync_standing(caller)
        }

        /// Replaces the caller's provider details (the paper's `editDoctor`,
        /// Algorithm 4). A verified provider who changes a credential
        /// (qualification, specialization, licence, kind) goes back to
        /// pending; contact details do not change the status.
        ///
        /// # Arguments
        /// * `details` - the new details.
        ///
        /// # Errors
        /// `UnknownProvider`; `EmptyField` / `FieldTooLong`.
        #[ink(message)]
        pub fn edit_provider(&mut self, details: ProviderDetails) -> Result<()> {
            in_annex!(&self.annex);
            let caller = self.env().caller();
            validate_details(&details)?;
            let mut p = self.providers.get(caller).ok_or(Error::UnknownProvider)?;
            let back_to_pending = rules::back_to_pending(p.status, &p.details, &details);
            if back_to_pending {
                self.counts = self.counts.moved(ProviderStatus::Verified, ProviderStatus::Pending)?;
                p.status = ProviderStatus::Pending;
            }
            p.details = details;
            self.providers.insert(caller, &p);
            self.env().emit_event(ProviderDetailsUpdated { provider: caller, back_to_pending });
            self.sync_standing(caller)
        }

        fn change_status(&mut self, provider: AccountId, action: StatusAction, reason: String) -> Result<()> {
            self.ensure_head()?;
            rules::check_status_reason(action, &reason)?;
            let mut p = self.providers.get(provider).ok_or(Error::UnknownProvider)?;
            rules::check_not_head_verified(action, provider == self.head)?;
            let from = p.status;
            let to = next_status(from, action)?;
            self.counts = self.counts.moved(from, to)?;
            p.status = to;
            p.status_reason = if action.needs_reason() { reason.clone() } else { String::new() };
            self.providers.insert(provider, &p);
            self.env().emit_event(ProviderStatusChanged { provider, from, to, reason });
            self.sync_standing(provider)
        }

        /// The head verifies a pending provider, who may then act on patients
        /// who consent.
        ///
        /// # Arguments
        /// * `provider` - the provider's account.
        ///
        /// # Errors
        /// `NotHead`; `UnknownProvider`; `InvalidStatusTransition` unless pending;
        /// `HeadCannotBeProvider` for the head's own account.
        #[ink(message)]
        pub fn verify_provider(&mut self, provider: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            self.change_status(provider, StatusAction::Verify, String::new())
        }

        /// The head rejects a pending provider, with a reason.
        ///
        /// # Arguments
        /// * `provider` - the provider's account.
        /// * `reason` - why (required, at most 512 bytes).
        ///
        /// # Errors
        /// `NotHead`; `UnknownProvider`; `EmptyField` / `FieldTooLong`;
        /// `InvalidStatusTransition` unless pending.
        #[ink(message)]
        pub fn reject_provider(&mut self, provider: AccountId, reason: String) -> Result<()> {
            in_annex!(&self.annex);
            self.change_status(provider, StatusAction::Reject, reason)
        }

        /// The head suspends a verified provider, with a reason. The
        /// provider's grants stay stored but have no effect while suspended.
        ///
        /// # Arguments
        /// * `provider` - the provider's account.
        /// * `reason` - why (required, at most 512 bytes).
        ///
        /// # Errors
        /// `NotHead`; `UnknownProvider`; `EmptyField` / `FieldTooLong`;
        /// `InvalidStatusTransition` unless verified.
        #[ink(message)]
        pub fn suspend_provider(&mut self, provider: AccountId, reason: String) -> Result<()> {
            in_annex!(&self.annex);
            self.change_status(provider, StatusAction::Suspend, reason)
        }

        /// The head reinstates a suspended or rejected provider as verified.
        ///
        /// # Arguments
        /// * `provider` - the provider's account.
        ///
        /// # Errors
        /// `NotHead`; `UnknownProvider`; `InvalidStatusTransition` unless
        /// suspended or rejected.
        #[ink(message)]
        pub fn reinstate_provider(&mut self, provider: AccountId) -> Result<()> {
            in_annex!(&self.annex);
            self.change_status(provider, StatusAction::Reinstate, String::new())
        }

        /// A provider's public directory entry.
        ///
        /// # Errors
        /// `UnknownProvider`.
        #[ink(message)]
        pub fn provider(&self, provider: AccountId) -> Result<Provider> {
            in_annex!(&self.annex);
            self.providers.get(provider).ok_or(Error::UnknownProvider)
        }

        /// A page of providers with their kind and status.
        ///
        /// # Arguments
        /// * `start` - index of the first entry (0-based).
        /// * `limit` - entries wanted; capped at 50.
        #[ink(message)]
        pub fn providers(&self, start: u32, limit: u32) -> Result<Vec<(AccountId, ProviderKind, ProviderStatus)>> {
            in_annex!(&self.annex);
            Ok(collect_page(start, limit, self.counts.providers, |i| {
                let a = self.provider_at.get(i)?;
                let p = self.providers.get(a)?;
                Some((a, p.details.kind, p.status))
            }))
        }

        /// Counts of patients and of providers by status.
        #[ink(message)]
        pub fn counts(&self) -> Result<Counts> {
            in_annex!(&self.annex);
            Ok(self.counts)
        }

        /// Publishes the caller's encryption public key (X25519, 32 bytes),
        /// so that other clients can wrap record and profile data keys for
        /// the caller. It is separate from the signing key; publishing again
        /// replaces it (data wrapped for the old key needs re-wrapping).
        ///
        /// Who may call: a registered patient or provider, or the head.
        ///
        /// # Arguments
        /// * `public_key` - the X25519 public key, 32 bytes.
        ///
        /// # Errors
        /// `UnknownAccount` for an unregistered caller; `InvalidKey` for
        /// 32 zero bytes.
        #[ink(message)]
        pub fn publish_encryption_key(&mut self, public_key: [u8; 32]) -> Result<()> {
            in_annex!(&self.annex);
            let account = self.env().caller();
            let registered_or_head = account == self.head || self.standing_of(&account) != Standing::Unregistered;
            rules::check_encryption_key(registered_or_head, &public_key)?;
            self.encryption_keys.insert(account, &public_key);
            self.env().emit_event(EncryptionKeyPublished { account, public_key });
            Ok(())
        }

        /// The encryption public key `account` published, if any (public
        /// information: anyone may ask).
        ///
        /// # Arguments
        /// * `account` - whose key.
        #[ink(message)]
        pub fn encryption_key(&self, account: AccountId) -> Result<Option<[u8; 32]>> {
            in_annex!(&self.annex);
            Ok(self.encryption_keys.get(account))
        }
    }

    impl RegistryApi for Registry {
        /// The current head (administrator) of the suite.
        #[ink(message)]
        fn head(&self) -> Result<AccountId> {
            not_in_annex!();
            Ok(self.head)
        }

        /// Who `account` is: unregistered, a patient, or a provider with kind
        /// and status.
        #[ink(message)]
        fn standing(&self, account: AccountId) -> Result<Standing> {
            not_in_annex!();
            Ok(self.standing_of(&account))
        }

        /// The standings of two accounts, in one call.
        ///
        /// # Arguments
        /// * `first`, `second` - the accounts (e.g. a patient and a doctor).
        #[ink(message)]
        fn standing_pair(&self, first: AccountId, second: AccountId) -> Result<(Standing, Standing)> {
            not_in_annex!();
            Ok((self.standing_of(&first), self.standing_of(&second)))
        }

        /// The sibling contract addresses.
        ///
        /// # Errors
        /// `SiblingsNotSet` before the head wired the suite.
        #[ink(message)]
        fn siblings(&self) -> Result<Siblings> {
            in_annex!(&self.annex);
            self.siblings.ok_or(Error::SiblingsNotSet)
        }
    }

    /// Time-locked code upgrades (see `smrms_shared::upgrade`).
    impl Upgradeable for Registry {
        /// Proposes new code for the registry; the head only. Enactable by
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
    impl Annexed for Registry {
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

    #[cfg(test)]
    mod tests {
        use super::*;
        use ink::env::test;
        use smrms_shared::{MAX_NAME_LEN, MAX_TEXT_LEN};

        type Env = ink::env::DefaultEnvironment;

        fn accounts() -> test::DefaultAccounts<Env> {
            test::default_accounts::<Env>()
        }
        fn as_caller(a: AccountId) {
            test::set_caller::<Env>(a);
        }
        fn profile(name: &str) -> PatientProfile {
            PatientProfile { name: name.into(), blood_group: "O+".into(), ..Default::default() }
        }
        fn doctor(name: &str) -> ProviderDetails {
            ProviderDetails {
                name: name.into(),
                phone: "1".into(),
                gender: "F".into(),
                qualification: "MBBS".into(),
                specialization: "Cardiology".into(),
                licence_hash: [7; 32],
                kind: ProviderKind::Doctor,
            }
        }
        fn events() -> usize {
            test::recorded_events().count()
        }

        #[ink::test]
        fn deployer_is_head_and_handover_takes_two_steps() {
            let a = accounts();
            as_caller(a.alice);
            let mut r = Registry::new(0, Hash::from([0xA7; 32])).unwrap();
            assert_eq!(r.head(), Ok(a.alice));
            as_caller(a.bob);
            assert_eq!(r.propose_head(a.bob), Err(Error::NotHead));
            as_caller(a.alice);
            assert_eq!(r.propose_head(AccountId::from([0; 32])), Err(Error::ZeroAccount));
            assert_eq!(r.propose_head(a.bob), Ok(()));
            assert_eq!(r.head(), Ok(a.alice));
            as_caller(a.charlie);
            assert_eq!(r.accept_head(), Err(Error::NotProposedHead));
            as_caller(a.bob);
            assert_eq!(r.accept_head(), Ok(()));
            assert_eq!(r.head(), Ok(a.bob));
            assert_eq!(r.proposed_head(), Ok(None));
            assert_eq!(events(), 2);
        }

        #[ink::test]
        fn a_provider_cannot_become_head() {
            let a = accounts();
            as_caller(a.alice);
            let mut r = Registry::new(0, Hash::from([0xA7; 32])).unwrap();
            as_caller(a.bob);
            r.register_provider(doctor("Bob")).unwrap();
            as_caller(a.alice);
            assert_eq!(r.propose_head(a.bob), Err(Error::HeadCannotBeProvider), "a registered provider");
            assert_eq!(r.propose_head(a.charlie), Ok(()));
            as_caller(a.charlie);
            r.register_provider(doctor("Charlie")).unwrap();
            assert_eq!(r.accept_head(), Err(Error::HeadCannotBeProvider), "registered after the proposal");
            assert_eq!(r.head(), Ok(a.alice));
        }

        #[ink::test]
        fn encryption_keys_are_published_by_registered_accounts() {
            let a = accounts();
            as_caller(a.alice);
            let mut r = Registry::new(0, Hash::from([0xA7; 32])).unwrap();
            assert_eq!(r.publish_encryption_key([1; 32]), Ok(()), "the head may publish");
            as_caller(a.bob);
            assert_eq!(r.publish_encryption_key([2; 32]), Err(Error::UnknownAccount));
            r.register_patient(profile("Bob")).unwrap();
            assert_eq!(r.publish_encryption_key([0; 32]), Err(Error::InvalidKey));
            assert_eq!(r.encryption_key(a.bob), Ok(None));
            assert_eq!(r.publish_encryption_key([2; 32]), Ok(()));
            assert_eq!(r.publish_encryption_key([3; 32]), Ok(()), "publishing again replaces");
            as_caller(a.charlie);
            r.register_provider(doctor("Charlie")).unwrap();
            assert_eq!(r.publish_encryption_key([4; 32]), Ok(()), "a pending provider may publish");
            assert_eq!(r.encryption_key(a.bob), Ok(Some([3; 32])));
            assert_eq!(r.encryption_key(a.charlie), Ok(Some([4; 32])));
            assert_eq!(r.encryption_key(a.alice), Ok(Some([1; 32])));
            assert_eq!(r.encryption_key(a.django), Ok(None));
            // 4 keys published + 2 registrations
            assert_eq!(events(), 6);
        }

        #[ink::test]
        fn patient_registration_and_duplicates() {
            let a = accounts();
            as_caller(a.alice);
            let mut r = Registry::new(0, Hash::from([0xA7; 32])).unwrap();
            as_caller(a.bob);
            assert_eq!(r.register_patient(profile("")), Err(Error::EmptyField));
            let long = "x".repeat(MAX_NAME_LEN + 1);
            assert_eq!(r.register_patient(profile(&long)), Err(Error::FieldTooLong));
            let mut p = profile("Bob");
            p.allergies = vec![b'y'; MAX_TEXT_LEN + 1];
            assert_eq!(r.register_patient(p), Err(Error::FieldTooLong));
            assert_eq!(events(), 0);
            assert_eq!(r.register_patient(profile("Bob")), Ok(()));
            assert_eq!(r.register_patient(profile("Bob")), Err(Error::AlreadyRegistered));
            assert_eq!(r.register_provider(doctor("Bob")), Err(Error::AlreadyRegistered));
            assert_eq!(r.counts().unwrap().patients, 1);
            assert_eq!(r.standing(a.bob), Ok(Standing::Patient));
            assert_eq!(r.patients(0, 10).unwrap().len(), 1);
            assert_eq!(r.patients(1, 10).unwrap().len(), 0);
            assert_eq!(r.patient_profile(a.bob).unwrap().profile.name, b"Bob");
            assert_eq!(events(), 1);
        }

        #[ink::test]
        fn patient_edits_only_her_profile() {
            let a = accounts();
            as_caller(a.alice);
            let mut r = Registry::new(0, Hash::from([0xA7; 32])).unwrap();
            as_caller(a.bob);
            r.register_patient(profile("Bob")).unwrap();
            as_caller(a.charlie);
            assert_eq!(r.edit_patient(profile("Eve")), Err(Error::NotAPatient));
            as_caller(a.alice);
            assert_eq!(r.verify_patient_identity(a.bob), Ok(()));
            assert_eq!(r.verify_patient_identity(a.charlie), Err(Error::UnknownPatient));
            as_caller(a.bob);
            assert_eq!(r.verify_patient_identity(a.bob), Err(Error::NotHead));
            let mut p = profile("Bob B.");
            p.national_id_hash = [9; 32];
            assert_eq!(r.edit_patient(p), Ok(()));
            let (_, verified) = r.patient_registration(a.bob).unwrap();
            assert!(!verified, "a new id hash clears identity verification");
            assert_eq!(r.patient_profile(a.bob).unwrap().profile.name, b"Bob B.");
        }

        #[ink::test]
        fn provider_lifecycle() {
            let a = accounts();
            as_caller(a.alice);
            let mut r = Registry::new(0, Hash::from([0xA7; 32])).unwrap();
            as_caller(a.django);
            assert_eq!(r.register_provider(doctor("")), Err(Error::EmptyField));
            assert_eq!(r.register_provider(doctor("Dr D")), Ok(()));
            assert_eq!(r.standing(a.django), Ok(Standing::Provider(ProviderKind::Doctor, ProviderStatus::Pending)));
            assert_eq!(r.verify_provider(a.django), Err(Error::NotHead));
            as_caller(a.alice);
            assert_eq!(r.verify_provider(a.eve), Err(Error::UnknownProvider));
            assert_eq!(r.suspend_provider(a.django, "x".into()), Err(Error::InvalidStatusTransition));
            assert_eq!(r.reinstate_provider(a.django), Err(Error::InvalidStatusTransition));
            assert_eq!(r.verify_provider(a.django), Ok(()));
            assert_eq!(r.verify_provider(a.django), Err(Error::InvalidStatusTransition));
            assert!(r.standing(a.django).unwrap().is_verified_doctor());
            // both standings in one call, in the order asked
            let (verified, nobody) = r.standing_pair(a.django, a.frank).unwrap();
            assert!(verified.is_verified_doctor());
            assert_eq!(nobody, Standing::Unregistered);
            assert_eq!(r.standing_pair(a.frank, a.django), Ok((nobody, verified)));
            assert_eq!(r.suspend_provider(a.django, "".into()), Err(Error::EmptyField));
            assert_eq!(r.suspend_provider(a.django, "licence lapsed".into()), Ok(()));
            assert_eq!(r.provider(a.django).unwrap().status_reason, "licence lapsed");
            let c = r.counts().unwrap();
            assert_eq!((c.providers, c.pending, c.verified, c.suspended), (1, 0, 0, 1));
            assert_eq!(r.reinstate_provider(a.django), Ok(()));
            assert_eq!(r.provider(a.django).unwrap().status_reason, "");
            // contact edit keeps verification, credential edit does not
            as_caller(a.django);
            let mut d = doctor("Dr D");
            d.phone = "2".into();
            assert_eq!(r.edit_provider(d.clone()), Ok(()));
            assert_eq!(r.provider(a.django).unwrap().status, ProviderStatus::Verified);
            d.specialization = "Neurology".into();
            assert_eq!(r.edit_provider(d), Ok(()));
            assert_eq!(r.provider(a.django).unwrap().status, ProviderStatus::Pending);
            as_caller(a.eve);
            assert_eq!(r.edit_provider(doctor("E")), Err(Error::UnknownProvider));
            assert_eq!(r.register_provider(doctor("Eve")), Ok(()));
            as_caller(a.alice);
            assert_eq!(r.reject_provider(a.eve, "fake licence".into()), Ok(()));
            let c = r.counts().unwrap();
            assert_eq!((c.providers, c.pending, c.verified, c.rejected), (2, 1, 0, 1));
            assert_eq!(r.providers(0, 100).unwrap().len(), 2);
        }

        #[ink::test]
        fn siblings_need_the_head_and_unwired_reads_fail() {
            let a = accounts();
            as_caller(a.alice);
            let mut r = Registry::new(0, Hash::from([0xA7; 32])).unwrap();
            assert_eq!(r.siblings(), Err(Error::SiblingsNotSet));
            as_caller(a.bob);
            assert_eq!(r.set_siblings(a.bob, a.bob, a.bob), Err(Error::NotHead));
            as_caller(a.alice);
            let z = AccountId::from([0; 32]);
            assert_eq!(r.set_siblings(z, a.bob, a.bob), Err(Error::ZeroAccount));
            as_caller(a.bob);
            r.register_patient(profile("Bob")).unwrap();
            as_caller(a.charlie);
            assert_eq!(r.read_patient_profile(a.bob), Err(Error::SiblingsNotSet));
            assert_eq!(r.patient_profile(a.eve), Err(Error::UnknownPatient));
        }
    }
}
