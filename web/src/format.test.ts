import { describe, expect, it } from 'vitest';
import {
  expiryWords, dateInputValue, datetimeInputValue, expiryFromDate, formatAmount, formatDate, formatDateTime, humanize,
  msFromDatetimeInput, parseAmount, relativeTime, scopesText, shortAddress,
} from './format';

describe('amounts', () => {
  it('formats in the chain unit, truncated, with grouping', () => {
    expect(formatAmount(2_500_000_000_000n, 12, 'UNIT')).toBe('2.5 UNIT');
    expect(formatAmount(0n, 12, 'UNIT')).toBe('0 UNIT');
    expect(formatAmount(1n, 12, 'UNIT')).toBe('0 UNIT');
    expect(formatAmount(1_234_567_890_000_000_000n, 12, 'UNIT')).toBe('1,234,567.89 UNIT');
    expect(formatAmount(1_999_999_999_999n, 12, 'UNIT')).toBe('1.9999 UNIT');
    expect(formatAmount(5000n, 0, 'DOT')).toBe('5,000 DOT');
    expect(formatAmount(-1_500_000_000_000n, 12, 'UNIT')).toBe('-1.5 UNIT');
    expect(formatAmount(12_345n, 2, 'X', 2)).toBe('123.45 X');
  });
  it('parses what people type', () => {
    expect(parseAmount('2.5', 12)).toBe(2_500_000_000_000n);
    expect(parseAmount(' 1,000 ', 12)).toBe(1_000_000_000_000_000n);
    expect(parseAmount('.5', 2)).toBe(50n);
    expect(parseAmount('7', 0)).toBe(7n);
    expect(parseAmount('0.000000000001', 12)).toBe(1n);
    for (const bad of ['', 'abc', '1.2.3', '-1', '.', '1e3']) expect(() => parseAmount(bad, 12)).toThrow();
    expect(() => parseAmount('0.0000000000001', 12)).toThrow(/decimals/);
  });
  it('round-trips', () => {
    for (const v of [0n, 1n, 10n ** 12n, 123_456_789_012_345n]) {
      expect(parseAmount(formatAmount(v, 12, '', 12).replace(/,/g, ''), 12)).toBe(v);
    }
  });
});

describe('dates', () => {
  const t = Date.UTC(2025, 10, 26, 13, 5, 0);
  it('formats in a given zone', () => {
    expect(formatDateTime(t, 'en-GB', 'UTC')).toBe('26 Nov 2025, 13:05');
    expect(formatDateTime(BigInt(t), 'en-GB', 'Asia/Kolkata')).toBe('26 Nov 2025, 18:35');
    expect(formatDate(t, 'en-GB', 'UTC')).toBe('26 Nov 2025');
  });
  it('a grant chosen as a date holds through that local day', () => {
    const e = expiryFromDate('2025-12-01');
    const d = new Date(e);
    expect([d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes()]).toEqual([2025, 11, 2, 0, 0]);
    expect(new Date(e - 1).getDate()).toBe(1);
    expect(() => expiryFromDate('01/12/2025')).toThrow();
  });
  it('grant expiries in words', () => {
    expect(expiryWords(null)).toBe('until revoked');
    expect(expiryWords(expiryFromDate('2025-12-01'), 'en-GB')).toBe('through 1 Dec 2025');
    expect(expiryWords(Date.UTC(2025, 10, 26, 13, 5), 'en-GB', 'UTC')).toBe('until 26 Nov 2025, 13:05');
  });
  it('date and datetime inputs', () => {
    expect(dateInputValue(new Date(2025, 0, 31), 1)).toBe('2025-02-01');
    const ms = new Date(2025, 5, 7, 8, 9, 10).getTime();
    expect(datetimeInputValue(ms)).toBe('2025-06-07T08:09:10');
    expect(msFromDatetimeInput('2025-06-07T08:09:10')).toBe(ms);
    expect(msFromDatetimeInput('2025-06-07T08:09')).toBe(ms - 10_000);
    expect(() => msFromDatetimeInput('tomorrow')).toThrow();
  });
  it('relative time', () => {
    expect(relativeTime(3 * 86_400_000, 0)).toBe('in 3 days');
    expect(relativeTime(0, 2 * 3_600_000)).toBe('2 hours ago');
    expect(relativeTime(1000, 0)).toBe('in 1 second');
  });
});

describe('names and words', () => {
  it('short addresses keep both ends', () => {
    expect(shortAddress('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY')).toBe('5Grwva…GKutQY');
    expect(shortAddress('short')).toBe('short');
  });
  it('scopes in words', () => {
    expect(scopesText({ demographics: false, recordsRead: true, recordsWrite: true, appointments: false })).toBe('read records, add records');
    expect(scopesText({ demographics: true, recordsRead: false, recordsWrite: false, appointments: true })).toBe('see the profile, book appointments');
    expect(scopesText({ demographics: false, recordsRead: false, recordsWrite: false, appointments: false })).toBe('nothing');
  });
  it('humanizes variant names', () => {
    expect(humanize('GracePeriodNotOver')).toBe('grace period not over');
    expect(humanize('NotAPatient')).toBe('not a patient');
  });
});
