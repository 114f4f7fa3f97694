import { ServiceStatsSkeleton } from "@/components/overview/service-stats";
import { Skeleton } from "@/components/ui/skeleton";

export default function OverviewLoading() {
  return (
    <>
      <Skeleton className="mb-2 h-8 w-48" />
      <Skeleton className="mb-6 h-4 w-96 max-w-full" />
      <div className="grid gap-6 lg:grid-cols-2">
        {[0, 1].map((i) => (
          <div key={i} className="rounded-lg border border-slate-200 bg-white p-4">
            <Skeleton className="mb-3 h-6 w-40" />
            <ServiceStatsSkeleton name="services" />
          </div>
        ))}
      </div>
    </>
  );
}
