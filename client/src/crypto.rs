//! The encryption core (no chain access): keys, wrapping, sealing, commitments.

use base64::{engine::general_purpose::STANDARD_NO_PAD as B64, Engine};
use blake2::{digest::consts::U32, Blake2b, Digest};
use chacha20poly1305::{
    aead::{Aead, KeyInit, Payload},
    XChaCha20Poly1305, XNonce,
};
use hpke::{
    aead::ChaCha20Poly1305 as HpkeAead, kdf::HkdfSha256, kem::X25519HkdfSha256, Deserializable, Kem, OpModeR, OpModeS,
    Serializable,
};
use rand_core::{OsRng, RngCore};

type Blake2b256 = Blake2b<U32>;
type KemX = X25519HkdfSha256;

/// Prefix of a sealed record body (version 1 of the envelope).
pub const ENVELOPE_PREFIX: &str = "smrms-enc1:";
/// Prefix of a sealed profile or medication field: version 2, padded to a
/// bucket (see [`pad_bucket`]). New fields are always sealed in this format.
pub const FIELD_PREFIX: &str = "e2:";
/// Prefix of a version 1 sealed field (unpadded: its length reveals the
/// plaintext's). Never written any more; [`open_field`] still opens it.
pub const FIELD_PREFIX_V1: &str = "e1:";
/// The title stored on chain for a sealed record; the real one is inside.
pub const SEALED_TITLE: &str = "sealed";
/// Length of a wrapped data key: HPKE encapsulated key (32) + sealed key (32) + tag (16).
pub const WRAPPED_KEY_LEN: usize = 80;

/// What can go wrong on the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// A public key, wrapped key or envelope is malformed.
    Malformed,
    /// HPKE could not wrap the key for this public key.
    Wrap,
    /// The wrapped key does not open with this secret key and context:
    /// it was wrapped for someone else, for another item, or altered.
    Unwrap,
    /// The ciphertext does not open with this data key (wrong key or altered).
    Open,
    /// The decrypted content does not match the envelope's commitment.
    Commitment,
    /// The sealed text is longer than the contract accepts for this field.
    TooLong {
        /// Sealed length in bytes.
        len: usize,
        /// The contract's bound.
        max: usize,
    },
}

/// Result of this crate.
pub type Result<T> = core::result::Result<T, CryptoError>;

/// What a wrapped key opens; mirrors `records::Sealed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    /// The patient's sealed profile fields.
    Profile,
    /// One record, by id.
    Record(u32),
    /// One medication entry, by id.
    Medication(u32),
    /// The patient's emergency card (one per patient; a new card takes a
    /// new key).
    Card,
}

/// An account's encryption key pair (X25519), separate from its signing key.
pub struct EncryptionKeys {
    secret: <KemX as Kem>::PrivateKey,
    public: <KemX as Kem>::PublicKey,
}

impl EncryptionKeys {
    /// Derives the pair from secret input keying material (at least 32
    /// random bytes; RFC 9180 DeriveKeyPair). Keep the seed like a password.
    pub fn from_seed(seed: &[u8]) -> Self {
        let (secret, public) = KemX::derive_keypair(seed);
        Self { secret, public }
    }

    /// A new random pair.
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        Self::from_seed(&seed)
    }

    /// The pair of a development account (`//Alice`, `//Bob`, …), derived
    /// from its secret URI, so that demos and tests need no key files. Never
    /// for real accounts: anyone who knows the URI has the key.
    pub fn for_dev_account(suri: &str) -> Self {
        let seed = Blake2b256::new().chain_update(b"smrms/dev-encryption-key/v1").chain_update(suri).finalize();
        Self::from_seed(&seed)
    }

    /// The public half, as published with `registry.publish_encryption_key`.
    pub fn public_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(&self.public.to_bytes());
        out
    }
}

/// A fresh symmetric key for one record or one profile version.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// A new random data key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        OsRng.fill_bytes(&mut k);
        Self(k)
    }

    /// A data key the client kept (e.g. the author's copy).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw key, for the client's own key store. Never put it on chain.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }
}

impl core::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// The HPKE `info` that binds a wrapped key to one patient, item and reader.
pub fn wrap_info(patient: &[u8; 32], object: Sealed, recipient: &[u8; 32]) -> Vec<u8> {
    let mut info = b"smrms/wrap/v1".to_vec();
    info.extend_from_slice(patient);
    match object {
        Sealed::Profile => info.push(0),
        Sealed::Record(id) => {
            info.push(1);
            info.extend_from_slice(&id.to_le_bytes());
        }
        Sealed::Medication(id) => {
            info.push(2);
            info.extend_from_slice(&id.to_le_bytes());
        }
        Sealed::Card => info.push(3),
    }
    info.extend_from_slice(recipient);
    info
}

/// Wraps `key` for the holder of `recipient_public` (80 bytes, for
/// `records.share_key`).
pub fn wrap_key(recipient_public: &[u8; 32], key: &DataKey, info: &[u8]) -> Result<Vec<u8>> {
    let pk = <KemX as Kem>::PublicKey::from_bytes(recipient_public).map_err(|_| CryptoError::Malformed)?;
    let (enc, ct) =
        hpke::single_shot_seal::<HpkeAead, HkdfSha256, KemX, _>(&OpModeS::Base, &pk, info, &key.0, b"", &mut OsRng)
            .map_err(|_| CryptoError::Wrap)?;
    let mut out = enc.to_bytes().to_vec();
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Opens a wrapped key with the reader's secret key.
pub fn unwrap_key(keys: &EncryptionKeys, wrapped: &[u8], info: &[u8]) -> Result<DataKey> {
    if wrapped.len() != WRAPPED_KEY_LEN {
        return Err(CryptoError::Malformed);
    }
    let (enc, ct) = wrapped.split_at(32);
    let enc = <KemX as Kem>::EncappedKey::from_bytes(enc).map_err(|_| CryptoError::Malformed)?;
    let pt = hpke::single_shot_open::<HpkeAead, HkdfSha256, KemX>(&OpModeR::Base, &keys.secret, &enc, info, ct, b"")
        .map_err(|_| CryptoError::Unwrap)?;
    let key: [u8; 32] = pt.as_slice().try_into().map_err(|_| CryptoError::Unwrap)?;
    Ok(DataKey(key))
}

/// The salted commitment to a record's plaintext.
pub fn commitment(salt: &[u8; 16], title: &str, body: &str) -> [u8; 32] {
    Blake2b256::new()
        .chain_update(b"smrms/commit/v1")
        .chain_update(salt)
        .chain_update((title.len() as u64).to_le_bytes())
        .chain_update(title)
        .chain_update(body)
        .finalize()
        .into()
}

/// A record as the data key's holders see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedRecord {
    /// The real title.
    pub title: String,
    /// The real body.
    pub body: String,
    /// The commitment's salt (reveal it with title and body to prove them).
    pub salt: [u8; 16],
}

/// Seals a record: returns the body (the envelope; the chain's content
/// hash covers its on-chain bytes, [`crate::onchain::to_chain`]). Store it
/// with the title [`SEALED_TITLE`].
pub fn seal_record(key: &DataKey, title: &str, body: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let mut pt = salt.to_vec();
    pt.extend_from_slice(&(title.len() as u64).to_le_bytes());
    pt.extend_from_slice(title.as_bytes());
    pt.extend_from_slice(body.as_bytes());
    let ct = key
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &pt, aad: b"smrms/record/v1" })
        .map_err(|_| CryptoError::Open)?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ct);
    let envelope = format!("{ENVELOPE_PREFIX}{}.{}", B64.encode(sealed), hex(&commitment(&salt, title, body)));
    if envelope.len() > smrms_shared::MAX_BODY_LEN {
        return Err(CryptoError::TooLong { len: envelope.len(), max: smrms_shared::MAX_BODY_LEN });
    }
    Ok(envelope)
}

fn split_envelope(envelope: &str) -> Result<(Vec<u8>, [u8; 32])> {
    let rest = envelope.strip_prefix(ENVELOPE_PREFIX).ok_or(CryptoError::Malformed)?;
    let (ct, c) = rest.split_once('.').ok_or(CryptoError::Malformed)?;
    let ct = B64.decode(ct).map_err(|_| CryptoError::Malformed)?;
    let c = unhex(c).ok_or(CryptoError::Malformed)?;
    if ct.len() < 24 + 16 {
        return Err(CryptoError::Malformed);
    }
    Ok((ct, c))
}

/// The commitment an envelope carries (readable without any key).
pub fn envelope_commitment(envelope: &str) -> Result<[u8; 32]> {
    Ok(split_envelope(envelope)?.1)
}

/// Opens a sealed record and checks it against its commitment.
pub fn open_record(key: &DataKey, envelope: &str) -> Result<OpenedRecord> {
    let (sealed, c) = split_envelope(envelope)?;
    let (nonce, ct) = sealed.split_at(24);
    let pt = key
        .cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: b"smrms/record/v1" })
        .map_err(|_| CryptoError::Open)?;
    if pt.len() < 24 {
        return Err(CryptoError::Malformed);
    }
    let (salt, rest) = pt.split_at(16);
    let (len, rest) = rest.split_at(8);
    let title_len = usize::try_from(u64::from_le_bytes(len.try_into().map_err(|_| CryptoError::Malformed)?))
        .map_err(|_| CryptoError::Malformed)?;
    if title_len > rest.len() {
        return Err(CryptoError::Malformed);
    }
    let (title, body) = rest.split_at(title_len);
    let opened = OpenedRecord {
        title: String::from_utf8(title.to_vec()).map_err(|_| CryptoError::Malformed)?,
        body: String::from_utf8(body.to_vec()).map_err(|_| CryptoError::Malformed)?,
        salt: salt.try_into().map_err(|_| CryptoError::Malformed)?,
    };
    if commitment(&opened.salt, &opened.title, &opened.body) != c {
        return Err(CryptoError::Commitment);
    }
    Ok(opened)
}

/// A verifier's check of a revealed record (title, body, salt) against an
/// envelope, with no key: true if they are what the envelope committed to.
/// The envelope itself is checked against the chain with
/// `records.verify_record(patient, id, kind, title, body)`, given the title
/// and body bytes as stored (`to_chain(SEALED_TITLE)`, `to_chain(envelope)`).
pub fn prove(envelope: &str, title: &str, body: &str, salt: &[u8; 16]) -> bool {
    envelope_commitment(envelope).is_ok_and(|c| c == commitment(salt, title, body))
}

/// Seals one profile field (field number `index`) under the profile
/// version's data key. The nonce is the field number: safe because a data
/// key seals exactly one profile version (a new version takes a new key).
/// Medication entries use it too, each under its own fresh data key.
/// `max` is the registry's bound for that field.
///
/// The plaintext is padded ([`pad_bucket`]) to the smallest bucket of the
/// field that holds it, so the sealed length tells only the bucket:
/// `e2:` base64(ciphertext of (text ‖ 0x80 ‖ 0x00…), AAD `smrms/profile/v2`).
/// Text longer than the field's largest bucket is [`CryptoError::TooLong`].
pub fn seal_field(key: &DataKey, index: u8, plaintext: &str, max: usize) -> Result<String> {
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let cap = field_capacity(max);
    let Some(bucket) = pad_bucket(plaintext.len(), cap) else {
        return Err(CryptoError::TooLong { len: field_sealed_len(plaintext.len() + 1), max });
    };
    let sealed = seal_padded_field(key, index, &pad(plaintext.as_bytes(), bucket))?;
    debug_assert_eq!(sealed.len(), field_sealed_len(bucket));
    if sealed.len() > max {
        return Err(CryptoError::TooLong { len: sealed.len(), max });
    }
    Ok(sealed)
}

/// `e2:` base64(ciphertext of `padded`), the padding already applied.
fn seal_padded_field(key: &DataKey, index: u8, padded: &[u8]) -> Result<String> {
    let ct = key
        .cipher()
        .encrypt(&field_nonce(index), Payload { msg: padded, aad: FIELD_AAD_V2 })
        .map_err(|_| CryptoError::Open)?;
    Ok(format!("{FIELD_PREFIX}{}", B64.encode(ct)))
}

/// Opens a sealed profile or medication field: the padded format (`e2:`)
/// or the old unpadded one (`e1:`, data sealed before padding).
pub fn open_field(key: &DataKey, index: u8, sealed: &str) -> Result<String> {
    if sealed.is_empty() {
        return Ok(String::new());
    }
    let (padded, aad, rest) = if let Some(rest) = sealed.strip_prefix(FIELD_PREFIX) {
        (true, FIELD_AAD_V2, rest)
    } else if let Some(rest) = sealed.strip_prefix(FIELD_PREFIX_V1) {
        (false, FIELD_AAD_V1, rest)
    } else {
        return Err(CryptoError::Malformed);
    };
    let ct = B64.decode(rest).map_err(|_| CryptoError::Malformed)?;
    let pt = key.cipher().decrypt(&field_nonce(index), Payload { msg: &ct, aad }).map_err(|_| CryptoError::Open)?;
    let pt = if padded { unpad(pt)? } else { pt };
    String::from_utf8(pt).map_err(|_| CryptoError::Malformed)
}

const FIELD_AAD_V1: &[u8] = b"smrms/profile/v1";
const FIELD_AAD_V2: &[u8] = b"smrms/profile/v2";

// ---------------------------------------------------------------------------
// Padding
//
// A sealed field or note would otherwise be exactly as long as its plaintext
// plus a constant, so its length on chain told e.g. "A+" from "AB-", "male"
// from "female", or one drug name from another. The version 2 formats (`e2:`,
// `n2:`) pad the plaintext first, ISO/IEC 7816-4 style: the text, one 0x80
// byte, then zeros up to the bucket. The padded length ("bucket") is the
// smallest of 16, 32, 64, 128, 256, 512 bytes that holds the text and the
// 0x80 marker and is below the item's capacity, else the capacity itself:
// the largest padded length whose sealed form still fits the contract's
// bound (`max`). So every value of one field in one bucket seals to the same
// length, and no text that fitted the bound unpadded (less the marker byte)
// is refused. The length still tells which bucket the text is in.
//
// Sealed length of a padded length P (base64 without padding: ⌈4n/3⌉):
// - field: 3 (`e2:`) + ⌈4 (P + 16) / 3⌉  (16: the Poly1305 tag);
// - note:  219 (`n2:`, two base64 wrapped keys of 80 bytes and two dots)
//          + ⌈4 (24 + P + 16) / 3⌉  (24: the nonce).
//
// Buckets (padded bytes; the largest text is one byte less) by bound, from
// contracts/shared/lib.rs, as the registry (profile), records (medications),
// appointments and permissions (notes) check them:
//
// | bound (shared/lib.rs) | fields                                           | buckets (bytes)          | sealed lengths               |
// |-----------------------|--------------------------------------------------|--------------------------|------------------------------|
// | MAX_SHORT_LEN 64      | date_of_birth, gender, phone, blood_group,       | 16, 29                   | 46, 63                       |
// |                       | emergency_contact_phone; medication dose,        |                          |                              |
// |                       | frequency                                        |                          |                              |
// | MAX_NAME_LEN 128      | name, emergency_contact_name; medication name    | 16, 32, 64, 77           | 46, 67, 110, 127             |
// | MAX_TEXT_LEN 512      | home_address, allergies; medication notes        | 16, 32, 64, 128, 256, 365| 46, 67, 110, 195, 366, 511   |
// | MAX_TEXT_LEN 512      | notes: appointment reason, diagnosis,            | 16, 32, 64, 128, 179     | 294, 315, 358, 443, 511      |
// |                       | prescription; the emergency note                 |                          |                              |
//
// (Checked by the test `bucket_table`.) A 64-byte bound holds no 32-byte
// bucket: that would seal to 67 characters.

/// The padded lengths (bytes) below an item's capacity; see the table above.
pub const PAD_BUCKETS: [usize; 6] = [16, 32, 64, 128, 256, 512];

/// Length of `n` bytes in base64 without padding.
const fn b64_len(n: usize) -> usize {
    (4 * n).div_ceil(3)
}

/// The most bytes whose base64 (no padding) fits in `chars` characters.
const fn b64_fits(chars: usize) -> usize {
    3 * chars / 4
}

/// Sealed length of a field padded to `padded` bytes.
const fn field_sealed_len(padded: usize) -> usize {
    FIELD_PREFIX.len() + b64_len(padded + 16)
}

/// The largest padded length of a field whose sealed form fits `max`.
pub const fn field_capacity(max: usize) -> usize {
    b64_fits(max.saturating_sub(FIELD_PREFIX.len())).saturating_sub(16)
}

/// Characters of a note besides its ciphertext: `n2:`, the two wrapped keys, two dots.
const NOTE_OVERHEAD: usize = NOTE_PREFIX.len() + 2 * (b64_len(WRAPPED_KEY_LEN) + 1);

/// Sealed length of a note padded to `padded` bytes.
const fn note_sealed_len(padded: usize) -> usize {
    NOTE_OVERHEAD + b64_len(24 + padded + 16)
}

/// The largest padded length of a note whose sealed form fits `max`.
pub const fn note_capacity(max: usize) -> usize {
    b64_fits(max.saturating_sub(NOTE_OVERHEAD)).saturating_sub(24 + 16)
}

/// The padded length for a text of `len` bytes in an item whose largest
/// padded length is `capacity`: the smallest of [`PAD_BUCKETS`] below the
/// capacity that holds the text and the 0x80 marker, else the capacity;
/// `None` if the text does not fit at all.
pub fn pad_bucket(len: usize, capacity: usize) -> Option<usize> {
    let need = len.checked_add(1)?;
    if need > capacity {
        return None;
    }
    Some(PAD_BUCKETS.iter().copied().find(|&b| b >= need && b < capacity).unwrap_or(capacity))
}

/// The length [`seal_field`] gives a text of `len` bytes under the bound
/// `max` (0 for an empty text); `None` if the text is too long.
pub fn sealed_field_len(len: usize, max: usize) -> Option<usize> {
    if len == 0 {
        return Some(0);
    }
    pad_bucket(len, field_capacity(max)).map(field_sealed_len)
}

/// The length [`seal_note`] gives a text of `len` bytes under the bound
/// `max` (0 for an empty text); `None` if the text is too long.
pub fn sealed_note_len(len: usize, max: usize) -> Option<usize> {
    if len == 0 {
        return Some(0);
    }
    pad_bucket(len, note_capacity(max)).map(note_sealed_len)
}

/// `text` ‖ 0x80 ‖ zeros, `to` bytes in all (`to` > `text.len()`).
fn pad(text: &[u8], to: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(to);
    out.extend_from_slice(text);
    out.push(0x80);
    out.resize(to, 0);
    out
}

/// Removes the padding of [`pad`]: trailing zeros, then the 0x80 marker;
/// anything else is `Malformed`.
fn unpad(mut padded: Vec<u8>) -> Result<Vec<u8>> {
    let marker = padded.iter().rposition(|&b| b != 0).ok_or(CryptoError::Malformed)?;
    if padded[marker] != 0x80 {
        return Err(CryptoError::Malformed);
    }
    padded.truncate(marker);
    Ok(padded)
}

fn field_nonce(index: u8) -> XNonce {
    let mut n = [0u8; 24];
    n[0] = index;
    *XNonce::from_slice(&n)
}

/// Prefix of a sealed appointment text (reason, diagnosis, prescription)
/// or emergency note: version 2, padded to a bucket (see [`pad_bucket`]).
/// New notes are always sealed in this format.
pub const NOTE_PREFIX: &str = "n2:";
/// Prefix of a version 1 note (unpadded). Never written any more;
/// [`open_note`] still opens it.
pub const NOTE_PREFIX_V1: &str = "n1:";

/// The longest appointment text (bytes) that still seals within the
/// appointments contract's 512-byte bound (its largest bucket, 179 bytes,
/// less the padding marker); longer clinical detail belongs in a sealed
/// record.
pub const MAX_NOTE_PLAINTEXT: usize = note_capacity(smrms_shared::MAX_TEXT_LEN) - 1;

/// Whether `text` is a sealed note of either version (else a plaintext
/// stored by another client, or empty).
pub fn is_sealed_note(text: &str) -> bool {
    text.starts_with(NOTE_PREFIX) || text.starts_with(NOTE_PREFIX_V1)
}

/// The AEAD associated data of a note (version 1 or 2); with the reader
/// appended, the HPKE `info` of its wrapped keys.
fn note_context(version: u8, patient: &[u8; 32], doctor: &[u8; 32]) -> Vec<u8> {
    let mut c = if version == 1 { b"smrms/note/v1".to_vec() } else { b"smrms/note/v2".to_vec() };
    c.extend_from_slice(patient);
    c.extend_from_slice(doctor);
    c
}

/// The HPKE `info` of a note's data key wrapped for `reader`.
fn note_info(version: u8, patient: &[u8; 32], doctor: &[u8; 32], reader: &[u8; 32]) -> Vec<u8> {
    let mut info = note_context(version, patient, doctor);
    info.extend_from_slice(reader);
    info
}

/// Seals an appointment text for its two participants, self-contained:
/// `n2:<wrapped for the patient>.<wrapped for the doctor>.<nonce‖ciphertext>`
/// (base64), under a fresh data key. The text is padded like a field's
/// ([`pad_bucket`], buckets up to [`note_capacity`]`(max)`), so its sealed
/// length tells only the bucket. Appointments have no entry in the
/// records contract's key store: only the patient and the doctor of the
/// appointment ever read its texts, so both wrapped keys travel inside the
/// text itself. The ciphertext is bound (AEAD associated data, HPKE `info`)
/// to the (patient, doctor) pair (context `smrms/note/v2`). Empty text stays
/// empty (optional fields).
pub fn seal_note(
    patient: (&[u8; 32], &[u8; 32]),
    doctor: (&[u8; 32], &[u8; 32]),
    text: &str,
    max: usize,
) -> Result<String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let Some(bucket) = pad_bucket(text.len(), note_capacity(max)) else {
        return Err(CryptoError::TooLong { len: note_sealed_len(text.len() + 1), max });
    };
    let note = seal_padded_note(patient, doctor, &pad(text.as_bytes(), bucket))?;
    debug_assert_eq!(note.len(), note_sealed_len(bucket));
    if note.len() > max {
        return Err(CryptoError::TooLong { len: note.len(), max });
    }
    Ok(note)
}

/// An `n2:` note of `padded`, the padding already applied.
fn seal_padded_note(patient: (&[u8; 32], &[u8; 32]), doctor: (&[u8; 32], &[u8; 32]), padded: &[u8]) -> Result<String> {
    let ((p, p_pub), (d, d_pub)) = (patient, doctor);
    let key = DataKey::generate();
    let for_patient = wrap_key(p_pub, &key, &note_info(2, p, d, p))?;
    let for_doctor = wrap_key(d_pub, &key, &note_info(2, p, d, d))?;
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let ct = key
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: padded, aad: &note_context(2, p, d) })
        .map_err(|_| CryptoError::Open)?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ct);
    Ok(format!("{NOTE_PREFIX}{}.{}.{}", B64.encode(for_patient), B64.encode(for_doctor), B64.encode(sealed)))
}

/// Opens an appointment text sealed by [`seal_note`] with the secret key of
/// `reader`, who must be the appointment's patient or doctor: the padded
/// format (`n2:`) or the old unpadded one (`n1:`).
pub fn open_note(
    keys: &EncryptionKeys,
    patient: &[u8; 32],
    doctor: &[u8; 32],
    reader: &[u8; 32],
    note: &str,
) -> Result<String> {
    if note.is_empty() {
        return Ok(String::new());
    }
    let (version, rest) = if let Some(rest) = note.strip_prefix(NOTE_PREFIX) {
        (2, rest)
    } else if let Some(rest) = note.strip_prefix(NOTE_PREFIX_V1) {
        (1, rest)
    } else {
        return Err(CryptoError::Malformed);
    };
    let mut parts = rest.split('.');
    let (Some(for_patient), Some(for_doctor), Some(sealed), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CryptoError::Malformed);
    };
    let wrapped = if reader == patient {
        for_patient
    } else if reader == doctor {
        for_doctor
    } else {
        return Err(CryptoError::Unwrap);
    };
    let wrapped = B64.decode(wrapped).map_err(|_| CryptoError::Malformed)?;
    let key = unwrap_key(keys, &wrapped, &note_info(version, patient, doctor, reader))?;
    let sealed = B64.decode(sealed).map_err(|_| CryptoError::Malformed)?;
    if sealed.len() < 24 + 16 {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ct) = sealed.split_at(24);
    let pt = key
        .cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &note_context(version, patient, doctor) })
        .map_err(|_| CryptoError::Open)?;
    let pt = if version == 2 { unpad(pt)? } else { pt };
    String::from_utf8(pt).map_err(|_| CryptoError::Malformed)
}

// ---------------------------------------------------------------------------
// Emergency card
//
// A patient's emergency card (allergies, blood group, current medications,
// conditions, an emergency contact) is one small JSON object sealed under a
// fresh data key per version, padded like a field so that its length tells
// only a bucket: `c1:` base64(nonce (24) ‖ XChaCha20-Poly1305 of (JSON ‖
// 0x80 ‖ 0x00…), AAD `smrms/card/v1` ‖ patient). Buckets: 256, 512, 1024
// bytes, else the largest padded length whose sealed form fits the records
// contract's bound (MAX_CARD_LEN, 2048). The key is wrapped like a record's
// (`wrap_info(patient, Sealed::Card, reader)`) for the patient and the
// emergency custodian, which re-wraps it for a doctor during an open
// emergency access.

/// Prefix of a sealed emergency card (version 1).
pub const CARD_PREFIX: &str = "c1:";

/// Padded lengths of a card below its capacity.
pub const CARD_BUCKETS: [usize; 3] = [256, 512, 1024];

/// The card's text fields: (JSON name, what it is).
pub const CARD_FIELDS: [(&str, &str); 5] = [
    ("allergies", "allergies"),
    ("blood_group", "blood group"),
    ("medications", "current medications"),
    ("conditions", "conditions"),
    ("emergency_contact", "emergency contact"),
];

/// An emergency card in the clear (only ever on the client).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Card {
    /// Known allergies.
    #[serde(default)]
    pub allergies: String,
    /// Blood group.
    #[serde(default)]
    pub blood_group: String,
    /// Current medications.
    #[serde(default)]
    pub medications: String,
    /// Conditions (diagnoses a rescuer must know).
    #[serde(default)]
    pub conditions: String,
    /// Emergency contact (name and phone).
    #[serde(default)]
    pub emergency_contact: String,
}

impl Card {
    /// The fields in [`CARD_FIELDS`] order.
    pub fn fields(&self) -> [&str; 5] {
        [&self.allergies, &self.blood_group, &self.medications, &self.conditions, &self.emergency_contact]
    }

    /// Every field empty.
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|f| f.is_empty())
    }
}

/// The most padded bytes of a card whose sealed form fits `max` characters.
pub const fn card_capacity(max: usize) -> usize {
    b64_fits(max.saturating_sub(CARD_PREFIX.len())).saturating_sub(24 + 16)
}

/// The padded length of a card whose JSON is `len` bytes: the smallest of
/// [`CARD_BUCKETS`] below the capacity that holds it and the 0x80 marker,
/// else the capacity; `None` if it does not fit.
fn card_bucket(len: usize) -> Option<usize> {
    let cap = card_capacity(smrms_shared::MAX_CARD_LEN);
    let need = len.checked_add(1)?;
    if need > cap {
        return None;
    }
    Some(CARD_BUCKETS.iter().copied().find(|&b| b >= need && b < cap).unwrap_or(cap))
}

/// The length [`seal_card`] gives `card`; `None` if it is too long.
pub fn sealed_card_len(card: &Card) -> Option<usize> {
    card_bucket(serde_json::to_vec(card).ok()?.len()).map(card_sealed_len)
}

/// Sealed length of a card padded to `padded` bytes.
const fn card_sealed_len(padded: usize) -> usize {
    CARD_PREFIX.len() + b64_len(24 + padded + 16)
}

fn card_aad(patient: &[u8; 32]) -> Vec<u8> {
    let mut aad = b"smrms/card/v1".to_vec();
    aad.extend_from_slice(patient);
    aad
}

/// Seals `card` of `patient` under `key` (a fresh key per card version):
/// the `c1:` text as bytes (`records.set_card` takes it through
/// [`crate::onchain::to_chain`]). [`CryptoError::TooLong`] if it does not
/// fit the contract's bound (its text form does; the on-chain form is
/// shorter).
pub fn seal_card(key: &DataKey, patient: &[u8; 32], card: &Card) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(card).map_err(|_| CryptoError::Malformed)?;
    let max = smrms_shared::MAX_CARD_LEN;
    let Some(bucket) = card_bucket(json.len()) else {
        return Err(CryptoError::TooLong { len: card_sealed_len(json.len() + 1), max });
    };
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let ct = key
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &pad(&json, bucket), aad: &card_aad(patient) })
        .map_err(|_| CryptoError::Open)?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ct);
    let out = format!("{CARD_PREFIX}{}", B64.encode(sealed)).into_bytes();
    debug_assert_eq!(out.len(), card_sealed_len(bucket));
    Ok(out)
}

/// Opens a card sealed by [`seal_card`].
pub fn open_card(key: &DataKey, patient: &[u8; 32], body: &[u8]) -> Result<Card> {
    let text = core::str::from_utf8(body).map_err(|_| CryptoError::Malformed)?;
    let rest = text.strip_prefix(CARD_PREFIX).ok_or(CryptoError::Malformed)?;
    let sealed = B64.decode(rest).map_err(|_| CryptoError::Malformed)?;
    if sealed.len() < 24 + 16 {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ct) = sealed.split_at(24);
    let pt = key
        .cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &card_aad(patient) })
        .map_err(|_| CryptoError::Open)?;
    serde_json::from_slice(&unpad(pt)?).map_err(|_| CryptoError::Malformed)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// 32 bytes from 64 hex digits (either case); `None` for anything else.
pub fn unhex(s: &str) -> Option<[u8; 32]> {
    hex::decode(s).ok()?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use smrms_shared::{record_content_hash, MAX_NAME_LEN, MAX_SHORT_LEN, MAX_TEXT_LEN};

    const PATIENT: [u8; 32] = [1; 32];
    const DOCTOR: [u8; 32] = [2; 32];
    const STRANGER: [u8; 32] = [3; 32];
    const MAX_TEXT: usize = smrms_shared::MAX_TEXT_LEN;

    #[test]
    fn wrapped_key_opens_only_for_its_reader_and_item() {
        let doctor = EncryptionKeys::for_dev_account("//Charlie");
        let stranger = EncryptionKeys::for_dev_account("//Ferdie");
        let k = DataKey::generate();
        let info = wrap_info(&PATIENT, Sealed::Record(0), &DOCTOR);
        let wrapped = wrap_key(&doctor.public_bytes(), &k, &info).unwrap();
        assert_eq!(wrapped.len(), WRAPPED_KEY_LEN);
        assert!(wrapped.len() <= smrms_shared::MAX_WRAPPED_KEY_LEN);
        assert_eq!(unwrap_key(&doctor, &wrapped, &info), Ok(k.clone()));
        // another reader's secret key, another item, another recipient id
        assert_eq!(unwrap_key(&stranger, &wrapped, &info), Err(CryptoError::Unwrap));
        assert_eq!(
            unwrap_key(&doctor, &wrapped, &wrap_info(&PATIENT, Sealed::Record(1), &DOCTOR)),
            Err(CryptoError::Unwrap)
        );
        assert_eq!(
            unwrap_key(&doctor, &wrapped, &wrap_info(&PATIENT, Sealed::Profile, &DOCTOR)),
            Err(CryptoError::Unwrap)
        );
        assert_eq!(
            unwrap_key(&doctor, &wrapped, &wrap_info(&PATIENT, Sealed::Medication(0), &DOCTOR)),
            Err(CryptoError::Unwrap)
        );
        assert_eq!(
            unwrap_key(&doctor, &wrapped, &wrap_info(&PATIENT, Sealed::Record(0), &STRANGER)),
            Err(CryptoError::Unwrap)
        );
        // one flipped bit
        let mut bad = wrapped.clone();
        bad[50] ^= 1;
        assert_eq!(unwrap_key(&doctor, &bad, &info), Err(CryptoError::Unwrap));
        assert_eq!(unwrap_key(&doctor, &wrapped[..79], &info), Err(CryptoError::Malformed));
        // wrapping is randomized: two wraps of one key differ
        assert_ne!(wrap_key(&doctor.public_bytes(), &k, &info).unwrap(), wrapped);
    }

    #[test]
    fn dev_keys_are_stable_and_distinct() {
        let a = EncryptionKeys::for_dev_account("//Bob").public_bytes();
        assert_eq!(a, EncryptionKeys::for_dev_account("//Bob").public_bytes());
        assert_ne!(a, EncryptionKeys::for_dev_account("//Charlie").public_bytes());
        assert_ne!(EncryptionKeys::generate().public_bytes(), EncryptionKeys::generate().public_bytes());
        assert_ne!(a, [0; 32], "the registry refuses the zero key");
    }

    #[test]
    fn sealed_record_round_trip_hides_the_plaintext() {
        let k = DataKey::generate();
        let (title, body) = ("HIV test", "positive; start ART, CD4 350");
        let env = seal_record(&k, title, body).unwrap();
        assert!(env.starts_with(ENVELOPE_PREFIX));
        for word in ["HIV", "positive", "ART", "CD4"] {
            assert!(!env.contains(word), "{word} leaked into the envelope");
        }
        let opened = open_record(&k, &env).unwrap();
        assert_eq!((opened.title.as_str(), opened.body.as_str()), (title, body));
        assert_eq!(open_record(&DataKey::generate(), &env), Err(CryptoError::Open));
        // same content, fresh salt and nonce: different envelopes
        assert_ne!(seal_record(&k, title, body).unwrap(), env);
    }

    #[test]
    fn tampering_is_caught_by_the_cipher_and_by_the_chain_hash() {
        let k = DataKey::generate();
        let env = seal_record(&k, "Diagnosis", "Type 2 diabetes").unwrap();
        // the chain hashes the stored bytes (`crate::onchain::to_chain` of title and envelope)
        let stored = |t: &str| crate::onchain::to_chain(t);
        let on_chain = record_content_hash(0, &stored(SEALED_TITLE), &stored(&env));
        // change one character of the ciphertext part
        let mut chars: Vec<char> = env.chars().collect();
        let i = ENVELOPE_PREFIX.len() + 10;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert_eq!(open_record(&k, &tampered), Err(CryptoError::Open));
        assert_ne!(record_content_hash(0, &stored(SEALED_TITLE), &stored(&tampered)), on_chain);
        // one flipped bit of the stored bytes changes the hash too
        let mut flipped = stored(&env);
        flipped[20] ^= 1;
        assert_ne!(record_content_hash(0, &stored(SEALED_TITLE), &flipped), on_chain);
        // swap in another commitment: the ciphertext opens but does not match
        let other = seal_record(&k, "x", "y").unwrap();
        let forged = format!("{}.{}", env.split_once('.').unwrap().0, other.split_once('.').unwrap().1);
        assert_eq!(open_record(&k, &forged), Err(CryptoError::Commitment));
        assert_eq!(open_record(&k, "plain text"), Err(CryptoError::Malformed));
    }

    #[test]
    fn a_record_is_proven_without_the_key() {
        let k = DataKey::generate();
        let env = seal_record(&k, "Lab result", "HbA1c 6.8 %").unwrap();
        let opened = open_record(&k, &env).unwrap();
        // the patient reveals title, body and salt to a verifier, who has no key
        assert!(prove(&env, "Lab result", "HbA1c 6.8 %", &opened.salt));
        assert!(!prove(&env, "Lab result", "HbA1c 5.8 %", &opened.salt));
        assert!(!prove(&env, "Lab result", "HbA1c 6.8 %", &[0; 16]), "the salt is needed");
    }

    #[test]
    fn largest_sealed_body_fits_and_oversized_is_refused() {
        let k = DataKey::generate();
        // envelope = prefix + base64(24 + 16 + 16 + 8 + title + body) + '.' + 64
        let body = "b".repeat(5_900);
        let env = seal_record(&k, "t", &body).unwrap();
        assert!(env.len() <= smrms_shared::MAX_BODY_LEN);
        assert!(matches!(seal_record(&k, "t", &"b".repeat(6_500)), Err(CryptoError::TooLong { .. })));
    }

    #[test]
    fn profile_fields_seal_within_the_registry_bounds() {
        let k = DataKey::generate();
        let fields = [
            (0u8, "Bob Kumar", MAX_NAME_LEN),
            (1, "1980-02-14", MAX_SHORT_LEN),
            (4, "+91 80 1234 5678", MAX_SHORT_LEN),
            (3, "12 MG Road, Bengaluru 560001", MAX_TEXT_LEN),
        ];
        for (i, pt, max) in fields {
            let sealed = seal_field(&k, i, pt, max).unwrap();
            assert!(sealed.len() <= max);
            assert!(!sealed.contains(pt));
            assert_eq!(open_field(&k, i, &sealed).as_deref(), Ok(pt));
            assert_eq!(open_field(&k, i.wrapping_add(1), &sealed), Err(CryptoError::Open), "bound to its field");
            assert_eq!(open_field(&DataKey::generate(), i, &sealed), Err(CryptoError::Open));
        }
        assert_eq!(seal_field(&k, 0, "", MAX_SHORT_LEN).as_deref(), Ok(""));
        assert!(matches!(seal_field(&k, 1, &"9".repeat(40), MAX_SHORT_LEN), Err(CryptoError::TooLong { .. })));
    }

    #[test]
    fn appointment_notes_open_for_both_participants_only() {
        let (patient, doctor, stranger) = (
            EncryptionKeys::for_dev_account("//Dave"),
            EncryptionKeys::for_dev_account("//Eve"),
            EncryptionKeys::for_dev_account("//Ferdie"),
        );
        let (p, d) = ([7u8; 32], [8u8; 32]);
        let text = "Chest pain on exertion; troponin pending";
        let note = seal_note((&p, &patient.public_bytes()), (&d, &doctor.public_bytes()), text, MAX_TEXT).unwrap();
        assert!(note.starts_with(NOTE_PREFIX) && !note.contains("troponin"));
        assert_eq!(open_note(&patient, &p, &d, &p, &note).as_deref(), Ok(text));
        assert_eq!(open_note(&doctor, &p, &d, &d, &note).as_deref(), Ok(text));
        // a third account has no wrapped key, and cannot use a participant's
        assert_eq!(open_note(&stranger, &p, &d, &[9u8; 32], &note), Err(CryptoError::Unwrap));
        assert_eq!(open_note(&stranger, &p, &d, &d, &note), Err(CryptoError::Unwrap));
        // bound to the (patient, doctor) pair
        assert_eq!(open_note(&doctor, &p, &[9u8; 32], &d, &note), Err(CryptoError::Unwrap));
        // a flipped ciphertext bit is caught
        let mut bad = note.clone().into_bytes();
        let last = bad.len() - 3;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(open_note(&patient, &p, &d, &p, &String::from_utf8(bad).unwrap()), Err(CryptoError::Open));
        // the documented bound is exact
        let pk = (&p, &patient.public_bytes());
        let dk = (&d, &doctor.public_bytes());
        assert!(seal_note(pk, dk, &"x".repeat(MAX_NOTE_PLAINTEXT), MAX_TEXT).is_ok());
        assert!(matches!(
            seal_note(pk, dk, &"x".repeat(MAX_NOTE_PLAINTEXT + 1), MAX_TEXT),
            Err(CryptoError::TooLong { .. })
        ));
        assert_eq!(seal_note(pk, dk, "", MAX_TEXT).as_deref(), Ok(""));
    }

    #[test]
    fn bucket_table() {
        // capacity (largest padded length) per bound, and the sealed length of each bucket
        assert_eq!(
            [field_capacity(MAX_SHORT_LEN), field_capacity(MAX_NAME_LEN), field_capacity(MAX_TEXT_LEN)],
            [29, 77, 365]
        );
        assert_eq!(note_capacity(MAX_TEXT), 179);
        assert_eq!(MAX_NOTE_PLAINTEXT, 178);
        let buckets = |cap: usize| {
            let mut b: Vec<usize> = PAD_BUCKETS.iter().copied().filter(|&b| b < cap).collect();
            b.push(cap);
            b
        };
        let table =
            |cap: usize, len: fn(usize) -> usize| buckets(cap).into_iter().map(|b| (b, len(b))).collect::<Vec<_>>();
        assert_eq!(table(field_capacity(MAX_SHORT_LEN), field_sealed_len), [(16, 46), (29, 63)]);
        assert_eq!(table(field_capacity(MAX_NAME_LEN), field_sealed_len), [(16, 46), (32, 67), (64, 110), (77, 127)]);
        assert_eq!(
            table(field_capacity(MAX_TEXT_LEN), field_sealed_len),
            [(16, 46), (32, 67), (64, 110), (128, 195), (256, 366), (365, 511)]
        );
        assert_eq!(
            table(note_capacity(MAX_TEXT), note_sealed_len),
            [(16, 294), (32, 315), (64, 358), (128, 443), (179, 511)]
        );
        // each capacity is exact: one more padded byte would not fit
        for max in [MAX_SHORT_LEN, MAX_NAME_LEN, MAX_TEXT_LEN] {
            assert!(field_sealed_len(field_capacity(max)) <= max && field_sealed_len(field_capacity(max) + 1) > max);
        }
        assert!(note_sealed_len(179) <= MAX_TEXT && note_sealed_len(180) > MAX_TEXT);
        // text length -> bucket: the marker takes one byte
        let short = field_capacity(MAX_SHORT_LEN);
        assert_eq!([0, 15, 16, 28, 29].map(|n| pad_bucket(n, short)), [Some(16), Some(16), Some(29), Some(29), None]);
        assert_eq!(
            [31, 32, 255, 256, 364, 365].map(|n| pad_bucket(n, 365)),
            [Some(32), Some(64), Some(256), Some(365), Some(365), None]
        );
        assert_eq!(pad_bucket(3, 10), Some(10), "a capacity below every bucket is the only bucket");
        assert_eq!(pad_bucket(usize::MAX, 10), None);
        assert_eq!([0, 2, 16, 29].map(|n| sealed_field_len(n, MAX_SHORT_LEN)), [Some(0), Some(46), Some(63), None]);
        assert_eq!([0, 3, 178, 179].map(|n| sealed_note_len(n, MAX_TEXT)), [Some(0), Some(294), Some(511), None]);
    }

    #[test]
    fn values_in_one_bucket_seal_to_one_length() {
        let k = DataKey::generate();
        let len = |i: u8, t: &str, max: usize| {
            let s = seal_field(&k, i, t, max).unwrap();
            assert!(s.starts_with(FIELD_PREFIX) && s.len() <= max, "{t:?} fits its bound");
            assert_eq!(open_field(&k, i, &s).as_deref(), Ok(t));
            s.len()
        };
        // blood group and gender (MAX_SHORT_LEN): every value in the smallest bucket
        let blood: Vec<usize> =
            ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"].iter().map(|t| len(5, t, MAX_SHORT_LEN)).collect();
        assert!(blood.iter().all(|&l| l == 46), "{blood:?}");
        assert_eq!(len(2, "male", MAX_SHORT_LEN), len(2, "female", MAX_SHORT_LEN));
        assert_eq!(len(2, "female", MAX_SHORT_LEN), len(2, "non-binary", MAX_SHORT_LEN));
        // two drug names, doses, frequencies (medication fields)
        assert_eq!(len(0, "Metformin", MAX_NAME_LEN), len(0, "Atorvastatin", MAX_NAME_LEN));
        assert_eq!(len(1, "5 mg", MAX_SHORT_LEN), len(1, "500 mg", MAX_SHORT_LEN));
        assert_eq!(len(2, "daily", MAX_SHORT_LEN), len(2, "twice daily", MAX_SHORT_LEN));
        // longer texts: same bucket, same length; another bucket, another length
        assert_eq!(len(6, &"p".repeat(40), MAX_TEXT_LEN), len(6, &"q".repeat(63), MAX_TEXT_LEN));
        assert_ne!(len(6, &"p".repeat(63), MAX_TEXT_LEN), len(6, &"p".repeat(64), MAX_TEXT_LEN));
        // a phone number of 16 bytes (as before padding, up to 28 fit a 64-byte bound)
        assert_eq!(len(4, "+91 80 1234 5678", MAX_SHORT_LEN), 63);
        assert_eq!(len(4, &"9".repeat(28), MAX_SHORT_LEN), 63);

        let (patient, doctor) = (EncryptionKeys::for_dev_account("//Dave"), EncryptionKeys::for_dev_account("//Eve"));
        let (p, d) = ([7u8; 32], [8u8; 32]);
        let (pk, dk) = ((&p, &patient.public_bytes()), (&d, &doctor.public_bytes()));
        let note = |t: &str| {
            let n = seal_note(pk, dk, t, MAX_TEXT).unwrap();
            assert_eq!(open_note(&doctor, &p, &d, &d, &n).as_deref(), Ok(t));
            n.len()
        };
        assert_eq!(note("Flu"), note("HIV follow-up"));
        assert_eq!(note("Metformin 500 mg twice daily"), note("Sertraline 50 mg"));
        assert_eq!(note(&"x".repeat(MAX_NOTE_PLAINTEXT)), MAX_TEXT - 1);
    }

    #[test]
    fn padded_texts_round_trip_at_the_bucket_edges() {
        let k = DataKey::generate();
        // texts ending in NUL or in 0x80 bytes (U+8000 is E8 80 80), non-ASCII, bucket edges
        let texts = [
            "a",
            "x\0",
            "\0\0",
            "耀",
            "a耀\0",
            "Übelkeit — 头痛 🩺",
            &"y".repeat(15),
            &"y".repeat(16),
            &"z".repeat(364),
        ];
        for t in texts {
            let sealed = seal_field(&k, 6, t, MAX_TEXT_LEN).unwrap();
            assert_eq!(open_field(&k, 6, &sealed).as_deref(), Ok(t), "{t:?}");
        }
        let (patient, doctor) = (EncryptionKeys::for_dev_account("//Dave"), EncryptionKeys::for_dev_account("//Eve"));
        let (p, d) = ([7u8; 32], [8u8; 32]);
        for t in ["x\0", "耀", &"n".repeat(127), &"n".repeat(128), &"n".repeat(MAX_NOTE_PLAINTEXT)] {
            let n = seal_note((&p, &patient.public_bytes()), (&d, &doctor.public_bytes()), t, MAX_TEXT).unwrap();
            assert_eq!(open_note(&patient, &p, &d, &p, &n).as_deref(), Ok(t), "{t:?}");
        }
    }

    #[test]
    fn too_long_texts_are_refused() {
        let k = DataKey::generate();
        assert_eq!(seal_field(&k, 4, &"9".repeat(29), MAX_SHORT_LEN), Err(CryptoError::TooLong { len: 65, max: 64 }));
        assert!(matches!(seal_field(&k, 0, &"n".repeat(77), MAX_NAME_LEN), Err(CryptoError::TooLong { .. })));
        assert!(matches!(seal_field(&k, 3, &"a".repeat(365), MAX_TEXT_LEN), Err(CryptoError::TooLong { .. })));
        assert!(matches!(seal_field(&k, 3, "a", 3), Err(CryptoError::TooLong { .. })), "a bound with no room");
        let (patient, doctor) = (EncryptionKeys::for_dev_account("//Dave"), EncryptionKeys::for_dev_account("//Eve"));
        let (p, d) = ([7u8; 32], [8u8; 32]);
        let r = seal_note((&p, &patient.public_bytes()), (&d, &doctor.public_bytes()), &"x".repeat(179), MAX_TEXT);
        assert_eq!(r, Err(CryptoError::TooLong { len: 513, max: 512 }));
    }

    // Sealed with the version 1 code (before padding), data key [0x11; 32];
    // web/src/crypto/core.test.ts opens the same strings.
    const LEGACY_FIELDS: [(u8, &str, &str); 4] = [
        (5, "A+", "e1:Y1yBfgIzdzYIV5yOTZqE+UUX"),
        (2, "female", "e1:42K02vn0udALDmHwfhk13EU8LfVb6g"),
        (0, "Metformin", "e1:XnJBGxP6fFJJ9EPYjBRE21tZGYDD+ISXXA"),
        (3, "12 MG Road, Bengaluru 560001", "e1:GQ1+b6y6U5BPB8WBwAwMUBJYC6lcIB6Zb6V+wL4CmT3rUMDfhwIrpVSMp7Y"),
    ];
    // A version 1 note: patient [7; 32] (key seed [0x21; 32]), doctor [8; 32] (seed [0x22; 32]).
    const LEGACY_NOTE: (&str, &str) = (
        "Chest pain on exertion; troponin pending",
        "n1:4NumehYa8rKKNCJmRDDqcdcd4X3foT1+Iwyg+9lkJATQXghsBhcVyLAfmEerVZWr23lHBNF5IBrkNtQXAXiwPlQ1PsIjbHYuxfceaMwRA7s.\
k+6UJLH04SkdRv8jo7mD3C1WhAx1AJrieaBc83wX6EBGrtKwKD3WvxopRc1AJ3RqFsmkDJttpO7C1D1jSyRP5wUxds3/y/eZk0nobwErBs4.\
XColr00YHCg3R6XO/TjYtFmdMU0UCLN+T3guEbR/yxinuHNSl7JeY86OWvPsW58Pv/C7ylI4qMyaBnQsnpESHDqpzZIGxFOj7St1pY9vHj0",
    );

    #[test]
    fn old_unpadded_texts_still_open() {
        let k = DataKey::from_bytes([0x11; 32]);
        for (i, text, sealed) in LEGACY_FIELDS {
            assert!(sealed.starts_with(FIELD_PREFIX_V1));
            assert_eq!(open_field(&k, i, sealed).as_deref(), Ok(text));
            // relabelled as version 2: the AAD differs, so it does not open
            let relabelled = sealed.replacen(FIELD_PREFIX_V1, FIELD_PREFIX, 1);
            assert_eq!(open_field(&k, i, &relabelled), Err(CryptoError::Open));
        }
        let (patient, doctor) = (EncryptionKeys::from_seed(&[0x21; 32]), EncryptionKeys::from_seed(&[0x22; 32]));
        let (p, d) = ([7u8; 32], [8u8; 32]);
        let (text, note) = LEGACY_NOTE;
        assert!(is_sealed_note(note));
        assert_eq!(open_note(&patient, &p, &d, &p, note).as_deref(), Ok(text));
        assert_eq!(open_note(&doctor, &p, &d, &d, note).as_deref(), Ok(text));
        assert_eq!(
            open_note(&doctor, &p, &d, &d, &note.replacen(NOTE_PREFIX_V1, NOTE_PREFIX, 1)),
            Err(CryptoError::Unwrap)
        );
        // and a new note relabelled as version 1 does not open either
        let new = seal_note((&p, &patient.public_bytes()), (&d, &doctor.public_bytes()), text, MAX_TEXT).unwrap();
        assert!(is_sealed_note(&new) && !is_sealed_note("plain note") && !is_sealed_note(""));
        assert_eq!(
            open_note(&doctor, &p, &d, &d, &new.replacen(NOTE_PREFIX, NOTE_PREFIX_V1, 1)),
            Err(CryptoError::Unwrap)
        );
    }

    #[test]
    fn corrupted_padding_is_refused() {
        let k = DataKey::generate();
        let bad: [&[u8]; 5] = [
            b"A+\0\0\0\0\0\0\0\0\0\0\0\0\0\0",     // no marker
            b"A+\x80\0\0\0\0\0\0\0\0\0\0\0\0\x01", // a non-zero byte after the marker
            b"A+\x81\0\0\0\0\0\0\0\0\0\0\0\0\0",   // another marker byte
            &[0; 16],                              // nothing but zeros
            b"",                                   // nothing at all
        ];
        for padded in bad {
            let sealed = seal_padded_field(&k, 5, padded).unwrap();
            assert_eq!(open_field(&k, 5, &sealed), Err(CryptoError::Malformed), "{padded:?}");
        }
        // well-formed padding opens (the test helper itself is sound)
        assert_eq!(open_field(&k, 5, &seal_padded_field(&k, 5, &pad(b"A+", 16)).unwrap()).as_deref(), Ok("A+"));
        // padding that is not UTF-8 once removed
        assert_eq!(open_field(&k, 5, &seal_padded_field(&k, 5, b"\xff\x80\0").unwrap()), Err(CryptoError::Malformed));

        let (patient, doctor) = (EncryptionKeys::for_dev_account("//Dave"), EncryptionKeys::for_dev_account("//Eve"));
        let (p, d) = ([7u8; 32], [8u8; 32]);
        let (pk, dk) = ((&p, &patient.public_bytes()), (&d, &doctor.public_bytes()));
        for padded in bad {
            let note = seal_padded_note(pk, dk, padded).unwrap();
            assert_eq!(open_note(&patient, &p, &d, &p, &note), Err(CryptoError::Malformed), "{padded:?}");
        }
        assert_eq!(
            open_note(&patient, &p, &d, &p, &seal_padded_note(pk, dk, &pad(b"ok", 16)).unwrap()).as_deref(),
            Ok("ok")
        );
    }
    #[test]
    fn emergency_card_round_trip_padded_and_bound_to_its_patient() {
        let k = DataKey::generate();
        let card = Card {
            allergies: "penicillin, latex".into(),
            blood_group: "AB-".into(),
            medications: "dolutegravir 50 mg".into(),
            conditions: "HIV on ART; asthma".into(),
            emergency_contact: "Kavya Mehta +91 80 5550 9876".into(),
        };
        let body = seal_card(&k, &PATIENT, &card).unwrap();
        assert!(body.starts_with(CARD_PREFIX.as_bytes()));
        let text = String::from_utf8(body.clone()).unwrap();
        for f in card.fields() {
            assert!(!text.contains(f), "{f} in the sealed card");
        }
        assert_eq!(open_card(&k, &PATIENT, &body).unwrap(), card);
        assert_eq!(open_card(&k, &DOCTOR, &body), Err(CryptoError::Open), "bound to its patient");
        assert_eq!(open_card(&DataKey::generate(), &PATIENT, &body), Err(CryptoError::Open));
        let mut bad = body.clone();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert!(open_card(&k, &PATIENT, &bad).is_err());
        // one bucket, one length: a short and a longer card in the same bucket
        let short = Card { blood_group: "O+".into(), ..Default::default() };
        assert_eq!(seal_card(&k, &PATIENT, &short).unwrap().len(), body.len());
        assert_eq!(body.len(), card_sealed_len(256));
        assert_eq!(sealed_card_len(&card), Some(body.len()));
        // the largest card fits the contract's bound, one byte more does not
        let cap = card_capacity(smrms_shared::MAX_CARD_LEN);
        assert!(card_sealed_len(cap) <= smrms_shared::MAX_CARD_LEN);
        assert!(card_sealed_len(cap + 1) > smrms_shared::MAX_CARD_LEN);
        let empty_json = serde_json::to_vec(&Card::default()).unwrap().len();
        let big = Card { conditions: "x".repeat(cap - 1 - empty_json), ..Default::default() };
        assert_eq!(seal_card(&k, &PATIENT, &big).unwrap().len(), card_sealed_len(cap));
        let too_big = Card { conditions: "x".repeat(cap - empty_json), ..Default::default() };
        assert!(matches!(seal_card(&k, &PATIENT, &too_big), Err(CryptoError::TooLong { .. })));
        // the card's wrapped key is its own item
        let doctor = EncryptionKeys::for_dev_account("//Doctor");
        let w = wrap_key(&doctor.public_bytes(), &k, &wrap_info(&PATIENT, Sealed::Card, &DOCTOR)).unwrap();
        assert_eq!(unwrap_key(&doctor, &w, &wrap_info(&PATIENT, Sealed::Card, &DOCTOR)).unwrap(), k);
        assert_eq!(unwrap_key(&doctor, &w, &wrap_info(&PATIENT, Sealed::Profile, &DOCTOR)), Err(CryptoError::Unwrap));
    }
}
