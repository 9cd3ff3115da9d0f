//! The emergency card and its custodian: the head designates the emergency
//! custodian (the hospital network's emergency key service: its account and
//! encryption key); a patient seals her card under a fresh data key and
//! wraps that key for herself, the custodian and her guardians with the
//! read power; anyone fetches the card and opens it with a key wrapped for
//! her; the custodian re-wraps the card's key for an emergency doctor
//! (`release_card`, which the records contract allows only during an open
//! emergency access of a verified doctor).

use super::{sealed_arg, Client};
use crate::{
    chain::{arg, as_account, as_bytes, as_option, as_u128, field, refusal, Contract},
    crypto::{open_card, seal_card, unwrap_key, wrap_info, wrap_key, Card, DataKey, Sealed},
    onchain::{from_chain, to_chain},
};
use anyhow::{anyhow, bail, Result};
use subxt::utils::AccountId32;

/// A patient's card as stored (sealed).
#[derive(Debug, Clone)]
pub struct StoredCard {
    /// The sealed card's bytes as stored (its `c1:` text through
    /// [`to_chain`]).
    pub body: Vec<u8>,
    /// 1 for the first card, one more on each replacement.
    pub version: u32,
    /// When it was set (Unix ms).
    pub updated_at: u64,
}

/// What a reader got of a card.
#[derive(Debug, Clone)]
pub enum CardView {
    /// The patient has set no card.
    NoCard,
    /// Opened.
    Opened(StoredCard, Card),
    /// Only the ciphertext, and why.
    Sealed(StoredCard, String),
}

impl Client<'_> {
    /// The emergency custodian: (account, encryption key), once designated.
    pub async fn custodian(&self) -> Result<Option<(AccountId32, [u8; 32])>> {
        let v = self.query(Contract::Records, "custodian", &[]).await?;
        let Some(c) = as_option(&v)? else { return Ok(None) };
        let key: [u8; 32] = as_bytes(field(&c, "encryption_key")?)?
            .try_into()
            .map_err(|_| anyhow!("the custodian's key is not 32 bytes"))?;
        Ok(Some((as_account(field(&c, "account")?)?, key)))
    }

    /// The head designates the emergency custodian: its account and its
    /// encryption public key (patients' clients wrap card keys for it).
    pub async fn designate_custodian(&self, custodian: &AccountId32, key: &[u8; 32]) -> Result<()> {
        self.send(Contract::Records, "designate_custodian", &[arg::account(custodian), arg::bytes(key)]).await?;
        Ok(())
    }

    /// The patient (this account) sets or replaces her emergency card: sealed
    /// under a fresh data key, wrapped for herself and the custodian
    /// (`records.set_card` drops every earlier key of the card), then for
    /// each guardian of hers with the read power. Returns the version and
    /// the guardians the key was wrapped for.
    pub async fn set_card(&self, card: &Card) -> Result<(u32, Vec<AccountId32>)> {
        if card.is_empty() {
            bail!("an empty card: give at least one field");
        }
        let Some((custodian, custodian_key)) = self.custodian().await? else {
            bail!("no emergency custodian is designated yet (the head designates one): nothing stored");
        };
        let me = self.me.clone();
        let k = DataKey::generate();
        let sealed = seal_card(&k, &me.0, card).map_err(|e| anyhow!("sealing the card: {e:?} (shorten it)"))?;
        let body = to_chain(std::str::from_utf8(&sealed).map_err(|_| anyhow!("a sealed card is ASCII text"))?);
        let wrap = |pk: &[u8; 32], who: &AccountId32| {
            wrap_key(pk, &k, &wrap_info(&me.0, Sealed::Card, &who.0)).map_err(|e| anyhow!("wrap: {e:?}"))
        };
        let own = wrap(&self.keys.public_bytes(), &me)?;
        let for_custodian = wrap(&custodian_key, &custodian)?;
        let v = self
            .send(Contract::Records, "set_card", &[arg::bytes(&body), arg::bytes(&own), arg::bytes(&for_custodian)])
            .await?;
        let version = u32::try_from(as_u128(&v)?)?;
        self.note(format!("card v{version} stored sealed; key wrapped for me and the custodian {custodian}"));
        let mut shared = Vec::new();
        for g in self.read_guardians(&me).await? {
            match self.share(&me, Sealed::Card, &g, &k).await {
                Ok(true) => shared.push(g),
                Ok(false) => {}
                Err(e) if refusal(&e) == Some("RecipientNotAllowed") => {
                    self.note(format!("{g}: guardianship no longer in force, card not wrapped"))
                }
                Err(e) => return Err(e),
            }
        }
        Ok((version, shared))
    }

    /// A patient's card as stored.
    pub async fn stored_card(&self, patient: &AccountId32) -> Result<Option<StoredCard>> {
        let v = self.query(Contract::Records, "card", &[arg::account(patient)]).await?;
        let Some(c) = as_option(&v)? else { return Ok(None) };
        Ok(Some(StoredCard {
            body: as_bytes(field(&c, "body")?)?,
            version: u32::try_from(as_u128(field(&c, "version")?)?)?,
            updated_at: u64::try_from(as_u128(field(&c, "updated_at")?)?)?,
        }))
    }

    /// A patient's card, opened with the card key wrapped for this account
    /// (`records.key_of(patient, Card, me)`) if there is one.
    pub async fn card(&self, patient: &AccountId32) -> Result<CardView> {
        let Some(stored) = self.stored_card(patient).await? else { return Ok(CardView::NoCard) };
        let key = match self.my_key(patient, Sealed::Card).await {
            Ok(Some(k)) => k,
            Ok(None) => {
                let why = format!(
                    "no key of this card is wrapped for me ({}): the patient, her guardians with the read power and the emergency custodian hold one; a doctor gets one from the emergency key service during an open emergency access",
                    self.me
                );
                return Ok(CardView::Sealed(stored, why));
            }
            Err(e) => return Ok(CardView::Sealed(stored, e.to_string())),
        };
        let Ok(text) = from_chain(&stored.body) else {
            let why = format!("the stored card is unreadable (not UTF-8, {} bytes)", stored.body.len());
            return Ok(CardView::Sealed(stored, why));
        };
        match open_card(&key, &patient.0, text.as_bytes()) {
            Ok(card) => Ok(CardView::Opened(stored, card)),
            Err(e) => Ok(CardView::Sealed(stored, format!("the card does not open with its key: {e:?}"))),
        }
    }

    /// The custodian (this account) re-wraps a patient's card key for
    /// `doctor`: unwraps its own copy, wraps it with the doctor's published
    /// key and stores it (`records.share_key(patient, Card, doctor, …)`).
    /// The records contract decides (only during an open emergency access
    /// of a verified doctor; a refusal is a [`crate::chain::Refused`] error).
    /// Returns the card's version.
    pub async fn release_card(&self, patient: &AccountId32, doctor: &AccountId32) -> Result<u32> {
        let stored = self.stored_card(patient).await?.ok_or_else(|| anyhow!("{patient} has no emergency card"))?;
        let v = self
            .query(
                Contract::Records,
                "key_of",
                &[arg::account(patient), sealed_arg(Sealed::Card), arg::account(&self.me)],
            )
            .await?;
        let wrapped =
            as_bytes(&as_option(&v)?.ok_or_else(|| anyhow!("no key of {patient}'s card is wrapped for me"))?)?;
        let k = unwrap_key(&self.keys, &wrapped, &wrap_info(&patient.0, Sealed::Card, &self.me.0))
            .map_err(|e| anyhow!("the card key wrapped for me does not open with my encryption key: {e:?}"))?;
        let pk = self.encryption_key_of(doctor).await?.ok_or_else(|| anyhow!("{doctor} has published no key"))?;
        let for_doctor =
            wrap_key(&pk, &k, &wrap_info(&patient.0, Sealed::Card, &doctor.0)).map_err(|e| anyhow!("wrap: {e:?}"))?;
        self.send(
            Contract::Records,
            "share_key",
            &[arg::account(patient), sealed_arg(Sealed::Card), arg::account(doctor), arg::bytes(&for_doctor)],
        )
        .await?;
        Ok(stored.version)
    }
}
