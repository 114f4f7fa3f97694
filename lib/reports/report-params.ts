import { RANGE_PRESETS } from "./report-range";

/**
 * The report page's URL, as the form submits it and as links build it:
 *   /reports?service=a&service=b&range=last30|quarter|year|custom&quarter=2026-Q3&year=2026&from=&to=&cursor=
 * `services=a,b` and `range=2026-Q3` / `range=2026` are accepted too (API style).
 * Isomorphic: the page parses it, the export panel posts the same selection.
 */

export interface ReportSelection {
  services: string[];
  /** The range in API form: last7 | last30 | last90 | 2026-Q3 | 2026 | custom. */
  range: string;
  from?: string;
  to?: string;
  cursor?: string;
  /** The record list's caller filter (docs/ATTRIBUTION.md): a role, caller or ARN, and how to match it. */
  who?: string;
  whoMatch?: "equals";
}

type Raw = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.slice(0, 6000);
const all = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** The quarter before the one `day` (YYYY-MM-DD) is in: "2026-Q4" gives "2026-Q3", "2026-Q1" gives "2025-Q4". */
export function previousQuarter(day: string): string {
  const year = Number(day.slice(0, 4));
  const quarter = Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1;
  return quarter === 1 ? `${year - 1}-Q4` : `${year}-Q${quarter - 1}`;
}

export function readReportSelection(raw: Raw, defaults: { services: string[]; quarter: string; year: string; lastQuarter?: string }): ReportSelection {
  const services = [...new Set([...all(raw.service), ...all(raw.services).flatMap((s) => s.split(","))].map((s) => s.trim()).filter(Boolean))].slice(0, 50);
  let range = first(raw.range) ?? "last30";
  if (range === "quarter") range = first(raw.quarter) || defaults.quarter;
  if (range === "lastQuarter" && defaults.lastQuarter) range = defaults.lastQuarter;
  if (range === "year") range = first(raw.year) || defaults.year;
  const from = first(raw.from);
  const to = first(raw.to);
  const cursor = first(raw.cursor);
  const who = first(raw.who)?.trim().slice(0, 2048);
  return {
    services: services.length > 0 ? services : defaults.services,
    range,
    ...(range === "custom" && from ? { from } : {}),
    ...(range === "custom" && to ? { to } : {}),
    ...(cursor ? { cursor } : {}),
    ...(who ? { who } : {}),
    ...(who && first(raw.whoMatch) === "equals" ? { whoMatch: "equals" as const } : {}),
  };
}

export type RangeKind = "last7" | "last30" | "last90" | "lastQuarter" | "quarter" | "year" | "custom";

/** The form's preset control value for a range; the quarter before this one reads as "last quarter". */
export function presetOf(range: string, lastQuarter?: string): RangeKind {
  if ((RANGE_PRESETS as readonly string[]).includes(range)) return range as "last7" | "last30" | "last90";
  if (lastQuarter && range === lastQuarter) return "lastQuarter";
  if (/^\d{4}-Q[1-4]$/.test(range)) return "quarter";
  if (/^\d{4}$/.test(range)) return "year";
  return "custom";
}

export function reportHref(selection: ReportSelection): string {
  const query = new URLSearchParams();
  query.set("services", selection.services.join(","));
  query.set("range", selection.range);
  if (selection.range === "custom") {
    if (selection.from) query.set("from", selection.from);
    if (selection.to) query.set("to", selection.to);
  }
  if (selection.who) query.set("who", selection.who);
  if (selection.who && selection.whoMatch) query.set("whoMatch", selection.whoMatch);
  if (selection.cursor) query.set("cursor", selection.cursor);
  return `/reports?${query.toString()}`;
}
