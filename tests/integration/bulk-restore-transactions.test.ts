import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { PutItemCommand, TransactionCanceledException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { listAuditEntries } from "../../lib/audit/audit-log";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { JobStore } from "../../lib/bulk-restore/job-store";
import { createJob, getJobView, startJob } from "../../lib/bulk-restore/jobs";
import type { ItemResult, RunOptions } from "../../lib/bulk-restore/job-types";
import { startRunner, type RunnerDeps } from "../../lib/bulk-restore/runner";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { getLiveItem } from "../../lib/restore/live-item";
import { toSdkItem } from "../../lib/restore/sdk-attribute-value";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { removeRecord } from "../support/stream-events";

/**
 * The `transaction` write mode against moto: absent items go in TransactWriteItems,
 * keys written since the plan are settled from the cancellation reasons, a runner
 * killed between a transaction and its checkpoint is finished without a second
 * write, and a per-item refusal moto cannot produce falls back to PutItem. Every
 * key DynamoDB accepted is counted by client middleware, from both commands.
 */

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
let table: string;
let region: string;
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };
const FAST_BACKOFF = { maxAttempts: 8, baseMs: 1, maxMs: 20 };
const TRANSACTIONS: RunOptions = { overwriteConflicting: false, ttl: { action: "keep" }, writeMode: "transaction" };

type SdkItem = Record<string, { S?: string }>;
interface Counted {
  client: DynamoDBClient;
  /** Writes DynamoDB accepted, per partition key, whichever command carried them. */
  writes: Map<string, number>;
  requests: Map<string, number>;
}

interface Faults {
  afterTransaction?: (count: number) => void;
  /** Answers the first transaction as cancelled with this reason for its first item (and None for the rest), writing nothing. */
  cancelFirstWith?: string;
}

function countedClient(faults: Faults = {}): Counted {
  const client = createDynamoDBClient({ region, maxAttempts: 1 });
  const writes = new Map<string, number>();
  const requests = new Map<string, number>();
  let transactions = 0;
  let cancelled = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? "?";
      requests.set(name, (requests.get(name) ?? 0) + 1);
      const input = args.input as { Item?: SdkItem; TransactItems?: { Put?: { Item: SdkItem } }[] };
      if (name === "TransactWriteItemsCommand" && faults.cancelFirstWith && !cancelled) {
        cancelled = true;
        const reasons = input.TransactItems!.map((_, k) => ({ Code: k === 0 ? faults.cancelFirstWith : "None" }));
        throw new TransactionCanceledException({ message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`, CancellationReasons: reasons, $metadata: { httpStatusCode: 400 } });
      }
      const out = await next(args);
      const accepted = name === "PutItemCommand" ? [input.Item!] : name === "TransactWriteItemsCommand" ? input.TransactItems!.map((t) => t.Put!.Item) : [];
      for (const item of accepted) writes.set(item.PK!.S!, (writes.get(item.PK!.S!) ?? 0) + 1);
      if (name === "TransactWriteItemsCommand") faults.afterTransaction?.((transactions += 1));
      return out;
    },
    { step: "initialize", name: "countWrites" },
  );
  return { client, writes, requests };
}

function order(pk: string, extra: AttributeMap = {}): AttributeMap {
  return { PK: { S: pk }, SK: { S: "DETAILS" }, status: { S: "scheduled" }, total: { N: "129.90" }, lines: { L: [{ M: { sku: { S: "A-1" }, qty: { N: "2" } } }] }, ...extra };
}

async function archiveAll(items: AttributeMap[]): Promise<string[]> {
  const keys: string[] = [];
  for (const it of items) {
    const k: Record<string, KeyValue> = { PK: it.PK as KeyValue, SK: it.SK as KeyValue };
    const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys: k, oldImage: it, at: new Date("2024-04-02T10:30:00Z") }));
    if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
    keys.push(outcome.archiveKey);
  }
  return keys;
}

const putLive = (dynamodb: DynamoDBClient, it: AttributeMap) => dynamodb.send(new PutItemCommand({ TableName: table, Item: toSdkItem(it) }));
const deps = (dynamodb: DynamoDBClient, extra: Partial<RunnerDeps> = {}): RunnerDeps => ({ s3, dynamodb, config, backoff: FAST_BACKOFF, leaseMs: 400, ...extra });
const results = async (jobId: string): Promise<ItemResult[]> => (await new JobStore(s3, config).chunkResults(jobId)).flatMap((c) => c.items).sort((a, b) => a.i - b.i);
const keyOf = (r: ItemResult) => r.keyText.split(" / ")[0]!;

beforeAll(async () => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
  const bucket = uniqueName("bulk-transactions");
  table = uniqueName("orders");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  config = parseConfig({
    region,
    archive: { bucket, prefix: "deleted/" },
    services: [{ name: "orders", table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } }, archiver: { functionName: "archiver-orders" } }],
  });
  service = findService(config, "orders")!;
  await createPkSkTable(createDynamoDBClient({ region }), table);
});

describe("bulk restore in transactions", () => {
  it("writes absent items a transaction per chunk, settles keys written since the plan from the cancellation reasons, and audits the mode", async () => {
    const items = Array.from({ length: 60 }, (_, i) => order(`ORDER#t-${String(i).padStart(4, "0")}`));
    const archiveKeys = await archiveAll(items);
    const setup = countedClient().client;
    for (const it of items.slice(0, 5)) await putLive(setup, it);
    for (const it of items.slice(5, 10)) await putLive(setup, { ...it, status: { S: "cancelled" } });
    const job = await createJob({ s3, dynamodb: setup }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), 30);
    expect(job.plan.counts).toMatchObject({ absent: 50, identical: 5, conflicting: 5 });
    // Since the plan: someone re-created one absent key, and one was written as archived (an earlier run's write).
    await putLive(setup, { ...items[20]!, status: { S: "recreated" } });
    await putLive(setup, items[21]!);

    const runner = countedClient();
    await startJob(deps(runner.client), job.id, TRANSACTIONS, admin);
    expect(await startRunner(deps(runner.client), job.id)).toBe("completed");

    const all = await results(job.id);
    expect(all.map((r) => r.i)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const by = (outcome: string) => all.filter((r) => r.outcome === outcome);
    expect(by("restored")).toHaveLength(48);
    expect(all.find((r) => keyOf(r) === "ORDER#t-0020")).toMatchObject({ outcome: "skipped", reason: expect.stringMatching(/appeared\/changed since the plan/) });
    expect(all.find((r) => keyOf(r) === "ORDER#t-0021")).toMatchObject({ outcome: "already-restored" });
    expect(by("skipped").filter((r) => /conflicting/.test(r.reason))).toHaveLength(5);
    // Chunk 0's transaction was cancelled by the two keys and sent again without them; chunk 1 went in one.
    expect(runner.requests.get("TransactWriteItemsCommand")).toBe(3);
    expect(runner.requests.get("PutItemCommand") ?? 0).toBe(0);
    expect(runner.writes.size).toBe(48);
    expect([...runner.writes.values()].every((n) => n === 1)).toBe(true);
    expect(await getLiveItem(setup, table, { PK: { S: "ORDER#t-0040" }, SK: { S: "DETAILS" } })).toEqual(items[40]);
    expect(await getLiveItem(setup, table, { PK: { S: "ORDER#t-0020" }, SK: { S: "DETAILS" } })).toMatchObject({ status: { S: "recreated" } });

    const view = await getJobView(deps(runner.client), job.id);
    expect(view.job.options?.writeMode).toBe("transaction");
    const now = new Date();
    const audit = await listAuditEntries(s3, config, { day: { year: now.getUTCFullYear(), month: now.getUTCMonth() + 1, day: now.getUTCDate() }, limit: 1000 });
    expect(audit.entries.find((e) => e.operationId === view.job.run!.auditOperationId && e.outcome === "started")?.details).toMatchObject({ writeMode: "transaction" });
  });

  it("finishes a job whose runner died between a transaction and its checkpoint, writing no key twice", async () => {
    const items = Array.from({ length: 100 }, (_, i) => order(`ORDER#k-${String(i).padStart(4, "0")}`));
    const archiveKeys = await archiveAll(items);
    const job = await createJob({ s3, dynamodb: countedClient().client }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), 25);
    const crash = new AbortController();
    const doomed = countedClient({ afterTransaction: (n) => n === 2 && crash.abort() });
    const leaseMs = 1_500;
    // startJob starts the runner; startRunner then waits for that same runner. It records each chunk as soon as it is
    // done, so it dies with chunk 0 recorded and chunk 1 written but not.
    await startJob(deps(doomed.client, { crash: crash.signal, leaseMs, checkpointMs: 0 }), job.id, TRANSACTIONS, admin);
    expect(await startRunner(deps(doomed.client, { leaseMs }), job.id)).toBe("crashed");
    expect(await new JobStore(s3, config).recordedChunks(job.id)).toEqual([0]);
    expect(doomed.writes.size).toBe(50);

    await new Promise((r) => setTimeout(r, leaseMs + 50));
    const survivor = countedClient();
    expect(await startRunner(deps(survivor.client, { leaseMs }), job.id)).toBe("completed");
    const all = await results(job.id);
    expect(all).toHaveLength(100);
    // Chunk 1 was written by the dead runner: found restored, not written again.
    expect(all.filter((r) => r.outcome === "already-restored").map((r) => r.i)).toEqual(Array.from({ length: 25 }, (_, i) => 25 + i));
    expect(all.filter((r) => r.outcome === "restored")).toHaveLength(75);
    const accepted = new Map(doomed.writes);
    for (const [k, n] of survivor.writes) accepted.set(k, (accepted.get(k) ?? 0) + n);
    expect(accepted.size).toBe(100);
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
  });

  it.each(["ThrottlingError", "TransactionConflict"])("writes an item the transaction refused with %s on its own, and the rest together", async (code) => {
    const items = Array.from({ length: 8 }, (_, i) => order(`ORDER#f-${code}-${i}`));
    const archiveKeys = await archiveAll(items);
    const job = await createJob({ s3, dynamodb: countedClient().client }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), 8);
    const runner = countedClient({ cancelFirstWith: code });
    await startJob(deps(runner.client), job.id, TRANSACTIONS, admin);
    expect(await startRunner(deps(runner.client), job.id)).toBe("completed");
    const all = await results(job.id);
    expect(all.map((r) => r.outcome)).toEqual(Array(8).fill("restored"));
    expect(runner.requests.get("TransactWriteItemsCommand")).toBe(2);
    expect(runner.requests.get("PutItemCommand")).toBe(1);
    expect([...runner.writes.values()]).toEqual(Array(8).fill(1));
  });
});
