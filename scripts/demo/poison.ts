import type { DynamoDBRecord } from "aws-lambda";
import type { AttributeMap } from "../../lib/archive/attribute-value";
import { TTL_PRINCIPAL } from "../../lib/archive/stream-record";
import { walkthroughDeletedAt } from "./fixtures";
import type { DemoKind, DemoService } from "./history";
import { contactSession, orderDetails, unitItem } from "./items";
import { Random, stableUuid } from "./random";

/**
 * Failed batches for the demo's on-failure destinations, shaped as the stream mapping
 * runner (and AWS Lambda) writes them: the invocation record for an SQS DLQ, the same
 * plus the whole batch as `payload` for an S3 destination. Most batches start with a
 * poison record (a REMOVE without OldImage, from a time the stream was KEYS_ONLY),
 * which the archiver refuses however often it is retried; one order batch failed for
 * a passing reason (the archive bucket refused writes for a while) and replays cleanly.
 */

interface BatchSpec {
  daysAgo: number;
  /** When the batch was given up on (UTC). */
  time: string;
  condition: "RetryAttemptsExhausted" | "RecordAgeExceeded";
  invocations: number;
  /** The handler threw (a function error) or answered with batchItemFailures. */
  response: "unhandled" | "partial";
  records: number;
  /** How long before `time` the first record reached the stream. */
  ageSeconds: number;
  /** Whether the batch starts with a poison record; without one, a replay archives it all. */
  poison: boolean;
}

const BATCHES: Record<DemoKind, BatchSpec[]> = {
  contacts: [
    { daysAgo: 2, time: "03:14:07", condition: "RetryAttemptsExhausted", invocations: 6, response: "unhandled", records: 3, ageSeconds: 95, poison: true },
    { daysAgo: 9, time: "22:41:53", condition: "RecordAgeExceeded", invocations: 4, response: "unhandled", records: 12, ageSeconds: 86_460, poison: true },
  ],
  orders: [
    { daysAgo: 2, time: "22:05:31", condition: "RetryAttemptsExhausted", invocations: 6, response: "partial", records: 3, ageSeconds: 70, poison: true },
    { daysAgo: 5, time: "04:12:09", condition: "RetryAttemptsExhausted", invocations: 6, response: "unhandled", records: 4, ageSeconds: 75, poison: false },
  ],
  units: [{ daysAgo: 1, time: "17:40:12", condition: "RetryAttemptsExhausted", invocations: 6, response: "unhandled", records: 1, ageSeconds: 64, poison: true }],
};

/** Where the service's mapping lives in the local stack: what an on-failure record names. */
export interface MappingIdentity {
  region: string;
  functionArn: string;
  streamArn: string;
  shardId: string;
  mappingUuid: string;
}

export interface FailedBatch {
  /** The invocation's request id: also how a re-run recognises a message it already sent. */
  requestId: string;
  at: Date;
  invocationRecord: InvocationRecord;
  records: DynamoDBRecord[];
  /** aws/lambda/<mapping UUID>/<shard ID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<UUID>, for an S3 destination. */
  objectKey: string;
}

export interface InvocationRecord {
  requestContext: { requestId: string; functionArn: string; condition: string; approximateInvokeCount: number };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: "1.0";
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

const isoSeconds = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

export function failedBatches(service: DemoService, mapping: MappingIdentity, day: Date, seed: string): FailedBatch[] {
  return BATCHES[service.kind].map((spec, b) => {
    const label = `${seed}/${service.kind}/poison/${b}`;
    const rng = new Random(label);
    const at = walkthroughDeletedAt({ daysAgo: spec.daysAgo, time: spec.time, deletionType: "manual" }, day);
    const firstArrival = new Date(at.getTime() - spec.ageSeconds * 1_000);
    const records = Array.from({ length: spec.records }, (_, i) => {
      const arrival = new Date(firstArrival.getTime() + i * rng.int(0, 2) * 1_000);
      // Far above the history's numbers for the same second, so the two never meet.
      const sequenceNumber = (4n * 10n ** 24n + BigInt(Math.floor(arrival.getTime() / 1_000)) * 1_000_000n + 900_000n + BigInt(i)).toString();
      return streamRecord(service, mapping, rng, arrival, sequenceNumber, `${label}/${i}`, spec.poison && i === 0);
    });
    const first = records[0] as DynamoDBRecord;
    const last = records.at(-1) as DynamoDBRecord;
    const requestId = stableUuid(label);
    const invocationRecord: InvocationRecord = {
      requestContext: { requestId, functionArn: mapping.functionArn, condition: spec.condition, approximateInvokeCount: spec.invocations },
      responseContext: { statusCode: 200, executedVersion: "$LATEST", ...(spec.response === "unhandled" ? { functionError: "Unhandled" } : {}) },
      version: "1.0",
      timestamp: at.toISOString(),
      DDBStreamBatchInfo: {
        shardId: mapping.shardId,
        startSequenceNumber: first.dynamodb?.SequenceNumber ?? "",
        endSequenceNumber: last.dynamodb?.SequenceNumber ?? "",
        approximateArrivalOfFirstRecord: isoSeconds(new Date((first.dynamodb?.ApproximateCreationDateTime ?? 0) * 1_000)),
        approximateArrivalOfLastRecord: isoSeconds(new Date((last.dynamodb?.ApproximateCreationDateTime ?? 0) * 1_000)),
        batchSize: records.length,
        streamArn: mapping.streamArn,
      },
    };
    const date = at.toISOString().slice(0, 10);
    const time = at.toISOString().slice(11, 19).replaceAll(":", ".");
    const objectKey = `aws/lambda/${mapping.mappingUuid}/${mapping.shardId}/${date.replaceAll("-", "/")}/${date}T${time}-${stableUuid(`${label}/object`)}`;
    return { requestId, at, invocationRecord, records, objectKey };
  });
}

function streamRecord(
  service: DemoService,
  mapping: MappingIdentity,
  rng: Random,
  at: Date,
  sequenceNumber: string,
  label: string,
  isPoison: boolean,
): DynamoDBRecord {
  const shape = service.shape;
  const expiresAt = new Date(at.getTime() - rng.int(60, 7_200) * 1_000);
  // Contact batches hold expired sessions; order and unit batches a mix.
  const isTtl = !isPoison && Boolean(shape.ttlAttribute) && (service.kind === "contacts" || rng.chance(0.5));
  const item: AttributeMap =
    service.kind === "contacts"
      ? contactSession(rng, shape, `c-${rng.int(2_000, 89_999)}`, expiresAt)
      : service.kind === "orders"
        ? orderDetails(rng, shape, `o-${rng.int(10_000, 89_999)}`, at, isTtl ? { status: "DRAFT", expiresAt } : { status: "CANCELLED" })
        : unitItem(rng, shape, `U-${rng.int(200_000, 799_999)}`, at, isTtl ? { status: "loaner", expiresAt } : { status: "decommissioned" });
  const keys = Object.fromEntries([shape.partitionKey, ...(shape.sortKey ? [shape.sortKey] : [])].map((k) => [k, item[k]]));
  const images = isPoison ? {} : { OldImage: item };
  return {
    eventID: stableUuid(label).replaceAll("-", ""),
    eventName: "REMOVE",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: mapping.region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(at.getTime() / 1_000),
      Keys: keys,
      ...images,
      SequenceNumber: sequenceNumber,
      SizeBytes: Buffer.byteLength(JSON.stringify({ keys, ...images })),
      StreamViewType: isPoison ? "KEYS_ONLY" : "NEW_AND_OLD_IMAGES",
    },
    eventSourceARN: mapping.streamArn,
    ...(isTtl ? { userIdentity: { type: "Service", principalId: TTL_PRINCIPAL } } : {}),
  } as DynamoDBRecord;
}
