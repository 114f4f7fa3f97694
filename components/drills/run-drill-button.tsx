"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { Loader2, Play } from "lucide-react";
import type { DrillReport } from "@/lib/drills/drill-report";
import { errorMessage, fetchJson } from "../query/api-client";
import { MessagePanel } from "../ui/message-panel";
import { DrillResult } from "./drill-result";

export function RunDrillButton({ service }: { service: string }) {
  const router = useRouter();
  const [report, setReport] = useState<DrillReport | null>(null);
  const run = useMutation({
    mutationFn: () => fetchJson<{ report: DrillReport }>("/api/drills/run", { method: "POST", body: { service } }),
    onSuccess: ({ report }) => {
      setReport(report);
      router.refresh();
    },
  });
  return (
    <div className="space-y-2">
      <button
        type="button"
        onClick={() => run.mutate()}
        disabled={run.isPending}
        className="inline-flex items-center gap-1.5 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
      >
        {run.isPending ? <Loader2 aria-hidden="true" className="size-4 animate-spin" /> : <Play aria-hidden="true" className="size-4" />}
        {run.isPending ? "Drill running…" : `Run a drill of ${service} now`}
      </button>
      <div aria-live="polite">
        {run.isPending ? <p className="text-sm text-slate-600">Restoring into a scratch table, checking it and deleting it; this takes as long as the restore.</p> : null}
        {run.isError ? (
          <MessagePanel tone="error" title="The drill could not run" role="alert" headingLevel={3}>
            {errorMessage(run.error)}
          </MessagePanel>
        ) : null}
        {report && !run.isPending ? (
          <section aria-label="Drill just run" className="space-y-1">
            <p className="text-sm font-medium">Drill just run:</p>
            <DrillResult report={report} />
          </section>
        ) : null}
      </div>
    </div>
  );
}
