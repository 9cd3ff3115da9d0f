// The validator must accept the sample export (written by the Rust unit test
// `fhir::tests::write_sample_bundle_when_asked` with SMRMS_FHIR_SAMPLE set)
// and reject every broken variant of it: each mutation below is an error one
// of the two validators (or both) must report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { validate } from '../validate.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const sample = JSON.parse(readFileSync(here('fixtures/sample-bundle.json'), 'utf8'));
const find = (b, t) => b.entry.find((e) => e.resource.resourceType === t).resource;
const run = (file) => spawnSync(process.execPath, [here('../validate.mjs'), file], { encoding: 'utf8' });

test('the sample export is valid', () => {
  const { errors, count } = validate(sample);
  assert.deepEqual(errors, []);
  assert.equal(count, sample.entry.length);
  const r = run(here('fixtures/sample-bundle.json'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^fhir: ${sample.entry.length} resources valid$`, 'm'));
});

test('the committed invalid bundle is rejected with exit 1 and its errors', () => {
  const r = run(here('fixtures/invalid-bundle.json'));
  assert.equal(r.status, 1);
  assert.doesNotMatch(r.stdout, /resources valid/);
  assert.match(r.stderr, /Appointment\.status: Code "bogus" not found/);
  assert.match(r.stderr, /DocumentReference\.status: Missing property/);
  assert.match(r.stderr, /recorded: should match pattern/);
  assert.match(r.stderr, /favouriteColour/);
});

const mutations = {
  'appointment status outside the value set': [(b) => { find(b, 'Appointment').status = 'bogus'; }, /Appointment.*status/],
  'DocumentReference without status (1..1)': [(b) => { delete find(b, 'DocumentReference').status; }, /DocumentReference\.status: Missing/],
  'DocumentReference without content (1..*)': [(b) => { delete find(b, 'DocumentReference').content; }, /content/],
  'Consent without scope': [(b) => { delete find(b, 'Consent').scope; }, /scope/],
  'an element FHIR does not define': [(b) => { find(b, 'Patient').favouriteColour = 'blue'; }, /favouriteColour/],
  'an instant without time zone': [(b) => { find(b, 'AuditEvent').recorded = '2023-11-14 22:13'; }, /recorded/],
  'a birthDate that is not a FHIR date': [(b) => { find(b, 'Patient').birthDate = '30/09/1975'; }, /birthDate/],
  'a Bundle type outside the value set': [(b) => { b.type = 'pile'; }, /type/],
  'AuditEvent agent without requestor': [(b) => { delete find(b, 'AuditEvent').agent[0].requestor; }, /requestor/],
  'an id with a space': [(b) => { find(b, 'Patient').id = 'has space'; }, /id/],
  'an unknown resourceType': [(b) => { b.entry[0].resource.resourceType = 'Patientt'; }, /Patientt|invalid/],
  'gender not a code of the value set': [(b) => { find(b, 'Patient').gender = 'Male'; }, /gender/],
  'MedicationStatement status outside the value set': [(b) => { find(b, 'MedicationStatement').status = 'on'; }, /MedicationStatement\.status/],
  'Appointment participant without status': [(b) => { delete find(b, 'Appointment').participant[0].status; }, /participant\[0\]\.status/],
  'Consent status outside the value set': [(b) => { find(b, 'Consent').status = 'revoked'; }, /Consent.*status/],
  'an attachment size that is not an unsignedInt': [(b) => { b.entry.find((e) => e.resource.id === 'record-1').resource.content[0].attachment.size = 'big'; }, /size/],
};

for (const [name, [mutate, pattern]] of Object.entries(mutations)) {
  test(`rejects: ${name}`, () => {
    const b = structuredClone(sample);
    mutate(b);
    const { errors } = validate(b);
    assert.ok(errors.length > 0, 'no error reported');
    assert.ok(errors.some((e) => pattern.test(e)), errors.join('\n'));
  });
}
