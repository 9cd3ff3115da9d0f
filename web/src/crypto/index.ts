// The web app's crypto module: byte-compatible with the Rust client's
// encryption core (client/src/crypto.rs) and key files (client/src/keys.rs).
// Anything sealed here opens with `smrms`, and the other way round; see
// interop.test.ts and scripts/web-unit.sh.

export type { Bytes } from './bytes';
export { b64decode, b64encode, fromUtf8, hex, unhex, utf8, utf8Len } from './bytes';
export {
  CryptoError,
  type CryptoErrorKind,
  type EncryptionKeys,
  type FieldSpec,
  type OpenedRecord,
  type Sealed,
  ENVELOPE_PREFIX,
  FIELD_PREFIX,
  FIELD_PREFIX_V1,
  NOTE_PREFIX,
  NOTE_PREFIX_V1,
  SEALED_TITLE,
  WRAPPED_KEY_LEN,
  MAX_NOTE_PLAINTEXT,
  PAD_BUCKETS,
  MAX_NAME_LEN,
  MAX_SHORT_LEN,
  MAX_TEXT_LEN,
  MAX_TITLE_LEN,
  MAX_BODY_LEN,
  MAX_WRAPPED_KEY_LEN,
  PROFILE_FIELDS,
  MEDICATION_FIELDS,
  keysFromSeed,
  generateKeys,
  devAccountKeys,
  newDataKey,
  wrapInfo,
  wrapKey,
  unwrapKey,
  commitment,
  sealRecord,
  openRecord,
  envelopeCommitment,
  prove,
  fieldCapacity,
  noteCapacity,
  padBucket,
  sealedFieldLen,
  sealedNoteLen,
  sealField,
  openField,
  isSealedNote,
  sealNote,
  openNote,
} from './core';
export {
  CARD_PREFIX,
  CARD_BUCKETS,
  CARD_FIELDS,
  MAX_CARD_LEN,
  type CardField,
  type CardFields,
  emptyCard,
  isEmptyCard,
  cardJson,
  cardCapacity,
  cardBucket,
  cardSealedLen,
  sealedCardLen,
  sealCard,
  openCard,
} from './card';
export { ONCHAIN_MARK, ONCHAIN_TAGS, fromChain, toChain } from './onchain';
export { keyFileText, parseKeyFile } from './keyfile';
export { SCRYPT_PARAMS, backupText, deleteKey, hasKey, saveKey, storedPublicKey, unlockKey } from './keystore';
