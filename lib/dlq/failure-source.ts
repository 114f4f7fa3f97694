import "server-only";
import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import pLimit from "p-limit";
import { z } from "zod";
import { listObjects } from "../archive/object-listing";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import {
  parseFailureBody,
  payloadRecords,
  tableOfStreamArn,
  toFailure,
  type FailureEntry,
  type InvocationRecord,
  type ServiceFailures,
} from "./failure-record";
import { DomainError } from "../errors/domain-error";
import { isMissingObject } from "../aws/aws-errors";

/**
 * Reads a service's on-failure destination without consuming it. SQS cannot be read
 * without receiving: each message is received with a short visibility timeout and
 * made visible again at once (ChangeMessageVisibility 0), so the queue looks as
 * before apart from its receive counts. An S3 destination is listed under the
 * prefix Lambda writes to, `aws/lambda/<mapping UUID>/<shard ID>/...`.
 */

export const FAILURE_OBJECT_PREFIX = "aws/lambda/";
export const DEFAULT_MAX_FAILURES = 500;
/** Long enough to finish a listing pass, short enough that a crash mid-peek hides nothing for long. */
export const DEFAULT_PEEK_VISIBILITY_SECONDS = 20;
/** Short polling may answer empty while messages exist (it samples servers); two empties in a row end the pass. */
const EMPTY_RECEIVES_TO_STOP = 2;
const MAX_FAILURE_OBJECT_BYTES = 16 * 1024 * 1024;
const S3_READ_CONCURRENCY = 4;

export const sqsMessageIdSchema = z.string().regex(/^[A-Za-z0-9-]{1,128}$/, "is not an SQS message id");
export const failureObjectKeySchema = z
  .string()
  .max(1024)
  .refine((k) => k.startsWith(FAILURE_OBJECT_PREFIX), `must be an on-failure object key (${FAILURE_OBJECT_PREFIX}...)`)
  .refine((k) => !k.split("/").some((s) => s === "." || s === ".."), 'must not contain "." or ".." segments');

export interface ListOptions {
  now?: Date;
  maxFailures?: number;
  peekVisibilitySeconds?: number;
}

export interface SourceClients {
  s3: S3Client;
  sqs: SQSClient;
}

/** A failure with what replaying it needs: the invocation record, and for S3 the records themselves. */
export type LocatedFailure =
  | { source: "sqs"; id: string; queueUrl: string; record: InvocationRecord }
  | { source: "s3"; id: string; bucket: string; record: InvocationRecord; records: unknown[] };

export class FailureNotFoundError extends DomainError {
  override name = "FailureNotFoundError";
  constructor(message: string) {
    super(404, "failure-not-found", message);
  }
}

export class MalformedFailureError extends DomainError {
  override name = "MalformedFailureError";
  constructor(message: string) {
    super(422, "failure-malformed", message);
  }
}

export async function queueUrlOf(sqs: SQSClient, queueName: string): Promise<string> {
  const url = (await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl;
  if (!url) throw new Error(`SQS returned no URL for queue ${queueName}`);
  return url;
}

/** Every message of a queue (up to max), each made visible again before this returns. */
export async function peekQueue(
  sqs: SQSClient,
  queueUrl: string,
  options: { max?: number; visibilitySeconds?: number } = {},
): Promise<{ messages: Message[]; truncated: boolean }> {
  const max = options.max ?? DEFAULT_MAX_FAILURES;
  const byId = new Map<string, Message>();
  const handles: string[] = [];
  let empties = 0;
  let truncated = false;
  try {
    while (empties < EMPTY_RECEIVES_TO_STOP) {
      if (byId.size >= max) {
        truncated = true;
        break;
      }
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: options.visibilitySeconds ?? DEFAULT_PEEK_VISIBILITY_SECONDS,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["SentTimestamp"],
        }),
      );
      const messages = received.Messages ?? [];
      empties = messages.length === 0 ? empties + 1 : 0;
      for (const message of messages) {
        if (message.ReceiptHandle) handles.push(message.ReceiptHandle);
        if (message.MessageId && !byId.has(message.MessageId)) byId.set(message.MessageId, message);
      }
    }
  } finally {
    await releaseMessages(sqs, queueUrl, handles);
  }
  return { messages: [...byId.values()], truncated };
}

async function releaseMessages(sqs: SQSClient, queueUrl: string, handles: string[]): Promise<void> {
  for (let i = 0; i < handles.length; i += 10) {
    const entries = handles.slice(i, i + 10).map((ReceiptHandle, j) => ({ Id: String(j), ReceiptHandle, VisibilityTimeout: 0 }));
    // A handle that expired meanwhile is visible already; the rest must not stay hidden.
    await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  }
}

/**
 * Deletes one message by id: a receipt handle from an earlier listing may be stale,
 * so the queue is received again until that message comes, which is deleted with
 * its fresh handle; every other message is made visible again. False when the
 * message did not come (deleted already, or held by another reader right now).
 */
export async function deleteMessageById(sqs: SQSClient, queueUrl: string, messageId: string, options: { max?: number } = {}): Promise<boolean> {
  const handles: string[] = [];
  const seen = new Set<string>();
  let empties = 0;
  try {
    while (empties < EMPTY_RECEIVES_TO_STOP && seen.size < (options.max ?? DEFAULT_MAX_FAILURES)) {
      const received = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: DEFAULT_PEEK_VISIBILITY_SECONDS, WaitTimeSeconds: 0 }),
      );
      const messages = received.Messages ?? [];
      empties = messages.length === 0 ? empties + 1 : 0;
      for (const message of messages) {
        if (message.MessageId === messageId && message.ReceiptHandle) {
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
          return true;
        }
        if (message.MessageId) seen.add(message.MessageId);
        if (message.ReceiptHandle) handles.push(message.ReceiptHandle);
      }
    }
    return false;
  } finally {
    await releaseMessages(sqs, queueUrl, handles);
  }
}

function sentAt(message: Message): string | null {
  const ms = Number(message.Attributes?.SentTimestamp);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

function sqsEntry(message: Message, now: Date): FailureEntry {
  const id = message.MessageId ?? "(no message id)";
  const parsed = parseFailureBody(message.Body ?? "");
  if (!parsed.ok) return { kind: "malformed", id, source: "sqs", reason: parsed.reason, failedAt: sentAt(message) };
  const failure = toFailure(id, "sqs", parsed.record, now);
  return failure.failedAt ? failure : { ...failure, failedAt: sentAt(message) };
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if ((response.ContentLength ?? 0) > MAX_FAILURE_OBJECT_BYTES) {
    await response.Body?.transformToByteArray().catch(() => undefined);
    throw new MalformedFailureError(`the failure object is larger than ${MAX_FAILURE_OBJECT_BYTES / 1024 / 1024} MB`);
  }
  return (await response.Body?.transformToString("utf-8")) ?? "";
}

function streamBelongsTo(service: ServiceConfig, streamArn: string): boolean {
  const table = tableOfStreamArn(streamArn);
  // A record whose ARN names no table cannot be attributed elsewhere: it is shown where it was found.
  return table === undefined || table === service.table.name;
}

function belongsTo(service: ServiceConfig, record: InvocationRecord): boolean {
  return streamBelongsTo(service, record.DDBStreamBatchInfo.streamArn);
}

async function s3Entry(s3: S3Client, bucket: string, key: string, service: ServiceConfig, now: Date, lastModified: string | null): Promise<FailureEntry | null> {
  let text: string;
  try {
    text = await readText(s3, bucket, key);
  } catch (error) {
    if (isMissingObject(error)) return null;
    if (error instanceof MalformedFailureError) return { kind: "malformed", id: key, source: "s3", reason: error.message, failedAt: lastModified };
    throw error;
  }
  const parsed = parseFailureBody(text);
  if (!parsed.ok) return { kind: "malformed", id: key, source: "s3", reason: parsed.reason, failedAt: lastModified };
  if (!belongsTo(service, parsed.record)) return null;
  const records = payloadRecords(parsed.record);
  if (!records.ok) return { kind: "malformed", id: key, source: "s3", reason: records.reason, failedAt: lastModified };
  return toFailure(key, "s3", parsed.record, now, records.records.length);
}

export async function listServiceFailures(clients: SourceClients, config: LazarusConfig, service: ServiceConfig, options: ListOptions = {}): Promise<ServiceFailures> {
  const now = options.now ?? new Date();
  const max = options.maxFailures ?? DEFAULT_MAX_FAILURES;
  const destination = service.onFailure;
  const base = { service: service.name, table: service.table.name, destination };
  if (destination.type === "sqs") {
    const queueUrl = await queueUrlOf(clients.sqs, destination.queueName);
    const peek = await peekQueue(clients.sqs, queueUrl, { max, ...(options.peekVisibilitySeconds ? { visibilitySeconds: options.peekVisibilitySeconds } : {}) });
    const failures = peek.messages.map((m) => sqsEntry(m, now)).filter((f) => f.kind === "malformed" || streamBelongsTo(service, f.streamArn));
    return { ...base, failures: sortByTime(failures), truncated: peek.truncated };
  }
  const objects: { key: string; lastModified: string | null }[] = [];
  let truncated = false;
  for await (const object of listObjects(clients.s3, { bucket: destination.bucket, prefix: FAILURE_OBJECT_PREFIX })) {
    if (objects.length >= max) {
      truncated = true;
      break;
    }
    objects.push({ key: object.key, lastModified: object.lastModified ? new Date(object.lastModified).toISOString() : null });
  }
  const read = pLimit(S3_READ_CONCURRENCY);
  const entries = await Promise.all(objects.map((o) => read(() => s3Entry(clients.s3, destination.bucket, o.key, service, now, o.lastModified))));
  return { ...base, failures: sortByTime(entries.filter((e): e is FailureEntry => e !== null)), truncated };
}

/** Oldest first: the oldest failure is the one nearest to losing its records. */
function sortByTime(entries: FailureEntry[]): FailureEntry[] {
  return entries.sort((a, b) => (a.failedAt ?? "").localeCompare(b.failedAt ?? "") || a.id.localeCompare(b.id));
}

/** The failure a replay works on, read fresh from its destination. */
export async function locateFailure(clients: SourceClients, config: LazarusConfig, service: ServiceConfig, failureId: string): Promise<LocatedFailure> {
  const destination = service.onFailure;
  if (destination.type === "sqs") {
    const id = sqsMessageIdSchema.parse(failureId);
    const queueUrl = await queueUrlOf(clients.sqs, destination.queueName);
    const { messages } = await peekQueue(clients.sqs, queueUrl);
    const message = messages.find((m) => m.MessageId === id);
    if (!message) throw new FailureNotFoundError(`There is no message ${id} in queue ${destination.queueName} (it may have been replayed already).`);
    const parsed = parseFailureBody(message.Body ?? "");
    if (!parsed.ok) throw new MalformedFailureError(`Message ${id} cannot be replayed: ${parsed.reason}.`);
    return { source: "sqs", id, queueUrl, record: parsed.record };
  }
  const key = failureObjectKeySchema.parse(failureId);
  let text: string;
  try {
    text = await readText(clients.s3, destination.bucket, key);
  } catch (error) {
    if (isMissingObject(error)) throw new FailureNotFoundError(`There is no failure object ${key} in bucket ${destination.bucket} (it may have been replayed already).`);
    throw error;
  }
  const parsed = parseFailureBody(text);
  if (!parsed.ok) throw new MalformedFailureError(`The failure object cannot be replayed: ${parsed.reason}.`);
  if (!belongsTo(service, parsed.record)) throw new FailureNotFoundError(`The failure object ${key} belongs to another table's stream.`);
  const records = payloadRecords(parsed.record);
  if (!records.ok) throw new MalformedFailureError(`The failure object cannot be replayed: ${records.reason}.`);
  return { source: "s3", id: key, bucket: destination.bucket, record: parsed.record, records: records.records };
}

/**
 * Removes a failure object and every version of it: the failure bucket is versioned,
 * and a delete marker alone would keep the batch's items (possibly erased ones).
 */
export async function deleteFailureObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  let deletedAny = false;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key, ...(keyMarker ? { KeyMarker: keyMarker } : {}), ...(versionMarker ? { VersionIdMarker: versionMarker } : {}) }),
    );
    const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key === key);
    for (const v of versions) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(v.VersionId && v.VersionId !== "null" ? { VersionId: v.VersionId } : { VersionId: "null" }) }));
      deletedAny = true;
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  // An unversioned bucket lists no versions.
  if (!deletedAny) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}

export interface KeptWording {
  /** What is already true when it is kept ("every record is archived, but "). */
  context?: string;
  /** The action that is safe to run again ("replaying", "discarding"). */
  retry: string;
  errorText: (error: unknown) => string;
}

/**
 * Deletes a located failure once nothing of it is needed: every version of its S3
 * object, or its SQS message received again by id for a fresh receipt handle. When it
 * stays, `keptBecause` says why, and that running the action again is safe.
 */
export async function deleteFailure(clients: SourceClients, failure: LocatedFailure, kept: KeptWording): Promise<{ deleted: boolean; keptBecause?: string }> {
  const context = kept.context ?? "";
  try {
    if (failure.source === "s3") {
      await deleteFailureObject(clients.s3, failure.bucket, failure.id);
      return { deleted: true };
    }
    if (await deleteMessageById(clients.sqs, failure.queueUrl, failure.id)) return { deleted: true };
    return { deleted: false, keptBecause: `${context}the message could not be received to delete it (another reader holds it); ${kept.retry} again is safe` };
  } catch (error) {
    return { deleted: false, keptBecause: `${context}deleting the failure failed (${kept.errorText(error)}); ${kept.retry} again is safe` };
  }
}
