// The doctor's (provider's) screens: my patients and what each granted, a
// patient's file (records, medications, adding sealed ones), appointments,
// fee and payouts.
import { useState } from 'react';
import { useApp } from './state';
import { Amount, Btn, Field, Name, Section, Show, useAsync, useNow } from './common';
import { AppointmentRow, Credit, Medications, RecordCard } from './patient';
import { PatientCard } from './care';
import {
  addRecord, appointments, hasCareCircle, feeOf, noShowGrace, patientsOf, recordViews, setAppointment, setFee, updateAppointment,
  RECORD_KINDS, type AppointmentAction, type AppointmentView,
} from '../journeys';
import { datetimeInputValue, expiryWords, formatAmount, msFromDatetimeInput, parseAmount, scopesText } from '../format';

export function MyPatients({ onOpen }: { onOpen: (patient: string) => void }) {
  const { chain, account } = useApp();
  const me = account!.address;
  const v = useAsync(() => patientsOf(chain!, me, me), [me]);
  const [address, setAddress] = useState('');
  const now = useNow();
  return (
    <Section title="My patients" testid="my-patients" intro="Patients who gave you access, what they allow and until when.">
      <Show value={v} what="your patients">{ps => ps.length === 0 ? <p className="empty">No patient has given you access.</p> : (
        <table className="table">
          <thead><tr><th>Patient</th><th>You may</th><th>Until</th><th /></tr></thead>
          <tbody>{ps.map(p => {
            const expired = p.grant.expiresAt !== null && Number(p.grant.expiresAt) <= now;
            return (
              <tr key={p.patient} data-testid={`patient-${p.patient}`} className={expired ? 'expired' : ''}>
                <td><Name address={p.patient} /></td>
                <td>{scopesText(p.grant.scopes)}</td>
                <td data-testid={`patient-expiry-${p.patient}`}>{expired ? `expired (${expiryWords(p.grant.expiresAt)})` : expiryWords(p.grant.expiresAt)}</td>
                <td><Btn testid={`open-patient-${p.patient}`} onClick={() => onOpen(p.patient)}>Open file</Btn></td>
              </tr>
            );
          })}</tbody>
        </table>
      )}</Show>
      <form className="row" onSubmit={e => { e.preventDefault(); if (address.trim()) onOpen(address.trim()); }}>
        <Field label="Another patient's account"><input data-testid="doctor-patient-address" value={address} onChange={e => setAddress(e.target.value)} placeholder="account address" /></Field>
        <Btn type="submit" testid="doctor-patient-open">Open file</Btn>
      </form>
    </Section>
  );
}

export function PatientFile({ patient, onClose }: { patient: string; onClose: () => void }) {
  const { actor, run, nameOf, lookupName, keys } = useApp();
  const records = useAsync(() => recordViews(actor(), patient), [patient, keys]);
  const [kind, setKind] = useState<string>('Diagnosis');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const label = nameOf(patient);
  const add = () => run('Adding a record', async p => {
    if (!title.trim() || !body.trim()) throw new Error('A record needs a title and a text.');
    const r = await addRecord(actor(), patient, kind, title, body, await lookupName(patient), nameOf, p);
    setTitle(''); setBody('');
    const names = await Promise.all(r.wrappedFor.map(lookupName));
    return `Record #${r.id} stored sealed; its key is wrapped for ${names.join(', ')}.`;
  });
  return (
    <>
      <Section title={`File of ${label}`} testid="patient-file">
        <p className="row"><span>Patient: <Name address={patient} /></span><Btn testid="patient-file-close" onClick={onClose}>Back to my patients</Btn></p>
        <h3>Add a record</h3>
        <form className="grid" onSubmit={e => { e.preventDefault(); void add(); }}>
          <Field label="Kind">
            <select data-testid="record-kind" value={kind} onChange={e => setKind(e.target.value)}>
              {RECORD_KINDS.map(k => <option key={k} value={k}>{k}</option>)}
            </select>
          </Field>
          <Field label="Title (sealed)"><input data-testid="record-title-input" value={title} onChange={e => setTitle(e.target.value)} /></Field>
          <Field label="Text (sealed)"><textarea data-testid="record-body-input" rows={4} value={body} onChange={e => setBody(e.target.value)} /></Field>
          <div className="actions"><Btn type="submit" testid="record-add">Add the record (sealed)</Btn></div>
        </form>
        <h3>Records</h3>
        <Show value={records} what="records">{rs => rs.length === 0 ? <p className="empty">No records.</p> : (
          <div className="list">{[...rs].reverse().map(r => <RecordCard key={r.id} r={r} testPrefix="doctor-record" />)}</div>
        )}</Show>
      </Section>
      <Medications patient={patient} patientLabel={label} />
      {hasCareCircle(actor().chain).card && <PatientCard patient={patient} />}
    </>
  );
}

export function DoctorAppointments() {
  const { actor, account, run, nameOf, lookupName, keys } = useApp();
  const me = account!.address;
  const list = useAsync(() => appointments(actor(), me, true), [me, keys]);
  const grace = useAsync(() => noShowGrace(actor().chain, me), [me]);
  const now = useNow();
  const [newStart, setNewStart] = useState('');
  const [editing, setEditing] = useState<AppointmentView | null>(null);
  const [diagnosis, setDiagnosis] = useState('');
  const [prescription, setPrescription] = useState('');
  const [n, setN] = useState({ patient: '', start: datetimeInputValue(Date.now() + 86_400_000), duration: '30', reason: '', fee: '0' });
  const { chain } = useApp();

  const actionsFor = (ap: AppointmentView) => {
    const s = ap.data.status.tag;
    const before = Number(ap.data.start) > now;
    const out: { action: AppointmentAction; label: string; danger?: boolean }[] = [];
    if (s === 'Requested' && before) out.push({ action: 'accept', label: 'Accept' });
    if (s === 'Requested') out.push({ action: 'decline', label: 'Decline', danger: true });
    if (s === 'Booked' && !before) out.push({ action: 'complete', label: 'Mark completed' });
    if (s === 'Booked' && now > Number(ap.data.start) + (grace.data ?? 0)) out.push({ action: 'mark_no_show', label: 'No-show' });
    if (s === 'Requested' || s === 'Proposed' || s === 'Booked') out.push({ action: 'cancel', label: 'Cancel', danger: true });
    return out;
  };
  const save = () => run('Updating the appointment', async () => {
    if (!editing) return 'Nothing to save.';
    const moved = newStart ? msFromDatetimeInput(newStart) : undefined;
    await updateAppointment(actor(), editing, diagnosis, prescription, moved);
    setEditing(null); setNewStart('');
    const who = await lookupName(editing.data.patient);
    return `Appointment #${editing.id}: notes stored, sealed for ${who} and you.${moved ? ` A new time is proposed; the booking moves only if ${who} accepts it.` : ''}`;
  });
  const create = () => run('Setting an appointment', async () => {
    const fee = parseAmount(n.fee || '0', chain!.decimals);
    await setAppointment(actor(), n.patient.trim(), msFromDatetimeInput(n.start), Number(n.duration), n.reason, fee, await lookupName(n.patient.trim()));
    return fee > 0n ? 'Appointment proposed: it is booked once the patient pays the fee.' : 'Appointment booked.';
  });
  return (
    <>
      <Section title="My appointments" testid="appointments">
        <Show value={list} what="appointments">{aps => aps.length === 0 ? <p className="empty">No appointments.</p> : (
          <table className="table">
            <thead><tr><th>#</th><th>Patient</th><th>When</th><th>Reason</th><th>Notes</th><th>Fee</th><th>Status</th><th /></tr></thead>
            <tbody>{aps.map(ap => (
              <AppointmentRow key={ap.id.toString()} ap={ap} asDoctor actions={actionsFor(ap)} />
            ))}</tbody>
          </table>
        )}</Show>
        {list.data && list.data.some(ap => ap.data.status.tag === 'Booked') && (
          <div className="row">
            <Field label="Write notes for">
              <select data-testid="appt-notes-for" value={editing?.id.toString() ?? ''} onChange={e => {
                const ap = list.data!.find(x => x.id.toString() === e.target.value) ?? null;
                setEditing(ap); setDiagnosis(ap?.diagnosis ?? ''); setPrescription(ap?.prescription ?? '');
              }}>
                <option value="">— a booked appointment —</option>
                {list.data.filter(ap => ap.data.status.tag === 'Booked').map(ap => <option key={ap.id.toString()} value={ap.id.toString()}>#{ap.id.toString()} with {nameOf(ap.data.patient)}</option>)}
              </select>
            </Field>
            {editing && <>
              <Field label="Diagnosis (sealed)"><input data-testid="appt-diagnosis" value={diagnosis} onChange={e => setDiagnosis(e.target.value)} /></Field>
              <Field label="Prescription (sealed)"><input data-testid="appt-prescription" value={prescription} onChange={e => setPrescription(e.target.value)} /></Field>
              <Field label="Propose a new time (optional)" hint="The patient accepts or keeps the booked time."><input type="datetime-local" step="1" data-testid="appt-new-start" value={newStart} onChange={e => setNewStart(e.target.value)} /></Field>
              <Btn testid="appt-notes-save" onClick={save}>Save notes</Btn>
            </>}
          </div>
        )}
      </Section>
      <Section title="Set an appointment" testid="appt-set" intro="With a patient who allows you to book appointments. With a fee it is proposed; the patient confirms by paying.">
        <form className="grid" onSubmit={e => { e.preventDefault(); void create(); }}>
          <Field label="Patient's account"><input data-testid="set-appt-patient" value={n.patient} onChange={e => setN(x => ({ ...x, patient: e.target.value }))} /></Field>
          <Field label="Start (local time)"><input type="datetime-local" step="1" value={n.start} onChange={e => setN(x => ({ ...x, start: e.target.value }))} /></Field>
          <Field label="Duration (minutes)"><input type="number" min="1" max="1440" value={n.duration} onChange={e => setN(x => ({ ...x, duration: e.target.value }))} /></Field>
          <Field label="Reason (sealed)"><input value={n.reason} onChange={e => setN(x => ({ ...x, reason: e.target.value }))} /></Field>
          <Field label={`Fee (${chain?.token ?? ''})`}><input value={n.fee} onChange={e => setN(x => ({ ...x, fee: e.target.value }))} /></Field>
          <div className="actions"><Btn type="submit" testid="set-appt-submit">Set appointment</Btn></div>
        </form>
      </Section>
    </>
  );
}

export function FeeAndPayouts() {
  const { chain, account, actor, run } = useApp();
  const me = account!.address;
  const fee = useAsync(() => feeOf(chain!, me, me), [me]);
  const [text, setText] = useState('');
  const save = () => run('Setting your fee', async () => {
    const v = parseAmount(text, chain!.decimals);
    await setFee(actor(), v);
    setText('');
    return `Your fee is now ${formatAmount(v, chain!.decimals, chain!.token)}.`;
  });
  return (
    <Section title="Fee and payouts" testid="fee">
      <p>Patients pay this fee when they request an appointment: <strong data-testid="current-fee">{fee.data === null ? '…' : <Amount value={fee.data} />}</strong></p>
      <form className="row" onSubmit={e => { e.preventDefault(); void save(); }}>
        <Field label={`New fee (${chain?.token ?? ''})`}><input data-testid="fee-input" value={text} onChange={e => setText(e.target.value)} placeholder="e.g. 2.5" /></Field>
        <Btn type="submit" testid="fee-set">Set fee</Btn>
      </form>
      <Credit />
    </Section>
  );
}
