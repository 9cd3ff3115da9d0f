#!/usr/bin/env python3
"""Round-trip check of an SMRMS FHIR export: every record, grant,
medication, appointment and access-log entry that the run created appears
exactly once in the bundle, under its SMRMS identifier.

    scripts/fhir-roundtrip.py BUNDLE --patient SS58 --records N --grants N
        --medications N --appointments ID,ID,... --audit-events N
        [--opened-record ID:TITLE:BODY ...] [--sealed-record ID ...]
        [--absent-file FILE]

--opened-record: the record's attachment must decode to BODY with title
TITLE; --sealed-record: the record must be marked sealed and carry no data;
--absent-file: none of the file's lines (plaintext) may appear anywhere in
the bundle, decoded attachments included (for an export by a stranger).
Prints one line per check and exits 1 on the first failure.
"""
import argparse
import base64
import collections
import json
import sys

SYS = {
    "record": "urn:smrms:record",
    "grant": "urn:smrms:grant",
    "medication": "urn:smrms:medication",
    "appointment": "urn:smrms:appointment",
    "tag": "urn:smrms:export",
}


def fail(msg):
    print(f"     roundtrip: FAILED: {msg}")
    sys.exit(1)


def ident(resource, system):
    """The values of the identifiers of `system` (masterIdentifier too)."""
    ids = list(resource.get("identifier", []))
    if isinstance(resource.get("identifier"), dict):
        ids = [resource["identifier"]]
    if "masterIdentifier" in resource:
        ids.append(resource["masterIdentifier"])
    return [i["value"] for i in ids if i.get("system") == system]


def sealed(resource):
    return any(t.get("system") == SYS["tag"] and t.get("code") == "sealed" for t in resource.get("meta", {}).get("tag", []))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--patient", required=True)
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--grants", type=int, required=True)
    ap.add_argument("--medications", type=int, required=True)
    ap.add_argument("--appointments", default="")
    ap.add_argument("--audit-events", type=int, required=True)
    ap.add_argument("--opened-record", action="append", default=[])
    ap.add_argument("--sealed-record", action="append", default=[], type=int)
    ap.add_argument("--absent-file")
    a = ap.parse_args()

    with open(a.bundle, encoding="utf-8") as f:
        b = json.load(f)
    if b.get("resourceType") != "Bundle" or b.get("type") != "collection":
        fail("not a Bundle of type collection")
    by_type = collections.defaultdict(list)
    for e in b.get("entry", []):
        by_type[e["resource"]["resourceType"]].append(e["resource"])

    def once(kind, rtype, system, want_values):
        got = [v for r in by_type[rtype] for v in ident(r, system)]
        counts = collections.Counter(got)
        dup = sorted(v for v, n in counts.items() if n > 1)
        if dup:
            fail(f"{kind}: appear more than once: {dup}")
        if len(by_type[rtype]) != len(got):
            fail(f"{kind}: {len(by_type[rtype])} {rtype} but {len(got)} with a {system} identifier")
        if sorted(got) != sorted(want_values):
            fail(f"{kind}: bundle has {sorted(got)}, the run made {sorted(want_values)}")
        print(f"     roundtrip: {kind}: {len(got)} of {len(want_values)}, each exactly once ({rtype})")

    p = a.patient
    once("records", "DocumentReference", SYS["record"], [f"{p}/{i}" for i in range(a.records)])
    once("medications", "MedicationStatement", SYS["medication"], [f"{p}/{i}" for i in range(a.medications)])
    appts = [x for x in a.appointments.split(",") if x]
    once("appointments", "Appointment", SYS["appointment"], appts)
    # grants: one Consent per grant, each a distinct (patient, grantee, time)
    consents = by_type["Consent"]
    gids = [v for r in consents for v in ident(r, SYS["grant"])]
    if len(consents) != a.grants or len(set(gids)) != a.grants or any(not g.startswith(p + "/") for g in gids):
        fail(f"grants: {len(consents)} Consent ({len(set(gids))} distinct grant identifiers), the run made {a.grants}")
    print(f"     roundtrip: grants: {a.grants} of {a.grants}, each exactly once (Consent: "
          + ", ".join(sorted(c["status"] for c in consents)) + ")")
    if len(by_type["AuditEvent"]) != a.audit_events or len({r["id"] for r in by_type["AuditEvent"]}) != a.audit_events:
        fail(f"access log: {len(by_type['AuditEvent'])} AuditEvent, the chain's log has {a.audit_events} entries")
    print(f"     roundtrip: access log: {a.audit_events} of {a.audit_events} entries as AuditEvent")
    if len(by_type["Patient"]) != 1:
        fail(f"{len(by_type['Patient'])} Patient resources")

    docs = {ident(r, SYS["record"])[0].rsplit("/", 1)[1]: r for r in by_type["DocumentReference"]}
    for spec in a.opened_record:
        rid, title, body = spec.split(":", 2)
        r = docs[rid]
        att = r["content"][0]["attachment"]
        got = base64.b64decode(att.get("data", "")).decode("utf-8")
        if sealed(r) or att.get("title") != title or got != body:
            fail(f"record {rid}: not opened with its title and body")
        print(f"     roundtrip: record {rid}: opened, attachment decodes to its body ({len(got)} bytes)")
    for rid in a.sealed_record:
        r = docs[str(rid)]
        if not sealed(r) or "data" in r["content"][0]["attachment"]:
            fail(f"record {rid}: should be marked sealed, without content")
        print(f"     roundtrip: record {rid}: marked sealed, no content")

    if a.absent_file:
        text = json.dumps(b, ensure_ascii=False)
        for e in b.get("entry", []):
            for c in e["resource"].get("content", []):
                if "data" in c.get("attachment", {}):
                    text += base64.b64decode(c["attachment"]["data"]).decode("utf-8", "replace")
        with open(a.absent_file, encoding="utf-8") as f:
            secrets = [line.strip() for line in f if line.strip()]
        found = [s for s in secrets if s in text]
        if found:
            fail(f"plaintext in the bundle: {found}")
        print(f"     roundtrip: none of {len(secrets)} plaintext fields in the bundle")


if __name__ == "__main__":
    main()
