//! FHIR R4 export: a patient's data as a FHIR R4 `Bundle` of
//! type `collection`.
//!
//! Pure functions from plain Rust structs to `serde_json` values: nothing
//! here talks to a chain, so the mapping is unit-tested without a node. The
//! glue that fills an [`Export`] from the chain (opening what the exporting
//! account holds keys for) is `journeys::Client::fhir_export` (feature
//! `chain`); `smrms export --fhir FILE` writes the bundle.
//!
//! | SMRMS | FHIR R4 |
//! |---|---|
//! | the patient's sealed profile (opened with the exporter's key) | `Patient` (name, birthDate, gender, address, phone, emergency contact), `Observation` (blood group, LOINC 882-1), `AllergyIntolerance` (allergies as text) |
//! | a provider involved (registry's public directory) | `Practitioner` + `PractitionerRole` (kind, specialization) |
//! | a grant (current, or ended as found in the chain's events) | `Consent` (scopes as `provision.action`, period, `inactive` once revoked, renounced, replaced or expired) |
//! | an appointment | `Appointment` (status mapped, texts opened for a participant) |
//! | a medication entry | `MedicationStatement` |
//! | a record | `DocumentReference` (opened title/body as a `text/plain` attachment; the chain's content hash, block and commitment salt as identifiers) |
//! | an access-log entry | `AuditEvent` (granted, granted under emergency, denied with its reason) |
//!
//! Items the exporter cannot open are exported without content and marked:
//! `meta.tag` `urn:smrms:export#sealed` and the `data-absent-reason`
//! extension (`masked`) where FHIR requires the element.
//!
//! Every entry has a `urn:uuid:` `fullUrl` derived from (patient, item), so
//! the same item keeps its URL across exports; references inside the bundle
//! point at those URLs. Accounts outside the bundle (an accessor who is not a
//! provider) are referenced by identifier (`urn:smrms:account`, SS58).

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use blake2::{digest::consts::U32, Blake2b, Digest};
use serde_json::{json, Map, Value};
use smrms_shared::{AccessAction, AccessOutcome, DenyReason, ProviderKind, ProviderStatus, Scopes};
use std::collections::{BTreeMap, BTreeSet};

/// The FHIR version the bundle follows.
pub const FHIR_VERSION: &str = "4.0.1";
/// Identifier system of an SMRMS account (the value is its SS58 address).
pub const SYS_ACCOUNT: &str = "urn:smrms:account";
/// Identifier system of a record (`<patient>/<id>`).
pub const SYS_RECORD: &str = "urn:smrms:record";
/// Identifier system of the chain's content hash of a record: blake2-256 over
/// SCALE(kind code, on-chain title, on-chain body), `0x` + hex.
pub const SYS_CONTENT_HASH: &str = "urn:smrms:content-hash";
/// Identifier system of the block a record was stored in.
pub const SYS_BLOCK: &str = "urn:smrms:block";
/// Identifier system of a record's commitment salt (`0x` + hex): with the
/// opened title and body it proves them against the on-chain envelope.
pub const SYS_SALT: &str = "urn:smrms:commitment-salt";
/// Identifier system of a medication entry (`<patient>/<id>`).
pub const SYS_MEDICATION: &str = "urn:smrms:medication";
/// Identifier system of an appointment (its global id).
pub const SYS_APPOINTMENT: &str = "urn:smrms:appointment";
/// Identifier system of a grant (`<patient>/<grantee>/<granted_at ms>`).
pub const SYS_GRANT: &str = "urn:smrms:grant";
/// Identifier system of an export.
pub const SYS_EXPORT: &str = "urn:smrms:export";
/// Code system of SMRMS scopes (`demographics`, `records-read`, …).
pub const SYS_SCOPE: &str = "urn:smrms:scope";
/// Code system of SMRMS record kinds.
pub const SYS_RECORD_KIND: &str = "urn:smrms:record-kind";
/// Code system of SMRMS access-log actions.
pub const SYS_ACTION: &str = "urn:smrms:access-action";
/// Code system of the export's tags (`sealed`, `revoked`, …).
pub const SYS_TAG: &str = "urn:smrms:export";

const DAR: &str = "http://hl7.org/fhir/StructureDefinition/data-absent-reason";
const ACT_REASON: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

// ----------------------------------------------------------------------
// input: plain structs
// ----------------------------------------------------------------------

/// Everything the exporter could fetch for one patient.
#[derive(Debug, Clone, Default)]
pub struct Export {
    /// The patient's account (SS58).
    pub patient: String,
    /// The exporting account (SS58).
    pub exported_by: String,
    /// When the export was made (Unix milliseconds).
    pub exported_at_ms: u64,
    /// The suite's contracts (name, address), named as the audit source.
    pub contracts: Vec<(String, String)>,
    /// The profile.
    pub profile: ProfileData,
    /// Providers involved (registry's public directory).
    pub providers: Vec<ProviderData>,
    /// Grants: current ones and ended ones found in the chain's history.
    pub grants: Vec<GrantData>,
    /// Appointments the exporter may see.
    pub appointments: Vec<AppointmentData>,
    /// Medication entries.
    pub medications: Vec<MedicationData>,
    /// Records.
    pub records: Vec<RecordData>,
    /// The access log, in order.
    pub access_log: Vec<AccessEntry>,
}

/// The profile's text fields, each `None` when the exporter could not open
/// it (and `Some("")` when it is empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileFields {
    /// Full name.
    pub name: Option<String>,
    /// Date of birth (free text; `YYYY-MM-DD` becomes `birthDate`).
    pub date_of_birth: Option<String>,
    /// Gender (free text, mapped to FHIR's `male`/`female`/`other`/`unknown`).
    pub gender: Option<String>,
    /// Home address.
    pub home_address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Blood group.
    pub blood_group: Option<String>,
    /// Allergies (free text).
    pub allergies: Option<String>,
    /// Emergency contact's name.
    pub emergency_contact_name: Option<String>,
    /// Emergency contact's phone.
    pub emergency_contact_phone: Option<String>,
}

impl ProfileFields {
    /// From the nine fields in `journeys::PROFILE_FIELDS` order.
    pub fn from_array(f: [Option<String>; 9]) -> Self {
        let [name, date_of_birth, gender, home_address, phone, blood_group, allergies, ec_name, ec_phone] = f;
        Self {
            name,
            date_of_birth,
            gender,
            home_address,
            phone,
            blood_group,
            allergies,
            emergency_contact_name: ec_name,
            emergency_contact_phone: ec_phone,
        }
    }

    /// True when no field was opened.
    pub fn all_sealed(&self) -> bool {
        [
            &self.name,
            &self.date_of_birth,
            &self.gender,
            &self.home_address,
            &self.phone,
            &self.blood_group,
            &self.allergies,
            &self.emergency_contact_name,
            &self.emergency_contact_phone,
        ]
        .iter()
        .all(|f| f.is_none())
    }
}

/// The patient's profile as the exporter sees it.
#[derive(Debug, Clone, Default)]
pub struct ProfileData {
    /// The opened fields.
    pub fields: ProfileFields,
    /// When she registered (Unix milliseconds).
    pub registered_at_ms: Option<u64>,
    /// Whether the head checked her identity off-chain.
    pub identity_verified: bool,
}

/// A provider's public directory entry.
#[derive(Debug, Clone)]
pub struct ProviderData {
    /// The account (SS58).
    pub account: String,
    /// Name.
    pub name: String,
    /// Phone.
    pub phone: String,
    /// Gender (free text).
    pub gender: String,
    /// Qualification.
    pub qualification: String,
    /// Specialization.
    pub specialization: String,
    /// Kind.
    pub kind: ProviderKind,
    /// Verification status.
    pub status: ProviderStatus,
}

/// How a grant ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantEndKind {
    /// The patient revoked it.
    Revoked,
    /// The grantee renounced it.
    Renounced,
    /// The patient granted the same account again (new scopes or expiry).
    Replaced,
    /// It ended, and the history does not say how.
    Unknown,
}

impl GrantEndKind {
    fn code(self) -> &'static str {
        match self {
            GrantEndKind::Revoked => "revoked",
            GrantEndKind::Renounced => "renounced",
            GrantEndKind::Replaced => "replaced",
            GrantEndKind::Unknown => "ended",
        }
    }
}

/// One grant: current, or ended.
#[derive(Debug, Clone)]
pub struct GrantData {
    /// The grantee (SS58).
    pub grantee: String,
    /// The scopes.
    pub scopes: Scopes,
    /// When it was granted (Unix milliseconds), if known.
    pub granted_at_ms: Option<u64>,
    /// When it expires (Unix milliseconds, exclusive); `None` = until revoked.
    pub expires_at_ms: Option<u64>,
    /// How and when it ended; `None` for a grant stored now.
    pub ended: Option<(GrantEndKind, Option<u64>)>,
}

/// A grant event of one patient, as the permissions contract emits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantEvent {
    /// `AccessGranted`: a new grant, or a new grant replacing the grantee's
    /// current one.
    Granted {
        /// The scopes.
        scopes: Scopes,
        /// Expiry (Unix milliseconds).
        expires_at_ms: Option<u64>,
    },
    /// `AccessRevoked` or `AccessRenounced`.
    Ended(GrantEndKind),
}

/// The grants to export: every grant of `history` (grantee, block time,
/// event; in chain order) that ended, then the `current` grants (the
/// contract's list, which is authoritative for what is in force). A grant the
/// history opens but that is not current any more ended where the history
/// does not show it (`Unknown`); an end without its grant in the history
/// (the grant is older than the scanned blocks) is kept with unknown scopes.
pub fn merge_grants(current: Vec<GrantData>, history: Vec<(String, Option<u64>, GrantEvent)>) -> Vec<GrantData> {
    let mut open: Vec<GrantData> = Vec::new();
    let mut out = Vec::new();
    for (grantee, at, ev) in history {
        let prev = open.iter().position(|g| g.grantee == grantee).map(|i| open.remove(i));
        match ev {
            GrantEvent::Granted { scopes, expires_at_ms } => {
                if let Some(mut p) = prev {
                    p.ended = Some((GrantEndKind::Replaced, at));
                    out.push(p);
                }
                open.push(GrantData { grantee, scopes, granted_at_ms: at, expires_at_ms, ended: None });
            }
            GrantEvent::Ended(kind) => {
                let mut p = prev.unwrap_or(GrantData {
                    grantee,
                    scopes: Scopes::default(),
                    granted_at_ms: None,
                    expires_at_ms: None,
                    ended: None,
                });
                p.ended = Some((kind, at));
                out.push(p);
            }
        }
    }
    for mut p in open {
        if !current.iter().any(|c| c.grantee == p.grantee) {
            p.ended = Some((GrantEndKind::Unknown, None));
            out.push(p);
        }
    }
    out.extend(current);
    out.sort_by_key(|g| g.granted_at_ms.or(g.ended.and_then(|(_, at)| at)).unwrap_or(0));
    out
}

/// An appointment's status, as the appointments contract names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    /// Requested by the patient, waiting for the doctor.
    Requested,
    /// Set by the doctor with a fee, waiting for the patient.
    Proposed,
    /// Booked.
    Booked,
    /// Took place.
    Completed,
    /// Cancelled.
    Cancelled,
    /// Declined by the doctor.
    Declined,
    /// The patient did not come.
    NoShow,
}

impl AppointmentStatus {
    /// From the contract's variant name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Requested" => Self::Requested,
            "Proposed" => Self::Proposed,
            "Booked" => Self::Booked,
            "Completed" => Self::Completed,
            "Cancelled" => Self::Cancelled,
            "Declined" => Self::Declined,
            "NoShow" => Self::NoShow,
            _ => return None,
        })
    }
}

/// FHIR's `Appointment.status` for an SMRMS status.
pub fn appointment_status(s: AppointmentStatus) -> &'static str {
    match s {
        AppointmentStatus::Requested => "proposed",
        AppointmentStatus::Proposed => "pending",
        AppointmentStatus::Booked => "booked",
        AppointmentStatus::Completed => "fulfilled",
        AppointmentStatus::Cancelled | AppointmentStatus::Declined => "cancelled",
        AppointmentStatus::NoShow => "noshow",
    }
}

/// One appointment; its texts are `None` when the exporter could not open
/// them (not a participant).
#[derive(Debug, Clone)]
pub struct AppointmentData {
    /// Id (global to the suite).
    pub id: u64,
    /// The doctor (SS58).
    pub doctor: String,
    /// The patient (SS58).
    pub patient: String,
    /// Start (Unix milliseconds).
    pub start_ms: u64,
    /// Duration in minutes.
    pub duration_min: u32,
    /// Status.
    pub status: AppointmentStatus,
    /// When it was created (Unix milliseconds).
    pub created_at_ms: u64,
    /// A new start the doctor proposed, waiting for the patient.
    pub proposed_start_ms: Option<u64>,
    /// Reason.
    pub reason: Option<String>,
    /// Diagnosis.
    pub diagnosis: Option<String>,
    /// Prescription.
    pub prescription: Option<String>,
}

/// A medication entry's texts, opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicationText {
    /// Drug name.
    pub name: String,
    /// Dose.
    pub dose: String,
    /// Frequency.
    pub frequency: String,
    /// Notes.
    pub notes: String,
}

/// One medication entry.
#[derive(Debug, Clone)]
pub struct MedicationData {
    /// Id (per patient).
    pub id: u32,
    /// The opened texts; `None` when no key is wrapped for the exporter.
    pub text: Option<MedicationText>,
    /// Start (Unix milliseconds).
    pub start_ms: u64,
    /// Planned end.
    pub end_ms: Option<u64>,
    /// The prescribing doctor (SS58).
    pub prescribed_by: Option<String>,
    /// Who added it (SS58).
    pub added_by: String,
    /// When it was stopped.
    pub stopped_at_ms: Option<u64>,
    /// Added under an emergency access.
    pub emergency: bool,
}

/// A record's content as the exporter got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordContent {
    /// Opened (and checked against the envelope's commitment).
    Opened {
        /// Title.
        title: String,
        /// Body.
        body: String,
        /// The commitment's salt.
        salt: [u8; 16],
    },
    /// Not opened, and why.
    Sealed(String),
}

/// One record.
#[derive(Debug, Clone)]
pub struct RecordData {
    /// Id (per patient).
    pub id: u32,
    /// Kind, as the contract names it (`Diagnosis`, `Note`, …).
    pub kind: String,
    /// The author (SS58).
    pub author: String,
    /// When it was stored (Unix milliseconds).
    pub created_at_ms: u64,
    /// The block it was stored in.
    pub block: u32,
    /// The chain's content hash.
    pub content_hash: [u8; 32],
    /// Whether the content hash matches the stored envelope.
    pub hash_ok: bool,
    /// The record this one corrects.
    pub supersedes: Option<u32>,
    /// The record that corrects this one.
    pub superseded_by: Option<u32>,
    /// Written under an emergency access.
    pub emergency: bool,
    /// Content.
    pub content: RecordContent,
}

/// One access-log entry.
#[derive(Debug, Clone)]
pub struct AccessEntry {
    /// Position in the log.
    pub index: u32,
    /// Who tried (SS58).
    pub accessor: String,
    /// What.
    pub action: AccessAction,
    /// Outcome.
    pub outcome: AccessOutcome,
    /// When (Unix milliseconds).
    pub at_ms: u64,
}

// ----------------------------------------------------------------------
// small helpers
// ----------------------------------------------------------------------

/// Unix milliseconds as a FHIR `instant` (`YYYY-MM-DDThh:mm:ss.sssZ`, UTC);
/// times past year 9999 are clamped to its last millisecond.
pub fn instant(ms: u64) -> String {
    const DAY: u64 = 86_400_000;
    // 9999-12-31T23:59:59.999Z
    let ms = ms.min(253_402_300_799_999);
    let days = i64::try_from(ms / DAY).unwrap_or(0);
    let rem = ms % DAY;
    // Howard Hinnant's civil_from_days
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// A deterministic `urn:uuid:` for an item of a patient (version 8,
/// name-based on blake2b).
pub fn item_urn(patient: &str, item: &str) -> String {
    let h: [u8; 32] = Blake2b::<U32>::new()
        .chain_update(b"smrms/fhir/v1")
        .chain_update(patient.as_bytes())
        .chain_update([0u8])
        .chain_update(item.as_bytes())
        .finalize()
        .into();
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!("urn:uuid:{}-{}-{}-{}-{}", &x[..8], &x[8..12], &x[12..16], &x[16..20], &x[20..])
}

/// FHIR's administrative gender for a free-text gender.
pub fn gender(text: &str) -> Option<&'static str> {
    let t = text.trim().to_ascii_lowercase();
    Some(match t.as_str() {
        "" => return None,
        "m" | "male" | "man" => "male",
        "f" | "female" | "woman" => "female",
        "unknown" | "u" => "unknown",
        _ => "other",
    })
}

/// True for a FHIR `date` (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, month and day
/// in range).
pub fn is_fhir_date(s: &str) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    let num = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    let ok_year = p.first().is_some_and(|y| num(y, 4) && *y != "0000");
    let ok_month = p.get(1).is_none_or(|m| num(m, 2) && (1..=12).contains(&m.parse::<u8>().unwrap_or(0)));
    let ok_day = p.get(2).is_none_or(|d| num(d, 2) && (1..=31).contains(&d.parse::<u8>().unwrap_or(0)));
    p.len() <= 3 && ok_year && ok_month && ok_day
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({ "system": system, "code": code, "display": display })
}

fn tag(code: &str, display: &str) -> Value {
    coding(SYS_TAG, code, display)
}

fn masked() -> Value {
    json!([{ "url": DAR, "valueCode": "masked" }])
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

fn set_meta(r: &mut Map<String, Value>, tags: Vec<Value>, security: Vec<Value>) {
    let mut meta = Map::new();
    if !tags.is_empty() {
        meta.insert("tag".into(), Value::Array(tags));
    }
    if !security.is_empty() {
        meta.insert("security".into(), Value::Array(security));
    }
    if !meta.is_empty() {
        r.insert("meta".into(), Value::Object(meta));
    }
}

fn emergency_label() -> Value {
    coding(ACT_REASON, "ETREAT", "Emergency Treatment")
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn record_kind_loinc(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "Diagnosis" => ("29548-5", "Diagnosis Narrative"),
        "Prescription" => ("57833-6", "Prescription for medication"),
        "LabResult" => ("11502-2", "Laboratory report"),
        "Procedure" => ("28570-0", "Procedure note"),
        "Imaging" => ("18748-4", "Diagnostic imaging study"),
        "Note" => ("34109-9", "Note"),
        _ => return None,
    })
}

fn scope_codes(s: &Scopes) -> Vec<(&'static str, Option<&'static str>, &'static str)> {
    // (SMRMS scope, FHIR consentaction code, words)
    let mut v = Vec::new();
    if s.demographics {
        v.push(("demographics", Some("access"), "read the profile (demographics)"));
    }
    if s.records_read {
        v.push(("records-read", Some("access"), "read medical records and medications"));
    }
    if s.records_write {
        v.push(("records-write", Some("collect"), "add medical records and medications"));
    }
    if s.appointments {
        v.push(("appointments", None, "set appointments"));
    }
    v
}

fn deny_words(r: DenyReason) -> &'static str {
    match r {
        DenyReason::NoConsent => "no consent (none given, revoked or expired) and no emergency access open",
        DenyReason::NotVerified => "the provider is not verified",
        DenyReason::Unregistered => "the accessor is not registered",
        DenyReason::WrongRole => "the accessor's role may not do this",
    }
}

// ----------------------------------------------------------------------
// the bundle
// ----------------------------------------------------------------------

/// Builds resources for one export; holds the reference table.
struct Builder<'a> {
    e: &'a Export,
    /// account → (fullUrl, display)
    people: BTreeMap<String, (String, String)>,
    entries: Vec<Value>,
}

impl<'a> Builder<'a> {
    fn new(e: &'a Export) -> Self {
        let mut people = BTreeMap::new();
        let pname = non_empty(&e.profile.fields.name).map_or_else(|| "the patient".to_string(), str::to_string);
        people.insert(e.patient.clone(), (item_urn(&e.patient, "patient"), pname));
        for p in &e.providers {
            if p.account != e.patient {
                people.insert(
                    p.account.clone(),
                    (item_urn(&e.patient, &format!("practitioner/{}", p.account)), p.name.clone()),
                );
            }
        }
        Self { e, people, entries: Vec::new() }
    }

    fn urn(&self, item: &str) -> String {
        item_urn(&self.e.patient, item)
    }

    /// A reference to an account: inside the bundle if it is the patient or
    /// a listed provider, else by identifier.
    fn who(&self, account: &str) -> Value {
        match self.people.get(account) {
            Some((url, display)) => json!({ "reference": url, "display": display }),
            None => json!({
                "identifier": { "system": SYS_ACCOUNT, "value": account },
                "display": format!("account {account}"),
            }),
        }
    }

    fn patient_ref(&self) -> Value {
        self.who(&self.e.patient)
    }

    fn push(&mut self, full_url: String, resource: Map<String, Value>) {
        self.entries.push(json!({ "fullUrl": full_url, "resource": Value::Object(resource) }));
    }

    fn patient(&mut self) {
        let f = &self.e.profile.fields;
        let mut r = Map::new();
        r.insert("resourceType".into(), json!("Patient"));
        r.insert("id".into(), json!("patient"));
        let mut tags = Vec::new();
        if f.all_sealed() {
            tags.push(tag("sealed", "profile not opened: no profile key is wrapped for the exporting account"));
        }
        if self.e.profile.identity_verified {
            tags.push(tag("identity-verified", "identity checked off-chain by the head office"));
        }
        set_meta(&mut r, tags, vec![]);
        r.insert("identifier".into(), json!([{ "system": SYS_ACCOUNT, "value": self.e.patient }]));
        r.insert("active".into(), json!(true));
        if let Some(n) = non_empty(&f.name) {
            r.insert("name".into(), json!([{ "text": n }]));
        }
        if let Some(p) = non_empty(&f.phone) {
            r.insert("telecom".into(), json!([{ "system": "phone", "value": p }]));
        }
        if let Some(g) = non_empty(&f.gender).and_then(gender) {
            r.insert("gender".into(), json!(g));
        }
        if let Some(d) = non_empty(&f.date_of_birth).filter(|d| is_fhir_date(d)) {
            r.insert("birthDate".into(), json!(d));
        }
        if let Some(a) = non_empty(&f.home_address) {
            r.insert("address".into(), json!([{ "text": a }]));
        }
        let (ecn, ecp) = (non_empty(&f.emergency_contact_name), non_empty(&f.emergency_contact_phone));
        if ecn.is_some() || ecp.is_some() {
            let mut c = Map::new();
            c.insert(
                "relationship".into(),
                json!([{ "coding": [coding("http://terminology.hl7.org/CodeSystem/v2-0131", "C", "Emergency Contact")] }]),
            );
            if let Some(n) = ecn {
                c.insert("name".into(), json!({ "text": n }));
            }
            if let Some(p) = ecp {
                c.insert("telecom".into(), json!([{ "system": "phone", "value": p }]));
            }
            r.insert("contact".into(), json!([Value::Object(c)]));
        }
        let url = self.people[&self.e.patient].0.clone();
        self.push(url, r);

        if let Some(b) = non_empty(&f.blood_group) {
            let mut o = Map::new();
            o.insert("resourceType".into(), json!("Observation"));
            o.insert("id".into(), json!("blood-group"));
            o.insert("status".into(), json!("final"));
            o.insert(
                "code".into(),
                json!({ "coding": [coding("http://loinc.org", "882-1", "ABO and Rh group [Type] in Blood")], "text": "Blood group" }),
            );
            o.insert("subject".into(), self.patient_ref());
            o.insert("valueCodeableConcept".into(), json!({ "text": b }));
            let url = self.urn("blood-group");
            self.push(url, o);
        }
        if let Some(a) = non_empty(&f.allergies) {
            let mut o = Map::new();
            o.insert("resourceType".into(), json!("AllergyIntolerance"));
            o.insert("id".into(), json!("allergies"));
            o.insert(
                "clinicalStatus".into(),
                json!({ "coding": [coding("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active", "Active")] }),
            );
            o.insert("code".into(), json!({ "text": a }));
            o.insert("patient".into(), self.patient_ref());
            let url = self.urn("allergies");
            self.push(url, o);
        }
    }

    fn practitioners(&mut self) {
        for (i, p) in self.e.providers.iter().enumerate() {
            if p.account == self.e.patient {
                continue;
            }
            let url = self.people[&p.account].0.clone();
            let mut r = Map::new();
            r.insert("resourceType".into(), json!("Practitioner"));
            r.insert("id".into(), json!(format!("practitioner-{i}")));
            let status = format!("{:?}", p.status);
            set_meta(
                &mut r,
                vec![tag(&status.to_ascii_lowercase(), &format!("verification status: {status}"))],
                vec![],
            );
            r.insert("identifier".into(), json!([{ "system": SYS_ACCOUNT, "value": p.account }]));
            r.insert("active".into(), json!(p.status == ProviderStatus::Verified));
            r.insert("name".into(), json!([{ "text": p.name }]));
            if !p.phone.trim().is_empty() {
                r.insert("telecom".into(), json!([{ "system": "phone", "value": p.phone.trim() }]));
            }
            if let Some(g) = gender(&p.gender) {
                r.insert("gender".into(), json!(g));
            }
            if !p.qualification.trim().is_empty() {
                r.insert("qualification".into(), json!([{ "code": { "text": p.qualification.trim() } }]));
            }
            self.push(url.clone(), r);

            let mut role = Map::new();
            role.insert("resourceType".into(), json!("PractitionerRole"));
            role.insert("id".into(), json!(format!("practitioner-role-{i}")));
            role.insert("active".into(), json!(p.status == ProviderStatus::Verified));
            role.insert("practitioner".into(), json!({ "reference": url, "display": p.name }));
            let code = match p.kind {
                ProviderKind::Doctor => Some(("doctor", "Doctor")),
                ProviderKind::Nurse => Some(("nurse", "Nurse")),
                ProviderKind::Pharmacist => Some(("pharmacist", "Pharmacist")),
                ProviderKind::Lab => None,
            };
            let words = format!("{:?}", p.kind);
            role.insert(
                "code".into(),
                match code {
                    Some((c, d)) => json!([{
                        "coding": [coding("http://terminology.hl7.org/CodeSystem/practitioner-role", c, d)],
                        "text": words,
                    }]),
                    None => json!([{ "text": "Laboratory" }]),
                },
            );
            if !p.specialization.trim().is_empty() {
                role.insert("specialty".into(), json!([{ "text": p.specialization.trim() }]));
            }
            let url = self.urn(&format!("practitioner-role/{}", p.account));
            self.push(url, role);
        }
    }

    fn consents(&mut self) {
        let now = self.e.exported_at_ms;
        for (i, g) in self.e.grants.iter().enumerate() {
            let expired = g.expires_at_ms.is_some_and(|x| x <= now);
            let status = if g.ended.is_some() || expired { "inactive" } else { "active" };
            let mut r = Map::new();
            r.insert("resourceType".into(), json!("Consent"));
            r.insert("id".into(), json!(format!("consent-{i}")));
            let mut tags = Vec::new();
            match g.ended {
                Some((how, at)) => tags.push(tag(
                    how.code(),
                    &match at {
                        Some(t) => format!("grant {} at {}", how.code(), instant(t)),
                        None => format!("grant {} (time not found)", how.code()),
                    },
                )),
                None if expired => tags.push(tag("expired", "grant expired")),
                None => {}
            }
            set_meta(&mut r, tags, vec![]);
            let granted = g.granted_at_ms.map_or_else(|| format!("unknown-{i}"), |t| t.to_string());
            r.insert(
                "identifier".into(),
                json!([{ "system": SYS_GRANT, "value": format!("{}/{}/{granted}", self.e.patient, g.grantee) }]),
            );
            r.insert("status".into(), json!(status));
            r.insert(
                "scope".into(),
                json!({ "coding": [coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", "Privacy Consent")] }),
            );
            r.insert("category".into(), json!([{ "coding": [{ "system": "http://loinc.org", "code": "59284-0" }] }]));
            r.insert("patient".into(), self.patient_ref());
            if let Some(t) = g.granted_at_ms {
                r.insert("dateTime".into(), json!(instant(t)));
            }
            r.insert("performer".into(), json!([self.patient_ref()]));
            r.insert(
                "policyRule".into(),
                json!({ "coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", "opt-in")] }),
            );
            let mut period = Map::new();
            if let Some(t) = g.granted_at_ms {
                period.insert("start".into(), json!(instant(t)));
            }
            let end = match (g.ended.and_then(|(_, at)| at), g.expires_at_ms) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if let Some(t) = end {
                period.insert("end".into(), json!(instant(t)));
            }
            let actions: Vec<Value> = scope_codes(&g.scopes)
                .into_iter()
                .map(|(scope, action, words)| {
                    let mut codings = Vec::new();
                    if let Some(a) = action {
                        codings.push(
                            json!({ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": a }),
                        );
                    }
                    codings.push(coding(SYS_SCOPE, scope, words));
                    json!({ "coding": codings, "text": words })
                })
                .collect();
            let mut provision = Map::new();
            provision.insert("type".into(), json!("permit"));
            if !period.is_empty() {
                provision.insert("period".into(), Value::Object(period));
            }
            provision.insert(
                "actor".into(),
                json!([{
                    "role": { "coding": [coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "IRCP", "information recipient")] },
                    "reference": self.who(&g.grantee),
                }]),
            );
            if !actions.is_empty() {
                provision.insert("action".into(), Value::Array(actions));
            }
            r.insert("provision".into(), Value::Object(provision));
            let url = self.urn(&format!("consent/{}/{granted}", g.grantee));
            self.push(url, r);
        }
    }

    fn appointments(&mut self) {
        for a in &self.e.appointments {
            let mut r = Map::new();
            r.insert("resourceType".into(), json!("Appointment"));
            r.insert("id".into(), json!(format!("appointment-{}", a.id)));
            let sealed = a.reason.is_none() || a.diagnosis.is_none() || a.prescription.is_none();
            let mut tags =
                vec![tag(&format!("{:?}", a.status).to_ascii_lowercase(), &format!("SMRMS status {:?}", a.status))];
            if sealed {
                tags.push(tag("sealed", "texts not opened: the exporting account is not a participant"));
            }
            set_meta(&mut r, tags, vec![]);
            r.insert("identifier".into(), json!([{ "system": SYS_APPOINTMENT, "value": a.id.to_string() }]));
            r.insert("status".into(), json!(appointment_status(a.status)));
            match a.status {
                AppointmentStatus::Declined => {
                    r.insert("cancelationReason".into(), json!({ "text": "declined by the doctor" }));
                }
                AppointmentStatus::Cancelled => {
                    r.insert("cancelationReason".into(), json!({ "text": "cancelled by a participant" }));
                }
                _ => {}
            }
            if let Some(t) = non_empty(&a.reason) {
                r.insert("description".into(), json!(t));
            }
            let end = a.start_ms.saturating_add(u64::from(a.duration_min).saturating_mul(60_000));
            r.insert("start".into(), json!(instant(a.start_ms)));
            r.insert("end".into(), json!(instant(end)));
            if a.duration_min > 0 {
                r.insert("minutesDuration".into(), json!(a.duration_min));
            }
            r.insert("created".into(), json!(instant(a.created_at_ms)));
            let mut comment = Vec::new();
            if let Some(d) = non_empty(&a.diagnosis) {
                comment.push(format!("Diagnosis: {d}"));
            }
            if let Some(p) = non_empty(&a.prescription) {
                comment.push(format!("Prescription: {p}"));
            }
            if !comment.is_empty() {
                r.insert("comment".into(), json!(comment.join("\n")));
            }
            if let Some(p) = a.proposed_start_ms {
                let pend = p.saturating_add(u64::from(a.duration_min).saturating_mul(60_000));
                r.insert("requestedPeriod".into(), json!([{ "start": instant(p), "end": instant(pend) }]));
            }
            use AppointmentStatus as S;
            let (patient_status, doctor_status) = match a.status {
                S::Requested => ("accepted", "needs-action"),
                S::Proposed => ("needs-action", "accepted"),
                S::Declined => ("accepted", "declined"),
                S::Booked | S::Completed | S::Cancelled | S::NoShow => ("accepted", "accepted"),
            };
            r.insert(
                "participant".into(),
                json!([
                    { "actor": self.who(&a.patient), "required": "required", "status": patient_status },
                    { "actor": self.who(&a.doctor), "required": "required", "status": doctor_status },
                ]),
            );
            let url = self.urn(&format!("appointment/{}", a.id));
            self.push(url, r);
        }
    }

    fn medications(&mut self) {
        let now = self.e.exported_at_ms;
        for m in &self.e.medications {
            let mut r = Map::new();
            r.insert("resourceType".into(), json!("MedicationStatement"));
            r.insert("id".into(), json!(format!("medication-{}", m.id)));
            let tags = if m.text.is_none() {
                vec![tag("sealed", "not opened: no data key is wrapped for the exporting account")]
            } else {
                vec![]
            };
            set_meta(&mut r, tags, if m.emergency { vec![emergency_label()] } else { vec![] });
            r.insert(
                "identifier".into(),
                json!([{ "system": SYS_MEDICATION, "value": format!("{}/{}", self.e.patient, m.id) }]),
            );
            let status = if m.stopped_at_ms.is_some() {
                "stopped"
            } else if m.end_ms.is_some_and(|e| e <= now) {
                "completed"
            } else {
                "active"
            };
            r.insert("status".into(), json!(status));
            match &m.text {
                Some(t) if !t.name.trim().is_empty() => {
                    r.insert("medicationCodeableConcept".into(), json!({ "text": t.name.trim() }));
                }
                _ => {
                    r.insert("medicationCodeableConcept".into(), json!({ "extension": masked() }));
                }
            }
            r.insert("subject".into(), self.patient_ref());
            let mut period = Map::new();
            period.insert("start".into(), json!(instant(m.start_ms)));
            if let Some(e) = m.stopped_at_ms.or(m.end_ms) {
                period.insert("end".into(), json!(instant(e)));
            }
            r.insert("effectivePeriod".into(), Value::Object(period));
            r.insert("dateAsserted".into(), json!(instant(m.start_ms)));
            r.insert("informationSource".into(), self.who(&m.added_by));
            let mut notes = Vec::new();
            if let Some(p) = &m.prescribed_by {
                notes.push(json!({ "authorReference": self.who(p), "text": "prescribed by this doctor" }));
            }
            if let Some(t) = &m.text {
                if !t.notes.trim().is_empty() {
                    notes.push(json!({ "text": t.notes.trim() }));
                }
                let dose: Vec<&str> =
                    [t.dose.trim(), t.frequency.trim()].into_iter().filter(|s| !s.is_empty()).collect();
                if !dose.is_empty() {
                    let mut d = Map::new();
                    d.insert("text".into(), json!(dose.join(", ")));
                    if !t.frequency.trim().is_empty() {
                        d.insert("timing".into(), json!({ "code": { "text": t.frequency.trim() } }));
                    }
                    r.insert("dosage".into(), json!([Value::Object(d)]));
                }
            }
            if !notes.is_empty() {
                r.insert("note".into(), Value::Array(notes));
            }
            let url = self.urn(&format!("medication/{}", m.id));
            self.push(url, r);
        }
    }

    fn documents(&mut self) {
        for rec in &self.e.records {
            let mut r = Map::new();
            r.insert("resourceType".into(), json!("DocumentReference"));
            r.insert("id".into(), json!(format!("record-{}", rec.id)));
            let mut tags = Vec::new();
            if let RecordContent::Sealed(why) = &rec.content {
                tags.push(tag("sealed", &format!("not opened: {why}")));
            }
            if !rec.hash_ok {
                tags.push(tag("content-hash-mismatch", "the stored envelope does not match the chain's content hash"));
            }
            set_meta(&mut r, tags, if rec.emergency { vec![emergency_label()] } else { vec![] });
            r.insert(
                "masterIdentifier".into(),
                json!({ "system": SYS_RECORD, "value": format!("{}/{}", self.e.patient, rec.id) }),
            );
            let mut ids = vec![
                json!({ "use": "secondary", "system": SYS_CONTENT_HASH, "value": hex0x(&rec.content_hash) }),
                json!({ "use": "secondary", "system": SYS_BLOCK, "value": rec.block.to_string() }),
            ];
            if let RecordContent::Opened { salt, .. } = &rec.content {
                ids.push(json!({ "use": "secondary", "system": SYS_SALT, "value": hex0x(salt) }));
            }
            r.insert("identifier".into(), Value::Array(ids));
            r.insert("status".into(), json!(if rec.superseded_by.is_some() { "superseded" } else { "current" }));
            r.insert("docStatus".into(), json!("final"));
            let mut codings = Vec::new();
            if let Some((code, display)) = record_kind_loinc(&rec.kind) {
                codings.push(coding("http://loinc.org", code, display));
            }
            codings.push(coding(SYS_RECORD_KIND, &rec.kind, &rec.kind));
            r.insert("type".into(), json!({ "coding": codings, "text": rec.kind }));
            r.insert("subject".into(), self.patient_ref());
            r.insert("date".into(), json!(instant(rec.created_at_ms)));
            r.insert("author".into(), json!([self.who(&rec.author)]));
            if let Some(s) = rec.supersedes {
                r.insert(
                    "relatesTo".into(),
                    json!([{ "code": "replaces", "target": { "reference": self.urn(&format!("record/{s}")) } }]),
                );
            }
            let attachment = match &rec.content {
                RecordContent::Opened { title, body, .. } => {
                    r.insert("description".into(), json!(title));
                    json!({
                        "contentType": "text/plain",
                        "language": "en",
                        "data": B64.encode(body.as_bytes()),
                        "size": body.len(),
                        "title": title,
                        "creation": instant(rec.created_at_ms),
                    })
                }
                RecordContent::Sealed(_) => {
                    r.insert(
                        "description".into(),
                        json!("sealed: no data key is wrapped for the exporting account; content not exported"),
                    );
                    json!({ "extension": masked() })
                }
            };
            r.insert("content".into(), json!([{ "attachment": attachment }]));
            let url = self.urn(&format!("record/{}", rec.id));
            self.push(url, r);
        }
    }

    fn audit_events(&mut self) {
        let contract_of = |name: &str| -> Value {
            let addr = self.e.contracts.iter().find(|(n, _)| n == name).map(|(_, a)| a.clone());
            match addr {
                Some(a) => json!({
                    "identifier": { "system": SYS_ACCOUNT, "value": a },
                    "display": format!("SMRMS {name} contract"),
                }),
                None => json!({ "display": format!("SMRMS {name} contract") }),
            }
        };
        let mut out = Vec::new();
        for en in &self.e.access_log {
            let (code, act, interaction, contract) = match en.action {
                AccessAction::ReadProfile => ("ReadProfile", "R", Some("read"), "registry"),
                AccessAction::ReadRecord(_) => ("ReadRecord", "R", Some("read"), "records"),
                AccessAction::WriteRecord => ("WriteRecord", "C", Some("create"), "records"),
                AccessAction::WriteMedication => ("WriteMedication", "C", Some("create"), "records"),
                AccessAction::SetAppointment => ("SetAppointment", "C", Some("create"), "appointments"),
                AccessAction::OpenEmergency => ("OpenEmergency", "E", None, "permissions"),
                AccessAction::StopMedication => ("StopMedication", "U", Some("update"), "records"),
                AccessAction::UpdateAppointment => ("UpdateAppointment", "U", Some("update"), "appointments"),
                AccessAction::GrantAccess => ("GrantAccess", "C", None, "permissions"),
                AccessAction::RevokeAccess => ("RevokeAccess", "D", None, "permissions"),
                AccessAction::ReadCard => ("ReadCard", "R", Some("read"), "records"),
                AccessAction::BookAppointment => ("BookAppointment", "C", Some("create"), "appointments"),
                AccessAction::ManageAppointment(_) => ("ManageAppointment", "U", Some("update"), "appointments"),
            };
            let mut subtype = Vec::new();
            if let Some(i) = interaction {
                subtype.push(coding("http://hl7.org/fhir/restful-interaction", i, i));
            }
            subtype.push(coding(SYS_ACTION, code, code));
            let (outcome, desc, emergency) = match en.outcome {
                AccessOutcome::Granted => ("0", "granted".to_string(), false),
                AccessOutcome::GrantedEmergency => {
                    ("0", "granted under an emergency (break-glass) access".to_string(), true)
                }
                AccessOutcome::GrantedGuardian => {
                    ("0", "granted: by a guardian acting for the patient".to_string(), false)
                }
                AccessOutcome::Denied(reason) => ("4", format!("denied: {reason:?} ({})", deny_words(reason)), false),
            };
            let emergency = emergency || en.action == AccessAction::OpenEmergency;
            let mut r = Map::new();
            r.insert("resourceType".into(), json!("AuditEvent"));
            r.insert("id".into(), json!(format!("access-{}", en.index)));
            if let AccessOutcome::Denied(reason) = en.outcome {
                set_meta(&mut r, vec![tag("denied", &format!("{reason:?}"))], vec![]);
            }
            r.insert("type".into(), coding("http://dicom.nema.org/resources/ontology/DCM", "110110", "Patient Record"));
            r.insert("subtype".into(), Value::Array(subtype));
            r.insert("action".into(), json!(act));
            r.insert("recorded".into(), json!(instant(en.at_ms)));
            r.insert("outcome".into(), json!(outcome));
            r.insert("outcomeDesc".into(), json!(desc));
            if emergency {
                r.insert(
                    "purposeOfEvent".into(),
                    json!([{ "coding": [coding(ACT_REASON, "BTG", "break the glass")] }]),
                );
            }
            r.insert("agent".into(), json!([{ "who": self.who(&en.accessor), "requestor": true }]));
            r.insert(
                "source".into(),
                json!({
                    "observer": contract_of(contract),
                    "type": [coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
                }),
            );
            let mut entity = vec![json!({
                "what": self.patient_ref(),
                "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"),
                "role": coding("http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"),
            })];
            if let AccessAction::ReadRecord(id) = en.action {
                let target = if self.e.records.iter().any(|r| r.id == id) {
                    json!({ "reference": self.urn(&format!("record/{id}")), "display": format!("record {id}") })
                } else {
                    json!({ "identifier": { "system": SYS_RECORD, "value": format!("{}/{id}", self.e.patient) } })
                };
                entity.push(json!({
                    "what": target,
                    "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
                }));
            }
            if let AccessAction::ManageAppointment(id) = en.action {
                let target = if self.e.appointments.iter().any(|a| a.id == id) {
                    json!({ "reference": self.urn(&format!("appointment/{id}")), "display": format!("appointment {id}") })
                } else {
                    json!({ "identifier": { "system": SYS_APPOINTMENT, "value": id.to_string() } })
                };
                entity.push(json!({
                    "what": target,
                    "type": coding("http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"),
                }));
            }
            r.insert("entity".into(), Value::Array(entity));
            out.push((self.urn(&format!("access/{}", en.index)), r));
        }
        for (url, r) in out {
            self.push(url, r);
        }
    }
}

/// The FHIR R4 `Bundle` (type `collection`) of an export.
pub fn bundle(e: &Export) -> Value {
    let mut b = Builder::new(e);
    b.patient();
    b.practitioners();
    b.consents();
    b.appointments();
    b.medications();
    b.documents();
    b.audit_events();
    json!({
        "resourceType": "Bundle",
        "id": format!("smrms-export-{}", e.exported_at_ms),
        "meta": {
            "lastUpdated": instant(e.exported_at_ms),
            "tag": [tag("export", &format!("SMRMS export for {} by {} (FHIR {FHIR_VERSION})", e.patient, e.exported_by))],
        },
        "identifier": { "system": SYS_EXPORT, "value": format!("{}/{}", e.patient, e.exported_at_ms) },
        "type": "collection",
        "timestamp": instant(e.exported_at_ms),
        "entry": b.entries,
    })
}

/// Resources per type in a bundle, and how many carry the `sealed` tag.
pub fn summary(bundle: &Value) -> (BTreeMap<String, usize>, usize) {
    let mut by_type = BTreeMap::new();
    let mut sealed = 0;
    for e in bundle["entry"].as_array().into_iter().flatten() {
        let r = &e["resource"];
        if let Some(t) = r["resourceType"].as_str() {
            *by_type.entry(t.to_string()).or_insert(0) += 1;
        }
        if r["meta"]["tag"].as_array().into_iter().flatten().any(|t| t["system"] == SYS_TAG && t["code"] == "sealed") {
            sealed += 1;
        }
    }
    (by_type, sealed)
}

/// Checks that every `reference` inside the bundle is the `fullUrl` of one
/// of its entries and that the `fullUrl`s and (type, id) pairs are unique.
/// Returns the problems found (empty when none).
pub fn check_references(bundle: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut urls = BTreeSet::new();
    let mut ids = BTreeSet::new();
    let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
    for e in &entries {
        let url = e["fullUrl"].as_str().unwrap_or_default().to_string();
        if !urls.insert(url.clone()) {
            problems.push(format!("duplicate fullUrl {url}"));
        }
        let r = &e["resource"];
        let key = format!("{}/{}", r["resourceType"].as_str().unwrap_or("?"), r["id"].as_str().unwrap_or("?"));
        if !ids.insert(key.clone()) {
            problems.push(format!("duplicate resource {key}"));
        }
    }
    fn walk(v: &Value, urls: &BTreeSet<String>, problems: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if k == "reference" {
                        if let Some(s) = x.as_str() {
                            if !urls.contains(s) {
                                problems.push(format!("dangling reference {s}"));
                            }
                        }
                    } else {
                        walk(x, urls, problems);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, urls, problems)),
            _ => {}
        }
    }
    for e in &entries {
        walk(&e["resource"], &urls, &mut problems);
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATIENT: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const EVE: &str = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
    const CHARLIE: &str = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";
    const STRANGER: &str = "5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL";
    const T0: u64 = 1_700_000_000_000;

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    fn provider(account: &str, name: &str, spec: &str) -> ProviderData {
        ProviderData {
            account: account.into(),
            name: name.into(),
            phone: String::new(),
            gender: "F".into(),
            qualification: "MBBS, MD".into(),
            specialization: spec.into(),
            kind: ProviderKind::Doctor,
            status: ProviderStatus::Verified,
        }
    }

    /// The encrypted demo's story, as plain data.
    pub(super) fn sample() -> Export {
        let all = Scopes::ALL;
        let rrw = Scopes { records_read: true, records_write: true, appointments: true, ..Default::default() };
        Export {
            patient: PATIENT.into(),
            exported_by: PATIENT.into(),
            exported_at_ms: T0 + 3_600_000,
            contracts: vec![("registry".into(), STRANGER.into())],
            profile: ProfileData {
                fields: ProfileFields::from_array([
                    some("Dave Mehta"),
                    some("1975-09-30"),
                    some("Male"),
                    some("7 Lalbagh Road, Bengaluru 560027"),
                    some("+91 80 5550 4321"),
                    some("AB-"),
                    some("sulfonamides, latex"),
                    some("Kavya Mehta"),
                    some("+91 80 5550 9876"),
                ]),
                registered_at_ms: Some(T0),
                identity_verified: false,
            },
            providers: vec![
                provider(EVE, "Dr. Eve Rao", "Internal medicine"),
                provider(CHARLIE, "Dr. Charlie Iyer", "Psychiatry"),
            ],
            grants: vec![
                GrantData {
                    grantee: EVE.into(),
                    scopes: all,
                    granted_at_ms: Some(T0 + 10_000),
                    expires_at_ms: None,
                    ended: Some((GrantEndKind::Revoked, Some(T0 + 60_000))),
                },
                GrantData {
                    grantee: CHARLIE.into(),
                    scopes: rrw,
                    granted_at_ms: Some(T0 + 70_000),
                    expires_at_ms: None,
                    ended: None,
                },
            ],
            appointments: vec![
                AppointmentData {
                    id: 0,
                    doctor: CHARLIE.into(),
                    patient: PATIENT.into(),
                    start_ms: T0 + 100_000,
                    duration_min: 30,
                    status: AppointmentStatus::Completed,
                    created_at_ms: T0 + 97_000,
                    proposed_start_ms: None,
                    reason: some("Low mood, insomnia since March"),
                    diagnosis: some("Depressive episode, improving"),
                    prescription: some("Sertraline 100 mg once daily"),
                },
                AppointmentData {
                    id: 1,
                    doctor: CHARLIE.into(),
                    patient: PATIENT.into(),
                    start_ms: T0 + 86_500_000,
                    duration_min: 30,
                    status: AppointmentStatus::Declined,
                    created_at_ms: T0 + 110_000,
                    proposed_start_ms: Some(T0 + 90_000_000),
                    reason: None,
                    diagnosis: some(""),
                    prescription: some(""),
                },
            ],
            medications: vec![
                MedicationData {
                    id: 0,
                    text: Some(MedicationText {
                        name: "Dolutegravir".into(),
                        dose: "50 mg".into(),
                        frequency: "once daily".into(),
                        notes: "with TDF/3TC, do not stop".into(),
                    }),
                    start_ms: T0 + 20_000,
                    end_ms: Some(T0 + 20_000 + 180 * 86_400_000),
                    prescribed_by: None,
                    added_by: PATIENT.into(),
                    stopped_at_ms: None,
                    emergency: false,
                },
                MedicationData {
                    id: 1,
                    text: None,
                    start_ms: T0 + 80_000,
                    end_ms: None,
                    prescribed_by: Some(CHARLIE.into()),
                    added_by: CHARLIE.into(),
                    stopped_at_ms: Some(T0 + 90_000),
                    emergency: true,
                },
            ],
            records: vec![
                RecordData {
                    id: 0,
                    kind: "Diagnosis".into(),
                    author: EVE.into(),
                    created_at_ms: T0 + 15_000,
                    block: 12,
                    content_hash: [7; 32],
                    hash_ok: true,
                    supersedes: None,
                    superseded_by: Some(1),
                    emergency: false,
                    content: RecordContent::Sealed("no data key is wrapped for me (shredded)".into()),
                },
                RecordData {
                    id: 1,
                    kind: "Note".into(),
                    author: CHARLIE.into(),
                    created_at_ms: T0 + 75_000,
                    block: 30,
                    content_hash: [9; 32],
                    hash_ok: true,
                    supersedes: Some(0),
                    superseded_by: None,
                    emergency: false,
                    content: RecordContent::Opened {
                        title: "Psychiatry consult".into(),
                        body: "Major depressive episode; sertraline 50 mg daily".into(),
                        salt: [1; 16],
                    },
                },
            ],
            access_log: vec![
                AccessEntry {
                    index: 0,
                    accessor: EVE.into(),
                    action: AccessAction::WriteRecord,
                    outcome: AccessOutcome::Granted,
                    at_ms: T0 + 15_000,
                },
                AccessEntry {
                    index: 1,
                    accessor: EVE.into(),
                    action: AccessAction::ReadRecord(1),
                    outcome: AccessOutcome::Denied(DenyReason::NoConsent),
                    at_ms: T0 + 76_000,
                },
                AccessEntry {
                    index: 2,
                    accessor: CHARLIE.into(),
                    action: AccessAction::OpenEmergency,
                    outcome: AccessOutcome::GrantedEmergency,
                    at_ms: T0 + 77_000,
                },
                AccessEntry {
                    index: 3,
                    accessor: STRANGER.into(),
                    action: AccessAction::ReadProfile,
                    outcome: AccessOutcome::Denied(DenyReason::Unregistered),
                    at_ms: T0 + 78_000,
                },
            ],
        }
    }

    fn resources<'a>(b: &'a Value, t: &str) -> Vec<&'a Value> {
        b["entry"].as_array().unwrap().iter().map(|e| &e["resource"]).filter(|r| r["resourceType"] == t).collect()
    }

    fn has_tag(r: &Value, code: &str) -> bool {
        r["meta"]["tag"].as_array().into_iter().flatten().any(|t| t["system"] == SYS_TAG && t["code"] == code)
    }

    #[test]
    fn instants() {
        assert_eq!(instant(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(instant(T0 + 123), "2023-11-14T22:13:20.123Z");
        assert_eq!(instant(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(instant(4_107_542_399_999), "2100-02-28T23:59:59.999Z");
        assert_eq!(instant(u64::MAX), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn appointment_status_table() {
        use AppointmentStatus as S;
        let table = [
            (S::Requested, "proposed"),
            (S::Proposed, "pending"),
            (S::Booked, "booked"),
            (S::Completed, "fulfilled"),
            (S::Cancelled, "cancelled"),
            (S::Declined, "cancelled"),
            (S::NoShow, "noshow"),
        ];
        for (s, want) in table {
            assert_eq!(appointment_status(s), want, "{s:?}");
            assert_eq!(AppointmentStatus::parse(&format!("{s:?}")), Some(s));
        }
        assert_eq!(AppointmentStatus::parse("Bogus"), None);
    }

    #[test]
    fn text_mappings() {
        assert_eq!(gender("Male"), Some("male"));
        assert_eq!(gender(" f "), Some("female"));
        assert_eq!(gender("non-binary"), Some("other"));
        assert_eq!(gender(""), None);
        assert!(is_fhir_date("1975-09-30") && is_fhir_date("1975-09") && is_fhir_date("1975"));
        assert!(!is_fhir_date("30/09/1975") && !is_fhir_date("1975-13-01") && !is_fhir_date("1975-09-32"));
        assert!(!is_fhir_date("0000") && !is_fhir_date("1975-9-1") && !is_fhir_date(""));
        let u = item_urn(PATIENT, "record/0");
        assert_eq!(u, item_urn(PATIENT, "record/0"));
        assert_ne!(u, item_urn(PATIENT, "record/1"));
        assert_ne!(u, item_urn(EVE, "record/0"));
        assert_eq!(u.len(), "urn:uuid:".len() + 36);
        assert_eq!(&u[9 + 14..9 + 15], "8", "version 8: {u}");
    }

    #[test]
    fn bundle_has_every_item_once_and_references_resolve() {
        let e = sample();
        let b = bundle(&e);
        assert_eq!(b["resourceType"], "Bundle");
        assert_eq!(b["type"], "collection");
        let (by_type, sealed) = summary(&b);
        let want: BTreeMap<String, usize> = [
            ("Patient", 1),
            ("Observation", 1),
            ("AllergyIntolerance", 1),
            ("Practitioner", 2),
            ("PractitionerRole", 2),
            ("Consent", 2),
            ("Appointment", 2),
            ("MedicationStatement", 2),
            ("DocumentReference", 2),
            ("AuditEvent", 4),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(by_type, want);
        // record 0 sealed, medication 1 sealed, appointment 1 (reason sealed)
        assert_eq!(sealed, 3);
        assert_eq!(check_references(&b), Vec::<String>::new());
    }

    #[test]
    fn patient_from_the_opened_profile() {
        let b = bundle(&sample());
        let p = resources(&b, "Patient")[0];
        assert_eq!(p["name"][0]["text"], "Dave Mehta");
        assert_eq!(p["birthDate"], "1975-09-30");
        assert_eq!(p["gender"], "male");
        assert_eq!(p["telecom"][0]["value"], "+91 80 5550 4321");
        assert_eq!(p["contact"][0]["name"]["text"], "Kavya Mehta");
        assert_eq!(p["identifier"][0]["value"], PATIENT);
        assert!(!has_tag(p, "sealed"));
        assert_eq!(resources(&b, "Observation")[0]["valueCodeableConcept"]["text"], "AB-");
        assert_eq!(resources(&b, "AllergyIntolerance")[0]["code"]["text"], "sulfonamides, latex");

        // a stranger: nothing opened
        let mut e = sample();
        e.profile.fields = ProfileFields::default();
        let b = bundle(&e);
        let p = resources(&b, "Patient")[0];
        assert!(has_tag(p, "sealed"));
        assert!(p.get("name").is_none() && p.get("birthDate").is_none());
        assert!(resources(&b, "Observation").is_empty() && resources(&b, "AllergyIntolerance").is_empty());
        // a date of birth that is not a FHIR date is left out
        let mut e = sample();
        e.profile.fields.date_of_birth = some("30/09/1975");
        assert!(resources(&bundle(&e), "Patient")[0].get("birthDate").is_none());
    }

    #[test]
    fn documents_carry_content_or_are_marked_sealed() {
        let b = bundle(&sample());
        let docs = resources(&b, "DocumentReference");
        let (d0, d1) = (docs[0], docs[1]);
        // record 0: sealed, superseded
        assert!(has_tag(d0, "sealed"));
        assert_eq!(d0["status"], "superseded");
        assert!(d0["content"][0]["attachment"].get("data").is_none());
        assert_eq!(d0["content"][0]["attachment"]["extension"][0]["valueCode"], "masked");
        assert_eq!(d0["identifier"][0]["value"], hex0x(&[7; 32]));
        assert_eq!(d0["identifier"][1]["value"], "12");
        // record 1: opened, replaces record 0
        assert!(!has_tag(d1, "sealed"));
        assert_eq!(d1["status"], "current");
        let a = &d1["content"][0]["attachment"];
        assert_eq!(a["title"], "Psychiatry consult");
        let body = B64.decode(a["data"].as_str().unwrap()).unwrap();
        assert_eq!(body, b"Major depressive episode; sertraline 50 mg daily");
        assert_eq!(a["size"], body.len());
        assert_eq!(d1["identifier"][2]["system"], SYS_SALT);
        assert_eq!(d1["relatesTo"][0]["code"], "replaces");
        assert_eq!(d1["relatesTo"][0]["target"]["reference"], item_urn(PATIENT, "record/0"));
        assert_eq!(d1["type"]["coding"][0]["code"], "34109-9");
        assert_eq!(d1["author"][0]["display"], "Dr. Charlie Iyer");
    }

    #[test]
    fn consents_active_and_revoked() {
        let b = bundle(&sample());
        let c = resources(&b, "Consent");
        assert_eq!(c[0]["status"], "inactive");
        assert!(has_tag(c[0], "revoked"));
        assert_eq!(c[0]["provision"]["period"]["end"], instant(T0 + 60_000));
        assert_eq!(c[0]["provision"]["action"].as_array().unwrap().len(), 4);
        assert_eq!(c[1]["status"], "active");
        assert!(c[1]["provision"]["period"].get("end").is_none());
        let codes: Vec<&str> = c[1]["provision"]["action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["coding"].as_array().unwrap().last().unwrap()["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["records-read", "records-write", "appointments"]);
        assert_eq!(c[1]["provision"]["actor"][0]["reference"]["display"], "Dr. Charlie Iyer");
        // an expired grant is inactive too
        let mut e = sample();
        e.grants[1].expires_at_ms = Some(T0 + 80_000);
        let b = bundle(&e);
        let c = resources(&b, "Consent");
        assert_eq!(c[1]["status"], "inactive");
        assert!(has_tag(c[1], "expired"));
    }

    #[test]
    fn appointments_and_medications() {
        let b = bundle(&sample());
        let a = resources(&b, "Appointment");
        assert_eq!(a[0]["status"], "fulfilled");
        assert_eq!(a[0]["description"], "Low mood, insomnia since March");
        assert_eq!(
            a[0]["comment"],
            "Diagnosis: Depressive episode, improving\nPrescription: Sertraline 100 mg once daily"
        );
        assert_eq!(a[0]["end"], instant(T0 + 100_000 + 30 * 60_000));
        assert_eq!(a[1]["status"], "cancelled");
        assert_eq!(a[1]["participant"][1]["status"], "declined");
        assert!(has_tag(a[1], "sealed") && a[1].get("description").is_none());
        assert_eq!(a[1]["requestedPeriod"][0]["start"], instant(T0 + 90_000_000));
        let m = resources(&b, "MedicationStatement");
        assert_eq!(m[0]["status"], "active");
        assert_eq!(m[0]["medicationCodeableConcept"]["text"], "Dolutegravir");
        assert_eq!(m[0]["dosage"][0]["text"], "50 mg, once daily");
        assert_eq!(m[1]["status"], "stopped");
        assert!(has_tag(m[1], "sealed"));
        assert_eq!(m[1]["medicationCodeableConcept"]["extension"][0]["valueCode"], "masked");
        assert_eq!(m[1]["meta"]["security"][0]["code"], "ETREAT");
        assert_eq!(m[1]["effectivePeriod"]["end"], instant(T0 + 90_000));
    }

    #[test]
    fn audit_events_from_the_access_log() {
        let b = bundle(&sample());
        let a = resources(&b, "AuditEvent");
        assert_eq!(a.len(), 4);
        assert_eq!((&a[0]["action"], &a[0]["outcome"]), (&json!("C"), &json!("0")));
        assert_eq!(a[1]["outcome"], "4");
        assert!(a[1]["outcomeDesc"].as_str().unwrap().starts_with("denied: NoConsent"));
        assert_eq!(a[1]["entity"][1]["what"]["reference"], item_urn(PATIENT, "record/1"));
        assert_eq!(a[2]["purposeOfEvent"][0]["coding"][0]["code"], "BTG");
        assert_eq!(a[2]["action"], "E");
        // an accessor outside the bundle is named by identifier
        assert_eq!(a[3]["agent"][0]["who"]["identifier"]["value"], STRANGER);
        assert!(a[3]["outcomeDesc"].as_str().unwrap().contains("Unregistered"));
        assert_eq!(a[3]["source"]["observer"]["display"], "SMRMS registry contract");
        assert_eq!(a[3]["source"]["observer"]["identifier"]["value"], STRANGER);
    }

    #[test]
    fn care_circle_entries_become_audit_events() {
        let mut e = sample();
        for (action, outcome) in [
            (AccessAction::GrantAccess, AccessOutcome::GrantedGuardian),
            (AccessAction::RevokeAccess, AccessOutcome::GrantedGuardian),
            (AccessAction::ReadCard, AccessOutcome::GrantedEmergency),
        ] {
            let index = u32::try_from(e.access_log.len()).unwrap();
            e.access_log.push(AccessEntry { index, accessor: CHARLIE.into(), action, outcome, at_ms: T0 + 90_000 });
        }
        let b = bundle(&e);
        assert!(check_references(&b).is_empty(), "{:?}", check_references(&b));
        let a = resources(&b, "AuditEvent");
        assert_eq!(a.len(), 7);
        assert_eq!((&a[4]["action"], &a[4]["outcome"]), (&json!("C"), &json!("0")));
        assert!(a[4]["outcomeDesc"].as_str().unwrap().contains("guardian"));
        assert_eq!(a[5]["action"], "D");
        assert_eq!(a[4]["purposeOfEvent"], Value::Null, "a guardian's act is no break-glass");
        assert_eq!(a[6]["action"], "R");
        assert_eq!(a[6]["purposeOfEvent"][0]["coding"][0]["code"], "BTG", "a card release is break-glass");
    }

    #[test]
    fn guardian_booking_entries_become_audit_events() {
        let mut e = sample();
        // appointment 1 is in the bundle, appointment 9 is not
        for action in
            [AccessAction::BookAppointment, AccessAction::ManageAppointment(1), AccessAction::ManageAppointment(9)]
        {
            let index = u32::try_from(e.access_log.len()).unwrap();
            let outcome = AccessOutcome::GrantedGuardian;
            e.access_log.push(AccessEntry { index, accessor: CHARLIE.into(), action, outcome, at_ms: T0 + 95_000 });
        }
        let b = bundle(&e);
        assert!(check_references(&b).is_empty(), "{:?}", check_references(&b));
        let a = resources(&b, "AuditEvent");
        assert_eq!(a.len(), 7);
        let code = |r: &Value, i: usize| r["subtype"][i]["code"].clone();
        // booking: a create on appointments
        assert_eq!(
            (&a[4]["action"], code(a[4], 0), code(a[4], 1)),
            (&json!("C"), json!("create"), json!("BookAppointment"))
        );
        assert_eq!(a[4]["source"]["observer"]["display"], "SMRMS appointments contract");
        assert!(a[4]["outcomeDesc"].as_str().unwrap().contains("guardian"));
        assert_eq!(a[4]["purposeOfEvent"], Value::Null, "a guardian's booking is no break-glass");
        assert_eq!(a[4]["entity"].as_array().unwrap().len(), 1, "booking names the patient only");
        // managing: an update naming the appointment
        assert_eq!(
            (&a[5]["action"], code(a[5], 0), code(a[5], 1)),
            (&json!("U"), json!("update"), json!("ManageAppointment"))
        );
        assert_eq!(a[5]["entity"][1]["what"]["reference"], item_urn(PATIENT, "appointment/1"));
        assert_eq!(a[6]["entity"][1]["what"]["identifier"]["system"], SYS_APPOINTMENT);
        assert_eq!(a[6]["entity"][1]["what"]["identifier"]["value"], "9");
    }

    #[test]
    fn references_checker_finds_problems() {
        let mut b = bundle(&sample());
        b["entry"][3]["resource"]["subject"] = json!({ "reference": "urn:uuid:nowhere" });
        let dup = b["entry"][0].clone();
        b["entry"].as_array_mut().unwrap().push(dup);
        let p = check_references(&b);
        assert!(p.iter().any(|s| s.contains("dangling reference urn:uuid:nowhere")), "{p:?}");
        assert!(p.iter().any(|s| s.starts_with("duplicate fullUrl")), "{p:?}");
        assert!(p.iter().any(|s| s.starts_with("duplicate resource Patient/patient")), "{p:?}");
    }

    #[test]
    fn grants_merge_history_and_current() {
        let g = |scopes: Scopes| GrantEvent::Granted { scopes, expires_at_ms: None };
        let read = Scopes { records_read: true, ..Default::default() };
        let current = |who: &str, at: u64| GrantData {
            grantee: who.into(),
            scopes: Scopes::ALL,
            granted_at_ms: Some(at),
            expires_at_ms: None,
            ended: None,
        };
        let history = vec![
            (EVE.to_string(), Some(10), g(Scopes::ALL)),
            (CHARLIE.to_string(), Some(20), g(read)),
            (EVE.to_string(), Some(30), GrantEvent::Ended(GrantEndKind::Revoked)),
            // re-grant: the first grant to Charlie is replaced
            (CHARLIE.to_string(), Some(40), g(Scopes::ALL)),
            // an end whose grant is older than the scanned blocks
            (STRANGER.to_string(), Some(50), GrantEvent::Ended(GrantEndKind::Renounced)),
        ];
        let out = merge_grants(vec![current(CHARLIE, 40)], history);
        type Row<'a> = (&'a str, Option<u64>, Option<(GrantEndKind, Option<u64>)>);
        let got: Vec<Row> = out.iter().map(|g| (g.grantee.as_str(), g.granted_at_ms, g.ended)).collect();
        assert_eq!(
            got,
            vec![
                (EVE, Some(10), Some((GrantEndKind::Revoked, Some(30)))),
                (CHARLIE, Some(20), Some((GrantEndKind::Replaced, Some(40)))),
                (CHARLIE, Some(40), None),
                (STRANGER, None, Some((GrantEndKind::Renounced, Some(50)))),
            ]
        );
        assert_eq!(out[1].scopes, read);
        assert!(out[3].scopes.is_empty());
        // a grant the history opened that is not current any more
        let out = merge_grants(vec![], vec![(EVE.to_string(), Some(10), g(read))]);
        assert_eq!(out[0].ended, Some((GrantEndKind::Unknown, None)));
        // without history: the current grants as they are
        let out = merge_grants(vec![current(EVE, 5)], vec![]);
        assert_eq!((out.len(), out[0].ended), (1, None));
        // each is a Consent of its own, with distinct URLs
        let mut e = sample();
        e.grants = merge_grants(
            vec![current(CHARLIE, 40)],
            vec![
                (CHARLIE.to_string(), Some(20), g(read)),
                (CHARLIE.to_string(), Some(40), g(Scopes::ALL)),
                (STRANGER.to_string(), None, GrantEvent::Ended(GrantEndKind::Revoked)),
                (STRANGER.to_string(), None, GrantEvent::Ended(GrantEndKind::Revoked)),
            ],
        );
        let b = bundle(&e);
        assert_eq!(resources(&b, "Consent").len(), 4);
        assert_eq!(check_references(&b), Vec::<String>::new());
    }

    /// Writes the sample bundle where `SMRMS_FHIR_SAMPLE` says (the node
    /// validator's valid fixture, tools/fhir-validate/test/fixtures/).
    #[test]
    fn write_sample_bundle_when_asked() {
        if let Ok(path) = std::env::var("SMRMS_FHIR_SAMPLE") {
            let s = serde_json::to_string_pretty(&bundle(&sample())).unwrap();
            std::fs::write(path, s + "\n").unwrap();
        }
    }
}
