import clsx from "clsx";

/** A grey block where content will be; hidden from assistive tech (the loading region says "Loading"). */
export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={clsx("animate-pulse rounded bg-slate-200", className)} />;
}

export function LoadingRegion({ label, children, className }: { label: string; children: React.ReactNode; className?: string }) {
  return (
    <div role="status" aria-live="polite" aria-busy="true" className={className}>
      <span className="sr-only">{label}</span>
      {children}
    </div>
  );
}

export function TableSkeleton({ rows = 8, columns = 4, label = "Loading" }: { rows?: number; columns?: number; label?: string }) {
  return (
    <LoadingRegion label={label} className="space-y-2">
      {Array.from({ length: rows }, (_, r) => (
        <div key={r} className="flex gap-4">
          {Array.from({ length: columns }, (_, c) => (
            <Skeleton key={c} className={clsx("h-6", c === 0 ? "w-2/5" : "w-1/6")} />
          ))}
        </div>
      ))}
    </LoadingRegion>
  );
}
