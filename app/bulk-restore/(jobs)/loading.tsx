import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export default function BulkRestoreLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-72" />
      <Skeleton className="mb-6 h-8 w-80" />
      <Skeleton className="mb-4 h-32 w-full" />
      <TableSkeleton label="Loading bulk restore" />
    </>
  );
}
