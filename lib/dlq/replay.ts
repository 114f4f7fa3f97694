import "server-only";
import pLimit from "p-limit";
import { archiverTargetFor, archiveStreamRecord } from "../archive/archiver";
import { parseStreamRecord, type ParsedStreamRecord } from "../archive/stream-record";
import { auditedOperation } from "../audit/audited-operation";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasedOn, erasureCovers, erasureKeyHash, loadErasures, type ErasureRecord } from "../erasure/erasure-ledger";
import type { DlqClients } from "./clients";
import { rangeText, recordsText, type ReplayCounts, type ReplayResult } from "./failure-record";
import { deleteFailure, locateFailure, type LocatedFailure } from "./failure-source";
import { forgetDlqAnswers } from "../protection/protection-report";
import { readStreamRange, type RangeReadOptions } from "./stream-range";

/**
 * Replays one failed batch through the archiver: from the S3 failure object, which
 * holds the records, or read back from the stream for an SQS failure, which names only
 * the range. The failure is deleted only when nothing of it is left to do: every record
 * archived (a record archived before counts: the archiver's writes are conditional, so
 * a replay never writes one twice) or deliberately not archived because its key was
 * erased. Lost or failed records keep the failure where it is.
 */

export interface ReplayOptions {
  now?: () => Date;
  concurrency?: number;
  stream?: RangeReadOptions;
}

const DEFAULT_CONCURRENCY = 8;

function auditActor(user: SessionUser) {
  return { actor: { id: user.id, email: user.email, name: user.name }, role: user.role };
}

function errorText(error: unknown): string {
  // Archiver and stream-record errors name attributes and paths, never values.
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export async function replayFailure(
  clients: DlqClients,
  config: LazarusConfig,
  service: ServiceConfig,
  failureId: string,
  user: SessionUser,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const now = options.now ?? (() => new Date());
  const failure = await locateFailure(clients, config, service, failureId);
  const info = failure.record.DDBStreamBatchInfo;
  const where = {
    failureId: failure.id,
    source: failure.source,
    shardId: info.shardId,
    startSequenceNumber: info.startSequenceNumber,
    endSequenceNumber: info.endSequenceNumber,
    batchSize: info.batchSize,
  };
  const operation = auditedOperation(clients.s3, config, {
    ...auditActor(user),
    action: "dlq-replay",
    service: service.name,
    table: service.table.name,
    message: `replaying ${recordsText(info.batchSize)} of ${rangeText(info)}`,
    details: where,
  });
  // Write-ahead: nothing is archived or deleted unless the "started" entry exists.
  return operation.run(() => replayRecords(clients, config, service, failure, operation.operationId, options, now), {
    succeeded: (result) => ({
      outcome: result.deleted ? "succeeded" : "failed",
      message: result.message,
      details: { counts: result.counts, deleted: result.deleted, ...(result.erasures.length > 0 ? { erasures: result.erasures } : {}), ...(result.lost ? { lostReason: result.lost.reason } : {}), ...(result.keptBecause ? { keptBecause: result.keptBecause } : {}) },
    }),
    failed: (error) => ({ outcome: "failed", message: `the replay stopped: ${errorText(error)}` }),
  });
}

async function replayRecords(
  clients: DlqClients,
  config: LazarusConfig,
  service: ServiceConfig,
  failure: LocatedFailure,
  operationId: string,
  options: ReplayOptions,
  now: () => Date,
): Promise<ReplayResult> {
  const info = failure.record.DDBStreamBatchInfo;
  let records: unknown[];
  let unreadable: string | undefined;
  if (failure.source === "s3") {
    records = failure.records;
  } else {
    const read = await readStreamRange(clients.streams, info, options.stream);
    records = read.records;
    unreadable = read.unreadable;
  }

  const counts: ReplayCounts = { total: Math.max(info.batchSize, records.length), archived: 0, alreadyArchived: 0, erased: 0, failed: 0, lost: 0, ignored: 0 };
  const failures: ReplayResult["failures"] = [];
  // Refused records are counted per erasure day: the audit can say which erasures held, never which keys.
  const erasedDays = new Map<string, number>();
  const target = archiverTargetFor(config, service);
  const erasures = records.length > 0 ? await loadErasures(clients.s3, config, service) : new Map<string, ErasureRecord>();
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);

  await Promise.all(
    records.map((record) =>
      limit(async () => {
        let parsed: ParsedStreamRecord;
        try {
          parsed = parseStreamRecord(record);
        } catch (error) {
          counts.failed += 1;
          failures.push({ sequenceNumber: sequenceOf(record), message: errorText(error) });
          return;
        }
        if (parsed.eventName !== "REMOVE") {
          counts.ignored += 1;
          return;
        }
        const partitionKey = parsed.keys[service.table.partitionKey.name];
        const erasure = partitionKey ? erasures.get(erasureKeyHash(service.name, partitionKey)) : undefined;
        if (erasure && erasureCovers(erasure, parsed.createdAt)) {
          counts.erased += 1;
          const day = erasedOn(erasure);
          erasedDays.set(day, (erasedDays.get(day) ?? 0) + 1);
          return;
        }
        try {
          const outcome = await archiveStreamRecord(clients.s3, target, record, now());
          if (outcome.status === "archived") counts.archived += 1;
          else if (outcome.status === "already-archived") counts.alreadyArchived += 1;
          else counts.ignored += 1;
        } catch (error) {
          counts.failed += 1;
          failures.push({ sequenceNumber: parsed.sequenceNumber, message: errorText(error) });
        }
      }),
    ),
  );

  const handled = counts.archived + counts.alreadyArchived + counts.erased + counts.failed + counts.ignored;
  counts.lost = Math.max(0, counts.total - handled);
  const lost =
    counts.lost > 0
      ? {
          shardId: info.shardId,
          startSequenceNumber: info.startSequenceNumber,
          endSequenceNumber: info.endSequenceNumber,
          count: counts.lost,
          reason: unreadable ?? (failure.source === "s3" ? "the failure object holds fewer records than its batch size" : "the stream returned fewer records than the batch held"),
        }
      : undefined;
  failures.sort((a, b) => (a.sequenceNumber ?? "").localeCompare(b.sequenceNumber ?? ""));

  let deleted = false;
  let keptBecause: string | undefined;
  if (counts.failed > 0) keptBecause = `${recordsText(counts.failed)} could not be archived; fix the cause and replay again`;
  else if (lost) keptBecause = `${recordsText(lost.count)} could not be read, so the failure is kept as the record of what was lost`;
  else ({ deleted, keptBecause } = await deleteFailure(clients, failure, { context: "every record is archived, but ", retry: "replaying", errorText }));
  if (deleted) forgetDlqAnswers(service);

  return {
    service: service.name,
    failureId: failure.id,
    source: failure.source,
    operationId,
    counts,
    deleted,
    ...(keptBecause ? { keptBecause } : {}),
    ...(lost ? { lost } : {}),
    erasures: [...erasedDays].sort(([a], [b]) => a.localeCompare(b)).map(([day, count]) => ({ erasedOn: day, count })),
    failures: failures.slice(0, 100),
    message: summary(counts, deleted, lost, info),
  };
}

function sequenceOf(record: unknown): string | null {
  const s = (record as { dynamodb?: { SequenceNumber?: unknown } } | null)?.dynamodb?.SequenceNumber;
  return typeof s === "string" ? s : null;
}

function summary(counts: ReplayCounts, deleted: boolean, lost: ReplayResult["lost"], info: Parameters<typeof rangeText>[0]): string {
  const parts = [`${counts.archived} archived`, `${counts.alreadyArchived} already archived`];
  if (counts.erased > 0) parts.push(`${counts.erased} skipped (erased)`);
  if (counts.failed > 0) parts.push(`${counts.failed} failed`);
  if (counts.lost > 0) parts.push(`${counts.lost} lost`);
  if (counts.ignored > 0) parts.push(`${counts.ignored} not deletions`);
  const head = `${counts.total === 1 ? "1 record" : `${counts.total} records`}: ${parts.join(", ")}.`;
  if (lost) return `${head} ${recordsText(lost.count)} of ${rangeText(info)} could not be read: ${lost.reason}. The failure is kept.`;
  if (counts.failed > 0) return `${head} The failure is kept until every record is archived.`;
  return deleted ? `${head} The failure was deleted.` : `${head} The failure is kept.`;
}
