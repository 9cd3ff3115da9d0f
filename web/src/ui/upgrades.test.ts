// The banner and the deployment panel rendered (server-side, no browser)
// with a fake app state: a pending upgrade shows the banner with its hash and
// the consent link for a patient; none shows no banner; an old deployment
// shows no banner and "this deployment has no upgrade lock".
import { describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import type { UpgradeReading } from '../upgrades';

const HASH = `0x${'12'.repeat(32)}`;
const DAY = 86_400_000;
let state: Record<string, unknown> = {};
vi.mock('./state', () => ({ useApp: () => state }));

const { UpgradeBanner, DeploymentPanel } = await import('./upgrades');

const chain = { addresses: { registry: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', permissions: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', records: '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y', appointments: '5CiPPseXPECbkjWCa6MnjNokrgYjMqmKndv2rSnekmSK2DjL' } };
const none: UpgradeReading = { kind: 'lock', lock: { delayMs: 7 * DAY, pending: null, enacted: 0 } };
const setReadings = (readings: Record<string, UpgradeReading> | null, role = 'patient') => {
  state = { chain, standing: { role }, upgrades: { readings, readAt: Date.now() } };
};
const render = (el: Parameters<typeof createElement>[0], props: Record<string, unknown> = {}) => renderToStaticMarkup(createElement(el, props));

describe('the upgrade banner and the deployment panel', () => {
  it('a pending upgrade: the banner names the contract, the hash with copy, the time, and links the patient to her grants', () => {
    const now = Date.now();
    setReadings({
      registry: none, permissions: none, appointments: none,
      records: { kind: 'lock', lock: { delayMs: 7 * DAY, pending: { codeHash: HASH, proposedAt: now, notBefore: now + 7 * DAY - 1000 }, enacted: 2 } },
    });
    const html = render(UpgradeBanner, { onConsent: () => {} });
    expect(html).toContain('data-testid="upgrade-banner"');
    expect(html).toContain('data-testid="upgrade-notice-records"');
    expect(html).toMatch(/The records contract \(your medical records and medications\) will change its code on/);
    expect(html).toContain(`title="${HASH}"`);
    expect(html).toContain('0x12121212…12121212');
    expect(html).toContain('data-testid="upgrade-copy-records"');
    expect(html).toMatch(/in 6 days 23 hours/);
    expect(html).toContain('data-testid="upgrade-open-consent-records"');
    const panel = render(DeploymentPanel);
    expect(panel).toMatch(/upgrade delay 7 days; 1 code change proposed/);
    expect(panel).toMatch(/data-testid="upgrade-lock-records" data-state="lock"><td>records<\/td><td>.*?<\/td><td>7 days<\/td><td>2<\/td>/);
    expect(panel).not.toContain('data-testid="upgrade-no-lock"');
  });

  it('due: "can take effect now (anyone may enact it)"; no consent link for a doctor', () => {
    const now = Date.now();
    setReadings({ records: { kind: 'lock', lock: { delayMs: 4000, pending: { codeHash: HASH, proposedAt: now - 10_000, notBefore: now - 6000 }, enacted: 0 } } }, 'provider');
    const html = render(UpgradeBanner, { onConsent: () => {} });
    expect(html).toContain('data-due="yes"');
    expect(html).toContain('can take effect now (anyone may enact it)');
    expect(html).not.toContain('upgrade-open-consent');
  });

  it('nothing pending: no banner; the panel lists each contract\u2019s delay and past upgrades', () => {
    setReadings({ registry: none, permissions: none, records: none, appointments: none });
    expect(render(UpgradeBanner)).toBe('');
    const panel = render(DeploymentPanel);
    expect(panel).toMatch(/upgrade delay 7 days; no code change proposed/);
    expect(panel.match(/data-state="lock"/g)).toHaveLength(4);
  });

  it('an old deployment: no banner, "this deployment has no upgrade lock"', () => {
    const missing: UpgradeReading = { kind: 'missing', why: 'no trait' };
    setReadings({ registry: missing, permissions: missing, records: missing, appointments: missing });
    expect(render(UpgradeBanner)).toBe('');
    const panel = render(DeploymentPanel);
    expect(panel).toContain('this deployment has no upgrade lock');
    expect(panel).toContain('data-testid="upgrade-no-lock"');
  });

  it('before the first answer: no banner, the panel says it is reading', () => {
    setReadings(null);
    expect(render(UpgradeBanner)).toBe('');
    expect(render(DeploymentPanel)).toContain('reading the upgrade locks');
  });
});
