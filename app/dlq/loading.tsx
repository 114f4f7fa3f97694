import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export default function DlqLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-48" />
      <Skeleton className="mb-6 h-8 w-72 max-w-full" />
      <TableSkeleton rows={6} columns={6} label="Reading the on-failure destinations" />
    </>
  );
}
