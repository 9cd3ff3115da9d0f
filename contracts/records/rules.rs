//! The records contract's rules, as pure functions (no storage, no
//! environment) with their unit tests: the checks of records, corrections
//! and medications, the search filter and the bounded scan, and the
//! key-store decisions.
//!
//! ## Who may store a wrapped key
//! | writer | may store | may replace a stored key |
//! |---|---|---|
//! | the patient | any of her items | yes |
//! | the item's author (record author, medication adder) | while she still may read the patient's records | no (`KeyAlreadyStored`) |
//! | anyone else | no (`NotAllowed`) | no |
//!
//! The recipient must be the patient, the author, or hold the matching read
//! access now (`Demographics` for the profile, `RecordsRead` for records and
//! medications; `RecipientNotAllowed` otherwise). A shredded item takes no
//! key again (`ItemShredded`), and an item has at most `MAX_KEY_HOLDERS`
//! recipients (`TooManyKeyHolders`). Only the patient revokes or shreds keys.

use crate::records::{Filter, Record, Sealed};
use ink::prelude::vec::Vec;
use ink::primitives::AccountId;
use smrms_shared::{
    check_optional, check_required, ensure, AccessOutcome, DenyReason, Error, Result, Scope, Timestamp, MAX_BODY_LEN,
    MAX_CARD_LEN, MAX_KEY_HOLDERS, MAX_NAME_LEN, MAX_SHORT_LEN, MAX_TEXT_LEN, MAX_TITLE_LEN, MAX_WRAPPED_KEY_LEN,
};

/// Most items in one `share_keys` or `revoke_keys` batch.
pub const MAX_KEY_BATCH: u32 = 32;

/// Validates a record's content.
pub fn validate_record(title: &[u8], body: &[u8]) -> Result<()> {
    check_required(title, MAX_TITLE_LEN)?;
    check_required(body, MAX_BODY_LEN)
}

/// Validates a medication's fields.
pub fn validate_medication(
    name: &[u8],
    dose: &[u8],
    frequency: &[u8],
    notes: &[u8],
    start: Timestamp,
    end: Option<Timestamp>,
) -> Result<()> {
    check_required(name, MAX_NAME_LEN)?;
    check_optional(dose, MAX_SHORT_LEN)?;
    check_optional(frequency, MAX_SHORT_LEN)?;
    check_optional(notes, MAX_TEXT_LEN)?;
    ensure!(end.is_none_or(|e| e >= start), Error::InvalidTimeRange);
    Ok(())
}

/// Checks that `author` may correct the record `old`: only its author, and
/// only once.
///
/// # Errors
/// `AlreadySuperseded`, then `NotAuthor`.
pub fn check_correction(old: &Record, author: AccountId) -> Result<()> {
    ensure!(old.superseded_by.is_none(), Error::AlreadySuperseded);
    ensure!(old.author == author, Error::NotAuthor);
    Ok(())
}

/// A granted outcome as "under emergency access?", a denied one as its
/// reason.
pub fn granted(outcome: AccessOutcome) -> core::result::Result<bool, DenyReason> {
    match outcome {
        AccessOutcome::Denied(reason) => Err(reason),
        o => Ok(o == AccessOutcome::GrantedEmergency),
    }
}

impl Filter {
    /// True when `r` matches.
    pub fn matches(&self, r: &Record) -> bool {
        self.kind.is_none_or(|k| k == r.kind)
            && self.author.is_none_or(|a| a == r.author)
            && self.from.is_none_or(|f| r.created_at >= f)
            && self.until.is_none_or(|u| r.created_at < u)
    }
}

/// A bounded scan of a list of `len` items from `start`: looks at most at
/// `max_scan` items and keeps at most `want` of those for which `keep`
/// holds, with their index. Returns them and where to continue (`None` at
/// the end of the list).
pub fn scan<T>(
    start: u32,
    len: u32,
    max_scan: u32,
    want: u32,
    get: impl Fn(u32) -> Option<T>,
    keep: impl Fn(&T) -> bool,
) -> (Vec<(u32, T)>, Option<u32>) {
    let end = start.saturating_add(max_scan).min(len);
    let mut items = Vec::new();
    let mut i = start;
    while i < end && items.len() < want as usize {
        if let Some(t) = get(i) {
            if keep(&t) {
                items.push((i, t));
            }
        }
        i = i.saturating_add(1);
    }
    (items, if i < len { Some(i) } else { None })
}

/// The read scope that opens `object`: `Demographics` for the profile,
/// `RecordsRead` for records and medications.
pub fn read_scope(object: Sealed) -> Scope {
    match object {
        Sealed::Profile => Scope::Demographics,
        Sealed::Record(_) | Sealed::Medication(_) | Sealed::Card => Scope::RecordsRead,
    }
}

/// Checks a batch of key items: 1 to `MAX_KEY_BATCH`.
///
/// # Errors
/// `EmptyField`; `TooManyItems`.
pub fn check_key_batch(len: usize) -> Result<()> {
    ensure!(len != 0, Error::EmptyField);
    ensure!(len <= MAX_KEY_BATCH as usize, Error::TooManyItems);
    Ok(())
}

/// Checks a wrapped key: 1 to `MAX_WRAPPED_KEY_LEN` bytes.
///
/// # Errors
/// `EmptyField`; `FieldTooLong`.
pub fn check_wrapped_key(wrapped: &[u8]) -> Result<()> {
    ensure!(!wrapped.is_empty(), Error::EmptyField);
    ensure!(wrapped.len() <= MAX_WRAPPED_KEY_LEN, Error::FieldTooLong);
    Ok(())
}

/// Who is storing a wrapped key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyWriter {
    /// The patient: may store and replace any key of her items.
    Patient,
    /// The item's author: may add missing keys while she may read.
    Author,
    /// The emergency custodian, for the card only: may add a missing key
    /// for a doctor with an open emergency access.
    Custodian,
}

/// Who `by` is for a key of `patient`'s item written by `author` (`None`
/// for the profile and the card); `custodian` is the emergency custodian
/// for the card (`None` for any other item).
///
/// # Errors
/// `NotAllowed` for anyone but the patient, the author and (for the card)
/// the custodian.
pub fn key_writer(
    by: AccountId,
    patient: AccountId,
    author: Option<AccountId>,
    custodian: Option<AccountId>,
) -> Result<KeyWriter> {
    if by == patient {
        return Ok(KeyWriter::Patient);
    }
    if Some(by) == author {
        return Ok(KeyWriter::Author);
    }
    ensure!(Some(by) == custodian, Error::NotAllowed);
    Ok(KeyWriter::Custodian)
}

/// Checks a sealed emergency card: 1 to `MAX_CARD_LEN` bytes.
///
/// # Errors
/// `EmptyField`; `FieldTooLong`.
pub fn check_card(body: &[u8]) -> Result<()> {
    ensure!(!body.is_empty(), Error::EmptyField);
    ensure!(body.len() <= MAX_CARD_LEN, Error::FieldTooLong);
    Ok(())
}

/// Whether `writer` may write a key where one is `already_stored`: only the
/// patient replaces keys, so nobody else can lock her out of her data (or
/// swap a reader's key for a forged one).
///
/// # Errors
/// `KeyAlreadyStored`.
pub fn check_key_write(writer: KeyWriter, already_stored: bool) -> Result<()> {
    ensure!(writer == KeyWriter::Patient || !already_stored, Error::KeyAlreadyStored);
    Ok(())
}

/// Whether a key for `recipient` needs the recipient's read access checked:
/// not for the patient, the item's author, or (for the card) the custodian.
pub fn recipient_needs_access(
    recipient: AccountId,
    patient: AccountId,
    author: Option<AccountId>,
    custodian: Option<AccountId>,
) -> bool {
    recipient != patient && Some(recipient) != author && Some(recipient) != custodian
}

/// Adds `recipient` to an item's key holders unless present. Returns
/// whether the list changed.
///
/// # Errors
/// `TooManyKeyHolders` when a new holder would pass `MAX_KEY_HOLDERS`.
pub fn add_key_holder(holders: &mut Vec<AccountId>, recipient: AccountId) -> Result<bool> {
    if holders.contains(&recipient) {
        return Ok(false);
    }
    ensure!(holders.len() < MAX_KEY_HOLDERS as usize, Error::TooManyKeyHolders);
    holders.push(recipient);
    Ok(true)
}

/// Whether `caller` may remove `recipient`'s keys of `patient`'s items:
/// the patient only, and not her own keys.
///
/// # Errors
/// `NotAllowed`.
pub fn may_revoke_keys(caller: AccountId, patient: AccountId, recipient: AccountId) -> Result<()> {
    ensure!(caller == patient && recipient != patient, Error::NotAllowed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RecordKind;

    fn acct(b: u8) -> AccountId {
        AccountId::from([b; 32])
    }

    fn rec(kind: RecordKind, author: u8, at: u64) -> Record {
        Record {
            kind,
            title: "t".into(),
            body: "b".into(),
            author: acct(author),
            created_at: at,
            block: 1,
            content_hash: [0; 32],
            supersedes: None,
            superseded_by: None,
            emergency: false,
        }
    }

    #[test]
    fn record_validation() {
        assert_eq!(validate_record(b"", b"b"), Err(Error::EmptyField));
        assert_eq!(validate_record(b"t", b""), Err(Error::EmptyField));
        assert_eq!(validate_record(&[b't'; MAX_TITLE_LEN + 1], b"b"), Err(Error::FieldTooLong));
        assert_eq!(validate_record(b"t", &[b'b'; MAX_BODY_LEN + 1]), Err(Error::FieldTooLong));
        assert_eq!(validate_record(b"t", &[b'b'; MAX_BODY_LEN]), Ok(()));
        // opaque bytes (sealed data) are fine, whatever they are
        assert_eq!(validate_record(b"sealed", &[0xFF, 0x01, 0x00, 0x9C]), Ok(()));
    }

    #[test]
    fn medication_validation() {
        assert_eq!(validate_medication(b"", b"", b"", b"", 0, None), Err(Error::EmptyField));
        assert_eq!(validate_medication(b"m", &[b'x'; 65], b"", b"", 0, None), Err(Error::FieldTooLong));
        assert_eq!(validate_medication(b"m", b"", b"", b"", 10, Some(9)), Err(Error::InvalidTimeRange));
        assert_eq!(validate_medication(b"m", b"1", b"2", b"3", 10, Some(10)), Ok(()));
    }

    #[test]
    fn corrections_by_the_author_once() {
        let r = rec(RecordKind::Diagnosis, 3, 0);
        assert_eq!(check_correction(&r, acct(3)), Ok(()));
        assert_eq!(check_correction(&r, acct(4)), Err(Error::NotAuthor));
        let done = Record { superseded_by: Some(1), ..r };
        assert_eq!(check_correction(&done, acct(4)), Err(Error::AlreadySuperseded), "checked first");
    }

    #[test]
    fn outcomes() {
        assert_eq!(granted(AccessOutcome::Granted), Ok(false));
        assert_eq!(granted(AccessOutcome::GrantedEmergency), Ok(true));
        assert_eq!(granted(AccessOutcome::Denied(DenyReason::NoConsent)), Err(DenyReason::NoConsent));
    }

    #[test]
    fn filter_matches() {
        let r = rec(RecordKind::LabResult, 3, 100);
        assert!(Filter::default().matches(&r));
        assert!(Filter { kind: Some(RecordKind::LabResult), ..Default::default() }.matches(&r));
        assert!(!Filter { kind: Some(RecordKind::Diagnosis), ..Default::default() }.matches(&r));
        assert!(Filter { author: Some(acct(3)), ..Default::default() }.matches(&r));
        assert!(!Filter { author: Some(acct(4)), ..Default::default() }.matches(&r));
        assert!(Filter { from: Some(100), until: Some(101), ..Default::default() }.matches(&r));
        assert!(!Filter { from: Some(101), ..Default::default() }.matches(&r));
        assert!(!Filter { until: Some(100), ..Default::default() }.matches(&r));
    }

    #[test]
    fn scans_are_bounded_and_resumable() {
        let even = |x: &u32| x % 2 == 0;
        let (items, next) = scan(0, 10, 200, 50, Some, even);
        assert_eq!((items.len(), next), (5, None));
        let (items, next) = scan(0, 10, 200, 2, Some, even);
        assert_eq!((items, next), (vec![(0, 0), (2, 2)], Some(3)), "stops after `want` matches");
        let (items, next) = scan(0, 1_000, 200, 50, Some, |_| false);
        assert_eq!((items.len(), next), (0, Some(200)), "stops after `max_scan` items");
        let (items, next) = scan(7, 10, 200, 50, |i| (i != 8).then_some(i), |_| true);
        assert_eq!((items, next), (vec![(7, 7), (9, 9)], None), "missing items are skipped");
        assert_eq!(scan(u32::MAX, u32::MAX, 200, 50, Some, |_| true), (vec![], None));
    }

    #[test]
    fn key_batches_and_wrapped_keys() {
        assert_eq!(check_key_batch(0), Err(Error::EmptyField));
        assert_eq!(check_key_batch(MAX_KEY_BATCH as usize + 1), Err(Error::TooManyItems));
        assert_eq!(check_key_batch(MAX_KEY_BATCH as usize), Ok(()));
        assert_eq!(check_wrapped_key(&[]), Err(Error::EmptyField));
        assert_eq!(check_wrapped_key(&[1; MAX_WRAPPED_KEY_LEN + 1]), Err(Error::FieldTooLong));
        assert_eq!(check_wrapped_key(&[1; MAX_WRAPPED_KEY_LEN]), Ok(()));
        assert_eq!(read_scope(Sealed::Profile), Scope::Demographics);
        assert_eq!(read_scope(Sealed::Record(1)), Scope::RecordsRead);
        assert_eq!(read_scope(Sealed::Medication(1)), Scope::RecordsRead);
    }

    #[test]
    fn key_writers() {
        let (patient, author, other) = (acct(1), acct(2), acct(3));
        assert_eq!(key_writer(patient, patient, Some(author), None), Ok(KeyWriter::Patient));
        assert_eq!(key_writer(patient, patient, None, None), Ok(KeyWriter::Patient));
        assert_eq!(key_writer(author, patient, Some(author), None), Ok(KeyWriter::Author));
        assert_eq!(key_writer(other, patient, Some(author), None), Err(Error::NotAllowed));
        assert_eq!(key_writer(author, patient, None, None), Err(Error::NotAllowed), "the profile is the patient's");
        assert_eq!(check_key_write(KeyWriter::Patient, true), Ok(()), "the patient replaces");
        assert_eq!(check_key_write(KeyWriter::Author, false), Ok(()), "an author adds");
        assert_eq!(check_key_write(KeyWriter::Author, true), Err(Error::KeyAlreadyStored));
        assert!(!recipient_needs_access(patient, patient, Some(author), None));
        assert!(!recipient_needs_access(author, patient, Some(author), None));
        assert!(recipient_needs_access(other, patient, Some(author), None));
        assert!(recipient_needs_access(author, patient, None, None));
        assert_eq!(may_revoke_keys(patient, patient, other), Ok(()));
        assert_eq!(may_revoke_keys(patient, patient, patient), Err(Error::NotAllowed));
        assert_eq!(may_revoke_keys(other, patient, author), Err(Error::NotAllowed));
    }

    #[test]
    fn only_the_card_has_a_custodian_writer() {
        let (patient, custodian, other) = (acct(1), acct(5), acct(3));
        assert_eq!(key_writer(custodian, patient, None, Some(custodian)), Ok(KeyWriter::Custodian));
        assert_eq!(key_writer(custodian, patient, None, None), Err(Error::NotAllowed), "no card, no custodian");
        assert_eq!(key_writer(other, patient, None, Some(custodian)), Err(Error::NotAllowed));
        assert_eq!(key_writer(patient, patient, None, Some(custodian)), Ok(KeyWriter::Patient));
        assert_eq!(check_key_write(KeyWriter::Custodian, false), Ok(()), "adds a missing key");
        assert_eq!(check_key_write(KeyWriter::Custodian, true), Err(Error::KeyAlreadyStored));
        assert!(!recipient_needs_access(custodian, patient, None, Some(custodian)), "the patient wraps for it");
        assert!(recipient_needs_access(other, patient, None, Some(custodian)));
        assert_eq!(read_scope(Sealed::Card), Scope::RecordsRead);
        assert_eq!(check_card(&[]), Err(Error::EmptyField));
        assert_eq!(check_card(&[7; MAX_CARD_LEN]), Ok(()));
        assert_eq!(check_card(&[7; MAX_CARD_LEN + 1]), Err(Error::FieldTooLong));
    }

    #[test]
    fn key_holders_are_bounded_and_unique() {
        let mut holders = Vec::new();
        assert_eq!(add_key_holder(&mut holders, acct(1)), Ok(true));
        assert_eq!(add_key_holder(&mut holders, acct(1)), Ok(false));
        for i in 1..MAX_KEY_HOLDERS {
            let mut b = [2u8; 32];
            b[..4].copy_from_slice(&i.to_le_bytes());
            assert_eq!(add_key_holder(&mut holders, AccountId::from(b)), Ok(true));
        }
        assert_eq!(holders.len(), MAX_KEY_HOLDERS as usize);
        assert_eq!(add_key_holder(&mut holders, acct(9)), Err(Error::TooManyKeyHolders));
        assert_eq!(add_key_holder(&mut holders, acct(1)), Ok(false), "a present holder is no new one");
    }
}
