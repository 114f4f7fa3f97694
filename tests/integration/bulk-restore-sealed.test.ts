import { DeleteObjectsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBRecord } from "aws-lambda";
import { beforeAll, describe, expect, it } from "vitest";
import type { AttributeMap } from "../../lib/archive/attribute-value";
import { readDayManifest } from "../../lib/archive/sealed-store";
import { sealDay } from "../../lib/archive/sealer";
import type { SessionUser } from "../../lib/auth/roles";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { JobStore } from "../../lib/bulk-restore/job-store";
import { createJob, getJobView, startJob } from "../../lib/bulk-restore/jobs";
import { forgetPlanImages } from "../../lib/bulk-restore/plan-images";
import { startRunner, type RunnerDeps } from "../../lib/bulk-restore/runner";
import { getLiveItem } from "../../lib/restore/live-item";
import { createPkSkTable, motoEnv, uniqueName } from "../support/aws";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";

/**
 * Bulk restore of records from sealed days, against moto: every record restored once
 * (DynamoDB's accepted writes are the witness) with the image that was deleted, and a
 * sealed day's records read from bundle ranges, never one object or index entry at a
 * time, in the plan and in the run, also when the run is resumed elsewhere after a crash.
 */

const SEALED = { year: 2024, month: 4, day: 2 };
const OPEN = { year: 2024, month: 4, day: 3 };
const SEAL_NOW = new Date("2024-05-01T00:00:00Z");
const admin: SessionUser = { id: "u-admin", email: "admin@example.com", name: "Ada Admin", role: "admin" };
const FAST_BACKOFF = { maxAttempts: 8, baseMs: 1, maxMs: 20 };

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;
let region: string;

interface S3Request {
  command: string;
  key: string;
  range: boolean;
}
const s3Requests: S3Request[] = [];

/** PutItem successes per partition key. */
const writes = new Map<string, number>();

function countingDynamo(afterPut?: (count: number) => void): DynamoDBClient {
  const client = createDynamoDBClient({ region, maxAttempts: 1 });
  let successes = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const item = (args.input as { Item?: Record<string, { S?: string }> }).Item;
      if (context.commandName === "PutItemCommand" && item) {
        writes.set(item.PK!.S!, (writes.get(item.PK!.S!) ?? 0) + 1);
        successes += 1;
        afterPut?.(successes);
      }
      return out;
    },
    { step: "initialize", name: "countWrites" },
  );
  return client;
}

const imageOf = (record: DynamoDBRecord) => record.dynamodb!.OldImage as unknown as AttributeMap;
const pkOf = (record: DynamoDBRecord) => (record.dynamodb!.Keys!.PK as { S: string }).S;

/** GETs of one of these records at a time: its archive object or its index entry (both named after the archive name). */
function singleRecordGets(requests: S3Request[], archiveKeys: string[]): S3Request[] {
  const stems = archiveKeys.map((k) => k.split("/").at(-1)!.replace(/\.json$/, ""));
  return requests.filter((r) => r.command === "GetObjectCommand" && !r.range && stems.some((stem) => r.key.includes(stem)));
}
const rangedGets = (requests: S3Request[]) => requests.filter((r) => r.command === "GetObjectCommand" && r.range);

beforeAll(async () => {
  ({ region } = motoEnv());
  const fixture = await sealingFixture("bulk-sealed");
  // The fixture's table name is shared with other files: this one restores into its own table.
  const table = uniqueName("usr-session");
  service = { ...fixture.service, table: { ...fixture.service.table, name: table } };
  config = { ...fixture.config, services: [service] };
  s3 = createS3Client({ region });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; Range?: string };
      s3Requests.push({ command: context.commandName ?? "?", key: input.Key ?? "", range: input.Range !== undefined });
      return next(args);
    },
    { step: "initialize", name: "countS3" },
  );
  await createPkSkTable(createDynamoDBClient({ region }), table);
});

const deps = (dynamodb: DynamoDBClient, extra: Partial<RunnerDeps> = {}): RunnerDeps => ({ s3, dynamodb, config, backoff: FAST_BACKOFF, leaseMs: 400, ...extra });

async function expectRestoredOnce(dynamodb: DynamoDBClient, records: DynamoDBRecord[]) {
  for (const record of records) {
    expect(writes.get(pkOf(record)), pkOf(record)).toBe(1);
    expect(await getLiveItem(dynamodb, service.table.name, { PK: { S: pkOf(record) }, SK: { S: "SESSION" } })).toEqual(imageOf(record));
  }
}

describe("bulk restore from sealed days", () => {
  it("restores a sealed day, its late records and an open day once each, reading the sealed records by bundle ranges", async () => {
    const sealedRecords = deletionsOfDay(SEALED, 120, "S");
    const sealedKeys = await archiveAll(s3, config, service, sealedRecords);
    const report = await sealDay(s3, config, service, SEALED, { now: SEAL_NOW });
    expect(report).toMatchObject({ outcome: "sealed", records: 120 });
    // A late record (a DLQ replay) lands as an object in the sealed day; another day stays open.
    const lateRecords = deletionsOfDay(SEALED, 4, "L");
    const openRecords = deletionsOfDay(OPEN, 30, "O");
    const otherKeys = [...(await archiveAll(s3, config, service, lateRecords)), ...(await archiveAll(s3, config, service, openRecords))];

    const dynamodb = countingDynamo();
    s3Requests.length = 0;
    const job = await createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: service.name, archiveKeys: [...sealedKeys, ...otherKeys] }, admin, new Date(), 20);
    expect(job.plan.counts).toMatchObject({ absent: 154, unreadable: 0, duplicate: 0 });
    const plan = s3Requests.splice(0);
    // The 120 sealed records: no object or index entry read one by one, a few ranged GETs of the bundle.
    expect(singleRecordGets(plan, sealedKeys)).toEqual([]);
    expect(rangedGets(plan).length).toBeGreaterThanOrEqual(1);
    expect(rangedGets(plan).length).toBeLessThanOrEqual(2);
    // A record the day's manifest does not hold (late, or a day with no manifest) is one GET of its object, no index entry first.
    expect(singleRecordGets(plan, otherKeys)).toHaveLength(otherKeys.length);
    const items = await new JobStore(s3, config).items(job.id);
    expect(items.filter((item) => item.sealed).map((item) => item.archiveKey).sort()).toEqual([...sealedKeys].sort());

    // Run as another instance would (the plan's images are not in its memory): the sealed records are read again by range.
    forgetPlanImages(job.id);
    s3Requests.length = 0;
    await startJob(deps(dynamodb), job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps(dynamodb), job.id)).toBe("completed");
    const run = s3Requests.splice(0);
    expect(singleRecordGets(run, sealedKeys)).toEqual([]);
    expect(rangedGets(run).length).toBeLessThanOrEqual(2);
    // The late and open records are objects, read one by one as before.
    expect(singleRecordGets(run, otherKeys).length).toBeGreaterThanOrEqual(otherKeys.length);

    const view = await getJobView(deps(dynamodb), job.id);
    expect(view.progress).toMatchObject({ done: 154, skipped: 0, failed: 0, percent: 100 });
    expect(writes.size).toBe(154);
    await expectRestoredOnce(dynamodb, [...sealedRecords, ...lateRecords, ...openRecords]);
  });

  it("reuses the plan's images when the run starts where the job was planned: one write per item and no archive read", async () => {
    const day = { year: 2024, month: 4, day: 5 };
    const records = deletionsOfDay(day, 60, "R");
    const keys = await archiveAll(s3, config, service, records);
    await sealDay(s3, config, service, day, { now: SEAL_NOW });
    const dynamodb = countingDynamo();
    const job = await createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: service.name, archiveKeys: keys }, admin);
    s3Requests.length = 0;
    // A lease that holds through the run, as the console's 30 s one does for a job this size.
    const held = { leaseMs: 60_000 };
    await startJob(deps(dynamodb, held), job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps(dynamodb, held), job.id)).toBe("completed");
    const run = s3Requests.splice(0);
    expect(run.filter((r) => r.command === "GetObjectCommand" && !r.key.includes("/_jobs/") && !r.key.includes("/_erasures/"))).toEqual([]);
    // Nobody else can have recorded a chunk while the lease holds: no chunk result is read before it is written.
    expect(run.filter((r) => r.command === "GetObjectCommand" && r.key.includes("/results/"))).toEqual([]);
    const results = (await new JobStore(s3, config).chunkResults(job.id)).flatMap((c) => c.items);
    expect(results.every((r) => r.outcome === "restored" && r.attempts === 1)).toBe(true);
    await expectRestoredOnce(dynamodb, records);
  });

  it("resumes a crashed run on a sealed day elsewhere and writes exactly the planned images, each once", async () => {
    const day = { year: 2024, month: 4, day: 7 };
    const records = deletionsOfDay(day, 90, "C");
    const keys = await archiveAll(s3, config, service, records);
    await sealDay(s3, config, service, day, { now: SEAL_NOW });
    const setup = countingDynamo();
    const job = await createJob({ s3, dynamodb: setup }, config, { kind: "archive-keys", service: service.name, archiveKeys: keys }, admin, new Date(), 20);

    const crash = new AbortController();
    const doomed = countingDynamo((n) => n === 35 && crash.abort());
    await startJob(deps(doomed, { crash: crash.signal, concurrency: 6 }), job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps(doomed), job.id)).toBe("crashed");
    expect(writes.get(pkOf(records[0]!))).toBe(1);

    // Another instance takes over once the lease lapses: it has none of the plan's images.
    forgetPlanImages(job.id);
    await new Promise((r) => setTimeout(r, 450));
    const survivor = countingDynamo();
    s3Requests.length = 0;
    expect((await getJobView(deps(survivor), job.id)).resumed).toBe(true);
    expect(await startRunner(deps(survivor), job.id)).toBe("completed");
    expect(singleRecordGets(s3Requests, keys)).toEqual([]);

    const results = (await new JobStore(s3, config).chunkResults(job.id)).flatMap((c) => c.items);
    expect(results).toHaveLength(90);
    expect(results.every((r) => r.outcome === "restored" || r.outcome === "already-restored")).toBe(true);
    await expectRestoredOnce(survivor, records);
  });

  it("reports a sealed record whose bundle is gone as unreadable in the plan, and restores the rest", async () => {
    const day = { year: 2024, month: 4, day: 9 };
    const records = deletionsOfDay(day, 10, "G");
    const keys = await archiveAll(s3, config, service, records);
    await sealDay(s3, config, service, day, { now: SEAL_NOW });
    const manifest = (await readDayManifest(s3, config, service, day))!;
    await s3.send(new DeleteObjectsCommand({ Bucket: config.archive.bucket, Delete: { Objects: manifest.parts.map((p) => ({ Key: p.key })) } }));
    const open = deletionsOfDay(OPEN, 3, "H");
    const openKeys = await archiveAll(s3, config, service, open);
    const dynamodb = countingDynamo();
    const job = await createJob({ s3, dynamodb }, config, { kind: "archive-keys", service: service.name, archiveKeys: [...keys, ...openKeys] }, admin);
    expect(job.plan.counts).toMatchObject({ absent: 3, unreadable: 10 });
    const items = await new JobStore(s3, config).items(job.id);
    expect(items.filter((i) => i.category === "unreadable").every((i) => /bundle/.test(i.reason ?? ""))).toBe(true);
    await startJob(deps(dynamodb), job.id, { overwriteConflicting: false, ttl: { action: "keep" } }, admin);
    expect(await startRunner(deps(dynamodb), job.id)).toBe("completed");
    expect((await getJobView(deps(dynamodb), job.id)).progress).toMatchObject({ done: 3, skipped: 10, failed: 0 });
    await expectRestoredOnce(dynamodb, open);
  });
});
