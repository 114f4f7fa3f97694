import { Skeleton, LoadingRegion } from "../ui/skeleton";

export const DAY_COLUMNS = {
  key: "min-w-0 flex-1",
  deletedAt: "w-44 shrink-0",
  type: "w-24 shrink-0",
  size: "w-20 shrink-0 text-right",
} as const;

export function DayRecordsSkeleton({ rows = 10 }: { rows?: number }) {
  return (
    <LoadingRegion label="Loading deletions" className="rounded-md border border-slate-200 bg-white">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="flex items-center gap-3 border-b border-slate-100 px-3 py-3">
          <div className={DAY_COLUMNS.key}>
            <Skeleton className="h-4 w-3/4" />
          </div>
          <Skeleton className={`h-4 ${DAY_COLUMNS.deletedAt}`} />
          <Skeleton className={`h-4 ${DAY_COLUMNS.type}`} />
          <Skeleton className={`h-4 ${DAY_COLUMNS.size}`} />
        </div>
      ))}
    </LoadingRegion>
  );
}
