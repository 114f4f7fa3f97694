"use client";

import { useState } from "react";
import type { RangeKind, ReportSelection } from "@/lib/reports/report-params";
import { presetOf } from "@/lib/reports/report-params";
import { CallerFilterFields } from "../attribution/caller-filter-fields";

const KINDS: { value: RangeKind; label: (d: { lastQuarter: string }) => string }[] = [
  { value: "last7", label: () => "Last 7 days" },
  { value: "last30", label: () => "Last 30 days" },
  { value: "last90", label: () => "Last 90 days" },
  { value: "lastQuarter", label: ({ lastQuarter }) => `Last quarter (${lastQuarter})` },
  { value: "quarter", label: () => "A quarter" },
  { value: "year", label: () => "A year" },
  { value: "custom", label: () => "Custom dates" },
];

/**
 * A plain GET form: the URL carries the whole selection, so a report can be bookmarked and
 * shared. Only the fields of the chosen kind of range are shown (and sent).
 */
export function ReportForm({
  services,
  selection,
  defaults,
}: {
  services: { name: string; table: string }[];
  selection: ReportSelection;
  defaults: { quarter: string; lastQuarter: string; year: string; today: string };
}) {
  const [kind, setKind] = useState<RangeKind>(() => presetOf(selection.range, defaults.lastQuarter));
  const chosen = presetOf(selection.range, defaults.lastQuarter);
  const input = "rounded-md border border-slate-300 px-2.5 py-1.5 text-sm";
  return (
    <form method="get" action="/reports" aria-label="Services and range" className="space-y-3 rounded-md border border-slate-200 bg-white p-3">
      <fieldset>
        <legend className="mb-1 text-sm font-medium">Services</legend>
        <div className="flex flex-wrap gap-x-5 gap-y-1">
          {services.map((s) => (
            <label key={s.name} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="service" value={s.name} defaultChecked={selection.services.includes(s.name)} />
              {s.name} <span className="text-slate-600">({s.table})</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="flex flex-wrap items-end gap-3">
        <div className="flex flex-col gap-1">
          <label htmlFor="report-range" className="text-sm font-medium">
            Range (UTC)
          </label>
          <select id="report-range" name="range" value={kind} onChange={(e) => setKind(e.target.value as RangeKind)} className={input}>
            {KINDS.map((k) => (
              <option key={k.value} value={k.value}>
                {k.label(defaults)}
              </option>
            ))}
          </select>
        </div>
        {kind === "quarter" ? (
          <div className="flex flex-col gap-1">
            <label htmlFor="report-quarter" className="text-sm font-medium">
              Quarter
            </label>
            <input id="report-quarter" name="quarter" placeholder="2026-Q3" pattern="\d{4}-Q[1-4]" defaultValue={chosen === "quarter" ? selection.range : defaults.quarter} className={`${input} w-28`} />
          </div>
        ) : null}
        {kind === "year" ? (
          <div className="flex flex-col gap-1">
            <label htmlFor="report-year" className="text-sm font-medium">
              Year
            </label>
            <input id="report-year" name="year" inputMode="numeric" pattern="\d{4}" defaultValue={chosen === "year" ? selection.range : defaults.year} className={`${input} w-20`} />
          </div>
        ) : null}
        {kind === "custom" ? (
          <>
            <div className="flex flex-col gap-1">
              <label htmlFor="report-from" className="text-sm font-medium">
                From
              </label>
              <input id="report-from" name="from" type="date" defaultValue={selection.from ?? ""} max={defaults.today} className={input} />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="report-to" className="text-sm font-medium">
                To
              </label>
              <input id="report-to" name="to" type="date" defaultValue={selection.to ?? ""} className={input} />
            </div>
          </>
        ) : null}
        <CallerFilterFields
          idPrefix="report"
          label="Records deleted by (role, caller or ARN)"
          placeholder="any caller"
          who={selection.who}
          whoMatch={selection.whoMatch}
          fieldClassName={input}
          whoClassName="flex min-w-0 flex-1 basis-48 flex-col gap-1"
        />
        <button type="submit" className="rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
          Show report
        </button>
      </div>
      <p className="text-xs text-slate-600">{kind === "custom" ? "Both ends are included." : "Days are UTC; today is included in the rolling ranges."}</p>
    </form>
  );
}
