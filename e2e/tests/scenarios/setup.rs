//! The scenarios' setup: deploy and wire the suite on the node that
//! `#[ink_e2e::test]` started, build the cast, make funded accounts, wait for
//! the chain's time, read events, call trait messages.
#![allow(dead_code)]

use ink::primitives::{AccountId, Hash};
use ink_e2e::{ChainBackend, ContractsBackend, Keypair};
pub use smrms_appointments::appointments::{Appointments, AppointmentsRef};
pub use smrms_permissions::permissions::{Permissions, PermissionsRef};
pub use smrms_records::records::{Records, RecordsRef};
pub use smrms_registry::registry::{PatientProfile, ProviderDetails, Registry, RegistryRef};
#[allow(unused_imports)]
pub use smrms_shared::annex::{Annex, AnnexCancelled, AnnexProposed, AnnexReplaced};
#[allow(unused_imports)]
pub use smrms_shared::upgrade::{UpgradeCancelled, UpgradeLock, UpgradeProposed, Upgraded};
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

/// The upgrade time lock of the suites the tests deploy (production: 7 days).
pub const TEST_UPGRADE_DELAY_MS: u64 = 4_000;

/// Uploads the annex build `package` (a contract's less frequent messages;
/// `smrms_shared::annex`) and returns its code hash (the same code uploaded
/// again keeps its hash).
pub async fn upload_annex(client: &mut Client, head: &Keypair, package: &str) -> Hash {
    client.upload(package, head).submit().await.unwrap_or_else(|e| panic!("upload {package}: {e:?}")).code_hash
}

/// Deploys registry (its deployer `head` becomes the head), permissions,
/// records and appointments, each with its annex uploaded first, and wires
/// them (`set_siblings`); each contract's upgrade delay is
/// [`TEST_UPGRADE_DELAY_MS`].
pub async fn deploy_suite(client: &mut Client, head: &Keypair) -> Suite {
    let delay = TEST_UPGRADE_DELAY_MS;
    let registry_annex = upload_annex(client, head, "smrms-registry-annex").await;
    let permissions_annex = upload_annex(client, head, "smrms-permissions-annex").await;
    let records_annex = upload_annex(client, head, "smrms-records-annex").await;
    let appointments_annex = upload_annex(client, head, "smrms-appointments-annex").await;
    let registry = client
        .instantiate("smrms-registry", head, &mut RegistryRef::new(delay, registry_annex))
        .submit()
        .await
        .expect("instantiate registry")
        .account_id;
    let permissions = client
        .instantiate("smrms-permissions", head, &mut PermissionsRef::new(registry, delay, permissions_annex))
        .submit()
        .await
        .expect("instantiate permissions")
        .account_id;
    let records = client
        .instantiate("smrms-records", head, &mut RecordsRef::new(registry, permissions, delay, records_annex))
        .submit()
        .await
        .expect("instantiate records")
        .account_id;
    let appointments = client
        .instantiate(
            "smrms-appointments",
            head,
            &mut AppointmentsRef::new(registry, permissions, delay, appointments_annex),
        )
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

/// One account of the cast: its key pair and its address.
pub struct Member {
    pub key: Keypair,
    pub id: AccountId,
}

/// The cast most scenarios need, built once per test on the test's own node:
/// the head (//Alice, the deployer), the deployed and wired suite, a
/// registered patient, a verified doctor, a registered doctor the head has
/// not verified, a second verified doctor (registered in that order) and an
/// unregistered stranger; every member a fresh funded account.
pub struct Cast {
    pub head: Keypair,
    pub head_id: AccountId,
    pub suite: Suite,
    pub patient: Member,
    pub doctor: Member,
    pub pending_doctor: Member,
    pub other_doctor: Member,
    pub stranger: Member,
}

impl Cast {
    /// Deploys the suite and registers the cast; the patient is `patient_name`.
    pub async fn new(client: &mut Client, patient_name: &str) -> Cast {
        let head = ink_e2e::alice();
        let head_id = ink_e2e::account_id(ink_e2e::AccountKeyring::Alice);
        let suite = deploy_suite(client, &head).await;
        let mut members = Vec::new();
        for _ in 0..5 {
            let (key, id) = account(client).await;
            members.push(Member { key, id });
        }
        let [patient, doctor, pending_doctor, other_doctor, stranger]: [Member; 5] =
            members.try_into().unwrap_or_else(|_| unreachable!("five members"));
        register_patient(client, &suite, &patient.key, patient_name).await;
        register_doctor(client, &suite, &head, &doctor.key, true).await;
        register_doctor(client, &suite, &head, &pending_doctor.key, false).await;
        register_doctor(client, &suite, &head, &other_doctor.key, true).await;
        Cast { head, head_id, suite, patient, doctor, pending_doctor, other_doctor, stranger }
    }
}

/// The whole access log of `patient`, page by page.
pub async fn log_of(
    client: &mut Client,
    signer: &ink_e2e::Keypair,
    suite: &Suite,
    patient: AccountId,
) -> Vec<AccessLogEntry> {
    let per = suite.permissions();
    let mut all = Vec::new();
    loop {
        let page = dry!(client, signer, per.access_log(patient, all.len() as u32, MAX_PAGE)).expect("access_log");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
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

/// Waits until wall-clock `ms` has passed, then makes a block so that the
/// chain's time has passed it too (the dev node stamps blocks with wall time).
pub async fn wait_until(client: &mut Client, ms: u64) {
    while now_ms() <= ms {
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    new_block(client).await;
}

/// Arguments already SCALE-encoded, written as they are.
#[derive(Clone)]
pub struct TupleArgs(pub Vec<u8>);

impl scale::Encode for TupleArgs {
    fn size_hint(&self) -> usize {
        self.0.len()
    }
    fn encode_to<O: scale::Output + ?Sized>(&self, dest: &mut O) {
        dest.write(&self.0)
    }
}

/// The call type [`trait_call`] builds.
pub type TraitCall<R> = ink_e2e::CallBuilderFinal<
    ink::env::DefaultEnvironment,
    ink::env::call::utils::ArgumentList<
        ink::env::call::utils::Argument<TupleArgs>,
        ink::env::call::utils::EmptyArgumentList,
    >,
    R,
>;

/// A call of a trait message (`Trait::message`), which the generated call
/// builders do not offer: selector from the name, arguments as a tuple.
pub fn trait_call<R>(callee: AccountId, name: &str, args: impl scale::Encode) -> TraitCall<R> {
    let mut hash = [0u8; 32];
    ink::env::hash_bytes::<ink::env::hash::Blake2x256>(name.as_bytes(), &mut hash);
    let selector = [hash[0], hash[1], hash[2], hash[3]];
    ink::env::call::build_call::<ink::env::DefaultEnvironment>()
        .call(callee)
        .exec_input(
            ink::env::call::ExecutionInput::new(ink::env::call::Selector::new(selector))
                .push_arg(TupleArgs(scale::Encode::encode(&args))),
        )
        .returns::<R>()
}

/// `Upgradeable::propose_upgrade(code_hash)` of any of the four contracts.
pub fn propose_upgrade(contract: AccountId, code_hash: Hash) -> TraitCall<Result<u64>> {
    trait_call(contract, "Upgradeable::propose_upgrade", (code_hash,))
}

/// `Upgradeable::cancel_upgrade()`.
pub fn cancel_upgrade(contract: AccountId) -> TraitCall<Result<()>> {
    trait_call(contract, "Upgradeable::cancel_upgrade", ())
}

/// `Upgradeable::enact_upgrade()`.
pub fn enact_upgrade(contract: AccountId) -> TraitCall<Result<Hash>> {
    trait_call(contract, "Upgradeable::enact_upgrade", ())
}

/// `Upgradeable::upgrade_status()`.
pub fn upgrade_status(contract: AccountId) -> TraitCall<Result<UpgradeLock>> {
    trait_call(contract, "Upgradeable::upgrade_status", ())
}

/// `Annexed::propose_annex(code_hash)`.
pub fn propose_annex(contract: AccountId, code_hash: Hash) -> TraitCall<Result<u64>> {
    trait_call(contract, "Annexed::propose_annex", (code_hash,))
}

/// `Annexed::cancel_annex()`.
pub fn cancel_annex(contract: AccountId) -> TraitCall<Result<()>> {
    trait_call(contract, "Annexed::cancel_annex", ())
}

/// `Annexed::enact_annex()`.
pub fn enact_annex(contract: AccountId) -> TraitCall<Result<Hash>> {
    trait_call(contract, "Annexed::enact_annex", ())
}

/// `Annexed::annex()`.
pub fn annex_of(contract: AccountId) -> TraitCall<Result<Option<Annex>>> {
    trait_call(contract, "Annexed::annex", ())
}

/// Uploads the second build of the records contract (the `smrms-records-v2`
/// fixture: the same source plus `code_version`) and returns its code hash.
pub async fn upload_records_v2(client: &mut Client, signer: &Keypair) -> Hash {
    client.upload("smrms-records-v2", signer).submit().await.expect("upload records v2").code_hash
}

/// The stored `not_before` of `contract`'s pending upgrade (the value a
/// submitted `propose_upgrade` returns comes from ink_e2e's dry run, a block
/// earlier than the inclusion).
pub async fn upgrade_due(client: &mut Client, contract: AccountId) -> u64 {
    let lock = dry!(client, &ink_e2e::alice(), upgrade_status(contract)).expect("upgrade_status");
    lock.pending.expect("an upgrade is pending").not_before
}
