import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import type { AuditEntry } from "@/lib/audit/audit-entry";
import { AuditTable, sortNewestFirst } from "./audit-table";

function entry(at: string, outcome: AuditEntry["outcome"]): AuditEntry {
  return {
    schemaVersion: 1,
    id: `00000000-0000-4000-8000-${at.replace(/\D/g, "").slice(-12)}`,
    operationId: "op-1",
    at,
    actor: { id: "u1", email: "sam@example.com", name: "Sam" },
    role: "support",
    action: "restore",
    outcome,
    service: "usr-contact-svc",
    key: { PK: { S: "CUST#1" } },
    mode: "no-clobber",
    message: outcome === "refused" ? "a live item exists" : undefined,
  } as AuditEntry;
}

describe("AuditTable", () => {
  const entries = [entry("2024-01-15T09:00:00.000Z", "started"), entry("2024-01-15T11:30:00.000Z", "refused"), entry("2024-01-15T10:00:00.000Z", "succeeded")];

  it("sorts newest first", () => {
    expect(sortNewestFirst(entries).map((e) => e.at.slice(11, 16))).toEqual(["11:30", "10:00", "09:00"]);
  });

  it("shows time in UTC, actor, role, key, mode and outcome as text", () => {
    const text = renderToStaticMarkup(<AuditTable entries={entries} date="on 2024-01-15" />)
      .replace(/<[^>]+>/g, " ")
      .replace(/\s+/g, " ");
    expect(text).toContain("11:30:00 Sam sam@example.com Support restore usr-contact-svc PK = CUST#1 no-clobber Refused a live item exists");
    expect(text.indexOf("11:30:00")).toBeLessThan(text.indexOf("09:00:00"));
  });
});
