"use client";

import { useRef, useState, type Ref } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Loader2, RefreshCw, RotateCcw, Trash2 } from "lucide-react";
import type { DlqFailure, DlqListResponse, FailureEntry, ReplayResult, ServiceFailures } from "@/lib/dlq/failure-record";
import { fetchJson, errorMessage } from "../query/api-client";
import { formatUtc } from "../format/time";
import { MessagePanel } from "../ui/message-panel";
import { ScrollRegion } from "@/components/ui/scroll-region";
import { DiscardForm } from "./discard-form";
import { busyButtonProps, useInlineConfirmation } from "../ui/focus-management";

export const DLQ_QUERY_KEY = ["dlq", "failures"] as const;

function replayFailure(service: string, failureId: string): Promise<ReplayResult> {
  return fetchJson<ReplayResult>("/api/dlq/replay", { method: "POST", body: { service, failureId } });
}

function destinationText(s: ServiceFailures): string {
  return s.destination.type === "sqs" ? `SQS queue ${s.destination.queueName}` : `S3 bucket ${s.destination.bucket}`;
}

function shortSequence(n: string): string {
  return n.length > 14 ? `…${n.slice(-12)}` : n;
}

export function DlqView({ initial }: { initial: DlqListResponse }) {
  const query = useQuery({
    queryKey: DLQ_QUERY_KEY,
    queryFn: () => fetchJson<DlqListResponse>("/api/dlq"),
    initialData: initial,
    staleTime: 30_000,
  });
  const data = query.data;
  // A replay that deleted its failure counts at once, without re-reading every destination
  // (which would also take the replay's outcome off the screen).
  const [replayed, setReplayed] = useState<ReadonlySet<string>>(() => new Set());
  const [discarded, setDiscarded] = useState<ReadonlySet<string>>(() => new Set());
  const listed = data.services.flatMap((s) => s.failures.map((f) => `${s.service}/${f.id}`));
  const replayedListed = listed.filter((id) => replayed.has(id)).length;
  const discardedListed = listed.filter((id) => discarded.has(id)).length;
  const total = listed.length - replayedListed - discardedListed;
  return (
    <div className="space-y-8">
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-700">
        <p>
          {total === 0 ? "No failed batches in any on-failure destination." : `${total} failed batch${total === 1 ? "" : "es"} waiting.`}
          {replayedListed > 0 ? ` ${replayedListed} replayed and deleted since the check.` : ""}
          {discardedListed > 0 ? ` ${discardedListed} discarded since the check.` : ""} Checked {formatUtc(data.checkedAt)}.
        </p>
        <button
          type="button"
          {...busyButtonProps(query.isFetching, () => void query.refetch())}
          className="inline-flex items-center gap-1.5 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm hover:bg-slate-50 aria-disabled:opacity-60"
        >
          <RefreshCw aria-hidden="true" className={query.isFetching ? "size-4 animate-spin" : "size-4"} />
          Check again
        </button>
      </div>
      {query.isError ? <MessagePanel tone="error" title="Could not check the destinations again" role="alert">{errorMessage(query.error)}</MessagePanel> : null}
      {data.services.map((s) => (
        <ServiceSection
          key={s.service}
          failures={s}
          onReplayed={(id) => setReplayed((current) => new Set(current).add(`${s.service}/${id}`))}
          onDiscarded={(id) => setDiscarded((current) => new Set(current).add(`${s.service}/${id}`))}
        />
      ))}
    </div>
  );
}

interface RowCallbacks {
  onReplayed: (failureId: string) => void;
  onDiscarded: (failureId: string) => void;
}

function ServiceSection({ failures: s, onReplayed, onDiscarded }: { failures: ServiceFailures } & RowCallbacks) {
  const headingId = `dlq-${s.service}`;
  return (
    <section aria-labelledby={headingId} className="space-y-3">
      <div>
        <h2 id={headingId} className="text-lg font-semibold">
          {s.service}
        </h2>
        <p className="text-sm text-slate-600">
          Table <code className="font-mono">{s.table}</code>, failed batches go to the {destinationText(s)}.{" "}
          {s.destination.type === "sqs"
            ? "An SQS message names the batch's shard and sequence range only: replay reads the records back from the stream, which keeps them for 24 hours."
            : "Each object holds the whole batch, so a replay works however old it is."}
        </p>
      </div>
      {s.error ? (
        <MessagePanel tone="error" title={`Could not read the ${destinationText(s)}`} headingLevel={3}>
          <p>{s.error.message}</p>
        </MessagePanel>
      ) : s.failures.length === 0 ? (
        <p className="text-sm text-slate-700">No failed batches.</p>
      ) : (
        <ScrollRegion label={`Failed batches of ${s.service}`} className="rounded-md border border-slate-200">
          <table className="min-w-full text-sm">
            <caption className="sr-only">Failed batches of {s.service}</caption>
            <thead className="bg-slate-50 text-left text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">First failure</th>
                <th scope="col" className="px-3 py-2 font-medium">Shard</th>
                <th scope="col" className="px-3 py-2 font-medium">Sequence range</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Records</th>
                <th scope="col" className="px-3 py-2 font-medium">Reason</th>
                <th scope="col" className="px-3 py-2 font-medium">Records available</th>
                <th scope="col" className="px-3 py-2 font-medium">Action</th>
              </tr>
            </thead>
            <tbody>
              {s.failures.map((f) => (
                <FailureRow key={f.id} service={s.service} failure={f} onReplayed={onReplayed} onDiscarded={onDiscarded} />
              ))}
            </tbody>
          </table>
          {s.truncated ? <p className="border-t border-slate-200 px-3 py-2 text-sm text-amber-900">More failures exist than are listed here; replay these first.</p> : null}
        </ScrollRegion>
      )}
    </section>
  );
}

function FailureRow({ service, failure, onReplayed, onDiscarded }: { service: string; failure: FailureEntry } & RowCallbacks) {
  if (failure.kind === "malformed") {
    return (
      <tr className="border-t border-slate-200 align-top" data-testid="dlq-failure">
        <td className="px-3 py-2 whitespace-nowrap">{failure.failedAt ? formatUtc(failure.failedAt) : "unknown"}</td>
        <td colSpan={5} className="px-3 py-2 text-red-900">
          Not a failed-batch record ({failure.reason}). Id <code className="font-mono break-all">{failure.id}</code>. Inspect it with the AWS console or CLI.
        </td>
        <td className="px-3 py-2">—</td>
      </tr>
    );
  }
  return <BatchRow service={service} failure={failure} onReplayed={onReplayed} onDiscarded={onDiscarded} />;
}

function RetentionCell({ failure }: { failure: DlqFailure }) {
  const r = failure.retention;
  if (r.state === "records-kept") return <span>In the failure object</span>;
  if (r.state === "in-stream") return <span>In the stream until {formatUtc(r.readableUntil)}</span>;
  return <span className="font-medium text-amber-900">{r.state === "past-retention" ? `Past the stream's 24-hour retention: ${r.message.replace(/^past the stream's 24-hour retention: /, "")}` : r.message}</span>;
}

function BatchRow({ service, failure, onReplayed, onDiscarded }: { service: string; failure: DlqFailure } & RowCallbacks) {
  const queryClient = useQueryClient();
  const [discarding, setDiscarding] = useState(false);
  const [discarded, setDiscarded] = useState(false);
  const discardOpenerRef = useRef<HTMLButtonElement>(null);
  const { isOpen: confirming, open, cancel, close, focus, openerRef, panelRef } = useInlineConfirmation<true, HTMLDivElement>();
  const outcomeRef = useRef<HTMLHeadingElement>(null);
  const mutation = useMutation({
    mutationFn: () => replayFailure(service, failure.id),
    onSuccess: (result) => {
      if (result.deleted) onReplayed(failure.id);
    },
    onSettled: () => {
      close();
      focus(outcomeRef);
    },
  });
  const result = mutation.data;
  const range = `${failure.startSequenceNumber} – ${failure.endSequenceNumber}`;
  return (
    <>
      <tr className="border-t border-slate-200 align-top" data-testid="dlq-failure">
        <td className="px-3 py-2 whitespace-nowrap">{failure.failedAt ? formatUtc(failure.failedAt) : "unknown"}</td>
        <td className="min-w-48 px-3 py-2 font-mono text-xs break-all">{failure.shardId}</td>
        <td className="px-3 py-2 font-mono text-xs whitespace-nowrap" title={range}>
          {shortSequence(failure.startSequenceNumber)} – {shortSequence(failure.endSequenceNumber)}
        </td>
        <td className="px-3 py-2 text-right">{failure.batchSize}</td>
        <td className="px-3 py-2">{failure.reason}</td>
        <td className="px-3 py-2">
          <RetentionCell failure={failure} />
        </td>
        <td className="px-3 py-2">
          {result?.deleted ? (
            <span className="font-medium text-emerald-800">Replayed</span>
          ) : discarded ? (
            <span className="font-medium text-slate-800">Discarded</span>
          ) : confirming ? (
            <div ref={panelRef} tabIndex={-1} className="flex flex-col gap-2" role="group" aria-label="Confirm replay">
              <span className="text-xs text-slate-700">Run the archiver on these {failure.batchSize} records?</span>
              <div className="flex gap-2">
                <button
                  type="button"
                  {...busyButtonProps(mutation.isPending, () => mutation.mutate())}
                  className="inline-flex items-center gap-1 rounded-md bg-slate-900 px-2.5 py-1 text-sm text-white hover:bg-slate-700 aria-disabled:opacity-60"
                >
                  {mutation.isPending ? <Loader2 aria-hidden="true" className="size-4 animate-spin" /> : null}
                  Confirm replay
                </button>
                <button type="button" {...busyButtonProps(mutation.isPending, cancel)} className="rounded-md border border-slate-300 px-2.5 py-1 text-sm">
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <div className="flex flex-wrap gap-2">
              <button
                ref={openerRef}
                type="button"
                onClick={() => {
                  mutation.reset();
                  setDiscarding(false);
                  open(true);
                }}
                aria-label={`Replay the batch of ${failure.batchSize} records first failed ${failure.failedAt ? formatUtc(failure.failedAt) : ""}`.trim()}
                className="inline-flex items-center gap-1 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm hover:bg-slate-50"
              >
                <RotateCcw aria-hidden="true" className="size-4" />
                Replay
              </button>
              <button
                ref={discardOpenerRef}
                type="button"
                onClick={() => {
                  mutation.reset();
                  setDiscarding(true);
                }}
                aria-expanded={discarding}
                aria-label={`Discard the batch of ${failure.batchSize} records first failed ${failure.failedAt ? formatUtc(failure.failedAt) : ""}`.trim()}
                className="inline-flex items-center gap-1 rounded-md border border-red-300 bg-white px-2.5 py-1 text-sm text-red-900 hover:bg-red-50"
              >
                <Trash2 aria-hidden="true" className="size-4" />
                Discard
              </button>
            </div>
          )}
        </td>
      </tr>
      {discarding ? (
        <tr>
          <td colSpan={7} className="px-3 pb-3">
            <DiscardForm
              service={service}
              failure={failure}
              onCancel={() => {
                setDiscarding(false);
                discardOpenerRef.current?.focus();
              }}
              onDiscarded={() => {
                setDiscarded(true);
                onDiscarded(failure.id);
              }}
              onDone={() => void queryClient.invalidateQueries({ queryKey: DLQ_QUERY_KEY })}
            />
          </td>
        </tr>
      ) : null}
      {mutation.isError || result ? (
        <tr>
          <td colSpan={7} className="px-3 pb-3">
            {mutation.isError ? (
              <MessagePanel tone="error" title="The replay did not run" role="alert" headingLevel={3} focusRef={outcomeRef}>
                <p>{errorMessage(mutation.error)}</p>
              </MessagePanel>
            ) : result ? (
              <ReplayOutcome result={result} onDone={() => void queryClient.invalidateQueries({ queryKey: DLQ_QUERY_KEY })} focusRef={outcomeRef} />
            ) : null}
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function ReplayOutcome({ result, onDone, focusRef }: { result: ReplayResult; onDone?: () => void; focusRef?: Ref<HTMLHeadingElement> }) {
  const c = result.counts;
  const tone = result.deleted ? "success" : result.lost ? "error" : "warning";
  const title = result.deleted
    ? "Replayed: every record is archived, the failure was deleted"
    : result.lost
      ? `${result.lost.count} record${result.lost.count === 1 ? "" : "s"} lost: the failure is kept`
      : "Not every record was archived: the failure is kept";
  return (
    <MessagePanel tone={tone} title={title} role="status" headingLevel={3} focusRef={focusRef}>
      <dl className="mt-1 grid grid-cols-2 gap-x-4 gap-y-0.5 sm:grid-cols-4" data-testid="replay-counts">
        {(
          [
            ["Archived", c.archived],
            ["Already archived", c.alreadyArchived],
            ["Erased, skipped", c.erased],
            ["Failed", c.failed],
            ["Lost", c.lost],
          ] as const
        ).map(([label, n]) => (
          <div key={label} className="flex gap-1">
            <dt>{label}:</dt>
            <dd className="font-semibold">{n}</dd>
          </div>
        ))}
      </dl>
      {result.lost ? (
        <p className="mt-2">
          Lost: {result.lost.count} of {c.total} records of shard <code className="font-mono break-all">{result.lost.shardId}</code>, sequence numbers{" "}
          <code className="font-mono break-all">{result.lost.startSequenceNumber}</code> to <code className="font-mono break-all">{result.lost.endSequenceNumber}</code>:{" "}
          {result.lost.reason}. The items these deletions removed are not in the archive; a point-in-time restore of the table to just before{" "}
          {result.lost.count === 1 ? "that deletion" : "those deletions"} is the remaining way to recover them. The failure is kept as the record of what was lost.
        </p>
      ) : (
        <p className="mt-2">{result.message}</p>
      )}
      {result.erasures.length > 0 ? (
        <p className="mt-1">{result.erasures.map((e) => `${e.count} record${e.count === 1 ? "" : "s"} erased on ${e.erasedOn}`).join(", ")}: not archived again, by the erasure.</p>
      ) : null}
      {result.failures.length > 0 ? (
        <ul className="mt-1 list-disc pl-5">
          {result.failures.slice(0, 5).map((f, i) => (
            <li key={`${f.sequenceNumber}-${i}`}>
              {f.sequenceNumber ? <code className="font-mono">{f.sequenceNumber}</code> : "a record"}: {f.message}
            </li>
          ))}
          {result.failures.length > 5 ? <li>and {result.failures.length - 5} more</li> : null}
        </ul>
      ) : null}
      {result.keptBecause && !result.lost ? <p className="mt-1">Kept because {result.keptBecause}.</p> : null}
      <p className="mt-1 text-xs">Audit operation {result.operationId}.</p>
      {onDone ? (
        <button type="button" onClick={onDone} className="mt-2 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-900">
          Refresh the list
        </button>
      ) : null}
    </MessagePanel>
  );
}
