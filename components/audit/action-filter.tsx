import { ChevronDown } from "lucide-react";
import { AUDIT_ACTIONS, type AuditAction } from "@/lib/audit/audit-entry";
import { ACTION_LABELS } from "./audit-operations";

/**
 * Several actions at once ("restores and erasures") as checkboxes of the page's GET
 * form, folded in a disclosure so the filter bar stays one line; none checked is any.
 */
export function ActionFilter({ selected }: { selected: readonly AuditAction[] }) {
  const summary = selected.length === 0 ? "Any action" : selected.length <= 2 ? selected.map((a) => ACTION_LABELS[a]).join(", ") : `${selected.length} actions`;
  return (
    <div className="flex flex-col gap-1">
      <span id="audit-actions-label" className="text-sm font-medium">
        Actions
      </span>
      <details className="relative">
        <summary
          aria-describedby="audit-actions-label"
          className="flex cursor-pointer list-none items-center gap-1 rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm [&::-webkit-details-marker]:hidden"
        >
          {summary}
          <ChevronDown aria-hidden="true" className="size-4" />
        </summary>
        <fieldset className="absolute z-20 mt-1 w-56 space-y-1 rounded-md border border-slate-200 bg-white p-2 shadow-lg">
          <legend className="sr-only">Actions to show</legend>
          {AUDIT_ACTIONS.map((action) => (
            <label key={action} className="flex items-center gap-2 rounded px-1 py-0.5 text-sm hover:bg-slate-50">
              <input type="checkbox" name="action" value={action} defaultChecked={selected.includes(action)} />
              {ACTION_LABELS[action]}
            </label>
          ))}
        </fieldset>
      </details>
    </div>
  );
}
