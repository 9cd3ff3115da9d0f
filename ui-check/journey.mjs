// SMRMS Contracts UI check: drives one patient journey through an
// already built and served Contracts UI (use-ink/contracts-ui) in headless
// Chromium, against a local substrate-contracts-node with the suite deployed.
// scripts/ui-check.sh starts the node, deploys the suite, makes Charlie a
// verified doctor and then runs this script; see docs/contracts-ui.md.
//
// Environment:
//   CONTRACTS_UI_URL   URL of a served Contracts UI, e.g. http://127.0.0.1:5173
//   CONTRACTS_UI_DIST  or: a folder with an already built Contracts UI
//                      (its `dist`); this script serves it on a free loopback port
//   SMRMS_NODE_URL     ws URL of the node (e.g. ws://127.0.0.1:40123)
//   SMRMS_ADDRESSES    JSON written by scripts/deploy.sh (addresses + bundle paths)
//   UI_CHECK_SHOTS     where the screenshots go (default: <repo>/docs/ui)
//   CHROMIUM           browser binary (default /usr/bin/chromium)
//
// Nothing here builds or downloads the Contracts UI, and the browser may only
// reach loopback addresses: every other request is aborted.
import { chromium } from 'playwright-core';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { hexToU8a, isHex, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');

function die(msg) {
  console.error(`ui-check: ${msg}`);
  process.exit(2);
}

const NODE_URL = process.env.SMRMS_NODE_URL || die('SMRMS_NODE_URL is not set (ws URL of the node)');
const ADDRESSES = process.env.SMRMS_ADDRESSES || die('SMRMS_ADDRESSES is not set (JSON from scripts/deploy.sh)');
const SHOTS = path.resolve(process.env.UI_CHECK_SHOTS || path.join(REPO, 'docs', 'ui'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const suite = JSON.parse(fs.readFileSync(ADDRESSES, 'utf8'));
const CONTRACTS = ['registry', 'permissions', 'records', 'appointments'];
for (const c of CONTRACTS) {
  if (!suite[c]) die(`${ADDRESSES} has no address for ${c}`);
  if (!suite.bundles?.[c] || !fs.existsSync(suite.bundles[c])) die(`bundle for ${c} not found: ${suite.bundles?.[c]}`);
}
if (!fs.existsSync(CHROMIUM)) die(`no browser at ${CHROMIUM} (Debian: apt-get install chromium; or set CHROMIUM)`);

// ---- the wallet extension's keys, held by this process (never by the page)
// The Contracts UI signs every transaction of the journey through an injected
// extension (window.injectedWeb3, as Polkadot{.js} and Talisman inject
// themselves), whose signer calls back into this process, where
// @polkadot/keyring signs. The accounts are the journey's usual ones (//Alice,
// //Bob, //Charlie), named so that the UI's selectors show the extension's
// names: the UI also lists its own development accounts (//Alice ... //Ferdie)
// on a development chain, and a caller picked by an extension name is the
// extension's account (the UI replaces its dev pair with the injected one).
await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(NODE_URL), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 ?? 42 });
const pairs = {
  alice: keyring.addFromUri('//Alice', { name: 'Head (extension)' }),
  bob: keyring.addFromUri('//Bob', { name: 'Patient (extension)' }),
  charlie: keyring.addFromUri('//Charlie', { name: 'Dr. Charlie (extension)' }),
};
const ACCOUNTS = Object.fromEntries(Object.entries(pairs).map(([k, p]) => [k, p.address]));
const NAME = Object.fromEntries(Object.entries(pairs).map(([k, p]) => [k, p.meta.name]));
const byAddress = address => {
  const pair = Object.values(pairs).find(p => p.address === keyring.encodeAddress(address));
  if (!pair) throw new Error(`the extension has no account ${address}`);
  return pair;
};
// Every signature the extension gives, in order: { kind, who, method }.
const signatures = [];
let signId = 0;
function signPayload(payload) {
  const pair = byAddress(payload.address);
  const ext = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
  let method = '?';
  try {
    const call = api.registry.createType('Call', payload.method);
    method = `${call.section}.${call.method}`;
  } catch { /* leave '?' */ }
  signatures.push({ kind: 'payload', who: pair.meta.name, method });
  console.log(`     extension signs (signPayload) ${method} for ${pair.meta.name}`);
  return { id: ++signId, signature: ext.sign(pair).signature };
}
// signRaw as the Polkadot{.js} extension does it: bytes are signed wrapped in
// <Bytes>...</Bytes> (u8aWrapBytes leaves already wrapped data as it is).
function signRaw(raw) {
  const pair = byAddress(raw.address);
  const data = isHex(raw.data) ? hexToU8a(raw.data) : new TextEncoder().encode(raw.data);
  signatures.push({ kind: 'raw', who: pair.meta.name, method: raw.type || 'bytes' });
  console.log(`     extension signs (signRaw) for ${pair.meta.name}`);
  return { id: ++signId, signature: u8aToHex(pair.sign(u8aWrapBytes(data))) };
}
// Transactions the journey sends (each "Call contract"), to compare with the
// signatures above.
let transactions = 0;

// ---- a static server for CONTRACTS_UI_DIST (single-page app: unknown paths get index.html)
const MIME = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.wasm': 'application/wasm', '.map': 'application/json',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.txt': 'text/plain',
};
function serveDist(dir) {
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, 'index.html'))) die(`CONTRACTS_UI_DIST=${dir} has no index.html (is it a built Contracts UI?)`);
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(root, path.normalize(p));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server = null;
let UI = process.env.CONTRACTS_UI_URL;
if (!UI) {
  if (!process.env.CONTRACTS_UI_DIST) {
    die('give the Contracts UI to check: CONTRACTS_UI_URL=<URL of a served Contracts UI> '
      + 'or CONTRACTS_UI_DIST=<folder of an already built one>. This repository does not build it; '
      + 'see docs/contracts-ui.md.');
  }
  server = await serveDist(process.env.CONTRACTS_UI_DIST);
  UI = `http://127.0.0.1:${server.address().port}`;
  console.log(`serving ${process.env.CONTRACTS_UI_DIST} at ${UI}`);
}
UI = UI.replace(/\/+$/, '');

// ---- browser
fs.mkdirSync(SHOTS, { recursive: true });
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smrms-ui-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 1000 },
});
const isLoopback = u => ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(new URL(u).hostname);
const blocked = new Set();
await context.route('**/*', route => {
  const url = route.request().url();
  if (url.startsWith('data:') || url.startsWith('blob:') || isLoopback(url)) return route.continue();
  blocked.add(new URL(url).origin);
  return route.abort();
});
await context.routeWebSocket(u => !isLoopback(u.href), ws => { blocked.add(ws.url()); ws.close(); });
const page = context.pages()[0] || (await context.newPage());
const consoleErrors = [];
page.on('pageerror', e => consoleErrors.push(`pageerror: ${e.message}`));
page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
// The UI dials its default public endpoint before a user can pick another
// one; seed its preferred endpoint with the local node so it never does
// (first load only: later choices made in the UI stand).
await page.addInitScript(ws => {
  if (!localStorage.getItem('contractsUiPreferredEndpoint')) {
    localStorage.setItem('contractsUiPreferredEndpoint', JSON.stringify(ws));
  }
}, NODE_URL);

// The two "extensions" (window.injectedWeb3[name].enable(origin) -> { accounts, signer }).
await page.exposeFunction('__smrmsSignPayload', payload => signPayload(payload));
await page.exposeFunction('__smrmsSignRaw', raw => signRaw(raw));
const extAccounts = { 'polkadot-js': [pairs.bob], talisman: [pairs.charlie, pairs.alice] };
await page.addInitScript(lists => {
  const mk = list => ({
    version: '0.0.0-smrms-ui-check',
    enable: async () => ({
      accounts: { get: async () => list, subscribe: cb => { cb(list); return () => {}; } },
      signer: {
        signPayload: payload => window.__smrmsSignPayload(payload),
        signRaw: raw => window.__smrmsSignRaw(raw),
      },
    }),
  });
  window.injectedWeb3 = Object.fromEntries(Object.entries(lists).map(([name, list]) => [name, mk(list)]));
}, Object.fromEntries(Object.entries(extAccounts).map(([n, ps]) => [n, ps.map(p => ({ address: p.address, name: p.meta.name, type: 'sr25519' }))])));

// ---- helpers
let stepNo = 0;
let shotNo = 0;
const TIMEOUT = 60_000;
page.setDefaultTimeout(TIMEOUT);

async function shot(name) {
  shotNo += 1;
  const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  // The UI scrolls inside its own panes, so a "full page" screenshot would
  // show one viewport: grow the viewport to the tallest pane for the shot.
  const h = await page.evaluate(() => Math.max(...[...document.querySelectorAll('body *')].map(e => e.scrollHeight)));
  const size = page.viewportSize();
  await page.setViewportSize({ width: size.width, height: Math.min(Math.max(h, size.height), 4000) });
  await page.waitForTimeout(200);
  await page.screenshot({ path: file });
  await page.setViewportSize(size);
  console.log(`     screenshot ${path.relative(REPO, file)}`);
}

async function step(title, fn) {
  stepNo += 1;
  const t0 = Date.now();
  console.log(`[${String(stepNo).padStart(2, '0')}] ${title}`);
  try {
    await fn();
  } catch (e) {
    const fail = path.join(os.tmpdir(), `smrms-ui-check-failed-step-${stepNo}.png`);
    await page.screenshot({ path: fail, fullPage: true }).catch(() => {});
    console.error(`     FAILED: ${e.message.split('\n').slice(0, 6).join('\n     ')}`);
    console.error(`     page at failure: ${fail}`);
    if (consoleErrors.length) console.error(`     last browser errors:\n       ${consoleErrors.slice(-5).join('\n       ')}`);
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
    server?.close();
    await api.disconnect().catch(() => {});
    process.exit(1);
  }
  console.log(`     ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

const escapeRe = s => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The UI (polkadot.js) shows message, argument and field names in camelCase:
// `register_patient` is `registerPatient`, `national_id_hash` `nationalIdHash`.
const cc = s => s.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase());

// A react-select dropdown inside `scope`: open it and click the option whose
// text matches `option` (string: exact account name or label; RegExp: text).
async function choose(scope, option) {
  await scope.locator('.dropdown__control').first().click();
  const menu = page.locator('.dropdown__menu');
  await menu.waitFor();
  const opt = typeof option === 'string'
    ? menu.locator('.dropdown__option').filter({ hasText: new RegExp(`^\\s*${escapeRe(option)}\\b`) }).first()
    : menu.locator('.dropdown__option').filter({ hasText: option }).first();
  await opt.click();
  await menu.waitFor({ state: 'detached' });
}

// An AccountId argument or the caller: pick the extension's account by its
// key in `pairs` (the option is found by the extension's name for it).
async function chooseAccount(scope, who) {
  const name = NAME[who] ?? die(`no extension account ${who}`);
  await scope.locator('.dropdown__control').first().click();
  const menu = page.locator('.dropdown__menu');
  await menu.waitFor();
  await menu.locator('.dropdown__option')
    .filter({ has: page.locator('[data-cy="account-name"]', { hasText: new RegExp(`^${escapeRe(name)}$`) }) })
    .first().click();
  await menu.waitFor({ state: 'detached' });
  const shown = (await scope.locator('.dropdown__control').first().innerText()).replace(/\s+/g, ' ');
  if (!shown.includes(name)) throw new Error(`picked ${name}, the selector shows: ${shown}`);
}

// The account names a selector offers.
async function accountNames(scope) {
  await scope.locator('.dropdown__control').first().click();
  const menu = page.locator('.dropdown__menu');
  await menu.waitFor();
  const names = await menu.locator('[data-cy="account-name"]').allInnerTexts();
  await page.keyboard.press('Escape');
  await menu.waitFor({ state: 'detached' });
  return names.map(n => n.trim());
}

const argField = name => page.locator(`.argument-form .form-field.${cc(name)}, .argument-form .form-field.${name}`).first();
const subField = (scope, name) => scope.locator(`.form-field.${cc(name)}, .form-field.${name}`).first();

async function openContract(which) {
  await page.locator('nav, aside, body').getByRole('link', { name: `SMRMS ${which}` }).first().click();
  await page.waitForURL(`**/contract/${suite[which]}**`);
  await page.getByText('Message to Send').waitFor();
}

let caller = null;
async function selectCaller(who) {
  await chooseAccount(page.locator('.form-field.caller'), who);
  caller = who;
}

async function selectMessage(message) {
  const re = new RegExp(`^\\s*${escapeRe(cc(message))}\\s*\\(`);
  await choose(page.locator('.constructorDropdown'), re);
  await page.locator('.constructorDropdown .dropdown__single-value').filter({ hasText: re }).waitFor();
}

// The outcome panel of the selected message (dry run / query result).
const outcome = message => page.locator(`[data-cy="dryRun-${cc(message)}"]`);

async function expectOutcome(method, re, what) {
  const box = outcome(method);
  try {
    await box.filter({ hasText: re }).waitFor({ timeout: TIMEOUT });
  } catch {
    const text = (await box.innerText().catch(() => '(no outcome shown)')).replace(/\s+/g, ' ');
    throw new Error(`${what}: expected ${re} in the outcome of ${method}, the UI shows: ${text.slice(0, 600)}`);
  }
}

// Press "Call contract" and wait for the UI's transaction notification to
// report the contract event and ExtrinsicSuccess; `event` is the ink! event
// expected in the call's "Transactions log".
async function callContract(method, event, shotName) {
  await expectOutcome(method, /Contract call will be successful!/, 'dry run');
  // the caller must be the extension's account, never a dev account of the UI
  const shownCaller = (await page.locator('.form-field.caller .dropdown__control').first().innerText()).replace(/\s+/g, ' ');
  if (!caller || !shownCaller.includes(NAME[caller])) throw new Error(`the caller is not an extension account: ${shownCaller}`);
  const before = await page.locator('[data-cy="contract-events"]').count();
  const signedBefore = signatures.length;
  transactions += 1;
  await page.getByRole('button', { name: 'Call contract' }).click();
  const done = page.locator('[data-cy="transaction-complete"]').last();
  await done.waitFor({ timeout: 90_000 });
  const signed = signatures.slice(signedBefore);
  if (signed.length !== 1 || signed[0].kind !== 'payload' || signed[0].who !== NAME[caller] || signed[0].method !== 'contracts.call') {
    throw new Error(`expected one extension signature of contracts.call by ${NAME[caller]}, got ${JSON.stringify(signed)}`);
  }
  const events = await done.innerText();
  if (!/system:ExtrinsicSuccess/.test(events) || !/contracts:ContractEmitted/.test(events)) {
    throw new Error(`transaction did not succeed; events: ${events.replace(/\s+/g, ' ')}`);
  }
  // the call's entry in the contract page's Transactions log (newest first),
  // with the decoded contract events
  const entries = page.locator('[data-cy="contract-events"]');
  await entries.nth(before).waitFor();
  const log = await entries.first().innerText();
  if (event && !log.includes(event)) throw new Error(`expected contract event ${event}, the log shows: ${log.replace(/\s+/g, ' ')}`);
  if (shotName) await shot(shotName);
  console.log(`     chain: ${events.replace(/\s+/g, ' ').trim()}`);
  await dismissNotifications();
}

// Close the finished transactions' notifications (they would cover the
// outcome panel in later screenshots).
async function dismissNotifications() {
  for (let i = 0; i < 20; i += 1) {
    const x = page.locator('[data-cy="dismiss-notification"]');
    if ((await x.count()) === 0) return;
    await x.first().click({ timeout: 5_000 }).catch(() => {});
  }
}

async function expectGrantCounts(expectRe, what) {
  // a query; the dry run happens as soon as the arguments are set
  await selectMessage('grant_counts');
  await chooseAccount(argField('patient'), 'bob');
  await expectOutcome('grant_counts', expectRe, what);
}

// ---- the journey
console.log(`Contracts UI ${UI}; node ${NODE_URL}; screenshots in ${SHOTS}`);
for (const f of fs.readdirSync(SHOTS)) if (/^\d\d-.*\.png$/.test(f)) fs.rmSync(path.join(SHOTS, f));

await step('open the Contracts UI, choose ink! v5 and the local node (Settings > Local Node > Custom Endpoint)', async () => {
  await page.goto(UI);
  await page.getByText('Chain Type').waitFor();
  // ink! version selector (the UI defaults to v6 / pallet-revive)
  const versionSelect = page.locator('.dropdown.chain').filter({ hasText: /ink! v\d/ });
  if (!(await versionSelect.innerText()).includes('ink! v5')) await choose(versionSelect, 'ink! v5');
  // the cog in the sidebar's footer (its "Settings" label shows on narrow screens only)
  await page.locator('footer a').filter({ hasText: 'Settings' }).click();
  const modal = page.getByRole('dialog');
  await modal.getByText('Custom Endpoint', { exact: true }).waitFor();
  const input = modal.locator('input[type="text"]');
  await input.fill(NODE_URL);
  await shot('settings-custom-endpoint');
  await modal.getByRole('button', { name: 'Apply' }).click();
  await page.waitForTimeout(500);
  if (await modal.isVisible()) await page.keyboard.press('Escape');
  // reload so that the network list's "Local Node" entry carries the custom URL
  await page.goto(`${UI}/?rpc=${encodeURIComponent(NODE_URL)}`);
  await page.getByText('Chain Type').waitFor();
  const network = page.locator('.dropdown.chain').first();
  if (!(await network.innerText()).includes('Local Node')) await choose(network, 'Local Node');
  await page.locator('.dropdown.chain.isConnected').filter({ hasText: 'Local Node' }).waitFor();
  await page.locator('[data-cy="chain-info"]').filter({ hasText: 'Development' }).waitFor();
  const info = (await page.locator('[data-cy="chain-info"]').innerText()).replace(/\s+/g, ' ');
  if (!/Substrate Contracts Node/.test(info)) throw new Error(`unexpected chain: ${info}`);
  console.log(`     chain info: ${info}`);
});

for (const c of CONTRACTS) {
  await step(`Add New Contract > Use On-Chain Contract Address: ${c} (${suite[c]}) with ${path.basename(suite.bundles[c])}`, async () => {
    await page.getByRole('link', { name: 'Add New Contract' }).click();
    await page.getByRole('link', { name: 'Use On-Chain Contract Address' }).click();
    await page.getByPlaceholder('Paste an on-chain contract address').fill(suite[c]);
    await page.getByText('on-chain', { exact: true }).waitFor();
    await page.getByPlaceholder('Give your contract a descriptive name').fill(`SMRMS ${c}`);
    await page.locator('[data-cy="file-input"]').setInputFiles(suite.bundles[c]);
    await page.locator('[data-cy="upload-confirmation"]').waitFor();
    if (c === 'registry') await shot('add-registry-by-address');
    await page.getByRole('button', { name: 'Add contract' }).click();
    await page.waitForURL(`**/contract/${suite[c]}**`);
    await page.getByText('Message to Send').waitFor();
  });
}

await step('the caller selector lists the wallet extension\'s accounts (Polkadot{.js}: patient; Talisman: doctor, head)', async () => {
  await openContract('registry');
  const names = await accountNames(page.locator('.form-field.caller'));
  console.log(`     caller options: ${names.join(', ')}`);
  for (const n of Object.values(NAME)) if (!names.includes(n)) throw new Error(`the UI does not list the extension's account "${n}"; it lists: ${names.join(', ')}`);
  // the extension's accounts take the place of the UI's dev accounts with the same address
  for (const dev of ['alice', 'bob', 'charlie']) if (names.some(n => n.toLowerCase() === dev)) throw new Error(`the UI still lists its dev account ${dev} beside the extension's`);
  await chooseAccount(page.locator('.form-field.caller'), 'bob');
  await shot('caller-is-extension-account');
});

await step('Bob registers as a patient: registry.register_patient(profile)', async () => {
  await openContract('registry');
  await selectCaller('bob');
  await selectMessage('register_patient');
  const profile = argField('profile');
  const text = {
    name: 'Bob Kumar', date_of_birth: '1980-02-14', gender: 'M', home_address: 'Bengaluru',
    phone: '+91 80 1234 5678', blood_group: 'B+', allergies: 'penicillin', height_cm: '172',
    weight_kg: '70', emergency_contact_name: 'Asha Kumar', emergency_contact_phone: '+91 80 8765 4321',
    national_id_hash: `0x${'11'.repeat(32)}`,
  };
  for (const [k, v] of Object.entries(text)) {
    await subField(profile, k).locator('input').first().fill(v);
  }
  await callContract('register_patient', 'PatientRegistered', 'bob-registers-as-patient');
});

await step('the registry now knows Bob: registry.patient_registration(bob) as Bob', async () => {
  await selectMessage('patient_registration');
  await chooseAccount(argField('patient'), 'bob');
  await expectOutcome('patient_registration', /Ok/, 'registration');
  const out = (await outcome('patient_registration').innerText()).replace(/\s+/g, ' ');
  if (/Err|NotRegistered/.test(out)) throw new Error(`Bob is not registered: ${out}`);
  console.log(`     outcome: ${out.slice(0, 200)}`);
});

await step('Bob grants Dr. Charlie (a verified doctor) records read + write: permissions.grant', async () => {
  await openContract('permissions');
  await selectCaller('bob');
  await selectMessage('grant');
  await chooseAccount(argField('grantee'), 'charlie');
  const scopes = argField('scopes');
  await choose(subField(scopes, 'records_read'), 'true');
  await choose(subField(scopes, 'records_write'), 'true');
  await callContract('grant', 'AccessGranted', 'bob-grants-charlie');
});

await step('Bob reads his grant counts: permissions.grant_counts(bob) shows 1 grant in force', async () => {
  await expectGrantCounts(/active_?now:?\s*['"]?1\b/i, 'one active grant');
  await shot('bob-reads-grant-counts');
});

// The appointment starts shortly; `complete` is allowed only after the start
// by the chain's clock (a block's timestamp), so it is completed at the end.
const APPOINTMENT_LEAD_MS = 20_000;
let appointmentStart = 0;
await step('Bob requests an appointment with Dr. Charlie: appointments.request_appointment (starts in 20 s)', async () => {
  await openContract('appointments');
  await selectCaller('bob');
  await selectMessage('request_appointment');
  await chooseAccount(argField('doctor'), 'charlie');
  appointmentStart = Date.now() + APPOINTMENT_LEAD_MS;
  await argField('start').locator('input').fill(String(appointmentStart));
  await argField('duration_min').locator('input').fill('30');
  await argField('reason').locator('input').first().fill('Diabetes follow-up');
  await expectOutcome('request_appointment', /Ok/, 'request');
  await callContract('request_appointment', 'AppointmentCreated', null);
});

await step('Dr. Charlie accepts it: appointments.accept(0) (Requested -> Booked)', async () => {
  await selectCaller('charlie');
  await selectMessage('accept');
  await argField('id').locator('input').fill('0');
  await callContract('accept', 'AppointmentStatusChanged', null);
});

await step('Dr. Charlie adds a diagnosis to Bob\'s records: records.add_record (Accepted)', async () => {
  await openContract('records');
  await selectCaller('charlie');
  await selectMessage('add_record');
  await chooseAccount(argField('patient'), 'bob');
  await argField('title').locator('input').first().fill('Type 2 diabetes');
  await argField('body').locator('input').first().fill('HbA1c 7.1 %; start metformin 500 mg twice a day');
  await expectOutcome('add_record', /Accepted/, 'consent in force');
  await callContract('add_record', 'RecordAdded', 'charlie-adds-record');
});

await step('Bob reads who accessed his data: permissions.access_log(bob, 0, 10)', async () => {
  await openContract('permissions');
  await selectCaller('bob');
  await selectMessage('access_log');
  await chooseAccount(argField('patient'), 'bob');
  await argField('start').locator('input').fill('0');
  await argField('limit').locator('input').fill('10');
  await expectOutcome('access_log', /Granted/, 'the doctor\'s write is in the log');
  await shot('bob-reads-access-log');
});

await step('Bob revokes Dr. Charlie: permissions.revoke(charlie)', async () => {
  await selectMessage('revoke');
  await chooseAccount(argField('grantee'), 'charlie');
  await callContract('revoke', 'AccessRevoked', 'bob-revokes-charlie');
  await expectGrantCounts(/active_?now:?\s*['"]?0\b/i, 'no grant in force after the revoke');
});

await step('Dr. Charlie tries again: records.add_record is now denied (NoConsent) and logged', async () => {
  // (its block is also the first after the appointment's start)
  const wait = appointmentStart + 2_000 - Date.now();
  if (wait > 0) { console.log(`     waiting ${(wait / 1000).toFixed(0)} s for the appointment's start`); await page.waitForTimeout(wait); }
  await openContract('records');
  await selectCaller('charlie');
  await selectMessage('add_record');
  await chooseAccount(argField('patient'), 'bob');
  await argField('title').locator('input').first().fill('Follow-up');
  await argField('body').locator('input').first().fill('Trying after the revoke');
  await expectOutcome('add_record', /NoConsent/, 'the revoke is in force');
  await callContract('add_record', null, null);
  await openContract('permissions');
  await selectCaller('bob');
  await selectMessage('access_log');
  await chooseAccount(argField('patient'), 'bob');
  await argField('start').locator('input').fill('0');
  await argField('limit').locator('input').fill('10');
  await expectOutcome('access_log', /NoConsent/, 'the denied attempt is in the log');
  await shot('access-log-shows-denied-attempt');
});

await step('Bob sees his appointment and completes it after the start: appointments.patient_appointments, complete(0)', async () => {
  await openContract('appointments');
  await selectCaller('bob');
  await selectMessage('patient_appointments');
  await chooseAccount(argField('patient'), 'bob');
  await argField('start').locator('input').fill('0');
  await argField('limit').locator('input').fill('10');
  await expectOutcome('patient_appointments', /Booked/, 'the accepted appointment');
  await selectMessage('complete');
  await argField('id').locator('input').fill('0');
  await callContract('complete', 'AppointmentStatusChanged', null);
  await selectMessage('patient_appointments');
  await chooseAccount(argField('patient'), 'bob');
  await argField('start').locator('input').fill('0');
  await argField('limit').locator('input').fill('10');
  await expectOutcome('patient_appointments', /Completed/, 'the completed appointment');
  await shot('appointment-completed');
});

await step(`every transaction was signed by the extension: ${transactions} transactions, signatures counted here`, async () => {
  if (signatures.length !== transactions) throw new Error(`${signatures.length} signatures for ${transactions} transactions: ${JSON.stringify(signatures)}`);
  if (signatures.some(x => !Object.values(NAME).includes(x.who))) throw new Error(`a signature by an unknown account: ${JSON.stringify(signatures)}`);
  const by = {};
  for (const x of signatures) by[x.who] = (by[x.who] ?? 0) + 1;
  console.log(`     ${signatures.length} signatures (${Object.entries(by).map(([k, v]) => `${k}: ${v}`).join(', ')}) for ${transactions} transactions`);
});

if (blocked.size) console.log(`non-loopback requests the browser tried and were aborted: ${[...blocked].join(', ')}`);
await context.close();
fs.rmSync(userDataDir, { recursive: true, force: true });
server?.close();
await api.disconnect();
console.log(`ui-check: ${stepNo} steps passed, ${signatures.length} transactions signed through the injected extension, ${shotNo} screenshots in ${path.relative(REPO, SHOTS) || SHOTS}`);
