import { describe, expect, it } from "vitest";
import { itemOutcomes } from "./job-detail";

describe("the item table's outcomes", () => {
  it("reads each item's outcome, reason and attempts from the results file", () => {
    const csv = 'item,key,archive_key,plan,outcome,reason,attempts\n0,"PK = A, SK = 1",s/2024/01/01/a.json,absent,restored,restored (no live item),2\n1,PK = B,s/2024/01/01/b.json,identical,skipped,"the live item is identical, nothing to write",0\n';
    const outcomes = itemOutcomes(csv);
    expect(outcomes.get(0)).toEqual({ outcome: "restored", reason: "restored (no live item)", attempts: 2 });
    expect(outcomes.get(1)).toEqual({ outcome: "skipped", reason: "the live item is identical, nothing to write", attempts: 0 });
    expect(outcomes.size).toBe(2);
  });
});
