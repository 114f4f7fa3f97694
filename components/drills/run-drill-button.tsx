"use client";

import { useEffect, useRef } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Loader2, Play } from "lucide-react";
import type { DrillRunState, DrillStarted } from "@/lib/drills/drill-report";
import { errorMessage, fetchJson } from "../query/api-client";
import { MessagePanel } from "../ui/message-panel";
import { DrillResult } from "./drill-result";

/** How often the page asks whether the drill's report is stored; a drill takes as long as the restore. */
const POLL_MS = 3_000;

export function RunDrillButton({ service }: { service: string }) {
  const router = useRouter();
  // The request answers once the drill has started; the drill's report is polled for until it is stored.
  const start = useMutation({ mutationFn: () => fetchJson<DrillStarted>("/api/drills/run", { method: "POST", body: { service } }) });
  const statusUrl = start.data?.statusUrl;
  const status = useQuery({
    queryKey: ["drill-run", statusUrl],
    queryFn: ({ signal }) => fetchJson<DrillRunState>(statusUrl!, { signal }),
    enabled: statusUrl !== undefined,
    refetchInterval: (query) => (query.state.data?.state === "running" || query.state.data === undefined ? POLL_MS : false),
    refetchIntervalInBackground: true,
  });
  const state = status.data;
  const running = start.isPending || (statusUrl !== undefined && !status.isError && (state === undefined || state.state === "running"));

  const refreshed = useRef<string | null>(null);
  useEffect(() => {
    // The history and charts below come from the server: show them with the new drill once.
    if (state?.state === "finished" && refreshed.current !== state.report.id) {
      refreshed.current = state.report.id;
      router.refresh();
    }
  }, [state, router]);

  return (
    <div className="space-y-2">
      <button
        type="button"
        onClick={() => start.mutate()}
        disabled={running}
        className="inline-flex items-center gap-1.5 rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60"
      >
        {running ? <Loader2 aria-hidden="true" className="size-4 animate-spin" /> : <Play aria-hidden="true" className="size-4" />}
        {running ? "Drill running…" : `Run a drill of ${service} now`}
      </button>
      <div aria-live="polite">
        {running ? (
          <p className="text-sm text-slate-600">
            Restoring into a scratch table, checking it and deleting it; this takes as long as the restore. You may leave this page: the drill goes on, and its report
            appears in the history below.
          </p>
        ) : null}
        {start.isError || status.isError ? (
          <MessagePanel tone="error" title="The drill could not run" role="alert" headingLevel={3}>
            {errorMessage(start.error ?? status.error)}
          </MessagePanel>
        ) : null}
        {state?.state === "missing" ? (
          <MessagePanel tone="warning" title="The drill stopped without a report" role="alert" headingLevel={3}>
            {state.message}
          </MessagePanel>
        ) : null}
        {state?.state === "finished" ? (
          <section aria-label="Drill just run" className="space-y-1">
            <p className="text-sm font-medium">Drill just run:</p>
            <DrillResult report={state.report} />
          </section>
        ) : null}
      </div>
    </div>
  );
}
