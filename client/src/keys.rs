//! Where an account's encryption key pair comes from.
//!
//! - **Key file** (real accounts): `smrms keygen --out FILE` writes a JSON
//!   file `{"version":1,"seed":"0x…","public":"0x…"}` with 32 random bytes
//!   of seed (RFC 9180 `DeriveKeyPair` input). Keep it like the signing
//!   seed; losing it loses access to every data key wrapped for it.
//! - **Development accounts** (`//Alice`, `//Dave`, …): derived from the
//!   secret URI ([`EncryptionKeys::for_dev_account`]) so demos and tests need
//!   no files. Anyone who knows the URI has the key: never for real data.

use crate::crypto::{hex, unhex, EncryptionKeys};
use anyhow::{anyhow, bail, Context, Result};
use rand_core::{OsRng, RngCore};
use std::path::Path;

/// The JSON key file.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeyFile {
    version: u32,
    seed: String,
    public: String,
}

/// Writes a new key file (refuses to overwrite) and returns the public key.
pub fn generate_key_file(path: &Path) -> Result<[u8; 32]> {
    if path.exists() {
        bail!("{} exists: not overwriting an encryption key", path.display());
    }
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let public = EncryptionKeys::from_seed(&seed).public_bytes();
    let file = KeyFile { version: 1, seed: format!("0x{}", hex(&seed)), public: format!("0x{}", hex(&public)) };
    let text = serde_json::to_string_pretty(&file)?;
    write_private(path, text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    Ok(public)
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// Loads a key file written by [`generate_key_file`].
pub fn load_key_file(path: &Path) -> Result<EncryptionKeys> {
    refuse_readable_by_others(path)?;
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: KeyFile = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    let seed = unhex(file.seed.trim_start_matches("0x"))
        .ok_or_else(|| anyhow!("{}: seed is not 32 bytes of hex", path.display()))?;
    let keys = EncryptionKeys::from_seed(&seed);
    if format!("0x{}", hex(&keys.public_bytes())) != file.public {
        bail!("{}: the public key does not match the seed", path.display());
    }
    Ok(keys)
}

/// Refuses a key file that other users may read or write (as ssh refuses
/// an unprotected private key): `chmod 600 FILE` fixes it.
#[cfg(unix)]
fn refuse_readable_by_others(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.permissions().mode();
    if mode & 0o077 != 0 {
        bail!(
            "{}: permissions {:o} let other users read or change your encryption key; run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        );
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_readable_by_others(_path: &Path) -> Result<()> {
    Ok(())
}

/// The key pair for a signer: the key file if given, else the development
/// derivation for `//Name` URIs, else an error.
pub fn encryption_keys(suri: &str, key_file: Option<&Path>) -> Result<EncryptionKeys> {
    match key_file {
        Some(p) => load_key_file(p),
        None if suri.starts_with("//") => Ok(EncryptionKeys::for_dev_account(suri)),
        None => bail!("no encryption key: give --enc-key FILE (make one with `smrms keygen --out FILE`)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_round_trip_and_no_overwrite() {
        let dir = std::env::temp_dir().join(format!("smrms-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.json");
        let _ = std::fs::remove_file(&path);
        let public = generate_key_file(&path).unwrap();
        assert_eq!(load_key_file(&path).unwrap().public_bytes(), public);
        assert!(generate_key_file(&path).is_err(), "must not overwrite");
        assert_eq!(encryption_keys("seed words", Some(&path)).unwrap().public_bytes(), public);
        assert!(encryption_keys("seed words", None).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = load_key_file(&path).err().expect("a world-readable key file is refused").to_string();
            assert!(err.contains("chmod 600"), "{err}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
            assert!(load_key_file(&path).is_ok());
        }
        assert_eq!(
            encryption_keys("//Dave", None).unwrap().public_bytes(),
            EncryptionKeys::for_dev_account("//Dave").public_bytes()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
