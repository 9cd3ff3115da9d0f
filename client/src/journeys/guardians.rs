//! Guardians: a patient appoints a registered account to act for her (the
//! consent power: grant and revoke for her; the read power: her profile,
//! records, medications and card; the booking power: book her appointments
//! and act on her side of them, see `appointments`), optionally until a
//! date; the head declares a patient a minor or incapacitated and may then
//! appoint a guardian for her. A guardian with the read power gets the patient's
//! keys like a grantee: the patient's client wraps her existing keys for
//! the guardian when she appoints her, and later data is wrapped for her by
//! its author ([`Client::read_guardians`]). Only the read power carries
//! keys ([`GuardianPowers::gives_keys`]).

use super::{Client, KeyRemoval};
use crate::{
    care::GuardianPowers,
    chain::{arg, as_account, as_option, as_seq, as_tuple, as_u128, field, variant, Contract},
    crypto::Sealed,
};
use anyhow::{anyhow, bail, Result};
use contract_transcode::Value;
use subxt::utils::AccountId32;

/// A guardianship as listed: `account` is the guardian (in a patient's
/// list) or the ward (in a guardian's list).
#[derive(Debug, Clone)]
pub struct GuardianView {
    /// The guardian, or the patient she is guardian of.
    pub account: AccountId32,
    /// Her powers.
    pub powers: GuardianPowers,
    /// The patient or the head.
    pub appointed_by: AccountId32,
    /// When (Unix ms).
    pub appointed_at: u64,
    /// When it ends (Unix ms), if it does.
    pub expires_at: Option<u64>,
}

impl GuardianView {
    /// In force at `now_ms` (not expired).
    pub fn in_force(&self, now_ms: u64) -> bool {
        self.expires_at.is_none_or(|e| now_ms < e)
    }
}

fn guardianship(account: AccountId32, g: &Value) -> Result<GuardianView> {
    let powers = field(g, "powers")?;
    let b = |n: &str| -> Result<bool> {
        match field(powers, n)? {
            Value::Bool(b) => Ok(*b),
            other => bail!("{n} is not a bool: {other}"),
        }
    };
    Ok(GuardianView {
        account,
        powers: GuardianPowers { consent: b("consent")?, read: b("read")?, book: b("book")? },
        appointed_by: as_account(field(g, "appointed_by")?)?,
        appointed_at: u64::try_from(as_u128(field(g, "appointed_at")?)?)?,
        expires_at: as_option(field(g, "expires_at")?)?
            .map(|v| Ok::<_, anyhow::Error>(u64::try_from(as_u128(&v)?)?))
            .transpose()?,
    })
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Client<'_> {
    /// The patient (this account) appoints `guardian` (or changes her powers
    /// or expiry); with the read power (only: consent and booking carry no
    /// key) her client then wraps her existing
    /// keys (profile, records, medications, card) for the guardian; a
    /// guardian re-appointed without the read power loses the keys that
    /// power gave her, except those she is still entitled to on another
    /// basis ([`crate::care::key_basis`]: a grant, the card
    /// during an open emergency). Returns (keys
    /// wrapped, what the removal did).
    pub async fn appoint_guardian(
        &self,
        guardian: &AccountId32,
        powers: GuardianPowers,
        expires_at: Option<u64>,
    ) -> Result<(u32, KeyRemoval)> {
        let me = self.me.clone();
        let had_read = self.guardianship_of(&me, guardian).await?.is_some_and(|g| g.powers.gives_keys());
        self.send(
            Contract::Permissions,
            "appoint_guardian",
            &[arg::account(guardian), powers.arg(), arg::option(expires_at.map(arg::num))],
        )
        .await?;
        self.note(format!("appointed {guardian} guardian ({})", powers.describe()));
        if !powers.gives_keys() {
            let removal = if had_read { self.remove_keys_of(guardian, None).await? } else { KeyRemoval::default() };
            return Ok((0, removal));
        }
        let mut items = vec![Sealed::Profile];
        items.extend(self.record_items(&me).await?);
        if self.stored_card(&me).await?.is_some() {
            items.push(Sealed::Card);
        }
        Ok((self.rewrap_for(guardian, items).await?, KeyRemoval::default()))
    }

    /// `guardian`'s guardianship of `patient`, if she is one (expired or not).
    pub async fn guardianship_of(&self, patient: &AccountId32, guardian: &AccountId32) -> Result<Option<GuardianView>> {
        let v =
            self.query(Contract::Permissions, "guardianship", &[arg::account(patient), arg::account(guardian)]).await?;
        as_option(&v)?.map(|g| guardianship(guardian.clone(), &g)).transpose()
    }

    /// The head appoints `guardian` for a patient she declared a minor or
    /// incapacitated. The patient's keys are not wrapped for the guardian
    /// (only the patient's client can); data added later is.
    pub async fn appoint_guardian_for(
        &self,
        patient: &AccountId32,
        guardian: &AccountId32,
        powers: GuardianPowers,
        expires_at: Option<u64>,
    ) -> Result<()> {
        self.send(
            Contract::Permissions,
            "appoint_guardian_for",
            &[arg::account(patient), arg::account(guardian), powers.arg(), arg::option(expires_at.map(arg::num))],
        )
        .await?;
        Ok(())
    }

    /// Ends a guardianship (the patient, the guardian herself, or the head
    /// for a declared patient). When the patient removes her, the keys
    /// wrapped for the guardian are removed from current state too, except
    /// those she is still entitled to on another basis
    /// ([`crate::care::key_basis`]). Returns what the removal did (nothing
    /// when another account ends the guardianship).
    pub async fn remove_guardian(&self, patient: &AccountId32, guardian: &AccountId32) -> Result<KeyRemoval> {
        self.send(Contract::Permissions, "remove_guardian", &[arg::account(patient), arg::account(guardian)]).await?;
        if *patient != self.me {
            return Ok(KeyRemoval::default());
        }
        self.remove_keys_of(guardian, None).await
    }

    /// A patient's guardians (expired ones included).
    pub async fn guardians(&self, patient: &AccountId32) -> Result<Vec<GuardianView>> {
        self.guardianship_list("guardians_of", patient).await
    }

    /// The patients `guardian` is guardian of (expired ones included).
    pub async fn wards(&self, guardian: &AccountId32) -> Result<Vec<GuardianView>> {
        self.guardianship_list("wards_of", guardian).await
    }

    async fn guardianship_list(&self, message: &str, of: &AccountId32) -> Result<Vec<GuardianView>> {
        let mut out = Vec::new();
        let mut start = 0u32;
        loop {
            let v =
                self.query(Contract::Permissions, message, &[arg::account(of), arg::num(start), arg::num(50)]).await?;
            let page = as_seq(&v)?;
            for item in &page {
                let t = as_tuple(item)?;
                let (a, g) =
                    (t.first().ok_or_else(|| anyhow!("bad entry"))?, t.get(1).ok_or_else(|| anyhow!("bad entry"))?);
                out.push(guardianship(as_account(a)?, g)?);
            }
            if page.len() < 50 {
                return Ok(out);
            }
            start += 50;
        }
    }

    /// The patient's guardians with the read power, in force now: new
    /// data keys of hers are wrapped for them too.
    pub async fn read_guardians(&self, patient: &AccountId32) -> Result<Vec<AccountId32>> {
        let now = now_ms();
        Ok(self
            .guardians(patient)
            .await?
            .into_iter()
            .filter(|g| g.powers.gives_keys() && g.in_force(now))
            .map(|g| g.account)
            .collect())
    }

    /// The head declares a patient a minor or incapacitated (`Minor`,
    /// `Unconscious`, `Cognitive`, `Other`).
    pub async fn declare_incapacity(&self, patient: &AccountId32, reason: &str) -> Result<()> {
        self.send(Contract::Permissions, "declare_incapacity", &[arg::account(patient), reason.to_string()]).await?;
        Ok(())
    }

    /// The head lifts a declaration.
    pub async fn lift_incapacity(&self, patient: &AccountId32) -> Result<()> {
        self.send(Contract::Permissions, "lift_incapacity", &[arg::account(patient)]).await?;
        Ok(())
    }

    /// Whether (why, since when) the head declared a patient unable to act
    /// for herself.
    pub async fn incapacity(&self, patient: &AccountId32) -> Result<Option<(String, u64)>> {
        let v = self.query(Contract::Permissions, "incapacity", &[arg::account(patient)]).await?;
        let Some(t) = as_option(&v)? else { return Ok(None) };
        let t = as_tuple(&t)?;
        let reason = t.first().and_then(|r| variant(r.clone())).map(|(n, _)| n).unwrap_or_default();
        let since = u64::try_from(as_u128(t.get(1).ok_or_else(|| anyhow!("bad incapacity"))?)?)?;
        Ok(Some((reason, since)))
    }
}
