//! The contracts' side of client-side encryption: accounts publish
//! encryption public keys in the registry; data keys wrapped for each reader
//! are stored beside the ciphertext in records (profile, records, medication
//! entries), only by the patient or the author and only for readers who
//! hold the matching read access;
//! a grant made later is served by wrapping again, a revoked reader gets no
//! new keys, and the patient destroys every wrapped key on request
//! (crypto-shredding). The encryption itself happens in the client
//! (`client/`); these are the rules the chain enforces.
use crate::setup::*;
use ink_e2e::ContractsBackend;
use smrms_records::records::{KeyShared, KeysRevoked, KeysShredded, NewMedication, RecordKind, Sealed, WriteOutcome};
use smrms_registry::registry::EncryptionKeyPublished;

const WRAPPED: [u8; 80] = [7; 80];

#[ink_e2e::test]
async fn patient_shares_and_shreds_record_keys<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        suite,
        patient: Member { key: patient, id: p },
        doctor: Member { key: doctor, id: d },
        other_doctor: Member { key: reader, id: r },
        stranger: Member { key: stranger, id: s },
        ..
    } = Cast::new(&mut client, "Meera").await;
    let (mut reg, mut recs, mut per) = (suite.registry(), suite.records(), suite.permissions());

    // Encryption public keys: registered accounts publish theirs.
    assert_eq!(dry!(client, &stranger, reg.publish_encryption_key([5; 32])), Err(Error::UnknownAccount));
    assert_eq!(dry!(client, &patient, reg.publish_encryption_key([0; 32])), Err(Error::InvalidKey));
    let res = submit!(client, &patient, reg.publish_encryption_key([1; 32]));
    assert!(emitted::<EncryptionKeyPublished, _>(&res, suite.registry, &[p]));
    submit!(client, &doctor, reg.publish_encryption_key([2; 32]));
    assert_eq!(dry!(client, &stranger, reg.encryption_key(p)), Ok(Some([1; 32])));
    assert_eq!(dry!(client, &stranger, reg.encryption_key(d)), Ok(Some([2; 32])));
    assert_eq!(dry!(client, &stranger, reg.encryption_key(s)), Ok(None));

    // The doctor, with consent, stores a (sealed) record and wraps its key
    // for himself and the patient.
    submit!(client, &patient, per.grant(d, Scopes::ALL, None));
    let add = recs.add_record(p, RecordKind::Diagnosis, "sealed".into(), "enc1:...".into(), None);
    assert_eq!(submit!(client, &doctor, add).return_value(), Ok(WriteOutcome::Accepted(0)));
    let rec0 = Sealed::Record(0);
    let res = submit!(client, &doctor, recs.share_key(p, rec0, d, WRAPPED.to_vec()));
    assert!(emitted::<KeyShared, _>(&res, suite.records, &[p, d]));
    submit!(client, &doctor, recs.share_key(p, rec0, p, WRAPPED.to_vec()));

    // Nobody else stores keys, and no key goes to a reader without access.
    assert_eq!(dry!(client, &stranger, recs.share_key(p, rec0, s, WRAPPED.to_vec())), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &reader, recs.share_key(p, rec0, r, WRAPPED.to_vec())), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &doctor, recs.share_key(p, rec0, r, WRAPPED.to_vec())), Err(Error::RecipientNotAllowed));
    assert_eq!(dry!(client, &patient, recs.share_key(p, rec0, s, WRAPPED.to_vec())), Err(Error::RecipientNotAllowed));
    assert_eq!(dry!(client, &doctor, recs.share_key(p, Sealed::Profile, d, WRAPPED.to_vec())), Err(Error::NotAllowed));
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, Sealed::Record(9), p, WRAPPED.to_vec())),
        Err(Error::UnknownRecord)
    );
    assert_eq!(
        dry!(client, &patient, recs.share_key(s, Sealed::Profile, s, WRAPPED.to_vec())),
        Err(Error::UnknownPatient)
    );
    assert_eq!(dry!(client, &patient, recs.share_key(p, rec0, d, vec![])), Err(Error::EmptyField));
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, rec0, d, vec![1; MAX_WRAPPED_KEY_LEN + 1])),
        Err(Error::FieldTooLong)
    );

    // Profile keys: the patient wraps for holders of Demographics only.
    submit!(client, &patient, recs.share_key(p, Sealed::Profile, p, WRAPPED.to_vec()));
    submit!(client, &patient, recs.share_key(p, Sealed::Profile, d, WRAPPED.to_vec()));

    // A grant made later: the patient's client wraps the existing key again.
    let read_only = Scopes { records_read: true, ..Default::default() };
    submit!(client, &patient, per.grant(r, read_only, None));
    submit!(client, &patient, recs.share_key(p, rec0, r, WRAPPED.to_vec()));
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, Sealed::Profile, r, WRAPPED.to_vec())),
        Err(Error::RecipientNotAllowed)
    );
    assert_eq!(dry!(client, &stranger, recs.key_holders(p, rec0)), Ok(vec![d, p, r]));
    assert_eq!(dry!(client, &reader, recs.key_of(p, rec0, r)).map(|k| k.map(|k| k.len())), Ok(Some(80)));

    // Revoked: no key for data written after the revocation.
    submit!(client, &patient, per.revoke(r));
    let add = recs.add_record(p, RecordKind::Note, "sealed".into(), "enc1:...".into(), None);
    assert_eq!(submit!(client, &doctor, add).return_value(), Ok(WriteOutcome::Accepted(1)));
    assert_eq!(
        dry!(client, &doctor, recs.share_key(p, Sealed::Record(1), r, WRAPPED.to_vec())),
        Err(Error::RecipientNotAllowed)
    );
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, Sealed::Record(1), r, WRAPPED.to_vec())),
        Err(Error::RecipientNotAllowed)
    );

    // Medication entries are sealed the same way, read like records: the
    // patient's own entry and one the doctor added with consent.
    let med = recs.add_medication(p, NewMedication { name: "e1:sealed-name".into(), start: 1, ..Default::default() });
    assert_eq!(submit!(client, &patient, med).return_value(), Ok(WriteOutcome::Accepted(0)));
    let med0 = Sealed::Medication(0);
    submit!(client, &patient, recs.share_key(p, med0, p, WRAPPED.to_vec()));
    submit!(client, &patient, recs.share_key(p, med0, d, WRAPPED.to_vec()));
    assert_eq!(dry!(client, &patient, recs.share_key(p, med0, r, WRAPPED.to_vec())), Err(Error::RecipientNotAllowed));
    assert_eq!(dry!(client, &doctor, recs.share_key(p, med0, d, WRAPPED.to_vec())), Err(Error::NotAllowed));
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, Sealed::Medication(9), p, WRAPPED.to_vec())),
        Err(Error::UnknownMedication)
    );
    let med = recs.add_medication(
        p,
        NewMedication { name: "e1:sealed-name".into(), start: 1, prescribed_by: Some(d), ..Default::default() },
    );
    assert_eq!(submit!(client, &doctor, med).return_value(), Ok(WriteOutcome::Accepted(1)));
    submit!(client, &doctor, recs.share_key(p, Sealed::Medication(1), d, WRAPPED.to_vec()));
    submit!(client, &doctor, recs.share_key(p, Sealed::Medication(1), p, WRAPPED.to_vec()));
    assert_eq!(
        dry!(client, &doctor, recs.share_key(p, Sealed::Medication(1), s, WRAPPED.to_vec())),
        Err(Error::RecipientNotAllowed)
    );
    assert_eq!(dry!(client, &patient, recs.key_holders(p, Sealed::Medication(1))), Ok(vec![d, p]));
    assert_eq!(submit!(client, &patient, recs.shred_keys(p, med0)).return_value(), Ok(2));

    // Crypto-shredding: only the patient, every wrapped key of the item.
    assert_eq!(dry!(client, &doctor, recs.shred_keys(p, rec0)), Err(Error::NotAllowed));
    let res = submit!(client, &patient, recs.shred_keys(p, rec0));
    assert!(emitted::<KeysShredded, _>(&res, suite.records, &[p]));
    assert_eq!(res.return_value(), Ok(3));
    for who in [p, d, r] {
        assert_eq!(dry!(client, &patient, recs.key_of(p, rec0, who)), Ok(None));
    }
    assert_eq!(dry!(client, &patient, recs.key_holders(p, rec0)), Ok(vec![]));
    // The profile keys were not touched; the record itself stays (append-only).
    assert_eq!(dry!(client, &patient, recs.key_holders(p, Sealed::Profile)), Ok(vec![p, d]));
    assert_eq!(dry!(client, &patient, recs.record_count(p)), Ok(2));

    // A shredded item is tombstoned: no key can be stored for it again,
    // not by the patient, not by the author who may have kept the data key.
    assert_eq!(dry!(client, &patient, recs.share_key(p, rec0, p, WRAPPED.to_vec())), Err(Error::ItemShredded));
    assert_eq!(dry!(client, &doctor, recs.share_key(p, rec0, d, WRAPPED.to_vec())), Err(Error::ItemShredded));
    assert_eq!(dry!(client, &patient, recs.share_keys(p, p, vec![(med0, WRAPPED.to_vec())])), Err(Error::ItemShredded));

    // The author adds missing keys but never replaces one: the patient's own
    // key of record 1 cannot be overwritten by him; she may replace it.
    let rec1 = Sealed::Record(1);
    submit!(client, &doctor, recs.share_key(p, rec1, p, WRAPPED.to_vec()));
    assert_eq!(dry!(client, &doctor, recs.share_key(p, rec1, p, vec![9; 80])), Err(Error::KeyAlreadyStored));
    submit!(client, &patient, recs.share_key(p, rec1, p, vec![8; 80]));
    assert_eq!(dry!(client, &patient, recs.key_of(p, rec1, p)), Ok(Some(vec![8; 80])));

    // Batches: the patient re-wraps several keys in one transaction.
    let batch =
        vec![(rec1, WRAPPED.to_vec()), (Sealed::Medication(1), WRAPPED.to_vec()), (Sealed::Profile, WRAPPED.to_vec())];
    assert_eq!(submit!(client, &patient, recs.share_keys(p, p, batch)).return_value(), Ok(3));
    assert_eq!(dry!(client, &patient, recs.share_keys(p, p, vec![])), Err(Error::EmptyField));
    assert_eq!(
        dry!(client, &patient, recs.share_keys(p, p, vec![(rec1, WRAPPED.to_vec()); 33])),
        Err(Error::TooManyItems)
    );
    assert_eq!(dry!(client, &doctor, recs.share_keys(p, d, vec![(rec1, WRAPPED.to_vec())])), Ok(1));

    // The author loses the right to share as soon as his standing ends.
    submit!(client, &head, reg.suspend_provider(d, "licence under review".into()));
    assert_eq!(dry!(client, &doctor, recs.share_key(p, rec1, d, WRAPPED.to_vec())), Err(Error::NotAllowed));
    submit!(client, &head, reg.reinstate_provider(d));
    // ... and as soon as the patient's grant ends.
    submit!(client, &patient, per.revoke(d));
    assert_eq!(dry!(client, &doctor, recs.share_key(p, rec1, d, WRAPPED.to_vec())), Err(Error::NotAllowed));

    // After revoking, the patient removes the revoked reader's keys, so he
    // cannot fetch them from current state, and the holder lists shrink.
    assert_eq!(dry!(client, &doctor, recs.revoke_keys(p, d, vec![Sealed::Profile])), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &patient, recs.revoke_keys(p, p, vec![Sealed::Profile])), Err(Error::NotAllowed));
    let res = submit!(client, &patient, recs.revoke_keys(p, d, vec![Sealed::Profile, Sealed::Medication(1), rec1]));
    assert!(emitted::<KeysRevoked, _>(&res, suite.records, &[p, d]));
    assert_eq!(res.return_value(), Ok(2));
    assert_eq!(dry!(client, &patient, recs.key_of(p, Sealed::Profile, d)), Ok(None));
    assert_eq!(dry!(client, &patient, recs.key_holders(p, Sealed::Profile)), Ok(vec![p]));
    assert_eq!(dry!(client, &patient, recs.key_holders(p, Sealed::Medication(1))), Ok(vec![p]));
    Ok(())
}
