//! Emergency (break-glass) access: opening one with a sealed note, closing
//! it, listing a patient's emergency accesses.

use super::{Client, KeyRemoval};
use crate::{
    chain::{arg, as_account, as_chain_display, as_option, as_seq, as_u128, field, Contract},
    crypto::Sealed,
};
use anyhow::{anyhow, Result};
use contract_transcode::Value;
use subxt::utils::AccountId32;

impl Client<'_> {
    /// A verified doctor opens emergency (break-glass) access for
    /// `minutes`, with a reason code (`Unresponsive`, `Trauma`, `Cardiac`,
    /// `Respiratory`, `Stroke`, `Overdose`, `Other`) and an optional note
    /// sealed for the patient and the doctor (never stored in the clear;
    /// on chain in its binary form, [`crate::onchain::to_chain`] of the
    /// `n2:` text). Returns the index of the opening in the patient's
    /// emergency list.
    pub async fn open_emergency(&self, patient: &AccountId32, reason: &str, note: &str, minutes: u64) -> Result<u32> {
        let sealed = if note.is_empty() {
            String::new()
        } else {
            let keys = self.note_keys(patient, &self.me).await?;
            let me = self.me.clone();
            self.seal_note(patient, &me, keys, note)?
        };
        let ms = minutes.checked_mul(60_000).ok_or_else(|| anyhow!("duration too long"))?;
        let args = [arg::account(patient), reason.to_string(), note_arg(&sealed), arg::num(ms)];
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
            let note = note_text(field(e, "note")?)?;
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

/// The `note` argument of `open_emergency` for a sealed note (`n2:` text, or
/// empty for none): its on-chain bytes, [`crate::onchain::to_chain`]
/// (`FF 04` ‖ the two wrapped keys ‖ nonce and ciphertext), as `0x…`;
/// `[]` for none.
pub(crate) fn note_arg(sealed: &str) -> String {
    arg::text(sealed)
}

/// The sealed note of a stored `EmergencyAccess` (its `note` field) as
/// text, through [`crate::onchain::from_chain`]: the binary form, or a note
/// written before as its text's UTF-8 bytes; `unreadable (not UTF-8, N
/// bytes)` for bytes that are neither; empty for none.
pub(crate) fn note_text(v: &Value) -> Result<String> {
    as_chain_display(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{open_note, seal_note, EncryptionKeys};
    use base64::{engine::general_purpose::STANDARD_NO_PAD as B64, Engine};
    use smrms_shared::MAX_TEXT_LEN;

    /// The `Vec<u8>` value the transcoder decodes for `bytes`.
    fn stored(bytes: &[u8]) -> Value {
        Value::Seq(bytes.iter().map(|&x| Value::UInt(x.into())).collect::<Vec<_>>().into())
    }

    /// The bytes an argument in `0x…` / `[]` syntax stands for.
    fn arg_bytes(a: &str) -> Vec<u8> {
        if a == "[]" {
            return Vec::new();
        }
        hex::decode(a.strip_prefix("0x").expect("0x-hex")).expect("hex")
    }

    #[test]
    fn the_note_is_stored_in_binary_form_and_reads_back() {
        let (patient, doctor) = (EncryptionKeys::for_dev_account("//Dave"), EncryptionKeys::for_dev_account("//Eve"));
        let (p, d) = ([7u8; 32], [8u8; 32]);
        let text = "Found unresponsive at home, suspected opioid overdose";
        let sealed =
            seal_note((&p, &patient.public_bytes()), (&d, &doctor.public_bytes()), text, MAX_TEXT_LEN).unwrap();
        assert!(sealed.starts_with("n2:"));
        // written: FF 04 ‖ the two 80-byte wrapped keys ‖ nonce and ciphertext, not the text
        let bytes = arg_bytes(&note_arg(&sealed));
        assert_eq!(bytes[..2], [0xFF, crate::onchain::TAG_NOTE]);
        assert_eq!(bytes, crate::to_chain(&sealed));
        let parts: Vec<Vec<u8>> = sealed[3..].split('.').map(|s| B64.decode(s).unwrap()).collect();
        assert_eq!(bytes[2..], parts.concat());
        assert!(bytes.len() < sealed.len() && bytes.len() <= MAX_TEXT_LEN);
        // read back: the very same text, which opens for the patient and the doctor
        let read = note_text(&stored(&bytes)).unwrap();
        assert_eq!(read, sealed);
        assert_eq!(open_note(&patient, &p, &d, &p, &read).as_deref(), Ok(text));
        assert_eq!(open_note(&doctor, &p, &d, &d, &read).as_deref(), Ok(text));
        // a note written before, as its text's UTF-8 bytes, still reads and opens
        let old = note_text(&stored(sealed.as_bytes())).unwrap();
        assert_eq!(old, sealed);
        assert_eq!(open_note(&patient, &p, &d, &p, &old).as_deref(), Ok(text));
        // no note: `[]`, read back empty
        assert_eq!(note_arg(""), "[]");
        assert_eq!(note_text(&stored(&[])).unwrap(), "");
        // bytes that are neither: shown as unreadable, not an error
        assert_eq!(note_text(&stored(&[0xFF, 4, 1, 2])).unwrap(), "unreadable (not UTF-8, 4 bytes)");
    }
}
