import "server-only";
import { randomBytes } from "node:crypto";
import { DeleteTableCommand, ListTablesCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { awsErrorName, isMissingTable } from "../aws/aws-errors";
import type { DrillsConfig, LazarusConfig } from "../config/schema";
import { targetNameProblem } from "../pitr/pitr-restore";

/**
 * Scratch tables: `{scratchTablePrefix}{service}-{yyyymmddThhmmssZ}-{4 hex}`. The fixed
 * prefix is what the drill's IAM policy may create and delete, and the config refuses a
 * service table that starts with it, so a scratch name can never be a live table.
 */

const STAMP = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

export function scratchTableName(drills: DrillsConfig, service: string, now: Date): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  return `${drills.scratchTablePrefix}${service}-${stamp}-${randomBytes(2).toString("hex")}`;
}

/** The time in a scratch name of this service, or null when the name is not one (another service's, or a live table). */
export function scratchTableTime(drills: DrillsConfig, service: string, name: string): Date | null {
  const head = `${drills.scratchTablePrefix}${service}-`;
  if (!name.startsWith(head)) return null;
  const rest = name.slice(head.length);
  if (!STAMP.test(rest)) return null;
  const t = rest.slice(0, 16);
  return new Date(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`);
}

/** Why the drill must not restore into `name`, or undefined. */
export async function scratchNameProblem(dynamodb: DynamoDBClient, config: LazarusConfig, drills: DrillsConfig, name: string): Promise<string | undefined> {
  if (!name.startsWith(drills.scratchTablePrefix)) return `"${name}" does not start with the scratch prefix "${drills.scratchTablePrefix}"`;
  return targetNameProblem(dynamodb, config, name);
}

export type DeleteOutcome = { deleted: true } | { deleted: false; problem: string };

/** DeleteTable of a scratch table; a table DynamoDB is still restoring cannot be deleted yet, and says so. */
export async function deleteScratchTable(dynamodb: DynamoDBClient, drills: DrillsConfig, name: string): Promise<DeleteOutcome> {
  // Never a name without the prefix, whatever called this.
  if (!name.startsWith(drills.scratchTablePrefix)) return { deleted: false, problem: `refused to delete "${name}": not a scratch table` };
  try {
    await dynamodb.send(new DeleteTableCommand({ TableName: name }));
    return { deleted: true };
  } catch (error) {
    if (isMissingTable(error)) return { deleted: true };
    const reason = awsErrorName(error) ?? "an unknown error";
    return { deleted: false, problem: `DeleteTable failed with ${reason}; the next drill of the service deletes it` };
  }
}

/**
 * Scratch tables of this service left by an earlier drill whose deletion failed (a
 * restore still running when the drill gave up): deleted when older than `olderThan`,
 * so a drill running at the same moment keeps its own.
 */
export async function sweepScratchTables(dynamodb: DynamoDBClient, drills: DrillsConfig, service: string, olderThan: Date): Promise<string[]> {
  const swept: string[] = [];
  let start: string | undefined;
  do {
    const page = await dynamodb.send(new ListTablesCommand({ ExclusiveStartTableName: start, Limit: 100 }));
    for (const name of page.TableNames ?? []) {
      const time = scratchTableTime(drills, service, name);
      if (time && time < olderThan && (await deleteScratchTable(dynamodb, drills, name)).deleted) swept.push(name);
    }
    start = page.LastEvaluatedTableName;
  } while (start);
  return swept;
}
