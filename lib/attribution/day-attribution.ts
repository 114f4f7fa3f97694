import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { NamedKey } from "../archive/archive-names";
import type { CalendarDay } from "../archive/archive-input";
import type { DayEntry } from "../archive/day-listing";
import type { DeletionType } from "../archive/stream-record";
import { encodeKeyValue } from "../archive/key-codec";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { KEYLESS_FOLDER } from "./attribution-layout";
import { listDayAttributions, type ListedAttribution } from "./attribution-store";
import { matchDeletion } from "./join";

/** What the day table shows in its "Deleted by" column. */
export type DeletedByCell =
  | { state: "found"; label: string; api: string; confidence: "exact" | "inferred" }
  | { state: "ttl" }
  | { state: "pending" }
  | { state: "no-event"; reason: "trail-off" | "replicated" | "not-recorded" };

const folderOf = (pk: NamedKey, sk: NamedKey | undefined) => [pk, ...(sk ? [sk] : [])].map((k) => (k.hashed ? k.encoded : encodeKeyValue(k.value))).join("_");

/**
 * The callers of a page of a day's deletions, from attribution names alone: one LIST of
 * the day's attribution folder per 1,000 calls recorded that day, no GETs. Calls filed
 * under the neighbouring day (a deletion within seconds of midnight) are not looked up
 * here; the record page does.
 */
export async function deletedByForDay(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  entries: readonly DayEntry[],
  now = new Date(),
  /** The day's calls, when the caller has listed them already (an export reads a day in many pages). */
  listedCalls?: readonly ListedAttribution[],
): Promise<Map<string, DeletedByCell>> {
  const out = new Map<string, DeletedByCell>();
  const records = entries.filter((e): e is Extract<DayEntry, { kind: "record" }> => e.kind === "record");
  if (records.length === 0) return out;
  const hasManual = records.some((r) => r.deletionType === "manual");
  const listed = !hasManual || !config.attribution.enabled ? [] : (listedCalls ?? (await listDayAttributions(s3, config.archive, service.name, new Date(Date.UTC(day.year, day.month - 1, day.day)))));
  const byFolder = new Map<string, ListedAttribution[]>();
  for (const call of listed) byFolder.set(call.keyFolder, [...(byFolder.get(call.keyFolder) ?? []), call]);
  const keyless = byFolder.get(KEYLESS_FOLDER) ?? [];
  for (const r of records) {
    const matched = matchDeletion(
      { table: service.table.name, deletedAt: r.deletedAt, deletionType: r.deletionType },
      byFolder.get(folderOf(r.partitionKey, r.sortKey)) ?? [],
      keyless,
      config.attribution,
      now,
    );
    out.set(
      r.archiveKey,
      matched.state === "found" ? { state: "found", label: matched.call.principalLabel, api: matched.call.api, confidence: matched.confidence }
      : matched.state === "pending" ? { state: "pending" }
      : matched,
    );
  }
  return out;
}

/** A cell as one word or label, for exports and anything else without room to explain. */
export function deletedByLabel(cell: DeletedByCell | undefined): string {
  if (!cell) return "";
  switch (cell.state) {
    case "found":
      return cell.confidence === "exact" ? cell.label : `${cell.label} (inferred)`;
    case "ttl":
      return "DynamoDB TTL";
    case "pending":
      return "not yet known";
    case "no-event":
      return cell.reason === "trail-off" ? "trail off" : cell.reason === "replicated" ? "another region" : "no matching call";
  }
}

/**
 * The callers of deletions found by key (search results), grouped by service and UTC
 * day: one LIST of a day's attribution folder per service-day with a manual deletion
 * (per 1,000 calls that day), however many results fall on it; no GETs.
 */
export async function deletedByForDeletions(
  s3: S3Client,
  config: LazarusConfig,
  deletions: readonly { service: string; archiveKey: string; deletedAt: Date; deletionType: DeletionType; partitionKey: NamedKey; sortKey?: NamedKey }[],
  now = new Date(),
): Promise<Map<string, DeletedByCell>> {
  const groups = new Map<string, { service: ServiceConfig; day: CalendarDay; entries: DayEntry[] }>();
  for (const d of deletions) {
    const service = config.services.find((s) => s.name === d.service);
    if (!service) continue;
    const day = { year: d.deletedAt.getUTCFullYear(), month: d.deletedAt.getUTCMonth() + 1, day: d.deletedAt.getUTCDate() };
    const id = `${d.service}/${day.year}-${day.month}-${day.day}`;
    const group = groups.get(id) ?? { service, day, entries: [] };
    group.entries.push({ kind: "record", id: d.archiveKey, archiveKey: d.archiveKey, deletedAt: d.deletedAt, deletionType: d.deletionType, partitionKey: d.partitionKey, ...(d.sortKey ? { sortKey: d.sortKey } : {}), size: 0, storageClass: "" });
    groups.set(id, group);
  }
  const out = new Map<string, DeletedByCell>();
  for (const cells of await Promise.all([...groups.values()].map((g) => deletedByForDay(s3, config, g.service, g.day, g.entries, now)))) {
    for (const [key, cell] of cells) out.set(key, cell);
  }
  return out;
}
