//! Interop vectors between this crate's encryption core and the web app's
//! TypeScript port (web/src/crypto).
//!
//! - `interop gen FILE`: seals records, profile and medication fields,
//!   appointment notes and emergency cards with the Rust code and writes them, with the keys and
//!   plaintexts needed to open them, as JSON (read by
//!   web/src/crypto/interop.test.ts).
//! - `interop check FILE`: opens a file of the same format written by the
//!   TypeScript code and compares every plaintext and public key; exits
//!   non-zero on any mismatch, else prints `interop: N items opened`.
//!
//! - `onchain` pins the on-chain bytes codec (`smrms_client::onchain`;
//!   web/src/crypto/onchain.ts): `{ text, chain }` with `chain` =
//!   `0x` hex of `to_chain(text)`, for every sealed text of the file and
//!   fixed cases (plaintext, empty, non-canonical base64, version 1
//!   formats); `check` wants `to_chain(text) == chain` and
//!   `from_chain(chain) == text` for each (an item each), every sealed text
//!   of the file among them in binary form, and refuses a file without it.
//!   `onchain_malformed` lists stored values (`0x` hex) that `from_chain`
//!   must refuse.
//!
//! Both directions use one format, so each side checks what the other made.
//! Every sealed field and note must also be in the padded format (`e2:`,
//! `n2:`) with exactly the length of its bucket, so both sides pad alike;
//! `padded_profiles` and some medications and notes are at bucket edges or
//! share a bucket (e.g. "A+" / "AB-", "male" / "female").
//! Run: `cargo run -q -p smrms-client --example interop -- gen FILE`.

use base64::{engine::general_purpose::STANDARD_NO_PAD as B64, Engine};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use smrms_client::crypto::{
    card_capacity, envelope_commitment, open_card, open_field, open_note, open_record, prove, seal_card, seal_field,
    seal_note, seal_record, sealed_card_len, sealed_field_len, sealed_note_len, unwrap_key, wrap_info, wrap_key, Card,
    CryptoError, DataKey, EncryptionKeys, Sealed, CARD_PREFIX, ENVELOPE_PREFIX, FIELD_PREFIX, FIELD_PREFIX_V1,
    MAX_NOTE_PLAINTEXT, NOTE_PREFIX, NOTE_PREFIX_V1, WRAPPED_KEY_LEN,
};
use smrms_client::onchain::{from_chain, to_chain, MARKER};
use smrms_shared::{MAX_NAME_LEN, MAX_SHORT_LEN, MAX_TEXT_LEN};
use std::process::ExitCode;

const FORMAT: &str = "smrms-interop/v2";

#[derive(Serialize, Deserialize)]
struct Vectors {
    format: String,
    producer: String,
    patient: Party,
    doctor: Party,
    dev_accounts: Vec<Dev>,
    seed_vectors: Vec<SeedVector>,
    key_file: KeyFileVector,
    records: Vec<Record>,
    profile: FieldSet,
    /// More profiles, with texts at bucket edges and in shared buckets.
    padded_profiles: Vec<FieldSet>,
    medications: Vec<FieldSet>,
    notes: Vec<Note>,
    /// Emergency cards (optional in files of producers that predate them).
    #[serde(default)]
    cards: Vec<CardVector>,
    /// The on-chain codec: every sealed text of the file and fixed cases.
    /// Required (a file without it fails the check).
    #[serde(default)]
    onchain: Option<Vec<OnChain>>,
    /// Stored values (`0x` hex) that are neither a binary form nor UTF-8:
    /// `from_chain` must refuse them.
    #[serde(default)]
    onchain_malformed: Vec<String>,
}

/// A text and the bytes stored on chain for it.
#[derive(Serialize, Deserialize)]
struct OnChain {
    text: String,
    /// `0x` hex of `to_chain(text)`.
    chain: String,
}

/// An emergency card: in the clear, sealed for the patient, its key and wraps.
#[derive(Serialize, Deserialize)]
struct CardVector {
    card: Card,
    sealed: String,
    data_key: String,
    wraps: Vec<Wrap>,
}

/// An account (32-byte AccountId) with its encryption key seed.
#[derive(Serialize, Deserialize)]
struct Party {
    account: String,
    seed: String,
    public: String,
}

#[derive(Serialize, Deserialize)]
struct Dev {
    suri: String,
    public: String,
}

#[derive(Serialize, Deserialize)]
struct SeedVector {
    seed: String,
    public: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFileVector {
    text: String,
    public: String,
}

#[derive(Serialize, Deserialize, Clone, Copy)]
#[serde(tag = "kind")]
enum Object {
    Profile,
    Record { id: u32 },
    Medication { id: u32 },
    Card,
}

impl From<Object> for Sealed {
    fn from(o: Object) -> Self {
        match o {
            Object::Profile => Sealed::Profile,
            Object::Record { id } => Sealed::Record(id),
            Object::Medication { id } => Sealed::Medication(id),
            Object::Card => Sealed::Card,
        }
    }
}

/// The item's data key wrapped for one reader.
#[derive(Serialize, Deserialize)]
struct Wrap {
    /// "patient" or "doctor"
    reader: String,
    object: Object,
    /// wrap_info(patient, object, reader), hex
    info: String,
    /// hex, 80 bytes
    wrapped: String,
}

#[derive(Serialize, Deserialize)]
struct Record {
    id: u32,
    title: String,
    body: String,
    envelope: String,
    salt: String,
    commitment: String,
    data_key: String,
    wraps: Vec<Wrap>,
}

#[derive(Serialize, Deserialize)]
struct Field {
    name: String,
    index: u8,
    max: usize,
    plaintext: String,
    sealed: String,
}

/// The profile, or one medication: one data key, several sealed fields.
#[derive(Serialize, Deserialize)]
struct FieldSet {
    object: Object,
    data_key: String,
    wraps: Vec<Wrap>,
    fields: Vec<Field>,
}

#[derive(Serialize, Deserialize)]
struct Note {
    text: String,
    note: String,
}

const PROFILE: [(&str, u8, usize); 9] = [
    ("name", 0, MAX_NAME_LEN),
    ("date_of_birth", 1, MAX_SHORT_LEN),
    ("gender", 2, MAX_SHORT_LEN),
    ("home_address", 3, MAX_TEXT_LEN),
    ("phone", 4, MAX_SHORT_LEN),
    ("blood_group", 5, MAX_SHORT_LEN),
    ("allergies", 6, MAX_TEXT_LEN),
    ("emergency_contact_name", 7, MAX_NAME_LEN),
    ("emergency_contact_phone", 8, MAX_SHORT_LEN),
];
const MEDICATION: [(&str, u8, usize); 4] = [
    ("name", 0, MAX_NAME_LEN),
    ("dose", 1, MAX_SHORT_LEN),
    ("frequency", 2, MAX_SHORT_LEN),
    ("notes", 3, MAX_TEXT_LEN),
];

fn hex(b: &[u8]) -> String {
    smrms_client::crypto::hex(b)
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b
}

fn party(seed: [u8; 32]) -> (Party, [u8; 32], EncryptionKeys) {
    let account = random32();
    let keys = EncryptionKeys::from_seed(&seed);
    (Party { account: hex(&account), seed: hex(&seed), public: hex(&keys.public_bytes()) }, account, keys)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["gen", file] => gen(file),
        ["check", file] => check(file),
        _ => Err("usage: interop gen FILE | interop check FILE".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("interop: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------
// gen

fn gen(file: &str) -> Result<(), String> {
    let e = |x: smrms_client::crypto::CryptoError| format!("{x:?}");
    let (patient, p, p_keys) = party(random32());
    let (doctor, d, d_keys) = party(random32());
    let pk = p_keys.public_bytes();
    let dk = d_keys.public_bytes();
    let readers = [("patient", p, pk), ("doctor", d, dk)];
    let wraps = |key: &DataKey, object: Object| -> Result<Vec<Wrap>, String> {
        readers
            .iter()
            .map(|(name, account, public)| {
                let info = wrap_info(&p, object.into(), account);
                let wrapped = wrap_key(public, key, &info).map_err(e)?;
                Ok(Wrap { reader: name.to_string(), object, info: hex(&info), wrapped: hex(&wrapped) })
            })
            .collect()
    };

    let seed_vectors = [
        [0u8; 32].to_vec(),
        (0u8..32).collect::<Vec<_>>(),
        // RFC 9180 A.1 (DHKEM(X25519, HKDF-SHA256)) ikmR
        smrms_client::crypto::unhex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037")
            .unwrap()
            .to_vec(),
        random32().to_vec(),
    ]
    .into_iter()
    .map(|s| SeedVector { public: hex(&EncryptionKeys::from_seed(&s).public_bytes()), seed: hex(&s) })
    .collect();

    let dev_accounts = ["//Alice", "//Bob", "//Charlie", "//Dave"]
        .into_iter()
        .map(|s| Dev { suri: s.into(), public: hex(&EncryptionKeys::for_dev_account(s).public_bytes()) })
        .collect();

    let key_file = {
        let dir = std::env::temp_dir().join(format!("smrms-interop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|x| x.to_string())?;
        let path = dir.join("k.json");
        let _ = std::fs::remove_file(&path);
        let public = smrms_client::keys::generate_key_file(&path).map_err(|x| x.to_string())?;
        let text = std::fs::read_to_string(&path).map_err(|x| x.to_string())?;
        let _ = std::fs::remove_dir_all(&dir);
        KeyFileVector { text, public: hex(&public) }
    };

    let record_texts: [(u32, &str, String); 6] = [
        (0, "Diagnosis", "Type 2 diabetes; HbA1c 6.8 %".into()),
        (1, "Befund: Röntgen 🩻", "Keine Fraktur. 骨折なし. Ünïcödé ✓".into()),
        (7, "", "body with an empty title".into()),
        (42, "title only", String::new()),
        (u32::MAX, "\u{feff}BOM-led title", "line 1\nline 2\r\n\ttab \"quotes\" \\ backslash".into()),
        (3, "long", "b".repeat(5_900)),
    ];
    let mut records = Vec::new();
    for (id, title, body) in record_texts {
        let key = DataKey::generate();
        let envelope = seal_record(&key, title, &body).map_err(e)?;
        let opened = open_record(&key, &envelope).map_err(e)?;
        records.push(Record {
            id,
            title: title.into(),
            body,
            commitment: hex(&envelope_commitment(&envelope).map_err(e)?),
            envelope,
            salt: hex(&opened.salt),
            data_key: hex(&key.to_bytes()),
            wraps: wraps(&key, Object::Record { id })?,
        });
    }

    let fields = |key: &DataKey, specs: &[(&str, u8, usize)], texts: &[&str]| -> Result<Vec<Field>, String> {
        specs
            .iter()
            .zip(texts)
            .map(|((name, index, max), text)| {
                Ok(Field {
                    name: name.to_string(),
                    index: *index,
                    max: *max,
                    plaintext: text.to_string(),
                    sealed: seal_field(key, *index, text, *max).map_err(e)?,
                })
            })
            .collect()
    };
    let profile_key = DataKey::generate();
    let profile = FieldSet {
        object: Object::Profile,
        data_key: hex(&profile_key.to_bytes()),
        wraps: wraps(&profile_key, Object::Profile)?,
        fields: fields(
            &profile_key,
            &PROFILE,
            &[
                "Anjali Rao-Müller",
                "1980-02-14",
                "",
                "12 MG Road, Bengaluru 560001 — flat 4B",
                "+91 80 1234 5678",
                "AB+",
                "penicillin; peanuts 🥜",
                "Ravi Rao",
                "+91 98450 00000",
            ],
        )?,
    };
    // padding: same bucket ("A+" / "AB-", "male" / "female"), bucket edges
    // (15/16 bytes, each field's largest text), texts ending in NUL or 0x80 bytes
    let (x15, p28, n63, n76, a255, a364) =
        ("x".repeat(15), "9".repeat(28), "n".repeat(63), "n".repeat(76), "a".repeat(255), "a".repeat(364));
    let mut padded_profiles = Vec::new();
    for texts in [
        ["Li", "2001-01-01", "male", &a255, "+1 555 0100", "A+", &a364, &n76, &p28],
        ["Anjali Rao-Müller", "1980-02-14", "female", "耀\0", "+91 80 1234 5678", "AB-", &x15, &n63, &x15],
    ] {
        let key = DataKey::generate();
        padded_profiles.push(FieldSet {
            object: Object::Profile,
            data_key: hex(&key.to_bytes()),
            wraps: wraps(&key, Object::Profile)?,
            fields: fields(&key, &PROFILE, &texts)?,
        });
    }
    let (m76, d28, f16, n256) = ("m".repeat(76), "d".repeat(28), "f".repeat(16), "n".repeat(256));
    let mut medications = Vec::new();
    for (id, texts) in [
        (0u32, ["Metformin", "500 mg", "twice daily", "with meals"]),
        (5, ["Atorvastatin", "20 mg", "nightly", ""]),
        (8, ["Sertraline", "5 mg", "daily", "耀"]),
        (9, [&m76, &d28, &f16, &n256]),
    ] {
        let key = DataKey::generate();
        medications.push(FieldSet {
            object: Object::Medication { id },
            data_key: hex(&key.to_bytes()),
            wraps: wraps(&key, Object::Medication { id })?,
            fields: fields(&key, &MEDICATION, &texts)?,
        });
    }

    let notes = [
        "Chest pain on exertion; troponin pending".to_string(),
        "Kopfschmerz, Übelkeit — 头痛".to_string(),
        "x".repeat(MAX_NOTE_PLAINTEXT),
        String::new(),
        "Flu".into(),
        "x".repeat(127),
        "x".repeat(128),
        "耀\0".into(),
    ]
    .into_iter()
    .map(|text| {
        let note = seal_note((&p, &pk), (&d, &dk), &text, MAX_TEXT_LEN).map_err(e)?;
        Ok(Note { text, note })
    })
    .collect::<Result<Vec<_>, String>>()?;

    // emergency cards: Unicode, one field only, JSON escapes, the largest card
    let empty_json = serde_json::to_vec(&Card::default()).map_err(|x| x.to_string())?.len();
    let card_texts = [
        Card {
            allergies: "penicillin; peanuts 🥜".into(),
            blood_group: "AB+".into(),
            medications: "Metformin 500 mg twice daily; salbutamol inhaler".into(),
            conditions: "Type 2 diabetes; asthma".into(),
            emergency_contact: "Ravi Rao, +91 98450 00000".into(),
        },
        Card { blood_group: "O-".into(), ..Default::default() },
        Card {
            conditions: "line 1\nline 2\r\n\t\"quoted\" \\ backslash \u{1} 耀\0".into(),
            emergency_contact: "</script>".into(),
            ..Default::default()
        },
        Card {
            conditions: "c".repeat(card_capacity(smrms_shared::MAX_CARD_LEN) - 1 - empty_json),
            ..Default::default()
        },
    ];
    let mut cards = Vec::new();
    for card in card_texts {
        let key = DataKey::generate();
        let sealed = String::from_utf8(seal_card(&key, &p, &card).map_err(e)?).map_err(|x| x.to_string())?;
        cards.push(CardVector { card, sealed, data_key: hex(&key.to_bytes()), wraps: wraps(&key, Object::Card)? });
    }

    let mut texts: Vec<String> = records.iter().map(|r| r.envelope.clone()).collect();
    for set in std::iter::once(&profile).chain(&padded_profiles).chain(&medications) {
        texts.extend(set.fields.iter().map(|f| f.sealed.clone()));
    }
    texts.extend(notes.iter().map(|n| n.note.clone()));
    texts.extend(cards.iter().map(|c| c.sealed.clone()));
    texts.extend(onchain_fixed_texts());
    let mut onchain: Vec<OnChain> = Vec::new();
    for text in texts {
        if !onchain.iter().any(|o| o.text == text) {
            onchain.push(OnChain { chain: format!("0x{}", hex(&to_chain(&text))), text });
        }
    }

    let v = Vectors {
        format: FORMAT.into(),
        producer: "rust".into(),
        patient,
        doctor,
        dev_accounts,
        seed_vectors,
        key_file,
        records,
        profile,
        padded_profiles,
        medications,
        notes,
        cards,
        onchain: Some(onchain),
        onchain_malformed: onchain_malformed(),
    };
    let text = serde_json::to_string_pretty(&v).map_err(|x| x.to_string())?;
    std::fs::write(file, text).map_err(|x| format!("writing {file}: {x}"))?;
    Ok(())
}

/// Fixed texts for the on-chain codec (the same as the web app's
/// `onchainFixedTexts`): plaintext, the empty text, version 1 formats (`e1:`,
/// `n1:`), the shortest canonical bodies, and near misses that must stay
/// UTF-8 text (padding, stray bits, a foreign character, upper-case hex, a
/// short commitment, a 79-byte wrapped key, a wrong number of parts).
fn onchain_fixed_texts() -> Vec<String> {
    let b = |n: usize, fill: u8| B64.encode(vec![fill; n]);
    let commitment = format!("{}c0ff", "c0ffee".repeat(10));
    vec![
        String::new(),
        "sealed".into(),
        "Type 2 diabetes".into(),
        "Übelkeit — 头痛 🩺 \u{feff}\0".into(),
        "e2".into(),
        "e2:hello world".into(),
        "0xff02".into(),
        format!("{FIELD_PREFIX_V1}{}", b(27, 0x11)),
        format!("{NOTE_PREFIX_V1}{}.{}.{}", b(80, 1), b(80, 2), b(60, 3)),
        "e2:".into(),
        "c1:".into(),
        format!("{ENVELOPE_PREFIX}.{commitment}"),
        format!("{NOTE_PREFIX}{}.{}.", b(80, 4), b(80, 5)),
        // near misses: they stay text
        "e2:QQ==".into(),
        "e2:QR".into(),
        "c1:QUJD*".into(),
        "e1:A".into(),
        format!("{ENVELOPE_PREFIX}{}.{}", b(40, 6), commitment.to_uppercase()),
        format!("{ENVELOPE_PREFIX}{}.{}", b(40, 6), &commitment[2..]),
        format!("{ENVELOPE_PREFIX}{}.{commitment}.{commitment}", b(40, 6)),
        format!("{NOTE_PREFIX}{}.{}.{}", b(79, 7), b(80, 8), b(40, 9)),
        format!("{NOTE_PREFIX}{}.{}", b(80, 7), b(80, 8)),
        format!("{NOTE_PREFIX}{}.{}.{}.AAAA", b(80, 7), b(80, 8), b(40, 9)),
        format!(" {FIELD_PREFIX}{}", b(32, 10)),
    ]
}

/// Stored values `from_chain` refuses: the marker alone, unknown tags, short
/// bodies, invalid UTF-8 (the same as the web app's `ONCHAIN_MALFORMED`).
fn onchain_malformed() -> Vec<String> {
    let mut out: Vec<String> = ["0xff", "0xff00", "0xff07", "0xffff0102"].map(String::from).to_vec();
    // an envelope one byte shorter than its commitment, a note one byte short of its two keys
    out.push(format!("0xff01{}", "ab".repeat(31)));
    out.push(format!("0xff04{}", "00".repeat(159)));
    out.extend(["0xff05", "0xc328", "0x6180", "0xfe0201"].map(String::from));
    out
}

// ---------------------------------------------------------------------------
// check

struct Checker {
    /// Keys derived, wrapped keys, records, fields and notes opened.
    opened: usize,
    /// Comparisons that held.
    checks: usize,
    failures: Vec<String>,
}

impl Checker {
    fn ok(&mut self, what: &str, cond: bool) {
        if cond {
            self.checks += 1;
        } else {
            self.failures.push(what.to_string());
        }
    }
    fn fail(&mut self, what: String) {
        self.failures.push(what);
    }
}

fn unhex32(s: &str) -> Result<[u8; 32], String> {
    smrms_client::crypto::unhex(s).ok_or_else(|| format!("not 32 bytes of hex: {s}"))
}

fn unhex_any(s: &str) -> Result<Vec<u8>, String> {
    hex::decode(s).map_err(|x| format!("bad hex {s}: {x}"))
}

fn check(file: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(file).map_err(|x| format!("reading {file}: {x}"))?;
    let v: Vectors = serde_json::from_str(&text).map_err(|x| format!("parsing {file}: {x}"))?;
    if v.format != FORMAT {
        return Err(format!("format {} is not {FORMAT}", v.format));
    }
    let mut c = Checker { opened: 0, checks: 0, failures: Vec::new() };

    for s in &v.seed_vectors {
        let seed = unhex_any(&s.seed)?;
        c.opened += 1;
        c.ok(&format!("seed {} -> public", s.seed), hex(&EncryptionKeys::from_seed(&seed).public_bytes()) == s.public);
    }
    let p = unhex32(&v.patient.account)?;
    let d = unhex32(&v.doctor.account)?;
    let p_keys = EncryptionKeys::from_seed(&unhex32(&v.patient.seed)?);
    let d_keys = EncryptionKeys::from_seed(&unhex32(&v.doctor.seed)?);
    c.opened += 2;
    c.ok("patient public key", hex(&p_keys.public_bytes()) == v.patient.public);
    c.ok("doctor public key", hex(&d_keys.public_bytes()) == v.doctor.public);
    for dev in &v.dev_accounts {
        c.opened += 1;
        c.ok(
            &format!("dev account {} public key", dev.suri),
            hex(&EncryptionKeys::for_dev_account(&dev.suri).public_bytes()) == dev.public,
        );
    }

    // the key file opens with the CLI's loader
    {
        let dir = std::env::temp_dir().join(format!("smrms-interop-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|x| x.to_string())?;
        let path = dir.join("k.json");
        std::fs::write(&path, &v.key_file.text).map_err(|x| x.to_string())?;
        // a key file must be private to its owner (load_key_file refuses others)
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(|x| x.to_string())?;
        }
        match smrms_client::keys::load_key_file(&path) {
            Ok(k) => {
                c.opened += 1;
                c.ok("key file public key", hex(&k.public_bytes()) == v.key_file.public)
            }
            Err(e) => c.fail(format!("key file: {e:#}")),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    let reader = |name: &str| -> Result<(&EncryptionKeys, [u8; 32]), String> {
        match name {
            "patient" => Ok((&p_keys, p)),
            "doctor" => Ok((&d_keys, d)),
            _ => Err(format!("unknown reader {name}")),
        }
    };
    let check_wraps = |c: &mut Checker, what: &str, key: &[u8; 32], wraps: &[Wrap]| -> Result<(), String> {
        for w in wraps {
            let (keys, account) = reader(&w.reader)?;
            let info = wrap_info(&p, w.object.into(), &account);
            c.ok(&format!("{what}: wrap_info for {}", w.reader), hex(&info) == w.info);
            let wrapped = unhex_any(&w.wrapped)?;
            c.ok(&format!("{what}: wrapped key length"), wrapped.len() == WRAPPED_KEY_LEN);
            match unwrap_key(keys, &wrapped, &info) {
                Ok(k) => {
                    c.opened += 1;
                    c.ok(&format!("{what}: unwrapped key for {}", w.reader), &k.to_bytes() == key)
                }
                Err(e) => c.fail(format!("{what}: unwrap for {}: {e:?}", w.reader)),
            }
        }
        Ok(())
    };

    for r in &v.records {
        let what = format!("record {}", r.id);
        let key = unhex32(&r.data_key)?;
        check_wraps(&mut c, &what, &key, &r.wraps)?;
        match open_record(&DataKey::from_bytes(key), &r.envelope) {
            Ok(o) => {
                c.opened += 1;
                c.ok(&format!("{what}: title"), o.title == r.title);
                c.ok(&format!("{what}: body"), o.body == r.body);
                c.ok(&format!("{what}: salt"), hex(&o.salt) == r.salt);
                c.ok(&format!("{what}: prove"), prove(&r.envelope, &r.title, &r.body, &o.salt));
            }
            Err(e) => c.fail(format!("{what}: open: {e:?}")),
        }
        c.ok(
            &format!("{what}: commitment"),
            envelope_commitment(&r.envelope).map(|x| hex(&x)).as_deref() == Ok(r.commitment.as_str()),
        );
    }

    for set in std::iter::once(&v.profile).chain(&v.padded_profiles).chain(&v.medications) {
        let what = match set.object {
            Object::Profile => "profile".to_string(),
            Object::Medication { id } => format!("medication {id}"),
            Object::Record { id } => format!("record {id} (as a field set)"),
            Object::Card => "card (as a field set)".to_string(),
        };
        let key = unhex32(&set.data_key)?;
        check_wraps(&mut c, &what, &key, &set.wraps)?;
        let specs: &[(&str, u8, usize)] = if matches!(set.object, Object::Profile) { &PROFILE } else { &MEDICATION };
        for f in &set.fields {
            let spec = specs.iter().find(|s| s.0 == f.name);
            c.ok(&format!("{what}.{}: index and bound", f.name), spec == Some(&(f.name.as_str(), f.index, f.max)));
            c.ok(&format!("{what}.{}: within bound", f.name), f.sealed.len() <= f.max);
            c.ok(
                &format!("{what}.{}: padded to its bucket", f.name),
                (f.plaintext.is_empty() || f.sealed.starts_with(FIELD_PREFIX))
                    && sealed_field_len(f.plaintext.len(), f.max) == Some(f.sealed.len()),
            );
            match open_field(&DataKey::from_bytes(key), f.index, &f.sealed) {
                Ok(t) => {
                    c.opened += 1;
                    c.ok(&format!("{what}.{}: plaintext", f.name), t == f.plaintext)
                }
                Err(e) => c.fail(format!("{what}.{}: open: {e:?}", f.name)),
            }
        }
    }

    for (i, n) in v.notes.iter().enumerate() {
        for (name, keys, account) in [("patient", &p_keys, p), ("doctor", &d_keys, d)] {
            match open_note(keys, &p, &d, &account, &n.note) {
                Ok(t) => {
                    c.opened += 1;
                    c.ok(&format!("note {i} as {name}"), t == n.text)
                }
                Err(e) => c.fail(format!("note {i} as {name}: {e:?}")),
            }
        }
        c.ok(&format!("note {i}: within bound"), n.note.len() <= MAX_TEXT_LEN);
        c.ok(
            &format!("note {i}: padded to its bucket"),
            (n.text.is_empty() || n.note.starts_with(NOTE_PREFIX))
                && sealed_note_len(n.text.len(), MAX_TEXT_LEN) == Some(n.note.len()),
        );
    }

    for (i, cv) in v.cards.iter().enumerate() {
        let what = format!("emergency card {i}");
        let key = unhex32(&cv.data_key)?;
        check_wraps(&mut c, &what, &key, &cv.wraps)?;
        c.ok(&format!("{what}: within bound"), cv.sealed.len() <= smrms_shared::MAX_CARD_LEN);
        c.ok(
            &format!("{what}: padded to its bucket"),
            cv.sealed.starts_with(CARD_PREFIX) && sealed_card_len(&cv.card) == Some(cv.sealed.len()),
        );
        match open_card(&DataKey::from_bytes(key), &p, cv.sealed.as_bytes()) {
            Ok(card) => {
                c.opened += 1;
                c.ok(&format!("{what}: fields"), card == cv.card)
            }
            Err(e) => c.fail(format!("{what}: open: {e:?}")),
        }
    }

    // the on-chain codec: the producer's bytes for each text are this crate's, and back
    match &v.onchain {
        None => c.fail(format!("the {} vectors have no \"onchain\" array", v.producer)),
        Some(o) if o.is_empty() => c.fail(format!("the {} vectors' \"onchain\" array is empty", v.producer)),
        Some(_) => {}
    }
    let onchain = v.onchain.as_deref().unwrap_or_default();
    for (i, o) in onchain.iter().enumerate() {
        let what = format!("onchain {i} ({:?})", o.text.chars().take(16).collect::<String>());
        let Some(chain) = o.chain.strip_prefix("0x").and_then(|h| hex::decode(h).ok()) else {
            c.fail(format!("{what}: chain {:?} is not 0x hex", o.chain));
            continue;
        };
        c.ok(&format!("{what}: to_chain(text)"), to_chain(&o.text) == chain);
        match from_chain(&chain) {
            Ok(t) => {
                c.opened += 1;
                c.ok(&format!("{what}: from_chain(chain)"), t == o.text)
            }
            Err(e) => c.fail(format!("{what}: from_chain: {e:?}")),
        }
    }
    if !onchain.is_empty() {
        let mut sealed: Vec<&str> = v.records.iter().map(|r| r.envelope.as_str()).collect();
        for set in std::iter::once(&v.profile).chain(&v.padded_profiles).chain(&v.medications) {
            sealed.extend(set.fields.iter().map(|f| f.sealed.as_str()));
        }
        sealed.extend(v.notes.iter().map(|n| n.note.as_str()));
        sealed.extend(v.cards.iter().map(|cv| cv.sealed.as_str()));
        for t in sealed.into_iter().filter(|t| !t.is_empty()) {
            let what = format!("onchain entry of the sealed text {}…", t.chars().take(40).collect::<String>());
            match onchain.iter().find(|o| o.text == t) {
                None => c.fail(format!("{what}: missing")),
                Some(o) => {
                    c.ok(&format!("{what}: binary"), o.chain.to_lowercase().starts_with(&format!("0x{MARKER:02x}")))
                }
            }
        }
    }
    for m in &v.onchain_malformed {
        let bytes = m.strip_prefix("0x").and_then(|h| hex::decode(h).ok());
        match bytes {
            Some(b) => c.ok(&format!("onchain: {m} is refused"), from_chain(&b) == Err(CryptoError::Malformed)),
            None => c.fail(format!("onchain_malformed {m:?} is not 0x hex")),
        }
    }

    if c.failures.is_empty() {
        println!("interop: {} items opened, {} checks passed ({} vectors)", c.opened, c.checks, v.producer);
        Ok(())
    } else {
        for f in &c.failures {
            eprintln!("interop: MISMATCH {f}");
        }
        Err(format!("{} mismatches, {} items opened", c.failures.len(), c.opened))
    }
}
