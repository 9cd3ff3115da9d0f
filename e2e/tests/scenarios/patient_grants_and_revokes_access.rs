//! A patient grants, revokes and lets expire a doctor's access; a doctor
//! opens emergency (break-glass) access that the patient and the head can
//! see, and the patient closes it early.
use crate::setup::*;
use ink_e2e::ContractsBackend;
use smrms_permissions::permissions::{AccessGranted, AccessRevoked, EmergencyAccessClosed, EmergencyAccessOpened};
use smrms_records::records::{RecordKind, WriteOutcome};

const READ: Scopes = Scopes { demographics: false, records_read: true, records_write: false, appointments: false };

#[ink_e2e::test]
async fn patient_grants_and_revokes_access<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        head_id,
        suite,
        patient: Member { key: patient, id: patient_id },
        doctor: Member { key: doctor, id: doctor_id },
        other_doctor: Member { key: er_doctor, id: er_id },
        stranger: Member { key: stranger, id: stranger_id },
        ..
    } = Cast::new(&mut client, "Meera").await;
    let (family, family_id) = account(&mut client).await;
    register_patient(&mut client, &suite, &family, "Ravi").await;
    let has = |who, scope| suite.permissions().has_access(patient_id, who, scope);

    // Refusals with named errors, nothing stored.
    let grant = |to, s: Scopes, e: Option<u64>| suite.permissions().grant(to, s, e);
    assert_eq!(dry!(client, &patient, grant(patient_id, READ, None)), Err(Error::SelfGrant));
    assert_eq!(dry!(client, &patient, grant(stranger_id, READ, None)), Err(Error::UnknownAccount));
    assert_eq!(dry!(client, &patient, grant(doctor_id, Scopes::default(), None)), Err(Error::NoScopes));
    assert_eq!(dry!(client, &patient, grant(doctor_id, READ, Some(1))), Err(Error::ExpiryInPast));
    assert_eq!(dry!(client, &stranger, grant(doctor_id, READ, None)), Err(Error::NotAPatient));
    assert_eq!(dry!(client, &patient, suite.permissions().revoke(doctor_id)), Err(Error::GrantNotFound));

    // Grant, then access; revoke, then refused.
    let res = submit!(client, &patient, grant(doctor_id, READ, None));
    assert!(emitted::<AccessGranted, _>(&res, suite.permissions, &[patient_id, doctor_id]));
    assert_eq!(dry!(client, &doctor, has(doctor_id, Scope::RecordsRead)), Ok(true));
    assert_eq!(dry!(client, &doctor, has(doctor_id, Scope::RecordsWrite)), Ok(false));
    assert_eq!(dry!(client, &doctor, suite.records().records(patient_id, 0, 10)), Ok(vec![]));
    let res = submit!(client, &patient, suite.permissions().revoke(doctor_id));
    assert!(emitted::<AccessRevoked, _>(&res, suite.permissions, &[patient_id, doctor_id]));
    assert_eq!(dry!(client, &doctor, has(doctor_id, Scope::RecordsRead)), Ok(false));
    assert_eq!(dry!(client, &doctor, suite.records().records(patient_id, 0, 10)), Err(Error::NotAllowed));

    // A family member (another patient) may be granted read scopes; she can renounce.
    submit!(client, &patient, grant(family_id, READ, None));
    assert_eq!(dry!(client, &family, suite.records().records(patient_id, 0, 10)), Ok(vec![]));
    submit!(client, &family, suite.permissions().renounce(patient_id));
    assert_eq!(dry!(client, &family, suite.records().records(patient_id, 0, 10)), Err(Error::NotAllowed));

    // Expiry: passes with no transaction on the grant; refused afterwards.
    let expires = now_ms() + 6_000;
    submit!(client, &patient, grant(doctor_id, READ, Some(expires)));
    assert_eq!(dry!(client, &doctor, has(doctor_id, Scope::RecordsRead)), Ok(true));
    let counts = dry!(client, &patient, suite.permissions().grant_counts(patient_id)).unwrap();
    assert_eq!((counts.made_total, counts.current, counts.active_now), (3, 1, 1));
    while now_ms() <= expires + 1_000 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    new_block(&mut client).await; // any block: chain time moves only with blocks
    assert_eq!(dry!(client, &doctor, has(doctor_id, Scope::RecordsRead)), Ok(false));
    assert_eq!(dry!(client, &doctor, suite.records().records(patient_id, 0, 10)), Err(Error::NotAllowed));
    let counts = dry!(client, &patient, suite.permissions().grant_counts(patient_id)).unwrap();
    assert_eq!((counts.made_total, counts.current, counts.active_now), (3, 1, 0));
    assert_eq!(dry!(client, &patient, suite.permissions().grants_of(patient_id, 0, 10)).unwrap().len(), 1);

    // Break-glass: a verified doctor without consent opens emergency access.
    // The reason is a code; details go in a sealed note (opaque bytes here).
    let open = |note: &[u8], ms: u64| {
        suite.permissions().open_emergency(patient_id, EmergencyReason::Unresponsive, note.to_vec(), ms)
    };
    assert_eq!(dry!(client, &er_doctor, open(&[1; MAX_TEXT_LEN + 1], 60_000)), Err(Error::FieldTooLong));
    assert_eq!(dry!(client, &er_doctor, open(b"", 25 * 3_600_000)), Err(Error::InvalidDuration));
    assert_eq!(dry!(client, &family, open(b"", 60_000)), Err(Error::NotVerifiedDoctor));
    let res = submit!(client, &er_doctor, open(b"n1:sealed-note", 3_600_000));
    assert!(emitted::<EmergencyAccessOpened, _>(&res, suite.permissions, &[patient_id, head_id, er_id]));
    assert_eq!(dry!(client, &er_doctor, has(er_id, Scope::RecordsRead)), Ok(true));
    assert_eq!(dry!(client, &er_doctor, has(er_id, Scope::Appointments)), Ok(false));
    // The emergency doctor documents care; the record is marked emergency.
    let note =
        suite.records().add_record(patient_id, RecordKind::Note, "ER admission".into(), "stabilised".into(), None);
    assert_eq!(submit!(client, &er_doctor, note).return_value(), Ok(WriteOutcome::Accepted(0)));
    assert!(dry!(client, &patient, suite.records().record(patient_id, 0)).unwrap().emergency);
    // Visible to the patient and the head.
    let list = dry!(client, &patient, suite.permissions().emergencies_of(patient_id, 0, 10)).unwrap();
    assert_eq!((list.len(), list[0].doctor, list[0].reason), (1, er_id, EmergencyReason::Unresponsive));
    assert_eq!(list[0].note, b"n1:sealed-note".to_vec());
    let log = dry!(client, &head, suite.permissions().access_log(patient_id, 0, 50)).unwrap();
    assert!(log.iter().any(|e| e.accessor == er_id && e.outcome == AccessOutcome::GrantedEmergency));
    // Closed early by the patient; a stranger may not close; then refused.
    assert_eq!(dry!(client, &stranger, suite.permissions().close_emergency(patient_id, er_id)), Err(Error::NotAllowed));
    let res = submit!(client, &patient, suite.permissions().close_emergency(patient_id, er_id));
    assert!(emitted::<EmergencyAccessClosed, _>(&res, suite.permissions, &[patient_id, er_id]));
    assert_eq!(dry!(client, &er_doctor, has(er_id, Scope::RecordsRead)), Ok(false));
    assert_eq!(
        dry!(client, &patient, suite.permissions().close_emergency(patient_id, er_id)),
        Err(Error::EmergencyNotOpen)
    );
    // Reopening is counted, and a re-opening closes the doctor's earlier
    // open one so that no stale opening looks open in the list.
    submit!(client, &er_doctor, open(b"", 60_000));
    let res = submit!(client, &er_doctor, open(b"", 60_000));
    assert!(emitted::<EmergencyAccessClosed, _>(&res, suite.permissions, &[patient_id, er_id]));
    assert_eq!(dry!(client, &patient, suite.permissions().emergency_count(patient_id)), Ok(3));
    let list = dry!(client, &patient, suite.permissions().emergencies_of(patient_id, 0, 10)).unwrap();
    assert!(list[1].closed.is_some(), "the earlier opening was closed by the re-opening");
    assert!(list[2].closed.is_none());
    submit!(client, &head, suite.permissions().close_emergency(patient_id, er_id));
    // Only the head sets the emergency maximum, within 24 h.
    assert_eq!(dry!(client, &patient, suite.permissions().set_emergency_max(60_000)), Err(Error::NotHead));
    assert_eq!(
        dry!(client, &head, suite.permissions().set_emergency_max(24 * 3_600_000 + 1)),
        Err(Error::InvalidDuration)
    );
    submit!(client, &head, suite.permissions().set_emergency_max(24 * 3_600_000));
    Ok(())
}
