//! Guardians: accounts that act for a patient who cannot act herself (a
//! child, a parent in care, a patient in a coma), as pure types and rules
//! with their unit tests.
//!
//! A guardian holds **powers** that mirror what the patient can do:
//! - `consent`: grant and revoke access on the patient's behalf
//!   (`grant_for`, `revoke_for`);
//! - `read`: read the patient's profile and records (an audited read under
//!   the guardianship, logged "by guardian G for patient P");
//! - `book`: book appointments for the patient (`request_appointment_for`
//!   in the appointments contract, paying the fee herself) and act on the
//!   patient's side of her appointments (confirm, cancel, complete, answer a
//!   proposed new time), each act logged in the patient's access log.
//!
//! Who appoints: the patient herself, or the head for a patient she declared
//! a minor or incapacitated (with a reason code). Who removes: the patient,
//! the guardian herself (stepping down), or the head for a patient she
//! declared. A guardianship is in force while it has not expired **and** the
//! guardian's own standing allows it: a registered patient or a verified
//! provider. A guardian who is unregistered, suspended, rejected or pending
//! can do nothing for anyone.

use ink::primitives::AccountId;
use smrms_shared::{ensure, AccessBasis, Error, Result, Scope, Standing, Timestamp};

/// What a guardian may do for a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct GuardianPowers {
    /// Grant and revoke access to the patient's data on her behalf.
    pub consent: bool,
    /// Read the patient's profile and records (audited, logged as the
    /// guardian's act).
    pub read: bool,
    /// Book appointments for the patient and act on her side of them
    /// (request, confirm, cancel, complete, answer a proposed new time);
    /// a fee she pays is refunded to her, not to the patient.
    pub book: bool,
}

impl GuardianPowers {
    /// No power at all (refused when appointing).
    pub fn is_empty(&self) -> bool {
        !self.consent && !self.read && !self.book
    }
}

/// One guardian of one patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub struct Guardianship {
    /// What the guardian may do.
    pub powers: GuardianPowers,
    /// Who appointed her: the patient, or the head for a patient declared a
    /// minor or incapacitated.
    pub appointed_by: AccountId,
    /// When (Unix milliseconds).
    pub appointed_at: Timestamp,
    /// When it ends (Unix milliseconds, exclusive); `None` = until removed.
    pub expires_at: Option<Timestamp>,
}

/// Why the head declared that a patient cannot act for herself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
#[cfg_attr(feature = "std", derive(ink::storage::traits::StorageLayout))]
pub enum Incapacity {
    /// The patient is a minor (recorded when her identity was verified).
    Minor,
    /// The patient is unconscious or in a coma.
    Unconscious,
    /// A cognitive impairment (e.g. advanced dementia), as certified.
    Cognitive,
    /// Another certified reason.
    Other,
}

/// What a guardian tries to do (for [`may_act`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardianAct {
    /// Grant or revoke on the patient's behalf.
    Consent,
    /// Read data of this scope.
    Read(Scope),
    /// Book or act on the patient's side of an appointment.
    Book,
}

impl Guardianship {
    /// True while not expired at `now`.
    pub fn in_force(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|e| now < e)
    }

    /// True while in force at `now` and holding the power `act` needs
    /// (reading covers the profile and records only).
    pub fn allows(&self, act: GuardianAct, now: Timestamp) -> bool {
        let power = match act {
            GuardianAct::Consent => self.powers.consent,
            GuardianAct::Read(Scope::Demographics | Scope::RecordsRead) => self.powers.read,
            GuardianAct::Read(_) => false,
            GuardianAct::Book => self.powers.book,
        };
        power && self.in_force(now)
    }
}

/// Whether a stored guardianship counts: one the patient appointed always;
/// one the head appointed only while the patient is declared a minor or
/// incapacitated (`declared` is asked only then), so that lifting the
/// declaration ends the head's appointments at once.
pub fn in_effect(g: &Guardianship, patient: AccountId, declared: impl FnOnce() -> bool) -> bool {
    g.appointed_by == patient || declared()
}

/// Whether an account of `standing` may act as anyone's guardian now: a
/// registered patient or a verified provider.
pub fn standing_allows(standing: Standing) -> bool {
    match standing {
        Standing::Patient => true,
        Standing::Provider(_, status) => status == smrms_shared::ProviderStatus::Verified,
        Standing::Unregistered => false,
    }
}

/// Checks an appointment before it is stored: a guardian other than the
/// patient, who is registered, with at least one power, and an expiry in
/// the future.
///
/// # Errors
/// `SelfGrant`; `UnknownAccount` for an unregistered guardian; `NoScopes`;
/// `ExpiryInPast`.
pub fn check_appointment(
    patient: AccountId,
    guardian: AccountId,
    guardian_standing: Standing,
    powers: &GuardianPowers,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<()> {
    ensure!(patient != guardian, Error::SelfGrant);
    ensure!(guardian_standing != Standing::Unregistered, Error::UnknownAccount);
    ensure!(!powers.is_empty(), Error::NoScopes);
    ensure!(expires_at.is_none_or(|e| e > now), Error::ExpiryInPast);
    Ok(())
}

/// Who may remove a guardian: the patient, the guardian herself, or the head
/// for a patient she declared a minor or incapacitated (`head` is asked
/// only for anyone else).
///
/// # Errors
/// `NotAllowed` for anyone else; whatever `head` returns.
pub fn may_remove(
    caller: AccountId,
    patient: AccountId,
    guardian: AccountId,
    declared: bool,
    head: impl FnOnce() -> Result<AccountId>,
) -> Result<()> {
    ensure!(caller == patient || caller == guardian || (declared && caller == head()?), Error::NotAllowed);
    Ok(())
}

/// Whether `guardian` (with `standing`) may do `act` for the patient now
/// under `guardianship`.
///
/// # Errors
/// `NotGuardian` if there is no guardianship, it has expired, lacks the
/// power, or the guardian's own standing does not allow it.
pub fn may_act(
    guardianship: Option<Guardianship>,
    standing: Standing,
    act: GuardianAct,
    now: Timestamp,
) -> Result<Guardianship> {
    let g = guardianship.ok_or(Error::NotGuardian)?;
    ensure!(g.allows(act, now) && standing_allows(standing), Error::NotGuardian);
    Ok(g)
}

/// The access basis once guardianships are counted: where consent, own
/// access and emergency access give none, an in-force guardianship with the
/// read power gives `Guardian` for the profile and records. (The guardian's
/// standing is checked with every other accessor's, in
/// `smrms_shared::decide_access`.)
pub fn with_guardianship(
    basis: AccessBasis,
    guardianship: impl FnOnce() -> Option<Guardianship>,
    scope: Scope,
    now: Timestamp,
) -> AccessBasis {
    if basis != AccessBasis::None {
        return basis;
    }
    match guardianship() {
        Some(g) if g.allows(GuardianAct::Read(scope), now) => AccessBasis::Guardian,
        _ => AccessBasis::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smrms_shared::{ProviderKind, ProviderStatus};

    fn acct(b: u8) -> AccountId {
        AccountId::from([b; 32])
    }

    const CONSENT: GuardianPowers = GuardianPowers { consent: true, read: false, book: false };
    const READ: GuardianPowers = GuardianPowers { consent: false, read: true, book: false };
    const BOOK: GuardianPowers = GuardianPowers { consent: false, read: false, book: true };

    fn g(powers: GuardianPowers, expires_at: Option<Timestamp>) -> Guardianship {
        Guardianship { powers, appointed_by: acct(1), appointed_at: 0, expires_at }
    }

    #[test]
    fn powers_cover_their_own_acts_only() {
        // (powers, act, allowed)
        let rows = [
            (CONSENT, GuardianAct::Consent, true),
            (CONSENT, GuardianAct::Read(Scope::RecordsRead), false),
            (READ, GuardianAct::Consent, false),
            (READ, GuardianAct::Read(Scope::RecordsRead), true),
            (READ, GuardianAct::Read(Scope::Demographics), true),
            (READ, GuardianAct::Read(Scope::RecordsWrite), false),
            (READ, GuardianAct::Read(Scope::Appointments), false),
            (READ, GuardianAct::Book, false),
            (CONSENT, GuardianAct::Book, false),
            (BOOK, GuardianAct::Book, true),
            (BOOK, GuardianAct::Consent, false),
            (BOOK, GuardianAct::Read(Scope::RecordsRead), false),
            (BOOK, GuardianAct::Read(Scope::Appointments), false),
        ];
        for (powers, act, allowed) in rows {
            assert_eq!(g(powers, None).allows(act, 0), allowed, "{powers:?} {act:?}");
        }
    }

    #[test]
    fn guardianship_counts_only_where_nothing_else_does() {
        let read = || Some(g(READ, Some(100)));
        let none = || None;
        let rs = Scope::RecordsRead;
        assert_eq!(with_guardianship(AccessBasis::None, read, rs, 99), AccessBasis::Guardian);
        assert_eq!(with_guardianship(AccessBasis::None, read, rs, 100), AccessBasis::None, "expired");
        assert_eq!(with_guardianship(AccessBasis::None, read, Scope::RecordsWrite, 0), AccessBasis::None);
        assert_eq!(with_guardianship(AccessBasis::None, none, rs, 0), AccessBasis::None);
        let consent = with_guardianship(AccessBasis::Consent, || panic!("not read"), rs, 0);
        assert_eq!(consent, AccessBasis::Consent, "consent first: the guardianship is not read");
        let consent_only = || Some(g(CONSENT, None));
        assert_eq!(with_guardianship(AccessBasis::None, consent_only, rs, 0), AccessBasis::None);
    }

    #[test]
    fn a_head_appointed_guardian_counts_only_while_the_patient_is_declared() {
        let (patient, head) = (acct(2), acct(9));
        let by_patient = Guardianship { appointed_by: patient, ..g(READ, None) };
        let by_head = Guardianship { appointed_by: head, ..g(READ, None) };
        assert!(in_effect(&by_patient, patient, || panic!("not asked")));
        assert!(in_effect(&by_head, patient, || true));
        assert!(!in_effect(&by_head, patient, || false));
    }

    #[test]
    fn guardianship_ends_at_its_exclusive_expiry() {
        let x = g(READ, Some(2_000));
        assert!(x.allows(GuardianAct::Read(Scope::RecordsRead), 1_999));
        assert!(!x.allows(GuardianAct::Read(Scope::RecordsRead), 2_000));
        assert!(g(READ, None).in_force(u64::MAX));
    }

    #[test]
    fn only_patients_and_verified_providers_may_act() {
        // (standing, may act)
        let rows = [
            (Standing::Patient, true),
            (Standing::Unregistered, false),
            (Standing::Provider(ProviderKind::Nurse, ProviderStatus::Verified), true),
            (Standing::Provider(ProviderKind::Doctor, ProviderStatus::Pending), false),
            (Standing::Provider(ProviderKind::Doctor, ProviderStatus::Suspended), false),
            (Standing::Provider(ProviderKind::Lab, ProviderStatus::Rejected), false),
        ];
        for (standing, allowed) in rows {
            assert_eq!(standing_allows(standing), allowed, "{standing:?}");
            let acted = may_act(Some(g(CONSENT, None)), standing, GuardianAct::Consent, 0);
            assert_eq!(acted.is_ok(), allowed, "{standing:?}");
        }
    }

    #[test]
    fn acting_without_guardianship_or_power_is_refused() {
        let patient = Standing::Patient;
        assert_eq!(may_act(None, patient, GuardianAct::Consent, 0), Err(Error::NotGuardian));
        assert_eq!(may_act(Some(g(READ, None)), patient, GuardianAct::Consent, 0), Err(Error::NotGuardian));
        let expired = Some(g(CONSENT, Some(10)));
        assert_eq!(may_act(expired, patient, GuardianAct::Consent, 10), Err(Error::NotGuardian));
        assert_eq!(may_act(expired, patient, GuardianAct::Consent, 9), Ok(g(CONSENT, Some(10))));
        assert_eq!(may_act(Some(g(CONSENT, None)), patient, GuardianAct::Book, 0), Err(Error::NotGuardian));
        let suspended = Standing::Provider(ProviderKind::Nurse, ProviderStatus::Suspended);
        assert_eq!(may_act(Some(g(BOOK, None)), suspended, GuardianAct::Book, 0), Err(Error::NotGuardian));
    }

    #[test]
    fn appointment_checks_in_order() {
        let (p, q) = (acct(2), acct(3));
        let ok = Standing::Patient;
        assert_eq!(check_appointment(p, p, ok, &CONSENT, None, 5), Err(Error::SelfGrant));
        assert_eq!(check_appointment(p, q, Standing::Unregistered, &CONSENT, None, 5), Err(Error::UnknownAccount));
        assert_eq!(check_appointment(p, q, ok, &GuardianPowers::default(), None, 5), Err(Error::NoScopes));
        assert_eq!(check_appointment(p, q, ok, &CONSENT, Some(5), 5), Err(Error::ExpiryInPast));
        assert_eq!(check_appointment(p, q, ok, &CONSENT, Some(6), 5), Ok(()));
        assert_eq!(check_appointment(p, q, ok, &BOOK, None, 5), Ok(()), "booking alone is a power");
    }

    #[test]
    fn removal_by_patient_guardian_or_head_of_a_declared_patient() {
        let (patient, guardian, head, other) = (acct(2), acct(3), acct(9), acct(7));
        let head_fn = || Ok(head);
        assert_eq!(may_remove(patient, patient, guardian, false, || panic!("not asked")), Ok(()));
        assert_eq!(may_remove(guardian, patient, guardian, false, || panic!("not asked")), Ok(()));
        assert_eq!(may_remove(head, patient, guardian, true, head_fn), Ok(()));
        assert_eq!(may_remove(head, patient, guardian, false, head_fn), Err(Error::NotAllowed));
        assert_eq!(may_remove(other, patient, guardian, true, head_fn), Err(Error::NotAllowed));
    }
}
