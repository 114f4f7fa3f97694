import { AuditRangeSkeleton } from "@/components/audit/audit-range";
import { Skeleton } from "@/components/ui/skeleton";

export default function AuditLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-8 w-40" />
      <Skeleton className="mb-6 h-4 w-96 max-w-full" />
      <Skeleton className="mb-6 h-16 w-full" />
      <AuditRangeSkeleton />
    </>
  );
}
