import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { ArchiveInputError, formatDay, parseDay, type CalendarDay, type NamedKey } from "../archive/archive-reader";
import type { KeyValue } from "../archive/attribute-value";
import { findDeletionsByPartitionKey, MAX_LOOKUP_LIMIT, type FoundDeletion } from "../archive/key-lookup";
import { checkArchiveKey } from "../archive/listed-key";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { dayRecordsPage } from "../http/day-records";
import { MAX_FILTER_DAYS, MAX_JOB_ITEMS, type Selection } from "./job-types";

/** A selection larger than one job may hold: refused before any record is read. */
export class JobTooLargeError extends ArchiveInputError {
  constructor(found: string) {
    super(`The selection holds ${found} records; one bulk restore handles at most ${MAX_JOB_ITEMS.toLocaleString("en-US")}. Narrow the filter (fewer days, a deletion type or a key prefix) or split the job.`);
  }
}

export interface ResolvedSelection {
  archiveKeys: string[];
  unresolved: { input: string; reason: string }[];
}

const MAX_PASTED_LINES = MAX_JOB_ITEMS;
const LOOKUP_CONCURRENCY = 8;
const DAY_PAGE_LIMIT = 500;

/** Turns a selection into the archive objects to restore; the order is the job's item order. */
export async function resolveSelection(s3: S3Client, config: LazarusConfig, service: ServiceConfig, selection: Selection): Promise<ResolvedSelection> {
  switch (selection.kind) {
    case "archive-keys": {
      const keys = [...new Set(selection.archiveKeys)];
      // A seed-era name with "..", "//" or "/./" is taken only when the bucket lists it (one LIST each).
      for (const key of keys) await checkArchiveKey(s3, config, service, key);
      return { archiveKeys: keys, unresolved: [] };
    }
    case "filter":
      return { archiveKeys: await resolveFilter(s3, config, service, selection), unresolved: [] };
    case "pasted-keys":
      return resolvePasted(s3, config, service, selection.text);
  }
}

export function daysBetween(fromText: string, toText: string): CalendarDay[] {
  const from = parseDay(fromText);
  const to = parseDay(toText);
  const start = Date.UTC(from.year, from.month - 1, from.day);
  const end = Date.UTC(to.year, to.month - 1, to.day);
  if (end < start) throw new ArchiveInputError(`invalid range: ${toText} is before ${fromText}`);
  const count = (end - start) / 86_400_000 + 1;
  if (count > MAX_FILTER_DAYS) throw new ArchiveInputError(`invalid range: ${count} days; a filter spans at most ${MAX_FILTER_DAYS} days`);
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(start + i * 86_400_000);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  });
}

/** Every record of the days that passes the day page's own filter: the same rows the day page shows. */
async function resolveFilter(s3: S3Client, config: LazarusConfig, service: ServiceConfig, filter: Extract<Selection, { kind: "filter" }>): Promise<string[]> {
  const keys: string[] = [];
  const inWindow = timeOfDayWindow(filter.timeFrom, filter.timeTo);
  for (const day of daysBetween(filter.from, filter.to)) {
    let cursor: string | undefined;
    do {
      const page = await dayRecordsPage(s3, config, service, day, { cursor, limit: DAY_PAGE_LIMIT, type: filter.type, prefix: filter.prefix });
      for (const row of page.entries) {
        // Objects outside the layout are not records; the day page lists them, a restore cannot.
        if (row.kind === "unknown") continue;
        if (!inWindow(row.deletedAt)) continue;
        keys.push(row.archiveKey);
        if (keys.length > MAX_JOB_ITEMS) throw new JobTooLargeError(`more than ${MAX_JOB_ITEMS.toLocaleString("en-US")} (counting stopped at ${formatDay(day)})`);
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return keys;
}

/**
 * Whether a deletion time falls in a time-of-day window, every day alike: from the first
 * second of `from` to the last of `to` (UTC). A legacy name carries no time and is kept
 * only when there is no window.
 */
export function timeOfDayWindow(from: string | undefined, to: string | undefined): (deletedAt: string | null) => boolean {
  if (from === undefined && to === undefined) return () => true;
  const start = from ?? "00:00";
  const end = `${to ?? "23:59"}:59`;
  return (deletedAt) => {
    if (deletedAt === null) return false;
    const time = deletedAt.slice(11, 19);
    return time >= `${start}:00` && time <= end;
  };
}

export interface PastedKey {
  line: number;
  input: string;
  partitionKey: string;
  sortKey?: string;
}

/** One pasted line: the partition key, optionally a tab and the sort key; null for a blank line. */
export function parsePastedLine(raw: string): Omit<PastedKey, "line"> | null {
  const input = raw.trim();
  if (input === "") return null;
  const tab = raw.indexOf("\t");
  const partitionKey = (tab >= 0 ? raw.slice(0, tab) : raw).trim();
  const sortKey = tab >= 0 ? raw.slice(tab + 1).trim() : undefined;
  return { input, partitionKey, ...(sortKey ? { sortKey } : {}) };
}

/** One key per line: the partition key, optionally a tab and the sort key. Blank lines are ignored. */
export function parsePastedKeys(text: string): PastedKey[] {
  const lines = text.split(/\r?\n/);
  const keys: PastedKey[] = [];
  lines.forEach((raw, index) => {
    const parsed = parsePastedLine(raw);
    if (parsed) keys.push({ line: index + 1, ...parsed });
  });
  if (keys.length > MAX_PASTED_LINES) throw new JobTooLargeError(keys.length.toLocaleString("en-US"));
  return keys;
}

function typedKey(text: string, type: "S" | "N" | "B"): KeyValue {
  return type === "S" ? { S: text } : type === "N" ? { N: text } : { B: text };
}

function namedText(key: NamedKey | undefined): string | undefined {
  if (!key || key.hashed) return undefined;
  const value = key.value;
  return "S" in value ? value.S : "N" in value ? value.N : value.B;
}

/**
 * Each line resolves through the by-key index to the latest archived deletion of
 * the item it names; a line without a sort key names every item of the partition
 * (one latest deletion per sort key).
 */
async function resolvePasted(s3: S3Client, config: LazarusConfig, service: ServiceConfig, text: string): Promise<ResolvedSelection> {
  const pasted = parsePastedKeys(text);
  const hasSortKey = service.table.sortKey !== undefined;
  const limit = pLimit(LOOKUP_CONCURRENCY);
  const results = await Promise.all(
    pasted.map((line) =>
      limit(async (): Promise<{ line: PastedKey; found: FoundDeletion[] } | { line: PastedKey; reason: string }> => {
        if (line.sortKey !== undefined && !hasSortKey) return { line, reason: `${service.name}'s table has no sort key` };
        try {
          const lookup = await findDeletionsByPartitionKey(s3, config, service, typedKey(line.partitionKey, service.table.partitionKey.type), { limit: MAX_LOOKUP_LIMIT });
          return { line, found: lookup.deletions };
        } catch (error) {
          if (error instanceof ArchiveInputError) return { line, reason: error.message };
          throw error;
        }
      }),
    ),
  );
  const archiveKeys: string[] = [];
  const seen = new Set<string>();
  const unresolved: ResolvedSelection["unresolved"] = [];
  for (const result of results) {
    if ("reason" in result) {
      unresolved.push({ input: result.line.input, reason: result.reason });
      continue;
    }
    const matching = result.line.sortKey === undefined ? result.found : result.found.filter((d) => namedText(d.sortKey) === result.line.sortKey);
    if (matching.length === 0) {
      unresolved.push({ input: result.line.input, reason: "no archived deletion of this key" });
      continue;
    }
    const latest = new Map<string, FoundDeletion>();
    for (const deletion of matching) {
      const item = deletion.sortKey ? JSON.stringify(deletion.sortKey) : "";
      const current = latest.get(item);
      if (!current || deletion.deletedAt.getTime() >= current.deletedAt.getTime()) latest.set(item, deletion);
    }
    for (const deletion of latest.values()) {
      if (seen.has(deletion.archiveKey)) continue;
      seen.add(deletion.archiveKey);
      archiveKeys.push(deletion.archiveKey);
    }
  }
  if (archiveKeys.length > MAX_JOB_ITEMS) throw new JobTooLargeError(archiveKeys.length.toLocaleString("en-US"));
  return { archiveKeys, unresolved };
}
