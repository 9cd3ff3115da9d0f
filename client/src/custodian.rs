//! The emergency key service's pure parts (no chain access): its state file,
//! where it resumes, the decision it takes for one `EmergencyAccessOpened`
//! event from the facts it read on chain, and the reconnection backoff.
//! The loop that follows blocks and reads those facts is
//! `journeys::service` (feature `chain`).
//!
//! The service holds the emergency custodian's encryption key. For every
//! emergency access opened in the permissions contract it checks, on chain
//! and now, that the access is open (not closed, not expired), that the
//! doctor is a verified doctor with a published encryption key, and that
//! the patient has a card whose key is wrapped for the custodian; then it
//! re-wraps the card's key for the doctor (`records.share_key(patient,
//! Card, doctor, wrapped)`), which the records contract checks again. It
//! never reads nor asks for any other key.

use anyhow::{bail, Context, Result};
use std::{fmt, path::Path, time::Duration};

/// What the service keeps between runs: the chain it follows (its genesis
/// hash) and the last block it handled completely (number and hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServiceState {
    /// Format version (1).
    pub version: u32,
    /// The genesis hash of the chain (`0x…`): a state file of another chain
    /// is refused.
    pub genesis: String,
    /// The last block whose events were all handled.
    pub last_block: u32,
    /// Its hash (`0x…`): a development chain restarted from scratch has the
    /// same genesis but other blocks, and is refused too.
    pub last_hash: String,
}

impl ServiceState {
    /// A state at block `last_block` (hash `last_hash`) of the chain `genesis`.
    pub fn new(genesis: &str, last_block: u32, last_hash: &str) -> Self {
        Self { version: 1, genesis: genesis.to_string(), last_block, last_hash: last_hash.to_string() }
    }

    /// The state saved at `path`; `None` if there is no file yet.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading the state file {}", path.display())),
        };
        let s: Self =
            serde_json::from_str(&text).with_context(|| format!("parsing the state file {}", path.display()))?;
        if s.version != 1 {
            bail!("{}: state file version {} (this service writes 1)", path.display(), s.version);
        }
        Ok(Some(s))
    }

    /// Writes the state to `path` atomically (a temporary file renamed over
    /// it), so that a crash leaves the old state or the new one.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, serde_json::to_string(self)? + "\n")
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
    }
}

/// The first block to handle: the one after the saved state's, else
/// `from_block`, else `head` (the node's current block, so that a fresh
/// service does not replay history unless asked). `hash_at_saved` is the
/// hash this node has at the saved block's number (`None`: it has no such
/// block).
///
/// # Errors
/// The state belongs to another chain: another genesis hash, or another
/// block at the saved number (a development chain started afresh).
pub fn start_block(
    saved: Option<&ServiceState>,
    genesis: &str,
    hash_at_saved: Option<&str>,
    from_block: Option<u32>,
    head: u32,
) -> Result<u32> {
    let Some(s) = saved else { return Ok(from_block.unwrap_or(head)) };
    if s.genesis != genesis {
        bail!(
            "the state file belongs to the chain with genesis {}, this node's genesis is {genesis}: \
             give another --state file (or delete it to start afresh)",
            s.genesis
        );
    }
    if hash_at_saved != Some(s.last_hash.as_str()) {
        bail!(
            "the state file's block {} ({}) is not on this node's chain (it has {}): a chain started afresh? \
             give another --state file (or delete it to start afresh)",
            s.last_block,
            s.last_hash,
            hash_at_saved.unwrap_or("no such block")
        );
    }
    Ok(s.last_block.saturating_add(1))
}

/// The emergency custodian designated on chain, compared with this service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustodianCheck {
    /// This service's account and encryption key.
    Me,
    /// None designated.
    None,
    /// Another account (shown).
    Other(String),
    /// This account, with another encryption key than this service's.
    KeyMismatch,
}

/// One emergency access as stored (`permissions.emergencies_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyFacts {
    /// Its doctor.
    pub doctor: [u8; 32],
    /// When it ends (Unix ms, exclusive).
    pub expires_at: u64,
    /// When it was closed early, if it was.
    pub closed_at: Option<u64>,
}

/// What the service read on chain for one `EmergencyAccessOpened` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The designated custodian.
    pub custodian: CustodianCheck,
    /// The doctor named by the event.
    pub event_doctor: [u8; 32],
    /// The stored emergency at the event's index (`None`: no such entry).
    pub emergency: Option<EmergencyFacts>,
    /// Now (Unix ms): the later of the chain's last block time and the wall clock.
    pub now_ms: u64,
    /// The doctor's standing in the registry, as text (e.g. `Provider(Doctor, Verified)`).
    pub doctor_standing: String,
    /// The standing is a verified doctor.
    pub doctor_verified: bool,
    /// The doctor published an encryption key.
    pub doctor_has_key: bool,
    /// The patient's card version, if she has a card.
    pub card_version: Option<u32>,
    /// A key of the card is wrapped for the custodian.
    pub custodian_holds_key: bool,
    /// A key of the card is already wrapped for the doctor.
    pub doctor_holds_key: bool,
}

/// Why the service refuses a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No custodian is designated.
    NoCustodian,
    /// Another account is the custodian.
    NotTheCustodian(String),
    /// The designated custodian's key is not this service's.
    CustodianKeyMismatch,
    /// No emergency access at the event's index.
    NoSuchEmergency,
    /// The stored access is another doctor's.
    DoctorMismatch,
    /// Closed early (at, Unix ms).
    Closed(u64),
    /// Its window ended (at, Unix ms).
    Expired(u64),
    /// The doctor is not a verified doctor (her standing).
    NotVerifiedDoctor(String),
    /// The doctor published no encryption key.
    NoDoctorKey,
    /// The patient has no card.
    NoCard,
    /// The card's key is not wrapped for the custodian.
    NoCustodianKey,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoCustodian => write!(f, "no emergency custodian is designated"),
            Refusal::NotTheCustodian(a) => write!(f, "this service is not the designated custodian ({a} is)"),
            Refusal::CustodianKeyMismatch => {
                write!(f, "the designated custodian's encryption key is not this service's key")
            }
            Refusal::NoSuchEmergency => write!(f, "no such emergency access is stored (forged or unknown event)"),
            Refusal::DoctorMismatch => write!(f, "the stored emergency access is another doctor's"),
            Refusal::Closed(at) => write!(f, "the emergency access was closed (at {at})"),
            Refusal::Expired(at) => write!(f, "the emergency access expired (at {at})"),
            Refusal::NotVerifiedDoctor(s) => write!(f, "the doctor is not a verified doctor (standing {s})"),
            Refusal::NoDoctorKey => write!(f, "the doctor has published no encryption key"),
            Refusal::NoCard => write!(f, "the patient has no emergency card"),
            Refusal::NoCustodianKey => write!(f, "the card's key is not wrapped for the custodian"),
        }
    }
}

/// The service's decision for one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Re-wrap the card's key for the doctor.
    Release,
    /// The doctor already holds the card's key: nothing to do.
    AlreadyHeld,
    /// Refused, and why.
    Refuse(Refusal),
}

/// The decision from the facts: the custodian first, then the emergency
/// (stored, the event's doctor, not closed, not expired), then the doctor
/// (verified, with a key), then the card (set, its key wrapped for the
/// custodian).
pub fn decide(f: &Facts) -> Decision {
    use Refusal as R;
    let refuse = Decision::Refuse;
    match &f.custodian {
        CustodianCheck::Me => {}
        CustodianCheck::None => return refuse(R::NoCustodian),
        CustodianCheck::Other(a) => return refuse(R::NotTheCustodian(a.clone())),
        CustodianCheck::KeyMismatch => return refuse(R::CustodianKeyMismatch),
    }
    let Some(e) = &f.emergency else { return refuse(R::NoSuchEmergency) };
    if e.doctor != f.event_doctor {
        return refuse(R::DoctorMismatch);
    }
    if let Some(at) = e.closed_at {
        return refuse(R::Closed(at));
    }
    if f.now_ms >= e.expires_at {
        return refuse(R::Expired(e.expires_at));
    }
    if !f.doctor_verified {
        return refuse(R::NotVerifiedDoctor(f.doctor_standing.clone()));
    }
    if !f.doctor_has_key {
        return refuse(R::NoDoctorKey);
    }
    if f.card_version.is_none() {
        return refuse(R::NoCard);
    }
    if !f.custodian_holds_key {
        return refuse(R::NoCustodianKey);
    }
    if f.doctor_holds_key {
        return Decision::AlreadyHeld;
    }
    Decision::Release
}

/// What the service does with an event of the permissions contract that
/// the bundle's ABI did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndecodedAction {
    /// Stop with an error, before handling any event of the block and
    /// without saving it as handled: once the bundle is updated, the
    /// restarted service handles the block again, the event included.
    Stop(String),
    /// Log the line, count it, and carry on: an event the service does not
    /// act on.
    Skip(String),
}

/// The service's choice for an event of the permissions contract in block
/// `block` that did not decode, from what is known of it: `event`, the
/// bundle's event with its signature topic (the first topic identifies an
/// ink! 5 event), if any; `signature`, that topic; `error`, why decoding
/// failed.
///
/// - An `EmergencyAccessOpened` whose fields do not decode: an emergency
///   the service cannot handle. Skipping it would save the block as
///   handled and lose the emergency for good, so the service stops.
/// - A signature topic no event of the bundle has: code other than the
///   bundle's is deployed (the signature changes with the event's fields),
///   and the event may be an `EmergencyAccessOpened` of that code. The
///   service stops too.
/// - Another event of the bundle whose fields do not decode: the service
///   does not act on it; it is logged, counted and skipped.
///
/// In both stopping cases the remedy is the same: give the service the
/// bundle of the deployed permissions contract and restart it; it resumes
/// at this block.
pub fn undecoded_action(block: u32, event: Option<&str>, signature: Option<&str>, error: &str) -> UndecodedAction {
    let update = format!(
        "the permissions contract's bundle does not match the deployed contract: give the service the bundle \
         of the deployed code and restart it; it stops now without saving block {block}, and resumes there"
    );
    match (event, signature) {
        (Some("EmergencyAccessOpened"), _) => UndecodedAction::Stop(format!(
            "block {block}: an EmergencyAccessOpened event did not decode: {error}; not handled. {update}"
        )),
        (Some(other), _) => UndecodedAction::Skip(format!(
            "block {block}: an event of the permissions contract ({other}) did not decode: {error}; \
             skipped (the service acts on EmergencyAccessOpened only; the bundle may be out of date)"
        )),
        (None, sig) => UndecodedAction::Stop(format!(
            "block {block}: an event of the permissions contract with signature topic {} is not in the bundle's \
             ABI ({error}); not handled: it may be an EmergencyAccessOpened of other contract code. {update}",
            sig.unwrap_or("(none)")
        )),
    }
}

/// Exponential backoff for reconnecting: `min`, doubling up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// From `min` to at most `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        Self { min, max, next: min }
    }

    /// The next wait; the one after is twice as long (at most `max`).
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        d
    }

    /// Back to `min` (after a successful connection).
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCTOR: [u8; 32] = [2; 32];

    fn open() -> Facts {
        Facts {
            custodian: CustodianCheck::Me,
            event_doctor: DOCTOR,
            emergency: Some(EmergencyFacts { doctor: DOCTOR, expires_at: 2_000, closed_at: None }),
            now_ms: 1_000,
            doctor_standing: "Provider(Doctor, Verified)".into(),
            doctor_verified: true,
            doctor_has_key: true,
            card_version: Some(1),
            custodian_holds_key: true,
            doctor_holds_key: false,
        }
    }

    #[test]
    fn releases_only_for_an_open_emergency_of_a_verified_doctor_with_a_card() {
        assert_eq!(decide(&open()), Decision::Release);
        let refused = |f: Facts| match decide(&f) {
            Decision::Refuse(r) => r,
            d => panic!("expected a refusal, got {d:?} for {f:?}"),
        };
        let mut f = open();
        f.emergency.as_mut().unwrap().closed_at = Some(1_500);
        assert_eq!(refused(f), Refusal::Closed(1_500));
        let mut f = open();
        f.now_ms = 2_000;
        assert_eq!(refused(f), Refusal::Expired(2_000), "the end is exclusive");
        let mut f = open();
        f.now_ms = 1_999;
        assert_eq!(decide(&f), Decision::Release);
        let mut f = open();
        f.emergency = None;
        assert_eq!(refused(f), Refusal::NoSuchEmergency);
        let mut f = open();
        f.emergency.as_mut().unwrap().doctor = [9; 32];
        assert_eq!(refused(f), Refusal::DoctorMismatch);
        let mut f = open();
        f.doctor_verified = false;
        f.doctor_standing = "Provider(Doctor, Suspended)".into();
        assert_eq!(refused(f), Refusal::NotVerifiedDoctor("Provider(Doctor, Suspended)".into()));
        let mut f = open();
        f.doctor_has_key = false;
        assert_eq!(refused(f), Refusal::NoDoctorKey);
        let mut f = open();
        f.card_version = None;
        assert_eq!(refused(f), Refusal::NoCard);
        let mut f = open();
        f.custodian_holds_key = false;
        assert_eq!(refused(f), Refusal::NoCustodianKey);
        let mut f = open();
        f.doctor_holds_key = true;
        assert_eq!(decide(&f), Decision::AlreadyHeld);
    }

    #[test]
    fn a_wrong_custodian_releases_nothing() {
        for (c, r) in [
            (CustodianCheck::None, Refusal::NoCustodian),
            (CustodianCheck::Other("5Grw".into()), Refusal::NotTheCustodian("5Grw".into())),
            (CustodianCheck::KeyMismatch, Refusal::CustodianKeyMismatch),
        ] {
            let mut f = open();
            f.custodian = c;
            assert_eq!(decide(&f), Decision::Refuse(r.clone()));
            assert!(!r.to_string().is_empty());
        }
    }

    #[test]
    fn closed_and_expired_are_refused_before_anything_else_about_the_doctor() {
        // a closed emergency of an unverified doctor without a key: the
        // closure is the reason given
        let mut f = open();
        f.emergency.as_mut().unwrap().closed_at = Some(7);
        f.doctor_verified = false;
        f.doctor_has_key = false;
        f.card_version = None;
        assert_eq!(decide(&f), Decision::Refuse(Refusal::Closed(7)));
    }

    #[test]
    fn state_file_round_trip_and_resume() {
        let dir = std::env::temp_dir().join(format!("smrms-service-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.json");
        let _ = std::fs::remove_file(&path);
        assert_eq!(ServiceState::load(&path).unwrap(), None, "no file: no state");
        let s = ServiceState::new("0xabc", 41, "0x41");
        s.save(&path).unwrap();
        assert_eq!(ServiceState::load(&path).unwrap(), Some(s.clone()));
        assert!(!dir.join("state.json.tmp").exists(), "the temporary file is renamed");
        // resume from the block after the saved one, whatever the head
        assert_eq!(start_block(Some(&s), "0xabc", Some("0x41"), Some(3), 100).unwrap(), 42);
        // another chain, or the same genesis with other blocks: refused
        let err = start_block(Some(&s), "0xdef", Some("0x41"), None, 100).unwrap_err().to_string();
        assert!(err.contains("genesis"), "{err}");
        let err = start_block(Some(&s), "0xabc", Some("0x99"), None, 100).unwrap_err().to_string();
        assert!(err.contains("not on this node's chain"), "{err}");
        let err = start_block(Some(&s), "0xabc", None, None, 30).unwrap_err().to_string();
        assert!(err.contains("no such block"), "{err}");
        // no state: --from-block, else the head
        assert_eq!(start_block(None, "0xabc", None, Some(3), 100).unwrap(), 3);
        assert_eq!(start_block(None, "0xabc", None, None, 100).unwrap(), 100);
        // a later save replaces it
        ServiceState::new("0xabc", 42, "0x42").save(&path).unwrap();
        assert_eq!(ServiceState::load(&path).unwrap().unwrap().last_block, 42);
        // garbage and other versions are errors, not a silent restart
        std::fs::write(&path, "not json").unwrap();
        assert!(ServiceState::load(&path).is_err());
        std::fs::write(&path, r#"{"version":2,"genesis":"0xabc","last_block":1,"last_hash":"0x1"}"#).unwrap();
        assert!(ServiceState::load(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(4));
        let got: Vec<u128> = (0..6).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(got, [500, 1000, 2000, 4000, 4000, 4000]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(500));
    }

    /// (the bundle's event with that signature, the signature, stops, words in the line)
    type UndecodedCase<'a> = (Option<&'a str>, Option<&'a str>, bool, &'a [&'a str]);

    #[test]
    fn undecoded_events() {
        let sig = "0x1234";
        #[rustfmt::skip]
        let cases: &[UndecodedCase] = &[
            (Some("EmergencyAccessOpened"), Some(sig), true, &[
                "block 7: an EmergencyAccessOpened event did not decode: bad variant; not handled.",
                "does not match the deployed contract", "without saving block 7", "resumes there",
            ]),
            (None, Some(sig), true, &[
                "block 7: an event of the permissions contract with signature topic 0x1234 is not in the bundle's ABI (bad variant)",
                "may be an EmergencyAccessOpened", "without saving block 7",
            ]),
            (None, None, true, &["signature topic (none)", "not handled"]),
            (Some("AccessLogged"), Some(sig), false, &[
                "block 7: an event of the permissions contract (AccessLogged) did not decode: bad variant; skipped",
            ]),
        ];
        for (event, signature, stops, words) in cases {
            let (stopped, line) = match undecoded_action(7, *event, *signature, "bad variant") {
                UndecodedAction::Stop(l) => (true, l),
                UndecodedAction::Skip(l) => (false, l),
            };
            assert_eq!(stopped, *stops, "{event:?}: {line}");
            for w in *words {
                assert!(line.contains(w), "{event:?}: {line:?} lacks {w:?}");
            }
        }
    }
}
