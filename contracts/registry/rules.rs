//! The registry's rules, as pure functions (no storage, no environment) with
//! their unit tests: the provider status machine, the checks of profiles,
//! provider details and encryption keys, and the status counts.
//!
//! ## Provider status transitions
//! Only the head changes a provider's status; the provider's own credential
//! edit is the one way back to pending.
//!
//! | from | action | to |
//! |---|---|---|
//! | Pending | `Verify` | Verified |
//! | Pending | `Reject` (reason required) | Rejected |
//! | Verified | `Suspend` (reason required) | Suspended |
//! | Suspended | `Reinstate` | Verified |
//! | Rejected | `Reinstate` | Verified |
//! | Verified | credential edit by the provider | Pending |
//!
//! Everything else is `InvalidStatusTransition`. The head's own account can
//! never be verified or reinstated (`HeadCannotBeProvider`).

use crate::registry::{Counts, PatientProfile, ProviderDetails};
use smrms_shared::{
    check_optional, check_required, ensure, Error, ProviderStatus, Result, MAX_NAME_LEN, MAX_SHORT_LEN, MAX_TEXT_LEN,
};

/// The head's status decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[ink::scale_derive(Encode, Decode, TypeInfo)]
pub enum StatusAction {
    /// Pending → Verified.
    Verify,
    /// Pending → Rejected.
    Reject,
    /// Verified → Suspended.
    Suspend,
    /// Suspended or Rejected → Verified.
    Reinstate,
}

impl StatusAction {
    /// Rejecting and suspending need the head's reason; verifying and
    /// reinstating clear it.
    pub fn needs_reason(self) -> bool {
        matches!(self, StatusAction::Reject | StatusAction::Suspend)
    }

    /// Verifying and reinstating make a provider verified.
    pub fn verifies(self) -> bool {
        matches!(self, StatusAction::Verify | StatusAction::Reinstate)
    }
}

/// The provider state machine, as a pure function.
pub fn next_status(from: ProviderStatus, action: StatusAction) -> Result<ProviderStatus> {
    use ProviderStatus::*;
    match (from, action) {
        (Pending, StatusAction::Verify) => Ok(Verified),
        (Pending, StatusAction::Reject) => Ok(Rejected),
        (Verified, StatusAction::Suspend) => Ok(Suspended),
        (Suspended | Rejected, StatusAction::Reinstate) => Ok(Verified),
        _ => Err(Error::InvalidStatusTransition),
    }
}

/// Checks the head's reason for `action`: required (at most 512 bytes) for
/// a rejection or suspension, ignored otherwise.
pub fn check_status_reason(action: StatusAction, reason: &str) -> Result<()> {
    if action.needs_reason() {
        check_required(reason.as_bytes(), MAX_TEXT_LEN)?;
    }
    Ok(())
}

/// `HeadCannotBeProvider` when `action` would verify the head's own account.
pub fn check_not_head_verified(action: StatusAction, provider_is_head: bool) -> Result<()> {
    ensure!(!(provider_is_head && action.verifies()), Error::HeadCannotBeProvider);
    Ok(())
}

/// Checks every field of a patient profile against its bound.
pub fn validate_profile(p: &PatientProfile) -> Result<()> {
    check_required(&p.name, MAX_NAME_LEN)?;
    check_optional(&p.date_of_birth, MAX_SHORT_LEN)?;
    check_optional(&p.gender, MAX_SHORT_LEN)?;
    check_optional(&p.home_address, MAX_TEXT_LEN)?;
    check_optional(&p.phone, MAX_SHORT_LEN)?;
    check_optional(&p.blood_group, MAX_SHORT_LEN)?;
    check_optional(&p.allergies, MAX_TEXT_LEN)?;
    check_optional(&p.emergency_contact_name, MAX_NAME_LEN)?;
    check_optional(&p.emergency_contact_phone, MAX_SHORT_LEN)
}

/// Checks every field of a provider's details against its bound.
pub fn validate_details(d: &ProviderDetails) -> Result<()> {
    check_required(d.name.as_bytes(), MAX_NAME_LEN)?;
    check_optional(d.phone.as_bytes(), MAX_SHORT_LEN)?;
    check_optional(d.gender.as_bytes(), MAX_SHORT_LEN)?;
    check_optional(d.qualification.as_bytes(), MAX_SHORT_LEN)?;
    check_optional(d.specialization.as_bytes(), MAX_SHORT_LEN)
}

/// True when an edit changes a credential (qualification,
/// specialization, licence or kind), which sends a verified provider
/// back to pending.
pub fn credentials_changed(old: &ProviderDetails, new: &ProviderDetails) -> bool {
    old.qualification != new.qualification
        || old.specialization != new.specialization
        || old.licence_hash != new.licence_hash
        || old.kind != new.kind
}

/// True when a provider in `status` editing `old` into `new` goes back to
/// pending: a verified provider who changes a credential.
pub fn back_to_pending(status: ProviderStatus, old: &ProviderDetails, new: &ProviderDetails) -> bool {
    status == ProviderStatus::Verified && credentials_changed(old, new)
}

/// Whether a patient's identity stays verified after an edit from `old` to
/// `new`: a new national id hash clears the head's verification.
pub fn identity_stays_verified(verified: bool, old: &PatientProfile, new: &PatientProfile) -> bool {
    verified && old.national_id_hash == new.national_id_hash
}

/// Checks a published encryption key: the publisher is registered (or the
/// head), and the key is not 32 zero bytes.
///
/// # Errors
/// `UnknownAccount`, then `InvalidKey`.
pub fn check_encryption_key(registered_or_head: bool, public_key: &[u8; 32]) -> Result<()> {
    ensure!(registered_or_head, Error::UnknownAccount);
    ensure!(*public_key != [0u8; 32], Error::InvalidKey);
    Ok(())
}

impl Counts {
    fn slot(&mut self, s: ProviderStatus) -> &mut u32 {
        match s {
            ProviderStatus::Pending => &mut self.pending,
            ProviderStatus::Verified => &mut self.verified,
            ProviderStatus::Rejected => &mut self.rejected,
            ProviderStatus::Suspended => &mut self.suspended,
        }
    }

    /// Moves one provider from status `from` to status `to`.
    pub fn moved(mut self, from: ProviderStatus, to: ProviderStatus) -> Result<Self> {
        let f = self.slot(from);
        *f = f.checked_sub(1).ok_or(Error::Overflow)?;
        let t = self.slot(to);
        *t = t.checked_add(1).ok_or(Error::Overflow)?;
        Ok(self)
    }

    /// One more provider, pending.
    pub fn with_new_provider(mut self) -> Result<Self> {
        self.providers = self.providers.checked_add(1).ok_or(Error::Overflow)?;
        self.pending = self.pending.checked_add(1).ok_or(Error::Overflow)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smrms_shared::ProviderKind;
    use ProviderStatus::*;
    use StatusAction::*;

    /// Every (from, action) pair with its expected result, spelled out.
    #[test]
    fn status_machine_table() {
        let bad = Err(Error::InvalidStatusTransition);
        let rows: [(ProviderStatus, StatusAction, Result<ProviderStatus>); 16] = [
            (Pending, Verify, Ok(Verified)),
            (Pending, Reject, Ok(Rejected)),
            (Pending, Suspend, bad),
            (Pending, Reinstate, bad),
            (Verified, Verify, bad),
            (Verified, Reject, bad),
            (Verified, Suspend, Ok(Suspended)),
            (Verified, Reinstate, bad),
            (Rejected, Verify, bad),
            (Rejected, Reject, bad),
            (Rejected, Suspend, bad),
            (Rejected, Reinstate, Ok(Verified)),
            (Suspended, Verify, bad),
            (Suspended, Reject, bad),
            (Suspended, Suspend, bad),
            (Suspended, Reinstate, Ok(Verified)),
        ];
        for (from, action, expected) in rows {
            assert_eq!(next_status(from, action), expected, "{from:?} {action:?}");
        }
    }

    #[test]
    fn reasons_and_the_head() {
        assert_eq!(check_status_reason(Reject, ""), Err(Error::EmptyField));
        assert_eq!(check_status_reason(Suspend, &"x".repeat(MAX_TEXT_LEN + 1)), Err(Error::FieldTooLong));
        assert_eq!(check_status_reason(Suspend, "licence lapsed"), Ok(()));
        assert_eq!(check_status_reason(Verify, ""), Ok(()));
        assert_eq!(check_status_reason(Reinstate, ""), Ok(()));
        assert_eq!(check_not_head_verified(Verify, true), Err(Error::HeadCannotBeProvider));
        assert_eq!(check_not_head_verified(Reinstate, true), Err(Error::HeadCannotBeProvider));
        assert_eq!(check_not_head_verified(Suspend, true), Ok(()));
        assert_eq!(check_not_head_verified(Reject, true), Ok(()));
        assert_eq!(check_not_head_verified(Verify, false), Ok(()));
    }

    fn details() -> ProviderDetails {
        ProviderDetails {
            name: "Dr D".into(),
            phone: "1".into(),
            gender: "F".into(),
            qualification: "MBBS".into(),
            specialization: "Cardiology".into(),
            licence_hash: [7; 32],
            kind: ProviderKind::Doctor,
        }
    }

    #[test]
    fn field_bounds() {
        let ok = PatientProfile { name: "Bob".into(), ..Default::default() };
        assert_eq!(validate_profile(&ok), Ok(()));
        assert_eq!(validate_profile(&PatientProfile::default()), Err(Error::EmptyField));
        let long_address = PatientProfile { home_address: vec![b'a'; MAX_TEXT_LEN + 1], ..ok.clone() };
        assert_eq!(validate_profile(&long_address), Err(Error::FieldTooLong));
        let long_phone = PatientProfile { emergency_contact_phone: vec![b'1'; MAX_SHORT_LEN + 1], ..ok };
        assert_eq!(validate_profile(&long_phone), Err(Error::FieldTooLong));
        assert_eq!(validate_details(&details()), Ok(()));
        assert_eq!(validate_details(&ProviderDetails { name: " ".into(), ..details() }), Err(Error::EmptyField));
        let long = ProviderDetails { specialization: "s".repeat(MAX_SHORT_LEN + 1), ..details() };
        assert_eq!(validate_details(&long), Err(Error::FieldTooLong));
    }

    #[test]
    fn only_credential_edits_send_a_verified_provider_back() {
        let old = details();
        let contact = ProviderDetails { phone: "2".into(), name: "Dr D.".into(), ..details() };
        assert!(!back_to_pending(Verified, &old, &contact));
        for new in [
            ProviderDetails { qualification: "MD".into(), ..details() },
            ProviderDetails { specialization: "Neurology".into(), ..details() },
            ProviderDetails { licence_hash: [8; 32], ..details() },
            ProviderDetails { kind: ProviderKind::Nurse, ..details() },
        ] {
            assert!(credentials_changed(&old, &new));
            assert!(back_to_pending(Verified, &old, &new));
            for other in [Pending, Rejected, Suspended] {
                assert!(!back_to_pending(other, &old, &new), "{other:?} stays");
            }
        }
    }

    #[test]
    fn a_new_id_hash_clears_identity_verification() {
        let old = PatientProfile { name: "Bob".into(), national_id_hash: [1; 32], ..Default::default() };
        let renamed = PatientProfile { name: "Bob B.".into(), ..old.clone() };
        let new_id = PatientProfile { national_id_hash: [2; 32], ..old.clone() };
        assert!(identity_stays_verified(true, &old, &renamed));
        assert!(!identity_stays_verified(true, &old, &new_id));
        assert!(!identity_stays_verified(false, &old, &renamed));
    }

    #[test]
    fn encryption_keys() {
        assert_eq!(check_encryption_key(false, &[1; 32]), Err(Error::UnknownAccount));
        assert_eq!(check_encryption_key(false, &[0; 32]), Err(Error::UnknownAccount), "registration first");
        assert_eq!(check_encryption_key(true, &[0; 32]), Err(Error::InvalidKey));
        assert_eq!(check_encryption_key(true, &[1; 32]), Ok(()));
    }

    #[test]
    fn counts_move_between_statuses() {
        let c = Counts::default().with_new_provider().unwrap().with_new_provider().unwrap();
        assert_eq!((c.providers, c.pending), (2, 2));
        let c = c.moved(Pending, Verified).unwrap().moved(Verified, Suspended).unwrap();
        assert_eq!((c.providers, c.pending, c.verified, c.suspended), (2, 1, 0, 1));
        assert_eq!(c.moved(Rejected, Verified), Err(Error::Overflow), "nobody is rejected");
        let full = Counts { verified: u32::MAX, pending: 1, ..Default::default() };
        assert_eq!(full.moved(Pending, Verified), Err(Error::Overflow));
    }
}
