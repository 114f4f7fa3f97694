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
import { candidateDays, matchDeletion } from "./join";
import { matchesPrincipal, type PrincipalFilter } from "./principal-filter";

/** What the day table shows in its "Deleted by" column. */
export type DeletedByCell =
  | { state: "found"; label: string; api: string; confidence: "exact" | "inferred" }
  | { state: "ttl" }
  | { state: "pending" }
  | { state: "no-event"; reason: "trail-off" | "replicated" | "not-recorded" };

const folderOf = (pk: NamedKey, sk: NamedKey | undefined) => [pk, ...(sk ? [sk] : [])].map((k) => (k.hashed ? k.encoded : encodeKeyValue(k.value))).join("_");

/** A service-day's calls; a reader shares one so each service-day is listed once (an export reads a day in many pages). */
export type DayCallsLister = (service: string, day: Date) => Promise<ListedAttribution[]>;

/** Readers go day by day, so only the last few service-days are kept: a year-long export holds a few days' calls, not the year's. */
const KEPT_DAYS = 8;

export function dayCallsLister(s3: S3Client, config: LazarusConfig): DayCallsLister {
  const listed = new Map<string, Promise<ListedAttribution[]>>();
  return (service, day) => {
    const id = `${service}/${day.toISOString().slice(0, 10)}`;
    let calls = listed.get(id);
    if (!calls) {
      calls = listDayAttributions(s3, config.archive, service, day);
      listed.set(id, calls);
      for (const old of listed.keys()) {
        if (listed.size <= KEPT_DAYS) break;
        listed.delete(old);
      }
    }
    return calls;
  };
}

const dayStart = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

/**
 * The callers of a page of a day's deletions, from attribution names alone: one LIST of
 * the day's attribution folder per 1,000 calls recorded that day, no GETs. A call is filed
 * under the day of its own eventTime, so a deletion within the match window of midnight
 * may have its call in the neighbouring day's folder: that folder is listed too, once,
 * and only when such a deletion is on the page.
 */
export async function deletedByForDay(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  entries: readonly DayEntry[],
  now = new Date(),
  /** Shared by a reader that looks at many pages or days, so each service-day is listed once. */
  calls: DayCallsLister = dayCallsLister(s3, config),
): Promise<Map<string, DeletedByCell>> {
  const out = new Map<string, DeletedByCell>();
  const records = entries.filter((e): e is Extract<DayEntry, { kind: "record" }> => e.kind === "record");
  if (records.length === 0) return out;
  const settings = config.attribution;
  const manual = settings.enabled ? records.filter((r) => r.deletionType === "manual") : [];
  const days = new Set<number>();
  if (manual.length > 0) days.add(Date.UTC(day.year, day.month - 1, day.day));
  for (const r of manual) for (const d of candidateDays(r.deletedAt, settings.matchWindowSeconds)) days.add(dayStart(d));
  // Per day listed, its calls by key folder.
  const folders = new Map<number, Map<string, ListedAttribution[]>>();
  await Promise.all(
    [...days].map(async (start) => {
      const byFolder = new Map<string, ListedAttribution[]>();
      for (const call of await calls(service.name, new Date(start))) byFolder.set(call.keyFolder, [...(byFolder.get(call.keyFolder) ?? []), call]);
      folders.set(start, byFolder);
    }),
  );
  const near = (r: Extract<DayEntry, { kind: "record" }>, folder: string) =>
    r.deletionType === "manual" ? candidateDays(r.deletedAt, settings.matchWindowSeconds).flatMap((d) => folders.get(dayStart(d))?.get(folder) ?? []) : [];
  for (const r of records) {
    const matched = matchDeletion(
      { table: service.table.name, deletedAt: r.deletedAt, deletionType: r.deletionType },
      near(r, folderOf(r.partitionKey, r.sortKey)),
      near(r, KEYLESS_FOLDER),
      settings,
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

/** How a caller filter judges one deletion: the caller's, not yet known (may still match), no known caller (manual), or anything else (TTL, another caller). */
export type CallerVerdict = "matched" | "notYetKnown" | "noCaller" | "other";

export function callerVerdict(cell: DeletedByCell | undefined, deletionType: DeletionType, filter: PrincipalFilter): CallerVerdict {
  if (cell?.state === "found") return matchesPrincipal(cell.label, filter) ? "matched" : "other";
  if (cell?.state === "pending") return "notYetKnown";
  if (deletionType === "manual" && cell?.state === "no-event") return "noCaller";
  return "other";
}

/** What a caller filter looked at, for "31 of 412 deletions match; 3 not yet attributed". */
export interface CallerCounts {
  examined: number;
  matched: number;
  notYetKnown: number;
  noCaller: number;
}

export function countVerdict(counts: CallerCounts, verdict: CallerVerdict): void {
  counts.examined += 1;
  if (verdict !== "other") counts[verdict] += 1;
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
 * (per 1,000 calls that day), however many results fall on it, and the neighbouring
 * day's only for a deletion within the match window of midnight; no GETs.
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
  const calls = dayCallsLister(s3, config);
  for (const cells of await Promise.all([...groups.values()].map((g) => deletedByForDay(s3, config, g.service, g.day, g.entries, now, calls)))) {
    for (const [key, cell] of cells) out.set(key, cell);
  }
  return out;
}
