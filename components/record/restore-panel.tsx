"use client";

import { useRef, useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { can, type Role } from "@/lib/auth/roles";
import { compareQueryOptions, restoreRecord } from "../query/archive-queries";
import type { ComparePlan, RestoreBody, RestoreMode } from "../query/api-types";
import { EMPTY_DRAFT, problemsOf, ttlChoiceOf, type RestoreDraft } from "./restore-draft";
import { RestoreConfirm } from "./restore-confirm";
import { RestoreForm } from "./restore-form";
import { RestoreAgainButton, RestoreError, RestoreSucceeded } from "./restore-outcome";
import { isApprovalRequested } from "@/lib/approvals/approval-types";
import { SentForApproval } from "../approvals/sent-for-approval";
import { useInlineConfirmation } from "../ui/focus-management";
import { StatusRegion } from "../ui/status-region";

export { utcInputToIso } from "./restore-draft";

/**
 * The restore flow: edit (how, TTL, where), confirm, then the outcome. After a restore
 * the outcome replaces the form (a second no-clobber restore would only be refused);
 * "Restore again…" brings the form back on purpose. Focus follows the steps: the confirmation's
 * heading when it opens, "Review restore…" again after "Back", the outcome once it is known.
 */
export function RestorePanel({ service, archiveKey, keyText, role, compare }: { service: string; archiveKey: string; keyText: string; role: Role; compare: UseQueryResult<ComparePlan> }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const [draft, setDraft] = useState<RestoreDraft>(EMPTY_DRAFT);
  const confirmation = useInlineConfirmation<true, HTMLHeadingElement>();
  const [done, setDone] = useState(false);
  const step = done ? "done" : confirmation.isOpen ? "confirm" : "edit";
  const outcomeRef = useRef<HTMLHeadingElement>(null);
  const firstFieldRef = useRef<HTMLInputElement>(null);
  const [showProblems, setShowProblems] = useState(false);
  const mutation = useMutation({
    mutationFn: (body: RestoreBody) => restoreRecord(service, body),
    onError: () => {
      confirmation.close();
      confirmation.focus(outcomeRef);
    },
    onSuccess: () => {
      confirmation.close();
      setDone(true);
      confirmation.focus(outcomeRef);
      // The live item is now the restored one, and the audit log has a new restore: the
      // comparison and the server-rendered history should both say so.
      void queryClient.invalidateQueries({ queryKey: compareQueryOptions(service, archiveKey).queryKey });
      router.refresh();
    },
  });

  const plan = compare.data;
  if (!plan) {
    return <p className="text-sm text-slate-700">{compare.isError ? "Restoring needs the comparison with the live item, which failed above." : "Waiting for the comparison with the live item…"}</p>;
  }

  const update = (patch: Partial<RestoreDraft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    mutation.reset();
  };
  const liveExists = plan.comparison.status !== "gone";
  const overwriteRole = can(role, "record:restore-overwrite");
  const overwriteAllowed = overwriteRole && liveExists && !draft.otherTable;
  const mode: RestoreMode = overwriteAllowed ? draft.mode : "no-clobber";
  const ttlChoice = ttlChoiceOf(draft, plan);
  const targetTable = draft.otherTable ? draft.targetTable.trim() : undefined;
  const problems = problemsOf({ ...draft, targetTable: draft.targetTable.trim() }, plan, new Date());

  const review = (event: FormEvent) => {
    event.preventDefault();
    setShowProblems(true);
    if (Object.keys(problems).length === 0) {
      mutation.reset();
      confirmation.open(true);
    }
  };
  const send = () => {
    mutation.mutate({ archiveKey, mode, ttl: ttlChoice, ...(targetTable ? { targetTable } : { expectedLiveFingerprint: plan.liveFingerprint }) });
  };
  const recompare = () => {
    mutation.reset();
    void compare.refetch();
  };
  const again = () => {
    mutation.reset();
    setDraft(EMPTY_DRAFT);
    setShowProblems(false);
    setDone(false);
    confirmation.focus(firstFieldRef);
  };

  const answer = mutation.isSuccess ? mutation.data : undefined;
  const sent = answer && isApprovalRequested(answer) ? answer : undefined;
  const restored = answer && !isApprovalRequested(answer) ? answer : undefined;

  return (
    <div className="space-y-4">
      {step === "confirm" ? (
        <RestoreConfirm
          keyText={keyText}
          table={targetTable ?? plan.table}
          mode={mode}
          ttl={plan.ttl ? { attribute: plan.ttl.attribute, choice: ttlChoice } : null}
          pending={mutation.isPending}
          onSend={send}
          onBack={confirmation.cancel}
          headingRef={confirmation.panelRef}
        />
      ) : step === "edit" ? (
        <RestoreForm
          plan={plan}
          draft={draft}
          mode={mode}
          update={update}
          problems={problems}
          showProblems={showProblems}
          overwriteAllowed={overwriteAllowed}
          overwriteRole={overwriteRole}
          canOtherTable={can(role, "record:restore-other-table")}
          onReview={review}
          reviewRef={confirmation.openerRef}
          firstFieldRef={firstFieldRef}
        />
      ) : null}
      {/* On the page from the start, so that the outcome put into it is read out. */}
      <StatusRegion aria-label="Restore result" data-testid="restore-announcement">
        {step === "done" && sent ? (
          <SentForApproval requested={sent} focusRef={outcomeRef} />
        ) : step === "done" && restored ? (
          <RestoreSucceeded result={restored} ownTable={restored.table === plan.table} focusRef={outcomeRef} />
        ) : mutation.isError ? (
          <RestoreError error={mutation.error} onRecompare={recompare} focusRef={outcomeRef} />
        ) : null}
      </StatusRegion>
      {step === "done" && restored ? <RestoreAgainButton onAgain={again} /> : null}
    </div>
  );
}
