//! Emergency (break-glass) access: opening one with a sealed note, listing a
//! patient's emergency accesses.

use super::Client;
use crate::chain::{arg, as_account, as_bytes, as_seq, as_u128, field, Contract};
use anyhow::{anyhow, Result};
use subxt::utils::AccountId32;

impl Client<'_> {
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
}
