import type { ServiceConfig } from "../config/schema";
import type { KeyValue } from "./attribute-value";
import { formatDay, type CalendarDay } from "./archive-input";
import { decodeKeyValue } from "./key-codec";
import { ARCHIVE_SUFFIX, parseArchiveName } from "./layout";
import type { DeletionType } from "./stream-record";

/** What an object in a day folder is, from its name alone. */

/** A key value as an object name shows it: in full, or hashed (the object holds the full value). */
export type NamedKey = { hashed: false; value: KeyValue } | { hashed: true; encoded: string };

export type ClassifiedName =
  | { kind: "record"; id: string; deletedAt: Date; deletionType: DeletionType; partitionKey: NamedKey; sortKey?: NamedKey }
  | { kind: "legacy"; name: string }
  | { kind: "unknown"; reason: string };

function nameKey(encoded: string, type: "S" | "N" | "B"): NamedKey {
  const value = decodeKeyValue(encoded, type);
  return value === null ? { hashed: true, encoded } : { hashed: false, value };
}

/**
 * What an object in a day folder is, from its name (the part after the day's "/"):
 * an archive record, a seed-layout object (`{PK}_{SK}.json`, possibly with "/" from
 * the key, so with "//", "./" or "../" in it: names from a listing are opaque), or
 * something that does not belong.
 */
export function classifyArchiveName(service: ServiceConfig, day: CalendarDay, name: string): ClassifiedName {
  if (!name.endsWith(ARCHIVE_SUFFIX) || name.length === ARCHIVE_SUFFIX.length) {
    return { kind: "unknown", reason: "not a .json object" };
  }
  const parsed = name.includes("/") ? undefined : parseArchiveName(name, day);
  if (!parsed) return { kind: "legacy", name };

  const d = parsed.deletedAt;
  const inDay = formatDay({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }) === formatDay(day);
  if (!inDay) return { kind: "unknown", reason: "the time in the name is not a time of day" };
  const { partitionKey, sortKey } = service.table;
  if (sortKey && parsed.sortKey === undefined) return { kind: "unknown", reason: `name has no sort key but the table's sort key is "${sortKey.name}"` };
  if (!sortKey && parsed.sortKey !== undefined) return { kind: "unknown", reason: "name has a sort key but the table has none" };
  try {
    return {
      kind: "record",
      id: parsed.id,
      deletedAt: parsed.deletedAt,
      deletionType: parsed.deletionType,
      partitionKey: nameKey(parsed.partitionKey, partitionKey.type),
      ...(sortKey && parsed.sortKey !== undefined ? { sortKey: nameKey(parsed.sortKey, sortKey.type) } : {}),
    };
  } catch (e) {
    return { kind: "unknown", reason: `name does not decode to the table's key: ${(e as Error).message}` };
  }
}
