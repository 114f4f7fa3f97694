import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export default function IncidentsLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-8 w-56" />
      <Skeleton className="mb-6 h-4 w-96 max-w-full" />
      <Skeleton className="mb-6 h-40 w-full" />
      <TableSkeleton rows={6} columns={5} label="Loading the incident view" />
    </>
  );
}
