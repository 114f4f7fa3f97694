import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import pLimit from "p-limit";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { KeyValue } from "./attribute-value";
import {
  ARCHIVE_CONTENT_TYPE,
  ARCHIVE_SCHEMA_VERSION,
  buildArchiveObject,
  serializeArchiveObject,
  type IndexEntryBody,
} from "./archive-object";
import { archiveObjectKey, indexEntryKey, type ArchiveKeyParts } from "./layout";
import { parseStreamRecord } from "./stream-record";
import { ErasedKeyCache } from "../erasure/erasure-cache";
import { erasedOn } from "../erasure/ledger-format";

/**
 * The archiver: turns each REMOVE stream record into one archive object and one
 * by-key index entry. Both writes are conditional (If-None-Match: *), so a
 * redelivered record writes nothing and the first delivery's bytes stay.
 */
export interface ArchiverTarget {
  bucket: string;
  prefix: string;
  service: string;
  table: string;
  partitionKey: string;
  sortKey?: string;
}

/** The target for a configured service: what infra passes through the function's environment. */
export function archiverTargetFor(config: LazarusConfig, service: ServiceConfig): ArchiverTarget {
  return {
    bucket: config.archive.bucket,
    prefix: config.archive.prefix,
    service: service.name,
    table: service.table.name,
    partitionKey: service.table.partitionKey.name,
    ...(service.table.sortKey ? { sortKey: service.table.sortKey.name } : {}),
  };
}

export type ArchiveOutcome =
  | { status: "archived" | "already-archived"; archiveKey: string; indexKey: string }
  | { status: "ignored"; reason: string };

/** The key was erased after this deletion: nothing is written, and the record is settled, not failed. */
export type ErasedOutcome = { status: "erased"; erasedOn: string };

export class ArchiverError extends Error {
  override name = "ArchiverError";
}

/**
 * Records archived at once within one invocation. The SDK's HTTP agent queues
 * beyond 50 sockets anyway; bounding here keeps a 10,000-record batch from
 * holding 20,000 pending requests and their bodies in memory.
 */
export const DEFAULT_CONCURRENCY = 32;

export async function archiveStreamRecord(s3: S3Client, target: ArchiverTarget, record: unknown, now?: Date): Promise<ArchiveOutcome>;
export async function archiveStreamRecord(s3: S3Client, target: ArchiverTarget, record: unknown, now: Date, options: { erasures: ErasedKeyCache }): Promise<ArchiveOutcome | ErasedOutcome>;
export async function archiveStreamRecord(
  s3: S3Client,
  target: ArchiverTarget,
  record: unknown,
  now: Date = new Date(),
  options: { erasures?: ErasedKeyCache } = {},
): Promise<ArchiveOutcome | ErasedOutcome> {
  const parsed = parseStreamRecord(record);
  if (parsed.eventName !== "REMOVE") return { status: "ignored", reason: `${parsed.eventName} records are not archived` };
  if (options.erasures) {
    // A redelivery, or a first delivery that lagged behind an erasure: If-None-Match cannot stop it, the object is gone.
    const erasure = await options.erasures.erasureCovering(keyAttribute(parsed.keys, target.partitionKey, "partition key (PARTITION_KEY)"), parsed.createdAt, now);
    if (erasure) return { status: "erased", erasedOn: erasedOn(erasure) };
  }

  const archive = buildArchiveObject(parsed, { service: target.service, table: target.table, archivedAt: now });
  const sortKey = target.sortKey === undefined ? undefined : keyAttribute(parsed.keys, target.sortKey, "sort key (SORT_KEY)");
  const parts: ArchiveKeyParts = {
    prefix: target.prefix,
    service: target.service,
    deletedAt: parsed.createdAt,
    deletionType: archive.deletionType,
    partitionKey: keyAttribute(parsed.keys, target.partitionKey, "partition key (PARTITION_KEY)"),
    ...(sortKey ? { sortKey } : {}),
    eventId: parsed.eventId,
  };
  const archiveKey = archiveObjectKey(parts);
  const indexKey = indexEntryKey(parts);
  const indexEntry: IndexEntryBody = {
    schemaVersion: ARCHIVE_SCHEMA_VERSION,
    archiveKey,
    bundle: null,
    keys: parsed.keys,
    deletedAt: archive.deletedAt,
    deletionType: archive.deletionType,
  };

  // The object goes first: an index entry must never point at nothing. A delivery
  // that stopped between the two writes is completed by the next one.
  const isNew = await putIfAbsent(s3, target.bucket, archiveKey, serializeArchiveObject(archive), "archive object");
  await putIfAbsent(s3, target.bucket, indexKey, JSON.stringify(indexEntry), "index entry");
  return { status: isNew ? "archived" : "already-archived", archiveKey, indexKey };
}

function keyAttribute(keys: Record<string, KeyValue>, name: string, role: string): KeyValue {
  const value = keys[name];
  if (value) return value;
  // Attribute names only: the values are customer data.
  throw new ArchiverError(
    `the record's Keys have no "${name}" attribute, the table's configured ${role}; they name ${Object.keys(keys)
      .map((k) => `"${k}"`)
      .join(", ")}`,
  );
}

/** Writes the object unless one exists under that key; false when it already did. */
async function putIfAbsent(s3: S3Client, bucket: string, key: string, body: string, what: string): Promise<boolean> {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: ARCHIVE_CONTENT_TYPE, IfNoneMatch: "*" }),
    );
    return true;
  } catch (error) {
    const status = httpStatusOf(error);
    if (status === 412) return false;
    const name = error instanceof Error ? error.name : "Error";
    const message = error instanceof Error ? error.message : String(error);
    if (status === 409) {
      // Another writer holds a conditional write on the same key; S3 asks for a retry.
      throw new ArchiverError(`writing the ${what} conflicted with a concurrent write (409 ${name}); the record will be retried`, {
        cause: error,
      });
    }
    throw new ArchiverError(`writing the ${what} to bucket "${bucket}" failed (${status ?? "no response"} ${name}: ${message})`, {
      cause: error,
    });
  }
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("$metadata" in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return metadata?.httpStatusCode;
}

export interface ArchiverDeps {
  s3: S3Client;
  target: ArchiverTarget;
  now?: () => Date;
  concurrency?: number;
  /** The erased keys this handler refuses; by default its own cache of the service's ledger, kept across invocations. */
  erasures?: ErasedKeyCache;
}

/**
 * A Lambda handler for the table's stream. Records are archived concurrently and
 * failures are reported per record: Lambda then retries from the lowest failed
 * sequence number, so records after it come again and meet their own objects (412).
 * When every record fails, Powertools throws, which Lambda counts as a function
 * error (alarms, bisect on error).
 */
export function createArchiverHandler(deps: ArchiverDeps): (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse> {
  const now = deps.now ?? (() => new Date());
  const erasures = deps.erasures ?? new ErasedKeyCache(deps.s3, deps.target);
  return async (event, context) => {
    const limit = pLimit(deps.concurrency ?? DEFAULT_CONCURRENCY);
    const counts = { archived: 0, "already-archived": 0, ignored: 0, erased: 0 };
    const archiveRecord = async (record: DynamoDBRecord) => {
      const outcome = await limit(() => archiveStreamRecord(deps.s3, deps.target, record, now(), { erasures }));
      counts[outcome.status] += 1;
      return outcome;
    };
    // One processor per invocation: outside Lambda its state lives on the instance,
    // and the local stack may run several invocations in one process.
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    try {
      return await processPartialResponse(event, archiveRecord, processor, {
        ...(context ? { context } : {}),
        processInParallel: true,
      });
    } finally {
      logSummary(deps.target.service, event, counts, processor.failureMessages as DynamoDBRecord[], processor.errors);
    }
  };
}

/** CloudWatch metrics of each batch, in the embedded metric format (namespace Lazarus/Archiver, dimension Service). */
export const ARCHIVER_METRICS_NAMESPACE = "Lazarus/Archiver";

function logSummary(service: string, event: DynamoDBStreamEvent, counts: Record<(ArchiveOutcome | ErasedOutcome)["status"], number>, failed: DynamoDBRecord[], errors: Error[]) {
  // Counts, sequence numbers and error messages only: never images, never key values.
  const line = {
    message: "archiver batch processed",
    records: event.Records?.length ?? 0,
    ...counts,
    failed: failed.length,
    failures: failed.map((record, i) => ({ sequenceNumber: record.dynamodb?.SequenceNumber, error: errors[i]?.message })),
  };
  (failed.length > 0 ? console.error : console.info)(JSON.stringify(line));
  // Written to stdout itself: Lambda's JSON log format wraps console output, and CloudWatch reads EMF only from a bare JSON line.
  const metrics = { Archived: counts.archived, AlreadyArchived: counts["already-archived"], Erased: counts.erased, Failed: failed.length };
  process.stdout.write(
    `${JSON.stringify({
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: ARCHIVER_METRICS_NAMESPACE, Dimensions: [["Service"]], Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: "Count" })) }] },
      Service: service,
      ...metrics,
    })}\n`,
  );
}
