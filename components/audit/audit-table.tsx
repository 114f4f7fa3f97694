"use client";

import { Fragment, useState } from "react";
import clsx from "clsx";
import { ChevronDown, ChevronRight } from "lucide-react";
import type { AuditEntry, AuditOutcome } from "@/lib/audit/audit-entry";
import { keyValueText, type KeyValue } from "@/lib/archive/attribute-value";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { formatUtcTime } from "../format/time";
import { ACTION_LABELS, foldOperations, type AuditOperation } from "./audit-operations";

export { sortNewestFirst } from "./audit-operations";

const OUTCOMES: Record<AuditOutcome, { label: string; className: string }> = {
  started: { label: "Started", className: "bg-slate-100 text-slate-800 ring-slate-300" },
  succeeded: { label: "Succeeded", className: "bg-emerald-100 text-emerald-900 ring-emerald-300" },
  refused: { label: "Refused", className: "bg-amber-100 text-amber-900 ring-amber-300" },
  failed: { label: "Failed", className: "bg-rose-100 text-rose-900 ring-rose-300" },
};

export function OutcomeBadge({ outcome }: { outcome: AuditOutcome }) {
  const o = OUTCOMES[outcome];
  return <span className={clsx("inline-block rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset", o.className)}>{o.label}</span>;
}

function keyText(key: Record<string, KeyValue> | undefined): string | undefined {
  if (!key) return undefined;
  return Object.entries(key)
    .map(([name, v]) => `${name} = ${keyValueText(v)}${"B" in v ? " (base64)" : ""}`)
    .join(", ");
}

/** What an operation acted on: the item's key, else the archive object, else nothing. */
function targetText(e: AuditEntry): string {
  return keyText(e.key) ?? e.archiveKey ?? "—";
}

function timeText(at: string, withDate: boolean): string {
  return withDate ? `${at.slice(0, 10)} ${formatUtcTime(at)}` : formatUtcTime(at);
}

/** The whole story of one operation: each entry in order, then every field, nothing cut off. */
function OperationDetails({ operation }: { operation: AuditOperation }) {
  const { latest } = operation;
  const fields: [string, string | undefined][] = [
    ["Operation", operation.operationId],
    ["Table", latest.table],
    ["Archive object", latest.archiveKey],
    ["Mode", latest.mode],
  ];
  return (
    <div className="space-y-3 text-sm">
      <ol className="space-y-1">
        {operation.entries.map((e) => (
          <li key={e.id} className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
            <time dateTime={e.at} className="font-mono text-xs tabular-nums">
              {e.at}
            </time>
            <OutcomeBadge outcome={e.outcome} />
            <span className="min-w-0 break-words">{e.message ?? ""}</span>
            <span className="font-mono text-xs break-all text-slate-600">entry {e.id}</span>
          </li>
        ))}
      </ol>
      <dl className="grid grid-cols-1 gap-x-3 gap-y-1 text-xs sm:grid-cols-[max-content_1fr]">
        {fields.map(([label, value]) =>
          value ? (
            <Fragment key={label}>
              <dt className="font-medium">{label}</dt>
              <dd className="min-w-0 font-mono break-all">{value}</dd>
            </Fragment>
          ) : null,
        )}
      </dl>
      {operation.entries.some((e) => e.details) ? (
        <pre className="rounded bg-slate-100 p-2 font-mono text-xs break-all whitespace-pre-wrap">
          {JSON.stringify(Object.assign({}, ...operation.entries.map((e) => e.details ?? {})), null, 2)}
        </pre>
      ) : null}
    </div>
  );
}

function ToggleButton({ operation, open, onToggle, withDate }: { operation: AuditOperation; open: boolean; onToggle: () => void; withDate: boolean }) {
  const Icon = open ? ChevronDown : ChevronRight;
  return (
    <button type="button" aria-expanded={open} onClick={onToggle} className="inline-flex items-center gap-1 rounded px-1.5 py-1 text-sm font-medium whitespace-nowrap text-indigo-800 hover:bg-indigo-50">
      <Icon aria-hidden="true" className="size-4" />
      Details
      <span className="sr-only">
        {" "}
        of the {ACTION_LABELS[operation.latest.action].toLowerCase()} at {timeText(operation.at, withDate)}
      </span>
    </button>
  );
}

/**
 * One row per operation, newest first: its start time, who, what, and how it ended
 * (the started entry and its outcome folded together); "Details" opens the whole story.
 * Wide screens get a table; phones a list of cards with the same content.
 */
export function AuditTable({ entries, date, withDate = false }: { entries: AuditEntry[]; date: string; withDate?: boolean }) {
  const operations = foldOperations(entries);
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const cell = "px-3 py-2 align-top";
  return (
    <>
      <div className="hidden rounded-md border border-slate-200 bg-white md:block">
        <table className="w-full table-fixed text-left text-sm">
          <caption className="sr-only">
            Audited operations {date} (UTC), newest first
          </caption>
          <colgroup>
            <col className={withDate ? "w-40" : "w-24"} />
            <col className="w-52" />
            <col className="w-36" />
            <col />
            <col className="w-64" />
            <col className="w-28" />
          </colgroup>
          <thead className="bg-slate-50 text-slate-700">
            <tr>
              {["Started (UTC)", "Actor", "Action", "Target", "Outcome", "More"].map((h) => (
                <th key={h} scope="col" className="px-3 py-2 font-semibold">
                  {h === "More" ? <span className="sr-only">{h}</span> : h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {operations.map((op) => {
              const e = op.latest;
              const isOpen = open.has(op.operationId);
              return (
                <Fragment key={op.operationId}>
                  <tr className="border-t border-slate-100">
                    <th scope="row" className={clsx(cell, "font-normal tabular-nums")}>
                      <time dateTime={op.at}>{timeText(op.at, withDate)}</time>
                    </th>
                    <td className={clsx(cell, "break-words")}>
                      <span className="block">{e.actor.name || e.actor.id}</span>
                      <span className="block text-xs break-all text-slate-600">{e.actor.email}</span>
                      <span className="block text-xs text-slate-600">{e.role ? ROLE_LABELS[e.role] : "—"}</span>
                    </td>
                    <td className={cell}>
                      {ACTION_LABELS[e.action]}
                      {e.mode ? <span className="block text-xs text-slate-600">{e.mode}</span> : null}
                    </td>
                    <td className={cell}>
                      {e.service ? <span className="block text-xs text-slate-600">{e.service}</span> : null}
                      <span className="block font-mono text-xs break-all">{targetText(e)}</span>
                    </td>
                    <td className={cell}>
                      <OutcomeBadge outcome={e.outcome} />
                      {e.message ? <span className="mt-1 block text-xs break-words text-slate-700">{e.message}</span> : null}
                    </td>
                    <td className={cell}>
                      <ToggleButton operation={op} open={isOpen} onToggle={() => toggle(op.operationId)} withDate={withDate} />
                    </td>
                  </tr>
                  {isOpen ? (
                    <tr className="bg-slate-50">
                      <td colSpan={6} className="px-3 py-3">
                        <OperationDetails operation={op} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
      <ul aria-label={`Audited operations ${date}, newest first`} className="space-y-2 md:hidden">
        {operations.map((op) => {
          const e = op.latest;
          const isOpen = open.has(op.operationId);
          return (
            <li key={op.operationId} className="space-y-2 rounded-md border border-slate-200 bg-white p-3 text-sm">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <span className="font-medium">
                  <time dateTime={op.at} className="tabular-nums">
                    {timeText(op.at, withDate)}
                  </time>{" "}
                  · {ACTION_LABELS[e.action]}
                  {e.mode ? ` (${e.mode})` : ""}
                </span>
                <OutcomeBadge outcome={e.outcome} />
              </div>
              <p className="break-all text-slate-700">
                {e.actor.email} ({e.role ? ROLE_LABELS[e.role] : "—"})
              </p>
              <p className="font-mono text-xs break-all">
                {e.service ? `${e.service}: ` : ""}
                {targetText(e)}
              </p>
              {e.message ? <p className="text-xs break-words text-slate-700">{e.message}</p> : null}
              <ToggleButton operation={op} open={isOpen} onToggle={() => toggle(op.operationId)} withDate={withDate} />
              {isOpen ? <OperationDetails operation={op} /> : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}
