import { describe, expect, it } from "vitest";
import { lastDays, sumDeletions } from "./deletion-stats";

describe("deletion stats windows", () => {
  it("ends with today's UTC day, across month, leap day and year boundaries", () => {
    const days = lastDays(new Date("2024-03-01T23:30:00-05:00"), 3); // 2024-03-02T04:30Z
    expect(days).toEqual([
      { year: 2024, month: 2, day: 29 },
      { year: 2024, month: 3, day: 1 },
      { year: 2024, month: 3, day: 2 },
    ]);
    expect(lastDays(new Date("2025-01-01T00:00:00Z"), 2)).toEqual([
      { year: 2024, month: 12, day: 31 },
      { year: 2025, month: 1, day: 1 },
    ]);
    expect(lastDays(new Date("2024-03-31T12:00:00Z"), 30)).toHaveLength(30);
  });

  it("sums counts with a total", () => {
    expect(sumDeletions([{ date: "a", ttl: 1, manual: 2, unknown: 3 }, { date: "b", ttl: 4, manual: 0, unknown: 0 }])).toEqual({ ttl: 5, manual: 2, unknown: 3, total: 10 });
  });
});
