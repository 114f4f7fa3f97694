"use client";

import dynamic from "next/dynamic";
import { Skeleton } from "../ui/skeleton";
import type { DayDeletions } from "./deletions-chart";

// recharts is the largest dependency of the console; it loads after the counts are on screen.
const DeletionsChart = dynamic(() => import("./deletions-chart"), {
  ssr: false,
  loading: () => <Skeleton className="h-[180px] w-full" />,
});

export function DeletionsChartLazy({ data, label, dayHrefs }: { data: DayDeletions[]; label: string; dayHrefs?: Record<string, string> }) {
  return (
    <figure>
      <div role="img" aria-label={label}>
        <DeletionsChart data={data} {...(dayHrefs ? { dayHrefs } : {})} />
      </div>
      <figcaption className="mt-1 text-xs text-slate-600">Deletions per day, last 30 days (UTC), TTL and manual stacked{dayHrefs ? "; a bar opens its day" : ""}</figcaption>
    </figure>
  );
}
