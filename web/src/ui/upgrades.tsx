// Coming code changes: a banner on every screen while any contract has a
// pending upgrade (which contract, its code hash, when, what to do), and the
// deployment panel with each contract's upgrade delay and past upgrades.
// The texts come from ../upgrades.ts (tested); this file only lays them out.
import { useEffect, useState } from 'react';
import { useApp } from './state';
import { useNow } from './common';
import { upgradeModel, type UpgradeNotice } from '../upgrades';
import { shortAddress } from '../format';

function CopyHash({ hash, testid }: { hash: string; testid: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(t);
  }, [state]);
  const copy = () => {
    const done = navigator.clipboard?.writeText(hash);
    if (!done) { setState('failed'); return; }
    done.then(() => setState('copied'), () => setState('failed'));
  };
  return (
    <>
      <button type="button" className="link" data-testid={testid} onClick={copy} title={`Copy ${hash}`}>
        {state === 'copied' ? 'copied' : 'copy'}
      </button>
      {state === 'failed' && <span className="hint"> (the browser refused: select the hash) <code className="hash-full">{hash}</code></span>}
    </>
  );
}

function Notice({ n, onConsent }: { n: UpgradeNotice; onConsent?: () => void }) {
  return (
    <li data-testid={`upgrade-notice-${n.contract}`} data-contract={n.contract} data-due={n.due ? 'yes' : 'no'} data-not-before={n.notBefore}>
      <p className="upgrade-headline"><strong>{n.headline}</strong></p>
      <p className="upgrade-detail">
        New code hash <code title={n.codeHash} data-testid={`upgrade-hash-${n.contract}`}>{n.shortHash}</code>{' '}
        <CopyHash hash={n.codeHash} testid={`upgrade-copy-${n.contract}`} />
        {' · '}proposed <time dateTime={new Date(n.proposedAt).toISOString()} title={new Date(n.proposedAt).toString()}>{n.proposed}</time>
        {' · '}{n.due ? 'allowed since' : 'earliest'}{' '}
        <time dateTime={new Date(n.notBefore).toISOString()} title={new Date(n.notBefore).toString()} data-testid={`upgrade-when-${n.contract}`}>{n.when}</time>
      </p>
      <p className="upgrade-advice">
        {n.advice}
        {onConsent && <> <button type="button" className="link" data-testid={`upgrade-open-consent-${n.contract}`} onClick={onConsent}>Open “Who has access”</button></>}
      </p>
    </li>
  );
}

/** On every screen while an upgrade is pending; nothing otherwise. */
export function UpgradeBanner({ onConsent }: { onConsent?: () => void }) {
  const { chain, upgrades, standing } = useApp();
  const now = useNow(30_000);
  if (!chain || !upgrades.readings) return null;
  const model = upgradeModel(upgrades.readings, now);
  if (model.notices.length === 0) return null;
  const patient = standing?.role === 'patient';
  return (
    <section className="upgrade-banner" data-testid="upgrade-banner" aria-labelledby="upgrade-banner-title" aria-live="polite">
      <h2 id="upgrade-banner-title">
        {model.notices.length === 1 ? 'A contract of this suite will change its code' : `${model.notices.length} contracts of this suite will change their code`}
      </h2>
      <ul>{model.notices.map(n => <Notice key={n.contract} n={n} onConsent={patient ? onConsent : undefined} />)}</ul>
      <p className="hint">
        Your data stays where it is; the new code decides from then on who may read and write it. The head proposed this change; it cannot take effect before the time shown, and the head may still cancel it.
      </p>
    </section>
  );
}

/** The connection's details: the four contracts, their upgrade delay and past upgrades. */
export function DeploymentPanel() {
  const { chain, upgrades } = useApp();
  const now = useNow(30_000);
  if (!chain) return null;
  const model = upgrades.readings ? upgradeModel(upgrades.readings, now) : null;
  let summary = 'reading the upgrade locks…';
  if (model?.noLock) summary = 'this deployment has no upgrade lock';
  else if (model) {
    const delays = [...new Set(model.rows.flatMap(r => (r.delay ? [r.delay] : [])))];
    const pending = model.notices.length;
    summary = `${delays.length === 1 ? `upgrade delay ${delays[0]}` : delays.length ? `upgrade delays ${delays.join(', ')}` : 'upgrade locks unread'}; ${pending === 0 ? 'no code change proposed' : `${pending} code change${pending === 1 ? '' : 's'} proposed`}`;
  }
  return (
    <details className="deployment" data-testid="deployment-about">
      <summary>About this deployment: <span data-testid="deployment-summary">{summary}</span></summary>
      <table className="table">
        <thead><tr><th>Contract</th><th>Address</th><th>Upgrade delay</th><th>Upgrades so far</th><th>Proposed change</th></tr></thead>
        <tbody>
          {(['registry', 'permissions', 'records', 'appointments'] as const).map(c => {
            const row = model?.rows.find(r => r.contract === c);
            return (
              <tr key={c} data-testid={`upgrade-lock-${c}`} data-state={row?.state ?? 'reading'}>
                <td>{c}</td>
                <td><span title={chain.addresses[c]}>{shortAddress(chain.addresses[c])}</span></td>
                {!row ? <td colSpan={3} className="loading">reading…</td>
                  : row.state === 'missing' ? <td colSpan={3}>no upgrade lock (older code)</td>
                  : row.state === 'failed' ? <td colSpan={3} className="error">{row.text.replace(/^\w+: /, '')}</td>
                  : <>
                    <td>{row.delay}</td>
                    <td>{row.enacted}</td>
                    <td>{!row.pending ? 'none'
                      : <><code title={row.pending.codeHash}>{row.pending.shortHash}</code> {row.pending.due ? 'can take effect now (anyone may enact it)' : <>from {row.pending.when} ({row.pending.relative})</>}</>}</td>
                  </>}
              </tr>
            );
          })}
        </tbody>
      </table>
      {model?.note && <p className="notice" data-testid="upgrade-no-lock">{model.note}</p>}
      <p className="hint">
        Each contract can take new code only after its upgrade delay, fixed when it was deployed: the head proposes a code hash, the page warns you here, and once the time has passed anyone may enact it. A reviewer rebuilds the published source and compares the code hash. Read {upgrades.readAt ? <time dateTime={new Date(upgrades.readAt).toISOString()}>{new Date(upgrades.readAt).toLocaleTimeString()}</time> : '—'}.
      </p>
    </details>
  );
}
