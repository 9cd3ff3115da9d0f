//! Emergency (break-glass) access: opening one with a sealed note, closing
//! it, listing a patient's emergency accesses.

use super::{Client, KeyRemoval};
use crate::{
    chain::{arg, as_account, as_bytes, as_option, as_seq, as_u128, field, Contract},
    crypto::Sealed,
};
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

    /// Closes the open emergency access of `doctor` on `patient`'s data (the
    /// patient, the head or the doctor). When the patient closes it, her
    /// client also removes the card key the emergency key service wrapped
    /// for the doctor from current state (what the doctor fetched before
    /// cannot be taken back; setting the card again gives it a new key),
    /// unless the doctor is still entitled to the card on another basis
    /// ([`crate::care::key_basis`]: a RecordsRead grant or a guardianship
    /// with the read power in force, another open emergency access, being
    /// the custodian). Returns what the removal did (nothing when another
    /// account closes it, or the doctor holds no card key).
    pub async fn close_emergency(&self, patient: &AccountId32, doctor: &AccountId32) -> Result<KeyRemoval> {
        self.send(Contract::Permissions, "close_emergency", &[arg::account(patient), arg::account(doctor)]).await?;
        if *patient != self.me {
            return Ok(KeyRemoval::default());
        }
        self.remove_keys_of(doctor, Some(vec![Sealed::Card])).await
    }

    /// Whether an emergency access of `doctor` on `patient`'s data is open at
    /// `now_ms` (not closed, not expired; the end is exclusive).
    pub async fn open_emergency_of(&self, patient: &AccountId32, doctor: &AccountId32, now_ms: u64) -> Result<bool> {
        let page = smrms_shared::MAX_PAGE;
        let mut start = 0u32;
        loop {
            let v = self
                .query(
                    Contract::Permissions,
                    "emergencies_of",
                    &[arg::account(patient), arg::num(start), arg::num(page)],
                )
                .await?;
            let entries = as_seq(&v)?;
            for e in &entries {
                if as_account(field(e, "doctor")?)? == *doctor
                    && as_option(field(e, "closed")?)?.is_none()
                    && now_ms < u64::try_from(as_u128(field(e, "expires_at")?)?)?
                {
                    return Ok(true);
                }
            }
            if entries.len() < page as usize {
                return Ok(false);
            }
            start = start.checked_add(page).ok_or_else(|| anyhow!("too many emergency accesses"))?;
        }
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
            // written as the sealed text's UTF-8 bytes; read through the
            // on-chain codec, which also reads a binary (tagged) form
            let note = crate::onchain::display(&as_bytes(field(e, "note")?)?);
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
