"use client";

import { useEffect, useId, useRef, useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { Loader2 } from "lucide-react";
import { isApprovalRequested, type ApprovalRequestedResponse } from "@/lib/approvals/approval-types";
import { MIN_DISCARD_REASON_CHARS, type DiscardResult, type DlqFailure } from "@/lib/dlq/failure-record";
import { SentForApproval } from "../approvals/sent-for-approval";
import { errorMessage, fetchJson } from "../query/api-client";
import { MessagePanel } from "../ui/message-panel";
import { busyButtonProps, useFocusRequest } from "../ui/focus-management";

type Answer = { kind: "discarded"; result: DiscardResult } | { kind: "sent"; requested: ApprovalRequestedResponse };

async function discardFailure(service: string, failureId: string, reason: string): Promise<Answer> {
  const answer = await fetchJson<unknown>("/api/dlq/discard", { method: "POST", body: { service, failureId, reason } });
  return isApprovalRequested(answer) ? { kind: "sent", requested: answer } : { kind: "discarded", result: answer as DiscardResult };
}

/** Acknowledging that a batch can never be archived: a reason, then the discard (or a four-eyes request). */
export function DiscardForm({ service, failure, onCancel, onDiscarded, onDone }: { service: string; failure: DlqFailure; onCancel: () => void; onDiscarded: () => void; onDone: () => void }) {
  const reasonId = useId();
  const hintId = useId();
  const [reason, setReason] = useState("");
  const [touched, setTouched] = useState(false);
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const outcomeRef = useRef<HTMLHeadingElement>(null);
  const errorRef = useRef<HTMLHeadingElement>(null);
  const focus = useFocusRequest();
  // Opened from the row's Discard button: the reason is what to fill in first.
  useEffect(() => reasonRef.current?.focus(), []);
  const mutation = useMutation({
    mutationFn: () => discardFailure(service, failure.id, reason.trim()),
    onSuccess: (answer) => {
      if (answer.kind === "discarded" && answer.result.deleted) onDiscarded();
      focus(outcomeRef);
    },
    onError: () => focus(errorRef),
  });
  const tooShort = reason.trim().length < MIN_DISCARD_REASON_CHARS;
  const answer = mutation.data;

  if (answer?.kind === "sent") return <SentForApproval requested={answer.requested} focusRef={outcomeRef} />;
  if (answer?.kind === "discarded") {
    const r = answer.result;
    return (
      <MessagePanel tone={r.deleted ? "success" : "warning"} title={r.deleted ? "Discarded: the failure was deleted" : "Not discarded: the failure is still there"} role="status" headingLevel={3} focusRef={outcomeRef}>
        <p>{r.message}</p>
        <p className="mt-1 text-xs">Audit operation {r.operationId}.</p>
        <button type="button" onClick={onDone} className="mt-2 rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm text-slate-900">
          Refresh the list
        </button>
      </MessagePanel>
    );
  }
  return (
    <form
      className="space-y-2 rounded-md border border-red-200 bg-red-50/40 p-3"
      aria-label="Discard this failed batch"
      onSubmit={(event) => {
        event.preventDefault();
        setTouched(true);
        if (!tooShort && !mutation.isPending) mutation.mutate();
      }}
    >
      <p className="text-sm text-slate-900">
        Discard this batch of {failure.batchSize} record{failure.batchSize === 1 ? "" : "s"}? Its deletions will <strong>never be archived</strong>. A copy of what the
        destination kept is stored in the archive bucket (and is erased with a subject&apos;s records), the{" "}
        {failure.source === "sqs" ? "message is deleted from the queue" : "failure object is deleted"}, and the discard is audited with your reason.
      </p>
      <label htmlFor={reasonId} className="block text-sm font-medium text-slate-900">
        Why can it never be archived?
      </label>
      <textarea
        ref={reasonRef}
        id={reasonId}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        onBlur={() => setTouched(true)}
        rows={2}
        maxLength={1000}
        aria-describedby={hintId}
        aria-invalid={touched && tooShort}
        className="w-full max-w-xl rounded-md border border-slate-400 bg-white px-2 py-1 text-sm"
      />
      <p id={hintId} aria-live="polite" className={touched && tooShort ? "text-sm text-red-800" : "text-xs text-slate-600"}>
        {touched && tooShort ? `Say why in at least ${MIN_DISCARD_REASON_CHARS} characters.` : `At least ${MIN_DISCARD_REASON_CHARS} characters, e.g. "poison record without OldImage, replayed twice".`}
      </p>
      <div className="flex flex-wrap gap-2">
        <button
          type="submit"
          {...busyButtonProps(mutation.isPending)}
          className="inline-flex items-center gap-1 rounded-md bg-red-800 px-2.5 py-1 text-sm font-medium text-white hover:bg-red-900 aria-disabled:opacity-60"
        >
          {mutation.isPending ? <Loader2 aria-hidden="true" className="size-4 animate-spin" /> : null}
          Confirm discard
        </button>
        <button type="button" {...busyButtonProps(mutation.isPending, onCancel)} className="rounded-md border border-slate-300 bg-white px-2.5 py-1 text-sm aria-disabled:opacity-60">
          Cancel
        </button>
      </div>
      {mutation.isError ? (
        <MessagePanel tone="error" title="The batch was not discarded" role="alert" headingLevel={4} focusRef={errorRef}>
          <p>{errorMessage(mutation.error)}</p>
        </MessagePanel>
      ) : null}
    </form>
  );
}
