import { randomUUID } from "node:crypto";
import { ArchiveInputError, validateArchiveKey } from "@/lib/archive/archive-reader";
import { ArchiveObjectNotFoundError, getRetrievalStatus, requestRetrieval, type RetrievalStatus } from "@/lib/archive/glacier-retrieval";
import { appendAuditEntry, type NewAuditEntry } from "@/lib/audit/audit-log";
import { erasedRefusalDetails, erasureOfMissingRecord } from "@/lib/erasure/erasure-check";
import { ErasedRecordError } from "@/lib/erasure/erasure-ledger";
import { archiveKeyQuerySchema, retrievalBodySchema } from "@/lib/http/api-types";
import { requireService, serviceParams } from "@/lib/http/inputs";
import { json, route } from "@/lib/http/route";

/** Where an archived record stands: readable, in Glacier, being retrieved, or retrieved until a date. */
export const GET = route(
  { permission: "archive:read", params: serviceParams, query: archiveKeyQuerySchema },
  async ({ params, query, config, aws }) => {
    const service = requireService(config, params.service);
    const status: RetrievalStatus = await getRetrievalStatus(aws().s3, config, service, query.archiveKey);
    return json(status);
  },
);

/**
 * Asks S3 for a temporary readable copy of a record in Glacier. Retrievals cost
 * money, so each is audited: a "started" entry before the request (no entry, no
 * request), then its outcome. A record erased since it was listed is refused before
 * anything else, and its entry names the key by hash and location, never the object name.
 */
export const POST = route(
  { permission: "glacier:retrieve", params: serviceParams, body: retrievalBodySchema },
  async ({ params, body, user, config, aws }) => {
    const service = requireService(config, params.service);
    validateArchiveKey(config, service, body.archiveKey);
    const { s3 } = aws();
    const anonymous: Omit<NewAuditEntry, "outcome" | "archiveKey"> = {
      operationId: randomUUID(),
      actor: { id: user.id, email: user.email, name: user.name },
      role: user.role,
      action: "glacier-retrieval",
      service: service.name,
      details: { tier: body.tier, days: body.days },
    };
    const erasure = await erasureOfMissingRecord(s3, config, service, body.archiveKey);
    if (erasure) {
      const refusal = new ErasedRecordError(erasure);
      await appendAuditEntry(s3, config, {
        ...anonymous,
        outcome: "refused",
        message: refusal.message,
        details: { ...anonymous.details, ...erasedRefusalDetails(config, service, body.archiveKey, erasure) },
      });
      throw refusal;
    }
    const entry: Omit<NewAuditEntry, "outcome"> = { ...anonymous, archiveKey: body.archiveKey };
    await appendAuditEntry(s3, config, { ...entry, outcome: "started" });

    let status: RetrievalStatus;
    try {
      status = await requestRetrieval(s3, config, service, body.archiveKey, { tier: body.tier, days: body.days });
    } catch (error) {
      const refused = error instanceof ArchiveInputError || error instanceof ArchiveObjectNotFoundError;
      const message = error instanceof Error ? (refused ? error.message : error.name) : "unknown error";
      await appendAuditEntry(s3, config, { ...entry, outcome: refused ? "refused" : "failed", message: message.slice(0, 500) }).catch((auditError: unknown) => {
        console.error(`[lazarus] could not record the outcome of retrieval ${entry.operationId}: ${auditError instanceof Error ? auditError.name : "error"}`);
      });
      throw error;
    }
    await appendAuditEntry(s3, config, { ...entry, outcome: "succeeded", message: `retrieval ${status.state}` }).catch((auditError: unknown) => {
      console.error(`[lazarus] could not record the outcome of retrieval ${entry.operationId}: ${auditError instanceof Error ? auditError.name : "error"}`);
    });
    return json(status);
  },
);
