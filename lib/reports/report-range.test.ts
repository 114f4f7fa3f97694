import { describe, expect, it } from "vitest";
import { MAX_RANGE_DAYS, parseRangeSpec, quarterOf, rangeDayCount, rangeDays, rangeMonths, ReportRangeError, resolveRange } from "./report-range";

const at = (iso: string) => new Date(iso);

describe("report ranges (UTC days, both ends included)", () => {
  it("last N days end today in UTC, whatever the local clock says", () => {
    expect(resolveRange(parseRangeSpec("last7"), at("2026-03-01T23:59:59.999Z"))).toEqual({ from: "2026-02-23", to: "2026-03-01", label: "last7" });
    expect(resolveRange(parseRangeSpec("last30"), at("2026-03-01T00:00:00.000Z"))).toEqual({ from: "2026-01-31", to: "2026-03-01", label: "last30" });
    expect(resolveRange(parseRangeSpec("last90"), at("2024-03-01T12:00:00Z"))).toMatchObject({ from: "2023-12-03", to: "2024-03-01" });
    expect(rangeDayCount(resolveRange(parseRangeSpec(undefined), at("2024-03-01T12:00:00Z")))).toBe(30);
  });

  it("quarters and years are calendar ones", () => {
    const now = at("2026-10-02T00:00:00Z");
    expect(resolveRange(parseRangeSpec("2026-Q1"), now)).toEqual({ from: "2026-01-01", to: "2026-03-31", label: "2026-Q1" });
    expect(resolveRange(parseRangeSpec("2024-Q1"), now)).toMatchObject({ from: "2024-01-01", to: "2024-03-31" });
    expect(resolveRange(parseRangeSpec("2026-Q2"), now)).toMatchObject({ from: "2026-04-01", to: "2026-06-30" });
    expect(resolveRange(parseRangeSpec("2026-Q3"), now)).toMatchObject({ from: "2026-07-01", to: "2026-09-30" });
    expect(resolveRange(parseRangeSpec("2026-Q4"), now)).toMatchObject({ from: "2026-10-01", to: "2026-12-31" });
    expect(resolveRange(parseRangeSpec("2024"), now)).toEqual({ from: "2024-01-01", to: "2024-12-31", label: "2024" });
    expect(rangeDayCount(resolveRange(parseRangeSpec("2024"), now))).toBe(366);
    expect(rangeDayCount(resolveRange(parseRangeSpec("2024-Q1"), now))).toBe(91);
    expect(quarterOf("2026-09-30")).toBe("2026-Q3");
    expect(quarterOf("2026-10-01")).toBe("2026-Q4");
  });

  it("custom ranges are checked dates, in order, not too long", () => {
    const now = at("2026-10-02T00:00:00Z");
    expect(resolveRange(parseRangeSpec("custom", "2025-12-30", "2026-01-02"), now)).toEqual({ from: "2025-12-30", to: "2026-01-02", label: "custom" });
    expect(() => resolveRange(parseRangeSpec("custom", "2026-02-30", "2026-03-01"), now)).toThrow(ReportRangeError);
    expect(() => resolveRange(parseRangeSpec("custom", "2026-03-02", "2026-03-01"), now)).toThrow(/starts .* after it ends/);
    expect(() => resolveRange(parseRangeSpec("custom", "2020-01-01", "2026-01-01"), now)).toThrow(new RegExp(`at most ${MAX_RANGE_DAYS}`));
    expect(() => parseRangeSpec("custom", "2026-01-01")).toThrow(/both from and to/);
    expect(() => parseRangeSpec("2026-Q5")).toThrow(/unknown range/);
    expect(() => parseRangeSpec("yesterday")).toThrow(ReportRangeError);
  });

  it("lists the days and months a range touches, across years", () => {
    const range = { from: "2025-12-30", to: "2026-01-02" };
    expect(rangeDays(range)).toEqual(["2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02"]);
    expect(rangeMonths(range)).toEqual([
      { year: 2025, month: 12 },
      { year: 2026, month: 1 },
    ]);
    expect(rangeMonths({ from: "2024-02-29", to: "2024-02-29" })).toEqual([{ year: 2024, month: 2 }]);
  });
});
