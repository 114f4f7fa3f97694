import "server-only";
import Link from "next/link";
import { deletionStats, type DeletionCounts, type ServiceDeletionStats } from "@/lib/archive/deletion-stats";
import type { LazarusConfig, ServiceConfig } from "@/lib/config/schema";
import type { S3Client } from "@aws-sdk/client-s3";
import { toUserFacingError } from "@/lib/http/error-response";
import { formatCount } from "../format/time";
import { dayHref, serviceHref } from "../routing/links";
import { ErrorPanel } from "../ui/message-panel";
import { Skeleton, LoadingRegion } from "../ui/skeleton";
import { DeletionsChartLazy } from "./deletions-chart-lazy";

function CountsTable({ stats }: { stats: ServiceDeletionStats }) {
  const rows: [string, DeletionCounts][] = [
    ["Last 7 days", stats.last7],
    ["Last 30 days", stats.last30],
  ];
  const showUnknown = stats.last30.unknown > 0;
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">Deletions in {stats.service}</caption>
      <thead className="text-left text-slate-600">
        <tr>
          <th scope="col" className="py-1 pr-3 font-medium">Period</th>
          <th scope="col" className="py-1 pr-3 text-right font-medium">TTL</th>
          <th scope="col" className="py-1 pr-3 text-right font-medium">Manual</th>
          {showUnknown ? <th scope="col" className="py-1 pr-3 text-right font-medium">Unknown</th> : null}
          <th scope="col" className="py-1 text-right font-medium">Total</th>
        </tr>
      </thead>
      <tbody className="tabular-nums">
        {rows.map(([label, counts]) => (
          <tr key={label} className="border-t border-slate-100">
            <th scope="row" className="py-1 pr-3 text-left font-normal">{label}</th>
            <td className="py-1 pr-3 text-right">{formatCount(counts.ttl)}</td>
            <td className="py-1 pr-3 text-right">{formatCount(counts.manual)}</td>
            {showUnknown ? <td className="py-1 pr-3 text-right">{formatCount(counts.unknown)}</td> : null}
            <td className="py-1 text-right font-semibold">{formatCount(counts.total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function chartLabel(stats: ServiceDeletionStats): string {
  const busiest = stats.perDay.reduce<{ date: string; total: number } | null>((best, d) => {
    const total = d.ttl + d.manual + d.unknown;
    return !best || total > best.total ? { date: d.date, total } : best;
  }, null);
  const base = `Bar chart of deletions per day in ${stats.service} over the last 30 days: ${stats.last30.total} in all, ${stats.last30.ttl} TTL and ${stats.last30.manual} manual.`;
  return busiest && busiest.total > 0 ? `${base} Busiest day ${busiest.date} with ${busiest.total}.` : base;
}

/** One service's deletion counts; its own error panel so one failing service does not blank the page. */
export async function ServiceStats({ s3, config, service, now }: { s3: S3Client; config: LazarusConfig; service: ServiceConfig; now: Date }) {
  let stats: ServiceDeletionStats;
  try {
    stats = await deletionStats(s3, config, service, now);
  } catch (error) {
    return <ErrorPanel title={`Could not count deletions in ${service.name}`} message={toUserFacingError(error).message} headingLevel={3} />;
  }
  return (
    <div className="space-y-3">
      <CountsTable stats={stats} />
      {stats.approximate ? (
        <p className="text-xs text-slate-600">Approximate: some objects use the legacy layout, whose deletion type is only known by opening them (counted as unknown).</p>
      ) : null}
      <DeletionsChartLazy
        data={stats.perDay}
        label={chartLabel(stats)}
        dayHrefs={Object.fromEntries(stats.perDay.filter((d) => d.ttl + d.manual + d.unknown > 0).map((d) => [d.date, dayHref(service.name, d.date)]))}
      />
      <p>
        <Link href={serviceHref(service.name)} className="text-sm font-medium text-indigo-700 underline-offset-2 hover:underline">
          Browse {service.name} by day
        </Link>
      </p>
    </div>
  );
}

export function ServiceStatsSkeleton({ name }: { name: string }) {
  return (
    <LoadingRegion label={`Counting deletions in ${name}`} className="space-y-3">
      <Skeleton className="h-5 w-full" />
      <Skeleton className="h-5 w-full" />
      <Skeleton className="h-5 w-full" />
      <Skeleton className="h-[180px] w-full" />
      <Skeleton className="h-4 w-40" />
    </LoadingRegion>
  );
}
