import "server-only";
import { randomInt } from "node:crypto";
import { DescribeTableCommand, PutItemCommand, RestoreTableToPointInTimeCommand, ScanCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { alertInBackground } from "../alerts/alerts";
import type { DeliveryTargets } from "../alerts/alert-delivery";
import { alertDrillOutcome } from "../alerts/event-alerts";
import { getArchivedRecord, listDayRecords, type CalendarDay } from "../archive/archive-reader";
import { auditedOperation, auditErrorText } from "../audit/audited-operation";
import type { Role } from "../auth/roles";
import { awsErrorName } from "../aws/aws-errors";
import type { DrillServiceConfig, DrillsConfig, LazarusConfig, ServiceConfig } from "../config/schema";
import { canonicalItemJson } from "../diff/canonical-item";
import { DomainError } from "../errors/domain-error";
import { restorableWindow } from "../pitr/pitr-restore";
import { getLiveItem } from "../restore/live-item";
import { toSdkItem } from "../restore/sdk-attribute-value";
import { tableKeyOf } from "../restore/table-key";
import { notifyDrillFinished } from "./drill-events";
import type { DrillReport, DrillTrigger } from "./drill-report";
import { saveDrillReport } from "./drill-store";
import { deleteScratchTable, scratchNameProblem, scratchTableName, sweepScratchTables, type DeleteOutcome } from "./scratch-table";

/**
 * One restore drill (docs/DRILLS.md): restore the service's table at its latest
 * restorable time into a scratch table, time it to ACTIVE (RTO), compare item counts,
 * put a random sample of recently archived records into it and read them back, note
 * the PITR window (RPO), delete the scratch table whatever happened, then store the
 * report and audit it.
 */

export class DrillNotConfiguredError extends DomainError {
  override name = "DrillNotConfiguredError";
  constructor(service: string) {
    super(400, "drill-not-configured", `Service ${service} has no restore drill in the configuration (drills.services).`);
  }
}

export interface DrillOptions {
  trigger: DrillTrigger;
  actor: { id: string; email: string; name: string };
  role: Role;
  now?: () => Date;
  /** Between DescribeTable polls while the restore runs. */
  pollMs?: number;
  /** Stops waiting for ACTIVE sooner than maxRtoMinutes (a Lambda's remaining time). */
  waitLimitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A Lambda awaits the drill's alert (it may be frozen once it returns); the console sends it after answering. */
  alerting?: "await" | "background";
  /** Where the alert goes when not the console's own destinations (a scheduled function reads the webhook from its secret). */
  alertTargets?: () => Promise<DeliveryTargets>;
}

/** At most this many candidates are listed to draw the sample from: the sample stays cheap on a busy table. */
const MAX_CANDIDATES = 5_000;
const DAY_MS = 86_400_000;

export const SCHEDULE_ACTOR = { id: "lazarus-drills", email: "", name: "Scheduled restore drill" } as const;

export function drillSettings(config: LazarusConfig, service: string): { drills: DrillsConfig; settings: DrillServiceConfig } {
  const settings = config.drills?.services.find((d) => d.service === service);
  if (!config.drills || !settings) throw new DrillNotConfiguredError(service);
  return { drills: config.drills, settings };
}

export interface StartedDrill {
  /** The report's id and the audit operation's. */
  id: string;
  service: string;
  startedAt: string;
  /** Settles with the stored report once the scratch table is deleted; never rejects for a failed drill (the report says why). */
  finished: Promise<DrillReport>;
}

/** Runs a drill to its end: the scheduled function's way. */
export async function runDrill(clients: { s3: S3Client; dynamodb: DynamoDBClient }, config: LazarusConfig, service: ServiceConfig, options: DrillOptions): Promise<DrillReport> {
  return (await startDrill(clients, config, service, options)).finished;
}

/**
 * Starts a drill and answers once its write-ahead audit entry is written (a drill that
 * cannot write it does not run); the rest runs on, and `finished` settles with the report.
 */
export async function startDrill(clients: { s3: S3Client; dynamodb: DynamoDBClient }, config: LazarusConfig, service: ServiceConfig, options: DrillOptions): Promise<StartedDrill> {
  const { drills, settings } = drillSettings(config, service.name);
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { dynamodb, s3 } = clients;
  const startedAt = now();
  const source = service.table.name;
  const scratch = scratchTableName(drills, service.name, startedAt);
  const operation = auditedOperation(s3, config, {
    actor: options.actor,
    role: options.role,
    action: "restore-drill",
    service: service.name,
    table: scratch,
    mode: options.trigger,
    details: { sourceTable: source, scratchTable: scratch },
  });
  await operation.start(`restore drill of ${source} into ${scratch}`);

  const finished = (async (): Promise<DrillReport> => {
    const reasons: string[] = [];
    const report: DrillReport = {
      schemaVersion: 1,
      id: operation.operationId,
      service: service.name,
      sourceTable: source,
      trigger: options.trigger,
      requestedBy: options.actor,
      startedAt: startedAt.toISOString(),
      finishedAt: startedAt.toISOString(),
      passed: false,
      reasons,
      scratchTable: { name: scratch, deleted: false },
      restore: { status: "failed", rtoSeconds: null, maxRtoMinutes: settings.maxRtoMinutes },
      pitr: { earliest: null, latest: null, rpoSeconds: null },
      itemCount: { live: null, scratch: null, differencePercent: null, tolerancePercent: settings.itemCountTolerancePercent, ok: null },
      sample: { requested: settings.sampleSize, sampleDays: settings.sampleDays, available: 0, checked: 0, identical: 0, failures: [], ok: null },
      auditOperationId: operation.operationId,
    };

    let restoreStarted = false;
    try {
      // Leftovers of drills that gave up while DynamoDB was still restoring; a drill running now keeps its table.
      await sweepScratchTables(dynamodb, drills, service.name, new Date(startedAt.getTime() - settings.maxRtoMinutes * 60_000 - 3_600_000)).catch((error: unknown) => {
        console.warn(JSON.stringify({ message: "scratch sweep failed", service: service.name, error: awsErrorName(error) ?? "error" }));
      });
      const window = await restorableWindow(dynamodb, source);
      report.pitr = {
        earliest: window.earliest?.toISOString() ?? null,
        latest: window.latest?.toISOString() ?? null,
        rpoSeconds: window.latest ? Math.max(0, (startedAt.getTime() - window.latest.getTime()) / 1000) : null,
      };
      if (!window.enabled) throw new DrillStopped("refused", `point-in-time recovery is not enabled on ${source}`);
      const nameProblem = await scratchNameProblem(dynamodb, config, drills, scratch);
      if (nameProblem) throw new DrillStopped("refused", `the scratch table cannot be used: ${nameProblem}`);

      const restoreStart = now();
      restoreStarted = true;
      const restored = await dynamodb.send(
        new RestoreTableToPointInTimeCommand({ SourceTableName: source, TargetTableName: scratch, UseLatestRestorableTime: true, BillingModeOverride: "PAY_PER_REQUEST" }),
      );
      const restoreDateTime = restored.TableDescription?.RestoreSummary?.RestoreDateTime;
      if (restoreDateTime) report.restore.restoreDateTime = restoreDateTime.toISOString();
      const waitMs = Math.min(settings.maxRtoMinutes * 60_000, options.waitLimitMs ?? Number.POSITIVE_INFINITY);
      const activeAt = await waitForActive(dynamodb, scratch, restoreStart, waitMs, options.pollMs ?? 5_000, now, sleep);
      if (!activeAt) {
        report.restore.status = "timed-out";
        throw new DrillStopped("timed-out", `the scratch table was not ACTIVE within ${formatMinutes(waitMs / 60_000)} (max RTO ${settings.maxRtoMinutes} min)`);
      }
      report.restore.status = "active";
      report.restore.rtoSeconds = (activeAt.getTime() - restoreStart.getTime()) / 1000;

      const [live, scratchCount] = await Promise.all([countItems(dynamodb, source), countItems(dynamodb, scratch)]);
      const differencePercent = live === 0 ? (scratchCount === 0 ? 0 : 100) : (Math.abs(scratchCount - live) / live) * 100;
      report.itemCount = { live, scratch: scratchCount, differencePercent, tolerancePercent: settings.itemCountTolerancePercent, ok: differencePercent <= settings.itemCountTolerancePercent };
      if (!report.itemCount.ok) {
        reasons.push(`item count differs by ${differencePercent.toFixed(2)}% (live ${live}, restored ${scratchCount}); tolerance ${settings.itemCountTolerancePercent}%`);
      }

      if (settings.sampleSize > 0) {
        const sample = await checkSample(clients, config, service, settings, scratch, startedAt);
        report.sample = { ...report.sample, ...sample, ok: sample.failures.length === 0 && sample.checked > 0 };
        if (sample.failures.length > 0) reasons.push(`${sample.failures.length} of ${sample.checked} sampled records did not restore identically`);
        else if (sample.checked === 0) reasons.push(`no archived records in the last ${settings.sampleDays} days to sample`);
      }
      if (report.restore.rtoSeconds > settings.maxRtoMinutes * 60) reasons.push(`RTO ${Math.round(report.restore.rtoSeconds)} s is over the maximum of ${settings.maxRtoMinutes} min`);
    } catch (error) {
      if (error instanceof DrillStopped) {
        if (error.status !== "timed-out") report.restore.status = error.status;
        reasons.push(error.message);
      } else {
        reasons.push(`the drill failed: ${error instanceof DomainError ? error.message : (awsErrorName(error) ?? auditErrorText(error))}`);
      }
    } finally {
      report.scratchTable = restoreStarted ? { name: scratch, ...flatten(await deleteScratchTable(dynamodb, drills, scratch)) } : { name: scratch, deleted: true };
    }
    if (!report.scratchTable.deleted) reasons.push(`the scratch table ${scratch} was not deleted: ${report.scratchTable.problem ?? "unknown"}`);
    report.passed = reasons.length === 0;
    report.finishedAt = now().toISOString();

    let reportKey: string | undefined;
    try {
      reportKey = await saveDrillReport(s3, config, report);
    } catch (error) {
      reasons.push(`the report was not stored (${awsErrorName(error) ?? "error"})`);
      report.passed = false;
    }
    const rto = report.restore.rtoSeconds === null ? "never ACTIVE" : `RTO ${Math.round(report.restore.rtoSeconds)} s`;
    await operation.finish(report.passed ? "succeeded" : "failed", report.passed ? `drill passed: ${rto}, ${report.sample.identical}/${report.sample.checked} sampled records identical` : `drill failed: ${reasons.join("; ")}`, {
      drillId: report.id,
      passed: report.passed,
      rtoSeconds: report.restore.rtoSeconds,
      rpoSeconds: report.pitr.rpoSeconds,
      scratchTableDeleted: report.scratchTable.deleted,
      ...(reportKey ? { reportKey } : {}),
    });
    await notifyDrillFinished(report);
    const alert = async () =>
      alertDrillOutcome({ s3, config, ...(options.alertTargets ? { targets: await options.alertTargets() } : {}) }, { service: service.name, drillId: report.id, passed: report.passed, reasons: report.reasons, path: `/drills#drills-${service.name}`, at: new Date(report.finishedAt) });
    if (options.alerting === "await") {
      await alert().catch((error: unknown) => console.error(JSON.stringify({ message: "drill alert failed", drillId: report.id, error: awsErrorName(error) ?? "error" })));
    } else {
      alertInBackground("restore drill", alert);
    }
    return report;
  })();
  return { id: operation.operationId, service: service.name, startedAt: startedAt.toISOString(), finished };
}

class DrillStopped extends Error {
  constructor(
    readonly status: "refused" | "timed-out",
    message: string,
  ) {
    super(message);
  }
}

function flatten(outcome: DeleteOutcome): { deleted: boolean; problem?: string } {
  return outcome.deleted ? { deleted: true } : { deleted: false, problem: outcome.problem };
}

function formatMinutes(minutes: number): string {
  return minutes >= 1 ? `${Math.round(minutes * 10) / 10} min` : `${Math.round(minutes * 60)} s`;
}

/** The first time DescribeTable says ACTIVE, or null when `waitMs` passed first. */
async function waitForActive(dynamodb: DynamoDBClient, table: string, since: Date, waitMs: number, pollMs: number, now: () => Date, sleep: (ms: number) => Promise<void>): Promise<Date | null> {
  for (;;) {
    const status = (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus;
    const at = now();
    if (status === "ACTIVE") return at;
    if (at.getTime() - since.getTime() >= waitMs) return null;
    await sleep(Math.min(pollMs, Math.max(0, since.getTime() + waitMs - at.getTime())));
  }
}

/** A full Scan with Select COUNT: exact, and reads the whole table (docs/DRILLS.md, "Cost"). */
async function countItems(dynamodb: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  let start: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: table, Select: "COUNT", ExclusiveStartKey: start, ConsistentRead: true }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** Up to MAX_CANDIDATES archived records of the last `sampleDays` days, newest days first. */
async function recentArchiveKeys(s3: S3Client, config: LazarusConfig, service: ServiceConfig, sampleDays: number, now: Date): Promise<string[]> {
  const keys: string[] = [];
  for (let back = 0; back < sampleDays && keys.length < MAX_CANDIDATES; back++) {
    const date = new Date(now.getTime() - back * DAY_MS);
    const day: CalendarDay = { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
    let cursor: string | undefined;
    do {
      const page = await listDayRecords(s3, config, service, day, { limit: 1_000, ...(cursor ? { cursor } : {}) });
      for (const entry of page.entries) if (entry.kind === "record") keys.push(entry.archiveKey);
      cursor = page.nextCursor;
    } while (cursor && keys.length < MAX_CANDIDATES);
  }
  return keys;
}

function pickRandom<T>(items: T[], n: number): T[] {
  const pool = [...items];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, n);
}

/**
 * Each sampled record is read with the archive reader, written into the scratch table
 * exactly as a restore writes it, read back with a consistent GetItem and compared as
 * typed values (canonical JSON: sets unordered, numbers as DynamoDB's strings).
 */
async function checkSample(clients: { s3: S3Client; dynamodb: DynamoDBClient }, config: LazarusConfig, service: ServiceConfig, settings: DrillServiceConfig, scratch: string, now: Date) {
  const candidates = await recentArchiveKeys(clients.s3, config, service, settings.sampleDays, now);
  const failures: { archiveKey: string; problem: string }[] = [];
  let identical = 0;
  const chosen = pickRandom(candidates, settings.sampleSize);
  for (const archiveKey of chosen) {
    const problem = await checkOne(clients, config, service, scratch, archiveKey);
    if (problem) failures.push({ archiveKey, problem });
    else identical++;
  }
  return { available: candidates.length, checked: chosen.length, identical, failures };
}

async function checkOne(clients: { s3: S3Client; dynamodb: DynamoDBClient }, config: LazarusConfig, service: ServiceConfig, scratch: string, archiveKey: string): Promise<string | undefined> {
  try {
    const read = await getArchivedRecord(clients.s3, config, service, archiveKey);
    if (!read.ok) return `the archive could not be read (${read.error.kind})`;
    const key = tableKeyOf(service, read.deletion);
    if (typeof key === "string") return `the archived record is not restorable: ${key}`;
    const expected = read.deletion.oldImage;
    await clients.dynamodb.send(new PutItemCommand({ TableName: scratch, Item: toSdkItem(expected) }));
    const back = await getLiveItem(clients.dynamodb, scratch, key);
    if (!back) return "the item written into the scratch table was not read back";
    if (canonicalItemJson(back) === canonicalItemJson(expected)) return undefined;
    // Attribute names only: the values are customer data.
    const names = new Set([...Object.keys(expected), ...Object.keys(back)]);
    const differing = [...names].filter((n) => {
      const a = expected[n];
      const b = back[n];
      return !a || !b || canonicalItemJson({ v: a }) !== canonicalItemJson({ v: b });
    });
    return `read back differently from the archive in ${differing.slice(0, 10).map((n) => `"${n}"`).join(", ")}`;
  } catch (error) {
    return `writing or reading it failed (${awsErrorName(error) ?? auditErrorText(error)})`;
  }
}
