import { useEffect, useState, type ReactNode, type DependencyList } from 'react';
import { useApp } from './state';
import { formatAmount, formatDate, formatDateTime } from '../format';

/** An account by its registered name; the address on hover. */
export function Name({ address, testid }: { address: string; testid?: string }) {
  const { nameOf } = useApp();
  return <span className="who" title={address} data-address={address} data-testid={testid}>{nameOf(address)}</span>;
}

/** A time in local date and time; ISO on hover. */
export function When({ ms, dateOnly }: { ms: bigint | number; dateOnly?: boolean }) {
  const d = new Date(Number(ms));
  return <time dateTime={d.toISOString()} title={d.toString()}>{dateOnly ? formatDate(ms) : formatDateTime(ms)}</time>;
}

/** An amount in the chain's unit. */
export function Amount({ value, testid }: { value: bigint; testid?: string }) {
  const { chain } = useApp();
  if (!chain) return <span>{value.toString()}</span>;
  return <span className="amount" data-testid={testid} title={`${value} (smallest unit)`}>{formatAmount(value, chain.decimals, chain.token)}</span>;
}

export interface Async<T> { data: T | null; error: string | null; loading: boolean }

/** Runs `fn` when `deps` change (and after every finished activity). */
export function useAsync<T>(fn: () => Promise<T>, deps: DependencyList): Async<T> {
  const { refresh } = useApp();
  const [state, setState] = useState<Async<T>>({ data: null, error: null, loading: true });
  useEffect(() => {
    let live = true;
    setState(s => ({ ...s, loading: true }));
    fn().then(
      data => { if (live) setState({ data, error: null, loading: false }); },
      e => { if (live) setState({ data: null, error: (e as Error).message ?? String(e), loading: false }); },
    );
    return () => { live = false; };
  }, [...deps, refresh]); // eslint-disable-line react-hooks/exhaustive-deps
  return state;
}

export function Section({ title, testid, children, intro }: { title: string; testid?: string; children: ReactNode; intro?: ReactNode }) {
  return (
    <section className="card" data-testid={testid}>
      <h2>{title}</h2>
      {intro && <p className="intro">{intro}</p>}
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return <p className="loading" data-testid="loading"><span className="spinner" /> Loading {what}…</p>;
}

export function ErrorText({ text }: { text: string }) {
  return <p className="error" role="alert">{text}</p>;
}

/** Shows loading / error / the content of an async value. */
export function Show<T>({ value, what, children }: { value: Async<T>; what: string; children: (data: T) => ReactNode }) {
  if (value.error) return <ErrorText text={value.error} />;
  if (value.data === null) return <Loading what={what} />;
  return <>{children(value.data)}</>;
}

/** A button that is disabled while an activity runs. */
export function Btn(props: React.ButtonHTMLAttributes<HTMLButtonElement> & { testid?: string }) {
  const { activity } = useApp();
  const { testid, disabled, ...rest } = props;
  return <button type="button" {...rest} data-testid={testid} disabled={disabled || activity !== null} />;
}

export function Field({ label, children, hint }: { label: string; children: ReactNode; hint?: ReactNode }) {
  return (
    <label className="field">
      <span className="label">{label}</span>
      {children}
      {hint && <span className="hint">{hint}</span>}
    </label>
  );
}

/** The current time, updated every `everyMs`. */
export function useNow(everyMs = 5_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
