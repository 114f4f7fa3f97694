import { Skeleton, LoadingRegion } from "../ui/skeleton";

/**
 * On a phone the key takes a line of its own (the other columns would leave it a
 * few characters); from sm up the columns share one line.
 */
export const DAY_COLUMNS = {
  row: "flex w-full flex-wrap items-center gap-x-3 gap-y-1 sm:flex-nowrap",
  key: "min-w-0 basis-full sm:basis-auto sm:flex-1",
  /** The key beside a selection checkbox (w-6 and the gap) on a phone. */
  keyBesideCheckbox: "min-w-0 flex-1 basis-[calc(100%-2.25rem)] sm:basis-auto",
  deletedAt: "w-40 shrink-0 sm:w-44",
  type: "w-24 shrink-0",
  /** On a phone a line of its own under the key; from sm up a column that truncates. */
  deletedBy: "min-w-0 basis-full truncate text-slate-700 sm:basis-auto sm:w-52 sm:shrink-0",
  size: "ml-auto w-20 shrink-0 text-right sm:ml-0",
} as const;

export function DayRecordsSkeleton({ rows = 10 }: { rows?: number }) {
  return (
    <LoadingRegion label="Loading deletions" className="rounded-md border border-slate-200 bg-white">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className={`${DAY_COLUMNS.row} border-b border-slate-100 px-3 py-3`}>
          <div className={DAY_COLUMNS.key}>
            <Skeleton className="h-4 w-3/4" />
          </div>
          <Skeleton className={`h-4 ${DAY_COLUMNS.deletedAt}`} />
          <Skeleton className={`h-4 ${DAY_COLUMNS.type}`} />
          <Skeleton className={`h-4 ${DAY_COLUMNS.deletedBy}`} />
          <Skeleton className={`h-4 ${DAY_COLUMNS.size}`} />
        </div>
      ))}
    </LoadingRegion>
  );
}
