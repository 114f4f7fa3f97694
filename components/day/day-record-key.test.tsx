import { describe, expect, it } from "vitest";
import { describeDayRecord } from "./day-record-key";
import type { DayRecordRow } from "../query/api-types";

const base: DayRecordRow = {
  archiveKey: "svc/2024/01/15/102959Z_manual_CUST%23123_PROFILE_0123456789abcdef.json",
  kind: "record",
  deletedAt: "2024-01-15T10:29:59.000Z",
  deletionType: "manual",
  partitionKey: "CUST#123",
  sortKey: "PROFILE",
  hashedKey: false,
  size: 812,
  storageClass: "STANDARD",
};

describe("describeDayRecord", () => {
  it("shows partition and sort key", () => {
    expect(describeDayRecord(base)).toEqual({ text: "CUST#123 · PROFILE" });
    expect(describeDayRecord({ ...base, sortKey: null })).toEqual({ text: "CUST#123" });
  });

  it("says when the name holds only a hash of the key", () => {
    const d = describeDayRecord({ ...base, partitionKey: null, sortKey: null, hashedKey: true });
    expect(d.text).toBe("(hashed key)");
    expect(d.note).toContain("open the record");
  });

  it("shows legacy and unknown objects by their name in the day folder", () => {
    expect(describeDayRecord({ ...base, kind: "legacy", archiveKey: "svc/2024/01/15/CUST#1/x_PROFILE.json" })).toEqual({
      text: "CUST#1/x_PROFILE.json",
      note: "legacy object name",
    });
    expect(describeDayRecord({ ...base, kind: "unknown", archiveKey: "svc/2024/01/15/notes.txt", reason: "not a .json object" }).note).toBe("not a .json object");
  });
});
