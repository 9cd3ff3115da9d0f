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
/// Prefix of a sealed profile field.
pub const FIELD_PREFIX: &str = "e1:";
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

/// Seals a record: returns the body to store (the envelope, which the
/// chain's content hash covers). Store it with the title [`SEALED_TITLE`].
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
/// `records.verify_record(patient, id, kind, SEALED_TITLE, envelope)`.
pub fn prove(envelope: &str, title: &str, body: &str, salt: &[u8; 16]) -> bool {
    envelope_commitment(envelope).is_ok_and(|c| c == commitment(salt, title, body))
}

/// Seals one profile field (field number `index`) under the profile
/// version's data key. The nonce is the field number: safe because a data
/// key seals exactly one profile version (a new version takes a new key).
/// Medication entries use it too, each under its own fresh data key.
/// `max` is the registry's bound for that field.
pub fn seal_field(key: &DataKey, index: u8, plaintext: &str, max: usize) -> Result<String> {
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let ct = key
        .cipher()
        .encrypt(&field_nonce(index), Payload { msg: plaintext.as_bytes(), aad: b"smrms/profile/v1" })
        .map_err(|_| CryptoError::Open)?;
    let sealed = format!("{FIELD_PREFIX}{}", B64.encode(ct));
    if sealed.len() > max {
        return Err(CryptoError::TooLong { len: sealed.len(), max });
    }
    Ok(sealed)
}

/// Opens a sealed profile field.
pub fn open_field(key: &DataKey, index: u8, sealed: &str) -> Result<String> {
    if sealed.is_empty() {
        return Ok(String::new());
    }
    let ct = B64
        .decode(sealed.strip_prefix(FIELD_PREFIX).ok_or(CryptoError::Malformed)?)
        .map_err(|_| CryptoError::Malformed)?;
    let pt = key
        .cipher()
        .decrypt(&field_nonce(index), Payload { msg: &ct, aad: b"smrms/profile/v1" })
        .map_err(|_| CryptoError::Open)?;
    String::from_utf8(pt).map_err(|_| CryptoError::Malformed)
}

fn field_nonce(index: u8) -> XNonce {
    let mut n = [0u8; 24];
    n[0] = index;
    *XNonce::from_slice(&n)
}

/// Prefix of a sealed appointment text (reason, diagnosis, prescription).
pub const NOTE_PREFIX: &str = "n1:";

/// The longest appointment text (bytes) that still seals within the
/// appointments contract's 512-byte bound; longer clinical detail belongs in
/// a sealed record.
pub const MAX_NOTE_PLAINTEXT: usize = 179;

fn note_context(patient: &[u8; 32], doctor: &[u8; 32]) -> Vec<u8> {
    let mut c = b"smrms/note/v1".to_vec();
    c.extend_from_slice(patient);
    c.extend_from_slice(doctor);
    c
}

/// The HPKE `info` of a note's data key wrapped for `reader`.
fn note_info(patient: &[u8; 32], doctor: &[u8; 32], reader: &[u8; 32]) -> Vec<u8> {
    let mut info = note_context(patient, doctor);
    info.extend_from_slice(reader);
    info
}

/// Seals an appointment text for its two participants, self-contained:
/// `n1:<wrapped for the patient>.<wrapped for the doctor>.<nonce‖ciphertext>`
/// (base64), under a fresh data key. Appointments have no entry in the
/// records contract's key store: only the patient and the doctor of the
/// appointment ever read its texts, so both wrapped keys travel inside the
/// text itself. The ciphertext is bound (AEAD associated data, HPKE `info`)
/// to the (patient, doctor) pair. Empty text stays empty (optional fields).
pub fn seal_note(
    patient: (&[u8; 32], &[u8; 32]),
    doctor: (&[u8; 32], &[u8; 32]),
    text: &str,
    max: usize,
) -> Result<String> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let ((p, p_pub), (d, d_pub)) = (patient, doctor);
    let key = DataKey::generate();
    let for_patient = wrap_key(p_pub, &key, &note_info(p, d, p))?;
    let for_doctor = wrap_key(d_pub, &key, &note_info(p, d, d))?;
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let ct = key
        .cipher()
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: text.as_bytes(), aad: &note_context(p, d) })
        .map_err(|_| CryptoError::Open)?;
    let mut sealed = nonce.to_vec();
    sealed.extend_from_slice(&ct);
    let note = format!("{NOTE_PREFIX}{}.{}.{}", B64.encode(for_patient), B64.encode(for_doctor), B64.encode(sealed));
    if note.len() > max {
        return Err(CryptoError::TooLong { len: note.len(), max });
    }
    Ok(note)
}

/// Opens an appointment text sealed by [`seal_note`] with the secret key of
/// `reader`, who must be the appointment's patient or doctor.
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
    let mut parts = note.strip_prefix(NOTE_PREFIX).ok_or(CryptoError::Malformed)?.split('.');
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
    let key = unwrap_key(keys, &wrapped, &note_info(patient, doctor, reader))?;
    let sealed = B64.decode(sealed).map_err(|_| CryptoError::Malformed)?;
    if sealed.len() < 24 + 16 {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ct) = sealed.split_at(24);
    let pt = key
        .cipher()
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: &note_context(patient, doctor) })
        .map_err(|_| CryptoError::Open)?;
    String::from_utf8(pt).map_err(|_| CryptoError::Malformed)
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
        let on_chain = record_content_hash(0, SEALED_TITLE, &env);
        // change one character of the ciphertext part
        let mut chars: Vec<char> = env.chars().collect();
        let i = ENVELOPE_PREFIX.len() + 10;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let tampered: String = chars.into_iter().collect();
        assert_eq!(open_record(&k, &tampered), Err(CryptoError::Open));
        assert_ne!(record_content_hash(0, SEALED_TITLE, &tampered), on_chain);
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
}
