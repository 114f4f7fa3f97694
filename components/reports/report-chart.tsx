"use client";

import dynamic from "next/dynamic";
import { Skeleton } from "../ui/skeleton";
import type { ReportDay } from "@/lib/reports/report-types";

// The overview's chart, loaded after the numbers are on screen (recharts is large).
const DeletionsChart = dynamic(() => import("../overview/deletions-chart"), {
  ssr: false,
  loading: () => <Skeleton className="h-[180px] w-full" />,
});

export function ReportChart({ data, label, caption, dayHrefs }: { data: ReportDay[]; label: string; caption: string; dayHrefs?: Record<string, string> }) {
  return (
    <figure data-testid="report-chart">
      <div role="img" aria-label={label}>
        <DeletionsChart data={data} {...(dayHrefs ? { dayHrefs } : {})} />
      </div>
      <figcaption className="mt-1 text-xs text-slate-600">{caption}</figcaption>
    </figure>
  );
}
