// SMRMS web app journey: drives the built app (web/dist) in headless Debian
// Chromium against a local node with the suite deployed, through the
// wallet-extension path: an init script injects two extensions
// ('polkadot-js' and 'talisman') whose signer calls back into this process,
// where @polkadot/keyring signs the payload. The page never sees a seed and
// never uses a development account of its own.
//
// Cast: //Alice head (deploy.sh makes the deployer the head), //Bob patient,
// //Charlie doctor, //Eve a stranger (unregistered), //Dave the patient's
// guardian (registers as a patient; may read, then also book her
// appointments), //Ferdie the emergency custodian (the hospital network's
// emergency key service: an account, never registered).
//
// Environment:
//   SMRMS_WEB_URL     URL of the served app (or SMRMS_WEB_DIST: a built app
//                     folder with suite.json and contracts/ beside it; served here)
//   SMRMS_NODE_URL    ws URL of the node
//   SMRMS_ADDRESSES   addresses JSON from scripts/deploy.sh (the stranger's call
//                     from this process uses its records address and bundle)
//   WEB_SHOTS         screenshot folder (default <repo>/docs/web)
//   SMRMS_PLAINTEXT_OUT  file to write the journey's plaintext values to (one a
//                     line), for the storage-dump check; its controls go to
//                     SMRMS_PLAINTEXT_OUT.controls
//   SMRMS_KEYFILE     a key file from `smrms keygen` for the head to import
//                     (the import step is skipped without it)
//   SMRMS_CUSTODIAN_KEYFILE  a key file from `smrms keygen`: the emergency
//                     custodian's; the head designates its public key (without
//                     it, a random public key)
//   SMRMS_BIN         a built `smrms` (with SMRMS_CUSTODIAN_KEYFILE: the
//                     custodian opens the page's card and releases it to the
//                     emergency doctor; the step is skipped without them)
//   CHROMIUM          browser binary (default /usr/bin/chromium)
// Prints `web journey: N steps passed` and exits 0, or exits 1 at the first
// failed step with a screenshot of the page at that moment.
import { chromium } from 'playwright-core';
import { ApiPromise, WsProvider, Keyring } from '@polkadot/api';
import { ContractPromise } from '@polkadot/api-contract';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const die = msg => { console.error(`web journey: ${msg}`); process.exit(2); };

const NODE_URL = process.env.SMRMS_NODE_URL || die('SMRMS_NODE_URL is not set (ws URL of the node)');
const ADDRESSES = process.env.SMRMS_ADDRESSES || die('SMRMS_ADDRESSES is not set (JSON from scripts/deploy.sh)');
const SHOTS = path.resolve(process.env.WEB_SHOTS || path.join(REPO, 'docs', 'web'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const suite = JSON.parse(fs.readFileSync(ADDRESSES, 'utf8'));
if (!fs.existsSync(CHROMIUM)) die(`no browser at ${CHROMIUM} (Debian: apt-get install chromium; or set CHROMIUM)`);

// ---- the journey's values: none of the private ones may reach the chain in plaintext
const V = {
  passPatient: 'patient passphrase 1',
  passDoctor: 'doctor passphrase 2',
  profile: {
    name: 'Asha Verma', date_of_birth: '1984-03-17', gender: 'Female', home_address: '12 Residency Road, Bengaluru 560025',
    phone: '+91 80 5550 7788', blood_group: 'AB negative', allergies: 'penicillin, shellfish',
    emergency_contact_name: 'Rahul Verma', emergency_contact_phone: '+91 80 5550 6677',
  },
  doctor: { name: 'Dr. Charlie Rao', qualification: 'MBBS, MD', specialization: 'Endocrinology', phone: '+91 80 2222 3333', licence: 'KMC-55123' },
  record: { kind: 'Diagnosis', title: 'Type 2 diabetes mellitus', body: 'HbA1c 8.1 %; start metformin 500 mg twice daily; review in 12 weeks' },
  refused: { title: 'Follow-up after revocation', body: 'This must never be stored: consent was revoked' },
  medication: { name: 'Metformin XR', dose: '500 mg', frequency: 'twice daily with meals', notes: 'check kidney function in 3 months', days: '90' },
  apptReason: 'Blood sugar review and foot check',
  apptDiagnosis: 'Glycaemic control improving',
  apptPrescription: 'Continue metformin; add vitamin B12',
  fee: '2.5',
  card: {
    allergies: 'latex and iodine contrast', blood_group: 'AB Rh negative', medications: 'Metformin XR 500 mg; salbutamol inhaler as needed',
    conditions: 'Type 2 diabetes, mild asthma', emergency_contact: 'Rahul Verma (husband) +91 80 5550 4411',
  },
  passGuardian: 'guardian passphrase 5',
  guardian: { name: 'Rahul Verma', date_of_birth: '1981-09-05', phone: '+91 80 5550 4411' },
  guardianApptReason: 'Persistent cough for two weeks, booked by Rahul',
  emergencyNote: 'Collapsed at the clinic, chest pain radiating to the left arm',
};
const PLAINTEXT = [
  ...Object.values(V.profile), V.record.title, V.record.body, 'metformin 500 mg', 'HbA1c 8.1', V.refused.title, V.refused.body,
  V.apptReason, 'Residency Road', 'penicillin', V.medication.name, V.medication.frequency, V.medication.notes,
  V.apptDiagnosis, V.apptPrescription, ...Object.values(V.card), 'iodine contrast', 'salbutamol', ...Object.values(V.guardian),
  V.guardianApptReason, V.emergencyNote,
];
// public controls the dump must find: the doctor's public details, and the title every sealed record
// carries in the clear. (The sealed texts themselves are stored in binary, 0xFF and a tag: their text
// prefixes are no longer on chain; the step "on chain: every sealed text is in its binary form" checks them.)
const CONTROLS = [V.doctor.name, V.doctor.specialization, 'sealed'];

// ---- this process: a node connection and the keys the "extension" signs with
await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new WsProvider(NODE_URL), noInitWarn: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: api.registry.chainSS58 ?? 42 });
const pairs = {
  head: keyring.addFromUri('//Alice', { name: 'Head office (Alice)' }),
  patient: keyring.addFromUri('//Bob', { name: 'Asha (patient)' }),
  doctor: keyring.addFromUri('//Charlie', { name: 'Dr. Rao (doctor)' }),
  stranger: keyring.addFromUri('//Eve', { name: 'Eve (stranger)' }),
  guardian: keyring.addFromUri('//Dave', { name: 'Rahul (guardian)' }),
  custodian: keyring.addFromUri('//Ferdie', { name: 'Emergency key service (Ferdie)' }),
};
const A = Object.fromEntries(Object.entries(pairs).map(([k, p]) => [k, p.address]));
const signCount = Object.fromEntries(Object.keys(A).map(k => [A[k], 0]));
let signId = 0;
function signPayload(payload) {
  const pair = keyring.getPair(payload.address);
  const ext = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
  signCount[pair.address] = (signCount[pair.address] ?? 0) + 1;
  return { id: ++signId, signature: ext.sign(pair).signature };
}
function signRaw(raw) {
  const pair = keyring.getPair(raw.address);
  signCount[pair.address] = (signCount[pair.address] ?? 0) + 1;
  return { id: ++signId, signature: `0x${Buffer.from(pair.sign(raw.data)).toString('hex')}` };
}

// ---- a static server for SMRMS_WEB_DIST (from ui-check/journey.mjs)
const MIME = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.contract': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.wasm': 'application/wasm',
};
function serveDist(dir) {
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, 'index.html'))) die(`SMRMS_WEB_DIST=${dir} has no index.html (run npm run build in web/)`);
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = path.join(root, path.normalize(p));
    if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(root, 'index.html');
    res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise(resolve => server.listen(0, '127.0.0.1', () => resolve(server)));
}
let server = null;
let WEB = process.env.SMRMS_WEB_URL;
if (!WEB) {
  if (!process.env.SMRMS_WEB_DIST) die('give the app: SMRMS_WEB_URL=<served app> or SMRMS_WEB_DIST=<built folder>');
  server = await serveDist(process.env.SMRMS_WEB_DIST);
  WEB = `http://127.0.0.1:${server.address().port}/`;
}

// ---- browser
fs.mkdirSync(SHOTS, { recursive: true });
for (const f of fs.readdirSync(SHOTS)) if (/^(\d\d-.*|failed-step-\d+)\.png$/.test(f)) fs.rmSync(path.join(SHOTS, f));
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smrms-web-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
  viewport: { width: 1280, height: 900 },
  acceptDownloads: true,
});
const isLoopback = u => ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(new URL(u).hostname);
const blocked = new Set();
await context.route('**/*', route => {
  const url = route.request().url();
  if (url.startsWith('data:') || url.startsWith('blob:') || isLoopback(url)) return route.continue();
  blocked.add(new URL(url).origin);
  return route.abort();
});
const page = context.pages()[0] || (await context.newPage());
const consoleErrors = [];
page.on('pageerror', e => consoleErrors.push(`pageerror: ${e.message}`));
page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('dialog', d => d.accept());
await page.exposeFunction('__smrmsSignPayload', payload => signPayload(payload));
await page.exposeFunction('__smrmsSignRaw', raw => signRaw(raw));
// Two "extensions", as Polkadot{.js} and Talisman inject themselves
// (window.injectedWeb3[name].enable(origin) → { accounts, signer }).
const extAccounts = {
  'polkadot-js': [pairs.patient, pairs.stranger, pairs.guardian],
  talisman: [pairs.doctor, pairs.head],
};
await page.addInitScript(lists => {
  const mk = list => ({
    version: '0.0.0-smrms-test',
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
const TIMEOUT = 60_000;
page.setDefaultTimeout(TIMEOUT);
const T = id => page.getByTestId(id);
let stepNo = 0;
let shotNo = 0;
let lastSeq = 0;

async function shot(name) {
  shotNo += 1;
  const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.waitForTimeout(150);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`     screenshot ${path.relative(REPO, file)}`);
}

async function step(title, fn) {
  stepNo += 1;
  const t0 = Date.now();
  console.log(`[${String(stepNo).padStart(2, '0')}] ${title}`);
  try {
    await fn();
  } catch (e) {
    const fail = path.join(SHOTS, `failed-step-${String(stepNo).padStart(2, '0')}.png`);
    await page.screenshot({ path: fail, fullPage: true }).catch(() => {});
    console.error(`     FAILED: ${e.message.split('\n').slice(0, 8).join('\n     ')}`);
    console.error(`     page at failure: ${path.relative(REPO, fail)}`);
    if (consoleErrors.length) console.error(`     last browser errors:\n       ${consoleErrors.slice(-6).join('\n       ')}`);
    await finish(1);
  }
  console.log(`     ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function finish(code) {
  await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
  server?.close();
  await api.disconnect().catch(() => {});
  process.exit(code);
}

/** Does `fn` (which starts one activity in the page) and waits for its result; checks its kind and text. */
async function act(fn, { kind = 'ok', text, timeout = 120_000 } = {}) {
  const before = lastSeq;
  await fn();
  const handle = await page.waitForFunction(b => {
    const e = document.querySelector('[data-testid=result]');
    return e && Number(e.dataset.seq) > b ? { seq: Number(e.dataset.seq), kind: e.dataset.kind, text: e.textContent } : null;
  }, before, { timeout });
  const r = await handle.jsonValue();
  lastSeq = r.seq;
  if (r.kind !== kind) throw new Error(`expected a${kind === 'ok' ? 'n' : ''} ${kind} result, the page says (${r.kind}): ${r.text}`);
  if (text && !(text instanceof RegExp ? text.test(r.text) : r.text.includes(text))) throw new Error(`expected ${text} in the result, the page says: ${r.text}`);
  console.log(`     page: ${r.text.replace(/\s*dismiss$/, '').trim()}`);
  return r.text;
}

async function expectText(testid, re, what) {
  const el = T(testid);
  try {
    await el.filter({ hasText: re }).first().waitFor({ timeout: TIMEOUT });
  } catch {
    const t = await el.first().innerText().catch(() => '(not on the page)');
    throw new Error(`${what}: expected ${re} in [data-testid=${testid}], the page shows: ${t.slice(0, 400)}`);
  }
}

async function as(who) {
  await T('account-select').selectOption(A[who]);
  await page.waitForFunction(a => document.querySelector('[data-testid=role]')?.getAttribute('title') === a, A[who]);
  await page.waitForSelector('[data-testid=role]');
  await page.waitForSelector('[data-testid=loading]', { state: 'detached' }).catch(() => {});
}

async function tab(id) {
  await T(`tab-${id}`).click();
  await T(`screen-${id}`).waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-testid=loading]'), null, { timeout: TIMEOUT }).catch(() => {});
}

const contractsAbi = name => JSON.parse(fs.readFileSync(suite.bundles[name], 'utf8'));
async function sendFromHere(pair, tx) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(pair, r => {
      if (r.dispatchError) reject(new Error(`dispatch error: ${r.dispatchError.toString()}`));
      else if (r.status.isInBlock) resolve(r);
    }).catch(reject);
  });
}
async function makeBlock() {
  // the dev node makes a block only for a transaction, and a dry run sees the
  // last block's time: a remark moves the chain's clock past the start
  await sendFromHere(pairs.head, api.tx.system.remark('smrms web journey: tick'));
}
const records = new ContractPromise(api, contractsAbi('records'), suite.records);
const registry = new ContractPromise(api, contractsAbi('registry'), suite.registry);
const permissions = new ContractPromise(api, contractsAbi('permissions'), suite.permissions);
const QUERY_GAS = () => api.registry.createType('WeightV2', { refTime: 10n ** 11n, proofSize: 10n ** 7n });
/** A records query's Ok value (as JSON), from the head. */
async function recordsQuery(method, ...args) {
  const { output } = await records.query[method](A.head, { gasLimit: QUERY_GAS() }, ...args);
  const j = output.toJSON();
  return j.ok?.ok !== undefined ? j.ok.ok : j.ok;
}
const short = a => `${a.slice(0, 6)}…${a.slice(-6)}`;
const esc = t => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sameAccount = (x, y) => keyring.decodeAddress(x).toString() === keyring.decodeAddress(y).toString();
/** A query's Ok value (as JSON) of any contract, from `caller`. */
async function queryAs(contract, caller, method, ...args) {
  const { output } = await contract.query[method](caller, { gasLimit: QUERY_GAS() }, ...args);
  const j = output.toJSON();
  return j.ok?.ok !== undefined ? j.ok.ok : j.ok;
}
/**
 * The on-chain form of a sealed text (web/src/crypto/onchain.ts): 0xFF, then the tag of its format
 * (1 smrms-enc1, 2 e2, 4 n2, 6 c1). `hex` is a stored Vec<u8> as JSON ('0x…').
 */
const ONCHAIN_TAG = { 'smrms-enc1': 1, e2: 2, n2: 4, c1: 6 };
function expectBinary(what, hex, format) {
  const b = Buffer.from(String(hex).replace(/^0x/, ''), 'hex');
  if (b.length < 2 || b[0] !== 0xff || b[1] !== ONCHAIN_TAG[format]) {
    throw new Error(`${what} is not stored in the binary form of ${format}: (0xFF, ${ONCHAIN_TAG[format]}): ${String(hex).slice(0, 24)}…`);
  }
  return b.length;
}
async function recordCount() {
  const { output } = await records.query.recordCount(A.head, { gasLimit: api.registry.createType('WeightV2', { refTime: 10n ** 11n, proofSize: 10n ** 7n }) }, A.patient);
  const j = output.toJSON();
  return BigInt(j.ok?.ok ?? j.ok);
}

/**
 * The doctor opens emergency access on the patient for an hour (the page has no screen for it): with
 * `note`, through the Rust client (`smrms open-emergency --note`: sealed for the patient and the doctor,
 * stored as to_chain of its n2: text), and checks the stored note is in its binary form (0xFF 0x04);
 * without, from this process with no note. Returns whether a note was stored.
 */
async function openEmergency({ note } = {}) {
  if (note && process.env.SMRMS_BIN) {
    const before = (await queryAs(permissions, A.patient, 'emergenciesOf', A.patient, 0, 50)).length;
    const r = smrms(['open-emergency', '--patient', A.patient, '--reason', 'Cardiac', '--note', note, '--minutes', '60'], { suri: '//Charlie' });
    if (r.status !== 0 || !/emergency access #\d+ opened/.test(r.out)) throw new Error(`smrms open-emergency: exit ${r.status}: ${r.out}`);
    const all = await queryAs(permissions, A.patient, 'emergenciesOf', A.patient, 0, 50);
    if (all.length !== before + 1) throw new Error(`${all.length} emergency accesses after opening one, ${before} before`);
    const stored = all.at(-1).note;
    const n = expectBinary('the emergency note', stored, 'n2'); // 0xFF 0x04 ‖ two wrapped keys ‖ nonce and ciphertext
    console.log(`     ${r.out.split('\n').pop()}; the note on chain: ${n} bytes (${String(stored).slice(0, 10)}…)`);
    return true;
  }
  const msg = permissions.abi.findMessage('open_emergency');
  // current suites take a reason code and an optional sealed note; older ones a text
  const args = msg.args.length === 4 ? [A.patient, 'Cardiac', '0x', 3_600_000] : [A.patient, 'Cardiac emergency', 3_600_000];
  const gasLimit = api.registry.createType('WeightV2', { refTime: 5n * 10n ** 10n, proofSize: 5n * 10n ** 5n });
  const dry = await permissions.query.openEmergency(A.doctor, { gasLimit }, ...args);
  if (!dry.result.isOk || !/"ok":\{"ok"/i.test(JSON.stringify(dry.output.toJSON()))) throw new Error(`open_emergency dry run: ${JSON.stringify(dry.output?.toHuman())}`);
  const twice = api.registry.createType('WeightV2', { refTime: dry.gasRequired.refTime.toBn().muln(2), proofSize: dry.gasRequired.proofSize.toBn().muln(2) });
  const deposit = dry.storageDeposit.isCharge ? dry.storageDeposit.asCharge.muln(2) : null;
  await sendFromHere(pairs.doctor, permissions.tx.openEmergency({ gasLimit: twice, storageDepositLimit: deposit }, ...args));
}

/** The Rust client (`SMRMS_BIN`) on this node, as `suri` with the key file `encKey`. */
function smrms(args, { suri, encKey } = {}) {
  const r = spawnSync(process.env.SMRMS_BIN, ['--url', NODE_URL, '--addresses', ADDRESSES, ...(suri ? ['--suri', suri] : []), ...(encKey ? ['--enc-key', encKey] : []), ...args],
    { encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

const t0 = Date.now();
console.log(`web journey: app ${WEB}, node ${NODE_URL}`);
console.log(`  head ${A.head}\n  patient ${A.patient}\n  doctor ${A.doctor}\n  stranger ${A.stranger}\n  guardian ${A.guardian}\n  custodian ${A.custodian}`);

// ---------------------------------------------------------------------------
await step('the app loads suite.json and the ABIs, says clearly when the node is unreachable, then connects', async () => {
  await page.goto(WEB);
  await expectText('node-status', /Connected to/, 'connected');
  await T('node-url').fill('ws://127.0.0.1:9');
  await T('node-connect').click();
  await expectText('node-status', /unreachable/, 'a clear message for an unreachable node');
  await shot('node-unreachable');
  await T('node-url').fill(NODE_URL);
  await T('node-connect').click();
  await expectText('node-status', /Connected to/, 'reconnected');
  await page.waitForFunction(n => document.querySelectorAll('[data-testid=account-select] option').length === n, 5);
  const sources = await T('account-select').locator('option').allInnerTexts();
  if (!sources.some(s => s.includes('(polkadot-js)')) || !sources.some(s => s.includes('(talisman)'))) throw new Error(`accounts from both extensions expected: ${sources}`);
});

await step('a browser without a wallet extension, and one whose extension refuses, get clear messages', async () => {
  const bare = await context.newPage();
  try {
    await bare.goto(WEB);
    await bare.getByTestId('wallet-error').filter({ hasText: /No wallet extension found/ }).waitFor();
    shotNo += 1;
    const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-no-wallet-extension.png`);
    await bare.screenshot({ path: file, fullPage: true });
    console.log(`     screenshot ${path.relative(REPO, file)}`);
  } finally {
    await bare.close();
  }
  const refusing = await context.newPage();
  try {
    await refusing.addInitScript(() => {
      window.injectedWeb3 = { 'polkadot-js': { version: 'test', enable: async () => { throw new Error('Rejected by user'); } } };
    });
    await refusing.goto(WEB);
    await refusing.getByTestId('wallet-error').filter({ hasText: /refused access to SMRMS/ }).waitFor();
  } finally {
    await refusing.close();
  }
});

if (process.env.SMRMS_KEYFILE) {
  await step('head: imports a key file made by `smrms keygen`, publishes it; a different key in the page is reported', async () => {
    await as('head');
    await T('key-mode-import').click();
    await T('key-import-file').setInputFiles(process.env.SMRMS_KEYFILE);
    await act(async () => { await T('key-import-pass').fill('head passphrase 3'); await T('key-import').click(); }, { text: 'Key file imported' });
    await expectText('key-status', /Not yet published/, 'imported, not yet published');
    await act(() => T('key-publish').click(), { text: 'is published in the registry' });
    await expectText('key-status', /matches this key/, 'published and matching');
    const pub = JSON.parse(fs.readFileSync(process.env.SMRMS_KEYFILE, 'utf8')).public.slice(2, 18);
    await page.getByText(`${pub}…`).waitFor();
    await act(() => T('key-forget').click(), { text: 'removed from this browser' });
    await T('key-mode-create').click();
    await act(async () => {
      await T('key-new-pass').fill('head passphrase 4');
      await T('key-new-pass2').fill('head passphrase 4');
      await T('key-create').click();
    }, { text: 'created and stored' });
    await expectText('key-status', /DIFFERENT key/, 'the mismatch with the published key is said plainly');
    await shot('head-key-differs');
  });
} else {
  console.log('(SMRMS_KEYFILE not set: the key-file import step is skipped)');
}

await step('patient: creates her encryption key in the page (passphrase), not yet published', async () => {
  await as('patient');
  await expectText('role', /not registered/, 'an unregistered patient');
  await act(async () => {
    await T('key-new-pass').fill(V.passPatient);
    await T('key-new-pass2').fill(V.passPatient);
    await T('key-create').click();
  }, { text: 'created and stored' });
  await expectText('key-status', /Not yet published/, 'the key is not published yet');
  const [download] = await Promise.all([page.waitForEvent('download'), T('key-backup').click()]);
  const backup = await download.path().then(p => fs.readFileSync(p, 'utf8'));
  if (backup.length < 40) throw new Error('the backup download is empty');
  await shot('patient-key-created');
});

await step('patient: registers with a sealed profile; her key is published and matches', async () => {
  await tab('register-patient');
  for (const [k, v] of Object.entries(V.profile)) await T(`profile-${k}`).fill(v);
  await shot('patient-registration-form');
  await act(() => T('register-patient-submit').click(), { text: 'registered as a patient' });
  await expectText('role', /^patient$/, 'registered as a patient');
  await expectText('key-status', /matches this key/, 'published key matches');
  await tab('profile');
  await expectText('my-profile-allergies', new RegExp(V.profile.allergies), 'her own profile opens');
  await shot('patient-profile-opened');
});

await step('doctor: creates his key and registers as a provider (pending)', async () => {
  await as('doctor');
  await act(async () => {
    await T('key-new-pass').fill(V.passDoctor);
    await T('key-new-pass2').fill(V.passDoctor);
    await T('key-create').click();
  }, { text: 'created and stored' });
  await tab('register-provider');
  await T('provider-name').fill(V.doctor.name);
  await T('provider-kind').selectOption('Doctor');
  await T('provider-qualification').fill(V.doctor.qualification);
  await T('provider-specialization').fill(V.doctor.specialization);
  await T('provider-phone').fill(V.doctor.phone);
  await T('provider-licence').fill(V.doctor.licence);
  await act(() => T('register-provider-submit').click(), { text: 'registered as a provider' });
  await expectText('role', /doctor \(pending\)/, 'a pending doctor');
  await expectText('provider-pending', /pending/, 'told he waits for verification');
  await expectText('key-status', /matches/, 'his key is published');
  await shot('doctor-registered-pending');
});

await step('head: verifies the doctor in the page', async () => {
  await as('head');
  await tab('providers');
  await expectText(`provider-status-${A.doctor}`, /Pending/, 'the doctor waits');
  await shot('head-providers-pending');
  await act(() => T(`verify-${A.doctor}`).click(), { text: 'is verified' });
  await expectText(`provider-status-${A.doctor}`, /Verified/, 'verified');
  await shot('head-provider-verified');
});

await step('doctor: sets his consultation fee', async () => {
  await as('doctor');
  await expectText('role', /doctor \(verified\)/, 'verified now');
  await tab('fee');
  await act(async () => { await T('fee-input').fill(V.fee); await T('fee-set').click(); }, { text: /Your fee is now 2\.5 / });
  await expectText('current-fee', /2\.5 /, 'the fee shown in the chain unit');
  await shot('doctor-fee');
});

let expiryLabel;
await step('patient: grants the doctor her profile, read and write access until a chosen date; her profile key is re-wrapped for him', async () => {
  await as('patient');
  await tab('consent');
  await page.waitForFunction(a => !!document.querySelector(`[data-testid=grant-grantee] option[value="${a}"]`), A.doctor);
  await T('grant-grantee').selectOption(A.doctor);
  await T('scope-demographics').check();
  await T('scope-recordsRead').check();
  await T('scope-recordsWrite').check();
  const d = new Date(Date.now() + 30 * 86_400_000);
  const iso = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  await T('grant-expiry').fill(iso);
  await shot('patient-grant-form');
  await act(() => T('grant-submit').click(), { text: /may now see the profile, read records, add records, through .*\. 1 existing data key\(s\) re-wrapped/ });
  expiryLabel = await T(`grant-expiry-${A.doctor}`).innerText();
  if (!/through/.test(expiryLabel) || !new RegExp(String(d.getFullYear())).test(expiryLabel)) throw new Error(`the grant's expiry is not shown: ${expiryLabel}`);
  console.log(`     grant listed: ${expiryLabel}`);
  await shot('patient-grants');
});

await step('doctor: sees the patient and her grant, adds a sealed record (key wrapped for her and him)', async () => {
  await as('doctor');
  await tab('patients');
  await expectText(`patient-${A.patient}`, new RegExp(`${V.profile.name}.*see the profile, read records, add records`), 'the grant as the doctor sees it, with her name opened');
  await expectText(`patient-expiry-${A.patient}`, /through/, 'with its expiry');
  await shot('doctor-patients');
  await T(`open-patient-${A.patient}`).click();
  await T('record-kind').selectOption(V.record.kind);
  await T('record-title-input').fill(V.record.title);
  await T('record-body-input').fill(V.record.body);
  await act(() => T('record-add').click(), { text: /Record #0 stored sealed; its key is wrapped for .*Dr\. Charlie Rao/ });
  await expectText('doctor-record-title-0', new RegExp(V.record.title), 'the doctor reads what he wrote');
  await shot('doctor-record-added');
  const m = V.medication;
  await T('med-name').fill(m.name); await T('med-dose').fill(m.dose); await T('med-frequency').fill(m.frequency);
  await T('med-days').fill(m.days); await T('med-notes').fill(m.notes);
  await act(() => T('med-add').click(), { text: /Medication #0 stored sealed; its key is wrapped for 2 account/ });
  await expectText('medication-0', new RegExp(m.name), 'the doctor reads the medication he added');
});

await step('patient: opens the record in the page; the tamper check is shown and passes', async () => {
  await as('patient');
  await tab('records');
  await expectText('record-title-0', new RegExp(V.record.title), 'title decrypted');
  await expectText('record-body-0', new RegExp(V.record.body.slice(0, 20).replace(/[.*+?^${}()|[\]\\%]/g, '\\$&')), 'body decrypted');
  if ((await T('record-tamper-0').getAttribute('data-ok')) !== 'true') throw new Error(`tamper check: ${await T('record-tamper-0').innerText()}`);
  await expectText('record-tamper-0', /Tamper check passed/, 'tamper check shown');
  await shot('patient-record-opened');
  await tab('medications');
  await expectText('medication-0', new RegExp(`${V.medication.name}.*${V.medication.dose}`), 'her medication opens');
  await shot('patient-medications');
});

await step("a stranger's audited read of her record is denied (from this process, as //Eve); the head's live feed shows it", async () => {
  const gasLimit = api.registry.createType('WeightV2', { refTime: 5n * 10n ** 10n, proofSize: 5n * 10n ** 5n });
  const dry = await records.query.readRecord(A.stranger, { gasLimit }, A.patient, 0);
  const out = JSON.stringify(dry.output.toHuman());
  if (!/Denied/.test(out)) throw new Error(`expected a denial, the dry run says ${out}`);
  const twice = api.registry.createType('WeightV2', { refTime: dry.gasRequired.refTime.toBn().muln(2), proofSize: dry.gasRequired.proofSize.toBn().muln(2) });
  await sendFromHere(pairs.stranger, records.tx.readRecord({ gasLimit: twice, storageDepositLimit: null }, A.patient, 0));
  await as('head');
  await tab('feed');
  const item = T('feed-item').filter({ hasText: /denied/ }).filter({ hasText: /read record #0/ });
  await item.first().waitFor();
  const text = await item.first().innerText();
  if (!text.includes(A.stranger.slice(0, 6)) || !/not registered/.test(text)) throw new Error(`the feed entry lacks who/why: ${text}`);
  console.log(`     feed: ${text.replace(/\s+/g, ' ')}`);
  await shot('head-live-feed');
});

await step('patient: "who looked at my data" lists the denied attempt; she revokes the doctor in one click', async () => {
  await as('patient');
  await tab('access-log');
  await T('access-log-row').filter({ hasText: /denied: they are not registered/ }).first().waitFor();
  await T('access-log-row').filter({ hasText: /Dr\. Charlie Rao.*add a record.*granted/ }).first().waitFor();
  await shot('patient-access-log');
  await tab('emergencies');
  await expectText('emergencies', /No emergency access was ever opened/, 'no break-glass yet');
  await tab('consent');
  await act(() => T(`revoke-${A.doctor}`).click(), { text: /is revoked, and the 3 key\(s\) wrapped for them are removed/ });
  await T('grants-empty').waitFor();
  await shot('patient-revoked');
});

await step("doctor: his next write is refused in plain language before anything is sent", async () => {
  await as('doctor');
  await tab('patients');
  await T('doctor-patient-address').fill(A.patient);
  await T('doctor-patient-open').click();
  await T('record-title-input').fill(V.refused.title);
  await T('record-body-input').fill(V.refused.body);
  const signedBefore = signCount[A.doctor];
  const countBefore = await recordCount();
  const nonceBefore = (await api.rpc.system.accountNextIndex(A.doctor)).toNumber();
  await expectText('doctor-record-sealed-0', /No data key is wrapped for you/, 'the revoked doctor can no longer fetch the record key');
  await act(() => T('record-add').click(), { kind: 'refused', text: /has not given you write access to their records.*Nothing was sent\./ });
  if (signCount[A.doctor] !== signedBefore) throw new Error('the wallet was asked to sign a refused call');
  if ((await api.rpc.system.accountNextIndex(A.doctor)).toNumber() !== nonceBefore) throw new Error("the doctor's nonce moved: something was sent");
  if ((await recordCount()) !== countBefore) throw new Error('a record was stored after the revocation');
  await shot('doctor-write-refused');
});

await step('a doctor opens emergency access (break-glass, the page has no screen for it: the Rust client, with a sealed note stored in its binary form); the head sees it live, the patient reads the note and closes it', async () => {
  const noted = await openEmergency({ note: V.emergencyNote });
  await as('head');
  await tab('feed');
  const item = T('feed-item').filter({ hasText: /EMERGENCY ACCESS/ }).filter({ hasText: /Dr\. Charlie Rao/ });
  await item.first().waitFor();
  console.log(`     feed: ${(await item.first().innerText()).replace(/\s+/g, ' ')}`);
  await shot('head-feed-emergency');
  await as('patient');
  await tab('emergencies');
  await T('emergency-row').filter({ hasText: /OPEN/ }).filter({ hasText: /cardiac/i }).first().waitFor();
  // the page reads the Rust-written note (fromChain of the binary form) and opens it with her key
  if (noted) await T('emergency-row').filter({ hasText: V.emergencyNote }).first().waitFor();
  else console.log('     (SMRMS_BIN not set: the emergency is opened from this process, without a note)');
  await shot('patient-emergency-open');
  await act(() => T('emergency-close-0').click(), { text: /The emergency access of Dr\. Charlie Rao is closed/ });
  await T('emergency-row').filter({ hasText: /closed .* by/ }).first().waitFor();
  await tab('access-log');
  await T('access-log-row').filter({ hasText: /open emergency access.*EMERGENCY/ }).first().waitFor();
});

let apptStart;
/** A time as a `datetime-local` input takes it (local time, to the second). */
const dtInput = ms => {
  const d = new Date(ms);
  const p = n => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

await step("patient: requests a paid appointment; the doctor's fee is shown and confirmed before signing", async () => {
  await as('patient');
  await tab('appointments');
  await page.waitForFunction(a => !!document.querySelector(`[data-testid=appt-doctor] option[value="${a}"]`), A.doctor);
  await T('appt-doctor').selectOption(A.doctor);
  await expectText('appt-fee', /^2\.5 /, "the doctor's fee");
  apptStart = Math.ceil((Date.now() + 40_000) / 1000) * 1000;
  await T('appt-start').fill(dtInput(apptStart));
  await T('appt-duration').fill('20');
  await T('appt-reason').fill(V.apptReason);
  const signedBefore = signCount[A.patient];
  await T('appt-submit').click();
  await expectText('appt-confirm-fee', /2\.5 /, 'the fee to confirm');
  if (signCount[A.patient] !== signedBefore) throw new Error('signing started before the fee was confirmed');
  await shot('patient-appointment-fee-confirm');
  await act(() => T('appt-confirm-yes').click(), { text: /requested with Dr\. Charlie Rao; 2\.5 .* paid and held/ });
  await expectText('appt-status-0', /requested/, 'the request is listed');
  await expectText('appt-reason-0', new RegExp(V.apptReason), 'the sealed reason opens for her');
  await shot('patient-appointment-requested');
});

await step('doctor: accepts it before its start', async () => {
  await as('doctor');
  await tab('doctor-appointments');
  await expectText('appt-reason-0', new RegExp(V.apptReason), 'the reason opens for the doctor');
  if (Date.now() >= apptStart) throw new Error('too slow: the appointment already started');
  await act(() => T('appt-0-accept').click(), { text: 'Appointment #0 accepted' });
  await expectText('appt-status-0', /booked/, 'booked');
  await T('appt-notes-for').selectOption('0');
  await T('appt-diagnosis').fill(V.apptDiagnosis);
  await T('appt-prescription').fill(V.apptPrescription);
  await act(() => T('appt-notes-save').click(), { text: /notes stored, sealed for/ });
  await expectText('appt-0', new RegExp(V.apptPrescription), 'the sealed notes open for the doctor');
  await shot('doctor-appointment-accepted');
});

await step('after the start: the patient marks it completed (the fee goes to the doctor, who withdraws it)', async () => {
  const wait = apptStart + 1_500 - Date.now();
  if (wait > 0) { console.log(`     waiting ${(wait / 1000).toFixed(0)} s for the start`); await page.waitForTimeout(wait); }
  await makeBlock();
  await as('patient');
  await tab('appointments');
  await T('appt-0-complete').waitFor({ timeout: 20_000 });
  await act(() => T('appt-0-complete').click(), { text: 'Appointment #0 marked completed; the fee held is credited to the doctor' });
  await expectText('appt-status-0', /completed/, 'completed');
  await expectText('appt-0', new RegExp(V.apptDiagnosis), "the doctor's sealed diagnosis opens for her");
  await shot('patient-appointment-completed');
  await as('doctor');
  await tab('fee');
  await expectText('credit', /2\.5 /, 'the fee credited to the doctor');
  await act(() => T('withdraw').click(), { text: /Withdrew 2\.5 / });
  await shot('doctor-fee-withdrawn');
});

await step('patient: her emergency card cannot be stored before the head designates an emergency custodian; the page says so', async () => {
  await as('patient');
  await tab('card');
  await expectText('card-no-custodian', /No emergency custodian is designated yet/, 'no custodian yet');
  await expectText('card-none', /no emergency card yet/, 'no card yet');
  if (!(await T('card-save').isDisabled())) throw new Error('the card could be stored without a custodian');
  await shot('patient-card-no-custodian');
});

await step("head: designates the emergency custodian (the key service's account and its public key from `smrms keygen`); his own account is refused", async () => {
  const custodianKey = process.env.SMRMS_CUSTODIAN_KEYFILE
    ? JSON.parse(fs.readFileSync(process.env.SMRMS_CUSTODIAN_KEYFILE, 'utf8')).public
    : `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex')}`;
  await as('head');
  await tab('custodian');
  await expectText('custodian-none', /No emergency custodian is designated/, 'none yet');
  await T('custodian-address').fill(A.head);
  await T('custodian-key').fill(custodianKey);
  await act(() => T('custodian-designate').click(), { kind: 'refused', text: /head may not be the emergency custodian.*Nothing was sent/ });
  await T('custodian-address').fill(A.custodian);
  await T('custodian-key').fill(custodianKey);
  await act(() => T('custodian-designate').click(), { text: /is the emergency custodian/ });
  await expectText('custodian-current', new RegExp(A.custodian), 'the custodian is shown');
  const c = await recordsQuery('custodian');
  if (!c || !sameAccount(c.account, A.custodian) || c.encryptionKey !== custodianKey) throw new Error(`records.custodian(): ${JSON.stringify(c)}`);
  await shot('head-custodian');
});

await step('patient: sets her emergency card (sealed in the page, key wrapped for her and the custodian) and sees it opened, version 1', async () => {
  await as('patient');
  await tab('card');
  await expectText('card-custodian', /Emergency custodian/, 'the custodian is named');
  for (const [k, v] of Object.entries(V.card)) await T(`card-input-${k}`).fill(v);
  await expectText('card-size', /Sealed size \d+ of 2048 bytes/, 'the sealed size');
  await act(() => T('card-save').click(), { text: /Emergency card version 1 stored sealed; its key is wrapped for you and the emergency custodian/ });
  await expectText('card-version', /Version 1/, 'version 1');
  for (const [k, v] of Object.entries(V.card)) await expectText(`card-field-${k}`, new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), `the card's ${k} opens`);
  await expectText('card-holders', /emergency custodian/, 'its key holders');
  // on chain: ciphertext only, the key held by exactly the patient and the custodian
  const card = await recordsQuery('card', A.patient);
  if (card.version !== 1) throw new Error(`records.card(): version ${card.version}`);
  expectBinary('the card', card.body, 'c1'); // 0xFF 0x06 ‖ nonce ‖ ciphertext
  const body = Buffer.from(card.body.slice(2), 'hex').toString('latin1');
  for (const v of Object.values(V.card)) if (body.includes(v)) throw new Error(`the card's "${v}" is on chain in plaintext`);
  const holders = await recordsQuery('keyHolders', A.patient, 'Card');
  if (holders.length !== 2 || !holders.some(h => sameAccount(h, A.patient)) || !holders.some(h => sameAccount(h, A.custodian))) throw new Error(`card key holders: ${holders}`);
  console.log(`     card on chain: ${body.length} bytes (${card.body.slice(0, 10)}…), key holders: patient and custodian`);
  await shot('patient-emergency-card');
});

if (process.env.SMRMS_BIN && process.env.SMRMS_CUSTODIAN_KEYFILE) {
  await step("the emergency key service (Rust `smrms` as custodian //Ferdie, its key file) opens the page-sealed card, is refused a release without an emergency, releases it once the doctor opens one; the doctor reads the card in the page; her log shows the release; closing it removes his card key", async () => {
    const custodian = { suri: '//Ferdie', encKey: process.env.SMRMS_CUSTODIAN_KEYFILE };
    const shown = smrms(['card', 'show', '--patient', A.patient], custodian);
    if (shown.status !== 0 || !shown.out.includes('decrypted') || !Object.values(V.card).every(v => shown.out.includes(v))) throw new Error(`smrms card show (custodian): exit ${shown.status}: ${shown.out}`);
    console.log(`     smrms card show (as the custodian): ${shown.out.split('\n')[0]}`);
    const early = smrms(['card', 'release', '--patient', A.patient, '--doctor', A.doctor], custodian);
    if (early.status === 0) throw new Error(`a release without an open emergency was not refused: ${early.out}`);
    console.log(`     release before the emergency: refused (${early.out.split('\n').pop().slice(0, 160)})`);
    await openEmergency();
    const released = smrms(['card', 'release', '--patient', A.patient, '--doctor', A.doctor], custodian);
    if (released.status !== 0 || !/released the key/.test(released.out)) throw new Error(`smrms card release: exit ${released.status}: ${released.out}`);
    console.log(`     ${released.out.split('\n').pop()}`);
    await as('doctor');
    await tab('patients');
    await T('doctor-patient-address').fill(A.patient);
    await T('doctor-patient-open').click();
    for (const [k, v] of Object.entries(V.card)) await expectText(`patient-card-field-${k}`, new RegExp(esc(v)), `the doctor reads the card's ${k}`);
    await expectText('doctor-record-sealed-0', /No data key is wrapped for you/, 'the card only: no record key');
    await shot('doctor-reads-emergency-card');
    await as('head');
    await tab('feed');
    const item = T('feed-item').filter({ hasText: /EMERGENCY CARD RELEASED/ }).filter({ hasText: /Dr\. Charlie Rao/ });
    await item.first().waitFor();
    console.log(`     feed: ${(await item.first().innerText()).replace(/\s+/g, ' ')}`);
    await as('patient');
    await tab('access-log');
    await T('access-log-row').filter({ hasText: /Dr\. Charlie Rao/ }).filter({ hasText: /read the emergency card/ }).filter({ hasText: /card key released by the emergency custodian/ }).first().waitFor();
    await shot('patient-access-log-card-release');
    await tab('emergencies');
    await act(() => T('emergency-close-0').click(), { text: /The emergency access of Dr\. Charlie Rao is closed; the key of your emergency card released to them is removed/ });
    if (await recordsQuery('keyOf', A.patient, 'Card', A.doctor)) throw new Error("the card key is still wrapped for the doctor after the close");
  });
} else {
  console.log('(SMRMS_BIN or SMRMS_CUSTODIAN_KEYFILE not set: the custodian release step is skipped)');
}

await step('guardian (Rahul, //Dave): creates his key and registers as a patient', async () => {
  await as('guardian');
  await act(async () => {
    await T('key-new-pass').fill(V.passGuardian);
    await T('key-new-pass2').fill(V.passGuardian);
    await T('key-create').click();
  }, { text: 'created and stored' });
  await tab('register-patient');
  for (const [k, v] of Object.entries(V.guardian)) await T(`profile-${k}`).fill(v);
  await act(() => T('register-patient-submit').click(), { text: 'registered as a patient' });
  await expectText('role', /^patient$/, 'registered');
});

// the patient cannot open her guardian's sealed name: the page names him by his address
await step('patient: appoints Rahul as guardian with the read power until a date; her 4 keys are wrapped for him; he is listed with his powers and expiry', async () => {
  await as('patient');
  await tab('guardians');
  await T('guardians-empty').waitFor();
  await T('guardian-address').fill(A.guardian);
  await T('guardian-power-read').check();
  await T('guardian-power-consent').uncheck();
  const d = new Date(Date.now() + 60 * 86_400_000);
  await T('guardian-expiry').fill(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`);
  await shot('patient-guardian-form');
  await act(() => T('guardian-submit').click(), { text: new RegExp(`^Done: Patient ${esc(short(A.guardian))} is now your guardian: may read profile and records, through .*\\. 4 existing data key\\(s\\) wrapped for them`) });
  await expectText(`guardian-${A.guardian}`, new RegExp(esc(short(A.guardian))), 'listed');
  await expectText(`guardian-powers-${A.guardian}`, /^read profile and records$/, 'his powers');
  await expectText(`guardian-expiry-${A.guardian}`, new RegExp(`through .*${d.getFullYear()}`), 'his expiry');
  for (const item of ['Profile', 'Card', { Record: 0 }, { Medication: 0 }]) {
    if (!(await recordsQuery('keyOf', A.patient, item, A.guardian))) throw new Error(`no key of ${JSON.stringify(item)} wrapped for the guardian`);
  }
  await shot('patient-guardians');
});

await step('guardian: reads her profile through the audited read (from this process, as //Dave); her access log says "by guardian" and names him', async () => {
  const gasLimit = api.registry.createType('WeightV2', { refTime: 5n * 10n ** 10n, proofSize: 5n * 10n ** 5n });
  const dry = await registry.query.readPatientProfile(A.guardian, { gasLimit }, A.patient);
  const out = JSON.stringify(dry.output.toHuman());
  if (/Denied|Err/.test(out)) throw new Error(`the guardian's read was refused: ${out}`);
  const twice = api.registry.createType('WeightV2', { refTime: dry.gasRequired.refTime.toBn().muln(2), proofSize: dry.gasRequired.proofSize.toBn().muln(2) });
  const deposit = dry.storageDeposit.isCharge ? dry.storageDeposit.asCharge.muln(2) : null;
  await sendFromHere(pairs.guardian, registry.tx.readPatientProfile({ gasLimit: twice, storageDepositLimit: deposit }, A.patient));
  await as('patient');
  await tab('access-log');
  const row = T('access-log-row').filter({ hasText: /read the profile/ }).filter({ hasText: new RegExp(`granted: by guardian ${esc(short(A.guardian))}, acting for you`) });
  await row.first().waitFor();
  console.log(`     log: ${(await row.first().innerText()).replace(/\s+/g, ' ')}`);
  await shot('patient-access-log-guardian');
});

await step('patient: gives Rahul the power to book her appointments too (appointed again, with read and book); his powers say so', async () => {
  await tab('guardians');
  await T('guardian-address').fill(A.guardian);
  await T('guardian-power-consent').uncheck();
  await T('guardian-power-read').check();
  await T('guardian-power-book').check();
  await act(() => T('guardian-submit').click(), { text: new RegExp(`^Done: Patient ${esc(short(A.guardian))} is now your guardian: may read profile and records, book appointments, until you remove them\\.`) });
  await expectText(`guardian-powers-${A.guardian}`, /^read profile and records, book appointments$/, 'his powers');
  await shot('patient-guardian-book-power');
});

await step("guardian: requests an appointment for Asha with Dr. Rao in the page, paying the doctor's fee himself (confirmed before signing); he sees her appointments, the reason sealed for her and the doctor", async () => {
  await as('guardian');
  await tab('guardians');
  await expectText(`ward-powers-${A.patient}`, /^read profile and records, book appointments$/, 'his powers as her guardian');
  await T('ward-appt-request').waitFor();
  await page.waitForFunction(a => !!document.querySelector(`[data-testid=ward-appt-doctor] option[value="${a}"]`), A.doctor);
  await T('ward-appt-doctor').selectOption(A.doctor);
  await expectText('ward-appt-fee', /^2\.5 /, "the doctor's fee");
  await T('ward-appt-start').fill(dtInput(Math.ceil((Date.now() + 3 * 86_400_000) / 1000) * 1000));
  await T('ward-appt-duration').fill('15');
  await T('ward-appt-reason').fill(V.guardianApptReason);
  const signedBefore = signCount[A.guardian];
  await T('ward-appt-submit').click();
  await expectText('ward-appt-confirm-fee', /2\.5 /, 'the fee to confirm');
  if (signCount[A.guardian] !== signedBefore) throw new Error('signing started before the fee was confirmed');
  await act(() => T('ward-appt-confirm-yes').click(), { text: /^Done: Appointment #1 requested for .+ with Dr\. Charlie Rao; 2\.5 .* paid by you and held/ });
  // her appointments, as the contract shows them to her guardian with the booking power: his request and her own completed one
  await expectText('appt-status-1', /requested/, 'his request is listed');
  await expectText('appt-reason-1', /^\(sealed for the patient and the doctor\)$/, 'the reason he sealed is not his to open');
  await expectText('appt-status-0', /completed/, 'her own appointment is listed too');
  await T('appt-1-cancel').waitFor();
  await shot('guardian-books-for-ward');
});

await step("guardian: cancels it for her; the fee is credited back to him, not to her; her appointments show it with the reason he sealed for her, her access log names him for both acts", async () => {
  await act(() => T('appt-1-cancel').click(), { text: /^Done: Appointment #1 cancelled; any fee held is credited back to whoever paid it/ });
  await expectText('appt-status-1', /cancelled/, 'cancelled');
  if (await T('appt-1-cancel').count()) throw new Error('a cancelled appointment still offers Cancel');
  await expectText('credit', /^2\.5 /, 'the refund credited to the guardian');
  await act(() => T('withdraw').click(), { text: /Withdrew 2\.5 / });
  await as('patient');
  await tab('appointments');
  await expectText('appt-status-1', /cancelled/, 'cancelled');
  await expectText('appt-reason-1', new RegExp(esc(V.guardianApptReason)), 'the reason the guardian sealed opens for her');
  await expectText('credit', /^0 /, 'nothing credited to her');
  await tab('access-log');
  const by = `granted: by guardian ${esc(short(A.guardian))}, `;
  const booked = T('access-log-row').filter({ hasText: /book an appointment for the patient/ }).filter({ hasText: new RegExp(`${by}booked an appointment for you`) });
  const acted = T('access-log-row').filter({ hasText: /act on appointment #1 for the patient/ }).filter({ hasText: new RegExp(`${by}acted on appointment #1 for you`) });
  await booked.first().waitFor();
  await acted.first().waitFor();
  for (const row of [booked, acted]) console.log(`     log: ${(await row.first().innerText()).replace(/\s+/g, ' ')}`);
  await shot('patient-access-log-guardian-booking');
});

await step("patient: removes her guardian; the keys wrapped for him are removed and the list is empty", async () => {
  await tab('guardians');
  await act(() => T(`guardian-remove-${A.guardian}`).click(), { text: new RegExp(`Patient ${esc(short(A.guardian))} is no longer your guardian; the 4 key\\(s\\) wrapped for them are removed`) });
  await T('guardians-empty').waitFor();
  if (await recordsQuery('keyOf', A.patient, 'Card', A.guardian)) throw new Error("the card's key is still wrapped for the removed guardian");
  await shot('patient-guardian-removed');
});

await step('on chain: every sealed text the page stored is in its binary form (0xFF and a tag: profile fields e2, record smrms-enc1, medication e2, appointment texts n2), the record title "sealed" in the clear', async () => {
  const appointments = new ContractPromise(api, contractsAbi('appointments'), suite.appointments);
  const sizes = [];
  const { profile } = await queryAs(registry, A.patient, 'patientProfile', A.patient);
  for (const [k, v] of Object.entries(profile)) {
    if (typeof v !== 'string' || !v.startsWith('0x') || k === 'nationalIdHash') continue;
    sizes.push(`profile.${k} ${expectBinary(`profile.${k}`, v, 'e2')}`);
  }
  if (sizes.length !== 9) throw new Error(`${sizes.length} sealed profile fields found, not 9: ${JSON.stringify(profile).slice(0, 300)}`);
  const [[, rec]] = await queryAs(records, A.patient, 'records', A.patient, 0, 1);
  if (Buffer.from(rec.title.slice(2), 'hex').toString('utf8') !== 'sealed') throw new Error(`record #0's title is ${rec.title}, not "sealed"`);
  sizes.push(`record.body ${expectBinary('record #0 body', rec.body, 'smrms-enc1')}`);
  const [[, med]] = await queryAs(records, A.patient, 'medications', A.patient, 0, 1);
  for (const k of ['name', 'dose', 'frequency', 'notes']) sizes.push(`medication.${k} ${expectBinary(`medication #0 ${k}`, med[k], 'e2')}`);
  const [[, ap]] = await queryAs(appointments, A.patient, 'patientAppointments', A.patient, 0, 1);
  sizes.push(`appointment.reason ${expectBinary('appointment #0 reason', ap.reason, 'n2')}`);
  for (const k of ['diagnosis', 'prescription']) if (ap[k] !== '0x') sizes.push(`appointment.${k} ${expectBinary(`appointment #0 ${k}`, ap[k], 'n2')}`);
  console.log(`     binary on chain (bytes): ${sizes.join(', ')}`);
});

await step("patient: downloads her FHIR R4 export; the FHIR validator accepts it; her record, medication, grant and appointments (hers, and the one her guardian booked) appear once each, the guardian's acts as AuditEvents", async () => {
  // the validator (tools/fhir-validate: the official FHIR R4 JSON schema with ajv, and FHIR.js)
  const tool = path.join(REPO, 'tools', 'fhir-validate');
  if (!fs.existsSync(path.join(tool, 'node_modules'))) {
    const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: tool, encoding: 'utf8' });
    if (ci.status !== 0) throw new Error(`npm ci in tools/fhir-validate failed: ${ci.stderr}`);
  }
  await as('patient');
  await tab('profile');
  const downloading = page.waitForEvent('download', { timeout: 180_000 }).catch(e => e);
  await act(() => T('fhir-export-download').click(), { text: /FHIR R4 bundle: \d+ resources, saved as smrms-.*-fhir\.json/, timeout: 180_000 });
  const download = await downloading;
  if (download instanceof Error) throw download;
  const want = `smrms-${A.patient.slice(0, 6)}-${A.patient.slice(-6)}-fhir.json`;
  if (download.suggestedFilename() !== want) throw new Error(`the download is named ${download.suggestedFilename()}, expected ${want}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smrms-web-fhir-'));
  const file = path.join(dir, want);
  await download.saveAs(file);
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  const n = bundle.entry?.length ?? 0;
  await expectText('fhir-export-status', new RegExp(`^FHIR R4 bundle: ${n} resources`), 'the status line counts the bundle\'s resources');
  const v = spawnSync(process.execPath, [path.join(tool, 'validate.mjs'), file], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error(`the FHIR validator rejects the export (exit ${v.status}):\n${v.stderr.slice(0, 1500)}`);
  if (!new RegExp(`^fhir: ${n} resources valid$`, 'm').test(v.stdout)) throw new Error(`the validator's count differs from the bundle's ${n} entries: ${v.stdout}`);
  console.log(`     ${v.stdout.trim().split('\n').pop()}`);

  const all = bundle.entry.map(e => e.resource);
  const of = t => all.filter(r => r.resourceType === t);
  const once = (list, what) => { if (list.length !== 1) throw new Error(`${what}: ${list.length} in the export, expected exactly 1`); return list[0]; };
  const tagged = (r, code) => (r.meta?.tag ?? []).some(t => t.system === 'urn:smrms:export' && t.code === code);
  if (new Set(bundle.entry.map(e => e.fullUrl)).size !== n) throw new Error('duplicate fullUrls in the export');
  const urls = new Set(bundle.entry.map(e => e.fullUrl));
  const dangling = JSON.stringify(bundle).match(/"reference":"[^"]*"/g)?.map(x => x.slice(13, -1)).filter(u => !urls.has(u)) ?? [];
  if (dangling.length) throw new Error(`references outside the bundle: ${dangling.join(', ')}`);
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'collection') throw new Error(`not a collection Bundle: ${bundle.resourceType}/${bundle.type}`);
  // her profile, opened
  const patient = once(of('Patient'), 'Patient');
  if (patient.name?.[0]?.text !== V.profile.name || patient.birthDate !== V.profile.date_of_birth || patient.gender !== 'female') {
    throw new Error(`Patient: ${JSON.stringify(patient).slice(0, 300)}`);
  }
  // the record the doctor wrote, opened, with the chain's content hash and block
  const doc = once(of('DocumentReference').filter(r => r.masterIdentifier?.value === `${A.patient}/0`), 'record #0');
  if (of('DocumentReference').length !== 1) throw new Error(`${of('DocumentReference').length} records exported, 1 was stored (the refused one must not be)`);
  if (tagged(doc, 'sealed') || doc.description !== V.record.title) throw new Error(`record #0 not opened: ${doc.description}`);
  if (Buffer.from(doc.content[0].attachment.data, 'base64').toString('utf8') !== V.record.body) throw new Error('record #0: the body differs');
  if (!doc.identifier.some(i => i.system === 'urn:smrms:content-hash' && /^0x[0-9a-f]{64}$/.test(i.value))) throw new Error('record #0: no content hash');
  if (!doc.identifier.some(i => i.system === 'urn:smrms:block' && Number(i.value) > 0)) throw new Error('record #0: no block');
  // the medication
  const med = once(of('MedicationStatement'), 'medication');
  if (med.medicationCodeableConcept?.text !== V.medication.name) throw new Error(`medication: ${JSON.stringify(med.medicationCodeableConcept)}`);
  // the grant to the doctor: found in the chain's events, revoked
  const consent = once(of('Consent').filter(r => r.identifier?.[0]?.value?.startsWith(`${A.patient}/${A.doctor}/`)), 'the grant to the doctor');
  if (of('Consent').length !== 1) throw new Error(`${of('Consent').length} grants exported, she made 1`);
  const scopes = consent.provision.action.map(x => x.coding.at(-1).code).join(',');
  if (consent.status !== 'inactive' || !tagged(consent, 'revoked') || scopes !== 'demographics,records-read,records-write' || !consent.provision.period?.end) {
    throw new Error(`the revoked grant: ${consent.status}, scopes ${scopes}, ${JSON.stringify(consent.meta)}`);
  }
  if (consent.provision.actor[0].reference.display !== V.doctor.name) throw new Error(`the grantee: ${JSON.stringify(consent.provision.actor[0].reference)}`);
  once(of('Practitioner').filter(r => r.identifier?.[0]?.value === A.doctor), 'the doctor as a Practitioner');
  // the appointment, completed, with its sealed texts opened
  const appt = once(of('Appointment').filter(r => r.identifier?.[0]?.value === '0'), 'appointment #0');
  if (of('Appointment').length !== 2) throw new Error(`${of('Appointment').length} appointments exported: she made 1, her guardian booked 1`);
  if (appt.status !== 'fulfilled' || appt.description !== V.apptReason || !appt.comment?.includes(V.apptDiagnosis)) {
    throw new Error(`appointment #0: ${appt.status}, ${appt.description}, ${appt.comment}`);
  }
  // the one her guardian booked and cancelled, its reason opened with her key
  const booked = once(of('Appointment').filter(r => r.identifier?.[0]?.value === '1'), 'appointment #1');
  if (booked.status !== 'cancelled' || booked.description !== V.guardianApptReason) throw new Error(`appointment #1: ${booked.status}, ${booked.description}`);
  // the access log: the stranger's denied read, the emergency access
  const audit = of('AuditEvent');
  if (!audit.some(r => r.outcome === '4' && r.agent[0].who.identifier?.value === A.stranger)) throw new Error("the stranger's denied read is not an AuditEvent with outcome 4");
  if (!audit.some(r => r.purposeOfEvent?.[0]?.coding?.[0]?.code === 'BTG')) throw new Error('the emergency access is not an AuditEvent (break the glass)');
  // the guardian's booking (a create) and cancellation (an update naming appointment #1), by him
  const code = r => r.subtype?.at(-1)?.code;
  const byGuardian = r => r.agent[0].who.identifier?.value === A.guardian;
  const book = once(audit.filter(r => code(r) === 'BookAppointment'), "the guardian's booking as an AuditEvent");
  const manage = once(audit.filter(r => code(r) === 'ManageAppointment'), "the guardian's cancellation as an AuditEvent");
  if (book.action !== 'C' || manage.action !== 'U' || !byGuardian(book) || !byGuardian(manage) || !/guardian/.test(manage.outcomeDesc)) {
    throw new Error(`the guardian's AuditEvents: ${JSON.stringify([book, manage]).slice(0, 600)}`);
  }
  const apptUrl = bundle.entry.find(e => e.resource === booked).fullUrl;
  if (manage.entity?.[1]?.what?.reference !== apptUrl) throw new Error(`ManageAppointment names ${JSON.stringify(manage.entity?.[1])}, not appointment #1`);
  const types = Object.entries(all.reduce((m, r) => ({ ...m, [r.resourceType]: (m[r.resourceType] ?? 0) + 1 }), {})).map(([t, k]) => `${t} ${k}`).join(', ');
  console.log(`     export: ${n} resources (${types})`);
  fs.rmSync(dir, { recursive: true, force: true });
  await shot('patient-fhir-export');
});

const secs = ((Date.now() - t0) / 1000).toFixed(0);
if (blocked.size) console.log(`non-loopback requests the browser tried and were aborted: ${[...blocked].join(', ')}`);
if (process.env.SMRMS_PLAINTEXT_OUT) {
  fs.writeFileSync(process.env.SMRMS_PLAINTEXT_OUT, `${PLAINTEXT.join('\n')}\n`);
  fs.writeFileSync(`${process.env.SMRMS_PLAINTEXT_OUT}.controls`, `${CONTROLS.join('\n')}\n`);
}
console.log(`web journey: ${stepNo} steps passed in ${secs} s, ${shotNo} screenshots in ${path.relative(REPO, SHOTS) || SHOTS}`);
await finish(0);
