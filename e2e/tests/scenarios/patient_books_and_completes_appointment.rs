//! A patient requests an appointment paying the doctor's fee; the doctor
//! accepts; after the start it is completed and the fee reaches the doctor.
//! A cancelled appointment refunds the patient; a stranger cannot read an
//! appointment; a doctor without the appointments scope is refused.
use crate::setup::*;
use ink_e2e::{ChainBackend, ContractsBackend};
use smrms_appointments::appointments::{AppointmentStatusChanged, SetOutcome, Status};

const FEE: u128 = 5 * 1_000_000_000_000;

#[ink_e2e::test]
async fn patient_books_and_completes_appointment<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        suite,
        patient: Member { key: patient, id: patient_id },
        doctor: Member { key: doctor, id: doctor_id },
        stranger: Member { key: stranger, id: stranger_id },
        ..
    } = Cast::new(&mut client, "Kavya").await;
    let appts = || suite.appointments();

    submit!(client, &doctor, appts().set_fee(FEE));
    assert_eq!(dry!(client, &stranger, appts().set_fee(1)), Err(Error::NotVerifiedDoctor));

    // Request with the wrong amount is refused; with the fee it is held.
    let start = now_ms() + 8_000;
    let request = || appts().request_appointment(doctor_id, start, 30, "chest pain".into());
    assert_eq!(dry!(client, &patient, request(), value = FEE - 1), Err(Error::WrongAmount));
    assert_eq!(dry!(client, &stranger, request(), value = FEE), Err(Error::NotAPatient));
    let past = appts().request_appointment(doctor_id, 1, 30, "x".into());
    assert_eq!(dry!(client, &patient, past, value = FEE), Err(Error::StartInPast));
    let id = submit!(client, &patient, request(), value = FEE).return_value().expect("request");
    assert_eq!(dry!(client, &patient, appts().accept(id)), Err(Error::NotAllowed));
    let res = submit!(client, &doctor, appts().accept(id));
    assert!(emitted::<AppointmentStatusChanged, _>(&res, suite.appointments, &[doctor_id]));

    // Views: participants see it, a stranger does not.
    assert_eq!(dry!(client, &patient, appts().appointment(id)).unwrap().status, Status::Booked);
    assert_eq!(dry!(client, &stranger, appts().appointment(id)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &stranger, appts().patient_appointments(patient_id, 0, 10)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &patient, appts().patient_appointments(patient_id, 0, 10)).unwrap().len(), 1);
    assert_eq!(dry!(client, &doctor, appts().doctor_appointments(doctor_id, 0, 10)).unwrap().len(), 1);

    // The doctor fills in diagnosis and prescription.
    let update = appts().update_appointment(id, start, 30, "chest pain".into(), "angina".into(), "aspirin".into());
    submit!(client, &doctor, update);
    let update = appts().update_appointment(id, start, 30, "x".into(), "".into(), "".into());
    assert_eq!(dry!(client, &patient, update), Err(Error::NotParticipant));

    // Too early to complete; after the start either side completes.
    assert_eq!(dry!(client, &patient, appts().complete(id)), Err(Error::TooEarly));
    while now_ms() <= start + 1_000 {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    new_block(&mut client).await;
    assert_eq!(dry!(client, &stranger, appts().complete(id)), Err(Error::NotParticipant));
    submit!(client, &patient, appts().complete(id));
    assert_eq!(dry!(client, &patient, appts().complete(id)), Err(Error::InvalidTransition));
    assert_eq!(dry!(client, &doctor, appts().credit_of(doctor_id)), Ok(FEE));
    assert_eq!(dry!(client, &patient, appts().withdraw()), Err(Error::NothingToWithdraw));
    let before = client.free_balance(doctor_id).await?;
    let got = submit!(client, &doctor, appts().withdraw()).return_value();
    assert_eq!(got, Ok(FEE));
    let after = client.free_balance(doctor_id).await?;
    assert!(after > before + FEE / 2, "the fee arrived at the doctor ({before} -> {after})");
    assert_eq!(dry!(client, &doctor, appts().credit_of(doctor_id)), Ok(0));

    // Cancelled before the start: refunded to the patient.
    let start2 = now_ms() + 3_600_000;
    let req2 = appts().request_appointment(doctor_id, start2, 30, "follow-up".into());
    let id2 = submit!(client, &patient, req2, value = FEE).return_value().expect("request 2");
    submit!(client, &patient, appts().cancel(id2));
    assert_eq!(dry!(client, &patient, appts().credit_of(patient_id)), Ok(FEE));
    let before = client.free_balance(patient_id).await?;
    submit!(client, &patient, appts().withdraw());
    assert!(client.free_balance(patient_id).await? > before + FEE / 2);

    // A doctor without the appointments scope is refused (logged, not an error).
    let set = || appts().set_appointment(patient_id, start2, 20, "check-up".into(), 0);
    assert_eq!(submit!(client, &doctor, set()).return_value(), Ok(SetOutcome::Denied(DenyReason::NoConsent)));
    let scope = Scopes { appointments: true, ..Default::default() };
    submit!(client, &patient, suite.permissions().grant(doctor_id, scope, None));
    let SetOutcome::Created(id3) = submit!(client, &doctor, set()).return_value().expect("set") else {
        panic!("expected a created appointment")
    };
    assert_eq!(dry!(client, &patient, appts().appointment(id3)).unwrap().status, Status::Booked);
    // A proposed appointment with a fee is booked when the patient pays it.
    let with_fee = appts().set_appointment(patient_id, start2, 20, "scan".into(), FEE);
    let SetOutcome::Created(id4) = submit!(client, &doctor, with_fee).return_value().expect("set") else {
        panic!("expected a created appointment")
    };
    assert_eq!(dry!(client, &patient, appts().confirm(id4), value = 1), Err(Error::WrongAmount));
    submit!(client, &patient, appts().confirm(id4), value = FEE);
    assert_eq!(dry!(client, &patient, appts().appointment(id4)).unwrap().paid, FEE);
    let counts = dry!(client, &stranger, appts().counts(patient_id)).unwrap();
    assert_eq!((counts.total, counts.of_patient), (4, 4));
    let _ = stranger_id;
    Ok(())
}
