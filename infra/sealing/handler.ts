import { alertSealOutcome } from "../../lib/alerts/event-alerts";
import { scheduledDeliveryTargets } from "../../lib/alerts/webhook-secret";
import { publishSealLag, rotateServices, sealServices } from "../../lib/archive/seal-run";
import { createCloudWatchClient, createS3Client } from "../../lib/aws/clients";
import { parseConfig } from "../../lib/config/load";

/**
 * The scheduled sealing (docs/ARCHIVE-FORMAT.md, "Sealed days"): the same run as
 * `npm run seal -- --all`. The config is built into the bundle by infra (it is larger
 * than Lambda's environment allows), and checked at the cold start.
 */
declare const LAZARUS_CONFIG_JSON: string;
const config = parseConfig(JSON.parse(LAZARUS_CONFIG_JSON), "the bundled lazarus.config.json");
const s3 = createS3Client({ region: config.region });
const cloudwatch = createCloudWatchClient({ region: config.region });

/** No new day is started with less time than this left: enough for a busy day, and for measuring the lag of the services not reached. */
export const SEALING_TIME_RESERVE_MS = 4 * 60_000;
/** Objects read and index entries written at once; S3 serves thousands per second per prefix. */
export const SEALING_CONCURRENCY = 32;

export interface SealingContext {
  getRemainingTimeInMillis(): number;
}

export interface SealingSummary {
  daysSealed: number;
  recordsSealed: number;
  failedDays: number;
  deferredDays: number;
  /** Days an erasure was editing: left for the next run, not failures. */
  busyDays: number;
  servicesFailed: number;
  maxLagDays: number | null;
}

export async function handler(_event: unknown, context: SealingContext): Promise<SealingSummary> {
  const now = new Date();
  const run = await sealServices(s3, config, rotateServices(config.services, now), {
    now,
    concurrency: SEALING_CONCURRENCY,
    shouldContinue: () => context.getRemainingTimeInMillis() > SEALING_TIME_RESERVE_MS,
  });
  await publishSealLag(cloudwatch, config, run, now);
  const days = run.services.flatMap((o) => o.report?.days ?? []);
  const summary: SealingSummary = {
    daysSealed: days.filter((d) => d.outcome === "sealed").length,
    recordsSealed: days.reduce((n, d) => n + d.newlySealed, 0),
    failedDays: run.failedDays,
    deferredDays: run.deferredDays,
    busyDays: run.busyDays,
    servicesFailed: run.services.filter((o) => o.error !== undefined).length,
    maxLagDays: run.maxLagDays,
  };
  // Counts, services and days only: never record contents.
  console.info(JSON.stringify({ message: "sealing run", ...summary }));
  for (const o of run.services) {
    if (o.error !== undefined) console.error(JSON.stringify({ message: "service not sealed", service: o.service, error: o.error }));
    for (const d of o.report?.days ?? []) {
      if (d.outcome === "failed") console.error(JSON.stringify({ message: "day not sealed", service: d.service, date: d.date, problem: d.problem }));
    }
  }
  // Once per change (docs/ALERTS.md): awaited, as Lambda may freeze the process once the handler returns; never fails the run.
  // The topic, and the webhook whose URL is read from Secrets Manager (never from the environment).
  await alertSealOutcome(
    { s3, config, targets: await scheduledDeliveryTargets(config) },
    {
      failedDays: summary.failedDays,
      servicesFailed: summary.servicesFailed,
      problems: run.services.flatMap((o) => [
        ...(o.error !== undefined ? [`${o.service}: not listed (${o.error})`] : []),
        ...(o.report?.days ?? []).filter((d) => d.outcome === "failed").map((d) => `${d.service} ${d.date}: ${d.problem}`),
      ]),
      at: now,
    },
  ).catch((error: unknown) => console.error(JSON.stringify({ message: "sealing alert failed", error: error instanceof Error ? error.name : "error" })));
  // Raising makes the run an Errors datapoint; whatever was not sealed is taken up by the next run.
  if (summary.failedDays > 0 || summary.servicesFailed > 0) {
    throw new Error(`sealing left ${summary.failedDays} day(s) and ${summary.servicesFailed} service(s) unsealed; see the log lines above`);
  }
  return summary;
}
