// Formatting for people: dates in the reader's local time, amounts in the
// chain's unit, accounts by name with the address kept for hover.

/** 5GrwvaEF…GKutQY: the first 6 and last 6 characters of an address. */
export function shortAddress(address: string): string {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-6)}` : address;
}

/** A Unix-milliseconds time as a local date and time, e.g. "26 Nov 2025, 14:05". */
export function formatDateTime(ms: number | bigint, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone,
  }).format(new Date(Number(ms)));
}

/** A Unix-milliseconds time as a local date, e.g. "26 Nov 2025". */
export function formatDate(ms: number | bigint, locale?: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone })
    .format(new Date(Number(ms)));
}

/**
 * A chain amount (smallest unit) in the chain's unit: 2_500_000_000_000n with
 * 12 decimals and "UNIT" is "2.5 UNIT". At most `maxFraction` decimals are
 * shown (truncated, never rounded up); trailing zeros are dropped.
 */
export function formatAmount(value: bigint, decimals: number, token: string, maxFraction = 4): string {
  const negative = value < 0n;
  const v = negative ? -value : value;
  const base = 10n ** BigInt(decimals);
  const whole = v / base;
  let fraction = (v % base).toString().padStart(decimals, '0').slice(0, Math.max(0, maxFraction));
  fraction = fraction.replace(/0+$/, '');
  const wholeText = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${wholeText}${fraction ? `.${fraction}` : ''} ${token}`.trim();
}

/**
 * Parses an amount typed in the chain's unit ("2.5") into the smallest unit.
 * Throws on anything that is not a plain non-negative decimal number or has
 * more decimals than the chain.
 */
export function parseAmount(text: string, decimals: number): bigint {
  const t = text.trim().replace(/[_,\s]/g, '');
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!t || !m || (m[1] === '' && (m[2] ?? '') === '')) throw new Error(`"${text}" is not an amount`);
  const frac = m[2] ?? '';
  if (frac.length > decimals) throw new Error(`"${text}" has more than ${decimals} decimals`);
  return BigInt(m[1] || '0') * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}

/**
 * The expiry for a grant chosen as a date (`YYYY-MM-DD` from a date input):
 * the grant holds through that whole local day, so it ends at the next local
 * midnight. Returns Unix milliseconds.
 */
export function expiryFromDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`"${date}" is not a date`);
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1, 0, 0, 0, 0).getTime();
}

/** A local date as `YYYY-MM-DD` (for date inputs), `days` from `from`. */
export function dateInputValue(from: Date, days = 0): string {
  const d = new Date(from.getFullYear(), from.getMonth(), from.getDate() + days);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** A `datetime-local` input value (local time, seconds precision) for Unix ms. */
export function datetimeInputValue(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Unix ms of a `datetime-local` input value (read as local time). */
export function msFromDatetimeInput(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!m) throw new Error(`"${value}" is not a date and time`);
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)).getTime();
}

/** "in 3 days", "2 hours ago": a rough relative time for hints. */
export function relativeTime(ms: number, now: number): string {
  const d = ms - now;
  const a = Math.abs(d);
  const units: [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
  for (const [size, name] of units) {
    if (a >= size || size === 1000) {
      const n = Math.max(1, Math.round(a / size));
      const text = `${n} ${name}${n === 1 ? '' : 's'}`;
      return d >= 0 ? `in ${text}` : `${text} ago`;
    }
  }
  return 'now';
}

/** The four scopes of a grant, as the contracts' `Scopes` struct (camelCase). */
export interface Scopes {
  demographics: boolean;
  recordsRead: boolean;
  recordsWrite: boolean;
  appointments: boolean;
}

/** Plain words for each scope: a short label and what it allows. */
export const SCOPE_WORDS: Record<keyof Scopes, { label: string; short: string; explain: string }> = {
  demographics: {
    label: 'See my profile',
    short: 'see the profile',
    explain: 'May read your profile: name, date of birth, address, phone, blood group, allergies and emergency contact.',
  },
  recordsRead: {
    label: 'Read my records',
    short: 'read records',
    explain: 'May read your medical records and your medications, including the ones already written.',
  },
  recordsWrite: {
    label: 'Add to my records',
    short: 'add records',
    explain: 'May add medical records and medications to your file (verified doctors only). Nobody can change or delete old ones.',
  },
  appointments: {
    label: 'Book appointments',
    short: 'book appointments',
    explain: 'May set appointments with you (verified doctors only).',
  },
};

/** "read records, add records" — the granted scopes in words. */
export function scopesText(s: Scopes): string {
  const parts = (Object.keys(SCOPE_WORDS) as (keyof Scopes)[]).filter(k => s[k]).map(k => SCOPE_WORDS[k].short);
  return parts.length ? parts.join(', ') : 'nothing';
}

/**
 * When a grant ends, in words: "through 26 Nov 2025" when it ends at a local
 * midnight (chosen as a date), else "until 26 Nov 2025, 14:05"; "until
 * revoked" without an expiry.
 */
export function expiryWords(expiresAt: number | bigint | null, locale?: string, timeZone?: string): string {
  if (expiresAt === null) return 'until revoked';
  const ms = Number(expiresAt);
  const d = new Date(ms);
  const midnight = timeZone === undefined && d.getHours() === 0 && d.getMinutes() === 0 && d.getSeconds() === 0 && d.getMilliseconds() === 0;
  return midnight ? `through ${formatDate(ms - 1, locale, timeZone)}` : `until ${formatDateTime(ms, locale, timeZone)}`;
}

/** "GracePeriodNotOver" → "grace period not over". */
export function humanize(variant: string): string {
  return variant.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z])([A-Z][a-z])/g, '$1 $2').toLowerCase();
}
