import type { S3Client } from "@aws-sdk/client-s3";
import { sealServices, type SealRunReport } from "../../lib/archive/seal-run";
import { assertSealingAllowed, SealRefusedError, type DaySealReport } from "../../lib/archive/sealer";
import type { LazarusConfig } from "../../lib/config/schema";

/**
 * What the scheduled sealer does in AWS, for the local stack: every closed day of every
 * service is sealed (the code of `npm run seal -- --all`), once at start and then every
 * `intervalMs`. A failure is logged and tried again on the next run; it never stops the stack.
 */

/** Often enough that a day is sealed soon after it closes at midnight UTC, rarely enough to cost nothing between. */
export const DEFAULT_SEAL_INTERVAL_MS = 10 * 60_000;
/** Services sealed at once; each seals its days one after another. */
const SERVICES_AT_ONCE = 4;

export interface SealRun {
  /** Days sealed or changed by this run. */
  sealed: DaySealReport[];
  /** Services or days that could not be sealed, with why. */
  failures: { service: string; date?: string; problem: string }[];
}

export interface ClosedDaySealerOptions {
  config: LazarusConfig;
  s3: S3Client;
  intervalMs?: number;
  now?: () => Date;
  log?: (message: string) => void;
}

export interface ClosedDaySealer {
  /** The run started with the sealer; resolves when it is done. */
  firstRun: Promise<SealRun>;
  /** Seals now (waiting for a run in progress first, so two never overlap). */
  runNow(): Promise<SealRun>;
  stop(): Promise<void>;
}

/** Seals every service's closed days (lib/archive/seal-run.ts); one service failing does not stop the others. */
export async function sealClosedDays(s3: S3Client, config: LazarusConfig, options: { now?: Date; log?: (message: string) => void } = {}): Promise<SealRun> {
  const log = options.log ?? (() => {});
  const run: SealRun = { sealed: [], failures: [] };
  let report: SealRunReport;
  try {
    report = await sealServices(s3, config, config.services, { servicesAtOnce: SERVICES_AT_ONCE, ...(options.now ? { now: options.now } : {}) });
  } catch (e) {
    // Refused for the whole archive (Object Lock): every service is told why, and the stack goes on.
    if (!(e instanceof SealRefusedError)) throw e;
    const problem = `${e.name}: ${e.message}`;
    for (const service of config.services) {
      run.failures.push({ service: service.name, problem });
      log(`sealing ${service.name} failed: ${problem}`);
    }
    return run;
  }
  for (const outcome of report.services) {
    if (outcome.error !== undefined) {
      run.failures.push({ service: outcome.service, problem: outcome.error });
      log(`sealing ${outcome.service} failed: ${outcome.error}`);
    }
    for (const day of outcome.report?.days ?? []) {
      if (day.outcome === "failed") {
        run.failures.push({ service: outcome.service, date: day.date, problem: day.problem ?? "failed" });
        log(`sealing ${outcome.service} ${day.date} failed: ${day.problem ?? "no reason given"}`);
      } else if (day.outcome === "busy") {
        log(`sealing ${outcome.service} ${day.date}: ${day.problem ?? "busy, will seal on the next run"}`);
      } else if (day.outcome === "sealed") {
        run.sealed.push(day);
      }
      if (day.leftInPlace.length > 0) log(`sealing ${outcome.service} ${day.date}: ${day.leftInPlace.length} object(s) left as they are (${day.leftInPlace[0]?.reason})`);
    }
  }
  if (run.sealed.length > 0) {
    const records = run.sealed.reduce((sum, d) => sum + d.newlySealed, 0);
    log(`sealed ${run.sealed.length} closed day(s), ${records} record(s) moved into bundles`);
  }
  return run;
}

export function startClosedDaySealer(options: ClosedDaySealerOptions): ClosedDaySealer {
  const log = options.log ?? (() => {});
  const intervalMs = options.intervalMs ?? DEFAULT_SEAL_INTERVAL_MS;
  const now = options.now ?? (() => new Date());
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<SealRun> = Promise.resolve({ sealed: [], failures: [] });

  try {
    assertSealingAllowed(options.config);
  } catch (e) {
    log(`sealing is off: ${(e as Error).message}`);
    const idle: SealRun = { sealed: [], failures: [] };
    return { firstRun: Promise.resolve(idle), runNow: async () => idle, stop: async () => {} };
  }

  const runNow = (): Promise<SealRun> => {
    running = running.then(() => sealClosedDays(options.s3, options.config, { now: now(), log }));
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runNow().finally(schedule);
    }, intervalMs);
    // The timer alone must not keep a process alive that is otherwise done.
    timer.unref();
  };
  const firstRun = runNow();
  void firstRun.finally(schedule);
  return {
    firstRun,
    runNow,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
