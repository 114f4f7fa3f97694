import { describe, expect, it } from "vitest";
import { backoffDelay, isThrottling, RetriesExhaustedError, withBackoff } from "./retry";

const throttled = () => Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" });

describe("backoff", () => {
  it("grows exponentially up to a cap, with full jitter", () => {
    expect(backoffDelay(1, { baseMs: 50, maxMs: 1000, random: () => 0.999 })).toBe(49);
    expect(backoffDelay(4, { baseMs: 50, maxMs: 1000, random: () => 0.5 })).toBe(200);
    expect(backoffDelay(20, { baseMs: 50, maxMs: 1000, random: () => 0.999 })).toBe(999);
    expect(backoffDelay(3, { baseMs: 50, maxMs: 1000, random: () => 0 })).toBe(0);
  });

  it("recognizes DynamoDB's throttling errors only", () => {
    for (const name of ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]) expect(isThrottling(Object.assign(new Error(), { name }))).toBe(true);
    expect(isThrottling(Object.assign(new Error(), { name: "ConditionalCheckFailedException" }))).toBe(false);
  });

  it("retries throttling, passes other errors through, and gives up after maxAttempts", async () => {
    const sleeps: number[] = [];
    const options = { maxAttempts: 4, baseMs: 10, maxMs: 100, random: () => 1, sleep: async (ms: number) => void sleeps.push(ms) };
    let calls = 0;
    expect(await withBackoff(async () => (++calls < 3 ? Promise.reject(throttled()) : "ok"), options)).toEqual({ value: "ok", attempts: 3 });
    expect(sleeps).toEqual([10, 20]);
    await expect(withBackoff(async () => Promise.reject(new TypeError("bad")), options)).rejects.toBeInstanceOf(TypeError);
    await expect(withBackoff(async () => Promise.reject(throttled()), options)).rejects.toBeInstanceOf(RetriesExhaustedError);
  });
});
