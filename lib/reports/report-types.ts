import type { ReportRange } from "./report-range";

/** What a deletion report shows. Isomorphic: the report page and its chart render it. */

export interface ReportTotals {
  ttl: number;
  manual: number;
  /** Legacy objects: their type is only known by reading them. */
  unknown: number;
  total: number;
}

export interface ReportDay {
  date: string;
  ttl: number;
  manual: number;
  unknown: number;
}

export interface ReportTable {
  service: string;
  table: string;
  totals: ReportTotals;
  /** Days of the range with at least one deletion. */
  activeDays: number;
}

export interface DeletionReport {
  range: ReportRange;
  generatedAt: string;
  services: string[];
  totals: ReportTotals;
  /** Every day of the range, oldest first, zero-filled. */
  perDay: ReportDay[];
  /** Services' tables, most deletions first. */
  topTables: ReportTable[];
  /** The busiest days, most deletions first. */
  topDays: ReportDay[];
  /** True when legacy objects were counted as unknown. */
  approximate: boolean;
}
