import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { LazarusConfig } from "../config/schema";
import { ErasedKeyCache } from "../erasure/erasure-cache";
import { writeAttribution } from "./attribution-store";
import { deletedKeyCalls, parseCloudTrailDetail } from "./deleted-key-call";

/** Records written at once for one event: a BatchWriteItem names up to 25 keys, a transaction up to 100. */
export const ATTRIBUTION_WRITE_CONCURRENCY = 16;

export interface RecordedCall {
  eventId: string;
  api: string;
  /** Keys (or keyless table entries) the call deleted in protected tables. */
  keys: number;
  written: number;
  duplicates: number;
  /** Keys erased after this call: nothing is written for them (the erasure ledger says so). */
  erased: number;
}

/**
 * The erasure ledger as the attribution function sees it: one cache per service, kept as
 * long as the function instance, as the archiver keeps its own (erasure-cache.ts), so a
 * call that reaches it after its key was erased (a late or redelivered event) brings no
 * key text back, without a ledger read per event.
 */
export class ErasedKeysByService {
  private readonly caches = new Map<string, ErasedKeyCache>();

  constructor(
    private readonly s3: S3Client,
    private readonly archive: Pick<LazarusConfig["archive"], "bucket" | "prefix">,
  ) {}

  of(service: string): ErasedKeyCache {
    let cache = this.caches.get(service);
    if (!cache) {
      cache = new ErasedKeyCache(this.s3, { bucket: this.archive.bucket, prefix: this.archive.prefix, service });
      this.caches.set(service, cache);
    }
    return cache;
  }
}

/**
 * Turns one CloudTrail data event into attribution records. Calls that deleted nothing
 * in a protected table (a failed condition, a put, another table) write nothing.
 * Safe to repeat: a redelivered event rewrites nothing.
 */
export async function recordCallEvent(
  s3: S3Client,
  config: Pick<LazarusConfig, "archive" | "services">,
  event: unknown,
  now = new Date(),
  erasures: ErasedKeysByService = new ErasedKeysByService(s3, config.archive),
): Promise<RecordedCall> {
  const detail = parseCloudTrailDetail(event);
  const calls = deletedKeyCalls(detail, config.services);
  const limit = pLimit(ATTRIBUTION_WRITE_CONCURRENCY);
  const outcomes = await Promise.all(
    calls.map((c) =>
      limit(async () => {
        // Fails closed: a ledger that cannot be read throws, and the event is retried.
        if (c.key && (await erasures.of(c.service).erasureCovering(c.key.partitionKey, new Date(c.eventTime), now))) return "erased" as const;
        return writeAttribution(s3, config.archive, c, now);
      }),
    ),
  );
  return {
    eventId: detail.eventID,
    api: detail.eventName,
    keys: calls.length,
    written: outcomes.filter((o) => o === "written").length,
    duplicates: outcomes.filter((o) => o === "duplicate").length,
    erased: outcomes.filter((o) => o === "erased").length,
  };
}
