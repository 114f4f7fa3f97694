import { describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, exportFileName, exportRequestSchema, manifestFileName } from "./export-format";

describe("export file names", () => {
  it("name the services (sorted) and the days covered", () => {
    const range = { from: "2026-07-01", to: "2026-09-30" };
    expect(exportFileName("deletions", ["usr-contact-svc", "sor-service-order-svc"], range, "csv")).toBe(
      "lazarus-deletions_sor-service-order-svc+usr-contact-svc_2026-07-01_2026-09-30.csv",
    );
    expect(exportFileName("deletions", ["usr-contact-svc"], range, "jsonl")).toBe("lazarus-deletions_usr-contact-svc_2026-07-01_2026-09-30.jsonl");
    expect(exportFileName("audit", [], range, "csv")).toBe("lazarus-audit_all_2026-07-01_2026-09-30.csv");
    expect(manifestFileName("x.csv")).toBe("x.csv.manifest.json");
  });

  it("summarise many services and keep only safe characters", () => {
    const name = exportFileName("deletions", ["e", "d", "c", "b", "a"], { from: "2026-01-01", to: "2026-01-31" }, "csv");
    expect(name).toBe("lazarus-deletions_a+b+c+2-more_2026-01-01_2026-01-31.csv");
    expect(exportFileName("deletions", ['x"/..\\y'], { from: "2026-01-01", to: "2026-01-01" }, "csv")).toMatch(/^[A-Za-z0-9._+-]+$/);
  });
});

describe("export requests", () => {
  it("keep the canonical column order whatever order they were chosen in", () => {
    const parsed = exportRequestSchema.parse({ services: "a,b,a", columns: ["restoredBy", "service", "deletedAt"] });
    expect(parsed.services).toEqual(["a", "b"]);
    expect(parsed.columns).toEqual(["service", "deletedAt", "restoredBy"]);
    expect(parsed.format).toBe("csv");
    expect(exportRequestSchema.parse({ services: "a" }).columns).toEqual([...EXPORT_COLUMNS]);
    expect(exportRequestSchema.safeParse({ services: "a", columns: [] }).success).toBe(false);
    expect(exportRequestSchema.safeParse({ services: "a", columns: ["password"] }).success).toBe(false);
    expect(exportRequestSchema.safeParse({ services: "" }).success).toBe(false);
  });
});
