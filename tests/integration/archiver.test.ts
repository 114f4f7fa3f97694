import { randomBytes } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3ServiceException,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { indexEntryBodySchema, parseArchiveObject } from "../../lib/archive/archive-object";
import { createArchiverHandler, type ArchiverTarget } from "../../lib/archive/archiver";
import type { AttributeMap, KeyValue } from "../../lib/archive/attribute-value";
import { encodeKeyValue } from "../../lib/archive/key-codec";
import { archiveKeyForIndexEntry, dayPrefix, indexPartitionPrefix, INDEX_SEGMENT } from "../../lib/archive/layout";
import { createS3Client } from "../../lib/aws/clients";
import { uniqueName, motoEnv } from "../support/aws";
import { removeRecord, streamEvent, toStreamsApiShape } from "../support/stream-events";

let region: string;

beforeAll(() => {
  ({ region } = motoEnv());
  // The handler's summary lines are not what these tests read.
  vi.spyOn(console, "info").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation(() => undefined);
});

async function newArchive(s3: S3Client): Promise<ArchiverTarget> {
  const bucket = uniqueName("archiver");
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  return { bucket, prefix: "archive/", service: "usr-contact-svc", table: "usr-contact", partitionKey: "PK", sortKey: "SK" };
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ""));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Every version of every object (and delete marker): what a rewrite would add to. */
async function listVersions(s3: S3Client, bucket: string): Promise<Array<{ key: string; versionId: string }>> {
  const versions: Array<{ key: string; versionId: string }> = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) versions.push({ key: v.Key ?? "", versionId: v.VersionId ?? "" });
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return versions;
}

async function getText(s3: S3Client, bucket: string, key: string) {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: (await object.Body?.transformToString("utf-8")) ?? "", contentType: object.ContentType };
}

/** Archive objects and index entries as the bucket holds them. */
async function readArchive(s3: S3Client, target: ArchiverTarget) {
  const base = `${target.prefix}${target.service}/`;
  const all = await listKeys(s3, target.bucket, base);
  const indexKeys = all.filter((k) => k.startsWith(`${base}${INDEX_SEGMENT}/`));
  const archiveKeys = all.filter((k) => !indexKeys.includes(k));
  const archives = await Promise.all(
    archiveKeys.map(async (key) => {
      const { body, contentType } = await getText(s3, target.bucket, key);
      return { key, body, contentType, archived: parseArchiveObject(body, { service: target.service }) };
    }),
  );
  const index = await Promise.all(
    indexKeys.map(async (key) => ({ key, entry: indexEntryBodySchema.parse(JSON.parse((await getText(s3, target.bucket, key)).body)) })),
  );
  return { archives, index };
}

const day = new Date("2024-02-29T09:00:00Z");
const keysOf = (pk: KeyValue, sk: KeyValue) => ({ PK: pk, SK: sk });
const binary = (size: number) => ({ B: randomBytes(size).toString("base64") });

/** Close to DynamoDB's 400 KB item limit, with multi-byte text, a 38-digit number and binary. */
function largeItem(keys: Record<string, KeyValue>): AttributeMap {
  return {
    ...keys,
    notes: { S: `${"ß".repeat(100_000)}${"x".repeat(190_000)}` },
    amount: { N: "12345678901234567890123456789012345678" },
    photo: binary(5_000),
    history: { L: [{ M: { at: { N: "1709197200" }, by: { S: "ops" } } }, { NULL: true }] },
    flags: { SS: ["a", "b"] },
  };
}

describe("archiver against S3", () => {
  it("archives exotic keys and a ~399 KB item so that they read back exactly", async () => {
    const s3 = createS3Client({ region });
    const target = await newArchive(s3);
    const handler = createArchiverHandler({ s3, target });
    const withKeys = (pk: KeyValue, sk: KeyValue, extra: Partial<Parameters<typeof removeRecord>[0]> = {}) => {
      const keys = keysOf(pk, sk);
      return removeRecord({ keys, oldImage: { ...keys, note: { S: "kept" } }, at: day, ...extra });
    };
    const records: DynamoDBRecord[] = [
      withKeys({ S: "a/b/../c" }, { S: "#%/" }),
      withKeys({ S: ".." }, { S: "." }),
      withKeys({ S: "ünïcødé 🚀/日本" }, { S: "%41%2F~_" }, { ttl: true }),
      withKeys({ S: "x".repeat(2048) }, { S: "é".repeat(512) }),
      withKeys(binary(64), { N: "-99999999999999999999999999999999999999" }),
      withKeys({ N: "99999999999999999999999999999999999999" }, binary(1024), { ttl: true }),
      removeRecord({ keys: keysOf({ S: "BIG" }, { S: "1" }), oldImage: largeItem(keysOf({ S: "BIG" }, { S: "1" })), at: day }),
    ];
    const viaStreamsApi = withKeys({ S: "streams/api" }, { S: "shape" }, { ttl: true, oldImage: largeItem(keysOf({ S: "streams/api" }, { S: "shape" })) });

    const response = await handler(streamEvent(...records, toStreamsApiShape(viaStreamsApi)));

    expect(response).toEqual({ batchItemFailures: [] });
    const { archives, index } = await readArchive(s3, target);
    const expected = [...records, viaStreamsApi];
    expect(archives).toHaveLength(expected.length);
    expect(index).toHaveLength(expected.length);
    for (const record of expected) {
      const found = archives.filter((a) => a.archived.eventId === record.eventID);
      expect(found).toHaveLength(1);
      const { key, body, contentType, archived } = found[0] ?? expect.unreachable();
      expect(contentType).toBe("application/json");
      expect(archived.keys).toEqual(record.dynamodb?.Keys);
      expect(archived.oldImage).toEqual(record.dynamodb?.OldImage);
      expect(archived.deletionType).toBe(record.userIdentity ? "ttl" : "manual");
      expect(archived.deletedAt).toEqual(day);
      if (record !== viaStreamsApi) expect(JSON.parse(body).record).toEqual(record);
      expect(key.startsWith(dayPrefix(target.prefix, target.service, { year: 2024, month: 2, day: 29 }))).toBe(true);

      const entries = index.filter((i) => i.entry.archiveKey === key);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.entry.keys).toEqual(record.dynamodb?.Keys);
      expect(archiveKeyForIndexEntry(target.prefix, target.service, entries[0]?.key ?? "")).toBe(key);
    }
    const big = archives.find((a) => a.archived.eventId === records[6]?.eventID);
    expect(Buffer.byteLength(big?.body ?? "")).toBeGreaterThan(390_000);
  });

  it("writes nothing when the same batch is delivered again", async () => {
    const s3 = createS3Client({ region });
    const target = await newArchive(s3);
    const records = ["A", "B", "C"].map((pk, i) => removeRecord({ keys: keysOf({ S: pk }, { S: "1" }), at: day, ttl: i === 1 }));
    const first = createArchiverHandler({ s3, target, now: () => new Date("2024-02-29T09:00:05Z") });
    const redelivery = createArchiverHandler({ s3, target, now: () => new Date("2024-02-29T10:00:00Z") });

    await first(streamEvent(...records));
    const before = await listVersions(s3, target.bucket);
    const response = await redelivery(streamEvent(...records));
    const after = await listVersions(s3, target.bucket);

    expect(response).toEqual({ batchItemFailures: [] });
    expect(before).toHaveLength(records.length * 2);
    expect(after).toEqual(before);
    const { archives } = await readArchive(s3, target);
    expect(archives.map((a) => a.archived.archivedAt)).toEqual(records.map(() => new Date("2024-02-29T09:00:05Z")));
  });

  it("keeps two deletions of the same key on the same day apart, even in the same second", async () => {
    const s3 = createS3Client({ region });
    const target = await newArchive(s3);
    const keys = keysOf({ S: "USER#7" }, { S: "PROFILE" });
    const morning = removeRecord({ keys, oldImage: { ...keys, v: { N: "1" } }, at: day });
    const recreatedAndDeletedAgain = removeRecord({ keys, oldImage: { ...keys, v: { N: "2" } }, at: day });

    await createArchiverHandler({ s3, target })(streamEvent(morning, recreatedAndDeletedAgain));

    const { archives, index } = await readArchive(s3, target);
    expect(archives.map((a) => a.archived.oldImage.v).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { N: "1" },
      { N: "2" },
    ]);
    const byKey = await listKeys(s3, target.bucket, indexPartitionPrefix(target.prefix, target.service, encodeKeyValue({ S: "USER#7" })));
    expect(byKey).toHaveLength(2);
    expect(index.map((i) => i.entry.archiveKey).sort()).toEqual(archives.map((a) => a.key).sort());
  });
});

type KeyFilter = (key: string, attempt: number) => boolean;

/**
 * Makes S3 answer 503 SlowDown to PUTs that `fails` picks, inside the SDK's retry
 * loop (the deserialize step), as a throttled S3 would. moto never throttles.
 */
function injectSlowDown(s3: S3Client, fails: KeyFilter): { attempts: Map<string, number> } {
  const attempts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: string }).Key;
      if (context.commandName === "PutObjectCommand" && key !== undefined) {
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        if (fails(key, attempt)) {
          throw new S3ServiceException({ name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 }, message: "Please reduce your request rate." });
        }
      }
      return next(args);
    },
    { step: "deserialize", name: "injectSlowDown" },
  );
  return { attempts };
}

describe("archiver when S3 fails", () => {
  it("rides out a brief throttle through the SDK's retries, writing once", async () => {
    const s3 = createS3Client({ region });
    const target = await newArchive(s3);
    const isThrottledArchive = (key: string) => key.includes("_THROTTLED_") && !key.includes(`/${INDEX_SEGMENT}/`);
    const { attempts } = injectSlowDown(s3, (key, attempt) => isThrottledArchive(key) && attempt <= 2);
    const records = ["THROTTLED", "CALM"].map((pk) => removeRecord({ keys: keysOf({ S: pk }, { S: "1" }), at: day }));

    const response = await createArchiverHandler({ s3, target })(streamEvent(...records));

    expect(response).toEqual({ batchItemFailures: [] });
    expect([...attempts].filter(([key]) => key.includes("_THROTTLED_")).map(([key, n]) => [isThrottledArchive(key), n])).toEqual([
      [true, 3],
      [false, 1],
    ]);
    expect(await listVersions(s3, target.bucket)).toHaveLength(4);
  });

  it("reports records S3 keeps refusing, and a redelivery from the first of them archives each exactly once", async () => {
    const healthy = createS3Client({ region });
    const target = await newArchive(healthy);
    // Few attempts: this S3 never recovers within the invocation.
    const throttled = createS3Client({ region, maxAttempts: 2 });
    injectSlowDown(throttled, (key) => key.includes("_REFUSED_") || (key.includes(`/${INDEX_SEGMENT}/`) && key.includes("_NOINDEX_")));
    const records = ["A", "REFUSED", "B", "NOINDEX", "C"].map((pk) => removeRecord({ keys: keysOf({ S: pk }, { S: pk }), at: day }));
    const [, refused, , noIndex] = records as [DynamoDBRecord, DynamoDBRecord, DynamoDBRecord, DynamoDBRecord, DynamoDBRecord];

    const first = await createArchiverHandler({ s3: throttled, target })(streamEvent(...records));

    const failed = first.batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed.sort()).toEqual([refused.dynamodb?.SequenceNumber, noIndex.dynamodb?.SequenceNumber].sort());
    const afterFirst = await readArchive(healthy, target);
    expect(afterFirst.archives.map((a) => a.archived.eventId).sort()).toEqual(
      records.filter((r) => r !== refused).map((r) => r.eventID).sort(),
    );
    expect(afterFirst.index).toHaveLength(3);

    // Lambda resumes the shard at the lowest failed sequence number: everything after it comes again.
    const lowest = failed.map(BigInt).reduce((a, b) => (a < b ? a : b));
    const retried = records.filter((r) => BigInt(r.dynamodb?.SequenceNumber ?? "0") >= lowest);
    expect(retried).toHaveLength(4);
    const second = await createArchiverHandler({ s3: healthy, target })(streamEvent(...retried));

    expect(second).toEqual({ batchItemFailures: [] });
    const versions = await listVersions(healthy, target.bucket);
    expect(versions).toHaveLength(records.length * 2);
    expect(new Set(versions.map((v) => v.key)).size).toBe(records.length * 2);
    const { archives, index } = await readArchive(healthy, target);
    expect(archives.map((a) => a.archived.eventId).sort()).toEqual(records.map((r) => r.eventID).sort());
    expect(index.map((i) => i.entry.archiveKey).sort()).toEqual(archives.map((a) => a.key).sort());
  });
});
