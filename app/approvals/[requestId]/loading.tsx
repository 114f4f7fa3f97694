import { Skeleton } from "@/components/ui/skeleton";

export default function ApprovalRequestLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-48" />
      <Skeleton className="mb-6 h-8 w-72 max-w-full" />
      <Skeleton className="mb-4 h-40 w-full" />
      <Skeleton className="h-32 w-full" />
    </>
  );
}
