"use client";

import { useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { AlertTriangle, Ban, Download, Play } from "lucide-react";
import { errorMessage, fetchJson } from "../query/api-client";
import { MAX_ITEMS_PER_SECOND, MIN_ITEMS_PER_SECOND, type BulkRestoreJob, type JobView, type PlanCategory, type PlanItem, type RunOptions, type WriteMode } from "@/lib/bulk-restore/job-types";
import { parseCsv } from "@/lib/exports/csv-read";
import type { DiffChange } from "@/lib/diff/item-diff";
import { formatEta, formatRate } from "./format";
import { isApprovalRequested, type ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { SentForApproval } from "../approvals/sent-for-approval";
import { busyButtonProps, useFocusRequest, useInlineConfirmation } from "../ui/focus-management";
import { progressStep, StatusRegion, useThrottledAnnouncement } from "../ui/status-region";

const POLL_MS = 1_000;

const CATEGORY_LABEL: Record<PlanCategory, string> = {
  absent: "Absent (will be restored)",
  identical: "Identical (nothing to do)",
  conflicting: "Conflicting (live item differs)",
  duplicate: "Superseded by a later deletion",
  unreadable: "Unreadable",
  erased: "Erased (refused)",
};

function jobQueryOptions(jobId: string, initial: JobView) {
  return {
    queryKey: ["bulk-restore-job", jobId] as const,
    queryFn: ({ signal }: { signal: AbortSignal }) => fetchJson<JobView>(`/api/bulk-restore/${jobId}`, { signal }),
    initialData: initial,
    refetchInterval: (query: { state: { data?: JobView } }) => {
      const job = query.state.data?.job;
      return job && (job.status === "running" || (job.status === "cancelled" && job.run && !job.finishedAt)) ? POLL_MS : false;
    },
  };
}

export function JobDetail({ initial, items, diffs, itemsTruncated }: { initial: JobView; items: PlanItem[]; diffs: Record<number, DiffChange[]>; itemsTruncated: boolean }) {
  const jobId = initial.job.id;
  const queryClient = useQueryClient();
  const query = useQuery(jobQueryOptions(jobId, initial));
  const view = query.data ?? initial;
  const { job, progress } = view;
  const focus = useFocusRequest();
  const progressRef = useRef<HTMLHeadingElement>(null);
  const sentRef = useRef<HTMLHeadingElement>(null);
  const refresh = (next: { job: BulkRestoreJob }) => {
    queryClient.setQueryData<JobView>(["bulk-restore-job", jobId], (old) => (old ? { ...old, job: next.job } : old));
    void queryClient.invalidateQueries({ queryKey: ["bulk-restore-job", jobId] });
  };
  const run = useMutation({
    mutationFn: (options: RunOptions) => fetchJson<{ job: BulkRestoreJob } | ApprovalRequestedResponse>(`/api/bulk-restore/${jobId}/run`, { method: "POST", body: options }),
    onSuccess: (answer) => {
      if (isApprovalRequested(answer)) {
        focus(sentRef);
        return;
      }
      refresh(answer);
      focus(progressRef);
    },
  });
  const sentForApproval = run.data && isApprovalRequested(run.data) ? run.data : null;
  // Each item's outcome, from the results file the download link serves; read again as the run moves on.
  const results = useQuery({
    queryKey: ["bulk-restore-results", jobId, progress.processed, job.status],
    queryFn: async () => {
      const response = await fetch(`/api/bulk-restore/${jobId}/results.csv`, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok) throw new Error(`The server answered ${response.status}`);
      return itemOutcomes(await response.text());
    },
    enabled: job.status !== "planned",
    placeholderData: (previous) => previous,
  });
  // Items the admin unticked before the run; the run skips them and the job file records them.
  const [excluded, setExcluded] = useState<ReadonlySet<number>>(() => new Set());
  const toggleExcluded = (i: number) =>
    setExcluded((current) => {
      const next = new Set(current);
      if (next.has(i)) next.delete(i);
      else next.add(i);
      return next;
    });
  const cancel = useMutation({ mutationFn: () => fetchJson<{ job: BulkRestoreJob }>(`/api/bulk-restore/${jobId}/cancel`, { method: "POST" }), onSuccess: refresh });
  const progressText =
    job.status === "planned"
      ? ""
      : `${job.status === "completed" ? "Completed" : job.status === "cancelled" ? (job.finishedAt ? "Cancelled" : "Cancelling…") : "Running"} — ${progress.processed.toLocaleString("en-US")} of ${progress.total.toLocaleString("en-US")} items`;
  // Polled every second: the page shows each count, the live region only the start, each quarter and the end.
  const announced = useThrottledAnnouncement(`${job.status}:${progressStep(progress.processed, progress.total)}`, progressText);

  return (
    <div className="space-y-6">
      <StatusRegion visuallyHidden data-testid="bulk-progress-announcement">
        {announced}
      </StatusRegion>
      <PlanSummary job={job} />
      {job.status === "planned" && sentForApproval ? <SentForApproval requested={sentForApproval} focusRef={sentRef} /> : null}
      {job.status === "planned" && !sentForApproval ? <RunForm job={job} items={items} excluded={excluded} pending={run.isPending} error={run.isError ? errorMessage(run.error) : null} onRun={(o) => run.mutate(o)} /> : null}
      {job.status !== "planned" ? (
        <section aria-labelledby="progress-heading" className="rounded-md border border-slate-200 bg-white p-4">
          <h2 id="progress-heading" ref={progressRef} tabIndex={-1} className="mb-2 text-lg font-semibold">Progress</h2>
          <p className="mb-2 text-sm">{progressText}</p>
          <div role="progressbar" aria-label="Items processed" aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress.percent} aria-valuetext={`${progress.percent}%`} className="h-3 w-full overflow-hidden rounded bg-slate-200">
            <div className="h-full bg-indigo-700 transition-[width]" style={{ width: `${progress.percent}%` }} />
          </div>
          <dl className="mt-3 grid grid-cols-2 gap-2 text-sm sm:grid-cols-5">
            <Stat label="Done" value={progress.done} />
            <Stat label="Skipped" value={progress.skipped} />
            <Stat label="Failed" value={progress.failed} />
            <Stat label="Rate" value={formatRate(progress.itemsPerSecond)} />
            <Stat label="ETA" value={job.status === "running" ? formatEta(progress.etaSeconds) : "—"} />
          </dl>
          <div className="mt-3 flex flex-wrap gap-3">
            {job.status === "running" ? (
              <button type="button" {...busyButtonProps(cancel.isPending, () => cancel.mutate())} className="inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium text-red-800 ring-1 ring-red-300 hover:bg-red-50 aria-disabled:opacity-60">
                <Ban aria-hidden="true" className="size-4" />
                Cancel
              </button>
            ) : null}
            <a href={`/api/bulk-restore/${jobId}/results.csv`} className="inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100">
              <Download aria-hidden="true" className="size-4" />
              Download results (CSV)
            </a>
          </div>
          {cancel.isError ? <p role="alert" className="mt-2 text-sm text-red-800">{errorMessage(cancel.error)}</p> : null}
          {query.isError ? <p role="alert" className="mt-2 text-sm text-red-800">Could not refresh the progress: {errorMessage(query.error)}</p> : null}
        </section>
      ) : null}
      <PlanTable
        items={items}
        diffs={diffs}
        truncated={itemsTruncated}
        {...(results.data ? { outcomes: results.data } : {})}
        {...(job.status === "planned" && !sentForApproval ? { exclusion: { excluded, toggle: toggleExcluded } } : {})}
        excludedInRun={new Set(job.options?.exclude ?? [])}
      />
    </div>
  );
}

function Stat({ label, value }: { label: string; value: number | string }) {
  return (
    <div>
      <dt className="text-slate-600">{label}</dt>
      <dd className="font-semibold tabular-nums">{typeof value === "number" ? value.toLocaleString("en-US") : value}</dd>
    </div>
  );
}

function PlanSummary({ job }: { job: BulkRestoreJob }) {
  const { counts, ttl, unresolved } = job.plan;
  return (
    <section aria-labelledby="plan-heading" className="rounded-md border border-slate-200 bg-white p-4">
      <h2 id="plan-heading" className="mb-2 text-lg font-semibold">Plan</h2>
      <p className="mb-2 text-sm text-slate-700">
        {job.itemCount.toLocaleString("en-US")} records from <strong>{job.service}</strong> into <code className="font-mono">{job.table}</code>, planned {job.plan.plannedAt.replace("T", " ").slice(0, 19)} UTC by {job.createdBy.email}.
      </p>
      <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-3">
        {(Object.keys(CATEGORY_LABEL) as PlanCategory[]).map((c) => (
          <div key={c}>
            <dt className="text-slate-600">{CATEGORY_LABEL[c]}</dt>
            <dd className="font-semibold tabular-nums" data-testid={`plan-${c}`}>{counts[c].toLocaleString("en-US")}</dd>
          </div>
        ))}
      </dl>
      {ttl && ttl.expired > 0 ? (
        <p className="mt-3 flex items-start gap-2 rounded bg-amber-50 p-2 text-sm text-amber-900">
          <AlertTriangle aria-hidden="true" className="mt-0.5 size-4 shrink-0" />
          {ttl.expired.toLocaleString("en-US")} of these records carry an expired TTL ({ttl.attribute}): restored as they are, DynamoDB deletes them again, typically within days. Choose below what to do with the TTL.
        </p>
      ) : null}
      {unresolved.length > 0 ? (
        <details className="mt-3 text-sm">
          <summary className="cursor-pointer font-medium">{unresolved.length} lines did not resolve</summary>
          <ul className="mt-1 list-disc pl-5">
            {unresolved.map((u, i) => (
              <li key={i}><code className="font-mono">{u.input}</code>: {u.reason}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

/** Whether the run would write the item, given the overwrite choice. */
const isWritable = (item: PlanItem, overwrite: boolean) => item.category === "absent" || (overwrite && item.category === "conflicting");

function RunForm({
  job,
  items,
  excluded,
  pending,
  error,
  onRun,
}: {
  job: BulkRestoreJob;
  items: PlanItem[];
  excluded: ReadonlySet<number>;
  pending: boolean;
  error: string | null;
  onRun: (options: RunOptions) => void;
}) {
  const [ttl, setTtl] = useState<"keep" | "drop" | "extend">("keep");
  const [until, setUntil] = useState("");
  const [overwrite, setOverwrite] = useState(false);
  const [rate, setRate] = useState("");
  const [writeMode, setWriteMode] = useState<WriteMode>("item");
  const { isOpen: confirming, open, cancel, openerRef, panelRef } = useInlineConfirmation<true, HTMLDivElement>();
  const excludedWrites = items.filter((item) => excluded.has(item.i) && isWritable(item, overwrite)).length;
  const writes = job.plan.counts.absent + (overwrite ? job.plan.counts.conflicting : 0) - excludedWrites;
  const itemsPerSecond = rate.trim() === "" ? undefined : Number(rate);
  const rateInvalid = itemsPerSecond !== undefined && !(Number.isInteger(itemsPerSecond) && itemsPerSecond >= MIN_ITEMS_PER_SECOND && itemsPerSecond <= MAX_ITEMS_PER_SECOND);
  const options = (): RunOptions => ({
    overwriteConflicting: overwrite,
    ttl: ttl === "extend" ? { action: "extend", until: new Date(`${until}T00:00:00Z`).toISOString() } : { action: ttl },
    ...(itemsPerSecond !== undefined ? { itemsPerSecond } : {}),
    ...(excluded.size > 0 ? { exclude: [...excluded].sort((a, b) => a - b) } : {}),
    ...(writeMode === "transaction" ? { writeMode } : {}),
  });
  return (
    <section aria-labelledby="run-heading" className="space-y-3 rounded-md border border-slate-200 bg-white p-4">
      <h2 id="run-heading" className="text-lg font-semibold">Run</h2>
      {job.plan.ttl ? (
        <fieldset>
          <legend className="mb-1 text-sm font-medium">TTL attribute ({job.plan.ttl.attribute}) of restored items</legend>
          <div className="flex flex-wrap items-center gap-4 text-sm">
            {(["keep", "drop", "extend"] as const).map((choice) => (
              <label key={choice} className="flex items-center gap-2">
                <input type="radio" name="ttl" checked={ttl === choice} onChange={() => setTtl(choice)} />
                {choice === "keep" ? "Keep as archived" : choice === "drop" ? "Drop it (never expires)" : "Extend to"}
              </label>
            ))}
            {ttl === "extend" ? (
              <input type="date" aria-label="New expiry day (UTC)" required value={until} onChange={(e) => setUntil(e.target.value)} className="rounded-md border border-slate-300 px-2 py-1" />
            ) : null}
          </div>
        </fieldset>
      ) : null}
      {job.plan.counts.conflicting > 0 ? (
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" checked={overwrite} onChange={(e) => setOverwrite(e.target.checked)} className="mt-1" />
          <span>
            Also overwrite the {job.plan.counts.conflicting} conflicting live items. Each is overwritten only if it is still exactly the item this plan saw; otherwise it is skipped.
          </span>
        </label>
      ) : null}
      {job.plan.counts.absent > 0 ? (
        <fieldset>
          <legend className="mb-1 text-sm font-medium">How items with no live copy are written</legend>
          <div className="space-y-1 text-sm">
            <label className="flex items-start gap-2">
              <input type="radio" name="write-mode" checked={writeMode === "item"} onChange={() => setWriteMode("item")} className="mt-1" />
              <span>One request per item</span>
            </label>
            <label className="flex items-start gap-2">
              <input type="radio" name="write-mode" checked={writeMode === "transaction"} onChange={() => setWriteMode("transaction")} className="mt-1" />
              <span>In transactions of up to 100: about a hundredth of the requests and much faster, at twice the write capacity per item</span>
            </label>
          </div>
        </fieldset>
      ) : null}
      <div className="text-sm">
        <label htmlFor="items-per-second" className="font-medium">
          Items per second, at most
        </label>
        <input
          id="items-per-second"
          type="number"
          inputMode="numeric"
          min={MIN_ITEMS_PER_SECOND}
          max={MAX_ITEMS_PER_SECOND}
          step={1}
          value={rate}
          onChange={(e) => setRate(e.target.value)}
          aria-describedby="items-per-second-help"
          aria-invalid={rateInvalid}
          className="ml-2 w-28 rounded-md border border-slate-300 px-2 py-1"
        />
        <p id="items-per-second-help" className={`mt-1 ${rateInvalid ? "text-red-800" : "text-slate-600"}`}>
          {rateInvalid
            ? `A whole number from ${MIN_ITEMS_PER_SECOND} to ${MAX_ITEMS_PER_SECOND.toLocaleString("en-US")}, or leave it empty.`
            : "Leave empty to write as fast as the table accepts; set it to leave write capacity to the table's own traffic."}
        </p>
      </div>
      {confirming ? (
        <div ref={panelRef} tabIndex={-1} role="group" aria-label="Confirm the run" className="flex flex-wrap items-center gap-3 rounded bg-indigo-50 p-3 text-sm">
          <span>
            Write up to {writes.toLocaleString("en-US")} items into <code className="font-mono">{job.table}</code>{itemsPerSecond !== undefined && !rateInvalid ? `, at most ${itemsPerSecond.toLocaleString("en-US")} a second` : ""}?
            {excluded.size > 0 ? ` ${excluded.size.toLocaleString("en-US")} unticked ${excluded.size === 1 ? "item is" : "items are"} left out.` : ""}
          </span>
          <button
            type="button"
            disabled={(ttl === "extend" && !until) || rateInvalid}
            {...busyButtonProps(pending, () => onRun(options()))}
            className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 font-medium text-white hover:bg-indigo-800 disabled:opacity-60 aria-disabled:opacity-60"
          >
            <Play aria-hidden="true" className="size-4" />
            {pending ? "Starting…" : "Yes, start the restore"}
          </button>
          <button type="button" {...busyButtonProps(pending, cancel)} className="rounded-md px-3 py-1.5 font-medium ring-1 ring-slate-300 hover:bg-white">
            Back
          </button>
        </div>
      ) : (
        <button ref={openerRef} type="button" disabled={writes === 0} onClick={() => open(true)} className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60">
          <Play aria-hidden="true" className="size-4" />
          Run the restore
        </button>
      )}
      {error ? <p role="alert" className="text-sm text-red-800">{error}</p> : null}
    </section>
  );
}

function OutcomeCells({ result }: { result: ItemOutcomeRow | undefined }) {
  return (
    <>
      <td className="px-3 py-2">
        {result ? (
          <>
            <span className={`inline-block rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${OUTCOME_STYLE[result.outcome] ?? "bg-slate-100 text-slate-800 ring-slate-300"}`}>{result.outcome}</span>
            {result.reason ? <span className="mt-0.5 block text-xs text-slate-600">{result.reason}</span> : null}
          </>
        ) : (
          <span className="text-slate-500">—</span>
        )}
      </td>
      <td className="px-3 py-2 tabular-nums">{result ? result.attempts : "—"}</td>
    </>
  );
}

function valueText(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

interface ItemOutcomeRow {
  outcome: string;
  reason: string;
  attempts: number;
}

/** item index → outcome, from the results CSV (item,key,archive_key,plan,outcome,reason,attempts). */
export function itemOutcomes(csv: string): Map<number, ItemOutcomeRow> {
  const out = new Map<number, ItemOutcomeRow>();
  // The results file ends its lines with "\n"; the strict reader wants RFC 4180's CRLF.
  for (const row of parseCsv(csv.replace(/\r?\n/g, "\r\n")).slice(1)) {
    const [i, , , , outcome, reason, attempts] = row;
    if (i === undefined || outcome === undefined) continue;
    out.set(Number(i), { outcome, reason: reason ?? "", attempts: Number(attempts ?? 0) });
  }
  return out;
}

const OUTCOME_STYLE: Record<string, string> = {
  restored: "bg-emerald-100 text-emerald-900 ring-emerald-300",
  "already-restored": "bg-emerald-50 text-emerald-900 ring-emerald-200",
  skipped: "bg-amber-100 text-amber-900 ring-amber-300",
  failed: "bg-rose-100 text-rose-900 ring-rose-300",
};

function PlanTable({
  items,
  diffs,
  truncated,
  outcomes,
  exclusion,
  excludedInRun,
}: {
  items: PlanItem[];
  diffs: Record<number, DiffChange[]>;
  truncated: boolean;
  outcomes?: ReadonlyMap<number, ItemOutcomeRow>;
  /** Before the run: a tick per item to write; unticked items are left out of the run. */
  exclusion?: { excluded: ReadonlySet<number>; toggle: (i: number) => void };
  excludedInRun: ReadonlySet<number>;
}) {
  return (
    <section aria-labelledby="items-heading">
      <h2 id="items-heading" className="mb-2 text-lg font-semibold">Items</h2>
      {exclusion ? <p className="mb-2 text-sm text-slate-600">Untick an item to leave it out of the run; the job records what was left out.</p> : null}
      {truncated ? <p className="mb-2 text-sm text-slate-600">Showing the first {items.length.toLocaleString("en-US")} items; the CSV holds all of them.</p> : null}
      <div className="max-h-[60vh] overflow-auto rounded-md border border-slate-200 bg-white" tabIndex={0} role="region" aria-label="Planned items">
        <table className="w-full text-sm">
          <thead className="sticky top-0 bg-slate-50 text-left">
            <tr>
              {exclusion ? <th scope="col" className="px-3 py-2">Restore</th> : null}
              <th scope="col" className="px-3 py-2">Key</th>
              <th scope="col" className="px-3 py-2">Plan</th>
              <th scope="col" className="px-3 py-2">Details</th>
              {outcomes ? (
                <>
                  <th scope="col" className="px-3 py-2">Outcome</th>
                  <th scope="col" className="px-3 py-2">
                    <abbr title="AWS requests made for this item: reading the archived record (none when the plan's copy or a ranged read shared with other records served it), the live item where the plan needs it, then the write, each retried after throttling. A restored item usually takes 1 to 3; more means AWS throttled it; 0 means it needed none (skipped from the plan).">
                      Attempts
                    </abbr>
                  </th>
                </>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={item.i} className="border-t border-slate-100 align-top">
                {exclusion ? (
                  <td className="px-3 py-2">
                    {item.category === "absent" || item.category === "conflicting" ? (
                      <input type="checkbox" aria-label={`Restore ${item.keyText}`} checked={!exclusion.excluded.has(item.i)} onChange={() => exclusion.toggle(item.i)} />
                    ) : null}
                  </td>
                ) : null}
                <td className="px-3 py-2 font-mono">{item.keyText}</td>
                <td className="px-3 py-2">{item.category}{excludedInRun.has(item.i) ? <span className="block text-xs text-slate-600">excluded before the run</span> : null}</td>
                <td className="px-3 py-2">
                  {diffs[item.i] ? (
                    <ul className="space-y-0.5">
                      {diffs[item.i]!.map((change, j) => (
                        <li key={j} className="font-mono text-xs">
                          {change.path.join(".")}: {change.kind === "added" ? `only live ${valueText(change.live)}` : change.kind === "removed" ? `only archived ${valueText(change.archived)}` : `archived ${valueText(change.archived)} → live ${valueText(change.live)}`}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="text-slate-600">{item.reason ?? (item.ttlExpired ? "TTL expired" : "")}</span>
                  )}
                </td>
                {outcomes ? <OutcomeCells result={outcomes.get(item.i)} /> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
