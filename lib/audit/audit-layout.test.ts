import { describe, expect, it } from "vitest";
import { auditEntryKey, auditEntryName, compactTime, parseAuditEntryName } from "./audit-layout";

const id = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("audit layout", () => {
  it("names entries by UTC day and compact time, so names sort by time", () => {
    const at = new Date("2024-01-15T10:30:05.123Z");
    expect(compactTime(at)).toBe("20240115T103005.123Z");
    expect(auditEntryKey("deleted/", at, id)).toBe(`deleted/_audit/2024/01/15/20240115T103005.123Z_${id}.json`);
    expect(auditEntryKey("", new Date("2024-12-31T23:59:59.999Z"), id)).toBe(`_audit/2024/12/31/20241231T235959.999Z_${id}.json`);
  });

  it("reads back what it writes and nothing else", () => {
    const at = new Date("2024-02-29T00:00:00.001Z");
    expect(parseAuditEntryName(auditEntryName(at, id))).toEqual({ at, id });
    expect(parseAuditEntryName(`20240230T000000.000Z_${id}.json`)).toBeUndefined();
    expect(parseAuditEntryName(`20240115T103005Z_${id}.json`)).toBeUndefined();
    expect(parseAuditEntryName("notes.txt")).toBeUndefined();
  });
});
