import { describe, expect, it } from "vitest";
import { nextSweepDelay, type SweepResult } from "./ttl-sweeper";

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const swept = (nextExpiry?: number): SweepResult => ({ service: "svc", scanned: 3, expired: 0, deleted: 0, skipped: 0, ...(nextExpiry === undefined ? {} : { nextExpiry }) });

describe("nextSweepDelay", () => {
  it("waits until the second after the earliest expiry any table's sweep saw, when the delete's condition lets it through", () => {
    expect(nextSweepDelay([swept(NOW / 1000 + 5), swept(NOW / 1000 + 3)], NOW, 1_000, 10_000)).toBe(4_000);
  });

  it("waits the longest interval when nothing is due sooner, or nothing has a TTL", () => {
    expect(nextSweepDelay([swept(NOW / 1000 + 3_600)], NOW, 1_000, 10_000)).toBe(10_000);
    expect(nextSweepDelay([swept(), swept()], NOW, 1_000, 10_000)).toBe(10_000);
    expect(nextSweepDelay([], NOW, 1_000, 10_000)).toBe(10_000);
  });

  it("never sweeps sooner than the shortest interval, even for an item expiring now", () => {
    expect(nextSweepDelay([swept(NOW / 1000)], NOW, 1_000, 10_000)).toBe(1_000);
    expect(nextSweepDelay([swept(NOW / 1000 + 0.25)], NOW, 1_000, 10_000)).toBe(1_000);
  });

  it("takes a fractional expiry to the next whole second", () => {
    expect(nextSweepDelay([swept(NOW / 1000 + 2.5)], NOW, 1_000, 10_000)).toBe(3_000);
  });

  it("sweeps again after the shortest interval when a sweep had to skip an expired item", () => {
    expect(nextSweepDelay([{ ...swept(NOW / 1000 + 3_600), expired: 1, skipped: 1 }], NOW, 1_000, 10_000)).toBe(1_000);
  });
});
