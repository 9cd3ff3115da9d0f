// Interop vectors shared with the Rust client (client/examples/interop.rs):
// one JSON format ("smrms-interop/v2") in both directions. `makeVectors`
// seals items with this module; `vectorChecks` opens a file made by either
// side and compares plaintexts and public keys, and checks that every sealed
// field and note is padded (`e2:`, `n2:`) to exactly its bucket's length, so
// that both sides pad alike (`padded_profiles` and some medications and
// notes are at bucket edges or share a bucket). `onchain` pins the on-chain
// bytes codec (onchain.ts; Rust `onchain::to_chain` / `from_chain`): the
// stored bytes of every sealed text in the file and of fixed cases
// (plaintext, empty, non-canonical base64, version 1 formats), checked both
// ways. Test support only: the app does not import it.

import { type Bytes, b64encode, hex, randomBytes, unhex, utf8Len } from './bytes';
import { fromChain, toChain } from './onchain';
import {
  CryptoError,
  ENVELOPE_PREFIX,
  FIELD_PREFIX,
  FIELD_PREFIX_V1,
  MAX_NOTE_PLAINTEXT,
  MAX_TEXT_LEN,
  MEDICATION_FIELDS,
  NOTE_PREFIX,
  NOTE_PREFIX_V1,
  PROFILE_FIELDS,
  WRAPPED_KEY_LEN,
  type EncryptionKeys,
  type FieldSpec,
  type Sealed,
  devAccountKeys,
  envelopeCommitment,
  generateKeys,
  keysFromSeed,
  newDataKey,
  openField,
  openNote,
  openRecord,
  prove,
  sealField,
  sealNote,
  sealRecord,
  sealedFieldLen,
  sealedNoteLen,
  unwrapKey,
  wrapInfo,
  wrapKey,
} from './core';

const randomAccount = (): Bytes => randomBytes(32);
import { keyFileText, parseKeyFile } from './keyfile';
import { CARD_FIELDS, CARD_PREFIX, MAX_CARD_LEN, cardCapacity, cardJson, emptyCard, openCard, sealCard, sealedCardLen, type CardFields } from './card';

export const FORMAT = 'smrms-interop/v2';

export interface Party {
  account: string;
  seed: string;
  public: string;
}
export interface Wrap {
  reader: 'patient' | 'doctor';
  object: Sealed;
  info: string;
  wrapped: string;
}
export interface RecordVector {
  id: number;
  title: string;
  body: string;
  envelope: string;
  salt: string;
  commitment: string;
  data_key: string;
  wraps: Wrap[];
}
export interface FieldVector {
  name: string;
  index: number;
  max: number;
  plaintext: string;
  sealed: string;
}
export interface FieldSet {
  object: Sealed;
  data_key: string;
  wraps: Wrap[];
  fields: FieldVector[];
}
/** An emergency card (crypto/card.ts; Rust `seal_card`): the card in the clear, sealed for the vectors' patient, its key and wraps. */
export interface CardVector {
  card: CardFields;
  sealed: string;
  data_key: string;
  wraps: Wrap[];
}
export interface Vectors {
  format: string;
  producer: string;
  patient: Party;
  doctor: Party;
  dev_accounts: { suri: string; public: string }[];
  seed_vectors: { seed: string; public: string }[];
  key_file: { text: string; public: string };
  records: RecordVector[];
  profile: FieldSet;
  /** More profiles, with texts at bucket edges and in shared buckets. */
  padded_profiles: FieldSet[];
  medications: FieldSet[];
  notes: { text: string; note: string }[];
  /** Emergency cards (optional: a producer that does not know cards yet leaves it out). */
  cards?: CardVector[];
  /**
   * The on-chain codec: `chain` (0x-hex) is `toChain(text)`, and
   * `fromChain(chain)` is `text`. Every sealed text of the file, and fixed
   * cases. Required: a file without it fails the check.
   */
  onchain?: OnchainVector[];
  /** Stored values that are neither a binary form nor UTF-8 (0x-hex): `fromChain` must fail. Optional. */
  onchain_malformed?: string[];
}
export interface OnchainVector {
  text: string;
  chain: string;
}

/** The RFC 9180 A.1 ikmR and the public key it derives (pkRm). */
export const RFC9180_IKM_R = '6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037';
export const RFC9180_PK_R = '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d';

function need(s: string, len?: number): Bytes {
  const b = unhex(s, len);
  if (!b) throw new Error(`bad hex: ${s}`);
  return b;
}

/** Seals the same kinds of items as `interop gen` with this module. */
export async function makeVectors(): Promise<Vectors> {
  const pKeys = await generateKeys();
  const dKeys = await generateKeys();
  const p = randomAccount();
  const d = randomAccount();
  const readers: [Wrap['reader'], Bytes, Bytes][] = [
    ['patient', p, pKeys.publicKey],
    ['doctor', d, dKeys.publicKey],
  ];
  const wraps = async (key: Bytes, object: Sealed): Promise<Wrap[]> => {
    const out: Wrap[] = [];
    for (const [reader, account, pub] of readers) {
      const info = wrapInfo(p, object, account);
      out.push({ reader, object, info: hex(info), wrapped: hex(await wrapKey(pub, key, info)) });
    }
    return out;
  };
  const party = (account: Bytes, k: EncryptionKeys): Party => ({
    account: hex(account),
    seed: hex(k.seed),
    public: hex(k.publicKey),
  });

  const seeds = [new Uint8Array(32), Uint8Array.from({ length: 32 }, (_, i) => i), need(RFC9180_IKM_R), randomAccount()];
  const seed_vectors = [];
  for (const s of seeds) seed_vectors.push({ seed: hex(s), public: hex((await keysFromSeed(s)).publicKey) });
  const dev_accounts = [];
  for (const suri of ['//Alice', '//Bob', '//Charlie', '//Dave']) {
    dev_accounts.push({ suri, public: hex((await devAccountKeys(suri)).publicKey) });
  }
  const fileKeys = await generateKeys();

  const recordTexts: [number, string, string][] = [
    [0, 'Diagnosis', 'Type 2 diabetes; HbA1c 6.8 %'],
    [1, 'Befund: Röntgen 🩻', 'Keine Fraktur. 骨折なし. Ünïcödé ✓'],
    [7, '', 'body with an empty title'],
    [42, 'title only', ''],
    [0xffffffff, '\u{feff}BOM-led title', 'line 1\nline 2\r\n\ttab "quotes" \\ backslash'],
    [3, 'long', 'b'.repeat(5900)],
  ];
  const records: RecordVector[] = [];
  for (const [id, title, body] of recordTexts) {
    const key = newDataKey();
    const envelope = sealRecord(key, title, body);
    records.push({
      id,
      title,
      body,
      envelope,
      salt: hex(openRecord(key, envelope).salt),
      commitment: hex(envelopeCommitment(envelope)),
      data_key: hex(key),
      wraps: await wraps(key, { kind: 'Record', id }),
    });
  }

  const fields = (key: Bytes, specs: readonly FieldSpec[], texts: string[]): FieldVector[] =>
    specs.map((f, i) => {
      const plaintext = texts[i] ?? '';
      return { name: f.name, index: f.index, max: f.max, plaintext, sealed: sealField(key, f.index, plaintext, f.max) };
    });
  const profileKey = newDataKey();
  const profile: FieldSet = {
    object: { kind: 'Profile' },
    data_key: hex(profileKey),
    wraps: await wraps(profileKey, { kind: 'Profile' }),
    fields: fields(profileKey, PROFILE_FIELDS, [
      'Anjali Rao-Müller',
      '1980-02-14',
      '',
      '12 MG Road, Bengaluru 560001 — flat 4B',
      '+91 80 1234 5678',
      'AB+',
      'penicillin; peanuts 🥜',
      'Ravi Rao',
      '+91 98450 00000',
    ]),
  };
  // padding: same bucket ('A+' / 'AB-', 'male' / 'female'), bucket edges
  // (15/16 bytes, each field's largest text), texts ending in NUL or 0x80 bytes
  const [x15, p28, n63, n76, a255, a364] = ['x'.repeat(15), '9'.repeat(28), 'n'.repeat(63), 'n'.repeat(76), 'a'.repeat(255), 'a'.repeat(364)];
  const padded_profiles: FieldSet[] = [];
  for (const texts of [
    ['Li', '2001-01-01', 'male', a255, '+1 555 0100', 'A+', a364, n76, p28],
    ['Anjali Rao-Müller', '1980-02-14', 'female', '耀\0', '+91 80 1234 5678', 'AB-', x15, n63, x15],
  ]) {
    const key = newDataKey();
    padded_profiles.push({
      object: { kind: 'Profile' },
      data_key: hex(key),
      wraps: await wraps(key, { kind: 'Profile' }),
      fields: fields(key, PROFILE_FIELDS, texts),
    });
  }
  const medications: FieldSet[] = [];
  for (const [id, texts] of [
    [0, ['Metformin', '500 mg', 'twice daily', 'with meals']],
    [5, ['Atorvastatin', '20 mg', 'nightly', '']],
    [8, ['Sertraline', '5 mg', 'daily', '耀']],
    [9, ['m'.repeat(76), 'd'.repeat(28), 'f'.repeat(16), 'n'.repeat(256)]],
  ] as [number, string[]][]) {
    const key = newDataKey();
    medications.push({
      object: { kind: 'Medication', id },
      data_key: hex(key),
      wraps: await wraps(key, { kind: 'Medication', id }),
      fields: fields(key, MEDICATION_FIELDS, texts),
    });
  }

  const notes = [];
  for (const text of [
    'Chest pain on exertion; troponin pending',
    'Kopfschmerz, Übelkeit — 头痛',
    'x'.repeat(MAX_NOTE_PLAINTEXT),
    '',
    'Flu',
    'x'.repeat(127),
    'x'.repeat(128),
    '耀\0',
  ]) {
    notes.push({ text, note: await sealNote(p, pKeys.publicKey, d, dKeys.publicKey, text, MAX_TEXT_LEN) });
  }

  // emergency cards: Unicode, one field only, JSON escapes, the largest card
  const cardTexts: CardFields[] = [
    {
      allergies: 'penicillin; peanuts 🥜',
      blood_group: 'AB+',
      medications: 'Metformin 500 mg twice daily; salbutamol inhaler',
      conditions: 'Type 2 diabetes; asthma',
      emergency_contact: 'Ravi Rao, +91 98450 00000',
    },
    { ...emptyCard(), blood_group: 'O-' },
    { ...emptyCard(), conditions: 'line 1\nline 2\r\n\t"quoted" \\ backslash \u0001 耀\0', emergency_contact: '</script>' },
    { ...emptyCard(), conditions: 'c'.repeat(cardCapacity() - 1 - cardJson(emptyCard()).length) },
  ];
  const cards: CardVector[] = [];
  for (const card of cardTexts) {
    const key = newDataKey();
    cards.push({ card, sealed: sealCard(key, p, card), data_key: hex(key), wraps: await wraps(key, { kind: 'Card' }) });
  }

  const sealedTexts = [
    ...records.map(r => r.envelope),
    ...[profile, ...padded_profiles, ...medications].flatMap(set => set.fields.map(f => f.sealed)),
    ...notes.map(n => n.note),
    ...cards.map(c => c.sealed),
  ];
  const onchain = [...new Set([...sealedTexts, ...onchainFixedTexts()])].map(text => ({ text, chain: `0x${hex(toChain(text))}` }));

  return {
    format: FORMAT,
    producer: 'ts',
    patient: party(p, pKeys),
    doctor: party(d, dKeys),
    dev_accounts,
    seed_vectors,
    key_file: { text: keyFileText(fileKeys), public: hex(fileKeys.publicKey) },
    records,
    profile,
    padded_profiles,
    medications,
    notes,
    cards,
    onchain,
    onchain_malformed: [...ONCHAIN_MALFORMED],
  };
}

/**
 * Fixed texts for the on-chain codec: plaintext, the empty text, version 1
 * formats (e1:, n1:), the shortest canonical bodies, and near misses that
 * must stay UTF-8 text (padding, stray bits, a foreign character, upper-case
 * hex, a short commitment, a 79-byte wrapped key, a wrong number of parts).
 */
export function onchainFixedTexts(): string[] {
  const b = (n: number, fill: number) => b64encode(new Uint8Array(n).fill(fill));
  const commitment = 'c0ffee'.repeat(10) + 'c0ff';
  return [
    '',
    'sealed',
    'Type 2 diabetes',
    'Übelkeit — 头痛 🩺 \u{feff}\0',
    'e2',
    'e2:hello world',
    '0xff02',
    `${FIELD_PREFIX_V1}${b(27, 0x11)}`,
    `${NOTE_PREFIX_V1}${b(80, 1)}.${b(80, 2)}.${b(60, 3)}`,
    'e2:',
    'c1:',
    `${ENVELOPE_PREFIX}.${commitment}`,
    `${NOTE_PREFIX}${b(80, 4)}.${b(80, 5)}.`,
    // near misses: they stay text
    'e2:QQ==',
    'e2:QR',
    'c1:QUJD*',
    'e1:A',
    `${ENVELOPE_PREFIX}${b(40, 6)}.${commitment.toUpperCase()}`,
    `${ENVELOPE_PREFIX}${b(40, 6)}.${commitment.slice(2)}`,
    `${ENVELOPE_PREFIX}${b(40, 6)}.${commitment}.${commitment}`,
    `${NOTE_PREFIX}${b(79, 7)}.${b(80, 8)}.${b(40, 9)}`,
    `${NOTE_PREFIX}${b(80, 7)}.${b(80, 8)}`,
    `${NOTE_PREFIX}${b(80, 7)}.${b(80, 8)}.${b(40, 9)}.AAAA`,
    ` ${FIELD_PREFIX}${b(32, 10)}`,
  ];
}

/** Stored values `fromChain` refuses: the mark alone, unknown tags, short bodies, invalid UTF-8. */
export const ONCHAIN_MALFORMED: readonly string[] = Object.freeze([
  '0xff', '0xff00', '0xff07', '0xffff0102', `0xff01${'ab'.repeat(31)}`, `0xff04${'00'.repeat(159)}`, '0xff05', '0xc328', '0x6180', '0xfe0201',
]);

/** One named check of a vectors file; `run` throws on a mismatch. */
export interface VectorCheck {
  name: string;
  run: () => Promise<void>;
}

function eq<T>(what: string, got: T, want: T): void {
  if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

function objectName(o: Sealed): string {
  if (o.kind === 'Profile') return 'profile';
  if (o.kind === 'Card') return 'emergency card';
  return `${o.kind.toLowerCase()} ${o.id}`;
}

/**
 * The checks that open every item of `v` (made by either side) with this
 * module: one per key derivation, wrapped key, record, field and note.
 */
export function vectorChecks(v: Vectors): VectorCheck[] {
  if (v.format !== FORMAT) throw new Error(`format ${v.format} is not ${FORMAT}`);
  const checks: VectorCheck[] = [];
  const add = (name: string, run: () => Promise<void>) => checks.push({ name, run });
  const p = need(v.patient.account, 32);
  const d = need(v.doctor.account, 32);
  let pKeys: Promise<EncryptionKeys> | undefined;
  let dKeys: Promise<EncryptionKeys> | undefined;
  const keysOf = (reader: Wrap['reader']): Promise<EncryptionKeys> =>
    reader === 'patient'
      ? (pKeys ??= keysFromSeed(need(v.patient.seed, 32)))
      : (dKeys ??= keysFromSeed(need(v.doctor.seed, 32)));

  for (const s of v.seed_vectors) {
    add(`seed ${s.seed.slice(0, 8)}… derives its public key`, async () =>
      eq('public', hex((await keysFromSeed(need(s.seed))).publicKey), s.public),
    );
  }
  add('patient public key', async () => eq('public', hex((await keysOf('patient')).publicKey), v.patient.public));
  add('doctor public key', async () => eq('public', hex((await keysOf('doctor')).publicKey), v.doctor.public));
  for (const dev of v.dev_accounts) {
    add(`dev account ${dev.suri} public key`, async () =>
      eq('public', hex((await devAccountKeys(dev.suri)).publicKey), dev.public),
    );
  }
  add('key file parses', async () => {
    const k = await parseKeyFile(v.key_file.text);
    eq('public', hex(k.publicKey), v.key_file.public);
    eq('text round trip', keyFileText(k), v.key_file.text);
  });

  const wrapChecks = (what: string, dataKey: string, wraps: Wrap[]) => {
    for (const w of wraps) {
      add(`${what}: key wrapped for the ${w.reader}`, async () => {
        const info = wrapInfo(p, w.object, w.reader === 'patient' ? p : d);
        eq('wrap_info', hex(info), w.info);
        const wrapped = need(w.wrapped);
        eq('wrapped length', wrapped.length, WRAPPED_KEY_LEN);
        eq('data key', hex(await unwrapKey(await keysOf(w.reader), wrapped, info)), dataKey);
      });
    }
  };

  for (const r of v.records) {
    const what = `record ${r.id} (${JSON.stringify(r.title.slice(0, 20))})`;
    wrapChecks(what, r.data_key, r.wraps);
    add(`${what}: opens`, async () => {
      const o = openRecord(need(r.data_key, 32), r.envelope);
      eq('title', o.title, r.title);
      eq('body', o.body, r.body);
      eq('salt', hex(o.salt), r.salt);
      eq('commitment', hex(envelopeCommitment(r.envelope)), r.commitment);
      eq('prove', prove(r.envelope, r.title, r.body, o.salt), true);
    });
  }

  for (const set of [v.profile, ...v.padded_profiles, ...v.medications]) {
    const what = objectName(set.object);
    wrapChecks(what, set.data_key, set.wraps);
    const specs = set.object.kind === 'Profile' ? PROFILE_FIELDS : MEDICATION_FIELDS;
    for (const f of set.fields) {
      add(`${what}.${f.name}: opens`, async () => {
        const spec = specs.find((s) => s.name === f.name);
        eq('index', spec?.index, f.index);
        eq('bound', spec?.max, f.max);
        eq('within bound', f.sealed.length <= f.max, true);
        if (f.plaintext !== '') eq('prefix', f.sealed.slice(0, FIELD_PREFIX.length), FIELD_PREFIX);
        eq('padded length', f.sealed.length, sealedFieldLen(utf8Len(f.plaintext), f.max));
        eq('plaintext', openField(need(set.data_key, 32), f.index, f.sealed), f.plaintext);
      });
    }
  }

  (v.cards ?? []).forEach((c, i) => {
    const what = `emergency card ${i}`;
    wrapChecks(what, c.data_key, c.wraps);
    add(`${what}: opens`, async () => {
      eq('within bound', c.sealed.length <= MAX_CARD_LEN, true);
      eq('prefix', c.sealed.slice(0, CARD_PREFIX.length), CARD_PREFIX);
      eq('padded length', c.sealed.length, sealedCardLen({ ...emptyCard(), ...c.card }));
      const opened = openCard(need(c.data_key, 32), p, c.sealed);
      for (const f of CARD_FIELDS) eq(f, opened[f], c.card[f] ?? '');
    });
  });

  // the on-chain codec: the producer's bytes for each text are this module's, and back
  add('onchain: the file has the codec vectors', async () => {
    if (!Array.isArray(v.onchain) || v.onchain.length === 0) throw new Error(`the ${v.producer} vectors have no "onchain" array`);
  });
  const onchain = Array.isArray(v.onchain) ? v.onchain : [];
  onchain.forEach((o, i) => {
    add(`onchain ${i} (${JSON.stringify(o.text.slice(0, 16))}${o.text.length > 16 ? '…' : ''})`, async () => {
      if (typeof o.chain !== 'string' || !o.chain.startsWith('0x')) throw new Error(`chain ${JSON.stringify(o.chain)} is not 0x-hex`);
      const chain = need(o.chain.slice(2));
      eq('toChain(text)', `0x${hex(toChain(o.text))}`, o.chain.toLowerCase());
      eq('fromChain(chain)', fromChain(chain), o.text);
    });
  });
  if (onchain.length) {
    add('onchain: every sealed text of the file is among the codec vectors, stored in binary', async () => {
      const stored = new Map(onchain.map(o => [o.text, o.chain.toLowerCase()]));
      const sealed = [
        ...v.records.map(r => r.envelope),
        ...[v.profile, ...v.padded_profiles, ...v.medications].flatMap(set => set.fields.map(f => f.sealed)),
        ...v.notes.map(n => n.note),
        ...(v.cards ?? []).map(c => c.sealed),
      ].filter(t => t !== '');
      const missing = sealed.filter(t => !stored.has(t));
      if (missing.length) throw new Error(`${missing.length} sealed text(s) without an onchain entry, e.g. ${missing[0]!.slice(0, 40)}…`);
      const textual = sealed.filter(t => !stored.get(t)!.startsWith('0xff'));
      if (textual.length) throw new Error(`${textual.length} sealed text(s) stored as text, e.g. ${textual[0]!.slice(0, 40)}…`);
    });
  }
  (v.onchain_malformed ?? []).forEach(m => {
    add(`onchain: ${m.slice(0, 14)}${m.length > 14 ? '…' : ''} is refused`, async () => {
      let kind: string | null = null;
      try { fromChain(need(m.slice(2))); } catch (e) { kind = e instanceof CryptoError ? e.kind : String(e); }
      eq('fromChain error', kind, 'Malformed');
    });
  });

  v.notes.forEach((n, i) => {
    for (const reader of ['patient', 'doctor'] as const) {
      add(`note ${i} opens for the ${reader}`, async () => {
        const text = await openNote(await keysOf(reader), p, d, reader === 'patient' ? p : d, n.note);
        eq('text', text, n.text);
        eq('within bound', n.note.length <= MAX_TEXT_LEN, true);
        if (n.text !== '') eq('prefix', n.note.slice(0, NOTE_PREFIX.length), NOTE_PREFIX);
        eq('padded length', n.note.length, sealedNoteLen(utf8Len(n.text), MAX_TEXT_LEN));
      });
    }
  });
  return checks;
}
