import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { listAuditEntries } from "../../lib/audit/audit-log";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { erasureKeyHash, writeErasure } from "../../lib/erasure/erasure-ledger";
import { buildRestoreLookup } from "../../lib/exports/restore-lookup";
import { JobStore } from "../../lib/bulk-restore/job-store";
import { cancelJob, createJob, getJobView, resultsCsv, startJob } from "../../lib/bulk-restore/jobs";
import type { ChunkResult, ItemResult } from "../../lib/bulk-restore/job-types";
import { startRunner, type RunnerDeps } from "../../lib/bulk-restore/runner";
import { JobTooLargeError } from "../../lib/bulk-restore/selection";
import { getLiveItem } from "../../lib/restore/live-item";
import { toSdkItem } from "../../lib/restore/sdk-attribute-value";
import { createPkSkTable, uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";

/**
 * Bulk restore against moto: plan categories, throttling and failures, a live item
 * appearing between plan and run, erased keys, and a runner killed mid-job and
 * resumed. PutItem successes are counted per key by client middleware, so "no
 * item written twice" is checked against what DynamoDB actually accepted.
 */

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
let table: string;
let region: string;
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };
const DELETED_AT = new Date("2024-04-02T10:30:00Z");
const DAY = "2024-04-02";
const FAST_BACKOFF = { maxAttempts: 8, baseMs: 1, maxMs: 20 };

/** PutItem successes per key, over every client of the test. */
const writes = new Map<string, number>();
const putKey = (item: Record<string, { S?: string }>) => `${item.PK?.S}|${item.SK?.S}`;

interface Faults {
  /** Throws ThrottlingException on PutItem calls whose running number this returns true for. */
  throttlePut?: (call: number, key: string) => boolean;
  /** Throws ValidationException for PutItem on these keys. */
  rejectKeys?: Set<string>;
  afterPutSuccess?: (count: number, key: string) => void;
  batchGets?: { count: number };
}

function dynamoClient(faults: Faults = {}): DynamoDBClient {
  const client = createDynamoDBClient({ region, maxAttempts: 1 });
  let calls = 0;
  let successes = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Item?: Record<string, { S?: string }> };
      if (context.commandName === "BatchGetItemCommand" && faults.batchGets) faults.batchGets.count += 1;
      if (context.commandName !== "PutItemCommand" || !input.Item) return next(args);
      const key = putKey(input.Item);
      calls += 1;
      if (faults.throttlePut?.(calls, key)) throw Object.assign(new Error("Rate of requests exceeds the allowed throughput."), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
      if (faults.rejectKeys?.has(key)) throw Object.assign(new Error("One or more parameter values were invalid"), { name: "ValidationException", $metadata: { httpStatusCode: 400 } });
      const out = await next(args);
      writes.set(key, (writes.get(key) ?? 0) + 1);
      successes += 1;
      faults.afterPutSuccess?.(successes, key);
      return out;
    },
    { step: "initialize", name: "bulkRestoreFaults" },
  );
  return client;
}

function item(pk: string, extra: AttributeMap = {}): AttributeMap {
  return { PK: { S: pk }, SK: { S: "DETAILS" }, status: { S: "scheduled" }, total: { N: "129.90" }, expiresAt: { N: "1712053800" }, ...extra };
}

async function archiveAll(items: AttributeMap[], at = DELETED_AT): Promise<string[]> {
  const keys: string[] = [];
  for (const it of items) {
    const k: Record<string, KeyValue> = { PK: it.PK as KeyValue, SK: it.SK as KeyValue };
    const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys: k, oldImage: it, at }));
    if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
    keys.push(outcome.archiveKey);
  }
  return keys;
}

async function putLive(dynamodb: DynamoDBClient, it: AttributeMap) {
  await dynamodb.send(new PutItemCommand({ TableName: table, Item: toSdkItem(it) }));
}

async function allResults(jobId: string): Promise<ItemResult[]> {
  const chunks: ChunkResult[] = await new JobStore(s3, config).chunkResults(jobId);
  return chunks.flatMap((c) => c.items).sort((a, b) => a.i - b.i);
}

const deps = (dynamodb: DynamoDBClient, extra: Partial<RunnerDeps> = {}): RunnerDeps => ({ s3, dynamodb, config, backoff: FAST_BACKOFF, leaseMs: 400, ...extra });

beforeAll(async () => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
  const bucket = uniqueName("bulk-restore");
  table = uniqueName("orders");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  config = parseConfig({
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [
      {
        name: "orders",
        table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "expiresAt" },
        archiver: { functionName: "archiver-orders" },
        onFailure: { type: "sqs", queueName: "orders-dlq" },
      },
    ],
  });
  service = findService(config, "orders")!;
  await createPkSkTable(createDynamoDBClient({ region }), table);
});

describe("bulk restore", () => {
  it("plans with BatchGetItem, runs through throttling and failures, never overwrites, refuses erased keys, and audits one job", async () => {
    const batchGets = { count: 0 };
    const setup = dynamoClient({ batchGets });
    const items = Array.from({ length: 140 }, (_, i) => item(`ORDER#a-${String(i).padStart(4, "0")}`));
    const archiveKeys = await archiveAll(items);
    // 10 identical, 10 conflicting live items; one key erased; one archive key that points nowhere.
    for (const it of items.slice(0, 10)) await putLive(setup, it);
    for (const it of items.slice(10, 20)) await putLive(setup, { ...it, status: { S: "cancelled" } });
    await writeErasure(s3, config, service, { S: "ORDER#a-0020" }, { erasedAt: new Date(), auditId: "erasure-1", records: 1 });
    const missing = archiveKeys[0]!.replace(/[^/]+$/, "nothing-here.json");

    const job = await createJob({ s3, dynamodb: setup }, config, { kind: "archive-keys", service: "orders", archiveKeys: [...archiveKeys, missing] }, admin, new Date(), 25);
    expect(job.plan.counts).toEqual({ absent: 119, identical: 10, conflicting: 10, duplicate: 0, unreadable: 1, erased: 1 });
    expect(job.plan.ttl).toEqual({ attribute: "expiresAt", withTtl: 140, expired: 140 });
    expect(batchGets.count).toBe(2); // 138 live lookups, 100 keys a request
    const store = new JobStore(s3, config);
    expect(Object.keys(await store.diffs(job.id))).toHaveLength(10);

    // Between plan and run: a live item appears for a planned-absent key.
    await putLive(setup, { ...items[30]!, status: { S: "recreated" } });
    writes.clear();

    const rejected = putKey(toSdkItem(items[40]!) as Record<string, { S?: string }>);
    const alwaysThrottled = putKey(toSdkItem(items[41]!) as Record<string, { S?: string }>);
    const runner = dynamoClient({ throttlePut: (call, key) => key === alwaysThrottled || call % 3 === 0, rejectKeys: new Set([rejected]) });
    await startJob(deps(runner), job.id, { overwriteConflicting: false, ttl: { action: "drop" } }, admin);
    expect(await startRunner(deps(runner), job.id)).toBe("completed");

    const results = await allResults(job.id);
    expect(results.map((r) => r.i)).toEqual(Array.from({ length: 141 }, (_, i) => i));
    const by = (outcome: string) => results.filter((r) => r.outcome === outcome);
    expect(by("restored")).toHaveLength(116);
    expect(by("failed").map((r) => r.keyText).sort()).toEqual(["ORDER#a-0040 / DETAILS", "ORDER#a-0041 / DETAILS"]);
    expect(by("failed").find((r) => r.keyText.startsWith("ORDER#a-0041"))!.reason).toMatch(/still throttled after 8 attempts/);
    expect(by("failed").find((r) => r.keyText.startsWith("ORDER#a-0040"))!.reason).toMatch(/ValidationException/);
    expect(results.find((r) => r.keyText.startsWith("ORDER#a-0030"))).toMatchObject({ outcome: "skipped", reason: expect.stringMatching(/live item appeared\/changed since the plan/) });
    // An erased key is named by its ledger hash in job state, never by its text.
    expect(results.find((r) => r.keyText === `erased (key hash ${erasureKeyHash(service.name, { S: "ORDER#a-0020" })})`)!.reason).toMatch(/^erased: erased on \d{4}-\d{2}-\d{2}/);
    expect(JSON.stringify(results)).not.toContain("ORDER#a-0020");
    expect(results.filter((r) => r.attempts > 1).length).toBeGreaterThan(10);
    // Exactly once: every success is one PutItem, and no key got two.
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
    expect(writes.size).toBe(116);

    const recreated = await getLiveItem(setup, table, { PK: { S: "ORDER#a-0030" }, SK: { S: "DETAILS" } });
    expect(recreated?.status).toEqual({ S: "recreated" });
    const conflicting = await getLiveItem(setup, table, { PK: { S: "ORDER#a-0010" }, SK: { S: "DETAILS" } });
    expect(conflicting?.status).toEqual({ S: "cancelled" });
    const restored = await getLiveItem(setup, table, { PK: { S: "ORDER#a-0050" }, SK: { S: "DETAILS" } });
    expect(restored).toEqual({ PK: { S: "ORDER#a-0050" }, SK: { S: "DETAILS" }, status: { S: "scheduled" }, total: { N: "129.90" } }); // TTL dropped
    expect(await getLiveItem(setup, table, { PK: { S: "ORDER#a-0020" }, SK: { S: "DETAILS" } })).toBeNull();

    const view = await getJobView(deps(runner), job.id);
    expect(view.job.status).toBe("completed");
    expect(view.progress).toMatchObject({ total: 141, done: 116, skipped: 23, failed: 2, percent: 100, etaSeconds: 0 });

    const now = new Date();
    const audit = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
    const entries = audit.entries.filter((e) => e.operationId === view.job.run!.auditOperationId);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "failed"]);
    expect(entries[0]!.details).toMatchObject({ jobId: job.id, itemCount: 141, itemList: expect.stringMatching(/^s3:\/\/.+\/deleted\/_jobs\/bulk-restore\/.+\/items\.json$/) });
    expect(entries[1]!.details).toMatchObject({ done: 116, skipped: 23, failed: 2 });
    // The outcome names the list of archive objects written (kept beside the job: too long
    // for an entry), so exports can say "restored since, by whom" for exactly those.
    const restoredKeys = (await allResults(job.id)).filter((r) => r.outcome === "restored").map((r) => r.archiveKey);
    expect(restoredKeys).toHaveLength(116);
    expect(entries[1]!.details).toMatchObject({ restoredCount: 116, restoredList: expect.stringMatching(/\/_jobs\/bulk-restore\/.+\/restored\.json$/) });
    expect(JSON.stringify(entries[1]).length).toBeLessThan(4096);
    const today = now.toISOString().slice(0, 10);
    const lookup = await buildRestoreLookup(s3, config, { from: today, to: today });
    const restoredByThisJob = [...lookup].filter(([, fact]) => fact.by.includes(admin.email));
    expect(new Set(restoredByThisJob.map(([key]) => key))).toEqual(new Set(restoredKeys));
    expect(JSON.stringify(entries)).not.toContain("scheduled");

    const csv = await new Response(resultsCsv(s3, config, job.id)).text();
    const lines = csv.trim().split("\n");
    expect(lines[0]).toBe("item,key,archive_key,plan,outcome,reason,attempts");
    expect(lines).toHaveLength(142);
  });

  it("overwrites conflicting items only when chosen, guarded by the live fingerprint from the plan", async () => {
    const setup = dynamoClient();
    const items = Array.from({ length: 4 }, (_, i) => item(`ORDER#o-${i}`, { expiresAt: { N: "4102444800" } }));
    const archiveKeys = await archiveAll(items);
    for (const it of items) await putLive(setup, { ...it, status: { S: "cancelled" } });
    const job = await createJob({ s3, dynamodb: setup }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin);
    expect(job.plan.counts.conflicting).toBe(4);
    // One conflicting item changes again after the plan: its overwrite must be refused.
    await putLive(setup, { ...items[2]!, status: { S: "shipped" } });
    writes.clear();
    const runner = dynamoClient();
    await startJob(deps(runner), job.id, { overwriteConflicting: true, ttl: { action: "keep" } }, admin);
    await startRunner(deps(runner), job.id);
    const results = await allResults(job.id);
    expect(results.map((r) => r.outcome)).toEqual(["restored", "restored", "skipped", "restored"]);
    expect((await getLiveItem(setup, table, { PK: { S: "ORDER#o-2" }, SK: { S: "DETAILS" } }))?.status).toEqual({ S: "shipped" });
    expect((await getLiveItem(setup, table, { PK: { S: "ORDER#o-0" }, SK: { S: "DETAILS" } }))?.status).toEqual({ S: "scheduled" });
    expect(writes.size).toBe(3);
  });

  it("finishes a job whose runner crashed mid-chunk, without writing any item twice", async () => {
    const items = Array.from({ length: 230 }, (_, i) => item(`ORDER#c-${String(i).padStart(4, "0")}`));
    const archiveKeys = await archiveAll(items);
    const setup = dynamoClient();
    const job = await createJob({ s3, dynamodb: setup }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), 50);
    writes.clear();

    const crash = new AbortController();
    const writtenByDoomed = new Set<string>();
    const doomed = dynamoClient({
      afterPutSuccess: (n, key) => {
        writtenByDoomed.add(key);
        if (n === 70) crash.abort();
      },
    });
    // Long enough that the checks below run while the dead runner's lease still holds, on a loaded machine too.
    const leaseMs = 3_000;
    // A checkpoint after every chunk: the runner dies with chunk 0 recorded and items of chunk 1 written but not recorded.
    await startJob(deps(doomed, { crash: crash.signal, concurrency: 6, leaseMs, checkpointMs: 0 }), job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps(doomed, { leaseMs }), job.id)).toBe("crashed");
    const store = new JobStore(s3, config);
    expect(await store.recordedChunks(job.id)).toEqual([0]);
    const writtenBeforeCrash = writes.size;
    expect(writtenBeforeCrash).toBeGreaterThanOrEqual(70);

    // The dead runner's lease blocks a resume until it expires.
    const survivor = dynamoClient();
    expect((await getJobView(deps(survivor, { leaseMs }), job.id)).resumed).toBe(false);
    await new Promise((r) => setTimeout(r, leaseMs + 50));
    const view = await getJobView(deps(survivor, { leaseMs }), job.id);
    expect(view.resumed).toBe(true);
    expect(await startRunner(deps(survivor, { leaseMs }), job.id)).toBe("completed");

    const results = await allResults(job.id);
    expect(results).toHaveLength(230);
    expect(results.every((r) => r.outcome === "restored" || r.outcome === "already-restored")).toBe(true);
    // Items the dead runner wrote after its last checkpoint (some of them landing after it "died") are found restored, not written again.
    const chunkZero = new Set(results.filter((r) => r.i < 50).map((r) => `${r.keyText.split(" / ")[0]}|DETAILS`));
    const alreadyRestored = results.filter((r) => r.outcome === "already-restored").map((r) => `${r.keyText.split(" / ")[0]}|DETAILS`);
    expect(new Set(alreadyRestored)).toEqual(new Set([...writtenByDoomed].filter((k) => !chunkZero.has(k))));
    expect(writes.size).toBe(230);
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
    expect((await getJobView(deps(survivor), job.id)).progress).toMatchObject({ done: 230, skipped: 0, failed: 0, percent: 100 });
  });

  it("records a run shorter than the checkpoint interval in one result object, and reads no job state back", async () => {
    const items = Array.from({ length: 40 }, (_, i) => item(`ORDER#o-${String(i).padStart(4, "0")}`));
    const archiveKeys = await archiveAll(items);
    const job = await createJob({ s3, dynamodb: dynamoClient() }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), 8);
    expect(job.chunkCount).toBe(5);
    const requests: { command: string; key: string }[] = [];
    const counted = createS3Client({ region });
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string; Prefix?: string };
        requests.push({ command: context.commandName ?? "?", key: input.Key ?? input.Prefix ?? "" });
        return next(args);
      },
      { step: "initialize", name: "countS3" },
    );
    const run = { ...deps(dynamoClient()), s3: counted, leaseMs: 30_000, checkpointMs: 60_000 };
    await startJob(run, job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(run, job.id)).toBe("completed");

    const store = new JobStore(s3, config);
    expect(await store.recordedChunks(job.id)).toEqual([0, 1, 2, 3, 4]);
    const written = requests.filter((r) => r.command === "PutObjectCommand" && r.key.includes("/results/"));
    expect(written.map((r) => r.key.slice(r.key.lastIndexOf("/") + 1))).toEqual(["000000-000004.json"]);
    expect(await allResults(job.id)).toHaveLength(40);
    expect((await getJobView(deps(dynamoClient()), job.id)).progress).toMatchObject({ done: 40, percent: 100, chunksRecorded: 1 });
    // job.json read once (by the run request), the lease created without a read, recorded chunks never listed.
    expect(requests.filter((r) => r.command === "GetObjectCommand" && r.key.endsWith("/job.json"))).toHaveLength(1);
    expect(requests.filter((r) => r.key.endsWith("/lease.json")).map((r) => r.command)).toEqual(["PutObjectCommand"]);
    expect(requests.filter((r) => r.command === "ListObjectsV2Command" && r.key.includes("/_jobs/"))).toEqual([]);
  });

  it("keeps to the run's items-per-second cap, records outcomes chunk by chunk as it goes, and audits the cap", async () => {
    const items = Array.from({ length: 12 }, (_, i) => item(`ORDER#r-${String(i).padStart(4, "0")}`));
    const archiveKeys = await archiveAll(items);
    const job = await createJob({ s3, dynamodb: dynamoClient() }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), 4);
    const store = new JobStore(s3, config);
    const putTimes: number[] = [];
    const chunksSeenAtPut: number[] = [];
    const runner = dynamoClient({
      afterPutSuccess: () => {
        putTimes.push(Date.now());
        void store.recordedChunks(job.id).then((c) => chunksSeenAtPut.push(c.length));
      },
    });
    await startJob(deps(runner), job.id, { overwriteConflicting: false, ttl: { action: "keep" }, itemsPerSecond: 4 }, admin);
    expect(await startRunner(deps(runner), job.id)).toBe("completed");
    expect(putTimes).toHaveLength(12);
    // 4 a second: the 12th write cannot come sooner than 2 s after the 1st.
    expect(putTimes.at(-1)! - putTimes[0]!).toBeGreaterThanOrEqual(1_900);
    // Outcomes were readable while the job still ran, not only at its end.
    expect(chunksSeenAtPut.some((n) => n > 0 && n < 3)).toBe(true);
    const view = await getJobView(deps(runner), job.id);
    expect(view.job.options?.itemsPerSecond).toBe(4);
    const now = new Date();
    const audit = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
    expect(audit.entries.find((e) => e.operationId === view.job.run!.auditOperationId && e.outcome === "started")?.details).toMatchObject({ itemsPerSecond: 4 });
  });

  it("cancels a running job at the next item and records what was done", async () => {
    const items = Array.from({ length: 120 }, (_, i) => item(`ORDER#x-${String(i).padStart(4, "0")}`));
    const archiveKeys = await archiveAll(items);
    const job = await createJob({ s3, dynamodb: dynamoClient() }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), 20);
    let cancelled: Promise<unknown> | undefined;
    const runner = dynamoClient({ afterPutSuccess: (n) => void (n === 30 && (cancelled = cancelJob(deps(runner), job.id, admin))) });
    await startJob(deps(runner, { concurrency: 2 }), job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps(runner), job.id)).toBe("cancelled");
    await cancelled;
    const view = await getJobView(deps(runner), job.id);
    expect(view.job.status).toBe("cancelled");
    expect(view.job.finishedAt).toBeDefined();
    expect(view.progress.done).toBeGreaterThanOrEqual(30);
    expect(view.progress.done).toBeLessThan(120);
  });

  it("selects by filter across days and by pasted keys (latest deletion), and bounds the job size", async () => {
    const setup = dynamoClient();
    const older = new Date("2024-04-05T08:00:00Z");
    const newer = new Date("2024-04-06T09:00:00Z");
    await archiveAll([item("ORDER#p-1", { status: { S: "v1" } })], older);
    await archiveAll([item("ORDER#p-1", { status: { S: "v2" } }), item("ORDER#p-2")], newer);
    const filtered = await createJob({ s3, dynamodb: setup }, config, { kind: "filter", service: "orders", from: "2024-04-05", to: "2024-04-06", prefix: "ORDER#p-" }, admin);
    expect(filtered.itemCount).toBe(3);
    expect(filtered.plan.counts).toMatchObject({ absent: 2, duplicate: 1 });

    const pasted = await createJob({ s3, dynamodb: setup }, config, { kind: "pasted-keys", service: "orders", text: "ORDER#p-1\tDETAILS\nORDER#p-2\n\nORDER#nope\nORDER#p-1\tOTHER\n" }, admin);
    expect(pasted.itemCount).toBe(2);
    expect(pasted.plan.unresolved.map((u) => u.input)).toEqual(["ORDER#nope", "ORDER#p-1\tOTHER"]);
    const planItems = await new JobStore(s3, config).items(pasted.id);
    expect(planItems[0]!.deletedAt).toBe(newer.toISOString());

    const tooMany = Array.from({ length: 10_001 }, (_, i) => `ORDER#k-${i}`).join("\n");
    await expect(createJob({ s3, dynamodb: setup }, config, { kind: "pasted-keys", service: "orders", text: tooMany }, admin)).rejects.toBeInstanceOf(JobTooLargeError);
    void DAY;
  });
});
