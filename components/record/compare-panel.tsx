"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import { Loader2, RefreshCw } from "lucide-react";
import { ComparisonSummary } from "../diff/diff-table";
import { errorMessage } from "../query/api-client";
import type { ComparePlan } from "../query/api-types";
import { MessagePanel } from "../ui/message-panel";
import { Skeleton } from "../ui/skeleton";
import { TtlNotice } from "./ttl-notice";

export function ComparePanel({ compare }: { compare: UseQueryResult<ComparePlan> }) {
  const refreshing = compare.isFetching && !compare.isPending;
  return (
    <div className="space-y-3">
      <div aria-live="polite" aria-busy={compare.isFetching}>
        {compare.isPending ? (
          <div role="status" className="space-y-2">
            <p className="flex items-center gap-2 text-sm">
              <Loader2 aria-hidden="true" className="size-4 animate-spin" />
              Reading the live item…
            </p>
            <Skeleton className="h-6 w-72" />
          </div>
        ) : compare.isError ? (
          <MessagePanel tone="error" title="Could not compare with the live item" headingLevel={3}>
            <p>{errorMessage(compare.error)}</p>
          </MessagePanel>
        ) : (
          <div className="space-y-3">
            <p className="text-sm text-slate-600">
              Live table <code className="font-mono">{compare.data.table}</code>, read just now with a consistent read.
            </p>
            <ComparisonSummary comparison={compare.data.comparison} />
            {compare.data.ttl ? <TtlNotice ttl={compare.data.ttl} /> : null}
          </div>
        )}
      </div>
      {!compare.isPending ? (
        <button
          type="button"
          onClick={() => void compare.refetch()}
          disabled={compare.isFetching}
          className="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-60"
        >
          <RefreshCw aria-hidden="true" className={refreshing ? "size-4 animate-spin" : "size-4"} />
          {refreshing ? "Comparing…" : "Compare again"}
        </button>
      ) : null}
    </div>
  );
}
