import { describe, expect, it } from "vitest";
import { restoreTimeProblem, wholeSecondBounds } from "./pitr-window";
import { startPitrBodySchema, suggestTargetName } from "./pitr-types";

const window = { enabled: true, earliest: new Date("2024-03-01T10:00:00.250Z"), latest: new Date("2024-03-05T10:25:00.000Z") };

describe("restoreTimeProblem", () => {
  it("accepts a time inside the window and latest", () => {
    expect(restoreTimeProblem("orders", window, new Date("2024-03-05T10:24:59Z"))).toBeUndefined();
    expect(restoreTimeProblem("orders", window, new Date("2024-03-05T10:25:00Z"))).toBeUndefined();
    expect(restoreTimeProblem("orders", window, "latest")).toBeUndefined();
  });
  it("refuses a whole second before the earliest instant, and after the latest", () => {
    expect(restoreTimeProblem("orders", window, new Date("2024-03-01T10:00:00Z"))).toMatch(/outside orders's restorable window/);
    expect(restoreTimeProblem("orders", window, new Date("2024-03-05T10:25:01Z"))).toMatch(/outside/);
  });
  it("refuses any time, latest included, when PITR is off", () => {
    expect(restoreTimeProblem("orders", { enabled: false, earliest: null, latest: null }, "latest")).toMatch(/not enabled/);
  });
});

describe("wholeSecondBounds", () => {
  it("rounds the earliest end up and the latest down to whole seconds, each accepted by restoreTimeProblem", () => {
    const bounds = wholeSecondBounds(window);
    expect(bounds).toEqual({ first: new Date("2024-03-01T10:00:01Z"), last: new Date("2024-03-05T10:25:00Z") });
    expect(restoreTimeProblem("orders", window, bounds!.first)).toBeUndefined();
    expect(restoreTimeProblem("orders", window, bounds!.last)).toBeUndefined();
  });
  it("is null when no whole second fits, as on a table whose recovery was just enabled", () => {
    const fresh = { enabled: true, earliest: new Date("2026-12-07T12:57:19.400Z"), latest: new Date("2026-12-07T12:57:19.900Z") };
    expect(wholeSecondBounds(fresh)).toBeNull();
    expect(restoreTimeProblem("orders", fresh, new Date("2026-12-07T12:57:19Z"))).toMatch(/outside/);
    expect(wholeSecondBounds({ earliest: new Date("2026-12-07T12:57:19.400Z"), latest: new Date("2026-12-07T12:57:20.000Z") })).toEqual({
      first: new Date("2026-12-07T12:57:20Z"),
      last: new Date("2026-12-07T12:57:20Z"),
    });
    expect(wholeSecondBounds({ earliest: null, latest: null })).toBeNull();
  });
});

describe("start request", () => {
  it("suggests {table}-restored-{yyyymmddTHHMMSSZ}", () => {
    expect(suggestTargetName("sor-service-order", new Date("2024-03-05T10:29:59.123Z"))).toBe("sor-service-order-restored-20240305T102959Z");
    expect(suggestTargetName("t".repeat(255), new Date(0))).toHaveLength(255);
  });
  it("takes UTC times to the second only", () => {
    const parse = (time: string) => startPitrBodySchema.safeParse({ service: "s", time, targetTable: "abc" }).success;
    expect(parse("2024-03-05T10:29:59Z")).toBe(true);
    expect(parse("latest")).toBe(true);
    expect(parse("2024-03-05T10:29:59.5Z")).toBe(false);
    expect(parse("2024-03-05T10:29:59+01:00")).toBe(false);
  });
});
