//! The storage-dump check: every storage entry of the contracts, searched
//! for plaintext. Each field is looked for as UTF-8 bytes (ASCII case
//! ignored), as hex (lower and upper case) and as base64 (standard and
//! URL-safe alphabets, at each of the three byte alignments), so text stored
//! raw, hex-encoded or base64-encoded would all be found.

use base64::{
    engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD},
    Engine,
};

/// One storage blob: where it came from and its bytes (keys and values).
pub struct Blob {
    /// e.g. the contract's name.
    pub source: String,
    /// Raw bytes (keys and values concatenated with separators).
    pub bytes: Vec<u8>,
}

/// A plaintext found in a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The plaintext field searched.
    pub field: String,
    /// The blob it was found in.
    pub source: String,
    /// How it was encoded (`utf8`, `hex`, `base64`, …).
    pub form: &'static str,
}

/// The encoded forms of one plaintext looked for.
pub fn forms(plaintext: &str) -> Vec<(&'static str, Vec<u8>)> {
    let b = plaintext.as_bytes();
    let mut out = vec![
        ("utf8", b.to_ascii_lowercase()),
        ("hex", hex::encode(b).into_bytes()),
        ("HEX", hex::encode_upper(b).into_bytes()),
    ];
    for (name, engine) in [("base64", &STANDARD_NO_PAD), ("base64url", &URL_SAFE_NO_PAD)] {
        for pad in 0..3usize {
            // base64 of `plaintext` starting at byte offset `pad` of a 3-byte
            // group: keep only the characters that depend on it alone
            let mut v = vec![0u8; pad];
            v.extend_from_slice(b);
            let enc = engine.encode(&v);
            let skip = if pad == 0 { 0 } else { (pad * 4).div_ceil(3) };
            let full = (v.len() / 3) * 4;
            if full > skip + 3 {
                out.push((name, enc.as_bytes()[skip..full].to_vec()));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Searches every blob for every field in every form.
pub fn search(blobs: &[Blob], fields: &[String]) -> Vec<Hit> {
    let lowered: Vec<Vec<u8>> = blobs.iter().map(|b| b.bytes.to_ascii_lowercase()).collect();
    let mut hits = Vec::new();
    for f in fields {
        for (form, needle) in forms(f) {
            for (blob, low) in blobs.iter().zip(&lowered) {
                let hay = if form == "utf8" { low } else { &blob.bytes };
                if contains(hay, &needle) {
                    hits.push(Hit { field: f.clone(), source: blob.source.clone(), form });
                }
            }
        }
    }
    hits
}

/// How many distinct fields were found.
pub fn fields_found(hits: &[Hit]) -> usize {
    let mut f: Vec<&str> = hits.iter().map(|h| h.field.as_str()).collect();
    f.sort_unstable();
    f.dedup();
    f.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(bytes: &[u8]) -> Vec<Blob> {
        vec![Blob { source: "t".into(), bytes: bytes.to_vec() }]
    }

    #[test]
    fn finds_raw_hex_and_base64_forms_and_nothing_else() {
        let field = "Dave Mehta".to_string();
        let fields = vec![field.clone()];
        assert_eq!(fields_found(&search(&blob(b"xx\x28DAVE MEHTAyy"), &fields)), 1);
        assert_eq!(fields_found(&search(&blob(hex::encode("..Dave Mehta..").as_bytes()), &fields)), 1);
        for prefix in ["", "a", "ab", "abc", "abcd"] {
            let enc = STANDARD_NO_PAD.encode(format!("{prefix}Dave Mehta and more"));
            assert_eq!(fields_found(&search(&blob(enc.as_bytes()), &fields)), 1, "base64 after {prefix:?}");
            let enc = URL_SAFE_NO_PAD.encode(format!("{prefix}Dave Mehta"));
            assert_eq!(fields_found(&search(&blob(enc.as_bytes()), &fields)), 1, "base64url after {prefix:?}");
        }
        assert!(search(&blob(b"Dave Mehra"), &fields).is_empty());
        // sealed with the crate's own format: not found
        let k = crate::DataKey::generate();
        let sealed = crate::seal_field(&k, 0, &field, 128).unwrap();
        let env = crate::seal_record(&k, "t", &field).unwrap();
        assert!(search(&blob(format!("{sealed}{env}").as_bytes()), &fields).is_empty());
        // nor in their on-chain bytes (what the contracts store)
        let stored = [crate::to_chain(&sealed), crate::to_chain(&env)].concat();
        assert!(search(&blob(&stored), &fields).is_empty());
        // plaintext stored through the codec (another client's) is found
        assert_eq!(fields_found(&search(&blob(&crate::to_chain("Dave Mehta")), &fields)), 1);
    }
}
