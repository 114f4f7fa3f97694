"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { ListChecks } from "lucide-react";
import { errorMessage, fetchJson } from "../query/api-client";
import type { BulkRestoreJob } from "@/lib/bulk-restore/job-types";
import { MAX_JOB_ITEMS } from "@/lib/bulk-restore/job-types";
import { bulkRestoreFilterHref } from "./format";

/**
 * The day page's entry points into bulk restore: plan the checked rows, or open
 * a new job for everything matching the day's filter (which the server
 * enumerates, loaded into the table or not).
 */
export function BulkSelectionBar({
  service,
  date,
  filter,
  selected,
  loadedKeys,
  onSelectAll,
  onClear,
}: {
  service: string;
  date: string;
  filter: { type?: "ttl" | "manual" | undefined; prefix?: string | undefined; who?: string | undefined };
  selected: ReadonlySet<string>;
  loadedKeys: string[];
  onSelectAll: (keys: string[]) => void;
  onClear: () => void;
}) {
  const router = useRouter();
  const plan = useMutation({
    mutationFn: (archiveKeys: string[]) =>
      fetchJson<{ job: BulkRestoreJob }>("/api/bulk-restore/plan", { method: "POST", body: { selection: { kind: "archive-keys", service, archiveKeys } } }),
    onSuccess: ({ job }) => router.push(`/bulk-restore/${job.id}`),
  });
  const count = selected.size;
  const button = "inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-60";
  return (
    <div role="group" aria-label="Bulk restore" className="mb-3 flex flex-wrap items-center gap-3 rounded-md border border-slate-200 bg-white p-2 text-sm">
      <span>{count.toLocaleString("en-US")} selected</span>
      <button type="button" className={button} onClick={() => onSelectAll(loadedKeys.slice(0, MAX_JOB_ITEMS))}>
        Select all loaded
      </button>
      {count > 0 ? (
        <button type="button" className={button} onClick={onClear}>
          Clear selection
        </button>
      ) : null}
      <button
        type="button"
        disabled={count === 0 || plan.isPending}
        onClick={() => plan.mutate([...selected])}
        className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 font-medium text-white hover:bg-indigo-800 disabled:opacity-60"
      >
        <ListChecks aria-hidden="true" className="size-4" />
        {plan.isPending ? "Planning…" : `Restore selected (${count.toLocaleString("en-US")})`}
      </button>
      {filter.who ? (
        // A bulk-restore filter has no caller: it would take other callers' deletions too.
        <span className="text-slate-700">To restore all of this caller&apos;s deletions, select them, or use the incident view.</span>
      ) : (
        <Link href={bulkRestoreFilterHref({ service, date, type: filter.type, prefix: filter.prefix })} className="font-medium text-indigo-800 underline">
          Restore all matching this filter
        </Link>
      )}
      {plan.isError ? (
        <p role="alert" className="w-full text-red-800">
          {errorMessage(plan.error)}
        </p>
      ) : null}
    </div>
  );
}
