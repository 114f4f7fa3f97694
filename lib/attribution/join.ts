import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { KeyValue } from "../archive/attribute-value";
import type { DeletionType } from "../archive/stream-record";
import type { AttributionSettings } from "../config/schema";
import type { ArchiveLocation, AttributionRecord, ListedAttribution } from "./attribution-store";
import { listKeyAttributions, readAttribution } from "./attribution-store";
import { KEYLESS_FOLDER } from "./attribution-layout";

/**
 * Who deleted an archived item: the archived deletion joined to the CloudTrail call
 * that made it, by service (table), key and time. The stream's
 * ApproximateCreationDateTime is rounded down to the second and CloudTrail's eventTime
 * is the second the request arrived, so a call matches a deletion within
 * `matchWindowSeconds` either side; the nearest wins.
 */
export type Attribution =
  | { state: "ttl" }
  | { state: "found"; confidence: "exact" | "inferred"; call: ListedAttribution; record: AttributionRecord | null; otherCandidates: number }
  | { state: "pending"; knownBy: Date }
  | { state: "no-event"; reason: NoEventReason };

export type NoEventReason = "trail-off" | "replicated" | "not-recorded";

export interface ArchivedDeletion {
  service: string;
  table: string;
  key: { partitionKey: KeyValue; sortKey?: KeyValue };
  deletedAt: Date;
  deletionType: DeletionType;
}

const dayOf = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

function nearest(calls: readonly ListedAttribution[], deletedAt: Date, windowSeconds: number): { best: ListedAttribution | undefined; count: number } {
  const within = calls
    .map((c) => ({ c, gap: Math.abs(c.eventTime.getTime() - deletedAt.getTime()) }))
    .filter((x) => x.gap <= windowSeconds * 1000)
    .sort((a, b) => a.gap - b.gap || a.c.eventHash.localeCompare(b.c.eventHash));
  return { best: within[0]?.c, count: within.length };
}

/**
 * The state of a deletion given the calls listed for its key and its table's keyless
 * calls. Pure: the page and the day table share it, whichever requests they made.
 */
export function matchDeletion(
  deletion: Pick<ArchivedDeletion, "table" | "deletedAt" | "deletionType">,
  keyCalls: readonly ListedAttribution[],
  keylessCalls: readonly ListedAttribution[],
  settings: AttributionSettings,
  now: Date,
): Exclude<Attribution, { state: "found" }> | { state: "found"; confidence: "exact" | "inferred"; call: ListedAttribution; otherCandidates: number } {
  if (deletion.deletionType === "ttl") return { state: "ttl" };
  if (!settings.enabled || (settings.since !== undefined && deletion.deletedAt.getTime() < Date.parse(settings.since))) {
    return { state: "no-event", reason: "trail-off" };
  }
  const exact = nearest(keyCalls, deletion.deletedAt, settings.matchWindowSeconds);
  if (exact.best) return { state: "found", confidence: "exact", call: exact.best, otherCandidates: exact.count - 1 };
  const inferred = nearest(keylessCalls, deletion.deletedAt, settings.matchWindowSeconds);
  if (inferred.best) return { state: "found", confidence: "inferred", call: inferred.best, otherCandidates: inferred.count - 1 };
  const knownBy = new Date(deletion.deletedAt.getTime() + settings.deliveryDelayMinutes * 60_000);
  if (now < knownBy) return { state: "pending", knownBy };
  if (settings.globalTables.includes(deletion.table)) return { state: "no-event", reason: "replicated" };
  return { state: "no-event", reason: "not-recorded" };
}

/** The UTC days a deletion's call may be filed under (eventTime can fall on the other side of midnight). */
export function candidateDays(deletedAt: Date, windowSeconds: number): Date[] {
  const days = new Map<number, Date>();
  for (const offset of [-windowSeconds, 0, windowSeconds]) {
    const d = dayOf(new Date(deletedAt.getTime() + offset * 1000));
    days.set(d.getTime(), d);
  }
  return [...days.values()];
}

/**
 * The record page's join: one LIST of the key's folder for the day (two within the
 * match window of midnight), one GET of the matching call for its details, and one
 * more LIST of the table's keyless calls only when no call named the key.
 */
export async function attributeDeletion(
  s3: S3Client,
  archive: ArchiveLocation,
  settings: AttributionSettings,
  deletion: ArchivedDeletion,
  now = new Date(),
): Promise<Attribution> {
  if (deletion.deletionType === "ttl") return { state: "ttl" };
  if (!settings.enabled) return { state: "no-event", reason: "trail-off" };
  const days = candidateDays(deletion.deletedAt, settings.matchWindowSeconds);
  const keyCalls = (await Promise.all(days.map((d) => listKeyAttributions(s3, archive, deletion.service, deletion.key, d)))).flat();
  let keylessCalls: ListedAttribution[] = [];
  if (nearest(keyCalls, deletion.deletedAt, settings.matchWindowSeconds).best === undefined) {
    keylessCalls = (await Promise.all(days.map((d) => listKeyAttributions(s3, archive, deletion.service, null, d)))).flat();
  }
  const matched = matchDeletion(deletion, keyCalls, keylessCalls.filter((c) => c.keyFolder === KEYLESS_FOLDER), settings, now);
  if (matched.state !== "found") return matched;
  return { ...matched, record: await readAttribution(s3, archive, matched.call.objectKey) };
}
