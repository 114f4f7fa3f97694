"use client";

import { useId, useMemo, useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { Lock, Search, ShieldAlert, Trash2 } from "lucide-react";
import { ApiError, errorMessage, fetchJson } from "@/components/query/api-client";
import { DeletionTypeBadge } from "@/components/ui/deletion-type-badge";
import { ErrorPanel } from "@/components/ui/message-panel";
import { formatUtc } from "@/components/format/time";
import {
  confirmationText,
  type ErasureMode,
  type ErasurePlanResponse,
  type ErasureQuery,
  type ErasureResponse,
  type LockState,
} from "@/lib/erasure/erasure-request";

/**
 * The erasure flow: find a subject's archived records, choose erase or redact,
 * type the confirmation, see what was done and the audit id. The server
 * re-plans and re-checks everything; this only guides.
 */

class ErasureRefusal extends Error {
  constructor(
    message: string,
    readonly reasons: string[],
    readonly auditId: string | undefined,
  ) {
    super(message);
  }
}

async function postErasure(body: unknown): Promise<ErasureResponse> {
  const response = await fetch("/api/erasure", {
    method: "POST",
    headers: { accept: "application/json", "content-type": "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  const json = (await response.json().catch(() => undefined)) as
    | (ErasureResponse & { error?: undefined })
    | { error: { code: string; message: string; reasons?: string[]; auditId?: string } }
    | undefined;
  if (!response.ok) {
    if (json && "error" in json && json.error) throw new ErasureRefusal(json.error.message, json.error.reasons ?? [], json.error.auditId);
    throw new ApiError(response.status, "http-error", `The server answered ${response.status}`);
  }
  return json as ErasureResponse;
}

export function lockLabel(lock: LockState): string {
  if (lock.state === "none") return "Not locked";
  if (lock.state === "legal-hold") return "Legal hold";
  return `${lock.mode === "COMPLIANCE" ? "Compliance" : "Governance"} retention until ${formatUtc(lock.until)}${lock.legalHold ? " + legal hold" : ""}`;
}

export function ErasureConsole({ services }: { services: string[] }) {
  const ids = { key: useId(), match: useId(), services: useId(), confirm: useId(), mode: useId(), attrs: useId() };
  const [key, setKey] = useState("");
  const [match, setMatch] = useState<"exact" | "prefix">("exact");
  const [chosenServices, setChosenServices] = useState<string[]>([]);
  const [query, setQuery] = useState<ErasureQuery | null>(null);
  const [mode, setMode] = useState<ErasureMode>("erase");
  const [attributes, setAttributes] = useState<string[]>([]);
  const [confirmation, setConfirmation] = useState("");

  const plan = useMutation({
    mutationFn: (q: ErasureQuery) => fetchJson<ErasurePlanResponse>("/api/erasure/plan", { method: "POST", body: q }),
  });
  const erasure = useMutation({ mutationFn: postErasure });

  const attributeNames = useMemo(() => {
    const names = new Set<string>();
    for (const f of plan.data?.findings ?? []) for (const n of f.attributeNames) names.add(n);
    for (const k of plan.data?.keyAttributes ?? []) names.delete(k);
    return [...names].sort();
  }, [plan.data]);

  function search(event: FormEvent) {
    event.preventDefault();
    if (key.length === 0) return;
    const q: ErasureQuery = { match, key, ...(chosenServices.length > 0 ? { services: chosenServices } : {}) };
    setQuery(q);
    setAttributes([]);
    setConfirmation("");
    erasure.reset();
    plan.mutate(q);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!query) return;
    erasure.mutate({ ...query, mode, ...(mode === "redact" ? { attributes } : {}), confirmation });
  }

  const expected = query ? confirmationText(mode, query.key) : "";
  const nothingFound = plan.data && plan.data.findings.length === 0 && plan.data.failureCopies.length === 0;
  const blocked = (plan.data?.blockers.length ?? 0) > 0;
  const canSubmit = !!plan.data && !nothingFound && !blocked && confirmation === expected && (mode === "erase" || attributes.length > 0) && !erasure.isPending && !erasure.isSuccess;

  return (
    <div className="space-y-6">
      <form onSubmit={search} aria-label="Find a subject's archived records" className="flex flex-wrap items-end gap-3 rounded-md border border-slate-200 bg-white p-3">
        <div className="flex min-w-64 flex-1 flex-col gap-1">
          <label htmlFor={ids.key} className="text-sm font-medium">
            Partition key
          </label>
          <input
            id={ids.key}
            name="key"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            required
            autoComplete="off"
            spellCheck={false}
            className="rounded-md border border-slate-300 px-2.5 py-1.5 font-mono text-sm"
          />
        </div>
        <div className="flex flex-col gap-1">
          <label htmlFor={ids.match} className="text-sm font-medium">
            Match
          </label>
          <select id={ids.match} value={match} onChange={(e) => setMatch(e.target.value as "exact" | "prefix")} className="rounded-md border border-slate-300 px-2.5 py-1.5 text-sm">
            <option value="exact">Exact key</option>
            <option value="prefix">Key prefix</option>
          </select>
        </div>
        <fieldset className="flex flex-col gap-1">
          <legend className="text-sm font-medium">Services (none chosen: all)</legend>
          <div className="flex flex-wrap gap-3 pt-1">
            {services.map((s) => (
              <label key={s} className="inline-flex items-center gap-1.5 text-sm">
                <input
                  type="checkbox"
                  checked={chosenServices.includes(s)}
                  onChange={(e) => setChosenServices((prev) => (e.target.checked ? [...prev, s] : prev.filter((x) => x !== s)))}
                />
                {s}
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" disabled={plan.isPending} className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60">
          <Search aria-hidden="true" className="size-4" />
          {plan.isPending ? "Searching…" : "Find records"}
        </button>
      </form>

      {plan.isError ? <ErrorPanel title="Could not search the archive" message={errorMessage(plan.error)} /> : null}

      {plan.data && query ? (
        <section aria-labelledby="erasure-findings" className="space-y-3">
          <h2 id="erasure-findings" className="text-lg font-semibold">
            Findings for {query.match === "prefix" ? "keys starting with " : ""}
            <span className="font-mono">{query.key}</span>
          </h2>
          {nothingFound ? (
            <p className="text-sm text-slate-600">No archived deletion and no failed-batch copy holds this key in {plan.data.services.join(", ")}.</p>
          ) : (
            <>
              <div className="overflow-x-auto rounded-md border border-slate-200 bg-white">
                <table className="min-w-full text-sm">
                  <caption className="sr-only">Archived deletions that would be {mode === "erase" ? "erased" : "redacted"}</caption>
                  <thead className="bg-slate-50 text-left">
                    <tr>
                      <th scope="col" className="px-3 py-2">Service</th>
                      <th scope="col" className="px-3 py-2">Key</th>
                      <th scope="col" className="px-3 py-2">Deleted (UTC)</th>
                      <th scope="col" className="px-3 py-2">Type</th>
                      <th scope="col" className="px-3 py-2">Versions</th>
                      <th scope="col" className="px-3 py-2">Index entries</th>
                      <th scope="col" className="px-3 py-2">Lock</th>
                    </tr>
                  </thead>
                  <tbody>
                    {plan.data.findings.map((f) => (
                      <tr key={f.archiveKey} className="border-t border-slate-100">
                        <td className="px-3 py-2">{f.service}</td>
                        <td className="px-3 py-2 font-mono">
                          {f.partitionKey ?? "(hashed)"}
                          {f.sortKey ? <span className="text-slate-500"> / {f.sortKey}</span> : null}
                          {f.unreadable ? <span className="block text-xs text-amber-800">Object unreadable: {f.unreadable}</span> : null}
                        </td>
                        <td className="px-3 py-2 whitespace-nowrap">{formatUtc(f.deletedAt)}</td>
                        <td className="px-3 py-2">
                          <DeletionTypeBadge type={f.deletionType} />
                        </td>
                        <td className="px-3 py-2">{f.versions}</td>
                        <td className="px-3 py-2">{f.indexEntries}</td>
                        <td className="px-3 py-2">
                          {f.lock.state === "none" ? (
                            <span className="text-slate-600">Not locked</span>
                          ) : (
                            <span className="inline-flex items-center gap-1 font-medium text-red-800">
                              <Lock aria-hidden="true" className="size-4" />
                              {lockLabel(f.lock)}
                            </span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p className="text-sm text-slate-700">
                {plan.data.findings.length} archived record(s).{" "}
                {plan.data.failureCopies.length > 0
                  ? `${plan.data.failureCopies.length} failed batch(es) kept by an S3 on-failure destination hold ${plan.data.failureCopies.reduce((n, c) => n + c.subjectRecords, 0)} of this subject's stream record(s); they are cleaned too.`
                  : "No failed-batch copy holds this subject."}{" "}
                {plan.data.jobFiles > 0
                  ? `${plan.data.jobFiles} bulk-restore or point-in-time compare file(s) hold this subject's keys or values; they are cleaned too.`
                  : "No bulk-restore or compare file holds this subject."}
              </p>
              {blocked ? (
                <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900">
                  <p className="flex items-center gap-1.5 font-medium">
                    <ShieldAlert aria-hidden="true" className="size-4" />
                    This erasure would be refused as a whole; nothing would be changed:
                  </p>
                  <ul className="mt-1 list-disc pl-6">
                    {plan.data.blockers.map((b) => (
                      <li key={b}>{b}</li>
                    ))}
                  </ul>
                </div>
              ) : null}
            </>
          )}
        </section>
      ) : null}

      {plan.data && query && !nothingFound && !blocked ? (
        <form onSubmit={submit} aria-label="Erase or redact" className="space-y-4 rounded-md border border-slate-200 bg-white p-4">
          <fieldset>
            <legend className="text-sm font-medium">What to do</legend>
            <div className="mt-1 space-y-1">
              <label className="flex items-start gap-2 text-sm">
                <input type="radio" name={ids.mode} value="erase" checked={mode === "erase"} onChange={() => setMode("erase")} className="mt-1" />
                <span>
                  <strong>Erase</strong>: delete the archive objects (every version) and their index entries. The key is added to the erasure ledger, so the
                  records cannot be restored.
                </span>
              </label>
              <label className="flex items-start gap-2 text-sm">
                <input type="radio" name={ids.mode} value="redact" checked={mode === "redact"} onChange={() => setMode("redact")} className="mt-1" />
                <span>
                  <strong>Redact</strong>: rewrite the objects with chosen attributes replaced by &quot;[redacted]&quot;; everything else stays, old versions are removed.
                </span>
              </label>
            </div>
          </fieldset>
          {mode === "redact" ? (
            <fieldset>
              <legend className="text-sm font-medium">Attributes to redact (key attributes cannot be redacted)</legend>
              {attributeNames.length === 0 ? (
                <p className="text-sm text-slate-600">No readable attribute other than the keys.</p>
              ) : (
                <div className="mt-1 flex flex-wrap gap-3">
                  {attributeNames.map((name) => (
                    <label key={name} className="inline-flex items-center gap-1.5 font-mono text-sm">
                      <input
                        type="checkbox"
                        checked={attributes.includes(name)}
                        onChange={(e) => setAttributes((prev) => (e.target.checked ? [...prev, name] : prev.filter((x) => x !== name)))}
                      />
                      {name}
                    </label>
                  ))}
                </div>
              )}
            </fieldset>
          ) : null}
          <div className="flex flex-col gap-1">
            <label htmlFor={ids.confirm} className="text-sm font-medium">
              Type <span className="font-mono">{expected}</span> to confirm
            </label>
            <input
              id={ids.confirm}
              value={confirmation}
              onChange={(e) => setConfirmation(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              className="max-w-xl rounded-md border border-slate-300 px-2.5 py-1.5 font-mono text-sm"
            />
          </div>
          <button type="submit" disabled={!canSubmit} className="inline-flex items-center gap-1.5 rounded-md bg-red-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-50">
            <Trash2 aria-hidden="true" className="size-4" />
            {erasure.isPending ? "Working…" : mode === "erase" ? "Erase these records" : "Redact these records"}
          </button>
        </form>
      ) : null}

      {erasure.isError ? (
        <div role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900">
          <p className="font-medium">{errorMessage(erasure.error)}</p>
          {erasure.error instanceof ErasureRefusal ? (
            <>
              <ul className="mt-1 list-disc pl-6">
                {erasure.error.reasons.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
              {erasure.error.auditId ? <p className="mt-1">Audit id: <span className="font-mono">{erasure.error.auditId}</span></p> : null}
            </>
          ) : null}
        </div>
      ) : null}

      {erasure.data ? (
        <section aria-labelledby="erasure-result" role="status" className={`rounded-md border p-4 text-sm ${erasure.data.outcome === "succeeded" ? "border-emerald-200 bg-emerald-50" : "border-amber-300 bg-amber-50"}`}>
          <h2 id="erasure-result" className="text-base font-semibold">
            {erasure.data.outcome === "succeeded" ? (erasure.data.summary.mode === "erase" ? "Erased" : "Redacted") : "Partly done"}
          </h2>
          <p className="mt-1">{erasure.data.message}</p>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
            <dt>Audit id</dt>
            <dd className="font-mono" data-testid="erasure-audit-id">{erasure.data.auditId}</dd>
            <dt>Records</dt>
            <dd>{erasure.data.summary.records}</dd>
            <dt>Object versions removed</dt>
            <dd>{erasure.data.summary.objectVersionsRemoved}</dd>
            <dt>Index entries removed</dt>
            <dd>{erasure.data.summary.indexEntriesRemoved}</dd>
            <dt>Failed-batch copies cleaned</dt>
            <dd>{erasure.data.summary.failureCopiesRewritten + erasure.data.summary.failureCopiesDeleted}</dd>
          </dl>
          {erasure.data.summary.remaining.length > 0 ? (
            <>
              <h3 className="mt-3 font-semibold">Not removed</h3>
              <ul className="list-disc pl-6">
                {erasure.data.summary.remaining.map((r) => (
                  <li key={`${r.location}:${r.reason}`}>
                    <span className="font-mono">{r.location}</span>: {r.reason}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
