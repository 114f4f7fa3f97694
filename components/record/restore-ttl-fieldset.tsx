import type { ComparePlan } from "../query/api-types";
import { formatUtc } from "../format/time";
import type { DraftProblems, RestoreDraft } from "./restore-draft";

/**
 * What to do with the item's TTL attribute. Nothing is chosen at first: restored as
 * archived, an expired item is deleted again, so "keep" must be a decision, not a default.
 */
export function RestoreTtlFieldset({
  ttl,
  draft,
  update,
  problems,
  showProblems,
}: {
  ttl: NonNullable<ComparePlan["ttl"]>;
  draft: RestoreDraft;
  update: (patch: Partial<RestoreDraft>) => void;
  problems: DraftProblems;
  showProblems: boolean;
}) {
  const field = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";
  return (
    <fieldset className="space-y-2" aria-describedby={showProblems && problems.ttl ? "restore-ttl-problem" : undefined}>
      <legend className="text-sm font-semibold">
        TTL attribute <code className="font-mono">{ttl.attribute}</code>: choose one
      </legend>
      {ttl.expired ? (
        <p className="text-sm font-medium text-amber-900">Expired{ttl.expiresAt ? ` at ${formatUtc(ttl.expiresAt)}` : ""}: kept as it is, DynamoDB will delete the item again.</p>
      ) : null}
      <label className="flex items-center gap-2 text-sm">
        <input type="radio" name="restore-ttl" value="keep" checked={draft.ttlAction === "keep"} onChange={() => update({ ttlAction: "keep" })} />
        Keep as archived{ttl.expiresAt ? ` (${formatUtc(ttl.expiresAt)})` : ""}
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
      {showProblems && problems.ttl ? (
        <p id="restore-ttl-problem" className="text-sm font-medium text-red-800">
          {problems.ttl}
        </p>
      ) : null}
      {showProblems && problems.extendUntil ? <p className="text-sm font-medium text-red-800">{problems.extendUntil}</p> : null}
    </fieldset>
  );
}
