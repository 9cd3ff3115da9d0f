// @vitest-environment node
// Interop with the Rust client, both directions (see scripts/web-unit.sh):
// - SMRMS_RUST_VECTORS=FILE: open everything `interop gen FILE` sealed.
// - SMRMS_TS_VECTORS_OUT=FILE: write vectors sealed here, for `interop check FILE`.
// Without either, only the TypeScript self-check runs.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { type Vectors, makeVectors, vectorChecks } from './interop-vectors';

const rustFile = process.env.SMRMS_RUST_VECTORS;
const tsOut = process.env.SMRMS_TS_VECTORS_OUT;

describe('ts self-check', () => {
  test('vectors made here open here', async () => {
    const checks = vectorChecks(await makeVectors());
    expect(checks.length).toBeGreaterThan(50);
    for (const c of checks) await c.run();
  });
});

describe.skipIf(!rustFile)('rust->ts', () => {
  const v = rustFile ? (JSON.parse(readFileSync(rustFile, 'utf8')) as Vectors) : undefined;
  test('made by rust', () => expect(v?.producer).toBe('rust'));
  for (const c of v ? vectorChecks(v) : []) test(c.name, c.run);
});

describe.skipIf(!tsOut)('ts->rust', () => {
  test('write vectors for `interop check`', async () => {
    const v = await makeVectors();
    writeFileSync(tsOut!, JSON.stringify(v, null, 2));
  });
});
