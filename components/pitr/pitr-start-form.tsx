"use client";

import { useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { fetchJson, errorMessage } from "@/components/query/api-client";
import { MessagePanel } from "@/components/ui/message-panel";
import { startPitrBodySchema, type PitrJob } from "@/lib/pitr/pitr-types";
import { useAdoptTypedValues } from "@/components/ui/before-hydration";
import { PitrTimePicker, RestorableWindow, pickerBounds, utcPickerToIso } from "./pitr-time-picker";

interface WindowInfo {
  service: string;
  table: string;
  enabled: boolean;
  earliest: string | null;
  latest: string | null;
  suggestedTarget: string;
}

const inputClass = "mt-1 block w-full rounded-md border border-slate-300 px-3 py-2 text-sm";

/** Pick a service's table and a time (UTC, to the second, local time shown) or latest; the server validates again against the window. */
export function PitrStartForm({ services }: { services: { name: string; table: string }[] }) {
  const router = useRouter();
  const [service, setService] = useState(services[0]?.name ?? "");
  const [mode, setMode] = useState<"latest" | "time">("latest");
  // Null until the picker is changed: it then shows the latest restorable second of the chosen table's window.
  const [time, setTime] = useState<string | null>(null);
  const [target, setTarget] = useState("");
  const [confirmed, setConfirmed] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useAdoptTypedValues(formRef, {
    service: setService,
    "mode-time": (checked) => checked === "true" && setMode("time"),
    target: setTarget,
    confirmed: (checked) => setConfirmed(checked === "true"),
  });

  const windowQuery = useQuery({
    queryKey: ["pitr-window", service],
    queryFn: () => fetchJson<WindowInfo>(`/api/pitr/window?service=${encodeURIComponent(service)}`),
    enabled: service !== "",
  });
  const suggested = windowQuery.data?.suggestedTarget ?? "";
  const targetTable = target || suggested;
  const pickerWindow = windowQuery.data?.enabled ? { earliest: windowQuery.data.earliest, latest: windowQuery.data.latest } : null;
  const shownTime = time ?? (pickerWindow ? (pickerBounds(pickerWindow)?.max ?? "") : "");
  const body = { service, time: mode === "latest" ? "latest" : utcPickerToIso(shownTime), targetTable };
  const parsed = startPitrBodySchema.safeParse(body);

  const start = useMutation({
    mutationFn: () => fetchJson<{ job: PitrJob }>("/api/pitr", { method: "POST", body }),
    onSuccess: ({ job }) => router.push(`/pitr/${job.id}`),
  });

  return (
    <form
      ref={formRef}
      className="space-y-4 rounded-md border border-slate-200 p-4"
      aria-labelledby="pitr-start-heading"
      onSubmit={(event) => {
        event.preventDefault();
        if (parsed.success && confirmed) start.mutate();
      }}
    >
      <h2 id="pitr-start-heading" className="text-lg font-semibold">
        Start a point-in-time restore
      </h2>
      <p className="text-sm text-slate-700">The restore always creates a new table; the live table is not touched.</p>
      <div>
        <label htmlFor="pitr-service" className="text-sm font-medium">
          Service and table
        </label>
        <select id="pitr-service" data-field="service" className={inputClass} value={service} onChange={(e) => { setService(e.target.value); setTarget(""); }}>
          {services.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name} ({s.table})
            </option>
          ))}
        </select>
      </div>
      {windowQuery.isError ? <MessagePanel tone="error" title="Could not read the restorable window" headingLevel={3}><p>{errorMessage(windowQuery.error)}</p></MessagePanel> : null}
      {windowQuery.data ? (
        windowQuery.data.enabled ? (
          <RestorableWindow earliest={windowQuery.data.earliest} latest={windowQuery.data.latest} now={new Date()} />
        ) : (
          <MessagePanel tone="warning" title="Point-in-time recovery is off for this table" headingLevel={3}>
            <p>Enable it first (protection page, or aws dynamodb update-continuous-backups). A restore reaches back only to the moment it was enabled.</p>
          </MessagePanel>
        )
      ) : null}
      <fieldset>
        <legend className="text-sm font-medium">Restore to</legend>
        <div className="mt-1 flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" name="pitr-mode" checked={mode === "latest"} onChange={() => setMode("latest")} /> The latest restorable time
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="pitr-mode" data-field="mode-time" checked={mode === "time"} onChange={() => setMode("time")} />{" "}
            A date and time (UTC)
          </label>
        </div>
      </fieldset>
      {mode === "time" ? (
        <PitrTimePicker value={shownTime} onChange={setTime} window={pickerWindow} />
      ) : null}
      <div>
        <label htmlFor="pitr-target" className="text-sm font-medium">
          New table name
        </label>
        <input id="pitr-target" data-field="target" className={inputClass} value={targetTable} onChange={(e) => setTarget(e.target.value)} />
      </div>
      {!parsed.success && (mode === "time" ? shownTime !== "" : true) && targetTable !== "" ? (
        <p className="text-sm text-red-800">{parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}</p>
      ) : null}
      <label className="flex items-start gap-2 text-sm">
        <input type="checkbox" data-field="confirmed" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} className="mt-1" />
        <span>
          I understand this creates table <strong>{targetTable || "…"}</strong>, billed like any table, and that the restore is written to the audit log.
        </span>
      </label>
      <button type="submit" disabled={!parsed.success || !confirmed || start.isPending} className="rounded-md bg-slate-900 px-4 py-2 text-sm font-medium text-white disabled:opacity-50">
        {start.isPending ? "Starting…" : "Start restore"}
      </button>
      {start.isError ? (
        <MessagePanel tone="error" title="The restore did not start" role="alert" headingLevel={3}>
          <p>{errorMessage(start.error)}</p>
        </MessagePanel>
      ) : null}
    </form>
  );
}
