import { randomUUID } from "node:crypto";
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  TrimmedDataAccessException,
  type _Record as SdkStreamRecord,
  type DynamoDBStreamsClient,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { z } from "zod";
import { toTypedJson } from "../../lib/archive/attribute-value";
import type { ServiceConfig } from "../../lib/config/schema";
import { ARCHIVER_TIMEOUT_SECONDS, type ProvisionedMapping, type ProvisionedService } from "./provision";
import { TTL_IDENTITY, type TtlDeletionLedger } from "./ttl-sweeper";

/**
 * The event source mapping, run locally: polls each table's stream and invokes the
 * archiver handler with Lambda-shaped events, as AWS Lambda does for a DynamoDB stream
 * mapping with ReportBatchItemFailures. Sources for the behaviour, quoted where it is
 * implemented: the Lambda Developer Guide pages "Configuring partial batch response with
 * DynamoDB and Lambda" (services-ddb-batchfailurereporting), "Retain discarded records for
 * a DynamoDB event source in Lambda" (services-dynamodb-errors) and "Lambda parameters for
 * Amazon DynamoDB event source mappings" (services-ddb-params).
 *
 * Checkpoints live in memory: a new runner starts every shard at TRIM_HORIZON and relies
 * on the archiver being idempotent (a redelivered record writes nothing new).
 */

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<DynamoDBBatchResponse | void | null | undefined>;

export interface MappedService {
  config: ServiceConfig;
  provisioned: ProvisionedService;
  handler: StreamHandler;
}

export interface StreamMappingRunnerOptions {
  region: string;
  services: MappedService[];
  clients: { streams: DynamoDBStreamsClient; sqs: SQSClient; s3: S3Client };
  /** Marks the TTL sweeper's deletions; without it every REMOVE is delivered as moto gives it. */
  ledger?: TtlDeletionLedger;
  /** Lambda polls a shard 4 times per second (with-ddb, "Polling and batching streams"). */
  pollIntervalMs?: number;
  /** Empty polls back off to this, because moto keeps every shard iterator it ever hands out. */
  idlePollIntervalMs?: number;
  /** First delay before retrying a failed batch; doubles per retry, capped at 10 s. */
  retryDelayMs?: number;
  /** How often the stream is described again to find new shards. */
  shardRefreshMs?: number;
  functionTimeoutMs?: number;
  now?: () => Date;
  log?: (message: string) => void;
}

export interface MappingStatus {
  service: string;
  mappingUuid: string;
  invocations: number;
  recordsDelivered: number;
  batchesSentToOnFailure: number;
  recordsSentToOnFailure: number;
  lastProcessedSequenceNumber?: string;
}

export interface StreamMappingRunner {
  status(): MappingStatus[];
  stop(): Promise<void>;
}

/** DynamoDB Streams returns at most 1,000 records per GetRecords; moto does not enforce it. */
const GET_RECORDS_LIMIT = 1_000;
const MAX_RETRY_DELAY_MS = 10_000;

export function startStreamMappingRunner(options: StreamMappingRunnerOptions): StreamMappingRunner {
  const workers = options.services.map((s) => new MappingWorker(s, options));
  const loops = workers.map((w) => w.run());
  return {
    status: () => workers.map((w) => w.status()),
    async stop() {
      for (const w of workers) w.stop();
      await Promise.all(loops);
    },
  };
}

/** A stream record ready to deliver: the Lambda event record plus what the runner needs. */
interface PendingRecord {
  event: DynamoDBRecord;
  sequenceNumber: bigint;
  /** ApproximateCreationDateTime as the stream gave it, for the record-age check. */
  createdAt: Date;
}

/** A run of consecutive records from one shard being retried together. */
interface Segment {
  records: PendingRecord[];
  /** Retries consumed; splitting a batch does not consume one (services-dynamodb-errors). */
  retries: number;
  invocations: number;
  lastRequestId?: string;
  lastResponse?: ResponseContext;
}

interface ResponseContext {
  statusCode: number;
  executedVersion: string;
  functionError?: "Unhandled";
}

type InvokeOutcome =
  | { kind: "success" }
  | { kind: "partial"; lowestFailed: bigint }
  | { kind: "failure"; response: ResponseContext };

/** AWS's example shows only RetryAttemptsExhausted; batches dropped for age report RecordAgeExceeded. */
type FailureCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

interface ShardState {
  id: string;
  parentId?: string;
  iterator?: string;
  /** Sequence number of the last record read from the shard (buffered or delivered). */
  position?: string;
  buffer: PendingRecord[];
  bufferStartedAt?: number;
  /** GetRecords returned no next iterator: the shard was split or the stream disabled. */
  isClosed: boolean;
  isDrained: boolean;
}

const batchResponseSchema = z
  .looseObject({ batchItemFailures: z.array(z.looseObject({ itemIdentifier: z.unknown() })).nullish() })
  .nullish();

class MappingWorker {
  private readonly mapping: ProvisionedMapping;
  private readonly serviceName: string;
  private readonly shards = new Map<string, ShardState>();
  private readonly stopController = new AbortController();
  private shardsRefreshedAt = 0;
  private readonly counters: Omit<MappingStatus, "service" | "mappingUuid"> = {
    invocations: 0,
    recordsDelivered: 0,
    batchesSentToOnFailure: 0,
    recordsSentToOnFailure: 0,
  };

  constructor(
    private readonly service: MappedService,
    private readonly options: StreamMappingRunnerOptions,
  ) {
    this.mapping = service.provisioned.mapping;
    this.serviceName = service.config.name;
    if (this.mapping.parallelizationFactor > 1) {
      this.log(`parallelizationFactor ${this.mapping.parallelizationFactor} runs as 1 locally (one batch per shard at a time)`);
    }
  }

  status(): MappingStatus {
    return { service: this.serviceName, mappingUuid: this.mapping.uuid, ...this.counters };
  }

  stop(): void {
    this.stopController.abort();
  }

  private get isStopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private log(message: string): void {
    this.options.log?.(`${this.serviceName}: ${message}`);
  }

  async run(): Promise<void> {
    const busyDelay = this.options.pollIntervalMs ?? 250;
    const idleCeiling = Math.max(busyDelay, this.options.idlePollIntervalMs ?? 1_000);
    let delay = busyDelay;
    while (!this.isStopped) {
      let hadRecords = false;
      try {
        hadRecords = await this.pollOnce();
      } catch (e) {
        this.log(`polling the stream failed, will retry: ${(e as Error).name}: ${(e as Error).message}`);
      }
      delay = hadRecords ? busyDelay : Math.min(idleCeiling, delay * 2);
      await this.sleep(delay);
    }
  }

  private async sleep(ms: number): Promise<void> {
    if (this.isStopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stopController.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** One pass over the shards; true when any records were read. */
  private async pollOnce(): Promise<boolean> {
    await this.refreshShards();
    let hadRecords = false;
    for (const shard of this.shards.values()) {
      if (this.isStopped) break;
      if (shard.isDrained) continue;
      // A child shard's records follow its parent's; finish the parent first.
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      if (parent && !parent.isDrained) continue;
      hadRecords = (await this.pollShard(shard)) || hadRecords;
    }
    return hadRecords;
  }

  private async refreshShards(): Promise<void> {
    const refreshMs = this.options.shardRefreshMs ?? 10_000;
    if (this.shards.size > 0 && Date.now() - this.shardsRefreshedAt < refreshMs) return;
    const found: Shard[] = [];
    let start: string | undefined;
    do {
      const page = await this.options.clients.streams.send(
        new DescribeStreamCommand({ StreamArn: this.mapping.eventSourceArn, ...(start ? { ExclusiveStartShardId: start } : {}) }),
      );
      found.push(...(page.StreamDescription?.Shards ?? []));
      start = page.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of found) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        ...(shard.ParentShardId ? { parentId: shard.ParentShardId } : {}),
        buffer: [],
        isClosed: false,
        isDrained: false,
      });
    }
    this.shardsRefreshedAt = Date.now();
  }

  private async iteratorFor(shard: ShardState): Promise<string | undefined> {
    if (shard.iterator) return shard.iterator;
    const response = await this.options.clients.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.mapping.eventSourceArn,
        ShardId: shard.id,
        ...(shard.position
          ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: shard.position }
          : { ShardIteratorType: this.mapping.startingPosition }),
      }),
    );
    shard.iterator = response.ShardIterator;
    return shard.iterator;
  }

  private async pollShard(shard: ShardState): Promise<boolean> {
    const { records, readCount } = await this.readRecords(shard);
    if (records.length > 0) {
      if (shard.buffer.length === 0) shard.bufferStartedAt = Date.now();
      shard.buffer.push(...records);
    }
    const windowMs = this.mapping.maximumBatchingWindowSeconds * 1_000;
    const isWindowOver = shard.bufferStartedAt !== undefined && Date.now() - shard.bufferStartedAt >= windowMs;
    while (shard.buffer.length > 0 && (shard.buffer.length >= this.mapping.batchSize || isWindowOver || shard.isClosed)) {
      if (this.isStopped) return true;
      const batch = shard.buffer.splice(0, this.mapping.batchSize);
      await this.deliver(shard.id, batch);
      this.counters.lastProcessedSequenceNumber = batch.at(-1)?.event.dynamodb?.SequenceNumber;
    }
    if (shard.buffer.length === 0) delete shard.bufferStartedAt;
    if (shard.isClosed && shard.buffer.length === 0) shard.isDrained = true;
    return readCount > 0;
  }

  /** The next records of a shard that pass the filter, and how many were read in all. */
  private async readRecords(shard: ShardState): Promise<{ records: PendingRecord[]; readCount: number }> {
    const none = { records: [], readCount: 0 };
    if (shard.isClosed) return none;
    const iterator = await this.iteratorFor(shard);
    if (!iterator) {
      shard.isClosed = true;
      return none;
    }
    const limit = Math.max(1, Math.min(GET_RECORDS_LIMIT, this.mapping.batchSize - shard.buffer.length));
    let response;
    try {
      response = await this.options.clients.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    } catch (e) {
      if (e instanceof ExpiredIteratorException) {
        delete shard.iterator;
        return none;
      }
      if (e instanceof TrimmedDataAccessException) {
        this.log(`shard ${shard.id} was trimmed past its checkpoint; continuing from the trim horizon`);
        delete shard.iterator;
        delete shard.position;
        return none;
      }
      throw e;
    }
    const records = response.Records ?? [];
    const eventNames: readonly string[] = this.mapping.eventNames;
    const pending: PendingRecord[] = [];
    // Filtered-out records are skipped before batching, as a mapping's FilterCriteria does.
    for (const record of records) if (eventNames.includes(record.eventName ?? "")) pending.push(await this.toPendingRecord(record));
    // Only now the shard moves on: a record that could not be read is read again next time.
    if (response.NextShardIterator) shard.iterator = response.NextShardIterator;
    else {
      delete shard.iterator;
      shard.isClosed = true;
    }
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last) shard.position = last;
    return { records: pending, readCount: records.length };
  }

  /** The record as Lambda delivers it: typed JSON with base64 binaries, epoch-second times. */
  private async toPendingRecord(record: SdkStreamRecord): Promise<PendingRecord> {
    const d = record.dynamodb;
    if (!record.eventID || !record.eventName || !d?.SequenceNumber || !d.ApproximateCreationDateTime || !d.Keys) {
      throw new Error(`stream ${this.mapping.eventSourceArn} returned a record without eventID, eventName or dynamodb fields`);
    }
    const createdAt = d.ApproximateCreationDateTime;
    let identity: { type: string; principalId: string } | undefined =
      record.userIdentity?.Type && record.userIdentity.PrincipalId
        ? { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId }
        : undefined;
    if (!identity && record.eventName === "REMOVE" && this.options.ledger) {
      const isTtl = await this.options.ledger.claim(this.service.config.table.name, d.Keys, d.OldImage, createdAt);
      if (isTtl) identity = { ...TTL_IDENTITY };
    }
    const event = {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion ?? "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: this.options.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(createdAt.getTime() / 1_000),
        Keys: toTypedJson(d.Keys),
        ...(d.NewImage ? { NewImage: toTypedJson(d.NewImage) } : {}),
        ...(d.OldImage ? { OldImage: toTypedJson(d.OldImage) } : {}),
        SequenceNumber: d.SequenceNumber,
        ...(d.SizeBytes !== undefined ? { SizeBytes: d.SizeBytes } : {}),
        ...(d.StreamViewType ? { StreamViewType: d.StreamViewType } : {}),
      },
      eventSourceARN: this.mapping.eventSourceArn,
      ...(identity ? { userIdentity: identity } : {}),
    } as DynamoDBRecord;
    return { event, sequenceNumber: BigInt(d.SequenceNumber), createdAt };
  }

  /**
   * Delivers one batch until every record is processed or handed to the on-failure
   * destination, then the shard moves on ("Lambda discards the records and continues
   * processing batches from the stream", services-dynamodb-errors).
   */
  private async deliver(shardId: string, batch: PendingRecord[]): Promise<void> {
    const queue: Segment[] = [{ records: batch, retries: 0, invocations: 0 }];
    while (queue.length > 0) {
      if (this.isStopped) return;
      const segment = queue[0] as Segment;

      // MaximumRecordAgeInSeconds: older records are not invoked again but discarded to the destination.
      const oldest = this.now().getTime() - this.mapping.maximumRecordAgeSeconds * 1_000;
      const expiredCount = segment.records.findIndex((r) => r.createdAt.getTime() >= oldest);
      const expired = segment.records.splice(0, expiredCount === -1 ? segment.records.length : expiredCount);
      if (expired.length > 0) await this.sendToOnFailure(shardId, { ...segment, records: expired }, "RecordAgeExceeded");
      if (segment.records.length === 0) {
        queue.shift();
        continue;
      }

      if (segment.invocations > 0) await this.sleep(this.retryDelay(segment.retries));
      if (this.isStopped) return;
      const requestId = randomUUID();
      const outcome = await this.invoke(segment.records, requestId);
      segment.invocations += 1;
      segment.lastRequestId = requestId;

      if (outcome.kind === "success") {
        this.counters.recordsDelivered += segment.records.length;
        queue.shift();
        continue;
      }
      if (outcome.kind === "partial") {
        // "If the batchItemFailures array contains multiple items, Lambda uses the record with the
        // lowest sequence number as the checkpoint. Lambda then retries all records starting from
        // that checkpoint." With bisect on as well, "the batch is bisected at the returned sequence
        // number and Lambda retries only the remaining records" - the same records.
        const from = segment.records.findIndex((r) => r.sequenceNumber === outcome.lowestFailed);
        this.counters.recordsDelivered += from;
        segment.records = segment.records.slice(from);
        segment.lastResponse = { statusCode: 200, executedVersion: "$LATEST" };
      } else {
        segment.lastResponse = outcome.response;
        // "If the invocation fails and BisectBatchOnFunctionError is turned on, the batch is bisected
        // regardless of your ReportBatchItemFailures setting." "Splitting batches doesn't consume the
        // retry quota."
        if (this.mapping.bisectBatchOnFunctionError && segment.records.length > 1) {
          const middle = Math.ceil(segment.records.length / 2);
          queue.splice(
            0,
            1,
            { ...segment, records: segment.records.slice(0, middle) },
            { ...segment, records: segment.records.slice(middle) },
          );
          continue;
        }
      }
      segment.retries += 1;
      // MaximumRetryAttempts counts retries after the first invocation: N retries, N + 1 invocations.
      if (segment.retries > this.mapping.maximumRetryAttempts) {
        await this.sendToOnFailure(shardId, segment, "RetryAttemptsExhausted");
        queue.shift();
      }
    }
  }

  private retryDelay(retries: number): number {
    const base = this.options.retryDelayMs ?? 250;
    return Math.min(MAX_RETRY_DELAY_MS, base * 2 ** Math.max(0, retries - 1));
  }

  private async invoke(records: PendingRecord[], requestId: string): Promise<InvokeOutcome> {
    this.counters.invocations += 1;
    const timeoutMs = this.options.functionTimeoutMs ?? ARCHIVER_TIMEOUT_SECONDS * 1_000;
    const deadline = Date.now() + timeoutMs;
    // A Lambda receives JSON, never the runner's own objects.
    const event = JSON.parse(JSON.stringify({ Records: records.map((r) => r.event) })) as DynamoDBStreamEvent;
    const unhandled: InvokeOutcome = { kind: "failure", response: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" } };
    let timer: NodeJS.Timeout | undefined;
    let response: unknown;
    try {
      response = await Promise.race([
        this.service.handler(event, this.lambdaContext(requestId, deadline)),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Task timed out after ${timeoutMs / 1_000} seconds`)), timeoutMs);
          // Stopping abandons the invocation; its batch is not checkpointed.
          this.stopController.signal.addEventListener("abort", () => reject(new Error("the runner is stopping")), { once: true });
        }),
      ]);
    } catch (e) {
      this.log(`invocation ${requestId} of ${records.length} record(s) failed: ${(e as Error).name}: ${(e as Error).message}`);
      return unhandled;
    } finally {
      clearTimeout(timer);
    }
    return this.interpretResponse(response, records);
  }

  /** Success and failure conditions from services-ddb-batchfailurereporting. */
  private interpretResponse(response: unknown, records: PendingRecord[]): InvokeOutcome {
    const invalid: InvokeOutcome = { kind: "failure", response: { statusCode: 200, executedVersion: "$LATEST" } };
    const parsed = batchResponseSchema.safeParse(response);
    // "Lambda treats a batch as a complete success if you return: an empty or null batchItemFailures
    // list, an empty or null EventResponse."
    if (!parsed.success) {
      this.log("the handler returned something that is not a batch response; treating the batch as failed");
      return invalid;
    }
    const failures = parsed.data?.batchItemFailures ?? [];
    if (failures.length === 0) return { kind: "success" };
    const inBatch = new Set(records.map((r) => r.sequenceNumber.toString()));
    let lowest: bigint | undefined;
    for (const failure of failures) {
      const id = failure.itemIdentifier;
      // "An empty string itemIdentifier, a null itemIdentifier, an itemIdentifier with a bad key
      // name" make the whole batch a failure; so does one that names no record of the batch.
      if (typeof id !== "string" || !inBatch.has(id)) {
        this.log("the handler reported a batch item failure that names no record of the batch; treating the batch as failed");
        return invalid;
      }
      const sequence = BigInt(id);
      if (lowest === undefined || sequence < lowest) lowest = sequence;
    }
    return { kind: "partial", lowestFailed: lowest as bigint };
  }

  private lambdaContext(requestId: string, deadline: number): Context {
    const name = this.service.config.archiver.functionName;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: "$LATEST",
      invokedFunctionArn: this.mapping.functionArn,
      memoryLimitInMB: "256",
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `local/${requestId}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
  }

  /**
   * The invocation record AWS sends for a discarded stream batch (services-dynamodb-errors,
   * "Example Amazon SNS and Amazon SQS invocation record"): metadata only, no records.
   * Records discarded for age before any invocation have no responseContext.
   */
  private invocationRecord(shardId: string, segment: Segment, condition: FailureCondition) {
    const first = segment.records[0] as PendingRecord;
    const last = segment.records.at(-1) as PendingRecord;
    return {
      requestContext: {
        requestId: segment.lastRequestId ?? randomUUID(),
        functionArn: this.mapping.functionArn,
        condition,
        approximateInvokeCount: segment.invocations,
      },
      ...(segment.lastResponse ? { responseContext: segment.lastResponse } : {}),
      version: "1.0",
      timestamp: this.now().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber.toString(),
        endSequenceNumber: last.sequenceNumber.toString(),
        approximateArrivalOfFirstRecord: isoSeconds(first.createdAt),
        approximateArrivalOfLastRecord: isoSeconds(last.createdAt),
        batchSize: segment.records.length,
        streamArn: this.mapping.eventSourceArn,
      },
    };
  }

  private async sendToOnFailure(shardId: string, segment: Segment, condition: FailureCondition): Promise<void> {
    const record = this.invocationRecord(shardId, segment, condition);
    const destination = this.mapping.onFailure;
    const range = `${record.DDBStreamBatchInfo.startSequenceNumber}..${record.DDBStreamBatchInfo.endSequenceNumber}`;
    try {
      if (destination.type === "sqs") {
        await this.options.clients.sqs.send(new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(record) }));
      } else {
        // "the payload field contains the original invocation record as an escaped JSON string".
        const payload = JSON.stringify({ Records: segment.records.map((r) => r.event) });
        await this.options.clients.s3.send(
          new PutObjectCommand({
            Bucket: destination.bucket,
            Key: onFailureObjectKey(this.mapping.uuid, shardId, this.now()),
            Body: JSON.stringify({ ...record, payload }),
            ContentType: "application/json",
          }),
        );
      }
      this.counters.batchesSentToOnFailure += 1;
      this.counters.recordsSentToOnFailure += segment.records.length;
      this.log(
        `${segment.records.length} record(s) ${range} sent to ${destination.type === "sqs" ? `sqs:${destination.queueName}` : `s3://${destination.bucket}`} ` +
          `(${condition}, ${segment.invocations} invocation(s))`,
      );
    } catch (e) {
      // AWS drops the records too when the destination refuses them (DestinationDeliveryFailures).
      this.log(`could not send ${segment.records.length} record(s) ${range} to the on-failure destination, discarded: ${(e as Error).message}`);
    }
  }
}

/** "2019-11-14T00:13:19Z": the stream's arrival times carry whole seconds. */
function isoSeconds(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID> (services-dynamodb-errors). */
export function onFailureObjectKey(mappingUuid: string, shardId: string, at: Date): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replaceAll(":", ".");
  return `aws/lambda/${mappingUuid}/${shardId}/${day.replaceAll("-", "/")}/${day}T${time}-${randomUUID()}`;
}
