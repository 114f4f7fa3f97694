"use client";

import { useMemo, useRef, useState, type FormEvent } from "react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { Plus, Search, Square, Trash2 } from "lucide-react";
import { contentSearchSchema, type ContentSearchInput, type Operator } from "@/lib/search/content-query";
import type { SearchMatch, SearchProblem, SearchProgress, SearchStreamLine } from "@/lib/search/search-events";
import { errorFrom, fetchJson, errorMessage } from "../query/api-client";
import { formatBytes, formatCount, formatUtc } from "../format/time";
import { recordHref } from "../routing/links";
import { DeletionTypeBadge } from "../ui/deletion-type-badge";
import { deletedByText } from "../day/deleted-by-cell";
import { erasureHandoffHref, MAX_HANDED_OVER_KEYS } from "@/lib/erasure/erasure-request";
import { SearchExport } from "./search-export";
import { ScrollRegion } from "@/components/ui/scroll-region";
import { busyButtonProps, useFocusRequest } from "../ui/focus-management";
import { progressStep, StatusRegion, useThrottledAnnouncement } from "../ui/status-region";
import { AthenaUsageNote } from "./athena-usage";
import { useAdoptTypedValues, useHydrated } from "../ui/before-hydration";

const field = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
const OPERATOR_LABELS: Record<Operator, string> = {
  equals: "equals",
  beginsWith: "begins with",
  contains: "contains",
  numberRange: "number between",
  dateRange: "date between",
  exists: "exists",
};

interface ConditionRow {
  id: number;
  path: string;
  op: Operator;
  value: string;
  low: string;
  high: string;
  caseInsensitive: boolean;
}

const newRow = (id: number): ConditionRow => ({ id, path: "", op: "equals", value: "", low: "", high: "", caseInsensitive: true });

/** "2024-03-05T10:30" (UTC, as the input shows it) from a Date. */
const utcInput = (date: Date) => date.toISOString().slice(0, 16);

function localTime(utc: string): string {
  const date = new Date(`${utc}:00Z`);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function toCondition(row: ConditionRow): NonNullable<ContentSearchInput["conditions"]>[number] {
  const path = row.path.trim();
  switch (row.op) {
    case "equals":
    case "beginsWith":
    case "contains":
      return { path, op: row.op, value: row.value, caseInsensitive: row.caseInsensitive };
    case "numberRange":
      return { path, op: "numberRange", ...(row.low.trim() ? { min: row.low.trim() } : {}), ...(row.high.trim() ? { max: row.high.trim() } : {}) };
    case "dateRange":
      return { path, op: "dateRange", ...(row.low.trim() ? { from: row.low.trim() } : {}), ...(row.high.trim() ? { to: row.high.trim() } : {}) };
    case "exists":
      return { path, op: "exists" };
  }
}

type Status = "idle" | "running" | "complete" | "capped" | "cancelled" | "failed";

/**
 * Content search: conditions on attribute paths over a UTC time window. Results stream
 * in as the server finds them (NDJSON), with a progress bar and a cancel button;
 * selected results go to a bulk restore (admins), and a subject's key to erasure (compliance).
 */
export function ContentSearch({
  services,
  now,
  canBulkRestore,
  canErase,
  canExport,
}: {
  services: string[];
  now: string;
  canBulkRestore: boolean;
  canErase: boolean;
  canExport: boolean;
}) {
  const router = useRouter();
  const initialNow = useMemo(() => new Date(now), [now]);
  const [rows, setRows] = useState<ConditionRow[]>([newRow(1)]);
  const [service, setService] = useState("all");
  const [from, setFrom] = useState(utcInput(new Date(initialNow.getTime() - 7 * 86_400_000)).slice(0, 11) + "00:00");
  const [to, setTo] = useState(utcInput(initialNow));
  const [deletionType, setDeletionType] = useState<"any" | "ttl" | "manual">("any");
  const [who, setWho] = useState("");
  const [whoMatch, setWhoMatch] = useState<"contains" | "equals">("contains");
  const [lastQuery, setLastQuery] = useState<ContentSearchInput | null>(null);
  const [status, setStatus] = useState<Status>("idle");
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<SearchProgress | null>(null);
  const [matches, setMatches] = useState<SearchMatch[]>([]);
  const [problems, setProblems] = useState<SearchProblem[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [planning, setPlanning] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const nextId = useRef(2);
  const focus = useFocusRequest();
  const searchButtonRef = useRef<HTMLButtonElement>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const hydrated = useHydrated();
  // Only the first condition row and the window are on the server-rendered page.
  useAdoptTypedValues(formRef, {
    "condition-1-path": (path) => update(1, { path }),
    "condition-1-op": (op) => update(1, { op: op as Operator }),
    "condition-1-value": (value) => update(1, { value }),
    "condition-1-case": (checked) => update(1, { caseInsensitive: checked === "true" }),
    from: setFrom,
    to: setTo,
    service: setService,
    deletionType: (type) => setDeletionType(type as "any" | "ttl" | "manual"),
    who: setWho,
    whoMatch: (match) => setWhoMatch(match as "contains" | "equals"),
  });

  const update = (id: number, patch: Partial<ConditionRow>) => setRows((all) => all.map((r) => (r.id === id ? { ...r, ...patch } : r)));

  async function run(event: FormEvent) {
    event.preventDefault();
    if (status === "running") return;
    const input: ContentSearchInput = {
      conditions: rows.filter((r) => r.path.trim() !== "" || r.value !== "").map(toCondition),
      services: service === "all" ? "all" : [service],
      from: `${from}Z`,
      to: `${to}Z`,
      deletionType,
      ...(who.trim() ? { principal: { value: who.trim(), match: whoMatch } } : {}),
    };
    const parsed = contentSearchSchema.safeParse(input);
    if (!parsed.success) {
      setError(parsed.error.issues.map((i) => `${i.path.join(".") || "search"}: ${i.message}`).join("; "));
      return;
    }
    setError(null);
    setMatches([]);
    setProblems([]);
    setSelected(new Set());
    setProgress(null);
    setStatus("running");
    setLastQuery(input);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const response = await fetch("/api/search/content", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/x-ndjson" },
        body: JSON.stringify(input),
        signal: controller.signal,
        cache: "no-store",
        credentials: "same-origin",
      });
      if (!response.ok || !response.body) throw await errorFrom(response);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        const found: SearchMatch[] = [];
        for (const text of lines) {
          if (!text.trim()) continue;
          const line = JSON.parse(text) as SearchStreamLine;
          if (line.type === "match") found.push(line.match);
          else if (line.type === "progress") setProgress(line.progress);
          else if (line.type === "problem") setProblems((p) => [...p, line.problem]);
          else if (line.type === "done") {
            setProgress(line.progress);
            setStatus(line.outcome);
          } else if (line.type === "error") {
            setError(line.message);
            setStatus("failed");
          }
        }
        if (found.length > 0) setMatches((m) => [...m, ...found]);
      }
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") {
        setStatus("cancelled");
        return;
      }
      setError(errorMessage(e));
      setStatus("failed");
    } finally {
      abort.current = null;
    }
  }

  const selectedMatches = matches.filter((m) => selected.has(m.archiveKey));
  const selectedServices = [...new Set(selectedMatches.map((m) => m.service))];

  async function planRestore() {
    if (selectedServices.length !== 1) return;
    setPlanning(true);
    try {
      const { job } = await fetchJson<{ job: { id: string } }>("/api/bulk-restore/plan", {
        method: "POST",
        body: { selection: { kind: "archive-keys", service: selectedServices[0], archiveKeys: selectedMatches.map((m) => m.archiveKey) } },
      });
      router.push(`/bulk-restore/${job.id}`);
    } catch (e) {
      setError(errorMessage(e));
      setPlanning(false);
    }
  }

  const percent = progress && progress.bytesTotal > 0 ? Math.min(100, Math.round((progress.bytesScanned / progress.bytesTotal) * 100)) : 0;
  const eta = progress && progress.bytesPerSecond > 0 && status === "running" ? Math.ceil((progress.bytesTotal - progress.bytesScanned) / progress.bytesPerSecond) : null;
  const subjects = [...new Set(matches.map((m) => m.partitionKey))];
  const found = `${formatCount(matches.length)} ${matches.length === 1 ? "match" : "matches"}`;
  const spoken =
    status === "idle"
      ? ""
      : status === "running"
        ? `Searching… ${found} so far, ${percent} % scanned.`
        : status === "complete"
          ? `Search complete. ${found} found.`
          : status === "capped"
            ? `Stopped at the cap. ${found} found; more records match.`
            : status === "cancelled"
              ? `Cancelled. ${found} found.`
              : "Search failed.";
  // The screen shows every progress line; the region speaks at the start, each quarter and the end.
  const announced = useThrottledAnnouncement(`${status}:${progressStep(progress?.bytesScanned ?? 0, progress?.bytesTotal ?? 0)}`, spoken);

  return (
    <section aria-labelledby="content-heading" className="space-y-4">
      <h2 id="content-heading" className="text-lg font-semibold">
        Search by content
      </h2>
      <form ref={formRef} onSubmit={run} aria-label="Find deletions by content" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
        <fieldset className="space-y-2">
          <legend className="text-sm font-medium">Conditions (all must hold)</legend>
          {rows.map((row, i) => (
            <div key={row.id} className="flex flex-wrap items-end gap-2" role="group" aria-label={`Condition ${i + 1}`}>
              <label className="flex min-w-0 flex-1 basis-40 flex-col gap-1 text-xs">
                Attribute path
                <input data-field={`condition-${row.id}-path`} value={row.path} onChange={(e) => update(row.id, { path: e.target.value })} placeholder="email, address.city, lines[0].sku" className={`${field} font-mono`} autoComplete="off" spellCheck={false} maxLength={512} />
              </label>
              <label className="flex flex-col gap-1 text-xs">
                Operator
                <select data-field={`condition-${row.id}-op`} value={row.op} onChange={(e) => update(row.id, { op: e.target.value as Operator })} className={field}>
                  {(Object.keys(OPERATOR_LABELS) as Operator[]).map((op) => (
                    <option key={op} value={op}>
                      {OPERATOR_LABELS[op]}
                    </option>
                  ))}
                </select>
              </label>
              {row.op === "equals" || row.op === "beginsWith" || row.op === "contains" ? (
                <>
                  <label className="flex min-w-0 flex-1 basis-40 flex-col gap-1 text-xs">
                    Value
                    <input data-field={`condition-${row.id}-value`} value={row.value} onChange={(e) => update(row.id, { value: e.target.value })} className={`${field} font-mono`} autoComplete="off" spellCheck={false} maxLength={1024} />
                  </label>
                  <label className="flex items-center gap-1.5 py-1.5 text-xs">
                    <input type="checkbox" data-field={`condition-${row.id}-case`} checked={row.caseInsensitive} onChange={(e) => update(row.id, { caseInsensitive: e.target.checked })} />
                    Ignore case
                  </label>
                </>
              ) : row.op === "numberRange" || row.op === "dateRange" ? (
                <>
                  <label className="flex w-36 flex-col gap-1 text-xs">
                    {row.op === "numberRange" ? "From (number)" : "From (date)"}
                    <input value={row.low} onChange={(e) => update(row.id, { low: e.target.value })} placeholder={row.op === "numberRange" ? "10" : "2024-03-05"} className={`${field} font-mono`} />
                  </label>
                  <label className="flex w-36 flex-col gap-1 text-xs">
                    {row.op === "numberRange" ? "To (number)" : "To (date)"}
                    <input value={row.high} onChange={(e) => update(row.id, { high: e.target.value })} placeholder={row.op === "numberRange" ? "99.5" : "2024-03-31"} className={`${field} font-mono`} />
                  </label>
                </>
              ) : null}
              <button type="button" onClick={() => setRows((all) => all.filter((r) => r.id !== row.id))} className="rounded-md border border-slate-300 p-1.5 text-slate-700 hover:bg-slate-50" aria-label={`Remove condition ${i + 1}`}>
                <Trash2 aria-hidden="true" className="size-4" />
              </button>
            </div>
          ))}
          <button type="button" onClick={() => setRows((all) => [...all, newRow(nextId.current++)])} className="inline-flex items-center gap-1 text-sm text-indigo-800 underline-offset-2 hover:underline">
            <Plus aria-hidden="true" className="size-4" />
            Add a condition
          </button>
        </fieldset>
        <div className="flex flex-wrap items-end gap-3">
          <label className="flex flex-col gap-1 text-sm font-medium">
            From (UTC)
            <input type="datetime-local" data-field="from" value={from} onChange={(e) => setFrom(e.target.value)} className={field} required />
            <span className="text-xs font-normal text-slate-600">{localTime(from)} your time</span>
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            To (UTC, minute included)
            <input type="datetime-local" data-field="to" value={to} onChange={(e) => setTo(e.target.value)} className={field} required />
            <span className="text-xs font-normal text-slate-600">{localTime(to)} your time</span>
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            Service
            <select data-field="service" value={service} onChange={(e) => setService(e.target.value)} className={field}>
              <option value="all">All services</option>
              {services.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            Deletion type
            <select data-field="deletionType" value={deletionType} onChange={(e) => setDeletionType(e.target.value as "any" | "ttl" | "manual")} className={field}>
              <option value="any">Any</option>
              <option value="manual">Manual</option>
              <option value="ttl">TTL expiry</option>
            </select>
          </label>
          <label className="flex min-w-0 flex-1 basis-48 flex-col gap-1 text-sm font-medium">
            Deleted by (role, caller or ARN)
            <input data-field="who" value={who} onChange={(e) => setWho(e.target.value)} placeholder="order-cleanup-job" className={`${field} font-mono`} autoComplete="off" spellCheck={false} maxLength={2048} />
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium">
            Match the caller
            <select data-field="whoMatch" value={whoMatch} onChange={(e) => setWhoMatch(e.target.value as "contains" | "equals")} className={field}>
              <option value="contains">contains</option>
              <option value="equals">equals (a role: all its sessions)</option>
            </select>
          </label>
          {/* The search button stays while a search runs (a button that disappears takes focus with it). */}
          <button ref={searchButtonRef} type="submit" disabled={!hydrated} {...busyButtonProps(status === "running")} className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60 aria-disabled:opacity-60">
            <Search aria-hidden="true" className="size-4" />
            Search content
          </button>
          {status === "running" ? (
            <button
              type="button"
              onClick={() => {
                abort.current?.abort();
                focus(searchButtonRef);
              }}
              className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 px-4 py-1.5 text-sm font-medium hover:bg-slate-50"
            >
              <Square aria-hidden="true" className="size-4" />
              Cancel
            </button>
          ) : null}
        </div>
        <p className="text-xs text-slate-600">
          Reads every archived deletion of the window (at most 92 days) and keeps those that meet every condition. Numbers compare exactly; sets match when a member does. The search and the attribute paths are written to the audit log; the values only as hashes.
        </p>
      </form>

      {error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900">
          {error}
        </p>
      ) : null}

      <StatusRegion visuallyHidden data-testid="content-search-announcement">
        {announced}
      </StatusRegion>
      {status !== "idle" ? (
        <div className="space-y-1">
          <progress className="h-2 w-full" max={100} value={percent} aria-label="Scanned">
            {percent}%
          </progress>
          <p className="text-sm text-slate-700">
            {status === "running" ? "Searching… " : status === "complete" ? "Search complete. " : status === "capped" ? "Stopped at the cap. " : status === "cancelled" ? "Cancelled. " : "Search failed. "}
            {formatCount(matches.length)} {matches.length === 1 ? "match" : "matches"}
            {progress ? ` · ${formatCount(progress.daysScanned)} of ${formatCount(progress.daysTotal)} service-days · ${formatBytes(progress.bytesScanned)} of ${formatBytes(progress.bytesTotal)} · ${formatBytes(progress.bytesPerSecond)}/s` : ""}
            {eta !== null ? ` · about ${eta} s left` : ""}
          </p>
          <AthenaUsageNote usage={progress?.athena} />
          {status === "capped" ? <p className="text-sm text-amber-900">More records match than one search returns: narrow the range or add a condition.</p> : null}
          {problems.length > 0 ? (
            <ul className="list-disc pl-5 text-sm text-amber-900">
              {problems.map((p, i) => (
                <li key={i}>
                  {p.service} on {p.day}: {p.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      {matches.length > 0 ? (
        <div className="space-y-2">
          {canExport && lastQuery && status !== "running" ? <SearchExport query={lastQuery} /> : null}
          {canBulkRestore || canErase ? (
            <div className="flex flex-wrap items-center gap-3 text-sm">
              {canBulkRestore ? (
                <button type="button" disabled={selectedServices.length !== 1 || planning} onClick={planRestore} className="rounded-md bg-indigo-700 px-3 py-1.5 font-medium text-white hover:bg-indigo-800 disabled:opacity-50">
                  Plan a bulk restore of {formatCount(selectedMatches.length)} selected
                </button>
              ) : null}
              {canBulkRestore && selectedServices.length > 1 ? <span className="text-xs text-slate-600">Select records of one service per bulk restore.</span> : null}
              {canErase && subjects.length === 1 ? (
                <Link href={erasureHandoffHref(subjects)} className="text-indigo-800 underline underline-offset-2">
                  Erase every archived record of {subjects[0]}
                </Link>
              ) : null}
              {canErase && subjects.length > 1 && subjects.length <= MAX_HANDED_OVER_KEYS ? (
                <Link href={erasureHandoffHref(subjects)} className="text-indigo-800 underline underline-offset-2">
                  Hand the {subjects.length} subjects of these matches to erasure (one erasure each)
                </Link>
              ) : null}
              {canErase && subjects.length > MAX_HANDED_OVER_KEYS ? (
                <span className="text-xs text-slate-600">
                  The matches hold {formatCount(subjects.length)} different keys; erasure takes at most {MAX_HANDED_OVER_KEYS} at a time: add a condition to narrow them.
                </span>
              ) : null}
            </div>
          ) : null}
          <ScrollRegion label="Content search results" className="rounded-md border border-slate-200 bg-white">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Archived deletions matching the content search, in the order found</caption>
              <thead className="bg-slate-50 text-slate-700">
                <tr>
                  {canBulkRestore ? (
                    <th scope="col" className="px-3 py-2">
                      <input type="checkbox" aria-label="Select all" checked={selected.size === matches.length} onChange={(e) => setSelected(e.target.checked ? new Set(matches.map((m) => m.archiveKey)) : new Set())} />
                    </th>
                  ) : null}
                  <th scope="col" className="px-3 py-2 font-semibold">Key</th>
                  <th scope="col" className="hidden px-3 py-2 font-semibold sm:table-cell">Service</th>
                  <th scope="col" className="hidden px-3 py-2 font-semibold sm:table-cell">Deleted at</th>
                  <th scope="col" className="px-3 py-2 font-semibold">Type</th>
                  <th scope="col" className="hidden px-3 py-2 font-semibold md:table-cell">Deleted by</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {matches.map((m) => (
                  <tr key={`${m.service}:${m.archiveKey}`}>
                    {canBulkRestore ? (
                      <td className="px-3 py-2">
                        <input
                          type="checkbox"
                          aria-label={`Select ${m.partitionKey}`}
                          checked={selected.has(m.archiveKey)}
                          onChange={(e) =>
                            setSelected((s) => {
                              const next = new Set(s);
                              if (e.target.checked) next.add(m.archiveKey);
                              else next.delete(m.archiveKey);
                              return next;
                            })
                          }
                        />
                      </td>
                    ) : null}
                    <th scope="row" className="px-3 py-2 text-left font-normal">
                      <Link href={recordHref(m.service, m.archiveKey)} className="font-mono break-all text-indigo-800 underline-offset-2 hover:underline">
                        {m.sortKey ? `${m.partitionKey} · ${m.sortKey}` : m.partitionKey}
                      </Link>
                      {/* A phone has room for the key and its type only: the rest goes under the key. */}
                      <span className="block text-xs text-slate-600 tabular-nums sm:hidden">
                        {m.service} · {formatUtc(m.deletedAt)}
                      </span>
                      <span className="block text-xs break-all text-slate-600 md:hidden">Deleted by {deletedByText(m.deletedBy).text}</span>
                    </th>
                    <td className="hidden px-3 py-2 sm:table-cell">{m.service}</td>
                    <td className="hidden px-3 py-2 whitespace-nowrap tabular-nums sm:table-cell">{formatUtc(m.deletedAt)}</td>
                    <td className="px-3 py-2">
                      <DeletionTypeBadge type={m.deletionType} />
                    </td>
                    <td className="hidden px-3 py-2 break-all md:table-cell" title={deletedByText(m.deletedBy).title}>
                      {deletedByText(m.deletedBy).text}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </div>
      ) : null}
    </section>
  );
}
