import { randomBytes } from "node:crypto";
import type { DynamoDBStreamEvent } from "aws-lambda";
import pLimit from "p-limit";
import { CreateBucketCommand, ListObjectVersionsCommand, PutBucketVersioningCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createS3Client } from "../lib/aws/clients";
import { createArchiverHandler, type ArchiverTarget } from "../lib/archive/archiver";
import { buildArchiveObject, serializeArchiveObject, ARCHIVE_CONTENT_TYPE } from "../lib/archive/archive-object";
import { archiveObjectKey } from "../lib/archive/layout";
import { parseStreamRecord } from "../lib/archive/stream-record";
import { countRequests, table, timed, withMoto } from "./harness";
import { removeEvent } from "./stream-fixtures";

const REGION = "us-east-1";
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000);
const CEILING_CONCURRENCY = 16;

async function countVersions(s3: S3Client, bucket: string): Promise<number> {
  let count = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionMarker, MaxKeys: 1_000 }));
    count += page.Versions?.length ?? 0;
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return count;
}

async function newBucket(s3: S3Client, name: string): Promise<string> {
  const bucket = `${name}-${randomBytes(3).toString("hex")}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  return bucket;
}

export async function benchArchiveBatch(): Promise<string> {
  return withMoto(async () => {
    const s3 = createS3Client({ region: REGION });
    const requests = countRequests(s3);
    const event: DynamoDBStreamEvent = removeEvent(RECORDS, { days: 1 });
    const bodies = event.Records.map((r) =>
      serializeArchiveObject(buildArchiveObject(parseStreamRecord(r), { service: "bench-svc", table: "bench", archivedAt: new Date() })),
    );

    // The endpoint's ceiling: PutObject of the same bodies, CEILING_CONCURRENCY at a time.
    const ceilingBucket = await newBucket(s3, "bench-ceiling");
    const limit = pLimit(CEILING_CONCURRENCY);
    const ceiling = await timed(() =>
      Promise.all(bodies.map((body, i) => limit(() => s3.send(new PutObjectCommand({ Bucket: ceilingBucket, Key: `ceiling/${i}.json`, Body: body, ContentType: ARCHIVE_CONTENT_TYPE }))))),
    );

    // Baseline: the seed's pattern, one PutObject at a time, no index.
    const baselineBucket = await newBucket(s3, "bench-baseline");
    const baseline = await timed(async () => {
      for (const r of event.Records) {
        const parsed = parseStreamRecord(r);
        const object = buildArchiveObject(parsed, { service: "bench-svc", table: "bench", archivedAt: new Date() });
        const key = archiveObjectKey({
          prefix: "",
          service: "bench-svc",
          deletedAt: parsed.createdAt,
          deletionType: object.deletionType,
          partitionKey: parsed.keys.PK!,
          ...(parsed.keys.SK ? { sortKey: parsed.keys.SK } : {}),
          eventId: parsed.eventId,
        });
        await s3.send(new PutObjectCommand({ Bucket: baselineBucket, Key: key, Body: serializeArchiveObject(object), ContentType: ARCHIVE_CONTENT_TYPE }));
      }
    });

    // Lazarus: the real handler (archive object + index entry, conditional writes).
    const bucket = await newBucket(s3, "bench-archiver");
    const target: ArchiverTarget = { bucket, prefix: "", service: "bench-svc", table: "bench", partitionKey: "PK", sortKey: "SK" };
    const handler = createArchiverHandler({ s3, target });
    requests.reset();
    const first = await timed(() => handler(event));
    const firstPuts = requests.total("PutObjectCommand");
    if (first.result.batchItemFailures.length) throw new Error(`first delivery failed ${first.result.batchItemFailures.length} records`);
    const versionsAfterFirst = await countVersions(s3, bucket);

    requests.reset();
    const redelivery = await timed(() => handler(event));
    const redeliveryPuts = requests.total("PutObjectCommand");
    const versionsAfterRedelivery = await countVersions(s3, bucket);

    const rate = (ms: number) => Math.round((RECORDS / ms) * 1000);
    return [
      `### Archiving a batch of ${RECORDS} REMOVE records`,
      "",
      table([
        { run: `PutObject ceiling (${CEILING_CONCURRENCY} concurrent, no logic)`, "records/s": rate(ceiling.ms), "ms": Math.round(ceiling.ms), "PUTs/record": 1, "objects written": RECORDS },
        { run: "baseline: sequential PutObject, no index", "records/s": rate(baseline.ms), "ms": Math.round(baseline.ms), "PUTs/record": 1, "objects written": RECORDS },
        { run: "archiver handler, first delivery", "records/s": rate(first.ms), "ms": Math.round(first.ms), "PUTs/record": (firstPuts / RECORDS).toFixed(2), "objects written": versionsAfterFirst },
        { run: "archiver handler, same batch redelivered", "records/s": rate(redelivery.ms), "ms": Math.round(redelivery.ms), "PUTs/record": (redeliveryPuts / RECORDS).toFixed(2), "objects written": versionsAfterRedelivery - versionsAfterFirst },
      ]),
      "",
      `Handler vs sequential baseline: ${(baseline.ms / first.ms).toFixed(2)}× (archive object and index entry per record); handler vs ceiling: ${(first.ms / ceiling.ms).toFixed(2)}× the time of ${RECORDS} bare PUTs. Redelivered PUTs are answered 412 and write nothing.`,
    ].join("\n");
  });
}
