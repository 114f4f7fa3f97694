import type { DayRecordRow } from "../query/api-types";

/** The name of an object relative to its day folder ({service}/yyyy/mm/dd/...). */
function nameInDay(archiveKey: string): string {
  const m = /\/\d{4}\/\d{2}\/\d{2}\/(.+)$/.exec(archiveKey);
  return m?.[1] ?? archiveKey;
}

/** What a person reads as "the key" of a listed object, and a note when the name cannot say it. */
export function describeDayRecord(row: DayRecordRow): { text: string; note?: string } {
  if (row.kind === "legacy") return { text: nameInDay(row.archiveKey), note: "legacy object name" };
  if (row.kind === "unknown") return { text: nameInDay(row.archiveKey), note: row.reason ?? "not an archive record" };
  const pk = row.partitionKey ?? "(hashed key)";
  const text = row.sortKey !== null ? `${pk} · ${row.sortKey}` : pk;
  return row.hashedKey ? { text, note: "key too long or binary: the name holds a hash; open the record for the full key" } : { text };
}
