import { describe, expect, it } from "vitest";
import type { ErasurePlanResponse, ErasureResponse } from "@/lib/erasure/erasure-request";
import { buildErasureReceipt, receiptFileName } from "./erasure-receipt";

const archiveKey = "usr-contact-svc/2026/10/02/110237Z_manual_CONTACT%23c-1005_PROFILE_ab12.json";
const plan: ErasurePlanResponse = {
  services: ["usr-contact-svc"],
  findings: [
    {
      service: "usr-contact-svc",
      archiveKey,
      deletedAt: "2026-10-02T11:02:37.000Z",
      deletionType: "manual",
      partitionKey: "CONTACT#c-1005",
      sortKey: "PROFILE",
      versions: 2,
      indexEntries: 1,
      lock: { state: "none" },
      attributeNames: ["email"],
    },
  ],
  failureCopies: [],
  keyAttributes: ["PK", "SK"],
  jobFiles: 0,
  attributionRecords: 0,
  blockers: [],
};
const response: ErasureResponse = {
  outcome: "succeeded",
  auditId: "6f1c2a4e-0000-4000-8000-000000000001",
  message: "Erased 1 archived record(s).",
  summary: {
    mode: "erase",
    records: 1,
    keyHashes: ["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    objectVersionsRemoved: 2,
    indexEntriesRemoved: 1,
    objectsRedacted: 0,
    failureCopiesRewritten: 0,
    failureCopiesDeleted: 0,
    failureCopyVersionsRemoved: 0,
    jobStateObjectsRewritten: 0,
    jobStateVersionsRemoved: 0,
    sealedRecordsRemoved: 0,
    bundlesRewritten: 0,
    sealedVersionsRemoved: 0,
    attributionRecordsRemoved: 0,
    attributionVersionsRemoved: 0,
    remaining: [],
  },
};

describe("the erasure receipt", () => {
  const receipt = buildErasureReceipt({
    plan,
    query: { match: "exact", key: "CONTACT#c-1005" },
    response,
    by: { email: "compliance@demo.lazarus", name: "Demo compliance", role: "compliance" },
    completedAt: new Date("2026-12-06T08:00:00Z"),
  });

  it("says what was erased, where, when, by whom, with the ledger hashes", () => {
    expect(receipt.by.email).toBe("compliance@demo.lazarus");
    expect(receipt.completedAt).toBe("2026-12-06T08:00:00.000Z");
    expect(receipt.auditId).toBe(response.auditId);
    expect(receipt.ledger.keyHashes).toEqual(response.summary.keyHashes);
    expect(receipt.records).toEqual([{ service: "usr-contact-svc", day: "2026-10-02", deletedAt: "2026-10-02T11:02:37.000Z", deletionType: "manual", objectVersions: 2, indexEntries: 1 }]);
    expect(receipt.counts.objectVersionsRemoved).toBe(2);
    expect(receiptFileName(receipt)).toBe(`erasure-receipt-2026-12-06-${response.auditId}.json`);
  });

  it("never holds the erased key, in clear or in an object name", () => {
    const text = JSON.stringify(receipt);
    expect(text).not.toContain("c-1005");
    expect(text).not.toContain(archiveKey);
  });
});
