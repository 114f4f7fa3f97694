import clsx from "clsx";
import type { DiffChange, DiffPath, ItemComparison } from "@/lib/diff/item-diff";
import { attributeType } from "../attributes/attribute-format";
import { TypedValue, TypeTag } from "../attributes/typed-attribute-view";
import type { AttributeValue } from "@/lib/archive/attribute-value";
import { CircleCheck, CircleMinus, CirclePlus, CircleSlash, PencilLine } from "lucide-react";
import { ScrollRegion } from "@/components/ui/scroll-region";

export function formatDiffPath(path: DiffPath): string {
  return path.map(String).join(".");
}

const KINDS = {
  added: { label: "Added", note: "only in the live item", Icon: CirclePlus, row: "bg-emerald-50", badge: "bg-emerald-100 text-emerald-900 ring-emerald-300" },
  removed: { label: "Removed", note: "only in the archived item", Icon: CircleMinus, row: "bg-rose-50", badge: "bg-rose-100 text-rose-900 ring-rose-300" },
  changed: { label: "Changed", note: "different in the live item", Icon: PencilLine, row: "bg-amber-50", badge: "bg-amber-100 text-amber-900 ring-amber-300" },
} as const;

export function ChangeKindBadge({ kind }: { kind: DiffChange["kind"] }) {
  const k = KINDS[kind];
  return (
    <span title={k.note} className={clsx("inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", k.badge)}>
      <k.Icon aria-hidden="true" className="size-3.5" />
      {k.label}
    </span>
  );
}

function Cell({ value }: { value: AttributeValue | undefined }) {
  if (value === undefined) return <span className="text-sm text-slate-600 italic">absent</span>;
  return (
    <div className="flex items-start gap-2">
      <TypeTag type={attributeType(value)} />
      <div className="min-w-0 flex-1">
        <TypedValue value={value} collapsed />
      </div>
    </div>
  );
}

/**
 * Field-level differences between the archived item and the live one. A phone has no
 * room for four columns (the live one would be cut off), so below sm each change is a
 * card with the archived and the live value one above the other.
 */
export function DiffTable({ changes }: { changes: DiffChange[] }) {
  const caption = `${changes.length === 1 ? "1 difference" : `${changes.length} differences`} between the archived item and the live item`;
  return (
    <>
      <ScrollRegion label={caption} className="hidden rounded-md border border-slate-200 md:block">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{caption}</caption>
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              <th scope="col" className="px-3 py-2 font-semibold">Attribute path</th>
              <th scope="col" className="px-3 py-2 font-semibold">Change</th>
              <th scope="col" className="px-3 py-2 font-semibold">Archived</th>
              <th scope="col" className="px-3 py-2 font-semibold">Live</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-200">
            {changes.map((change) => {
              const path = formatDiffPath(change.path);
              return (
                <tr key={`${change.kind}:${path}`} className={KINDS[change.kind].row}>
                  <th scope="row" className="px-3 py-2 align-top font-mono font-medium break-all">{path}</th>
                  <td className="px-3 py-2 align-top">
                    <ChangeKindBadge kind={change.kind} />
                  </td>
                  <td className="px-3 py-2 align-top">
                    <Cell value={change.kind === "added" ? undefined : change.archived} />
                  </td>
                  <td className="px-3 py-2 align-top">
                    <Cell value={change.kind === "removed" ? undefined : change.live} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
      <ul aria-label={caption} className="divide-y divide-slate-200 rounded-md border border-slate-200 md:hidden">
        {changes.map((change) => {
          const path = formatDiffPath(change.path);
          return (
            <li key={`${change.kind}:${path}`} className={clsx("space-y-2 p-3 text-sm", KINDS[change.kind].row)}>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="min-w-0 font-mono font-medium break-all">{path}</span>
                <ChangeKindBadge kind={change.kind} />
              </div>
              <dl className="space-y-2">
                <div className="min-w-0">
                  <dt className="text-xs font-semibold text-slate-700">Archived</dt>
                  <dd className="min-w-0 break-all">
                    <Cell value={change.kind === "added" ? undefined : change.archived} />
                  </dd>
                </div>
                <div className="min-w-0">
                  <dt className="text-xs font-semibold text-slate-700">Live</dt>
                  <dd className="min-w-0 break-all">
                    <Cell value={change.kind === "removed" ? undefined : change.live} />
                  </dd>
                </div>
              </dl>
            </li>
          );
        })}
      </ul>
    </>
  );
}

/** The three answers to "is it still live?". */
export function ComparisonSummary({ comparison }: { comparison: ItemComparison }) {
  if (comparison.status === "gone") {
    return (
      <p className="flex items-center gap-2 font-medium">
        <CircleSlash aria-hidden="true" className="size-5 text-slate-600" />
        Gone — nothing live with this key
      </p>
    );
  }
  if (comparison.status === "identical") {
    return (
      <p className="flex items-center gap-2 font-medium">
        <CircleCheck aria-hidden="true" className="size-5 text-emerald-700" />
        Identical to the live item
      </p>
    );
  }
  const n = comparison.changes.length;
  return (
    <div className="space-y-3">
      <p className="flex items-center gap-2 font-medium">
        <PencilLine aria-hidden="true" className="size-5 text-amber-700" />
        Changed — the live item differs in {n === 1 ? "1 attribute" : `${n} attributes`}
      </p>
      <DiffTable changes={comparison.changes} />
    </div>
  );
}
