import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { listDayRecords, type CalendarDay, type DayEntry } from "../archive/archive-reader";
import { encodeKeyValue } from "../archive/key-codec";
import type { NamedKey } from "../archive/archive-names";
import { MAX_LIST_KEYS } from "../archive/object-listing";
import { KEYLESS_FOLDER } from "../attribution/attribution-layout";
import { listDayAttributions, type ListedAttribution } from "../attribution/attribution-store";
import { matchDeletion } from "../attribution/join";
import { MAX_JOB_ITEMS } from "../bulk-restore/job-types";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { keyDisplayText } from "../http/archive-rows";
import { incidentWindow, matchesWho, parseWho, roleOfLabel, type IncidentQuery, type IncidentRecord, type IncidentResult, type Who } from "./incident-params";

const DAY_MS = 86_400_000;
/** Service-days read at once: each is a LIST or two, small enough to run side by side. */
const CONCURRENCY = 4;
/** At most this many deletions listed: what one bulk restore can take. */
export const MAX_INCIDENT_RECORDS = MAX_JOB_ITEMS;

const folderOf = (pk: NamedKey, sk: NamedKey | undefined) => [pk, ...(sk ? [sk] : [])].map((k) => (k.hashed ? k.encoded : encodeKeyValue(k.value))).join("_");

function daysOf(start: Date, end: Date): CalendarDay[] {
  const days: CalendarDay[] = [];
  for (let t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()); t <= end.getTime(); t += DAY_MS) {
    const d = new Date(t);
    days.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
  }
  return days;
}

const dayDate = (day: CalendarDay) => new Date(Date.UTC(day.year, day.month - 1, day.day));

async function listWholeDay(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay): Promise<DayEntry[]> {
  const entries: DayEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await listDayRecords(s3, config, service, day, { limit: MAX_LIST_KEYS, ...(cursor ? { cursor } : {}) });
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}

/**
 * Who deleted what in a time window, across services, from names alone: per service and
 * UTC day of the window (widened by the match window, so a call filed across midnight is
 * found), one LIST of the day's attribution folder per 1,000 calls (the callers seen),
 * and, only for the days where the chosen caller made a call, the day's
 * archive listing (one LIST per 1,000 deletions; a sealed day its manifest and pages)
 * to join each deletion to its call as the day table does. No GET per record.
 */
export async function queryIncident(s3: S3Client, config: LazarusConfig, query: IncidentQuery, now = new Date()): Promise<IncidentResult> {
  const { start, end } = incidentWindow(query);
  const who = parseWho(query.who);
  const settings = config.attribution;
  const slack = settings.matchWindowSeconds * 1000;
  // A deletion in the window's first or last seconds may have its call filed under the day across midnight.
  const callDays = daysOf(new Date(start.getTime() - slack), new Date(end.getTime() + slack));
  const limit = pLimit(CONCURRENCY);

  const perService = await Promise.all(
    config.services.map(async (service) => {
      const calls = settings.enabled
        ? (await Promise.all(callDays.map((day) => limit(() => listDayAttributions(s3, config.archive, service.name, dayDate(day)))))).flat()
        : [];
      return { service, calls };
    }),
  );

  const seen = new Map<string, number>();
  for (const { calls } of perService) {
    for (const call of calls) {
      if (call.eventTime < start || call.eventTime > end) continue;
      seen.set(call.principalLabel, (seen.get(call.principalLabel) ?? 0) + 1);
    }
  }
  const principals = [...seen.entries()]
    .map(([label, calls]) => ({ label, calls, ...(roleOfLabel(label) ? { role: roleOfLabel(label)! } : {}) }))
    .sort((a, b) => b.calls - a.calls || a.label.localeCompare(b.label));
  const roleMap = new Map<string, { sessions: number; calls: number }>();
  for (const p of principals) {
    if (!p.role) continue;
    const r = roleMap.get(p.role) ?? { sessions: 0, calls: 0 };
    roleMap.set(p.role, { sessions: r.sessions + 1, calls: r.calls + p.calls });
  }
  const roles = [...roleMap.entries()].map(([role, r]) => ({ role, ...r })).sort((a, b) => b.calls - a.calls || a.role.localeCompare(b.role));

  const records: IncidentRecord[] = [];
  let truncated = false;
  if (who) {
    const found = await Promise.all(perService.map(({ service, calls }) => recordsOf(s3, config, service, calls, who, { start, end, slack }, now, limit)));
    for (const list of found) records.push(...list);
    records.sort((a, b) => a.deletedAt.localeCompare(b.deletedAt) || a.service.localeCompare(b.service) || a.archiveKey.localeCompare(b.archiveKey));
    if (records.length > MAX_INCIDENT_RECORDS) {
      truncated = true;
      records.length = MAX_INCIDENT_RECORDS;
    }
  }

  const tables = [...new Set(records.map((r) => r.table))].sort();
  const minutes = new Map<string, Record<string, number>>();
  for (const r of records) {
    const minute = r.deletedAt.slice(0, 16);
    const counts = minutes.get(minute) ?? {};
    counts[r.table] = (counts[r.table] ?? 0) + 1;
    minutes.set(minute, counts);
  }
  const perMinute = [...minutes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([minute, counts]) => ({ minute, counts }));

  return { window: { start: start.toISOString(), end: end.toISOString() }, principals, roles, ...(who ? { who } : {}), records, perMinute, tables, truncated };
}

async function recordsOf(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  calls: ListedAttribution[],
  who: Who,
  window: { start: Date; end: Date; slack: number },
  now: Date,
  limit: ReturnType<typeof pLimit>,
): Promise<IncidentRecord[]> {
  // Only the days on which the caller made a call near the window are listed.
  const theirs = calls.filter((c) => matchesWho(c.principalLabel, who) && c.eventTime.getTime() >= window.start.getTime() - window.slack && c.eventTime.getTime() <= window.end.getTime() + window.slack);
  if (theirs.length === 0) return [];
  const dayKeys = new Set<number>();
  for (const c of theirs) {
    for (const t of [c.eventTime.getTime() - window.slack, c.eventTime.getTime(), c.eventTime.getTime() + window.slack]) {
      if (t < window.start.getTime() || t > window.end.getTime()) continue;
      const d = new Date(t);
      dayKeys.add(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    }
  }
  const byFolder = new Map<string, ListedAttribution[]>();
  for (const call of calls) byFolder.set(call.keyFolder, [...(byFolder.get(call.keyFolder) ?? []), call]);
  const keyless = byFolder.get(KEYLESS_FOLDER) ?? [];

  const listed = await Promise.all(
    [...dayKeys].sort().map((t) => {
      const d = new Date(t);
      return limit(() => listWholeDay(s3, config, service, { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }));
    }),
  );
  const out: IncidentRecord[] = [];
  for (const entry of listed.flat()) {
    if (entry.kind !== "record" || entry.deletionType !== "manual") continue;
    if (entry.deletedAt < window.start || entry.deletedAt > window.end) continue;
    const matched = matchDeletion(
      { table: service.table.name, deletedAt: entry.deletedAt, deletionType: entry.deletionType },
      byFolder.get(folderOf(entry.partitionKey, entry.sortKey)) ?? [],
      keyless,
      config.attribution,
      now,
    );
    if (matched.state !== "found" || !matchesWho(matched.call.principalLabel, who)) continue;
    out.push({
      service: service.name,
      table: service.table.name,
      archiveKey: entry.archiveKey,
      partitionKey: keyDisplayText(entry.partitionKey),
      sortKey: keyDisplayText(entry.sortKey),
      deletedAt: entry.deletedAt.toISOString(),
      principal: matched.call.principalLabel,
      api: matched.call.api,
      confidence: matched.confidence,
    });
  }
  return out;
}
