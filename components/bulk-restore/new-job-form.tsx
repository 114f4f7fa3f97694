"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { ListChecks } from "lucide-react";
import { errorMessage, fetchJson } from "../query/api-client";
import type { BulkRestoreJob, Selection } from "@/lib/bulk-restore/job-types";

export interface NewJobDefaults {
  service?: string;
  from?: string;
  to?: string;
  type?: "ttl" | "manual";
  prefix?: string;
  timeFrom?: string;
  timeTo?: string;
}

const input = "rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm";

/** A new job from a filter across days or from pasted keys; planning creates the job and opens its page. */
export function NewJobForm({ services, defaults }: { services: string[]; defaults: NewJobDefaults }) {
  const router = useRouter();
  const [mode, setMode] = useState<"filter" | "pasted-keys">("filter");
  const [service, setService] = useState(defaults.service ?? services[0] ?? "");
  const [from, setFrom] = useState(defaults.from ?? "");
  const [to, setTo] = useState(defaults.to ?? defaults.from ?? "");
  const [type, setType] = useState<"" | "ttl" | "manual">(defaults.type ?? "");
  const [prefix, setPrefix] = useState(defaults.prefix ?? "");
  const [text, setText] = useState("");
  const [timeFrom, setTimeFrom] = useState(defaults.timeFrom ?? "");
  const [timeTo, setTimeTo] = useState(defaults.timeTo ?? "");
  const plan = useMutation({
    mutationFn: (selection: Selection) => fetchJson<{ job: BulkRestoreJob }>("/api/bulk-restore/plan", { method: "POST", body: { selection } }),
    onSuccess: ({ job }) => router.push(`/bulk-restore/${job.id}`),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    plan.mutate(
      mode === "filter"
        ? {
            kind: "filter",
            service,
            from,
            to: to || from,
            ...(type ? { type } : {}),
            ...(prefix.trim() ? { prefix: prefix.trim() } : {}),
            ...(timeFrom ? { timeFrom } : {}),
            ...(timeTo ? { timeTo } : {}),
          }
        : { kind: "pasted-keys", service, text },
    );
  };
  return (
    <form onSubmit={submit} aria-label="New bulk restore" className="space-y-4 rounded-md border border-slate-200 bg-white p-4">
      <fieldset className="flex gap-4">
        <legend className="mb-2 text-sm font-medium">Select records</legend>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="mode" checked={mode === "filter"} onChange={() => setMode("filter")} />
          All matching a filter
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input type="radio" name="mode" checked={mode === "pasted-keys"} onChange={() => setMode("pasted-keys")} />
          Pasted keys
        </label>
      </fieldset>
      <div className="flex flex-wrap items-end gap-3">
        <div className="flex flex-col gap-1">
          <label htmlFor="bulk-service" className="text-sm font-medium">Service</label>
          <select id="bulk-service" className={input} value={service} onChange={(e) => setService(e.target.value)}>
            {services.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </div>
        {mode === "filter" ? (
          <>
            <div className="flex flex-col gap-1">
              <label htmlFor="bulk-from" className="text-sm font-medium">From day (UTC)</label>
              <input id="bulk-from" type="date" required className={input} value={from} onChange={(e) => setFrom(e.target.value)} />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="bulk-to" className="text-sm font-medium">To day (UTC)</label>
              <input id="bulk-to" type="date" className={input} value={to} onChange={(e) => setTo(e.target.value)} />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="bulk-type" className="text-sm font-medium">Deletion type</label>
              <select id="bulk-type" className={input} value={type} onChange={(e) => setType(e.target.value === "ttl" || e.target.value === "manual" ? e.target.value : "")}>
                <option value="">All</option>
                <option value="ttl">TTL</option>
                <option value="manual">Manual</option>
              </select>
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="bulk-time-from" className="text-sm font-medium">From time (UTC)</label>
              <input id="bulk-time-from" type="time" className={input} value={timeFrom} onChange={(e) => setTimeFrom(e.target.value.slice(0, 5))} />
            </div>
            <div className="flex flex-col gap-1">
              <label htmlFor="bulk-time-to" className="text-sm font-medium">To time (UTC, whole minute)</label>
              <input id="bulk-time-to" type="time" className={input} value={timeTo} onChange={(e) => setTimeTo(e.target.value.slice(0, 5))} />
            </div>
            <div className="flex min-w-56 flex-1 flex-col gap-1">
              <label htmlFor="bulk-prefix" className="text-sm font-medium">Partition key starts with</label>
              <input id="bulk-prefix" className={input} value={prefix} maxLength={512} onChange={(e) => setPrefix(e.target.value)} autoComplete="off" spellCheck={false} />
            </div>
          </>
        ) : null}
      </div>
      {mode === "pasted-keys" ? (
        <div className="flex flex-col gap-1">
          <label htmlFor="bulk-keys" className="text-sm font-medium">Keys, one per line (partition key, optionally a tab and the sort key)</label>
          <textarea id="bulk-keys" required rows={8} className={`${input} font-mono`} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
          <p className="text-xs text-slate-600">Each line is restored from its latest archived deletion; lines with none are listed in the plan.</p>
        </div>
      ) : null}
      {plan.isError ? (
        <p role="alert" className="text-sm text-red-800">{errorMessage(plan.error)}</p>
      ) : null}
      <button type="submit" disabled={plan.isPending} className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60">
        <ListChecks aria-hidden="true" className="size-4" />
        {plan.isPending ? "Planning…" : "Plan the restore"}
      </button>
      <p className="text-xs text-slate-600">Planning reads every selected record and its live item; nothing is written until you run the job.</p>
    </form>
  );
}
