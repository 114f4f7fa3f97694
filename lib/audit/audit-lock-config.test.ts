import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import { auditEntryRetention } from "./audit-log";

const minimal = {
  region: "eu-west-1",
  archive: { bucket: "my-archive" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
      archiver: { functionName: "archiver-usr" },
      onFailure: { type: "sqs", queueName: "usr-dlq" },
    },
  ],
};

const lockedBucket = { bucket: "my-archive", objectLock: { enabled: true } };

describe("config audit.objectLock", () => {
  it("is off unless configured: entries carry no retention", () => {
    const config = parseConfig(minimal);
    expect(config.audit).toEqual({});
    expect(auditEntryRetention(config, new Date("2025-01-01T00:00:00Z"))).toBeUndefined();
  });

  it("locks each entry from its own time, in GOVERNANCE mode unless told otherwise", () => {
    const config = parseConfig({ ...minimal, archive: lockedBucket, audit: { objectLock: { retentionDays: 2_555 } } });
    expect(config.audit.objectLock).toEqual({ mode: "GOVERNANCE", retentionDays: 2_555 });
    expect(auditEntryRetention(config, new Date("2025-01-01T10:30:05.123Z"))).toEqual({ mode: "GOVERNANCE", retainUntil: new Date("2031-12-31T10:30:05.123Z") });
    const compliance = parseConfig({ ...minimal, archive: lockedBucket, audit: { objectLock: { mode: "COMPLIANCE", retentionDays: 1 } } });
    expect(auditEntryRetention(compliance, new Date("2025-01-01T00:00:00Z"))).toEqual({ mode: "COMPLIANCE", retainUntil: new Date("2025-01-02T00:00:00Z") });
  });

  it("needs a bucket with Object Lock enabled, and names the field when it is not", () => {
    expect(() => parseConfig({ ...minimal, audit: { objectLock: { retentionDays: 30 } } }, "lazarus.config.json")).toThrow(
      /audit\.objectLock: needs archive\.objectLock\.enabled/,
    );
  });

  it("refuses a retention that is missing, outside 1 to 36,500 days, or not whole days, and an unknown mode or field", () => {
    for (const objectLock of [{}, { retentionDays: 0 }, { retentionDays: 36_501 }, { retentionDays: 1.5 }, { retentionDays: 30, mode: "LEGAL_HOLD" }, { retentionDays: 30, years: 1 }]) {
      expect(() => parseConfig({ ...minimal, archive: lockedBucket, audit: { objectLock } }), JSON.stringify(objectLock)).toThrow(/audit\.objectLock/);
    }
    expect(() => parseConfig({ ...minimal, archive: lockedBucket, audit: { retentionDays: 30 } })).toThrow(/audit/);
    expect(parseConfig({ ...minimal, archive: lockedBucket, audit: { objectLock: { retentionDays: 36_500 } } }).audit.objectLock?.retentionDays).toBe(36_500);
  });
});
