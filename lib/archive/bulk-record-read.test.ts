import { describe, expect, it } from "vitest";
import { coalesceRanges, MAX_RANGE_BYTES, MAX_RANGE_GAP_BYTES } from "./bulk-record-read";

const member = (i: number, key: string, offset: number, length: number) => ({ i, archiveKey: `k${i}`, location: { key, offset, length, size: length * 3 } });

describe("coalesceRanges", () => {
  it("reads neighbouring members of one part in one range, in offset order", () => {
    const ranges = coalesceRanges([member(2, "a", 200, 100), member(0, "a", 0, 100), member(1, "a", 120, 60)]);
    expect(ranges).toHaveLength(1);
    expect(ranges[0]).toMatchObject({ key: "a", start: 0, end: 300 });
    expect(ranges[0]!.members.map((m) => m.i)).toEqual([0, 1, 2]);
  });

  it("starts a new range past the gap limit, past the size limit, and for another part", () => {
    const far = 100 + MAX_RANGE_GAP_BYTES + 1;
    const ranges = coalesceRanges([member(0, "a", 0, 100), member(1, "a", far, 100), member(2, "b", 0, 100)]);
    expect(ranges.map((r) => [r.key, r.start, r.end])).toEqual([
      ["a", 0, 100],
      ["a", far, far + 100],
      ["b", 0, 100],
    ]);
    const big = MAX_RANGE_BYTES / 2;
    const bounded = coalesceRanges([member(0, "a", 0, big), member(1, "a", big, big), member(2, "a", 2 * big, 10)]);
    expect(bounded.map((r) => r.members.length)).toEqual([2, 1]);
    expect(bounded.every((r) => r.end - r.start <= MAX_RANGE_BYTES)).toBe(true);
  });

  it("serves two items of the same member from one range, and makes no range for no members", () => {
    expect(coalesceRanges([])).toEqual([]);
    const twice = coalesceRanges([member(0, "a", 0, 50), member(1, "a", 0, 50)]);
    expect(twice).toHaveLength(1);
    expect(twice[0]!.members).toHaveLength(2);
  });
});
