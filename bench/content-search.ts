import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { buildArchiveObject, serializeArchiveObject } from "../lib/archive/archive-object";
import { archiveObjectKey } from "../lib/archive/layout";
import { bundlePartKey, buildBundle, buildDayManifest, compareNames, dayManifestKey, MAX_PART_RECORDS, sealedDayPrefix, type DayManifest, type ManifestRow } from "../lib/archive/sealed-format";
import { parseStreamRecord } from "../lib/archive/stream-record";
import { createS3Client } from "../lib/aws/clients";
import { parseConfig } from "../lib/config/load";
import type { LazarusConfig } from "../lib/config/schema";
import { contentSearchSchema } from "../lib/search/content-query";
import { searchArchive } from "../lib/search/local-engine";
import { countRequests, table, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

/**
 * Content search over 30 days × 1,000 deletions a day, sealed, against a scan of the same
 * records kept as per-record objects (one GET each), in the same run; then 90 days sealed,
 * to see how time, requests and memory grow. The archive is written with the sealer's
 * builders (bundles, pages and manifests as sealing writes them), which is not timed.
 * The search looks for one customer's email address (one match in the range).
 */

const REGION = "us-east-1";
const SERVICE = "usr-contact-svc";
const PER_DAY = Number(process.env.SEARCH_BENCH_PER_DAY ?? 1000);
const SEED_CONCURRENCY = 48;
const NOW = new Date("2025-06-01T00:00:00Z");

function configFor(bucket: string, prefix: string): LazarusConfig {
  return parseConfig({
    region: REGION,
    archive: { bucket, prefix },
    services: [
      {
        name: SERVICE,
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  });
}

/** Writes `days` days of deletions: sealed under `sealed`, and as per-record objects under `objects` when given. */
async function seed(s3: S3Client, sealed: LazarusConfig, objects: LazarusConfig | null, days: number): Promise<{ bytes: number }> {
  const limit = pLimit(SEED_CONCURRENCY);
  const records = removeEvent(days * PER_DAY, { days }).Records;
  let bytes = 0;
  for (let d = 0; d < days; d++) {
    const slice = records.slice(d * PER_DAY, (d + 1) * PER_DAY);
    const items = slice.map((record) => {
      const parsed = parseStreamRecord(record);
      const object = buildArchiveObject(parsed, { service: SERVICE, table: "usr-contact", archivedAt: parsed.createdAt });
      const key = archiveObjectKey({ prefix: "", service: SERVICE, deletedAt: parsed.createdAt, deletionType: object.deletionType, partitionKey: parsed.keys.PK!, sortKey: parsed.keys.SK!, eventId: parsed.eventId });
      return { key, name: key.split("/").at(-1)!, bytes: Buffer.from(serializeArchiveObject(object), "utf8"), at: parsed.createdAt };
    });
    const first = items[0]!.at;
    const day = { year: first.getUTCFullYear(), month: first.getUTCMonth() + 1, day: first.getUTCDate() };
    items.sort((a, b) => compareNames(a.name, b.name));
    const dayPrefix = sealedDayPrefix(sealed.archive.prefix, SERVICE, day);
    const parts: DayManifest["parts"] = [];
    const rows: ManifestRow[] = [];
    const puts: Promise<unknown>[] = [];
    for (let start = 0; start < items.length; start += MAX_PART_RECORDS) {
      const bundle = buildBundle(items.slice(start, start + MAX_PART_RECORDS));
      for (const row of bundle.rows) rows.push({ ...row, part: parts.length });
      const key = bundlePartKey(dayPrefix, 1, "00000000", parts.length);
      parts.push({ key, sha256: bundle.sha256, bytes: bundle.body.byteLength, records: bundle.rows.length });
      bytes += bundle.body.byteLength;
      puts.push(s3.send(new PutObjectCommand({ Bucket: sealed.archive.bucket, Key: key, Body: bundle.body })));
    }
    const { manifest, pages } = buildDayManifest({ service: SERVICE, day, dayPrefix, generation: 1, sealedAt: NOW, parts, rows });
    for (const page of pages) puts.push(limit(() => s3.send(new PutObjectCommand({ Bucket: sealed.archive.bucket, Key: page.key, Body: JSON.stringify(page.page) }))));
    await Promise.all(puts);
    await s3.send(new PutObjectCommand({ Bucket: sealed.archive.bucket, Key: dayManifestKey(sealed.archive.prefix, SERVICE, day), Body: JSON.stringify(manifest) }));
    if (objects) {
      await Promise.all(items.map((item) => limit(() => s3.send(new PutObjectCommand({ Bucket: objects.archive.bucket, Key: `${objects.archive.prefix}${item.key}`, Body: item.bytes })))));
    }
  }
  return { bytes };
}

interface Run {
  firstMatchMs: number;
  totalMs: number;
  requests: number;
  matches: number;
  bytesScanned: number;
  peakHeapMiB: number;
  liveHeapMiB: number;
}

async function search(s3: S3Client, requests: ReturnType<typeof countRequests>, config: LazarusConfig, days: number, target: number): Promise<Run> {
  const end = new Date(Date.UTC(2025, 0, 1) + days * 86_400_000 - 60_000).toISOString().slice(0, 16);
  const query = contentSearchSchema.parse({ from: "2025-01-01T00:00Z", to: `${end}Z`, services: [SERVICE], conditions: [{ path: "email", op: "equals", value: `user${target}@example.com` }] });
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run the benchmark with --expose-gc (npm run bench does)");
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  let livePeak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 20);
  // heapUsed between collections counts garbage too, and V8 lets more pile up the longer a run allocates: what the
  // search keeps alive is read after a forced collection, twice a second.
  const liveSampler = setInterval(() => {
    gc();
    livePeak = Math.max(livePeak, process.memoryUsage().heapUsed);
  }, 500);
  requests.reset();
  const started = performance.now();
  let firstMatchMs = Number.NaN;
  let matches = 0;
  let bytesScanned = 0;
  for await (const event of searchArchive(s3, config, query, { now: NOW })) {
    if (event.type === "match" && matches++ === 0) firstMatchMs = performance.now() - started;
    if (event.type === "done") bytesScanned = event.progress.bytesScanned;
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  const totalMs = performance.now() - started;
  clearInterval(sampler);
  clearInterval(liveSampler);
  return { firstMatchMs, totalMs, requests: requests.total(), matches, bytesScanned, peakHeapMiB: (peak - baseline) / 2 ** 20, liveHeapMiB: (livePeak - baseline) / 2 ** 20 };
}

const row = (label: string, days: number, run: Run) => ({
  scan: label,
  days,
  deletions: (days * PER_DAY).toLocaleString("en-US"),
  "first match ms": run.firstMatchMs.toFixed(0),
  "total ms": run.totalMs.toFixed(0),
  requests: run.requests.toLocaleString("en-US"),
  "MiB read": (run.bytesScanned / 2 ** 20).toFixed(1),
  "peak heap MiB": run.peakHeapMiB.toFixed(1),
  "live heap MiB": run.liveHeapMiB.toFixed(1),
  matches: run.matches,
});

export async function benchContentSearch(): Promise<string> {
  return withMoto(async () => {
    const s3 = createS3Client({ region: REGION });
    const requests = countRequests(s3);
    const rows: Record<string, string | number>[] = [];
    const bucket30 = `bench-search-30-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket30 }));
    const sealed30 = configFor(bucket30, "sealed/");
    const objects30 = configFor(bucket30, "objects/");
    await seed(s3, sealed30, objects30, 30);
    // The customer's deletion sits in the middle of the range.
    const target = 15 * PER_DAY + PER_DAY / 2;
    const sealed = await search(s3, requests, sealed30, 30, target);
    const perObject = await search(s3, requests, objects30, 30, target);
    rows.push(row("sealed bundles", 30, sealed), row("per-object GETs", 30, perObject));

    const bucket90 = `bench-search-90-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket90 }));
    const sealed90config = configFor(bucket90, "sealed/");
    await seed(s3, sealed90config, null, 90);
    const sealed90 = await search(s3, requests, sealed90config, 90, 45 * PER_DAY + PER_DAY / 2);
    rows.push(row("sealed bundles", 90, sealed90));

    const ratio = (a: number, b: number) => (a / b).toFixed(1);
    return [
      "## Content search (local engine)",
      "",
      table(rows),
      "",
      `30 days sealed vs per-object: ${ratio(perObject.requests, sealed.requests)}x fewer requests, ${ratio(perObject.totalMs, sealed.totalMs)}x faster.`,
      `90 vs 30 days sealed: ${ratio(sealed90.bytesScanned, sealed.bytesScanned)}x the bytes, ${ratio(sealed90.totalMs, sealed.totalMs)}x the time, peak heap ${sealed.peakHeapMiB.toFixed(1)} → ${sealed90.peakHeapMiB.toFixed(1)} MiB, live heap ${sealed.liveHeapMiB.toFixed(1)} → ${sealed90.liveHeapMiB.toFixed(1)} MiB.`,
    ].join("\n");
  });
}
