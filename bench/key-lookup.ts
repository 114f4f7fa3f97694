import { randomBytes } from "node:crypto";
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../lib/aws/clients";
import { createArchiverHandler } from "../lib/archive/archiver";
import { findDeletionsByPartitionKey } from "../lib/archive/key-lookup";
import { encodeKeyValue } from "../lib/archive/key-codec";
import { dayPrefix } from "../lib/archive/layout";
import { parseConfig } from "../lib/config/load";
import type { LazarusConfig } from "../lib/config/schema";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

const REGION = "us-east-1";
const SERVICE = "bench-svc";
const DAYS = 365;
const BATCH = 1_000;
/** Customers get several deletions each over the year, as re-created profiles do. */
const CUSTOMERS_PER_RECORD = 4;

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

async function archiveOf(s3: S3Client, records: number): Promise<{ config: LazarusConfig; probe: string; expected: number }> {
  const bucket = `bench-lookup-${randomBytes(3).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const config = benchConfig(bucket);
  const customers = Math.max(1, Math.floor(records / CUSTOMERS_PER_RECORD));
  const pkOf = (i: number) => `CONTACT#${String(i % customers).padStart(7, "0")}`;
  const handler = createArchiverHandler({ s3, target: { bucket, prefix: "", service: SERVICE, table: "bench-contact", partitionKey: "PK", sortKey: "SK" } });
  const all = removeEvent(records, { days: DAYS, pkOf });
  for (let i = 0; i < records; i += BATCH) {
    const response = await handler({ Records: all.Records.slice(i, i + BATCH) });
    if (response.batchItemFailures.length) throw new Error(`seeding failed for ${response.batchItemFailures.length} records`);
  }
  const probe = pkOf(7);
  const expected = all.Records.filter((r) => r.dynamodb?.Keys?.PK?.S === probe).length;
  return { config, probe, expected };
}

/** What `aws s3 ls --recursive | grep` does: read every day's listing and match names. */
async function scanEveryDay(s3: S3Client, config: LazarusConfig, pk: string): Promise<number> {
  const encoded = `_${encodeKeyValue({ S: pk })}_`;
  let found = 0;
  const start = Date.UTC(2025, 0, 1);
  for (let d = 0; d < DAYS + 1; d++) {
    const date = new Date(start + d * 86_400_000);
    const prefix = dayPrefix(config.archive.prefix, SERVICE, { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: config.archive.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1_000 }));
      found += (page.Contents ?? []).filter((o) => o.Key?.includes(encoded)).length;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }
  return found;
}

export async function benchKeyLookup(): Promise<string> {
  return withMoto(async () => {
    const s3 = createS3Client({ region: REGION });
    const requests = countRequests(s3);
    const rows: Array<Record<string, string | number>> = [];
    let ratio = "";
    for (const size of [2_000, 20_000]) {
      const { config, probe, expected } = await archiveOf(s3, size);
      requests.reset();
      const service = config.services[0]!;
      const lookup = await timed(() => findDeletionsByPartitionKey(s3, config, service, { S: probe }));
      const lookupRequests = requests.total();
      const found = lookup.result.deletions.length;
      if (found !== expected) throw new Error(`index lookup found ${found}, expected ${expected}`);
      rows.push({ archive: `${size} deletions / ${DAYS} days`, method: "by-key index", found, requests: lookupRequests, ms: lookup.ms.toFixed(1) });
      requests.reset();
      const scan = await timed(() => scanEveryDay(s3, config, probe));
      const scanRequests = requests.total();
      if (scan.result !== expected) throw new Error(`day scan found ${scan.result}, expected ${expected}`);
      rows.push({ archive: `${size} deletions / ${DAYS} days`, method: "list every day and grep", found: scan.result, requests: scanRequests, ms: scan.ms.toFixed(1) });
      ratio = `At ${size} deletions the index lookup takes ${(scan.ms / lookup.ms).toFixed(0)}× less time and ${Math.round(scanRequests / lookupRequests)}× fewer requests than listing every day.`;
    }
    return [`### Looking up every deletion of one partition key`, "", table(rows), "", ratio].join("\n");
  });
}
