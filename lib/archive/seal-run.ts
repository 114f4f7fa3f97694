import "server-only";
import { PutMetricDataCommand, StandardUnit, type CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { formatDay } from "./archive-input";
import { sealLagDays } from "./seal-lag";
import { SEAL_ARCHIVE_DIMENSION, SEAL_LAG_METRIC, SEAL_METRIC_NAMESPACE, SEAL_SERVICE_DIMENSION } from "./seal-labels";
import { sealService, SealRefusedError, type SealOptions, type ServiceSealReport } from "./sealer";

/**
 * One sealing run over many services: what `npm run seal -- --all` and the scheduled
 * sealing function both do. A service that fails does not stop the others; each
 * service's seal lag is measured from what the run left unsealed.
 */

/** CloudWatch took at most 20 values per PutMetricData call for years; emulators still may. */
const METRICS_PER_CALL = 20;
const DAY_MS = 86_400_000;

export interface ServiceSealOutcome {
  service: string;
  report?: ServiceSealReport;
  /** Why the service could not be sealed at all (its listing or a seal threw). */
  error?: string;
  /** Whole days the oldest day due for sealing and still not sealed has been due (seal-lag.ts); 0 when none; null when unknown. */
  lagDays: number | null;
  oldestUnsealed: string | null;
}

export interface SealRunReport {
  services: ServiceSealOutcome[];
  /** Days that were tried and could not be sealed (a damaged manifest, a refused delete). */
  failedDays: number;
  /** Days left for the next run because the run ran out of time. */
  deferredDays: number;
  /** Days left for the next run because an erasure was rewriting them (their lease was held): not failures. */
  busyDays: number;
  /** The largest lag among the services whose lag is known; null when none is. */
  maxLagDays: number | null;
}

/** Each day's run starts with another service, so one busy service cannot keep the same others waiting run after run. */
export function rotateServices<T>(services: readonly T[], now: Date): T[] {
  if (services.length === 0) return [];
  const start = Math.floor(now.getTime() / DAY_MS) % services.length;
  return [...services.slice(start), ...services.slice(0, start)];
}

export interface SealRunOptions extends SealOptions {
  /** Services sealed at once (each seals its days one after another); 1 unless said. */
  servicesAtOnce?: number;
}

export async function sealServices(s3: S3Client, config: LazarusConfig, services: readonly ServiceConfig[], options: SealRunOptions = {}): Promise<SealRunReport> {
  const { servicesAtOnce = 1, ...sealOptions } = options;
  const now = sealOptions.now ?? new Date();
  const sealOne = async (service: ServiceConfig): Promise<ServiceSealOutcome> => {
    try {
      const report = await sealService(s3, config, service, { ...sealOptions, now });
      const oldest = report.unsealed[0];
      return { service: service.name, report, lagDays: oldest ? sealLagDays(config, oldest, now) : 0, oldestUnsealed: oldest ? formatDay(oldest) : null };
    } catch (error) {
      // Refused for the whole archive (Object Lock): no other service can do better.
      if (error instanceof SealRefusedError) throw error;
      return { service: service.name, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), lagDays: null, oldestUnsealed: null };
    }
  };
  const limit = pLimit(servicesAtOnce);
  const outcomes = await Promise.all(services.map((service) => limit(() => sealOne(service))));
  const failedDays = outcomes.reduce((sum, o) => sum + (o.report?.days.filter((d) => d.outcome === "failed").length ?? 0), 0);
  const busyDays = outcomes.reduce((sum, o) => sum + (o.report?.days.filter((d) => d.outcome === "busy").length ?? 0), 0);
  const deferredDays = outcomes.reduce((sum, o) => sum + (o.report ? o.report.unsealed.length : 0), 0) - failedDays - busyDays;
  const known = outcomes.flatMap((o) => (o.lagDays === null ? [] : [o.lagDays]));
  return { services: outcomes, failedDays, deferredDays, busyDays, maxLagDays: known.length > 0 ? Math.max(...known) : null };
}

/**
 * Publishes each service's seal lag and the largest one (what the alarm watches). A
 * service whose lag is unknown publishes nothing, and a run that knows no lag publishes
 * no maximum: the alarm treats missing data as lag.
 */
export async function publishSealLag(cloudwatch: CloudWatchClient, config: LazarusConfig, run: SealRunReport, at: Date = new Date()): Promise<void> {
  const archive = { Name: SEAL_ARCHIVE_DIMENSION, Value: config.archive.bucket };
  const datum = (value: number, service?: string): MetricDatum => ({
    MetricName: SEAL_LAG_METRIC,
    Dimensions: service ? [archive, { Name: SEAL_SERVICE_DIMENSION, Value: service }] : [archive],
    Value: value,
    Unit: StandardUnit.Count,
    Timestamp: at,
  });
  const data = run.services.flatMap((o) => (o.lagDays === null ? [] : [datum(o.lagDays, o.service)]));
  if (run.maxLagDays !== null) data.push(datum(run.maxLagDays));
  for (let i = 0; i < data.length; i += METRICS_PER_CALL) {
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: SEAL_METRIC_NAMESPACE, MetricData: data.slice(i, i + METRICS_PER_CALL) }));
  }
}
