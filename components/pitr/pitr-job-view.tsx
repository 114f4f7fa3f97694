"use client";

import { useRef, useState, type Ref } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, CircleDashed, Wrench } from "lucide-react";
import { fetchJson, errorMessage } from "@/components/query/api-client";
import { CopyButton } from "@/components/ui/copy-button";
import { MessagePanel } from "@/components/ui/message-panel";
import { Skeleton } from "@/components/ui/skeleton";
import type { ChecklistItem, CompareCategory, CompareEntryView, CompareState, CopyBackOutcome, CopyBackResult, PitrJobView } from "@/lib/pitr/pitr-types";
import { formatElapsed, StatusBadge } from "./pitr-status";
import { isApprovalRequested, type ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { SentForApproval } from "../approvals/sent-for-approval";
import { busyButtonProps, useInlineConfirmation } from "../ui/focus-management";
import { progressStep, StatusRegion, useThrottledAnnouncement } from "../ui/status-region";

const POLL_MS = 2000;

export function PitrJobPanel({ id }: { id: string }) {
  const job = useQuery({
    queryKey: ["pitr-job", id],
    queryFn: () => fetchJson<{ job: PitrJobView }>(`/api/pitr/${id}`),
    refetchInterval: (query) => (query.state.data && query.state.data.job.status === "ACTIVE" ? false : POLL_MS),
  });
  if (job.isPending) return <Skeleton className="h-24 w-full" />;
  if (job.isError) return <MessagePanel tone="error" title="Could not load this restore"><p>{errorMessage(job.error)}</p></MessagePanel>;
  const j = job.data.job;
  return (
    <div className="space-y-8">
      <section aria-labelledby="tracking-heading" className="rounded-md border border-slate-200 p-4">
        <h2 id="tracking-heading" className="text-lg font-semibold">Restore</h2>
        <dl className="mt-2 grid grid-cols-1 gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="font-medium">Status</dt>
          <dd data-testid="pitr-status"><StatusBadge status={j.status} /> {j.status === "ACTIVE" ? `ready after ${formatElapsed(j.elapsedSeconds)}` : `${formatElapsed(j.elapsedSeconds)} so far`}</dd>
          <dt className="font-medium">Restored table</dt>
          <dd className="font-mono" data-testid="pitr-target">{j.targetTable}</dd>
          <dt className="font-medium">From</dt>
          <dd>{j.service} (<span className="font-mono">{j.sourceTable}</span>)</dd>
          <dt className="font-medium">Point in time</dt>
          <dd>{j.requestedTime ?? "latest restorable time"}{j.restoreDateTime ? ` — DynamoDB restored to ${j.restoreDateTime}` : ""}</dd>
          <dt className="font-medium">Started</dt>
          <dd><time dateTime={j.startedAt}>{j.startedAt}</time> by {j.requestedBy.email}</dd>
        </dl>
        {j.status === "CREATING" ? <p className="mt-2 text-sm text-slate-700" role="status">DynamoDB is creating the table; this page checks every few seconds. Large tables take hours.</p> : null}
      </section>
      {j.status === "ACTIVE" ? (
        <>
          <Checklist id={id} />
          <ComparePanel job={j} />
        </>
      ) : null}
    </div>
  );
}

function Checklist({ id }: { id: string }) {
  const list = useQuery({ queryKey: ["pitr-checklist", id], queryFn: () => fetchJson<{ items: ChecklistItem[] }>(`/api/pitr/${id}/checklist`) });
  return (
    <section aria-labelledby="checklist-heading" className="rounded-md border border-slate-200 p-4">
      <h2 id="checklist-heading" className="text-lg font-semibold">What the restore did not bring back</h2>
      <p className="text-sm text-slate-700">A PITR restore copies items and keys, not the settings around them. Checked on the restored table where DynamoDB can tell.</p>
      {list.isPending ? <Skeleton className="mt-2 h-32 w-full" /> : null}
      {list.isError ? <MessagePanel tone="error" title="Could not check the restored table" headingLevel={3}><p>{errorMessage(list.error)}</p></MessagePanel> : null}
      <ul className="mt-3 space-y-3">
        {list.data?.items.map((item) => (
          <li key={item.id} className="flex gap-3 text-sm">
            {item.state === "ok" ? <CheckCircle2 aria-hidden="true" className="size-5 shrink-0 text-green-700" /> : item.state === "todo" ? <Wrench aria-hidden="true" className="size-5 shrink-0 text-amber-700" /> : <CircleDashed aria-hidden="true" className="size-5 shrink-0 text-slate-600" />}
            <div className="min-w-0">
              <p>
                <strong>{item.label}</strong> — <span>{item.state === "ok" ? "fine" : item.state === "todo" ? "to do" : "check by hand"}</span>
              </p>
              <p className="text-slate-700">{item.detail}</p>
              {item.command && item.state !== "ok" ? (
                <div className="mt-1 flex items-start gap-2">
                  <code className="block whitespace-pre-wrap break-all rounded bg-slate-100 px-2 py-1 text-xs">{item.command}</code>
                  <CopyButton text={item.command} label={`Copy the command for ${item.label}`} />
                </div>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

const CATEGORY_LABELS: Record<CompareCategory, string> = {
  "only-in-restored": "Only in restored (deleted since)",
  "only-in-live": "Only in live (created since)",
  changed: "Changed",
};

function ComparePanel({ job }: { job: PitrJobView }) {
  const queryClient = useQueryClient();
  const compare = useQuery({
    queryKey: ["pitr-compare", job.id],
    queryFn: () => fetchJson<{ compare: CompareState | null }>(`/api/pitr/${job.id}/compare`),
    refetchInterval: (query) => (query.state.data?.compare?.status === "running" ? 1000 : false),
  });
  const start = useMutation({
    mutationFn: () => fetchJson<{ compare: CompareState }>(`/api/pitr/${job.id}/compare`, { method: "POST", body: { segments: 4 } }),
    onSuccess: (data) => queryClient.setQueryData(["pitr-compare", job.id], data),
  });
  const state = compare.data?.compare ?? null;
  const pct = (scanned: number, total: number | null) => (total ? Math.min(100, Math.round((scanned / total) * 100)) : null);
  const compareText = state ? compareStatusText(state, pct) : "";
  // Polled every second: the screen shows each count, the live region the start, each quarter and the end.
  const announced = useThrottledAnnouncement(state ? `${state.status}:${progressStep(state.scanned.live, state.approximateCounts.live ?? 0)}` : "none", compareText);
  return (
    <section aria-labelledby="compare-heading" className="space-y-3 rounded-md border border-slate-200 p-4">
      <h2 id="compare-heading" className="text-lg font-semibold">Compare restored with live</h2>
      <p className="text-sm text-slate-700">
        Scans both tables in parallel segments and lists the items deleted since the restore point, created since, and changed. Nothing is written.
      </p>
      <button type="button" {...busyButtonProps(start.isPending || state?.status === "running", () => start.mutate())} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white aria-disabled:opacity-50">
        {state ? "Run the compare again" : "Run compare"}
      </button>
      <StatusRegion visuallyHidden>{announced}</StatusRegion>
      {start.isError ? <MessagePanel tone="error" title="The compare did not start" role="alert" headingLevel={3}><p>{errorMessage(start.error)}</p></MessagePanel> : null}
      {state ? (
        <div className="space-y-2 text-sm" data-testid="pitr-compare">
          <p>{compareText}</p>
          <dl className="grid grid-cols-2 gap-2 sm:grid-cols-4">
            {(Object.keys(CATEGORY_LABELS) as CompareCategory[]).map((c) => (
              <div key={c} className="rounded border border-slate-200 p-2">
                <dt className="text-xs text-slate-700">{CATEGORY_LABELS[c]}</dt>
                <dd className="text-xl font-semibold" data-testid={`count-${c}`}>{state.counts[c]}</dd>
              </div>
            ))}
            <div className="rounded border border-slate-200 p-2">
              <dt className="text-xs text-slate-700">Identical</dt>
              <dd className="text-xl font-semibold" data-testid="count-identical">{state.identical}</dd>
            </div>
          </dl>
          {state.erased ? (
            <p className="text-sm text-slate-700" data-testid="count-erased">
              {state.erased} difference(s) of keys erased from the archive are left out of this compare.
            </p>
          ) : null}
          {state.status === "done" ? <CompareBrowser job={job} state={state} /> : null}
        </div>
      ) : null}
    </section>
  );
}

function compareStatusText(state: CompareState, pct: (scanned: number, total: number | null) => number | null): string {
  const livePct = pct(state.scanned.live, state.approximateCounts.live);
  const restoredPct = pct(state.scanned.restored, state.approximateCounts.restored);
  const head =
    state.status === "running"
      ? "Comparing…"
      : state.status === "done"
        ? `Compare finished at ${state.finishedAt}.`
        : state.status === "stalled"
          ? `The compare stopped: ${state.error ?? "its server stopped"}.`
          : `The compare failed: ${state.error ?? "unknown error"}.`;
  return `${head} Live: ${state.scanned.live} items scanned${livePct !== null ? ` (~${livePct} %)` : ""}; restored: ${state.scanned.restored} items scanned${restoredPct !== null ? ` (~${restoredPct} %)` : ""}; ${state.segments} segments.`;
}

function CompareBrowser({ job, state }: { job: PitrJobView; state: CompareState }) {
  const [category, setCategory] = useState<CompareCategory>("only-in-restored");
  return (
    <div>
      <div role="tablist" aria-label="Compare results" className="mt-2 flex flex-wrap gap-1 border-b border-slate-200">
        {(Object.keys(CATEGORY_LABELS) as CompareCategory[]).map((c) => (
          <button
            key={c}
            role="tab"
            type="button"
            id={`tab-${c}`}
            aria-selected={category === c}
            aria-controls={`panel-${c}`}
            onClick={() => setCategory(c)}
            className={category === c ? "border-b-2 border-slate-900 px-3 py-2 font-semibold" : "px-3 py-2 text-slate-700"}
          >
            {CATEGORY_LABELS[c]} ({state.counts[c]})
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${category}`} aria-labelledby={`tab-${category}`} className="pt-3">
        <CategoryList key={`${state.compareId}-${category}`} job={job} state={state} category={category} />
      </div>
    </div>
  );
}

const keyText = (key: CompareEntryView["key"]) => Object.values(key).map((v) => Object.values(v)[0]).join(" / ");

function CategoryList({ job, state, category }: { job: PitrJobView; state: CompareState; category: CompareCategory }) {
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const confirmation = useInlineConfirmation<{ all: boolean }, HTMLHeadingElement>();
  const confirming = confirmation.value;
  const copySelectedRef = useRef<HTMLButtonElement>(null);
  const copyAllRef = useRef<HTMLButtonElement>(null);
  const outcomeHeadingRef = useRef<HTMLHeadingElement>(null);
  const copiedRef = useRef<HTMLDivElement>(null);
  const list = useQuery({
    queryKey: ["pitr-compare-page", job.id, state.compareId, category, page],
    queryFn: () => fetchJson<{ entries: CompareEntryView[]; pages: number; total: number }>(`/api/pitr/${job.id}/compare/${category}?compareId=${state.compareId}&page=${page}`),
  });
  // Each item's outcome from the copy-backs made on this screen: the list says what is done, without a new compare.
  const [outcomes, setOutcomes] = useState<ReadonlyMap<string, CopyBackOutcome>>(() => new Map());
  const copy = useMutation({
    mutationFn: (all: boolean) =>
      fetchJson<{ result: CopyBackResult } | ApprovalRequestedResponse>(`/api/pitr/${job.id}/copy-back`, {
        method: "POST",
        body: { compareId: state.compareId, category, selection: all ? { all: true } : { ids: [...selected] } },
      }),
    onError: () => {
      confirmation.close();
      confirmation.focus(outcomeHeadingRef);
    },
    onSuccess: (answer) => {
      confirmation.close();
      confirmation.focus(isApprovalRequested(answer) ? outcomeHeadingRef : copiedRef);
      setSelected(new Set());
      if (isApprovalRequested(answer)) return;
      setOutcomes((current) => new Map([...current, ...answer.result.items.map((i) => [i.id, i.outcome] as const)]));
    },
  });
  const copyable = category !== "only-in-live";
  const toggle = (id: string) => setSelected((s) => { const next = new Set(s); if (next.has(id)) next.delete(id); else next.add(id); return next; });

  if (list.isPending) return <Skeleton className="h-32 w-full" />;
  if (list.isError) return <MessagePanel tone="error" title="Could not load this list" headingLevel={3}><p>{errorMessage(list.error)}</p></MessagePanel>;
  const { entries, pages, total } = list.data;
  return (
    <div className="space-y-3">
      {total === 0 ? <p>Nothing in this category.</p> : null}
      {category === "only-in-live" && total > 0 ? <p className="text-slate-700">Items created since the restore point. Copy-back does not delete them; they are listed for review.</p> : null}
      <ul className="space-y-2">
        {entries.map((entry) => (
          <li key={entry.id} className="rounded border border-slate-200 p-2">
            <div className="flex items-center gap-2">
              {copyable ? (
                <input
                  type="checkbox"
                  id={`sel-${entry.id}`}
                  checked={selected.has(entry.id)}
                  disabled={outcomes.get(entry.id) === "copied"}
                  onChange={() => toggle(entry.id)}
                  aria-label={`Select ${keyText(entry.key)}`}
                />
              ) : null}
              <span className="font-mono break-all">{keyText(entry.key)}</span>
              {outcomes.has(entry.id) ? <CopyOutcomeBadge outcome={outcomes.get(entry.id)!} /> : null}
            </div>
            {entry.changes ? (
              <details className="mt-1">
                <summary className="cursor-pointer text-slate-700">{entry.changes.length} attribute change{entry.changes.length === 1 ? "" : "s"}</summary>
                <table className="mt-1 w-full text-xs">
                  <thead><tr><th scope="col" className="text-left">Attribute</th><th scope="col" className="text-left">Restored</th><th scope="col" className="text-left">Live now</th></tr></thead>
                  <tbody>
                    {entry.changes.map((c) => (
                      <tr key={c.path.join(".")}>
                        <td className="pr-2 font-mono">{c.path.join(".")}</td>
                        <td className="pr-2 font-mono">{c.kind === "added" ? "—" : JSON.stringify(c.archived)}</td>
                        <td className="font-mono">{c.kind === "removed" ? "—" : JSON.stringify(c.live)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            ) : entry.restored ? (
              <details className="mt-1"><summary className="cursor-pointer text-slate-700">Restored item</summary><pre tabIndex={0} role="region" aria-label="Restored item" className="overflow-x-auto text-xs">{JSON.stringify(entry.restored, null, 2)}</pre></details>
            ) : null}
          </li>
        ))}
      </ul>
      {pages > 1 ? (
        <nav aria-label="Pages" className="flex items-center gap-2">
          <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)} className="rounded border px-2 py-1 disabled:opacity-50">Previous</button>
          <span>Page {page + 1} of {pages}</span>
          <button type="button" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)} className="rounded border px-2 py-1 disabled:opacity-50">Next</button>
        </nav>
      ) : null}
      {copyable && total > 0 ? (
        <div className="flex flex-wrap gap-2">
          <button ref={copySelectedRef} type="button" disabled={selected.size === 0} onClick={() => confirmation.open({ all: false }, copySelectedRef)} className="rounded-md border border-slate-900 px-3 py-1.5 disabled:opacity-50">
            Copy {selected.size} selected back…
          </button>
          <button ref={copyAllRef} type="button" onClick={() => confirmation.open({ all: true }, copyAllRef)} className="rounded-md border border-slate-900 px-3 py-1.5">
            Copy all {total} back…
          </button>
        </div>
      ) : null}
      {confirming ? (
        <MessagePanel tone="warning" title="Copy back into the live table?" headingLevel={3} focusRef={confirmation.panelRef}>
          <p>
            {confirming.all ? total : selected.size} item(s) from <span className="font-mono">{job.targetTable}</span> will be written to <span className="font-mono">{job.sourceTable}</span>
            {category === "changed" ? ", replacing the live versions the compare saw" : ", where no item with the key exists"}. Items that changed since the compare, and erased keys, are refused. Audited.
          </p>
          <div className="mt-2 flex gap-2">
            <button type="button" {...busyButtonProps(copy.isPending, () => copy.mutate(confirming.all))} className="rounded-md bg-slate-900 px-3 py-1.5 text-white aria-disabled:opacity-50">
              {copy.isPending ? "Copying…" : "Copy back"}
            </button>
            <button type="button" {...busyButtonProps(copy.isPending, confirmation.cancel)} className="rounded-md border px-3 py-1.5">Cancel</button>
          </div>
        </MessagePanel>
      ) : null}
      {copy.isError ? <MessagePanel tone="error" title="The copy-back did not run" role="alert" headingLevel={3} focusRef={outcomeHeadingRef}><p>{errorMessage(copy.error)}</p></MessagePanel> : null}
      {copy.data && isApprovalRequested(copy.data) ? <SentForApproval requested={copy.data} focusRef={outcomeHeadingRef} /> : null}
      {copy.data && !isApprovalRequested(copy.data) ? <CopyResults result={copy.data.result} focusRef={copiedRef} /> : null}
    </div>
  );
}

const COPY_OUTCOMES: Record<CopyBackOutcome, { label: string; className: string }> = {
  copied: { label: "Copied back", className: "bg-emerald-100 text-emerald-900 ring-emerald-300" },
  "changed-since-compare": { label: "Not copied: changed since the compare", className: "bg-amber-100 text-amber-900 ring-amber-300" },
  erased: { label: "Not copied: erased", className: "bg-slate-100 text-slate-800 ring-slate-300" },
  failed: { label: "Copy failed", className: "bg-rose-100 text-rose-900 ring-rose-300" },
};

function CopyOutcomeBadge({ outcome }: { outcome: CopyBackOutcome }) {
  const o = COPY_OUTCOMES[outcome];
  return <span className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${o.className}`}>{o.label}</span>;
}

function CopyResults({ result, focusRef }: { result: CopyBackResult; focusRef?: Ref<HTMLDivElement> }) {
  const problems = result.items.filter((i) => i.outcome !== "copied");
  return (
    <div ref={focusRef} tabIndex={-1} role="status" className={`rounded border p-2 ${problems.length === 0 ? "border-emerald-300 bg-emerald-50 text-emerald-950" : "border-amber-300 bg-amber-50 text-amber-950"}`}>
      <p>
        Copied {result.counts.copied}; changed since compare {result.counts["changed-since-compare"]}; erased {result.counts.erased}; failed {result.counts.failed}. Audit id{" "}
        <span className="font-mono">{result.auditId}</span>.
      </p>
      {problems.length > 0 ? (
        <ul className="mt-1 list-disc pl-5">
          {problems.slice(0, 200).map((p) => (
            <li key={p.id}><span className="font-mono">{keyText(p.key)}</span>: {p.message ?? p.outcome}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
