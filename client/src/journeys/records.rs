//! Sealed records and medications: add (the data key wrapped for the patient,
//! the author and every RecordsRead grantee), read, verify, shred; medication
//! entries (add, list, stop).

use super::{id_from_event, sealed_arg, Client};
use crate::{
    chain::{
        arg, as_account, as_bytes, as_chain_text, as_option, as_seq, as_stored, as_tuple, as_u128, field, refusal,
        variant, Contract,
    },
    crypto::{open_field, open_record, seal_field, seal_record, DataKey, OpenedRecord, Sealed, SEALED_TITLE},
    onchain,
};
use anyhow::{anyhow, bail, Context, Result};
use contract_transcode::Value;
use subxt::utils::AccountId32;

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
    /// The on-chain title as text (`sealed` for sealed records).
    pub chain_title: String,
    /// The on-chain body as text (the envelope), read back from its bytes
    /// with [`onchain::from_chain`] (`unreadable (…)` if they are neither a
    /// sealed form nor UTF-8).
    pub body: String,
    /// The title's bytes as stored.
    pub stored_title: Vec<u8>,
    /// The body's bytes as stored (the envelope's on-chain form).
    pub stored_body: Vec<u8>,
    /// The content hash matches the stored title and body bytes.
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

impl Client<'_> {
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
                    arg::text(SEALED_TITLE),
                    arg::text(&envelope),
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
    /// account (its author), every current RecordsRead grantee and every
    /// guardian of hers with the read power; returns whom it was wrapped for.
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
        for g in self.read_guardians(patient).await? {
            if !readers.contains(&g) {
                readers.push(g);
            }
        }
        let mut shared = Vec::new();
        for r in readers {
            match self.share(patient, object, &r, k).await {
                Ok(true) => shared.push(r),
                Ok(false) => {}
                Err(e) if refusal(&e) == Some("RecipientNotAllowed") => {
                    self.note(format!("{r}: grant or guardianship no longer in force, not wrapped"))
                }
                Err(e) => return Err(e),
            }
        }
        Ok(shared)
    }

    /// Adds a medication entry with its text fields (name, dose, frequency,
    /// notes) sealed under a fresh data key, by the patient herself or a
    /// doctor with RecordsWrite; the key is wrapped like a record's.
    /// Returns the id and whom the key was wrapped for.
    pub async fn add_medication(&self, patient: &AccountId32, m: &MedicationInput) -> Result<(u32, Vec<AccountId32>)> {
        let k = DataKey::generate();
        let mut sealed = Vec::new();
        for ((name, index, max), text) in MEDICATION_FIELDS.iter().zip([&m.name, &m.dose, &m.frequency, &m.notes]) {
            sealed.push(arg::text(
                &seal_field(&k, *index, text, *max).map_err(|e| anyhow!("medication {name}: {e:?} (shorten it)"))?,
            ));
        }
        let [name, dose, frequency, notes]: [String; 4] =
            sealed.try_into().map_err(|_| anyhow!("four medication fields"))?;
        // one struct argument, `NewMedication { … }`, in the transcoder's syntax
        let medication = format!(
            "NewMedication {{ name: {name}, dose: {dose}, frequency: {frequency}, start: {}, end: {}, prescribed_by: {}, notes: {notes} }}",
            arg::num(m.start_ms),
            arg::option(m.end_ms.map(arg::num)),
            arg::option(m.prescribed_by.as_ref().map(arg::account)),
        );
        let args = [arg::account(patient), medication];
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
    pub(super) async fn medication_entries(&self, patient: &AccountId32) -> Result<Vec<(u32, Value)>> {
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
                    .map(|(name, index, _)| open_field(&k, *index, &as_chain_text(field(&m, name).ok()?).ok()?).ok())
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
        let stored_title = as_stored(field(&record, "title")?)?;
        let stored_body = as_stored(field(&record, "body")?)?;
        let (chain_title, body) = (onchain::display(&stored_title), onchain::display(&stored_body));
        let author = as_account(field(&record, "author")?)?;
        let stored_hash = as_bytes(field(&record, "content_hash")?)?;
        let code = ["Diagnosis", "Prescription", "LabResult", "Procedure", "Imaging", "Note"]
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(255) as u8;
        // over the bytes as stored, as the contract computed it
        let hash_ok =
            smrms_shared::record_content_hash(code, &stored_title, &stored_body).as_slice() == stored_hash.as_slice();
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
            stored_title,
            stored_body,
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
    /// salt)? Neither needs a key. The contract is given the title and body
    /// bytes exactly as stored.
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
                    arg::bytes(&r.stored_title),
                    arg::bytes(&r.stored_body),
                ],
            )
            .await?;
        let chain_ok = matches!(on_chain, Value::Bool(true));
        Ok((chain_ok, crate::crypto::prove(envelope, &o.title, &o.body, &o.salt)))
    }
}
