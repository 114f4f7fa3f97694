"use client";

import { useEffect, useRef, useState, type FormEvent } from "react";
import Link from "next/link";
import { UnattributedNote } from "../attribution/unattributed-note";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import clsx from "clsx";
import { Filter, RotateCw, X } from "lucide-react";
import { BulkSelectionBar } from "../bulk-restore/day-selection";
import { dayRecordsQueryOptions } from "../query/archive-queries";
import type { CallerFilterCounts } from "../query/api-types";
import { errorMessage } from "../query/api-client";
import type { DayFilter } from "../routing/search-params";
import { dayHref, recordHref } from "../routing/links";
import { formatBytes, formatUtcTime } from "../format/time";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { MessagePanel } from "../ui/message-panel";
import { DAY_COLUMNS, DayRecordsSkeleton } from "./day-records-skeleton";
import { describeDayRecord } from "./day-record-key";
import { deletedByText } from "./deleted-by-cell";

const ROW_HEIGHT = 44;
/** Start fetching the next page this many rows before the end is on screen. */
const PREFETCH_ROWS = 30;

/**
 * The filter as the URL holds it. The page has already refused a malformed URL
 * with zod (dayFilterSchema); this reads the same two fields without shipping zod
 * to the browser.
 */
function readDayFilter(searchParams: { get(name: string): string | null }): DayFilter {
  const type = searchParams.get("type");
  const prefix = searchParams.get("prefix");
  const who = searchParams.get("who")?.trim();
  return {
    ...(type === "ttl" || type === "manual" ? { type } : {}),
    ...(prefix ? { prefix: prefix.slice(0, 512) } : {}),
    ...(who ? { who: who.slice(0, 2048), ...(searchParams.get("whoMatch") === "equals" ? { whoMatch: "equals" as const } : {}) } : {}),
  };
}

function useDayFilter(): { filter: DayFilter; setFilter: (next: DayFilter) => void } {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const filter = readDayFilter(searchParams);
  const setFilter = (next: DayFilter) => {
    const params = new URLSearchParams(searchParams.toString());
    for (const name of ["type", "prefix", "who", "whoMatch"] as const) {
      const value = name === "whoMatch" && !next.who ? undefined : next[name];
      if (value) params.set(name, value);
      else params.delete(name);
    }
    const query = params.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  return { filter, setFilter };
}

function FilterBar({ filter, onChange }: { filter: DayFilter; onChange: (next: DayFilter) => void }) {
  const [prefix, setPrefix] = useState(filter.prefix ?? "");
  const [who, setWho] = useState(filter.who ?? "");
  const [whoMatch, setWhoMatch] = useState<"contains" | "equals">(filter.whoMatch ?? "contains");
  // Back/forward and deep links change the URL under us: the fields follow.
  const urlFields = `${filter.prefix ?? ""}\n${filter.who ?? ""}\n${filter.whoMatch ?? ""}`;
  const [shownFields, setShownFields] = useState(urlFields);
  if (shownFields !== urlFields) {
    setShownFields(urlFields);
    setPrefix(filter.prefix ?? "");
    setWho(filter.who ?? "");
    setWhoMatch(filter.whoMatch ?? "contains");
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = prefix.trim();
    const caller = who.trim();
    onChange({ ...filter, prefix: trimmed || undefined, who: caller || undefined, whoMatch: caller && whoMatch === "equals" ? "equals" : undefined });
  };
  const input = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  return (
    <form role="search" aria-label="Filter this day's deletions" onSubmit={submit} className="mb-4 flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-3">
      <div className="flex flex-col gap-1">
        <label htmlFor="day-type" className="text-sm font-medium">
          Deletion type
        </label>
        <select
          id="day-type"
          className={input}
          value={filter.type ?? ""}
          onChange={(e) => onChange({ ...filter, type: e.target.value === "ttl" || e.target.value === "manual" ? e.target.value : undefined })}
        >
          <option value="">All</option>
          <option value="ttl">TTL</option>
          <option value="manual">Manual</option>
        </select>
      </div>
      <div className="flex min-w-56 flex-1 flex-col gap-1">
        <label htmlFor="day-prefix" className="text-sm font-medium">
          Partition key starts with
        </label>
        <input id="day-prefix" className={input} value={prefix} maxLength={512} onChange={(e) => setPrefix(e.target.value)} autoComplete="off" spellCheck={false} />
      </div>
      <div className="flex min-w-56 flex-1 flex-col gap-1">
        <label htmlFor="day-who" className="text-sm font-medium">
          Deleted by (role, caller or ARN)
        </label>
        <input
          id="day-who"
          className={clsx(input, "font-mono")}
          value={who}
          maxLength={2048}
          placeholder="order-cleanup-job"
          onChange={(e) => setWho(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      </div>
      <div className="flex flex-col gap-1">
        <label htmlFor="day-who-match" className="text-sm font-medium">
          Match the caller
        </label>
        <select id="day-who-match" className={input} value={whoMatch} onChange={(e) => setWhoMatch(e.target.value === "equals" ? "equals" : "contains")}>
          <option value="contains">contains</option>
          <option value="equals">equals (a role: all its sessions)</option>
        </select>
      </div>
      <button type="submit" className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800">
        <Filter aria-hidden="true" className="size-4" />
        Apply
      </button>
      {filter.type || filter.prefix || filter.who ? (
        <button
          type="button"
          onClick={() => onChange({})}
          className="inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-100"
        >
          <X aria-hidden="true" className="size-4" />
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

/** `bulkRestore`: the user may bulk-restore, so rows get checkboxes and the selection bar appears. */
export function DayRecords({ service, date, bulkRestore = false }: { service: string; date: string; bulkRestore?: boolean }) {
  const { filter, setFilter } = useDayFilter();
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  // A new filter shows other rows: a selection made under the old one would act on rows no longer shown.
  const filterKey = `${filter.type ?? ""}\n${filter.prefix ?? ""}\n${filter.who ?? ""}\n${filter.whoMatch ?? ""}`;
  const [selectionFilter, setSelectionFilter] = useState(filterKey);
  if (selectionFilter !== filterKey) {
    setSelectionFilter(filterKey);
    setSelected(new Set());
  }
  const toggle = (archiveKey: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(archiveKey);
      else next.delete(archiveKey);
      return next;
    });
  const query = useInfiniteQuery(dayRecordsQueryOptions({ service, date, ...filter }));
  const { data, hasNextPage, isFetchingNextPage, fetchNextPage, isFetchNextPageError } = query;
  const rows = data?.pages.flatMap((p) => p.entries) ?? [];

  const scrollRef = useRef<HTMLDivElement>(null);
  // No React Compiler here, so useVirtualizer's fresh functions on each render are what we want.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = virtualRows.at(-1)?.index ?? -1;

  // Filtered pages can be short or empty: keep fetching while the end of what we have is in view.
  useEffect(() => {
    if (!hasNextPage || isFetchingNextPage || isFetchNextPageError) return;
    if (lastIndex >= rows.length - PREFETCH_ROWS) void fetchNextPage();
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, isFetchNextPageError, fetchNextPage]);

  const filtered = Boolean(filter.type || filter.prefix || filter.who);
  const back = dayHref(service, date, filter);
  const callerCounts = filter.who ? sumCallerCounts(data?.pages ?? []) : undefined;
  let status: string;
  if (query.isPending) status = "Loading deletions";
  else if (query.isError && !data) status = "Could not load deletions";
  else if (callerCounts) status = callerFilterStatus(callerCounts, Boolean(filter.type || filter.prefix), Boolean(hasNextPage));
  else if (rows.length === 0 && hasNextPage) status = "Searching this day for matching deletions";
  else if (rows.length === 0) status = filtered ? "No deletions match these filters" : "No deletions on this day";
  else status = `${rows.length.toLocaleString("en-US")} ${rows.length === 1 ? "deletion" : "deletions"} shown${hasNextPage ? ", more available" : ", all loaded"}`;

  return (
    <div>
      <FilterBar filter={filter} onChange={setFilter} />
      <p role="status" aria-live="polite" className="mb-2 text-sm text-slate-700">
        {status}
      </p>
      {callerCounts ? <UnattributedNote counts={callerCounts} /> : null}
      {bulkRestore && rows.length > 0 ? (
        <BulkSelectionBar
          service={service}
          date={date}
          filter={filter}
          selected={selected}
          loadedKeys={rows.filter((r) => r.kind !== "unknown").map((r) => r.archiveKey)}
          onSelectAll={(keys) => setSelected(new Set(keys))}
          onClear={() => setSelected(new Set())}
        />
      ) : null}

      {query.isPending ? (
        <DayRecordsSkeleton />
      ) : query.isError && !data ? (
        <MessagePanel tone="error" title="Could not load deletions" role="alert">
          <p>{errorMessage(query.error)}</p>
          <RetryButton onClick={() => void query.refetch()} />
        </MessagePanel>
      ) : rows.length === 0 && !hasNextPage ? (
        <MessagePanel title={filtered ? "No deletions match these filters" : "No deletions on this day"}>
          {filtered ? (
            <button type="button" className="font-medium text-indigo-700 underline" onClick={() => setFilter({})}>
              Clear the filters
            </button>
          ) : null}
        </MessagePanel>
      ) : (
        <div
          ref={scrollRef}
          tabIndex={0}
          role="region"
          aria-label={`Deletions on ${date}`}
          className="max-h-[65vh] overflow-auto rounded-md border border-slate-200 bg-white"
        >
          <table className="grid w-full text-sm" aria-rowcount={hasNextPage ? -1 : rows.length + 1}>
            <thead className="sticky top-0 z-10 grid bg-slate-50 text-left text-slate-700 shadow-[0_1px_0_0_var(--color-slate-200)]">
              <tr className={clsx(DAY_COLUMNS.row, "px-3 py-2")} aria-rowindex={1}>
                {bulkRestore ? (
                  <th scope="col" className="w-6 shrink-0">
                    <span className="sr-only">Select</span>
                  </th>
                ) : null}
                <th scope="col" className={clsx(bulkRestore ? DAY_COLUMNS.keyBesideCheckbox : DAY_COLUMNS.key, "font-semibold")}>Key</th>
                <th scope="col" className={clsx(DAY_COLUMNS.deletedAt, "font-semibold")}>Deleted at (UTC)</th>
                <th scope="col" className={clsx(DAY_COLUMNS.type, "font-semibold")}>Type</th>
                <th scope="col" className={clsx(DAY_COLUMNS.deletedBy, "font-semibold")}>Deleted by</th>
                <th scope="col" className={clsx(DAY_COLUMNS.size, "font-semibold")}>Size</th>
              </tr>
            </thead>
            <tbody className="relative grid" style={{ height: virtualizer.getTotalSize() }}>
              {virtualRows.map((virtualRow) => {
                const row = rows[virtualRow.index];
                if (!row) return null;
                const key = describeDayRecord(row);
                return (
                  <tr
                    key={row.archiveKey}
                    data-index={virtualRow.index}
                    ref={virtualizer.measureElement}
                    aria-rowindex={virtualRow.index + 2}
                    className={clsx(DAY_COLUMNS.row, "absolute border-b border-slate-100 px-3 py-2 hover:bg-slate-50")}
                    style={{ transform: `translateY(${virtualRow.start}px)` }}
                  >
                    {bulkRestore ? (
                      <td className="w-6 shrink-0">
                        {row.kind !== "unknown" ? (
                          <input
                            type="checkbox"
                            aria-label={`Select ${key.text}`}
                            checked={selected.has(row.archiveKey)}
                            onChange={(e) => toggle(row.archiveKey, e.target.checked)}
                          />
                        ) : null}
                      </td>
                    ) : null}
                    <td className={bulkRestore ? DAY_COLUMNS.keyBesideCheckbox : DAY_COLUMNS.key}>
                      <Link href={recordHref(service, row.archiveKey, back)} className="block font-mono break-all text-indigo-800 underline-offset-2 hover:underline sm:truncate sm:break-normal" title={key.text}>
                        {key.text}
                      </Link>
                      {key.note ? <span className="block truncate text-xs text-slate-600">{key.note}</span> : null}
                    </td>
                    <td className={clsx(DAY_COLUMNS.deletedAt, "tabular-nums")}>{row.deletedAt ? `${date} ${formatUtcTime(row.deletedAt)}` : "—"}</td>
                    <td className={DAY_COLUMNS.type}>
                      <DeletionTypeBadge type={row.deletionType} />
                    </td>
                    <td className={DAY_COLUMNS.deletedBy} title={deletedByText(row.deletedBy).title}>
                      {deletedByText(row.deletedBy).text}
                    </td>
                    <td className={clsx(DAY_COLUMNS.size, "tabular-nums")}>{formatBytes(row.size)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}

      {data && (hasNextPage || isFetchNextPageError) ? (
        <div className="mt-3 flex items-center gap-3">
          {isFetchNextPageError ? (
            <p role="alert" className="text-sm text-red-800">
              Could not load more: {errorMessage(query.error)}
            </p>
          ) : null}
          <button
            type="button"
            onClick={() => void fetchNextPage()}
            disabled={isFetchingNextPage}
            className="inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-60"
          >
            {isFetchingNextPage ? "Loading more…" : isFetchNextPageError ? "Try again" : "Load more"}
          </button>
        </div>
      ) : null}
    </div>
  );
}

const n = (v: number) => v.toLocaleString("en-US");

function sumCallerCounts(pages: readonly { callerFilter?: CallerFilterCounts }[]): CallerFilterCounts {
  const sum: CallerFilterCounts = { examined: 0, matched: 0, notYetKnown: 0, noCaller: 0 };
  for (const p of pages) {
    if (!p.callerFilter) continue;
    sum.examined += p.callerFilter.examined;
    sum.matched += p.callerFilter.matched;
    sum.notYetKnown += p.callerFilter.notYetKnown;
    sum.noCaller += p.callerFilter.noCaller;
  }
  return sum;
}

/** "31 of 412 deletions this day match the caller filter": of the whole day once it is all read, else of what was read so far. */
function callerFilterStatus(counts: CallerFilterCounts, otherFilters: boolean, more: boolean): string {
  const noun = `${counts.examined === 1 ? "deletion" : "deletions"}${otherFilters ? " matching the other filters" : ""}`;
  const verb = counts.matched === 1 && !more ? "matches" : "match";
  if (more) return `${n(counts.matched)} of the first ${n(counts.examined)} ${noun} this day match the caller filter; more of the day to read`;
  return `${n(counts.matched)} of ${n(counts.examined)} ${noun} this day ${verb} the caller filter`;
}

/** Deletions the filter cannot judge yet, or at all, are counted rather than silently left out. */
function RetryButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" onClick={onClick} className="mt-2 inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium ring-1 ring-red-300 hover:bg-red-100">
      <RotateCw aria-hidden="true" className="size-4" />
      Try again
    </button>
  );
}
