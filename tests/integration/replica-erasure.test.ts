import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketVersioningCommand, PutObjectCommand, PutObjectRetentionCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { describe, it, type ExpectStatic } from "vitest";
import type { AttributeMap } from "../../lib/archive/attribute-value";
import { readDayManifest } from "../../lib/archive/sealed-store";
import { sealDay } from "../../lib/archive/sealer";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient } from "../../lib/aws/clients";
import { createJob, startJob } from "../../lib/bulk-restore/jobs";
import { startRunner } from "../../lib/bulk-restore/runner";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { eraseSubject } from "../../lib/erasure/erase";
import { confirmationText } from "../../lib/erasure/erasure-request";
import { recheckErasures } from "../../lib/erasure/erasure-recheck";
import { failedBatchRecords, readFailedBatch } from "../../lib/erasure/erasure-plan";
import { listVersionsUnder } from "../../lib/archive/object-versions";
import { applyReplicaErasures, replicaConfig, replicaSettleMs, REPLICA_MARKER_SEGMENT } from "../../lib/erasure/replica-eraser";
import { createPkSkTable, uniqueName } from "../support/aws";
import { Replication } from "../support/replication";
import { archiveAll, deletionsOfDay, lookUp, readDay, sealingFixture } from "../support/sealing";
import { removeRecord } from "../support/stream-events";
import { findTraces } from "../support/trace-scan";
import { cleanupJob } from "../support/attribution";
import { recordCallEvent } from "@/lib/attribution/record-calls";
import { cloudTrailEventFor } from "@/scripts/local-stack/cloudtrail-events";

/**
 * Erasure reaching the second copy. The archive replicates to a bucket in another account
 * without deletes, so after the console erases a subject the replica still holds every
 * version of the subject's records. The ledger entry replicates too, and the replica
 * eraser, given it, removes them there: objects, index entries, the members of sealed
 * bundles and every replaced version of them, failed batches (when replicated). Checked
 * as a compliance officer would: every object version and delete marker of the replica
 * buckets, bundles unzipped, holds neither the subject's key nor its values, and another
 * customer's records read exactly as before.
 */

const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };
const officer: SessionUser = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const DAY_MS = 86_400_000;
const ERASED_AT = new Date("2024-09-01T00:00:00Z");
/** When the archive's re-check runs in these tests: it judges the ledger entry's age by S3's Last-Modified, so by the real clock. */
const recheckTime = () => new Date(Date.now() + 2 * DAY_MS);
/** Past the replication allowance after such a re-check. */
const afterRecheck = () => new Date(Date.now() + 3 * DAY_MS);

function values(key: string): string[] {
  const slug = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return [`Name ${slug} Person`, `${slug}.mail@example.com`, `+33 6 ${slug} 00`];
}

/** The key where it can appear (JSON string, object name, index folder) and the person's values. */
function needles(key: string): string[] {
  return [`"${key}"`, `${key}_`, `${key}/`, ...values(key)];
}

function personRecord(pk: string, sk: string, at: string, ttl = false): DynamoDBRecord {
  const [name, email, phone] = values(pk) as [string, string, string];
  const image: AttributeMap = { PK: { S: pk }, SK: { S: sk }, name: { S: name }, email: { S: email }, phone: { S: phone }, balance: { N: "12345678901234567890123456789012345678" } };
  return removeRecord({ keys: { PK: { S: pk }, SK: { S: sk } }, oldImage: image, at: new Date(at), ttl });
}

async function versionedBucket(s3: S3Client, name: string, options: { objectLock?: boolean } = {}): Promise<string> {
  const bucket = uniqueName(name);
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ...(options.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  return bucket;
}

function withReplica(config: LazarusConfig, replica: string, failureBucketReplicas: Record<string, string> = {}): LazarusConfig {
  return {
    ...config,
    archive: {
      ...config.archive,
      secondCopy: {
        replication: {
          destinationBucket: replica,
          destinationAccount: "222222222222",
          destinationKmsKeyArn: "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab",
          eraser: { sweepAtUtc: "02:00", failureBucketReplicas },
        },
      },
    },
  };
}

async function eraseInSource(s3: S3Client, config: LazarusConfig, key: string, at: Date, expect: ExpectStatic): Promise<void> {
  const result = await eraseSubject(s3, config, { query: { match: "exact", key }, mode: "erase", confirmation: confirmationText("erase", key), actor: officer }, () => at);
  expect(result.outcome).toBe("succeeded");
}

/** The archive's scheduled re-check of due erasures, which marks each one it finds clean (the marker replicates). */
async function recheckInSource(s3: S3Client, config: LazarusConfig, expect: ExpectStatic, now = recheckTime()): Promise<void> {
  const result = await recheckErasures(s3, config, { now });
  expect(result.remaining).toEqual([]);
}

async function seal(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: { year: number; month: number; day: number }, expect: ExpectStatic): Promise<void> {
  const report = await sealDay(s3, config, service, day, { now: ERASED_AT, manifestPageRows: 10 });
  expect(report.outcome).not.toBe("failed");
}

async function objectCount(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return out.KeyCount ?? 0;
}

/** S3 requests sent by the client, by command, until stopped. */
function countRequests(s3: S3Client): { counts: Record<string, number>; stop: () => void } {
  const counts: Record<string, number> = {};
  const name = `count-${Math.random()}`;
  s3.middlewareStack.add(
    (next, context) => (args) => {
      counts[context.commandName ?? "?"] = (counts[context.commandName ?? "?"] ?? 0) + 1;
      return next(args);
    },
    { step: "initialize", name },
  );
  return { counts, stop: () => s3.middlewareStack.remove(name) };
}

async function allVersions(s3: S3Client, bucket: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const v of listVersionsUnder(s3, bucket, prefix)) out.push(`${v.key}@${v.versionId}${v.isDeleteMarker ? " (delete marker)" : ""}`);
  return out.sort();
}

/** Every version under the prefix with its bytes, to compare byte for byte. */
async function versionBytes(s3: S3Client, bucket: string, prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const v of listVersionsUnder(s3, bucket, prefix)) {
    if (v.isDeleteMarker) continue;
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }));
    out[`${v.key}@${v.versionId}`] = Buffer.from((await body.Body?.transformToByteArray()) ?? new Uint8Array()).toString("base64");
  }
  return out;
}

/** A failed batch as an S3 on-failure destination keeps it: the whole invocation, old images included. */
async function putFailedBatch(s3: S3Client, bucket: string, service: ServiceConfig, records: DynamoDBRecord[]): Promise<string> {
  const arn = `arn:aws:dynamodb:us-east-1:123456789012:table/${service.table.name}/stream/2024-01-01T00:00:00.000`;
  const withArn = records.map((r) => ({ ...r, eventSourceARN: arn }));
  const key = "aws/lambda/11111111-2222-3333-4444-555555555555/shardId-00000001/2024/03/07/2024-03-07T09.00.05-abcd";
  const invocation = {
    requestContext: { requestId: "r-1", functionArn: "arn:aws:lambda:us-east-1:123456789012:function:archiver-session", condition: "RetryAttemptsExhausted", approximateInvokeCount: 3 },
    version: "1.0",
    timestamp: "2024-03-07T09:00:10.000Z",
    DDBStreamBatchInfo: { shardId: "shardId-00000001", startSequenceNumber: withArn[0]!.dynamodb!.SequenceNumber!, endSequenceNumber: withArn.at(-1)!.dynamodb!.SequenceNumber!, batchSize: withArn.length, streamArn: arn },
    payload: JSON.stringify({ Records: withArn }),
  };
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(invocation), ContentType: "application/json" }));
  return key;
}

/**
 * An archive, its failed-batch bucket and their replicas, for one test: the tests run at once
 * (much of their time is waiting on moto, and one waits out an Object Lock retention), and
 * each sweep of the replica sees only its own test's erasures.
 */
async function replicatedArchive() {
  const fixture = await sealingFixture("replica-source", { failures: true });
  const { s3, service } = fixture;
  const failures = fixture.failures!;
  const replicaBucket = await versionedBucket(s3, "replica-copy");
  const replicaFailures = await versionedBucket(s3, "replica-failures");
  const config = withReplica(fixture.config, replicaBucket, { [failures]: replicaFailures });
  const replication = new Replication(s3, [
    { source: config.archive.bucket, replica: replicaBucket },
    { source: failures, replica: replicaFailures },
  ]);
  return { s3, service, failures, replicaBucket, replicaFailures, config, replica: replicaConfig(config), replication };
}

describe.concurrent("the replica eraser", () => {

  it("removes every version of an erased subject from the replica, in sealed and open days and failed batches, and leaves another customer as it was", async ({ expect }) => {
    const { s3, service, failures, replicaBucket, replicaFailures, config, replica, replication } = await replicatedArchive();
    const SUBJECT = "SUBJ#77";
    const CONTROL = "SUBJ#770";
    const sealedDay = { year: 2024, month: 3, day: 5 };
    const openDay = { year: 2024, month: 3, day: 7 };
    await archiveAll(s3, config, service, [
      ...deletionsOfDay(sealedDay, 20, "C"),
      personRecord(SUBJECT, "SESSION-a", "2024-03-05T08:00:00Z"),
      personRecord(SUBJECT, "SESSION-b", "2024-03-05T15:30:00Z", true),
      personRecord(CONTROL, "SESSION-a", "2024-03-05T09:00:00Z"),
      ...deletionsOfDay(openDay, 5, "O"),
      personRecord(SUBJECT, "SESSION-c", "2024-03-07T11:00:00Z"),
      personRecord(CONTROL, "SESSION-c", "2024-03-07T11:30:00Z"),
    ]);
    const batch = await putFailedBatch(s3, failures, service, [
      personRecord(SUBJECT, "SESSION-d", "2024-03-07T09:00:00Z"),
      personRecord(CONTROL, "SESSION-d", "2024-03-07T09:00:01Z"),
    ]);
    // Who deleted them: attribution records, whose names and bodies hold the key.
    const called = (pk: string, sk: string, at: string) =>
      recordCallEvent(s3, config, cloudTrailEventFor({ api: "DeleteItem", principal: cleanupJob("run-7"), at: new Date(at), region: config.region, deletes: [{ table: service.table.name, key: { PK: pk, SK: sk } }] }));
    await called(SUBJECT, "SESSION-a", "2024-03-05T08:00:00Z");
    await called(SUBJECT, "SESSION-c", "2024-03-07T11:00:00Z");
    await called(CONTROL, "SESSION-a", "2024-03-05T09:00:00Z");
    const controlCalls = async () => (await allVersions(s3, replicaBucket, `${config.archive.prefix}_attribution/`)).filter((v) => v.includes(encodeURIComponent(CONTROL)) || v.includes(CONTROL));
    // Replication copies records as they are archived, then what sealing writes (its deletes stay behind).
    await replication.catchUp();
    await seal(s3, config, service, sealedDay, expect);
    expect((await readDayManifest(s3, config, service, sealedDay))?.parts).toHaveLength(1);
    await replication.catchUp();

    const controlBefore = await lookUp(s3, replica, service, CONTROL);
    expect(controlBefore).toHaveLength(2);
    const controlCallsBefore = await controlCalls();
    expect(controlCallsBefore).toHaveLength(1);
    const sealedBefore = await readDay(s3, replica, service, sealedDay);

    await eraseInSource(s3, config, SUBJECT, ERASED_AT, expect);
    expect(await findTraces(s3, [config.archive.bucket], needles(SUBJECT))).toEqual([]);
    await recheckInSource(s3, config, expect);
    await replication.catchUp();
    // The test can fail: before the eraser runs, the replica still holds the subject in objects, entries, bundles and the failed batch.
    const before = await findTraces(s3, [replicaBucket, replicaFailures], needles(SUBJECT));
    expect(new Set(before.map((t) => t.bucket))).toEqual(new Set([replicaBucket, replicaFailures]));
    expect(before.some((t) => t.key.includes("/_sealed/"))).toBe(true);
    expect(before.some((t) => t.key.includes("_attribution/"))).toBe(true);

    const result = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    expect(result.summary.remaining).toEqual([]);
    expect(result.pending).toEqual([]);
    expect(result.erasures).toEqual([expect.objectContaining({ service: service.name, state: "applied", records: 3 })]);
    expect(result.summary.failureCopyVersionsRemoved).toBe(1);
    expect(result.summary.attributionRecordsRemoved).toBe(2);

    expect(await findTraces(s3, [replicaBucket, replicaFailures], needles(SUBJECT))).toEqual([]);
    // The other customer, beside the subject in the same bundle, day and failed batch, reads exactly as before.
    expect(await lookUp(s3, replica, service, CONTROL)).toEqual(controlBefore);
    expect(await controlCalls()).toEqual(controlCallsBefore);
    const sealedAfter = await readDay(s3, replica, service, sealedDay);
    expect(sealedAfter.images).toEqual(sealedBefore.images.filter((image) => !image.includes(`"${SUBJECT}"`)));
    const kept = failedBatchRecords((await readFailedBatch(s3, replicaFailures, batch)) ?? "");
    expect(kept?.records.map((r) => (r.dynamodb as { Keys: { PK: { S: string } } }).Keys.PK.S)).toEqual([CONTROL]);

    // The run is audited in the replica, by hash and location, and the entry is marked applied.
    expect(await objectCount(s3, replicaBucket, `${config.archive.prefix}${REPLICA_MARKER_SEGMENT}/${service.name}/`)).toBe(1);

    // Run again: nothing is due, and nothing in the replica changes.
    const versionsBefore = await allVersions(s3, replicaBucket);
    const requests = countRequests(s3);
    const again = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    requests.stop();
    expect(again).toMatchObject({ auditId: null, due: 0 });
    expect(await allVersions(s3, replicaBucket)).toEqual(versionsBefore);
    // A sweep with nothing to apply costs one LIST of the ledger and one of the markers per service.
    expect(requests.counts).toEqual({ ListObjectsV2Command: 2 });
  }, 240_000);

  it("erases at once when the ledger entry arrives before the rest of the erasure, and marks it applied only after the settle time", async ({ expect }) => {
    const { s3, service, replicaBucket, config, replica, replication } = await replicatedArchive();
    const SUBJECT = "SUBJ#88";
    const day = { year: 2024, month: 4, day: 10 };
    await archiveAll(s3, config, service, [...deletionsOfDay(day, 12, "D"), personRecord(SUBJECT, "SESSION-1", "2024-04-10T06:00:00Z"), personRecord(SUBJECT, "SESSION-2", "2024-04-10T07:00:00Z")]);
    await replication.catchUp();
    await seal(s3, config, service, day, expect);
    await replication.catchUp();
    const others = (await readDay(s3, replica, service, day)).images.filter((i) => !i.includes(SUBJECT));

    const erasedAt = new Date("2024-09-02T00:00:00Z");
    await eraseInSource(s3, config, SUBJECT, erasedAt, expect);
    // Only the ledger has replicated so far: the eraser blanks the bundle in the replica itself.
    await replication.catchUp((key) => key.includes("/_erasures/"));
    const early = await applyReplicaErasures(s3, config, { now: new Date(erasedAt.getTime() + 60_000) });
    expect(early.summary.remaining).toEqual([]);
    expect(early.erasures).toEqual([expect.objectContaining({ state: "settling", records: 2 })]);
    expect(await findTraces(s3, [replicaBucket], needles(SUBJECT))).toEqual([]);
    // Not marked applied yet: the replica has no marker of it.
    expect(await objectCount(s3, replicaBucket, `${config.archive.prefix}${REPLICA_MARKER_SEGMENT}/`)).toBe(0);

    // The source's rewritten bundle and manifest arrive later; the daily sweep after the settle time finishes and marks it.
    await recheckInSource(s3, config, expect);
    await replication.catchUp();
    const sweep = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    expect(sweep.erasures).toEqual([expect.objectContaining({ state: "applied" })]);
    expect(await findTraces(s3, [replicaBucket], needles(SUBJECT))).toEqual([]);
    expect((await readDay(s3, replica, service, day)).images).toEqual(others);
    expect(await objectCount(s3, replicaBucket, `${config.archive.prefix}${REPLICA_MARKER_SEGMENT}/`)).toBe(1);
  }, 240_000);

  it("finds a long key that object names show only hashed, through the ledger's name alias", async ({ expect }) => {
    const { s3, service, replicaBucket, config, replica, replication } = await replicatedArchive();
    const SUBJECT = `LONG#${"x".repeat(240)}-subject`;
    const CONTROL = `LONG#${"x".repeat(240)}-control`;
    const day = { year: 2024, month: 5, day: 20 };
    await archiveAll(s3, config, service, [...deletionsOfDay(day, 4, "H"), personRecord(SUBJECT, "SESSION-1", "2024-05-20T06:00:00Z"), personRecord(CONTROL, "SESSION-1", "2024-05-20T07:00:00Z")]);
    await replication.catchUp();
    const controlBefore = await lookUp(s3, replica, service, CONTROL);
    expect(controlBefore).toHaveLength(1);

    const erasedAt = new Date("2024-09-03T00:00:00Z");
    await eraseInSource(s3, config, SUBJECT, erasedAt, expect);
    await recheckInSource(s3, config, expect);
    await replication.catchUp();
    // The name shows the key's first 150 characters and a hash; the object holds it whole.
    const subjectNeedles = [...needles(SUBJECT), SUBJECT.slice(0, 150)].filter((n) => !CONTROL.includes(n));
    expect((await findTraces(s3, [replicaBucket], subjectNeedles)).length).toBeGreaterThan(0);

    const result = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    expect(result.summary.remaining).toEqual([]);
    expect(result.erasures).toEqual([expect.objectContaining({ state: "applied", records: 1 })]);
    expect(await findTraces(s3, [replicaBucket], subjectNeedles)).toEqual([]);
    expect(await findTraces(s3, [replicaBucket], values(SUBJECT))).toEqual([]);
    expect(await lookUp(s3, replica, service, CONTROL)).toEqual(controlBefore);
  }, 240_000);
  it("deletes older versions of job files that hold the subject, keeps the entry settling while the current one does, and leaves other customers' job files byte for byte", async ({ expect }) => {
    const { s3, service, replicaBucket, config, replication } = await replicatedArchive();
    const SUBJECT = "SUBJ#55";
    const CONTROL = "SUBJ#550";
    const dynamodb = createDynamoDBClient({ region: config.region });
    await createPkSkTable(dynamodb, service.table.name);
    const [subjectA, subjectB, controlA] = await archiveAll(s3, config, service, [
      personRecord(SUBJECT, "SESSION-a", "2024-06-11T08:00:00Z"),
      personRecord(SUBJECT, "SESSION-b", "2024-06-11T09:00:00Z"),
      personRecord(CONTROL, "SESSION-a", "2024-06-11T10:00:00Z"),
    ]);
    // A bulk restore of both customers, run to the end: its item list, job file, results and restored list hold both, in several versions.
    const deps = { s3, dynamodb, config, leaseMs: 2_000 };
    const mixed = await createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: service.name, archiveKeys: [subjectA!, subjectB!, controlA!] }, admin, new Date(), 2);
    await startJob(deps, mixed.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps, mixed.id)).toBe("completed");
    // A job of the other customer alone, pasted by a key that starts with the subject's.
    const other = await createJob({ s3, dynamodb }, config, { kind: "pasted-keys", service: service.name, text: CONTROL }, admin);
    await replication.catchUp();
    const jobsPrefix = `${config.archive.prefix}_jobs/bulk-restore/`;
    const otherBefore = await versionBytes(s3, replicaBucket, `${jobsPrefix}${other.id}/`);
    expect(Object.keys(otherBefore).length).toBeGreaterThan(1);

    const erasedAt = new Date("2024-09-04T00:00:00Z");
    await eraseInSource(s3, config, SUBJECT, erasedAt, expect);
    // Everything but the source's rewrites of the job files has replicated.
    await replication.catchUp((key) => !key.includes("/_jobs/"));
    const jobTraces = async () => (await findTraces(s3, [replicaBucket], needles(SUBJECT))).filter((t) => t.key.startsWith(jobsPrefix));
    const held = await jobTraces();
    // The test can fail: the replica's job files hold the subject in current and older versions.
    const heldFiles = [...new Set(held.map((t) => t.key))];
    expect(heldFiles).toEqual(expect.arrayContaining([`${jobsPrefix}${mixed.id}/items.json`, `${jobsPrefix}${mixed.id}/job.json`]));
    expect(heldFiles.every((k) => k.startsWith(`${jobsPrefix}${mixed.id}/`))).toBe(true);

    const early = await applyReplicaErasures(s3, config, { now: new Date(erasedAt.getTime() + 60_000) });
    expect(early.summary.remaining).toEqual([]);
    expect(early.erasures).toEqual([expect.objectContaining({ state: "settling", records: 2 })]);
    // Only the current versions are left holding it: the archive's rewrite of them has not arrived.
    const left = await jobTraces();
    expect(left.length).toBeGreaterThan(0);
    for (const trace of left) expect(await allVersions(s3, replicaBucket, trace.key)).toEqual([`${trace.key}@${trace.versionId}`]);

    // Past the settle time with the rewrite still missing, the run says so instead of marking the erasure applied.
    // The archive's re-check has run and its marker replicated, the rewrite of the job files has not.
    await recheckInSource(s3, config, expect);
    await replication.catchUp((key) => !key.includes("/_jobs/"));
    const late = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    expect(late.erasures).toEqual([expect.objectContaining({ state: "incomplete" })]);
    expect(late.summary.remaining.map((r) => r.location)).toEqual(expect.arrayContaining([`s3://${replicaBucket}/${jobsPrefix}${mixed.id}/items.json`]));

    await replication.catchUp();
    const requests = countRequests(s3);
    const sweep = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    requests.stop();
    expect(sweep.summary.remaining).toEqual([]);
    expect(sweep.erasures).toEqual([expect.objectContaining({ state: "applied" })]);
    expect(sweep.summary.jobStateVersionsRemoved).toBeGreaterThan(0);
    expect(await jobTraces()).toEqual([]);
    expect(await findTraces(s3, [replicaBucket], needles(SUBJECT))).toEqual([]);
    // The other customer: its own job untouched, version for version, and its entries in the shared job as the archive has them.
    expect(await versionBytes(s3, replicaBucket, `${jobsPrefix}${other.id}/`)).toEqual(otherBefore);
    for (const file of ["items.json", "job.json"]) {
      const read = async (bucket: string) => (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${jobsPrefix}${mixed.id}/${file}` }))).Body?.transformToString()) ?? "";
      const text = await read(replicaBucket);
      // items.json names the key, job.json the archive object whose name shows it.
      expect(text).toBe(await read(config.archive.bucket));
      expect(text).toContain(file === "items.json" ? `"${CONTROL}"` : `${CONTROL}_`);
    }
    if (process.env.LAZARUS_PRINT_REQUESTS) console.log(JSON.stringify(requests.counts));
  }, 240_000);
  it("settles on the archive's re-check, not on the clock: a late record sealed into a bundle before the re-check ran is still removed from the replica", async ({ expect }) => {
    const { s3, service, replicaBucket, config, replica, replication } = await replicatedArchive();
    const SUBJECT = "SUBJ#66";
    const day = { year: 2024, month: 9, day: 5 };
    const erasedAt = new Date("2024-09-05T12:00:00Z");
    await archiveAll(s3, config, service, [...deletionsOfDay(day, 6, "L"), personRecord(SUBJECT, "SESSION-1", "2024-09-05T06:00:00Z")]);
    await replication.catchUp();
    const others = (await readDay(s3, replica, service, day)).images.filter((i) => !i.includes(SUBJECT));
    await eraseInSource(s3, config, SUBJECT, erasedAt, expect);
    // An archiver instance whose list of erased keys predates the erasure archives a record of the subject deleted before it.
    await archiveAll(s3, config, service, [personRecord(SUBJECT, "SESSION-2", "2024-09-05T11:00:00Z")]);
    await replication.catchUp();

    // Two days on, past the clock's settle time (30 hours), the archive's re-check has not run yet (it runs hourly, and can be held up).
    const first = await applyReplicaErasures(s3, config, { now: new Date(erasedAt.getTime() + 2 * DAY_MS) });
    expect(first.summary.remaining).toEqual([]);
    expect(first.erasures).toEqual([expect.objectContaining({ state: "settling", records: 2 })]);
    expect(await findTraces(s3, [replicaBucket], needles(SUBJECT))).toEqual([]);

    // Meanwhile the archive seals the day, late record included, and the bundle replicates: the subject is back in the replica.
    expect((await sealDay(s3, config, service, day, { now: new Date(erasedAt.getTime() + 3 * DAY_MS), manifestPageRows: 10 })).outcome).toBe("sealed");
    await replication.catchUp();
    expect((await findTraces(s3, [replicaBucket], needles(SUBJECT))).some((t) => t.key.includes("/_sealed/"))).toBe(true);

    // The re-check runs in the archive and marks the erasure; until the replication allowance has passed since, the replica waits.
    await recheckInSource(s3, config, expect);
    await replication.catchUp();
    const waiting = await applyReplicaErasures(s3, config, { now: new Date(recheckTime().getTime() + 3_600_000) });
    expect(waiting.erasures).toEqual([expect.objectContaining({ state: "settling" })]);
    const sweep = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    expect(sweep.summary.remaining).toEqual([]);
    expect(sweep.erasures).toEqual([expect.objectContaining({ state: "applied" })]);
    expect(await findTraces(s3, [replicaBucket], needles(SUBJECT))).toEqual([]);
    expect((await readDay(s3, replica, service, day)).images).toEqual(others);
  }, 240_000);

  it("reports an erasure whose re-check never reaches the replica, a day after it was due, instead of waiting silently", async ({ expect }) => {
    const { s3, service, config, replication } = await replicatedArchive();
    const SUBJECT = "SUBJ#44";
    await archiveAll(s3, config, service, [personRecord(SUBJECT, "SESSION-1", "2024-07-01T06:00:00Z")]);
    await replication.catchUp();
    const erasedAt = new Date("2024-09-06T00:00:00Z");
    await eraseInSource(s3, config, SUBJECT, erasedAt, expect);
    await replication.catchUp();
    const due = await applyReplicaErasures(s3, config, { now: new Date(erasedAt.getTime() + 2 * DAY_MS) });
    expect(due.erasures).toEqual([expect.objectContaining({ state: "settling", records: 1 })]);
    const overdue = await applyReplicaErasures(s3, config, { now: new Date(erasedAt.getTime() + 3 * DAY_MS) });
    expect(overdue.erasures).toEqual([expect.objectContaining({ state: "incomplete" })]);
    expect(overdue.summary.remaining).toEqual([{ location: expect.stringMatching(/^usr-session-svc erasure /), reason: expect.stringContaining("the archive's re-check of this erasure has not reached the replica") }]);
    // Once it has, the next sweep marks it applied.
    await recheckInSource(s3, config, expect);
    await replication.catchUp();
    expect((await applyReplicaErasures(s3, config, { now: afterRecheck() })).erasures).toEqual([expect.objectContaining({ state: "applied" })]);
  }, 240_000);
});

describe.concurrent("the replica eraser and Object Lock in the replica", () => {
  it("reports a locked version pending until its retention ends, never applied, and the next sweep finishes it", async ({ expect }) => {
    const fixture = await sealingFixture("replica-lock-source");
    const { s3, service } = fixture;
    const replicaBucket = await versionedBucket(s3, "replica-locked", { objectLock: true });
    const config = withReplica(fixture.config, replicaBucket);
    const replication = new Replication(s3, [{ source: config.archive.bucket, replica: replicaBucket }]);
    const SUBJECT = "SUBJ#99";
    const [lockedKey, freeKey] = await archiveAll(s3, config, service, [personRecord(SUBJECT, "SESSION-a", "2024-05-02T10:00:00Z"), personRecord(SUBJECT, "SESSION-b", "2024-05-02T11:00:00Z")]);
    await replication.catchUp();
    // As a replica of a locked archive, or under the replica bucket's default retention.
    const until = new Date(Date.now() + 20_000);
    await s3.send(new PutObjectRetentionCommand({ Bucket: replicaBucket, Key: lockedKey!, Retention: { Mode: "GOVERNANCE", RetainUntilDate: until } }));

    await eraseInSource(s3, config, SUBJECT, ERASED_AT, expect);
    await replication.catchUp();
    // Past the earliest settle time (the source's re-check window and the replication allowance), before the re-check is overdue.
    const first = await applyReplicaErasures(s3, config, { now: new Date(ERASED_AT.getTime() + replicaSettleMs(service) + 60_000) });
    expect(first.summary.remaining).toEqual([]);
    expect(first.erasures).toEqual([expect.objectContaining({ state: "pending", records: 1 })]);
    expect(first.pending).toEqual([{ location: expect.stringMatching(/^usr-session-svc\/2024\/05\/02\/#[0-9a-f]{16}$/), until: until.toISOString(), reason: `Object Lock GOVERNANCE retention until ${until.toISOString()}` }]);
    const left = await findTraces(s3, [replicaBucket], needles(SUBJECT));
    expect(new Set(left.map((t) => t.key.replace(/^.*\/_by-key\/[^/]+\//, `${config.archive.prefix}${service.name}/`)))).toEqual(new Set([lockedKey]));
    expect(left.some((t) => t.key.includes(freeKey!.slice(freeKey!.lastIndexOf("/") + 1)))).toBe(false);
    expect(await objectCount(s3, replicaBucket, `${config.archive.prefix}${REPLICA_MARKER_SEGMENT}/`)).toBe(0);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until.getTime() - Date.now() + 1_000)));
    await recheckInSource(s3, config, expect);
    await replication.catchUp();
    const sweep = await applyReplicaErasures(s3, config, { now: afterRecheck() });
    expect(sweep.erasures).toEqual([expect.objectContaining({ state: "applied", records: 1 })]);
    expect(await findTraces(s3, [replicaBucket], needles(SUBJECT))).toEqual([]);
  }, 240_000);
});
