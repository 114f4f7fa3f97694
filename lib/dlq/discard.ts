import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { auditedOperation } from "../audit/audited-operation";
import { putJson } from "../aws/s3-json";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { forgetDlqAnswers } from "../protection/protection-report";
import type { DlqClients } from "./clients";
import { MIN_DISCARD_REASON_CHARS as MIN_REASON_CHARS, rangeText, recordsText, type DiscardResult } from "./failure-record";

export type { DiscardResult };
import { discardedKey } from "./discarded-layout";
import { deleteFailure, locateFailure, type LocatedFailure } from "./failure-source";

/**
 * Discarding a failed batch that can never be archived (a poison record, records gone
 * from the stream): a copy of what Lambda kept is written to the archive bucket first,
 * under `{prefix}_discarded/{service}/`, then the message or object is deleted, so the
 * DLQ check can turn green again. The copy has the failure object's shape (invocation
 * record, and for S3 the whole batch as `payload`) plus who discarded it and why, so
 * an erasure finds the subject's records in it as it does in a failure bucket.
 */

export const dlqDiscardBodySchema = z.strictObject({
  service: z.string().min(1).max(63),
  /** The SQS message id or the S3 object key, as the listing gave it. */
  failureId: z.string().min(1).max(1024),
  reason: z
    .string()
    .trim()
    .min(MIN_REASON_CHARS, `say why this batch can never be archived, in at least ${MIN_REASON_CHARS} characters`)
    .max(1000),
});
export type DlqDiscardBody = z.infer<typeof dlqDiscardBodySchema>;

function errorText(error: unknown): string {
  return error instanceof Error ? error.name : "error";
}

export async function discardFailure(clients: DlqClients, config: LazarusConfig, service: ServiceConfig, body: DlqDiscardBody, user: SessionUser, now: () => Date = () => new Date()): Promise<DiscardResult> {
  const failure = await locateFailure(clients, config, service, body.failureId);
  const info = failure.record.DDBStreamBatchInfo;
  const copyKey = discardedKey(config.archive.prefix, service.name, now(), randomBytes(6).toString("hex"));
  const operation = auditedOperation(clients.s3, config, {
    actor: { id: user.id, email: user.email, name: user.name },
    role: user.role,
    action: "dlq-discard",
    service: service.name,
    table: service.table.name,
    message: `discarding ${recordsText(info.batchSize)} of ${rangeText(info)}: ${body.reason}`,
    details: {
      failureId: failure.id,
      source: failure.source,
      shardId: info.shardId,
      startSequenceNumber: info.startSequenceNumber,
      endSequenceNumber: info.endSequenceNumber,
      batchSize: info.batchSize,
      reason: body.reason,
      copyKey,
    },
  });
  return operation.run(() => discardLocated(clients, config, service, failure, body.reason, user, copyKey, operation.operationId, now), {
    succeeded: (result) => ({ outcome: result.deleted ? "succeeded" : "failed", message: result.message, details: { deleted: result.deleted, ...(result.keptBecause ? { keptBecause: result.keptBecause } : {}) } }),
  });
}

async function discardLocated(
  clients: DlqClients,
  config: LazarusConfig,
  service: ServiceConfig,
  failure: LocatedFailure,
  reason: string,
  user: SessionUser,
  copyKey: string,
  operationId: string,
  now: () => Date,
): Promise<DiscardResult> {
  const info = failure.record.DDBStreamBatchInfo;
  const copy = {
    ...failure.record,
    discarded: {
      service: service.name,
      failureId: failure.id,
      source: failure.source,
      ...(failure.source === "s3" ? { bucket: failure.bucket } : {}),
      reason,
      by: { id: user.id, email: user.email, name: user.name },
      at: now().toISOString(),
      operationId,
    },
  };
  // The copy first: a batch deleted without it would leave no trace of which deletions are missing.
  await putJson(clients.s3, config.archive.bucket, copyKey, copy, { ifNoneMatch: true });
  const { deleted, keptBecause } = await deleteFailure(clients, failure, { retry: "discarding", errorText });
  if (deleted) forgetDlqAnswers(service);
  const what = `${recordsText(info.batchSize)} of ${rangeText(info)}`;
  return {
    service: service.name,
    failureId: failure.id,
    source: failure.source,
    operationId,
    copyKey,
    deleted,
    ...(keptBecause ? { keptBecause } : {}),
    message: deleted
      ? `Discarded ${what}: these deletions will not be archived. A copy is kept at ${copyKey}.`
      : `Not discarded: ${keptBecause}. A copy was written to ${copyKey}.`,
  };
}
