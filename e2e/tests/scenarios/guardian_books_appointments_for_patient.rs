//! A guardian with the booking power books and manages appointments for the
//! patient, on the real node:
//! - a guardian with consent and read powers only books nothing
//!   (`NotGuardian`), nor does a stranger or the patient through this message;
//! - the booking guardian requests an appointment for the patient paying the
//!   doctor's fee herself; it is the patient's appointment, in her list, and
//!   the patient's access log has the guardian's `BookAppointment` as
//!   `GrantedGuardian`; a refund (the doctor declines) is credited to the
//!   guardian, not to the patient;
//! - she confirms a doctor's proposal paying its fee and cancels it before its
//!   start (the refund is hers), cancels a proposal the patient paid (the
//!   refund is the patient's), answers a proposed new start and completes a
//!   booking after its start: each act logged as `ManageAppointment(id)`;
//! - she cannot act as the doctor (`NotAllowed`); a stranger or a guardian
//!   without the power is no participant (`NotParticipant`);
//! - once the patient removes her she is no participant and books nothing,
//!   while a fee she paid is still refunded to her.
use crate::setup::*;
use ink_e2e::{ChainBackend, ContractsBackend};
use smrms_appointments::appointments::{AppointmentStatusChanged, Credited, RescheduleAnswered, SetOutcome, Status};
use smrms_permissions::guardians::GuardianPowers;
use smrms_permissions::permissions::AccessLogged;

const FEE: u128 = 5 * 1_000_000_000_000;
/// The fee the doctor asks for the appointments he proposes.
const PROPOSED_FEE: u128 = 3 * 1_000_000_000_000;
const CONSENT_READ: GuardianPowers = GuardianPowers { consent: true, read: true, book: false };
const BOOK: GuardianPowers = GuardianPowers { consent: false, read: false, book: true };

#[ink_e2e::test]
async fn guardian_books_appointments_for_patient<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        suite,
        patient: Member { key: patient, id: p },
        doctor: Member { key: doctor, id: d },
        pending_doctor: Member { id: pd, .. },
        stranger: Member { key: stranger, id: s },
        ..
    } = Cast::new(&mut client, "Meera").await;
    let (booker, b) = account(&mut client).await;
    register_patient(&mut client, &suite, &booker, "Ravi").await;
    let (helper, h) = account(&mut client).await;
    register_patient(&mut client, &suite, &helper, "Asha").await;
    let apps = || suite.appointments();
    let per = || suite.permissions();
    let later = now_ms() + 3_600_000;
    let request_for = |patient, why: &str, start| apps().request_appointment_for(patient, d, start, 30, why.into());

    submit!(client, &doctor, apps().set_fee(FEE));
    let fee = dry!(client, &stranger, apps().fee_of(d)).expect("fee_of");
    assert_eq!(fee, FEE);

    // A guardian with consent and read powers books nothing; the refused
    // call changes nothing.
    submit!(client, &patient, per().appoint_guardian(h, CONSENT_READ, None));
    let log0 = dry!(client, &patient, per().access_log_len(p)).expect("access_log_len");
    let counts0 = dry!(client, &stranger, apps().counts(p)).expect("counts");
    assert_eq!(dry!(client, &helper, request_for(p, "fever", later), value = fee), Err(Error::NotGuardian));
    let refused = client.call(&helper, &request_for(p, "fever", later)).value(fee).submit().await;
    assert!(refused.is_err(), "a refused request is a failed transaction");
    assert_eq!(dry!(client, &stranger, apps().counts(p)), Ok(counts0));
    assert_eq!(dry!(client, &patient, per().access_log_len(p)), Ok(log0));
    assert_eq!(dry!(client, &helper, apps().credit_of(h)), Ok(0));
    // nor does a stranger, or the patient herself through this message
    assert_eq!(dry!(client, &stranger, request_for(p, "fever", later), value = fee), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &patient, request_for(p, "fever", later), value = fee), Err(Error::NotGuardian));

    // The patient appoints her husband with the booking power only: it is
    // neither consent nor reading.
    submit!(client, &patient, per().appoint_guardian(b, BOOK, None));
    let appointments_scope = Scopes { appointments: true, ..Default::default() };
    assert_eq!(dry!(client, &booker, per().grant_for(p, d, appointments_scope, None)), Err(Error::NotGuardian));
    // bad requests: named errors
    assert_eq!(dry!(client, &booker, request_for(s, "fever", later), value = fee), Err(Error::UnknownPatient));
    assert_eq!(dry!(client, &booker, request_for(p, "fever", later), value = fee - 1), Err(Error::WrongAmount));
    assert_eq!(dry!(client, &booker, request_for(p, "fever", 1), value = fee), Err(Error::StartInPast));
    let with_pending = apps().request_appointment_for(p, pd, later, 30, "fever".into());
    assert_eq!(dry!(client, &booker, with_pending), Err(Error::NotVerifiedDoctor));

    // She requests an appointment for the patient, paying the fee herself.
    let (patient_before, booker_before) = (client.free_balance(p).await?, client.free_balance(b).await?);
    let res = submit!(client, &booker, request_for(p, "fever", later), value = fee);
    assert!(emitted::<AccessLogged, _>(&res, suite.permissions, &[p, b]));
    let first = res.return_value().expect("requested for her");
    assert!(client.free_balance(b).await? <= booker_before - fee, "the guardian paid the fee");
    assert_eq!(client.free_balance(p).await?, patient_before, "the patient paid nothing");
    let a = dry!(client, &patient, apps().appointment(first)).expect("the patient sees it");
    assert_eq!((a.patient, a.doctor, a.status, a.fee, a.paid), (p, d, Status::Requested, fee, fee));
    let hers = dry!(client, &patient, apps().patient_appointments(p, 0, 10)).expect("her appointments");
    assert_eq!(hers.iter().map(|(id, a)| (*id, a.patient)).collect::<Vec<_>>(), vec![(first, p)]);
    assert_eq!(dry!(client, &doctor, apps().appointment(first)).map(|a| a.patient), Ok(p));
    let new = dry!(client, &patient, per().access_log(p, log0, MAX_PAGE)).expect("access_log");
    assert_eq!(new.len(), 1);
    assert_eq!(
        (new[0].accessor, new[0].action, new[0].outcome),
        (b, AccessAction::BookAppointment, AccessOutcome::GrantedGuardian)
    );
    // She sees what she manages: the appointment and the patient's list;
    // the guardian with consent and read only does not.
    assert_eq!(dry!(client, &booker, apps().appointment(first)).map(|a| a.patient), Ok(p));
    let seen = dry!(client, &booker, apps().patient_appointments(p, 0, 10)).expect("the ward's appointments");
    assert_eq!(seen.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![first]);
    assert_eq!(dry!(client, &helper, apps().appointment(first)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &helper, apps().patient_appointments(p, 0, 10)), Err(Error::NotParticipant));

    // She is on the patient's side: the doctor's answers are not hers.
    assert_eq!(dry!(client, &booker, apps().accept(first)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &booker, apps().decline(first)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &helper, apps().decline(first)), Err(Error::NotParticipant));
    // The doctor declines: the refund is the guardian's, not the patient's.
    let res = submit!(client, &doctor, apps().decline(first));
    assert!(emitted::<Credited, _>(&res, suite.appointments, &[b]));
    assert_eq!(dry!(client, &booker, apps().credit_of(b)), Ok(fee));
    assert_eq!(dry!(client, &patient, apps().credit_of(p)), Ok(0));
    assert_eq!(
        dry!(client, &patient, apps().appointment(first)).map(|a| (a.status, a.paid)),
        Ok((Status::Declined, 0))
    );

    // Two proposals of the doctor, each with a fee.
    submit!(client, &patient, per().grant(d, appointments_scope, None));
    let propose = |why: &str| apps().set_appointment(p, later, 30, why.into(), PROPOSED_FEE);
    let SetOutcome::Created(scan) = submit!(client, &doctor, propose("scan")).return_value().expect("set") else {
        panic!("expected a created appointment")
    };
    let SetOutcome::Created(xray) = submit!(client, &doctor, propose("x-ray")).return_value().expect("set") else {
        panic!("expected a created appointment")
    };
    assert_eq!(dry!(client, &patient, apps().appointment(scan)).map(|a| a.status), Ok(Status::Proposed));
    // The guardian confirms the scan, paying its fee.
    assert_eq!(dry!(client, &booker, apps().confirm(scan), value = PROPOSED_FEE - 1), Err(Error::WrongAmount));
    assert_eq!(dry!(client, &doctor, apps().confirm(scan), value = PROPOSED_FEE), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &stranger, apps().confirm(scan), value = PROPOSED_FEE), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &helper, apps().confirm(scan), value = PROPOSED_FEE), Err(Error::NotParticipant));
    let booker_before = client.free_balance(b).await?;
    let res = submit!(client, &booker, apps().confirm(scan), value = PROPOSED_FEE);
    assert!(emitted::<AppointmentStatusChanged, _>(&res, suite.appointments, &[b]));
    assert!(emitted::<AccessLogged, _>(&res, suite.permissions, &[p, b]));
    assert!(client.free_balance(b).await? <= booker_before - PROPOSED_FEE, "the guardian paid the fee");
    let a = dry!(client, &patient, apps().appointment(scan)).expect("appointment");
    assert_eq!((a.patient, a.status, a.paid), (p, Status::Booked, PROPOSED_FEE));
    // A stranger and a guardian without the power cannot cancel it; she
    // cancels it before its start: the refund is hers.
    assert_eq!(dry!(client, &stranger, apps().cancel(scan)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &helper, apps().cancel(scan)), Err(Error::NotParticipant));
    let res = submit!(client, &booker, apps().cancel(scan));
    assert!(emitted::<Credited, _>(&res, suite.appointments, &[b]));
    assert_eq!(dry!(client, &booker, apps().credit_of(b)), Ok(fee + PROPOSED_FEE));
    assert_eq!(dry!(client, &patient, apps().credit_of(p)), Ok(0));
    assert_eq!(
        dry!(client, &patient, apps().appointment(scan)).map(|a| (a.status, a.paid)),
        Ok((Status::Cancelled, 0))
    );
    // The patient pays the x-ray herself; the guardian cancels it: the refund
    // goes to who paid, the patient.
    submit!(client, &patient, apps().confirm(xray), value = PROPOSED_FEE);
    let res = submit!(client, &booker, apps().cancel(xray));
    assert!(emitted::<Credited, _>(&res, suite.appointments, &[p]));
    assert_eq!(dry!(client, &patient, apps().credit_of(p)), Ok(PROPOSED_FEE));
    assert_eq!(dry!(client, &booker, apps().credit_of(b)), Ok(fee + PROPOSED_FEE));

    // A visit starting soon, booked by the guardian and accepted by the doctor.
    let soon = now_ms() + 12_000;
    let visit =
        submit!(client, &booker, request_for(p, "check-up", soon), value = fee).return_value().expect("request");
    submit!(client, &doctor, apps().accept(visit));
    assert_eq!(dry!(client, &booker, apps().mark_no_show(visit)), Err(Error::NotAllowed));
    let notes = |start| apps().update_appointment(visit, start, 30, "check-up".into(), "".into(), "".into());
    assert_eq!(dry!(client, &booker, notes(soon)), Err(Error::NotParticipant), "the doctor's notes are his");
    // The doctor proposes a later start; the guardian answers for the patient.
    submit!(client, &doctor, notes(soon + 60_000));
    assert_eq!(dry!(client, &stranger, apps().decline_reschedule(visit)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &helper, apps().accept_reschedule(visit)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &booker, apps().accept_reschedule(visit)), Ok(()));
    let res = submit!(client, &booker, apps().decline_reschedule(visit));
    assert!(emitted::<RescheduleAnswered, _>(&res, suite.appointments, &[p]));
    assert!(emitted::<AccessLogged, _>(&res, suite.permissions, &[p, b]));
    let a = dry!(client, &patient, apps().appointment(visit)).expect("appointment");
    assert_eq!((a.status, a.start, a.proposed_start), (Status::Booked, soon, None));
    // After the start she marks it completed; the fee reaches the doctor.
    assert_eq!(dry!(client, &booker, apps().complete(visit)), Err(Error::TooEarly));
    wait_until(&mut client, soon).await;
    assert_eq!(dry!(client, &booker, apps().cancel(visit)), Err(Error::TooLate), "as the patient would");
    assert_eq!(dry!(client, &stranger, apps().complete(visit)), Err(Error::NotParticipant));
    submit!(client, &booker, apps().complete(visit));
    assert_eq!(dry!(client, &doctor, apps().credit_of(d)), Ok(fee));
    assert_eq!(dry!(client, &patient, apps().appointment(visit)).map(|a| a.status), Ok(Status::Completed));

    // One more request by her, open when the patient removes her.
    let later = now_ms() + 3_600_000;
    let open =
        submit!(client, &booker, request_for(p, "follow-up", later), value = fee).return_value().expect("request");
    submit!(client, &patient, per().remove_guardian(p, b));
    assert_eq!(dry!(client, &booker, apps().cancel(open)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &booker, apps().complete(open)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &booker, apps().appointment(open)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &booker, apps().patient_appointments(p, 0, 10)), Err(Error::NotParticipant));
    assert_eq!(dry!(client, &booker, request_for(p, "again", later), value = fee), Err(Error::NotGuardian));
    // The patient cancels it herself; the refund still goes to who paid it.
    let res = submit!(client, &patient, apps().cancel(open));
    assert!(emitted::<Credited, _>(&res, suite.appointments, &[b]));
    assert_eq!(dry!(client, &booker, apps().credit_of(b)), Ok(2 * fee + PROPOSED_FEE));
    assert_eq!(dry!(client, &patient, apps().credit_of(p)), Ok(PROPOSED_FEE));

    // The patient's log: every act of the guardian, as hers, by guardian; the
    // refusals left nothing.
    let log = log_of(&mut client, &patient, &suite, p).await;
    let by = |who| log.iter().filter(|e| e.accessor == who).map(|e| (e.action, e.outcome)).collect::<Vec<_>>();
    let as_guardian = |action| (action, AccessOutcome::GrantedGuardian);
    assert_eq!(
        by(b),
        vec![
            as_guardian(AccessAction::BookAppointment),
            as_guardian(AccessAction::ManageAppointment(scan)),
            as_guardian(AccessAction::ManageAppointment(scan)),
            as_guardian(AccessAction::ManageAppointment(xray)),
            as_guardian(AccessAction::BookAppointment),
            as_guardian(AccessAction::ManageAppointment(visit)),
            as_guardian(AccessAction::ManageAppointment(visit)),
            as_guardian(AccessAction::BookAppointment),
        ]
    );
    assert_eq!(by(h), vec![]);
    assert_eq!(by(s), vec![]);

    // Her refunds are hers to withdraw.
    let before = client.free_balance(b).await?;
    assert_eq!(submit!(client, &booker, apps().withdraw()).return_value(), Ok(2 * fee + PROPOSED_FEE));
    assert!(client.free_balance(b).await? > before + fee, "the refunds reached the guardian");
    Ok(())
}
