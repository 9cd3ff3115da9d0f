//! `smrms emergency-service`: the emergency key service, a long-lived
//! process holding the emergency custodian's keys (its signing key and its
//! encryption key, derived like every account's: a key file, or the
//! development derivation of a `//Name` URI).
//!
//! It follows the finalized blocks; for every `EmergencyAccessOpened` event
//! of the permissions contract (decoded from the bundle's ABI) it reads the
//! facts on chain now ([`crate::custodian::Facts`]), decides
//! ([`crate::custodian::decide`]) and, for a release, unwraps the card key
//! wrapped for the custodian, wraps it for the doctor and stores it with
//! `records.share_key(patient, Card, doctor, wrapped)`, which the records
//! contract checks again (a refusal there is logged, not fatal). One log
//! line per decision on stdout: `released` or `refused: why`. After each
//! block it saves the block's number and hash to the state file; on restart
//! it resumes with the block after it, catching up on what it missed. If the
//! node goes away it reconnects with a growing delay (1 s to 10 s) and
//! carries on from the last saved block. It reads no key but the card's.

use super::Client;
use crate::{
    chain::{
        self, arg, as_account, as_bytes, as_option, as_seq, as_u128, field, refusal, variant, Chain, Contract,
        Deployment,
    },
    crypto::{unwrap_key, wrap_info, wrap_key, Sealed},
    custodian::{
        decide, start_block, undecoded_action, Backoff, CustodianCheck, Decision, EmergencyFacts, Facts, ServiceState,
        UndecodedAction,
    },
    keys,
};
use anyhow::{anyhow, Result};
use contract_transcode::Value;
use std::{path::PathBuf, time::Duration};
use subxt::utils::AccountId32;

/// How the service runs.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// The custodian's secret URI.
    pub suri: String,
    /// Its encryption key file (else derived from a `//Name` URI).
    pub enc_key: Option<PathBuf>,
    /// The state file (last handled block).
    pub state: PathBuf,
    /// Without a state file, the first block to handle (default: the
    /// finalized head).
    pub from_block: Option<u32>,
    /// How often to look for new finalized blocks.
    pub poll: Duration,
    /// Stop once caught up with the finalized head.
    pub once: bool,
    /// Stop after handling this block.
    pub until_block: Option<u32>,
}

/// A failure that reconnecting does not cure (bad state file, bad keys).
#[derive(Debug)]
struct Fatal(anyhow::Error);

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for Fatal {}

fn fatal(e: anyhow::Error) -> anyhow::Error {
    Fatal(e).into()
}

fn wall_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// One log line on stdout, with the time (UTC), flushed at once (the log
/// usually goes to a file).
fn log(line: impl AsRef<str>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{} emergency-service: {}", crate::fhir::instant(wall_ms()), line.as_ref());
    let _ = out.flush();
}

/// Runs the service until `--once` / `--until-block` says stop, or a fatal
/// error (a state file of another chain, an unusable key). Connection
/// failures are retried with backoff.
pub async fn run(dep: &Deployment, opts: &ServiceOptions) -> Result<()> {
    let signer = chain::signer(&opts.suri)?;
    let me = chain::account_of(&signer);
    let public = keys::encryption_keys(&opts.suri, opts.enc_key.as_deref())?.public_bytes();
    log(format!(
        "custodian account {me}, encryption key 0x{}, node {}, state file {}",
        hex::encode(public),
        dep.url,
        opts.state.display()
    ));
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(10));
    // events of the permissions contract skipped because they did not decode
    let mut skipped = 0u32;
    loop {
        let ch = match Chain::connect(dep).await {
            Ok(ch) => ch,
            Err(e) => {
                let d = backoff.next_delay();
                log(format!("cannot reach the node at {}: {e:#}; retrying in {} s", dep.url, d.as_secs_f32()));
                tokio::time::sleep(d).await;
                continue;
            }
        };
        let keys = keys::encryption_keys(&opts.suri, opts.enc_key.as_deref())?;
        let mut c = Client::new(&ch, signer.clone(), keys);
        c.log = false;
        match follow(&c, opts, &mut backoff, &mut skipped).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is::<Fatal>() => return Err(e),
            Err(e) => {
                let d = backoff.next_delay();
                log(format!("lost the node or a call failed: {e:#}; reconnecting in {} s", d.as_secs_f32()));
                tokio::time::sleep(d).await;
            }
        }
    }
}

/// Follows the finalized blocks on one connection; `skipped` counts the
/// undecoded events skipped since the start.
async fn follow(c: &Client<'_>, opts: &ServiceOptions, backoff: &mut Backoff, skipped: &mut u32) -> Result<()> {
    let ch = c.chain;
    let genesis = ch.genesis_hash();
    let saved = ServiceState::load(&opts.state).map_err(fatal)?;
    let head = ch.finalized_number().await?;
    let hash_at_saved = match &saved {
        Some(s) => ch.block_hash(s.last_block).await?,
        None => None,
    };
    let mut next =
        start_block(saved.as_ref(), &genesis, hash_at_saved.as_deref(), opts.from_block, head).map_err(fatal)?;
    match &saved {
        Some(s) => log(format!(
            "connected; resuming after block {} (from the state file), finalized head {head}",
            s.last_block
        )),
        None => log(format!("connected; no state file: starting at block {next}, finalized head {head}")),
    }
    log(format!("designated custodian: {}", describe_custodian(&custodian_check(c).await?)));
    loop {
        let head = within(ch.finalized_number()).await?;
        while next <= head {
            let hash = within(handle_block(c, next, skipped)).await?;
            ServiceState::new(&genesis, next, &hash).save(&opts.state).map_err(fatal)?;
            if opts.until_block.is_some_and(|u| next >= u) {
                log(format!("handled block {next} (--until-block): stopping; {skipped} undecoded event(s) skipped"));
                return Ok(());
            }
            next = next.saturating_add(1);
        }
        backoff.reset();
        if opts.once {
            log(format!(
                "caught up with the finalized head {head} (--once): stopping; {skipped} undecoded event(s) skipped"
            ));
            return Ok(());
        }
        tokio::time::sleep(opts.poll).await;
    }
}

/// The longest a step may take (reading the head, handling one block with
/// its release) before the connection is given up as stalled.
const STEP_TIMEOUT: Duration = Duration::from_secs(90);

async fn within<T>(step: impl std::future::Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(STEP_TIMEOUT, step)
        .await
        .map_err(|_| anyhow!("no answer from the node within {} s", STEP_TIMEOUT.as_secs()))?
}

fn describe_custodian(c: &CustodianCheck) -> String {
    match c {
        CustodianCheck::Me => "this service".into(),
        CustodianCheck::None => "none yet (every release is refused until the head designates this service)".into(),
        CustodianCheck::Other(a) => format!("{a}, not this service (every release is refused)"),
        CustodianCheck::KeyMismatch => "this account, with another encryption key (every release is refused)".into(),
    }
}

/// The custodian on chain compared with this service.
async fn custodian_check(c: &Client<'_>) -> Result<CustodianCheck> {
    Ok(match c.custodian().await? {
        None => CustodianCheck::None,
        Some((a, _)) if a != c.me => CustodianCheck::Other(a.to_string()),
        Some((_, k)) if k != c.keys.public_bytes() => CustodianCheck::KeyMismatch,
        Some(_) => CustodianCheck::Me,
    })
}

/// Handles every `EmergencyAccessOpened` event of block `n`; returns the
/// block's hash. An event of the permissions contract that the bundle does
/// not decode is judged first ([`undecoded_action`]): one that is, or may
/// be, an `EmergencyAccessOpened` stops the service with a [`Fatal`] error
/// before any event of the block is handled and before the block is saved
/// (it is handled in full once the bundle is updated); any other is logged
/// and counted in `skipped`.
async fn handle_block(c: &Client<'_>, n: u32, skipped: &mut u32) -> Result<String> {
    let (hash, events) = c.chain.contract_events_in(n, Contract::Permissions).await?;
    let mut opened = Vec::new();
    for ev in events {
        match ev {
            Ok(v) => {
                if matches!(variant(v.clone()), Some((name, _)) if name == "EmergencyAccessOpened") {
                    opened.push(v);
                }
            }
            Err(u) => match undecoded_action(n, u.event.as_deref(), u.signature.as_deref(), &u.error) {
                UndecodedAction::Stop(line) => {
                    log(format!("ERROR: {line}"));
                    return Err(fatal(anyhow!("{line}")));
                }
                UndecodedAction::Skip(line) => {
                    *skipped = skipped.saturating_add(1);
                    log(format!("WARNING: {line} ({skipped} undecoded event(s) skipped since the start)"));
                }
            },
        }
    }
    for ev in &opened {
        handle_opened(c, n, ev).await?;
    }
    Ok(hash)
}

async fn handle_opened(c: &Client<'_>, block: u32, ev: &Value) -> Result<()> {
    let patient = as_account(field(ev, "patient")?)?;
    let doctor = as_account(field(ev, "doctor")?)?;
    let index = u32::try_from(as_u128(field(ev, "index")?)?)?;
    let what = format!("block {block}: emergency access #{index} on patient {patient} by doctor {doctor}");
    let (facts, custodian_wrapped, doctor_key) = gather(c, &patient, &doctor, index).await?;
    match decide(&facts) {
        Decision::Refuse(r) => log(format!("{what}: refused: {r}")),
        Decision::AlreadyHeld => log(format!("{what}: the doctor already holds the card key: nothing to do")),
        Decision::Release => {
            let (Some(wrapped), Some(pk)) = (custodian_wrapped, doctor_key) else {
                return Err(anyhow!("{what}: the facts changed while deciding"));
            };
            let k = match unwrap_key(&c.keys, &wrapped, &wrap_info(&patient.0, Sealed::Card, &c.me.0)) {
                Ok(k) => k,
                Err(e) => {
                    log(format!(
                        "{what}: refused: the card key wrapped for the custodian does not open with this service's key ({e:?})"
                    ));
                    return Ok(());
                }
            };
            let for_doctor = match wrap_key(&pk, &k, &wrap_info(&patient.0, Sealed::Card, &doctor.0)) {
                Ok(w) => w,
                Err(e) => {
                    log(format!("{what}: refused: the doctor's published key is unusable ({e:?})"));
                    return Ok(());
                }
            };
            let args = [arg::account(&patient), "Card".to_string(), arg::account(&doctor), arg::bytes(&for_doctor)];
            match c.chain.send(&c.signer, Contract::Records, "share_key", &args, 0).await {
                Ok(_) => log(format!(
                    "{what}: released the card key (card v{}) to the doctor",
                    facts.card_version.unwrap_or_default()
                )),
                Err(e) if refusal(&e).is_some() => log(format!("{what}: refused by the records contract: {e}")),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// The facts for one event, read now; with the card key wrapped for the
/// custodian and the doctor's public key (for a release).
async fn gather(
    c: &Client<'_>,
    patient: &AccountId32,
    doctor: &AccountId32,
    index: u32,
) -> Result<(Facts, Option<Vec<u8>>, Option<[u8; 32]>)> {
    let custodian = custodian_check(c).await?;
    let v = c
        .query(Contract::Permissions, "emergencies_of", &[arg::account(patient), arg::num(index), arg::num(1)])
        .await?;
    let emergency = match as_seq(&v)?.first() {
        None => None,
        Some(e) => Some(EmergencyFacts {
            doctor: as_account(field(e, "doctor")?)?.0,
            expires_at: u64::try_from(as_u128(field(e, "expires_at")?)?)?,
            closed_at: match as_option(field(e, "closed")?)? {
                None => None,
                Some(t) => {
                    let t = chain::as_tuple(&t)?;
                    Some(u64::try_from(as_u128(t.first().ok_or_else(|| anyhow!("bad closed field"))?)?)?)
                }
            },
        }),
    };
    let now_ms = c.chain.chain_time_ms().await?.max(wall_ms());
    let standing = c.query(Contract::Registry, "RegistryApi::standing", &[arg::account(doctor)]).await?;
    let doctor_verified = match variant(standing.clone()) {
        Some((s, vals)) if s == "Provider" => {
            let names: Vec<String> = vals.into_iter().filter_map(|v| variant(v).map(|(n, _)| n)).collect();
            names == ["Doctor", "Verified"]
        }
        _ => false,
    };
    let doctor_key = c.encryption_key_of(doctor).await?;
    let card_version = c.stored_card(patient).await?.map(|s| s.version);
    let key_of = |who: &AccountId32| [arg::account(patient), "Card".to_string(), arg::account(who)];
    let mine =
        as_option(&c.query(Contract::Records, "key_of", &key_of(&c.me)).await?)?.map(|w| as_bytes(&w)).transpose()?;
    let doctors = as_option(&c.query(Contract::Records, "key_of", &key_of(doctor)).await?)?;
    let facts = Facts {
        custodian,
        event_doctor: doctor.0,
        emergency,
        now_ms,
        doctor_standing: standing.to_string(),
        doctor_verified,
        doctor_has_key: doctor_key.is_some(),
        card_version,
        custodian_holds_key: mine.is_some(),
        doctor_holds_key: doctors.is_some(),
    };
    Ok((facts, mine, doctor_key))
}
