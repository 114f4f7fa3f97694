import { describe, expect, it } from "vitest";
import { athenaQueryCost, pollDelayMs } from "./athena-engine";

describe("Athena's poll backoff", () => {
  it("doubles from 200 ms and never waits more than 5 s between polls", () => {
    expect(Array.from({ length: 8 }, (_, i) => pollDelayMs(i))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect(pollDelayMs(100)).toBe(5000);
  });
});

describe("an Athena query's cost", () => {
  it("is $5 per TB scanned", () => {
    expect(athenaQueryCost(1024 ** 4).usd).toBe(5);
    expect(athenaQueryCost(3 * 1024 ** 4).usd).toBe(15);
  });

  it("bills at least 10 MB, and rounds up to the next MB", () => {
    const tenMb = athenaQueryCost(0);
    expect(tenMb.billedBytes).toBe(10 * 1024 ** 2);
    expect(athenaQueryCost(1).usd).toBe(tenMb.usd);
    expect(tenMb.usd).toBeCloseTo(0.0000477, 7);
    expect(athenaQueryCost(10 * 1024 ** 2 + 1).billedBytes).toBe(11 * 1024 ** 2);
  });
});
