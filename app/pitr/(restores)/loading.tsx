import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export default function PitrLoading() {
  return (
    <>
      <Skeleton className="mb-6 h-8 w-96 max-w-full" />
      <Skeleton className="mb-6 h-64 w-full" />
      <TableSkeleton rows={3} columns={5} label="Loading restores" />
    </>
  );
}
