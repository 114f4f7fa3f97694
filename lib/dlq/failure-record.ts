import { z } from "zod";

/**
 * A failed stream batch as Lambda reports it to an event source mapping's on-failure
 * destination (Lambda Developer Guide, "Retain discarded records for a DynamoDB event
 * source in Lambda"): the invocation record, metadata only for SQS (and SNS), plus the
 * whole batch as `payload` (an escaped JSON string) for S3. Isomorphic: the DLQ page
 * renders these types.
 */

/** DynamoDB Streams keeps a record for 24 hours; after that an SQS failure's range may be unreadable. */
export const STREAM_RETENTION_HOURS = 24;
export const STREAM_RETENTION_MS = STREAM_RETENTION_HOURS * 3_600_000;

const decimal = z.string().regex(/^\d+$/, "must be a decimal sequence number");

export const batchInfoSchema = z.object({
  shardId: z.string().min(1).max(256),
  startSequenceNumber: decimal,
  endSequenceNumber: decimal,
  approximateArrivalOfFirstRecord: z.string().min(1).max(64).optional(),
  approximateArrivalOfLastRecord: z.string().min(1).max(64).optional(),
  batchSize: z.number().int().min(0),
  streamArn: z.string().min(1).max(2048),
});

export const invocationRecordSchema = z.object({
  requestContext: z.object({
    requestId: z.string().optional(),
    functionArn: z.string().optional(),
    condition: z.string().min(1).max(128),
    approximateInvokeCount: z.number().int().min(0),
  }),
  responseContext: z
    .object({
      statusCode: z.number().int().optional(),
      executedVersion: z.string().optional(),
      functionError: z.string().optional(),
    })
    .optional(),
  version: z.string().optional(),
  timestamp: z.string().min(1).max(64),
  DDBStreamBatchInfo: batchInfoSchema,
  /** S3 destinations only: `{"Records": [...]}` as a JSON string. */
  payload: z.string().optional(),
});

export type FailureBatchInfo = z.infer<typeof batchInfoSchema>;
export type InvocationRecord = z.infer<typeof invocationRecordSchema>;

export type FailureSource = "sqs" | "s3";

/** What the console knows about the records of a failure without replaying it. */
export type RetentionState =
  /** S3: the failure object holds the records themselves; the stream's retention does not matter. */
  | { state: "records-kept" }
  /** SQS: the range was written to the stream less than 24 hours ago, so it can still be read back. */
  | { state: "in-stream"; readableUntil: string }
  /** SQS: older than the stream's retention; the records are gone unless the stream still has them. */
  | { state: "past-retention"; since: string; message: string }
  /** SQS without an arrival time: cannot tell. */
  | { state: "unknown"; message: string };

export interface DlqFailure {
  kind: "batch";
  /** Independent of any receipt: the SQS message id, or the S3 object key. */
  id: string;
  source: FailureSource;
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  streamArn: string;
  firstArrival: string | null;
  lastArrival: string | null;
  /** When Lambda gave up on the batch (the invocation record's timestamp). */
  failedAt: string | null;
  condition: string;
  invokeCount: number;
  /** For people: the condition, the invocations and what the function answered. */
  reason: string;
  retention: RetentionState;
  /** S3 only: how many records the object holds (should equal batchSize). */
  recordsInObject?: number;
}

export interface MalformedFailure {
  kind: "malformed";
  id: string;
  source: FailureSource;
  /** What is wrong with it; never the message body. */
  reason: string;
  failedAt: string | null;
}

export type FailureEntry = DlqFailure | MalformedFailure;

export type FailureDestination = { type: "sqs"; queueName: string } | { type: "s3"; bucket: string };

export interface ServiceFailures {
  service: string;
  table: string;
  destination: FailureDestination;
  failures: FailureEntry[];
  /** More failures exist than were listed. */
  truncated: boolean;
  /** The destination could not be read; failures is empty. */
  error?: { code: string; message: string };
}

export interface DlqListResponse {
  services: ServiceFailures[];
  checkedAt: string;
}

export interface ReplayCounts {
  /** Records the failure covers (its batchSize). */
  total: number;
  archived: number;
  alreadyArchived: number;
  /** Not re-archived: their partition key was erased (right to be forgotten). */
  erased: number;
  /** The archiver refused them or the write failed. */
  failed: number;
  /** Not readable any more (SQS: past the stream's retention, or not in the stream). */
  lost: number;
  /** Not REMOVE records: nothing to archive (the mapping's filter normally keeps them out). */
  ignored: number;
}

export interface ReplayResult {
  service: string;
  failureId: string;
  source: FailureSource;
  operationId: string;
  counts: ReplayCounts;
  /** The failure was removed from its destination: every record is archived (or erased). */
  deleted: boolean;
  /** Why it was kept, or why deleting it did not work. */
  keptBecause?: string;
  /** Set when records could not be read: exactly which. */
  lost?: { shardId: string; startSequenceNumber: string; endSequenceNumber: string; count: number; reason: string };
  /** The days the erased keys were erased on, with counts; never the keys. */
  erasures: { erasedOn: string; count: number }[];
  /** Per failed record: its sequence number and why (messages name attributes, never values). */
  failures: { sequenceNumber: string | null; message: string }[];
  message: string;
}

function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(message)"}: ${i.message}`)
    .join("; ");
}

export type ParsedFailureBody = { ok: true; record: InvocationRecord } | { ok: false; reason: string };

/** Parses an SQS message body or an S3 failure object; the reason never quotes the body. */
export function parseFailureBody(body: string): ParsedFailureBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: "not JSON: not an invocation record from a Lambda event source mapping" };
  }
  const parsed = invocationRecordSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `not a DynamoDB stream invocation record (${issuesText(parsed.error)})` };
  if (BigInt(parsed.data.DDBStreamBatchInfo.endSequenceNumber) < BigInt(parsed.data.DDBStreamBatchInfo.startSequenceNumber)) {
    return { ok: false, reason: "its sequence range ends before it starts" };
  }
  return { ok: true, record: parsed.data };
}

/** The records of an S3 failure object's payload, as the mapping delivered them. */
export function payloadRecords(record: InvocationRecord): { ok: true; records: unknown[] } | { ok: false; reason: string } {
  if (record.payload === undefined) return { ok: false, reason: "the failure object has no payload (the batch's records)" };
  let json: unknown;
  try {
    json = JSON.parse(record.payload);
  } catch {
    return { ok: false, reason: "the failure object's payload is not JSON" };
  }
  const records = (json as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) return { ok: false, reason: "the failure object's payload has no Records list" };
  return { ok: true, records };
}

function isoOrNull(text: string | undefined): string | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function failureReason(record: InvocationRecord): string {
  const c = record.requestContext;
  const invocations = `${c.approximateInvokeCount} invocation${c.approximateInvokeCount === 1 ? "" : "s"}`;
  const condition =
    c.condition === "RetryAttemptsExhausted"
      ? `retries exhausted after ${invocations}`
      : c.condition === "RecordAgeExceeded"
        ? `records older than the mapping's maximum record age (${invocations})`
        : `${c.condition} (${invocations})`;
  const response = record.responseContext;
  if (!response) return c.approximateInvokeCount === 0 ? `${condition}; the function was never invoked` : condition;
  if (response.functionError) return `${condition}; function error: ${response.functionError}`;
  if (response.statusCode !== undefined && response.statusCode !== 200) return `${condition}; invocation answered ${response.statusCode}`;
  return `${condition}; the function reported failed records (batchItemFailures)`;
}

export function rangeText(info: Pick<FailureBatchInfo, "shardId" | "startSequenceNumber" | "endSequenceNumber">): string {
  return info.startSequenceNumber === info.endSequenceNumber
    ? `shard ${info.shardId}, sequence number ${info.startSequenceNumber}`
    : `shard ${info.shardId}, sequence numbers ${info.startSequenceNumber} to ${info.endSequenceNumber}`;
}

export function recordsText(count: number): string {
  return `${count} record${count === 1 ? "" : "s"}`;
}

export function retentionOf(source: FailureSource, info: FailureBatchInfo, now: Date): RetentionState {
  if (source === "s3") return { state: "records-kept" };
  const first = isoOrNull(info.approximateArrivalOfFirstRecord);
  if (!first) {
    return {
      state: "unknown",
      message: `the message has no arrival time; if ${rangeText(info)} is older than ${STREAM_RETENTION_HOURS} hours its ${recordsText(info.batchSize)} may be gone`,
    };
  }
  const expires = Date.parse(first) + STREAM_RETENTION_MS;
  if (now.getTime() < expires) return { state: "in-stream", readableUntil: new Date(expires).toISOString() };
  return {
    state: "past-retention",
    since: new Date(expires).toISOString(),
    message: `past the stream's ${STREAM_RETENTION_HOURS}-hour retention: ${recordsText(info.batchSize)} of ${rangeText(info)} are lost unless found in the stream`,
  };
}

export function toFailure(id: string, source: FailureSource, record: InvocationRecord, now: Date, recordsInObject?: number): DlqFailure {
  const info = record.DDBStreamBatchInfo;
  return {
    kind: "batch",
    id,
    source,
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    batchSize: info.batchSize,
    streamArn: info.streamArn,
    firstArrival: isoOrNull(info.approximateArrivalOfFirstRecord),
    lastArrival: isoOrNull(info.approximateArrivalOfLastRecord),
    failedAt: isoOrNull(record.timestamp),
    condition: record.requestContext.condition,
    invokeCount: record.requestContext.approximateInvokeCount,
    reason: failureReason(record),
    retention: retentionOf(source, info, now),
    ...(recordsInObject !== undefined ? { recordsInObject } : {}),
  };
}

/** The table a stream ARN belongs to: `arn:aws:dynamodb:region:account:table/NAME/stream/LABEL`. */
export function tableOfStreamArn(streamArn: string): string | undefined {
  return /:table\/([^/]+)\/stream\//.exec(streamArn)?.[1];
}

/** A discard's reason is the only record of why these deletions are missing: a word or two is not enough. */
export const MIN_DISCARD_REASON_CHARS = 10;

export interface DiscardResult {
  service: string;
  failureId: string;
  source: FailureSource;
  operationId: string;
  /** Where the copy of the discarded batch is kept (archive bucket). */
  copyKey: string;
  deleted: boolean;
  keptBecause?: string;
  message: string;
}
