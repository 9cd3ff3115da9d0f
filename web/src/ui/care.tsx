// The care circle's screens: the patient's emergency card (sealed in this
// page, its key wrapped for her and the emergency custodian) and her
// guardians (appoint with powers and an expiry, remove); the patients an
// account is guardian of; the head's emergency custodian; the emergency
// card in a doctor's view of a patient's file.
import { useState } from 'react';
import { useApp } from './state';
import { Btn, Field, Name, Section, Show, useAsync, useNow, When } from './common';
import { Credit, PatientSideAppointments, RequestAppointment } from './patient';
import {
  appointGuardian, appointments, cardView, custodianOf, designateCustodian, guardiansOf, hasCareCircle, removeGuardian, setCard, stepDown, wardsOf,
  type CardView,
} from '../journeys';
import { CARD_LABELS, POWER_WORDS, cardProblem, guardianBooks, guardianReads, inForce, parsePublicKey, powersText, type GuardianPowers, type Guardianship } from '../care';
import { CARD_FIELDS, emptyCard, sealedCardLen, MAX_CARD_LEN, type CardFields } from '../crypto';
import { dateInputValue, expiryFromDate, expiryWords, shortAddress } from '../format';
import { cap } from '../errors';

function expiryCell(expiresAt: bigint | null, now: number) {
  const live = inForce(expiresAt, now);
  return <span className={live ? '' : 'expired'} title={expiresAt === null ? undefined : new Date(Number(expiresAt)).toString()}>{live ? expiryWords(expiresAt) : `expired (${expiryWords(expiresAt)})`}</span>;
}

/** A card's fields as a definition list (testids `${prefix}-${field}`). */
function CardFieldsList({ fields, prefix }: { fields: CardFields; prefix: string }) {
  return (
    <dl className="profile">
      {CARD_FIELDS.map(f => (
        <div key={f}><dt>{CARD_LABELS[f].label}</dt><dd data-testid={`${prefix}-${f}`}>{fields[f] || <em>not given</em>}</dd></div>
      ))}
    </dl>
  );
}

function CardHolders({ v, custodian }: { v: CardView; custodian: string | null }) {
  return (
    <p data-testid="card-holders">Its key is wrapped for: {v.holders.map((h, i) => (
      <span key={h}>{i > 0 && ', '}<Name address={h} />{h === custodian ? ' (emergency custodian)' : ''}</span>
    ))}.</p>
  );
}

// ---------------------------------------------------------------------------
// the patient's emergency card

export function EmergencyCard() {
  const { actor, account, chain, keys, run, nameOf, lookupName } = useApp();
  const me = account!.address;
  const custodian = useAsync(() => custodianOf(chain!, me).then(c => ({ c })), [me]);
  const card = useAsync(() => cardView(actor(), me), [me, keys]);
  const [form, setForm] = useState<CardFields | null>(null);
  // the form starts from the opened card (or empty) until she types
  const shown = form ?? card.data?.fields ?? emptyCard();
  const set = (f: keyof CardFields) => (e: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => setForm({ ...shown, [f]: e.target.value });
  const len = sealedCardLen(shown);
  const save = () => run('Storing your emergency card', async p => {
    const r = await setCard(actor(), shown, nameOf, p);
    setForm(null);
    const others = await Promise.all(r.sharedWith.map(lookupName));
    return `Emergency card version ${r.version} stored sealed; its key is wrapped for you and the emergency custodian (${await lookupName(r.custodian)})${others.length ? `, and for ${others.join(', ')}, who may read your records` : ''}.${r.version > 1 ? ' Doctors who read an earlier version cannot open this one unless it is released to them again.' : ''}`;
  });
  const c = custodian.data?.c ?? null;
  return (
    <>
      <Section title="My emergency card" testid="card" intro={<>
        A short summary for an emergency: allergies, blood group, current medications, conditions and whom to call. It is sealed in this page; its key is wrapped for you and for the <strong>emergency custodian</strong> the head designated (the hospital network&rsquo;s emergency key service), never for the head. The custodian passes the key only to a verified doctor who opened emergency access on you, and only while it is open; every release is written in your access log.
      </>}>
        <Show value={custodian} what="the emergency custodian">{() => c
          ? <p className="notice" data-testid="card-custodian" data-address={c.account}>Emergency custodian: <Name address={c.account} /> (key {shortAddress(`0x${[...c.encryptionKey].map(b => b.toString(16).padStart(2, '0')).join('')}`)}).</p>
          : <p className="notice warn" data-testid="card-no-custodian"><strong>No emergency custodian is designated yet.</strong> Until the head designates one, no emergency card can be stored: nobody could open it in an emergency.</p>}
        </Show>
        <Show value={card} what="your emergency card">{v => !v.card
          ? <p className="empty" data-testid="card-none">You have no emergency card yet.</p>
          : (
            <div data-testid="card-current" data-version={v.card.version.toString()}>
              <p><strong data-testid="card-version">Version {v.card.version.toString()}</strong>, updated <When ms={v.card.updatedAt} />.</p>
              {v.fields ? <CardFieldsList fields={v.fields} prefix="card-field" /> : <p className="sealed" data-testid="card-sealed">Sealed. {v.problem}</p>}
              <CardHolders v={v} custodian={c?.account ?? null} />
            </div>
          )}
        </Show>
      </Section>
      <Section title={card.data?.card ? 'Update my emergency card' : 'Set my emergency card'} testid="card-form">
        <form className="grid" onSubmit={e => { e.preventDefault(); void save(); }}>
          {CARD_FIELDS.map(f => (
            <Field key={f} label={CARD_LABELS[f].label}>
              {f === 'blood_group'
                ? <input data-testid={`card-input-${f}`} value={shown[f]} placeholder={CARD_LABELS[f].placeholder} onChange={set(f)} />
                : <textarea data-testid={`card-input-${f}`} rows={2} value={shown[f]} placeholder={CARD_LABELS[f].placeholder} onChange={set(f)} />}
            </Field>
          ))}
          <p className="hint" data-testid="card-size">{len === null ? cardProblem(shown) : `Sealed size ${len} of ${MAX_CARD_LEN} bytes (padded: the size tells only its bucket).`}</p>
          <div className="actions"><Btn type="submit" testid="card-save" disabled={!c}>Store the card (sealed)</Btn></div>
        </form>
      </Section>
    </>
  );
}

// ---------------------------------------------------------------------------
// guardians

export function Guardians() {
  const { actor, account, chain, run, lookupName } = useApp();
  const me = account!.address;
  const list = useAsync(() => guardiansOf(chain!, me, me), [me]);
  const [guardian, setGuardian] = useState('');
  const [powers, setPowers] = useState<GuardianPowers>({ consent: false, read: true, book: false });
  // suites from before the booking power do not know it: no box for it there
  const offered = (Object.keys(POWER_WORDS) as (keyof GuardianPowers)[]).filter(k => k !== 'book' || hasCareCircle(chain!).booking);
  const [expiry, setExpiry] = useState('');
  const now = useNow();
  const appoint = () => run('Appointing a guardian', async p => {
    const who = guardian.trim();
    if (!who) throw new Error('Give the account of the person you appoint.');
    const expiresAt = expiry ? expiryFromDate(expiry) : null;
    const name = await lookupName(who);
    const sent = { ...powers, book: powers.book && offered.includes('book') };
    const r = await appointGuardian(actor(), who, sent, expiresAt, name, p);
    setGuardian('');
    return `${cap(name)} is now your guardian: may ${powersText(sent)}, ${expiresAt ? expiryWords(expiresAt) : 'until you remove them'}.${sent.read ? ` ${r.rewrapped} existing data key(s) wrapped for them.` : ''} ${r.note}`.trim();
  });
  const remove = (g: string) => run('Removing a guardian', async p => {
    const name = await lookupName(g);
    const removed = await removeGuardian(actor(), g, name, p);
    return `${cap(name)} is no longer your guardian${removed ? `; the ${removed} key(s) wrapped for them are removed` : ''}. What they already opened cannot be taken back.`;
  });
  return (
    <>
      <Section title="Appoint a guardian" testid="guardian-form" intro="A guardian acts for you when you cannot: a parent, a partner, a grown-up child. They need an SMRMS account of their own (registered as a patient, or a verified provider). Everything a guardian does is written in your access log under their name. You can remove a guardian at any time.">
        <form onSubmit={e => { e.preventDefault(); void appoint(); }}>
          <Field label="Guardian's account"><input data-testid="guardian-address" value={guardian} onChange={e => setGuardian(e.target.value)} placeholder="account address" /></Field>
          <fieldset className="scopes">
            <legend>What they may do</legend>
            {offered.map(k => (
              <label key={k} className="scope">
                <input type="checkbox" data-testid={`guardian-power-${k}`} checked={powers[k]} onChange={e => setPowers(s => ({ ...s, [k]: e.target.checked }))} />
                <span><strong>{POWER_WORDS[k].label}</strong> — {POWER_WORDS[k].explain}</span>
              </label>
            ))}
          </fieldset>
          <Field label="Until (optional; empty = until you remove them)" hint={expiry ? `The guardianship holds ${expiryWords(expiryFromDate(expiry))} and ends at midnight (your local time).` : undefined}>
            <input type="date" data-testid="guardian-expiry" min={dateInputValue(new Date())} value={expiry} onChange={e => setExpiry(e.target.value)} />
          </Field>
          <div className="actions"><Btn type="submit" testid="guardian-submit">Appoint</Btn></div>
        </form>
      </Section>
      <Section title="My guardians" testid="guardians">
        <Show value={list} what="your guardians">{gs => gs.length === 0 ? <p className="empty" data-testid="guardians-empty">You have no guardian.</p> : (
          <table className="table">
            <thead><tr><th>Guardian</th><th>May</th><th>Appointed</th><th>Until</th><th /></tr></thead>
            <tbody>{gs.map(({ guardian: g, guardianship: x }) => (
              <tr key={g} data-testid={`guardian-${g}`} className={inForce(x.expiresAt, now) ? '' : 'expired'}>
                <td><Name address={g} /></td>
                <td data-testid={`guardian-powers-${g}`}>{powersText(x.powers)}</td>
                <td><When ms={x.appointedAt} />{x.appointedBy !== me && <> by <Name address={x.appointedBy} /></>}</td>
                <td data-testid={`guardian-expiry-${g}`}>{expiryCell(x.expiresAt, now)}</td>
                <td><Btn className="danger" testid={`guardian-remove-${g}`} onClick={() => remove(g)}>Remove</Btn></td>
              </tr>
            ))}</tbody>
          </table>
        )}</Show>
      </Section>
      <Wards />
    </>
  );
}

/** The patients this account is guardian of; a guardian may step down, and book for those who gave her the booking power. */
export function Wards() {
  const { actor, account, chain, run, lookupName } = useApp();
  const me = account!.address;
  const list = useAsync(() => wardsOf(chain!, me, me), [me]);
  const now = useNow();
  const leave = (patient: string) => run('Stepping down as guardian', async () => {
    const name = await lookupName(patient);
    await stepDown(actor(), patient, name);
    return `You are no longer the guardian of ${name}.`;
  });
  if (!list.data || list.data.length === 0) return null;
  const booking = list.data.filter(w => guardianBooks(w.guardianship, now));
  const lapsed = (x: Guardianship) => (x.powers.read && !guardianReads(x, now)) || (x.powers.book && !guardianBooks(x, now));
  return (
    <>
      <Section title="Patients I am guardian of" testid="wards">
        <table className="table">
          <thead><tr><th>Patient</th><th>You may</th><th>Until</th><th /></tr></thead>
          <tbody>{list.data.map(({ patient, guardianship: x }) => (
            <tr key={patient} data-testid={`ward-${patient}`}>
              <td><Name address={patient} /></td>
              <td data-testid={`ward-powers-${patient}`}>{powersText(x.powers)}{lapsed(x) ? ' (expired)' : ''}</td>
              <td>{expiryCell(x.expiresAt, now)}</td>
              <td><Btn className="danger" testid={`ward-leave-${patient}`} onClick={() => leave(patient)}>Step down</Btn></td>
            </tr>
          ))}</tbody>
        </table>
      </Section>
      {booking.length > 0 && <WardBookings wards={booking.map(w => w.patient)} />}
    </>
  );
}

/**
 * A guardian with the booking power: request an appointment for a ward (the
 * guardian pays the fee; a refund comes back to her), and the ward's
 * appointments with what the patient could do to them (the contract shows
 * them to her guardians with the booking power, and logs each act in the
 * patient's access log). Their texts stay sealed for the patient and the doctor.
 */
function WardBookings({ wards }: { wards: string[] }) {
  const { actor, account, keys, nameOf } = useApp();
  const me = account!.address;
  const [chosen, setChosen] = useState('');
  const ward = wards.includes(chosen) ? chosen : wards[0]!;
  const list = useAsync(() => appointments(actor(), ward, false), [me, ward, keys]);
  const now = useNow();
  return (
    <>
      <Section title={`Request an appointment for ${nameOf(ward)}`} testid="ward-appt-request" intro={<>
        You may book appointments for <Name address={ward} />. You pay the doctor&rsquo;s fee; the contract holds it until the appointment has taken place and credits it back to you if it is declined or cancelled. The reason is sealed for the patient and the doctor only, so you cannot open it afterwards. Everything you do here is written in the patient&rsquo;s access log under your name.
      </>}>
        {wards.length > 1 && (
          <Field label="For">
            <select data-testid="ward-appt-for" value={ward} onChange={e => setChosen(e.target.value)}>
              {wards.map(w => <option key={w} value={w}>{nameOf(w)}</option>)}
            </select>
          </Field>
        )}
        <RequestAppointment key={ward} prefix="ward-appt" ward={ward} />
      </Section>
      <Section title={`Appointments of ${nameOf(ward)}`} testid="ward-appointments" intro="As her guardian with the power to book, you may act on her side: confirm a proposal (you pay), cancel, mark completed after the start, answer a new time the doctor proposes.">
        <Credit />
        <Show value={list} what="her appointments">{aps => <PatientSideAppointments aps={aps} now={now} emptyTestid="ward-appointments-empty" />}</Show>
      </Section>
    </>
  );
}

// ---------------------------------------------------------------------------
// the head: the emergency custodian

export function CustodianAdmin() {
  const { actor, account, chain, run, lookupName } = useApp();
  const me = account!.address;
  const current = useAsync(() => custodianOf(chain!, me).then(c => ({ c })), [me]);
  const [who, setWho] = useState('');
  const [key, setKey] = useState('');
  const designate = () => run('Designating the emergency custodian', async () => {
    const address = who.trim();
    if (!address) throw new Error("Give the emergency key service's account.");
    const k = parsePublicKey(key);
    const name = await lookupName(address);
    await designateCustodian(actor(), address, k, name);
    setWho(''); setKey('');
    return `${cap(name)} is the emergency custodian. Patients' emergency cards are wrapped for its key from now on (cards set earlier stay with the former custodian until their patients set them again).`;
  });
  return (
    <Section title="Emergency custodian" testid="custodian" intro="The account of the hospital network's emergency key service and its encryption (X25519) public key. Patients' clients wrap the key of their emergency card for it; the contract lets it pass that key only to a verified doctor with an open emergency access. Never your own account: the head holds no patient's key.">
      <Show value={current} what="the emergency custodian">{({ c }) => c
        ? <p data-testid="custodian-current" data-address={c.account}>Current custodian: <Name address={c.account} /> <span className="hint">({c.account})</span></p>
        : <p className="notice warn" data-testid="custodian-none">No emergency custodian is designated: patients cannot store an emergency card.</p>}
      </Show>
      <form className="grid" onSubmit={e => { e.preventDefault(); void designate(); }}>
        <Field label="The service's account"><input data-testid="custodian-address" value={who} onChange={e => setWho(e.target.value)} placeholder="account address" /></Field>
        <Field label="Its encryption public key (0x and 64 hex digits)"><input data-testid="custodian-key" value={key} onChange={e => setKey(e.target.value)} placeholder="0x…" /></Field>
        <div className="actions"><Btn type="submit" testid="custodian-designate">Designate</Btn></div>
      </form>
    </Section>
  );
}

// ---------------------------------------------------------------------------
// a doctor's view of a patient's emergency card

export function PatientCard({ patient }: { patient: string }) {
  const { actor, keys } = useApp();
  const v = useAsync(() => cardView(actor(), patient), [patient, keys]);
  return (
    <Section title="Emergency card" testid="patient-card">
      <Show value={v} what="the emergency card">{c => !c.card
        ? <p className="empty" data-testid="patient-card-none">This patient has no emergency card.</p>
        : c.fields
          ? <><p>Version {c.card.version.toString()}, updated <When ms={c.card.updatedAt} />.</p><CardFieldsList fields={c.fields} prefix="patient-card-field" /></>
          : <p className="sealed" data-testid="patient-card-sealed">Sealed (version {c.card.version.toString()}). {c.problem} In an emergency, open emergency access: the emergency custodian then releases its key to you.</p>}
      </Show>
    </Section>
  );
}
