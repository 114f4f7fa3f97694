import { describe, expect, it } from "vitest";
import type { AuditEntry } from "./audit-entry";
import { auditBrowserQuerySchema, auditEntryMatches, resolveAuditQuery } from "./audit-filter";

const entry = {
  schemaVersion: 1,
  id: "00000000-0000-4000-8000-000000000001",
  operationId: "op-1",
  at: "2024-01-15T09:00:00.000Z",
  actor: { id: "u1", email: "sam@example.com", name: "Sam" },
  role: "support",
  action: "restore",
  outcome: "succeeded",
  service: "usr-contact-svc",
  key: { PK: { S: "CONTACT#c-1001" }, SK: { S: "PROFILE" } },
  archiveKey: "usr-contact-svc/2024/01/14/143210Z_manual_CONTACT%23c-1001_PROFILE_c379.json",
} as AuditEntry;

describe("audit filter", () => {
  it("takes several actions, repeated or comma-separated, and matches any of them", () => {
    const repeated = auditBrowserQuerySchema.parse({ action: ["restore", "erasure"] });
    const commas = auditBrowserQuerySchema.parse({ action: "restore,erasure" });
    expect(repeated.action).toEqual(["restore", "erasure"]);
    expect(commas.action).toEqual(["restore", "erasure"]);
    expect(auditBrowserQuerySchema.safeParse({ action: "restore,nonsense" }).success).toBe(false);
    const { filter } = resolveAuditQuery(repeated, "2024-01-15");
    expect(auditEntryMatches(entry, filter)).toBe(true);
    expect(auditEntryMatches(entry, { action: ["erasure", "export"] })).toBe(false);
    expect(auditEntryMatches(entry, { action: "restore" })).toBe(true);
  });

  it("filters by any part of a key value or the archive object name, ignoring case", () => {
    expect(auditEntryMatches(entry, { key: "c-1001" })).toBe(true);
    expect(auditEntryMatches(entry, { key: "profile" })).toBe(true);
    expect(auditEntryMatches(entry, { key: "143210Z" })).toBe(true);
    expect(auditEntryMatches(entry, { key: "c-1002" })).toBe(false);
  });
});
