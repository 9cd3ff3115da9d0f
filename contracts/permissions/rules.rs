//! The permissions contract's rules, as pure functions (no storage, no
//! environment) with their unit tests: when a grant or an emergency access
//! is in force, on what basis an account may access a patient's data, the
//! checks of grants and emergency accesses, who may close an emergency
//! access or write the access log, and the access log's folding rule.
//!
//! ## The access basis
//! In this order, for `grantee` on `patient`'s data and a `scope`:
//! 1. the patient herself: `Own`;
//! 2. a stored grant that covers the scope and has not expired: `Consent`;
//! 3. an open emergency access of this grantee, for every scope but
//!    `Appointments`: `Emergency`;
//! 4. otherwise `None`.
//!
//! Times are exclusive ends: a grant expiring at `t` or an emergency access
//! ending at `t` no longer counts at `t`. Verification of the grantee is not
//! this contract's business: `smrms_shared::decide_access` combines the
//! basis with the registry's standing.

use crate::permissions::{EmergencyAccess, Grant};
use ink::primitives::AccountId;
use smrms_shared::{
    ensure, AccessBasis, AccessLogEntry, AccessOutcome, DenyReason, Error, Result, Scope, Scopes, Siblings, Timestamp,
    MAX_EMERGENCY_MS, MAX_TEXT_LEN,
};

impl Grant {
    /// True while the grant is in force at `now` (not expired).
    pub fn in_force(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|e| now < e)
    }

    /// True while the grant is in force at `now` and covers `scope`.
    pub fn allows(&self, scope: Scope, now: Timestamp) -> bool {
        self.scopes.contains(scope) && self.in_force(now)
    }
}

impl EmergencyAccess {
    /// True while open at `now`.
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.closed.is_none() && now < self.expires_at
    }
}

/// The basis of `grantee`'s access to a patient's data for `scope` at
/// `now` (see the module doc). `own` says whether the grantee is the
/// patient; `grant` and `open_emergency` fetch the stored grant and the
/// grantee's latest emergency access, and are called only when needed.
pub fn access_basis(
    own: bool,
    grant: impl FnOnce() -> Option<Grant>,
    open_emergency: impl FnOnce() -> Option<EmergencyAccess>,
    scope: Scope,
    now: Timestamp,
) -> AccessBasis {
    if own {
        return AccessBasis::Own;
    }
    if grant().is_some_and(|g| g.allows(scope, now)) {
        return AccessBasis::Consent;
    }
    if scope != Scope::Appointments && open_emergency().is_some_and(|e| e.is_open(now)) {
        return AccessBasis::Emergency;
    }
    AccessBasis::None
}

/// Checks a grant before it is stored.
///
/// # Errors
/// `SelfGrant`; `NoScopes`; `ExpiryInPast` for an expiry at or before `now`.
pub fn check_grant(
    patient: AccountId,
    grantee: AccountId,
    scopes: &Scopes,
    expires_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<()> {
    ensure!(patient != grantee, Error::SelfGrant);
    ensure!(!scopes.is_empty(), Error::NoScopes);
    ensure!(expires_at.is_none_or(|e| e > now), Error::ExpiryInPast);
    Ok(())
}

/// Checks an emergency access before it is opened: the sealed note's length
/// and the duration (1 ms to the head's maximum `max_ms`).
///
/// # Errors
/// `FieldTooLong`, then `InvalidDuration`.
pub fn check_emergency(note_len: usize, duration_ms: Timestamp, max_ms: Timestamp) -> Result<()> {
    ensure!(note_len <= MAX_TEXT_LEN, Error::FieldTooLong);
    ensure!(duration_ms != 0 && duration_ms <= max_ms, Error::InvalidDuration);
    Ok(())
}

/// Checks the head's emergency maximum: 1 ms to 24 hours.
///
/// # Errors
/// `InvalidDuration`.
pub fn check_emergency_max(max_ms: Timestamp) -> Result<()> {
    ensure!(max_ms != 0 && max_ms <= MAX_EMERGENCY_MS, Error::InvalidDuration);
    Ok(())
}

/// Who may close an open emergency access early: the patient, the doctor
/// who opened it, or the head (`head` is asked only for anyone else).
///
/// # Errors
/// `NotAllowed` for anyone else; whatever `head` returns.
pub fn may_close_emergency(
    caller: AccountId,
    patient: AccountId,
    doctor: AccountId,
    head: impl FnOnce() -> Result<AccountId>,
) -> Result<()> {
    ensure!(caller == patient || caller == doctor || caller == head()?, Error::NotAllowed);
    Ok(())
}

/// Whether `caller` may append to access logs: the registry, or the records
/// or appointments contract once the suite is wired.
pub fn is_trusted_logger(caller: AccountId, registry: AccountId, siblings: Option<Siblings>) -> bool {
    caller == registry || siblings.is_some_and(|s| caller == s.records || caller == s.appointments)
}

/// The access log's anti-flooding rule: a denied attempt by an unregistered
/// account is folded into one entry per (patient, accessor) instead of
/// getting an entry of its own.
pub fn folds(attempt: &AccessLogEntry) -> bool {
    attempt.outcome == AccessOutcome::Denied(DenyReason::Unregistered)
}

/// The folded entry `earlier` after one more `attempt`: one more repeat
/// (saturating), the attempt's time and action.
pub fn fold(earlier: AccessLogEntry, attempt: &AccessLogEntry) -> AccessLogEntry {
    AccessLogEntry { repeats: earlier.repeats.saturating_add(1), at: attempt.at, action: attempt.action, ..earlier }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smrms_shared::{AccessAction, EmergencyReason};

    const READ: Scopes = Scopes { demographics: false, records_read: true, records_write: false, appointments: false };
    const ALL_SCOPES: [Scope; 4] = [Scope::Demographics, Scope::RecordsRead, Scope::RecordsWrite, Scope::Appointments];

    fn acct(b: u8) -> AccountId {
        AccountId::from([b; 32])
    }

    fn grant(scopes: Scopes, expires_at: Option<Timestamp>) -> Grant {
        Grant { scopes, granted_at: 0, expires_at }
    }

    fn emergency(expires_at: Timestamp, closed: bool) -> EmergencyAccess {
        EmergencyAccess {
            doctor: acct(4),
            reason: EmergencyReason::Trauma,
            note: vec![],
            opened_at: 0,
            expires_at,
            closed: closed.then_some((1, acct(1))),
        }
    }

    #[test]
    fn grants_and_emergencies_end_at_their_exclusive_end() {
        let g = grant(READ, Some(2_000));
        assert!(g.in_force(1_999) && !g.in_force(2_000));
        assert!(g.allows(Scope::RecordsRead, 1_999));
        assert!(!g.allows(Scope::RecordsRead, 2_000));
        assert!(!g.allows(Scope::RecordsWrite, 0), "scope not granted");
        assert!(grant(READ, None).allows(Scope::RecordsRead, u64::MAX), "until revoked");
        assert!(emergency(3_000, false).is_open(2_999));
        assert!(!emergency(3_000, false).is_open(3_000));
        assert!(!emergency(3_000, true).is_open(0), "closed early");
    }

    #[test]
    fn basis_in_order_own_consent_emergency() {
        let no_grant = || None;
        let no_emergency = || None;
        for scope in ALL_SCOPES {
            let own = access_basis(true, || panic!("not read"), || panic!("not read"), scope, 0);
            assert_eq!(own, AccessBasis::Own);
            assert_eq!(access_basis(false, no_grant, no_emergency, scope, 0), AccessBasis::None);
            let all = access_basis(false, || Some(grant(Scopes::ALL, None)), || panic!("not read"), scope, 0);
            assert_eq!(all, AccessBasis::Consent, "consent first: the emergency is not read");
        }
        let open = || Some(emergency(3_000, false));
        assert_eq!(access_basis(false, no_grant, open, Scope::RecordsWrite, 2_999), AccessBasis::Emergency);
        assert_eq!(access_basis(false, no_grant, open, Scope::Demographics, 0), AccessBasis::Emergency);
        assert_eq!(access_basis(false, no_grant, open, Scope::RecordsRead, 3_000), AccessBasis::None, "ended");
        let appointments = access_basis(false, no_grant, || panic!("not read"), Scope::Appointments, 0);
        assert_eq!(appointments, AccessBasis::None, "emergency never covers appointments");
        let expired = || Some(grant(READ, Some(10)));
        assert_eq!(access_basis(false, expired, open, Scope::RecordsRead, 10), AccessBasis::Emergency);
        assert_eq!(access_basis(false, expired, no_emergency, Scope::RecordsRead, 10), AccessBasis::None);
        let closed = || Some(emergency(3_000, true));
        assert_eq!(access_basis(false, no_grant, closed, Scope::RecordsRead, 0), AccessBasis::None);
    }

    #[test]
    fn grant_checks() {
        let (a, b) = (acct(1), acct(2));
        assert_eq!(check_grant(a, a, &READ, None, 0), Err(Error::SelfGrant));
        assert_eq!(check_grant(a, b, &Scopes::default(), None, 0), Err(Error::NoScopes));
        assert_eq!(check_grant(a, b, &READ, Some(1_000), 1_000), Err(Error::ExpiryInPast));
        assert_eq!(check_grant(a, b, &READ, Some(1_001), 1_000), Ok(()));
        assert_eq!(check_grant(a, b, &READ, None, u64::MAX), Ok(()));
    }

    #[test]
    fn emergency_checks() {
        assert_eq!(check_emergency(MAX_TEXT_LEN + 1, 10, 100), Err(Error::FieldTooLong));
        assert_eq!(check_emergency(MAX_TEXT_LEN + 1, 0, 100), Err(Error::FieldTooLong), "the note first");
        assert_eq!(check_emergency(0, 0, 100), Err(Error::InvalidDuration));
        assert_eq!(check_emergency(0, 101, 100), Err(Error::InvalidDuration));
        assert_eq!(check_emergency(MAX_TEXT_LEN, 100, 100), Ok(()));
        assert_eq!(check_emergency_max(0), Err(Error::InvalidDuration));
        assert_eq!(check_emergency_max(MAX_EMERGENCY_MS + 1), Err(Error::InvalidDuration));
        assert_eq!(check_emergency_max(MAX_EMERGENCY_MS), Ok(()));
        assert_eq!(check_emergency_max(1), Ok(()));
    }

    #[test]
    fn who_closes_and_who_logs() {
        let (patient, doctor, head, other) = (acct(1), acct(2), acct(3), acct(4));
        let no_head = || -> Result<AccountId> { panic!("not asked") };
        assert_eq!(may_close_emergency(patient, patient, doctor, no_head), Ok(()));
        assert_eq!(may_close_emergency(doctor, patient, doctor, no_head), Ok(()));
        assert_eq!(may_close_emergency(head, patient, doctor, || Ok(head)), Ok(()));
        assert_eq!(may_close_emergency(other, patient, doctor, || Ok(head)), Err(Error::NotAllowed));
        assert_eq!(
            may_close_emergency(other, patient, doctor, || Err(Error::SiblingsNotSet)),
            Err(Error::SiblingsNotSet)
        );
        let (registry, records, appointments) = (acct(10), acct(11), acct(12));
        let s = Siblings { permissions: acct(13), records, appointments };
        assert!(is_trusted_logger(registry, registry, None));
        assert!(!is_trusted_logger(records, registry, None), "not wired yet");
        assert!(is_trusted_logger(records, registry, Some(s)));
        assert!(is_trusted_logger(appointments, registry, Some(s)));
        assert!(!is_trusted_logger(acct(13), registry, Some(s)), "permissions itself does not log through it");
        assert!(!is_trusted_logger(other, registry, Some(s)));
    }

    #[test]
    fn only_unregistered_denials_fold() {
        let entry = |outcome| AccessLogEntry::attempt(acct(5), AccessAction::ReadRecord(1), outcome, 10);
        assert!(folds(&entry(AccessOutcome::Denied(DenyReason::Unregistered))));
        for outcome in [
            AccessOutcome::Granted,
            AccessOutcome::GrantedEmergency,
            AccessOutcome::Denied(DenyReason::NoConsent),
            AccessOutcome::Denied(DenyReason::NotVerified),
            AccessOutcome::Denied(DenyReason::WrongRole),
        ] {
            assert!(!folds(&entry(outcome)), "{outcome:?}");
        }
        let first = entry(AccessOutcome::Denied(DenyReason::Unregistered));
        let again = AccessLogEntry { action: AccessAction::ReadProfile, at: 20, ..first.clone() };
        let folded = fold(first.clone(), &again);
        assert_eq!((folded.repeats, folded.at, folded.action), (1, 20, AccessAction::ReadProfile));
        assert_eq!((folded.accessor, folded.outcome), (first.accessor, first.outcome));
        let saturated = fold(AccessLogEntry { repeats: u32::MAX, ..first }, &again);
        assert_eq!(saturated.repeats, u32::MAX);
    }
}
