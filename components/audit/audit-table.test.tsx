import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import type { AuditEntry } from "@/lib/audit/audit-entry";
import { AuditTable, sortNewestFirst } from "./audit-table";
import { foldOperations } from "./audit-operations";

function entry(at: string, outcome: AuditEntry["outcome"], operationId = "op-1"): AuditEntry {
  return {
    schemaVersion: 1,
    id: `00000000-0000-4000-8000-${at.replace(/\D/g, "").slice(-12)}`,
    operationId,
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

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("AuditTable", () => {
  const entries = [
    entry("2024-01-15T09:00:00.000Z", "started", "op-1"),
    entry("2024-01-15T09:00:01.000Z", "succeeded", "op-1"),
    entry("2024-01-15T11:30:00.000Z", "started", "op-2"),
    entry("2024-01-15T11:30:00.500Z", "refused", "op-2"),
    entry("2024-01-15T10:00:00.000Z", "started", "op-3"),
  ];

  it("sorts newest first", () => {
    expect(sortNewestFirst(entries).map((e) => e.at.slice(11, 16))).toEqual(["11:30", "11:30", "10:00", "09:00", "09:00"]);
  });

  it("folds a started entry and its outcome into one operation, newest first", () => {
    const operations = foldOperations(entries);
    expect(operations.map((o) => [o.operationId, o.latest.outcome, o.at.slice(11, 19)])).toEqual([
      ["op-2", "refused", "11:30:00"],
      ["op-3", "started", "10:00:00"],
      ["op-1", "succeeded", "09:00:00"],
    ]);
    expect(operations[2]!.entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
  });

  it("shows one row per operation: start time in UTC, actor, role, action, key and outcome as text", () => {
    const html = renderToStaticMarkup(<AuditTable entries={entries} date="on 2024-01-15" />);
    const table = /<table.*<\/table>/s.exec(html)?.[0] ?? "";
    expect(table.match(/<tr/g)?.length).toBe(4);
    const t = text(table);
    expect(t).toContain("11:30:00 Sam sam@example.com Support Restore no-clobber usr-contact-svc PK = CUST#1 Refused a live item exists");
    expect(t.indexOf("11:30:00")).toBeLessThan(t.indexOf("09:00:00"));
    expect(html).toContain('aria-expanded="false"');
    // Phones get the same operations as cards.
    const list = /<ul aria-label="Audited operations[^"]*"[^>]*>(.*)<\/ul>/s.exec(html)?.[1] ?? "";
    expect(list.match(/<li/g)?.length).toBe(3);
  });
});
