import "server-only";
import {
  DescribeStreamCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  TrimmedDataAccessException,
  type _Record as StreamRecord,
  type DynamoDBStreamsClient,
  type Shard,
} from "@aws-sdk/client-dynamodb-streams";
import { STREAM_RETENTION_HOURS, type FailureBatchInfo } from "./failure-record";

/**
 * Reads the records of an SQS failure back from the stream: from the range's first
 * sequence number (AT_SEQUENCE_NUMBER) until past its last. Only what the mapping
 * delivered counts: REMOVE records (its filter keeps the rest out of every batch).
 */

export interface RangeRead {
  /** The REMOVE records of the range, in stream order, as the Streams API returns them. */
  records: StreamRecord[];
  /** Set when the range could not be read to its end: why, for people. */
  unreadable?: string;
}

export interface RangeReadOptions {
  /**
   * An open shard may answer empty pages before records further on (GetRecords does not
   * promise to skip gaps); after this many empty pages in a row the rest counts as not there.
   */
  maxEmptyReads?: number;
  /** Records of other kinds (INSERT, MODIFY) that a mapping without the REMOVE filter would deliver. */
  eventNames?: readonly string[];
}

const GET_RECORDS_LIMIT = 1_000;
const DEFAULT_MAX_EMPTY_READS = 3;
const MAX_ITERATOR_RENEWALS = 3;

const PAST_RETENTION = `the stream no longer holds them: past its ${STREAM_RETENTION_HOURS}-hour retention`;

async function findShard(streams: DynamoDBStreamsClient, streamArn: string, shardId: string): Promise<Shard | undefined> {
  let start: string | undefined;
  do {
    const page = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ...(start ? { ExclusiveStartShardId: start } : {}) }));
    const shard = page.StreamDescription?.Shards?.find((s) => s.ShardId === shardId);
    if (shard) return shard;
    start = page.StreamDescription?.LastEvaluatedShardId;
  } while (start);
  return undefined;
}

export async function readStreamRange(streams: DynamoDBStreamsClient, info: FailureBatchInfo, options: RangeReadOptions = {}): Promise<RangeRead> {
  const start = BigInt(info.startSequenceNumber);
  const end = BigInt(info.endSequenceNumber);
  const eventNames = options.eventNames ?? ["REMOVE"];
  const maxEmpty = options.maxEmptyReads ?? DEFAULT_MAX_EMPTY_READS;

  let shard: Shard | undefined;
  try {
    shard = await findShard(streams, info.streamArn, info.shardId);
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { records: [], unreadable: "the stream no longer exists (streams are deleted 24 hours after being disabled)" };
    throw error;
  }
  if (!shard) return { records: [], unreadable: `${PAST_RETENTION} (shard ${info.shardId} is gone; closed shards are removed after ${STREAM_RETENTION_HOURS} hours)` };
  const range = shard.SequenceNumberRange;
  if (range?.StartingSequenceNumber && start < BigInt(range.StartingSequenceNumber)) {
    return { records: [], unreadable: `the range starts before shard ${info.shardId}'s first sequence number: not in this shard` };
  }
  if (range?.EndingSequenceNumber && start > BigInt(range.EndingSequenceNumber)) {
    return { records: [], unreadable: `the range starts after shard ${info.shardId} closed: not in this shard` };
  }

  const records: StreamRecord[] = [];
  let lastSeen: string | undefined;
  const iteratorFrom = async (): Promise<string | undefined> =>
    (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: info.streamArn,
          ShardId: info.shardId,
          ...(lastSeen ? { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", SequenceNumber: lastSeen } : { ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: info.startSequenceNumber }),
        }),
      )
    ).ShardIterator;

  let iterator: string | undefined;
  let empties = 0;
  let renewals = 0;
  try {
    iterator = await iteratorFrom();
    while (iterator) {
      let page;
      try {
        page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }));
      } catch (error) {
        // Iterators last 15 minutes; a slow read gets a new one from where it was.
        if (error instanceof ExpiredIteratorException && renewals < MAX_ITERATOR_RENEWALS) {
          renewals += 1;
          iterator = await iteratorFrom();
          continue;
        }
        throw error;
      }
      const got = page.Records ?? [];
      empties = got.length === 0 ? empties + 1 : 0;
      let pastEnd = false;
      for (const record of got) {
        const sequence = record.dynamodb?.SequenceNumber;
        if (!sequence) continue;
        lastSeen = sequence;
        const n = BigInt(sequence);
        if (n > end) {
          pastEnd = true;
          break;
        }
        if (n >= start && eventNames.includes(record.eventName ?? "")) records.push(record);
        if (n === end) pastEnd = true;
      }
      if (pastEnd) return { records };
      if (empties >= maxEmpty) break;
      iterator = page.NextShardIterator;
    }
  } catch (error) {
    if (error instanceof TrimmedDataAccessException) return { records, unreadable: `${PAST_RETENTION} (the stream trimmed the range)` };
    if (error instanceof ResourceNotFoundException) return { records, unreadable: `${PAST_RETENTION} (shard ${info.shardId} is gone)` };
    throw error;
  }
  return {
    records,
    unreadable: iterator
      ? `the stream returned no records up to sequence number ${info.endSequenceNumber}: ${PAST_RETENTION}, or the range was never in this stream`
      : `shard ${info.shardId} ended before sequence number ${info.endSequenceNumber}: ${PAST_RETENTION}`,
  };
}
