//! A patient appoints a guardian (a family member registered as a patient)
//! who grants and revokes a doctor's access for her and reads her records;
//! every act of the guardian is logged in the patient's access log as the
//! guardian's (`GrantedGuardian`). The guardianship ends when the patient
//! removes it or it expires, and does nothing while the guardian's own
//! standing lapses; powers are separate (consent, read); the head appoints
//! a guardian for a patient she declared a minor.
use crate::setup::*;
use ink::primitives::AccountId;
use ink_e2e::ContractsBackend;
use smrms_permissions::guardians::{GuardianPowers, Guardianship, Incapacity};
use smrms_permissions::permissions::{
    AccessGranted, AccessRevoked, GuardianAppointed, GuardianRemoved, IncapacityDeclared, IncapacityLifted,
};
use smrms_records::records::{ReadOutcome, RecordAccessed, RecordKind, Sealed, WriteOutcome};
use smrms_registry::registry::ProfileRead;

const BOTH: GuardianPowers = GuardianPowers { consent: true, read: true, book: false };
const CONSENT: GuardianPowers = GuardianPowers { consent: true, read: false, book: false };
const READ_POWER: GuardianPowers = GuardianPowers { consent: false, read: true, book: false };
/// What the guardian grants the doctor: read and write records.
const CARE: Scopes = Scopes { demographics: false, records_read: true, records_write: true, appointments: false };
const WRAPPED: [u8; 80] = [7; 80];

#[ink_e2e::test]
async fn patient_appoints_guardian_who_acts_for_her<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        head_id,
        suite,
        patient: Member { key: patient, id: p },
        doctor: Member { key: doctor, id: d },
        pending_doctor: Member { key: pending, id: pd },
        other_doctor: Member { key: cousin, id: c },
        stranger: Member { key: stranger, id: s },
    } = Cast::new(&mut client, "Meera").await;
    let (family, f) = account(&mut client).await;
    register_patient(&mut client, &suite, &family, "Ravi").await;
    let (sister, sis) = account(&mut client).await;
    register_patient(&mut client, &suite, &sister, "Asha").await;
    let (mut reg, mut per, mut recs) = (suite.registry(), suite.permissions(), suite.records());
    let appoint = |g, powers, e: Option<u64>| suite.permissions().appoint_guardian(g, powers, e);
    let grant_for = |patient, to| suite.permissions().grant_for(patient, to, CARE, None);
    let add = |title: &str| suite.records().add_record(p, RecordKind::Note, title.into(), "enc1:...".into(), None);
    let decide =
        |who, scope| trait_call::<Result<AccessOutcome>>(suite.permissions, "PermissionsApi::decide", (p, who, scope));

    // Bad input: named errors, nothing stored.
    assert_eq!(dry!(client, &patient, appoint(p, BOTH, None)), Err(Error::SelfGrant));
    assert_eq!(dry!(client, &patient, appoint(s, BOTH, None)), Err(Error::UnknownAccount));
    assert_eq!(dry!(client, &patient, appoint(f, GuardianPowers::default(), None)), Err(Error::NoScopes));
    assert_eq!(dry!(client, &patient, appoint(f, BOTH, Some(1))), Err(Error::ExpiryInPast));
    assert_eq!(dry!(client, &stranger, appoint(f, BOTH, None)), Err(Error::NotAPatient));
    assert_eq!(dry!(client, &doctor, appoint(f, BOTH, None)), Err(Error::NotAPatient));
    assert_eq!(dry!(client, &patient, per.remove_guardian(p, f)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &family, grant_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &family, decide(f, Scope::RecordsRead)), Ok(AccessOutcome::Denied(DenyReason::NoConsent)));

    // The patient appoints her husband with consent and read powers.
    let res = submit!(client, &patient, appoint(f, BOTH, None));
    assert!(emitted::<GuardianAppointed, _>(&res, suite.permissions, &[p, f]));
    let g = dry!(client, &stranger, per.guardianship(p, f)).unwrap().expect("appointed");
    assert_eq!((g.powers, g.appointed_by, g.expires_at), (BOTH, p, None));
    let ids = |list: Vec<(AccountId, Guardianship)>| -> Vec<AccountId> { list.into_iter().map(|(a, _)| a).collect() };
    assert_eq!(dry!(client, &stranger, per.guardians_of(p, 0, 10)).map(ids), Ok(vec![f]));
    assert_eq!(dry!(client, &stranger, per.wards_of(f, 0, 10)).map(ids), Ok(vec![p]));
    assert_eq!(dry!(client, &family, decide(f, Scope::RecordsRead)), Ok(AccessOutcome::GrantedGuardian));
    assert_eq!(dry!(client, &family, decide(f, Scope::Demographics)), Ok(AccessOutcome::GrantedGuardian));
    // reading is not writing, and a patient guardian is no doctor
    assert_eq!(dry!(client, &family, decide(f, Scope::RecordsWrite)), Ok(AccessOutcome::Denied(DenyReason::WrongRole)));

    // The doctor has no consent yet; the guardian grants it for her.
    assert_eq!(dry!(client, &doctor, add("visit")), Ok(WriteOutcome::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &family, grant_for(p, s)), Err(Error::UnknownAccount));
    assert_eq!(dry!(client, &family, grant_for(p, p)), Err(Error::SelfGrant));
    // her own access is what her powers say: no grant to herself
    assert_eq!(dry!(client, &family, grant_for(p, f)), Err(Error::SelfGrant));
    assert_eq!(dry!(client, &family, per.grant_for(p, d, Scopes::default(), None)), Err(Error::NoScopes));
    assert_eq!(dry!(client, &family, per.grant_for(p, d, CARE, Some(1))), Err(Error::ExpiryInPast));
    let res = submit!(client, &family, grant_for(p, d));
    assert!(emitted::<AccessGranted, _>(&res, suite.permissions, &[p, d]));
    let grant = dry!(client, &patient, per.grant_of(p, d)).unwrap().expect("granted for her");
    assert_eq!(grant.scopes, CARE);
    // ... and the doctor's access follows: he writes and reads her record.
    assert_eq!(submit!(client, &doctor, add("visit")).return_value(), Ok(WriteOutcome::Accepted(0)));
    let read = submit!(client, &doctor, recs.read_record(p, 0));
    assert!(matches!(read.return_value(), Ok(ReadOutcome::Granted(r)) if r.title == b"visit"));

    // The guardian reads: audited record and profile reads, the advisory
    // queries; she writes nothing.
    let read = submit!(client, &family, recs.read_record(p, 0));
    assert!(emitted::<RecordAccessed, _>(&read, suite.records, &[p, f]));
    assert!(matches!(read.return_value(), Ok(ReadOutcome::Granted(r)) if r.author == d));
    let profile_read = submit!(client, &family, reg.read_patient_profile(p));
    assert!(matches!(profile_read.return_value(), Ok(ProfileRead::Granted(_))));
    assert_eq!(dry!(client, &family, recs.records(p, 0, 10)).map(|v| v.len()), Ok(1));
    assert!(dry!(client, &family, reg.patient_profile(p)).is_ok());
    assert_eq!(dry!(client, &family, add("by guardian")), Err(Error::NotVerifiedDoctor));
    // The patient may wrap her record's key for her guardian.
    submit!(client, &patient, recs.share_key(p, Sealed::Record(0), f, WRAPPED.to_vec()));

    // The guardian revokes; the doctor is refused at once.
    let res = submit!(client, &family, per.revoke_for(p, d));
    assert!(emitted::<AccessRevoked, _>(&res, suite.permissions, &[p, d]));
    assert_eq!(dry!(client, &doctor, add("follow-up")), Ok(WriteOutcome::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &doctor, recs.read_record(p, 0)), Ok(ReadOutcome::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &doctor, recs.records(p, 0, 10)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &family, per.revoke_for(p, d)), Err(Error::GrantNotFound));

    // The patient's log: every act of the guardian, as hers, by guardian.
    let log = log_of(&mut client, &patient, &suite, p).await;
    let by = |who| log.iter().filter(|e| e.accessor == who).map(|e| (e.action, e.outcome)).collect::<Vec<_>>();
    let as_guardian = |action| (action, AccessOutcome::GrantedGuardian);
    assert_eq!(
        by(f),
        vec![
            as_guardian(AccessAction::GrantAccess),
            as_guardian(AccessAction::ReadRecord(0)),
            as_guardian(AccessAction::ReadProfile),
            as_guardian(AccessAction::RevokeAccess),
        ]
    );
    assert_eq!(
        by(d),
        vec![
            (AccessAction::WriteRecord, AccessOutcome::Granted),
            (AccessAction::ReadRecord(0), AccessOutcome::Granted)
        ]
    );

    // Powers are separate: consent only reads nothing; read only grants nothing.
    submit!(client, &patient, appoint(sis, CONSENT, None));
    assert_eq!(dry!(client, &sister, recs.read_record(p, 0)), Ok(ReadOutcome::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &sister, recs.records(p, 0, 10)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &sister, reg.read_patient_profile(p)), Ok(ProfileRead::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &sister, grant_for(p, d)), Ok(()));
    // re-appointing replaces her powers (she stays listed once)
    let res = submit!(client, &patient, appoint(sis, READ_POWER, None));
    assert!(emitted::<GuardianAppointed, _>(&res, suite.permissions, &[p, sis]));
    assert_eq!(dry!(client, &sister, grant_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &sister, per.revoke_for(p, d)), Err(Error::NotGuardian));
    assert!(matches!(dry!(client, &sister, recs.read_record(p, 0)), Ok(ReadOutcome::Granted(_))));
    assert_eq!(dry!(client, &stranger, per.guardians_of(p, 0, 10)).map(ids), Ok(vec![f, sis]));
    // she steps down herself
    let res = submit!(client, &sister, per.remove_guardian(p, sis));
    assert!(emitted::<GuardianRemoved, _>(&res, suite.permissions, &[p, sis]));
    assert_eq!(dry!(client, &sister, recs.read_record(p, 0)), Ok(ReadOutcome::Denied(DenyReason::NoConsent)));

    // Removal: not by a stranger, a doctor, or the head (the patient was not
    // declared); by the patient, then every act is refused.
    assert_eq!(dry!(client, &stranger, per.remove_guardian(p, f)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &doctor, per.remove_guardian(p, f)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &head, per.remove_guardian(p, f)), Err(Error::NotAllowed));
    let res = submit!(client, &patient, per.remove_guardian(p, f));
    assert!(emitted::<GuardianRemoved, _>(&res, suite.permissions, &[p, f]));
    assert_eq!(dry!(client, &stranger, per.guardianship(p, f)), Ok(None));
    assert_eq!(dry!(client, &stranger, per.guardians_of(p, 0, 10)).map(ids), Ok(vec![]));
    assert_eq!(dry!(client, &stranger, per.wards_of(f, 0, 10)).map(ids), Ok(vec![]));
    assert_eq!(dry!(client, &family, grant_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &family, per.revoke_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &family, per.remove_guardian(p, f)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &family, recs.records(p, 0, 10)), Err(Error::NotAllowed));
    let denied = submit!(client, &family, recs.read_record(p, 0));
    assert!(emitted::<AccessDenied, _>(&denied, suite.records, &[p, head_id, f]));
    assert_eq!(denied.return_value(), Ok(ReadOutcome::Denied(DenyReason::NoConsent)));
    let last = log_of(&mut client, &patient, &suite, p).await.pop().expect("logged");
    assert_eq!(
        (last.accessor, last.action, last.outcome),
        (f, AccessAction::ReadRecord(0), AccessOutcome::Denied(DenyReason::NoConsent))
    );
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, Sealed::Record(0), f, WRAPPED.to_vec())),
        Err(Error::RecipientNotAllowed)
    );

    // Expiry: the guardianship ends with no transaction on it.
    let expires = now_ms() + 6_000;
    submit!(client, &patient, appoint(f, BOTH, Some(expires)));
    assert_eq!(dry!(client, &family, grant_for(p, d)), Ok(()));
    assert!(matches!(dry!(client, &family, recs.read_record(p, 0)), Ok(ReadOutcome::Granted(_))));
    wait_until(&mut client, expires + 1_000).await;
    assert_eq!(dry!(client, &family, grant_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &family, per.revoke_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &family, recs.read_record(p, 0)), Ok(ReadOutcome::Denied(DenyReason::NoConsent)));
    assert_eq!(dry!(client, &family, reg.read_patient_profile(p)), Ok(ProfileRead::Denied(DenyReason::NoConsent)));
    let stored = dry!(client, &stranger, per.guardianship(p, f)).unwrap().expect("kept until removed");
    assert_eq!(stored.expires_at, Some(expires));

    // A provider guardian acts only while verified: suspended, refused;
    // reinstated, she acts again. A pending one never acts.
    submit!(client, &patient, appoint(c, BOTH, None));
    assert_eq!(dry!(client, &cousin, grant_for(p, d)), Ok(()));
    submit!(client, &head, reg.suspend_provider(c, "licence under review".into()));
    assert_eq!(dry!(client, &cousin, grant_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &cousin, per.revoke_for(p, d)), Err(Error::NotGuardian));
    assert_eq!(dry!(client, &cousin, recs.read_record(p, 0)), Ok(ReadOutcome::Denied(DenyReason::NotVerified)));
    submit!(client, &head, reg.reinstate_provider(c));
    assert_eq!(dry!(client, &cousin, grant_for(p, d)), Ok(()));
    submit!(client, &patient, appoint(pd, CONSENT, None));
    assert_eq!(dry!(client, &pending, grant_for(p, d)), Err(Error::NotGuardian));

    // At most eight guardians (expired ones count until removed); a
    // re-appointment is no new one, a removal makes room.
    let listed = dry!(client, &stranger, per.guardians_of(p, 0, 10)).map(ids).unwrap();
    assert_eq!(listed, vec![f, c, pd]);
    for i in listed.len() as u32..MAX_GUARDIANS {
        let (kp, id) = account(&mut client).await;
        register_patient(&mut client, &suite, &kp, &format!("Relative {i}")).await;
        submit!(client, &patient, appoint(id, READ_POWER, None));
    }
    let (ninth, ninth_id) = account(&mut client).await;
    register_patient(&mut client, &suite, &ninth, "Ninth").await;
    assert_eq!(dry!(client, &patient, appoint(ninth_id, READ_POWER, None)), Err(Error::TooManyGuardians));
    assert_eq!(dry!(client, &patient, appoint(f, BOTH, None)), Ok(()));
    submit!(client, &patient, per.remove_guardian(p, pd));
    assert_eq!(dry!(client, &patient, appoint(ninth_id, READ_POWER, None)), Ok(()));

    // A minor: the head declares her, then appoints her guardian.
    let (child, ch) = account(&mut client).await;
    register_patient(&mut client, &suite, &child, "Anu").await;
    let for_child = |g| suite.permissions().appoint_guardian_for(ch, g, BOTH, None);
    assert_eq!(dry!(client, &head, for_child(f)), Err(Error::NotIncapacitated));
    assert_eq!(dry!(client, &stranger, for_child(f)), Err(Error::NotHead));
    assert_eq!(dry!(client, &stranger, per.declare_incapacity(ch, Incapacity::Minor)), Err(Error::NotHead));
    assert_eq!(dry!(client, &patient, per.declare_incapacity(ch, Incapacity::Minor)), Err(Error::NotHead));
    assert_eq!(dry!(client, &head, per.declare_incapacity(s, Incapacity::Minor)), Err(Error::UnknownPatient));
    assert_eq!(dry!(client, &head, per.lift_incapacity(ch)), Err(Error::NotIncapacitated));
    let res = submit!(client, &head, per.declare_incapacity(ch, Incapacity::Minor));
    assert!(emitted::<IncapacityDeclared, _>(&res, suite.permissions, &[ch]));
    assert_eq!(dry!(client, &stranger, per.incapacity(ch)).map(|i| i.map(|(why, _)| why)), Ok(Some(Incapacity::Minor)));
    assert_eq!(dry!(client, &stranger, for_child(f)), Err(Error::NotHead));
    assert_eq!(dry!(client, &patient, for_child(f)), Err(Error::NotHead));
    assert_eq!(dry!(client, &head, for_child(ch)), Err(Error::SelfGrant));
    assert_eq!(dry!(client, &head, for_child(s)), Err(Error::UnknownAccount));
    assert_eq!(dry!(client, &head, for_child(head_id)), Err(Error::NotAllowed), "never the head herself");
    let res = submit!(client, &head, for_child(f));
    assert!(emitted::<GuardianAppointed, _>(&res, suite.permissions, &[ch, f]));
    let g = dry!(client, &stranger, per.guardianship(ch, f)).unwrap().expect("appointed by the head");
    assert_eq!((g.powers, g.appointed_by), (BOTH, head_id));
    // the guardian consents for the child; the doctor reads; logged in the child's log
    submit!(client, &family, grant_for(ch, d));
    assert_eq!(dry!(client, &doctor, recs.records(ch, 0, 10)), Ok(vec![]));
    let last = log_of(&mut client, &child, &suite, ch).await.pop().expect("logged");
    assert_eq!(
        (last.accessor, last.action, last.outcome),
        (f, AccessAction::GrantAccess, AccessOutcome::GrantedGuardian)
    );
    // the head may remove a declared patient's guardian, a stranger may not
    assert_eq!(dry!(client, &stranger, per.remove_guardian(ch, f)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &head, per.remove_guardian(ch, f)), Ok(()));
    // lifted: the head's guardian stops acting at once (listed until the child removes her);
    // the head no longer removes
    let res = submit!(client, &head, per.lift_incapacity(ch));
    assert!(emitted::<IncapacityLifted, _>(&res, suite.permissions, &[ch]));
    assert_eq!(dry!(client, &stranger, per.incapacity(ch)), Ok(None));
    assert_eq!(dry!(client, &head, per.remove_guardian(ch, f)), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &head, for_child(f)), Err(Error::NotIncapacitated));
    assert_eq!(dry!(client, &family, per.revoke_for(ch, d)), Err(Error::NotGuardian), "not in effect once lifted");
    assert!(dry!(client, &stranger, per.guardians_of(ch, 0, 10)).unwrap().iter().any(|(g, _)| *g == f));
    let res = submit!(client, &child, per.remove_guardian(ch, f));
    assert!(emitted::<GuardianRemoved, _>(&res, suite.permissions, &[ch, f]));
    assert_eq!(dry!(client, &family, per.revoke_for(ch, d)), Err(Error::NotGuardian));
    Ok(())
}
