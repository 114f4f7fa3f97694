import { CreateBucketCommand, GetObjectCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { JobStore } from "../../lib/bulk-restore/job-store";
import { createJob, getJobView, startJob } from "../../lib/bulk-restore/jobs";
import { startRunner } from "../../lib/bulk-restore/runner";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { eraseSubject } from "../../lib/erasure/erase";
import { erasureKeyHash } from "../../lib/erasure/erasure-ledger";
import { confirmationText } from "../../lib/erasure/erasure-request";
import { loadCompareChunk, saveCompareChunk, saveCompareState, saveCopyBackResults, saveJob } from "../../lib/pitr/pitr-store";
import type { CompareState, PitrJob } from "../../lib/pitr/pitr-types";
import { toSdkItem } from "../../lib/restore/sdk-attribute-value";
import { createPkSkTable, uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";

/**
 * Erasure reaches the working copies Lazarus keeps under `_jobs/`: a finished bulk
 * restore (item list, diffs, results, restored list, selection) and a point-in-time
 * compare (chunks with whole items, copy-back results). Every version of every job
 * object is read back afterwards: none may still hold the subject's key.
 */

const SUBJECT = "CUSTOMER#erase-me-7731";
const OTHER = "CUSTOMER#keep-me-1029";
const officer: SessionUser = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" };
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };

let region: string;
let s3: S3Client;
let dynamodb: DynamoDBClient;
let config: LazarusConfig;
let service: ServiceConfig;
let table: string;

function item(pk: string, sk: string, extra: AttributeMap = {}): AttributeMap {
  return { PK: { S: pk }, SK: { S: sk }, email: { S: `${sk.toLowerCase()}@example.com` }, plan: { S: "gold" }, ...extra };
}

async function archive(it: AttributeMap, at: string): Promise<string> {
  const keys: Record<string, KeyValue> = { PK: it.PK as KeyValue, SK: it.SK as KeyValue };
  const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage: it, at: new Date(at) }));
  if (outcome.status !== "archived") throw new Error(outcome.status);
  return outcome.archiveKey;
}

/** Every version of every object under the prefix, with its text. */
async function allVersions(prefix: string): Promise<{ key: string; versionId: string; text: string }[]> {
  const out: { key: string; versionId: string; text: string }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: config.archive.bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    for (const v of page.Versions ?? []) {
      const body = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: v.Key!, VersionId: v.VersionId! }));
      out.push({ key: v.Key!, versionId: v.VersionId!, text: (await body.Body?.transformToString("utf-8")) ?? "" });
    }
    if (!page.IsTruncated) return out;
    keyMarker = page.NextKeyMarker;
    versionIdMarker = page.NextVersionIdMarker;
  }
}

beforeAll(async () => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
  dynamodb = createDynamoDBClient({ region });
  const bucket = uniqueName("erasure-jobs");
  table = uniqueName("customers");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  config = parseConfig({
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      {
        name: "customers",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-customers" },
        onFailure: { type: "sqs", queueName: "customers-dlq" },
      },
    ],
  });
  service = findService(config, "customers")!;
  await createPkSkTable(dynamodb, table);
});

describe("erasure of job state", () => {
  it("removes the subject from a finished bulk restore and a PITR compare, every version, and keeps everyone else", async () => {
    const subjectProfile = await archive(item(SUBJECT, "PROFILE"), "2024-05-02T08:00:00Z");
    const subjectAddress = await archive(item(SUBJECT, "ADDRESS"), "2024-05-02T08:00:01Z");
    const other = await archive(item(OTHER, "PROFILE"), "2024-05-02T08:00:02Z");
    // The subject's address is live with other values: the plan keeps a diff of it.
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: toSdkItem(item(SUBJECT, "ADDRESS", { plan: { S: "silver" } })) }));

    const job = await createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: "customers", archiveKeys: [subjectProfile, subjectAddress, other] }, admin, new Date(), 2);
    const deps = { s3, dynamodb, config, leaseMs: 1_000 };
    await startJob(deps, job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps, job.id)).toBe("completed");
    const store = new JobStore(s3, config);
    expect(Object.keys(await store.diffs(job.id))).toHaveLength(1);
    // This process has read the results (a progress poll does): what it keeps must not outlive the erasure.
    expect(JSON.stringify(await store.chunkResults(job.id))).toContain(SUBJECT);

    // A point-in-time compare as the compare leaves it: the subject's deleted item only in the restored table.
    const pitr: PitrJob = {
      schemaVersion: 1,
      id: "pitr-erasure-1",
      service: "customers",
      sourceTable: table,
      targetTable: `${table}-restored`,
      requestedTime: null,
      requestedBy: { id: admin.id, email: admin.email, name: admin.name },
      startedAt: "2024-05-03T00:00:00.000Z",
      auditId: "pitr-audit-1",
      status: "ACTIVE",
    };
    await saveJob(s3, config, pitr);
    const compareId = "22222222-2222-4222-8222-222222222222";
    const state: CompareState = {
      schemaVersion: 1,
      jobId: pitr.id,
      compareId,
      status: "done",
      startedAt: "2024-05-03T00:01:00.000Z",
      updatedAt: "2024-05-03T00:02:00.000Z",
      finishedAt: "2024-05-03T00:02:00.000Z",
      segments: 1,
      scanned: { live: 1, restored: 3 },
      approximateCounts: { live: 1, restored: 3 },
      counts: { "only-in-restored": 2, "only-in-live": 0, changed: 0 },
      identical: 1,
      chunks: { "only-in-restored": 1, "only-in-live": 0, changed: 0 },
    };
    await saveCompareState(s3, config, state);
    const subjectKey = { PK: { S: SUBJECT }, SK: { S: "PROFILE" } } as Record<string, KeyValue>;
    const otherKey = { PK: { S: OTHER }, SK: { S: "PROFILE" } } as Record<string, KeyValue>;
    await saveCompareChunk(s3, config, pitr.id, compareId, {
      category: "only-in-restored",
      chunk: 0,
      entries: [
        { id: "0:0", key: subjectKey, restored: item(SUBJECT, "PROFILE"), liveFingerprint: "absent" },
        { id: "0:1", key: otherKey, restored: item(OTHER, "PROFILE"), liveFingerprint: "absent" },
      ],
    });
    await saveCopyBackResults(s3, config, pitr.id, compareId, "copy-1", {
      auditId: "copy-1",
      counts: { copied: 2, "changed-since-compare": 0, erased: 0, failed: 0 },
      items: [
        { id: "0:0", key: subjectKey, outcome: "copied" },
        { id: "0:1", key: otherKey, outcome: "copied" },
      ],
    });
    const before = await allVersions(`${config.archive.prefix}_jobs/`);
    expect(before.filter((v) => v.text.includes(SUBJECT)).length).toBeGreaterThanOrEqual(7);

    const result = await eraseSubject(s3, config, { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer });

    expect(result.outcome).toBe("succeeded");
    if (result.outcome !== "succeeded") return;
    expect(result.summary.remaining).toEqual([]);
    // Item list, diffs, the result chunk of items 0-1 (the subject's two), restored list, job (selection), compare chunk, copy-back results.
    expect(result.summary.jobStateObjectsRewritten).toBe(7);
    expect(result.summary.jobStateVersionsRemoved).toBeGreaterThanOrEqual(7);
    const after = await allVersions(`${config.archive.prefix}_jobs/`);
    expect(after.filter((v) => v.text.includes(SUBJECT)).map((v) => v.key)).toEqual([]);
    expect(after.filter((v) => v.text.includes("erase-me")).map((v) => v.key)).toEqual([]);

    // Everyone else is as they were.
    const items = await store.items(job.id);
    expect(items.find((i) => i.archiveKey === other)).toMatchObject({ key: { PK: { S: OTHER }, SK: { S: "PROFILE" } }, category: "absent" });
    const erasedItems = items.filter((i) => i.category === "erased");
    expect(erasedItems).toHaveLength(2);
    expect(erasedItems[0]!.keyText).toBe(`erased (key hash ${erasureKeyHash("customers", { S: SUBJECT })})`);
    expect(JSON.stringify(await store.chunkResults(job.id))).not.toContain(SUBJECT);
    const view = await getJobView(deps, job.id);
    expect(view.job.status).toBe("completed");
    expect(view.progress.total).toBe(3);
    expect((await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: `${config.archive.prefix}_jobs/bulk-restore/${job.id}/restored.json` })).then((o) => o.Body!.transformToString()))).toBe(
      JSON.stringify({ archiveKeys: [other] }),
    );
    const chunk = await loadCompareChunk(s3, config, pitr.id, compareId, "only-in-restored", 0);
    expect(chunk?.entries.map((e) => e.id)).toEqual(["0:1"]);
  });

  it("refuses while a bulk restore that holds the subject is running, and says which", async () => {
    const subject = "CUSTOMER#running-job-5150";
    const key = await archive(item(subject, "PROFILE"), "2024-06-01T08:00:00Z");
    const job = await createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: "customers", archiveKeys: [key] }, admin, new Date(), 2);
    // What a runner on another instance leaves in S3 while it works.
    await new JobStore(s3, config).update(job.id, (current) => ({ ...current, status: "running", options: { overwriteConflicting: false, ttl: { action: "keep" } } }));

    const result = await eraseSubject(s3, config, { query: { match: "exact", key: subject }, mode: "erase", confirmation: confirmationText("erase", subject), actor: officer });

    expect(result.outcome).toBe("refused");
    if (result.outcome !== "refused") return;
    expect(result.reasons).toEqual([`bulk-restore job ${job.id} (customers) is running and holds this subject's records: wait for it to finish or cancel it, then erase`]);
    // Nothing was erased: the archived record is still readable.
    await expect(s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: key }))).resolves.toBeDefined();
  });
});
