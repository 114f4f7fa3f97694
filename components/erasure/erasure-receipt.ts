import type { ErasurePlanResponse, ErasureQuery, ErasureResponse } from "@/lib/erasure/erasure-request";

/**
 * The erasure receipt: what was erased, where, when, by whom, and the ledger hashes, as
 * a JSON file the requester keeps as evidence. Like the audit log it names the subject
 * only by the ledger's hash and each record by service and day: the object names hold the
 * key, so they are left out (whoever holds the key can recompute the hash to check).
 */
export interface ErasureReceipt {
  receipt: "lazarus-erasure";
  version: 1;
  /** When the console received the server's answer. */
  completedAt: string;
  by: { email: string; name: string; role: string };
  mode: ErasureResponse["summary"]["mode"];
  outcome: ErasureResponse["outcome"];
  auditId: string;
  message: string;
  match: ErasureQuery["match"];
  services: string[];
  ledger: { keyHashes: string[]; hash: string };
  records: { service: string; day: string; deletedAt: string; deletionType: string; objectVersions: number; indexEntries: number }[];
  failureCopies: { service: string; bucket: string; objectKey: string; subjectRecords: number }[];
  counts: Omit<ErasureResponse["summary"], "mode" | "keyHashes" | "remaining">;
  remaining: ErasureResponse["summary"]["remaining"];
}

export function buildErasureReceipt(input: {
  plan: ErasurePlanResponse;
  query: ErasureQuery;
  response: ErasureResponse;
  by: { email: string; name: string; role: string };
  completedAt: Date;
}): ErasureReceipt {
  const { plan, query, response, by, completedAt } = input;
  const { mode, keyHashes, remaining, ...counts } = response.summary;
  return {
    receipt: "lazarus-erasure",
    version: 1,
    completedAt: completedAt.toISOString(),
    by,
    mode,
    outcome: response.outcome,
    auditId: response.auditId,
    message: response.message,
    match: query.match,
    services: plan.services,
    ledger: { keyHashes, hash: "SHA-256 (hex) of the service name and the canonical typed partition key (docs/ERASURE.md)" },
    records: plan.findings.map((f) => ({
      service: f.service,
      day: f.deletedAt.slice(0, 10),
      deletedAt: f.deletedAt,
      deletionType: f.deletionType,
      objectVersions: f.versions,
      indexEntries: f.indexEntries,
    })),
    failureCopies: plan.failureCopies.map((c) => ({ service: c.service, bucket: c.bucket, objectKey: c.objectKey, subjectRecords: c.subjectRecords })),
    counts,
    remaining,
  };
}

export function receiptFileName(receipt: ErasureReceipt): string {
  return `erasure-receipt-${receipt.completedAt.slice(0, 10)}-${receipt.auditId}.json`;
}
