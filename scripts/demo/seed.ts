import { CopyObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  type AttributeValue as SdkAttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, type DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DynamoDBRecord } from "aws-lambda";
import pLimit from "p-limit";
import { archiverTargetFor, archiveStreamRecord, type ArchiverTarget } from "../../lib/archive/archiver";
import { seedAttribution } from "./attribution";
import type { AttributeMap, AttributeValue } from "../../lib/archive/attribute-value";
import { TTL_PRINCIPAL } from "../../lib/archive/stream-record";
import type { LazarusConfig } from "../../lib/config/schema";
import { readDayManifest } from "../../lib/archive/sealed-store";
import { isMissingObject } from "../../lib/aws/aws-errors";
import type { SealRun } from "../local-stack/closed-day-sealer";
import { mappingUuid } from "../local-stack/provision";
import {
  DEFAULT_DEMO_SEED,
  planDemo,
  resolveDemoServices,
  type DemoScale,
  type DemoService,
  type DemoServiceNames,
  type LiveReason,
  type PlannedDeletion,
} from "./history";
import { failedBatches, type FailedBatch, type MappingIdentity } from "./poison";

/**
 * Puts the demo's history into a provisioned local stack:
 * - every planned deletion goes through the real archiver (archiveStreamRecord) as the
 *   Lambda-shaped REMOVE record the stream would have delivered on that day, so the
 *   archive objects and by-key index entries are exactly what the archiver writes.
 *   Its writes are conditional, and the records' event ids come from the seed: a
 *   second run finds every object in place and writes nothing;
 * - deletions more than a year old are moved to GLACIER, as a lifecycle rule would;
 * - live items (re-created identically or with changes, never deleted, expiring soon);
 * - failed batches in each service's on-failure destination, unless already there.
 */

export interface SeedClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  streams: DynamoDBStreamsClient;
}

export interface SeedDemoOptions {
  config: LazarusConfig;
  clients: SeedClients;
  /** Everything is relative to this moment's UTC day (default: now). */
  now?: Date;
  scale?: DemoScale;
  /** Which configured services play the contact, order and unit services. */
  services?: DemoServiceNames;
  seed?: string;
  /** Archive writes in flight at once. */
  concurrency?: number;
  log?: (message: string) => void;
  /**
   * Seals closed days once the history is archived and before the oldest records are
   * tiered, so those reach GLACIER in their bundles, as lifecycle rules tier a sealed archive.
   */
  seal?: () => Promise<SealRun>;
}

export interface SeedReport {
  scale: DemoScale;
  day: string;
  durationMs: number;
  archive: {
    deletions: number;
    written: number;
    alreadyArchived: number;
    ttl: number;
    manual: number;
    glacier: number;
    movedToGlacier: number;
    oldest: string;
    newest: string;
  };
  /** What the seal option did (null without it): closed days sealed by this run, records moved into bundles. */
  sealed: { days: number; records: number; failures: number } | null;
  live: Record<LiveReason, number>;
  onFailure: { written: number; alreadyThere: number };
  /** The archive object of every deletion, in plan order (tests read them back). */
  archiveKeys: string[];
}

export const DEFAULT_SEED_CONCURRENCY = 16;
const BATCH_WRITE_SIZE = 25;
const RETRY_LIMIT = 8;

export async function seedDemo(options: SeedDemoOptions): Promise<SeedReport> {
  const started = performance.now();
  const { config, clients } = options;
  const log = options.log ?? (() => {});
  const scale = options.scale ?? "full";
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const services = resolveDemoServices(config, options.services);
  const plan = planDemo({ services, now: options.now ?? new Date(), scale, seed });

  const mappings = new Map<string, MappingIdentity>();
  for (const service of services) mappings.set(service.config.name, await mappingIdentity(config, service, clients));

  const archived = await archiveDeletions(config, clients.s3, plan.deletions, mappings, options.concurrency ?? DEFAULT_SEED_CONCURRENCY);
  log(`archive: ${archived.written} objects written, ${archived.alreadyArchived} already there (${plan.deletions.length} deletions)`);

  const attributed = await seedAttribution(config, clients.s3, plan.deletions, plan.day, options.concurrency ?? DEFAULT_SEED_CONCURRENCY);
  log(`attribution: ${attributed.calls} simulated CloudTrail calls, ${attributed.written} attribution records written`);

  const sealed = options.seal ? await options.seal() : undefined;
  if (sealed) log(`archive: ${sealed.sealed.length} closed days sealed, ${sealed.failures.length} could not be`);

  const glacierKeys = plan.deletions.flatMap((d, i) => (d.storageClass === "GLACIER" ? [archived.keys[i] as string] : []));
  const glacierDays = plan.deletions.filter((d) => d.storageClass === "GLACIER");
  const movedToGlacier = await moveToGlacier(clients.s3, config.archive.bucket, [...glacierKeys, ...(await bundlesOfDays(clients.s3, config, glacierDays))]);
  log(`archive: ${glacierKeys.length} records from over a year ago in GLACIER (${movedToGlacier} objects or bundles moved now)`);

  await writeLiveItems(clients.dynamodb, plan.live.map((l) => ({ table: l.service.table.name, item: l.item })));
  const live: Record<LiveReason, number> = { identical: 0, changed: 0, current: 0, expiring: 0 };
  for (const l of plan.live) live[l.reason] += 1;
  log(`tables: ${plan.live.length} live items (${live.identical} re-created identically, ${live.changed} re-created with changes, ${live.expiring} expiring within minutes)`);

  const onFailure = { written: 0, alreadyThere: 0 };
  for (const service of services) {
    const batches = failedBatches(service, mappings.get(service.config.name) as MappingIdentity, plan.day, seed);
    const result = await deliverFailedBatches(clients, service, batches);
    onFailure.written += result.written;
    onFailure.alreadyThere += result.alreadyThere;
  }
  log(`on-failure destinations: ${onFailure.written} failed batches added, ${onFailure.alreadyThere} already there`);

  const times = plan.deletions.map((d) => d.deletedAt.getTime());
  return {
    scale,
    day: plan.day.toISOString().slice(0, 10),
    durationMs: Math.round(performance.now() - started),
    archive: {
      deletions: plan.deletions.length,
      written: archived.written,
      alreadyArchived: archived.alreadyArchived,
      ttl: plan.deletions.filter((d) => d.deletionType === "ttl").length,
      manual: plan.deletions.filter((d) => d.deletionType === "manual").length,
      glacier: glacierKeys.length,
      movedToGlacier,
      oldest: new Date(Math.min(...times)).toISOString(),
      newest: new Date(Math.max(...times)).toISOString(),
    },
    sealed: sealed
      ? { days: sealed.sealed.length, records: sealed.sealed.reduce((sum, d) => sum + d.newlySealed, 0), failures: sealed.failures.length }
      : null,
    live,
    onFailure,
    archiveKeys: archived.keys,
  };
}

/** The table's stream, shard and mapping as the local stack's runner knows them. */
async function mappingIdentity(config: LazarusConfig, service: DemoService, clients: SeedClients): Promise<MappingIdentity> {
  const table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: service.config.table.name }))).Table;
  const streamArn = table?.LatestStreamArn;
  if (!table?.TableArn || !streamArn) {
    throw new Error(`table ${service.config.table.name} has no stream: provision the local stack before seeding it`);
  }
  const stream = await clients.streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const shardId = stream.StreamDescription?.Shards?.[0]?.ShardId ?? "shardId-00000000000000000000-00000000";
  const account = table.TableArn.split(":")[4] ?? "000000000000";
  const functionArn = `arn:aws:lambda:${config.region}:${account}:function:${service.config.archiver.functionName}`;
  return { region: config.region, functionArn, streamArn, shardId, mappingUuid: mappingUuid(functionArn, streamArn) };
}

/**
 * The stream a backdated record came from. Its label is fixed, not the local table's
 * (created minutes ago), so the archive's bytes do not depend on when the stack started.
 */
function historicStreamArn(mapping: MappingIdentity, table: string): string {
  const account = mapping.functionArn.split(":")[4];
  return `arn:aws:dynamodb:${mapping.region}:${account}:table/${table}/stream/2024-03-04T09:12:44.115`;
}

/** The REMOVE record as Lambda delivers it from the stream (epoch seconds, typed JSON). */
export function lambdaRemoveRecord(deletion: PlannedDeletion, region: string, streamArn: string): DynamoDBRecord {
  const images = { Keys: deletion.keys, OldImage: deletion.oldImage };
  return {
    eventID: deletion.eventId,
    eventName: "REMOVE",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(deletion.deletedAt.getTime() / 1_000),
      ...images,
      SequenceNumber: deletion.sequenceNumber,
      SizeBytes: Buffer.byteLength(JSON.stringify(images)),
      StreamViewType: "NEW_AND_OLD_IMAGES",
    },
    eventSourceARN: streamArn,
    ...(deletion.deletionType === "ttl" ? { userIdentity: { type: "Service", principalId: TTL_PRINCIPAL } } : {}),
  } as DynamoDBRecord;
}

async function archiveDeletions(
  config: LazarusConfig,
  s3: S3Client,
  deletions: PlannedDeletion[],
  mappings: Map<string, MappingIdentity>,
  concurrency: number,
): Promise<{ written: number; alreadyArchived: number; keys: string[] }> {
  const targets = new Map<string, ArchiverTarget>();
  const limit = pLimit(concurrency);
  let written = 0;
  let alreadyArchived = 0;
  const keys = await Promise.all(
    deletions.map((deletion) =>
      limit(async () => {
        const service = deletion.service;
        let target = targets.get(service.name);
        if (!target) targets.set(service.name, (target = archiverTargetFor(config, service)));
        const streamArn = historicStreamArn(mappings.get(service.name) as MappingIdentity, service.table.name);
        const outcome = await archiveStreamRecord(s3, target, lambdaRemoveRecord(deletion, config.region, streamArn), deletion.archivedAt);
        if (outcome.status === "ignored") throw new Error(`the archiver ignored a demo record: ${outcome.reason}`);
        if (outcome.status === "archived") written += 1;
        else alreadyArchived += 1;
        return outcome.archiveKey;
      }),
    ),
  );
  return { written, alreadyArchived, keys };
}

/** The bundle parts of the sealed days among these deletions' days: one GET of each day's manifest. */
async function bundlesOfDays(s3: S3Client, config: LazarusConfig, deletions: PlannedDeletion[]): Promise<string[]> {
  const days = new Map<string, { service: PlannedDeletion["service"]; day: { year: number; month: number; day: number } }>();
  for (const d of deletions) {
    const day = { year: d.deletedAt.getUTCFullYear(), month: d.deletedAt.getUTCMonth() + 1, day: d.deletedAt.getUTCDate() };
    days.set(`${d.service.name}/${day.year}-${day.month}-${day.day}`, { service: d.service, day });
  }
  const keys: string[] = [];
  for (const { service, day } of days.values()) keys.push(...((await readDayManifest(s3, config, service, day))?.parts.map((p) => p.key) ?? []));
  return keys;
}

/**
 * S3 copies an object onto itself to change its storage class; skipped when it already
 * is GLACIER, or gone (a record sealed into a bundle, which is moved instead).
 */
async function moveToGlacier(s3: S3Client, bucket: string, keys: string[]): Promise<number> {
  const limit = pLimit(8);
  const moved = await Promise.all(
    keys.map((key) =>
      limit(async () => {
        let head;
        try {
          head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        } catch (error) {
          if (isMissingObject(error)) return 0;
          throw error;
        }
        if (head.StorageClass === "GLACIER") return 0;
        await s3.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: key,
            CopySource: `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
            StorageClass: "GLACIER",
            MetadataDirective: "COPY",
          }),
        );
        return 1;
      }),
    ),
  );
  return moved.reduce<number>((sum, n) => sum + n, 0);
}

function toSdkValue(value: AttributeValue): SdkAttributeValue {
  if ("B" in value) return { B: Buffer.from(value.B, "base64") };
  if ("BS" in value) return { BS: value.BS.map((b) => Buffer.from(b, "base64")) };
  if ("M" in value) return { M: toSdkItem(value.M) };
  if ("L" in value) return { L: value.L.map(toSdkValue) };
  return value as SdkAttributeValue;
}

function toSdkItem(item: AttributeMap): Record<string, SdkAttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toSdkValue(value)]));
}

/** Plain puts: an item that is already there is overwritten with the same item. */
async function writeLiveItems(dynamodb: DynamoDBClient, items: { table: string; item: AttributeMap }[]): Promise<void> {
  const chunks: { table: string; item: AttributeMap }[][] = [];
  const byTable = new Map<string, AttributeMap[]>();
  for (const { table, item } of items) byTable.set(table, [...(byTable.get(table) ?? []), item]);
  for (const [table, tableItems] of byTable) {
    for (let i = 0; i < tableItems.length; i += BATCH_WRITE_SIZE) chunks.push(tableItems.slice(i, i + BATCH_WRITE_SIZE).map((item) => ({ table, item })));
  }
  const limit = pLimit(4);
  await Promise.all(
    chunks.map((chunk) =>
      limit(async () => {
        const table = (chunk[0] as { table: string }).table;
        let requests: WriteRequest[] = chunk.map(({ item }) => ({ PutRequest: { Item: toSdkItem(item) } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > RETRY_LIMIT) throw new Error(`DynamoDB kept ${requests.length} demo items of ${table} unprocessed`);
          if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
          const result = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
          requests = result.UnprocessedItems?.[table] ?? [];
        }
      }),
    ),
  );
}

async function deliverFailedBatches(
  clients: SeedClients,
  service: DemoService,
  batches: FailedBatch[],
): Promise<{ written: number; alreadyThere: number }> {
  const destination = service.config.onFailure;
  let written = 0;
  if (destination.type === "s3") {
    for (const batch of batches) {
      const body = JSON.stringify({ ...batch.invocationRecord, payload: JSON.stringify({ Records: batch.records }) });
      try {
        await clients.s3.send(
          new PutObjectCommand({ Bucket: destination.bucket, Key: batch.objectKey, Body: body, ContentType: "application/json", IfNoneMatch: "*" }),
        );
        written += 1;
      } catch (e) {
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 412) throw e;
      }
    }
    return { written, alreadyThere: batches.length - written };
  }
  const queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: destination.queueName }))).QueueUrl;
  if (!queueUrl) throw new Error(`queue ${destination.queueName} has no URL`);
  const present = await requestIdsInQueue(clients.sqs, queueUrl);
  for (const batch of batches) {
    if (present.has(batch.requestId)) continue;
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(batch.invocationRecord) }));
    written += 1;
  }
  return { written, alreadyThere: batches.length - written };
}

/**
 * The request ids of the invocation records waiting in a queue. SQS cannot be read
 * without receiving, so every message is received, hidden briefly, and made visible
 * again at once: the queue looks as before, apart from the receive counts.
 */
export async function requestIdsInQueue(sqs: SQSClient, queueUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  const handles: string[] = [];
  try {
    for (;;) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 }));
      const messages = received.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        if (message.ReceiptHandle) handles.push(message.ReceiptHandle);
        try {
          const id = (JSON.parse(message.Body ?? "") as { requestContext?: { requestId?: unknown } }).requestContext?.requestId;
          if (typeof id === "string") ids.add(id);
        } catch {
          // Not an invocation record: someone else's message, left as it is.
        }
      }
    }
  } finally {
    for (let i = 0; i < handles.length; i += 10) {
      const entries = handles.slice(i, i + 10).map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle, VisibilityTimeout: 0 }));
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    }
  }
  return ids;
}
