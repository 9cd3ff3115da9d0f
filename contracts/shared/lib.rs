#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The SCALE derive of enums with data variants casts the variant index
// (`usize as u8`), which trips cargo-contract's `cast_possible_truncation`
// lint inside generated code. Our own code uses no narrowing casts.
#![allow(clippy::cast_possible_truncation)]
//! # smrms-shared
//!
//! Types, the error enum, bounds and the cross-contract interfaces
//! (`#[ink::trait_definition]`) that the four SMRMS contracts share.
//! No contract crate depends on another contract crate: they depend on this
//! crate only and talk through the traits below with `ink::contract_ref!`.
//!
//! ## Where the rules live
//! Everything that can be decided without a chain is a plain function with
//! native unit tests beside it:
//! - here, the rules more than one contract applies: text bounds
//!   ([`check_required`], [`check_optional`]), [`ensure_not_zero`], the
//!   access decision [`decide_access`], page bounds ([`page_bounds`]) and
//!   the record content hash;
//! - in each contract's `rules.rs`, that contract's own rules: the provider
//!   status machine and profile checks (`contracts/registry/rules.rs`),
//!   grant and emergency validity in time, the access basis and the
//!   access-log folding rule (`contracts/permissions/rules.rs`), record and
//!   medication checks, the search filter and the key-store decisions
//!   (`contracts/records/rules.rs`), the appointment state machine and the
//!   escrow (`contracts/appointments/rules.rs`).
//!
//! Each contract's `lib.rs` keeps its storage, events and messages, which
//! read storage, call these rules and write the result.
//!
//! ## Shared mechanics
//! - [`list`]: the per-account lists every contract keeps over a pair of
//!   existing mappings (push, get, page, swap-remove);
//! - [`PermissionsApi::authorize`] + [`Authorized::announce`]: the one
//!   cross-contract call of an audited access (decide and log in
//!   permissions), then `AccessDenied` from the calling contract on denial;
//! - [`ensure!`]: a one-line guard, `ensure!(cond, Error::X)`;
//! - [`upgrade`]: the time-locked code upgrade of all four contracts.

pub mod annex;
pub mod list;
pub mod upgrade;

use ink::prelude::vec::Vec;
use ink::primitives::AccountId;

/// Returns `Err(err)` from the enclosing function unless `cond` holds: a
/// one-line guard, `ensure!(caller == owner, Error::NotAllowed)`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $err:expr $(,)?) => {
        if !$cond {
            return ::core::result::Result::Err($err);
        }
    };
}

/// Ends the message being executed with the answer `Ok(value)`, encoded as
/// ink! encodes it, **without writing the contract's root struct back**.
///
/// ink! 5 writes a `&mut self` message's root struct back to storage after
/// the message, even when no root field changed: one storage write (about
/// 13 KB of proof and 0.3 × 10⁹ ps, docs/benchmark.md). A message whose
/// writes all go to `Mapping`/`Lazy` cells (which are written at once) calls
/// this instead of returning; ink! then never reaches its write-back.
///
/// Only for messages that change **no field of the root struct**, only with
/// an `Ok` answer (an `Err` must revert, which ink!'s own return does), and
/// only on chain: off chain (unit tests) it returns and the message returns
/// normally.
pub fn answer_keeping_root<T: scale::Encode>(value: &T) {
    if cfg!(target_arch = "wasm32") {
        ink::env::return_value::<ink::MessageResult<core::result::Result<&T, Error>>>(
            ink::env::ReturnFlags::empty(),
            &Ok(Ok(value)),
        )
    }
}

/// Unix time in **milliseconds**, as returned by `block_timestamp()`.
pub type Timestamp = u64;
/// Native balance of the chain (pallet-balances `u128`).
pub type Balance = u128;

/// Largest page any paginated query returns; a larger `limit` is capped to it.
pub const MAX_PAGE: u32 = 50;
/// Most entries a search scans in one call (bounds its cost; continue from
/// the returned cursor).
pub const MAX_SCAN: u32 = 200;
/// Maximum length in bytes of a name.
pub const MAX_NAME_LEN: usize = 128;
/// Maximum length in bytes of a short text field (phone, gender, blood group,
/// date of birth, qualification, specialization, ...).
pub const MAX_SHORT_LEN: usize = 64;
/// Maximum length in bytes of a long text field (address, allergies, reason).
pub const MAX_TEXT_LEN: usize = 512;
/// Maximum length in bytes of a record title.
pub const MAX_TITLE_LEN: usize = 128;
/// Maximum length in bytes of a record body (text or ciphertext encoded as
/// text). Well below the 16 KiB storage buffer.
pub const MAX_BODY_LEN: usize = 8192;
/// Maximum number of grants a patient holds at once (bounds the per-patient
/// lists and the "active now" count).
pub const MAX_GRANTS_PER_PATIENT: u32 = 64;
/// Largest wrapped data key, in bytes (an HPKE X25519 encapsulated key of 32
/// bytes plus a sealed 32-byte data key with its 16-byte tag is 80).
pub const MAX_WRAPPED_KEY_LEN: usize = 128;
/// Most wrapped keys per sealed item: the patient, the author and every
/// possible grantee.
pub const MAX_KEY_HOLDERS: u32 = MAX_GRANTS_PER_PATIENT + 8;
/// Most guardians a patient has at once.
pub const MAX_GUARDIANS: u32 = 8;
/// Largest sealed emergency card, in bytes (the padded ciphertext of
/// allergies, blood group, medications, conditions and a contact).
pub const MAX_CARD_LEN: usize = 2048;
/// Upper bound the head may configure for an emergency (break-glass) access:
/// 24 hours in milliseconds.
pub const MAX_EMERGENCY_MS: Timestamp = 24 * 60 * 60 * 1000;

/// Every error an SMRMS message can return. The same enum is used by all four
/// contracts so that an error crossing a contract boundary keeps its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum Error {
    /// Only the head (administrator, the paper's SMRMS-BCN-Head) may do this.
    NotHead,
    /// Only the account proposed as the next head may accept the role.
    NotProposedHead,
    /// This account is already registered (as a patient or a provider).
    AlreadyRegistered,
    /// The caller is not a registered patient.
    NotAPatient,
    /// The named patient account is not registered.
    UnknownPatient,
    /// The named provider account is not registered.
    UnknownProvider,
    /// The named account is not registered in SMRMS at all.
    UnknownAccount,
    /// The caller is not a verified doctor (unregistered, not a doctor, or
    /// pending, rejected or suspended).
    NotVerifiedDoctor,
    /// A required field is empty (a name, title or reason, a wrapped key,
    /// or a batch with no items).
    EmptyField,
    /// A text field is longer than its documented maximum.
    FieldTooLong,
    /// The provider is not in a status that allows this change.
    InvalidStatusTransition,
    /// The patient cannot grant access to herself.
    SelfGrant,
    /// A grant needs at least one scope.
    NoScopes,
    /// The expiry time is not in the future.
    ExpiryInPast,
    /// There is no grant between this patient and grantee.
    GrantNotFound,
    /// The patient already holds the maximum number of grants.
    TooManyGrants,
    /// Sibling contract addresses were already set; they cannot change.
    SiblingsAlreadySet,
    /// The suite is not wired yet (sibling addresses not set).
    SiblingsNotSet,
    /// The caller is not one of the trusted sibling contracts.
    UntrustedCaller,
    /// The all-zero account is not a valid participant.
    ZeroAccount,
    /// A duration out of range: an emergency of zero or above the
    /// configured maximum, an appointment outside 1 to 1440 minutes, or a
    /// no-show grace above 24 hours.
    InvalidDuration,
    /// There is no open emergency access for this patient and doctor.
    EmergencyNotOpen,
    /// The caller may not do this to this patient's data (read it, close
    /// this emergency access, store or remove its keys).
    NotAllowed,
    /// No record with this id exists for this patient.
    UnknownRecord,
    /// The record named as superseded was already superseded.
    AlreadySuperseded,
    /// No medication with this id exists for this patient.
    UnknownMedication,
    /// The medication was already stopped.
    MedicationAlreadyStopped,
    /// The end time is before the start time.
    InvalidTimeRange,
    /// No appointment with this id exists.
    UnknownAppointment,
    /// The caller is not a participant of this appointment.
    NotParticipant,
    /// The appointment's current status does not allow this transition.
    InvalidTransition,
    /// Too early: completing before the appointment's start, or marking a
    /// no-show before the start plus the head's grace period.
    TooEarly,
    /// This can only be done before the appointment's start time.
    TooLate,
    /// The transferred value is not the exact fee due.
    WrongAmount,
    /// There is nothing to withdraw.
    NothingToWithdraw,
    /// The transfer of the withdrawn balance failed.
    TransferFailed,
    /// The start time is in the past.
    StartInPast,
    /// An arithmetic overflow was prevented.
    Overflow,
    /// An encryption public key of all zero bytes is not a key.
    InvalidKey,
    /// The recipient of a wrapped data key holds no read access to that data
    /// (not the patient, not the record's author, no matching read scope).
    RecipientNotAllowed,
    /// This data already has the maximum number of wrapped keys.
    TooManyKeyHolders,
    /// A wrapped key for this reader and item is already stored; only the
    /// patient may replace it (an author may only add missing keys).
    KeyAlreadyStored,
    /// The patient shredded this item's keys: no key can be stored for it
    /// again, so it stays unreadable.
    ItemShredded,
    /// Only the author of a record may supersede it; other doctors add a new
    /// record instead.
    NotAuthor,
    /// The patient already holds the maximum number of open (unanswered)
    /// appointment requests, with this doctor or in total.
    TooManyOpenRequests,
    /// No new time is proposed for this appointment.
    NoReschedule,
    /// The head administers the suite and may not register as a provider or
    /// verify her own account.
    HeadCannotBeProvider,
    /// A sibling contract was deployed for another registry or permissions
    /// contract than this suite's.
    SiblingMismatch,
    /// Too many items in one batch.
    TooManyItems,
    /// An upgrade is already proposed; the head must cancel it before
    /// proposing another.
    UpgradePending,
    /// No upgrade is proposed.
    NoPendingUpgrade,
    /// The proposed upgrade's time lock has not passed yet.
    UpgradeNotReady,
    /// The chain has no uploaded code with the proposed hash (for an annex:
    /// or the code does not answer as an annex build).
    UpgradeCodeNotFound,
    /// Accounts registered before the suite was wired: wire a fresh
    /// registry first (permissions must learn every standing).
    RegisteredBeforeWiring,
    /// The caller is not an active guardian of this patient with the power
    /// the act needs (none appointed, removed, expired, or her own standing
    /// no longer allows it).
    NotGuardian,
    /// The patient already has the most guardians allowed (8).
    TooManyGuardians,
    /// The head may appoint a guardian only for a patient she declared a
    /// minor or incapacitated.
    NotIncapacitated,
    /// The head has not designated an emergency custodian yet.
    NoCustodian,
    /// The patient has no emergency card.
    NoCard,
    /// The contract's storage names no annex code (the code that runs its
    /// less frequent messages): storage written before annexes, which this
    /// code cannot serve; deploy the suite anew.
    AnnexMissing,
    /// The contract's annex code could not run this message (the code is not
    /// uploaded, or it failed); nothing changed.
    AnnexUnavailable,
}

/// Result type of every SMRMS message.
pub type Result<T> = core::result::Result<T, Error>;

/// Kind of a health-care provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum ProviderKind {
    /// A doctor: may add records, set appointments, open emergency access.
    Doctor,
    /// A nurse: may be granted read scopes.
    Nurse,
    /// A laboratory: may be granted read scopes.
    Lab,
    /// A pharmacist: may be granted read scopes.
    Pharmacist,
}

/// Verification status of a provider, set by the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum ProviderStatus {
    /// Registered, waiting for the head's verification. Cannot act on patients.
    Pending,
    /// Verified by the head: may act on patients who consent.
    Verified,
    /// Rejected by the head (with a reason). Cannot act on patients.
    Rejected,
    /// Suspended by the head (with a reason). Cannot act on patients.
    Suspended,
}

/// Who an account is in SMRMS, as the registry knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Standing {
    /// Not registered.
    Unregistered,
    /// A registered patient.
    Patient,
    /// A registered provider of this kind and status.
    Provider(ProviderKind, ProviderStatus),
}

impl Standing {
    /// True for a verified provider of the kind `Doctor`.
    pub fn is_verified_doctor(&self) -> bool {
        matches!(self, Standing::Provider(ProviderKind::Doctor, ProviderStatus::Verified))
    }
}

/// One kind of access a patient can grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Scope {
    /// Read the patient's profile (demographics).
    Demographics,
    /// Read the patient's medical records and medications.
    RecordsRead,
    /// Add medical records and medications for the patient (doctors only).
    RecordsWrite,
    /// Set appointments with the patient (doctors only).
    Appointments,
}

/// The set of scopes in a grant: tick the ones you give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Scopes {
    /// May read your profile (demographics).
    pub demographics: bool,
    /// May read your medical records and medications.
    pub records_read: bool,
    /// May add medical records and medications (doctors only).
    pub records_write: bool,
    /// May set appointments with you (doctors only).
    pub appointments: bool,
}

impl Scopes {
    /// Every scope.
    pub const ALL: Scopes = Scopes { demographics: true, records_read: true, records_write: true, appointments: true };
    /// True when no scope is set.
    pub fn is_empty(&self) -> bool {
        !(self.demographics || self.records_read || self.records_write || self.appointments)
    }
    /// True when `scope` is in the set.
    pub fn contains(&self, scope: Scope) -> bool {
        match scope {
            Scope::Demographics => self.demographics,
            Scope::RecordsRead => self.records_read,
            Scope::RecordsWrite => self.records_write,
            Scope::Appointments => self.appointments,
        }
    }
}

/// On what basis an account may access a patient's data (permissions' own
/// storage only: the provider's verification is checked separately).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum AccessBasis {
    /// No consent and no open emergency access.
    None,
    /// The patient herself.
    Own,
    /// An active (unexpired) grant of the scope.
    Consent,
    /// An open emergency (break-glass) access.
    Emergency,
    /// The accessor is the patient's active guardian with the power that
    /// covers the scope (read: profile and records).
    Guardian,
}

/// Why an access attempt was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum DenyReason {
    /// The patient has not given (or has revoked, or let expire) consent for
    /// this scope, and no emergency access is open.
    NoConsent,
    /// The accessor is a provider who is not verified (pending, rejected or
    /// suspended).
    NotVerified,
    /// The accessor is not registered in SMRMS.
    Unregistered,
    /// The accessor's role may not use this scope (for example a nurse
    /// writing records).
    WrongRole,
}

/// Why a doctor opened an emergency access: a documented code, so that the
/// reason is not health data in the clear. Details go in the optional sealed
/// note, which only the patient and the doctor can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum EmergencyReason {
    /// The patient is unconscious or cannot communicate.
    Unresponsive,
    /// Major trauma (accident, injury).
    Trauma,
    /// A cardiac emergency.
    Cardiac,
    /// A respiratory emergency.
    Respiratory,
    /// A suspected stroke.
    Stroke,
    /// A suspected overdose or poisoning.
    Overdose,
    /// Anything else (explain in the sealed note).
    Other,
}

/// What an access attempt tried to do (for the access log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum AccessAction {
    /// Read the patient's profile.
    ReadProfile,
    /// Read one medical record (the record id).
    ReadRecord(u32),
    /// Add a medical record.
    WriteRecord,
    /// Add a medication.
    WriteMedication,
    /// Set an appointment.
    SetAppointment,
    /// Open an emergency access.
    OpenEmergency,
    /// Stop a medication.
    StopMedication,
    /// Update an appointment's notes (reason, diagnosis, prescription) or
    /// propose a new time.
    UpdateAppointment,
    /// Grant access on the patient's behalf (a guardian).
    GrantAccess,
    /// Revoke access on the patient's behalf (a guardian).
    RevokeAccess,
    /// Receive the patient's emergency card key from the emergency
    /// custodian (a doctor with an open emergency access).
    ReadCard,
    /// Request an appointment on the patient's behalf (a guardian with the
    /// booking power).
    BookAppointment,
    /// Act on the patient's side of an appointment on her behalf (a
    /// guardian): confirm, cancel, complete, or answer a proposed new time
    /// (the appointment id).
    ManageAppointment(u64),
}

/// The outcome of an audited access attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum AccessOutcome {
    /// Allowed by the patient's consent or because it is the patient herself.
    Granted,
    /// Allowed under an open emergency access.
    GrantedEmergency,
    /// Denied, with the reason.
    Denied(DenyReason),
    /// Allowed because the accessor is the patient's guardian: the entry
    /// reads "by guardian `accessor` for the patient whose log it is".
    GrantedGuardian,
}

/// One entry of a patient's on-chain access log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct AccessLogEntry {
    /// Who tried.
    pub accessor: AccountId,
    /// What they tried.
    pub action: AccessAction,
    /// What happened.
    pub outcome: AccessOutcome,
    /// When (Unix milliseconds); for a folded entry, the latest attempt.
    pub at: Timestamp,
    /// How many further identical attempts were folded into this entry (0
    /// for an ordinary entry). Denied attempts by an unregistered account
    /// are folded into one entry per (patient, accessor), so that spam
    /// cannot bury the patient's real entries.
    pub repeats: u32,
}

impl AccessLogEntry {
    /// A new (unfolded) entry: `accessor` tried `action` at `at` with
    /// `outcome`.
    pub fn attempt(accessor: AccountId, action: AccessAction, outcome: AccessOutcome, at: Timestamp) -> Self {
        AccessLogEntry { accessor, action, outcome, at, repeats: 0 }
    }
}

/// An access attempt through a transaction was denied. Emitted by the
/// contract that received the transaction (registry, records or
/// appointments), with the patient and the head as topics so that both can
/// follow denials (the paper: "immediately it is notified to
/// SMRMS-BCN-head"). One event type for the whole suite, so one topic
/// subscription sees every denial.
#[ink::event]
pub struct AccessDenied {
    /// The patient whose data was the target.
    #[ink(topic)]
    pub patient: AccountId,
    /// The head at the time of the attempt.
    #[ink(topic)]
    pub head: AccountId,
    /// Who tried.
    #[ink(topic)]
    pub accessor: AccountId,
    /// What was tried.
    pub action: AccessAction,
    /// Why it was denied.
    pub reason: DenyReason,
}

/// Addresses of the sibling contracts of one SMRMS deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Siblings {
    /// The permissions contract.
    pub permissions: AccountId,
    /// The records contract.
    pub records: AccountId,
    /// The appointments contract.
    pub appointments: AccountId,
}

/// Who may attempt an access through [`PermissionsApi::authorize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum Attempt {
    /// An audited read: anyone may try; every attempt is logged, the
    /// patient's own too.
    Read,
    /// A write only a verified doctor may make (records): the patient must be
    /// registered, the writer a verified doctor; logged.
    DoctorWrite,
    /// A write the patient herself may make (granted, not logged) or a
    /// verified doctor (decided and logged); the patient must be registered.
    PatientOrDoctorWrite,
    /// A write by the doctor of an existing relation the calling contract
    /// checked (an appointment's own doctor): granted and logged if she is a
    /// verified doctor now, without asking for consent.
    ParticipantWrite,
    /// The emergency custodian releases the patient's emergency card to
    /// `accessor`: granted (as emergency) and logged only if `accessor` is a
    /// verified doctor with an open emergency access on the patient now,
    /// whatever consent she holds; otherwise denied and not logged (the
    /// records contract then refuses the release).
    CardRelease,
    /// `accessor` acts on the patient's appointments as her guardian with
    /// the booking power (appointments checked everything else): granted
    /// (`GrantedGuardian`) and logged "by guardian `accessor`" if that
    /// guardianship is in force and her standing allows it now; otherwise
    /// `Err(NotGuardian)` (nothing changes). The patient must be registered.
    GuardianBooking,
}

/// What [`PermissionsApi::authorize`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub struct Authorized {
    /// Granted (by consent, emergency or as the patient) or denied.
    pub outcome: AccessOutcome,
    /// The head, for the caller's `AccessDenied` event: given with a denial
    /// only (a granted access does not read it: one storage read less on
    /// the hot path).
    pub head: Option<AccountId>,
}

impl Authorized {
    /// A granted outcome (no head needed).
    pub fn granted(outcome: AccessOutcome) -> Self {
        Self { outcome, head: None }
    }

    /// A denial, with the head to announce it to.
    pub fn denied(reason: DenyReason, head: AccountId) -> Self {
        Self { outcome: AccessOutcome::Denied(reason), head: Some(head) }
    }

    /// Emits [`AccessDenied`] from the calling contract if the attempt was
    /// denied; returns the outcome.
    pub fn announce(self, patient: AccountId, accessor: AccountId, action: AccessAction) -> AccessOutcome {
        if let (AccessOutcome::Denied(reason), Some(head)) = (self.outcome, self.head) {
            let event = AccessDenied { patient, head, accessor, action, reason };
            ink::env::emit_event::<ink::env::DefaultEnvironment, _>(event);
        }
        self.outcome
    }
}

/// Refuses the all-zero account.
pub fn ensure_not_zero(account: &AccountId) -> Result<()> {
    ensure!(*account != AccountId::from([0u8; 32]), Error::ZeroAccount);
    Ok(())
}

/// Checks a required field (text or opaque bytes): not empty and not only
/// ASCII white space, at most `max` bytes.
pub fn check_required(text: &[u8], max: usize) -> Result<()> {
    ensure!(!text.iter().all(u8::is_ascii_whitespace), Error::EmptyField);
    check_optional(text, max)
}

/// Checks an optional field (text or opaque bytes): at most `max` bytes.
pub fn check_optional(text: &[u8], max: usize) -> Result<()> {
    ensure!(text.len() <= max, Error::FieldTooLong);
    Ok(())
}

/// The access rule of SMRMS, as a pure function.
///
/// `basis` is what permissions says (consent, emergency, own), `standing` is
/// what the registry says about the accessor, `scope` what is attempted.
/// Returns the logged outcome:
/// - the patient herself: granted;
/// - unregistered accessors: denied;
/// - providers who are not verified: denied (their grants stay stored but
///   have no effect);
/// - writing records and setting appointments needs a verified doctor;
/// - otherwise the basis decides: consent → granted, emergency → granted as
///   emergency (emergency covers profile and records, never appointments),
///   guardian (read power) → granted as guardian for profile and records,
///   none → denied for lack of consent.
pub fn decide_access(basis: AccessBasis, standing: Standing, scope: Scope) -> AccessOutcome {
    if basis == AccessBasis::Own {
        return AccessOutcome::Granted;
    }
    match standing {
        Standing::Unregistered => return AccessOutcome::Denied(DenyReason::Unregistered),
        Standing::Provider(_, status) if status != ProviderStatus::Verified => {
            return AccessOutcome::Denied(DenyReason::NotVerified)
        }
        _ => {}
    }
    let doctor_only = matches!(scope, Scope::RecordsWrite | Scope::Appointments);
    if doctor_only && !standing.is_verified_doctor() {
        return AccessOutcome::Denied(DenyReason::WrongRole);
    }
    match basis {
        AccessBasis::Consent => AccessOutcome::Granted,
        AccessBasis::Emergency if scope != Scope::Appointments => AccessOutcome::GrantedEmergency,
        AccessBasis::Guardian if matches!(scope, Scope::Demographics | Scope::RecordsRead) => {
            AccessOutcome::GrantedGuardian
        }
        _ => AccessOutcome::Denied(DenyReason::NoConsent),
    }
}

/// Caps a page request: returns the range `[start, end)` within `len`.
pub fn page_bounds(start: u32, limit: u32, len: u32) -> (u32, u32) {
    let limit = limit.min(MAX_PAGE);
    let start = start.min(len);
    let end = start.saturating_add(limit).min(len);
    (start, end)
}

/// The registry's interface for its sibling contracts.
#[ink::trait_definition]
pub trait RegistryApi {
    /// The current head (administrator) of the suite.
    #[ink(message)]
    fn head(&self) -> Result<AccountId>;

    /// Who `account` is: unregistered, a patient, or a provider with its kind
    /// and status.
    #[ink(message)]
    fn standing(&self, account: AccountId) -> Result<Standing>;

    /// The standings of two accounts, in one call (a patient's request to a
    /// doctor needs both: one cross-contract call, and one load of this
    /// contract's code, instead of two).
    #[ink(message)]
    fn standing_pair(&self, first: AccountId, second: AccountId) -> Result<(Standing, Standing)>;

    /// The sibling contract addresses, once the head wired the suite.
    #[ink(message)]
    fn siblings(&self) -> Result<Siblings>;
}

/// The permissions contract's interface for its sibling contracts.
#[ink::trait_definition]
pub trait PermissionsApi {
    /// Whether `grantee` may use `scope` on `patient`'s data on the basis of
    /// consent, an open emergency access, a guardianship with the read power
    /// (profile and records), or being the patient. Reads only
    /// the permissions contract's own storage and never calls out.
    /// It does not check the grantee's verification: see `decide_access`.
    #[ink(message)]
    fn has_access(&self, patient: AccountId, grantee: AccountId, scope: Scope) -> Result<bool>;

    /// What `authorize` would decide for `accessor` on `patient`'s data for
    /// `scope` now, without logging: consent or emergency from this
    /// contract's storage, the accessor's standing as the registry pushed it
    /// (a pure read, for queries and the key store).
    #[ink(message)]
    fn decide(&self, patient: AccountId, accessor: AccountId, scope: Scope) -> Result<AccessOutcome>;

    /// Whether `guardian` may book and manage `patient`'s appointments now:
    /// a guardianship with the booking power, in force, her own standing
    /// allowing it (a pure read, for the appointments contract's views).
    #[ink(message)]
    fn is_booking_guardian(&self, patient: AccountId, guardian: AccountId) -> Result<bool>;

    /// The one call of an audited access (the hot path): decides whether
    /// `accessor` may use `scope` on `patient`'s data and logs the attempt
    /// as `action` in the patient's access log, using the standings the
    /// registry pushed here. Returns the outcome and the head (for the
    /// caller's `AccessDenied` event). Only the suite's registry, records and
    /// appointments may call it. See [`Attempt`] for who may try what.
    ///
    /// # Errors
    /// `UntrustedCaller`; for writes `UnknownPatient` (the patient is not
    /// registered) and `NotVerifiedDoctor` (a writer other than the patient
    /// who is not a verified doctor): nothing is logged then.
    #[ink(message)]
    fn authorize(
        &mut self,
        patient: AccountId,
        accessor: AccountId,
        scope: Scope,
        action: AccessAction,
        attempt: Attempt,
    ) -> Result<Authorized>;

    /// Called by the registry only, whenever an account's standing changes
    /// (registration, verification, rejection, suspension, reinstatement,
    /// changed credentials): permissions keeps a copy for `authorize`.
    #[ink(message)]
    fn sync_standing(&mut self, account: AccountId, standing: Standing) -> Result<()>;

    /// Called by the registry only, when the suite is wired and when the
    /// head changes.
    #[ink(message)]
    fn sync_head(&mut self, head: AccountId) -> Result<()>;

    /// Called by the registry only, once, when the head wires the suite.
    #[ink(message)]
    fn accept_siblings(&mut self, siblings: Siblings) -> Result<()>;
}

/// The blake2-256 content hash the records contract stores for a record:
/// over the SCALE encoding of `(kind_code, title, body)`.
pub fn record_content_hash(kind: u8, title: &[u8], body: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    ink::env::hash_encoded::<ink::env::hash::Blake2x256, _>(&(kind, title, body), &mut out);
    out
}

/// Gives a page of a list held in keyed storage.
pub fn collect_page<T>(start: u32, limit: u32, len: u32, get: impl Fn(u32) -> Option<T>) -> Vec<T> {
    let (start, end) = page_bounds(start, limit, len);
    (start..end).filter_map(get).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCTOR_OK: Standing = Standing::Provider(ProviderKind::Doctor, ProviderStatus::Verified);

    #[test]
    fn own_access_always_granted() {
        for scope in [Scope::Demographics, Scope::RecordsRead, Scope::RecordsWrite, Scope::Appointments] {
            assert_eq!(decide_access(AccessBasis::Own, Standing::Patient, scope), AccessOutcome::Granted);
        }
    }

    #[test]
    fn unverified_providers_denied_even_with_consent() {
        for status in [ProviderStatus::Pending, ProviderStatus::Rejected, ProviderStatus::Suspended] {
            let s = Standing::Provider(ProviderKind::Doctor, status);
            assert_eq!(
                decide_access(AccessBasis::Consent, s, Scope::RecordsRead),
                AccessOutcome::Denied(DenyReason::NotVerified)
            );
        }
        assert_eq!(
            decide_access(AccessBasis::Consent, Standing::Unregistered, Scope::RecordsRead),
            AccessOutcome::Denied(DenyReason::Unregistered)
        );
    }

    #[test]
    fn write_and_appointments_need_a_doctor() {
        let nurse = Standing::Provider(ProviderKind::Nurse, ProviderStatus::Verified);
        assert_eq!(
            decide_access(AccessBasis::Consent, nurse, Scope::RecordsWrite),
            AccessOutcome::Denied(DenyReason::WrongRole)
        );
        assert_eq!(
            decide_access(AccessBasis::Consent, Standing::Patient, Scope::Appointments),
            AccessOutcome::Denied(DenyReason::WrongRole)
        );
        assert_eq!(decide_access(AccessBasis::Consent, nurse, Scope::RecordsRead), AccessOutcome::Granted);
        assert_eq!(decide_access(AccessBasis::Consent, Standing::Patient, Scope::Demographics), AccessOutcome::Granted);
        assert_eq!(decide_access(AccessBasis::Consent, DOCTOR_OK, Scope::RecordsWrite), AccessOutcome::Granted);
    }

    #[test]
    fn emergency_covers_records_not_appointments() {
        assert_eq!(
            decide_access(AccessBasis::Emergency, DOCTOR_OK, Scope::RecordsWrite),
            AccessOutcome::GrantedEmergency
        );
        assert_eq!(
            decide_access(AccessBasis::Emergency, DOCTOR_OK, Scope::Demographics),
            AccessOutcome::GrantedEmergency
        );
        assert_eq!(
            decide_access(AccessBasis::Emergency, DOCTOR_OK, Scope::Appointments),
            AccessOutcome::Denied(DenyReason::NoConsent)
        );
        assert_eq!(
            decide_access(AccessBasis::None, DOCTOR_OK, Scope::RecordsRead),
            AccessOutcome::Denied(DenyReason::NoConsent)
        );
    }

    #[test]
    fn text_checks() {
        assert_eq!(check_required(b"", 5), Err(Error::EmptyField));
        assert_eq!(check_required(b"   ", 5), Err(Error::EmptyField));
        assert_eq!(check_required(b"abcdef", 5), Err(Error::FieldTooLong));
        assert_eq!(check_required(b"abcde", 5), Ok(()));
        assert_eq!(check_optional(b"", 5), Ok(()));
        assert_eq!(ensure_not_zero(&AccountId::from([0u8; 32])), Err(Error::ZeroAccount));
        assert_eq!(ensure_not_zero(&AccountId::from([1u8; 32])), Ok(()));
    }

    #[test]
    fn pages_are_capped() {
        assert_eq!(page_bounds(0, 10, 5), (0, 5));
        assert_eq!(page_bounds(7, 10, 5), (5, 5));
        assert_eq!(page_bounds(0, u32::MAX, 1000), (0, MAX_PAGE));
        assert_eq!(page_bounds(u32::MAX, u32::MAX, u32::MAX), (u32::MAX, u32::MAX));
        let v = collect_page(1, 2, 4, Some);
        assert_eq!(v, vec![1, 2]);
    }

    #[test]
    fn scopes() {
        assert!(Scopes::default().is_empty());
        assert!(!Scopes::ALL.is_empty());
        let s = Scopes { records_read: true, ..Default::default() };
        assert!(s.contains(Scope::RecordsRead));
        assert!(!s.contains(Scope::RecordsWrite));
    }

    fn guarded(x: u32) -> Result<u32> {
        ensure!(x > 1, Error::TooEarly);
        ensure!(x < 10, Error::TooLate,);
        Ok(x)
    }

    #[test]
    fn ensure_returns_the_error_unless_the_condition_holds() {
        assert_eq!(guarded(0), Err(Error::TooEarly));
        assert_eq!(guarded(10), Err(Error::TooLate));
        assert_eq!(guarded(5), Ok(5));
    }

    #[test]
    fn a_new_log_entry_is_unfolded() {
        let e = AccessLogEntry::attempt(AccountId::from([1; 32]), AccessAction::ReadProfile, AccessOutcome::Granted, 7);
        assert_eq!((e.repeats, e.at), (0, 7));
    }

    #[test]
    fn content_hash_changes_with_one_byte() {
        let a = record_content_hash(0, b"t", b"body");
        assert_eq!(a, record_content_hash(0, b"t", b"body"));
        assert_ne!(a, record_content_hash(0, b"t", b"bodx"));
        assert_ne!(a, record_content_hash(1, b"t", b"body"));
    }

    #[test]
    fn content_hash_of_bytes_equals_that_of_the_same_text() {
        // records written while title and body were `String`s keep their hash
        let mut old = [0u8; 32];
        ink::env::hash_encoded::<ink::env::hash::Blake2x256, _>(&(3u8, "title", "body"), &mut old);
        assert_eq!(record_content_hash(3, b"title", b"body"), old);
    }
}
