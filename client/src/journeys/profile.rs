//! Registration and profiles: a patient's sealed profile (register, edit,
//! read), providers (register, verify) and the patients who granted this
//! account something.

use super::grants::scopes_from_value;
use super::{Client, Scopes};
use crate::{
    chain::{arg, as_account, as_bytes, as_chain_display, as_seq, as_tuple, field, refusal, Contract},
    crypto::{open_field, seal_field, DataKey, Sealed},
};
use anyhow::{anyhow, bail, Result};
use subxt::utils::AccountId32;

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

impl Client<'_> {
    /// Seals a profile under a fresh data key: the key and the
    /// `PatientProfile` argument.
    fn seal_profile(fields: &[String; 9], national_id_hash: &[u8; 32]) -> Result<(DataKey, String)> {
        let k = DataKey::generate();
        let mut parts = Vec::new();
        for ((name, index, max), text) in PROFILE_FIELDS.iter().zip(fields) {
            let sealed = seal_field(&k, *index, text, *max).map_err(|e| anyhow!("{name}: {e:?} (shorten it)"))?;
            parts.push(format!("{name}: {}", arg::text(&sealed)));
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
    /// herself, every current Demographics grantee and every guardian with
    /// the read power only (a revoked grantee's old key does not open the
    /// new version). Returns how many of them got the new key.
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
        let mut readers: Vec<AccountId32> =
            self.grants(&me).await?.into_iter().filter(|g| g.scopes.demographics).map(|g| g.grantee).collect();
        // guardians with the read power read the profile too
        for g in self.read_guardians(&me).await? {
            if !readers.contains(&g) {
                readers.push(g);
            }
        }
        let mut n = 0;
        for r in readers {
            match self.share(&me, Sealed::Profile, &r, &k).await {
                Ok(shared) => n += u32::from(shared),
                Err(e) if refusal(&e) == Some("RecipientNotAllowed") => {}
                Err(e) => return Err(e),
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
    /// the profile key: (field, Ok(plaintext) or Err(the stored text, read
    /// back from its on-chain bytes with [`crate::onchain::from_chain`])).
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
            // the stored bytes as text (a sealed field, or plaintext another
            // client wrote; `unreadable (…)` if neither)
            let stored = as_chain_display(field(profile, name)?)?;
            let opened = match &key {
                Some(k) => open_field(k, index, &stored).map_err(|_| stored.clone()),
                None => Err(stored.clone()),
            };
            out.push((name, opened));
        }
        Ok((out, refused))
    }
}
