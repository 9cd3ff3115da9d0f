//! # SMRMS client
//!
//! The chain hides nothing: anyone can read contract storage. This crate
//! holds what a client runs so that no health data reaches the chain in
//! plaintext; the contracts only decide who may store a wrapped key for whom
//! (`records.share_key`) and keep the audit trail.
//!
//! - [`crypto`] (the items the binary uses re-exported at the crate root):
//!   every account has an **encryption key pair** (X25519), separate from its
//!   signing key; the public half goes to `registry.publish_encryption_key`.
//!   Every record, and every version of a profile, is encrypted with a fresh
//!   32-byte **data key** (XChaCha20-Poly1305). The data key is **wrapped**
//!   for each reader with HPKE (RFC 9180, base mode, DHKEM(X25519,
//!   HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305): 80 bytes, bound by the
//!   HPKE `info` to (patient, item, recipient). A sealed record's body is an
//!   **envelope**: the ciphertext and a salted commitment `blake2b-256(domain
//!   ‖ salt ‖ title ‖ body)`, the salt inside the ciphertext, so the chain's
//!   content hash (over the envelope) lets a patient prove a record without
//!   revealing it.
//! - [`keys`]: where an account's encryption key comes from (a key file made
//!   by `smrms keygen`, or derived from a development account's secret URI).
//! - `chain` (feature `chain`): talks to the node with subxt (0.35, as
//!   ink_e2e) and cargo-contract's `contract-transcode` (encodes arguments and
//!   decodes answers from the ABI in the `.contract` bundles); the
//!   `Contracts::call` extrinsic, the `ContractsApi_call` dry-run types and
//!   the child-trie storage key are local (`chain::contracts_api`).
//! - `journeys` (feature `chain`): the paper's journeys with encryption (register, grant and
//!   re-wrap, revoke, add a sealed record, read, access log, appointments,
//!   shred), one file per domain under `journeys/`.
//! - [`fhir`]: the FHIR R4 export (`smrms export --fhir FILE`): pure
//!   functions from plain structs to a FHIR R4 `Bundle`; the glue that
//!   fills them from the chain is `journeys::Client::fhir_export`.
//! - [`care`]: the care circle's key rule: which keys a reader keeps when
//!   one of her accesses ends (grant, guardianship, open emergency,
//!   custodian); the patient's client removes only the others.
//! - [`custodian`]: the emergency key service's pure parts (state file,
//!   the release decision from on-chain facts, reconnection backoff); its
//!   loop is `journeys::service` (`smrms emergency-service`).
//! - [`dump`]: every storage entry of the four contracts, searched for
//!   plaintext.
//! - [`onchain`]: the codec between the sealed texts above and the bytes
//!   the contracts store (`to_chain` / `from_chain`: the base64 and hex
//!   decoded behind a two-byte tag; plaintext as its UTF-8 bytes), the only
//!   place where a sealed text crosses to or from the chain.

pub mod care;
#[cfg(feature = "chain")]
pub mod chain;
pub mod crypto;
pub mod custodian;
pub mod dump;
pub mod fhir;
#[cfg(feature = "chain")]
pub mod journeys;
pub mod keys;
pub mod onchain;

pub use crypto::{seal_field, seal_record, unhex, Card, DataKey, EncryptionKeys, Sealed};
pub use onchain::{from_chain, to_chain};
