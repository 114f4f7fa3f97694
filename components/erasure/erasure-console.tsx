"use client";

import { useMemo, useRef, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { errorMessage, fetchJson } from "@/components/query/api-client";
import { ErrorPanel } from "@/components/ui/message-panel";
import type { ErasureMode, ErasurePlanResponse, ErasureQuery } from "@/lib/erasure/erasure-request";
import { ErasureRefusal, postErasure } from "./erasure-api";
import { ErasureActionForm, type ErasureChoice } from "./erasure-action-form";
import { ErasureFindings } from "./erasure-findings";
import { ErasureProgress } from "./erasure-progress";
import { buildErasureReceipt } from "./erasure-receipt";
import { ErasureResult } from "./erasure-result";
import { ErasureSearchForm } from "./erasure-search-form";
import { isApprovalRequested } from "@/lib/approvals/approval-types";
import { SentForApproval } from "../approvals/sent-for-approval";
import { useFocusRequest } from "../ui/focus-management";
import { StatusRegion } from "../ui/status-region";

export { lockLabel } from "./lock-label";

/**
 * The erasure flow: find a subject's archived records, choose erase or redact,
 * type the confirmation, follow it while it runs, see what was done, keep the receipt.
 * The server re-plans and re-checks everything; this only guides. What the search found
 * and how the erasure went are announced through regions that are on the page from the start;
 * focus moves to the outcome, since the form that had it goes away.
 */
export function ErasureConsole({
  services,
  user,
  initialKey = "",
  handedOver = [],
}: {
  services: string[];
  user: { email: string; name: string; role: string };
  initialKey?: string;
  handedOver?: string[];
}) {
  const [query, setQuery] = useState<ErasureQuery | null>(null);
  const [mode, setMode] = useState<ErasureMode>("erase");
  const [startedAt, setStartedAt] = useState(0);

  const plan = useMutation({
    mutationFn: (q: ErasureQuery) => fetchJson<ErasurePlanResponse>("/api/erasure/plan", { method: "POST", body: q }),
  });
  const focus = useFocusRequest();
  const outcomeRef = useRef<HTMLHeadingElement>(null);
  const refusalRef = useRef<HTMLDivElement>(null);
  const erasure = useMutation({
    mutationFn: postErasure,
    onSuccess: () => focus(outcomeRef),
    onError: () => focus(refusalRef),
  });
  const sent = erasure.data && isApprovalRequested(erasure.data) ? erasure.data : null;
  const erased = erasure.data && !isApprovalRequested(erasure.data) ? erasure.data : null;

  const attributeNames = useMemo(() => {
    const names = new Set<string>();
    for (const f of plan.data?.findings ?? []) for (const n of f.attributeNames) names.add(n);
    for (const k of plan.data?.keyAttributes ?? []) names.delete(k);
    return [...names].sort();
  }, [plan.data]);

  const receipt = useMemo(
    () => (erased && plan.data && query ? buildErasureReceipt({ plan: plan.data, query, response: erased, by: user, completedAt: new Date() }) : null),
    [erased, plan.data, query, user],
  );

  function search(q: ErasureQuery) {
    setQuery(q);
    erasure.reset();
    plan.mutate(q);
  }

  function run(choice: ErasureChoice) {
    if (!query) return;
    setStartedAt(Date.now());
    erasure.mutate({ ...query, mode: choice.mode, ...(choice.mode === "redact" ? { attributes: choice.attributes } : {}), confirmation: choice.confirmation });
  }

  const nothingFound = plan.data && plan.data.findings.length === 0 && plan.data.failureCopies.length === 0;
  const blocked = (plan.data?.blockers.length ?? 0) > 0;
  const done = erased?.outcome === "succeeded" ? erased.summary.mode : null;
  const said = plan.isPending
    ? "Searching the archive…"
    : erasure.isPending
      ? `${mode === "erase" ? "Erasing" : "Redacting"}… The result appears below when it is done.`
      : erasure.isIdle && plan.data && query
        ? foundText(plan.data, query)
        : "";

  return (
    <div className="space-y-6">
      <ErasureSearchForm services={services} initialKey={initialKey} handedOver={handedOver} searching={plan.isPending || erasure.isPending} onSearch={search} />
      <StatusRegion visuallyHidden data-testid="erasure-announcement">
        {said}
      </StatusRegion>

      {plan.isError ? <ErrorPanel title="Could not search the archive" message={errorMessage(plan.error)} /> : null}

      {plan.data && query ? <ErasureFindings plan={plan.data} query={query} mode={mode} done={done} /> : null}

      {plan.data && query && !nothingFound && !blocked && !erasure.isSuccess ? (
        // Keyed by the subject: a new search starts with an empty confirmation.
        <ErasureActionForm key={JSON.stringify(query)} query={query} attributeNames={attributeNames} mode={mode} onModeChange={setMode} busy={erasure.isPending} onSubmit={run} />
      ) : null}

      {erasure.isPending && plan.data ? <ErasureProgress plan={plan.data} mode={mode} startedAt={startedAt} /> : null}

      {erasure.isError ? (
        <div ref={refusalRef} tabIndex={-1} role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900">
          <p className="font-medium">{errorMessage(erasure.error)}</p>
          {erasure.error instanceof ErasureRefusal ? (
            <>
              <ul className="mt-1 list-disc pl-6">
                {erasure.error.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              {erasure.error.auditId ? (
                <p className="mt-1">
                  Audit id: <span className="font-mono">{erasure.error.auditId}</span>
                </p>
              ) : null}
            </>
          ) : null}
        </div>
      ) : null}

      {sent ? <SentForApproval requested={sent} focusRef={outcomeRef} /> : null}
      <StatusRegion aria-label="Erasure result">{erased && receipt ? <ErasureResult response={erased} receipt={receipt} focusRef={outcomeRef} /> : null}</StatusRegion>
    </div>
  );
}

/** "3 archived records found for CONTACT#c-1005", with the failed-batch copies and a refusal if any. */
export function foundText(plan: ErasurePlanResponse, query: ErasureQuery): string {
  const n = plan.findings.length;
  const copies = plan.failureCopies.length;
  const subject = query.match === "prefix" ? `keys starting with ${query.key}` : query.key;
  return [
    `${n} archived ${n === 1 ? "record" : "records"} found for ${subject}`,
    copies > 0 ? `, and ${copies} failed-batch ${copies === 1 ? "copy" : "copies"}` : "",
    plan.blockers.length > 0 ? ". The erasure would be refused: see below." : ".",
  ].join("");
}
