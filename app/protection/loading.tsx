import { Skeleton, TableSkeleton } from "@/components/ui/skeleton";

export default function ProtectionLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-40" />
      <Skeleton className="mb-6 h-8 w-72 max-w-full" />
      <TableSkeleton rows={4} columns={8} label="Checking protection" />
    </>
  );
}
