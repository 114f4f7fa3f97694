import type { AthenaUsage } from "@/lib/search/search-events";

/** Dollars as a person reads a small bill: cents when there are any, else two significant digits. */
export function formatUsd(usd: number): string {
  return `$${usd >= 0.01 ? usd.toFixed(2) : usd.toPrecision(2)}`;
}

export function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toLocaleString("en-US", { maximumFractionDigits: 1 })} MB`;
}

/** What Athena scanned for a search and what that costs, shown only when Athena ran (search.engine "athena"). */
export function AthenaUsageNote({ usage }: { usage: AthenaUsage | undefined }) {
  if (!usage) return null;
  return (
    <p className="text-sm text-slate-700" data-testid="athena-usage">
      Athena: {formatMegabytes(usage.bytesScanned)} scanned, about {formatUsd(usage.costUsd)}
      {usage.state === "QUEUED" || usage.state === "RUNNING" ? " so far" : ""}
    </p>
  );
}
