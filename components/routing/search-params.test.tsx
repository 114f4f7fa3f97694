import { describe, expect, it } from "vitest";
import { auditParamsSchema, calendarParamsSchema, dayFilterSchema, parseParams, searchParamsSchema } from "./search-params";
import { recordHref, dayHref } from "./links";

describe("search params", () => {
  it("reads the day filter and refuses unknown types and repeated parameters", () => {
    expect(parseParams(dayFilterSchema, { type: "ttl", prefix: "CUST#" })).toEqual({ ok: true, data: { type: "ttl", prefix: "CUST#" } });
    expect(parseParams(dayFilterSchema, { type: "", prefix: "" })).toEqual({ ok: true, data: {} });
    const bad = parseParams(dayFilterSchema, { type: "expired" });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.message).toContain('"type" must be "ttl" or "manual"');
    expect(parseParams(dayFilterSchema, { prefix: ["a", "b"] }).ok).toBe(false);
  });

  it("defaults search to an exact match in all services", () => {
    expect(parseParams(searchParamsSchema, { q: "  CUST#1 " })).toEqual({ ok: true, data: { q: "CUST#1", match: "exact", service: "all" } });
    expect(parseParams(searchParamsSchema, { q: "x", match: "fuzzy" }).ok).toBe(false);
  });

  it("checks calendar and audit parameters", () => {
    expect(parseParams(calendarParamsSchema, { year: "2024", month: "2" })).toEqual({ ok: true, data: { year: 2024, month: 2 } });
    expect(parseParams(calendarParamsSchema, { month: "13" }).ok).toBe(false);
    expect(parseParams(calendarParamsSchema, { year: "twenty" }).ok).toBe(false);
    expect(parseParams(auditParamsSchema, { date: "2024-1-5" }).ok).toBe(false);
  });

  it("encodes archive keys and filters into links", () => {
    expect(recordHref("svc", "svc/2024/01/15/a%23b.json")).toBe("/services/svc/record?key=svc%2F2024%2F01%2F15%2Fa%2523b.json");
    expect(dayHref("svc", "2024-01-15", { type: "ttl", prefix: "" })).toBe("/services/svc/days/2024-01-15?type=ttl");
  });
});

describe("back links from a record", () => {
  it("keeps lists of this console and drops anything else", async () => {
    const { backSection, recordHref, safeBackPath } = await import("./links");
    expect(safeBackPath("/search?q=CONTACT%23c-1&match=exact&service=all")).toBe("/search?q=CONTACT%23c-1&match=exact&service=all");
    expect(safeBackPath("/services/usr-contact-svc/days/2024-01-15?type=ttl")).toBe("/services/usr-contact-svc/days/2024-01-15?type=ttl");
    expect(safeBackPath("/reports?services=a&range=last30")).toBe("/reports?services=a&range=last30");
    for (const bad of ["https://evil.example/search", "//evil.example/search", "/\\evil.example", "/searchy", "/api/search?q=x", "/services/x/record?key=y", "/search\u0000"]) {
      expect(safeBackPath(bad), bad).toBeUndefined();
    }
    expect(recordHref("svc", "svc/2024/01/15/a.json", "https://evil.example")).toBe("/services/svc/record?key=svc%2F2024%2F01%2F15%2Fa.json");
    expect(backSection("/search?q=x")).toEqual({ label: "Back to the search results", nav: "/search" });
    expect(backSection("/services/x/days/2024-01-15")).toEqual({ label: "Back to the day's deletions", nav: "/" });
  });
});
