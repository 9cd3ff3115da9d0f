//! The head administers the suite: she is not a provider, she alone verifies
//! providers, a patient's profile is refused to a doctor without the
//! demographics scope and returned with it, and the head role is handed over
//! in two steps, never to a provider.
use crate::setup::*;
use ink_e2e::ContractsBackend;
use smrms_registry::registry::ProfileRead;

#[ink_e2e::test]
async fn head_verifies_providers_and_hands_over<Client: E2EBackend>(mut client: Client) -> E2EResult<()> {
    let Cast {
        head,
        head_id,
        suite,
        patient: Member { key: patient, id: patient_id },
        doctor: Member { key: doctor, id: doctor_id },
        pending_doctor: Member { id: pending_id, .. },
        stranger: Member { key: stranger, id: stranger_id },
        ..
    } = Cast::new(&mut client, "Asha").await;

    // The head administers: she may not register as a provider.
    let as_provider = suite.registry().register_provider(provider("Head", ProviderKind::Doctor));
    assert_eq!(dry!(client, &head, as_provider), Err(Error::HeadCannotBeProvider));

    // The head, and only the head, verifies providers.
    assert_eq!(dry!(client, &stranger, suite.registry().verify_provider(pending_id)), Err(Error::NotHead));
    assert_eq!(
        dry!(client, &patient, suite.registry().register_patient(profile("Asha"))),
        Err(Error::AlreadyRegistered)
    );

    // Profile: refused to an unpermitted doctor, returned to a permitted one.
    assert_eq!(dry!(client, &doctor, suite.registry().patient_profile(patient_id)), Err(Error::NotAllowed));
    let res = submit!(client, &doctor, suite.registry().read_patient_profile(patient_id));
    assert_eq!(res.return_value(), Ok(ProfileRead::Denied(DenyReason::NoConsent)));
    let demographics = Scopes { demographics: true, ..Default::default() };
    submit!(client, &patient, suite.permissions().grant(doctor_id, demographics, None));
    assert_eq!(dry!(client, &doctor, suite.registry().patient_profile(patient_id)).unwrap().profile.name, b"Asha");
    assert!(matches!(
        dry!(client, &doctor, suite.registry().read_patient_profile(patient_id)),
        Ok(ProfileRead::Granted(_))
    ));

    // Two-step head hand-over. A provider (here a pending one) cannot become
    // the head: she could verify herself.
    assert_eq!(dry!(client, &head, suite.registry().propose_head(pending_id)), Err(Error::HeadCannotBeProvider));
    assert_eq!(dry!(client, &head, suite.registry().propose_head(head_id)), Ok(()));
    submit!(client, &head, suite.registry().propose_head(stranger_id));
    assert_eq!(dry!(client, &doctor, suite.registry().accept_head()), Err(Error::NotProposedHead));
    submit!(client, &stranger, suite.registry().accept_head());
    assert_eq!(dry!(client, &head, suite.registry().verify_provider(pending_id)), Err(Error::NotHead));
    submit!(client, &stranger, suite.registry().verify_provider(pending_id));
    let c = dry!(client, &patient, suite.registry().counts()).unwrap();
    assert_eq!((c.patients, c.providers, c.verified, c.pending), (1, 3, 3, 0));
    Ok(())
}
