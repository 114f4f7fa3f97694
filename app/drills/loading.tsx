import { Skeleton } from "@/components/ui/skeleton";

export default function DrillsLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-48" />
      <Skeleton className="mb-6 h-8 w-72 max-w-full" />
      <Skeleton className="mb-3 h-16 w-full" />
      <Skeleton className="mb-3 h-40 w-full" />
      <Skeleton className="h-24 w-full" />
    </>
  );
}
