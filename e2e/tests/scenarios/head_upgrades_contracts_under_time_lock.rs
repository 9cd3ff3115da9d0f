//! Time-locked code upgrades, on the real node: the suite holds records,
//! medications, keys, grants, emergencies and appointments; the head uploads
//! a second build of the records contract (the `smrms-records-v2` fixture:
//! the same source plus one message) and proposes it; nobody can enact it
//! before the delay, the head cannot swap it silently for another, anyone
//! enacts it after; every old item reads the same through the new code, and
//! the rules still hold. The other three contracts: a proposal can be
//! cancelled, and a proposal of code that was never uploaded cannot be
//! enacted (the call reverts, the proposal stays).
//!
//! Annexes (each contract's less frequent messages run in a second build,
//! `smrms_shared::annex`) are replaced under the same time lock: on the
//! appointments contract the head proposes a build that is not an annex (the
//! contract's own code), which cannot be enacted even when due; he cancels
//! it and proposes the annex build, which anyone enacts after the delay, and
//! the annex's messages answer as before.
use crate::setup::*;
use ink::primitives::Hash;
use ink_e2e::ContractsBackend;
use smrms_records::records::{NewMedication, RecordKind, Sealed, WriteOutcome};

#[ink_e2e::test]
async fn head_upgrades_contracts_under_time_lock<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        suite,
        patient: Member { key: patient, id: p },
        doctor: Member { key: doctor, id: d },
        other_doctor: Member { key: stranger_doctor, .. },
        stranger: Member { key: anyone, .. },
        ..
    } = Cast::new(&mut client, "Meera").await;

    // Data of every kind, written by the first code.
    submit!(client, &patient, suite.permissions().grant(d, Scopes::ALL, None));
    let rec = suite.records().add_record(p, RecordKind::Diagnosis, "Asthma".into(), "mild".into(), None);
    assert!(matches!(submit!(client, &doctor, rec).return_value(), Ok(WriteOutcome::Accepted(0))));
    let med = suite.records().add_medication(
        p,
        NewMedication {
            name: "Salbutamol".into(),
            dose: "100 ug".into(),
            frequency: "prn".into(),
            ..Default::default()
        },
    );
    submit!(client, &patient, med);
    submit!(client, &patient, suite.records().share_key(p, Sealed::Record(0), p, vec![7; 80]));
    submit!(client, &doctor, suite.records().share_key(p, Sealed::Record(0), d, vec![8; 80]));
    let start = now_ms() + 86_400_000;
    submit!(client, &doctor, suite.appointments().set_appointment(p, start, 30, "review".into(), 0));

    let records_before = dry!(client, &patient, suite.records().records(p, 0, 50)).expect("ok");
    let meds_before = dry!(client, &patient, suite.records().medications(p, 0, 50)).expect("ok");
    let keys_before = (
        dry!(client, &patient, suite.records().key_of(p, Sealed::Record(0), p)).expect("ok"),
        dry!(client, &doctor, suite.records().key_of(p, Sealed::Record(0), d)).expect("ok"),
    );
    let holders_before = dry!(client, &patient, suite.records().key_holders(p, Sealed::Record(0))).expect("ok");
    let total_before = dry!(client, &patient, suite.records().total_records()).expect("ok");
    let grants_before = dry!(client, &patient, suite.permissions().grants_of(p, 0, 50)).expect("ok");
    let log_before = dry!(client, &patient, suite.permissions().access_log(p, 0, 50)).expect("ok");
    let profile_before = dry!(client, &patient, suite.registry().patient_profile(p)).expect("ok");
    let appointment_before = dry!(client, &patient, suite.appointments().appointment(0)).expect("ok");
    assert_eq!(records_before.len(), 1);
    assert_eq!(meds_before.len(), 1);

    // Every contract starts with the delay fixed at instantiation, nothing pending.
    for contract in [suite.registry, suite.permissions, suite.records, suite.appointments] {
        let lock = dry!(client, &anyone, upgrade_status(contract)).expect("ok");
        assert_eq!((lock.delay_ms, lock.pending, lock.enacted), (TEST_UPGRADE_DELAY_MS, None, 0));
    }

    // The new code: uploaded, not yet in use (the first code has no `code_version`).
    let v2_hash = upload_records_v2(&mut client, &head).await;
    let v2 = ink_e2e::create_call_builder::<smrms_records_v2::records::Records>(suite.records);
    let before = client.call(&anyone, &v2.code_version()).dry_run().await;
    assert!(before.map_or(true, |r| r.message_result().is_err()), "the first code has no code_version");

    // Annexes: each contract names its annex, with the upgrade delay.
    for contract in [suite.registry, suite.permissions, suite.records, suite.appointments] {
        let annex = dry!(client, &anyone, annex_of(contract)).expect("ok").expect("an annex");
        assert_eq!((annex.lock.delay_ms, annex.lock.pending, annex.lock.enacted), (TEST_UPGRADE_DELAY_MS, None, 0));
    }
    let appointments_annex = dry!(client, &anyone, annex_of(suite.appointments)).expect("ok").expect("annex").code_hash;
    // the contract's own code is not an annex: proposed now, refused when due
    let own_code = client.upload("smrms-appointments", &head).submit().await.expect("upload").code_hash;
    assert_ne!(own_code, appointments_annex);
    assert_eq!(dry!(client, &doctor, propose_annex(suite.appointments, own_code)), Err(Error::NotHead));
    let res = submit!(client, &head, propose_annex(suite.appointments, own_code));
    assert!(emitted::<AnnexProposed, _>(&res, suite.appointments, &[suite.appointments]), "AnnexProposed");
    assert_eq!(dry!(client, &anyone, enact_annex(suite.appointments)), Err(Error::UpgradeNotReady));

    // Only the head proposes.
    assert_eq!(dry!(client, &doctor, propose_upgrade(suite.records, v2_hash)), Err(Error::NotHead));
    assert_eq!(dry!(client, &patient, propose_upgrade(suite.records, v2_hash)), Err(Error::NotHead));
    let res = submit!(client, &head, propose_upgrade(suite.records, v2_hash));
    assert!(emitted::<UpgradeProposed, _>(&res, suite.records, &[suite.records]), "UpgradeProposed announced");
    assert!(res.return_value().is_ok());
    // (the value a submitted call returns comes from ink_e2e's dry run, one
    // block earlier: the stored proposal has the time of inclusion)
    let lock = dry!(client, &anyone, upgrade_status(suite.records)).expect("ok");
    let pending = lock.pending.expect("pending");
    assert_eq!(pending.code_hash, v2_hash);
    assert_eq!(pending.not_before, pending.proposed_at + TEST_UPGRADE_DELAY_MS);
    let not_before = pending.not_before;

    // Before the delay: refused (also as a transaction, which then changes nothing);
    // a second proposal cannot replace the first.
    assert_eq!(dry!(client, &anyone, enact_upgrade(suite.records)), Err(Error::UpgradeNotReady));
    assert!(client.call(&anyone, &enact_upgrade(suite.records)).submit().await.is_err(), "enacting early fails");
    assert_eq!(dry!(client, &head, propose_upgrade(suite.records, Hash::from([9; 32]))), Err(Error::UpgradePending));
    assert_eq!(dry!(client, &anyone, upgrade_status(suite.records)).expect("ok").pending, Some(pending));

    // Meanwhile on the registry: the head cancels a proposal; it cannot be enacted.
    submit!(client, &head, propose_upgrade(suite.registry, Hash::from([3; 32])));
    assert_eq!(dry!(client, &anyone, cancel_upgrade(suite.registry)), Err(Error::NotHead));
    let res = submit!(client, &head, cancel_upgrade(suite.registry));
    assert!(emitted::<UpgradeCancelled, _>(&res, suite.registry, &[suite.registry]));
    assert_eq!(dry!(client, &anyone, enact_upgrade(suite.registry)), Err(Error::NoPendingUpgrade));
    // On permissions: code that was never uploaded cannot be enacted, even when due.
    submit!(client, &head, propose_upgrade(suite.permissions, Hash::from([4; 32])));

    // After the delay: anyone enacts.
    wait_until(&mut client, not_before).await;
    let res = submit!(client, &anyone, enact_upgrade(suite.records));
    assert!(emitted::<Upgraded, _>(&res, suite.records, &[suite.records]), "Upgraded announced");
    assert_eq!(res.return_value(), Ok(v2_hash));
    assert_eq!(dry!(client, &anyone, v2.code_version()), Ok(2), "records runs the new code");
    let lock = dry!(client, &anyone, upgrade_status(suite.records)).expect("ok");
    assert_eq!((lock.pending, lock.enacted, lock.delay_ms), (None, 1, TEST_UPGRADE_DELAY_MS));
    assert_eq!(dry!(client, &anyone, enact_upgrade(suite.records)), Err(Error::NoPendingUpgrade), "enacted once");
    let due = upgrade_due(&mut client, suite.permissions).await;
    wait_until(&mut client, due).await;
    assert_eq!(dry!(client, &anyone, enact_upgrade(suite.permissions)), Err(Error::UpgradeCodeNotFound));
    assert!(
        dry!(client, &anyone, upgrade_status(suite.permissions)).expect("ok").pending.is_some(),
        "the proposal stays"
    );
    submit!(client, &head, cancel_upgrade(suite.permissions));

    // The annex proposed on appointments is due, but is not an annex build:
    // refused (the call reverts), the proposal and the old annex stay.
    assert_eq!(dry!(client, &anyone, enact_annex(suite.appointments)), Err(Error::UpgradeCodeNotFound));
    assert!(client.call(&anyone, &enact_annex(suite.appointments)).submit().await.is_err(), "refused");
    let annex = dry!(client, &anyone, annex_of(suite.appointments)).expect("ok").expect("annex");
    assert_eq!((annex.code_hash, annex.lock.pending.map(|p| p.code_hash)), (appointments_annex, Some(own_code)));
    assert_eq!(dry!(client, &anyone, cancel_annex(suite.appointments)), Err(Error::NotHead));
    let res = submit!(client, &head, cancel_annex(suite.appointments));
    assert!(emitted::<AnnexCancelled, _>(&res, suite.appointments, &[suite.appointments]), "AnnexCancelled");
    // the annex build (here the same one again) is enacted after the delay
    submit!(client, &head, propose_annex(suite.appointments, appointments_annex));
    let due = dry!(client, &anyone, annex_of(suite.appointments)).expect("ok").expect("annex").lock.pending;
    wait_until(&mut client, due.expect("pending").not_before).await;
    let res = submit!(client, &anyone, enact_annex(suite.appointments));
    assert!(emitted::<AnnexReplaced, _>(&res, suite.appointments, &[suite.appointments]), "AnnexReplaced");
    assert_eq!(res.return_value(), Ok(appointments_annex));
    let annex = dry!(client, &anyone, annex_of(suite.appointments)).expect("ok").expect("annex");
    assert_eq!((annex.code_hash, annex.lock.pending, annex.lock.enacted), (appointments_annex, None, 1));

    // Every old item, read through the new code, is what it was (the call
    // builders only encode selectors: the chain runs the new code).
    let mut same = Vec::new();
    let records_after = dry!(client, &patient, suite.records().records(p, 0, 50)).expect("ok");
    same.push(("records", records_after == records_before));
    let meds_after = dry!(client, &patient, suite.records().medications(p, 0, 50)).expect("ok");
    same.push(("medications", meds_after == meds_before));
    let keys_after = (
        dry!(client, &patient, suite.records().key_of(p, Sealed::Record(0), p)).expect("ok"),
        dry!(client, &doctor, suite.records().key_of(p, Sealed::Record(0), d)).expect("ok"),
    );
    same.push(("wrapped keys", keys_after == keys_before));
    let holders_after = dry!(client, &patient, suite.records().key_holders(p, Sealed::Record(0))).expect("ok");
    same.push(("key holders", holders_after == holders_before));
    same.push(("record total", dry!(client, &patient, suite.records().total_records()).expect("ok") == total_before));
    let grants_after = dry!(client, &patient, suite.permissions().grants_of(p, 0, 50)).expect("ok");
    same.push(("grants", grants_after == grants_before));
    let profile_after = dry!(client, &patient, suite.registry().patient_profile(p)).expect("ok");
    same.push(("profile", profile_after == profile_before));
    let appointment_after = dry!(client, &patient, suite.appointments().appointment(0)).expect("ok");
    same.push(("appointment (through the replaced annex)", appointment_after == appointment_before));
    let changed: Vec<_> = same.iter().filter(|(_, ok)| !ok).map(|(what, _)| *what).collect();
    assert!(changed.is_empty(), "changed by the upgrade: {changed:?}");

    // The new code keeps the rules and continues the numbering: the granted
    // doctor writes record 1, a doctor without consent is denied and logged.
    let rec = suite.records().add_record(p, RecordKind::Note, "Follow-up".into(), "stable".into(), Some(0));
    assert!(matches!(submit!(client, &doctor, rec).return_value(), Ok(WriteOutcome::Accepted(1))));
    let rec = suite.records().add_record(p, RecordKind::Note, "x".into(), "y".into(), None);
    assert_eq!(submit!(client, &stranger_doctor, rec).return_value(), Ok(WriteOutcome::Denied(DenyReason::NoConsent)));
    let log_after = dry!(client, &patient, suite.permissions().access_log(p, 0, 50)).expect("ok");
    assert_eq!(&log_after[..log_before.len()], &log_before[..], "the access log kept every old entry");
    assert_eq!(log_after.len(), log_before.len() + 2, "both new writes logged");
    assert_eq!(dry!(client, &patient, suite.records().record_count(p)), Ok(2));
    println!(
        "upgrade: records enacted after the {TEST_UPGRADE_DELAY_MS} ms lock, refused before; old items read back unchanged: {} kinds ({})",
        same.len(),
        same.iter().map(|(what, _)| *what).collect::<Vec<_>>().join(", ")
    );
    Ok(())
}
