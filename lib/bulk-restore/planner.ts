import "server-only";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { emptyBulkReadStats, getArchivedRecords, type BulkReadStats } from "../archive/bulk-record-read";
import type { AttributeMap, KeyValue } from "../archive/attribute-value";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { compareItems, type DiffChange } from "../diff/item-diff";
import { erasedMessage, erasureCovers, erasureKeyHash, loadErasures, type ErasureRecord } from "../erasure/erasure-ledger";
import { erasureOfMissingRecord } from "../erasure/erasure-check";
import { erasedItemView } from "../erasure/erased-item";
import { itemFingerprint } from "../restore/live-item";
import { tableKeyOf, tableKeyText } from "../restore/table-key";
import { readTtlState } from "../restore/ttl-choice";
import type { PlanCounts, PlanItem, PlanSummary } from "./job-types";
import { PLAN_CATEGORIES } from "./job-types";
import { batchGetLiveItems, keyId } from "./live-items";

export function erasureOf(erasures: Map<string, ErasureRecord>, service: ServiceConfig, key: Record<string, KeyValue>, deletedAt: string | null): ErasureRecord | null {
  const pk = key[service.table.partitionKey.name];
  if (!pk) return null;
  const erasure = erasures.get(erasureKeyHash(service.name, pk));
  return erasure && erasureCovers(erasure, deletedAt) ? erasure : null;
}

export interface Plan {
  items: PlanItem[];
  /** The service's erasure ledger as the plan read it. */
  erasures: Map<string, ErasureRecord>;
  diffs: Record<number, DiffChange[]>;
  /** The archived image of each item the run may write (absent or conflicting), by item position. */
  images: Map<number, AttributeMap>;
  summary: Omit<PlanSummary, "unresolved" | "plannedAt" | "durationMs">;
}

export interface PlanStats {
  reads: BulkReadStats;
  batchGetRequests: number;
}

/**
 * Reads every archived item (a sealed day's by ranges of its bundles), looks the live items up with
 * BatchGetItem, and sorts each item into absent / identical / conflicting /
 * duplicate / unreadable / erased. Nothing is written.
 */
export async function planBulkRestore(
  clients: { s3: S3Client; dynamodb: DynamoDBClient },
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKeys: string[],
  now: Date,
  stats: PlanStats = { reads: emptyBulkReadStats(), batchGetRequests: 0 },
): Promise<Plan> {
  const erasures = await loadErasures(clients.s3, config, service);
  const archived = await getArchivedRecords(clients.s3, config, service, archiveKeys, { now, stats: stats.reads });

  // An object gone because its key was erased: recognised by its name (hashed names too), and named without the key.
  const erasedMissing = await Promise.all(
    archived.map((record, i) => (!record.ok && record.error.kind === "not-found" ? erasureOfMissingRecord(clients.s3, config, service, archiveKeys[i] as string, erasures) : null)),
  );

  const items: PlanItem[] = [];
  const images = new Map<number, AttributeMap>();
  // The same item deleted more than once in the selection: only its latest deletion is restored.
  const latestByKey = new Map<string, number>();
  archived.forEach((record, i) => {
    const archiveKey = archiveKeys[i] as string;
    if (!record.ok) {
      const erasure = erasedMissing[i];
      if (erasure) {
        items.push({ i, ...erasedItemView(config, service, { archiveKey, key: null }, erasure.keyHash), key: null, deletedAt: null, category: "erased", reason: erasedMessage(erasure) });
        return;
      }
      items.push({ i, archiveKey, key: null, keyText: archiveKey.split("/").at(-1) ?? archiveKey, deletedAt: null, category: "unreadable", reason: record.error.message });
      return;
    }
    const deletedAt = record.deletion.deletedAt ? new Date(record.deletion.deletedAt).toISOString() : null;
    const key = tableKeyOf(service, record.deletion);
    if (typeof key === "string") {
      items.push({ i, archiveKey, key: null, keyText: archiveKey.split("/").at(-1) ?? archiveKey, deletedAt, category: "unreadable", reason: `cannot be restored: ${key}` });
      return;
    }
    const item: PlanItem = { i, archiveKey, key, keyText: tableKeyText(service, key), deletedAt, category: "absent", archivedFingerprint: itemFingerprint(record.deletion.oldImage) };
    // Where the run reads the image again (one ranged GET for a chunk's neighbouring members) when it has not kept it.
    if (record.sealed) item.sealed = { ...record.sealed, size: record.size };
    const ttl = readTtlState(record.deletion.oldImage, service.table.ttlAttribute, now);
    if (ttl) item.ttlExpired = ttl.expired;
    const erasure = erasureOf(erasures, service, key, deletedAt);
    if (erasure) {
      // Job state written after an erasure does not name the key (docs/ERASURE.md, "Job state").
      items.push({
        i,
        ...erasedItemView(config, service, { archiveKey, key }),
        key: null,
        deletedAt,
        category: "erased",
        reason: erasedMessage(erasure),
        ...(item.ttlExpired !== undefined ? { ttlExpired: item.ttlExpired } : {}),
      });
      return;
    }
    const id = keyId(key);
    const earlier = latestByKey.get(id);
    if (earlier !== undefined) {
      const other = items[earlier] as PlanItem;
      const otherIsOlder = (other.deletedAt ?? "") <= (deletedAt ?? "");
      const older = otherIsOlder ? other : item;
      older.category = "duplicate";
      older.reason = "a later deletion of the same item is in this job";
      if (otherIsOlder) {
        images.delete(earlier);
        latestByKey.set(id, i);
        images.set(i, record.deletion.oldImage);
      }
      items.push(item);
      return;
    }
    latestByKey.set(id, i);
    images.set(i, record.deletion.oldImage);
    items.push(item);
  });

  const candidates = items.filter((item) => images.has(item.i) && item.category === "absent");
  const live = await batchGetLiveItems(
    clients.dynamodb,
    service.table.name,
    candidates.map((item) => item.key as Record<string, KeyValue>),
    { onRequest: () => (stats.batchGetRequests += 1) },
  );
  const diffs: Record<number, DiffChange[]> = {};
  for (const item of candidates) {
    const liveItem = live.get(keyId(item.key as Record<string, KeyValue>)) ?? null;
    const comparison = compareItems(images.get(item.i) as AttributeMap, liveItem);
    item.liveFingerprint = itemFingerprint(liveItem);
    if (comparison.status === "identical") item.category = "identical";
    if (comparison.status === "changed") {
      item.category = "conflicting";
      diffs[item.i] = comparison.changes;
    }
  }

  const counts = Object.fromEntries(PLAN_CATEGORIES.map((c) => [c, 0])) as PlanCounts;
  for (const item of items) counts[item.category] += 1;
  const withTtl = items.filter((item) => item.ttlExpired !== undefined);
  for (const i of images.keys()) if ((items[i] as PlanItem).category === "identical") images.delete(i);
  return {
    items,
    erasures,
    diffs,
    images,
    summary: {
      counts,
      ttl: service.table.ttlAttribute ? { attribute: service.table.ttlAttribute, withTtl: withTtl.length, expired: withTtl.filter((item) => item.ttlExpired).length } : null,
    },
  };
}
