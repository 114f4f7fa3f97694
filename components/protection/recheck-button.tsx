"use client";

import { useEffect, useRef, useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { RefreshCw } from "lucide-react";
import { errorMessage, fetchJson } from "@/components/query/api-client";
import { useAnnounce } from "../ui/status-region";

/**
 * Asks AWS again now, for one service or the fleet, instead of waiting out the 30 seconds
 * for which the report reuses AWS's answers: after a change made in the AWS console, the
 * page shows it at once.
 */
export function RecheckButton({ service }: { service?: string }) {
  const router = useRouter();
  const announce = useAnnounce();
  const [asking, setAsking] = useState(false);
  const [refreshing, startRefresh] = useTransition();
  const [failure, setFailure] = useState<string | undefined>();
  const [checks, setChecks] = useState(0);
  const unannounced = useRef<string | null>(null);
  const busy = asking || refreshing;

  // Said once the refreshed page is in, not when the request returns.
  useEffect(() => {
    if (refreshing || unannounced.current === null) return;
    announce(unannounced.current);
    unannounced.current = null;
  }, [refreshing, checks, announce]);

  const recheck = async () => {
    setAsking(true);
    setFailure(undefined);
    try {
      await fetchJson(`/api/protection/recheck`, { method: "POST", body: service === undefined ? {} : { service } });
      unannounced.current = `Checked again: the page shows what AWS answered just now${service ? ` for ${service}` : ""}.`;
      setChecks((n) => n + 1);
      startRefresh(() => router.refresh());
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setAsking(false);
    }
  };

  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button
        type="button"
        // Written out rather than with busyButtonProps: `recheck` writes a ref, which the hooks linter cannot follow through it.
        aria-disabled={busy || undefined}
        onClick={() => {
          if (!busy) void recheck();
        }}
        className="inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-sm font-medium text-indigo-800 ring-1 ring-slate-300 hover:bg-slate-100 aria-disabled:cursor-wait"
      >
        <RefreshCw aria-hidden="true" className={busy ? "size-4 animate-spin" : "size-4"} />
        {busy ? "Checking…" : "Check again"}
      </button>
      {failure ? (
        <span role="alert" className="text-sm text-red-800">
          Could not check again: {failure}
        </span>
      ) : null}
    </span>
  );
}
