import { Skeleton } from "@/components/ui/skeleton";

export default function ErasureLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-8 w-72" />
      <Skeleton className="mb-6 h-4 w-96 max-w-full" />
      <Skeleton className="h-16 w-full" />
    </>
  );
}
