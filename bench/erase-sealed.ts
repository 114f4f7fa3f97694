import { CreateBucketCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { archiverTargetFor, archiveStreamRecord } from "../lib/archive/archiver";
import { sealDay } from "../lib/archive/sealer";
import { createS3Client } from "../lib/aws/clients";
import { findService, parseConfig } from "../lib/config/load";
import { eraseSubject } from "../lib/erasure/erase";
import { confirmationText } from "../lib/erasure/erasure-request";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

/**
 * What erasing one subject (2 deletions) costs when its day is open and when the day is
 * sealed, in a day of 200 and 1,000 deletions: requests by command, and time. The
 * archive is written by the real archiver (objects and index entries), then sealed with
 * the real sealer; neither is counted.
 */

const REGION = "us-east-1";
const SIZES = (process.env.ERASE_BENCH_SIZES ?? "200,1000").split(",").map(Number);
const SUBJECT = "CONTACT#subject-0000007";
const NOW = new Date("2025-01-31T12:00:00Z");
const DAY = { year: 2025, month: 1, day: 1 };
const officer = { id: "u-bench", email: "bench@example.com", name: "Bench", role: "compliance" } as const;

async function run(size: number, sealed: boolean) {
  const s3 = createS3Client({ region: REGION });
  const bucket = `erase-bench-${size}-${sealed ? "sealed" : "open"}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  const config = parseConfig({
    region: REGION,
    archive: { bucket },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
        archiver: { functionName: "archiver-contact" },
        onFailure: { type: "sqs", queueName: "contact-dlq" },
      },
    ],
  });
  const service = findService(config, "usr-contact-svc")!;
  const target = archiverTargetFor(config, service);
  const limit = pLimit(32);
  const events = removeEvent(size, { days: 1, pkOf: (i) => (i === 7 || i === size - 7 ? SUBJECT : `CONTACT#${String(i).padStart(7, "0")}`) });
  await Promise.all(events.Records.map((r) => limit(() => archiveStreamRecord(s3, target, r))));
  if (sealed) await sealDay(s3, config, service, DAY, { now: NOW });

  const counter = countRequests(s3);
  const { result, ms } = await timed(() =>
    eraseSubject(s3, config, { query: { match: "exact", key: SUBJECT }, mode: "erase", confirmation: confirmationText("erase", SUBJECT), actor: officer }, () => NOW),
  );
  if (result.outcome !== "succeeded") throw new Error(`erasure ${result.outcome}: ${result.message}`);
  const c = (name: string) => counter.total(name);
  return {
    "deletions in the day": size.toLocaleString("en-US"),
    day: sealed ? "sealed" : "open",
    requests: counter.total(),
    GET: c("GetObjectCommand"),
    HEAD: c("HeadObjectCommand"),
    PUT: c("PutObjectCommand"),
    "LIST (versions)": c("ListObjectVersionsCommand"),
    "LIST (objects)": c("ListObjectsV2Command"),
    DeleteObjects: c("DeleteObjectsCommand"),
    other: counter.total() - ["GetObjectCommand", "HeadObjectCommand", "PutObjectCommand", "ListObjectVersionsCommand", "ListObjectsV2Command", "DeleteObjectsCommand"].reduce((n, k) => n + c(k), 0),
    "time (ms)": Math.round(ms),
  };
}

export async function benchEraseSealed(): Promise<string> {
  return withMoto(async () => {
    const rows = [];
    for (const size of SIZES) for (const sealed of [false, true]) rows.push(await run(size, sealed));
    return `### Erasing one subject (2 deletions) from an open and a sealed day (\`bench/erase-sealed.ts\`)\n\n${table(rows)}`;
  });
}
