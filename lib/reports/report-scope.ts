import "server-only";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { requireService } from "../http/inputs";
import { parseRangeSpec, resolveRange, type ReportQuery, type ReportRange } from "./report-range";

/** A report's services (configured ones only, in config order) and its resolved days. */
export function resolveReportScope(config: LazarusConfig, query: ReportQuery, now: Date): { services: ServiceConfig[]; range: ReportRange } {
  const chosen = new Set(query.services.map((name) => requireService(config, name).name));
  const services = config.services.filter((s) => chosen.has(s.name));
  return { services, range: resolveRange(parseRangeSpec(query.range, query.from, query.to), now) };
}
