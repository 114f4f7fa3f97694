import { describe, expect, it } from "vitest";
import { withThrottleRetry } from "./retry";

const throttle = () => Object.assign(new Error("slow down"), { name: "ProvisionedThroughputExceededException" });

describe("withThrottleRetry", () => {
  it("retries throttling with growing waits, then succeeds", async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withThrottleRetry(async () => (++calls < 3 ? Promise.reject(throttle()) : "ok"), { sleep: async (ms) => void waits.push(ms) });
    expect(result).toBe("ok");
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
  });
  it("gives up after the attempts and passes other errors through at once", async () => {
    let calls = 0;
    await expect(withThrottleRetry(async () => (calls++, Promise.reject(throttle())), { attempts: 3, sleep: async () => {} })).rejects.toThrow("slow down");
    expect(calls).toBe(3);
    calls = 0;
    await expect(withThrottleRetry(async () => (calls++, Promise.reject(new Error("boom"))), { sleep: async () => {} })).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });
});
