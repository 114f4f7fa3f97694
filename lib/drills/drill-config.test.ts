import { describe, expect, it } from "vitest";
import { configSchema } from "../config/schema";
import { quarterRange } from "./drill-report";
import { scratchTableName, scratchTableTime } from "./scratch-table";

const base = {
  region: "eu-west-1",
  archive: { bucket: "test-archive" },
  services: [
    { name: "a", table: { name: "table-a", partitionKey: { name: "PK", type: "S" } }, archiver: { functionName: "arch-a" } },
    { name: "a-b", table: { name: "table-ab", partitionKey: { name: "PK", type: "S" } }, archiver: { functionName: "arch-ab" } },
  ],
};
const problems = (drills: unknown, services = base.services) => {
  const result = configSchema.safeParse({ ...base, services, drills });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("drills config", () => {
  it("fills the defaults", () => {
    const parsed = configSchema.parse({ ...base, drills: { services: [{ service: "a" }] } });
    expect(parsed.drills).toEqual({
      scratchTablePrefix: "lazarus-drill-",
      functionName: "lazarus-drills",
      services: [{ service: "a", schedule: "rate(7 days)", sampleSize: 20, sampleDays: 7, itemCountTolerancePercent: 1, maxRtoMinutes: 10 }],
    });
  });

  it("refuses unknown services, a service twice, unknown fields and schedules EventBridge would not take", () => {
    expect(problems({ services: [{ service: "zzz" }] })).toEqual(['drills.services.0.service: "zzz" is not in services']);
    expect(problems({ services: [{ service: "a" }, { service: "a" }] })).toEqual(['drills.services.1.service: "a" is named twice']);
    expect(problems({ services: [{ service: "a", sampleSise: 3 }] })[0]).toMatch(/sampleSise/);
    expect(problems({ services: [{ service: "a", schedule: "every week" }] })[0]).toMatch(/EventBridge schedule/);
    expect(problems({ services: [{ service: "a", schedule: "cron(0 3 ? * MON *)" }] })).toEqual([]);
  });

  it("refuses a service table that a scratch table name could be", () => {
    const services = [{ ...base.services[0]!, table: { ...base.services[0]!.table, name: "lazarus-drill-prod" } }];
    expect(problems({ services: [{ service: "a" }] }, services)).toEqual(['services.0.table.name: starts with drills.scratchTablePrefix "lazarus-drill-", which only scratch tables may use']);
  });
});

describe("scratch table names", () => {
  const drills = { scratchTablePrefix: "lazarus-drill-", functionName: "lazarus-drills", services: [] };
  it("carry the prefix, the service and the time, and are told apart from another service's", () => {
    const at = new Date("2026-12-06T03:15:00.123Z");
    const name = scratchTableName(drills, "a", at);
    expect(name).toMatch(/^lazarus-drill-a-20261206T031500Z-[0-9a-f]{4}$/);
    expect(scratchTableTime(drills, "a", name)).toEqual(new Date("2026-12-06T03:15:00Z"));
    expect(scratchTableTime(drills, "a", scratchTableName(drills, "a-b", at))).toBeNull();
    expect(scratchTableTime(drills, "a", "table-a")).toBeNull();
  });
});

describe("quarters", () => {
  it("span whole months", () => {
    expect(quarterRange("2026-Q4")).toEqual({ from: "2026-10-01", to: "2026-12-31" });
    expect(quarterRange("2024-Q1")).toEqual({ from: "2024-01-01", to: "2024-03-31" });
  });
});
