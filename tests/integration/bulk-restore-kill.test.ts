import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import pLimit from "p-limit";
import { beforeAll, describe, it, type ExpectStatic, type OnTestFinishedHandler } from "vitest";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { JobStore } from "../../lib/bulk-restore/job-store";
import { createJob, getJobView, resumeOrphanedJobs } from "../../lib/bulk-restore/jobs";
import { forgetPlanImages } from "../../lib/bulk-restore/plan-images";
import { startRunner, type RunnerDeps } from "../../lib/bulk-restore/runner";
import { sealDay } from "../../lib/archive/sealer";
import { getLiveItem } from "../../lib/restore/live-item";
import { findService, loadConfigFile } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { createPkSkTable, uniqueName, motoEnv } from "../support/aws";
import { removeRecord } from "../support/stream-events";

/**
 * A console server killed with SIGKILL in the middle of a bulk restore: no lease
 * released, no chunk in hand recorded, writes possibly in flight. A new server's start
 * sweep takes the job over once the dead runner's lease lapses and finishes it without
 * writing any item a second time; DynamoDB's own count of writes is the witness.
 */

const ITEMS = 230;
const CHUNK = 50;
const KILL_AFTER_ITEMS = 70;
/** Long enough that the dead runner's lease is still live when the next server's sweep looks, however loaded the machine. */
const LEASE_MS = 5_000;
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };

let region: string;
let s3: S3Client;
let bucket: string;

interface Fixture {
  config: LazarusConfig;
  configPath: string;
  table: string;
  /** PutItem successes per key made by this (the surviving) process. */
  survivorWrites: Map<string, number>;
}

function survivorClient(writes: Map<string, number>): DynamoDBClient {
  const client = createDynamoDBClient({ region });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const item = (args.input as { Item?: Record<string, { S?: string }> }).Item;
      if (context.commandName === "PutItemCommand" && item) writes.set(item.PK!.S!, (writes.get(item.PK!.S!) ?? 0) + 1);
      return out;
    },
    { step: "initialize", name: "countWrites" },
  );
  return client;
}

async function liveKeys(dynamodb: DynamoDBClient, table: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, ProjectionExpression: "PK", ExclusiveStartKey: start as never }));
    for (const item of page.Items ?? []) keys.add(item.PK!.S!);
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}

async function liveCount(dynamodb: DynamoDBClient, table: string): Promise<number> {
  return (await dynamodb.send(new ScanCommand({ TableName: table, Select: "COUNT" }))).Count ?? 0;
}

/** Its own service prefix and table, so the two cases share the bucket and nothing else. */
async function fixture(name: string): Promise<Fixture> {
  const table = uniqueName(`orders-kill-${name}`);
  const dir = mkdtempSync(join(tmpdir(), "lazarus-bulk-kill-"));
  const configPath = join(dir, "lazarus.config.json");
  writeFileSync(
    configPath,
    JSON.stringify({
      region,
      archive: { bucket, prefix: `${name}/` },
      services: [
        {
          name: "orders",
          table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
          archiver: { functionName: "archiver-orders" },
          onFailure: { type: "sqs", queueName: "orders-dlq" },
        },
      ],
    }),
  );
  await createPkSkTable(createDynamoDBClient({ region }), table);
  return { config: loadConfigFile(configPath), configPath, table, survivorWrites: new Map() };
}

beforeAll(async () => {
  ({ region } = motoEnv());
  s3 = createS3Client({ region });
  bucket = uniqueName("bulk-kill");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

/** The two cases run at once (each waits out a dead runner's lease); each kills only its own process. */
async function killAndResume(sealed: boolean, expect: ExpectStatic, onTestFinished: (fn: OnTestFinishedHandler) => void): Promise<void> {
    const { config, configPath, table, survivorWrites } = await fixture(sealed ? "sealed" : "open");
    const service = findService(config, "orders")!;
    const limit = pLimit(16);
    const archiveKeys = await Promise.all(
      Array.from({ length: ITEMS }, (_, i) =>
        limit(async () => {
          const pk = `ORDER#k-${String(i).padStart(4, "0")}`;
          const item: AttributeMap = { PK: { S: pk }, SK: { S: "DETAILS" }, status: { S: "scheduled" } };
          const keys: Record<string, KeyValue> = { PK: item.PK as KeyValue, SK: item.SK as KeyValue };
          const outcome = await archiveStreamRecord(s3, archiverTargetFor(config, service), removeRecord({ keys, oldImage: item, at: new Date("2024-04-02T10:30:00Z") }));
          if (outcome.status !== "archived") throw new Error(`fixture not archived: ${outcome.status}`);
          return outcome.archiveKey;
        }),
      ),
    );
    if (sealed) expect(await sealDay(s3, config, service, { year: 2024, month: 4, day: 2 }, { now: new Date("2024-05-01T00:00:00Z") })).toMatchObject({ outcome: "sealed", records: ITEMS });
    const observer = createDynamoDBClient({ region });
    const job = await createJob({ s3, dynamodb: observer }, config, { kind: "archive-keys", service: "orders", archiveKeys }, admin, new Date(), CHUNK);

    // The first server: a separate process running the job.
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "--conditions=react-server", "tests/support/bulk-restore-process.ts", configPath, job.id, String(LEASE_MS)], {
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });
    let output = "";
    child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    const exited = once(child, "exit");

    let written = 0;
    const deadline = Date.now() + 60_000;
    while ((written = await liveCount(observer, table)) < KILL_AFTER_ITEMS) {
      if (child.exitCode !== null) throw new Error(`the job process ended before it could be killed:\n${output}`);
      if (Date.now() > deadline) throw new Error(`the job process wrote ${written} items in 60 s:\n${output}`);
      await sleep(20);
    }
    child.kill("SIGKILL");
    const [, signal] = await exited;
    expect(signal).toBe("SIGKILL");
    expect(output).not.toContain("completed");
    expect(written).toBeLessThan(ITEMS);

    // The job is left as a dead server leaves it: running, some chunks recorded, the lease not released.
    const store = new JobStore(s3, config);
    expect((await store.get(job.id)).value.status).toBe("running");
    expect((await store.recordedChunks(job.id)).length).toBeLessThan(job.chunkCount);

    // The next server starts: its sweep sees the job but leaves it while the dead runner's lease lasts.
    const survivor = survivorClient(survivorWrites);
    // The next server never saw the plan: a sealed day's images come from their bundle ranges again.
    forgetPlanImages(job.id);
    const deps: RunnerDeps = { s3, dynamodb: survivor, config, leaseMs: LEASE_MS, backoff: { maxAttempts: 8, baseMs: 1, maxMs: 20 } };
    const sweptAt = Date.now();
    const early = await resumeOrphanedJobs(deps);
    expect(early.resumed).toEqual([]);
    expect(early.nextCheckAt).not.toBeNull();
    expect(early.nextCheckAt!.getTime()).toBeGreaterThan(sweptAt);

    await sleep(early.nextCheckAt!.getTime() - Date.now() + 100);
    // Writes the dead process had in flight have landed by now.
    const liveBeforeResume = await liveKeys(observer, table);
    const chunksByDeadServer = new Set(await store.recordedChunks(job.id));
    const late = await resumeOrphanedJobs(deps);
    expect(late.resumed).toEqual([job.id]);
    expect(await startRunner(deps, job.id)).toBe("completed");

    const allKeys = archiveKeys.map((_, i) => `ORDER#k-${String(i).padStart(4, "0")}`);
    expect(await liveKeys(observer, table)).toEqual(new Set(allKeys));
    // The survivor wrote exactly the items the dead server had not, each once.
    expect([...survivorWrites.keys()].filter((k) => liveBeforeResume.has(k))).toEqual([]);
    expect(new Set([...survivorWrites.keys(), ...liveBeforeResume])).toEqual(new Set(allKeys));
    expect([...survivorWrites.values()].every((n) => n === 1)).toBe(true);

    const results = (await store.chunkResults(job.id)).flatMap((c) => c.items);
    expect(results).toHaveLength(ITEMS);
    expect(results.every((r) => r.outcome === "restored" || r.outcome === "already-restored")).toBe(true);
    // What the dead server wrote after its last checkpoint is reported as found restored, not written again.
    const keyOf = (r: { keyText: string }) => r.keyText.split(" / ")[0]!;
    const doneByDeadServer = new Set((await store.chunkResults(job.id)).filter((c) => chunksByDeadServer.has(c.chunk)).flatMap((c) => c.items.map(keyOf)));
    const foundRestored = new Set(results.filter((r) => r.outcome === "already-restored").map(keyOf));
    expect(foundRestored.size).toBeGreaterThan(0);
    expect(foundRestored).toEqual(new Set([...liveBeforeResume].filter((k) => !doneByDeadServer.has(k))));
    const view = await getJobView(deps, job.id);
    expect(view.job.status).toBe("completed");
    expect(view.progress).toMatchObject({ done: ITEMS, failed: 0, percent: 100 });
    if (sealed) {
      // Every restored item is the archived image, read from the bundle by whichever server wrote it.
      for (const key of allKeys.slice(0, 20)) expect(await getLiveItem(observer, table, { PK: { S: key }, SK: { S: "DETAILS" } })).toEqual({ PK: { S: key }, SK: { S: "DETAILS" }, status: { S: "scheduled" } });
    }
}

describe.concurrent("bulk restore across a killed server", () => {
  it("is taken over by the next server's start sweep and finishes with every item written exactly once", async ({ expect, onTestFinished }) => {
    await killAndResume(false, expect, onTestFinished);
  }, 120_000);

  it("does the same for records of a sealed day, whose images both servers read from bundle ranges", async ({ expect, onTestFinished }) => {
    await killAndResume(true, expect, onTestFinished);
  }, 120_000);
});
