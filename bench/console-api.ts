import { randomBytes } from "node:crypto";
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { listDays, listMonths, listYears, type CalendarDay } from "../lib/archive/archive-reader";
import { createArchiverHandler } from "../lib/archive/archiver";
import { searchDeletions } from "../lib/archive/deletion-search";
import { encodeKeyValue } from "../lib/archive/key-codec";
import { dayPrefix } from "../lib/archive/layout";
import {
  createDynamoDBClient,
  createDynamoDBStreamsClient,
  createS3Client,
  createSqsClient,
} from "../lib/aws/clients";
import { loadConfigFile, parseConfig } from "../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../lib/config/schema";
import { dayRecordsPage } from "../lib/http/day-records";
import { WALKTHROUGH } from "../scripts/demo/fixtures";
import { seedDemo } from "../scripts/demo/seed";
import { freePort } from "../scripts/local-stack/moto-server";
import { startLocalStack } from "../scripts/local-stack/local-stack";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

const REGION = "us-east-1";
const SERVICE = "bench-svc";
const RUNS = 15;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function benchConfig(bucket: string): LazarusConfig {
  return parseConfig({
    region: REGION,
    archive: { bucket },
    services: [
      {
        name: SERVICE,
        table: { name: "bench-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "bench-archiver" },
        onFailure: { type: "sqs", queueName: "bench-dlq" },
      },
    ],
  });
}

/** `count` deletions of one UTC day, spread over its 24 hours. */
function dayOfDeletions(count: number, day: Date, seed: number): DynamoDBRecord[] {
  const start = day.getTime() / 1000;
  return removeEvent(count, { days: 1, seed }).Records.map((r, i) => ({
    ...r,
    dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: start + Math.floor((i * 86_399) / count) },
  }));
}

/**
 * The day listing behind GET /api/services/{service}/days/{date}/records: its first
 * page should cost the same for a busy day as for a quiet one (one LIST, no GETs).
 */
export async function benchDayListing(): Promise<string> {
  return withMoto(async () => {
    const s3 = createS3Client({ region: REGION });
    const bucket = `bench-days-${randomBytes(3).toString("hex")}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const config = benchConfig(bucket);
    const service = config.services[0] as ServiceConfig;
    const handler = createArchiverHandler({ s3, target: { bucket, prefix: "", service: SERVICE, table: "bench-contact", partitionKey: "PK", sortKey: "SK" } });
    const busy: CalendarDay = { year: 2026, month: 3, day: 10 };
    const quiet: CalendarDay = { year: 2026, month: 3, day: 11 };
    const records = [...dayOfDeletions(5_000, new Date(Date.UTC(2026, 2, 10)), 0), ...dayOfDeletions(100, new Date(Date.UTC(2026, 2, 11)), 10_000)];
    for (let i = 0; i < records.length; i += 1_000) {
      const response = await handler({ Records: records.slice(i, i + 1_000) });
      if (response.batchItemFailures.length) throw new Error(`seeding failed for ${response.batchItemFailures.length} records`);
    }

    const requests = countRequests(s3);
    const rows: Array<Record<string, string | number>> = [];
    const medians: number[] = [];
    for (const [label, day, expected] of [
      ["5,000 deletions", busy, 5_000],
      ["100 deletions", quiet, 100],
    ] as const) {
      const times: number[] = [];
      let lists = 0;
      let gets = 0;
      let size = 0;
      for (let run = 0; run < RUNS; run++) {
        requests.reset();
        const { result, ms } = await timed(() => dayRecordsPage(s3, config, service, day, { limit: 100 }));
        times.push(ms);
        lists = requests.total("ListObjectsV2Command");
        gets = requests.total("GetObjectCommand") + requests.total("HeadObjectCommand");
        size = result.entries.length;
      }
      const filtered = await timed(() => dayRecordsPage(s3, config, service, day, { limit: 100, type: "ttl" }));
      medians.push(median(times));
      rows.push({
        day: `${label} (${expected})`,
        "first page rows": size,
        "median ms": median(times).toFixed(1),
        LISTs: lists,
        "GETs/HEADs": gets,
        "TTL-filtered page ms": filtered.ms.toFixed(1),
      });
    }
    s3.destroy();
    const ratio = (medians[0] as number) / (medians[1] as number);
    return `### Day listing: first page (100 rows), busy day vs quiet day, ${RUNS} runs each\n\n${table(rows)}\n\nbusy / quiet time ratio: ${ratio.toFixed(2)}`;
  });
}

/** What a person without the index does: list every day of every service and match names. */
async function scanEveryDay(s3: S3Client, config: LazarusConfig, partitionKey: string): Promise<number> {
  const needle = `_${encodeKeyValue({ S: partitionKey })}_`;
  let found = 0;
  for (const service of config.services) {
    for (const year of await listYears(s3, config, service)) {
      for (const month of await listMonths(s3, config, service, year)) {
        const summary = await listDays(s3, config, service, month);
        for (const day of summary.days) {
          let token: string | undefined;
          do {
            const page = await s3.send(
              new ListObjectsV2Command({
                Bucket: config.archive.bucket,
                Prefix: dayPrefix(config.archive.prefix, service.name, day.day),
                ...(token ? { ContinuationToken: token } : {}),
              }),
            );
            found += (page.Contents ?? []).filter((o) => o.Key?.includes(needle)).length;
            token = page.NextContinuationToken;
          } while (token);
        }
      }
    }
  }
  return found;
}

/** Search by key on the demo's seeded archive (the search page and GET /api/search) vs scanning days. */
export async function benchSearch(): Promise<string> {
  const config = loadConfigFile("lazarus.config.json");
  const stack = await startLocalStack({ config, port: await freePort() });
  try {
    const options = { region: config.region, endpoint: stack.endpoint };
    const clients = {
      s3: createS3Client(options),
      dynamodb: createDynamoDBClient(options),
      sqs: createSqsClient(options),
      streams: createDynamoDBStreamsClient(options),
    };
    const report = await seedDemo({ config, clients, scale: "full" });
    const s3 = clients.s3;
    const requests = countRequests(s3);
    const key = WALKTHROUGH.deletedThreeTimes.partitionKey;

    const searchTimes: number[] = [];
    let searchRequests = 0;
    let searchFound = 0;
    for (let run = 0; run < RUNS; run++) {
      requests.reset();
      const { result, ms } = await timed(() => searchDeletions(s3, config, { q: key, match: "exact", service: "all" }));
      searchTimes.push(ms);
      searchRequests = requests.total();
      searchFound = result.deletions.length;
    }
    requests.reset();
    const scan = await timed(() => scanEveryDay(s3, config, key));
    const scanRequests = requests.total();
    if (scan.result !== searchFound) throw new Error(`the scan found ${scan.result} deletions of ${key}, the search ${searchFound}`);
    Object.values(clients).forEach((c) => c.destroy());

    const rows = [
      { method: "search through the by-key index (all services)", found: searchFound, "S3 requests": searchRequests, ms: median(searchTimes).toFixed(1) },
      { method: "list every day of every service", found: scan.result, "S3 requests": scanRequests, ms: scan.ms.toFixed(1) },
    ];
    return (
      `### Search by key on the seeded demo archive (${report.archive.deletions} deletions, ${report.archive.oldest.slice(0, 10)} to ${report.archive.newest.slice(0, 10)})\n\n` +
      `${table(rows)}\n\nscan / search: ${(scan.ms / median(searchTimes)).toFixed(0)}× the time, ${(scanRequests / searchRequests).toFixed(0)}× the requests`
    );
  } finally {
    await stack.stop();
  }
}
