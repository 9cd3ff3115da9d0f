//! The escrow in time and standing, on the real node:
//! - a paid request the doctor never answered lapses at its start: the doctor
//!   can no longer accept it and the patient reclaims her fee herself;
//! - a doctor cannot move a booked appointment alone: he proposes, the
//!   patient accepts (it moves) or declines (it stays);
//! - a no-show is marked only after the start plus the head's grace period;
//! - a suspended doctor cannot update notes, complete or take a fee, and the
//!   patient cancels his booked appointment with a full refund after its start;
//! - a patient holds at most 3 open requests with one doctor.
use crate::setup::*;
use ink_e2e::ContractsBackend;
use smrms_appointments::appointments::{NoShowGraceSet, RescheduleAnswered, RescheduleProposed, Status};

const FEE: u128 = 5 * 1_000_000_000_000;
const GRACE_MS: u64 = 3_000;

#[ink_e2e::test]
async fn patient_reclaims_fee_and_doctor_waits_for_her<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        suite,
        patient: Member { key: patient, id: p },
        doctor: Member { key: doctor, id: d },
        other_doctor: Member { key: other_doctor, id: od },
        ..
    } = Cast::new(&mut client, "Kavya").await;
    let appts = || suite.appointments();
    submit!(client, &doctor, appts().set_fee(FEE));
    submit!(client, &other_doctor, appts().set_fee(FEE));

    // The head sets the no-show grace; nobody else can.
    assert_eq!(dry!(client, &doctor, appts().set_no_show_grace(0)), Err(Error::NotHead));
    assert_eq!(dry!(client, &head, appts().set_no_show_grace(24 * 3_600_000 + 1)), Err(Error::InvalidDuration));
    let res = submit!(client, &head, appts().set_no_show_grace(GRACE_MS));
    assert!(emitted::<NoShowGraceSet, _>(&res, suite.appointments, &[]));
    assert_eq!(dry!(client, &patient, appts().no_show_grace()), Ok(GRACE_MS));

    // Three appointments starting soon: an unanswered paid request (0), a
    // request the doctor accepts (1), one with the doctor who will be
    // suspended (2).
    let soon = now_ms() + 10_000;
    let request = |doc, why: &str| appts().request_appointment(doc, soon, 30, why.into());
    let unanswered = submit!(client, &patient, request(d, "unanswered"), value = FEE).return_value().expect("request");
    let booked = submit!(client, &patient, request(d, "booked"), value = FEE).return_value().expect("request");
    let with_suspended =
        submit!(client, &patient, request(od, "suspended"), value = FEE).return_value().expect("request");
    submit!(client, &doctor, appts().accept(booked));
    submit!(client, &other_doctor, appts().accept(with_suspended));

    // Spam bound: a third open request with this doctor is the last one.
    let later = now_ms() + 3_600_000;
    let third = submit!(client, &patient, appts().request_appointment(d, later, 30, "third".into()), value = FEE)
        .return_value()
        .expect("third request");
    let fourth = appts().request_appointment(d, later, 30, "fourth".into());
    // (`unanswered` and `third` are open; `booked` was accepted and no longer counts)
    assert!(dry!(client, &patient, fourth, value = FEE).is_ok());
    let fifth_id = submit!(client, &patient, appts().request_appointment(d, later, 30, "fourth".into()), value = FEE)
        .return_value()
        .expect("request");
    let fifth = appts().request_appointment(d, later, 30, "fifth".into());
    assert_eq!(dry!(client, &patient, fifth, value = FEE), Err(Error::TooManyOpenRequests));
    submit!(client, &doctor, appts().decline(fifth_id));
    let again = appts().request_appointment(d, later, 30, "again".into());
    assert!(dry!(client, &patient, again, value = FEE).is_ok(), "a declined request frees its place");
    submit!(client, &patient, appts().cancel(third));

    // Reschedule: the doctor proposes, the booking does not move until the
    // patient answers.
    let moved = soon + 60_000;
    let update = |start| appts().update_appointment(booked, start, 30, "booked".into(), "".into(), "".into());
    let res = submit!(client, &doctor, update(moved));
    assert!(emitted::<RescheduleProposed, _>(&res, suite.appointments, &[p]));
    let a = dry!(client, &patient, appts().appointment(booked)).unwrap();
    assert_eq!((a.start, a.proposed_start), (soon, Some(moved)));
    assert_eq!(dry!(client, &doctor, appts().accept_reschedule(booked)), Err(Error::NotParticipant));
    let res = submit!(client, &patient, appts().decline_reschedule(booked));
    assert!(emitted::<RescheduleAnswered, _>(&res, suite.appointments, &[p]));
    let a = dry!(client, &patient, appts().appointment(booked)).unwrap();
    assert_eq!((a.start, a.proposed_start), (soon, None));
    assert_eq!(dry!(client, &patient, appts().accept_reschedule(booked)), Err(Error::NoReschedule));
    // A proposal the patient accepts moves the booking (on a copy: dry run).
    submit!(client, &doctor, update(moved));
    assert_eq!(dry!(client, &patient, appts().accept_reschedule(booked)), Ok(()));
    submit!(client, &patient, appts().decline_reschedule(booked));

    // The head suspends the other doctor before the start.
    submit!(client, &head, suite.registry().suspend_provider(od, "licence under review".into()));
    let notes = appts().update_appointment(with_suspended, soon, 30, "suspended".into(), "opioids".into(), "".into());
    assert_eq!(dry!(client, &other_doctor, notes), Err(Error::NotVerifiedDoctor));

    // After the start.
    wait_until(&mut client, soon).await;
    // The unanswered request lapsed: the doctor cannot accept it any more,
    // and the patient reclaims her fee herself.
    assert_eq!(dry!(client, &doctor, appts().accept(unanswered)), Err(Error::TooLate));
    let credit_before = dry!(client, &patient, appts().credit_of(p)).unwrap();
    submit!(client, &patient, appts().cancel(unanswered));
    assert_eq!(dry!(client, &patient, appts().credit_of(p)), Ok(credit_before + FEE));
    assert_eq!(dry!(client, &patient, appts().appointment(unanswered)).unwrap().status, Status::Cancelled);
    // No no-show within the grace period; the patient cannot walk away from
    // a booking with a verified doctor after its start.
    assert_eq!(dry!(client, &doctor, appts().mark_no_show(booked)), Err(Error::TooEarly));
    assert_eq!(dry!(client, &patient, appts().cancel(booked)), Err(Error::TooLate));
    // The suspended doctor takes nothing: neither side can complete, and the
    // patient cancels with a full refund after the start.
    assert_eq!(dry!(client, &other_doctor, appts().complete(with_suspended)), Err(Error::NotVerifiedDoctor));
    assert_eq!(dry!(client, &patient, appts().complete(with_suspended)), Err(Error::NotVerifiedDoctor));
    submit!(client, &patient, appts().cancel(with_suspended));
    assert_eq!(dry!(client, &patient, appts().credit_of(p)), Ok(credit_before + 2 * FEE));
    assert_eq!(dry!(client, &other_doctor, appts().credit_of(od)), Ok(0));

    // After start + grace the doctor may mark the no-show: the fee is his.
    wait_until(&mut client, soon + GRACE_MS).await;
    submit!(client, &doctor, appts().mark_no_show(booked));
    assert_eq!(dry!(client, &doctor, appts().credit_of(d)), Ok(FEE));
    // The patient's refunds are hers to withdraw.
    assert_eq!(submit!(client, &patient, appts().withdraw()).return_value(), Ok(credit_before + 2 * FEE));
    Ok(())
}
