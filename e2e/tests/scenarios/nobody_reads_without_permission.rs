//! The paper's claim — "no entity could access the patient's medical data
//! without the permission of the concerned patient" — checked exhaustively on
//! the real node: every access-controlled message of the four contracts
//! against every class of caller, from one table of expected outcomes.
//! Then hostile inputs, and refusals that leave the state untouched.
use crate::setup::*;
use ink::primitives::{AccountId, Hash};
use ink_e2e::ContractsBackend;
use smrms_forwarder::forwarder::{Forwarder, ForwarderRef};
use smrms_permissions::guardians::{GuardianPowers, Incapacity};
use smrms_records::records::{Filter, NewMedication, RecordKind, Sealed};

/// Classes of callers, in the column order of `EXPECTED`.
const CALLERS: [&str; 20] = [
    "head",           // Hd
    "patient",        // Pt  the patient herself
    "other patient",  // OP
    "doctor+scope",   // DS  verified doctor holding every scope
    "other scope",    // OS  verified doctor holding Demographics only
    "revoked",        // Rv  verified doctor whose grant was revoked
    "expired",        // Ex  verified doctor whose grant expired
    "emerg. open",    // EO  verified doctor with an open emergency access
    "emerg. closed",  // EC  verified doctor whose emergency access was closed
    "pending",        // Pd  pending doctor holding every scope
    "rejected",       // Rj  rejected doctor holding every scope
    "suspended",      // Su  suspended doctor holding every scope
    "unregistered",   // Un
    "guardian",       // Gd  patient appointed by the patient as guardian, consent and read powers
    "guard. consent", // GC  patient appointed as guardian with the consent power only
    "guard. book",    // GB  patient appointed as guardian with the booking power only
    "guard. removed", // GR  patient whose guardianship (every power) the patient removed
    "guard. expired", // GX  patient whose guardianship (every power) expired
    "custodian",      // Cu  the emergency custodian the head designated (an unregistered account)
    "contract",       // Ct  a contract (the forwarder fixture) calling in the patient's place
];

/// DS's fee for a request, and the fee of the appointment he proposes (3).
const MATRIX_FEE: u128 = 1_000_000_000_000;

/// What one caller gets from one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Allowed.
    Ok,
    /// Refused with this error; nothing changes.
    Err(Error),
    /// Refused, logged in the patient's access log and announced to the head.
    Denied(DenyReason),
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Ok => write!(f, "ok"),
            Expect::Err(e) => write!(f, "{e:?}"),
            Expect::Denied(r) => write!(f, "Denied({r:?})"),
        }
    }
}

/// The matrix's cells: `OK`, `err(Error)`, `denied(DenyReason)`.
mod cells {
    pub use super::Expect;
    pub use smrms_shared::DenyReason::*;
    pub use smrms_shared::Error::*;
    pub const OK: Expect = Expect::Ok;
    pub const fn err(e: smrms_shared::Error) -> Expect {
        Expect::Err(e)
    }
    pub const fn denied(r: smrms_shared::DenyReason) -> Expect {
        Expect::Denied(r)
    }
}

/// Expected outcome per message (rows) and caller class (columns above).
#[rustfmt::skip]
const EXPECTED: &[(&str, [Expect; 20])] = {
    use cells::*;
    &[
    //                              Hd               Pt                  OP                  DS           OS                   Rv                   Ex                   EO                   EC                   Pd                   Rj                   Su                   Un                   Gd                   GC                   GB                   GR                   GX                   Cu                   Ct
    ("registry.verify_provider", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("registry.set_siblings", [err(SiblingsAlreadySet), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("registry.patient_profile", [err(NotAllowed), OK, err(NotAllowed), OK, OK, err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("registry.read_patient_profile", [denied(Unregistered), OK, denied(NoConsent), OK, OK, denied(NoConsent), denied(NoConsent), OK, denied(NoConsent), denied(NotVerified), denied(NotVerified), denied(NotVerified), denied(Unregistered), OK, denied(NoConsent), denied(NoConsent), denied(NoConsent), denied(NoConsent), denied(Unregistered), denied(Unregistered)]),
    ("registry.edit_patient", [err(NotAPatient), OK, OK, err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), OK, OK, OK, OK, OK, err(NotAPatient), err(NotAPatient)]),
    ("permissions.grant", [err(NotAPatient), OK, OK, err(SelfGrant), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), OK, OK, OK, OK, OK, err(NotAPatient), err(NotAPatient)]),
    ("permissions.revoke", [err(GrantNotFound), OK, err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound), err(GrantNotFound)]),
    ("permissions.open_emergency", [err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), OK, OK, OK, OK, OK, OK, err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor)]),
    ("permissions.close_emergency", [OK, OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("permissions.set_emergency_max", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("records.add_record", [err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), OK, denied(NoConsent), denied(NoConsent), denied(NoConsent), OK, denied(NoConsent), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor)]),
    ("records.record", [err(NotAllowed), OK, err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("records.read_record", [denied(Unregistered), OK, denied(NoConsent), OK, denied(NoConsent), denied(NoConsent), denied(NoConsent), OK, denied(NoConsent), denied(NotVerified), denied(NotVerified), denied(NotVerified), denied(Unregistered), OK, denied(NoConsent), denied(NoConsent), denied(NoConsent), denied(NoConsent), denied(Unregistered), denied(Unregistered)]),
    ("records.search", [err(NotAllowed), OK, err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("records.add_medication", [err(NotVerifiedDoctor), OK, err(NotVerifiedDoctor), OK, denied(NoConsent), denied(NoConsent), denied(NoConsent), OK, denied(NoConsent), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor)]),
    ("records.stop_medication", [err(NotVerifiedDoctor), OK, err(NotVerifiedDoctor), OK, denied(NoConsent), denied(NoConsent), denied(NoConsent), OK, denied(NoConsent), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor)]),
    ("appointments.set_appointment", [err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), OK, denied(NoConsent), denied(NoConsent), denied(NoConsent), denied(NoConsent), denied(NoConsent), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor), err(NotVerifiedDoctor)]),
    ("appointments.appointment", [OK, OK, err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("appointments.patient_appointments", [OK, OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("records.share_key", [err(NotAllowed), OK, err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("records.shred_keys", [err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("registry.publish_encryption_key", [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, err(UnknownAccount), OK, OK, OK, OK, OK, err(UnknownAccount), err(UnknownAccount)]),
    ("PermissionsApi::authorize", [err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller)]),
    ("PermissionsApi::sync_standing", [err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller)]),
    ("PermissionsApi::sync_head", [err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller)]),
    ("PermissionsApi::decide", [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    ("PermissionsApi::accept_siblings", [err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller), err(UntrustedCaller)]),
    // Issue 19: the key store, appointment actions in time and standing, the head's own account.
    ("records.share_key (patient's own key)", [err(NotAllowed), OK, err(NotAllowed), err(KeyAlreadyStored), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("records.share_keys", [err(NotAllowed), OK, err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("records.revoke_keys", [err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("appointments.update_appointment", [err(NotParticipant), err(NotParticipant), err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("appointments.accept_reschedule", [err(NotParticipant), err(NoReschedule), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NoReschedule), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("appointments.set_no_show_grace", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("appointments.mark_no_show", [err(NotParticipant), err(NotAllowed), err(NotParticipant), err(TooEarly), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotAllowed), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("appointments.complete", [err(NotParticipant), err(TooEarly), err(NotParticipant), err(TooEarly), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(TooEarly), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("registry.register_provider", [err(HeadCannotBeProvider), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), OK, err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), err(AlreadyRegistered), OK, OK]),
    ("appointments.update_appointment (suspended doctor)", [err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotVerifiedDoctor), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("appointments.accept (suspended doctor)", [err(NotParticipant), err(NotAllowed), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotVerifiedDoctor), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotAllowed), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("appointments.cancel (suspended doctor)", [err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    ("appointments.cancel", [err(NotParticipant), OK, err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    // Time-locked upgrades: only the head proposes or cancels, anyone enacts a due one, anyone reads the lock.
    ("Upgradeable::propose_upgrade (registry)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Upgradeable::propose_upgrade (permissions)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Upgradeable::propose_upgrade (records)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Upgradeable::propose_upgrade (appointments)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Upgradeable::cancel_upgrade", [err(NoPendingUpgrade), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Upgradeable::enact_upgrade", [err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade)]),
    ("Upgradeable::upgrade_status", [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    ("Annexed::propose_annex (registry)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Annexed::propose_annex (permissions)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Annexed::propose_annex (records)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Annexed::propose_annex (appointments)", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Annexed::cancel_annex", [err(NoPendingUpgrade), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("Annexed::enact_annex", [err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade), err(NoPendingUpgrade)]),
    ("Annexed::annex", [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
    // Guardians: appointed by the patient (or by the head for a declared patient), removed by the
    // patient, herself or that head; they act (grant_for, revoke_for) only while in force, with the power.
    ("permissions.appoint_guardian", [err(NotAPatient), OK, OK, err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(NotAPatient), err(SelfGrant), OK, OK, OK, OK, err(NotAPatient), err(NotAPatient)]),
    ("permissions.appoint_guardian_for", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("permissions.appoint_guardian_for (undeclared)", [err(NotIncapacitated), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("permissions.remove_guardian", [err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("permissions.remove_guardian (herself)", [err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), OK, OK, OK, err(NotGuardian), OK, err(NotGuardian), err(NotGuardian)]),
    ("permissions.remove_guardian (declared patient)", [OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed)]),
    ("permissions.declare_incapacity", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("permissions.lift_incapacity", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("permissions.grant_for", [err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), OK, OK, err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian)]),
    ("permissions.revoke_for", [err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), OK, OK, err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian)]),
    // The booking power (GB): she requests for the patient, paying the doctor's fee, and acts on the
    // patient's side of her appointments (confirm below; cancel, complete, accept_reschedule above).
    ("appointments.request_appointment_for", [err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), OK, err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian)]),
    ("appointments.request_appointment_for (suspended doctor)", [err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotVerifiedDoctor), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian)]),
    ("appointments.request_appointment_for (other patient)", [err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian), err(NotGuardian)]),
    ("appointments.confirm", [err(NotParticipant), OK, err(NotParticipant), err(NotAllowed), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant), OK, err(NotParticipant), err(NotParticipant), err(NotParticipant), err(NotParticipant)]),
    // The emergency card: set by a patient; its key stored by the patient for a reader with RecordsRead
    // access, or by the custodian for a verified doctor with an open emergency access only.
    ("records.set_card", [err(UnknownPatient), OK, OK, err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), err(UnknownPatient), OK, OK, OK, OK, OK, err(UnknownPatient), err(UnknownPatient)]),
    ("records.designate_custodian", [OK, err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead), err(NotHead)]),
    ("records.share_key (card, emergency doctor)", [err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), OK, err(NotAllowed)]),
    ("records.share_key (card, consented doctor)", [err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(RecipientNotAllowed), err(NotAllowed)]),
    ("records.share_key (card, closed emergency)", [err(NotAllowed), err(RecipientNotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(RecipientNotAllowed), err(NotAllowed)]),
    ("records.share_key (card, guardian)", [err(NotAllowed), OK, err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotVerifiedDoctor), err(NotAllowed)]),
    ("records.share_key (card, pending doctor)", [err(NotAllowed), err(RecipientNotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotAllowed), err(NotVerifiedDoctor), err(NotAllowed)]),
]
};

/// Reduces a message's return value to a cell of the table.
fn classify<T: std::fmt::Debug>(r: &Result<T>) -> Expect {
    // Every deny reason, checked exhaustively: a new reason fails to compile here.
    const REASONS: [DenyReason; 4] =
        [DenyReason::NoConsent, DenyReason::NotVerified, DenyReason::Unregistered, DenyReason::WrongRole];
    const _: fn(DenyReason) = |r| match r {
        DenyReason::NoConsent | DenyReason::NotVerified | DenyReason::Unregistered | DenyReason::WrongRole => (),
    };
    match r {
        Err(e) => Expect::Err(*e),
        Ok(v) => {
            // the audited messages answer `Ok(…Denied(reason))` on a refusal
            let shown = format!("{v:?}");
            match REASONS.into_iter().find(|d| shown == format!("Denied({d:?})")) {
                Some(reason) => Expect::Denied(reason),
                None if shown.starts_with("Denied(") => panic!("unknown denial {shown}"),
                None => Expect::Ok,
            }
        }
    }
}

/// Dry-runs `msg` through the forwarder contract, signed by `signer`: the
/// callee sees the forwarder as its caller. Returns what the message returned.
async fn via<Args: scale::Encode + Clone, R: scale::Decode>(
    client: &mut Client,
    signer: &ink_e2e::Keypair,
    forwarder: AccountId,
    msg: &ink_e2e::CallBuilderFinal<ink::env::DefaultEnvironment, Args, R>,
) -> R {
    let params = msg.clone().params();
    let call_data = scale::Encode::encode(params.exec_input());
    let callee = *params.callee();
    let mut fwd = ink_e2e::create_call_builder::<Forwarder>(forwarder);
    let out = dry!(client, signer, fwd.forward(callee, call_data)).expect("the forwarded call ran");
    let decoded = <ink::MessageResult<R> as scale::Decode>::decode(&mut &out[..]).expect("decodable output");
    decoded.expect("no LangError")
}

#[ink_e2e::test]
async fn nobody_reads_without_permission<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let head = ink_e2e::alice();
    let suite = deploy_suite(&mut client, &head).await;
    // The matrix runs on an upgraded suite: the records contract takes its
    // second build (the `smrms-records-v2` fixture) under the time lock,
    // proposed now and enacted once the delay has passed, before the rows.
    let records_v2 = upload_records_v2(&mut client, &head).await;
    submit!(client, &head, propose_upgrade(suite.records, records_v2));
    let upgrade_at = upgrade_due(&mut client, suite.records).await;

    // The cast, one account per class.
    let (patient, p) = account(&mut client).await;
    let (other_patient, op) = account(&mut client).await;
    let mut doctors = Vec::new();
    for _ in 0..9 {
        doctors.push(account(&mut client).await);
    }
    let (unregistered, unregistered_id) = account(&mut client).await;
    let (new_provider, new_provider_id) = account(&mut client).await;
    let mut guardians = Vec::new();
    for _ in 0..5 {
        guardians.push(account(&mut client).await);
    }
    let (minor, minor_id) = account(&mut client).await;
    let (custodian, cu) = account(&mut client).await;
    register_patient(&mut client, &suite, &patient, "Matrix patient").await;
    register_patient(&mut client, &suite, &other_patient, "Other patient").await;
    for (i, (kp, _)) in guardians.iter().enumerate() {
        register_patient(&mut client, &suite, kp, &format!("Relative {i}")).await;
    }
    register_patient(&mut client, &suite, &minor, "Minor").await;
    for (i, (kp, _)) in doctors.iter().enumerate() {
        // indices 6, 7, 8 = pending, rejected, suspended: verified below as needed
        register_doctor(&mut client, &suite, &head, kp, i != 6 && i != 7).await;
    }
    submit!(client, &new_provider, suite.registry().register_provider(provider("New", ProviderKind::Nurse)));
    let id = |i: usize| doctors[i].1;
    let (ds, os, rv, ex, eo, ec, pd, rj, su) = (id(0), id(1), id(2), id(3), id(4), id(5), id(6), id(7), id(8));
    submit!(client, &head, suite.registry().reject_provider(rj, "licence not found".into()));

    let mut perms = suite.permissions();
    for d in [ds, rv, pd, rj, su] {
        submit!(client, &patient, perms.grant(d, Scopes::ALL, None));
    }
    submit!(client, &patient, perms.grant(os, Scopes { demographics: true, ..Default::default() }, None));
    submit!(client, &patient, perms.revoke(rv));
    let expiry = now_ms() + 5_000;
    submit!(client, &patient, perms.grant(ex, Scopes::ALL, Some(expiry)));
    // Guardians: GX's guardianship ends with the grant above; GR and GX
    // held every power, so that their columns show that no power outlives
    // the guardianship.
    let (gd, gc, gr, gx, gb) = (guardians[0].1, guardians[1].1, guardians[2].1, guardians[3].1, guardians[4].1);
    let both = GuardianPowers { consent: true, read: true, book: false };
    let all = GuardianPowers { consent: true, read: true, book: true };
    submit!(client, &patient, perms.appoint_guardian(gx, all, Some(expiry)));
    submit!(client, &patient, perms.appoint_guardian(gd, both, None));
    let consent_only = GuardianPowers { consent: true, read: false, book: false };
    submit!(client, &patient, perms.appoint_guardian(gc, consent_only, None));
    let book_only = GuardianPowers { consent: false, read: false, book: true };
    submit!(client, &patient, perms.appoint_guardian(gb, book_only, None));
    submit!(client, &patient, perms.appoint_guardian(gr, all, None));
    submit!(client, &patient, perms.remove_guardian(p, gr));
    // A minor the head declared, whose guardian (GD) the head appointed.
    submit!(client, &head, perms.declare_incapacity(minor_id, Incapacity::Minor));
    submit!(client, &head, perms.appoint_guardian_for(minor_id, gd, both, None));
    // The emergency custodian, and the patient's emergency card.
    submit!(client, &head, suite.records().designate_custodian(cu, [9; 32]));
    submit!(client, &patient, suite.records().set_card(vec![0xC4; 64], vec![1; 80], vec![2; 80]));
    submit!(client, &doctors[4].0, perms.open_emergency(p, EmergencyReason::Unresponsive, vec![], 3_600_000));
    submit!(client, &doctors[5].0, perms.open_emergency(p, EmergencyReason::Trauma, b"n1:sealed".to_vec(), 3_600_000));
    submit!(client, &patient, perms.close_emergency(p, ec));
    // Data to read: a record, a medication and an appointment (by DS).
    let rec = suite.records().add_record(p, RecordKind::Diagnosis, "Asthma".into(), "mild, intermittent".into(), None);
    submit!(client, &doctors[0].0, rec);
    let med = suite.records().add_medication(
        p,
        NewMedication {
            name: "Salbutamol".into(),
            dose: "100 ug".into(),
            frequency: "as needed".into(),
            ..Default::default()
        },
    );
    submit!(client, &patient, med);
    let start0 = now_ms() + 86_400_000;
    let appt = suite.appointments().set_appointment(p, start0, 30, "review".into(), 0);
    submit!(client, &doctors[0].0, appt);
    // Appointment 1 (booked) and request 2 with the doctor who is then
    // suspended; record 1 whose key the patient stored for herself.
    let start1 = now_ms() + 86_400_000;
    submit!(client, &doctors[8].0, suite.appointments().set_appointment(p, start1, 30, "review".into(), 0));
    submit!(client, &patient, suite.appointments().request_appointment(su, start1, 30, "second opinion".into()));
    // Appointment 3: DS proposes one with a fee (the patient, or GB for
    // her, confirms it by paying); DS also asks a fee for requests (GB pays
    // it with request_appointment_for).
    let proposed = suite.appointments().set_appointment(p, start0, 30, "scan".into(), MATRIX_FEE);
    submit!(client, &doctors[0].0, proposed);
    submit!(client, &doctors[0].0, suite.appointments().set_fee(MATRIX_FEE));
    submit!(client, &head, suite.registry().suspend_provider(su, "under investigation".into()));
    let rec1 = suite.records().add_record(p, RecordKind::Note, "sealed".into(), "b".into(), None);
    submit!(client, &doctors[0].0, rec1);
    submit!(client, &patient, suite.records().share_key(p, Sealed::Record(1), p, vec![7; 80]));
    while now_ms() <= expiry + 1_000 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    new_block(&mut client).await;
    // Anyone may enact once the time has come; the old data is read below
    // through the new code.
    wait_until(&mut client, upgrade_at).await;
    assert_eq!(submit!(client, &unregistered, enact_upgrade(suite.records)).return_value(), Ok(records_v2));
    let v2 = ink_e2e::create_call_builder::<smrms_records_v2::records::Records>(suite.records);
    assert_eq!(dry!(client, &unregistered, v2.code_version()), Ok(2), "records runs the second build");

    let signers: Vec<&ink_e2e::Keypair> = vec![
        &head,
        &patient,
        &other_patient,
        &doctors[0].0,
        &doctors[1].0,
        &doctors[2].0,
        &doctors[3].0,
        &doctors[4].0,
        &doctors[5].0,
        &doctors[6].0,
        &doctors[7].0,
        &doctors[8].0,
        &unregistered,
        &guardians[0].0,
        &guardians[1].0,
        &guardians[4].0,
        &guardians[2].0,
        &guardians[3].0,
        &custodian,
    ];
    let (mut reg, mut per, mut recs, mut apps) =
        (suite.registry(), suite.permissions(), suite.records(), suite.appointments());

    // The contract column: the forwarder fixture, called by the patient
    // herself, calls the message in her place.
    let forwarder = client
        .instantiate("smrms-forwarder", &head, &mut ForwarderRef::new())
        .submit()
        .await
        .expect("instantiate forwarder")
        .account_id;
    // Each column's own account (for rows whose argument is the caller).
    let head_id = ink_e2e::account_id(ink_e2e::AccountKeyring::Alice);
    let ids: [AccountId; 20] =
        [head_id, p, op, ds, os, rv, ex, eo, ec, pd, rj, su, unregistered_id, gd, gc, gb, gr, gx, cu, forwarder];

    let mut allowed = 0;
    let mut refused = 0;
    let mut unexpected = Vec::new();
    println!("\n{:<56} {}", "message \\ caller", CALLERS.map(|c| format!("{c:>14}")).join(""));
    for (message, expected) in EXPECTED {
        let mut row = String::new();
        for col in 0..CALLERS.len() {
            // Dry-runs the message as the column's caller: signed directly by
            // the account, or, in the last column, through the forwarder.
            macro_rules! probe {
                ($msg:expr) => {{
                    let m = $msg;
                    if col < signers.len() {
                        classify(&dry!(client, signers[col], m))
                    } else {
                        classify(&via(&mut client, &patient, forwarder, &m).await)
                    }
                }};
                // A payable message sent with `value` by the signers. The
                // forwarder passes no value on: its rows must refuse it for
                // who it is before any amount is checked.
                ($msg:expr, value = $v:expr) => {{
                    let m = $msg;
                    if col < signers.len() {
                        classify(&dry!(client, signers[col], m, value = $v))
                    } else {
                        classify(&via(&mut client, &patient, forwarder, &m).await)
                    }
                }};
            }
            let got = match *message {
                "registry.verify_provider" => probe!(reg.verify_provider(new_provider_id)),
                "registry.set_siblings" => {
                    probe!(reg.set_siblings(suite.permissions, suite.records, suite.appointments))
                }
                "registry.patient_profile" => probe!(reg.patient_profile(p)),
                "registry.read_patient_profile" => probe!(reg.read_patient_profile(p)),
                "registry.edit_patient" => probe!(reg.edit_patient(profile("Edited"))),
                "permissions.grant" => probe!(per.grant(ds, Scopes::ALL, None)),
                "permissions.revoke" => probe!(per.revoke(ds)),
                "permissions.open_emergency" => probe!(per.open_emergency(p, EmergencyReason::Other, vec![], 60_000)),
                "permissions.close_emergency" => probe!(per.close_emergency(p, eo)),
                "permissions.set_emergency_max" => probe!(per.set_emergency_max(60_000)),
                "records.add_record" => probe!(recs.add_record(p, RecordKind::Note, "t".into(), "b".into(), None)),
                "records.record" => probe!(recs.record(p, 0)),
                "records.read_record" => probe!(recs.read_record(p, 0)),
                "records.search" => probe!(recs.search(p, Filter::default(), 0, 10)),
                "records.add_medication" => {
                    probe!(recs.add_medication(p, NewMedication { name: "m".into(), ..Default::default() }))
                }
                "records.stop_medication" => probe!(recs.stop_medication(p, 0)),
                "appointments.set_appointment" => {
                    probe!(apps.set_appointment(p, now_ms() + 86_400_000, 30, "x".into(), 0))
                }
                "appointments.appointment" => probe!(apps.appointment(0)),
                "appointments.patient_appointments" => probe!(apps.patient_appointments(p, 0, 10)),
                "appointments.cancel" => probe!(apps.cancel(0)),
                "records.share_key" => probe!(recs.share_key(p, Sealed::Record(0), p, vec![7; 80])),
                "records.shred_keys" => probe!(recs.shred_keys(p, Sealed::Record(0))),
                "records.share_key (patient's own key)" => probe!(recs.share_key(p, Sealed::Record(1), p, vec![9; 80])),
                "records.share_keys" => probe!(recs.share_keys(p, p, vec![(Sealed::Record(0), vec![7; 80])])),
                "records.revoke_keys" => probe!(recs.revoke_keys(p, ds, vec![Sealed::Record(1)])),
                "appointments.update_appointment" => {
                    probe!(apps.update_appointment(0, start0, 30, "x".into(), "".into(), "".into()))
                }
                "appointments.accept_reschedule" => probe!(apps.accept_reschedule(0)),
                "appointments.set_no_show_grace" => probe!(apps.set_no_show_grace(60_000)),
                "appointments.mark_no_show" => probe!(apps.mark_no_show(0)),
                "appointments.complete" => probe!(apps.complete(0)),
                "registry.register_provider" => {
                    probe!(reg.register_provider(provider("New doctor", ProviderKind::Doctor)))
                }
                "appointments.update_appointment (suspended doctor)" => {
                    probe!(apps.update_appointment(1, start1, 30, "x".into(), "".into(), "".into()))
                }
                "appointments.accept (suspended doctor)" => probe!(apps.accept(2)),
                "appointments.cancel (suspended doctor)" => probe!(apps.cancel(1)),
                "registry.publish_encryption_key" => probe!(reg.publish_encryption_key([3; 32])),
                "PermissionsApi::authorize" => {
                    let args = (p, ds, Scope::RecordsRead, AccessAction::ReadRecord(0), Attempt::Read);
                    probe!(trait_call::<Result<Authorized>>(suite.permissions, "PermissionsApi::authorize", args))
                }
                "PermissionsApi::sync_standing" => {
                    let args = (unregistered_id, Standing::Provider(ProviderKind::Doctor, ProviderStatus::Verified));
                    probe!(trait_call::<Result<()>>(suite.permissions, "PermissionsApi::sync_standing", args))
                }
                "PermissionsApi::sync_head" => {
                    probe!(trait_call::<Result<()>>(suite.permissions, "PermissionsApi::sync_head", (unregistered_id,)))
                }
                "PermissionsApi::decide" => {
                    let args = (p, ds, Scope::RecordsRead);
                    probe!(trait_call::<Result<AccessOutcome>>(suite.permissions, "PermissionsApi::decide", args))
                }
                "PermissionsApi::accept_siblings" => {
                    let forged =
                        Siblings { permissions: suite.permissions, records: forwarder, appointments: forwarder };
                    probe!(trait_call::<Result<()>>(suite.permissions, "PermissionsApi::accept_siblings", (forged,)))
                }
                "Upgradeable::propose_upgrade (registry)" => {
                    probe!(propose_upgrade(suite.registry, Hash::from([5; 32])))
                }
                "Upgradeable::propose_upgrade (permissions)" => {
                    probe!(propose_upgrade(suite.permissions, Hash::from([5; 32])))
                }
                "Upgradeable::propose_upgrade (records)" => probe!(propose_upgrade(suite.records, Hash::from([5; 32]))),
                "Upgradeable::propose_upgrade (appointments)" => {
                    probe!(propose_upgrade(suite.appointments, Hash::from([5; 32])))
                }
                "Upgradeable::cancel_upgrade" => probe!(cancel_upgrade(suite.records)),
                "Upgradeable::enact_upgrade" => probe!(enact_upgrade(suite.records)),
                "Upgradeable::upgrade_status" => probe!(upgrade_status(suite.appointments)),
                "Annexed::propose_annex (registry)" => probe!(propose_annex(suite.registry, Hash::from([6; 32]))),
                "Annexed::propose_annex (permissions)" => {
                    probe!(propose_annex(suite.permissions, Hash::from([6; 32])))
                }
                "Annexed::propose_annex (records)" => probe!(propose_annex(suite.records, Hash::from([6; 32]))),
                "Annexed::propose_annex (appointments)" => {
                    probe!(propose_annex(suite.appointments, Hash::from([6; 32])))
                }
                "Annexed::cancel_annex" => probe!(cancel_annex(suite.records)),
                "Annexed::enact_annex" => probe!(enact_annex(suite.permissions)),
                "Annexed::annex" => probe!(annex_of(suite.registry)),
                "permissions.appoint_guardian" => probe!(per.appoint_guardian(gd, both, None)),
                "permissions.appoint_guardian_for" => probe!(per.appoint_guardian_for(minor_id, gd, both, None)),
                "permissions.appoint_guardian_for (undeclared)" => {
                    probe!(per.appoint_guardian_for(p, gd, both, None))
                }
                "permissions.remove_guardian" => probe!(per.remove_guardian(p, gd)),
                "permissions.remove_guardian (herself)" => probe!(per.remove_guardian(p, ids[col])),
                "permissions.remove_guardian (declared patient)" => probe!(per.remove_guardian(minor_id, gd)),
                "permissions.declare_incapacity" => probe!(per.declare_incapacity(p, Incapacity::Cognitive)),
                "permissions.lift_incapacity" => probe!(per.lift_incapacity(minor_id)),
                "permissions.grant_for" => probe!(per.grant_for(p, os, Scopes::ALL, None)),
                "permissions.revoke_for" => probe!(per.revoke_for(p, ds)),
                "appointments.request_appointment_for" => {
                    let start = now_ms() + 86_400_000;
                    probe!(apps.request_appointment_for(p, ds, start, 30, "x".into()), value = MATRIX_FEE)
                }
                "appointments.request_appointment_for (suspended doctor)" => {
                    probe!(apps.request_appointment_for(p, su, now_ms() + 86_400_000, 30, "x".into()))
                }
                "appointments.request_appointment_for (other patient)" => {
                    let start = now_ms() + 86_400_000;
                    probe!(apps.request_appointment_for(op, ds, start, 30, "x".into()), value = MATRIX_FEE)
                }
                "appointments.confirm" => probe!(apps.confirm(3), value = MATRIX_FEE),
                "records.set_card" => probe!(recs.set_card(vec![0xC5; 64], vec![3; 80], vec![4; 80])),
                "records.designate_custodian" => probe!(recs.designate_custodian(cu, [8; 32])),
                "records.share_key (card, emergency doctor)" => {
                    probe!(recs.share_key(p, Sealed::Card, eo, vec![7; 80]))
                }
                "records.share_key (card, consented doctor)" => {
                    probe!(recs.share_key(p, Sealed::Card, ds, vec![7; 80]))
                }
                "records.share_key (card, closed emergency)" => {
                    probe!(recs.share_key(p, Sealed::Card, ec, vec![7; 80]))
                }
                "records.share_key (card, guardian)" => probe!(recs.share_key(p, Sealed::Card, gd, vec![7; 80])),
                "records.share_key (card, pending doctor)" => probe!(recs.share_key(p, Sealed::Card, pd, vec![7; 80])),
                other => panic!("no probe for {other}"),
            };
            if got == Expect::Ok {
                allowed += 1
            } else {
                refused += 1
            }
            if got != expected[col] {
                unexpected.push(format!("{message} as {}: expected {}, got {got}", CALLERS[col], expected[col]));
            }
            row.push_str(&format!("{:>14}", got.to_string().chars().take(13).collect::<String>()));
        }
        println!("{message:<56} {row}");
    }
    println!(
        "\naccess matrix: {} cases, {allowed} allowed, {refused} refused, unexpected: {}",
        allowed + refused,
        unexpected.len()
    );
    assert!(unexpected.is_empty(), "unexpected outcomes:\n{}", unexpected.join("\n"));

    // A refused write changes nothing but the access log (+1 entry, the
    // documented AccessLogged + AccessDenied events).
    let records_before = dry!(client, &patient, recs.record_count(p));
    let log_before = dry!(client, &patient, per.access_log_len(p)).unwrap();
    let res = submit!(client, &doctors[1].0, recs.add_record(p, RecordKind::Note, "t".into(), "b".into(), None));
    assert_eq!(res.return_value(), Ok(smrms_records::records::WriteOutcome::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &patient, recs.record_count(p)), records_before);
    assert_eq!(dry!(client, &patient, per.access_log_len(p)), Ok(log_before + 1));
    // A refused call with an error reverts: the transaction fails, state is identical.
    let profile_before = dry!(client, &patient, reg.patient_profile(p));
    let counts_before = dry!(client, &head, reg.counts());
    let failed = client.call(&unregistered, &reg.verify_provider(new_provider_id)).submit().await;
    assert!(failed.is_err(), "a reverted call is a failed transaction");
    assert_eq!(dry!(client, &patient, reg.patient_profile(p)), profile_before);
    assert_eq!(dry!(client, &head, reg.counts()), counts_before);

    // A second registry cannot adopt this suite's records and appointments:
    // they point back to the first registry (set_siblings checks).
    let registry_annex = upload_annex(&mut client, &unregistered, "smrms-registry-annex").await;
    let other_registry = client
        .instantiate("smrms-registry", &unregistered, &mut RegistryRef::new(TEST_UPGRADE_DELAY_MS, registry_annex))
        .submit()
        .await
        .expect("instantiate a second registry")
        .account_id;
    let mut other = ink_e2e::create_call_builder::<Registry>(other_registry);
    let adopt = other.set_siblings(suite.permissions, suite.records, suite.appointments);
    assert_eq!(dry!(client, &unregistered, adopt), Err(Error::SiblingMismatch));
    // A registry with accounts cannot be wired: permissions must learn
    // every standing as it changes.
    submit!(client, &patient, other.register_patient(profile("Early")));
    let adopt = other.set_siblings(suite.permissions, suite.records, suite.appointments);
    assert_eq!(dry!(client, &unregistered, adopt), Err(Error::RegisteredBeforeWiring));

    // Hostile inputs: each a named error, never a trap.
    let zero = ink::primitives::AccountId::from([0u8; 32]);
    let long = |n: usize| "x".repeat(n);
    assert_eq!(dry!(client, &head, reg.propose_head(zero)), Err(Error::ZeroAccount));
    assert_eq!(dry!(client, &unregistered, reg.register_patient(profile(""))), Err(Error::EmptyField));
    assert_eq!(
        dry!(client, &unregistered, reg.register_patient(profile(&long(MAX_NAME_LEN + 1)))),
        Err(Error::FieldTooLong)
    );
    assert_eq!(dry!(client, &unregistered, reg.register_patient(profile(&long(MAX_NAME_LEN)))), Ok(()));
    assert_eq!(dry!(client, &patient, reg.register_patient(profile("again"))), Err(Error::AlreadyRegistered));
    assert_eq!(
        dry!(client, &doctors[0].0, reg.register_provider(provider("again", ProviderKind::Doctor))),
        Err(Error::AlreadyRegistered)
    );
    assert_eq!(dry!(client, &head, reg.verify_provider(zero)), Err(Error::UnknownProvider));
    assert_eq!(dry!(client, &head, reg.verify_provider(ds)), Err(Error::InvalidStatusTransition));
    assert_eq!(dry!(client, &head, reg.suspend_provider(ds, long(MAX_TEXT_LEN + 1))), Err(Error::FieldTooLong));
    assert_eq!(dry!(client, &patient, per.grant(p, Scopes::ALL, None)), Err(Error::SelfGrant));
    assert_eq!(dry!(client, &patient, per.grant(zero, Scopes::ALL, None)), Err(Error::UnknownAccount));
    assert_eq!(dry!(client, &patient, per.grant(ds, Scopes::ALL, Some(0))), Err(Error::ExpiryInPast));
    assert_eq!(dry!(client, &patient, per.revoke(zero)), Err(Error::GrantNotFound));
    assert_eq!(
        dry!(client, &doctors[0].0, per.open_emergency(zero, EmergencyReason::Other, vec![], 1)),
        Err(Error::UnknownPatient)
    );
    assert_eq!(
        dry!(client, &doctors[0].0, per.open_emergency(p, EmergencyReason::Other, vec![0; MAX_TEXT_LEN + 1], 1)),
        Err(Error::FieldTooLong)
    );
    assert_eq!(
        dry!(client, &doctors[0].0, per.open_emergency(p, EmergencyReason::Other, vec![], u64::MAX)),
        Err(Error::InvalidDuration)
    );
    assert_eq!(dry!(client, &patient, per.access_log(p, u32::MAX, u32::MAX)).map(|v| v.len()), Ok(0));
    assert!(dry!(client, &patient, per.access_log(p, 0, u32::MAX)).unwrap().len() <= MAX_PAGE as usize);
    let max_body = recs.add_record(p, RecordKind::Note, long(MAX_TITLE_LEN).into(), long(MAX_BODY_LEN).into(), None);
    assert!(matches!(dry!(client, &doctors[0].0, max_body), Ok(smrms_records::records::WriteOutcome::Accepted(_))));
    let too_big = recs.add_record(p, RecordKind::Note, "t".into(), long(MAX_BODY_LEN + 1).into(), None);
    assert_eq!(dry!(client, &doctors[0].0, too_big), Err(Error::FieldTooLong));
    assert_eq!(
        dry!(client, &doctors[0].0, recs.add_record(p, RecordKind::Note, "".into(), "b".into(), None)),
        Err(Error::EmptyField)
    );
    assert_eq!(
        dry!(client, &doctors[0].0, recs.add_record(p, RecordKind::Note, "t".into(), "b".into(), Some(u32::MAX))),
        Err(Error::UnknownRecord)
    );
    assert_eq!(dry!(client, &patient, recs.record(p, u32::MAX)), Err(Error::UnknownRecord));
    assert_eq!(
        dry!(client, &patient, recs.search(p, Filter::default(), u32::MAX, u32::MAX)).map(|s| s.items.len()),
        Ok(0)
    );
    assert_eq!(dry!(client, &patient, recs.stop_medication(p, u32::MAX)), Err(Error::UnknownMedication));
    let bad_med =
        recs.add_medication(p, NewMedication { name: "m".into(), start: 10, end: Some(9), ..Default::default() });
    assert_eq!(dry!(client, &patient, bad_med), Err(Error::InvalidTimeRange));
    assert_eq!(dry!(client, &patient, apps.appointment(u64::MAX)), Err(Error::UnknownAppointment));
    assert_eq!(dry!(client, &doctors[0].0, apps.set_appointment(p, 1, 30, "x".into(), 0)), Err(Error::StartInPast));
    assert_eq!(
        dry!(client, &doctors[0].0, apps.set_appointment(p, u64::MAX, 0, "x".into(), 0)),
        Err(Error::InvalidDuration)
    );
    assert_eq!(dry!(client, &doctors[0].0, apps.complete(0)), Err(Error::TooEarly));
    assert_eq!(dry!(client, &doctors[0].0, apps.accept(0)), Err(Error::InvalidTransition));
    assert_eq!(dry!(client, &patient, apps.confirm(0), value = 1), Err(Error::InvalidTransition));
    assert_eq!(dry!(client, &patient, apps.withdraw()), Err(Error::NothingToWithdraw));
    // Value sent to a non-payable message: ink!'s dispatcher reverts the call
    // (the documented exception to "a named error").
    assert!(client.call(&patient, &per.revoke(ds)).dry_run().await.is_ok());
    assert!(
        client.call(&patient, &per.revoke(ds)).value(1).dry_run().await.is_err(),
        "value to a non-payable message traps"
    );
    Ok(())
}
