// Plain-language sentences for everything the SMRMS contracts and the chain
// can refuse. Error variants are matched by name (the ABI is loaded at run
// time), so a variant added to the contracts later still gets a sentence
// (the fallback) until it gets its own here.
import { humanize } from './format';

/** Names for the sentences: `other` is the other party (patient, doctor, grantee). */
export interface Who {
  other?: string;
}

type Sentence = string | ((other: string) => string);

/** Every variant of `smrms_shared::Error` (contracts/shared/lib.rs). */
export const CONTRACT_ERRORS: Record<string, Sentence> = {
  NotHead: 'Only the head of SMRMS may do this, and the chosen account is not the head.',
  NotProposedHead: 'Only the account proposed as the next head may accept the role.',
  AlreadyRegistered: 'This account is already registered in SMRMS (as a patient or a provider). An account registers only once.',
  NotAPatient: 'This account is not registered as a patient. Register as a patient first.',
  UnknownPatient: o => `${o} is not a registered patient.`,
  UnknownProvider: o => `${o} is not a registered provider.`,
  UnknownAccount: o => `${o} is not registered in SMRMS.`,
  NotVerifiedDoctor: 'Only a doctor verified by the head may do this, and this account is not one (not registered as a doctor, or pending, rejected or suspended).',
  EmptyField: 'A required field is empty (a name, a title or a reason).',
  FieldTooLong: 'A field is too long for the contract. Please shorten it.',
  InvalidStatusTransition: "The provider's current status does not allow this change (only a pending provider can be verified or rejected, only a verified one suspended, only a suspended or rejected one reinstated).",
  SelfGrant: 'You cannot grant access to yourself: you always have access to your own data.',
  NoScopes: 'Tick at least one kind of access to grant.',
  ExpiryInPast: 'The expiry date must be in the future.',
  GrantNotFound: o => `There is no grant to ${o} (it may have been revoked already).`,
  TooManyGrants: 'You already hold the maximum number of grants (64). Revoke one first.',
  SiblingsAlreadySet: "The suite is already wired: its contracts' addresses cannot change.",
  SiblingsNotSet: 'The SMRMS suite is not wired yet: the head has to finish the deployment.',
  UntrustedCaller: "Only SMRMS's own contracts may call this.",
  ZeroAccount: 'The all-zero account is not a valid participant.',
  InvalidDuration: "The duration is not allowed (an appointment lasts from 1 minute to 24 hours; an emergency access at most the head's maximum; a no-show grace at most 24 hours).",
  EmergencyNotOpen: 'There is no open emergency access for this patient and doctor (it may have ended or been closed).',
  NotAllowed: 'You are not allowed to do this.',
  UnknownRecord: 'There is no such record.',
  AlreadySuperseded: 'That record has already been corrected by a later one.',
  UnknownMedication: 'There is no such medication entry.',
  MedicationAlreadyStopped: 'That medication was already stopped.',
  InvalidTimeRange: 'The end is before the start.',
  UnknownAppointment: 'There is no such appointment.',
  NotParticipant: 'You are not a participant of this appointment: neither its patient or doctor, nor a guardian of its patient with the power to book appointments now.',
  InvalidTransition: "The appointment's current status does not allow this (for example, only a requested appointment can be accepted, only a booked one completed).",
  TooEarly: "Too early: an appointment can be completed only after its start, and a no-show marked only after the start plus the grace period.",
  TooLate: "This can only be done before the appointment's start time.",
  WrongAmount: 'The amount sent is not exactly the fee due. Reload to see the current fee.',
  NothingToWithdraw: 'There is nothing to withdraw.',
  TransferFailed: 'The contract could not transfer the amount. It stays credited to you; try again later.',
  StartInPast: 'The start time must be in the future.',
  Overflow: 'A number became too large for the contract.',
  InvalidKey: 'That encryption key is not a valid key.',
  RecipientNotAllowed: o => `${o} has no read access to this data (never granted, revoked or expired), so its key cannot be shared with them.`,
  TooManyKeyHolders: 'This data already has the maximum number of readers holding a key.',
  KeyAlreadyStored: 'A key for this reader is already stored; only the patient may replace it.',
  ItemShredded: 'The patient erased this item\u2019s keys (crypto-shredding): it can never be shared again.',
  NotAuthor: 'Only the doctor who wrote a record may correct it; add a new record instead.',
  TooManyOpenRequests: 'You already have the maximum number of unanswered appointment requests (with this doctor or in total). Wait for an answer, or cancel one.',
  NoReschedule: 'No new time is proposed for this appointment.',
  HeadCannotBeProvider: 'The head administers SMRMS and may not be a provider, nor verify their own account.',
  SiblingMismatch: "A contract of this suite was deployed for another registry or permissions contract: the suite's addresses do not fit together.",
  TooManyItems: 'Too many items in one transaction; the page sends them in smaller batches.',
  UpgradePending: 'An upgrade of this contract is already proposed; the head must cancel it before proposing another.',
  NoPendingUpgrade: 'No upgrade of this contract is proposed.',
  UpgradeNotReady: "The proposed upgrade's waiting time has not passed yet.",
  UpgradeCodeNotFound: 'The chain has no uploaded code with the proposed hash: upload it first.',
  RegisteredBeforeWiring: 'Accounts registered in this registry before the suite was wired: deploy and wire a fresh suite.',
  NotGuardian: 'This account is not a guardian of this patient with that power now (never appointed, removed or expired, or its own account is not in good standing).',
  TooManyGuardians: 'You already have the maximum number of guardians (8). Remove one first.',
  NotIncapacitated: o => `${o} is not declared a minor or incapacitated by the head, so only the patient herself may appoint her guardians.`,
  NoCustodian: 'The head has not designated an emergency custodian yet, so no emergency card can be stored (nobody could release it in an emergency).',
  NoCard: o => `${o} has no emergency card yet.`,
  AnnexMissing: 'This contract has no annex code for this action (a deployment written before annexes): the head must deploy the suite again.',
  AnnexUnavailable: "The code that runs this action (the contract's annex) could not run; nothing changed. Tell the head: the annex may not be uploaded.",
};

/** Sentences that depend on the message (who is meant is clearer there). */
export const MESSAGE_ERRORS: Record<string, Record<string, Sentence>> = {
  publish_encryption_key: {
    UnknownAccount: 'Register first: only registered patients and providers (and the head) can publish an encryption key.',
  },
  request_appointment: {
    NotVerifiedDoctor: o => `${o} is not a verified doctor at the moment (pending, rejected or suspended): you cannot book with them.`,
    WrongAmount: "The amount sent is not exactly the doctor's fee; the fee may have just changed. Reload and try again.",
  },
  grant: {
    UnknownAccount: o => `${o} is not registered in SMRMS: only registered accounts can be granted access.`,
  },
  request_appointment_for: {
    NotGuardian: o => `You are not a guardian of ${o} with the power to book appointments now (never given, removed or expired, or your own account is not in good standing): ask her to appoint you with \u201cBook my appointments\u201d.`,
    UnknownPatient: o => `${o} is not a registered patient: appointments can be booked only for a registered patient.`,
    NotVerifiedDoctor: 'That doctor is not a verified doctor at the moment (pending, rejected or suspended): you cannot book with them.',
    WrongAmount: "The amount sent is not exactly the doctor's fee; the fee may have just changed. Reload and try again.",
    TooManyOpenRequests: o => `${o} already has the maximum number of unanswered appointment requests (with this doctor or in total). Wait for an answer, or cancel one.`,
  },
  patient_appointments: {
    NotParticipant: "A patient's appointments are shown only to her, her guardians with the power to book appointments, and the head (a doctor sees his own).",
  },
  cancel: {
    TooLate: 'A patient can cancel only before the start. After the start the doctor completes it or marks a no-show.',
  },
  accept: {
    TooLate: 'A request must be accepted before its start. It has lapsed; the patient can reclaim her fee.',
  },
  confirm: {
    TooLate: 'A proposal must be confirmed before its start. It has lapsed.',
  },
  mark_no_show: {
    TooEarly: 'A no-show can be marked only after the start plus the grace period the head set.',
  },
  complete: {
    TooEarly: "An appointment can be marked completed only after its start time.",
  },
  accept_reschedule: {
    TooLate: 'The proposed new time has already passed.',
  },
  share_key: {
    NotAllowed: 'Only the patient, or the author of this item, may share its key (the emergency custodian only the emergency card\u2019s).',
    NoCard: 'There is no emergency card to share yet.',
  },
  share_keys: {
    NoCard: 'There is no emergency card to share yet.',
  },
  appoint_guardian: {
    UnknownAccount: o => `${o} is not registered in SMRMS: a guardian must have an account of her own (registered as a patient, or a verified provider).`,
    SelfGrant: 'You cannot be your own guardian.',
    NoScopes: 'Tick at least one power for the guardian.',
  },
  remove_guardian: {
    NotGuardian: o => `${o} is not your guardian (she may have been removed already).`,
    NotAllowed: 'Only the patient, the guardian herself, or the head for a patient she declared may end a guardianship.',
  },
  set_card: {
    UnknownPatient: 'Register as a patient first: only a patient keeps an emergency card.',
  },
  designate_custodian: {
    NotAllowed: 'The head may not be the emergency custodian: choose the account of the emergency key service.',
    InvalidKey: 'That encryption key is not a valid key (all zeros).',
  },
  stop_medication: {
    NotAllowed: o => `${o} has not given you write access to their medications (or has revoked it).`,
  },
  patient_profile: {
    NotAllowed: o => `${o} has not given you access to their profile.`,
  },
  record: {
    NotAllowed: o => `${o} has not given you read access to their records.`,
  },
  records: {
    NotAllowed: o => `${o} has not given you read access to their records.`,
  },
  medications: {
    NotAllowed: o => `${o} has not given you read access to their medications.`,
  },
  close_emergency: {
    NotAllowed: 'Only the patient, the head and the doctor who opened it may close an emergency access.',
  },
};

/** The first letter in upper case ("patient 5F… has not …" → "Patient 5F… has not …"). */
export const cap = (t: string) => t.charAt(0).toUpperCase() + t.slice(1);
const say = (s: Sentence, other: string) => cap(typeof s === 'function' ? s(other) : s);

/** The sentence for an `Err(variant)` of `message`. Unknown variants get a readable fallback. */
export function explainError(variant: string, message?: string, who: Who = {}): string {
  const other = who.other ?? 'That account';
  const s = (message && MESSAGE_ERRORS[message]?.[variant]) ?? CONTRACT_ERRORS[variant];
  if (s) return say(s, other);
  const h = humanize(variant);
  return `The contract refused: ${h.charAt(0).toUpperCase()}${h.slice(1)} (${variant}).`;
}

/**
 * What an `AccessAction` tried, as words ("add a record"); `id` is the
 * variant's value (the record of ReadRecord, the appointment of
 * ManageAppointment).
 */
export function actionWords(action: string, id?: number | bigint): string {
  switch (action) {
    case 'ReadProfile': return 'read the profile';
    case 'ReadRecord': return id === undefined ? 'read a record' : `read record #${id}`;
    case 'WriteRecord': return 'add a record';
    case 'WriteMedication': return 'add a medication';
    case 'SetAppointment': return 'set an appointment';
    case 'OpenEmergency': return 'open emergency access';
    case 'StopMedication': return 'stop a medication';
    case 'UpdateAppointment': return 'update an appointment';
    case 'GrantAccess': return 'grant access on the patient\u2019s behalf';
    case 'RevokeAccess': return 'revoke access on the patient\u2019s behalf';
    case 'ReadCard': return 'read the emergency card';
    case 'BookAppointment': return 'book an appointment for the patient';
    case 'ManageAppointment': return id === undefined ? 'act on an appointment for the patient' : `act on appointment #${id} for the patient`;
    default: return humanize(action);
  }
}

/** What a guardian did for the patient, in her words (the access log's outcome column). */
function guardianActWords(action: string, id?: number | bigint): string {
  switch (action) {
    case 'GrantAccess': return 'granted access for you';
    case 'RevokeAccess': return 'revoked access for you';
    case 'BookAppointment': return 'booked an appointment for you';
    case 'ManageAppointment': return id === undefined ? 'acted on an appointment for you' : `acted on appointment #${id} for you`;
    default: return 'acting for you';
  }
}

/**
 * An access-log entry's outcome in the patient's words: its kind (for
 * styling) and a sentence part; `id` is the action's value (as for actionWords).
 */
export function logOutcomeWords(outcome: string, reason: string | null, action: string, accessorName: string, id?: number | bigint): { kind: string; text: string } {
  if (outcome === 'GrantedGuardian') {
    return { kind: 'guardian', text: `granted: by guardian ${accessorName}, ${guardianActWords(action, id)}` };
  }
  if (action === 'ReadCard') return { kind: 'emergency', text: 'card key released by the emergency custodian, under EMERGENCY access' };
  if (outcome === 'Granted') return { kind: 'granted', text: 'granted' };
  if (outcome === 'GrantedEmergency') return { kind: 'emergency', text: 'granted under EMERGENCY access' };
  if (outcome === 'Denied') return { kind: 'denied', text: `denied: ${denialForPatient(reason ?? '', action)}` };
  return { kind: 'other', text: humanize(outcome) };
}

const CONSENT_NEEDED: Record<string, string> = {
  ReadProfile: 'access to their profile',
  ReadRecord: 'read access to their records',
  WriteRecord: 'write access to their records',
  WriteMedication: 'write access to their records',
  StopMedication: 'write access to their records',
  SetAppointment: 'permission to set appointments with them',
};

/**
 * The sentence for a denial (an `Ok(Denied(reason))` outcome) shown to the
 * person who tried: `other` is the patient.
 */
export function explainDenial(reason: string, action: string, who: Who = {}): string {
  const patient = who.other ?? 'The patient';
  switch (reason) {
    case 'NoConsent':
      return cap(`${patient} has not given you ${CONSENT_NEEDED[action] ?? 'access'} (or has revoked it, or it expired).`);
    case 'NotVerified':
      return 'Your account is not verified by the head (pending, rejected or suspended), so it cannot act on patients\u2019 data.';
    case 'Unregistered':
      return 'Your account is not registered in SMRMS, so it has no access to patients\u2019 data.';
    case 'WrongRole':
      return 'Only a verified doctor may do this.';
    default:
      return `Denied: ${humanize(reason)}.`;
  }
}

/** Why an access-log entry was denied, from the patient's side. */
export function denialForPatient(reason: string, action: string): string {
  switch (reason) {
    case 'NoConsent': {
      const need: Record<string, string> = {
        ReadProfile: 'you have not given them access to your profile',
        ReadRecord: 'you have not given them read access',
        WriteRecord: 'you have not given them write access',
        WriteMedication: 'you have not given them write access',
        StopMedication: 'you have not given them write access',
        SetAppointment: 'you have not allowed them to set appointments',
      };
      return need[action] ?? 'you have not given them access';
    }
    case 'NotVerified': return 'they are not verified by the head';
    case 'Unregistered': return 'they are not registered in SMRMS';
    case 'WrongRole': return 'only a verified doctor may do this';
    default: return humanize(reason);
  }
}

/** Why an emergency access was opened (`EmergencyReason`), in words. */
export function emergencyReasonWords(reason: string): string {
  const w: Record<string, string> = {
    Unresponsive: 'the patient was unresponsive or could not communicate',
    Trauma: 'major trauma (accident, injury)',
    Cardiac: 'a cardiac emergency',
    Respiratory: 'a respiratory emergency',
    Stroke: 'a suspected stroke',
    Overdose: 'a suspected overdose or poisoning',
    Other: 'another emergency (see the sealed note)',
  };
  return w[reason] ?? humanize(reason);
}

/** Module errors of the chain (pallet-contracts, balances, …) by name. */
export const PALLET_ERRORS: Record<string, string> = {
  ContractTrapped: 'The contract stopped with an error: it may not accept a payment here, or the input was too large.',
  ContractReverted: 'The contract refused the call.',
  OutOfGas: 'The call ran out of gas. Try again; if it persists the page underestimated its cost.',
  StorageDepositLimitExhausted: 'The storage deposit needed is higher than the limit sent with the call. Try again.',
  StorageDepositNotEnoughFunds: 'Your account cannot pay the storage deposit this call needs.',
  TransferFailed: 'A transfer inside the call failed (the amount may be too small to keep an account alive).',
  ContractNotFound: 'There is no contract at this address on this node: is suite.json from this node?',
  CodeNotFound: "The contract's code is not on this node.",
  InsufficientBalance: 'Your account does not have enough funds.',
  DecodingFailed: 'The contract could not read the call (the page and the contract versions may differ).',
  ReentranceDenied: 'The contract refused a re-entrant call.',
};

/** The sentence for a chain (module) error `section.name`. */
export function explainPalletError(section: string, name: string, docs = ''): string {
  const s = PALLET_ERRORS[name];
  if (s) return s;
  return `The chain refused the call: ${section}.${name}${docs ? ` (${docs})` : ''}.`;
}

/** ink!'s `LangError` (the call did not reach a message). */
export function explainLangError(variant: string): string {
  return variant === 'CouldNotReadInput'
    ? 'The contract could not read the call: the page and the deployed contract versions differ.'
    : `The contract could not dispatch the call (${variant}).`;
}

/** Errors of the transaction pool or the RPC ("1010: Invalid Transaction: Inability to pay some fees"). */
export function explainRpcError(text: string): string {
  if (/Inability to pay some fees|balance too low/i.test(text)) return 'Your account cannot pay the transaction fee: it needs funds.';
  if (/Cancelled|Rejected by user|User rejected|denied/i.test(text)) return 'You declined to sign in your wallet. Nothing was sent.';
  if (/Priority is too low|already imported/i.test(text)) return 'A transaction of this account is already pending. Wait a moment and try again.';
  if (/Transaction is outdated|Stale/i.test(text)) return 'The transaction was outdated. Try again.';
  return text;
}
