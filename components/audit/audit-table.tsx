import clsx from "clsx";
import type { AuditEntry, AuditOutcome } from "@/lib/audit/audit-entry";
import { keyValueText, type KeyValue } from "@/lib/archive/attribute-value";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { formatUtcTime } from "../format/time";

const OUTCOMES: Record<AuditOutcome, { label: string; className: string }> = {
  started: { label: "Started", className: "bg-slate-100 text-slate-800 ring-slate-300" },
  succeeded: { label: "Succeeded", className: "bg-emerald-100 text-emerald-900 ring-emerald-300" },
  refused: { label: "Refused", className: "bg-amber-100 text-amber-900 ring-amber-300" },
  failed: { label: "Failed", className: "bg-rose-100 text-rose-900 ring-rose-300" },
};

export function OutcomeBadge({ outcome }: { outcome: AuditOutcome }) {
  const o = OUTCOMES[outcome];
  return <span className={clsx("inline-block rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", o.className)}>{o.label}</span>;
}

function keyText(key: Record<string, KeyValue> | undefined): string {
  if (!key) return "—";
  return Object.entries(key)
    .map(([name, v]) => `${name} = ${keyValueText(v)}${"B" in v ? " (base64)" : ""}`)
    .join(", ");
}

/** Newest first: the entry a compliance officer is looking for is usually the latest. */
export function sortNewestFirst(entries: readonly AuditEntry[]): AuditEntry[] {
  return [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

export function AuditTable({ entries, date, order = "newest-first" }: { entries: AuditEntry[]; date: string; order?: "newest-first" | "as-given" }) {
  const cell = "px-3 py-2 align-top";
  return (
    <div className="overflow-x-auto rounded-md border border-slate-200 bg-white">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">
          Audit log entries {date} (UTC), {order === "newest-first" ? "newest first" : "oldest first"}
        </caption>
        <thead className="bg-slate-50 text-slate-700">
          <tr>
            {["Time (UTC)", "Actor", "Role", "Action", "Service", "Key", "Mode", "Outcome", "Message", "Details"].map((h) => (
              <th key={h} scope="col" className="px-3 py-2 font-semibold whitespace-nowrap">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {(order === "newest-first" ? sortNewestFirst(entries) : entries).map((e) => (
            <tr key={e.id}>
              <th scope="row" className={clsx(cell, "font-normal whitespace-nowrap tabular-nums")}>
                <time dateTime={e.at}>{order === "newest-first" ? formatUtcTime(e.at) : `${e.at.slice(0, 10)} ${formatUtcTime(e.at)}`}</time>
              </th>
              <td className={cell}>
                <span className="block">{e.actor.name || e.actor.id}</span>
                <span className="block text-xs text-slate-600">{e.actor.email}</span>
              </td>
              <td className={cell}>{e.role ? ROLE_LABELS[e.role] : "—"}</td>
              <td className={clsx(cell, "whitespace-nowrap")}>{e.action}</td>
              <td className={cell}>{e.service ?? "—"}</td>
              <td className={clsx(cell, "min-w-48 font-mono text-xs break-all")}>{keyText(e.key) === "—" && e.archiveKey ? e.archiveKey : keyText(e.key)}</td>
              <td className={clsx(cell, "whitespace-nowrap")}>{e.mode ?? "—"}</td>
              <td className={cell}>
                <OutcomeBadge outcome={e.outcome} />
              </td>
              <td className={clsx(cell, "max-w-xs")}>{e.message ?? "—"}</td>
              <td className={cell}>
                <details>
                  <summary className="text-sm font-medium whitespace-nowrap text-indigo-800">
                    More<span className="sr-only"> about the {e.action} at {formatUtcTime(e.at)}</span>
                  </summary>
                  <dl className="mt-2 grid min-w-72 grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-xs">
                    <dt className="font-medium">Entry</dt>
                    <dd className="font-mono break-all">{e.id}</dd>
                    <dt className="font-medium">Operation</dt>
                    <dd className="font-mono break-all">{e.operationId}</dd>
                    <dt className="font-medium">At</dt>
                    <dd className="font-mono">{e.at}</dd>
                    {e.table ? (
                      <>
                        <dt className="font-medium">Table</dt>
                        <dd className="font-mono break-all">{e.table}</dd>
                      </>
                    ) : null}
                    {e.archiveKey ? (
                      <>
                        <dt className="font-medium">Archive object</dt>
                        <dd className="font-mono break-all">{e.archiveKey}</dd>
                      </>
                    ) : null}
                  </dl>
                  {e.details ? <pre className="mt-2 max-w-md overflow-auto rounded bg-slate-100 p-2 font-mono text-xs">{JSON.stringify(e.details, null, 2)}</pre> : null}
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
