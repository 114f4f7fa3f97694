import "server-only";
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  RestoreTableToPointInTimeCommand,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { auditedOperation } from "../audit/audited-operation";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { loadJob, saveJob } from "./pitr-store";
import { TABLE_NAME_PATTERN, type PitrJob, type PitrJobView, type PitrTableStatus } from "./pitr-types";
import { restoreTimeProblem, type RestorableWindow } from "./pitr-window";
import { DomainError } from "../errors/domain-error";
import { isMissingTable } from "../aws/aws-errors";

/**
 * Starts a point-in-time restore of a service's table into a new table and tracks
 * it until ACTIVE (docs/PITR.md). The console validates the request itself:
 * emulators accept restores DynamoDB would refuse.
 */

/** A request the console refuses before asking DynamoDB; routes answer 400 with the code. */
export class PitrRequestError extends DomainError {
  override name = "PitrRequestError";
  constructor(code: "pitr-disabled" | "time-outside-window" | "target-name-invalid" | "target-exists" | "source-missing", message: string) {
    super(400, code, message);
  }
}

type Clients = { s3: S3Client; dynamodb: DynamoDBClient };

export async function restorableWindow(dynamodb: DynamoDBClient, table: string): Promise<RestorableWindow> {
  try {
    const response = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table }));
    const pitr = response.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
    return {
      enabled: pitr?.PointInTimeRecoveryStatus === "ENABLED",
      earliest: pitr?.EarliestRestorableDateTime ?? null,
      latest: pitr?.LatestRestorableDateTime ?? null,
    };
  } catch (error) {
    if (isMissingTable(error)) throw new PitrRequestError("source-missing", `table ${table} does not exist`);
    throw error;
  }
}

export async function describeTableOrNull(dynamodb: DynamoDBClient, table: string): Promise<TableDescription | null> {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: table }))).Table ?? null;
  } catch (error) {
    if (isMissingTable(error)) return null;
    throw error;
  }
}


/** Why the target name cannot be used, or undefined. */
export async function targetNameProblem(dynamodb: DynamoDBClient, config: LazarusConfig, name: string): Promise<string | undefined> {
  if (!TABLE_NAME_PATTERN.test(name)) return `"${name}" is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)`;
  const owner = config.services.find((s) => s.table.name === name);
  if (owner) return `"${name}" is the table of service ${owner.name}; a PITR restore always goes to a new table`;
  if (await describeTableOrNull(dynamodb, name)) return `a table named "${name}" already exists; choose another name`;
  return undefined;
}

export interface StartPitrInput {
  service: ServiceConfig;
  time: Date | "latest";
  targetTable: string;
  actor: SessionUser;
}

export async function startPitrRestore(clients: Clients, config: LazarusConfig, input: StartPitrInput, now: Date = new Date()): Promise<PitrJob> {
  const source = input.service.table.name;
  const actor = { id: input.actor.id, email: input.actor.email, name: input.actor.name };
  const operation = auditedOperation(clients.s3, config, {
    actor,
    role: input.actor.role,
    action: "pitr-restore",
    service: input.service.name,
    table: input.targetTable,
    mode: "restore-to-new-table",
    details: { sourceTable: source, requestedTime: input.time === "latest" ? "latest" : input.time.toISOString() },
  });
  const refuse = async (error: PitrRequestError): Promise<never> => {
    await operation.refuse(error.message, { code: error.code });
    throw error;
  };

  const nameProblem = await targetNameProblem(clients.dynamodb, config, input.targetTable);
  if (nameProblem) {
    return refuse(new PitrRequestError(nameProblem.includes("already exists") ? "target-exists" : "target-name-invalid", `The target table cannot be used: ${nameProblem}.`));
  }
  const window = await restorableWindow(clients.dynamodb, source);
  const timeProblem = restoreTimeProblem(source, window, input.time);
  if (timeProblem) return refuse(new PitrRequestError(window.enabled ? "time-outside-window" : "pitr-disabled", `The restore cannot start: ${timeProblem}.`));

  // Write-ahead: no restore is started that the audit log does not name.
  try {
    return await operation.run(
      async () => {
        const response = await clients.dynamodb.send(
          new RestoreTableToPointInTimeCommand({
            SourceTableName: source,
            TargetTableName: input.targetTable,
            ...(input.time === "latest" ? { UseLatestRestorableTime: true } : { RestoreDateTime: input.time }),
          }),
        );
        const description = response.TableDescription;
        const job: PitrJob = {
          schemaVersion: 1,
          id: operation.operationId,
          service: input.service.name,
          sourceTable: source,
          targetTable: input.targetTable,
          requestedTime: input.time === "latest" ? null : input.time.toISOString(),
          requestedBy: actor,
          startedAt: now.toISOString(),
          auditId: operation.operationId,
          status: tableStatus(description),
          ...(description?.RestoreSummary?.RestoreDateTime ? { restoreDateTime: description.RestoreSummary.RestoreDateTime.toISOString() } : {}),
        };
        await saveJob(clients.s3, config, job);
        return job;
      },
      {
        succeeded: (job) => ({ message: `restore of ${source} into ${input.targetTable} started`, details: { jobId: job.id } }),
        failed: (error) => {
          const name = error instanceof Error ? error.name : "an unknown error";
          return { outcome: "failed", message: `DynamoDB refused the restore with ${name}`, details: { error: name } };
        },
      },
    );
  } catch (error) {
    const name = error instanceof Error ? error.name : "";
    if (name === "TableAlreadyExistsException") throw new PitrRequestError("target-exists", `The target table cannot be used: a table named "${input.targetTable}" already exists; choose another name.`);
    if (name === "InvalidRestoreTimeException") throw new PitrRequestError("time-outside-window", `The restore cannot start: DynamoDB says the time is outside ${source}'s restorable window.`);
    if (name === "PointInTimeRecoveryUnavailableException") throw new PitrRequestError("pitr-disabled", `The restore cannot start: point-in-time recovery is not available on ${source}.`);
    throw error;
  }
}

function tableStatus(description: TableDescription | null | undefined): PitrTableStatus {
  if (!description) return "MISSING";
  const status = description.TableStatus;
  return status === "CREATING" || status === "ACTIVE" || status === "UPDATING" || status === "DELETING" ? status : "UNKNOWN";
}

/** The job with its target's current status (one DescribeTable); records the first ACTIVE sighting. */
export async function trackPitrJob(clients: Clients, config: LazarusConfig, id: string, now: Date = new Date()): Promise<PitrJobView | null> {
  const job = await loadJob(clients.s3, config, id);
  if (!job) return null;
  return refreshJob(clients, config, job, now);
}

export async function refreshJob(clients: Clients, config: LazarusConfig, job: PitrJob, now: Date = new Date()): Promise<PitrJobView> {
  const description = await describeTableOrNull(clients.dynamodb, job.targetTable);
  const status = tableStatus(description);
  const restoreDateTime = description?.RestoreSummary?.RestoreDateTime?.toISOString() ?? job.restoreDateTime;
  const becameActive = status === "ACTIVE" && !job.activeAt;
  const next: PitrJob = { ...job, status, ...(restoreDateTime ? { restoreDateTime } : {}), ...(becameActive ? { activeAt: now.toISOString() } : {}) };
  if (becameActive || next.status !== job.status || next.restoreDateTime !== job.restoreDateTime) await saveJob(clients.s3, config, next);
  const end = next.activeAt ? new Date(next.activeAt) : now;
  return { ...next, elapsedSeconds: Math.max(0, Math.round((end.getTime() - new Date(next.startedAt).getTime()) / 1000)) };
}
