import { beforeAll, describe, expect, it } from "vitest";
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { archiverTargetFor, archiveStreamRecord, createArchiverHandler } from "../../lib/archive/archiver";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { rebuildIndex } from "../../lib/archive/reindex";
import { getArchivedRecord } from "../../lib/archive/archive-reader";
import { sealDay } from "../../lib/archive/sealer";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createDynamoDBStreamsClient, createS3Client, createSqsClient } from "../../lib/aws/clients";
import { createJob } from "../../lib/bulk-restore/jobs";
import { JobStore } from "../../lib/bulk-restore/job-store";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { replayFailure } from "../../lib/dlq/replay";
import { eraseSubject, type ErasureResult } from "../../lib/erasure/erase";
import { planErasure } from "../../lib/erasure/erasure-plan";
import { confirmationText } from "../../lib/erasure/erasure-request";
import { ARCHIVER_ERASURE_CACHE_MS, recheckDelayMs } from "../../lib/erasure/ledger-format";
import { recheckErasures } from "../../lib/erasure/erasure-recheck";
import { listAuditEntries } from "../../lib/audit/audit-log";
import { startCompare } from "../../lib/pitr/pitr-compare";
import { saveJob } from "../../lib/pitr/pitr-store";
import type { PitrJob } from "../../lib/pitr/pitr-types";
import { restoreRecord } from "../../lib/restore/restore-record";
import { toSdkItem } from "../../lib/restore/sdk-attribute-value";
import { createPkSkTable, uniqueName, motoEnv } from "../support/aws";
import { removeRecord, streamEvent } from "../support/stream-events";
import { findTraces } from "../support/trace-scan";

/**
 * Issue 16: an erased subject stays erased. Each test ends as a compliance officer
 * would check: every object version and delete marker of the archive and failure
 * buckets, read for the subject's key and values; the other customer (whose key
 * starts with the subject's) byte-identical.
 */

const SUBJECT = "CONTACT#subj-77";
const CONTROL = "CONTACT#subj-770";
const officer: SessionUser = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const admin: SessionUser = { id: "u-admin", email: "ada@example.com", name: "Ada Admin", role: "admin" };

const SUBJECT_VALUES = ["Sybil Subjectova", "sybil.subjectova@example.com", "+33 6 77 77 77 77"];
const CONTROL_VALUES = ["Conrad Control", "conrad.control@example.com", "+33 6 70 70 70 70"];

/** The key in the places it appears (JSON string, name field, index folder, pasted line), never as a mere prefix of the control's. */
function needles(key: string, values: string[]): string[] {
  return [`"${key}"`, `${key}_`, `${key}/`, `${key}\\t`, `${key}\\n`, ...values];
}
const SUBJECT_NEEDLES = needles(SUBJECT, SUBJECT_VALUES);

let region: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;

interface World {
  bucket: string;
  failures: string;
  table: string;
  config: LazarusConfig;
  service: ServiceConfig;
}

async function versionedBucket(name: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: "Enabled" } }));
}

async function world(): Promise<World> {
  const bucket = uniqueName("stays-erased");
  const failures = uniqueName("stays-failures");
  const table = uniqueName("usr-contact");
  await versionedBucket(bucket);
  await versionedBucket(failures);
  const config = parseConfig({
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-usr", maximumRecordAgeSeconds: 3600 },
        onFailure: { type: "s3", bucket: failures },
      },
    ],
  });
  return { bucket, failures, table, config, service: findService(config, "usr-contact-svc")! };
}

function person(pk: string, sk: string, values: string[]): AttributeMap {
  const [name, email, phone] = values as [string, string, string];
  return { PK: { S: pk }, SK: { S: sk }, name: { S: name }, email: { S: email }, phone: { S: phone }, balance: { N: "12345678901234567890123456789012345678" } };
}

function keysOf(image: AttributeMap): Record<string, KeyValue> {
  return { PK: image.PK as KeyValue, SK: image.SK as KeyValue };
}

async function archive(w: World, image: AttributeMap, at: string): Promise<{ archiveKey: string; indexKey: string }> {
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(w.config, w.service), removeRecord({ keys: keysOf(image), oldImage: image, at: new Date(at) }));
  if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
  return outcome;
}

function erase(w: World, key: string): Promise<ErasureResult> {
  return eraseSubject(s3, w.config, { query: { match: "exact", key }, mode: "erase", confirmation: confirmationText("erase", key), actor: officer });
}

/** Every version of every object whose name or body holds the control's key, with its bytes: what must not change. */
async function controlSnapshot(w: World): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const bucket of [w.bucket, w.failures]) {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}) }));
      for (const v of page.Versions ?? []) {
        if (v.Key!.includes("/_audit/") || v.Key!.includes("/_jobs/") || v.Key!.startsWith("aws/lambda/")) continue;
        const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.Key!, VersionId: v.VersionId! }));
        const text = (await body.Body?.transformToString("utf-8")) ?? "";
        if (v.Key!.includes(`${CONTROL}_`) || text.includes(`"${CONTROL}"`)) out.set(`${bucket}/${v.Key}@${v.VersionId}`, text);
      }
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
    }
  }
  return out;
}

async function expectNoTraceOfSubject(w: World, subjectNeedles = SUBJECT_NEEDLES): Promise<void> {
  expect(await findTraces(s3, [w.bucket, w.failures], subjectNeedles)).toEqual([]);
}

beforeAll(() => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
});

describe("finding 1: copies behind delete markers", () => {
  it("erases a record whose object and index entry both expired under the lifecycle rule (noncurrent only)", async () => {
    const w = await world();
    const expired = await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2019-02-01T09:00:00Z");
    // What an Expiration action does in a versioned bucket: a delete marker over each, the data kept as a noncurrent version.
    await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: expired.archiveKey }));
    await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: expired.indexKey }));
    const current = await archive(w, person(SUBJECT, "ADDRESS", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), "2019-02-01T09:00:00Z");
    const control = await controlSnapshot(w);

    const plan = await planErasure(s3, w.config, { match: "exact", key: SUBJECT });
    expect(plan.records.map((r) => r.deletion.archiveKey).sort()).toEqual([expired.archiveKey, current.archiveKey].sort());

    const result = await erase(w, SUBJECT);
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 2, remaining: [] } });
    await expectNoTraceOfSubject(w);
    expect(await controlSnapshot(w)).toEqual(control);
  });

  it("finds an expired pair whose names show the key hashed, by exact key and by prefix", async () => {
    for (const match of ["exact", "prefix"] as const) {
      const w = await world();
      const long = `${SUBJECT}-${"long-name-".repeat(25)}`;
      const expired = await archive(w, person(long, "PROFILE", SUBJECT_VALUES), "2019-02-01T09:00:00Z");
      expect(expired.archiveKey).toContain("~");
      await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: expired.archiveKey }));
      await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: expired.indexKey }));
      await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), "2019-02-01T09:00:00Z");
      const control = await controlSnapshot(w);
      const key = match === "exact" ? long : `${SUBJECT}-long`;
      const result = await eraseSubject(s3, w.config, { query: { match, key }, mode: "erase", confirmation: confirmationText("erase", key), actor: officer });
      expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 1, remaining: [] } });
      await expectNoTraceOfSubject(w, [...needles(long, SUBJECT_VALUES), "subj-77-long-name"]);
      expect(await controlSnapshot(w)).toEqual(control);
    }
  });

  it("erases a record whose object was deleted and whose index entry `reindex --prune` delete-marked", async () => {
    const w = await world();
    const record = await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2023-06-01T09:00:00Z");
    await s3.send(new DeleteObjectCommand({ Bucket: w.bucket, Key: record.archiveKey }));
    const reindex = await rebuildIndex(s3, w.config, w.service, { prune: true });
    expect(reindex.pruned).toBe(1);
    await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), "2023-06-01T09:00:00Z");
    const control = await controlSnapshot(w);

    const result = await erase(w, SUBJECT);
    expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 1, remaining: [] } });
    await expectNoTraceOfSubject(w);
    expect(await controlSnapshot(w)).toEqual(control);
  });
  it("verifies by listing versions again: a record archived while the erasure ran is reported as remaining, never 'nothing remaining'", async () => {
    const w = await world();
    await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    // A client whose first deletion is followed by the archiver writing another of the subject's records.
    const racing = createS3Client({ region });
    let late: { archiveKey: string } | undefined;
    racing.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === "DeleteObjectsCommand" && !late) late = await archive(w, person(SUBJECT, "LATE", SUBJECT_VALUES), "2024-03-11T09:00:00Z");
        return out;
      },
      { step: "initialize", name: "archiverRacesTheErasure" },
    );
    const result = await eraseSubject(racing, w.config, { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer });
    expect(late).toBeDefined();
    expect(result.outcome).toBe("failed");
    if (result.outcome === "refused") return;
    expect(result.summary.remaining).toContainEqual({ location: expect.stringMatching(/^usr-contact-svc\/2024\/03\/11\/#[0-9a-f]{16}$/), reason: expect.stringContaining("still found") });
    // Erasing again finishes the job.
    expect(await erase(w, SUBJECT)).toMatchObject({ outcome: "succeeded", summary: { records: 1, remaining: [] } });
    await expectNoTraceOfSubject(w);
  });
});


describe("finding 2: redelivery after an erasure", () => {
  it("refuses a redelivered record and a first delivery of a deletion made before the erasure, as 'erased', not as failures", async () => {
    const w = await world();
    const target = archiverTargetFor(w.config, w.service);
    const redelivered = removeRecord({ keys: keysOf(person(SUBJECT, "PROFILE", SUBJECT_VALUES)), oldImage: person(SUBJECT, "PROFILE", SUBJECT_VALUES), at: new Date(Date.now() - 20 * 60_000) });
    const late = removeRecord({ keys: keysOf(person(SUBJECT, "ADDRESS", SUBJECT_VALUES)), oldImage: person(SUBJECT, "ADDRESS", SUBJECT_VALUES), at: new Date(Date.now() - 10 * 60_000) });
    const controlRecord = removeRecord({ keys: keysOf(person(CONTROL, "PROFILE", CONTROL_VALUES)), oldImage: person(CONTROL, "PROFILE", CONTROL_VALUES), at: new Date(Date.now() - 10 * 60_000) });
    expect(await createArchiverHandler({ s3, target })(streamEvent(redelivered))).toEqual({ batchItemFailures: [] });
    expect((await erase(w, SUBJECT)).outcome).toBe("succeeded");

    const logged: string[] = [];
    const info = console.info;
    console.info = (line: string) => logged.push(line);
    let response;
    try {
      // A cold start after the erasure (a Lambda retry, a replayed shard).
      response = await createArchiverHandler({ s3, target })(streamEvent(redelivered, late, controlRecord));
    } finally {
      console.info = info;
    }
    expect(response).toEqual({ batchItemFailures: [] });
    const summary = JSON.parse(logged.find((l) => l.includes("archiver batch processed"))!);
    expect(summary).toMatchObject({ records: 3, archived: 1, erased: 2, failed: 0 });
    expect(JSON.stringify(summary)).not.toContain(SUBJECT);
    await expectNoTraceOfSubject(w);
  });

  it("archives a deletion made after the erasure: the item was created again, which is new data", async () => {
    const w = await world();
    const target = archiverTargetFor(w.config, w.service);
    await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    expect((await erase(w, SUBJECT)).outcome).toBe("succeeded");
    const newValues = ["Sybil Returned", "sybil.returned@example.com", "+33 6 11 11 11 11"];
    const after = removeRecord({ keys: keysOf(person(SUBJECT, "PROFILE", newValues)), oldImage: person(SUBJECT, "PROFILE", newValues), at: new Date(Date.now() + 60_000) });
    expect(await createArchiverHandler({ s3, target })(streamEvent(after))).toEqual({ batchItemFailures: [] });
    expect(await findTraces(s3, [w.bucket], ["sybil.returned@example.com"])).toHaveLength(1);
    await expectNoTraceOfSubject(w, SUBJECT_VALUES);
  });

  it("costs the archiver no request per record: one ledger LIST per cache window, and one GET only for a record of an erased key", async () => {
    const w = await world();
    const target = archiverTargetFor(w.config, w.service);
    for (let i = 0; i < 5; i++) await archive(w, person(`CONTACT#gone-${i}`, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    for (let i = 0; i < 5; i++) expect((await erase(w, `CONTACT#gone-${i}`)).outcome).toBe("succeeded");
    const counting = createS3Client({ region });
    const requests: Record<string, number> = {};
    counting.middlewareStack.add(
      (next, context) => async (args) => {
        requests[context.commandName ?? "?"] = (requests[context.commandName ?? "?"] ?? 0) + 1;
        return next(args);
      },
      { step: "initialize", name: "countRequests" },
    );
    const handler = createArchiverHandler({ s3: counting, target });
    const batch = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => removeRecord({ keys: { PK: { S: `CONTACT#live-${offset + i}` }, SK: { S: "PROFILE" } }, at: new Date(Date.now() - 60_000) }));
    await handler(streamEvent(...batch(100, 0)));
    await handler(streamEvent(...batch(100, 100), removeRecord({ keys: { PK: { S: "CONTACT#gone-3" }, SK: { S: "PROFILE" } }, at: new Date(Date.now() - 60_000) })));
    // 200 records archived (object + index entry each), 1 refused: 1 LIST for both batches, 1 GET for the hit.
    expect(requests).toEqual({ ListObjectsV2Command: 1, GetObjectCommand: 1, PutObjectCommand: 400 });
  });

  it("lets a record through only within the cache window, and the scheduled re-check removes it after the window and the maximum record age", async () => {
    const w = await world();
    const target = archiverTargetFor(w.config, w.service);
    const t0 = Date.now();
    let clock = t0;
    const warm = createArchiverHandler({ s3, target, now: () => new Date(clock) });
    const first = removeRecord({ keys: keysOf(person(SUBJECT, "PROFILE", SUBJECT_VALUES)), oldImage: person(SUBJECT, "PROFILE", SUBJECT_VALUES), at: new Date(t0 - 5 * 60_000) });
    await warm(streamEvent(first));
    const erasure = await erase(w, SUBJECT);
    expect(erasure.outcome).toBe("succeeded");
    await expectNoTraceOfSubject(w);

    // Inside the window: this instance's cache was read before the erasure, so a redelivery slips through.
    clock = t0 + ARCHIVER_ERASURE_CACHE_MS - 1_000;
    await warm(streamEvent(first));
    expect(await findTraces(s3, [w.bucket], SUBJECT_VALUES)).not.toEqual([]);
    // After it the same instance reads the ledger again and refuses.
    clock = t0 + ARCHIVER_ERASURE_CACHE_MS + 1_000;
    const second = removeRecord({ keys: keysOf(person(SUBJECT, "OTHER", SUBJECT_VALUES)), oldImage: person(SUBJECT, "OTHER", SUBJECT_VALUES), at: new Date(t0 - 4 * 60_000) });
    await warm(streamEvent(second));
    expect(await findTraces(s3, [w.bucket], [`${SUBJECT}_OTHER`])).toEqual([]);

    // Not yet due: the re-check waits until no stream record older than the erasure can still arrive.
    const early = await recheckErasures(s3, w.config, { now: new Date(Date.now() + recheckDelayMs(w.service) - 60_000) });
    expect(early).toMatchObject({ due: 0 });
    const due = await recheckErasures(s3, w.config, { now: new Date(Date.now() + recheckDelayMs(w.service) + 60_000) });
    expect(due).toMatchObject({ due: 1, recordsRemoved: 1, remaining: [] });
    await expectNoTraceOfSubject(w);
    // Audited like an erasure, by hash and location only; and done once.
    const today = new Date();
    const entries = (await listAuditEntries(s3, w.config, { day: { year: today.getUTCFullYear(), month: today.getUTCMonth() + 1, day: today.getUTCDate() }, limit: 1000 })).entries.filter((e) => e.operationId === due.auditId);
    expect(entries.map((e) => [e.action, e.mode, e.outcome])).toEqual([
      ["erasure", "recheck", "started"],
      ["erasure", "recheck", "succeeded"],
    ]);
    expect((await recheckErasures(s3, w.config, { now: new Date(Date.now() + recheckDelayMs(w.service) + 120_000) })).due).toBe(0);
  });
});

describe("the re-check and sealed days", () => {
  it("finds a late record that a seal folded into a bundle before the re-check ran, and blanks it in place under the day's lease", async () => {
    const w = await world();
    const at = Date.now() - 10 * 60_000;
    const deletedOn = new Date(at);
    const day = { year: deletedOn.getUTCFullYear(), month: deletedOn.getUTCMonth() + 1, day: deletedOn.getUTCDate() };
    await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), new Date(at).toISOString());
    const control = await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), new Date(at + 1_000).toISOString());
    expect((await erase(w, SUBJECT)).outcome).toBe("succeeded");
    // A redelivery that slipped through an archiver's cache window, then the day's seal, both before the re-check.
    await archive(w, person(SUBJECT, "ADDRESS", SUBJECT_VALUES), new Date(at + 2_000).toISOString());
    const later = new Date(Date.now() + 3 * 86_400_000);
    const seal = await sealDay(s3, w.config, w.service, day, { now: later });
    expect(seal).toMatchObject({ records: 2 });
    expect(await findTraces(s3, [w.bucket], [`${SUBJECT}_ADDRESS`])).not.toEqual([]);
    const before = await controlSnapshot(w);

    const recheck = await recheckErasures(s3, w.config, { now: later });
    await expectNoTraceOfSubject(w);
    // The index entry has two versions: the archiver's and the seal's, which points into the bundle.
    expect(recheck).toMatchObject({ due: 1, sealedRecordsRemoved: 1, bundlesRewritten: 1, indexEntriesRemoved: 2, remaining: [] });
    expect(JSON.stringify(recheck)).not.toContain(SUBJECT);
    // The other customer's sealed record still reads back whole from the rewritten bundle.
    const read = await getArchivedRecord(s3, w.config, w.service, control.archiveKey, later);
    expect(read.ok && read.deletion.oldImage.email).toEqual({ S: CONTROL_VALUES[1] });
    const after = await controlSnapshot(w);
    for (const [version, text] of after) if (!version.includes("/_sealed/")) expect(before.get(version)).toBe(text);
    expect((await recheckErasures(s3, w.config, { now: new Date(later.getTime() + 60_000) })).due).toBe(0);
  });
});

describe("finding 3: hashed object names", () => {
  it("refuses a restore of an erased record whose name holds its key hashed as 'erased', and its audit entry holds no key text", async () => {
    const w = await world();
    const long = `${SUBJECT}-${"long-name-".repeat(25)}`;
    const record = await archive(w, person(long, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    expect(record.archiveKey).toContain("~");
    expect((await erase(w, long)).outcome).toBe("succeeded");

    const restore = await restoreRecord({ s3, dynamodb }, w.config, { service: w.service, archiveKey: record.archiveKey, mode: "no-clobber", ttl: { action: "keep" }, actor: admin });
    expect(restore).toMatchObject({ outcome: "refused", code: "erased" });
    await expectNoTraceOfSubject(w, [...needles(long, SUBJECT_VALUES), "subj-77-long-name"]);
  });
});

describe("finding 3: bulk plans after the erasure", () => {
  it("plans an erased record named by its object (readable or hashed) or by a pasted key as erased, and writes no key text into the job", async () => {
    const w = await world();
    await createPkSkTable(dynamodb, w.table);
    const long = `${SUBJECT}-${"long-name-".repeat(25)}`;
    const readable = await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    const hashed = await archive(w, person(long, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:01Z");
    const control = await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), "2024-03-10T09:00:02Z");
    expect((await erase(w, SUBJECT)).outcome).toBe("succeeded");
    expect((await erase(w, long)).outcome).toBe("succeeded");

    // Object names kept from before the erasure (a bookmark, an export), and keys pasted from a ticket.
    const byName = await createJob({ s3, dynamodb }, w.config, { kind: "archive-keys", service: w.service.name, archiveKeys: [readable.archiveKey, hashed.archiveKey, control.archiveKey] }, admin);
    expect(byName.plan.counts).toMatchObject({ erased: 2, absent: 1 });
    const pasted = await createJob({ s3, dynamodb }, w.config, { kind: "pasted-keys", service: w.service.name, text: [SUBJECT, CONTROL].join("\n") }, admin);
    expect(pasted.selection).toMatchObject({ text: CONTROL });
    expect(pasted.plan.unresolved.map((u) => u.input)).toEqual([expect.stringMatching(/^erased \(key hash [0-9a-f]{64}\)$/)]);
    const items = await new JobStore(s3, w.config).items(byName.id);
    expect(items.map((i) => i.category)).toEqual(["erased", "erased", "absent"]);
    await expectNoTraceOfSubject(w, [...SUBJECT_NEEDLES, "subj-77-long-name"]);
  });
});

describe("finding 4: a compare after the erasure", () => {
  it("writes no entry of the erased subject into compare job state", async () => {
    const w = await world();
    await createPkSkTable(dynamodb, w.table);
    const restoredTable = `${w.table}-restored`;
    await createPkSkTable(dynamodb, restoredTable);
    await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    // The restored table is the table as it was before the application deleted the subject.
    await dynamodb.send(new PutItemCommand({ TableName: restoredTable, Item: toSdkItem(person(SUBJECT, "PROFILE", SUBJECT_VALUES)) }));
    await dynamodb.send(new PutItemCommand({ TableName: restoredTable, Item: toSdkItem(person(CONTROL, "PROFILE", CONTROL_VALUES)) }));
    await dynamodb.send(new PutItemCommand({ TableName: w.table, Item: toSdkItem(person(CONTROL, "PROFILE", ["Conrad Control", "conrad.new@example.com", "+33 6 70 70 70 70"])) }));
    const job: PitrJob = {
      schemaVersion: 1,
      id: "33333333-3333-4333-8333-333333333333",
      service: w.service.name,
      sourceTable: w.table,
      targetTable: restoredTable,
      requestedTime: "2024-03-01T00:00:00.000Z",
      restoreDateTime: "2024-03-01T00:00:00.000Z",
      requestedBy: { id: admin.id, email: admin.email, name: admin.name },
      startedAt: "2024-03-01T00:00:00.000Z",
      auditId: "pitr-1",
      status: "ACTIVE",
    };
    await saveJob(s3, w.config, job);
    expect((await erase(w, SUBJECT)).outcome).toBe("succeeded");

    const { done } = await startCompare({ s3, dynamodb }, w.config, w.service, job, { segments: 1, latestEtag: null });
    const state = await done;
    expect(state).toMatchObject({ status: "done", counts: { "only-in-restored": 0, changed: 1 }, erased: 1 });
    await expectNoTraceOfSubject(w);
    expect(await findTraces(s3, [w.bucket], ["conrad.new@example.com"])).not.toEqual([]);
  });
});

describe("finding 5: exact keys only", () => {
  it("removes the subject's pasted lines from a bulk-restore job and keeps the line of a key that starts with the subject's", async () => {
    const w = await world();
    await createPkSkTable(dynamodb, w.table);
    await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), "2024-03-10T09:00:00Z");
    const text = [SUBJECT, CONTROL, `${SUBJECT}\tNO-SUCH-ITEM`, `${CONTROL}\tNO-SUCH-ITEM`].join("\n");
    const job = await createJob({ s3, dynamodb }, w.config, { kind: "pasted-keys", service: w.service.name, text }, admin);
    const control = await controlSnapshot(w);

    expect((await erase(w, SUBJECT)).outcome).toBe("succeeded");
    const after = (await new JobStore(s3, w.config).get(job.id)).value;
    expect(after?.selection).toMatchObject({ kind: "pasted-keys", text: [CONTROL, `${CONTROL}\tNO-SUCH-ITEM`].join("\n") });
    expect(after?.plan.unresolved.map((u) => u.input)).toEqual([`${CONTROL}\tNO-SUCH-ITEM`]);
    await expectNoTraceOfSubject(w);
    expect(await controlSnapshot(w)).toEqual(control);
  });
});

describe("finding 6: a rewritten failed batch", () => {
  it("carries its true size, so its replay archives the rest and deletes the failure", async () => {
    const w = await world();
    const arn = `arn:aws:dynamodb:${region}:123456789012:table/${w.table}/stream/2024-01-01T00:00:00.000`;
    const records = [
      person(SUBJECT, "PROFILE", SUBJECT_VALUES),
      person(SUBJECT, "ADDRESS", SUBJECT_VALUES),
      person(CONTROL, "PROFILE", CONTROL_VALUES),
    ].map((image, i) => ({ ...removeRecord({ keys: keysOf(image), oldImage: image, at: new Date(`2024-03-11T09:00:0${i}Z`) }), eventSourceARN: arn }));
    const failureKey = "aws/lambda/11111111-2222-3333-4444-555555555555/shardId-00000001/2024/03/11/2024-03-11T09.00.05-abcd";
    const invocation = {
      requestContext: { requestId: "r-1", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:archiver-usr", condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
      version: "1.0",
      timestamp: "2024-03-11T09:00:10.000Z",
      DDBStreamBatchInfo: {
        shardId: "shardId-00000001",
        startSequenceNumber: records[0]!.dynamodb!.SequenceNumber!,
        endSequenceNumber: records[2]!.dynamodb!.SequenceNumber!,
        batchSize: 3,
        streamArn: arn,
      },
      payload: JSON.stringify({ Records: records }),
    };
    await s3.send(new PutObjectCommand({ Bucket: w.failures, Key: failureKey, Body: JSON.stringify(invocation), ContentType: "application/json" }));

    const erased = await erase(w, SUBJECT);
    expect(erased).toMatchObject({ outcome: "succeeded", summary: { failureCopiesRewritten: 1 } });
    await expectNoTraceOfSubject(w);

    const clients = { s3, sqs: createSqsClient({ region }), streams: createDynamoDBStreamsClient({ region }) };
    const replay = await replayFailure(clients, w.config, w.service, failureKey, admin);
    expect(replay).toMatchObject({ deleted: true, counts: { total: 1, archived: 1, lost: 0 } });
    expect(await findTraces(s3, [w.bucket], ["conrad.control@example.com"])).toHaveLength(1);
    await expectNoTraceOfSubject(w);
  });
});

describe("bulk-restore jobs and the erasure's window", () => {
  it("scrubs a filter job whose key prefix is the subject's key, and keeps one whose prefix is the control's", async () => {
    const w = await world();
    await createPkSkTable(dynamodb, w.table);
    await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), "2024-03-10T09:00:02Z");
    // A support agent typed the customer's key as the filter's prefix; it matches the control too.
    const filter = { kind: "filter", service: w.service.name, from: "2024-03-10", to: "2024-03-10" } as const;
    const bySubject = await createJob({ s3, dynamodb }, w.config, { ...filter, prefix: SUBJECT }, admin);
    const byControl = await createJob({ s3, dynamodb }, w.config, { ...filter, prefix: CONTROL }, admin);
    expect(bySubject.itemCount).toBe(2);

    expect((await erase(w, SUBJECT)).outcome).toBe("succeeded");
    const store = new JobStore(s3, w.config);
    expect((await store.get(bySubject.id)).value.selection).toMatchObject({ kind: "filter", prefix: expect.stringMatching(/^erased \(key hash [0-9a-f]{64}\)$/) });
    expect((await store.get(byControl.id)).value.selection).toMatchObject({ kind: "filter", prefix: CONTROL });
    expect((await store.items(bySubject.id)).map((i) => i.category).sort()).toEqual(["absent", "erased"]);
    await expectNoTraceOfSubject(w);

    // Planned after the erasure, the same filter does not write the key either.
    const after = await createJob({ s3, dynamodb }, w.config, { ...filter, prefix: SUBJECT }, admin);
    expect(after.selection).toMatchObject({ prefix: expect.stringMatching(/^erased \(key hash /) });
    await expectNoTraceOfSubject(w);
  });

  it("has the re-check clean a job planned while the erasure ran, from a ledger that did not have it yet", async () => {
    const w = await world();
    await createPkSkTable(dynamodb, w.table);
    await archive(w, person(SUBJECT, "PROFILE", SUBJECT_VALUES), "2024-03-10T09:00:00Z");
    await archive(w, person(CONTROL, "PROFILE", CONTROL_VALUES), "2024-03-10T09:00:02Z");

    // The erasure is held just before it writes its ledger entry, and a bulk restore is planned then.
    let reachedLedger!: () => void;
    const atLedger = new Promise<void>((resolve) => (reachedLedger = resolve));
    let releaseLedger!: () => void;
    const released = new Promise<void>((resolve) => (releaseLedger = resolve));
    const held = createS3Client({ region });
    held.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: string }).Key ?? "";
        if (context.commandName === "PutObjectCommand" && key.includes("/_erasures/")) {
          reachedLedger();
          await released;
        }
        return next(args);
      },
      { step: "initialize" },
    );
    const erasure = eraseSubject(held, w.config, { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer });
    await atLedger;
    const job = await createJob({ s3, dynamodb }, w.config, { kind: "pasted-keys", service: w.service.name, text: [SUBJECT, CONTROL].join("\n") }, admin);
    releaseLedger();
    expect((await erasure).outcome).toBe("succeeded");
    // The job was planned from the ledger as it was: its files hold the key.
    expect(await findTraces(s3, [w.bucket], SUBJECT_NEEDLES)).not.toEqual([]);

    const recheck = await recheckErasures(s3, w.config, { now: new Date(Date.now() + recheckDelayMs(w.service) + 60_000) });
    expect(recheck).toMatchObject({ due: 1, remaining: [], jobStateObjectsRewritten: 2 });
    expect(recheck.locations).toContain(`s3://${w.bucket}/deleted/_jobs/bulk-restore/${job.id}/job.json`);
    await expectNoTraceOfSubject(w);
    const store = new JobStore(s3, w.config);
    expect((await store.items(job.id)).map((i) => [i.category, i.keyText.startsWith("erased (key hash ")])).toEqual([
      ["erased", true],
      ["absent", false],
    ]);
    expect((await store.get(job.id)).value.selection).toMatchObject({ text: CONTROL });
  });
});
