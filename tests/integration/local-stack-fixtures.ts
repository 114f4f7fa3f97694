import { GetObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command, S3ServiceException, type S3Client } from "@aws-sdk/client-s3";
import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { parseArchiveObject, type ArchivedDeletion } from "../../lib/archive/archive-object";
import { createS3Client } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { uniqueName } from "../support/aws";

/** Shared by the local-stack integration tests: a config with names no other test file uses. */
export function localStackConfig(options: {
  onFailure?: "sqs" | "s3";
  batchSize?: number;
  maximumRetryAttempts?: number;
  bisectBatchOnFunctionError?: boolean;
  objectLock?: boolean;
}): LazarusConfig {
  return parseConfig({
    region: "us-east-1",
    archive: {
      bucket: uniqueName("lz-archive"),
      prefix: "",
      ...(options.objectLock ? { objectLock: { enabled: true, mode: "GOVERNANCE", retentionDays: 1 } } : {}),
    },
    services: [
      {
        name: uniqueName("svc"),
        table: {
          name: uniqueName("tbl"),
          partitionKey: { name: "PK", type: "S" },
          sortKey: { name: "SK", type: "S" },
          ttlAttribute: "expiresAt",
        },
        archiver: {
          functionName: uniqueName("archiver"),
          batchSize: options.batchSize ?? 10,
          maximumRetryAttempts: options.maximumRetryAttempts ?? 3,
          maximumRecordAgeSeconds: 3_600,
          bisectBatchOnFunctionError: options.bisectBatchOnFunctionError ?? true,
        },
        onFailure:
          options.onFailure === "s3" ? { type: "s3", bucket: uniqueName("lz-failed") } : { type: "sqs", queueName: uniqueName("lz-dlq") },
      },
    ],
  });
}

/** Fast polling so tests settle in a second or two. */
export const FAST_RUNNER = { pollIntervalMs: 50, idlePollIntervalMs: 100, retryDelayMs: 20 };

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

export async function countVersions(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let count = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
      }),
    );
    count += (page.Versions ?? []).length;
    if (!page.IsTruncated) return count;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}

export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString("utf8")) ?? "";
}

/** The archive of one service as a person would read it: archive objects and index entries. */
export async function readArchive(s3: S3Client, config: LazarusConfig): Promise<{ deletions: ArchivedDeletion[]; indexKeys: string[] }> {
  const service = config.services[0]?.name as string;
  const servicePrefix = `${config.archive.prefix}${service}/`;
  const keys = await listKeys(s3, config.archive.bucket, servicePrefix);
  const indexKeys = keys.filter((k) => k.startsWith(`${servicePrefix}_by-key/`));
  const archiveKeys = keys.filter((k) => !indexKeys.includes(k));
  const deletions = await Promise.all(
    archiveKeys.map(async (k) => parseArchiveObject(await readText(s3, config.archive.bucket, k), { service })),
  );
  return { deletions, indexKeys };
}

export function partitionKeyOf(deletion: ArchivedDeletion): string {
  const pk = deletion.keys.PK;
  if (!pk || !("S" in pk)) throw new Error("archived record has no string PK");
  return pk.S;
}

export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    const messages = received.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const m of messages) {
      bodies.push(m.Body ?? "");
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** The REMOVE records of a table's stream, read straight from DynamoDB Streams. */
export async function removeRecords(streams: DynamoDBStreamsClient, streamArn: string): Promise<Array<{ pk: string; sequenceNumber: string; shardId: string }>> {
  const description = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const out: Array<{ pk: string; sequenceNumber: string; shardId: string }> = [];
  for (const shard of description.StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))
    ).ShardIterator;
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1_000 }));
      for (const r of page.Records ?? []) {
        if (r.eventName === "REMOVE") {
          out.push({ pk: r.dynamodb?.Keys?.PK?.S ?? "", sequenceNumber: r.dynamodb?.SequenceNumber ?? "", shardId: shard.ShardId ?? "" });
        }
      }
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/**
 * An S3 client whose PutObject fails as S3 does under load (503 SlowDown), after the
 * SDK's own retries: the error is raised before the retry middleware sees the request.
 */
export function s3WithInjectedFailures(region: string, shouldFail: (key: string, attempt: number) => boolean) {
  const s3 = createS3Client({ region });
  const attempts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: unknown }).Key;
      if (context.commandName === "PutObjectCommand" && typeof key === "string") {
        const attempt = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, attempt);
        if (shouldFail(key, attempt)) {
          throw new S3ServiceException({
            name: "SlowDown",
            $fault: "server",
            $metadata: { httpStatusCode: 503 },
            message: "Please reduce your request rate.",
          });
        }
      }
      return next(args);
    },
    { step: "initialize", name: "injectSlowDown" },
  );
  return { s3, attempts };
}
