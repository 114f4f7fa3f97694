import type { FormEvent, Ref } from "react";
import { ArchiveRestore } from "lucide-react";
import type { ComparePlan, RestoreMode } from "../query/api-types";
import type { DraftProblems, RestoreDraft } from "./restore-draft";
import { RestoreTtlFieldset } from "./restore-ttl-fieldset";

/** The first step: how to write the item, its TTL, and where. */
export function RestoreForm({
  plan,
  draft,
  mode,
  update,
  problems,
  showProblems,
  overwriteAllowed,
  overwriteRole,
  canOtherTable,
  onReview,
  reviewRef,
  firstFieldRef,
}: {
  plan: ComparePlan;
  draft: RestoreDraft;
  mode: RestoreMode;
  update: (patch: Partial<RestoreDraft>) => void;
  problems: DraftProblems;
  showProblems: boolean;
  overwriteAllowed: boolean;
  /** The user's role may overwrite (when a live item exists). */
  overwriteRole: boolean;
  canOtherTable: boolean;
  onReview: (event: FormEvent) => void;
  /** The button that opens the confirmation: focus comes back to it from "Back". */
  reviewRef?: Ref<HTMLButtonElement>;
  firstFieldRef?: Ref<HTMLInputElement>;
}) {
  const field = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  const liveExists = plan.comparison.status !== "gone";
  return (
    <form onSubmit={onReview} noValidate className="space-y-4">
      <fieldset className="space-y-2">
        <legend className="text-sm font-semibold">How to write it</legend>
        <label className="flex items-start gap-2 text-sm">
          <input ref={firstFieldRef} type="radio" name="restore-mode" value="no-clobber" checked={mode === "no-clobber"} onChange={() => update({ mode: "no-clobber" })} className="mt-1" />
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
            A live item with this key exists ({plan.comparison.status === "identical" ? "identical to the archived one" : "different from the archived one"}), so a no-clobber restore will
            be refused.{overwriteRole ? "" : " Only an admin can overwrite it."}
          </p>
        ) : null}
      </fieldset>

      {plan.ttl ? <RestoreTtlFieldset ttl={plan.ttl} draft={draft} update={update} problems={problems} showProblems={showProblems} /> : null}

      {canOtherTable ? (
        <fieldset className="space-y-2">
          <legend className="text-sm font-semibold">Target table</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={draft.otherTable} onChange={(e) => update({ otherTable: e.target.checked })} />
            <span>
              Restore into another table (for example a point-in-time restore side table) instead of <code className="font-mono break-all">{plan.table}</code>
            </span>
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

      <button ref={reviewRef} type="submit" className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800">
        <ArchiveRestore aria-hidden="true" className="size-4" />
        Review restore…
      </button>
    </form>
  );
}
