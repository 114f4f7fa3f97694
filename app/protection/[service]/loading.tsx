import { LoadingRegion, Skeleton } from "@/components/ui/skeleton";

export default function ServiceProtectionLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-4 w-56" />
      <Skeleton className="mb-6 h-8 w-96 max-w-full" />
      <LoadingRegion label="Checking protection" className="space-y-4">
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} className="h-32 w-full" />
        ))}
      </LoadingRegion>
    </>
  );
}
