import { describe, expect, it } from "vitest";
import { formatBytes, formatRelative, formatUtc, formatUtcTime } from "./time";

describe("time formatting", () => {
  it("always shows UTC, whatever the machine's zone", () => {
    expect(formatUtc("2024-01-15T10:29:59.123Z")).toBe("2024-01-15 10:29:59 UTC");
    expect(formatUtc(new Date(Date.UTC(2024, 0, 1, 0, 0, 0)))).toBe("2024-01-01 00:00:00 UTC");
    expect(formatUtcTime("2024-01-15T23:59:01Z")).toBe("23:59:01");
    expect(formatUtc("not a date")).toBe("invalid date");
  });

  it("says relative times against the given now", () => {
    expect(formatRelative("2024-01-12T10:00:00Z", new Date("2024-01-15T10:00:00Z"))).toBe("3 days ago");
  });

  it("formats sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2.0 KB");
  });
});
