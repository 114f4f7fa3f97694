import { describe, expect, it } from "vitest";
import { answerApi, answerKey } from "./answer-keys";
import { DESCRIBE_RATES } from "./protection-report";

describe("the protection report's answer keys", () => {
  it("name the rate-limited describe APIs by their prefix, so cold reports are paced", () => {
    for (const key of [answerKey.table("orders"), answerKey.pitr("orders"), answerKey.ttl("orders")]) {
      expect(DESCRIBE_RATES[answerApi(key)], key).toBeGreaterThan(0);
    }
    expect(DESCRIBE_RATES[answerApi(answerKey.queueDepth("orders-dlq"))]).toBeUndefined();
  });

  it("forget every alarm answer and every failure listing of a bucket with the shorter key", () => {
    expect(answerKey.alarms(["a", "b"]).startsWith(answerKey.alarms())).toBe(true);
    expect(answerKey.failures("failures-bucket", "svc/2026/").startsWith(answerKey.failures("failures-bucket"))).toBe(true);
    // One bucket's key does not forget another's listings whose name only shares the start.
    expect(answerKey.failures("failures-bucket-2", "svc/").startsWith(answerKey.failures("failures-bucket"))).toBe(false);
  });

  it("keep a table's answers apart from a function's or a queue's of the same name", () => {
    const keys = [answerKey.table("x"), answerKey.pitr("x"), answerKey.ttl("x"), answerKey.mappings("x"), answerKey.iteratorAge("x"), answerKey.sealLag("x"), answerKey.queueUrl("x"), answerKey.queueDepth("x"), answerKey.queueAge("x"), answerKey.queuePeek("x")];
    expect(new Set(keys).size).toBe(keys.length);
  });
});
