//! A patient registers, the head has verified a doctor, and the doctor's
//! record is refused without consent and accepted with it (records →
//! permissions → registry on the real node); then corrections by the author
//! only, search and pages, audited reads, folded flooding and the named
//! rejection reasons.
use crate::setup::*;
use ink_e2e::ContractsBackend;
use smrms_records::records::{Filter, ReadOutcome, RecordAccessed, RecordAdded, RecordKind, WriteOutcome};

pub(crate) const READ_WRITE: Scopes =
    Scopes { demographics: false, records_read: true, records_write: true, appointments: false };

#[ink_e2e::test]
async fn doctor_adds_record_with_consent<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head_id,
        suite,
        patient: Member { key: patient, id: patient_id },
        doctor: Member { key: doctor, id: doctor_id },
        pending_doctor: Member { key: pending, .. },
        other_doctor: Member { key: other, id: other_id },
        stranger: Member { key: stranger, id: stranger_id },
        ..
    } = Cast::new(&mut client, "Asha").await;

    // Without consent: refused with a named reason, logged, head notified.
    let add = |title: &str| {
        suite.records().add_record(patient_id, RecordKind::Diagnosis, title.into(), "Type 2 diabetes".into(), None)
    };
    assert_eq!(dry!(client, &doctor, add("Diagnosis")), Ok(WriteOutcome::Denied(DenyReason::NoConsent)));
    let res = submit!(client, &doctor, add("Diagnosis"));
    assert!(emitted::<AccessDenied, _>(&res, suite.records, &[patient_id, head_id, doctor_id]));
    assert_eq!(dry!(client, &patient, suite.records().record_count(patient_id)), Ok(0));
    let log = dry!(client, &patient, suite.permissions().access_log(patient_id, 0, 10)).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].accessor, doctor_id);
    assert_eq!(log[0].outcome, AccessOutcome::Denied(DenyReason::NoConsent));

    // With consent: accepted, stored at index 0 with its content hash.
    submit!(client, &patient, suite.permissions().grant(doctor_id, READ_WRITE, None));
    let res = submit!(client, &doctor, add("Diagnosis"));
    assert!(emitted::<RecordAdded, _>(&res, suite.records, &[patient_id, doctor_id]));
    let record = dry!(client, &patient, suite.records().record(patient_id, 0)).unwrap();
    assert_eq!(record.author, doctor_id);
    assert_eq!(
        record.content_hash,
        record_content_hash(RecordKind::Diagnosis.code(), b"Diagnosis", b"Type 2 diabetes")
    );

    // Tamper check: true for the stored content, false for one changed byte.
    let verify = |body: &str| {
        suite.records().verify_record(patient_id, 0, RecordKind::Diagnosis, "Diagnosis".into(), body.into())
    };
    assert_eq!(dry!(client, &stranger, verify("Type 2 diabetes")), Ok(true));
    assert_eq!(dry!(client, &stranger, verify("Type 2 diabetet")), Ok(false));

    // A correction supersedes record 0; the history keeps both.
    let fix = suite.records().add_record(
        patient_id,
        RecordKind::Diagnosis,
        "Diagnosis (corrected)".into(),
        "Type 1 diabetes".into(),
        Some(0),
    );
    assert_eq!(submit!(client, &doctor, fix).return_value(), Ok(WriteOutcome::Accepted(1)));
    let fix_again = suite.records().add_record(patient_id, RecordKind::Note, "x".into(), "y".into(), Some(0));
    assert_eq!(dry!(client, &doctor, fix_again), Err(Error::AlreadySuperseded));
    assert_eq!(dry!(client, &patient, suite.records().history(patient_id, 0)), Ok(vec![0, 1]));
    assert_eq!(dry!(client, &patient, suite.records().history(patient_id, 1)), Ok(vec![0, 1]));
    assert_eq!(dry!(client, &patient, suite.records().record(patient_id, 0)).unwrap().superseded_by, Some(1));

    // Only the author corrects a record; another doctor, even with write
    // consent, adds a new record that references it instead.
    submit!(client, &patient, suite.permissions().grant(other_id, READ_WRITE, None));
    let foreign_fix = suite.records().add_record(patient_id, RecordKind::Diagnosis, "x".into(), "y".into(), Some(1));
    assert_eq!(dry!(client, &other, foreign_fix), Err(Error::NotAuthor));

    // A lab result, then search by kind and pagination.
    let lab = suite.records().add_record(patient_id, RecordKind::LabResult, "HbA1c".into(), "7.1 %".into(), None);
    submit!(client, &doctor, lab);
    let by_kind = Filter { kind: Some(RecordKind::LabResult), ..Default::default() };
    let page = dry!(client, &patient, suite.records().search(patient_id, by_kind, 0, 10)).unwrap();
    assert_eq!(page.items.iter().map(|x| x.0).collect::<Vec<_>>(), vec![2]);
    assert_eq!(page.next, None);
    let by_author = Filter { author: Some(doctor_id), ..Default::default() };
    let page = dry!(client, &doctor, suite.records().search(patient_id, by_author, 0, 2)).unwrap();
    assert_eq!((page.items.len(), page.next), (2, Some(2)));
    let first_page = dry!(client, &patient, suite.records().records(patient_id, 0, 2)).unwrap();
    let second_page = dry!(client, &patient, suite.records().records(patient_id, 2, 2)).unwrap();
    assert_eq!((first_page.len(), second_page.len()), (2, 1));
    assert_eq!(dry!(client, &patient, suite.records().records(patient_id, 99, u32::MAX)), Ok(vec![]));

    // Audited read: granted → RecordAccessed; a stranger → Denied + AccessDenied.
    let res = submit!(client, &doctor, suite.records().read_record(patient_id, 2));
    assert!(emitted::<RecordAccessed, _>(&res, suite.records, &[patient_id, doctor_id]));
    let res = submit!(client, &stranger, suite.records().read_record(patient_id, 2));
    assert_eq!(res.return_value(), Ok(ReadOutcome::Denied(DenyReason::Unregistered)));
    // Flooding: an unregistered account's further denied attempts are folded
    // into its one log entry (a counter and the latest time).
    let log_len = dry!(client, &patient, suite.permissions().access_log_len(patient_id)).unwrap();
    submit!(client, &stranger, suite.records().read_record(patient_id, 2));
    submit!(client, &stranger, suite.records().read_record(patient_id, 1));
    assert_eq!(dry!(client, &patient, suite.permissions().access_log_len(patient_id)), Ok(log_len));
    let last = dry!(client, &patient, suite.permissions().access_log(patient_id, log_len - 1, 1)).unwrap();
    assert_eq!((last[0].accessor, last[0].repeats, last[0].action), (stranger_id, 2, AccessAction::ReadRecord(1)));
    assert_eq!(dry!(client, &stranger, suite.records().record(patient_id, 2)), Err(Error::NotAllowed));

    // Rejection reasons: unverified author, unknown patient, oversized body.
    assert_eq!(dry!(client, &pending, add("x")), Err(Error::NotVerifiedDoctor));
    let unknown = suite.records().add_record(stranger_id, RecordKind::Note, "t".into(), "b".into(), None);
    assert_eq!(dry!(client, &doctor, unknown), Err(Error::UnknownPatient));
    let big = suite.records().add_record(patient_id, RecordKind::Note, "t".into(), vec![b'b'; MAX_BODY_LEN + 1], None);
    assert_eq!(dry!(client, &doctor, big), Err(Error::FieldTooLong));

    Ok(())
}
