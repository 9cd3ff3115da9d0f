//! The glue of the FHIR export: everything this account may open for a
//! patient as [`fhir::Export`], with the ended grants found in the chain's
//! events.

use super::grants::scopes_from_value;
use super::{Client, Opened, MEDICATION_FIELDS};
use crate::fhir;
use crate::{
    chain::{
        self, arg, as_account, as_chain_text, as_option, as_str, as_tuple, as_u128, field, refusal, variant, Contract,
    },
    crypto::{open_field, Sealed},
};
use anyhow::{anyhow, bail, Context, Result};
use contract_transcode::Value;
use subxt::utils::AccountId32;

impl Client<'_> {
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
                        let stored = as_chain_text(field(&m, name).ok()?).ok()?;
                        if stored.is_empty() {
                            Some(String::new())
                        } else {
                            open_field(&k, *index, &stored).ok()
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
            // a text that is neither sealed nor UTF-8 on chain is not exported
            let text = |n: &str| -> Result<Option<String>> {
                Ok(as_chain_text(field(&a, n)?).ok().and_then(|t| self.open_note_opt(&p, &doctor, &t)))
            };
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
