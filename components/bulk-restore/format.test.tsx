import { describe, expect, it } from "vitest";
import { bulkRestoreFilterHref, formatEta, formatRate } from "./format";

describe("bulk-restore formatting", () => {
  it("formats ETAs", () => {
    expect(formatEta(null)).toBe("estimating…");
    expect(formatEta(0)).toBe("done");
    expect(formatEta(42)).toBe("42 s");
    expect(formatEta(125)).toBe("2 min 5 s");
    expect(formatEta(7260)).toBe("2 h 1 min");
  });
  it("formats rates", () => {
    expect(formatRate(null)).toBe("—");
    expect(formatRate(3.25)).toBe("3.3 items/s");
    expect(formatRate(142.6)).toBe("143 items/s");
  });
  it("links a day's filter to a new job", () => {
    expect(bulkRestoreFilterHref({ service: "orders", date: "2024-04-02", type: "manual", prefix: "ORDER#" })).toBe(
      "/bulk-restore?service=orders&from=2024-04-02&to=2024-04-02&type=manual&prefix=ORDER%23",
    );
  });
});
