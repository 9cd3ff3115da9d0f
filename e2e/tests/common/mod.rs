//! Shared helpers of the SMRMS end-to-end tests: deploy and wire the suite on
//! the node that `#[ink_e2e::test]` started, make funded accounts, read
//! events.
#![allow(dead_code)]

use ink::primitives::AccountId;
use ink_e2e::{ChainBackend, ContractsBackend, Keypair};
pub use smrms_appointments::appointments::{Appointments, AppointmentsRef};
pub use smrms_permissions::permissions::{Permissions, PermissionsRef};
pub use smrms_records::records::{Records, RecordsRef};
pub use smrms_registry::registry::{PatientProfile, ProviderDetails, Registry, RegistryRef};
pub use smrms_shared::*;

/// The concrete client `#[ink_e2e::test]` hands to a test.
pub type Client = ink_e2e::Client<ink_e2e::PolkadotConfig, ink::env::DefaultEnvironment>;
/// Result type of the tests.
pub type E2EResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// 1 000 units of the dev chain's token (12 decimals).
pub const FUNDS: u128 = 1_000 * 1_000_000_000_000;

/// Submits `$msg` as `$signer`; panics with the message name if it reverts.
#[macro_export]
macro_rules! submit {
    ($client:expr, $signer:expr, $msg:expr) => {{
        let m = $msg;
        $client.call($signer, &m).submit().await.unwrap_or_else(|e| panic!("{} failed: {:?}", stringify!($msg), e))
    }};
    ($client:expr, $signer:expr, $msg:expr, value = $v:expr) => {{
        let m = $msg;
        $client
            .call($signer, &m)
            .value($v)
            .submit()
            .await
            .unwrap_or_else(|e| panic!("{} failed: {:?}", stringify!($msg), e))
    }};
}

/// Dry-runs `$msg` as `$signer` and returns what the message returned
/// (the `Result<_, Error>`), without changing the chain.
#[macro_export]
macro_rules! dry {
    ($client:expr, $signer:expr, $msg:expr) => {{
        let m = $msg;
        $client
            .call($signer, &m)
            .dry_run()
            .await
            .unwrap_or_else(|e| panic!("{} dry run failed: {:?}", stringify!($msg), e))
            .return_value()
    }};
    ($client:expr, $signer:expr, $msg:expr, value = $v:expr) => {{
        let m = $msg;
        $client
            .call($signer, &m)
            .value($v)
            .dry_run()
            .await
            .unwrap_or_else(|e| panic!("{} dry run failed: {:?}", stringify!($msg), e))
            .return_value()
    }};
}

/// The four contracts of one deployment.
#[derive(Clone, Copy, Debug)]
pub struct Suite {
    pub registry: AccountId,
    pub permissions: AccountId,
    pub records: AccountId,
    pub appointments: AccountId,
}

impl Suite {
    pub fn registry(&self) -> <Registry as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<Registry>(self.registry)
    }
    pub fn permissions(&self) -> <Permissions as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<Permissions>(self.permissions)
    }
    pub fn records(&self) -> <Records as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<Records>(self.records)
    }
    pub fn appointments(&self) -> <Appointments as ink::codegen::ContractCallBuilder>::Type {
        ink_e2e::create_call_builder::<Appointments>(self.appointments)
    }
}

/// Deploys registry (its deployer `head` becomes the head), permissions,
/// records and appointments, and wires them (`set_siblings`).
pub async fn deploy_suite(client: &mut Client, head: &Keypair) -> Suite {
    let registry = client
        .instantiate("smrms-registry", head, &mut RegistryRef::new())
        .submit()
        .await
        .expect("instantiate registry")
        .account_id;
    let permissions = client
        .instantiate("smrms-permissions", head, &mut PermissionsRef::new(registry))
        .submit()
        .await
        .expect("instantiate permissions")
        .account_id;
    let records = client
        .instantiate("smrms-records", head, &mut RecordsRef::new(registry, permissions))
        .submit()
        .await
        .expect("instantiate records")
        .account_id;
    let appointments = client
        .instantiate("smrms-appointments", head, &mut AppointmentsRef::new(registry, permissions))
        .submit()
        .await
        .expect("instantiate appointments")
        .account_id;
    let suite = Suite { registry, permissions, records, appointments };
    let wire = suite.registry().set_siblings(permissions, records, appointments);
    client.call(head, &wire).submit().await.expect("set_siblings");
    suite
}

/// A new funded account (avoids "Priority is too low" between tests).
pub async fn account(client: &mut Client) -> (Keypair, AccountId) {
    let kp = client.create_and_fund_account(&ink_e2e::alice(), FUNDS).await;
    let id = AccountId::from(kp.public_key().0);
    (kp, id)
}

/// A patient profile with the given name.
pub fn profile(name: &str) -> PatientProfile {
    PatientProfile {
        name: name.into(),
        date_of_birth: "1990-04-01".into(),
        gender: "F".into(),
        blood_group: "A+".into(),
        height_cm: 165,
        weight_kg: 60,
        national_id_hash: [1; 32],
        ..Default::default()
    }
}

/// Provider details of the given kind.
pub fn provider(name: &str, kind: ProviderKind) -> ProviderDetails {
    ProviderDetails {
        name: name.into(),
        phone: "+91 80 0000 0000".into(),
        gender: "M".into(),
        qualification: "MBBS, MD".into(),
        specialization: "General medicine".into(),
        licence_hash: [2; 32],
        kind,
    }
}

/// Registers a patient with `signer`.
pub async fn register_patient(client: &mut Client, suite: &Suite, signer: &Keypair, name: &str) {
    submit!(client, signer, suite.registry().register_patient(profile(name)));
}

/// Registers a doctor with `signer` and, if `verify`, has the head verify it.
pub async fn register_doctor(client: &mut Client, suite: &Suite, head: &Keypair, signer: &Keypair, verify: bool) {
    submit!(client, signer, suite.registry().register_provider(provider("Dr. Rao", ProviderKind::Doctor)));
    if verify {
        let id = AccountId::from(signer.public_key().0);
        submit!(client, head, suite.registry().verify_provider(id));
    }
}

/// Signature topic of an ink! event type.
pub fn signature<E: ink::env::Event>() -> ink_e2e::H256 {
    ink_e2e::H256(E::SIGNATURE_TOPIC.expect("event has a signature topic"))
}

/// The topic an account takes in an event.
pub fn topic(account: AccountId) -> ink_e2e::H256 {
    let bytes: &[u8; 32] = account.as_ref();
    ink_e2e::H256(*bytes)
}

/// Whether `res` emitted event `E` from `contract`, with every topic in `topics`.
pub fn emitted<E: ink::env::Event, V>(
    res: &ink_e2e::CallResult<
        ink::env::DefaultEnvironment,
        V,
        ink_e2e::subxt::blocks::ExtrinsicEvents<ink_e2e::PolkadotConfig>,
    >,
    contract: AccountId,
    topics: &[AccountId],
) -> bool {
    let sig = signature::<E>();
    res.contract_emitted_events().expect("decode events").iter().any(|e| {
        e.event.contract == contract
            && e.topics.first() == Some(&sig)
            && topics.iter().all(|t| e.topics.contains(&topic(*t)))
    })
}

/// Names of the contract events in `res`, for "nothing else was emitted" checks:
/// returns the count of `ContractEmitted` events.
pub fn event_count<V>(
    res: &ink_e2e::CallResult<
        ink::env::DefaultEnvironment,
        V,
        ink_e2e::subxt::blocks::ExtrinsicEvents<ink_e2e::PolkadotConfig>,
    >,
) -> usize {
    res.contract_emitted_events().expect("decode events").len()
}

/// Wall-clock Unix milliseconds (the dev node stamps blocks with it).
pub fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock after 1970").as_millis() as u64
}

/// Makes the node produce a block (block time moves only with blocks).
pub async fn new_block(client: &mut Client) {
    let _ = client.create_and_fund_account(&ink_e2e::alice(), 1_000_000_000_000).await;
}
