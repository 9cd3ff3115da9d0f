// The page: node connection, wallet account, encryption key, one activity
// at a time, and the screens of the chosen account's role.
import { useEffect, useState } from 'react';
import { useApp } from './state';
import { KeyPanel } from './KeyPanel';
import { RegisterPatient, RegisterProvider } from './Register';
import { AccessLog, Consent, Emergencies, FhirExport, Medications, MyRecords, PatientAppointments, Profile } from './patient';
import { DoctorAppointments, FeeAndPayouts, MyPatients, PatientFile } from './doctor';
import { Feed, Providers } from './head';
import { CustodianAdmin, EmergencyCard, Guardians } from './care';
import { hasCareCircle } from '../journeys';
import { DeploymentPanel, UpgradeBanner } from './upgrades';
import { shortAddress } from '../format';

function ConnectionBar() {
  const { nodeUrl, setNodeUrl, connect, conn, config } = useApp();
  return (
    <form className="conn row" onSubmit={e => { e.preventDefault(); void connect(); }}>
      <label className="field inline">
        <span className="label">Node</span>
        <input data-testid="node-url" value={nodeUrl} onChange={e => setNodeUrl(e.target.value)} size={28} disabled={!config} />
      </label>
      <button type="submit" data-testid="node-connect" disabled={!config || conn.status === 'connecting'}>Connect</button>
      <span className={`conn-status ${conn.status}`} data-testid="node-status" data-state={conn.status}>{conn.message}</span>
    </form>
  );
}

function AccountBar() {
  const { chain, accounts, account, selectAccount, walletError, walletBusy, enableWallet, addDevAccounts, standing, head } = useApp();
  if (!chain) return null;
  let role = 'not registered';
  if (standing?.role === 'patient') role = 'patient';
  if (standing?.role === 'provider') role = `${standing.kind.toLowerCase()} (${standing.status.toLowerCase()})`;
  if (account && head === account.address) role = standing?.role === 'unregistered' ? 'head' : `head, ${role}`;
  return (
    <div className="account row">
      {accounts.length > 0 ? (
        <label className="field inline">
          <span className="label">Account</span>
          <select data-testid="account-select" value={account?.address ?? ''} onChange={e => selectAccount(e.target.value)}>
            {accounts.map(a => <option key={a.address} value={a.address}>{a.name || 'unnamed'} — {shortAddress(a.address)} ({a.source})</option>)}
          </select>
        </label>
      ) : null}
      {account && <span className="role" data-testid="role" data-role={role} title={account.address}>{role}</span>}
      {(walletError || accounts.length === 0) && (
        <>
          <button type="button" data-testid="wallet-connect" onClick={() => void enableWallet()} disabled={walletBusy}>{walletBusy ? 'Asking the wallet…' : 'Connect wallet'}</button>
          {walletError && <span className="error" data-testid="wallet-error">{walletError}</span>}
        </>
      )}
      {chain.isDevelopment && !accounts.some(a => a.source === 'development') && (
        <button type="button" className="link" data-testid="dev-accounts" onClick={() => void addDevAccounts()}
          title="//Alice, //Bob … sign in this page. Their seeds are public: this is offered on a development chain only.">
          use development accounts (this dev chain only)
        </button>
      )}
    </div>
  );
}

function ActivityBar() {
  const { activity, result } = useApp();
  const [hidden, setHidden] = useState<number | null>(null);
  return (
    <div className="activity-bar" aria-live="polite">
      {activity && (
        <div className="activity" data-testid="activity">
          <span className="spinner" /> <strong>{activity.label}</strong>{activity.text && <>: {activity.text}</>}
          {activity.total !== undefined && activity.total > 0 && (
            <progress data-testid="progress" value={activity.done ?? 0} max={activity.total}>{activity.done} of {activity.total}</progress>
          )}
        </div>
      )}
      {result && hidden !== result.seq && !activity && (
        <div className={`result ${result.kind}`} data-testid="result" data-kind={result.kind} data-seq={result.seq} role={result.kind === 'ok' ? 'status' : 'alert'}>
          <span><strong className="result-label">{result.kind === 'refused' ? 'Refused: ' : result.kind === 'error' ? 'Could not do it: ' : 'Done: '}</strong>{result.text}</span>
          <button type="button" className="link" onClick={() => setHidden(result.seq)}>dismiss</button>
        </div>
      )}
    </div>
  );
}

type Tab = { id: string; label: string };

function tabsFor(role: string, isHead: boolean, isDoctor: boolean, care: { guardians: boolean; card: boolean }): Tab[] {
  const t: Tab[] = [];
  if (role === 'unregistered' && !isHead) t.push({ id: 'register-patient', label: 'Register as a patient' }, { id: 'register-provider', label: 'Register as a provider' });
  if (role === 'patient') {
    t.push({ id: 'records', label: 'My records' }, { id: 'medications', label: 'Medications' }, { id: 'consent', label: 'Who has access' },
      { id: 'access-log', label: 'Who looked at my data' }, { id: 'emergencies', label: 'Emergencies' }, { id: 'appointments', label: 'Appointments' }, { id: 'profile', label: 'My profile' });
    if (care.card) t.push({ id: 'card', label: 'Emergency card' });
    if (care.guardians) t.push({ id: 'guardians', label: 'Guardians' });
  }
  if (role === 'provider') {
    t.push({ id: 'patients', label: 'My patients' });
    if (isDoctor) t.push({ id: 'doctor-appointments', label: 'Appointments' }, { id: 'fee', label: 'Fee and payouts' });
  }
  if (isHead) t.push({ id: 'providers', label: 'Providers' }, { id: 'feed', label: 'Live feed' });
  if (isHead && care.card) t.push({ id: 'custodian', label: 'Emergency custodian' });
  // the head administers the suite and may not be a provider
  if (role === 'unregistered' && isHead) t.push({ id: 'register-patient', label: 'Register as a patient' });
  return t;
}

function Screens({ tab, setTab }: { tab: string; setTab: (t: string) => void }) {
  const { chain, account, standing, head } = useApp();
  const [openPatient, setOpenPatient] = useState<string | null>(null);
  const role = standing?.role ?? '';
  const isHead = !!account && head === account.address;
  const isDoctor = standing?.role === 'provider' && standing.kind === 'Doctor';
  const care = chain ? hasCareCircle(chain) : { guardians: false, card: false };
  const tabs = standing ? tabsFor(role, isHead, isDoctor, care) : [];
  const tabIds = tabs.map(t => t.id).join(',');
  useEffect(() => {
    if (!tabs.find(t => t.id === tab)) setTab(tabs[0]?.id ?? '');
  }, [tabIds]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => { setOpenPatient(null); }, [account]);
  if (!chain || !account) return null;
  if (!standing) return <p className="loading">Reading your standing in the registry…</p>;
  const me = account.address;
  return (
    <>
      {standing.role === 'provider' && standing.status !== 'Verified' && (
        <p className="notice" data-testid="provider-pending">Your provider account is {standing.status.toLowerCase()}: until the head verifies you, you cannot act on any patient's data.</p>
      )}
      <nav className="tabs" role="tablist">
        {tabs.map(t => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={tab === t.id ? 'active' : ''} data-testid={`tab-${t.id}`} onClick={() => { setTab(t.id); setOpenPatient(null); }}>{t.label}</button>
        ))}
      </nav>
      <main data-testid={`screen-${tab}`}>
        {tab === 'register-patient' && <RegisterPatient />}
        {tab === 'register-provider' && <RegisterProvider />}
        {tab === 'records' && <MyRecords />}
        {tab === 'medications' && <Medications patient={me} patientLabel="you" />}
        {tab === 'consent' && <Consent />}
        {tab === 'access-log' && <AccessLog />}
        {tab === 'emergencies' && <Emergencies />}
        {tab === 'appointments' && <PatientAppointments />}
        {tab === 'profile' && <><Profile /><FhirExport /></>}
        {tab === 'patients' && (openPatient ? <PatientFile patient={openPatient} onClose={() => setOpenPatient(null)} /> : <MyPatients onOpen={setOpenPatient} />)}
        {tab === 'doctor-appointments' && <DoctorAppointments />}
        {tab === 'fee' && <FeeAndPayouts />}
        {tab === 'providers' && <Providers />}
        {tab === 'feed' && <Feed />}
        {tab === 'card' && <EmergencyCard />}
        {tab === 'guardians' && <Guardians />}
        {tab === 'custodian' && <CustodianAdmin />}
      </main>
    </>
  );
}

export function App() {
  const { chain, account } = useApp();
  const [tab, setTab] = useState('');
  return (
    <div className="app">
      <header className="top">
        <h1>SMRMS <small>secure medical records</small></h1>
        <ConnectionBar />
        <AccountBar />
        <DeploymentPanel />
      </header>
      <UpgradeBanner onConsent={() => setTab('consent')} />
      <ActivityBar />
      {chain && account && <KeyPanel />}
      <Screens tab={tab} setTab={setTab} />
      <footer>
        Health data is sealed in this page before it is sent; the chain stores ciphertext and wrapped keys. Reads shown here are advisory queries; audited reads and every write are logged in the patient's access log.
      </footer>
    </div>
  );
}
