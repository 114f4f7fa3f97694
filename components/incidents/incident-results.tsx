"use client";

import { useMemo, useState } from "react";
import dynamic from "next/dynamic";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { ListChecks } from "lucide-react";
import { formatCount, formatUtc } from "@/components/format/time";
import { errorMessage, fetchJson } from "@/components/query/api-client";
import { recordHref } from "@/components/routing/links";
import { Skeleton } from "@/components/ui/skeleton";
import type { IncidentRecord } from "@/lib/incidents/incident-params";
import { localTimeText, useBrowserTimeZone } from "./local-time";

// recharts is large: the numbers and the records come first.
const IncidentChart = dynamic(() => import("./incident-chart"), { ssr: false, loading: () => <Skeleton className="h-[200px] w-full" /> });

const keyText = (r: IncidentRecord) => {
  const pk = r.partitionKey ?? "(hashed key)";
  return r.sortKey !== null ? `${pk} · ${r.sortKey}` : pk;
};

/**
 * The chosen caller's deletions in the window: counts per table and minute (a chart and
 * the same numbers as a table), the records, and for admins a bulk restore of exactly
 * the ticked ones (one job per service, as a bulk restore is).
 */
export function IncidentResults({
  records,
  perMinute,
  tables,
  who,
  back,
  canBulkRestore,
}: {
  records: IncidentRecord[];
  perMinute: { minute: string; counts: Record<string, number> }[];
  tables: string[];
  who: string;
  back: string;
  canBulkRestore: boolean;
}) {
  const router = useRouter();
  const zone = useBrowserTimeZone();
  const [selected, setSelected] = useState<Set<string>>(() => new Set(records.map((r) => r.archiveKey)));
  const [planning, setPlanning] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const byService = useMemo(() => {
    const m = new Map<string, IncidentRecord[]>();
    for (const r of records) if (selected.has(r.archiveKey)) m.set(r.service, [...(m.get(r.service) ?? []), r]);
    return [...m.entries()];
  }, [records, selected]);

  const toggle = (key: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const allTicked = selected.size === records.length;

  async function plan(service: string, items: IncidentRecord[]) {
    setPlanning(service);
    setError(null);
    try {
      const { job } = await fetchJson<{ job: { id: string } }>("/api/bulk-restore/plan", {
        method: "POST",
        body: { selection: { kind: "archive-keys", service, archiveKeys: items.map((r) => r.archiveKey) } },
      });
      router.push(`/bulk-restore/${job.id}`);
    } catch (e) {
      setError(errorMessage(e));
      setPlanning(null);
    }
  }

  return (
    <div className="space-y-6">
      <section aria-labelledby="per-minute-heading" className="space-y-2">
        <h2 id="per-minute-heading" className="text-lg font-semibold">
          Deletions per minute
        </h2>
        <figure data-testid="incident-chart">
          <div role="img" aria-label={`Deletions by ${who} per minute and table, UTC`}>
            <IncidentChart data={perMinute} tables={tables} />
          </div>
          <figcaption className="mt-1 text-xs text-slate-600">Minutes with at least one deletion, UTC; the table below has the same numbers.</figcaption>
        </figure>
        <details className="rounded-md border border-slate-200 bg-white">
          <summary className="cursor-pointer px-3 py-2 text-sm font-medium">Counts per minute as a table</summary>
          <div role="region" aria-label="Counts per minute" tabIndex={0} className="max-h-96 overflow-auto">
            <table className="w-full text-sm">
              <thead className="bg-slate-50 text-left">
                <tr>
                  <th scope="col" className="px-3 py-2">Minute (UTC)</th>
                  {tables.map((t) => (
                    <th key={t} scope="col" className="px-3 py-2 text-right">{t}</th>
                  ))}
                  <th scope="col" className="px-3 py-2 text-right">All</th>
                </tr>
              </thead>
              <tbody>
                {perMinute.map((m) => (
                  <tr key={m.minute} className="border-t border-slate-100">
                    <th scope="row" className="px-3 py-1.5 text-left font-mono font-normal">{m.minute.replace("T", " ")}</th>
                    {tables.map((t) => (
                      <td key={t} className="px-3 py-1.5 text-right tabular-nums">{m.counts[t] ?? 0}</td>
                    ))}
                    <td className="px-3 py-1.5 text-right tabular-nums">{Object.values(m.counts).reduce((a, b) => a + b, 0)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </section>

      <section aria-labelledby="incident-records-heading" className="space-y-2">
        <h2 id="incident-records-heading" className="text-lg font-semibold">
          Records ({formatCount(records.length)})
        </h2>
        {canBulkRestore ? (
          <div role="group" aria-label="Bulk restore" className="flex flex-wrap items-center gap-2">
            <button type="button" className="rounded-md border border-slate-300 px-2.5 py-1 text-sm" onClick={() => setSelected(allTicked ? new Set() : new Set(records.map((r) => r.archiveKey)))}>
              {allTicked ? "Untick all" : "Tick all"}
            </button>
            {byService.map(([service, items]) => (
              <button
                key={service}
                type="button"
                disabled={planning !== null}
                onClick={() => void plan(service, items)}
                className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60"
              >
                <ListChecks aria-hidden="true" className="size-4" />
                {planning === service ? "Planning…" : `Plan a bulk restore of these ${formatCount(items.length)} in ${service}`}
              </button>
            ))}
            {byService.length > 1 ? <span className="text-xs text-slate-600">A bulk restore covers one service: plan one per service.</span> : null}
          </div>
        ) : null}
        {error ? (
          <p role="alert" className="text-sm text-red-800">{error}</p>
        ) : null}
        <div role="region" aria-labelledby="incident-records-heading" tabIndex={0} className="overflow-x-auto rounded-md border border-slate-200 bg-white">
          <table className="w-full text-sm" data-testid="incident-records">
            <thead className="bg-slate-50 text-left">
              <tr>
                {canBulkRestore ? <th scope="col" className="px-3 py-2"><span className="sr-only">Restore</span></th> : null}
                <th scope="col" className="px-3 py-2">Key</th>
                <th scope="col" className="px-3 py-2">Table</th>
                <th scope="col" className="px-3 py-2">Deleted (UTC)</th>
                <th scope="col" className="px-3 py-2">Deleted by</th>
                <th scope="col" className="px-3 py-2">Confidence</th>
              </tr>
            </thead>
            <tbody>
              {records.map((r) => (
                <tr key={r.archiveKey} className="border-t border-slate-100">
                  {canBulkRestore ? (
                    <td className="px-3 py-1.5">
                      <input type="checkbox" aria-label={`Restore ${keyText(r)}`} checked={selected.has(r.archiveKey)} onChange={() => toggle(r.archiveKey)} />
                    </td>
                  ) : null}
                  <td className="px-3 py-1.5">
                    <Link href={recordHref(r.service, r.archiveKey, back)} className="break-all font-mono text-indigo-800 underline">
                      {keyText(r)}
                    </Link>
                  </td>
                  <td className="px-3 py-1.5">{r.table}</td>
                  <td className="whitespace-nowrap px-3 py-1.5">
                    <span className="font-mono">{formatUtc(r.deletedAt).replace(" UTC", "")}</span>
                    {zone ? <span className="block text-xs text-slate-600">{localTimeText(r.deletedAt, zone)}</span> : null}
                  </td>
                  <td className="px-3 py-1.5">
                    <span className="break-all">{r.principal}</span> <span className="text-xs text-slate-600">{r.api}</span>
                  </td>
                  <td className="px-3 py-1.5">{r.confidence === "exact" ? "exact: the call named the key" : "inferred: the call named no key"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
