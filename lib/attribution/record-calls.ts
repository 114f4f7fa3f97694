import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { LazarusConfig } from "../config/schema";
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
}

/**
 * Turns one CloudTrail data event into attribution records. Calls that deleted nothing
 * in a protected table (a failed condition, a put, another table) write nothing.
 * Safe to repeat: a redelivered event rewrites nothing.
 */
export async function recordCallEvent(s3: S3Client, config: Pick<LazarusConfig, "archive" | "services">, event: unknown, now = new Date()): Promise<RecordedCall> {
  const detail = parseCloudTrailDetail(event);
  const calls = deletedKeyCalls(detail, config.services);
  const limit = pLimit(ATTRIBUTION_WRITE_CONCURRENCY);
  const outcomes = await Promise.all(calls.map((c) => limit(() => writeAttribution(s3, config.archive, c, now))));
  return {
    eventId: detail.eventID,
    api: detail.eventName,
    keys: calls.length,
    written: outcomes.filter((o) => o === "written").length,
    duplicates: outcomes.filter((o) => o === "duplicate").length,
  };
}
