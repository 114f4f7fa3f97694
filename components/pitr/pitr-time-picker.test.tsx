import { describe, expect, it } from "vitest";
import { isInsideWindow, utcPickerToIso } from "./pitr-time-picker";

describe("the PITR time picker", () => {
  it("reads the control's value as UTC, to the second", () => {
    expect(utcPickerToIso("2024-03-05T10:29:59")).toBe("2024-03-05T10:29:59Z");
    expect(utcPickerToIso("2024-03-05T10:29")).toBe("2024-03-05T10:29:00Z");
    expect(utcPickerToIso("")).toBe("");
    expect(utcPickerToIso("yesterday")).toBe("");
  });

  it("flags a time outside the window by the server's own rule", () => {
    const window = { earliest: "2024-03-01T10:00:00.500Z", latest: "2024-03-05T10:00:00.000Z" };
    expect(isInsideWindow("2024-03-03T00:00:00Z", window)).toBe(true);
    expect(isInsideWindow("2024-03-01T10:00:00Z", window)).toBe(false);
    expect(isInsideWindow("2024-03-05T10:00:01Z", window)).toBe(false);
  });
});
