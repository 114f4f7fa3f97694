import "server-only";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { auditedOperation } from "../audit/audited-operation";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasedMessage, erasureCovers, erasureKeyHash, loadErasures } from "../erasure/erasure-ledger";
import { overwriteCondition } from "../restore/restore-record";
import { getLiveItem, itemFingerprint } from "../restore/live-item";
import { toSdkItem } from "../restore/sdk-attribute-value";
import { loadCompareChunk, loadLatestCompareState, requireJob, saveCopyBackResults } from "./pitr-store";
import { withThrottleRetry } from "./retry";
import type { CompareEntry, CompareState, CopyBackBody, CopyBackItemResult, CopyBackOutcome, CopyBackResult, PitrJob } from "./pitr-types";
import type { KeyValue } from "../archive/attribute-value";
import { DomainError } from "../errors/domain-error";

/**
 * Copies chosen items of a finished compare from the restored table back into the
 * live one (docs/PITR.md, "Copy back"). Each write is conditioned on the live item
 * still being what the compare saw: absent for only-in-restored, the same
 * attributes (after a fingerprint re-check) for changed. Anything else is refused
 * as changed since the compare, and erased keys are refused as erased.
 */

export const COPY_BACK_CONCURRENCY = 8;
export const CHANGED_SINCE_COMPARE = "changed since compare: the live item is no longer what the compare saw; run the compare again";

type Clients = { s3: S3Client; dynamodb: DynamoDBClient };

export class CopyBackInputError extends DomainError {
  override name = "CopyBackInputError";
  constructor(reason: string) {
    super(400, "copy-back-invalid", `The copy-back cannot run: ${reason}.`);
  }
}

async function selectedEntries(clients: Clients, config: LazarusConfig, state: CompareState, body: CopyBackBody): Promise<CompareEntry[]> {
  const chunks = state.chunks[body.category];
  const wanted = "ids" in body.selection ? new Set(body.selection.ids) : null;
  const chunkNumbers = wanted ? [...new Set([...wanted].map((id) => Number(id.split(":")[0])))] : Array.from({ length: chunks }, (_, i) => i);
  const entries: CompareEntry[] = [];
  for (const n of chunkNumbers.sort((a, b) => a - b)) {
    if (n >= chunks) throw new CopyBackInputError(`there is no chunk ${n} in this compare's ${body.category} list`);
    const chunk = await loadCompareChunk(clients.s3, config, state.jobId, state.compareId, body.category, n);
    if (!chunk) throw new CopyBackInputError(`chunk ${n} of the compare is missing; run the compare again`);
    entries.push(...(wanted ? chunk.entries.filter((e) => wanted.has(e.id)) : chunk.entries));
  }
  if (wanted && entries.length !== wanted.size) throw new CopyBackInputError("some selected items are not in this compare; reload the list");
  return entries;
}

export async function copyBack(clients: Clients, config: LazarusConfig, service: ServiceConfig, job: PitrJob, state: CompareState, body: CopyBackBody, actor: SessionUser): Promise<CopyBackResult> {
  if (state.status !== "done") throw new CopyBackInputError("the compare has not finished; copy back once it is done");
  // `state` is the latest compare: a selection made on an older one's page is stale.
  if (state.compareId !== body.compareId) throw new CopyBackInputError("a newer compare exists; review its results before copying back");
  const entries = await selectedEntries(clients, config, state, body);
  const erasures = await loadErasures(clients.s3, config, service);
  const restorePoint = job.restoreDateTime ?? job.requestedTime ?? null;

  const operation = auditedOperation(clients.s3, config, {
    actor: { id: actor.id, email: actor.email, name: actor.name },
    role: actor.role,
    action: "pitr-restore",
    service: service.name,
    table: service.table.name,
    mode: `copy-back-${body.category}`,
    details: { jobId: job.id, compareId: state.compareId, sourceTable: job.targetTable, requested: entries.length, all: "all" in body.selection },
  });
  // Write-ahead: nothing is written to the live table that the audit log does not announce.
  await operation.start();

  const limit = pLimit(COPY_BACK_CONCURRENCY);
  const pk = service.table.partitionKey.name;
  const items = await Promise.all(
    entries.map((entry) =>
      limit(async (): Promise<CopyBackItemResult> => {
        const base = { id: entry.id, key: entry.key };
        const erasure = erasures.get(erasureKeyHash(service.name, entry.key[pk] as KeyValue));
        if (erasure && erasureCovers(erasure, restorePoint)) return { ...base, outcome: "erased", message: erasedMessage(erasure) };
        if (!entry.restored) return { ...base, outcome: "failed", message: "the compare holds no restored item for this key" };
        try {
          let condition;
          if (body.category === "only-in-restored") {
            condition = { ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": pk } };
          } else {
            const live = await withThrottleRetry(() => getLiveItem(clients.dynamodb, service.table.name, entry.key));
            if (itemFingerprint(live) !== entry.liveFingerprint || live === null) return { ...base, outcome: "changed-since-compare", message: CHANGED_SINCE_COMPARE };
            const { guard: _guard, ...rest } = overwriteCondition(live, pk);
            condition = rest;
          }
          await withThrottleRetry(() => clients.dynamodb.send(new PutItemCommand({ TableName: service.table.name, Item: toSdkItem(entry.restored!), ...condition })));
          return { ...base, outcome: "copied" };
        } catch (error) {
          if (error instanceof Error && error.name === "ConditionalCheckFailedException") return { ...base, outcome: "changed-since-compare", message: CHANGED_SINCE_COMPARE };
          return { ...base, outcome: "failed", message: error instanceof Error ? error.name : "unknown error" };
        }
      }),
    ),
  );
  const counts: Record<CopyBackOutcome, number> = { copied: 0, "changed-since-compare": 0, erased: 0, failed: 0 };
  for (const item of items) counts[item.outcome]++;
  // The list of keys written or refused can be long; the entry names where it is kept.
  const results = await saveCopyBackResults(clients.s3, config, job.id, state.compareId, operation.operationId, {
    operationId: operation.operationId,
    category: body.category,
    // An erased key is named by its ledger hash: this list must not bring it back either.
    items: items.map(({ key, outcome, message }) => ({
      ...(outcome === "erased" ? { keyHash: erasureKeyHash(service.name, key[pk] as KeyValue) } : { key }),
      outcome,
      ...(message ? { message } : {}),
    })),
  }).catch((error: unknown) => {
    console.error(JSON.stringify({ message: "copy-back results not stored", operationId: operation.operationId, error: error instanceof Error ? error.name : "unknown" }));
    return null;
  });
  const outcome = counts.copied === items.length ? "succeeded" : counts.copied === 0 && counts.failed === 0 ? "refused" : counts.failed > 0 ? "failed" : "succeeded";
  await operation.finish(outcome, `copied ${counts.copied} of ${items.length} items back into ${service.table.name}`, {
    counts,
    ...(results ? { results } : { results: "not stored: see the server log" }),
  });
  return { auditId: operation.operationId, counts, items };
}

/** What the copy-back route runs, and what an approved copy-back request runs: the job's latest compare, then copyBack. */
export async function copyBackFromLatestCompare(clients: Clients, config: LazarusConfig, jobId: string, body: CopyBackBody, actor: SessionUser): Promise<CopyBackResult> {
  const { job, service } = await requireJob(clients, config, jobId);
  const state = await loadLatestCompareState(clients.s3, config, job.id);
  if (!state) throw new DomainError(404, "compare-not-found", "This restore has not been compared with live yet.");
  return copyBack(clients, config, service, job, state, body, actor);
}
