import { describe, expect, it } from "vitest";
import type { ItemResult } from "./job-types";
import { chunkBounds, chunkCount, chunkItems, chunkSizeFor, computeProgress, firstResults } from "./progress";

const result = (i: number, outcome: ItemResult["outcome"]): ItemResult => ({ i, archiveKey: `k${i}`, keyText: `k${i}`, outcome, reason: "", attempts: 1 });

describe("chunking", () => {
  it("splits items into chunks of a fixed size, the last one short", () => {
    expect(chunkCount(0, 100)).toBe(0);
    expect(chunkCount(250, 100)).toBe(3);
    expect(chunkItems([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunkBounds(2, 100, 250)).toEqual({ start: 200, end: 250 });
    expect(chunkBounds(3, 100, 250)).toEqual({ start: 250, end: 250 });
    expect(() => chunkBounds(-1, 100, 250)).toThrow(RangeError);
  });
});

describe("chunk size", () => {
  it("gives a small job about 20 steps of at least 5 items, and a large one chunks of at most the maximum", () => {
    expect(chunkSizeFor(32, 100)).toBe(5);
    expect(chunkCount(32, chunkSizeFor(32, 100))).toBe(7);
    expect(chunkSizeFor(400, 100)).toBe(20);
    expect(chunkCount(400, chunkSizeFor(400, 100))).toBe(20);
    expect(chunkSizeFor(2000, 100)).toBe(100);
    expect(chunkSizeFor(10_000, 100)).toBe(100);
  });
});

describe("progress", () => {
  it("counts outcomes, and computes the rate from time spent on chunks and the ETA from it", () => {
    const chunks = [
      { startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:00:02.000Z", items: [result(0, "restored"), result(1, "already-restored"), result(2, "skipped"), result(3, "failed")] },
      // An hour of pause between runs does not slow the rate.
      { startedAt: "2024-01-01T01:00:00.000Z", finishedAt: "2024-01-01T01:00:02.000Z", items: [result(4, "restored"), result(5, "restored"), result(6, "restored"), result(7, "restored")] },
    ];
    expect(computeProgress(24, chunks)).toEqual({
      total: 24,
      done: 6,
      skipped: 1,
      failed: 1,
      processed: 8,
      percent: 33,
      itemsPerSecond: 2,
      etaSeconds: 8,
      chunksRecorded: 2,
    });
  });

  it("has no rate or ETA before the first checkpoint, and reaches 100% with ETA 0", () => {
    expect(computeProgress(10, [])).toMatchObject({ processed: 0, percent: 0, itemsPerSecond: null, etaSeconds: null });
    const all = [{ startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:00:01.000Z", items: [result(0, "restored"), result(1, "skipped")] }];
    expect(computeProgress(2, all)).toMatchObject({ percent: 100, etaSeconds: 0, itemsPerSecond: 2 });
    expect(computeProgress(0, [])).toMatchObject({ percent: 100, etaSeconds: 0 });
  });

  it("counts an item recorded by two runners once, as the first recorded result says", () => {
    const overlapping = [
      { startedAt: "2024-01-01T00:00:00.000Z", finishedAt: "2024-01-01T00:00:01.000Z", items: [result(0, "restored"), result(1, "restored")] },
      { startedAt: "2024-01-01T00:00:00.500Z", finishedAt: "2024-01-01T00:00:01.500Z", items: [result(1, "already-restored"), result(2, "failed")] },
    ];
    expect(computeProgress(3, overlapping)).toMatchObject({ done: 2, failed: 1, processed: 3, percent: 100 });
    expect(firstResults(overlapping).flatMap((c) => c.items.map((r) => `${r.i} ${r.outcome}`))).toEqual(["0 restored", "1 restored", "2 failed"]);
  });
});
