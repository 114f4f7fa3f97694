import { describe, expect, it } from "vitest";
import { presetOf, previousQuarter, readReportSelection } from "./report-params";

describe("the last-quarter preset", () => {
  it("is the quarter before today's, across a year's turn", () => {
    expect(previousQuarter("2026-12-06")).toBe("2026-Q3");
    expect(previousQuarter("2026-04-01")).toBe("2026-Q1");
    expect(previousQuarter("2026-02-15")).toBe("2025-Q4");
  });

  it("reads range=lastQuarter as that quarter, and shows it as the preset again", () => {
    const defaults = { services: ["a"], quarter: "2026-Q4", lastQuarter: "2026-Q3", year: "2026" };
    const selection = readReportSelection({ range: "lastQuarter" }, defaults);
    expect(selection.range).toBe("2026-Q3");
    expect(presetOf(selection.range, defaults.lastQuarter)).toBe("lastQuarter");
    expect(presetOf("2026-Q2", defaults.lastQuarter)).toBe("quarter");
  });
});
