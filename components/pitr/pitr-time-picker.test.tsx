import { describe, expect, it } from "vitest";
import { isInsideWindow, pickerBounds, utcPickerToIso } from "./pitr-time-picker";

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

  it("offers only whole seconds inside the window, and none when the window is shorter than a second", () => {
    const window = { earliest: "2024-03-01T10:00:00.500Z", latest: "2024-03-05T10:00:00.900Z" };
    expect(pickerBounds(window)).toEqual({ min: "2024-03-01T10:00:01", max: "2024-03-05T10:00:00" });
    expect(isInsideWindow(`${pickerBounds(window)!.min}Z`, window)).toBe(true);
    expect(isInsideWindow(`${pickerBounds(window)!.max}Z`, window)).toBe(true);
    expect(pickerBounds({ earliest: "2026-12-07T12:57:19.400Z", latest: "2026-12-07T12:57:19.900Z" })).toBeNull();
    expect(pickerBounds({ earliest: null, latest: null })).toBeNull();
  });
});
