/**
 * Where the console's append-only audit log lives in the archive bucket:
 *
 *   {prefix}_audit/{yyyy}/{mm}/{dd}/{yyyymmdd}T{hhmmss}.{mmm}Z_{id}.json
 *
 * One object per entry, so appending is one conditional PUT and nothing is ever
 * rewritten. Names sort by time within a day. Service names cannot start with "_",
 * so the folder never collides with a service's archive. Isomorphic and free of
 * server-only imports: infra derives the console's IAM policy from it.
 */
export const AUDIT_SEGMENT = "_audit";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

export function auditPrefix(archivePrefix: string): string {
  return `${archivePrefix}${AUDIT_SEGMENT}/`;
}

export function auditDayPrefix(archivePrefix: string, day: { year: number; month: number; day: number }): string {
  return `${auditPrefix(archivePrefix)}${pad(day.year, 4)}/${pad(day.month)}/${pad(day.day)}/`;
}

/** "2024-01-15T10:30:05.123Z" -> "20240115T103005.123Z". */
export function compactTime(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "");
}

export function auditEntryName(at: Date, id: string): string {
  return `${compactTime(at)}_${id}.json`;
}

export function auditEntryKey(archivePrefix: string, at: Date, id: string): string {
  const day = { year: at.getUTCFullYear(), month: at.getUTCMonth() + 1, day: at.getUTCDate() };
  return `${auditDayPrefix(archivePrefix, day)}${auditEntryName(at, id)}`;
}

const NAME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z_([0-9a-f-]{36})\.json$/;

/** The time and id an entry's name carries; undefined for names the log did not write. */
export function parseAuditEntryName(name: string): { at: Date; id: string } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, ms, id] = m as unknown as [string, string, string, string, string, string, string, string, string];
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (Number.isNaN(at.getTime()) || compactTime(at) !== name.slice(0, 20)) return undefined;
  return { at, id };
}
