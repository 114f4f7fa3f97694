import "server-only";
import { randomUUID } from "node:crypto";
import { DescribeTableCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { AttributeMap, KeyValue } from "../archive/attribute-value";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasureCovers, erasureKeyHash, loadErasures } from "../erasure/erasure-ledger";
import { getLiveItem, itemFingerprint, ABSENT_FINGERPRINT } from "../restore/live-item";
import { fromSdkItem } from "../restore/sdk-attribute-value";
import { claimLatestCompare, saveCompareChunk, saveCompareState } from "./pitr-store";
import { withThrottleRetry } from "./retry";
import { COMPARE_CATEGORIES, type CompareCategory, type CompareEntry, type CompareState, type PitrJob } from "./pitr-types";

/**
 * Compares a restored table with the live one (docs/PITR.md, "Compare").
 *
 * Memory: the live table is scanned first and only its keys and fingerprints are
 * kept (about 150 bytes an item: 1 M items ≈ 150 MB). The restored table is then
 * streamed; an item equal to its live fingerprint is dropped at once, a difference
 * is written to S3 in chunks of CHUNK_SIZE entries, and for a changed item the live
 * version is read back with one GetItem. Neither table is ever held whole.
 */

export const CHUNK_SIZE = 100;
export const DEFAULT_SEGMENTS = 4;
export const MAX_SEGMENTS = 8;
const PROGRESS_EVERY_MS = 1000;

type Clients = { s3: S3Client; dynamodb: DynamoDBClient };

export function itemKey(service: ServiceConfig, item: AttributeMap): Record<string, KeyValue> {
  const key: Record<string, KeyValue> = {};
  for (const attribute of [service.table.partitionKey, service.table.sortKey]) {
    if (!attribute) continue;
    const value = item[attribute.name];
    if (!value) throw new Error(`an item lacks the key attribute ${attribute.name}`);
    key[attribute.name] = value as KeyValue;
  }
  return key;
}

/** Typed key values in key-schema order: a stable map key (DynamoDB normalizes number text). */
export function keyString(service: ServiceConfig, key: Record<string, KeyValue>): string {
  return JSON.stringify([key[service.table.partitionKey.name], service.table.sortKey ? key[service.table.sortKey.name] : null]);
}

/** Scans a table with `segments` parallel segments, handing each page's items to `onPage`. */
export async function parallelScan(
  dynamodb: DynamoDBClient,
  table: string,
  segments: number,
  onPage: (items: AttributeMap[]) => Promise<void> | void,
  options: { consistentRead?: boolean } = {},
): Promise<void> {
  await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      let startKey: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
      do {
        const page = await withThrottleRetry(() =>
          dynamodb.send(
            new ScanCommand({
              TableName: table,
              ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
              ...(options.consistentRead ? { ConsistentRead: true } : {}),
              ...(startKey ? { ExclusiveStartKey: startKey } : {}),
            }),
          ),
        );
        await onPage((page.Items ?? []).map(fromSdkItem));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }),
  );
}

async function approximateCount(dynamodb: DynamoDBClient, table: string): Promise<number | null> {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table?.ItemCount ?? null;
  } catch {
    return null;
  }
}

/**
 * A running compare writes its progress at least every few seconds; one silent for
 * this long belongs to a server that stopped (a restart, a crash), and nothing will
 * finish it, so it is shown as stalled and a new one may start.
 */
export const COMPARE_STALE_MS = 60_000;

export function withStallStatus(state: CompareState | null, now = Date.now()): CompareState | null {
  if (state?.status !== "running" || now - new Date(state.updatedAt).getTime() < COMPARE_STALE_MS) return state;
  return { ...state, status: "stalled", error: `no progress since ${state.updatedAt}: the server running it stopped; run the compare again` };
}

/**
 * Writes the first state, makes it the latest compare (conditionally on `latestEtag`,
 * the ETag of latest.json the caller saw, null for none: throws
 * CompareStartedElsewhereError if another instance moved first) and runs the compare in
 * the background; the state in S3 is what the UI polls.
 */
export async function startCompare(
  clients: Clients,
  config: LazarusConfig,
  service: ServiceConfig,
  job: PitrJob,
  options: { segments?: number; latestEtag: string | null },
): Promise<{ state: CompareState; done: Promise<CompareState> }> {
  const segments = Math.min(MAX_SEGMENTS, Math.max(1, options.segments ?? DEFAULT_SEGMENTS));
  const now = new Date().toISOString();
  const [live, restored] = await Promise.all([approximateCount(clients.dynamodb, service.table.name), approximateCount(clients.dynamodb, job.targetTable)]);
  const state: CompareState = {
    schemaVersion: 1,
    jobId: job.id,
    compareId: randomUUID(),
    status: "running",
    startedAt: now,
    updatedAt: now,
    segments,
    scanned: { live: 0, restored: 0 },
    approximateCounts: { live, restored },
    counts: { "only-in-restored": 0, "only-in-live": 0, changed: 0 },
    identical: 0,
    chunks: { "only-in-restored": 0, "only-in-live": 0, changed: 0 },
  };
  await saveCompareState(clients.s3, config, state);
  await claimLatestCompare(clients.s3, config, job.id, state.compareId, options.latestEtag);
  const done = runCompare(clients, config, service, job, state).catch(async (error: unknown) => {
    const failed: CompareState = { ...state, status: "failed", updatedAt: new Date().toISOString(), error: error instanceof Error ? `${error.name}: ${error.message}` : "unknown error" };
    console.error(JSON.stringify({ message: "pitr compare failed", jobId: job.id, compareId: state.compareId, error: error instanceof Error ? error.name : "unknown" }));
    await saveCompareState(clients.s3, config, failed).catch(() => undefined);
    return failed;
  });
  return { state: { ...state }, done };
}

export async function runCompare(clients: Clients, config: LazarusConfig, service: ServiceConfig, job: PitrJob, state: CompareState): Promise<CompareState> {
  const buffers: Record<CompareCategory, CompareEntry[]> = { "only-in-restored": [], "only-in-live": [], changed: [] };
  let lastProgress = Date.now();
  const flush = async (category: CompareCategory, force = false) => {
    while (buffers[category].length >= CHUNK_SIZE || (force && buffers[category].length > 0)) {
      const chunk = state.chunks[category]++;
      const entries = buffers[category].splice(0, CHUNK_SIZE).map((e, i) => ({ ...e, id: `${chunk}:${i}` }));
      await withThrottleRetry(() => saveCompareChunk(clients.s3, config, job.id, state.compareId, { category, chunk, entries }));
    }
  };
  // Erased keys are not written into compare state (whole items, held beside the archive):
  // the restored table may be from before the erasure. Counted, never named.
  const erasures = await loadErasures(clients.s3, config, service);
  const restorePoint = job.restoreDateTime ?? job.requestedTime ?? null;
  const isErased = (key: Record<string, KeyValue>) => {
    const pk = key[service.table.partitionKey.name];
    const erasure = pk ? erasures.get(erasureKeyHash(service.name, pk)) : undefined;
    return erasure !== undefined && erasureCovers(erasure, restorePoint);
  };
  const add = async (category: CompareCategory, entry: Omit<CompareEntry, "id">) => {
    if (isErased(entry.key)) {
      state.erased = (state.erased ?? 0) + 1;
      return;
    }
    state.counts[category]++;
    buffers[category].push({ id: "", ...entry });
    await flush(category);
  };
  const progress = async () => {
    if (Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = Date.now();
    await saveCompareState(clients.s3, config, { ...state, updatedAt: new Date().toISOString() });
  };

  const live = new Map<string, string>();
  await parallelScan(
    clients.dynamodb,
    service.table.name,
    state.segments,
    async (items) => {
      for (const item of items) live.set(keyString(service, itemKey(service, item)), itemFingerprint(item));
      state.scanned.live += items.length;
      await progress();
    },
    { consistentRead: true },
  );

  const reads = pLimit(8);
  await parallelScan(clients.dynamodb, job.targetTable, state.segments, async (items) => {
    await Promise.all(
      items.map((restored) =>
        reads(async () => {
          const key = itemKey(service, restored);
          const id = keyString(service, key);
          const seen = live.get(id);
          live.delete(id);
          const fingerprint = itemFingerprint(restored);
          if (seen === fingerprint) {
            state.identical++;
            return;
          }
          if (seen === undefined) return add("only-in-restored", { key, restored, liveFingerprint: ABSENT_FINGERPRINT });
          // The live side kept only a fingerprint; read the item back for the diff. It may have moved on since the scan.
          const current = await withThrottleRetry(() => getLiveItem(clients.dynamodb, service.table.name, key));
          if (current === null) return add("only-in-restored", { key, restored, liveFingerprint: ABSENT_FINGERPRINT });
          const currentFingerprint = itemFingerprint(current);
          if (currentFingerprint === fingerprint) {
            state.identical++;
            return;
          }
          return add("changed", { key, restored, live: current, liveFingerprint: currentFingerprint });
        }),
      ),
    );
    state.scanned.restored += items.length;
    await progress();
  });

  for (const [id, fingerprint] of live) {
    const [pk, sk] = JSON.parse(id) as [KeyValue, KeyValue | null];
    const key: Record<string, KeyValue> = { [service.table.partitionKey.name]: pk };
    if (service.table.sortKey && sk) key[service.table.sortKey.name] = sk;
    await add("only-in-live", { key, liveFingerprint: fingerprint });
  }
  for (const category of COMPARE_CATEGORIES) await flush(category, true);
  const finished: CompareState = { ...state, status: "done", updatedAt: new Date().toISOString(), finishedAt: new Date().toISOString() };
  await saveCompareState(clients.s3, config, finished);
  return finished;
}
