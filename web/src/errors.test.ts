import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTRACT_ERRORS, MESSAGE_ERRORS, explainDenial, explainError, denialForPatient, explainPalletError, explainRpcError, actionWords, logOutcomeWords } from './errors';
import { classify, explainOutcome } from './chain/contracts';
import { Variant } from './chain/plain';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The variants of every `pub enum Error` in contracts/*\/lib.rs. */
function errorVariants(): Set<string> {
  const out = new Set<string>();
  const dir = join(ROOT, 'contracts');
  for (const c of readdirSync(dir)) {
    const f = join(dir, c, 'lib.rs');
    if (!existsSync(f)) continue;
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/pub enum Error\s*\{([\s\S]*?)\n\s*\}/g)) {
      for (const line of m[1]!.split('\n')) {
        const v = /^\s*([A-Z][A-Za-z0-9]*)\s*[,({]?/.exec(line.replace(/\/\/.*$/, ''));
        if (v) out.add(v[1]!);
      }
    }
  }
  return out;
}

describe('the error table', () => {
  it('has a sentence for every variant of every contract Error enum', () => {
    const variants = errorVariants();
    expect(variants.size).toBeGreaterThan(30);
    const missing = [...variants].filter(v => !(v in CONTRACT_ERRORS));
    expect(missing, `add sentences to web/src/errors.ts for: ${missing.join(', ')}`).toEqual([]);
  });
  it('has no sentence for a variant that does not exist', () => {
    const variants = errorVariants();
    const stale = Object.keys(CONTRACT_ERRORS).filter(v => !variants.has(v));
    expect(stale).toEqual([]);
  });
  it('every sentence is a full sentence without raw variant names', () => {
    for (const v of Object.keys(CONTRACT_ERRORS)) {
      const s = explainError(v, undefined, { other: 'Dr. Rao' });
      expect(s).toMatch(/^[A-Z].*\.$/);
      expect(s).not.toContain(v);
    }
    for (const [m, table] of Object.entries(MESSAGE_ERRORS)) {
      for (const v of Object.keys(table)) expect(explainError(v, m, { other: 'Dr. Rao' })).toMatch(/^[A-Z].*\.$/);
    }
  });
  it('names the other party and prefers the message-specific sentence', () => {
    expect(explainError('GrantNotFound', 'revoke', { other: 'Dr. Rao' })).toBe('There is no grant to Dr. Rao (it may have been revoked already).');
    expect(explainError('NotVerifiedDoctor', 'request_appointment', { other: 'Dr. Rao' })).toMatch(/^Dr\. Rao is not a verified doctor/);
    expect(explainError('NotVerifiedDoctor', 'add_record')).toMatch(/^Only a doctor verified/);
    expect(explainError('UnknownAccount', 'publish_encryption_key')).toMatch(/^Register first/);
  });
  it("says the care circle's refusals in the patient's words", () => {
    for (const v of ['NotGuardian', 'TooManyGuardians', 'NotIncapacitated', 'NoCustodian', 'NoCard']) expect(CONTRACT_ERRORS).toHaveProperty(v);
    expect(explainError('NoCustodian', 'set_card')).toMatch(/^The head has not designated an emergency custodian/);
    expect(explainError('TooManyGuardians', 'appoint_guardian')).toMatch(/maximum number of guardians \(8\)/);
    expect(explainError('UnknownAccount', 'appoint_guardian', { other: 'Ravi' })).toMatch(/^Ravi is not registered in SMRMS: a guardian/);
    expect(explainError('NotGuardian', 'remove_guardian', { other: 'Ravi' })).toBe('Ravi is not your guardian (she may have been removed already).');
    expect(explainError('NotGuardian', 'grant_for')).toMatch(/^This account is not a guardian/);
    expect(explainError('NotIncapacitated', 'appoint_guardian_for', { other: 'patient 5Fxyz' })).toMatch(/^Patient 5Fxyz is not declared a minor/);
    expect(explainError('NoCard', 'share_key')).toBe('There is no emergency card to share yet.');
    expect(explainError('NoCard', undefined, { other: 'Asha' })).toBe('Asha has no emergency card yet.');
    expect(explainError('NotAllowed', 'designate_custodian')).toMatch(/head may not be the emergency custodian/);
  });
  it("says a guardian's booking refusals in her words", () => {
    expect(explainError('NotGuardian', 'request_appointment_for', { other: 'Asha' })).toMatch(/^You are not a guardian of Asha with the power to book appointments now .*Book my appointments/);
    expect(explainError('UnknownPatient', 'request_appointment_for', { other: 'patient 5Fxyz' })).toMatch(/^Patient 5Fxyz is not a registered patient/);
    expect(explainError('NotVerifiedDoctor', 'request_appointment_for', { other: 'Asha' })).toMatch(/^That doctor is not a verified doctor/);
    expect(explainError('TooManyOpenRequests', 'request_appointment_for', { other: 'Asha' })).toMatch(/^Asha already has the maximum/);
    // a guardian without the power meets NotParticipant on the patient's acts (the contract maps NotGuardian to it)
    for (const m of ['cancel', 'confirm', 'complete', 'accept_reschedule']) expect(explainError('NotParticipant', m)).toMatch(/nor a guardian of its patient with the power to book appointments/);
    expect(explainError('NotParticipant', 'patient_appointments')).toMatch(/^A patient's appointments are shown only to her, her guardians with the power to book/);
  });
  it('falls back for variants added later', () => {
    expect(explainError('GracePeriodNotOver')).toBe('The contract refused: Grace period not over (GracePeriodNotOver).');
  });
});

describe('denials', () => {
  it('explains a write refused for lack of consent to the doctor', () => {
    expect(explainDenial('NoConsent', 'WriteRecord', { other: 'Asha Rao' }))
      .toBe('Asha Rao has not given you write access to their records (or has revoked it, or it expired).');
    expect(explainDenial('Unregistered', 'ReadRecord')).toMatch(/not registered/);
    expect(explainDenial('NoConsent', 'ReadRecord', { other: 'patient 5Fxyz' })).toMatch(/^Patient 5Fxyz has not given you read access/);
    expect(explainDenial('Whatever', 'ReadRecord')).toBe('Denied: whatever.');
  });
  it('explains log entries to the patient', () => {
    expect(denialForPatient('NoConsent', 'WriteRecord')).toBe('you have not given them write access');
    expect(denialForPatient('Unregistered', 'ReadRecord')).toBe('they are not registered in SMRMS');
    expect(actionWords('ReadRecord', 3n)).toBe('read record #3');
    expect(actionWords('ReadCard')).toBe('read the emergency card');
    expect(actionWords('GrantAccess')).toMatch(/^grant access on the patient/);
    expect(actionWords('BookAppointment')).toBe('book an appointment for the patient');
    expect(actionWords('ManageAppointment', 7n)).toBe('act on appointment #7 for the patient');
    expect(actionWords('ManageAppointment', 0)).toBe('act on appointment #0 for the patient');
    expect(actionWords('ManageAppointment')).toBe('act on an appointment for the patient');
  });
  it("words the log's outcomes: a guardian's acts by her name, a card release as such", () => {
    expect(logOutcomeWords('GrantedGuardian', null, 'ReadProfile', 'Ravi')).toEqual({ kind: 'guardian', text: 'granted: by guardian Ravi, acting for you' });
    expect(logOutcomeWords('GrantedGuardian', null, 'GrantAccess', 'Ravi').text).toBe('granted: by guardian Ravi, granted access for you');
    expect(logOutcomeWords('GrantedGuardian', null, 'RevokeAccess', 'Ravi').text).toBe('granted: by guardian Ravi, revoked access for you');
    expect(logOutcomeWords('GrantedGuardian', null, 'BookAppointment', 'Ravi')).toEqual({ kind: 'guardian', text: 'granted: by guardian Ravi, booked an appointment for you' });
    expect(logOutcomeWords('GrantedGuardian', null, 'ManageAppointment', 'Ravi', 4n).text).toBe('granted: by guardian Ravi, acted on appointment #4 for you');
    expect(logOutcomeWords('GrantedGuardian', null, 'ManageAppointment', 'Ravi').text).toBe('granted: by guardian Ravi, acted on an appointment for you');
    expect(logOutcomeWords('GrantedEmergency', null, 'ReadCard', 'Dr. Rao')).toEqual({ kind: 'emergency', text: 'card key released by the emergency custodian, under EMERGENCY access' });
    expect(logOutcomeWords('GrantedEmergency', null, 'OpenEmergency', 'Dr. Rao').text).toBe('granted under EMERGENCY access');
    expect(logOutcomeWords('Granted', null, 'WriteRecord', 'Dr. Rao')).toEqual({ kind: 'granted', text: 'granted' });
    expect(logOutcomeWords('Denied', 'Unregistered', 'ReadRecord', 'x').text).toBe('denied: they are not registered in SMRMS');
    expect(logOutcomeWords('SomethingNew', null, 'ReadRecord', 'x')).toEqual({ kind: 'other', text: 'something new' });
  });
});

describe('outcomes of a dry run', () => {
  const ok = (v: unknown) => new Variant('Ok', v as never);
  it('splits Result<Result<T, Error>, LangError>', () => {
    expect(classify(ok(ok(5n)))).toEqual({ kind: 'ok', value: 5n });
    expect(classify(ok(new Variant('Err', new Variant('NotHead', null))))).toEqual({ kind: 'error', variant: 'NotHead' });
    expect(classify(new Variant('Err', new Variant('CouldNotReadInput', null)))).toEqual({ kind: 'lang', variant: 'CouldNotReadInput' });
    const denied = classify(ok(ok(new Variant('Denied', new Variant('NoConsent', null)))));
    expect(denied.kind).toBe('denied');
    expect(denied.kind === 'denied' && denied.reason).toBe('NoConsent');
    expect(classify(ok(ok(new Variant('Accepted', 3n))))).toEqual({ kind: 'ok', value: new Variant('Accepted', 3n) });
  });
  it('turns each into a sentence', () => {
    const denied = classify(ok(ok(new Variant('Denied', new Variant('NoConsent', null)))));
    expect(explainOutcome(denied, 'add_record', { other: 'Asha' })).toMatch(/^Asha has not given you write access/);
    expect(explainOutcome({ kind: 'error', variant: 'TooEarly' }, 'complete')).toBe('An appointment can be marked completed only after its start time.');
    expect(explainOutcome({ kind: 'error', variant: 'TooEarly' }, 'mark_no_show')).toMatch(/grace period/);
    expect(explainOutcome({ kind: 'dispatch', section: 'contracts', name: 'StorageDepositNotEnoughFunds', docs: '' }, 'grant')).toMatch(/storage deposit/);
    expect(explainPalletError('foo', 'Bar', 'docs')).toBe('The chain refused the call: foo.Bar (docs).');
    expect(explainRpcError('1010: Invalid Transaction: Inability to pay some fees , e.g. account balance too low')).toMatch(/cannot pay/);
  });
});
