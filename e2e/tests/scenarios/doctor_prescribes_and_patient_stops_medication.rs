//! A doctor prescribes with the patient's consent; the patient stops a
//! medication; after she revokes consent the doctor's writes are refused and
//! a refused `stop_medication` is logged and announced like any write; a
//! suspended doctor is refused even with consent.
use crate::doctor_adds_record_with_consent::READ_WRITE;
use crate::setup::*;
use ink_e2e::ContractsBackend;
use smrms_records::records::{NewMedication, RecordKind, WriteOutcome};

#[ink_e2e::test]
async fn doctor_prescribes_and_patient_stops_medication<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        head_id,
        suite,
        patient: Member { key: patient, id: patient_id },
        doctor: Member { key: doctor, id: doctor_id },
        ..
    } = Cast::new(&mut client, "Asha").await;
    let add = |title: &str| {
        suite.records().add_record(patient_id, RecordKind::Diagnosis, title.into(), "Type 2 diabetes".into(), None)
    };
    submit!(client, &patient, suite.permissions().grant(doctor_id, READ_WRITE, None));

    // Medications: added by the doctor, stopped, no longer active.
    let med = suite.records().add_medication(
        patient_id,
        NewMedication {
            name: "Metformin".into(),
            dose: "500 mg".into(),
            frequency: "twice a day".into(),
            start: now_ms(),
            prescribed_by: Some(doctor_id),
            ..Default::default()
        },
    );
    assert_eq!(submit!(client, &doctor, med).return_value(), Ok(WriteOutcome::Accepted(0)));
    assert_eq!(dry!(client, &patient, suite.records().active_medications(patient_id, 0)).unwrap().items.len(), 1);
    submit!(client, &patient, suite.records().stop_medication(patient_id, 0));
    assert_eq!(dry!(client, &patient, suite.records().active_medications(patient_id, 0)).unwrap().items.len(), 0);
    assert_eq!(
        dry!(client, &patient, suite.records().stop_medication(patient_id, 0)),
        Err(Error::MedicationAlreadyStopped)
    );

    // A second medication, then consent is revoked: refused again, and a
    // refused stop_medication is logged and announced like any write.
    let med = suite.records().add_medication(
        patient_id,
        NewMedication {
            name: "Insulin".into(),
            dose: "10 IU".into(),
            frequency: "nightly".into(),
            start: now_ms(),
            prescribed_by: Some(doctor_id),
            ..Default::default()
        },
    );
    assert_eq!(submit!(client, &doctor, med).return_value(), Ok(WriteOutcome::Accepted(1)));
    submit!(client, &patient, suite.permissions().revoke(doctor_id));
    assert_eq!(dry!(client, &doctor, add("After revoke")), Ok(WriteOutcome::Denied(DenyReason::NoConsent)));
    let log_before = dry!(client, &patient, suite.permissions().access_log_len(patient_id)).unwrap();
    let res = submit!(client, &doctor, suite.records().stop_medication(patient_id, 1));
    assert!(emitted::<AccessDenied, _>(&res, suite.records, &[patient_id, head_id, doctor_id]));
    assert_eq!(res.return_value(), Ok(WriteOutcome::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &patient, suite.permissions().access_log_len(patient_id)), Ok(log_before + 1));
    let last = dry!(client, &patient, suite.permissions().access_log(patient_id, log_before, 1)).unwrap();
    assert_eq!((last[0].accessor, last[0].action), (doctor_id, AccessAction::StopMedication));
    assert_eq!(dry!(client, &patient, suite.records().active_medications(patient_id, 0)).unwrap().items.len(), 1);

    // A suspended doctor is refused in records even with consent.
    submit!(client, &patient, suite.permissions().grant(doctor_id, READ_WRITE, None));
    assert!(matches!(submit!(client, &doctor, add("ok")).return_value(), Ok(WriteOutcome::Accepted(0))));
    submit!(client, &head, suite.registry().suspend_provider(doctor_id, "licence under review".into()));
    assert_eq!(dry!(client, &doctor, add("suspended")), Err(Error::NotVerifiedDoctor));
    assert_eq!(dry!(client, &doctor, suite.records().record(patient_id, 0)), Err(Error::NotAllowed));
    submit!(client, &head, suite.registry().reinstate_provider(doctor_id));

    Ok(())
}
