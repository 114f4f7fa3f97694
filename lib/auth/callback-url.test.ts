import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "./callback-url";

describe("safeCallbackPath", () => {
  it("keeps paths on this site", () => {
    expect(safeCallbackPath("/services/usr-contact-svc?year=2024&month=3")).toBe("/services/usr-contact-svc?year=2024&month=3");
  });

  it("sends everything else home", () => {
    for (const value of [undefined, null, "", "https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "services", "/signin", "/signin?callbackUrl=/", "/api/audit", "/x\n"]) {
      expect(safeCallbackPath(value)).toBe("/");
    }
  });
});
