//! The emergency card at the contract level: the head designates the
//! emergency custodian (the network's key service, never her own account);
//! the patient seals her card and wraps its key for herself and the
//! custodian; the custodian passes the card's key, and nothing else, only
//! to a verified doctor with an open emergency access on her, never
//! replacing a key, and each release is logged in her access log as the
//! doctor's `ReadCard` under emergency. Setting the card again drops every
//! earlier key. Bodies and keys are opaque bytes here (the client seals).
use crate::setup::*;
use ink::primitives::AccountId;
use ink_e2e::ContractsBackend;
use smrms_records::records::{
    CardReleased, CardSet, Custodian, CustodianDesignated, KeyShared, KeysRevoked, RecordKind, Sealed, WriteOutcome,
};

const BODY: [u8; 300] = [0xC4; 300];
const OWN: [u8; 80] = [1; 80];
const CUST: [u8; 80] = [2; 80];
const FOR_DOCTOR: [u8; 80] = [3; 80];
const SERVICE_KEY: [u8; 32] = [9; 32];

#[ink_e2e::test]
async fn emergency_doctor_reads_card_through_custodian<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        head_id,
        suite,
        patient: Member { key: patient, id: p },
        doctor: Member { key: doctor, id: d },
        pending_doctor: Member { key: pending, id: pd },
        other_doctor: Member { key: reader, id: r },
        stranger: Member { key: stranger, id: s },
    } = Cast::new(&mut client, "Meera").await;
    // The emergency key service: an account, not registered in SMRMS.
    let (custodian, k) = account(&mut client).await;
    let (second, d2) = account(&mut client).await;
    register_doctor(&mut client, &suite, &head, &second, true).await;
    let (mut recs, mut per) = (suite.records(), suite.permissions());
    let set_card =
        |body: &[u8], own: &[u8], cust: &[u8]| suite.records().set_card(body.to_vec(), own.to_vec(), cust.to_vec());
    let release = |to| suite.records().share_key(p, Sealed::Card, to, FOR_DOCTOR.to_vec());
    let open = |ms| suite.permissions().open_emergency(p, EmergencyReason::Unresponsive, vec![], ms);

    // No custodian yet, so no card.
    assert_eq!(dry!(client, &stranger, recs.custodian()), Ok(None));
    assert_eq!(dry!(client, &patient, set_card(&BODY, &OWN, &CUST)), Err(Error::NoCustodian));

    // Only the head designates the custodian, and never her own account.
    assert_eq!(dry!(client, &patient, recs.designate_custodian(k, SERVICE_KEY)), Err(Error::NotHead));
    assert_eq!(dry!(client, &custodian, recs.designate_custodian(k, SERVICE_KEY)), Err(Error::NotHead));
    assert_eq!(dry!(client, &head, recs.designate_custodian(head_id, SERVICE_KEY)), Err(Error::NotAllowed));
    let zero = AccountId::from([0u8; 32]);
    assert_eq!(dry!(client, &head, recs.designate_custodian(zero, SERVICE_KEY)), Err(Error::ZeroAccount));
    assert_eq!(dry!(client, &head, recs.designate_custodian(k, [0; 32])), Err(Error::InvalidKey));
    let res = submit!(client, &head, recs.designate_custodian(k, SERVICE_KEY));
    assert!(emitted::<CustodianDesignated, _>(&res, suite.records, &[k]));
    let service = Custodian { account: k, encryption_key: SERVICE_KEY };
    assert_eq!(dry!(client, &stranger, recs.custodian()), Ok(Some(service)));

    // The card's bounds; only a registered patient keeps a card; no card, no key.
    assert_eq!(dry!(client, &patient, set_card(&[], &OWN, &CUST)), Err(Error::EmptyField));
    assert_eq!(dry!(client, &patient, set_card(&[1; MAX_CARD_LEN + 1], &OWN, &CUST)), Err(Error::FieldTooLong));
    assert_eq!(dry!(client, &patient, set_card(&BODY, &[], &CUST)), Err(Error::EmptyField));
    assert_eq!(dry!(client, &patient, set_card(&BODY, &OWN, &[1; MAX_WRAPPED_KEY_LEN + 1])), Err(Error::FieldTooLong));
    assert_eq!(dry!(client, &stranger, set_card(&BODY, &OWN, &CUST)), Err(Error::UnknownPatient));
    assert_eq!(dry!(client, &doctor, set_card(&BODY, &OWN, &CUST)), Err(Error::UnknownPatient));
    assert_eq!(dry!(client, &custodian, release(d)), Err(Error::NoCard));
    assert_eq!(dry!(client, &stranger, recs.card(p)), Ok(None));

    // The patient sets her card: version 1, keys for her and the custodian.
    let res = submit!(client, &patient, set_card(&BODY[..], &OWN[..], &CUST[..]));
    assert!(emitted::<CardSet, _>(&res, suite.records, &[p]));
    assert_eq!(res.return_value(), Ok(1));
    let card = dry!(client, &stranger, recs.card(p)).unwrap().expect("card set");
    assert_eq!((card.version, card.body), (1, BODY.to_vec()));
    assert_eq!(dry!(client, &stranger, recs.key_holders(p, Sealed::Card)), Ok(vec![p, k]));
    assert_eq!(dry!(client, &custodian, recs.key_of(p, Sealed::Card, k)), Ok(Some(CUST.to_vec())));
    assert_eq!(dry!(client, &patient, recs.key_of(p, Sealed::Card, p)), Ok(Some(OWN.to_vec())));

    // Without an open emergency the custodian releases to nobody: not to a
    // verified doctor, not even to one holding her consent; never to a
    // pending doctor or a stranger.
    assert_eq!(dry!(client, &custodian, release(d)), Err(Error::RecipientNotAllowed));
    submit!(client, &patient, per.grant(r, Scopes::ALL, None));
    assert_eq!(dry!(client, &custodian, release(r)), Err(Error::RecipientNotAllowed));
    assert_eq!(dry!(client, &custodian, release(pd)), Err(Error::NotVerifiedDoctor));
    assert_eq!(dry!(client, &custodian, release(s)), Err(Error::NotVerifiedDoctor));
    assert_eq!(dry!(client, &pending, open(60_000)), Err(Error::NotVerifiedDoctor));
    // Nobody but the patient and the custodian stores card keys.
    for who in [&doctor, &reader, &head, &stranger, &pending] {
        assert_eq!(dry!(client, who, release(d)), Err(Error::NotAllowed));
    }

    // The doctor opens emergency access; the custodian releases the card key
    // to him: stored, announced, logged as his ReadCard under emergency.
    let log_from = dry!(client, &patient, per.access_log_len(p)).unwrap();
    submit!(client, &doctor, open(3_600_000));
    let res = submit!(client, &custodian, release(d));
    assert!(emitted::<CardReleased, _>(&res, suite.records, &[p, d]));
    assert!(emitted::<KeyShared, _>(&res, suite.records, &[p, d]));
    assert_eq!(dry!(client, &doctor, recs.key_of(p, Sealed::Card, d)), Ok(Some(FOR_DOCTOR.to_vec())));
    assert_eq!(dry!(client, &stranger, recs.key_holders(p, Sealed::Card)), Ok(vec![p, k, d]));
    let log = dry!(client, &patient, per.access_log(p, log_from, MAX_PAGE)).unwrap();
    let entries: Vec<_> = log.iter().map(|e| (e.accessor, e.action, e.outcome)).collect();
    assert_eq!(
        entries,
        vec![
            (d, AccessAction::OpenEmergency, AccessOutcome::GrantedEmergency),
            (d, AccessAction::ReadCard, AccessOutcome::GrantedEmergency),
        ]
    );

    // The card's key only: not a record's (the doctor's own emergency note),
    // not the profile's; and never a replacement of a stored key.
    let note = recs.add_record(p, RecordKind::Note, "ER admission".into(), "stabilised".into(), None);
    assert_eq!(submit!(client, &doctor, note).return_value(), Ok(WriteOutcome::Accepted(0)));
    let wrap = FOR_DOCTOR.to_vec();
    assert_eq!(dry!(client, &custodian, recs.share_key(p, Sealed::Record(0), d, wrap.clone())), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &custodian, recs.share_key(p, Sealed::Profile, d, wrap.clone())), Err(Error::NotAllowed));
    assert_eq!(
        dry!(
            client,
            &custodian,
            recs.share_keys(p, d, vec![(Sealed::Card, wrap.clone()), (Sealed::Record(0), wrap.clone())])
        ),
        Err(Error::KeyAlreadyStored)
    );
    assert_eq!(dry!(client, &custodian, recs.share_key(p, Sealed::Card, d, vec![4; 80])), Err(Error::KeyAlreadyStored));
    assert_eq!(dry!(client, &custodian, recs.share_key(p, Sealed::Card, p, vec![4; 80])), Err(Error::KeyAlreadyStored));
    assert_eq!(dry!(client, &custodian, recs.share_key(p, Sealed::Card, k, vec![4; 80])), Err(Error::KeyAlreadyStored));
    // ... nor removes or destroys keys
    assert_eq!(dry!(client, &custodian, recs.revoke_keys(p, d, vec![Sealed::Card])), Err(Error::NotAllowed));
    assert_eq!(dry!(client, &custodian, recs.shred_keys(p, Sealed::Card)), Err(Error::NotAllowed));
    // The patient herself wraps the card's key for a reader with her consent,
    // not for one without.
    submit!(client, &patient, recs.share_key(p, Sealed::Card, r, wrap.clone()));
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, Sealed::Card, s, wrap.clone())),
        Err(Error::RecipientNotAllowed)
    );
    assert_eq!(
        dry!(client, &patient, recs.share_key(p, Sealed::Card, pd, wrap.clone())),
        Err(Error::RecipientNotAllowed)
    );

    // A second doctor's emergency access ends by expiry: released while
    // open, refused once it has expired.
    submit!(client, &second, open(6_000));
    submit!(client, &custodian, release(d2));
    assert_eq!(dry!(client, &stranger, recs.prune_card_key(p, d2)), Err(Error::NotAllowed), "open: kept");
    let opened = dry!(client, &patient, per.emergencies_of(p, 0, MAX_PAGE)).unwrap();
    let ends = opened.iter().rev().find(|e| e.doctor == d2).expect("opened").expires_at;
    wait_until(&mut client, ends + 1_000).await;
    assert_eq!(dry!(client, &custodian, release(d2)), Err(Error::KeyAlreadyStored), "released while open");
    // Anyone prunes the card key of a holder who may no longer read her
    // records, so that past releases do not fill the key-holder list; never
    // the patient's, the custodian's, or a reader's who still has access.
    let res = submit!(client, &stranger, recs.prune_card_key(p, d2));
    assert!(emitted::<KeysRevoked, _>(&res, suite.records, &[p, d2]));
    assert_eq!(res.return_value(), Ok(true));
    assert_eq!(dry!(client, &doctor, recs.key_of(p, Sealed::Card, d2)), Ok(None));
    assert_eq!(dry!(client, &stranger, recs.prune_card_key(p, d2)), Ok(false), "nothing left");
    for kept in [p, k, r, d] {
        assert_eq!(dry!(client, &stranger, recs.prune_card_key(p, kept)), Err(Error::NotAllowed));
    }
    // expired: no new release
    assert_eq!(dry!(client, &custodian, release(d2)), Err(Error::RecipientNotAllowed));

    // The patient closes the doctor's emergency access: the key he received
    // stays until she revokes it; then no new release reaches him.
    submit!(client, &patient, per.close_emergency(p, d));
    assert_eq!(dry!(client, &doctor, recs.key_of(p, Sealed::Card, d)), Ok(Some(FOR_DOCTOR.to_vec())));
    assert_eq!(submit!(client, &patient, recs.revoke_keys(p, d, vec![Sealed::Card])).return_value(), Ok(1));
    assert_eq!(dry!(client, &doctor, recs.key_of(p, Sealed::Card, d)), Ok(None));
    assert_eq!(dry!(client, &custodian, release(d)), Err(Error::RecipientNotAllowed));

    // A new emergency: released again. Then the patient sets her card again:
    // version 2, and every earlier key is gone (the doctor's, the reader's).
    submit!(client, &doctor, open(3_600_000));
    submit!(client, &custodian, release(d));
    assert_eq!(dry!(client, &stranger, recs.key_holders(p, Sealed::Card)), Ok(vec![p, k, r, d]));
    let res = submit!(client, &patient, set_card(&[0xC5; 120], &[5; 80], &[6; 80]));
    assert!(emitted::<CardSet, _>(&res, suite.records, &[p]));
    assert_eq!(res.return_value(), Ok(2));
    let card = dry!(client, &stranger, recs.card(p)).unwrap().expect("card set");
    assert_eq!((card.version, card.body), (2, vec![0xC5; 120]));
    assert_eq!(dry!(client, &doctor, recs.key_of(p, Sealed::Card, d)), Ok(None));
    assert_eq!(dry!(client, &reader, recs.key_of(p, Sealed::Card, r)), Ok(None));
    assert_eq!(dry!(client, &custodian, recs.key_of(p, Sealed::Card, k)), Ok(Some(vec![6; 80])));
    assert_eq!(dry!(client, &patient, recs.key_of(p, Sealed::Card, p)), Ok(Some(vec![5; 80])));
    assert_eq!(dry!(client, &stranger, recs.key_holders(p, Sealed::Card)), Ok(vec![p, k]));
    // the doctor's emergency is still open: the new card may be released to him
    assert_eq!(dry!(client, &custodian, release(d)), Ok(()));

    // A new custodian: the former one releases nothing more; the card is
    // wrapped for the new one when the patient sets it again.
    let (new_service, k2) = account(&mut client).await;
    submit!(client, &head, recs.designate_custodian(k2, [8; 32]));
    assert_eq!(dry!(client, &custodian, release(d)), Err(Error::NotAllowed));
    assert_eq!(submit!(client, &patient, set_card(&BODY, &OWN, &CUST)).return_value(), Ok(3));
    assert_eq!(dry!(client, &stranger, recs.key_holders(p, Sealed::Card)), Ok(vec![p, k2]));
    assert_eq!(dry!(client, &custodian, recs.key_of(p, Sealed::Card, k)), Ok(None));
    assert_eq!(dry!(client, &new_service, release(d)), Ok(()));
    Ok(())
}
