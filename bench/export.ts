import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { stringify } from "csv-stringify/sync";
import pLimit from "p-limit";
import { archiveObjectKey, monthPrefix } from "../lib/archive/layout";
import { createS3Client } from "../lib/aws/clients";
import { parseConfig, findService } from "../lib/config/load";
import { recordCells, startDeletionExport } from "../lib/exports/deletion-export";
import { COLUMN_HEADERS, EXPORT_COLUMNS } from "../lib/exports/export-format";
import { countServiceDays } from "../lib/reports/deletion-report";
import { rangeMonths } from "../lib/reports/report-range";
import { reportRecordPages } from "../lib/reports/report-records";
import { countRequests, machine, table, withMoto } from "./harness";

/**
 * Export of 100,000 archived deletions: the streamed export (what the route serves)
 * against building the whole file in memory first, in one process, against
 * moto_server through the AWS SDK (the project talks to AWS no other way). The
 * archive objects are empty bodies under real archive names, since an export reads
 * names only; seeding them is timed apart and belongs to neither measurement.
 * Against moto, LIST dominates, so the same run also times a bare ListObjectsV2 of
 * the range (1,000 per page) and shows each approach's rows/s as a share of it.
 */

const REGION = "us-east-1";
const ROWS = 100_000;
const DAYS = 90;
const SERVICE = "usr-contact-svc";
const FROM = Date.UTC(2026, 6, 1);
const SEED_CONCURRENCY = 48;
const PROGRESS_EVERY = 10_000;

/** The archive names of the 100,000 deletions, day by day (a third TTL, every 50th sort key with a quote and a comma). */
function archiveKeys(prefix: string): string[] {
  const perDay = Math.ceil(ROWS / DAYS);
  const keys: string[] = [];
  for (let day = 0; day < DAYS; day += 1) {
    for (let i = day * perDay; i < Math.min(ROWS, (day + 1) * perDay); i += 1) {
      const n = i - day * perDay;
      keys.push(
        archiveObjectKey({
          prefix,
          service: SERVICE,
          deletedAt: new Date(FROM + day * 86_400_000 + n * 25_000),
          deletionType: i % 3 === 0 ? "ttl" : "manual",
          partitionKey: { S: `CUSTOMER#${String(i).padStart(6, "0")}` },
          sortKey: { S: i % 50 === 0 ? 'ADDRESS#"home", 2nd' : "PROFILE#primary" },
          eventId: `event-${i}`,
        }),
      );
    }
  }
  return keys;
}

async function seed(s3: S3Client, bucket: string, keys: readonly string[]): Promise<number> {
  const limit = pLimit(SEED_CONCURRENCY);
  const start = performance.now();
  let done = 0;
  await Promise.all(
    keys.map((key) =>
      limit(async () => {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array(0), ContentLength: 0 }));
        done += 1;
        if (done % PROGRESS_EVERY === 0 || done === keys.length) {
          const s = (performance.now() - start) / 1000;
          process.stderr.write(`export bench: seeded ${done.toLocaleString("en-US")}/${keys.length.toLocaleString("en-US")} objects in ${s.toFixed(0)} s (${(done / s).toFixed(0)} PUT/s)\n`);
        }
      }),
    ),
  );
  return performance.now() - start;
}

/** Every object of the range, month prefix by month prefix, 1,000 per ListObjectsV2 page, nothing else done with them. */
async function listRange(s3: S3Client, bucket: string, prefixes: readonly string[]) {
  const start = performance.now();
  let objects = 0;
  let requests = 0;
  for (const prefix of prefixes) {
    let token: string | undefined;
    do {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000, ...(token ? { ContinuationToken: token } : {}) }));
      requests += 1;
      objects += out.KeyCount ?? out.Contents?.length ?? 0;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }
  return { objects, requests, ms: performance.now() - start };
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

type Run = (sample: () => void) => Promise<{ rows: number; bytes: number; sha256: string }>;

/**
 * Run once untouched for the time (heap sampled as it is, garbage included), then
 * once with a full collection before every sample (what is really held).
 */
async function measure(run: Run, lists: () => number) {
  const before = lists();
  const timedRun = await measureOnce(run, false);
  const listRequests = lists() - before;
  const retained = await measureOnce(run, true);
  if (retained.sha256 !== timedRun.sha256) throw new Error("two runs of one approach gave different bytes");
  return { ...timedRun, listRequests, retainedMiB: retained.peakMiB };
}

async function measureOnce(run: Run, collect: boolean) {
  gc();
  const baseline = process.memoryUsage().heapUsed;
  let peak = 0;
  const sample = () => {
    if (collect) gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
  };
  const timer = setInterval(() => {
    if (!collect) sample();
  }, 5);
  const start = performance.now();
  const result = await run(sample);
  const ms = performance.now() - start;
  clearInterval(timer);
  sample();
  return { ...result, ms, peakMiB: peak / 2 ** 20 };
}

export async function benchExport(): Promise<string> {
  return withMoto(async () => {
    const s3 = createS3Client({ region: REGION });
    const requests = countRequests(s3);
    const bucket = `bench-export-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const config = parseConfig({
      region: REGION,
      archive: { bucket },
      services: [
        {
          name: SERVICE,
          table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
          archiver: { functionName: "archiver" },
          onFailure: { type: "sqs", queueName: "dlq" },
        },
      ],
    });
    const service = findService(config, SERVICE)!;
    const range = { from: "2026-07-01", to: "2026-09-30", label: "2026-Q3" };
    const columns = EXPORT_COLUMNS.filter((c) => !c.startsWith("restored"));
    const actor = { id: "bench", email: "bench@example.com", name: "Bench", role: "compliance" as const };

    const keys = archiveKeys(config.archive.prefix);
    const seedMs = await seed(s3, bucket, keys);
    const listRequests = () => requests.total("ListObjectsV2Command");

    const prefixes = rangeMonths(range).map((m) => monthPrefix(config.archive.prefix, SERVICE, m));
    process.stderr.write("export bench: listing the range…\n");
    const listedBefore = await listRange(s3, bucket, prefixes);
    if (listedBefore.objects !== ROWS) throw new Error(`the range lists ${listedBefore.objects} objects, not ${ROWS}`);

    process.stderr.write("export bench: streamed export…\n");
    const streamed = await measure(async (sample) => {
      const started = await startDeletionExport(s3, config, { services: [service], range, format: "csv", columns, actor });
      const hash = createHash("sha256");
      let bytes = 0;
      let lines = 0;
      const reader = started.stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        hash.update(value);
        bytes += value.byteLength;
        for (const b of value) if (b === 10) lines += 1;
        sample();
      }
      return { rows: lines - 1, bytes, sha256: hash.digest("hex") };
    }, listRequests);

    process.stderr.write("export bench: whole file in memory…\n");
    const inMemory = await measure(async (sample) => {
      const scope = await countServiceDays(s3, config, [service], range);
      const all: string[][] = [columns.map((c) => COLUMN_HEADERS[c])];
      for await (const page of reportRecordPages(s3, config, scope)) {
        for (const r of page.records) all.push(recordCells(r, columns, config.archive.bucket, null));
        sample();
      }
      const text = stringify(all, { record_delimiter: "\r\n", quoted_match: /[\r\n]/ });
      sample();

      const bytes = Buffer.from(text, "utf8");
      sample();
      return { rows: all.length - 1, bytes: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex") };
    }, listRequests);

    process.stderr.write("export bench: listing the range again…\n");
    const listedAfter = await listRange(s3, bucket, prefixes);
    if (listedAfter.objects !== ROWS) throw new Error(`the range lists ${listedAfter.objects} objects, not ${ROWS}`);

    if (streamed.sha256 !== inMemory.sha256) throw new Error("the streamed and in-memory exports differ");
    if (streamed.rows !== ROWS || inMemory.rows !== ROWS) throw new Error(`exported ${streamed.rows} / ${inMemory.rows} rows, not ${ROWS}`);

    // The listing ceiling: the faster of the two bare listings (one before, one after the exports).
    const ceiling = listedBefore.ms <= listedAfter.ms ? listedBefore : listedAfter;
    const perSecond = (n: number, ms: number) => n / (ms / 1000);
    const ceilingRate = perSecond(ceiling.objects, ceiling.ms);
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    const row = (label: string, r: typeof streamed) => ({
      approach: label,
      rows: r.rows.toLocaleString("en-US"),
      "file MB": (r.bytes / 1e6).toFixed(1),
      "LIST requests": r.listRequests,
      seconds: (r.ms / 1000).toFixed(2),
      "rows/s": fmt(perSecond(r.rows, r.ms)),
      "share of listing ceiling": `${((perSecond(r.rows, r.ms) / ceilingRate) * 100).toFixed(0)} %`,
      "peak heap growth MiB (incl. garbage)": r.peakMiB.toFixed(1),
      "peak retained MiB (after GC)": r.retainedMiB.toFixed(1),
    });
    return [
      `### Export of ${ROWS.toLocaleString("en-US")} records (CSV, ${columns.length} columns, ${DAYS} days, moto_server)`,
      "",
      table([
        {
          approach: "ListObjectsV2 of the range only (ceiling)",
          rows: ceiling.objects.toLocaleString("en-US"),
          "file MB": "–",
          "LIST requests": ceiling.requests,
          seconds: (ceiling.ms / 1000).toFixed(2),
          "rows/s": fmt(ceilingRate),
          "share of listing ceiling": "100 %",
          "peak heap growth MiB (incl. garbage)": "–",
          "peak retained MiB (after GC)": "–",
        },
        row("streamed (route)", streamed),
        row("whole file in memory", inMemory),
      ]),
      "",
      `Listing ceiling: the faster of two bare listings of the range's ${prefixes.length} month prefixes, 1,000 keys per page ` +
        `(${(listedBefore.ms / 1000).toFixed(2)} s before the exports, ${(listedAfter.ms / 1000).toFixed(2)} s after). ` +
        `Both exports list the range twice (the month listings that count the days, then the day pages), hence their LIST requests. ` +
        `Seeding ${ROWS.toLocaleString("en-US")} empty archive objects (${SEED_CONCURRENCY} PUTs in flight) took ${(seedMs / 1000).toFixed(0)} s, outside both measurements. ` +
        `Same bytes both ways (SHA-256 ${streamed.sha256.slice(0, 16)}…). ${machine()}.`,
    ].join("\n");
  });
}

if (process.argv[1]?.endsWith("export.ts")) console.log(await benchExport());
