"use client";

import dynamic from "next/dynamic";
import { Skeleton } from "../ui/skeleton";
import type { DrillPoint } from "./drill-trend-chart";

// recharts loads after the history is on screen, as on the overview.
const DrillTrendChart = dynamic(() => import("./drill-trend-chart"), {
  ssr: false,
  loading: () => <Skeleton className="h-[160px] w-full" />,
});

export function DrillTrendChartLazy({ data, name, color, caption, limitSeconds }: { data: DrillPoint[]; name: string; color: string; caption: string; limitSeconds?: number }) {
  return (
    <figure className="min-w-0">
      <div role="img" aria-label={caption}>
        <DrillTrendChart data={data} name={name} color={color} {...(limitSeconds !== undefined ? { limitSeconds } : {})} />
      </div>
      <figcaption className="mt-1 text-xs text-slate-600">{caption}</figcaption>
    </figure>
  );
}
