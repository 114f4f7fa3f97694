import { DayRecordsSkeleton } from "@/components/day/day-records-skeleton";
import { Skeleton } from "@/components/ui/skeleton";

export default function DayLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-72" />
      <Skeleton className="mb-2 h-8 w-80" />
      <Skeleton className="mb-6 h-4 w-96 max-w-full" />
      <Skeleton className="mb-4 h-16 w-full" />
      <DayRecordsSkeleton />
    </>
  );
}
