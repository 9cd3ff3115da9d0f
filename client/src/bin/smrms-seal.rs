//! `smrms-seal`: the encryption steps of an SMRMS client on the command line
//! (the chain calls are made with `cargo contract call`; see
//! `scripts/encrypted-demo.sh`). Keys and accounts are 32-byte hex (`0x`
//! optional); `OBJECT` is `profile` or `record:ID`.
//!
//! ```text
//! smrms-seal pubkey SURI                      encryption public key of a dev account
//! smrms-seal new-key                          a fresh data key
//! smrms-seal seal-record KEY TITLE BODY       the envelope to store as the record body
//! smrms-seal seal-field KEY INDEX MAX TEXT    a sealed profile field
//! smrms-seal wrap KEY READER_PUB PATIENT OBJECT READER
//!                                             the wrapped key for records.share_key
//! smrms-seal open-record SURI WRAPPED PATIENT OBJECT READER ENVELOPE
//!                                             unwrap with SURI's key and decrypt
//! smrms-seal open-field SURI WRAPPED PATIENT READER INDEX SEALED
//! ```
//! Exit status: 0 done, 2 usage, 3 cannot decrypt (no or wrong key), 4 other error.

use smrms_client::{hex, open_field, open_record, seal_field, seal_record, unhex, unwrap_key, wrap_info, wrap_key, DataKey, EncryptionKeys, Sealed};
use std::process::ExitCode;

fn bytes32(s: &str) -> Result<[u8; 32], String> {
    unhex(s.trim_start_matches("0x")).ok_or_else(|| format!("not 32 bytes of hex: {s}"))
}

fn object(s: &str) -> Result<Sealed, String> {
    match s.split_once(':') {
        None if s == "profile" => Ok(Sealed::Profile),
        Some(("record", id)) => id.parse().map(Sealed::Record).map_err(|_| format!("bad record id: {s}")),
        _ => Err(format!("OBJECT is profile or record:ID, not {s}")),
    }
}

fn wrapped(s: &str) -> Result<Vec<u8>, String> {
    let h = s.trim_start_matches("0x");
    (0..h.len())
        .step_by(2)
        .map(|i| h.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()).ok_or_else(|| format!("bad hex: {s}")))
        .collect()
}

fn open_key(suri: &str, w: &str, patient: &str, obj: Sealed, reader: &str) -> Result<DataKey, (u8, String)> {
    let keys = EncryptionKeys::for_dev_account(suri);
    let info = wrap_info(&bytes32(patient).map_err(|e| (2, e))?, obj, &bytes32(reader).map_err(|e| (2, e))?);
    unwrap_key(&keys, &wrapped(w).map_err(|e| (2, e))?, &info).map_err(|e| (3, format!("cannot unwrap the data key: {e:?}")))
}

fn run(args: &[String]) -> Result<String, (u8, String)> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let usage = |e: String| (2u8, e);
    let key = |s: &str| bytes32(s).map(DataKey::from_bytes).map_err(usage);
    match a.as_slice() {
        ["pubkey", suri] => Ok(format!("0x{}", hex(&EncryptionKeys::for_dev_account(suri).public_bytes()))),
        ["new-key"] => Ok(format!("0x{}", hex(&DataKey::generate().to_bytes()))),
        ["seal-record", k, title, body] => seal_record(&key(k)?, title, body).map_err(|e| (4, format!("{e:?}"))),
        ["seal-field", k, index, max, text] => {
            let index = index.parse().map_err(|_| usage(format!("bad index {index}")))?;
            let max = max.parse().map_err(|_| usage(format!("bad max {max}")))?;
            seal_field(&key(k)?, index, text, max).map_err(|e| (4, format!("{e:?}")))
        }
        ["wrap", k, reader_pub, patient, obj, reader] => {
            let info = wrap_info(&bytes32(patient).map_err(usage)?, object(obj).map_err(usage)?, &bytes32(reader).map_err(usage)?);
            let w = wrap_key(&bytes32(reader_pub).map_err(usage)?, &key(k)?, &info).map_err(|e| (4, format!("{e:?}")))?;
            Ok(format!("0x{}", hex(&w)))
        }
        ["open-record", suri, w, patient, obj, reader, envelope] => {
            let obj = object(obj).map_err(usage)?;
            let k = open_key(suri, w, patient, obj, reader)?;
            let r = open_record(&k, envelope).map_err(|e| (3, format!("cannot open the record: {e:?}")))?;
            Ok(format!("title: {}\nbody: {}\nsalt: 0x{}", r.title, r.body, hex(&r.salt)))
        }
        ["open-field", suri, w, patient, reader, index, sealed] => {
            let k = open_key(suri, w, patient, Sealed::Profile, reader)?;
            let index = index.parse().map_err(|_| usage(format!("bad index {index}")))?;
            open_field(&k, index, sealed).map_err(|e| (3, format!("cannot open the field: {e:?}")))
        }
        _ => Err(usage("usage: see the doc comment of client/src/bin/smrms-seal.rs".into())),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err((code, msg)) => {
            eprintln!("smrms-seal: {msg}");
            ExitCode::from(code)
        }
    }
}
