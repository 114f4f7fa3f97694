import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, GetQueueUrlCommand } from "@aws-sdk/client-sqs";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { listDays, listMonths, listYears } from "../../lib/archive/archive-reader";
import { parseArchiveObject } from "../../lib/archive/archive-object";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { findDeletionsByPartitionKey } from "../../lib/archive/key-lookup";
import { getArchivedRecord } from "../../lib/archive/record-read";
import { sealLag } from "../../lib/archive/seal-lag";
import {
  createDynamoDBClient,
  createDynamoDBStreamsClient,
  createIamClient,
  createLambdaClient,
  createS3Client,
  createSqsClient,
} from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { compareItems } from "../../lib/diff/item-diff";
import { getLiveItem } from "../../lib/restore/live-item";
import { fromSdkItem } from "../../lib/restore/sdk-attribute-value";
import { DEMO_FAILED_BATCHES, DEMO_SERVICES, WALKTHROUGH, walkthroughDeletedAt, type WalkthroughRecord } from "../../scripts/demo/fixtures";
import type { DemoKind, DemoServiceNames } from "../../scripts/demo/history";
import { requestIdsInQueue, seedDemo, type SeedReport } from "../../scripts/demo/seed";
import { sealClosedDays } from "../../scripts/local-stack/closed-day-sealer";
import { provisionLocalStack } from "../../scripts/local-stack/provision";
import { uniqueName, motoEnv } from "../support/aws";

/**
 * The demo's seeding against moto: what it promises the walkthrough and the browser
 * tests, and that running it again changes nothing. The small scale keeps it quick;
 * the full scale is the same code with larger counts.
 */

const DAY_MS = 86_400_000;
const now = new Date();

let config: LazarusConfig;
let names: DemoServiceNames;
let clients: ReturnType<typeof makeClients>;
let first: SeedReport;
let second: SeedReport;
let objectsAfterFirst: number;
let versionsAfterFirst: number;

function makeClients(region: string) {
  return {
    s3: createS3Client({ region }),
    dynamodb: createDynamoDBClient({ region }),
    streams: createDynamoDBStreamsClient({ region }),
    sqs: createSqsClient({ region }),
    lambda: createLambdaClient({ region }),
    iam: createIamClient({ region }),
  };
}

function demoConfig(region: string, extra: Record<string, unknown> = {}): LazarusConfig {
  const service = (kind: string, key: { partitionKey: string; sortKey?: string; ttlAttribute: string }, onFailure: "sqs" | "s3") => ({
    name: uniqueName(`demo-${kind}`),
    table: {
      name: uniqueName(`demo-${kind}`),
      partitionKey: { name: key.partitionKey, type: "S" },
      ...(key.sortKey ? { sortKey: { name: key.sortKey, type: "S" } } : {}),
      ttlAttribute: key.ttlAttribute,
    },
    archiver: { functionName: uniqueName(`demo-archiver-${kind}`) },
    onFailure: onFailure === "sqs" ? { type: "sqs", queueName: uniqueName(`demo-dlq-${kind}`) } : { type: "s3", bucket: uniqueName("demo-failed") },
  });
  return parseConfig({
    region,
    archive: { bucket: uniqueName("demo-archive"), prefix: "" },
    services: [
      service("contacts", { partitionKey: "PK", sortKey: "SK", ttlAttribute: "expiresAt" }, "sqs"),
      service("orders", { partitionKey: "PK", sortKey: "SK", ttlAttribute: "ttl" }, "s3"),
      service("units", { partitionKey: "unitId", ttlAttribute: "expiresAt" }, "sqs"),
    ],
    ...extra,
  });
}

function serviceOf(kind: DemoKind): ServiceConfig {
  return config.services.find((s) => s.name === names[kind]) as ServiceConfig;
}

async function countObjects(s3: S3Client, bucket: string): Promise<{ objects: number; versions: number }> {
  let objects = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
    objects += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  let versions = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, ...(keyMarker ? { KeyMarker: keyMarker, VersionIdMarker: versionMarker } : {}) }),
    );
    versions += (page.Versions ?? []).length;
    if (!page.IsTruncated) return { objects, versions };
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}

function keyOf(service: ServiceConfig, record: WalkthroughRecord): Record<string, KeyValue> {
  const t = service.table;
  return { [t.partitionKey.name]: { S: record.partitionKey }, ...(t.sortKey && record.sortKey ? { [t.sortKey.name]: { S: record.sortKey } } : {}) };
}

async function archivedImage(archiveKey: string, service: ServiceConfig): Promise<AttributeMap> {
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: archiveKey }));
  return parseArchiveObject(await object.Body!.transformToString("utf8"), { service: service.name }).oldImage;
}

beforeAll(async () => {
  const { region } = motoEnv();
  config = demoConfig(region);
  names = { contacts: config.services[0]!.name, orders: config.services[1]!.name, units: config.services[2]!.name };
  clients = makeClients(region);
  await provisionLocalStack(config, clients);
  first = await seedDemo({ config, clients, now, scale: "small", services: names });
  ({ objects: objectsAfterFirst, versions: versionsAfterFirst } = await countObjects(clients.s3, config.archive.bucket));
  second = await seedDemo({ config, clients, now, scale: "small", services: names });
}, 120_000);

describe("demo seeding", () => {
  it("writes the history once: a second run finds every object in place and adds nothing", async () => {
    expect(first.archive.written).toBe(first.archive.deletions);
    expect(first.archive.deletions).toBeGreaterThan(250);
    expect(second.archive).toMatchObject({ written: 0, alreadyArchived: first.archive.deletions, movedToGlacier: 0 });
    expect(second.archiveKeys).toEqual(first.archiveKeys);
    expect(second.onFailure).toEqual({ written: 0, alreadyThere: first.onFailure.written });

    const after = await countObjects(clients.s3, config.archive.bucket);
    // One archive object and one index entry per deletion, and not a single new version.
    expect(after.objects).toBe(2 * first.archive.deletions);
    expect(after).toEqual({ objects: objectsAfterFirst, versions: versionsAfterFirst });
  });

  it("spans more than 90 days with TTL and manual deletions, read back through the archive reader", async () => {
    const days = new Map<string, { ttl: number; manual: number }>();
    for (const service of config.services) {
      for (const year of await listYears(clients.s3, config, service)) {
        for (const month of await listMonths(clients.s3, config, service, year)) {
          for (const d of (await listDays(clients.s3, config, service, month)).days) {
            const total = days.get(d.date) ?? { ttl: 0, manual: 0 };
            days.set(d.date, { ttl: total.ttl + d.ttl, manual: total.manual + d.manual });
          }
        }
      }
    }
    const dates = [...days.keys()].sort();
    const spanDays = (Date.parse(dates.at(-1)!) - Date.parse(dates[0]!)) / DAY_MS;
    expect(spanDays).toBeGreaterThanOrEqual(90);
    const totals = [...days.values()].reduce((sum, d) => ({ ttl: sum.ttl + d.ttl, manual: sum.manual + d.manual }), { ttl: 0, manual: 0 });
    expect(totals.ttl + totals.manual).toBe(first.archive.deletions);
    expect(totals.ttl).toBeGreaterThan(50);
    expect(totals.manual).toBeGreaterThan(50);
    // The history ends yesterday; today belongs to the running stack.
    expect(dates.at(-1)! < now.toISOString().slice(0, 10)).toBe(true);
  });

  it("finds every walkthrough key through the by-key index, with its deletion times and types", async () => {
    for (const record of Object.values(WALKTHROUGH) as WalkthroughRecord[]) {
      const service = serviceOf(record.service);
      const found = await findDeletionsByPartitionKey(clients.s3, config, service, { S: record.partitionKey });
      expect(found.deletions.map((d) => ({ at: d.deletedAt.toISOString(), type: d.deletionType })), record.partitionKey).toEqual(
        record.deletions.map((d) => ({ at: walkthroughDeletedAt(d, now).toISOString(), type: d.deletionType })),
      );
      const head = await clients.s3.send(new HeadObjectCommand({ Bucket: config.archive.bucket, Key: found.deletions.at(-1)!.archiveKey }));
      expect(head.StorageClass ?? "STANDARD", record.partitionKey).toBe(record.storageClass);
    }
  });

  it("keeps a 38-digit number, binary, sets and nested maps in the restorable record", async () => {
    const service = serviceOf("contacts");
    const found = await findDeletionsByPartitionKey(clients.s3, config, service, { S: WALKTHROUGH.restorable.partitionKey });
    const image = await archivedImage(found.deletions[0]!.archiveKey, service);
    expect(image.legacyCustomerNumber).toEqual({ N: expect.stringMatching(/^[1-9]\d{37}$/) });
    expect(image.avatarThumbnail).toEqual({ B: expect.any(String) });
    expect(image.tags ?? image.favouriteStoreIds).toBeDefined();
    expect(image.preferences).toEqual({ M: expect.objectContaining({ quietHours: { M: expect.any(Object) } }) });
  });

  it("gives the walkthrough's live states: gone, identical and changed", async () => {
    for (const record of Object.values(WALKTHROUGH) as WalkthroughRecord[]) {
      const service = serviceOf(record.service);
      const found = await findDeletionsByPartitionKey(clients.s3, config, service, { S: record.partitionKey });
      const latest = found.deletions.at(-1)!;
      if (record.storageClass === "GLACIER") {
        expect(await getLiveItem(clients.dynamodb, service.table.name, keyOf(service, record))).toBeNull();
        continue;
      }
      const comparison = compareItems(await archivedImage(latest.archiveKey, service), await getLiveItem(clients.dynamodb, service.table.name, keyOf(service, record)));
      expect(comparison.status, record.partitionKey).toBe(record.live);
      if (record === WALKTHROUGH.changed) {
        expect(new Set(comparison.status === "changed" ? comparison.changes.map((c) => c.kind) : [])).toEqual(new Set(["added", "removed", "changed"]));
        expect(comparison.status === "changed" && comparison.changes.some((c) => c.path.length > 1)).toBe(true);
      }
    }
  });

  it("re-creates some archived keys identically and some with changes, while most stay gone", async () => {
    const outcomes = { identical: 0, changed: 0 };
    let archivedKeys = 0;
    for (const service of config.services) {
      const t = service.table;
      const scan = await clients.dynamodb.send(new ScanCommand({ TableName: t.name }));
      const live = new Map((scan.Items ?? []).map((item) => {
        const map = fromSdkItem(item);
        return [JSON.stringify([map[t.partitionKey.name], t.sortKey ? map[t.sortKey.name] : null]), map] as const;
      }));
      const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: config.archive.bucket, Prefix: `${service.name}/2` }));
      expect(listed.IsTruncated).toBe(false);
      // Records in GLACIER cannot be read without a retrieval; none of them is live anyway.
      const readable = (listed.Contents ?? []).filter((o) => o.StorageClass !== "GLACIER").map((o) => o.Key!).sort();
      const latestByKey = new Map<string, string>();
      for (const key of readable) {
        const object = await clients.s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: key }));
        const deletion = parseArchiveObject(await object.Body!.transformToString("utf8"), { service: service.name });
        if (deletion.deletionType !== "manual") continue;
        latestByKey.set(JSON.stringify([deletion.keys[t.partitionKey.name], t.sortKey ? deletion.keys[t.sortKey.name] : null]), key);
      }
      for (const [id, archiveKey] of latestByKey) {
        archivedKeys += 1;
        const item = live.get(id);
        if (!item) continue;
        const status = compareItems(await archivedImage(archiveKey, service), item).status;
        if (status !== "gone") outcomes[status] += 1;
      }
    }
    expect(outcomes.identical).toBeGreaterThan(2);
    expect(outcomes.changed).toBeGreaterThan(2);
    expect(outcomes.identical + outcomes.changed).toBeLessThan(archivedKeys / 4);
  });

  it("leaves its failed batches in the on-failure destinations exactly once", async () => {
    for (const kind of Object.keys(DEMO_FAILED_BATCHES) as DemoKind[]) {
      const service = serviceOf(kind);
      const destination = service.onFailure;
      if (destination.type === "sqs") {
        const queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: destination.queueName }))).QueueUrl!;
        const attributes = await clients.sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
        );
        // Looking for them (at seeding) leaves every message visible again.
        expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: String(DEMO_FAILED_BATCHES[kind]), ApproximateNumberOfMessagesNotVisible: "0" });
        expect((await requestIdsInQueue(clients.sqs, queueUrl)).size).toBe(DEMO_FAILED_BATCHES[kind]);
      } else {
        const listed = await clients.s3.send(new ListObjectsV2Command({ Bucket: destination.bucket, Prefix: "aws/lambda/" }));
        expect(listed.Contents ?? []).toHaveLength(DEMO_FAILED_BATCHES[kind]);
        const withoutImage: number[] = [];
        for (const { Key } of listed.Contents!) {
          const object = await clients.s3.send(new GetObjectCommand({ Bucket: destination.bucket, Key }));
          const body = JSON.parse(await object.Body!.transformToString("utf8")) as { requestContext: { condition: string }; DDBStreamBatchInfo: { batchSize: number }; payload: string };
          const payload = JSON.parse(body.payload) as { Records: { dynamodb: { OldImage?: unknown } }[] };
          expect(body.requestContext.condition).toBe("RetryAttemptsExhausted");
          expect(payload.Records).toHaveLength(body.DDBStreamBatchInfo.batchSize);
          withoutImage.push(payload.Records.filter((r) => r.dynamodb.OldImage === undefined).length);
        }
        // One batch with a poison record (a REMOVE without the old image the archiver needs), one that replays cleanly.
        expect(withoutImage.sort()).toEqual([0, 1]);
      }
    }
  });
});

// The two suites below run at once: one seeds and seals in this process, the other waits on the demo's own process.
describe.concurrent("as the demo seeds: older days sealed, recent days open", () => {
  const AFTER_DAYS = 70;
  let sealedConfig: LazarusConfig;
  let report: SeedReport;

  beforeAll(async () => {
    const { region } = motoEnv();
    sealedConfig = demoConfig(region, { seal: { afterDays: AFTER_DAYS } });
    const sealedNames = { contacts: sealedConfig.services[0]!.name, orders: sealedConfig.services[1]!.name, units: sealedConfig.services[2]!.name };
    await provisionLocalStack(sealedConfig, clients);
    report = await seedDemo({
      config: sealedConfig,
      clients,
      now,
      scale: "small",
      services: sealedNames,
      seal: () => sealClosedDays(clients.s3, sealedConfig, { now }),
    });
  }, 240_000);

  it("seals every day older than seal.afterDays and none younger, in every service", async ({ expect }) => {
    expect(report.sealed).toMatchObject({ days: expect.any(Number), failures: 0 });
    expect(report.sealed!.days).toBeGreaterThan(30);
    let sealedDays = 0;
    let openDays = 0;
    for (const service of sealedConfig.services) {
      for (const year of await listYears(clients.s3, sealedConfig, service)) {
        for (const month of await listMonths(clients.s3, sealedConfig, service, year)) {
          for (const day of (await listDays(clients.s3, sealedConfig, service, month)).days) {
            if (day.records === 0) continue;
            const age = Math.floor((now.getTime() - Date.parse(`${day.date}T00:00:00Z`)) / DAY_MS);
            if (age >= AFTER_DAYS) {
              expect(day.sealed, `${service.name} ${day.date}`).toEqual({ at: expect.any(String), records: day.records });
              sealedDays += 1;
            } else {
              expect(day.sealed, `${service.name} ${day.date}`).toBeUndefined();
              openDays += 1;
            }
          }
        }
      }
      expect(await sealLag(clients.s3, sealedConfig, service, now)).toMatchObject({ lagDays: 0, oldestUnsealed: null, complete: true });
    }
    expect(sealedDays).toBe(report.sealed!.days);
    expect(openDays).toBeGreaterThan(60);
  });

  it("keeps every walkthrough key findable; the oldest records sit in GLACIER in their bundle", async ({ expect }) => {
    for (const record of Object.values(WALKTHROUGH) as WalkthroughRecord[]) {
      const service = sealedConfig.services.find((s) => s.name.includes(`demo-${record.service}`))!;
      const found = await findDeletionsByPartitionKey(clients.s3, sealedConfig, service, { S: record.partitionKey });
      expect(found.deletions.map((d) => d.deletedAt.toISOString()), record.partitionKey).toEqual(record.deletions.map((d) => walkthroughDeletedAt(d, now).toISOString()));
      const read = await getArchivedRecord(clients.s3, sealedConfig, service, found.deletions.at(-1)!.archiveKey, now);
      if (record.storageClass === "GLACIER") {
        expect(read).toMatchObject({ ok: false, error: { kind: "archived-in-glacier", storageClass: "GLACIER" } });
        // The record's own object is gone: it lives in the sealed day's bundle.
        await expect(clients.s3.send(new HeadObjectCommand({ Bucket: sealedConfig.archive.bucket, Key: found.deletions.at(-1)!.archiveKey }))).rejects.toThrow();
      } else {
        expect(read.ok, record.partitionKey).toBe(true);
      }
    }
  });
});

describe.concurrent("npm run demo -- --seed-only --endpoint", () => {
  async function runDemo(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
    const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/demo.ts", ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      // Seeding and sealing take a while on a busy machine.
      timeout: 240_000,
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const status = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    return { status, output };
  }

  it("seeds a running local stack with the configured services and leaves it running", async ({ expect }) => {
    const { endpoint, region } = motoEnv();
    // The demo's service names, with table, bucket and queue names no other test uses. Closed
    // past a year, only the few days of the oldest records are sealed: sealing each day takes
    // most of a second on moto, and the 88 days a 70-day cutoff closes took a minute.
    const cliConfig = demoConfig(region, { seal: { afterDays: 365 } });
    const services = cliConfig.services.map((s, i) => ({ ...s, name: Object.values(DEMO_SERVICES)[i] }));
    const dir = mkdtempSync(join(tmpdir(), "lazarus-demo-"));
    try {
      const path = join(dir, "lazarus.config.json");
      writeFileSync(path, JSON.stringify({ ...cliConfig, services }));
      const run = await runDemo(["--seed-only", "--scale", "small", "--endpoint", endpoint], { LAZARUS_CONFIG: path });
      expect(run.output).toMatch(/seeded in [\d.]+ s: \d+ deletions.*; [1-9]\d* closed days sealed/);
      expect(run.status).toBe(0);
      const { objects } = await countObjects(clients.s3, cliConfig.archive.bucket);
      expect(objects).toBeGreaterThan(400);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it("refuses bad flags and a non-local endpoint before starting anything", async ({ expect }) => {
    const badScale = await runDemo(["--scale", "huge"]);
    expect(badScale.status).toBe(2);
    expect(badScale.output).toMatch(/--scale must be small or full/);
    const remote = await runDemo(["--seed-only", "--endpoint", "https://s3.amazonaws.com"]);
    expect(remote.status).toBe(2);
    expect(remote.output).toMatch(/--endpoint must be a local stack/);
    const [notATime, future] = await Promise.all([runDemo(["--now", "yesterday"]), runDemo(["--now", "2999-01-01T00:00:00Z"])]);
    expect(notATime.status).toBe(2);
    expect(notATime.output).toMatch(/--now must be a UTC date and time such as .*, not "yesterday"/);
    expect(future.status).toBe(2);
    expect(future.output).toMatch(/--now must not be in the future: 2999-01-01T00:00:00Z is after 20\d\d-/);
  });
});
