import { Skeleton } from "@/components/ui/skeleton";

export default function PitrJobLoading() {
  return (
    <>
      <Skeleton className="mb-6 h-8 w-96 max-w-full" />
      <Skeleton className="h-32 w-full" />
    </>
  );
}
