import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { findService } from "../config/load";
import { principalParamsSchema } from "../attribution/principal-filter";
import { DomainError } from "../errors/domain-error";
import { previousQuarter, readReportSelection, type ReportSelection } from "./report-params";
import { parseRangeSpec, quarterOf, reportQuerySchema, resolveRange, type ReportQuery, type ReportRange } from "./report-range";

/** A report's services (configured ones only, in config order) and its resolved days. */
export function resolveReportScope(config: LazarusConfig, query: ReportQuery, now: Date): { services: ServiceConfig[]; range: ReportRange } {
  const chosen = new Set(
    query.services.map((name) => {
      const service = findService(config, name);
      if (!service) throw new DomainError(404, "unknown-service", `There is no service named "${name}" in Lazarus's configuration.`);
      return service.name;
    }),
  );
  const services = config.services.filter((s) => chosen.has(s.name));
  return { services, range: resolveRange(parseRangeSpec(query.range, query.from, query.to), now) };
}

export interface ReportPage {
  /** What the form falls back to: every service, this quarter, last quarter, this year, today. */
  defaults: { services: string[]; quarter: string; lastQuarter: string; year: string; today: string };
  selection: ReportSelection;
  /** Why the address cannot be reported on, as a sentence; the page answers 400 with it. */
  problem?: string;
  scope?: ReturnType<typeof resolveReportScope>;
}

/** The reports page's search params, read once for the page and for its status (lib/http/page-status.ts). */
export function readReportPage(config: LazarusConfig, raw: Record<string, string | string[] | undefined>, now: Date): ReportPage {
  const today = now.toISOString().slice(0, 10);
  const defaults = { services: config.services.map((s) => s.name), quarter: quarterOf(today), lastQuarter: previousQuarter(today), year: today.slice(0, 4), today };
  const selection = readReportSelection(raw, defaults);
  // The caller filter is refused here as the API refuses it, naming the field.
  const who = principalParamsSchema.safeParse({ who: raw.who, whoMatch: raw.whoMatch });
  if (!who.success) return { defaults, selection, problem: who.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  const parsed = reportQuerySchema.safeParse({ services: selection.services.join(","), range: selection.range, from: selection.from, to: selection.to });
  if (!parsed.success) return { defaults, selection, problem: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  try {
    return { defaults, selection, scope: resolveReportScope(config, parsed.data, now) };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { defaults, selection, problem: error.message };
  }
}
