import { RecordSkeleton } from "@/components/record/record-view";
import { Skeleton } from "@/components/ui/skeleton";

export default function RecordLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-72" />
      <Skeleton className="mb-6 h-8 w-96 max-w-full" />
      <RecordSkeleton />
    </>
  );
}
