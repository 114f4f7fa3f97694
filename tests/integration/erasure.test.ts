import { beforeAll, describe, expect, it } from "vitest";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { listAuditEntries, type AuditEntry } from "../../lib/audit/audit-log";
import { auditEntryKey } from "../../lib/audit/audit-layout";
import type { SessionUser } from "../../lib/auth/roles";
import { eraseSubject, type ErasureResult } from "../../lib/erasure/erase";
import { erasureKeyHash, erasureLedgerKey, findErasure } from "../../lib/erasure/erasure-ledger";
import { planErasure } from "../../lib/erasure/erasure-plan";
import { confirmationText, type ErasureQuery } from "../../lib/erasure/erasure-request";
import { restoreRecord } from "../../lib/restore/restore-record";
import { modifyRecord, removeRecord } from "../support/stream-events";
import { uniqueName, motoEnv } from "../support/aws";

let region: string;
let s3: S3Client;

const officer: SessionUser = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const SUBJECT = "CONTACT#c-1";

/** `lockAudit`: the bucket has Object Lock (without a default retention) and audit entries are locked one by one. */
function configFor(bucket: string, failures: string, lockAudit = false): LazarusConfig {
  return parseConfig({
    region,
    archive: { bucket, prefix: "deleted/", ...(lockAudit ? { objectLock: { enabled: true } } : {}) },
    ...(lockAudit ? { audit: { objectLock: { retentionDays: 365 } } } : {}),
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-usr" },
        onFailure: { type: "sqs", queueName: "usr-dlq" },
      },
      {
        name: "sor-service-order-svc",
        table: { name: "sor-service-order", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-sor" },
        onFailure: { type: "s3", bucket: failures },
      },
    ],
  });
}

function item(pk: string, sk: string, extra: AttributeMap = {}): AttributeMap {
  return {
    PK: { S: pk },
    SK: { S: sk },
    email: { S: `${sk.toLowerCase()}@example.com` },
    balance: { N: "12345678901234567890123456789012345678" },
    tags: { SS: ["gold", "ünïcødé"] },
    address: { M: { city: { S: "Lyon" }, lines: { L: [{ S: "1 rue A" }, { NULL: true }] } } },
    avatar: { B: "AAEC/w==" },
    ...extra,
  };
}

async function archive(config: LazarusConfig, service: ServiceConfig, image: AttributeMap, at: string): Promise<string> {
  const keys: Record<string, KeyValue> = { PK: image.PK as KeyValue, SK: image.SK as KeyValue };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage: image, at: new Date(at) }));
  if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
  return outcome.archiveKey;
}

async function versionedBucket(name: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
}

/** Every version and delete marker in a bucket, as "key@versionId". */
async function listing(bucket: string, skip: string[] = []): Promise<Set<string>> {
  const out = new Set<string>();
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}) }));
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      if (v.Key && !skip.some((p) => v.Key!.startsWith(p))) out.add(`${v.Key}@${v.VersionId}`);
    }
    if (!page.IsTruncated) return out;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

async function readText(bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString("utf-8")) ?? "";
}

async function erasureAuditEntries(config: LazarusConfig, operationId: string): Promise<AuditEntry[]> {
  const now = new Date();
  const page = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
  return page.entries.filter((e) => e.operationId === operationId);
}

function erase(config: LazarusConfig, query: ErasureQuery, extra: { mode?: "erase" | "redact"; attributes?: string[]; confirmation?: string } = {}): Promise<ErasureResult> {
  const mode = extra.mode ?? "erase";
  return eraseSubject(s3, config, {
    query,
    mode,
    ...(extra.attributes ? { attributes: extra.attributes } : {}),
    confirmation: extra.confirmation ?? confirmationText(mode, query.key),
    actor: officer,
  });
}

beforeAll(() => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
});

describe("erase mode", () => {
  it("removes every version and index entry of the subject, and nothing else, and writes the ledger", async () => {
    const bucket = uniqueName("erase");
    const failures = uniqueName("failures");
    await versionedBucket(bucket);
    await versionedBucket(failures);
    const config = configFor(bucket, failures);
    const usr = findService(config, "usr-contact-svc")!;
    const sor = findService(config, "sor-service-order-svc")!;

    const subjectKeys = [
      await archive(config, usr, item(SUBJECT, "PROFILE"), "2024-03-10T09:00:00Z"),
      await archive(config, usr, item(SUBJECT, "PROFILE"), "2024-04-02T12:00:00Z"),
      await archive(config, sor, item(SUBJECT, "ORDER#1"), "2024-03-11T09:00:00Z"),
    ];
    // Others: a key the subject's is a prefix of, and an unrelated one.
    const otherKeys = [
      await archive(config, usr, item("CONTACT#c-10", "PROFILE"), "2024-03-10T09:00:00Z"),
      await archive(config, usr, item("CONTACT#c-2", "PROFILE"), "2024-03-10T09:00:00Z"),
    ];
    // Older versions and a delete marker, for the subject and for others alike.
    const first = subjectKeys[0]!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: first, Body: await readText(bucket, first), ContentType: "application/json" }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: subjectKeys[1]! }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: otherKeys[0]!, Body: await readText(bucket, otherKeys[0]!), ContentType: "application/json" }));

    // A failed batch holding the subject's records with someone else's, and one holding only the subject's.
    const arn = (table: string) => `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/2024-01-01T00:00:00.000`;
    const batchKey = "aws/lambda/uuid-1/shard-1/2024/03/11/2024-03-11T09.00.00-aaaa";
    const onlySubjectKey = "aws/lambda/uuid-1/shard-1/2024/03/12/2024-03-12T09.00.00-bbbb";
    const subjectRecord = { ...modifyRecord({ keys: { PK: { S: SUBJECT }, SK: { S: "ORDER#1" } } }), eventSourceARN: arn("sor-service-order") };
    const otherRecord = { ...modifyRecord({ keys: { PK: { S: "CONTACT#c-2" }, SK: { S: "ORDER#9" } } }), eventSourceARN: arn("sor-service-order") };
    const otherTable = { ...modifyRecord({ keys: { PK: { S: SUBJECT }, SK: { S: "X" } } }), eventSourceARN: arn("another-table") };
    const failedBatch = (records: unknown[]) => JSON.stringify({ requestContext: { requestId: "r-1" }, version: "1.0", payload: JSON.stringify({ Records: records }) });
    await s3.send(new PutObjectCommand({ Bucket: failures, Key: batchKey, Body: failedBatch([subjectRecord, otherRecord, otherTable]) }));
    await s3.send(new PutObjectCommand({ Bucket: failures, Key: onlySubjectKey, Body: failedBatch([subjectRecord]) }));

    const skip = ["deleted/_audit/", "deleted/_erasures/"];
    const before = await listing(bucket, skip);

    const plan = await planErasure(s3, config, { match: "exact", key: SUBJECT });
    expect(plan.records).toHaveLength(3);
    expect(plan.blockers).toEqual([]);
    expect(plan.failureCopies.map((c) => c.objectKey).sort()).toEqual([batchKey, onlySubjectKey].sort());
    const expectedGone = new Set(
      plan.records.flatMap((r) => [
        ...r.objectVersions.map((v) => `${r.deletion.archiveKey}@${v.versionId}`),
        ...r.indexVersions.map((v) => `${r.deletion.indexKey}@${v.versionId}`),
      ]),
    );
    expect(expectedGone.size).toBe(2 + 2 + 1 + 3); // 2 versions + marker, 1, 1 objects; 3 index entries

    const result = await erase(config, { match: "exact", key: SUBJECT });
    expect(result.outcome).toBe("succeeded");
    if (result.outcome === "refused") throw new Error("refused");
    expect(result.summary).toMatchObject({ records: 3, objectVersionsRemoved: 5, indexEntriesRemoved: 3, failureCopiesRewritten: 1, failureCopiesDeleted: 1, remaining: [] });

    const after = await listing(bucket, skip);
    expect(after).toEqual(new Set([...before].filter((v) => !expectedGone.has(v))));
    for (const key of otherKeys) expect(JSON.parse(await readText(bucket, key)).record.dynamodb.Keys.PK.S).toMatch(/^CONTACT#c-(10|2)$/);

    // The failed batch keeps only the others' records, in a single version; the subject-only one is gone entirely.
    const failureListing = await listing(failures);
    expect([...failureListing].filter((v) => v.startsWith(batchKey))).toHaveLength(1);
    expect([...failureListing].filter((v) => v.startsWith(onlySubjectKey))).toHaveLength(0);
    const kept = JSON.parse(JSON.parse(await readText(failures, batchKey)).payload).Records;
    expect(kept).toEqual([otherRecord, otherTable]);

    // The ledger, per service.
    expect(await findErasure(s3, config, usr, { S: SUBJECT })).toMatchObject({ keyHash: erasureKeyHash(usr.name, { S: SUBJECT }), auditId: result.auditId });
    expect(await findErasure(s3, config, sor, { S: SUBJECT })).not.toBeNull();
    expect(await findErasure(s3, config, usr, { S: "CONTACT#c-10" })).toBeNull();

    // The audit proves it without the key.
    const entries = await erasureAuditEntries(config, result.auditId);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(SUBJECT);
    expect(text).not.toContain("example.com\"}}"); // no item contents
    expect(text).toContain(erasureKeyHash(usr.name, { S: SUBJECT }));
    expect(entries[1]!.details).toMatchObject({ result: { objectVersionsRemoved: 5, indexEntriesRemoved: 3 } });
    expect((entries[0]!.details as { planned: { locations: string[] } }).planned.locations).toHaveLength(3);

    // A restore of an erased record is refused, and audited as refused.
    const restore = await restoreRecord({ s3, dynamodb: createDynamoDBClient({ region }) }, config, {
      service: usr,
      archiveKey: subjectKeys[0]!,
      mode: "no-clobber",
      ttl: { action: "keep" },
      actor: { ...officer, role: "admin" },
    });
    const today = new Date().toISOString().slice(0, 10);
    expect(restore).toMatchObject({ outcome: "refused", code: "erased", message: `erased on ${today}` });
    const restoreEntries = await erasureAuditEntries(config, restore.auditId);
    expect(restoreEntries).toHaveLength(1);
    expect(restoreEntries[0]).toMatchObject({ action: "restore", outcome: "refused", message: `erased on ${today}` });
    // The refusal names the key by its hash only: the log does not get the erased key back.
    expect(restoreEntries[0]!.details).toMatchObject({ code: "erased", keyHash: erasureKeyHash(usr.name, { S: SUBJECT }), erasureAuditId: result.auditId });
    // Where the refused record was, in the erasure's own terms: an auditor matches it to the erasure's locations.
    expect((entries[0]!.details as { planned: { locations: string[] } }).planned.locations).toContain(restoreEntries[0]!.details!.location);
    expect(restoreEntries[0]!.details!.location).toMatch(/^usr-contact-svc\/2024\/03\/10\/#[0-9a-f]{16}$/);
    expect(restoreEntries[0]).not.toHaveProperty("key");
    expect(restoreEntries[0]).not.toHaveProperty("archiveKey");
    expect(JSON.stringify(restoreEntries)).not.toContain(SUBJECT);
  });

  it("refuses a restore of a record still in the archive when the ledger covers it", async () => {
    const bucket = uniqueName("erase-ledger");
    await versionedBucket(bucket);
    const config = configFor(bucket, uniqueName("unused"));
    const usr = findService(config, "usr-contact-svc")!;
    const archiveKey = await archive(config, usr, item("CONTACT#yuki-77", "PROFILE"), "2024-03-10T09:00:00Z");
    const { writeErasure } = await import("../../lib/erasure/erasure-ledger");
    await writeErasure(s3, config, usr, { S: "CONTACT#yuki-77" }, { erasedAt: new Date("2024-05-01T00:00:00Z"), auditId: "op-x", records: 1 });
    const restore = await restoreRecord({ s3, dynamodb: createDynamoDBClient({ region }) }, config, {
      service: usr,
      archiveKey,
      mode: "no-clobber",
      ttl: { action: "keep" },
      actor: { ...officer, role: "admin" },
    });
    expect(restore).toMatchObject({ outcome: "refused", code: "erased", message: "erased on 2024-05-01" });
    // Still in the archive, yet its refusal does not write the key (or the object name holding it) to the log.
    // Keys with letters that are not hex digits, so that no id or hash in the entries can contain them by chance.
    const entries = await erasureAuditEntries(config, restore.auditId);
    expect(entries.map((e) => e.outcome)).toEqual(["refused"]);
    expect(JSON.stringify(entries)).not.toContain("yuki-77");
  });

  it("fails closed on a damaged ledger entry, and its failure names the ledger object, not the key", async () => {
    const bucket = uniqueName("erase-damaged");
    await versionedBucket(bucket);
    const config = configFor(bucket, uniqueName("unused"));
    const usr = findService(config, "usr-contact-svc")!;
    const archiveKey = await archive(config, usr, item("CONTACT#zoe-88", "PROFILE"), "2024-03-10T09:00:00Z");
    const ledgerObject = erasureLedgerKey(config.archive.prefix, usr.name, erasureKeyHash(usr.name, { S: "CONTACT#zoe-88" }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: ledgerObject, Body: "{ damaged" }));

    const attempt = restoreRecord({ s3, dynamodb: createDynamoDBClient({ region }) }, config, {
      service: usr,
      archiveKey,
      mode: "no-clobber",
      ttl: { action: "keep" },
      actor: { ...officer, role: "admin" },
    });
    await expect(attempt).rejects.toMatchObject({ name: "ErasureLedgerError" });
    const now = new Date();
    const page = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
    const failed = page.entries.filter((e) => e.action === "restore");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ outcome: "failed", details: { error: "ErasureLedgerError", ledgerObject } });
    expect(JSON.stringify(failed)).not.toContain("zoe-88");
  });

  it("checks the typed confirmation on the server", async () => {
    const bucket = uniqueName("erase-confirm");
    await versionedBucket(bucket);
    const config = configFor(bucket, uniqueName("unused"));
    await expect(erase(config, { match: "exact", key: SUBJECT, services: ["usr-contact-svc"] }, { confirmation: `ERASE ${SUBJECT} ` })).rejects.toThrow(/confirmation/);
    await expect(erase(config, { match: "exact", key: SUBJECT, services: ["usr-contact-svc"] }, { confirmation: `REDACT ${SUBJECT}` })).rejects.toThrow(/confirmation/);
  });
});

describe("redact mode", () => {
  it("replaces the chosen attributes and keeps every other value byte-identical, with one version left", async () => {
    const bucket = uniqueName("redact");
    await versionedBucket(bucket);
    const config = configFor(bucket, uniqueName("unused"));
    const usr = findService(config, "usr-contact-svc")!;
    const image = item("CONTACT#c-5", "PROFILE", { ...Object.fromEntries([["__proto__", { S: "odd name" }]]), note: { S: "private" } } as AttributeMap);
    const archiveKey = await archive(config, usr, image, "2024-03-10T09:00:00Z");
    const original = JSON.parse(await readText(bucket, archiveKey));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: archiveKey, Body: JSON.stringify(original), ContentType: "application/json" }));
    const other = await archive(config, usr, item("CONTACT#c-50", "PROFILE"), "2024-03-10T09:00:00Z");
    const before = await listing(bucket, ["deleted/_audit/"]);

    const refused = await erase(config, { match: "exact", key: "CONTACT#c-5", services: ["usr-contact-svc"] }, { mode: "redact", attributes: ["SK", "email"] });
    expect(refused).toMatchObject({ outcome: "refused", code: "not-erasable" });

    const result = await erase(config, { match: "exact", key: "CONTACT#c-5", services: ["usr-contact-svc"] }, { mode: "redact", attributes: ["email", "tags", "address"] });
    expect(result).toMatchObject({ outcome: "succeeded", summary: { objectsRedacted: 1, objectVersionsRemoved: 2, remaining: [] } });

    const redacted = JSON.parse(await readText(bucket, archiveKey));
    const expected = structuredClone(original);
    for (const name of ["email", "tags", "address"]) expected.record.dynamodb.OldImage[name] = { S: "[redacted]" };
    expect(redacted).toEqual(expected);
    expect(Object.keys(redacted.record.dynamodb.OldImage)).toContain("__proto__");
    expect(JSON.stringify(redacted.record.dynamodb.OldImage.balance)).toBe('{"N":"12345678901234567890123456789012345678"}');

    const after = await listing(bucket, ["deleted/_audit/"]);
    const versionsOf = (set: Set<string>, key: string) => [...set].filter((v) => v.startsWith(`${key}@`));
    expect(versionsOf(after, archiveKey)).toHaveLength(1);
    expect(versionsOf(before, archiveKey)).not.toContain(versionsOf(after, archiveKey)[0]);
    // Everything else, index entries included, is untouched.
    const unchanged = (set: Set<string>) => new Set([...set].filter((v) => !v.startsWith(`${archiveKey}@`)));
    expect(unchanged(after)).toEqual(unchanged(before));
    expect(JSON.parse(await readText(bucket, other))).toMatchObject({ record: { dynamodb: { OldImage: { email: { S: "profile@example.com" } } } } });
    expect(await findErasure(s3, config, usr, { S: "CONTACT#c-5" })).toBeNull();
  });
});

describe("Object Lock", () => {
  it("erases in a bucket where only the audit log is locked, and the erasure's own entries cannot be deleted", async () => {
    const bucket = uniqueName("audit-lock");
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const config = configFor(bucket, uniqueName("unused"), true);
    const usr = findService(config, "usr-contact-svc")!;
    const archiveKey = await archive(config, usr, item(SUBJECT, "PROFILE"), "2024-03-10T09:00:00Z");

    const result = await erase(config, { match: "exact", key: SUBJECT, services: ["usr-contact-svc"] });
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 1, objectVersionsRemoved: 1, indexEntriesRemoved: 1, remaining: [] } });
    expect([...(await listing(bucket))].filter((v) => v.startsWith(archiveKey))).toEqual([]);

    const entries = await erasureAuditEntries(config, result.auditId);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    for (const entry of entries) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: auditEntryKey(config.archive.prefix, new Date(entry.at), entry.id) }));
      expect(head.ObjectLockMode).toBe("GOVERNANCE");
      expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 364 * 86_400_000);
    }
    const proof = auditEntryKey(config.archive.prefix, new Date(entries[1]!.at), entries[1]!.id);
    const { VersionId } = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: proof }));
    await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: proof, VersionId }))).rejects.toMatchObject({ name: "AccessDenied" });
  });

  it("refuses a locked object with its retention date and deletes nothing", async () => {
    const bucket = uniqueName("locked");
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const config = configFor(bucket, uniqueName("unused"));
    const usr = findService(config, "usr-contact-svc")!;
    const locked = await archive(config, usr, item(SUBJECT, "PROFILE"), "2024-03-10T09:00:00Z");
    await archive(config, usr, item(SUBJECT, "OTHER"), "2024-03-12T09:00:00Z");
    const until = new Date(Date.now() + 30 * 86_400_000);
    until.setUTCMilliseconds(0);
    await s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: locked, Retention: { Mode: "GOVERNANCE", RetainUntilDate: until } }));
    const before = await listing(bucket, ["deleted/_audit/"]);

    const plan = await planErasure(s3, config, { match: "exact", key: SUBJECT, services: ["usr-contact-svc"] });
    expect(plan.records.find((r) => r.deletion.archiveKey === locked)?.lock).toMatchObject({ state: "retention", mode: "GOVERNANCE", until: until.toISOString() });

    const result = await erase(config, { match: "exact", key: SUBJECT, services: ["usr-contact-svc"] });
    expect(result.outcome).toBe("refused");
    if (result.outcome !== "refused") throw new Error("not refused");
    expect(result.code).toBe("locked");
    expect(result.reasons.join("\n")).toContain(`GOVERNANCE retention until ${until.toISOString()}`);
    expect(await listing(bucket, ["deleted/_audit/"])).toEqual(before);
    expect(await findErasure(s3, config, usr, { S: SUBJECT })).toBeNull();
    const entries = await erasureAuditEntries(config, result.auditId);
    expect(entries.map((e) => e.outcome)).toEqual(["refused"]);
    expect(JSON.stringify(entries)).not.toContain(SUBJECT);
  });

  it("refuses an object under a legal hold, says it must be released first, and deletes nothing", async () => {
    const bucket = uniqueName("held");
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const config = configFor(bucket, uniqueName("unused"));
    const usr = findService(config, "usr-contact-svc")!;
    const held = await archive(config, usr, item(SUBJECT, "PROFILE"), "2024-05-10T09:00:00Z");
    await s3.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: held, LegalHold: { Status: "ON" } }));
    const before = await listing(bucket, ["deleted/_audit/"]);

    const plan = await planErasure(s3, config, { match: "exact", key: SUBJECT, services: ["usr-contact-svc"] });
    expect(plan.records.find((r) => r.deletion.archiveKey === held)?.lock).toEqual({ state: "legal-hold" });

    const result = await erase(config, { match: "exact", key: SUBJECT, services: ["usr-contact-svc"] });
    expect(result.outcome).toBe("refused");
    if (result.outcome !== "refused") throw new Error("not refused");
    expect(result.code).toBe("locked");
    expect(result.reasons.join("\n")).toContain("legal hold is on");
    expect(result.reasons.join("\n")).toContain("released first");
    expect(await listing(bucket, ["deleted/_audit/"])).toEqual(before);
    expect(await findErasure(s3, config, usr, { S: SUBJECT })).toBeNull();
  });
});
