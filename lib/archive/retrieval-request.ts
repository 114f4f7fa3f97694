import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import { auditedOperation } from "../audit/audited-operation";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasedRefusalDetails, erasureOfMissingRecord } from "../erasure/erasure-check";
import { ErasedRecordError } from "../erasure/erasure-ledger";
import { requestRetrieval, type RetrievalStatus } from "./glacier-retrieval";
import { checkArchiveKey } from "./listed-key";

/**
 * Asks S3 for a temporary readable copy of a record in Glacier. Retrievals cost money,
 * so each is audited write-ahead: no entry, no request. A record erased since it was
 * listed is refused before anything else, and its entry names the key by hash and
 * location, never the object name (which holds the key).
 */
export async function requestAuditedRetrieval(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  archiveKey: string,
  options: { tier: Parameters<typeof requestRetrieval>[4]["tier"]; days: number },
  user: SessionUser,
): Promise<RetrievalStatus> {
  await checkArchiveKey(s3, config, service, archiveKey);
  const operation = auditedOperation(s3, config, {
    actor: { id: user.id, email: user.email, name: user.name },
    role: user.role,
    action: "glacier-retrieval",
    service: service.name,
    details: { tier: options.tier, days: options.days },
  });
  const erasure = await erasureOfMissingRecord(s3, config, service, archiveKey);
  if (erasure) {
    const refusal = new ErasedRecordError(erasure);
    await operation.refuse(refusal.message, erasedRefusalDetails(config, service, archiveKey, erasure));
    throw refusal;
  }
  operation.amend({ archiveKey });
  return operation.run(() => requestRetrieval(s3, config, service, archiveKey, options), { succeeded: (status) => ({ message: `retrieval ${status.state}` }) });
}
