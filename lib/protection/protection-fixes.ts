import "server-only";
import { UpdateContinuousBackupsCommand, UpdateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { auditedOperation } from "../audit/audited-operation";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { toUserFacingError } from "../http/error-response";
import { answerKey } from "./answer-keys";
import type { ProtectionFix } from "./protection-types";
import type { TtlCache } from "./ttl-cache";

/**
 * The only two settings the console changes: turning on PITR and deletion
 * protection. Both only add protection and neither can lose data, so they are safe
 * to apply from a browser; everything else the report suggests is a CLI command.
 */

export const PROTECTION_FIXES = ["enable-pitr", "enable-deletion-protection"] as const satisfies readonly ProtectionFix[];

export const protectionFixBody = z.strictObject({
  fix: z.enum(PROTECTION_FIXES),
  /** The table the admin confirmed; must be the service's own table. */
  confirmTable: z.string().min(1).max(255),
});
export type ProtectionFixBody = z.infer<typeof protectionFixBody>;

export interface ProtectionFixResult {
  outcome: "succeeded";
  fix: ProtectionFix;
  service: string;
  table: string;
  auditId: string;
}

const DESCRIPTIONS: Record<ProtectionFix, string> = {
  "enable-pitr": "enable point-in-time recovery",
  "enable-deletion-protection": "enable deletion protection",
};

export async function applyProtectionFix(
  clients: { dynamodb: DynamoDBClient; s3: S3Client },
  config: LazarusConfig,
  service: ServiceConfig,
  fix: ProtectionFix,
  user: SessionUser,
  cache?: TtlCache,
): Promise<ProtectionFixResult> {
  const table = service.table.name;
  const operation = auditedOperation(clients.s3, config, {
    actor: { id: user.id, email: user.email, name: user.name },
    role: user.role,
    action: "protection-change",
    service: service.name,
    table,
    message: `${DESCRIPTIONS[fix]} on ${table}`,
    details: { fix },
  });
  // Write-ahead: the table is not changed unless the "started" entry exists.
  await operation.run(
    async () => {
      try {
        if (fix === "enable-pitr") {
          await clients.dynamodb.send(new UpdateContinuousBackupsCommand({ TableName: table, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }));
        } else {
          await clients.dynamodb.send(new UpdateTableCommand({ TableName: table, DeletionProtectionEnabled: true }));
        }
      } finally {
        cache?.invalidate(answerKey.pitr(table));
        cache?.invalidate(answerKey.table(table));
      }
    },
    {
      succeeded: () => ({ message: `${DESCRIPTIONS[fix]} on ${table}: done` }),
      failed: (error) => ({ outcome: "failed", message: `could not ${DESCRIPTIONS[fix]}: ${toUserFacingError(error).message}` }),
    },
  );
  return { outcome: "succeeded", fix, service: service.name, table, auditId: operation.operationId };
}
