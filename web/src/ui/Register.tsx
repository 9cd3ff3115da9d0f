// Registration: as a patient (every profile text sealed in this page) or as
// a provider (public details, waiting for the head's verification).
import { useState } from 'react';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { useApp } from './state';
import { Btn, Field, Section } from './common';
import { PROFILE_FIELDS } from '../crypto';
import { PROVIDER_KINDS, registerPatient, registerProvider } from '../journeys';

const PROFILE_LABELS: Record<string, { label: string; type?: string; placeholder?: string }> = {
  name: { label: 'Full name (required)' },
  date_of_birth: { label: 'Date of birth', type: 'date' },
  gender: { label: 'Gender' },
  home_address: { label: 'Home address' },
  phone: { label: 'Phone', type: 'tel' },
  blood_group: { label: 'Blood group', placeholder: 'e.g. O+' },
  allergies: { label: 'Allergies' },
  emergency_contact_name: { label: 'Emergency contact' },
  emergency_contact_phone: { label: 'Emergency contact phone', type: 'tel' },
};

export function RegisterPatient() {
  const { run, actor, keys } = useApp();
  const [fields, setFields] = useState<string[]>(PROFILE_FIELDS.map(() => ''));
  const submit = () => run('Registering as a patient', async p => {
    if (!keys) throw new Error('Create or unlock your encryption key first (above): your profile is sealed with it.');
    if (!fields[0]?.trim()) throw new Error('Your name is required.');
    await registerPatient(actor(), fields, p);
    return 'You are registered as a patient. Your profile is stored sealed: only you, and those you allow, can read it.';
  });
  return (
    <Section title="Register as a patient" testid="register-patient"
      intro="Every field is encrypted in this page before it is sent: the chain stores only ciphertext. Your wallet will ask you to sign three transactions (registration, your public key, your profile key).">
      <form className="grid" onSubmit={e => { e.preventDefault(); void submit(); }}>
        {PROFILE_FIELDS.map((f, i) => {
          const l = PROFILE_LABELS[f.name] ?? { label: f.name };
          return (
            <Field key={f.name} label={l.label}>
              <input data-testid={`profile-${f.name}`} type={l.type ?? 'text'} placeholder={l.placeholder} value={fields[i]}
                onChange={e => setFields(fs => fs.map((v, j) => (j === i ? e.target.value : v)))} />
            </Field>
          );
        })}
        <div className="actions"><Btn type="submit" testid="register-patient-submit">Register as a patient</Btn></div>
      </form>
    </Section>
  );
}

export function RegisterProvider() {
  const { run, actor, keys } = useApp();
  const [d, setD] = useState({ name: '', phone: '', gender: '', qualification: '', specialization: '', licence: '', kind: 'Doctor' });
  const set = (k: keyof typeof d) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setD(x => ({ ...x, [k]: e.target.value }));
  const submit = () => run('Registering as a provider', async p => {
    if (!d.name.trim()) throw new Error('Your name is required.');
    if (!keys) throw new Error('Create or unlock your encryption key first (above): patients share their data with it.');
    await registerProvider(actor(), {
      name: d.name, phone: d.phone, gender: d.gender, qualification: d.qualification, specialization: d.specialization,
      licenceHash: d.licence ? blake2AsU8a(d.licence.trim(), 256) : new Uint8Array(32), kind: d.kind,
    }, p);
    return 'You are registered as a provider. The head will check your licence and verify you; until then you cannot act on patients\u2019 data.';
  });
  return (
    <Section title="Register as a provider" testid="register-provider"
      intro="A provider's details are public (patients choose whom to trust). Your licence number itself stays here: only its hash is stored; the head checks the licence off-chain.">
      <form className="grid" onSubmit={e => { e.preventDefault(); void submit(); }}>
        <Field label="Full name (required)"><input data-testid="provider-name" value={d.name} onChange={set('name')} /></Field>
        <Field label="Kind">
          <select data-testid="provider-kind" value={d.kind} onChange={set('kind')}>
            {PROVIDER_KINDS.map(k => <option key={k} value={k}>{k}</option>)}
          </select>
        </Field>
        <Field label="Qualification"><input data-testid="provider-qualification" value={d.qualification} onChange={set('qualification')} placeholder="e.g. MBBS, MD" /></Field>
        <Field label="Specialization"><input data-testid="provider-specialization" value={d.specialization} onChange={set('specialization')} /></Field>
        <Field label="Phone"><input data-testid="provider-phone" value={d.phone} onChange={set('phone')} /></Field>
        <Field label="Gender"><input data-testid="provider-gender" value={d.gender} onChange={set('gender')} /></Field>
        <Field label="Licence number" hint="Hashed here (blake2-256); only the hash goes on chain."><input data-testid="provider-licence" value={d.licence} onChange={set('licence')} /></Field>
        <div className="actions"><Btn type="submit" testid="register-provider-submit">Register as a provider</Btn></div>
      </form>
    </Section>
  );
}
