"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import { ArchiveRestore, Loader2, RefreshCw } from "lucide-react";
import { can, type Role } from "@/lib/auth/roles";
import { compareQueryOptions, restoreRecord } from "../query/archive-queries";
import { ApiError, errorMessage } from "../query/api-client";
import type { ComparePlan, RestoreBody, RestoreMode, TtlChoice } from "../query/api-types";
import { formatUtc } from "../format/time";
import { MessagePanel } from "../ui/message-panel";

type TtlAction = TtlChoice["action"];

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** A datetime-local value ("2030-01-31T12:00"), read as UTC, to ISO; undefined if it is not one. */
export function utcInputToIso(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const ms = Date.parse(`${value.length === 16 ? `${value}:00` : value}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

interface Draft {
  mode: RestoreMode;
  ttlAction: TtlAction;
  extendUntil: string;
  otherTable: boolean;
  targetTable: string;
}

/** Why the draft cannot be sent yet, per field. */
function problemsOf(draft: Draft, plan: ComparePlan, now: Date): { extendUntil?: string; targetTable?: string } {
  const problems: { extendUntil?: string; targetTable?: string } = {};
  if (plan.ttl && draft.ttlAction === "extend") {
    const iso = utcInputToIso(draft.extendUntil);
    if (!iso) problems.extendUntil = "Enter the new expiry date and time (UTC).";
    else if (Date.parse(iso) <= now.getTime()) problems.extendUntil = "The new expiry must be in the future.";
  }
  if (draft.otherTable) {
    if (!TABLE_NAME.test(draft.targetTable)) problems.targetTable = "Enter a DynamoDB table name (3–255 of A–Z a–z 0–9 _ . -).";
    else if (draft.targetTable === plan.table) problems.targetTable = `That is the service's own table; untick "another table" to restore into it.`;
  }
  return problems;
}

function ttlText(choice: TtlChoice, attribute: string): string {
  if (choice.action === "keep") return `keep ${attribute} as archived`;
  if (choice.action === "drop") return `remove ${attribute} (the item will not expire)`;
  return `set ${attribute} to ${formatUtc(choice.until)}`;
}

export function RestorePanel({
  service,
  archiveKey,
  keyText,
  role,
  compare,
}: {
  service: string;
  archiveKey: string;
  keyText: string;
  role: Role;
  compare: UseQueryResult<ComparePlan>;
}) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>({ mode: "no-clobber", ttlAction: "keep", extendUntil: "", otherTable: false, targetTable: "" });
  const [step, setStep] = useState<"edit" | "confirm">("edit");
  const [showProblems, setShowProblems] = useState(false);
  const mutation = useMutation({
    mutationFn: (body: RestoreBody) => restoreRecord(service, body),
    onSettled: () => setStep("edit"),
    // The live item is now the restored one: the comparison should say so.
    onSuccess: () => queryClient.invalidateQueries({ queryKey: compareQueryOptions(service, archiveKey).queryKey }),
  });

  const plan = compare.data;
  if (!plan) {
    return <p className="text-sm text-slate-700">{compare.isError ? "Restoring needs the comparison with the live item, which failed above." : "Waiting for the comparison with the live item…"}</p>;
  }

  const update = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    mutation.reset();
  };
  const liveExists = plan.comparison.status !== "gone";
  const canOtherTable = can(role, "record:restore-other-table");
  const overwriteAllowed = can(role, "record:restore-overwrite") && liveExists && !draft.otherTable;
  const mode: RestoreMode = overwriteAllowed ? draft.mode : "no-clobber";
  const ttlChoice: TtlChoice =
    plan.ttl && draft.ttlAction === "extend"
      ? { action: "extend", until: utcInputToIso(draft.extendUntil) ?? "" }
      : plan.ttl && draft.ttlAction === "drop"
        ? { action: "drop" }
        : { action: "keep" };
  const targetTable = draft.otherTable ? draft.targetTable.trim() : undefined;
  const problems = problemsOf({ ...draft, targetTable: draft.targetTable.trim() }, plan, new Date());
  const hasProblems = Object.keys(problems).length > 0;

  const review = (event: FormEvent) => {
    event.preventDefault();
    setShowProblems(true);
    if (!hasProblems) {
      mutation.reset();
      setStep("confirm");
    }
  };
  const send = () => {
    mutation.mutate({
      archiveKey,
      mode,
      ttl: ttlChoice,
      ...(targetTable ? { targetTable } : { expectedLiveFingerprint: plan.liveFingerprint }),
    });
  };
  const recompare = () => {
    mutation.reset();
    void compare.refetch();
  };

  const field = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  const table = targetTable ?? plan.table;

  return (
    <div className="space-y-4">
      {step === "edit" ? (
        <form onSubmit={review} noValidate className="space-y-4">
          <fieldset className="space-y-2">
            <legend className="text-sm font-semibold">How to write it</legend>
            <label className="flex items-start gap-2 text-sm">
              <input type="radio" name="restore-mode" value="no-clobber" checked={mode === "no-clobber"} onChange={() => update({ mode: "no-clobber" })} className="mt-1" />
              <span>
                <span className="font-medium">Only if no live item has this key</span> (no-clobber). Refused if one exists, so nothing live is ever replaced.
              </span>
            </label>
            {overwriteAllowed ? (
              <label className="flex items-start gap-2 text-sm">
                <input type="radio" name="restore-mode" value="overwrite" checked={mode === "overwrite"} onChange={() => update({ mode: "overwrite" })} className="mt-1" />
                <span>
                  <span className="font-medium">Overwrite the live item</span> you compared above. Refused if it has changed since you looked.
                </span>
              </label>
            ) : null}
            {liveExists && mode === "no-clobber" && !draft.otherTable ? (
              <p className="text-sm text-amber-900">
                A live item with this key exists ({plan.comparison.status === "identical" ? "identical to the archived one" : "different from the archived one"}), so a no-clobber restore
                will be refused.{can(role, "record:restore-overwrite") ? "" : " Only an admin can overwrite it."}
              </p>
            ) : null}
          </fieldset>

          {plan.ttl ? (
            <fieldset className="space-y-2">
              <legend className="text-sm font-semibold">
                TTL attribute <code className="font-mono">{plan.ttl.attribute}</code>
              </legend>
              {plan.ttl.expired ? (
                <p className="text-sm font-medium text-amber-900">Expired{plan.ttl.expiresAt ? ` at ${formatUtc(plan.ttl.expiresAt)}` : ""}: kept as it is, DynamoDB will delete the item again.</p>
              ) : null}
              <label className="flex items-center gap-2 text-sm">
                <input type="radio" name="restore-ttl" value="keep" checked={draft.ttlAction === "keep"} onChange={() => update({ ttlAction: "keep" })} />
                Keep as archived{plan.ttl.expiresAt ? ` (${formatUtc(plan.ttl.expiresAt)})` : ""}
              </label>
              <label className="flex items-center gap-2 text-sm">
                <input type="radio" name="restore-ttl" value="drop" checked={draft.ttlAction === "drop"} onChange={() => update({ ttlAction: "drop" })} />
                Remove it, so the item does not expire
              </label>
              <div className="flex flex-wrap items-center gap-2 text-sm">
                <label className="flex items-center gap-2">
                  <input type="radio" name="restore-ttl" value="extend" checked={draft.ttlAction === "extend"} onChange={() => update({ ttlAction: "extend" })} />
                  Extend to
                </label>
                <label htmlFor="restore-ttl-until" className="sr-only">
                  New expiry (UTC)
                </label>
                <input
                  id="restore-ttl-until"
                  type="datetime-local"
                  value={draft.extendUntil}
                  onChange={(e) => update({ extendUntil: e.target.value, ttlAction: "extend" })}
                  aria-invalid={showProblems && Boolean(problems.extendUntil)}
                  aria-describedby="restore-ttl-until-hint"
                  className={field}
                />
                <span id="restore-ttl-until-hint" className="text-xs text-slate-600">
                  UTC
                </span>
              </div>
              {showProblems && problems.extendUntil ? <p className="text-sm font-medium text-red-800">{problems.extendUntil}</p> : null}
            </fieldset>
          ) : null}

          {canOtherTable ? (
            <fieldset className="space-y-2">
              <legend className="text-sm font-semibold">Target table</legend>
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" checked={draft.otherTable} onChange={(e) => update({ otherTable: e.target.checked })} />
                Restore into another table (for example a point-in-time restore side table) instead of <code className="font-mono">{plan.table}</code>
              </label>
              {draft.otherTable ? (
                <div className="flex flex-col gap-1">
                  <label htmlFor="restore-target-table" className="text-sm font-medium">
                    Table name
                  </label>
                  <input
                    id="restore-target-table"
                    value={draft.targetTable}
                    onChange={(e) => update({ targetTable: e.target.value })}
                    maxLength={255}
                    autoComplete="off"
                    spellCheck={false}
                    aria-invalid={showProblems && Boolean(problems.targetTable)}
                    aria-describedby="restore-target-table-hint"
                    className={`${field} max-w-md font-mono`}
                  />
                  <p id="restore-target-table-hint" className={showProblems && problems.targetTable ? "text-sm font-medium text-red-800" : "text-xs text-slate-600"}>
                    {showProblems && problems.targetTable ? problems.targetTable : "It must exist and have the same key schema. Only no-clobber restores go to another table."}
                  </p>
                </div>
              ) : null}
            </fieldset>
          ) : null}

          <button type="submit" className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800">
            <ArchiveRestore aria-hidden="true" className="size-4" />
            Review restore…
          </button>
        </form>
      ) : (
        <section aria-labelledby="restore-confirm-heading" className="space-y-3 rounded-md border border-indigo-200 bg-indigo-50 p-4">
          <h3 id="restore-confirm-heading" className="font-semibold">
            Confirm the restore
          </h3>
          <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="font-medium">Item</dt>
            <dd className="font-mono break-all">{keyText}</dd>
            <dt className="font-medium">Into table</dt>
            <dd className="font-mono">{table}</dd>
            <dt className="font-medium">Mode</dt>
            <dd>{mode === "overwrite" ? "Overwrite the live item you compared (refused if it changed)" : "No-clobber: only if no item with this key exists"}</dd>
            {plan.ttl ? (
              <>
                <dt className="font-medium">TTL</dt>
                <dd>{ttlText(ttlChoice, plan.ttl.attribute)}</dd>
              </>
            ) : null}
          </dl>
          <p className="text-sm">The item is written exactly as archived{ttlChoice.action === "keep" ? "" : ", with only the TTL change above"}. The attempt is recorded in the audit log.</p>
          <div className="flex gap-2">
            <button
              type="button"
              onClick={send}
              disabled={mutation.isPending}
              className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60"
            >
              {mutation.isPending ? <Loader2 aria-hidden="true" className="size-4 animate-spin" /> : <ArchiveRestore aria-hidden="true" className="size-4" />}
              {mutation.isPending ? "Restoring…" : "Restore now"}
            </button>
            <button
              type="button"
              onClick={() => setStep("edit")}
              disabled={mutation.isPending}
              className="rounded-md bg-white px-4 py-2 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100"
            >
              Back
            </button>
          </div>
        </section>
      )}

      <div aria-live="polite">
        {mutation.isSuccess ? (
          <MessagePanel tone="info" title={`Restored into table ${mutation.data.table}`} headingLevel={3} role="status">
            <p>
              The item is live again. Audit entry <code className="font-mono">{mutation.data.auditId}</code>.
              {mutation.data.table === plan.table ? " The comparison above now reads the restored item." : ""}
            </p>
          </MessagePanel>
        ) : null}
        {mutation.isError ? <RestoreError error={mutation.error} onRecompare={recompare} /> : null}
      </div>
    </div>
  );
}

function RestoreError({ error, onRecompare }: { error: Error; onRecompare: () => void }) {
  const conflict = error instanceof ApiError && error.status === 409;
  const title =
    conflict && error.code === "live-item-changed"
      ? "The live item changed since you looked"
      : conflict && error.code === "live-item-exists"
        ? "A live item with this key already exists"
        : "The item was not restored";
  return (
    <MessagePanel tone="error" title={title} headingLevel={3} role="alert">
      <p>{errorMessage(error)}</p>
      {conflict ? (
        <button type="button" onClick={onRecompare} className="mt-2 inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium ring-1 ring-red-300 hover:bg-red-100">
          <RefreshCw aria-hidden="true" className="size-4" />
          Compare again
        </button>
      ) : null}
    </MessagePanel>
  );
}
