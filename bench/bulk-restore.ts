import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { CreateTableCommand, DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import pLimit from "p-limit";
import { archiverTargetFor, archiveStreamRecord } from "../lib/archive/archiver";
import { sealDay } from "../lib/archive/sealer";
import type { AttributeMap, KeyValue } from "../lib/archive/attribute-value";
import type { SessionUser } from "../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../lib/aws/clients";
import { findService, parseConfig } from "../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../lib/config/schema";
import { createJob, getJobView, startJob } from "../lib/bulk-restore/jobs";
import { batchGetLiveItems } from "../lib/bulk-restore/live-items";
import { forgetPlanImages } from "../lib/bulk-restore/plan-images";
import { startRunner } from "../lib/bulk-restore/runner";
import type { WriteMode } from "../lib/bulk-restore/job-types";
import { toSdkItem } from "../lib/restore/sdk-attribute-value";
import { removeRecord } from "../tests/support/stream-events";
import { countRequests, machine, table, timed, withMoto } from "./harness";

const REGION = "us-east-1";
const ITEMS = 2_000;
const LIVE_SHARE = 0.2;
const admin: SessionUser = { id: "bench", email: "bench@example.com", name: "Bench", role: "admin" };

function countDynamo(dynamodb: DynamoDBClient) {
  const counts = new Map<string, number>();
  dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      counts.set(context.commandName ?? "?", (counts.get(context.commandName ?? "?") ?? 0) + 1);
      return next(args);
    },
    { step: "finalizeRequest", name: "benchDynamoCounter" },
  );
  return { counts, reset: () => counts.clear(), total: () => [...counts.values()].reduce((a, b) => a + b, 0) };
}

async function createTable(dynamodb: DynamoDBClient, name: string) {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "PK", AttributeType: "S" },
        { AttributeName: "SK", AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}

const orderItem = (i: number): AttributeMap => ({
  PK: { S: `ORDER#b-${String(i).padStart(5, "0")}` },
  SK: { S: "DETAILS" },
  status: { S: "scheduled" },
  total: { N: `${100 + (i % 50)}.90` },
  lines: { L: [{ M: { sku: { S: `SKU-${i % 17}` }, qty: { N: "2" } } }] },
});
const keyOf = (item: AttributeMap) => ({ PK: item.PK as KeyValue, SK: item.SK as KeyValue });

/**
 * Bulk restore of 2,000 archived items, 20 % of them already live (half identical,
 * half changed): the plan's live lookups (BatchGetItem vs one GetItem per item),
 * then the run against a sequential conditional-PutItem loop and the endpoint's
 * conditional-PutItem ceiling (64 in flight, items in memory), in the same run.
 */
export async function benchBulkRestore(): Promise<string> {
  return withMoto(async () => {
    const s3: S3Client = createS3Client({ region: REGION });
    const dynamodb = createDynamoDBClient({ region: REGION });
    const s3Count = countRequests(s3);
    const dynamoCount = countDynamo(dynamodb);
    const bucket = `bench-bulk-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const config: LazarusConfig = parseConfig({
      region: REGION,
      archive: { bucket, prefix: "deleted/" },
      services: [
        { name: "orders", table: { name: "bench-orders", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "a" }, onFailure: { type: "sqs", queueName: "q" } },
      ],
    });
    const service = findService(config, "orders") as ServiceConfig;
    for (const name of ["bench-orders", "bench-sequential", "bench-ceiling"]) await createTable(dynamodb, name);

    const items = Array.from({ length: ITEMS }, (_, i) => orderItem(i));
    const archiveKeys: string[] = [];
    const archive = pLimit(16);
    await Promise.all(
      items.map((item, i) =>
        archive(async () => {
          const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys: keyOf(item), oldImage: item, at: new Date("2024-05-01T10:30:00Z") }));
          if (outcome.status !== "archived") throw new Error(outcome.status);
          archiveKeys[i] = outcome.archiveKey;
        }),
      ),
    );
    const liveCount = Math.round(ITEMS * LIVE_SHARE);
    const liveAt = (i: number) => i % 5 === 0; // every fifth item: 20 %
    let changed = 0;
    for (let i = 0; i < ITEMS; i += 1) {
      if (!liveAt(i)) continue;
      const conflicting = (i / 5) % 2 === 1;
      if (conflicting) changed += 1;
      await dynamodb.send(new PutItemCommand({ TableName: "bench-orders", Item: toSdkItem(conflicting ? { ...items[i]!, status: { S: "cancelled" } } : items[i]!) }));
    }

    // Plan lookups alone.
    dynamoCount.reset();
    const batch = await timed(() => batchGetLiveItems(dynamodb, "bench-orders", items.map(keyOf)));
    const batchRequests = dynamoCount.total();
    dynamoCount.reset();
    const getLimit = pLimit(16);
    const single = await timed(() =>
      Promise.all(items.map((item) => getLimit(() => dynamodb.send(new GetItemCommand({ TableName: "bench-orders", Key: toSdkItem(keyOf(item)), ConsistentRead: true }))))),
    );
    const singleRequests = dynamoCount.total();
    const foundLive = [...batch.result.values()].filter((v) => v !== null).length;

    // The whole plan.
    dynamoCount.reset();
    s3Count.reset();
    const planned = await timed(() => createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin));
    const job = planned.result;
    const planDynamo = dynamoCount.total();
    const planS3 = s3Count.total();

    // The run.
    dynamoCount.reset();
    s3Count.reset();
    const deps = { s3, dynamodb, config, concurrency: 16 };
    const run = await timed(async () => {
      await startJob(deps, job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
      return startRunner(deps, job.id);
    });
    const view = await getJobView(deps, job.id);
    const runDynamo = dynamoCount.total();
    const runS3 = s3Count.total();
    const restoredCount = view.progress.done;

    // Sequential conditional PutItem loop over the same 1,600 images, held in memory.
    const toWrite = items.filter((_, i) => !liveAt(i));
    const sequential = await timed(async () => {
      for (const item of toWrite) {
        await dynamodb.send(new PutItemCommand({ TableName: "bench-sequential", Item: toSdkItem(item), ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "PK" } }));
      }
    });
    const ceilingLimit = pLimit(64);
    const ceiling = await timed(() =>
      Promise.all(
        toWrite.map((item) =>
          ceilingLimit(() =>
            dynamodb.send(new PutItemCommand({ TableName: "bench-ceiling", Item: toSdkItem(item), ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "PK" } })),
          ),
        ),
      ),
    );
    const perSecond = (n: number, ms: number) => ((n * 1000) / ms).toFixed(0);

    return [
      `Bulk restore, ${ITEMS.toLocaleString("en-US")} archived items, ${liveCount} already live (${liveCount - changed} identical, ${changed} changed), moto_server (${machine()}).`,
      "",
      table([
        { step: "plan live lookups: BatchGetItem (100 keys)", requests: batchRequests, ms: batch.ms.toFixed(0), note: `${foundLive} live found` },
        { step: "plan live lookups: GetItem per item (16 in flight)", requests: singleRequests, ms: single.ms.toFixed(0), note: "" },
        { step: "whole plan (archive GETs + BatchGetItem + job objects)", requests: planDynamo + planS3, ms: planned.ms.toFixed(0), note: `absent ${job.plan.counts.absent}, identical ${job.plan.counts.identical}, conflicting ${job.plan.counts.conflicting}` },
        { step: "run (16 in flight, chunks of 100)", requests: runDynamo + runS3, ms: run.ms.toFixed(0), note: `${restoredCount} restored, ${perSecond(restoredCount, run.ms)} items/s, ${((runDynamo + runS3) / ITEMS).toFixed(2)} requests/item (${(runDynamo / restoredCount).toFixed(2)} DynamoDB / restored item)` },
        { step: "sequential conditional PutItem loop", requests: toWrite.length, ms: sequential.ms.toFixed(0), note: `${perSecond(toWrite.length, sequential.ms)} items/s` },
        { step: "endpoint ceiling: conditional PutItem, 64 in flight", requests: toWrite.length, ms: ceiling.ms.toFixed(0), note: `${perSecond(toWrite.length, ceiling.ms)} items/s` },
      ]),
      "",
      `Conflicts reported: ${job.plan.counts.conflicting} (expected ${changed}); identical: ${job.plan.counts.identical} (expected ${liveCount - changed}).`,
    ].join("\n");
  });
}

const DAY_ITEMS = 250;
const SEALED_DAY = { year: 2024, month: 5, day: 1 };

/**
 * A bulk restore of 250 records deleted on one day, none of them live: every AWS
 * request of the plan and of the run (S3 and DynamoDB), per restored item, once for a
 * sealed day and once for an open day (yesterday, not sealable yet).
 */
export async function benchBulkRestoreDay(): Promise<string> {
  return withMoto(async () => {
    const s3: S3Client = createS3Client({ region: REGION });
    const dynamodb = createDynamoDBClient({ region: REGION });
    const s3Count = countRequests(s3);
    const dynamoCount = countDynamo(dynamodb);
    const bucket = `bench-bulk-day-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const config: LazarusConfig = parseConfig({
      region: REGION,
      archive: { bucket, prefix: "deleted/" },
      services: [
        { name: "orders", table: { name: "bench-day-orders", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "a" }, onFailure: { type: "sqs", queueName: "q" } },
      ],
    });
    const service = findService(config, "orders") as ServiceConfig;
    await createTable(dynamodb, "bench-day-orders");
    const yesterday = new Date(Date.now() - 86_400_000);
    const cases = [
      { label: "sealed day", at: (i: number) => new Date(Date.UTC(SEALED_DAY.year, SEALED_DAY.month - 1, SEALED_DAY.day) + i * 300_000), offset: 0, seal: true },
      { label: "open day", at: (i: number) => new Date(Date.UTC(yesterday.getUTCFullYear(), yesterday.getUTCMonth(), yesterday.getUTCDate()) + i * 300_000), offset: DAY_ITEMS, seal: false },
    ];
    const rows: Record<string, string | number>[] = [];
    for (const c of cases) {
      const archiveKeys: string[] = [];
      const archive = pLimit(16);
      await Promise.all(
        Array.from({ length: DAY_ITEMS }, (_, i) =>
          archive(async () => {
            const item = orderItem(c.offset + i);
            const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys: keyOf(item), oldImage: item, at: c.at(i) }));
            if (outcome.status !== "archived") throw new Error(outcome.status);
            archiveKeys[i] = outcome.archiveKey;
          }),
        ),
      );
      if (c.seal) await sealDay(s3, config, service, SEALED_DAY, { now: new Date() });
      for (const variant of variantsOf()) {
        s3Count.reset();
        dynamoCount.reset();
        const job = await createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin);
        const planS3 = s3Count.total();
        const planDynamo = dynamoCount.total();
        const planByCommand = byCommand(s3Count.counts, dynamoCount.counts);
        s3Count.reset();
        dynamoCount.reset();
        const deps = { s3, dynamodb, config, concurrency: 16 };
        variant.beforeRun(job.id);
        const run = await timed(async () => {
          await startJob(deps, job.id, { overwriteConflicting: false, ttl: { action: "keep" }, ...(variant.writeMode ? { writeMode: variant.writeMode } : {}) }, admin);
          return startRunner(deps, job.id);
        });
        const runS3 = s3Count.total();
        const runDynamo = dynamoCount.total();
        const runByCommand = byCommand(s3Count.counts, dynamoCount.counts);
        const view = await getJobView(deps, job.id);
        const restored = view.progress.done;
        const total = planS3 + planDynamo + runS3 + runDynamo;
        rows.push({
          case: `${c.label}${variant.name}`,
          "plan: S3": planS3,
          "plan: DynamoDB": planDynamo,
          "run: S3": runS3,
          "run: DynamoDB": runDynamo,
          restored,
          "requests / restored item": (total / restored).toFixed(2),
          "run ms": run.ms.toFixed(0),
          "plan requests by command": planByCommand,
          "run requests by command": runByCommand,
        });
        // The next variant restores the same records again.
        await clearTable(dynamodb, "bench-day-orders", Array.from({ length: DAY_ITEMS }, (_, i) => orderItem(c.offset + i)));
      }
    }
    return [
      `Bulk restore of ${DAY_ITEMS} records deleted on one day, none live: every request of plan + run, moto_server (${machine()}).`,
      "",
      table(rows),
    ].join("\n");
  });
}

function byCommand(...counts: Map<string, number>[]): string {
  return counts
    .flatMap((c) => [...c])
    .map(([name, n]) => `${name.replace(/Command$/, "")} ${n}`)
    .join(", ");
}

async function clearTable(dynamodb: DynamoDBClient, name: string, items: AttributeMap[]): Promise<void> {
  const limit = pLimit(16);
  await Promise.all(items.map((item) => limit(() => dynamodb.send(new DeleteItemCommand({ TableName: name, Key: toSdkItem(keyOf(item)) })))));
}

/** The run on the instance that planned (the plan's images kept in memory), and on another instance or after a restart (read again from the archive). */
function variantsOf(): { name: string; beforeRun: (jobId: string) => void; writeMode?: WriteMode }[] {
  return [
    { name: ", run where planned", beforeRun: () => undefined },
    { name: ", run on another instance", beforeRun: (jobId) => forgetPlanImages(jobId) },
    { name: ", in transactions, run where planned", beforeRun: () => undefined, writeMode: "transaction" },
    { name: ", in transactions, run on another instance", beforeRun: (jobId) => forgetPlanImages(jobId), writeMode: "transaction" },
  ];
}
