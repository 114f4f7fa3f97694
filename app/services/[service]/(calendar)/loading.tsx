import { MonthCalendarSkeleton } from "@/components/calendar/month-calendar";
import { Skeleton } from "@/components/ui/skeleton";

export default function ServiceLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-48" />
      <Skeleton className="mb-2 h-8 w-64" />
      <Skeleton className="mb-6 h-4 w-96 max-w-full" />
      <Skeleton className="mb-4 h-8 w-72" />
      <Skeleton className="mb-6 h-8 w-full" />
      <MonthCalendarSkeleton />
    </>
  );
}
