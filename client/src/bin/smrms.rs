//! `smrms`: the SMRMS command-line client for patients, doctors and the head.
//! Talks to the node with subxt and cargo-contract's library crates; seals
//! everything sensitive on this machine before it reaches the chain.
//! `smrms --help` and `smrms COMMAND --help` list everything.
//!
//! Exit status: 0 done; 1 error (a refusal by a contract included); 3 a
//! read returned ciphertext only (no key for this account); 4 the storage
//! dump found plaintext or its self-check failed.

use anyhow::{anyhow, bail, Result};
use clap::{Parser, Subcommand};
use smrms_client::{
    care::{edit_card, CurrentCard},
    chain::{self, Chain, Deployment},
    dump, fhir,
    journeys::{
        parse_scopes, service, AppointmentAction, CardView, Client, GuardianPowers, MedicationInput, Opened, Profile,
        ProviderInput,
    },
    keys, Sealed,
};
use std::{path::PathBuf, process::ExitCode};

/// The signer's secret URI: the one given, else `//Alice` on a local
/// development node only (a public chain never gets a default signer).
fn resolve_suri(given: Option<&str>, url: &str) -> anyhow::Result<String> {
    if let Some(s) = given {
        return Ok(s.to_string());
    }
    let host = url.split("://").nth(1).unwrap_or(url).split(['/', ':']).next().unwrap_or("");
    if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        eprintln!("note: no --suri: signing as //Alice, a development account, on the local node {url}");
        return Ok("//Alice".into());
    }
    anyhow::bail!(
        "--suri (or SMRMS_SURI) is required on {url}: there is no default signer outside a local development node"
    )
}

#[derive(Parser)]
#[command(name = "smrms", version, about = "SMRMS client: patients, doctors and the head, with client-side encryption")]
struct Cli {
    /// Node websocket URL (default: the addresses file's, else ws://127.0.0.1:9944).
    #[arg(long, global = true, env = "SMRMS_URL")]
    url: Option<String>,
    /// Addresses JSON written by `scripts/deploy.sh --out FILE`.
    #[arg(long, global = true, env = "SMRMS_ADDRESSES", default_value = "deploy/addresses.json")]
    addresses: PathBuf,
    /// Directory of the `.contract` bundles (overrides the paths in the addresses file).
    #[arg(long, global = true, env = "SMRMS_BUNDLES")]
    bundles: Option<PathBuf>,
    /// Contract addresses instead of an addresses file (all four, with --bundles).
    #[arg(long, global = true, num_args = 4, value_names = ["REGISTRY", "PERMISSIONS", "RECORDS", "APPOINTMENTS"])]
    contracts: Option<Vec<String>>,
    /// Signer's secret URI (`//Alice`, a mnemonic, a 0x seed). Required except on a local
    /// development node (127.0.0.1 / localhost), where it defaults to `//Alice`.
    #[arg(long, global = true, env = "SMRMS_SURI")]
    suri: Option<String>,
    /// Encryption key file (`smrms keygen`); `//Name` dev accounts derive one from the URI.
    #[arg(long, global = true, env = "SMRMS_ENC_KEY")]
    enc_key: Option<PathBuf>,
    /// Print every contract call, its answer and its events.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Make a new encryption key file (X25519; never on chain except its public half).
    Keygen {
        /// Where to write the key file (never overwritten; mode 0600).
        #[arg(long)]
        out: PathBuf,
    },
    /// Print this account and its encryption public key (offline).
    Whoami,
    /// Publish this account's encryption public key in the registry.
    PublishKey,
    /// Send funds from the signer to an account (to pay for a fresh account's calls).
    Fund {
        /// The account to fund (SS58, 0x hex or //Name).
        account: String,
        /// Amount in the chain's smallest unit.
        #[arg(long, default_value_t = 1_000_000_000_000_000)]
        amount: u128,
    },
    /// Register as a patient; every profile text field is sealed on this machine.
    RegisterPatient {
        #[command(flatten)]
        profile: ProfileArgs,
        /// HMAC of the national id number (computed with the head office's key), 0x + 64 hex.
        #[arg(long)]
        national_id_hash: Option<String>,
    },
    /// Patient: edit the profile (given fields change; the rest is kept). A new sealed
    /// version under a fresh key, wrapped for her and her current Demographics grantees.
    EditProfile {
        #[command(flatten)]
        profile: ProfileArgs,
    },
    /// Provider: the patients who granted this account something.
    Patients,
    /// Register as a provider (a provider's details are public).
    RegisterProvider {
        /// Name, as patients will see it.
        #[arg(long)]
        name: String,
        /// Work phone number.
        #[arg(long, default_value = "")]
        phone: String,
        /// Gender.
        #[arg(long, default_value = "")]
        gender: String,
        /// Qualification (e.g. MBBS, MD).
        #[arg(long, default_value = "")]
        qualification: String,
        /// Specialization.
        #[arg(long, default_value = "")]
        specialization: String,
        /// Doctor, Nurse, Lab or Pharmacist.
        #[arg(long, default_value = "Doctor")]
        kind: String,
        /// Hash of the licence number, 0x + 64 hex.
        #[arg(long)]
        licence_hash: Option<String>,
    },
    /// The head verifies a provider.
    VerifyProvider {
        /// The provider's account.
        provider: String,
    },
    /// Patient: grant scopes to an account, then re-wrap the existing data keys for it.
    Grant {
        /// The account to grant (SS58, 0x hex or //Name).
        grantee: String,
        /// all, or a comma list of demographics,records-read,records-write,appointments.
        #[arg(long, default_value = "all")]
        scopes: String,
        /// Expiry, Unix milliseconds.
        #[arg(long)]
        expires_at: Option<u64>,
        /// Grant for this patient, as her guardian with the consent power (`permissions.grant_for`).
        #[arg(long = "for")]
        for_patient: Option<String>,
    },
    /// Patient: revoke an account's grant (later data is not wrapped for it).
    Revoke {
        /// The account whose grant ends.
        grantee: String,
        /// Revoke for this patient, as her guardian with the consent power (`permissions.revoke_for`).
        #[arg(long = "for")]
        for_patient: Option<String>,
    },
    /// A patient's grants.
    Grants {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
    },
    /// Doctor: add a sealed record; its key is wrapped for the patient, the author and the current readers.
    AddRecord {
        /// The patient.
        #[arg(long)]
        patient: String,
        /// Diagnosis, Prescription, LabResult, Procedure, Imaging or Note.
        #[arg(long, default_value = "Note")]
        kind: String,
        /// Title (sealed; the chain stores `sealed`).
        #[arg(long)]
        title: String,
        /// Body (sealed).
        #[arg(long)]
        body: String,
        /// The id of an earlier record of this patient that this one corrects.
        #[arg(long)]
        supersedes: Option<u32>,
    },
    /// Read records (all, or one): decrypted if a key is wrapped for this account, else ciphertext only (exit 3).
    Read {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
        /// One record id (default: all).
        #[arg(long)]
        id: Option<u32>,
        /// Read through the audited `read_record` transaction (logged in the access log).
        #[arg(long)]
        audited: bool,
    },
    /// A patient's profile, opened if this account holds the profile key.
    Profile {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
    },
    /// Who holds a wrapped key of a profile, record or emergency card.
    KeyHolders {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
        /// A record id; without it (and without --card), the profile.
        #[arg(long)]
        record: Option<u32>,
        /// The emergency card.
        #[arg(long, conflicts_with = "record")]
        card: bool,
    },
    /// Add a medication entry (the patient herself, or a doctor with RecordsWrite); its texts are sealed
    /// and the key wrapped for the patient, the author and the current readers.
    AddMedication {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
        /// Drug name (sealed; at most 76 bytes).
        #[arg(long)]
        name: String,
        /// Dose, e.g. "500 mg" (sealed; at most 28 bytes).
        #[arg(long, default_value = "")]
        dose: String,
        /// Frequency, e.g. "twice a day" (sealed; at most 28 bytes).
        #[arg(long, default_value = "")]
        frequency: String,
        /// Notes (sealed).
        #[arg(long, default_value = "")]
        notes: String,
        /// Planned end, in days from now.
        #[arg(long)]
        days: Option<u64>,
        /// The prescribing doctor, if any.
        #[arg(long)]
        prescribed_by: Option<String>,
    },
    /// A patient's medications, opened where a key is wrapped for this account (exit 3 if any stayed sealed).
    Medications {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
    },
    /// Mark a medication entry stopped (the patient, or a doctor with RecordsWrite).
    StopMedication {
        /// The medication id.
        id: u32,
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
    },
    /// Verified doctor: open emergency (break-glass) access to a patient's data, with a reason code and an
    /// optional note sealed for the patient and the doctor.
    OpenEmergency {
        /// The patient.
        #[arg(long)]
        patient: String,
        /// Reason code: Unresponsive, Trauma, Cardiac, Respiratory, Stroke, Overdose or Other.
        #[arg(long)]
        reason: String,
        /// Optional note (sealed; at most 178 bytes).
        #[arg(long, default_value = "")]
        note: String,
        /// How long, in minutes (at most the head's maximum).
        #[arg(long, default_value_t = 60)]
        minutes: u64,
    },
    /// Close an open emergency access (the patient, the head or its doctor). The patient's client also removes
    /// the card key released to that doctor from current state.
    CloseEmergency {
        /// The patient (default: this account).
        #[arg(long)]
        patient: Option<String>,
        /// The doctor who opened it (default: this account).
        #[arg(long)]
        doctor: Option<String>,
    },
    /// The emergency card: a small sealed summary (allergies, blood group, medications, conditions,
    /// emergency contact) an emergency doctor can read during an open emergency access.
    Card {
        #[command(subcommand)]
        cmd: CardCmd,
    },
    /// Guardians who act for a patient: add, remove, list; the head appoints one for a declared patient.
    Guardian {
        #[command(subcommand)]
        cmd: GuardianCmd,
    },
    /// The head declares a patient a minor or incapacitated (so she may appoint a guardian for her), or lifts it.
    Incapacity {
        #[command(subcommand)]
        cmd: IncapacityCmd,
    },
    /// The emergency custodian (the emergency key service's account and encryption key).
    Custodian {
        #[command(subcommand)]
        cmd: CustodianCmd,
    },
    /// Run the emergency key service (as the custodian): follow the blocks and release a patient's card key
    /// to each doctor who opens emergency access, after checking on chain that it is open and the doctor
    /// verified; one log line per decision on stdout.
    EmergencyService {
        /// The state file: the last handled block (resumes after it on restart).
        #[arg(long)]
        state: PathBuf,
        /// Without a state file, the first block to handle (default: the finalized head).
        #[arg(long)]
        from_block: Option<u32>,
        /// How often to look for new finalized blocks, in milliseconds.
        #[arg(long, default_value_t = 500)]
        poll_ms: u64,
        /// Stop once caught up with the finalized head.
        #[arg(long)]
        once: bool,
        /// Stop after handling this block.
        #[arg(long)]
        until_block: Option<u32>,
    },
    /// Every emergency access opened on a patient's data, with the note opened for the patient and its doctor.
    Emergencies {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
    },
    /// Each contract's upgrade time lock: the delay, past upgrades and any pending code change with the
    /// date it can take effect (a warning: review the new code or withdraw consent before then).
    Upgrades,
    /// Patient: erase a record, a medication entry or the profile by destroying every wrapped key (crypto-shredding).
    Shred {
        /// The record to erase.
        #[arg(long, group = "what")]
        record: Option<u32>,
        /// The medication entry to erase.
        #[arg(long, group = "what")]
        medication: Option<u32>,
        /// Erase the profile.
        #[arg(long, group = "what")]
        profile: bool,
    },
    /// Open a record and show the proof: the chain checks the envelope, the envelope commits to (title, body, salt).
    Prove {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
        /// The record id.
        #[arg(long)]
        id: u32,
    },
    /// A patient's access log.
    AccessLog {
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
    },
    /// Appointments of an account (default: this one).
    Appointments {
        /// Whose appointments (default: this account).
        #[arg(long)]
        of: Option<String>,
        /// The account is a doctor.
        #[arg(long)]
        doctor: bool,
    },
    /// Doctor: set an appointment (no fee: booked at once); the reason is sealed for the patient and the doctor.
    SetAppointment {
        /// The patient (she must have granted the Appointments scope).
        #[arg(long)]
        patient: String,
        #[command(flatten)]
        slot: SlotArgs,
    },
    /// Doctor: record the outcome of a booked appointment; every text is sealed for the patient and the doctor.
    UpdateAppointment {
        /// The appointment id.
        id: u64,
        /// A new reason (default: keep the current one).
        #[arg(long)]
        reason: Option<String>,
        /// Diagnosis (sealed; at most 178 bytes).
        #[arg(long, default_value = "")]
        diagnosis: String,
        /// Prescription (sealed; at most 178 bytes).
        #[arg(long, default_value = "")]
        prescription: String,
    },
    /// Patient: request an appointment with a verified doctor, paying the doctor's fee (held until it ends);
    /// the reason is sealed for the patient and the doctor. With --for, a guardian with the booking power
    /// requests for the patient and pays the fee herself (a refund comes back to her).
    RequestAppointment {
        /// The doctor.
        #[arg(long)]
        doctor: String,
        /// Request for this patient, as her guardian with the booking power
        /// (`appointments.request_appointment_for`; in her access log).
        #[arg(long = "for")]
        for_patient: Option<String>,
        #[command(flatten)]
        slot: SlotArgs,
        /// The most you agree to pay (smallest unit); refused if the doctor's fee is higher.
        /// Required when the doctor charges a fee.
        #[arg(long)]
        max_fee: Option<u128>,
    },
    /// Doctor: accept a requested appointment.
    Accept {
        /// The appointment id.
        id: u64,
    },
    /// Doctor: decline a requested appointment (the fee goes back to the patient).
    Decline {
        /// The appointment id.
        id: u64,
    },
    /// Patient (or her guardian with the booking power): confirm an appointment the doctor proposed with a
    /// fee, paying it (a refund then goes to whoever paid).
    Confirm {
        /// The appointment id.
        id: u64,
        /// The most you agree to pay (smallest unit); refused if the proposed fee is higher. A guardian, who
        /// cannot read the appointment, pays only a fee of 0 or exactly this.
        #[arg(long)]
        max_fee: Option<u128>,
    },
    /// A participant cancels an appointment; any fee goes back to whoever paid it (the patient, or her guardian
    /// who booked or confirmed). The patient (or her guardian with the booking power) cancels a request or
    /// proposal at any time (after its start this reclaims the fee), a booking before its start, or any time
    /// while the doctor is not verified.
    Cancel {
        /// The appointment id.
        id: u64,
    },
    /// A participant (or the patient's guardian with the booking power) marks an appointment completed (after
    /// its start); any fee goes to the doctor.
    Complete {
        /// The appointment id.
        id: u64,
    },
    /// Patient (or her guardian with the booking power): accept the doctor's proposed new start.
    AcceptReschedule {
        /// The appointment id.
        id: u64,
    },
    /// Patient (or her guardian with the booking power): decline the doctor's proposed new start (the booking
    /// stays).
    DeclineReschedule {
        /// The appointment id.
        id: u64,
    },
    /// Doctor: mark that the patient did not come.
    NoShow {
        /// The appointment id.
        id: u64,
    },
    /// Withdraw the fees and refunds credited to this account.
    Withdraw,
    /// Doctor: set the fee patients pay with a request (0 = free).
    SetFee {
        /// The fee, in the chain's smallest unit.
        amount: u128,
    },
    /// Export everything this account may open for a patient as a FHIR R4 Bundle (type collection):
    /// Patient, Practitioner, Consent, Appointment, MedicationStatement, DocumentReference, AuditEvent.
    /// Items this account holds no key for are exported without content, marked `sealed`.
    Export {
        /// Where to write the Bundle (JSON).
        #[arg(long)]
        fhir: PathBuf,
        /// The patient (default: this account); `--for P` is the same, for a guardian or grantee acting for P.
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
        /// First block to scan for grant events (revoked, renounced and replaced grants).
        #[arg(long, default_value_t = 0)]
        history_from: u32,
        /// Scan no events: only current grants are exported.
        #[arg(long)]
        no_history: bool,
    },
    /// Dump every storage entry of the four contracts and search it for plaintext.
    Dump {
        /// A plaintext field to look for (repeat).
        #[arg(long = "plaintext")]
        plaintext: Vec<String>,
        /// A file of plaintext fields, one per line.
        #[arg(long)]
        plaintext_file: Option<PathBuf>,
        /// Text that must be found (a public value: proves the dump is real).
        #[arg(long)]
        control: Vec<String>,
        /// Also write the dump as JSON (contract → [[key, value], …] in hex).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum CardCmd {
    /// Patient: set or replace the card (fields not given are kept from the current card), sealed under a
    /// fresh key wrapped for her, the emergency custodian and her guardians with the read power. If the
    /// current card does not open (no key of hers, a key that does not open), fields cannot be kept:
    /// give every field, or pass --replace.
    Set {
        /// Known allergies.
        #[arg(long)]
        allergies: Option<String>,
        /// Blood group.
        #[arg(long)]
        blood_group: Option<String>,
        /// Current medications.
        #[arg(long)]
        medications: Option<String>,
        /// Conditions a rescuer must know.
        #[arg(long)]
        conditions: Option<String>,
        /// Emergency contact (name and phone).
        #[arg(long)]
        emergency_contact: Option<String>,
        /// Store exactly the fields given (the others empty) instead of keeping the left-out ones from
        /// the current card; needed to leave fields out when the current card does not open.
        #[arg(long)]
        replace: bool,
    },
    /// A patient's card, opened with the key wrapped for this account (exit 3 if none is).
    Show {
        /// The patient (default: this account).
        #[arg(long, visible_alias = "for")]
        patient: Option<String>,
    },
    /// Custodian: release a card key to a doctor by hand; the records contract decides (only during
    /// an open emergency access of a verified doctor).
    Release {
        /// The patient.
        #[arg(long)]
        patient: String,
        /// The emergency doctor.
        #[arg(long)]
        doctor: String,
    },
}

/// A guardian's powers and expiry.
#[derive(clap::Args)]
struct PowersArgs {
    /// May grant and revoke access for the patient.
    #[arg(long)]
    consent: bool,
    /// May read the patient's profile, records, medications and card.
    #[arg(long)]
    read: bool,
    /// May book appointments for the patient (paying the fee herself; refunds come back to her) and act on
    /// her side of them: confirm, cancel, complete, answer a proposed new time. No data key comes with it.
    #[arg(long)]
    book: bool,
    /// Until when: Unix milliseconds, or +N with d, h, m or s (e.g. +30d).
    #[arg(long)]
    until: Option<String>,
}

impl PowersArgs {
    fn parse(&self) -> Result<(GuardianPowers, Option<u64>)> {
        let powers = GuardianPowers::from_flags(self.consent, self.read, self.book)?;
        let until = self.until.as_deref().map(parse_until).transpose()?;
        Ok((powers, until))
    }
}

#[derive(Subcommand)]
enum GuardianCmd {
    /// Patient: appoint a registered account as guardian (or change her powers); with --read the existing
    /// data keys are wrapped for her (--consent and --book carry no key).
    Add {
        /// The guardian (SS58, 0x hex or //Name).
        account: String,
        #[command(flatten)]
        powers: PowersArgs,
    },
    /// End a guardianship: the patient (her keys are removed too), the guardian herself, or the head for a
    /// declared patient.
    Remove {
        /// The guardian.
        account: String,
        /// The patient (default: this account).
        #[arg(long)]
        patient: Option<String>,
    },
    /// A patient's guardians, and the patients this account is guardian of.
    List {
        /// The patient (default: this account).
        #[arg(long)]
        patient: Option<String>,
    },
    /// Head: appoint a guardian for a patient declared a minor or incapacitated.
    AppointFor {
        /// The guardian.
        account: String,
        /// The declared patient.
        #[arg(long)]
        patient: String,
        #[command(flatten)]
        powers: PowersArgs,
    },
}

#[derive(Subcommand)]
enum IncapacityCmd {
    /// Head: declare a patient unable to act for herself.
    Declare {
        /// The patient.
        patient: String,
        /// Minor, Unconscious, Cognitive or Other.
        #[arg(long)]
        reason: String,
    },
    /// Head: lift a declaration.
    Lift {
        /// The patient.
        patient: String,
    },
    /// Whether a patient is declared, why and since when.
    Show {
        /// The patient (default: this account).
        patient: Option<String>,
    },
}

#[derive(Subcommand)]
enum CustodianCmd {
    /// Head: designate the emergency custodian: its account and its encryption public key
    /// (`smrms whoami` as the service prints it).
    Designate {
        /// The service's account.
        account: String,
        /// Its encryption public key, 0x + 64 hex.
        #[arg(long)]
        key: String,
    },
    /// The designated custodian.
    Show,
}

/// `--until`: Unix milliseconds, or `+N` with a unit `d`, `h`, `m` or `s` from now.
fn parse_until(s: &str) -> Result<u64> {
    let Some(rel) = s.strip_prefix('+') else {
        return s.parse().map_err(|_| anyhow!("--until: Unix milliseconds or +N[d|h|m|s], not {s}"));
    };
    let (n, unit) = rel.split_at(rel.len().saturating_sub(1));
    let n: u64 = n.parse().map_err(|_| anyhow!("--until: +N[d|h|m|s], not {s}"))?;
    let ms = match unit {
        "d" => 86_400_000,
        "h" => 3_600_000,
        "m" => 60_000,
        "s" => 1_000,
        _ => bail!("--until: the unit is d, h, m or s: {s}"),
    };
    n.checked_mul(ms).and_then(|d| d.checked_add(now_ms().ok()?)).ok_or_else(|| anyhow!("--until too large"))
}

/// A time for people (UTC), or `none`.
fn when(ms: Option<u64>) -> String {
    ms.map_or_else(|| "no end".into(), fhir::instant)
}

/// When and why, for a new appointment.
#[derive(clap::Args)]
struct SlotArgs {
    /// Start, in seconds from now.
    #[arg(long, default_value_t = 3600)]
    in_seconds: u64,
    /// Duration in minutes.
    #[arg(long, default_value_t = 30)]
    duration: u32,
    /// Reason for the visit (sealed; at most 178 bytes).
    #[arg(long)]
    reason: String,
}

/// A patient's profile fields (each sealed before it leaves this machine).
#[derive(clap::Args)]
struct ProfileArgs {
    /// Full name (required to register).
    #[arg(long)]
    name: Option<String>,
    /// Date of birth.
    #[arg(long)]
    dob: Option<String>,
    /// Gender.
    #[arg(long)]
    gender: Option<String>,
    /// Home address.
    #[arg(long)]
    address: Option<String>,
    /// Phone number.
    #[arg(long)]
    phone: Option<String>,
    /// Blood group.
    #[arg(long)]
    blood_group: Option<String>,
    /// Known allergies.
    #[arg(long)]
    allergies: Option<String>,
    /// Emergency contact's name.
    #[arg(long)]
    emergency_name: Option<String>,
    /// Emergency contact's phone number.
    #[arg(long)]
    emergency_phone: Option<String>,
}

impl ProfileArgs {
    /// The fields in the order of `journeys::PROFILE_FIELDS`.
    fn fields(self) -> [Option<String>; 9] {
        [
            self.name,
            self.dob,
            self.gender,
            self.address,
            self.phone,
            self.blood_group,
            self.allergies,
            self.emergency_name,
            self.emergency_phone,
        ]
    }
}

/// The wall clock, Unix milliseconds.
fn now_ms() -> Result<u64> {
    Ok(u64::try_from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis())?)
}

/// `seconds` from now, Unix milliseconds.
fn in_seconds_from_now(seconds: u64) -> Result<u64> {
    let now = now_ms()?;
    seconds.checked_mul(1000).and_then(|ms| ms.checked_add(now)).ok_or_else(|| anyhow!("--in-seconds too large"))
}

/// Runs an appointment action and says what happened.
async fn act(c: &Client<'_>, id: u64, action: AppointmentAction, done: &str) -> Result<()> {
    c.appointment_action(id, action).await?;
    println!("appointment {id} {done}");
    Ok(())
}

fn hex32(s: &str) -> Result<[u8; 32]> {
    smrms_client::unhex(s.trim_start_matches("0x")).ok_or_else(|| anyhow!("not 0x + 64 hex digits: {s}"))
}

fn short(s: &str, n: usize) -> String {
    if s.len() <= n {
        s.to_string()
    } else {
        format!(
            "{}… ({} characters)",
            &s[..s.char_indices().take_while(|(i, _)| *i < n).last().map_or(0, |(i, _)| i)],
            s.len()
        )
    }
}

async fn run(cli: Cli) -> Result<u8> {
    // offline commands
    match &cli.cmd {
        Cmd::Keygen { out } => {
            let public = keys::generate_key_file(out)?;
            println!("wrote {} (keep it secret); public key 0x{}", out.display(), hex::encode(public));
            return Ok(0);
        }
        Cmd::Whoami => {
            let suri = resolve_suri(cli.suri.as_deref(), cli.url.as_deref().unwrap_or("ws://127.0.0.1:9944"))?;
            let k = chain::signer(&suri)?;
            println!("account        {}", chain::account_of(&k));
            match keys::encryption_keys(&suri, cli.enc_key.as_deref()) {
                Ok(e) => println!("encryption key 0x{}", hex::encode(e.public_bytes())),
                Err(e) => println!("encryption key none ({e})"),
            }
            return Ok(0);
        }
        _ => {}
    }
    let dep = match &cli.contracts {
        Some(a) => Deployment::from_addresses(
            cli.url.as_deref().unwrap_or("ws://127.0.0.1:9944"),
            [&a[0], &a[1], &a[2], &a[3]],
            cli.bundles.as_deref().ok_or_else(|| anyhow!("--contracts needs --bundles DIR"))?,
        )?,
        None => Deployment::from_addresses_file(&cli.addresses, cli.url.as_deref(), cli.bundles.as_deref())?,
    };
    if let Cmd::EmergencyService { state, from_block, poll_ms, once, until_block } = &cli.cmd {
        // a long-lived process with its own connection (reconnects)
        let opts = service::ServiceOptions {
            suri: resolve_suri(cli.suri.as_deref(), &dep.url)?,
            enc_key: cli.enc_key.clone(),
            state: state.clone(),
            from_block: *from_block,
            poll: std::time::Duration::from_millis(*poll_ms),
            once: *once,
            until_block: *until_block,
        };
        service::run(&dep, &opts).await?;
        return Ok(0);
    }
    let permissions_bundle = dep.contracts.get(&chain::Contract::Permissions).map(|(_, b)| b.clone());
    let mut ch = Chain::connect(&dep).await?;
    ch.verbose = cli.verbose;
    let suri = resolve_suri(cli.suri.as_deref(), &dep.url)?;
    let signer = chain::signer(&suri)?;
    let enc = keys::encryption_keys(&suri, cli.enc_key.as_deref());
    let enc = match (&cli.cmd, enc) {
        (_, Ok(e)) => e,
        // commands that never decrypt nor publish can run without one
        (
            Cmd::Dump { .. }
            | Cmd::Fund { .. }
            | Cmd::AccessLog { .. }
            | Cmd::Appointments { .. }
            | Cmd::Grants { .. }
            | Cmd::VerifyProvider { .. }
            | Cmd::CloseEmergency { .. }
            | Cmd::Incapacity { .. }
            | Cmd::Custodian { .. }
            | Cmd::Guardian { cmd: GuardianCmd::List { .. } | GuardianCmd::AppointFor { .. } },
            Err(_),
        ) => smrms_client::EncryptionKeys::generate(),
        (_, Err(e)) => return Err(e),
    };
    let c = Client::new(&ch, signer, enc);
    let me = c.me.clone();
    let who = |o: &Option<String>| -> Result<subxt::utils::AccountId32> {
        o.as_deref().map(chain::parse_account).unwrap_or_else(|| Ok(me.clone()))
    };
    match cli.cmd {
        Cmd::Keygen { .. } | Cmd::Whoami | Cmd::EmergencyService { .. } => unreachable!(),
        Cmd::Fund { account, amount } => {
            let to = chain::parse_account(&account)?;
            ch.transfer(&c.signer, &to, amount).await?;
            println!("sent {amount} to {to}");
        }
        Cmd::PublishKey => {
            let sent = c.publish_key().await?;
            println!("{}", if sent { "published" } else { "already published" });
        }
        Cmd::RegisterPatient { profile, national_id_hash } => {
            let fields = profile.fields();
            if fields[0].as_deref().is_none_or(str::is_empty) {
                bail!("--name is required to register");
            }
            let p = Profile {
                fields: fields.map(Option::unwrap_or_default),
                national_id_hash: national_id_hash.as_deref().map(hex32).transpose()?.unwrap_or([0; 32]),
            };
            c.register_patient(&p).await?;
            println!("registered patient {me} (profile sealed; key published; profile key wrapped for me)");
        }
        Cmd::EditProfile { profile } => {
            let n = c.edit_profile(profile.fields()).await?;
            println!("profile edited (new sealed version); new key wrapped for me and {n} grantee(s)");
        }
        Cmd::Patients => {
            for (p, scopes) in c.patients().await? {
                println!("{p} {scopes:?}");
            }
        }
        Cmd::RegisterProvider { name, phone, gender, qualification, specialization, kind, licence_hash } => {
            let d = ProviderInput {
                name,
                phone,
                gender,
                qualification,
                specialization,
                kind,
                licence_hash: licence_hash.as_deref().map(hex32).transpose()?.unwrap_or([0x11; 32]),
            };
            c.register_provider(&d).await?;
            println!("registered provider {me} (pending verification; key published)");
        }
        Cmd::VerifyProvider { provider } => {
            let p = chain::parse_account(&provider)?;
            c.verify_provider(&p).await?;
            println!("verified provider {p}");
        }
        Cmd::Grant { grantee, scopes, expires_at, for_patient: None } => {
            let g = chain::parse_account(&grantee)?;
            let n = c.grant(&g, parse_scopes(&scopes)?, expires_at).await?;
            println!("granted {scopes} to {g}; {n} existing data key(s) re-wrapped for it");
        }
        Cmd::Grant { grantee, scopes, expires_at, for_patient: Some(p) } => {
            let (g, p) = (chain::parse_account(&grantee)?, chain::parse_account(&p)?);
            c.grant_for(&p, &g, parse_scopes(&scopes)?, expires_at).await?;
            println!(
                "granted {scopes} to {g} for patient {p}, as her guardian (in her access log); \
                 her existing data keys are wrapped for {g} by her own client, later ones by their authors"
            );
        }
        Cmd::Revoke { grantee, for_patient: None } => {
            let g = chain::parse_account(&grantee)?;
            let r = c.revoke(&g).await?;
            println!(
                "revoked {g}: {} wrapped key(s) removed{}; later records will not be wrapped for it",
                r.removed,
                r.kept_note()
            );
        }
        Cmd::Revoke { grantee, for_patient: Some(p) } => {
            let (g, p) = (chain::parse_account(&grantee)?, chain::parse_account(&p)?);
            c.revoke_for(&p, &g).await?;
            println!(
                "revoked {g}'s grant for patient {p}, as her guardian (in her access log); \
                 later records will not be wrapped for it"
            );
        }
        Cmd::Grants { patient } => {
            for g in c.grants(&who(&patient)?).await? {
                println!("{} {:?} expires {:?}", g.grantee, g.scopes, g.expires_at);
            }
        }
        Cmd::AddRecord { patient, kind, title, body, supersedes } => {
            let p = chain::parse_account(&patient)?;
            let (id, readers) = c.add_record(&p, &kind, &title, &body, supersedes).await?;
            println!("record {id} added (sealed); key wrapped for {} account(s):", readers.len());
            for r in readers {
                println!("  {r}");
            }
        }
        Cmd::Read { patient, id, audited } => {
            let p = who(&patient)?;
            let ids: Vec<u32> = match id {
                Some(i) => vec![i],
                None => (0..c.record_count(&p).await?).collect(),
            };
            let mut locked = 0;
            for i in &ids {
                let r = c.read_record(&p, *i, audited).await?;
                let hash = if r.hash_ok { "content hash ok" } else { "CONTENT HASH MISMATCH" };
                if let Some(why) = &r.refused {
                    println!("record {} — {why}; the stored ciphertext is public chain data anyway", r.id);
                }
                match r.opened {
                    Opened::Plain(o) => {
                        println!("record {} ({}, by {}, {hash}): decrypted", r.id, r.kind, r.author);
                        println!("  title: {}", o.title);
                        println!("  body:  {}", o.body);
                    }
                    Opened::CiphertextOnly(why) => {
                        locked += 1;
                        println!("record {} ({}, by {}, {hash}): CIPHERTEXT ONLY — {why}", r.id, r.kind, r.author);
                        println!("  title on chain: {}", r.chain_title);
                        // as text (`onchain::from_chain` of the bytes stored)
                        println!("  body on chain:  {} [{} bytes stored]", short(&r.body, 72), r.stored_body.len());
                    }
                }
            }
            println!("records read: {}, decrypted: {}, ciphertext only: {locked}", ids.len(), ids.len() - locked);
            return Ok(if locked > 0 { 3 } else { 0 });
        }
        Cmd::Profile { patient } => {
            let (fields, refused) = c.profile(&who(&patient)?).await?;
            if let Some(r) = refused {
                println!("{r}");
            }
            let mut locked = 0;
            for (name, v) in fields {
                match v {
                    Ok(t) if t.is_empty() => println!("  {name:24} (empty)"),
                    Ok(t) => println!("  {name:24} {t}"),
                    Err(stored) if stored.is_empty() => println!("  {name:24} (empty)"),
                    Err(stored) => {
                        locked += 1;
                        println!("  {name:24} CIPHERTEXT ONLY {}", short(&stored, 40))
                    }
                }
            }
            return Ok(if locked > 0 { 3 } else { 0 });
        }
        Cmd::KeyHolders { patient, record, card } => {
            let obj = if card { Sealed::Card } else { record.map_or(Sealed::Profile, Sealed::Record) };
            for h in c.key_holders(&who(&patient)?, obj).await? {
                println!("{h}");
            }
        }
        Cmd::AddMedication { patient, name, dose, frequency, notes, days, prescribed_by } => {
            let p = who(&patient)?;
            let start_ms = now_ms()?;
            let end_ms = days
                .map(|d| d.checked_mul(86_400_000).and_then(|ms| ms.checked_add(start_ms)))
                .map(|e| e.ok_or_else(|| anyhow!("--days too large")))
                .transpose()?;
            let prescribed_by = prescribed_by.as_deref().map(chain::parse_account).transpose()?;
            let m = MedicationInput { name, dose, frequency, notes, start_ms, end_ms, prescribed_by };
            let (id, readers) = c.add_medication(&p, &m).await?;
            println!("medication {id} added (sealed); key wrapped for {} account(s):", readers.len());
            for r in readers {
                println!("  {r}");
            }
        }
        Cmd::Medications { patient } => {
            let (lines, sealed) = c.medications(&who(&patient)?).await?;
            for l in &lines {
                println!("{l}");
            }
            println!(
                "medications: {}, opened: {}, sealed: {sealed}",
                lines.len(),
                lines.len().saturating_sub(sealed as usize)
            );
            if sealed > 0 {
                return Ok(3);
            }
        }
        Cmd::StopMedication { id, patient } => {
            c.stop_medication(&who(&patient)?, id).await?;
            println!("medication {id} stopped");
        }
        Cmd::OpenEmergency { patient, reason, note, minutes } => {
            let p = chain::parse_account(&patient)?;
            let index = c.open_emergency(&p, &reason, &note, minutes).await?;
            println!("emergency access #{index} opened on {p} for {minutes} min (reason {reason}; note sealed)");
        }
        Cmd::CloseEmergency { patient, doctor } => {
            let (p, d) = (who(&patient)?, who(&doctor)?);
            let r = c.close_emergency(&p, &d).await?;
            println!("emergency access of {d} on {p} closed");
            if r.removed > 0 {
                println!("  the card key released to {d} was removed from current state");
            }
            for (_, basis) in &r.kept {
                println!("  the card key released to {d} stays: {}", basis.describe());
            }
        }
        Cmd::Card {
            cmd: CardCmd::Set { allergies, blood_group, medications, conditions, emergency_contact, replace },
        } => {
            // fields not given are kept from the current card; if it does
            // not open, that is refused unless every field is given or
            // --replace says the others are to be empty
            let current = match c.card(&me).await? {
                CardView::NoCard => CurrentCard::None,
                CardView::Opened(_, card) => CurrentCard::Opened(card),
                CardView::Sealed(stored, why) => CurrentCard::Unopened(stored.version, why),
            };
            let given = [allergies, blood_group, medications, conditions, emergency_contact];
            let card = edit_card(&current, given, replace)?;
            let (version, guardians) = c.set_card(&card).await?;
            println!(
                "emergency card v{version} set (sealed); key wrapped for me, the emergency custodian and {} guardian(s)",
                guardians.len()
            );
        }
        Cmd::Card { cmd: CardCmd::Show { patient } } => {
            let p = who(&patient)?;
            match c.card(&p).await? {
                CardView::NoCard => {
                    println!("{p} has no emergency card");
                    return Ok(3);
                }
                CardView::Sealed(stored, why) => {
                    println!("emergency card of {p} (v{}): CIPHERTEXT ONLY — {why}", stored.version);
                    return Ok(3);
                }
                CardView::Opened(stored, card) => {
                    println!(
                        "emergency card of {p} (v{}, set {}): decrypted",
                        stored.version,
                        fhir::instant(stored.updated_at)
                    );
                    for ((_, label), v) in smrms_client::crypto::CARD_FIELDS.iter().zip(card.fields()) {
                        println!("  {label:20} {}", if v.is_empty() { "(empty)" } else { v });
                    }
                }
            }
        }
        Cmd::Card { cmd: CardCmd::Release { patient, doctor } } => {
            let (p, d) = (chain::parse_account(&patient)?, chain::parse_account(&doctor)?);
            let version = c.release_card(&p, &d).await?;
            println!("released the key of {p}'s emergency card (v{version}) to {d}");
        }
        Cmd::Guardian { cmd: GuardianCmd::Add { account, powers } } => {
            let g = chain::parse_account(&account)?;
            let (pw, until) = powers.parse()?;
            let (n, r) = c.appoint_guardian(&g, pw, until).await?;
            println!(
                "appointed {g} guardian of {me} ({}, until {}); {n} existing data key(s) wrapped for her",
                pw.describe(),
                when(until)
            );
            if r.removed > 0 || !r.kept.is_empty() {
                println!("  without the read power now: {} wrapped key(s) of hers removed{}", r.removed, r.kept_note());
            }
        }
        Cmd::Guardian { cmd: GuardianCmd::AppointFor { account, patient, powers } } => {
            let (g, p) = (chain::parse_account(&account)?, chain::parse_account(&patient)?);
            let (pw, until) = powers.parse()?;
            c.appoint_guardian_for(&p, &g, pw, until).await?;
            println!("appointed {g} guardian of {p} ({}, until {}) as the head", pw.describe(), when(until));
        }
        Cmd::Guardian { cmd: GuardianCmd::Remove { account, patient } } => {
            let (g, p) = (chain::parse_account(&account)?, who(&patient)?);
            let r = c.remove_guardian(&p, &g).await?;
            println!("removed guardian {g} of {p}; {} wrapped key(s) of hers removed{}", r.removed, r.kept_note());
        }
        Cmd::Guardian { cmd: GuardianCmd::List { patient } } => {
            let p = who(&patient)?;
            let now = now_ms()?;
            let line = |g: &smrms_client::journeys::GuardianView| {
                format!(
                    "{} {} appointed by {} at {}, until {}{}",
                    g.account,
                    g.powers.describe(),
                    g.appointed_by,
                    fhir::instant(g.appointed_at),
                    when(g.expires_at),
                    if g.in_force(now) { "" } else { " (expired)" }
                )
            };
            let guardians = c.guardians(&p).await?;
            println!("guardians of {p}: {}", guardians.len());
            for g in &guardians {
                println!("  guardian {}", line(g));
            }
            if patient.is_none() {
                let wards = c.wards(&me).await?;
                println!("patients {me} is guardian of: {}", wards.len());
                for w in &wards {
                    println!("  ward {}", line(w));
                }
            }
        }
        Cmd::Incapacity { cmd: IncapacityCmd::Declare { patient, reason } } => {
            let p = chain::parse_account(&patient)?;
            c.declare_incapacity(&p, &reason).await?;
            println!("declared {p} unable to act for herself ({reason}); the head may appoint a guardian for her");
        }
        Cmd::Incapacity { cmd: IncapacityCmd::Lift { patient } } => {
            let p = chain::parse_account(&patient)?;
            c.lift_incapacity(&p).await?;
            println!("lifted the declaration of {p}");
        }
        Cmd::Incapacity { cmd: IncapacityCmd::Show { patient } } => {
            let p = who(&patient)?;
            match c.incapacity(&p).await? {
                None => println!("{p}: not declared"),
                Some((reason, since)) => println!("{p}: declared {reason} since {}", fhir::instant(since)),
            }
        }
        Cmd::Custodian { cmd: CustodianCmd::Designate { account, key } } => {
            let a = chain::parse_account(&account)?;
            let k = hex32(&key)?;
            c.designate_custodian(&a, &k).await?;
            println!("designated the emergency custodian {a} (encryption key 0x{})", hex::encode(k));
        }
        Cmd::Custodian { cmd: CustodianCmd::Show } => match c.custodian().await? {
            None => println!("no emergency custodian designated"),
            Some((a, k)) => println!("emergency custodian {a} (encryption key 0x{})", hex::encode(k)),
        },
        Cmd::Emergencies { patient } => {
            let p = match patient {
                Some(p) => chain::parse_account(&p)?,
                None => c.me.clone(),
            };
            for line in c.emergencies(&p).await? {
                println!("{line}");
            }
        }
        Cmd::Upgrades => {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis();
            let now = u64::try_from(now)?;
            let locks = c.upgrades().await?;
            for lock in &locks {
                println!("{}", lock.describe(now));
            }
            let pending = locks.iter().filter(|l| l.pending.is_some()).count();
            println!("upgrades: {pending} pending of {}", locks.len());
        }
        Cmd::Shred { record, medication, profile } => {
            let obj = match (record, medication, profile) {
                (Some(id), None, false) => Sealed::Record(id),
                (None, Some(id), false) => Sealed::Medication(id),
                (None, None, true) => Sealed::Profile,
                _ => bail!("give one of --record ID, --medication ID, --profile"),
            };
            let n = c.shred(obj).await?;
            println!("shredded {obj:?}: {n} wrapped key(s) destroyed; the ciphertext stays, unreadable");
        }
        Cmd::Prove { patient, id } => {
            let p = who(&patient)?;
            let r = c.read_record(&p, id, false).await?;
            let Opened::Plain(o) = &r.opened else { bail!("record {id}: no key for me, nothing to prove") };
            let (chain_ok, commit_ok) = c.verify(&p, &r, o).await?;
            println!("record {id}: reveal to a verifier");
            println!("  title: {}\n  body:  {}\n  salt:  0x{}", o.title, o.body, hex::encode(o.salt));
            println!("  records.verify_record(envelope) on chain: {chain_ok}");
            println!("  envelope commits to (title, body, salt):  {commit_ok}");
            if !(chain_ok && commit_ok) {
                return Ok(1);
            }
        }
        Cmd::AccessLog { patient } => {
            for l in c.access_log(&who(&patient)?).await? {
                println!("{l}");
            }
        }
        Cmd::Appointments { of, doctor } => {
            for l in c.appointments(&who(&of)?, doctor).await? {
                println!("{l}");
            }
        }
        Cmd::SetAppointment { patient, slot } => {
            let p = chain::parse_account(&patient)?;
            let start = in_seconds_from_now(slot.in_seconds)?;
            let id = c.set_appointment(&p, start, slot.duration, &slot.reason).await?;
            println!("appointment {id} booked, start {start}");
        }
        Cmd::UpdateAppointment { id, reason, diagnosis, prescription } => {
            c.update_appointment(id, reason.as_deref(), &diagnosis, &prescription).await?;
            println!("appointment {id} updated (texts sealed for the patient and the doctor)");
        }
        Cmd::RequestAppointment { doctor, for_patient: None, slot, max_fee } => {
            let d = chain::parse_account(&doctor)?;
            let start = in_seconds_from_now(slot.in_seconds)?;
            let (id, fee) = c.request_appointment(&d, start, slot.duration, &slot.reason, max_fee).await?;
            if fee == 0 {
                println!("appointment {id} requested, start {start}, no fee");
            } else {
                println!("appointment {id} requested, start {start}, fee {fee} paid (held until it ends)");
            }
        }
        Cmd::RequestAppointment { doctor, for_patient: Some(p), slot, max_fee } => {
            let (d, p) = (chain::parse_account(&doctor)?, chain::parse_account(&p)?);
            let start = in_seconds_from_now(slot.in_seconds)?;
            let (id, fee) = c.request_appointment_for(&p, &d, start, slot.duration, &slot.reason, max_fee).await?;
            let paid = if fee == 0 {
                "no fee".to_string()
            } else {
                format!("fee {fee} paid by you (held until it ends; a refund comes back to you)")
            };
            if p == me {
                println!("appointment {id} requested, start {start}, {paid}");
            } else {
                println!(
                    "appointment {id} requested for patient {p}, as her guardian (in her access log), start {start}, \
                     {paid}; the reason is sealed for her and the doctor"
                );
            }
        }
        Cmd::Accept { id } => act(&c, id, AppointmentAction::Accept, "accepted").await?,
        Cmd::Decline { id } => act(&c, id, AppointmentAction::Decline, "declined").await?,
        Cmd::Confirm { id, max_fee } => {
            let fee = c.confirm(id, max_fee).await?;
            println!("appointment {id}: confirmed and paid {fee}");
        }
        Cmd::Cancel { id } => act(&c, id, AppointmentAction::Cancel, "cancelled").await?,
        Cmd::Complete { id } => act(&c, id, AppointmentAction::Complete, "completed").await?,
        Cmd::AcceptReschedule { id } => {
            act(&c, id, AppointmentAction::AcceptReschedule, "moved to the proposed new start").await?
        }
        Cmd::DeclineReschedule { id } => {
            act(&c, id, AppointmentAction::DeclineReschedule, "keeps its start (new start declined)").await?
        }
        Cmd::NoShow { id } => act(&c, id, AppointmentAction::NoShow, "marked no-show").await?,
        Cmd::SetFee { amount } => {
            c.set_fee(amount).await?;
            println!("fee set to {amount}");
        }
        Cmd::Withdraw => {
            let amount = c.withdraw().await?;
            println!("withdrew {amount}");
        }
        Cmd::Export { fhir: file, patient, history_from, no_history } => {
            let p = who(&patient)?;
            let started = std::time::Instant::now();
            let bundle_path = permissions_bundle.ok_or_else(|| anyhow!("no permissions bundle"))?;
            let history = (!no_history).then_some((bundle_path.as_path(), history_from));
            let (export, notes) = c.fhir_export(&p, history).await?;
            let bundle = fhir::bundle(&export);
            let problems = fhir::check_references(&bundle);
            if !problems.is_empty() {
                bail!("the bundle is inconsistent (nothing written): {}", problems.join("; "));
            }
            std::fs::write(&file, serde_json::to_string_pretty(&bundle)? + "\n")?;
            let (by_type, sealed) = fhir::summary(&bundle);
            let total: usize = by_type.values().sum();
            let types = by_type.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ");
            println!("wrote {}: FHIR R4 Bundle (collection) for {p}, {total} resources: {types}", file.display());
            let opened_records =
                export.records.iter().filter(|r| matches!(r.content, fhir::RecordContent::Opened { .. })).count();
            let opened_meds = export.medications.iter().filter(|m| m.text.is_some()).count();
            let ended = export.grants.iter().filter(|g| g.ended.is_some()).count();
            println!(
                "  records {} ({opened_records} opened), medications {} ({opened_meds} opened), grants {} ({} current, {ended} ended), appointments {}, access-log entries {}, providers {}; {sealed} resource(s) marked sealed",
                export.records.len(),
                export.medications.len(),
                export.grants.len(),
                export.grants.len() - ended,
                export.appointments.len(),
                export.access_log.len(),
                export.providers.len(),
            );
            for n in notes {
                println!("  note: {n}");
            }
            println!("  every reference resolves inside the bundle; made in {:.1} s", started.elapsed().as_secs_f64());
        }
        Cmd::Dump { plaintext, plaintext_file, control, out } => {
            let mut fields = plaintext;
            if let Some(f) = plaintext_file {
                fields.extend(
                    std::fs::read_to_string(&f)?.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from),
                );
            }
            let mut blobs = Vec::new();
            let mut json = serde_json::Map::new();
            for con in chain::Contract::ALL {
                let entries = ch.raw_storage(con).await?;
                let bytes: usize = entries.iter().map(|(k, v)| k.len() + v.len()).sum();
                println!("  {con:12} at {}: {} storage entries, {bytes} bytes", ch.address(con), entries.len());
                let mut blob = Vec::with_capacity(bytes + entries.len() * 2);
                for (k, v) in &entries {
                    blob.extend_from_slice(k);
                    blob.push(0);
                    blob.extend_from_slice(v);
                    blob.push(0);
                }
                json.insert(
                    con.name().into(),
                    entries
                        .iter()
                        .map(|(k, v)| {
                            serde_json::json!([format!("0x{}", hex::encode(k)), format!("0x{}", hex::encode(v))])
                        })
                        .collect(),
                );
                blobs.push(dump::Blob { source: con.name().into(), bytes: blob });
            }
            if let Some(o) = out {
                std::fs::write(&o, serde_json::to_string_pretty(&json)?)?;
            }
            let controls = dump::search(&blobs, &control);
            let control_found = dump::fields_found(&controls);
            if !control.is_empty() {
                println!(
                    "control (public values that must be found): searched {}, found {control_found}",
                    control.len()
                );
            }
            let hits = dump::search(&blobs, &fields);
            let found = dump::fields_found(&hits);
            for h in &hits {
                println!("  FOUND {:?} in {} ({})", h.field, h.source, h.form);
            }
            println!("plaintext fields searched: {}, found: {found}", fields.len());
            if found > 0 || control_found < control.len() || fields.is_empty() {
                return Ok(4);
            }
        }
    }
    Ok(0)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("smrms: {e:#}");
            ExitCode::from(1)
        }
    }
}
