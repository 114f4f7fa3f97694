import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { buildArchiveObject, serializeArchiveObject } from "../lib/archive/archive-object";
import { listDayRecords, listDays } from "../lib/archive/archive-reader";
import { deletionStats } from "../lib/archive/deletion-stats";
import { archiveObjectKey, servicePrefix } from "../lib/archive/layout";
import { listObjects } from "../lib/archive/object-listing";
import { sealService } from "../lib/archive/sealer";
import { parseStreamRecord } from "../lib/archive/stream-record";
import { bundlePartKey, buildBundle, buildDayManifest, compareNames, dayOfMonthKey, emptyMonthSummary, MAX_PART_RECORDS, sealedDayCounts, sealedDayPrefix, type DayManifest, type ManifestRow } from "../lib/archive/sealed-format";
import { createDynamoDBClient, createDynamoDBStreamsClient, createIamClient, createLambdaClient, createS3Client, createSqsClient } from "../lib/aws/clients";
import { findService, loadConfigFile, parseConfig } from "../lib/config/load";
import { seedDemo } from "../scripts/demo/seed";
import { provisionLocalStack } from "../scripts/local-stack/provision";
import type { LazarusConfig, ServiceConfig } from "../lib/config/schema";
import { countServiceDays } from "../lib/reports/deletion-report";
import { reportRecordPages } from "../lib/reports/report-records";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

/**
 * The console's month-wide reads on one service-month of 1,500, 9,000 and 30,000
 * deletions (January 2025, spread over 30 days), first with every day open and then
 * with every day sealed: requests and time for the overview's 30-day stats, the
 * calendar month, the first page of a day, the month's report counts and the month's
 * export listing. Also sealing throughput against a bare GET ceiling measured in the
 * same run, requests per record sealed, and objects and bytes before and after.
 * Seeding writes the archive objects the archiver would (their exact bytes), without
 * index entries, and is not timed.
 */

const REGION = "us-east-1";
const SIZES = (process.env.SEAL_BENCH_SIZES ?? "1500,9000,30000").split(",").map(Number);
const SERVICE = "usr-session-svc";
const SEED_CONCURRENCY = 48;
const NOW = new Date("2025-01-31T12:00:00Z");
const DAY = { year: 2025, month: 1, day: 15 };
const RANGE = { from: "2025-01-01", to: "2025-01-31", label: "custom" };

function configFor(bucket: string): { config: LazarusConfig; service: ServiceConfig } {
  const config = parseConfig({
    region: REGION,
    archive: { bucket },
    services: [
      {
        name: SERVICE,
        table: { name: "usr-session", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-session" },
        onFailure: { type: "sqs", queueName: "session-dlq" },
      },
    ],
  });
  return { config, service: findService(config, SERVICE)! };
}

async function seed(s3: S3Client, config: LazarusConfig, count: number): Promise<string[]> {
  const limit = pLimit(SEED_CONCURRENCY);
  const keys: string[] = [];
  await Promise.all(
    removeEvent(count, { days: 30 }).Records.map((record) =>
      limit(async () => {
        const parsed = parseStreamRecord(record);
        const object = buildArchiveObject(parsed, { service: SERVICE, table: "usr-session", archivedAt: new Date("2025-02-01T00:00:00Z") });
        const key = archiveObjectKey({
          prefix: config.archive.prefix,
          service: SERVICE,
          deletedAt: parsed.createdAt,
          deletionType: object.deletionType,
          partitionKey: parsed.keys.PK!,
          sortKey: parsed.keys.SK!,
          eventId: parsed.eventId,
        });
        await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: key, Body: serializeArchiveObject(object), ContentType: "application/json" }));
        keys.push(key);
      }),
    ),
  );
  return keys;
}

interface Measured {
  requests: number;
  ms: number;
}

async function measure(s3: S3Client, requests: ReturnType<typeof countRequests>, fn: () => Promise<unknown>): Promise<Measured> {
  requests.reset();
  const { ms } = await timed(fn);
  return { requests: requests.total(), ms };
}

async function readers(s3: S3Client, requests: ReturnType<typeof countRequests>, config: LazarusConfig, service: ServiceConfig) {
  return {
    overview: await measure(s3, requests, () => deletionStats(s3, config, service, NOW)),
    calendar: await measure(s3, requests, () => listDays(s3, config, service, DAY)),
    "day, first page": await measure(s3, requests, () => listDayRecords(s3, config, service, DAY, { limit: 100 })),
    "report counts": await measure(s3, requests, () => countServiceDays(s3, config, [service], RANGE)),
    "export listing": await measure(s3, requests, async () => {
      const scope = await countServiceDays(s3, config, [service], RANGE);
      let rows = 0;
      for await (const page of reportRecordPages(s3, config, scope)) rows += page.records.length;
      return rows;
    }),
  };
}

async function storage(s3: S3Client, config: LazarusConfig): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for await (const o of listObjects(s3, { bucket: config.archive.bucket, prefix: servicePrefix(config.archive.prefix, SERVICE) })) {
    if (o.key.includes("/_by-key/")) continue;
    objects += 1;
    bytes += o.size;
  }
  return { objects, bytes };
}

/** GETs of the seeded objects at the sealer's concurrency, doing nothing with them: what the endpoint allows. */
async function getCeiling(s3: S3Client, bucket: string, keys: string[]): Promise<number> {
  const sample = keys.slice(0, 1000);
  const limit = pLimit(8);
  const { ms } = await timed(() => Promise.all(sample.map((Key) => limit(async () => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body?.transformToByteArray()))));
  return (sample.length / ms) * 1000;
}

export async function benchSealedDays(): Promise<string> {
  return withMoto(async () => {
    const readRows: Record<string, string | number>[] = [];
    const sealRows: Record<string, string | number>[] = [];
    const storeRows: Record<string, string | number>[] = [];
    const opens = new Map<string, Measured>();
    for (const size of SIZES) {
      const s3 = createS3Client({ region: REGION });
      const requests = countRequests(s3);
      const bucket = `seal-bench-${size}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      const { config, service } = configFor(bucket);
      process.stderr.write(`sealed-days bench: seeding ${size} deletions\n`);
      const keys = await seed(s3, config, size);

      const open = await readers(s3, requests, config, service);
      const before = await storage(s3, config);
      const ceiling = await getCeiling(s3, bucket, keys);
      process.stderr.write(`sealed-days bench: sealing ${size} deletions\n`);
      requests.reset();
      const sealing = await timed(() => sealService(s3, config, service, { now: new Date("2025-03-01T00:00:00Z") }));
      const sealRequests = requests.total();
      const sealed = await readers(s3, requests, config, service);
      const after = await storage(s3, config);

      for (const [op, m] of Object.entries(open)) {
        const s = sealed[op as keyof typeof sealed];
        if (size === SIZES[0]) opens.set(op, s);
        const base = opens.get(op);
        readRows.push({
          deletions: size.toLocaleString("en-US"),
          read: op,
          "open: requests": m.requests,
          "open: ms": m.ms.toFixed(0),
          "sealed: requests": s.requests,
          "sealed: ms": s.ms.toFixed(0),
          [`sealed requests vs ${SIZES[0]!.toLocaleString("en-US")}`]: base ? `${(s.requests / base.requests).toFixed(2)}×` : "",
        });
      }
      const recordsPerSecond = (size / sealing.ms) * 1000;
      sealRows.push({
        deletions: size.toLocaleString("en-US"),
        "days sealed": sealing.result.days.length,
        "records/s": recordsPerSecond.toFixed(0),
        "GET ceiling/s": ceiling.toFixed(0),
        "share of ceiling": `${((recordsPerSecond / ceiling) * 100).toFixed(0)}%`,
        "requests/record": (sealRequests / size).toFixed(2),
      });
      storeRows.push({
        deletions: size.toLocaleString("en-US"),
        "objects before": before.objects,
        "KiB before": (before.bytes / 1024).toFixed(0),
        "objects after": after.objects,
        "KiB after": (after.bytes / 1024).toFixed(0),
      });
      // Each size takes minutes on moto: what is measured is printed as it comes.
      process.stderr.write(`${table(readRows.slice(-Object.keys(open).length))}\n${table(sealRows.slice(-1))}\n${table(storeRows.slice(-1))}\n`);
    }
    return [
      "### Sealed days: month-wide reads, open vs sealed (`bench/sealed-days.ts`)",
      "",
      table(readRows),
      "",
      "Sealing (all 30 days of the month, `sealService`):",
      "",
      table(sealRows),
      "",
      "Storage outside the by-key index (one index entry per record either way):",
      "",
      table(storeRows),
    ].join("\n");
  });
}

async function serviceStorage(s3: S3Client, config: LazarusConfig, service: string): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for await (const o of listObjects(s3, { bucket: config.archive.bucket, prefix: servicePrefix(config.archive.prefix, service) })) {
    if (o.key.includes("/_by-key/")) continue;
    objects += 1;
    bytes += o.size;
  }
  return { objects, bytes };
}

/**
 * The demo's archive (full scale, seeded as `npm run demo` seeds it), then every
 * service sealed as the scheduled seal would on the seeding day: objects and bytes
 * outside the by-key index, before and after.
 */
async function demoStorage(): Promise<Record<string, string | number>[]> {
  return withMoto(async () => {
    const config = loadConfigFile("lazarus.config.json");
    const clients = {
      s3: createS3Client({ region: config.region }),
      dynamodb: createDynamoDBClient({ region: config.region }),
      sqs: createSqsClient({ region: config.region }),
      lambda: createLambdaClient({ region: config.region }),
      iam: createIamClient({ region: config.region }),
      streams: createDynamoDBStreamsClient({ region: config.region }),
    };
    await provisionLocalStack(config, clients);
    const now = new Date();
    process.stderr.write("sealed-storage bench: seeding the demo\n");
    await seedDemo({ config, clients, scale: "full", now });
    const rows: Record<string, string | number>[] = [];
    for (const service of config.services) {
      const before = await serviceStorage(clients.s3, config, service.name);
      process.stderr.write(`sealed-storage bench: sealing ${service.name}\n`);
      const sealed = await sealService(clients.s3, config, service, { now });
      const after = await serviceStorage(clients.s3, config, service.name);
      rows.push({
        archive: `demo: ${service.name}`,
        "days sealed": sealed.days.filter((d) => d.outcome === "sealed").length,
        "objects before": before.objects,
        "KiB before": (before.bytes / 1024).toFixed(0),
        "objects after": after.objects,
        "KiB after": (after.bytes / 1024).toFixed(0),
        how: "seeded and sealed on moto",
      });
      process.stderr.write(`${table(rows.slice(-1))}\n`);
    }
    return rows;
  });
}

/**
 * What sealing writes for `count` deletions in one month (30 days), computed with the
 * sealer's own bundle and manifest builders over the archive objects' exact bytes,
 * without S3: objects and bytes of the per-record objects, and of the parts, manifest
 * pages, manifests and month summary that replace them.
 */
function computedStorage(count: number): Record<string, string | number> {
  const byDay = new Map<string, { day: { year: number; month: number; day: number }; records: { name: string; bytes: Uint8Array }[] }>();
  let bytesBefore = 0;
  for (const record of removeEvent(count, { days: 30 }).Records) {
    const parsed = parseStreamRecord(record);
    const object = buildArchiveObject(parsed, { service: SERVICE, table: "usr-session", archivedAt: new Date("2025-02-01T00:00:00Z") });
    const key = archiveObjectKey({ prefix: "", service: SERVICE, deletedAt: parsed.createdAt, deletionType: object.deletionType, partitionKey: parsed.keys.PK!, sortKey: parsed.keys.SK!, eventId: parsed.eventId });
    const bytes = Buffer.from(serializeArchiveObject(object), "utf8");
    bytesBefore += bytes.byteLength;
    const d = parsed.createdAt;
    const dayKey = d.toISOString().slice(0, 10);
    const entry = byDay.get(dayKey) ?? { day: { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, records: [] };
    entry.records.push({ name: key.split("/").at(-1)!, bytes });
    byDay.set(dayKey, entry);
  }
  let objectsAfter = 0;
  let bytesAfter = 0;
  const summary = emptyMonthSummary(SERVICE, { year: 2025, month: 1 });
  for (const { day, records } of byDay.values()) {
    records.sort((a, b) => compareNames(a.name, b.name));
    const dayPrefix = sealedDayPrefix("", SERVICE, day);
    const parts: DayManifest["parts"] = [];
    const rows: ManifestRow[] = [];
    for (let start = 0; start < records.length; start += MAX_PART_RECORDS) {
      const bundle = buildBundle(records.slice(start, start + MAX_PART_RECORDS));
      for (const row of bundle.rows) rows.push({ ...row, part: parts.length });
      parts.push({ key: bundlePartKey(dayPrefix, 1, "00000000", parts.length), sha256: bundle.sha256, bytes: bundle.body.byteLength, records: bundle.rows.length });
      bytesAfter += bundle.body.byteLength;
      objectsAfter += 1;
    }
    const { manifest, pages } = buildDayManifest({ service: SERVICE, day, dayPrefix, generation: 1, sealedAt: new Date("2025-03-01T00:00:00Z"), parts, rows });
    for (const page of pages) bytesAfter += Buffer.byteLength(JSON.stringify(page.page), "utf8");
    bytesAfter += Buffer.byteLength(JSON.stringify(manifest), "utf8");
    objectsAfter += pages.length + 1;
    summary.days[dayOfMonthKey(day)] = sealedDayCounts(manifest);
  }
  bytesAfter += Buffer.byteLength(JSON.stringify(summary), "utf8");
  objectsAfter += 1;
  return {
    archive: `${count.toLocaleString("en-US")} deletions in a month`,
    "days sealed": byDay.size,
    "objects before": count,
    "KiB before": (bytesBefore / 1024).toFixed(0),
    "objects after": objectsAfter,
    "KiB after": (bytesAfter / 1024).toFixed(0),
    how: "computed with the sealer's builders",
  };
}

/** `npm run bench -- sealed-storage`: the demo sealed on moto, and `SEAL_STORAGE_SIZES` (default 9000,100000) computed. */
export async function benchSealedStorage(): Promise<string> {
  const computed = (process.env.SEAL_STORAGE_SIZES ?? "9000,100000").split(",").map(Number).map(computedStorage);
  process.stderr.write(`${table(computed)}\n`);
  const demo = process.env.SEAL_STORAGE_DEMO === "0" ? [] : await demoStorage();
  return ["### Sealed days: storage before and after sealing (`bench/sealed-days.ts`)", "", table([...demo, ...computed])].join("\n");
}
