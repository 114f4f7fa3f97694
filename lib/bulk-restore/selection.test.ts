import { describe, expect, it } from "vitest";
import { ArchiveInputError } from "../archive/archive-reader";
import { daysBetween, JobTooLargeError, parsePastedKeys } from "./selection";

describe("pasted keys", () => {
  it("reads one key per line, a tab before the sort key, and skips blank lines", () => {
    expect(parsePastedKeys("ORDER#1\tDETAILS\r\n\n  ORDER#2  \nORDER#3,with comma\t\n")).toEqual([
      { line: 1, input: "ORDER#1\tDETAILS", partitionKey: "ORDER#1", sortKey: "DETAILS" },
      { line: 3, input: "ORDER#2", partitionKey: "ORDER#2" },
      { line: 4, input: "ORDER#3,with comma", partitionKey: "ORDER#3,with comma" },
    ]);
  });
  it("refuses more lines than a job holds", () => {
    expect(() => parsePastedKeys(Array.from({ length: 10_001 }, (_, i) => `k${i}`).join("\n"))).toThrow(JobTooLargeError);
  });
});

describe("filter days", () => {
  it("lists the days of a range across a month end, and bounds it", () => {
    expect(daysBetween("2024-02-28", "2024-03-01")).toEqual([
      { year: 2024, month: 2, day: 28 },
      { year: 2024, month: 2, day: 29 },
      { year: 2024, month: 3, day: 1 },
    ]);
    expect(() => daysBetween("2024-03-02", "2024-03-01")).toThrow(ArchiveInputError);
    expect(() => daysBetween("2024-01-01", "2024-12-31")).toThrow(/at most 92 days/);
  });
});
