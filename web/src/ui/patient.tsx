// The patient's screens: profile, records, medications, consent, the access
// log ("who looked at my data"), emergency accesses and appointments.
import { useMemo, useState } from 'react';
import { useApp } from './state';
import { Amount, Btn, Field, Name, Section, Show, useAsync, useNow, When } from './common';
import {
  accessLog, addMedication, appointmentAction, appointments, closeEmergency, creditOf, emergencies, emergencyNote, feeOf, grant, grantsOf,
  medicationViews, profileOf, providers, recordViews, requestAppointment, requestAppointmentFor, revoke, stopMedication, withdraw,
  type AppointmentAction, type AppointmentView, type RecordView,
} from '../journeys';
import { actionWords, emergencyReasonWords, logOutcomeWords } from '../errors';
import { SCOPE_WORDS, dateInputValue, datetimeInputValue, expiryFromDate, expiryWords, formatAmount, msFromDatetimeInput, scopesText, shortAddress, type Scopes } from '../format';
import { Variant } from '../chain/plain';
import { fhirExport, typesText } from '../export';

const PROFILE_NAMES: Record<string, string> = {
  name: 'Name', date_of_birth: 'Date of birth', gender: 'Gender', home_address: 'Address', phone: 'Phone',
  blood_group: 'Blood group', allergies: 'Allergies', emergency_contact_name: 'Emergency contact', emergency_contact_phone: 'Emergency phone',
};

export function Profile() {
  const { actor, account, keys } = useApp();
  const me = account!.address;
  const v = useAsync(() => profileOf(actor(), me), [me, keys]);
  return (
    <Section title="My profile" testid="my-profile" intro="Stored sealed on chain; opened here with your key.">
      <Show value={v} what="your profile">{fields => (
        <dl className="profile">
          {fields.map(f => (
            <div key={f.name}><dt>{PROFILE_NAMES[f.name] ?? f.name}</dt><dd data-testid={`my-profile-${f.name}`}>{f.value ?? <em>{f.problem ?? 'sealed (unlock your key)'}</em>}</dd></div>
          ))}
        </dl>
      )}</Show>
    </Section>
  );
}

/** The file name of a patient's FHIR export: smrms-5Grwva-GKutQY-fhir.json. */
export function fhirFileName(patient: string): string {
  return `smrms-${shortAddress(patient).replace('…', '-')}-fhir.json`;
}

/** "Download FHIR R4 export (.json)": everything she may open, as a FHIR R4 Bundle, saved as a file. */
export function FhirExport() {
  const { actor, account, keys, run } = useApp();
  const me = account!.address;
  const [status, setStatus] = useState<{ total: number; types: string; sealed: number; notes: string[] } | null>(null);
  const download = () => run('Exporting your data as FHIR R4', async p => {
    setStatus(null);
    const r = await fhirExport(actor(), me, p);
    const blob = new Blob([r.text], { type: 'application/fhir+json' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = fhirFileName(me);
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    setStatus({ total: r.total, types: typesText(r.byType), sealed: r.sealed, notes: r.notes });
    return `FHIR R4 bundle: ${r.total} resources, saved as ${a.download}${r.sealed ? ` (${r.sealed} marked sealed: not opened in this page)` : ''}.`;
  });
  return (
    <Section title="Export my data" testid="fhir-export" intro={<>
      Everything you may open, as one FHIR R4 Bundle (JSON) for another clinic or app: your profile (Patient), the providers involved, every grant with its scopes and period (Consent, the revoked ones too), appointments, medications, records (with the chain's content hash and block) and your access log (AuditEvent). It is built in this page; the file holds your health data in the clear, so keep it safe.
      {!keys && <> <strong>Unlock your encryption key first:</strong> without it, sealed items are exported without their content.</>}
    </>}>
      <div className="actions"><Btn testid="fhir-export-download" onClick={() => void download()}>Download FHIR R4 export (.json)</Btn></div>
      {status && (
        <>
          <p data-testid="fhir-export-status" data-total={status.total}>FHIR R4 bundle: {status.total} resources ({status.types}){status.sealed ? `; ${status.sealed} marked sealed` : ''}.</p>
          {status.notes.length > 0 && <ul className="notes">{status.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>}
        </>
      )}
    </Section>
  );
}

export function RecordCard({ r, testPrefix = 'record' }: { r: RecordView; testPrefix?: string }) {
  const tamperOk = r.hashOk && r.commitmentOk === true;
  return (
    <article className="record" data-testid={`${testPrefix}-${r.id}`}>
      <header>
        <strong>#{r.id} {r.data.kind.tag}</strong> by <Name address={r.data.author} /> · <When ms={r.data.createdAt} />
        {r.data.emergency && <span className="badge warn">written under emergency access</span>}
      </header>
      {r.opened ? (
        <>
          <h3 data-testid={`${testPrefix}-title-${r.id}`}>{r.opened.title}</h3>
          <p className="body" data-testid={`${testPrefix}-body-${r.id}`}>{r.opened.body}</p>
        </>
      ) : (
        <p className="sealed" data-testid={`${testPrefix}-sealed-${r.id}`}>Sealed. {r.problem}</p>
      )}
      <p className={`tamper ${tamperOk ? 'ok' : r.opened || !r.hashOk ? 'bad' : 'unknown'}`} data-testid={`${testPrefix}-tamper-${r.id}`} data-ok={String(tamperOk)}>
        {tamperOk
          ? '✔ Tamper check passed: the stored text matches the hash the contract recorded when it was written, and the decrypted text matches its sealed commitment.'
          : !r.hashOk
            ? '✘ Tamper check FAILED: the stored text does not match the hash recorded when it was written.'
            : r.commitmentOk === false
              ? '✘ Tamper check FAILED: the decrypted text does not match its sealed commitment.'
              : 'The stored ciphertext matches the hash recorded when it was written; the content can be checked once it opens.'}
      </p>
    </article>
  );
}

export function MyRecords() {
  const { actor, account, keys } = useApp();
  const me = account!.address;
  const v = useAsync(() => recordViews(actor(), me), [me, keys]);
  return (
    <Section title="My records" testid="my-records" intro="Each record is sealed by the doctor who wrote it, with a key wrapped for you. It opens here only.">
      <Show value={v} what="your records">{rs => rs.length === 0
        ? <p className="empty">No records yet.</p>
        : <div className="list">{[...rs].reverse().map(r => <RecordCard key={r.id} r={r} />)}</div>}
      </Show>
    </Section>
  );
}

export function Medications({ patient, patientLabel }: { patient: string; patientLabel: string }) {
  const { actor, account, keys, run, nameOf } = useApp();
  const me = account!.address;
  const v = useAsync(() => medicationViews(actor(), patient), [patient, keys]);
  const [m, setM] = useState({ name: '', dose: '', frequency: '', notes: '', days: '' });
  const set = (k: keyof typeof m) => (e: React.ChangeEvent<HTMLInputElement>) => setM(x => ({ ...x, [k]: e.target.value }));
  const add = () => run('Adding a medication', async p => {
    if (!m.name.trim()) throw new Error('The drug name is required.');
    const start = Date.now();
    const days = Number(m.days);
    const r = await addMedication(actor(), patient, {
      name: m.name, dose: m.dose, frequency: m.frequency, notes: m.notes, start,
      end: m.days && days > 0 ? start + days * 86_400_000 : null, prescribedBy: patient === me ? null : me,
    }, patientLabel, nameOf, p);
    setM({ name: '', dose: '', frequency: '', notes: '', days: '' });
    return `Medication #${r.id} stored sealed; its key is wrapped for ${r.wrappedFor.length} account(s).`;
  });
  const stop = (id: number) => run('Stopping a medication', async () => {
    await stopMedication(actor(), patient, id, patientLabel);
    return `Medication #${id} is marked stopped.`;
  });
  return (
    <Section title={patient === me ? 'My medications' : `Medications of ${patientLabel}`} testid="medications">
      <Show value={v} what="medications">{ms => ms.length === 0 ? <p className="empty">No medications.</p> : (
        <table className="table">
          <thead><tr><th>#</th><th>Drug</th><th>Dose</th><th>Frequency</th><th>Notes</th><th>Since</th><th>Status</th><th /></tr></thead>
          <tbody>{ms.map(x => (
            <tr key={x.id} data-testid={`medication-${x.id}`}>
              <td>{x.id}</td>
              {x.opened
                ? <><td>{x.opened.name}</td><td>{x.opened.dose}</td><td>{x.opened.frequency}</td><td>{x.opened.notes}</td></>
                : <td colSpan={4}><em>sealed: no key is wrapped for you</em></td>}
              <td><When ms={x.data.start} dateOnly />{x.data.end !== null && <> to <When ms={x.data.end} dateOnly /></>}</td>
              <td>{x.data.stoppedAt !== null ? <>stopped <When ms={x.data.stoppedAt} dateOnly /></> : 'active'}</td>
              <td>{x.data.stoppedAt === null && <Btn testid={`medication-stop-${x.id}`} onClick={() => stop(x.id)}>Stop</Btn>}</td>
            </tr>
          ))}</tbody>
        </table>
      )}</Show>
      <h3>Add a medication</h3>
      <form className="grid" onSubmit={e => { e.preventDefault(); void add(); }}>
        <Field label="Drug"><input data-testid="med-name" value={m.name} onChange={set('name')} /></Field>
        <Field label="Dose"><input data-testid="med-dose" value={m.dose} onChange={set('dose')} placeholder="e.g. 500 mg" /></Field>
        <Field label="Frequency"><input data-testid="med-frequency" value={m.frequency} onChange={set('frequency')} placeholder="e.g. twice a day" /></Field>
        <Field label="For how many days (empty: no end)"><input data-testid="med-days" type="number" min="1" value={m.days} onChange={set('days')} /></Field>
        <Field label="Notes"><input data-testid="med-notes" value={m.notes} onChange={set('notes')} /></Field>
        <div className="actions"><Btn type="submit" testid="med-add">Add (sealed)</Btn></div>
      </form>
    </Section>
  );
}

function grantExpiry(expiresAt: bigint | null) {
  const expired = expiresAt !== null && Number(expiresAt) <= Date.now();
  return <span className={expired ? 'expired' : ''} title={expiresAt === null ? undefined : new Date(Number(expiresAt)).toString()}>{expired ? `expired (${expiryWords(expiresAt)})` : expiryWords(expiresAt)}</span>;
}

export function Consent() {
  const { actor, account, chain, run, lookupName } = useApp();
  const me = account!.address;
  const grants = useAsync(() => grantsOf(chain!, me, me), [me]);
  const provs = useAsync(() => providers(chain!, me), [me]);
  const [grantee, setGrantee] = useState('');
  const [scopes, setScopes] = useState<Scopes>({ demographics: false, recordsRead: true, recordsWrite: false, appointments: false });
  const [expiry, setExpiry] = useState('');
  const submit = () => run('Granting access', async p => {
    const who = grantee.trim();
    if (!who) throw new Error('Choose whom to grant access to.');
    const expiresAt = expiry ? expiryFromDate(expiry) : null;
    const name = await lookupName(who);
    const r = await grant(actor(), who, scopes, expiresAt, name, p);
    return `${name} may now ${scopesText(scopes)}, ${expiresAt ? expiryWords(expiresAt) : 'until you revoke it'}. ${r.rewrapped} existing data key(s) re-wrapped for them. ${r.note}`.trim();
  });
  const doRevoke = (g: string) => run('Revoking access', async p => {
    const name = await lookupName(g);
    const removed = await revoke(actor(), g, name, p);
    return `Access for ${name} is revoked${removed ? `, and the ${removed} key(s) wrapped for them are removed` : ''}. Nothing new will be shared with them; what they already opened cannot be taken back.`;
  });
  return (
    <>
      <Section title="Give access" testid="grant-form" intro="Choose who may see or add to your data, what exactly, and until when. You can revoke at any time.">
        <form onSubmit={e => { e.preventDefault(); void submit(); }}>
          <div className="grid">
            <Field label="Provider">
              <select data-testid="grant-grantee" value={grantee} onChange={e => setGrantee(e.target.value)}>
                <option value="">— choose a verified provider —</option>
                {(provs.data ?? []).filter(x => x.provider.status.tag === 'Verified').map(x => (
                  <option key={x.account} value={x.account}>{x.provider.details.name} ({x.provider.details.kind.tag}{x.provider.details.specialization ? `, ${x.provider.details.specialization}` : ''})</option>
                ))}
              </select>
            </Field>
            <Field label="…or any registered account (e.g. a family member)">
              <input data-testid="grant-address" value={grantee} onChange={e => setGrantee(e.target.value)} placeholder="account address" />
            </Field>
          </div>
          <fieldset className="scopes">
            <legend>What they may do</legend>
            {(Object.keys(SCOPE_WORDS) as (keyof Scopes)[]).map(k => (
              <label key={k} className="scope">
                <input type="checkbox" data-testid={`scope-${k}`} checked={scopes[k]} onChange={e => setScopes(s => ({ ...s, [k]: e.target.checked }))} />
                <span><strong>{SCOPE_WORDS[k].label}</strong> — {SCOPE_WORDS[k].explain}</span>
              </label>
            ))}
          </fieldset>
          <Field label="Until (optional; empty = until you revoke it)" hint={expiry ? `Access holds ${expiryWords(expiryFromDate(expiry))} and ends at midnight (your local time).` : undefined}>
            <input type="date" data-testid="grant-expiry" min={dateInputValue(new Date())} value={expiry} onChange={e => setExpiry(e.target.value)} />
          </Field>
          <div className="actions"><Btn type="submit" testid="grant-submit">Give access</Btn></div>
        </form>
      </Section>
      <Section title="Who has access now" testid="grants">
        <Show value={grants} what="your grants">{gs => gs.length === 0 ? <p className="empty" data-testid="grants-empty">Nobody has access to your data but you.</p> : (
          <table className="table">
            <thead><tr><th>Who</th><th>May</th><th>Since</th><th>Until</th><th /></tr></thead>
            <tbody>{gs.map(g => (
              <tr key={g.grantee} data-testid={`grant-${g.grantee}`}>
                <td><Name address={g.grantee} /></td>
                <td>{scopesText(g.grant.scopes)}</td>
                <td><When ms={g.grant.grantedAt} /></td>
                <td data-testid={`grant-expiry-${g.grantee}`}>{grantExpiry(g.grant.expiresAt)}</td>
                <td><Btn className="danger" testid={`revoke-${g.grantee}`} onClick={() => doRevoke(g.grantee)}>Revoke</Btn></td>
              </tr>
            ))}</tbody>
          </table>
        )}</Show>
      </Section>
    </>
  );
}

export function AccessLog() {
  const { chain, account, nameOf } = useApp();
  const me = account!.address;
  const v = useAsync(() => accessLog(chain!, me, me), [me]);
  return (
    <Section title="Who looked at my data" testid="access-log" intro="Every audited read of your data and every attempt to add to it, granted or denied, every act of a guardian for you and every release of your emergency card's key, is written on chain in your access log.">
      <Show value={v} what="your access log">{entries => entries.length === 0 ? <p className="empty">Nobody has accessed your data yet.</p> : (
        <table className="table">
          <thead><tr><th>When</th><th>Who</th><th>What</th><th>Outcome</th></tr></thead>
          <tbody>{[...entries].reverse().map((e, i) => {
            const reason = e.outcome.value instanceof Variant ? e.outcome.value.tag : e.outcome.value === null ? null : String(e.outcome.value);
            const id = typeof e.action.value === 'bigint' ? e.action.value : undefined;
            const o = logOutcomeWords(e.outcome.tag, reason, e.action.tag, nameOf(e.accessor).replace(/^patient /, ''), id);
            return (
              <tr key={i} data-testid="access-log-row" className={o.kind}>
                <td><When ms={e.at} /></td>
                <td><Name address={e.accessor} /></td>
                <td>{actionWords(e.action.tag, id)}</td>
                <td data-outcome={o.kind}>{o.text}{Number(e.repeats ?? 0) > 0 ? ` (and ${Number(e.repeats)} more attempts, the last one at this time)` : ''}</td>
              </tr>
            );
          })}</tbody>
        </table>
      )}</Show>
    </Section>
  );
}

export function Emergencies() {
  const { chain, account, actor, run, lookupName } = useApp();
  const me = account!.address;
  const v = useAsync(async () => {
    const es = await emergencies(chain!, me, me);
    return Promise.all(es.map(async e => ({ e, note: await emergencyNote(actor(), me, e) })));
  }, [me]);
  const close = (doctor: string) => run('Closing an emergency access', async () => {
    const name = await lookupName(doctor);
    const cardKey = await closeEmergency(actor(), me, doctor, name);
    return `The emergency access of ${name} is closed${cardKey ? '; the key of your emergency card released to them is removed' : ''}.`;
  });
  const now = Date.now();
  return (
    <Section title="Emergency accesses" testid="emergencies" intro="A verified doctor may open your profile and records without your consent in an emergency, with a reason and for a limited time. Every one is listed here; you may close an open one.">
      <Show value={v} what="emergency accesses">{es => es.length === 0 ? <p className="empty">No emergency access was ever opened on your data.</p> : (
        <table className="table">
          <thead><tr><th>Doctor</th><th>Reason</th><th>Opened</th><th>Ends</th><th>Status</th><th /></tr></thead>
          <tbody>{[...es].reverse().map(({ e, note }, i) => {
            const open = e.closed === null && Number(e.expiresAt) > now;
            return (
              <tr key={i} data-testid="emergency-row">
                <td><Name address={e.doctor} /></td><td>{typeof e.reason === 'string' ? e.reason : emergencyReasonWords(e.reason.tag)}{note && <><br /><em>{note}</em></>}</td><td><When ms={e.openedAt} /></td><td><When ms={e.expiresAt} /></td>
                <td>{e.closed ? <>closed <When ms={e.closed[0]} /> by <Name address={e.closed[1]} /></> : open ? <strong>OPEN</strong> : 'ended'}</td>
                <td>{open && <Btn className="danger" testid={`emergency-close-${i}`} onClick={() => close(e.doctor)}>Close it now</Btn>}</td>
              </tr>
            );
          })}</tbody>
        </table>
      )}</Show>
    </Section>
  );
}

const STATUS_WORDS: Record<string, string> = {
  Requested: 'requested, waiting for the doctor', Proposed: 'proposed by the doctor, waiting for your payment',
  Booked: 'booked', Completed: 'completed', Cancelled: 'cancelled', Declined: 'declined by the doctor', NoShow: 'marked as a no-show',
};

const DONE_WORDS: Record<AppointmentAction, string> = {
  accept: 'accepted: it is booked',
  decline: 'declined; the fee held is credited back to whoever paid it',
  confirm: 'confirmed and paid: it is booked',
  cancel: 'cancelled; any fee held is credited back to whoever paid it (the patient, or her guardian who booked it)',
  complete: 'marked completed; the fee held is credited to the doctor',
  mark_no_show: 'marked as a no-show; the fee held is credited to the doctor',
  accept_reschedule: 'moved to the new time',
  decline_reschedule: 'kept at its booked time',
};

/** The patient's side of an appointment at `now`: what she (or her guardian with the booking power) may do. */
export function patientActions(ap: AppointmentView, now: number): { action: AppointmentAction; label: string; danger?: boolean }[] {
  const s = ap.data.status.tag;
  const before = Number(ap.data.start) > now;
  const out: { action: AppointmentAction; label: string; danger?: boolean }[] = [];
  if (s === 'Proposed' && before) out.push({ action: 'confirm', label: `Confirm and pay` });
  if ((s === 'Requested' || s === 'Proposed' || s === 'Booked') && (before || s !== 'Booked')) out.push({ action: 'cancel', label: before ? 'Cancel' : 'Cancel and reclaim the fee', danger: true });
  if (s === 'Booked' && !before) out.push({ action: 'complete', label: 'Mark completed' });
  if (s === 'Booked' && ap.data.proposedStart) {
    out.push({ action: 'accept_reschedule', label: 'Accept the new time' }, { action: 'decline_reschedule', label: 'Keep the old time', danger: true });
  }
  return out;
}

export function AppointmentRow({ ap, asDoctor, actions }: { ap: AppointmentView; asDoctor: boolean; actions: { action: AppointmentAction; label: string; danger?: boolean }[] }) {
  const { run, actor, lookupName } = useApp();
  const other = asDoctor ? ap.data.patient : ap.data.doctor;
  const act = (action: AppointmentAction, label: string) => run(label, async () => {
    await appointmentAction(actor(), ap, action, await lookupName(other));
    return `Appointment #${ap.id} ${DONE_WORDS[action]}.`;
  });
  return (
    <tr data-testid={`appt-${ap.id}`} data-status={ap.data.status.tag}>
      <td>#{ap.id.toString()}</td>
      <td><Name address={other} /></td>
      <td><When ms={ap.data.start} /> ({ap.data.durationMin.toString()} min){ap.data.proposedStart ? <><br /><em data-testid={`appt-proposed-${ap.id}`}>new time proposed: <When ms={ap.data.proposedStart} /></em></> : null}</td>
      <td data-testid={`appt-reason-${ap.id}`}>{ap.reason}</td>
      <td>{ap.diagnosis && <>Diagnosis: {ap.diagnosis}<br /></>}{ap.prescription && <>Prescription: {ap.prescription}</>}</td>
      <td><Amount value={ap.data.fee} />{ap.data.paid > 0n ? ' (held)' : ''}</td>
      <td data-testid={`appt-status-${ap.id}`}>{STATUS_WORDS[ap.data.status.tag] ?? ap.data.status.tag}</td>
      <td className="row">{actions.map(a => (
        <Btn key={a.action} className={a.danger ? 'danger' : ''} testid={`appt-${ap.id}-${a.action}`} onClick={() => act(a.action, a.label)}>{a.label}</Btn>
      ))}</td>
    </tr>
  );
}

/** A patient's appointments with the patient's buttons (for her, or her guardian with the booking power). */
export function PatientSideAppointments({ aps, now, emptyTestid }: { aps: AppointmentView[]; now: number; emptyTestid?: string }) {
  if (aps.length === 0) return <p className="empty" data-testid={emptyTestid}>No appointments.</p>;
  return (
    <table className="table">
      <thead><tr><th>#</th><th>Doctor</th><th>When</th><th>Reason</th><th>Notes</th><th>Fee</th><th>Status</th><th /></tr></thead>
      <tbody>{aps.map(ap => <AppointmentRow key={ap.id.toString()} ap={ap} asDoctor={false} actions={patientActions(ap, now)} />)}</tbody>
    </table>
  );
}

export function Credit() {
  const { chain, account, actor, run } = useApp();
  const me = account!.address;
  const c = useAsync(() => creditOf(chain!, me, me), [me]);
  const doWithdraw = () => run('Withdrawing', async () => {
    const amount = await withdraw(actor());
    return `Withdrew ${formatAmount(amount, chain!.decimals, chain!.token)} to your account.`;
  });
  return (
    <p className="row">
      <span>Credited to you by the appointments contract (refunds and fees): <strong data-testid="credit">{c.data === null ? '…' : <Amount value={c.data} />}</strong></span>
      {c.data !== null && c.data > 0n && <Btn testid="withdraw" onClick={doWithdraw}>Withdraw</Btn>}
    </p>
  );
}

/**
 * The request form: a verified doctor, his fee (shown, and confirmed before
 * the wallet is asked), start, duration, a reason sealed for the patient and
 * the doctor. For the patient herself, or, with `ward`, for the patient a
 * guardian with the booking power books for (`request_appointment_for`: the
 * guardian pays). Test ids start with `prefix`.
 */
export function RequestAppointment({ prefix, ward }: { prefix: string; ward?: string }) {
  const { actor, account, chain, run, lookupName, nameOf } = useApp();
  const me = account!.address;
  const provs = useAsync(() => providers(chain!, me), [me]);
  const doctors = useMemo(() => (provs.data ?? []).filter(x => x.provider.details.kind.tag === 'Doctor' && x.provider.status.tag === 'Verified' && x.account !== ward), [provs.data, ward]);
  const [doctor, setDoctor] = useState('');
  const fee = useAsync(() => (doctor ? feeOf(chain!, me, doctor) : Promise.resolve(null)), [doctor]);
  const [start, setStart] = useState(() => datetimeInputValue(Date.now() + 86_400_000));
  const [duration, setDuration] = useState('30');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const label = ward ? `Requesting an appointment for ${nameOf(ward)}` : 'Requesting an appointment';

  const ask = () => {
    if (!doctor) return void run(label, async () => { throw new Error('Choose a doctor.'); });
    if (!reason.trim()) return void run(label, async () => { throw new Error(`Give a reason (it is sealed for ${ward ? 'the patient' : 'you'} and the doctor).`); });
    setConfirming(true);
  };
  const request = (amount: bigint) => run(label, async p => {
    setConfirming(false);
    p(`sealing the reason for ${ward ? 'the patient' : 'you'} and the doctor`);
    const doctorName = await lookupName(doctor);
    const startMs = msFromDatetimeInput(start);
    const paid = formatAmount(amount, chain!.decimals, chain!.token);
    if (ward) {
      const wardName = await lookupName(ward);
      const id = await requestAppointmentFor(actor(), ward, doctor, startMs, Number(duration), reason, amount, wardName);
      setReason('');
      return `Appointment #${id} requested for ${wardName} with ${doctorName}; ${paid} paid by you and held until it takes place (credited back to you if it is declined or cancelled). The reason is sealed for ${wardName} and the doctor; it is written in ${wardName}\u2019s access log that you booked it.`;
    }
    const id = await requestAppointment(actor(), doctor, startMs, Number(duration), reason, amount, doctorName);
    setReason('');
    return `Appointment #${id} requested with ${doctorName}; ${paid} paid and held until it takes place (refunded if it is declined or cancelled).`;
  });
  const t = (x: string) => `${prefix}-${x}`;

  return (
    <>
      <form className="grid" onSubmit={e => { e.preventDefault(); ask(); }}>
        <Field label="Doctor">
          <select data-testid={t('doctor')} value={doctor} onChange={e => { setDoctor(e.target.value); setConfirming(false); }}>
            <option value="">— choose a verified doctor —</option>
            {doctors.map(d => <option key={d.account} value={d.account}>{d.provider.details.name}{d.provider.details.specialization ? ` (${d.provider.details.specialization})` : ''}</option>)}
          </select>
        </Field>
        <Field label="Fee">{doctor ? <strong data-testid={t('fee')}>{fee.data === null ? '…' : <Amount value={fee.data} />}</strong> : <span>—</span>}</Field>
        <Field label="Start (local time)"><input type="datetime-local" step="1" data-testid={t('start')} value={start} onChange={e => setStart(e.target.value)} /></Field>
        <Field label="Duration (minutes)"><input type="number" min="1" max="1440" data-testid={t('duration')} value={duration} onChange={e => setDuration(e.target.value)} /></Field>
        <Field label={`Reason (sealed for ${ward ? 'the patient' : 'you'} and the doctor, up to about 170 characters)`}><input data-testid={t('reason')} value={reason} onChange={e => setReason(e.target.value)} /></Field>
        <div className="actions"><Btn type="submit" testid={t('submit')}>Request…</Btn></div>
      </form>
      {confirming && fee.data !== null && (
        <div className="confirm" data-testid={t('confirm')}>
          <p>You are about to pay <strong data-testid={t('confirm-fee')}><Amount value={fee.data} /></strong> to request an appointment {ward ? <>for <Name address={ward} /> </> : null}with <Name address={doctor} /> on {new Date(msFromDatetimeInput(start)).toLocaleString()}. Your wallet will ask you to sign.</p>
          <Btn testid={t('confirm-yes')} onClick={() => request(fee.data!)}>Pay and request</Btn>
          <Btn testid={t('confirm-no')} onClick={() => setConfirming(false)}>Not now</Btn>
        </div>
      )}
    </>
  );
}

export function PatientAppointments() {
  const { actor, account, keys } = useApp();
  const me = account!.address;
  const list = useAsync(() => appointments(actor(), me, false), [me, keys]);
  const now = useNow();

  return (
    <>
      <Section title="Request an appointment" testid="appt-request" intro="The doctor's fee is paid with the request and held by the contract: it goes to the doctor once the appointment has taken place, and back to you if it is declined or cancelled.">
        <RequestAppointment prefix="appt" />
      </Section>
      <Section title="My appointments" testid="appointments" intro="A guardian you gave the power to book appointments may book for you and act on your side of them; a fee they paid is credited back to them, not to you.">
        <Credit />
        <Show value={list} what="your appointments">{aps => <PatientSideAppointments aps={aps} now={now} />}</Show>
      </Section>
    </>
  );
}
