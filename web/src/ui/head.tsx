// The head's screens: providers waiting for verification (verify, reject,
// suspend, reinstate with a reason) and the live feed of denials and
// emergency accesses, decoded from the chain's events.
import { useState } from 'react';
import { useApp } from './state';
import { Btn, Name, Section, Show, useAsync, When } from './common';
import { changeProviderStatus, providers } from '../journeys';
import { actionWords, denialForPatient, emergencyReasonWords } from '../errors';
import { Variant } from '../chain/plain';

export function Providers() {
  const { chain, account, actor, run } = useApp();
  const me = account!.address;
  const v = useAsync(() => providers(chain!, me), [me]);
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const act = (provider: string, name: string, action: 'verify' | 'reject' | 'suspend' | 'reinstate') => run(`${action} ${name}`, async () => {
    const reason = reasons[provider] ?? '';
    if ((action === 'reject' || action === 'suspend') && !reason.trim()) throw new Error(`Give a reason to ${action} ${name}: the provider sees it.`);
    await changeProviderStatus(actor(), provider, action, reason, name);
    const done = { verify: 'is verified: they may now act on patients who consent', reject: 'is rejected', suspend: 'is suspended: their grants have no effect until reinstated', reinstate: 'is reinstated' }[action];
    return `${name} ${done}.`;
  });
  return (
    <Section title="Providers" testid="providers" intro="Check each provider's licence off-chain, then verify them. Pending providers cannot act on any patient's data.">
      <Show value={v} what="providers">{ps => ps.length === 0 ? <p className="empty">No provider has registered yet.</p> : (
        <table className="table">
          <thead><tr><th>Name</th><th>Kind</th><th>Qualification</th><th>Registered</th><th>Status</th><th>Reason</th><th /></tr></thead>
          <tbody>{[...ps].sort((a, b) => Number(b.provider.status.tag === 'Pending') - Number(a.provider.status.tag === 'Pending')).map(({ account: a, provider: p }) => {
            const s = p.status.tag;
            const name = p.details.name;
            return (
              <tr key={a} data-testid={`provider-${a}`} data-status={s}>
                <td><span title={a}>{name}</span></td>
                <td>{p.details.kind.tag}</td>
                <td>{[p.details.qualification, p.details.specialization].filter(Boolean).join(', ')}</td>
                <td><When ms={p.registeredAt} dateOnly /></td>
                <td data-testid={`provider-status-${a}`}><span className={`badge ${s.toLowerCase()}`}>{s}</span>{p.statusReason && <> — {p.statusReason}</>}</td>
                <td>{(s === 'Pending' || s === 'Verified') && (
                  <input data-testid={`provider-reason-${a}`} placeholder="reason (to reject or suspend)" value={reasons[a] ?? ''} onChange={e => setReasons(r => ({ ...r, [a]: e.target.value }))} />
                )}</td>
                <td className="row">
                  {s === 'Pending' && <><Btn testid={`verify-${a}`} onClick={() => act(a, name, 'verify')}>Verify</Btn><Btn className="danger" testid={`reject-${a}`} onClick={() => act(a, name, 'reject')}>Reject</Btn></>}
                  {s === 'Verified' && <Btn className="danger" testid={`suspend-${a}`} onClick={() => act(a, name, 'suspend')}>Suspend</Btn>}
                  {(s === 'Suspended' || s === 'Rejected') && <Btn testid={`reinstate-${a}`} onClick={() => act(a, name, 'reinstate')}>Reinstate</Btn>}
                </td>
              </tr>
            );
          })}</tbody>
        </table>
      )}</Show>
    </Section>
  );
}

export function Feed() {
  const { feed } = useApp();
  return (
    <Section title="Live feed: denied attempts, emergency accesses and card releases" testid="feed"
      intro="Follows the chain's events as blocks arrive (and the last 200 blocks when the page opened): every AccessDenied from the registry, records and appointments contracts, every EmergencyAccessOpened, and every CardReleased (an emergency card's key passed to an emergency doctor).">
      {feed.length === 0 ? <p className="empty" data-testid="feed-empty">Nothing yet. Waiting for new blocks…</p> : (
        <ul className="feed">{feed.map(e => {
          const a = e.args;
          if (e.name === 'AccessDenied') {
            const action = a.action as Variant;
            const reason = (a.reason as Variant).tag;
            return (
              <li key={e.key} data-testid="feed-item" data-name={e.name} className="denied">
                <When ms={e.at} /> · block {e.block} · <strong>denied</strong>: <Name address={a.accessor as string} /> tried to {actionWords(action.tag, typeof action.value === 'bigint' ? action.value : undefined)} of <Name address={a.patient as string} /> — {denialForPatient(reason, action.tag).replace(/^you have/, 'the patient has').replace('your profile', 'the profile')} ({reason}, via {e.contract})
              </li>
            );
          }
          if (e.name === 'CardReleased') {
            return (
              <li key={e.key} data-testid="feed-item" data-name={e.name} className="emergency">
                <When ms={e.at} /> · block {e.block} · <strong>EMERGENCY CARD RELEASED</strong>: the emergency custodian <Name address={a.custodian as string} /> passed the emergency card key of <Name address={a.patient as string} /> to <Name address={a.doctor as string} /> (open emergency access)
              </li>
            );
          }
          return (
            <li key={e.key} data-testid="feed-item" data-name={e.name} className="emergency">
              <When ms={e.at} /> · block {e.block} · <strong>EMERGENCY ACCESS</strong>: <Name address={a.doctor as string} /> opened the data of <Name address={a.patient as string} /> until <When ms={a.expiresAt as bigint} /> — reason: {a.reason instanceof Variant ? emergencyReasonWords(a.reason.tag) : String(a.reason)}
            </li>
          );
        })}</ul>
      )}
    </Section>
  );
}
