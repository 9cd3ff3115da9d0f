//! The paper's journeys, with client-side encryption.
//!
//! | journey | who | what the client does |
//! |---|---|---|
//! | register | patient | seals every text field of the profile under a fresh profile data key, `registry.register_patient`, `registry.publish_encryption_key`, wraps the profile key for herself (`records.share_key`) |
//! | register | provider | `registry.register_provider` (a provider's details are public), publishes her key |
//! | verify | head | `registry.verify_provider` |
//! | grant | patient | `permissions.grant`, then re-wraps the existing data keys for the grantee: the profile key (Demographics) and every record key (RecordsRead), unwrapping her own copies from the chain |
//! | revoke | patient | `permissions.revoke`: later records are not wrapped for the grantee (the contract refuses to store such a key); her wrapped keys are removed (`records.revoke_keys`) except those another basis still covers ([`crate::care::key_basis`]) |
//! | add a record | doctor | seals title and body under a fresh data key (on-chain title `sealed`), `records.add_record`, wraps the key for the patient, herself and every current RecordsRead grantee |
//! | read | anyone | fetches the envelope and her wrapped key; opens it, or reports ciphertext only |
//! | appointments | doctor, patient | `appointments.set_appointment` / `update_appointment` with reason, diagnosis and prescription sealed for the two participants (both wrapped keys inside the text); the list opens them for either participant; `complete` |
//! | access log | patient | `permissions.access_log` |
//! | medications | patient, doctor | `records.add_medication` with name, dose, frequency and notes sealed under a fresh key wrapped like a record's; the list opens them where a key is wrapped for the reader; `stop_medication` |
//! | shred | patient | `records.shred_keys`: every wrapped key of the profile, a record or a medication is deleted |
//! | guardians | patient, guardian, head | `permissions.appoint_guardian` (with the read power, the patient's existing keys are wrapped for the guardian like a grantee's), `remove_guardian` (the guardian's keys removed too, except those another basis still covers), `grant_for` / `revoke_for` by a guardian with the consent power (logged as "by guardian G for patient P"), `appointments.request_appointment_for` and the patient's appointment acts by id by a guardian with the booking power (she pays the fee; no key comes with it), the head's `declare_incapacity` and `appoint_guardian_for`; new data keys are wrapped for guardians with the read power |
//! | emergency card | patient, head, custodian, doctor | the head's `records.designate_custodian` (account and encryption key); the patient's `records.set_card`: the card sealed under a fresh key wrapped for her, the custodian and her read guardians; `records.card` + `key_of(patient, Card, me)` to open it; the custodian's release (`share_key` of the card key to an emergency doctor) |
//! | emergency key service | custodian | `service`: follows finalized blocks, checks each `EmergencyAccessOpened` on chain, releases the card key or logs why not; resumes from its state file, reconnects |
//! | FHIR export | anyone | opens what it can (profile, records, medications, appointment texts), lists grants (with the ended ones found in the permissions contract's events), appointments, providers and the access log, as [`crate::fhir::Export`] for [`crate::fhir::bundle`] |
//!
//! One file per domain, all of them methods of [`Client`] (defined here with
//! the transaction and query helpers): `profile` (registration, profiles,
//! providers), `records` (sealed records and medications), `grants` (keys,
//! consent, revocation, the access log), `appointments` (sealed appointment
//! texts, fees), `emergency` (break-glass access), `guardians` (acting for
//! a patient), `card` (the emergency card and its custodian), `service`
//! (the emergency key service's loop) and `export` (the FHIR export's
//! glue). Their public items are re-exported here.

use crate::{
    chain::{self, as_u128, Chain, Contract},
    crypto::{EncryptionKeys, Sealed},
};
use anyhow::{anyhow, bail, Result};
use contract_transcode::Value;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

mod appointments;
mod card;
mod emergency;
mod export;
mod grants;
mod guardians;
mod profile;
mod records;
pub mod service;
mod upgrades;

pub use crate::care::GuardianPowers;
pub use appointments::{check_fee, AppointmentAction};
pub use card::{CardView, StoredCard};
pub use grants::{parse_scopes, GrantView, KeyRemoval, Scopes, KEY_BATCH};
pub use guardians::GuardianView;
pub use profile::{Profile, ProviderInput, PROFILE_FIELDS};
pub use records::{MedicationInput, Opened, RecordView, MEDICATION_FIELDS};
pub use upgrades::{span, UpgradeLock};

/// A client acting for one account.
pub struct Client<'a> {
    /// The connection.
    pub chain: &'a Chain,
    /// The signing key.
    pub signer: Keypair,
    /// The account.
    pub me: AccountId32,
    /// The encryption key pair.
    pub keys: EncryptionKeys,
    /// Progress messages (stderr).
    pub log: bool,
}

/// The `id` field of the contract event `name` among `events` (the events
/// of one included transaction).
fn id_from_event(events: &[Value], name: &str) -> Result<u32> {
    for e in events {
        if let Value::Map(m) = e {
            if m.ident().as_deref() == Some(name) {
                let id = m.get_by_str("id").ok_or_else(|| anyhow!("{name} without an id"))?;
                return Ok(u32::try_from(as_u128(id)?)?);
            }
        }
    }
    bail!("the transaction emitted no {name} event")
}

fn sealed_arg(o: Sealed) -> String {
    match o {
        Sealed::Profile => "Profile".into(),
        Sealed::Record(id) => format!("Record({id})"),
        Sealed::Medication(id) => format!("Medication({id})"),
        Sealed::Card => "Card".into(),
    }
}

impl<'a> Client<'a> {
    /// A client for `signer`, with encryption key pair `keys`.
    pub fn new(chain: &'a Chain, signer: Keypair, keys: EncryptionKeys) -> Self {
        let me = chain::account_of(&signer);
        Self { chain, signer, me, keys, log: true }
    }

    fn note(&self, s: impl AsRef<str>) {
        if self.log {
            eprintln!("  {}", s.as_ref());
        }
    }

    async fn send(&self, c: Contract, m: &str, args: &[String]) -> Result<Value> {
        self.send_paying(c, m, args, 0).await
    }

    /// A transaction that transfers `value` to a payable message.
    async fn send_paying(&self, c: Contract, m: &str, args: &[String], value: u128) -> Result<Value> {
        Ok(self.send_with_events(c, m, args, value).await?.0)
    }

    /// A transaction; returns the dry run's answer and the contract events
    /// of the included transaction (what really happened).
    async fn send_with_events(
        &self,
        c: Contract,
        m: &str,
        args: &[String],
        value: u128,
    ) -> Result<(Value, Vec<Value>)> {
        let (v, events) = self.chain.send(&self.signer, c, m, args, value).await?;
        if self.chain.verbose {
            for e in &events {
                eprintln!("    event {e}");
            }
        }
        Ok((v, events))
    }

    async fn query(&self, c: Contract, m: &str, args: &[String]) -> Result<Value> {
        self.chain.query(&self.me, c, m, args).await
    }
}
