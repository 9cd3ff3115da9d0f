//! The paper's journeys, with client-side encryption.
//!
//! | journey | who | what the client does |
//! |---|---|---|
//! | register | patient | seals every text field of the profile under a fresh profile data key, `registry.register_patient`, `registry.publish_encryption_key`, wraps the profile key for herself (`records.share_key`) |
//! | register | provider | `registry.register_provider` (a provider's details are public), publishes her key |
//! | verify | head | `registry.verify_provider` |
//! | grant | patient | `permissions.grant`, then re-wraps the existing data keys for the grantee: the profile key (Demographics) and every record key (RecordsRead), unwrapping her own copies from the chain |
//! | revoke | patient | `permissions.revoke`: later records are not wrapped for the grantee (the contract refuses to store such a key) |
//! | add a record | doctor | seals title and body under a fresh data key (on-chain title `sealed`), `records.add_record`, wraps the key for the patient, herself and every current RecordsRead grantee |
//! | read | anyone | fetches the envelope and her wrapped key; opens it, or reports ciphertext only |
//! | appointments | doctor, patient | `appointments.set_appointment` / `update_appointment` with reason, diagnosis and prescription sealed for the two participants (both wrapped keys inside the text); the list opens them for either participant; `complete` |
//! | access log | patient | `permissions.access_log` |
//! | medications | patient, doctor | `records.add_medication` with name, dose, frequency and notes sealed under a fresh key wrapped like a record's; the list opens them where a key is wrapped for the reader; `stop_medication` |
//! | shred | patient | `records.shred_keys`: every wrapped key of the profile, a record or a medication is deleted |
//! | FHIR export | anyone | opens what it can (profile, records, medications, appointment texts), lists grants (with the ended ones found in the permissions contract's events), appointments, providers and the access log, as [`fhir::Export`] for [`fhir::bundle`] |

use crate::fhir;
use crate::{
    chain::{
        self, arg, as_account, as_bytes, as_option, as_seq, as_str, as_tuple, as_u128, field, refusal, variant, Chain,
        Contract,
    },
    crypto::{
        is_sealed_note, open_field, open_note, open_record, seal_field, seal_note, seal_record, unwrap_key, wrap_info,
        wrap_key, CryptoError, DataKey, EncryptionKeys, OpenedRecord, Sealed, MAX_NOTE_PLAINTEXT, SEALED_TITLE,
    },
};
use anyhow::{anyhow, bail, Context, Result};
use contract_transcode::Value;
use subxt::utils::AccountId32;
use subxt_signer::sr25519::Keypair;

/// Profile text fields: (name in the ABI, field index for the nonce, bound).
pub const PROFILE_FIELDS: [(&str, u8, usize); 9] = [
    ("name", 0, smrms_shared::MAX_NAME_LEN),
    ("date_of_birth", 1, smrms_shared::MAX_SHORT_LEN),
    ("gender", 2, smrms_shared::MAX_SHORT_LEN),
    ("home_address", 3, smrms_shared::MAX_TEXT_LEN),
    ("phone", 4, smrms_shared::MAX_SHORT_LEN),
    ("blood_group", 5, smrms_shared::MAX_SHORT_LEN),
    ("allergies", 6, smrms_shared::MAX_TEXT_LEN),
    ("emergency_contact_name", 7, smrms_shared::MAX_NAME_LEN),
    ("emergency_contact_phone", 8, smrms_shared::MAX_SHORT_LEN),
];

/// Medication text fields: (name in the ABI, field index for the nonce, bound).
pub const MEDICATION_FIELDS: [(&str, u8, usize); 4] = [
    ("name", 0, smrms_shared::MAX_NAME_LEN),
    ("dose", 1, smrms_shared::MAX_SHORT_LEN),
    ("frequency", 2, smrms_shared::MAX_SHORT_LEN),
    ("notes", 3, smrms_shared::MAX_TEXT_LEN),
];

/// A medication entry as the patient or doctor types it.
#[derive(Debug, Clone, Default)]
pub struct MedicationInput {
    /// Drug name (required).
    pub name: String,
    /// Dose.
    pub dose: String,
    /// Frequency.
    pub frequency: String,
    /// Notes.
    pub notes: String,
    /// Start, Unix milliseconds.
    pub start_ms: u64,
    /// Planned end, Unix milliseconds.
    pub end_ms: Option<u64>,
    /// The prescribing doctor.
    pub prescribed_by: Option<AccountId32>,
}

/// A patient's profile as she types it.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The text fields, in [`PROFILE_FIELDS`] order.
    pub fields: [String; 9],
    /// HMAC of the national id number, computed with the head office's key.
    pub national_id_hash: [u8; 32],
}

/// A provider's (public) details.
#[derive(Debug, Clone)]
pub struct ProviderInput {
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Gender.
    pub gender: String,
    /// Qualification.
    pub qualification: String,
    /// Specialization.
    pub specialization: String,
    /// Hash of the licence number.
    pub licence_hash: [u8; 32],
    /// `Doctor`, `Nurse`, `Lab` or `Pharmacist`.
    pub kind: String,
}

/// The scopes of a grant: the contracts' own type.
pub use smrms_shared::Scopes;

/// Parses `all` or a comma list of `demographics,records-read,records-write,appointments`.
pub fn parse_scopes(s: &str) -> Result<Scopes> {
    let mut out = Scopes::default();
    for p in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match p.replace('_', "-").as_str() {
            "all" => out = Scopes::ALL,
            "demographics" | "profile" => out.demographics = true,
            "records-read" | "read" => out.records_read = true,
            "records-write" | "write" => out.records_write = true,
            "appointments" => out.appointments = true,
            other => bail!("unknown scope {other} (demographics, records-read, records-write, appointments, all)"),
        }
    }
    Ok(out)
}

/// `Scopes` as a contract argument.
fn scopes_arg(s: &Scopes) -> String {
    format!(
        "{{ demographics: {}, records_read: {}, records_write: {}, appointments: {} }}",
        s.demographics, s.records_read, s.records_write, s.appointments
    )
}

/// `Scopes` from a decoded answer.
fn scopes_from_value(v: &Value) -> Result<Scopes> {
    let b = |n: &str| -> Result<bool> {
        match field(v, n)? {
            Value::Bool(b) => Ok(*b),
            other => bail!("{n} is not a bool: {other}"),
        }
    };
    Ok(Scopes {
        demographics: b("demographics")?,
        records_read: b("records_read")?,
        records_write: b("records_write")?,
        appointments: b("appointments")?,
    })
}

/// What a participant does to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentAction {
    /// Doctor: accept a request.
    Accept,
    /// Doctor: decline a request (the fee goes back to the patient).
    Decline,
    /// Patient: confirm a proposed appointment, paying its fee.
    Confirm,
    /// Either: cancel (the patient only before the start).
    Cancel,
    /// Either: mark it completed (after the start).
    Complete,
    /// Doctor: the patient did not come.
    NoShow,
}

impl AppointmentAction {
    /// The appointments contract's message.
    pub fn message(self) -> &'static str {
        match self {
            AppointmentAction::Accept => "accept",
            AppointmentAction::Decline => "decline",
            AppointmentAction::Confirm => "confirm",
            AppointmentAction::Cancel => "cancel",
            AppointmentAction::Complete => "complete",
            AppointmentAction::NoShow => "mark_no_show",
        }
    }
}

/// What a reader got.
#[derive(Debug, Clone)]
pub enum Opened {
    /// Decrypted (and checked against the envelope's commitment).
    Plain(OpenedRecord),
    /// Only the ciphertext, and why.
    CiphertextOnly(String),
}

/// A record as a reader sees it.
#[derive(Debug, Clone)]
pub struct RecordView {
    /// Record id.
    pub id: u32,
    /// Kind (public).
    pub kind: String,
    /// Author (public).
    pub author: AccountId32,
    /// The on-chain title (`sealed` for sealed records).
    pub chain_title: String,
    /// The on-chain body (the envelope).
    pub body: String,
    /// The content hash matches the envelope.
    pub hash_ok: bool,
    /// The content hash stored on chain.
    pub content_hash: [u8; 32],
    /// When it was stored (Unix milliseconds).
    pub created_at: u64,
    /// The block it was stored in.
    pub block: u32,
    /// The record this one corrects.
    pub supersedes: Option<u32>,
    /// The record that corrects this one.
    pub superseded_by: Option<u32>,
    /// Written under an emergency access.
    pub emergency: bool,
    /// Set when the contract refused this reader and the ciphertext was
    /// fetched without its permission (as anyone can).
    pub refused: Option<String>,
    /// The outcome.
    pub opened: Opened,
}

/// A grant as listed.
#[derive(Debug, Clone)]
pub struct GrantView {
    /// The grantee.
    pub grantee: AccountId32,
    /// Scopes.
    pub scopes: Scopes,
    /// When it was granted (Unix milliseconds).
    pub granted_at: u64,
    /// Expiry.
    pub expires_at: Option<u64>,
}

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

/// Refuses to pay `fee` unless the user agreed to at least that much.
pub fn check_fee(fee: u128, max_fee: Option<u128>) -> Result<()> {
    match max_fee {
        _ if fee == 0 => Ok(()),
        Some(max) if fee <= max => Ok(()),
        Some(max) => bail!("the fee is {fee}, more than your --max-fee {max}: nothing sent"),
        None => bail!("the fee is {fee}: pass --max-fee {fee} (or more) to agree to pay it; nothing sent"),
    }
}

/// Most keys the records contract takes in one `share_keys` / `revoke_keys`.
pub const KEY_BATCH: usize = 32;

fn sealed_arg(o: Sealed) -> String {
    match o {
        Sealed::Profile => "Profile".into(),
        Sealed::Record(id) => format!("Record({id})"),
        Sealed::Medication(id) => format!("Medication({id})"),
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

    // ------------------------------------------------------------------
    // keys
    // ------------------------------------------------------------------

    /// The encryption public key `who` published, if any.
    pub async fn encryption_key_of(&self, who: &AccountId32) -> Result<Option<[u8; 32]>> {
        let v = self.query(Contract::Registry, "encryption_key", &[arg::account(who)]).await?;
        match as_option(&v)? {
            None => Ok(None),
            Some(k) => Ok(Some(as_bytes(&k)?.try_into().map_err(|_| anyhow!("published key is not 32 bytes"))?)),
        }
    }

    /// Publishes this account's encryption public key (if not already).
    pub async fn publish_key(&self) -> Result<bool> {
        let mine = self.keys.public_bytes();
        if self.encryption_key_of(&self.me).await? == Some(mine) {
            return Ok(false);
        }
        self.send(Contract::Registry, "publish_encryption_key", &[arg::bytes(&mine)]).await?;
        self.note(format!("published encryption key 0x{}", hex::encode(mine)));
        Ok(true)
    }

    /// Wraps `key` for `recipient` (with her published key) and stores it.
    /// `Ok(false)` if she has published no key.
    pub async fn share(
        &self,
        patient: &AccountId32,
        object: Sealed,
        recipient: &AccountId32,
        key: &DataKey,
    ) -> Result<bool> {
        let Some(pk) = self.encryption_key_of(recipient).await? else {
            self.note(format!("{recipient} has published no encryption key: {object:?} not shared with her"));
            return Ok(false);
        };
        self.share_with(patient, object, recipient, &pk, key).await?;
        Ok(true)
    }

    /// Wraps `key` for `recipient` with her public key `pk` (already
    /// fetched) and stores it.
    async fn share_with(
        &self,
        patient: &AccountId32,
        object: Sealed,
        recipient: &AccountId32,
        pk: &[u8; 32],
        key: &DataKey,
    ) -> Result<()> {
        let wrapped =
            wrap_key(pk, key, &wrap_info(&patient.0, object, &recipient.0)).map_err(|e| anyhow!("wrap: {e:?}"))?;
        self.send(
            Contract::Records,
            "share_key",
            &[arg::account(patient), sealed_arg(object), arg::account(recipient), arg::bytes(&wrapped)],
        )
        .await?;
        self.note(format!("wrapped the {object:?} key for {recipient}"));
        Ok(())
    }

    /// This account's wrapped key of `object`, unwrapped. `Ok(None)` when
    /// none is stored for it; an error when one is stored but does not open.
    pub async fn my_key(&self, patient: &AccountId32, object: Sealed) -> Result<Option<DataKey>> {
        let v = self
            .query(Contract::Records, "key_of", &[arg::account(patient), sealed_arg(object), arg::account(&self.me)])
            .await?;
        let Some(w) = as_option(&v)? else { return Ok(None) };
        let wrapped = as_bytes(&w)?;
        unwrap_key(&self.keys, &wrapped, &wrap_info(&patient.0, object, &self.me.0))
            .map(Some)
            .map_err(|e| anyhow!("the wrapped key stored for me does not open with my encryption key: {e:?}"))
    }

    /// Who holds a wrapped key of `object`.
    pub async fn key_holders(&self, patient: &AccountId32, object: Sealed) -> Result<Vec<AccountId32>> {
        let v = self.query(Contract::Records, "key_holders", &[arg::account(patient), sealed_arg(object)]).await?;
        as_seq(&v)?.iter().map(as_account).collect()
    }

    // ------------------------------------------------------------------
    // registration
    // ------------------------------------------------------------------

    /// Seals a profile under a fresh data key: the key and the
    /// `PatientProfile` argument.
    fn seal_profile(fields: &[String; 9], national_id_hash: &[u8; 32]) -> Result<(DataKey, String)> {
        let k = DataKey::generate();
        let mut parts = Vec::new();
        for ((name, index, max), text) in PROFILE_FIELDS.iter().zip(fields) {
            let sealed = seal_field(&k, *index, text, *max).map_err(|e| anyhow!("{name}: {e:?} (shorten it)"))?;
            parts.push(format!("{name}: {}", arg::string(&sealed)));
            if *name == "allergies" {
                // numbers cannot be sealed in place: not stored
                parts.push("height_cm: 0, weight_kg: 0".into());
            }
        }
        parts.push(format!("national_id_hash: {}", arg::bytes(national_id_hash)));
        Ok((k, format!("{{ {} }}", parts.join(", "))))
    }

    /// Registers this account as a patient with a sealed profile; publishes
    /// the encryption key and wraps the profile key for herself.
    pub async fn register_patient(&self, p: &Profile) -> Result<()> {
        let (k, profile) = Self::seal_profile(&p.fields, &p.national_id_hash)?;
        self.send(Contract::Registry, "register_patient", &[profile]).await?;
        self.note("registered as a patient; every profile text field sealed");
        self.publish_key().await?;
        self.share(&self.me.clone(), Sealed::Profile, &self.me.clone(), &k).await?;
        Ok(())
    }

    /// Edits this patient's profile: `changes` (in [`PROFILE_FIELDS`]
    /// order; `None` keeps the field) over the current fields opened with
    /// her key, sealed as a new version under a fresh data key, wrapped for
    /// herself and every current Demographics grantee only (a revoked
    /// grantee's old key does not open the new version). Returns how many
    /// grantees got the new key.
    pub async fn edit_profile(&self, changes: [Option<String>; 9]) -> Result<u32> {
        let me = self.me.clone();
        let (current, _) = self.profile(&me).await?;
        let mut fields: [String; 9] = Default::default();
        for (i, ((name, v), change)) in current.into_iter().zip(changes).enumerate() {
            fields[i] = match (change, v) {
                (Some(new), _) => new,
                (None, Ok(old)) => old,
                (None, Err(stored)) if stored.is_empty() => String::new(),
                (None, Err(_)) => bail!("{name}: the current value does not open with my key; give it again"),
            };
        }
        let v = self.query(Contract::Registry, "patient_profile", &[arg::account(&me)]).await?;
        let nid: [u8; 32] = as_bytes(field(field(&v, "profile")?, "national_id_hash")?)?
            .try_into()
            .map_err(|_| anyhow!("national_id_hash is not 32 bytes"))?;
        let (k, profile) = Self::seal_profile(&fields, &nid)?;
        self.send(Contract::Registry, "edit_patient", &[profile]).await?;
        self.note("profile edited: a new version under a fresh data key");
        self.share(&me, Sealed::Profile, &me, &k).await?;
        let mut n = 0;
        for g in self.grants(&me).await? {
            if g.scopes.demographics {
                match self.share(&me, Sealed::Profile, &g.grantee, &k).await {
                    Ok(shared) => n += u32::from(shared),
                    Err(e) if refusal(&e) == Some("RecipientNotAllowed") => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(n)
    }

    /// The patients who granted this account something.
    pub async fn patients(&self) -> Result<Vec<(AccountId32, Scopes)>> {
        let v = self
            .query(Contract::Permissions, "patients_of", &[arg::account(&self.me), arg::num(0), arg::num(50)])
            .await?;
        as_seq(&v)?
            .iter()
            .map(|item| {
                let t = as_tuple(item)?;
                Ok((as_account(&t[0])?, scopes_from_value(field(&t[1], "scopes")?)?))
            })
            .collect()
    }

    /// Registers this account as a provider (public details); publishes the
    /// encryption key.
    pub async fn register_provider(&self, d: &ProviderInput) -> Result<()> {
        let details = format!(
            "{{ name: {}, phone: {}, gender: {}, qualification: {}, specialization: {}, licence_hash: {}, kind: {} }}",
            arg::string(&d.name),
            arg::string(&d.phone),
            arg::string(&d.gender),
            arg::string(&d.qualification),
            arg::string(&d.specialization),
            arg::bytes(&d.licence_hash),
            d.kind
        );
        self.send(Contract::Registry, "register_provider", &[details]).await?;
        self.note("registered as a provider (pending the head's verification)");
        self.publish_key().await?;
        Ok(())
    }

    /// The head verifies a provider.
    pub async fn verify_provider(&self, provider: &AccountId32) -> Result<()> {
        self.send(Contract::Registry, "verify_provider", &[arg::account(provider)]).await?;
        Ok(())
    }

    /// A patient's profile, each sealed field opened if this account holds
    /// the profile key: (field, Ok(plaintext) or Err(the stored text)).
    pub async fn profile(
        &self,
        patient: &AccountId32,
    ) -> Result<(Vec<(&'static str, std::result::Result<String, String>)>, Option<String>)> {
        let (v, refused) = match self.query(Contract::Registry, "patient_profile", &[arg::account(patient)]).await {
            Ok(v) => (v, None),
            Err(e) if refusal(&e) == Some("NotAllowed") => {
                // the contract's check is advisory: storage is public
                let v =
                    self.chain.query(patient, Contract::Registry, "patient_profile", &[arg::account(patient)]).await?;
                (v, Some("registry.patient_profile refused me (NotAllowed); fetched the stored profile anyway, as anyone can".to_string()))
            }
            Err(e) => return Err(e),
        };
        let profile = field(&v, "profile")?;
        let key = match self.my_key(patient, Sealed::Profile).await {
            Ok(k) => k,
            Err(e) => {
                self.note(format!("{e}"));
                None
            }
        };
        let mut out = Vec::new();
        for (name, index, _) in PROFILE_FIELDS {
            let stored = as_str(field(profile, name)?)?.to_string();
            let opened = match &key {
                Some(k) => open_field(k, index, &stored).map_err(|_| stored.clone()),
                None => Err(stored.clone()),
            };
            out.push((name, opened));
        }
        Ok((out, refused))
    }

    // ------------------------------------------------------------------
    // consent
    // ------------------------------------------------------------------

    /// The patient's current grants.
    pub async fn grants(&self, patient: &AccountId32) -> Result<Vec<GrantView>> {
        let mut out = Vec::new();
        let mut start = 0u32;
        loop {
            let v = self
                .query(Contract::Permissions, "grants_of", &[arg::account(patient), arg::num(start), arg::num(50)])
                .await?;
            let page = as_seq(&v)?;
            for item in &page {
                let t = as_tuple(item)?;
                let (g, grant) =
                    (t.first().ok_or_else(|| anyhow!("bad grant"))?, t.get(1).ok_or_else(|| anyhow!("bad grant"))?);
                let expires_at = as_option(field(grant, "expires_at")?)?
                    .map(|v| as_u128(&v).and_then(|n| Ok(u64::try_from(n)?)))
                    .transpose()?;
                out.push(GrantView {
                    grantee: as_account(g)?,
                    scopes: scopes_from_value(field(grant, "scopes")?)?,
                    granted_at: u64::try_from(as_u128(field(grant, "granted_at")?)?)?,
                    expires_at,
                });
            }
            if page.len() < 50 {
                break;
            }
            start += 50;
        }
        Ok(out)
    }

    /// Grants `scopes` to `grantee`, then re-wraps the existing data keys
    /// for her: the profile key if Demographics, every record and
    /// medication key if RecordsRead. Returns how many keys were wrapped.
    pub async fn grant(&self, grantee: &AccountId32, scopes: Scopes, expires_at: Option<u64>) -> Result<u32> {
        self.send(
            Contract::Permissions,
            "grant",
            &[arg::account(grantee), scopes_arg(&scopes), arg::option(expires_at.map(arg::num))],
        )
        .await?;
        self.note(format!("granted {scopes:?} to {grantee}"));
        let me = self.me.clone();
        let Some(pk) = self.encryption_key_of(grantee).await? else {
            self.note(format!(
                "{grantee} has published no encryption key yet: nothing re-wrapped (grant again once she has)"
            ));
            return Ok(0);
        };
        let mut items = Vec::new();
        if scopes.demographics {
            items.push(Sealed::Profile);
        }
        if scopes.records_read {
            items.extend((0..self.record_count(&me).await?).map(Sealed::Record));
            for (id, _) in self.medication_entries(&me).await? {
                items.push(Sealed::Medication(id));
            }
        }
        // Unwrap my copy of each key and wrap it for the grantee; an item I
        // cannot open is skipped and reported, never the end of the grant.
        let mut batch = Vec::new();
        for object in items {
            match self.my_key(&me, object).await {
                Ok(Some(k)) => {
                    let info = wrap_info(&me.0, object, &grantee.0);
                    let wrapped = wrap_key(&pk, &k, &info).map_err(|e| anyhow!("wrap: {e:?}"))?;
                    batch.push((object, wrapped));
                }
                Ok(None) => self.note(format!("{object:?}: no key of mine (shredded or not shared with me): skipped")),
                Err(e) => self.note(format!("{object:?}: skipped: {e}")),
            }
        }
        let mut n = 0;
        for chunk in batch.chunks(KEY_BATCH) {
            let list = chunk
                .iter()
                .map(|(o, w)| format!("({}, {})", sealed_arg(*o), arg::bytes(w)))
                .collect::<Vec<_>>()
                .join(", ");
            self.send(
                Contract::Records,
                "share_keys",
                &[arg::account(&me), arg::account(grantee), format!("[{list}]")],
            )
            .await?;
            n += chunk.len();
            self.note(format!("wrapped {n}/{} keys for {grantee}", batch.len()));
        }
        Ok(u32::try_from(n)?)
    }

    /// Revokes `grantee`'s grant, then removes the keys wrapped for her from
    /// current state (`records.revoke_keys`, in batches of 32), so that she
    /// cannot fetch them any more (keys she fetched before cannot be taken
    /// back) and the items' key-holder lists have room for new readers.
    /// Returns how many keys were removed.
    pub async fn revoke(&self, grantee: &AccountId32) -> Result<u32> {
        self.send(Contract::Permissions, "revoke", &[arg::account(grantee)]).await?;
        let me = self.me.clone();
        let mut held = Vec::new();
        let mut items = vec![Sealed::Profile];
        items.extend((0..self.record_count(&me).await?).map(Sealed::Record));
        for (id, _) in self.medication_entries(&me).await? {
            items.push(Sealed::Medication(id));
        }
        for object in items {
            let v = self
                .query(Contract::Records, "key_of", &[arg::account(&me), sealed_arg(object), arg::account(grantee)])
                .await?;
            if as_option(&v)?.is_some() {
                held.push(object);
            }
        }
        let mut removed = 0u32;
        for chunk in held.chunks(KEY_BATCH) {
            let list = chunk.iter().map(|o| sealed_arg(*o)).collect::<Vec<_>>().join(", ");
            let v = self
                .send(
                    Contract::Records,
                    "revoke_keys",
                    &[arg::account(&me), arg::account(grantee), format!("[{list}]")],
                )
                .await?;
            removed = removed.saturating_add(u32::try_from(as_u128(&v)?)?);
        }
        self.note(format!("revoked {grantee}; removed {removed} wrapped keys of hers"));
        Ok(removed)
    }

    // ------------------------------------------------------------------
    // records
    // ------------------------------------------------------------------

    /// A doctor adds a sealed record and wraps its key for the patient,
    /// herself and every current RecordsRead grantee. Returns the id and
    /// the accounts the key was wrapped for.
    pub async fn add_record(
        &self,
        patient: &AccountId32,
        kind: &str,
        title: &str,
        body: &str,
        supersedes: Option<u32>,
    ) -> Result<(u32, Vec<AccountId32>)> {
        let k = DataKey::generate();
        let envelope = seal_record(&k, title, body).map_err(|e| anyhow!("sealing the record: {e:?}"))?;
        let (v, events) = self
            .send_with_events(
                Contract::Records,
                "add_record",
                &[
                    arg::account(patient),
                    kind.to_string(),
                    arg::string(SEALED_TITLE),
                    arg::string(&envelope),
                    arg::option(supersedes.map(arg::num)),
                ],
                0,
            )
            .await?;
        if !matches!(variant(v.clone()), Some((i, _)) if i == "Accepted") {
            bail!("records.add_record: {v} (no consent: nothing stored)");
        }
        // The id comes from the included transaction's event, never from the
        // dry run: another writer may have taken the dry run's id meanwhile.
        let id = id_from_event(&events, "RecordAdded")?;
        self.note(format!("record {id} stored sealed (on-chain title {SEALED_TITLE:?})"));
        Ok((id, self.share_with_readers(patient, Sealed::Record(id), &k).await?))
    }

    /// Wraps a new record's or medication's key for the patient, this
    /// account (its author) and every current RecordsRead grantee; returns
    /// whom it was wrapped for.
    async fn share_with_readers(&self, patient: &AccountId32, object: Sealed, k: &DataKey) -> Result<Vec<AccountId32>> {
        let mut readers = vec![patient.clone()];
        if self.me != *patient {
            readers.push(self.me.clone());
        }
        for g in self.grants(patient).await? {
            if g.scopes.records_read && !readers.contains(&g.grantee) {
                readers.push(g.grantee);
            }
        }
        let mut shared = Vec::new();
        for r in readers {
            match self.share(patient, object, &r, k).await {
                Ok(true) => shared.push(r),
                Ok(false) => {}
                Err(e) if refusal(&e) == Some("RecipientNotAllowed") => {
                    self.note(format!("{r}: grant expired, not wrapped"))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(shared)
    }

    // ------------------------------------------------------------------
    // medications
    // ------------------------------------------------------------------

    /// Adds a medication entry with its text fields (name, dose, frequency,
    /// notes) sealed under a fresh data key, by the patient herself or a
    /// doctor with RecordsWrite; the key is wrapped like a record's.
    /// Returns the id and whom the key was wrapped for.
    pub async fn add_medication(&self, patient: &AccountId32, m: &MedicationInput) -> Result<(u32, Vec<AccountId32>)> {
        let k = DataKey::generate();
        let mut sealed = Vec::new();
        for ((name, index, max), text) in MEDICATION_FIELDS.iter().zip([&m.name, &m.dose, &m.frequency, &m.notes]) {
            sealed.push(arg::string(
                &seal_field(&k, *index, text, *max).map_err(|e| anyhow!("medication {name}: {e:?} (shorten it)"))?,
            ));
        }
        let [name, dose, frequency, notes]: [String; 4] =
            sealed.try_into().map_err(|_| anyhow!("four medication fields"))?;
        let args = [
            arg::account(patient),
            name,
            dose,
            frequency,
            arg::num(m.start_ms),
            arg::option(m.end_ms.map(arg::num)),
            arg::option(m.prescribed_by.as_ref().map(arg::account)),
            notes,
        ];
        let (v, events) = self.send_with_events(Contract::Records, "add_medication", &args, 0).await?;
        if !matches!(variant(v.clone()), Some((i, _)) if i == "Accepted") {
            bail!("records.add_medication: {v} (no consent: nothing stored)");
        }
        let id = id_from_event(&events, "MedicationAdded")?;
        self.note(format!("medication {id} stored sealed"));
        Ok((id, self.share_with_readers(patient, Sealed::Medication(id), &k).await?))
    }

    /// Every medication entry of a patient as stored (sealed), with ids.
    /// The contract's check is advisory: if it refuses this account, the
    /// entries are fetched as anyone can (a dry run as the patient).
    async fn medication_entries(&self, patient: &AccountId32) -> Result<Vec<(u32, Value)>> {
        let mut out = Vec::new();
        let mut start = 0u32;
        loop {
            let args = [arg::account(patient), arg::num(start), arg::num(smrms_shared::MAX_PAGE)];
            let v = match self.query(Contract::Records, "medications", &args).await {
                Err(e) if refusal(&e) == Some("NotAllowed") => {
                    self.chain.query(patient, Contract::Records, "medications", &args).await?
                }
                v => v?,
            };
            let page = as_seq(&v)?;
            for item in &page {
                let t = as_tuple(item)?;
                let (id, m) =
                    (t.first().ok_or_else(|| anyhow!("bad entry"))?, t.get(1).ok_or_else(|| anyhow!("bad entry"))?);
                out.push((u32::try_from(as_u128(id)?)?, m.clone()));
            }
            if page.len() < smrms_shared::MAX_PAGE as usize {
                return Ok(out);
            }
            start = start.checked_add(smrms_shared::MAX_PAGE).ok_or_else(|| anyhow!("too many medications"))?;
        }
    }

    /// A patient's medication list as lines: opened where a key is wrapped
    /// for this account, else marked sealed. Returns the lines and how many
    /// entries stayed sealed.
    pub async fn medications(&self, patient: &AccountId32) -> Result<(Vec<String>, u32)> {
        let mut lines = Vec::new();
        let mut sealed = 0u32;
        for (id, m) in self.medication_entries(patient).await? {
            let stopped = as_option(field(&m, "stopped_at")?)?.map(|v| v.to_string());
            let status = stopped.map_or_else(|| "active".to_string(), |t| format!("stopped at {t}"));
            let key = self.my_key(patient, Sealed::Medication(id)).await.ok().flatten();
            let texts: Option<Vec<String>> = key.and_then(|k| {
                MEDICATION_FIELDS
                    .iter()
                    .map(|(name, index, _)| open_field(&k, *index, as_str(field(&m, name).ok()?).ok()?).ok())
                    .collect()
            });
            match texts {
                Some(t) => lines.push(format!(
                    "#{id} {} {} {} ({status}; start {}){}",
                    t[0],
                    t[1],
                    t[2],
                    field(&m, "start")?,
                    if t[3].is_empty() { String::new() } else { format!(" notes: {}", t[3]) }
                )),
                None => {
                    sealed = sealed.saturating_add(1);
                    lines.push(format!(
                        "#{id} SEALED ({status}; added by {}): no data key is wrapped for me",
                        as_account(field(&m, "added_by")?)?
                    ))
                }
            }
        }
        Ok((lines, sealed))
    }

    /// Marks a medication entry stopped (the patient, or a doctor with
    /// RecordsWrite).
    pub async fn stop_medication(&self, patient: &AccountId32, id: u32) -> Result<()> {
        let v = self.send(Contract::Records, "stop_medication", &[arg::account(patient), arg::num(id)]).await?;
        if let Some((outcome, reason)) = variant(v) {
            if outcome == "Denied" {
                bail!("records.stop_medication: denied ({reason:?}); the attempt is in the patient's access log");
            }
        }
        Ok(())
    }

    /// The number of records of a patient.
    pub async fn record_count(&self, patient: &AccountId32) -> Result<u32> {
        Ok(u32::try_from(as_u128(&self.query(Contract::Records, "record_count", &[arg::account(patient)]).await?)?)?)
    }

    /// Reads one record. With `audited`, through the `read_record`
    /// transaction (logged in the patient's access log); otherwise a query.
    /// If the contract refuses, the ciphertext is fetched anyway (storage is
    /// public) and reported as ciphertext only unless a key opens it.
    pub async fn read_record(&self, patient: &AccountId32, id: u32, audited: bool) -> Result<RecordView> {
        let args = [arg::account(patient), arg::num(id)];
        let mut refused = None;
        let record = if audited {
            let v = self.send(Contract::Records, "read_record", &args).await?;
            match variant(v.clone()) {
                Some((i, mut vs)) if i == "Granted" && vs.len() == 1 => Some(vs.remove(0)),
                _ => {
                    refused = Some(format!("records.read_record: {v} (the attempt is in the patient's access log)"));
                    None
                }
            }
        } else {
            match self.query(Contract::Records, "record", &args).await {
                Ok(v) => Some(v),
                Err(e) if refusal(&e) == Some("NotAllowed") => {
                    refused = Some("records.record refused me (NotAllowed)".into());
                    None
                }
                Err(e) => return Err(e),
            }
        };
        let record = match record {
            Some(r) => r,
            // the check is advisory: anyone can dry-run as the patient
            None => self
                .chain
                .query(patient, Contract::Records, "record", &args)
                .await
                .context("fetching the stored record")?,
        };
        let kind = variant(field(&record, "kind")?.clone()).map(|(n, _)| n).unwrap_or_default();
        let chain_title = as_str(field(&record, "title")?)?.to_string();
        let body = as_str(field(&record, "body")?)?.to_string();
        let author = as_account(field(&record, "author")?)?;
        let stored_hash = as_bytes(field(&record, "content_hash")?)?;
        let code = ["Diagnosis", "Prescription", "LabResult", "Procedure", "Imaging", "Note"]
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(255) as u8;
        let hash_ok = smrms_shared::record_content_hash(code, &chain_title, &body).as_slice() == stored_hash.as_slice();
        let content_hash: [u8; 32] =
            stored_hash.as_slice().try_into().map_err(|_| anyhow!("record {id}: content hash is not 32 bytes"))?;
        let opt_u32 = |n: &str| -> Result<Option<u32>> {
            as_option(field(&record, n)?)?.map(|v| Ok(u32::try_from(as_u128(&v)?)?)).transpose()
        };
        let (supersedes, superseded_by) = (opt_u32("supersedes")?, opt_u32("superseded_by")?);
        let created_at = u64::try_from(as_u128(field(&record, "created_at")?)?)?;
        let block = u32::try_from(as_u128(field(&record, "block")?)?)?;
        let emergency = matches!(field(&record, "emergency")?, Value::Bool(true));
        let opened = match self.my_key(patient, Sealed::Record(id)).await {
            Ok(Some(k)) => match open_record(&k, &body) {
                Ok(r) => Opened::Plain(r),
                Err(e) => Opened::CiphertextOnly(format!("the record does not open with the data key: {e:?}")),
            },
            Ok(None) => Opened::CiphertextOnly(
                "no data key is wrapped for me (never granted, granted after a revocation, or shredded)".into(),
            ),
            Err(e) => Opened::CiphertextOnly(e.to_string()),
        };
        Ok(RecordView {
            id,
            kind,
            author,
            chain_title,
            body,
            hash_ok,
            content_hash,
            created_at,
            block,
            supersedes,
            superseded_by,
            emergency,
            refused,
            opened,
        })
    }

    /// Shreds every wrapped key of `object` (patient only).
    pub async fn shred(&self, object: Sealed) -> Result<u32> {
        let v = self.send(Contract::Records, "shred_keys", &[arg::account(&self.me), sealed_arg(object)]).await?;
        Ok(u32::try_from(as_u128(&v)?)?)
    }

    /// A verifier's two checks of a revealed record `o` (title, body, salt)
    /// of record `r`: does `records.verify_record` accept the envelope (the
    /// on-chain content hash), and does the envelope commit to (title, body,
    /// salt)? Neither needs a key.
    pub async fn verify(&self, patient: &AccountId32, r: &RecordView, o: &OpenedRecord) -> Result<(bool, bool)> {
        let (id, kind, envelope) = (r.id, r.kind.as_str(), r.body.as_str());
        let on_chain = self
            .query(
                Contract::Records,
                "verify_record",
                &[
                    arg::account(patient),
                    arg::num(id),
                    kind.to_string(),
                    arg::string(SEALED_TITLE),
                    arg::string(envelope),
                ],
            )
            .await?;
        let chain_ok = matches!(on_chain, Value::Bool(true));
        Ok((chain_ok, crate::crypto::prove(envelope, &o.title, &o.body, &o.salt)))
    }

    // ------------------------------------------------------------------
    // access log, appointments
    // ------------------------------------------------------------------

    /// The patient's access log, as lines.
    pub async fn access_log(&self, patient: &AccountId32) -> Result<Vec<String>> {
        let len = u32::try_from(as_u128(
            &self.query(Contract::Permissions, "access_log_len", &[arg::account(patient)]).await?,
        )?)?;
        let mut out = Vec::new();
        let mut start = 0;
        while start < len {
            let v = self
                .query(Contract::Permissions, "access_log", &[arg::account(patient), arg::num(start), arg::num(50)])
                .await?;
            for e in as_seq(&v)? {
                out.push(format!(
                    "{} at {}: {} → {}",
                    as_account(field(&e, "accessor")?)?,
                    field(&e, "at")?,
                    field(&e, "action")?,
                    field(&e, "outcome")?
                ));
            }
            start += 50;
        }
        Ok(out)
    }

    /// Both participants' published keys, for sealing an appointment text.
    /// Refuses rather than write health text in plaintext.
    async fn note_keys(&self, patient: &AccountId32, doctor: &AccountId32) -> Result<([u8; 32], [u8; 32])> {
        let mut keys = [[0u8; 32]; 2];
        for (k, who) in keys.iter_mut().zip([patient, doctor]) {
            *k = self.encryption_key_of(who).await?.ok_or_else(|| {
                anyhow!("{who} has published no encryption key: appointment texts are never stored in plaintext")
            })?;
        }
        Ok((keys[0], keys[1]))
    }

    /// Seals one appointment text for the patient and the doctor.
    fn seal_note(
        &self,
        patient: &AccountId32,
        doctor: &AccountId32,
        keys: ([u8; 32], [u8; 32]),
        text: &str,
    ) -> Result<String> {
        seal_note((&patient.0, &keys.0), (&doctor.0, &keys.1), text, smrms_shared::MAX_TEXT_LEN).map_err(|e| match e {
            CryptoError::TooLong { .. } => anyhow!(
                "appointment text of {} bytes: at most {MAX_NOTE_PLAINTEXT} bytes seal within the contract's bound; put longer detail in a record",
                text.len()
            ),
            e => anyhow!("sealing an appointment text: {e:?}"),
        })
    }

    /// A verified doctor opens emergency (break-glass) access for
    /// `minutes`, with a reason code (`Unresponsive`, `Trauma`, `Cardiac`,
    /// `Respiratory`, `Stroke`, `Overdose`, `Other`) and an optional note
    /// sealed for the patient and the doctor (never stored in the clear).
    /// Returns the index of the opening in the patient's emergency list.
    pub async fn open_emergency(&self, patient: &AccountId32, reason: &str, note: &str, minutes: u64) -> Result<u32> {
        let sealed = if note.is_empty() {
            String::new()
        } else {
            let keys = self.note_keys(patient, &self.me).await?;
            let me = self.me.clone();
            self.seal_note(patient, &me, keys, note)?
        };
        let ms = minutes.checked_mul(60_000).ok_or_else(|| anyhow!("duration too long"))?;
        let args = [arg::account(patient), reason.to_string(), arg::bytes(sealed.as_bytes()), arg::num(ms)];
        let v = self.send(Contract::Permissions, "open_emergency", &args).await?;
        Ok(u32::try_from(as_u128(&v)?)?)
    }

    /// Every emergency access opened on `patient`'s data, as lines; the
    /// sealed note is opened for the patient and the doctor who wrote it.
    pub async fn emergencies(&self, patient: &AccountId32) -> Result<Vec<String>> {
        let v = self
            .query(Contract::Permissions, "emergencies_of", &[arg::account(patient), arg::num(0), arg::num(50)])
            .await?;
        let mut out = Vec::new();
        for (i, e) in as_seq(&v)?.iter().enumerate() {
            let doctor = as_account(field(e, "doctor")?)?;
            let note = String::from_utf8(as_bytes(field(e, "note")?)?).unwrap_or_default();
            let note = if note.is_empty() { "(no note)".to_string() } else { self.open_note(patient, &doctor, &note) };
            out.push(format!(
                "#{i} by {doctor} reason {} opened {} until {} closed {} note {note:?}",
                field(e, "reason")?,
                field(e, "opened_at")?,
                field(e, "expires_at")?,
                field(e, "closed")?,
            ));
        }
        Ok(out)
    }

    /// Opens an appointment text if this account is a participant.
    fn open_note(&self, patient: &AccountId32, doctor: &AccountId32, text: &str) -> String {
        if text.is_empty() || !is_sealed_note(text) {
            return text.to_string();
        }
        open_note(&self.keys, &patient.0, &doctor.0, &self.me.0, text)
            .unwrap_or_else(|_| format!("(sealed, {} bytes of ciphertext)", text.len()))
    }

    /// A patient's or doctor's appointments (caller must be that account or
    /// the head), as lines; texts are opened for the participants.
    pub async fn appointments(&self, of: &AccountId32, as_doctor: bool) -> Result<Vec<String>> {
        let msg = if as_doctor { "doctor_appointments" } else { "patient_appointments" };
        let mut out = Vec::new();
        // every page, not the first 50 only
        for (id, a) in self.appointment_page_all(msg, of).await? {
            let a = &a;
            let (doctor, patient) = (as_account(field(a, "doctor")?)?, as_account(field(a, "patient")?)?);
            let text = |n: &str| -> Result<String> { Ok(self.open_note(&patient, &doctor, as_str(field(a, n)?)?)) };
            out.push(format!(
                "#{id} {} doctor {doctor} patient {patient} start {} ({} min) reason {:?} diagnosis {:?} prescription {:?}",
                field(a, "status")?,
                field(a, "start")?,
                field(a, "duration_min")?,
                text("reason")?,
                text("diagnosis")?,
                text("prescription")?,
            ));
        }
        Ok(out)
    }

    /// A doctor sets an appointment (fee 0 = booked at once); the reason is
    /// sealed for the patient and the doctor. Returns the id.
    pub async fn set_appointment(
        &self,
        patient: &AccountId32,
        start_ms: u64,
        duration_min: u32,
        reason: &str,
    ) -> Result<u64> {
        let keys = self.note_keys(patient, &self.me).await?;
        let reason = self.seal_note(patient, &self.me, keys, reason)?;
        let v = self
            .send(
                Contract::Appointments,
                "set_appointment",
                &[arg::account(patient), arg::num(start_ms), arg::num(duration_min), arg::string(&reason), arg::num(0)],
            )
            .await?;
        match variant(v.clone()) {
            Some((i, vs)) if i == "Created" => Ok(u64::try_from(as_u128(&vs[0])?)?),
            _ => bail!("appointments.set_appointment: {v}"),
        }
    }

    /// The doctor records the outcome of a booked appointment: diagnosis and
    /// prescription (and optionally a new reason), each sealed for the
    /// patient and the doctor; start and duration are kept.
    pub async fn update_appointment(
        &self,
        id: u64,
        reason: Option<&str>,
        diagnosis: &str,
        prescription: &str,
    ) -> Result<()> {
        let a = self.query(Contract::Appointments, "appointment", &[arg::num(id)]).await?;
        let (doctor, patient) = (as_account(field(&a, "doctor")?)?, as_account(field(&a, "patient")?)?);
        let keys = self.note_keys(&patient, &doctor).await?;
        let reason = match reason {
            Some(r) => self.seal_note(&patient, &doctor, keys, r)?,
            None => as_str(field(&a, "reason")?)?.to_string(),
        };
        let args = [
            arg::num(id),
            field(&a, "start")?.to_string(),
            field(&a, "duration_min")?.to_string(),
            arg::string(&reason),
            arg::string(&self.seal_note(&patient, &doctor, keys, diagnosis)?),
            arg::string(&self.seal_note(&patient, &doctor, keys, prescription)?),
        ];
        self.send(Contract::Appointments, "update_appointment", &args).await?;
        Ok(())
    }

    /// The patient (this account) requests an appointment with a verified
    /// doctor, paying the doctor's fee (`fee_of`), held by the contract
    /// until the appointment ends; the reason is sealed for both. Returns
    /// the id and the fee paid.
    pub async fn request_appointment(
        &self,
        doctor: &AccountId32,
        start_ms: u64,
        duration_min: u32,
        reason: &str,
        max_fee: Option<u128>,
    ) -> Result<(u64, u128)> {
        let fee = as_u128(&self.query(Contract::Appointments, "fee_of", &[arg::account(doctor)]).await?)?;
        check_fee(fee, max_fee)?;
        let keys = self.note_keys(&self.me, doctor).await?;
        let reason = self.seal_note(&self.me, doctor, keys, reason)?;
        let args = [arg::account(doctor), arg::num(start_ms), arg::num(duration_min), arg::string(&reason)];
        let id = self.send_paying(Contract::Appointments, "request_appointment", &args, fee).await?;
        Ok((u64::try_from(as_u128(&id)?)?, fee))
    }

    /// A participant acts on an appointment: `accept` / `decline` (doctor,
    /// on a request), `confirm` (patient, paying the proposed fee), `cancel`,
    /// `complete` (after the start), `mark_no_show` (doctor).
    pub async fn appointment_action(&self, id: u64, action: AppointmentAction) -> Result<()> {
        if action == AppointmentAction::Confirm {
            bail!("confirm pays a fee: use `confirm` with the most you agree to pay");
        }
        self.send(Contract::Appointments, action.message(), &[arg::num(id)]).await?;
        Ok(())
    }

    /// The patient confirms a proposed appointment, paying its fee if it is
    /// at most `max_fee`. Returns the fee paid.
    pub async fn confirm(&self, id: u64, max_fee: Option<u128>) -> Result<u128> {
        let a = self.query(Contract::Appointments, "appointment", &[arg::num(id)]).await?;
        let fee = as_u128(field(&a, "fee")?)?;
        check_fee(fee, max_fee)?;
        self.send_paying(Contract::Appointments, "confirm", &[arg::num(id)], fee).await?;
        Ok(fee)
    }

    /// A doctor sets the fee patients pay with a request.
    pub async fn set_fee(&self, fee: u128) -> Result<()> {
        self.send(Contract::Appointments, "set_fee", &[arg::num(fee)]).await?;
        Ok(())
    }

    /// Withdraws this account's credited fees and refunds (pull payment);
    /// returns the amount.
    pub async fn withdraw(&self) -> Result<u128> {
        as_u128(&self.send(Contract::Appointments, "withdraw", &[]).await?)
    }

    // ------------------------------------------------------------------
    // FHIR export
    // ------------------------------------------------------------------

    /// Everything this account may open for `patient`, as the plain data of
    /// a FHIR export ([`fhir::Export`]; `fhir::bundle` makes the Bundle),
    /// with notes on what is covered. Items this account holds no key for
    /// are included without content (their ciphertext is public chain data
    /// and is not exported). With `history` (the permissions bundle and the
    /// first block to scan), grants that ended (revoked, renounced or
    /// replaced by a new grant) are found in the chain's events; without it
    /// only current grants are exported.
    pub async fn fhir_export(
        &self,
        patient: &AccountId32,
        history: Option<(&std::path::Path, u32)>,
    ) -> Result<(fhir::Export, Vec<String>)> {
        let mut notes = Vec::new();
        let exported_at_ms =
            u64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis())?;

        // profile
        let (fields, refused) = self.profile(patient).await?;
        if let Some(r) = refused {
            notes.push(r);
        }
        let opened: Vec<Option<String>> = fields
            .into_iter()
            .map(|(_, v)| match v {
                Ok(t) => Some(t),
                Err(stored) if stored.is_empty() => Some(String::new()),
                Err(_) => None,
            })
            .collect();
        let opened: [Option<String>; 9] = opened.try_into().map_err(|_| anyhow!("nine profile fields"))?;
        let reg = as_tuple(&self.query(Contract::Registry, "patient_registration", &[arg::account(patient)]).await?)?;
        let profile = fhir::ProfileData {
            fields: fhir::ProfileFields::from_array(opened),
            registered_at_ms: reg.first().map(as_u128).transpose()?.map(u64::try_from).transpose()?,
            identity_verified: matches!(reg.get(1), Some(Value::Bool(true))),
        };
        if profile.fields.all_sealed() {
            notes.push("profile: no profile key is wrapped for me: Patient exported with its account only".into());
        }

        // grants: current ones, then what the chain's events say about ended ones
        let current: Vec<fhir::GrantData> = self
            .grants(patient)
            .await?
            .into_iter()
            .map(|g| fhir::GrantData {
                grantee: g.grantee.to_string(),
                scopes: g.scopes,
                granted_at_ms: Some(g.granted_at),
                expires_at_ms: g.expires_at,
                ended: None,
            })
            .collect();
        let grants = match history {
            Some((bundle, from)) => {
                let h = self.grant_history(patient, bundle, from).await?;
                notes.push(h.note.clone());
                let made = field(
                    &self.query(Contract::Permissions, "grant_counts", &[arg::account(patient)]).await?,
                    "made_total",
                )
                .and_then(as_u128)?;
                let seen = h.granted_events;
                if u128::from(seen) == made {
                    notes.push(format!(
                        "grants: the permissions contract counts {made} grant(s) made; all {seen} found"
                    ));
                } else {
                    notes.push(format!(
                        "grants: the permissions contract counts {made} grant(s) made; {seen} found in blocks {}..: earlier ones that ended are missing",
                        h.from_block
                    ));
                }
                fhir::merge_grants(current, h.events)
            }
            None => {
                notes.push("grants: current grants only (no history scan: revoked, renounced and replaced grants are not exported)".into());
                fhir::merge_grants(current, Vec::new())
            }
        };

        // records
        let mut records = Vec::new();
        for id in 0..self.record_count(patient).await? {
            let r = self.read_record(patient, id, false).await?;
            let content = match r.opened {
                Opened::Plain(o) => fhir::RecordContent::Opened { title: o.title, body: o.body, salt: o.salt },
                Opened::CiphertextOnly(why) => fhir::RecordContent::Sealed(why),
            };
            records.push(fhir::RecordData {
                id,
                kind: r.kind,
                author: r.author.to_string(),
                created_at_ms: r.created_at,
                block: r.block,
                content_hash: r.content_hash,
                hash_ok: r.hash_ok,
                supersedes: r.supersedes,
                superseded_by: r.superseded_by,
                emergency: r.emergency,
                content,
            });
        }

        // medications
        let mut medications = Vec::new();
        for (id, m) in self.medication_entries(patient).await? {
            let key = self.my_key(patient, Sealed::Medication(id)).await.ok().flatten();
            let texts: Option<Vec<String>> = key.and_then(|k| {
                MEDICATION_FIELDS
                    .iter()
                    .map(|(name, index, _)| {
                        let stored = as_str(field(&m, name).ok()?).ok()?;
                        if stored.is_empty() {
                            Some(String::new())
                        } else {
                            open_field(&k, *index, stored).ok()
                        }
                    })
                    .collect()
            });
            let text = texts.map(|t| fhir::MedicationText {
                name: t[0].clone(),
                dose: t[1].clone(),
                frequency: t[2].clone(),
                notes: t[3].clone(),
            });
            let opt_ms = |n: &str| -> Result<Option<u64>> {
                as_option(field(&m, n)?)?.map(|v| Ok(u64::try_from(as_u128(&v)?)?)).transpose()
            };
            medications.push(fhir::MedicationData {
                id,
                text,
                start_ms: u64::try_from(as_u128(field(&m, "start")?)?)?,
                end_ms: opt_ms("end")?,
                prescribed_by: as_option(field(&m, "prescribed_by")?)?
                    .map(|v| as_account(&v))
                    .transpose()?
                    .map(|a| a.to_string()),
                added_by: as_account(field(&m, "added_by")?)?.to_string(),
                stopped_at_ms: opt_ms("stopped_at")?,
                emergency: matches!(field(&m, "emergency")?, Value::Bool(true)),
            });
        }

        // appointments: the patient and the head see all of hers; a doctor his own with her
        let appointments = match self.appointment_page_all("patient_appointments", patient).await {
            Ok(all) => all,
            Err(e) if refusal(&e) == Some("NotParticipant") => {
                match self.appointment_page_all("doctor_appointments", &self.me).await {
                    Ok(mine) => {
                        notes.push(
                            "appointments: only mine with this patient (a patient's list is hers and the head's)"
                                .into(),
                        );
                        mine.into_iter()
                            .filter(|(_, a)| field(a, "patient").and_then(as_account).is_ok_and(|p| p == *patient))
                            .collect()
                    }
                    Err(e) if refusal(&e) == Some("NotParticipant") => {
                        notes.push("appointments: none visible to me (not the patient, the head or a doctor)".into());
                        Vec::new()
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        };
        let mut appts = Vec::new();
        for (id, a) in appointments {
            let (doctor, p) = (as_account(field(&a, "doctor")?)?, as_account(field(&a, "patient")?)?);
            let text =
                |n: &str| -> Result<Option<String>> { Ok(self.open_note_opt(&p, &doctor, as_str(field(&a, n)?)?)) };
            let status_name = variant(field(&a, "status")?.clone()).map(|(n, _)| n).unwrap_or_default();
            appts.push(fhir::AppointmentData {
                id,
                doctor: doctor.to_string(),
                patient: p.to_string(),
                start_ms: u64::try_from(as_u128(field(&a, "start")?)?)?,
                duration_min: u32::try_from(as_u128(field(&a, "duration_min")?)?)?,
                status: fhir::AppointmentStatus::parse(&status_name)
                    .ok_or_else(|| anyhow!("appointment {id}: unknown status {status_name}"))?,
                created_at_ms: u64::try_from(as_u128(field(&a, "created_at")?)?)?,
                proposed_start_ms: as_option(field(&a, "proposed_start")?)?
                    .map(|v| Ok::<_, anyhow::Error>(u64::try_from(as_u128(&v)?)?))
                    .transpose()?,
                reason: text("reason")?,
                diagnosis: text("diagnosis")?,
                prescription: text("prescription")?,
            });
        }

        // the access log
        let access_log = self.access_log_entries(patient).await?;

        // the providers involved, from the registry's public directory
        let mut involved: Vec<String> = Vec::new();
        let mut add = |a: &str| {
            if a != patient.to_string() && !involved.iter().any(|x| x == a) {
                involved.push(a.to_string());
            }
        };
        grants.iter().for_each(|g| add(&g.grantee));
        records.iter().for_each(|r| add(&r.author));
        for m in &medications {
            add(&m.added_by);
            if let Some(p) = &m.prescribed_by {
                add(p);
            }
        }
        appts.iter().for_each(|a| add(&a.doctor));
        access_log.iter().for_each(|e| add(&e.accessor));
        let mut providers = Vec::new();
        for a in involved {
            let acc = chain::parse_account(&a)?;
            match self.query(Contract::Registry, "provider", &[arg::account(&acc)]).await {
                Ok(v) => providers.push(provider_from_value(&a, &v)?),
                Err(e) if refusal(&e) == Some("UnknownProvider") => {}
                Err(e) => return Err(e),
            }
        }

        let export = fhir::Export {
            patient: patient.to_string(),
            exported_by: self.me.to_string(),
            exported_at_ms,
            contracts: Contract::ALL
                .iter()
                .map(|c| (c.name().to_string(), self.chain.address(*c).to_string()))
                .collect(),
            profile,
            providers,
            grants,
            appointments: appts,
            medications,
            records,
            access_log,
        };
        Ok((export, notes))
    }

    /// Every page of `patient_appointments` / `doctor_appointments` of `who`.
    async fn appointment_page_all(&self, msg: &str, who: &AccountId32) -> Result<Vec<(u64, Value)>> {
        let mut out = Vec::new();
        let mut start = 0u32;
        loop {
            let v = self
                .query(
                    Contract::Appointments,
                    msg,
                    &[arg::account(who), arg::num(start), arg::num(smrms_shared::MAX_PAGE)],
                )
                .await?;
            let page = as_seq(&v)?;
            for item in &page {
                let t = as_tuple(item)?;
                let (id, a) =
                    (t.first().ok_or_else(|| anyhow!("bad entry"))?, t.get(1).ok_or_else(|| anyhow!("bad entry"))?);
                out.push((u64::try_from(as_u128(id)?)?, a.clone()));
            }
            if page.len() < smrms_shared::MAX_PAGE as usize {
                return Ok(out);
            }
            start = start.checked_add(smrms_shared::MAX_PAGE).ok_or_else(|| anyhow!("too many appointments"))?;
        }
    }

    /// An appointment text opened for a participant: `Some("")` if empty,
    /// the text itself if it was never sealed, `None` if it does not open.
    fn open_note_opt(&self, patient: &AccountId32, doctor: &AccountId32, text: &str) -> Option<String> {
        if text.is_empty() || !is_sealed_note(text) {
            return Some(text.to_string());
        }
        open_note(&self.keys, &patient.0, &doctor.0, &self.me.0, text).ok()
    }

    /// The patient's access log as plain entries.
    pub async fn access_log_entries(&self, patient: &AccountId32) -> Result<Vec<fhir::AccessEntry>> {
        let len = u32::try_from(as_u128(
            &self.query(Contract::Permissions, "access_log_len", &[arg::account(patient)]).await?,
        )?)?;
        let mut out = Vec::new();
        let mut start = 0u32;
        while start < len {
            let v = self
                .query(
                    Contract::Permissions,
                    "access_log",
                    &[arg::account(patient), arg::num(start), arg::num(smrms_shared::MAX_PAGE)],
                )
                .await?;
            let page = as_seq(&v)?;
            for e in &page {
                let index = u32::try_from(out.len())?;
                out.push(fhir::AccessEntry {
                    index,
                    accessor: as_account(field(e, "accessor")?)?.to_string(),
                    action: access_action(field(e, "action")?)?,
                    outcome: access_outcome(field(e, "outcome")?)?,
                    at_ms: u64::try_from(as_u128(field(e, "at")?)?)?,
                });
            }
            if page.is_empty() {
                break;
            }
            start = start.saturating_add(u32::try_from(page.len())?);
        }
        Ok(out)
    }

    /// The patient's grant events (`AccessGranted`, `AccessRevoked`,
    /// `AccessRenounced` of the permissions contract) in blocks
    /// `from_block..=best`, decoded with the ABI of the permissions bundle.
    /// Blocks whose state the node pruned are skipped and reported.
    async fn grant_history(
        &self,
        patient: &AccountId32,
        bundle: &std::path::Path,
        from_block: u32,
    ) -> Result<GrantHistory> {
        use scale::Decode;
        use subxt::backend::{legacy::LegacyRpcMethods, rpc::RpcClient};
        let started = std::time::Instant::now();
        let tc = contract_transcode::ContractMessageTranscoder::load(bundle)
            .with_context(|| format!("loading the permissions ABI from {}", bundle.display()))?;
        let rpc_client = RpcClient::from_url(&self.chain.url).await?;
        let client = subxt::OnlineClient::<chain::Cfg>::from_rpc_client(rpc_client.clone()).await?;
        let rpc = LegacyRpcMethods::<chain::Cfg>::new(rpc_client);
        let best = rpc.chain_get_header(None).await?.ok_or_else(|| anyhow!("the node has no best block"))?.number;
        let permissions = self.chain.address(Contract::Permissions).clone();
        let mut events = Vec::new();
        let mut unavailable: Vec<u32> = Vec::new();
        let mut granted_events = 0u32;
        for n in from_block..=best {
            let Some(hash) = rpc.chain_get_block_hash(Some(n.into())).await? else {
                unavailable.push(n);
                continue;
            };
            let Ok(evs) = client.events().at(hash).await else {
                unavailable.push(n);
                continue;
            };
            let mut at = None;
            for ev in evs.iter() {
                let ev = ev?;
                if ev.pallet_name() != "Contracts" || ev.variant_name() != "ContractEmitted" {
                    continue;
                }
                let mut data = ev.field_bytes();
                if AccountId32::decode(&mut data)? != permissions {
                    continue;
                }
                let Some(sig) = ev.topics().first() else { continue };
                let Ok(v) = tc.decode_contract_event(sig, &mut data) else { continue };
                let Some((name, _)) = variant(v.clone()) else { continue };
                if !matches!(name.as_str(), "AccessGranted" | "AccessRevoked" | "AccessRenounced") {
                    continue;
                }
                if as_account(field(&v, "patient")?)? != *patient {
                    continue;
                }
                if at.is_none() {
                    let now = client
                        .storage()
                        .at(hash)
                        .fetch(&subxt::dynamic::storage("Timestamp", "Now", ()))
                        .await?
                        .map(|t| t.as_type::<u64>())
                        .transpose()?;
                    at = Some(now);
                }
                let grantee = as_account(field(&v, "grantee")?)?;
                let kind = match name.as_str() {
                    "AccessGranted" => {
                        granted_events = granted_events.saturating_add(1);
                        fhir::GrantEvent::Granted {
                            scopes: scopes_from_value(field(&v, "scopes")?)?,
                            expires_at_ms: as_option(field(&v, "expires_at")?)?
                                .map(|x| Ok::<_, anyhow::Error>(u64::try_from(as_u128(&x)?)?))
                                .transpose()?,
                        }
                    }
                    "AccessRevoked" => fhir::GrantEvent::Ended(fhir::GrantEndKind::Revoked),
                    _ => fhir::GrantEvent::Ended(fhir::GrantEndKind::Renounced),
                };
                events.push((grantee.to_string(), at.flatten(), kind));
            }
        }
        let blocks = best.saturating_sub(from_block).saturating_add(1);
        let mut note = format!(
            "grant history: {} event(s) of this patient in blocks {from_block}..={best} ({blocks} blocks scanned in {:.1} s)",
            events.len(),
            started.elapsed().as_secs_f64()
        );
        if let (Some(first), Some(last)) = (unavailable.first(), unavailable.last()) {
            note.push_str(&format!(
                "; {} block(s) between {first} and {last} unavailable (pruned state?): grants ended there are missing",
                unavailable.len()
            ));
        }
        Ok(GrantHistory { events, granted_events, from_block, note })
    }
}

/// The grant events of one patient found in the chain's history.
struct GrantHistory {
    /// (grantee, block time, event), in chain order.
    events: Vec<(String, Option<u64>, fhir::GrantEvent)>,
    /// How many of them are `AccessGranted`.
    granted_events: u32,
    /// The first block scanned.
    from_block: u32,
    /// What was scanned, for the export's notes.
    note: String,
}

/// A provider's directory entry (`registry.provider`) as plain data.
fn provider_from_value(account: &str, v: &Value) -> Result<fhir::ProviderData> {
    use smrms_shared::{ProviderKind as K, ProviderStatus as S};
    let d = field(v, "details")?;
    let text = |n: &str| -> Result<String> { Ok(as_str(field(d, n)?)?.to_string()) };
    let kind = variant(field(d, "kind")?.clone()).map(|(n, _)| n).unwrap_or_default();
    let status = variant(field(v, "status")?.clone()).map(|(n, _)| n).unwrap_or_default();
    Ok(fhir::ProviderData {
        account: account.to_string(),
        name: text("name")?,
        phone: text("phone")?,
        gender: text("gender")?,
        qualification: text("qualification")?,
        specialization: text("specialization")?,
        kind: match kind.as_str() {
            "Doctor" => K::Doctor,
            "Nurse" => K::Nurse,
            "Lab" => K::Lab,
            "Pharmacist" => K::Pharmacist,
            other => bail!("provider {account}: unknown kind {other}"),
        },
        status: match status.as_str() {
            "Pending" => S::Pending,
            "Verified" => S::Verified,
            "Rejected" => S::Rejected,
            "Suspended" => S::Suspended,
            other => bail!("provider {account}: unknown status {other}"),
        },
    })
}

/// An access-log action from its decoded value.
fn access_action(v: &Value) -> Result<smrms_shared::AccessAction> {
    use smrms_shared::AccessAction as A;
    let (name, vals) = variant(v.clone()).ok_or_else(|| anyhow!("not an access action: {v}"))?;
    Ok(match name.as_str() {
        "ReadProfile" => A::ReadProfile,
        "ReadRecord" => {
            A::ReadRecord(u32::try_from(as_u128(vals.first().ok_or_else(|| anyhow!("ReadRecord without id"))?)?)?)
        }
        "WriteRecord" => A::WriteRecord,
        "WriteMedication" => A::WriteMedication,
        "SetAppointment" => A::SetAppointment,
        "OpenEmergency" => A::OpenEmergency,
        "StopMedication" => A::StopMedication,
        "UpdateAppointment" => A::UpdateAppointment,
        other => bail!("unknown access action {other}"),
    })
}

/// An access-log outcome from its decoded value.
fn access_outcome(v: &Value) -> Result<smrms_shared::AccessOutcome> {
    use smrms_shared::{AccessOutcome as O, DenyReason as D};
    let (name, vals) = variant(v.clone()).ok_or_else(|| anyhow!("not an access outcome: {v}"))?;
    Ok(match name.as_str() {
        "Granted" => O::Granted,
        "GrantedEmergency" => O::GrantedEmergency,
        "Denied" => {
            let r = vals.first().and_then(|r| variant(r.clone())).map(|(n, _)| n).unwrap_or_default();
            O::Denied(match r.as_str() {
                "NoConsent" => D::NoConsent,
                "NotVerified" => D::NotVerified,
                "Unregistered" => D::Unregistered,
                "WrongRole" => D::WrongRole,
                other => bail!("unknown deny reason {other}"),
            })
        }
        other => bail!("unknown access outcome {other}"),
    })
}
