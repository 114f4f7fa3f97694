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
}

type Raw = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.slice(0, 6000);
const all = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function readReportSelection(raw: Raw, defaults: { services: string[]; quarter: string; year: string }): ReportSelection {
  const services = [...new Set([...all(raw.service), ...all(raw.services).flatMap((s) => s.split(","))].map((s) => s.trim()).filter(Boolean))].slice(0, 50);
  let range = first(raw.range) ?? "last30";
  if (range === "quarter") range = first(raw.quarter) || defaults.quarter;
  if (range === "year") range = first(raw.year) || defaults.year;
  const from = first(raw.from);
  const to = first(raw.to);
  const cursor = first(raw.cursor);
  return {
    services: services.length > 0 ? services : defaults.services,
    range,
    ...(range === "custom" && from ? { from } : {}),
    ...(range === "custom" && to ? { to } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

/** The form's preset control value for a range. */
export function presetOf(range: string): "last7" | "last30" | "last90" | "quarter" | "year" | "custom" {
  if ((RANGE_PRESETS as readonly string[]).includes(range)) return range as "last7" | "last30" | "last90";
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
  if (selection.cursor) query.set("cursor", selection.cursor);
  return `/reports?${query.toString()}`;
}
