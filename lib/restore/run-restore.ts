import "server-only";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import type { RestoreResponse } from "../http/api-types";
import { restoreRecord, RestoreRefusedError } from "./restore-record";
import type { RestoreRequestBody } from "./restore-request";

/** The table a restore writes to when it is not the service's own; undefined for the service's table. */
export function otherTargetTable(service: ServiceConfig, body: RestoreRequestBody): string | undefined {
  return body.targetTable !== undefined && body.targetTable !== service.table.name ? body.targetTable : undefined;
}

/** What the restore route runs, and what an approved restore request runs. A refusal is thrown with its audit id. */
export async function runRestore(clients: { s3: S3Client; dynamodb: DynamoDBClient }, config: LazarusConfig, service: ServiceConfig, body: RestoreRequestBody, actor: SessionUser): Promise<RestoreResponse> {
  const targetTable = otherTargetTable(service, body);
  const result = await restoreRecord(clients, config, {
    service,
    archiveKey: body.archiveKey,
    mode: body.mode,
    ...(body.expectedLiveFingerprint !== undefined ? { expectedLiveFingerprint: body.expectedLiveFingerprint } : {}),
    ttl: body.ttl,
    ...(targetTable !== undefined ? { targetTable } : {}),
    actor,
  });
  if (result.outcome === "refused") throw new RestoreRefusedError(result);
  return { outcome: "restored", table: result.table, auditId: result.auditId };
}
