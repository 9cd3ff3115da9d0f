#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The SCALE derive of enums with data variants casts the variant index
// (`usize as u8`), which trips cargo-contract's `cast_possible_truncation`
// lint inside generated code. Our own code uses no narrowing casts.
#![allow(clippy::cast_possible_truncation)]
//! # SMRMS records
//!
//! Append-only medical records and medications (the paper's Algorithm 6):
//! a doctor submits a record after a diagnosis; the contract verifies the
//! author (registry), the patient's consent or an open emergency access
//! (permissions) and the content, then stores it at the patient's next
//! index with a blake2-256 content hash, or rejects it with a named reason.
//!
//! Each patient may keep an **emergency card** (allergies, blood group,
//! medications, conditions, a contact), sealed under its own data key. The
//! key is wrapped for the patient and for the emergency custodian the head
//! designates (the network's emergency key service). The custodian may pass
//! the card's key, and nothing else, to a verified doctor while that doctor
//! has an open emergency access on the patient; each release is logged in
//! the patient's access log.
//!
//! The rules (the checks of records, corrections and medications, the search
//! filter and bounded scan, the key-store decisions) are pure functions in
//! [`rules`]; the contract module below keeps the types of its interface, its
//! events, its storage and its messages.

pub mod rules;

#[ink::contract]
pub mod records {
    use crate::rules::{self, KeyWriter};
    pub use crate::rules::{validate_medication, validate_record, MAX_KEY_BATCH};
    use ink::prelude::vec::Vec;
    use ink::storage::{Lazy, Mapping};
    use smrms_shared::annex::{self, Annex, Annexed};
    use smrms_shared::list::{self, Bound};
    use smrms_shared::upgrade::{self, UpgradeLock, Upgradeable};
    use smrms_shared::{
        ensure, ensure_not_zero, record_content_hash, AccessAction, AccessOutcome, Attempt, DenyReason, Error,
        PermissionsApi, RegistryApi, Result, Scope, Standing, MAX_PAGE, MAX_SCAN,
    };
    use smrms_shared::{in_annex, not_in_annex};

    /// The kind of a medical record.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub enum RecordKind {
        /// A diagnosis.
        Diagnosis,
        /// A prescription.
        Prescription,
        /// A laboratory result.
        LabResult,
        /// A procedure.
        Procedure,
        /// Imaging (X-ray, MRI, ...).
        Imaging,
        /// A clinical note.
        Note,
    }

    impl RecordKind {
        /// Stable code used in the content hash.
        pub fn code(self) -> u8 {
            self as u8
        }
    }

    /// A stored medical record. Immutable once stored.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Record {
        /// Kind of record.
        pub kind: RecordKind,
        /// Title (at most 128 bytes of UTF-8 text or opaque bytes; a sealed
        /// record's real title is inside its body).
        pub title: Vec<u8>,
        /// Body: the client's sealed bytes or UTF-8 text (at most 8192
        /// bytes).
        pub body: Vec<u8>,
        /// The doctor who wrote it.
        pub author: AccountId,
        /// When it was stored (Unix milliseconds).
        pub created_at: Timestamp,
        /// Block number it was stored in.
        pub block: u32,
        /// blake2-256 over SCALE(kind code, title, body).
        pub content_hash: [u8; 32],
        /// The id of the record this one corrects, if any.
        pub supersedes: Option<u32>,
        /// The id of the record that corrects this one, if any.
        pub superseded_by: Option<u32>,
        /// True if written under an emergency access.
        pub emergency: bool,
    }

    /// A medication entry as its writer gives it to `add_medication`.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct NewMedication {
        /// Drug (required, at most 128 bytes; clients store it sealed).
        pub name: Vec<u8>,
        /// e.g. `500 mg` (at most 64 bytes).
        pub dose: Vec<u8>,
        /// e.g. `twice a day` (at most 64 bytes).
        pub frequency: Vec<u8>,
        /// Start (Unix milliseconds).
        pub start: Timestamp,
        /// Planned end (Unix milliseconds), if any.
        pub end: Option<Timestamp>,
        /// The prescribing doctor, if any.
        pub prescribed_by: Option<AccountId>,
        /// Notes (at most 512 bytes).
        pub notes: Vec<u8>,
    }

    /// A medication entry.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Medication {
        /// Drug name (required, at most 128 bytes).
        pub name: Vec<u8>,
        /// Dose, e.g. `500 mg` (at most 64 bytes).
        pub dose: Vec<u8>,
        /// Frequency, e.g. `twice a day` (at most 64 bytes).
        pub frequency: Vec<u8>,
        /// Start (Unix milliseconds).
        pub start: Timestamp,
        /// Planned end (Unix milliseconds), if any.
        pub end: Option<Timestamp>,
        /// Prescribing doctor, if any.
        pub prescribed_by: Option<AccountId>,
        /// Notes (at most 512 bytes).
        pub notes: Vec<u8>,
        /// Who added the entry.
        pub added_by: AccountId,
        /// When it was stopped, if it was.
        pub stopped_at: Option<Timestamp>,
        /// Added under emergency access.
        pub emergency: bool,
    }

    /// The outcome of an attempt to add a record or medication.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum WriteOutcome {
        /// Accepted and stored under this id.
        Accepted(u32),
        /// Rejected for lack of consent: nothing stored; the attempt is in
        /// the patient's access log and `AccessDenied` told the head.
        Denied(DenyReason),
    }

    /// The outcome of an audited read.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum ReadOutcome {
        /// Allowed: here is the record.
        Granted(Record),
        /// Denied; logged, and the head told.
        Denied(DenyReason),
    }

    /// What a wrapped data key opens: the patient's sealed profile fields,
    /// one of her records, or one of her medication entries. Clients encrypt
    /// each with a fresh data key and wrap that key for every reader (see
    /// README, "Encryption").
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub enum Sealed {
        /// The sealed fields of the patient's registry profile.
        Profile,
        /// The record with this id.
        Record(u32),
        /// The sealed fields (name, dose, frequency, notes) of the medication
        /// entry with this id; read like records (`RecordsRead`).
        Medication(u32),
        /// The patient's emergency card; its key is wrapped for the patient,
        /// the emergency custodian and the doctors it released it to.
        Card,
    }

    /// The emergency custodian: the account of the hospital network's
    /// emergency key service and the public key clients wrap card keys for.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct Custodian {
        /// The service's account (it signs the card releases).
        pub account: AccountId,
        /// The service's X25519 encryption public key.
        pub encryption_key: [u8; 32],
    }

    /// A patient's emergency card: a small sealed summary for break-glass.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    #[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
    pub struct EmergencyCard {
        /// The sealed card (ciphertext, 1 to 2048 bytes).
        pub body: Vec<u8>,
        /// 1 for the first card, one more on each replacement.
        pub version: u32,
        /// When it was last set (Unix milliseconds).
        pub updated_at: Timestamp,
    }

    /// Search filter; unset fields match everything.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct Filter {
        /// Only records of this kind.
        pub kind: Option<RecordKind>,
        /// Only records by this author.
        pub author: Option<AccountId>,
        /// Only records created at or after this time (Unix milliseconds).
        pub from: Option<Timestamp>,
        /// Only records created before this time (Unix milliseconds).
        pub until: Option<Timestamp>,
    }

    /// One page of search results.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct SearchPage {
        /// Matching records with their ids.
        pub items: Vec<(u32, Record)>,
        /// Where to continue the search, if the end was not reached.
        pub next: Option<u32>,
    }

    /// One page of active medications.
    #[derive(Debug, Clone, PartialEq, Eq)]
    #[ink::scale_derive(Encode, Decode, TypeInfo)]
    pub struct MedicationPage {
        /// Active medications with their ids.
        pub items: Vec<(u32, Medication)>,
        /// Where to continue, if the end was not reached.
        pub next: Option<u32>,
    }

    /// A record was accepted and stored (Algorithm 6).
    #[ink(event)]
    pub struct RecordAdded {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The author.
        #[ink(topic)]
        author: AccountId,
        /// The record id.
        id: u32,
        /// The content hash.
        content_hash: [u8; 32],
        /// The record it corrects, if any.
        supersedes: Option<u32>,
        /// Written under emergency access.
        emergency: bool,
    }

    /// A record was read through an audited read.
    #[ink(event)]
    pub struct RecordAccessed {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Who read.
        #[ink(topic)]
        reader: AccountId,
        /// The record id.
        id: u32,
        /// Read under emergency access.
        emergency: bool,
    }

    /// A medication entry was added.
    #[ink(event)]
    pub struct MedicationAdded {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Who added it.
        #[ink(topic)]
        by: AccountId,
        /// The medication id.
        id: u32,
        /// Added under emergency access.
        emergency: bool,
    }

    /// A medication was stopped.
    #[ink(event)]
    pub struct MedicationStopped {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Who stopped it.
        #[ink(topic)]
        by: AccountId,
        /// The medication id.
        id: u32,
        /// Stopped under emergency access.
        emergency: bool,
    }

    /// A reader's wrapped keys were removed: by the patient (e.g. after
    /// revoking a grant), or a card key of a reader who lost access
    /// (`prune_card_key`), so that they cannot fetch them from current state.
    #[ink(event)]
    pub struct KeysRevoked {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Whose keys were removed.
        #[ink(topic)]
        recipient: AccountId,
        /// How many keys were removed.
        count: u32,
    }

    /// A data key was wrapped for a reader and stored beside the ciphertext.
    #[ink(event)]
    pub struct KeyShared {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// Who can now unwrap it.
        #[ink(topic)]
        recipient: AccountId,
        /// What it opens.
        object: Sealed,
        /// Who stored it (the patient, the record's author, or the emergency
        /// custodian for a card).
        by: AccountId,
    }

    /// The patient destroyed every wrapped key of an item (crypto-shredding):
    /// what remains on chain is ciphertext nobody can open.
    #[ink(event)]
    pub struct KeysShredded {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// What the keys opened.
        object: Sealed,
        /// How many wrapped keys were destroyed.
        count: u32,
    }

    /// The patient set (or replaced) her emergency card; every earlier key
    /// of the card was dropped, new keys were stored for her and the
    /// custodian.
    #[ink(event)]
    pub struct CardSet {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The card's new version.
        version: u32,
        /// The custodian the key was wrapped for.
        custodian: AccountId,
    }

    /// The head designated the emergency custodian.
    #[ink(event)]
    pub struct CustodianDesignated {
        /// The custodian's account (the emergency key service).
        #[ink(topic)]
        custodian: AccountId,
        /// Its encryption public key.
        encryption_key: [u8; 32],
    }

    /// The emergency custodian released a patient's card key to a doctor
    /// with an open emergency access (also in the patient's access log).
    #[ink(event)]
    pub struct CardReleased {
        /// The patient.
        #[ink(topic)]
        patient: AccountId,
        /// The emergency doctor.
        #[ink(topic)]
        doctor: AccountId,
        /// The custodian who released it.
        custodian: AccountId,
    }

    /// The records contract's storage.
    #[ink(storage)]
    pub struct Records {
        /// The suite's registry, for standings and the head.
        registry: ink::contract_ref!(RegistryApi),
        /// The suite's permissions contract, for access bases and the log.
        permissions: ink::contract_ref!(PermissionsApi),
        /// (registry, permissions) addresses, answered by `siblings()`.
        addresses: (AccountId, AccountId),
        /// Each patient's records by id (`list` items; append-only).
        records: Mapping<(AccountId, u32), Record>,
        /// Number of records of each patient.
        record_len: Mapping<AccountId, u32>,
        /// Each patient's medication entries by id (`list` items).
        medications: Mapping<(AccountId, u32), Medication>,
        /// Number of medication entries of each patient.
        medication_len: Mapping<AccountId, u32>,
        /// Records stored since deployment, all patients together.
        total_records: u64,
        /// Who holds a wrapped key of (patient, item); at most `MAX_KEY_HOLDERS`.
        key_holders: Mapping<SealedItem, Vec<AccountId>>,
        /// The wrapped data key of (patient, item) for a recipient.
        wrapped_keys: Mapping<WrappedKeyId, Vec<u8>>,
        /// Items whose keys the patient shredded (tombstones: no key can be
        /// stored for them again).
        shredded: Mapping<SealedItem, ()>,
        /// The upgrade time lock (own cell, never read on the hot path).
        upgrade: Lazy<UpgradeLock>,
        /// Each patient's emergency card.
        cards: Mapping<AccountId, EmergencyCard>,
        /// The emergency custodian the head designated (own cell).
        custodian: Lazy<Custodian>,
        /// The annex: the code that runs this contract's less frequent
        /// messages on this storage, and the time lock of its replacement
        /// (`smrms_shared::annex`; read only by those messages).
        annex: Lazy<Annex>,
    }

    /// A sealed item of a patient: (patient, item).
    type SealedItem = (AccountId, Sealed);
    /// One wrapped key: (patient, item, recipient).
    type WrappedKeyId = (AccountId, Sealed, AccountId);

    /// Cross-contract decisions already made in one key batch.
    #[derive(Default)]
    struct KeyDecisions {
        /// The patient is registered.
        patient_ok: bool,
        /// This author may still read (and so share).
        author_ok: Option<AccountId>,
        /// The recipient holds `Demographics` now.
        demographics: bool,
        /// The recipient holds `RecordsRead` now.
        records_read: bool,
    }

    impl KeyDecisions {
        /// Whether the recipient's `scope` (a read scope) is already known.
        fn recipient(&mut self, scope: Scope) -> &mut bool {
            if scope == Scope::Demographics {
                &mut self.demographics
            } else {
                &mut self.records_read
            }
        }
    }

    impl Records {
        /// Deploys the records contract.
        ///
        /// # Arguments
        /// * `registry` - the suite's registry contract.
        /// * `permissions` - the suite's permissions contract.
        /// * `upgrade_delay_ms` - how long (ms) a proposed code upgrade waits
        ///   before anyone may enact it; fixed for the contract's life
        ///   (production: 604 800 000, 7 days; at most 90 days).
        /// * `annex` - hash of this contract's annex code (its annex package's
        ///   build, uploaded first; `smrms_shared::annex`).
        ///
        /// # Errors
        /// `InvalidDuration` for a delay past 90 days.
        #[ink(constructor)]
        pub fn new(
            registry: AccountId,
            permissions: AccountId,
            upgrade_delay_ms: Timestamp,
            annex: Hash,
        ) -> Result<Self> {
            let mut upgrade = Lazy::new();
            upgrade.set(&UpgradeLock::new(upgrade_delay_ms)?);
            Ok(Self {
                registry: registry.into(),
                permissions: permissions.into(),
                addresses: (registry, permissions),
                records: Mapping::default(),
                record_len: Mapping::default(),
                medications: Mapping::default(),
                medication_len: Mapping::default(),
                total_records: 0,
                key_holders: Mapping::default(),
                wrapped_keys: Mapping::default(),
                shredded: Mapping::default(),
                upgrade,
                cards: Mapping::default(),
                custodian: Lazy::new(),
                annex: annex::new(annex, upgrade_delay_ms)?,
            })
        }

        /// Whether `accessor` may use `scope` on `patient`'s data now, without
        /// a log entry (queries and the key store): the patient herself, or
        /// one read of permissions, which holds consents, emergencies and the
        /// standings the registry pushed.
        fn decide(&self, patient: AccountId, accessor: AccountId, scope: Scope) -> Result<AccessOutcome> {
            if patient == accessor {
                return Ok(AccessOutcome::Granted);
            }
            self.permissions.decide(patient, accessor, scope)
        }

        /// An audited access: the one cross-contract call of the hot path
        /// (permissions decides and logs); a denial is announced here with
        /// `AccessDenied` to the patient and the head.
        fn authorize(
            &mut self,
            patient: AccountId,
            accessor: AccountId,
            scope: Scope,
            action: AccessAction,
            attempt: Attempt,
        ) -> Result<AccessOutcome> {
            let auth = self.permissions.authorize(patient, accessor, scope, action, attempt)?;
            Ok(auth.announce(patient, accessor, action))
        }

        fn ensure_patient(&self, patient: AccountId) -> Result<()> {
            ensure!(self.registry.standing(patient)? == Standing::Patient, Error::UnknownPatient);
            Ok(())
        }

        /// A doctor (caller) submits a medical record for a patient after a
        /// diagnosis (the paper's Algorithm 6). The contract verifies it: the
        /// content is well formed, the patient is registered, the author is a
        /// verified doctor, and the author holds the patient's `RecordsWrite`
        /// consent or an open emergency access. If so it is stored at the
        /// patient's next id; otherwise it is rejected and nothing is stored.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `kind` - diagnosis, prescription, lab result, ...
        /// * `title` - short title (required, at most 128 bytes; clients that seal the record store `sealed`).
        /// * `body` - content (required, at most 8192 bytes): the client's sealed bytes, or UTF-8 text.
        /// * `supersedes` - id of an earlier record this one corrects, if any.
        ///
        /// # Errors
        /// `EmptyField` / `FieldTooLong`; `UnknownPatient`;
        /// `NotVerifiedDoctor` for an author who is not a verified doctor;
        /// `UnknownRecord` / `AlreadySuperseded` for a bad correction;
        /// `NotAuthor` when correcting another author's record (add a new
        /// record that references it instead).
        /// Lack of consent is not an error: it returns `Ok(Denied(NoConsent))`,
        /// logs the attempt and emits `AccessDenied`, and stores no record.
        #[ink(message)]
        pub fn add_record(
            &mut self,
            patient: AccountId,
            kind: RecordKind,
            title: Vec<u8>,
            body: Vec<u8>,
            supersedes: Option<u32>,
        ) -> Result<WriteOutcome> {
            not_in_annex!();
            let author = self.env().caller();
            validate_record(&title, &body)?;
            // patient registered, author a verified doctor, consent: decided and logged in one call
            let action = AccessAction::WriteRecord;
            let outcome = self.authorize(patient, author, Scope::RecordsWrite, action, Attempt::DoctorWrite)?;
            let corrected = match supersedes {
                Some(old) => {
                    let r = list::get(&self.records, patient, old).ok_or(Error::UnknownRecord)?;
                    rules::check_correction(&r, author)?;
                    Some((old, r))
                }
                None => None,
            };
            let emergency = match rules::granted(outcome) {
                Err(reason) => return Ok(WriteOutcome::Denied(reason)),
                Ok(emergency) => emergency,
            };
            let content_hash = record_content_hash(kind.code(), &title, &body);
            let record = Record {
                kind,
                title,
                body,
                author,
                created_at: self.env().block_timestamp(),
                block: self.env().block_number(),
                content_hash,
                supersedes,
                superseded_by: None,
                emergency,
            };
            let id = list::push(&mut self.records, &mut self.record_len, patient, &record, Bound::NONE)?;
            // the corrected record points to the new one (its id known only
            // now: the list's length is read once, by `push`)
            if let Some((old, mut r)) = corrected {
                r.superseded_by = Some(id);
                list::set(&mut self.records, patient, old, &r);
            }
            self.total_records = self.total_records.checked_add(1).ok_or(Error::Overflow)?;
            self.env().emit_event(RecordAdded { patient, author, id, content_hash, supersedes, emergency });
            Ok(WriteOutcome::Accepted(id))
        }

        fn readable(&self, patient: AccountId) -> Result<()> {
            match self.decide(patient, self.env().caller(), Scope::RecordsRead)? {
                AccessOutcome::Denied(_) => Err(Error::NotAllowed),
                _ => Ok(()),
            }
        }

        /// One record, for the patient, grantees with `RecordsRead` consent
        /// and open emergency access. **Advisory** (a query hides nothing from
        /// a determined reader); `read_record` is the audited form.
        ///
        /// # Errors
        /// `NotAllowed`; `UnknownRecord`.
        #[ink(message)]
        pub fn record(&self, patient: AccountId, id: u32) -> Result<Record> {
            in_annex!(&self.annex);
            self.readable(patient)?;
            list::get(&self.records, patient, id).ok_or(Error::UnknownRecord)
        }

        /// Audited read of one record (a transaction): the read is logged in
        /// the patient's access log and announced by `RecordAccessed`; a
        /// denial is logged and announced by `AccessDenied` to the patient
        /// and the head.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `id` - the record id.
        ///
        /// # Errors
        /// `UnknownRecord`. A denial returns `Ok(Denied(reason))`.
        #[ink(message)]
        pub fn read_record(&mut self, patient: AccountId, id: u32) -> Result<ReadOutcome> {
            not_in_annex!();
            let reader = self.env().caller();
            let record = list::get(&self.records, patient, id).ok_or(Error::UnknownRecord)?;
            let action = AccessAction::ReadRecord(id);
            let outcome = self.authorize(patient, reader, Scope::RecordsRead, action, Attempt::Read)?;
            Ok(match rules::granted(outcome) {
                Err(reason) => ReadOutcome::Denied(reason),
                Ok(emergency) => {
                    self.env().emit_event(RecordAccessed { patient, reader, id, emergency });
                    ReadOutcome::Granted(record)
                }
            })
        }

        /// A page of a patient's records, oldest first (advisory access check).
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `start` - first record id.
        /// * `limit` - records wanted; capped at 50.
        ///
        /// # Errors
        /// `NotAllowed`.
        #[ink(message)]
        pub fn records(&self, patient: AccountId, start: u32, limit: u32) -> Result<Vec<(u32, Record)>> {
            in_annex!(&self.annex);
            self.readable(patient)?;
            Ok(list::page_with(&self.records, &self.record_len, patient, start, limit, |i, r| Some((i, r))))
        }

        /// Search a patient's records by kind, author and time range (the
        /// paper's "search for a particular medical record"). Scans at most
        /// 200 records from `start` and returns at most `limit` (≤ 50)
        /// matches plus where to continue.
        ///
        /// # Errors
        /// `NotAllowed`.
        #[ink(message)]
        pub fn search(&self, patient: AccountId, filter: Filter, start: u32, limit: u32) -> Result<SearchPage> {
            in_annex!(&self.annex);
            self.readable(patient)?;
            let len = list::len(&self.record_len, patient);
            let get = |i| list::get(&self.records, patient, i);
            let (items, next) = rules::scan(start, len, MAX_SCAN, limit.min(MAX_PAGE), get, |r| filter.matches(r));
            Ok(SearchPage { items, next })
        }

        /// The correction history of a record: ids from the original to the
        /// latest correction (at most 50 steps each way).
        ///
        /// # Errors
        /// `NotAllowed`; `UnknownRecord`.
        #[ink(message)]
        pub fn history(&self, patient: AccountId, id: u32) -> Result<Vec<u32>> {
            in_annex!(&self.annex);
            self.readable(patient)?;
            let mut r = list::get(&self.records, patient, id).ok_or(Error::UnknownRecord)?;
            let mut first = id;
            let mut steps = 0;
            while let (Some(prev), true) = (r.supersedes, steps < MAX_PAGE) {
                first = prev;
                r = list::get(&self.records, patient, prev).ok_or(Error::UnknownRecord)?;
                steps = steps.saturating_add(1);
            }
            let mut chain = Vec::from([first]);
            while let (Some(next), true) = (r.superseded_by, chain.len() < (MAX_PAGE as usize).saturating_mul(2)) {
                chain.push(next);
                r = list::get(&self.records, patient, next).ok_or(Error::UnknownRecord)?;
            }
            Ok(chain)
        }

        /// Number of records a patient has (public: reveals no content).
        #[ink(message)]
        pub fn record_count(&self, patient: AccountId) -> Result<u32> {
            in_annex!(&self.annex);
            Ok(list::len(&self.record_len, patient))
        }

        /// Tamper check: whether this content is exactly what was stored as
        /// the record (compares blake2-256 hashes). Public: it reveals only
        /// whether the given content matches.
        ///
        /// # Errors
        /// `UnknownRecord`.
        #[ink(message)]
        pub fn verify_record(
            &self,
            patient: AccountId,
            id: u32,
            kind: RecordKind,
            title: Vec<u8>,
            body: Vec<u8>,
        ) -> Result<bool> {
            in_annex!(&self.annex);
            let r = list::get(&self.records, patient, id).ok_or(Error::UnknownRecord)?;
            Ok(r.content_hash == record_content_hash(kind.code(), &title, &body))
        }

        /// Adds a medication entry for a patient: by the patient herself, or
        /// by a verified doctor with `RecordsWrite` consent or emergency access.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `medication` - its fields are opaque bytes (the client seals them):
        ///   name (required, at most 128 bytes), dose and
        ///   frequency (at most 64 bytes each), start and planned end (Unix
        ///   milliseconds), the prescribing doctor if any, notes (at most 512
        ///   bytes).
        ///
        /// # Errors
        /// `EmptyField` / `FieldTooLong` / `InvalidTimeRange`; `UnknownPatient`;
        /// `NotVerifiedDoctor` for other callers than the patient who are not
        /// verified doctors. Lack of consent returns `Ok(Denied(..))`.
        #[ink(message)]
        pub fn add_medication(&mut self, patient: AccountId, medication: NewMedication) -> Result<WriteOutcome> {
            in_annex!(&self.annex);
            let NewMedication { name, dose, frequency, start, end, prescribed_by, notes } = medication;
            let by = self.env().caller();
            validate_medication(&name, &dose, &frequency, &notes, start, end)?;
            let emergency = match rules::granted(self.medication_write(patient, by, AccessAction::WriteMedication)?) {
                Err(reason) => return Ok(WriteOutcome::Denied(reason)),
                Ok(emergency) => emergency,
            };
            let medication = Medication {
                name,
                dose,
                frequency,
                start,
                end,
                prescribed_by,
                notes,
                added_by: by,
                stopped_at: None,
                emergency,
            };
            let id = list::push(&mut self.medications, &mut self.medication_len, patient, &medication, Bound::NONE)?;
            self.env().emit_event(MedicationAdded { patient, by, id, emergency });
            Ok(WriteOutcome::Accepted(id))
        }

        /// Stops a medication: by the patient, or a verified doctor with
        /// `RecordsWrite` consent or emergency access. A doctor's attempt is
        /// logged in the patient's access log, granted or denied, like
        /// `add_medication`.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `id` - the medication entry.
        ///
        /// # Errors
        /// `UnknownMedication`; `MedicationAlreadyStopped`; `NotVerifiedDoctor`.
        /// Lack of consent returns `Ok(Denied(..))`, logged, with
        /// `AccessDenied`; nothing changes.
        #[ink(message)]
        pub fn stop_medication(&mut self, patient: AccountId, id: u32) -> Result<WriteOutcome> {
            in_annex!(&self.annex);
            let by = self.env().caller();
            let mut m = list::get(&self.medications, patient, id).ok_or(Error::UnknownMedication)?;
            ensure!(m.stopped_at.is_none(), Error::MedicationAlreadyStopped);
            let emergency = match rules::granted(self.medication_write(patient, by, AccessAction::StopMedication)?) {
                Err(reason) => return Ok(WriteOutcome::Denied(reason)),
                Ok(emergency) => emergency,
            };
            m.stopped_at = Some(self.env().block_timestamp());
            list::set(&mut self.medications, patient, id, &m);
            self.env().emit_event(MedicationStopped { patient, by, id, emergency });
            Ok(WriteOutcome::Accepted(id))
        }

        /// The decision on a medication write by `by` (one call into
        /// permissions): the patient must be registered (`UnknownPatient`);
        /// the patient herself is granted without a log entry (her own data);
        /// anyone else must be a verified doctor (`NotVerifiedDoctor`) and is
        /// decided on `RecordsWrite`, logged and, on denial, announced to the head.
        fn medication_write(
            &mut self,
            patient: AccountId,
            by: AccountId,
            action: AccessAction,
        ) -> Result<AccessOutcome> {
            self.authorize(patient, by, Scope::RecordsWrite, action, Attempt::PatientOrDoctorWrite)
        }

        /// A page of a patient's medications (all, stopped ones included).
        ///
        /// # Errors
        /// `NotAllowed`.
        #[ink(message)]
        pub fn medications(&self, patient: AccountId, start: u32, limit: u32) -> Result<Vec<(u32, Medication)>> {
            in_annex!(&self.annex);
            self.readable(patient)?;
            Ok(list::page_with(&self.medications, &self.medication_len, patient, start, limit, |i, m| Some((i, m))))
        }

        /// Active (not stopped) medications, scanning at most 200 entries
        /// from `start`; returns matches and where to continue.
        ///
        /// # Errors
        /// `NotAllowed`.
        #[ink(message)]
        pub fn active_medications(&self, patient: AccountId, start: u32) -> Result<MedicationPage> {
            in_annex!(&self.annex);
            self.readable(patient)?;
            let len = list::len(&self.medication_len, patient);
            let get = |i| list::get(&self.medications, patient, i);
            let (items, next) = rules::scan(start, len, MAX_SCAN, MAX_PAGE, get, |m| m.stopped_at.is_none());
            Ok(MedicationPage { items, next })
        }

        /// Test fixture only (cfg `upgrade_fixture`, set by
        /// e2e/records-v2/build.rs for the second build the upgrade e2e test
        /// enacts): the code version, 2. The release build has no such message.
        #[cfg(upgrade_fixture)]
        #[ink(message)]
        pub fn code_version(&self) -> Result<u32> {
            Ok(2)
        }

        /// **Benchmark builds only** (`--features bench`, never in a release
        /// bundle): appends `n` small records for `patient` authored by the
        /// caller, without checks, to measure cost at scale quickly.
        #[cfg(feature = "bench")]
        #[ink(message)]
        pub fn bench_fill(&mut self, patient: AccountId, n: u32) -> Result<u32> {
            in_annex!(&self.annex);
            let author = self.env().caller();
            let mut len = self.record_len.get(patient).unwrap_or(0);
            let record = Record {
                kind: RecordKind::Note,
                title: b"bench".to_vec(),
                body: b"bench record".to_vec(),
                author,
                created_at: self.env().block_timestamp(),
                block: self.env().block_number(),
                content_hash: [0; 32],
                supersedes: None,
                superseded_by: None,
                emergency: false,
            };
            for _ in 0..n {
                self.records.insert((patient, len), &record);
                len = len.checked_add(1).ok_or(Error::Overflow)?;
            }
            self.record_len.insert(patient, &len);
            Ok(len)
        }

        /// Records stored since deployment, all patients together.
        #[ink(message)]
        pub fn total_records(&self) -> Result<u64> {
            in_annex!(&self.annex);
            Ok(self.total_records)
        }

        /// Stores a data key wrapped (HPKE) for `recipient` beside the
        /// ciphertext of a patient's profile, record, medication entry or
        /// emergency card.
        ///
        /// Who may store: for the profile, the patient; for a record or
        /// medication, the patient or its author (who added it) while the
        /// author still holds the patient's read access now (verified, by
        /// consent or open emergency access). Only the patient may replace a
        /// stored key; an author may only add a missing one, so nobody but
        /// the patient can lock her out of her own data. Who may receive: the
        /// patient, the author, or an account that holds the matching read
        /// access now (`Demographics` for the profile, `RecordsRead` for
        /// records, medications and the card). After `shred_keys` no key can
        /// be stored for the item again. A grant made later is served by the
        /// patient's client wrapping the existing keys again (`share_keys`
        /// takes a batch). The card: the patient stores keys like for a
        /// record (the custodian may receive one); the emergency custodian
        /// may add a missing card key only for a verified doctor with an open
        /// emergency access on the patient, which is logged (`ReadCard`).
        ///
        /// # Arguments
        /// * `patient` - the patient whose data it is.
        /// * `object` - `Profile`, `Record(id)`, `Medication(id)` or `Card`.
        /// * `recipient` - the account the key is wrapped for.
        /// * `wrapped` - the wrapped key (1 to 128 bytes).
        ///
        /// # Errors
        /// `EmptyField` / `FieldTooLong` for `wrapped`; `UnknownPatient`;
        /// `UnknownRecord`; `UnknownMedication`; `NoCard`; `NotAllowed` for
        /// any other caller (an author who lost access, the custodian for
        /// anything but the card); `RecipientNotAllowed` (for the custodian:
        /// no open emergency access of that doctor); `NotVerifiedDoctor` for a
        /// card release to anyone but a verified doctor; `KeyAlreadyStored`
        /// for an author or the custodian replacing a key; `ItemShredded`;
        /// `TooManyKeyHolders` past 72 recipients.
        #[ink(message)]
        pub fn share_key(
            &mut self,
            patient: AccountId,
            object: Sealed,
            recipient: AccountId,
            wrapped: Vec<u8>,
        ) -> Result<()> {
            in_annex!(&self.annex);
            let by = self.env().caller();
            let mut decided = KeyDecisions::default();
            self.store_key(&mut decided, by, patient, object, recipient, &wrapped)
        }

        /// `share_key` for up to 32 items at once, all for one recipient
        /// (e.g. the history of a patient for a newly granted doctor): the
        /// same rules for every item; any refusal refuses the whole batch.
        ///
        /// # Arguments
        /// * `patient` - the patient whose data it is.
        /// * `recipient` - the account the keys are wrapped for.
        /// * `keys` - (item, wrapped key) pairs, 1 to 32.
        ///
        /// # Errors
        /// As `share_key`; `EmptyField` for an empty batch, `TooManyItems`
        /// past 32.
        #[ink(message)]
        pub fn share_keys(
            &mut self,
            patient: AccountId,
            recipient: AccountId,
            keys: Vec<(Sealed, Vec<u8>)>,
        ) -> Result<u32> {
            in_annex!(&self.annex);
            rules::check_key_batch(keys.len())?;
            let by = self.env().caller();
            let mut decided = KeyDecisions::default();
            for (object, wrapped) in &keys {
                self.store_key(&mut decided, by, patient, *object, recipient, wrapped)?;
            }
            u32::try_from(keys.len()).map_err(|_| Error::Overflow)
        }

        /// The rules of `share_key`, with the cross-contract decisions cached
        /// per batch (`decided`).
        fn store_key(
            &mut self,
            decided: &mut KeyDecisions,
            by: AccountId,
            patient: AccountId,
            object: Sealed,
            recipient: AccountId,
            wrapped: &[u8],
        ) -> Result<()> {
            rules::check_wrapped_key(wrapped)?;
            let author = match object {
                Sealed::Profile => {
                    if !decided.patient_ok {
                        self.ensure_patient(patient)?;
                        decided.patient_ok = true;
                    }
                    None
                }
                Sealed::Record(id) => Some(list::get(&self.records, patient, id).ok_or(Error::UnknownRecord)?.author),
                Sealed::Medication(id) => {
                    Some(list::get(&self.medications, patient, id).ok_or(Error::UnknownMedication)?.added_by)
                }
                Sealed::Card => {
                    ensure!(self.cards.contains(patient), Error::NoCard);
                    None
                }
            };
            ensure!(!self.shredded.contains((patient, object)), Error::ItemShredded);
            let custodian = if object == Sealed::Card { self.custodian.get().map(|c| c.account) } else { None };
            let writer = rules::key_writer(by, patient, author, custodian)?;
            if writer == KeyWriter::Custodian {
                // only the card, only to a verified doctor with an open
                // emergency access now; logged in the patient's access log
                let stored = self.wrapped_keys.contains((patient, object, recipient));
                rules::check_key_write(writer, stored)?;
                let released = self.permissions.authorize(
                    patient,
                    recipient,
                    Scope::RecordsRead,
                    AccessAction::ReadCard,
                    Attempt::CardRelease,
                )?;
                ensure!(released.outcome == AccessOutcome::GrantedEmergency, Error::RecipientNotAllowed);
                self.env().emit_event(CardReleased { patient, doctor: recipient, custodian: by });
            }
            if writer == KeyWriter::Author {
                // An author keeps the right to share only while she may read.
                if decided.author_ok != Some(by) {
                    let may_read = self.decide(patient, by, Scope::RecordsRead)?;
                    ensure!(!matches!(may_read, AccessOutcome::Denied(_)), Error::NotAllowed);
                    decided.author_ok = Some(by);
                }
                let stored = self.wrapped_keys.contains((patient, object, recipient));
                rules::check_key_write(KeyWriter::Author, stored)?;
            }
            if writer != KeyWriter::Custodian && rules::recipient_needs_access(recipient, patient, author, custodian) {
                let scope = rules::read_scope(object);
                if !*decided.recipient(scope) {
                    let may_read = self.decide(patient, recipient, scope)?;
                    ensure!(!matches!(may_read, AccessOutcome::Denied(_)), Error::RecipientNotAllowed);
                    *decided.recipient(scope) = true;
                }
            }
            let mut holders = self.key_holders.get((patient, object)).unwrap_or_default();
            if rules::add_key_holder(&mut holders, recipient)? {
                self.key_holders.insert((patient, object), &holders);
            }
            self.wrapped_keys.insert((patient, object, recipient), &wrapped.to_vec());
            self.env().emit_event(KeyShared { patient, recipient, object, by });
            Ok(())
        }

        /// The patient removes `recipient`'s wrapped keys of up to 32 of her
        /// items, e.g. right after revoking a grant, so that the revoked
        /// reader cannot fetch them from current state (keys fetched before
        /// cannot be taken back) and the item's key-holder list has room for
        /// new readers. Items without a key for `recipient` are skipped.
        /// Returns how many keys were removed.
        ///
        /// Who may call: the patient.
        ///
        /// # Arguments
        /// * `patient` - the patient (the caller).
        /// * `recipient` - whose keys to remove (not the patient herself).
        /// * `objects` - the items, 1 to 32.
        ///
        /// # Errors
        /// `NotAllowed` for anyone but the patient or for `recipient` =
        /// `patient`; `EmptyField` / `TooManyItems` for the batch size.
        #[ink(message)]
        pub fn revoke_keys(&mut self, patient: AccountId, recipient: AccountId, objects: Vec<Sealed>) -> Result<u32> {
            in_annex!(&self.annex);
            rules::may_revoke_keys(self.env().caller(), patient, recipient)?;
            rules::check_key_batch(objects.len())?;
            let mut count: u32 = 0;
            for object in objects {
                if self.wrapped_keys.take((patient, object, recipient)).is_some() {
                    let mut holders = self.key_holders.get((patient, object)).unwrap_or_default();
                    holders.retain(|h| *h != recipient);
                    self.key_holders.insert((patient, object), &holders);
                    count = count.checked_add(1).ok_or(Error::Overflow)?;
                }
            }
            self.env().emit_event(KeysRevoked { patient, recipient, count });
            Ok(count)
        }

        /// The data key of a patient's profile, record or medication wrapped for
        /// `recipient`, if one is stored. Public like all chain storage: a
        /// wrapped key opens nothing without the recipient's private key.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `object` - `Profile`, `Record(id)`, `Medication(id)` or `Card`.
        /// * `recipient` - the reader.
        #[ink(message)]
        pub fn key_of(&self, patient: AccountId, object: Sealed, recipient: AccountId) -> Result<Option<Vec<u8>>> {
            in_annex!(&self.annex);
            Ok(self.wrapped_keys.get((patient, object, recipient)))
        }

        /// Everyone holding a wrapped key of a patient's profile, record or medication.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `object` - `Profile`, `Record(id)`, `Medication(id)` or `Card`.
        #[ink(message)]
        pub fn key_holders(&self, patient: AccountId, object: Sealed) -> Result<Vec<AccountId>> {
            in_annex!(&self.annex);
            Ok(self.key_holders.get((patient, object)).unwrap_or_default())
        }

        /// Erasure on request (crypto-shredding): the patient destroys every
        /// wrapped key of her profile, of one record or of one medication
        /// entry. The ciphertext stays
        /// (the chain is append-only) but nobody can open it any more, unless
        /// a reader kept the data key or the plaintext before. Returns how
        /// many keys were destroyed. The item is tombstoned: no key can be
        /// stored for it afterwards, so it stays unreadable.
        ///
        /// Who may call: the patient.
        ///
        /// # Arguments
        /// * `patient` - the patient (the caller).
        /// * `object` - `Profile`, `Record(id)`, `Medication(id)` or `Card`.
        ///
        /// # Errors
        /// `NotAllowed` for anyone but the patient.
        #[ink(message)]
        pub fn shred_keys(&mut self, patient: AccountId, object: Sealed) -> Result<u32> {
            in_annex!(&self.annex);
            ensure!(self.env().caller() == patient, Error::NotAllowed);
            let holders = self.key_holders.take((patient, object)).unwrap_or_default();
            self.shredded.insert((patient, object), &());
            for h in &holders {
                self.wrapped_keys.remove((patient, object, *h));
            }
            let count = u32::try_from(holders.len()).map_err(|_| Error::Overflow)?;
            self.env().emit_event(KeysShredded { patient, object, count });
            Ok(count)
        }

        // ---------------------------------------------------------------
        // Emergency card
        // ---------------------------------------------------------------

        /// The head designates the emergency custodian: the account of the
        /// hospital network's emergency key service, which may pass a
        /// patient's card key to a doctor during an open emergency access.
        /// Never the head's own account. Cards set before a change stay
        /// wrapped for the former custodian until their patient sets them
        /// again.
        ///
        /// # Arguments
        /// * `custodian` - the service's account.
        /// * `encryption_key` - the service's X25519 public key (32 bytes),
        ///   which patients' clients wrap their card keys for.
        ///
        /// # Errors
        /// `NotHead`; `ZeroAccount`; `NotAllowed` for the head's own account;
        /// `InvalidKey` for 32 zero bytes.
        #[ink(message)]
        pub fn designate_custodian(&mut self, custodian: AccountId, encryption_key: [u8; 32]) -> Result<()> {
            in_annex!(&self.annex);
            self.ensure_head()?;
            ensure_not_zero(&custodian)?;
            ensure!(custodian != self.env().caller(), Error::NotAllowed);
            ensure!(encryption_key != [0u8; 32], Error::InvalidKey);
            self.custodian.set(&Custodian { account: custodian, encryption_key });
            self.env().emit_event(CustodianDesignated { custodian, encryption_key });
            Ok(())
        }

        /// The emergency custodian (account and encryption key), once the
        /// head designated one.
        #[ink(message)]
        pub fn custodian(&self) -> Result<Option<Custodian>> {
            in_annex!(&self.annex);
            Ok(self.custodian.get())
        }

        /// The patient (caller) sets or replaces her emergency card: the
        /// card sealed under a fresh data key, and that key wrapped for her
        /// and for the custodian. Every key of an earlier card is dropped,
        /// so doctors who read the old card cannot open the new one. Returns
        /// the card's version.
        ///
        /// # Arguments
        /// * `body` - the sealed card (1 to 2048 bytes).
        /// * `own_key` - the data key wrapped for the patient (1 to 128 bytes).
        /// * `custodian_key` - the data key wrapped for the custodian.
        ///
        /// # Errors
        /// `EmptyField` / `FieldTooLong`; `NoCustodian`; `UnknownPatient`.
        #[ink(message)]
        pub fn set_card(&mut self, body: Vec<u8>, own_key: Vec<u8>, custodian_key: Vec<u8>) -> Result<u32> {
            in_annex!(&self.annex);
            let patient = self.env().caller();
            rules::check_card(&body)?;
            rules::check_wrapped_key(&own_key)?;
            rules::check_wrapped_key(&custodian_key)?;
            let custodian = self.custodian.get().ok_or(Error::NoCustodian)?.account;
            self.ensure_patient(patient)?;
            let item = (patient, Sealed::Card);
            for holder in self.key_holders.take(item).unwrap_or_default() {
                self.wrapped_keys.remove((patient, Sealed::Card, holder));
            }
            self.shredded.remove(item);
            let version = match self.cards.get(patient) {
                Some(card) => card.version.checked_add(1).ok_or(Error::Overflow)?,
                None => 1,
            };
            let updated_at = self.env().block_timestamp();
            self.cards.insert(patient, &EmergencyCard { body, version, updated_at });
            let mut holders = Vec::new();
            for (holder, key) in [(patient, &own_key), (custodian, &custodian_key)] {
                rules::add_key_holder(&mut holders, holder)?;
                self.wrapped_keys.insert((patient, Sealed::Card, holder), key);
            }
            self.key_holders.insert(item, &holders);
            self.env().emit_event(CardSet { patient, version, custodian });
            Ok(version)
        }

        /// Removes `holder`'s key of a patient's emergency card once `holder`
        /// may no longer read the patient's records (her emergency access
        /// closed or expired, and no consent or guardianship), so that keys
        /// released in past emergencies do not fill the card's key-holder
        /// list (72) and block the next release. Anyone may call it: the
        /// patient, the emergency key service, the doctor. Returns whether a
        /// key was removed.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        /// * `holder` - the account whose card key goes.
        ///
        /// # Errors
        /// `NotAllowed` for the patient's or the custodian's own key, or
        /// while `holder` may still read the patient's records.
        #[ink(message)]
        pub fn prune_card_key(&mut self, patient: AccountId, holder: AccountId) -> Result<bool> {
            in_annex!(&self.annex);
            let custodian = self.custodian.get().map(|c| c.account);
            ensure!(holder != patient && Some(holder) != custodian, Error::NotAllowed);
            if !self.wrapped_keys.contains((patient, Sealed::Card, holder)) {
                return Ok(false);
            }
            let may_read = self.decide(patient, holder, Scope::RecordsRead)?;
            ensure!(matches!(may_read, AccessOutcome::Denied(_)), Error::NotAllowed);
            self.wrapped_keys.remove((patient, Sealed::Card, holder));
            let mut holders = self.key_holders.get((patient, Sealed::Card)).unwrap_or_default();
            holders.retain(|h| *h != holder);
            self.key_holders.insert((patient, Sealed::Card), &holders);
            self.env().emit_event(KeysRevoked { patient, recipient: holder, count: 1 });
            Ok(true)
        }

        /// A patient's emergency card (ciphertext; public like all chain
        /// storage), if she set one.
        ///
        /// # Arguments
        /// * `patient` - the patient.
        #[ink(message)]
        pub fn card(&self, patient: AccountId) -> Result<Option<EmergencyCard>> {
            in_annex!(&self.annex);
            Ok(self.cards.get(patient))
        }

        /// The registry and permissions contracts this contract trusts.
        #[ink(message)]
        pub fn siblings(&self) -> Result<(AccountId, AccountId)> {
            in_annex!(&self.annex);
            Ok(self.addresses)
        }
    }

    /// Time-locked code upgrades (see `smrms_shared::upgrade`); the head is
    /// the registry's.
    impl Upgradeable for Records {
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
    impl Annexed for Records {
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
    impl Records {
        /// `NotHead` unless the caller is the registry's head (one
        /// cross-contract call; used by administrative messages only).
        fn ensure_head(&self) -> Result<()> {
            ensure!(self.env().caller() == self.registry.head()?, Error::NotHead);
            Ok(())
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use smrms_shared::{MAX_BODY_LEN, MAX_KEY_HOLDERS, MAX_TITLE_LEN, MAX_WRAPPED_KEY_LEN};

        fn rec(kind: RecordKind, author: u8, at: u64) -> Record {
            Record {
                kind,
                title: "t".into(),
                body: "b".into(),
                author: AccountId::from([author; 32]),
                created_at: at,
                block: 1,
                content_hash: [0; 32],
                supersedes: None,
                superseded_by: None,
                emergency: false,
            }
        }

        #[ink::test]
        fn key_store_checks_input_before_anything_else() {
            let a = ink::env::test::default_accounts::<ink::env::DefaultEnvironment>();
            let mut r = Records::new(a.django, a.eve, 0, Hash::from([0xA7; 32])).unwrap();
            ink::env::test::set_caller::<ink::env::DefaultEnvironment>(a.bob);
            let obj = Sealed::Record(0);
            assert_eq!(r.share_key(a.bob, obj, a.charlie, vec![]), Err(Error::EmptyField));
            assert_eq!(r.share_key(a.bob, obj, a.charlie, vec![1; MAX_WRAPPED_KEY_LEN + 1]), Err(Error::FieldTooLong));
            assert_eq!(r.share_key(a.bob, obj, a.charlie, vec![1; MAX_WRAPPED_KEY_LEN]), Err(Error::UnknownRecord));
            assert_eq!(r.share_key(a.bob, Sealed::Medication(0), a.bob, vec![1; 80]), Err(Error::UnknownMedication));
            assert_eq!(r.key_of(a.bob, obj, a.charlie), Ok(None));
            assert_eq!(r.key_holders(a.bob, Sealed::Profile), Ok(vec![]));
            assert_eq!(r.shred_keys(a.alice, obj), Err(Error::NotAllowed), "only the patient shreds");
            assert_eq!(r.shred_keys(a.bob, obj), Ok(0));
            assert_eq!(ink::env::test::recorded_events().count(), 1, "one KeysShredded");
        }

        #[test]
        fn largest_key_holder_list_fits_the_storage_buffer() {
            use scale::Encode;
            let holders = vec![AccountId::from([9; 32]); MAX_KEY_HOLDERS as usize];
            assert!(holders.encoded_size() < 16 * 1024);
            assert!(vec![0u8; MAX_WRAPPED_KEY_LEN].encoded_size() < 16 * 1024);
        }

        /// A record as the code before issue 16 stored it: title and body
        /// were `String`s (the clients' sealed text).
        #[derive(scale::Encode)]
        struct RecordWithText {
            kind: RecordKind,
            title: String,
            body: String,
            author: AccountId,
            created_at: Timestamp,
            block: u32,
            content_hash: [u8; 32],
            supersedes: Option<u32>,
            superseded_by: Option<u32>,
            emergency: bool,
        }

        #[test]
        fn a_record_stored_with_text_fields_reads_back_as_their_bytes() {
            use scale::{Decode, Encode};
            let (title, body) = ("sealed", "smrms-enc1:AAECAwQF.".to_string() + &"ab".repeat(32));
            let hash = record_content_hash(RecordKind::Note.code(), title.as_bytes(), body.as_bytes());
            let old = RecordWithText {
                kind: RecordKind::Note,
                title: title.into(),
                body: body.clone(),
                author: AccountId::from([7; 32]),
                created_at: 5,
                block: 2,
                content_hash: hash,
                supersedes: Some(1),
                superseded_by: None,
                emergency: true,
            };
            let stored = old.encode();
            let now = Record::decode(&mut &stored[..]).expect("the new type reads the old value");
            assert_eq!((now.title.as_slice(), now.body.as_slice()), (title.as_bytes(), body.as_bytes()));
            assert_eq!((now.author, now.created_at, now.block), (old.author, 5, 2));
            assert_eq!((now.supersedes, now.superseded_by, now.emergency), (Some(1), None, true));
            // the tamper check still holds for it, over the same bytes
            assert_eq!(now.content_hash, record_content_hash(now.kind.code(), &now.title, &now.body));
            // and written back it is the same value
            assert_eq!(now.encode(), stored);
        }

        #[test]
        fn largest_record_fits_the_storage_buffer() {
            use scale::Encode;
            let mut r = rec(RecordKind::Note, 1, 0);
            r.title = vec![b't'; MAX_TITLE_LEN];
            r.body = vec![b'b'; MAX_BODY_LEN];
            r.supersedes = Some(1);
            r.superseded_by = Some(2);
            assert!(r.encoded_size() < 16 * 1024);
        }

        #[test]
        fn kind_codes_are_stable() {
            assert_eq!(RecordKind::Diagnosis.code(), 0);
            assert_eq!(RecordKind::Note.code(), 5);
        }
    }
}
