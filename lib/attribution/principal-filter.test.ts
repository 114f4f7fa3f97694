import { describe, expect, it } from "vitest";
import { matchesPrincipal, principalFilterSchema, principalFromParams, principalParamsSchema, principalQuery, principalText, readPrincipalParams } from "./principal-filter";

const filter = (value: string, match: "equals" | "contains") => principalFilterSchema.parse({ value, match });

describe("principal filter", () => {
  it("reads ARNs as the join labels callers", () => {
    expect(principalText("arn:aws:iam::111122223333:role/service-role/order-cleanup-job")).toBe("order-cleanup-job");
    expect(principalText("arn:aws:sts::111122223333:assumed-role/order-cleanup-job/run-41")).toBe("order-cleanup-job/run-41");
    expect(principalText("arn:aws:iam::111122223333:user/ops/alice")).toBe("user/alice");
    expect(principalText("order-cleanup-job")).toBe("order-cleanup-job");
  });

  it("equals: a role matches every session of it, a session only itself", () => {
    expect(matchesPrincipal("order-cleanup-job/run-41", filter("order-cleanup-job", "equals"))).toBe(true);
    expect(matchesPrincipal("order-cleanup-job/run-41", filter("arn:aws:iam::111122223333:role/order-cleanup-job", "equals"))).toBe(true);
    expect(matchesPrincipal("order-cleanup-job/run-42", filter("arn:aws:sts::111122223333:assumed-role/order-cleanup-job/run-41", "equals"))).toBe(false);
    expect(matchesPrincipal("order-cleanup-job-v2/run-1", filter("order-cleanup-job", "equals"))).toBe(false);
    expect(matchesPrincipal("user/alice", filter("arn:aws:iam::111122223333:user/alice", "equals"))).toBe(true);
  });

  it("contains: any part of the label, ignoring case; deletions without a caller never match", () => {
    expect(matchesPrincipal("support-engineer/nina.support", filter("NINA", "contains"))).toBe(true);
    expect(matchesPrincipal("support-engineer/nina.support", filter("cleanup", "contains"))).toBe(false);
    expect(matchesPrincipal(undefined, filter("a", "contains"))).toBe(false);
  });

  it("is read from the URL, contains by default, and ignored when empty", () => {
    expect(readPrincipalParams({ who: "order-cleanup-job", whoMatch: "equals" })).toEqual({ value: "order-cleanup-job", match: "equals" });
    expect(readPrincipalParams({ who: "nina" })).toEqual({ value: "nina", match: "contains" });
    expect(readPrincipalParams({ who: "  " })).toBeUndefined();
    expect(principalFilterSchema.safeParse({ value: "x".repeat(2049) }).success).toBe(false);
  });

  it("parses the URL's who and whoMatch with one schema, naming the bad field", () => {
    const parse = (raw: Record<string, unknown>) => principalParamsSchema.safeParse(raw);
    expect(principalFromParams(principalParamsSchema.parse({ who: " order-cleanup-job ", whoMatch: "equals" }))).toEqual({ value: "order-cleanup-job", match: "equals" });
    expect(principalFromParams(principalParamsSchema.parse({ who: "", whoMatch: "equals" }))).toBeUndefined();
    expect(principalFromParams(principalParamsSchema.parse({}))).toBeUndefined();
    const badMatch = parse({ who: "nina", whoMatch: "like" });
    expect(badMatch.success).toBe(false);
    expect(badMatch.error?.issues[0]?.path).toEqual(["whoMatch"]);
    const tooLong = parse({ who: "x".repeat(2049) });
    expect(tooLong.error?.issues[0]?.path).toEqual(["who"]);
    expect(parse({ who: ["a", "b"] }).error?.issues[0]?.path).toEqual(["who"]);
    expect(readPrincipalParams({ who: "nina", whoMatch: "like" })).toBeUndefined();
  });

  it("writes the filter back into a URL, leaving the default match out", () => {
    expect(principalQuery({ value: "order-cleanup-job", match: "equals" })).toEqual({ who: "order-cleanup-job", whoMatch: "equals" });
    expect(principalQuery({ value: "nina", match: "contains" })).toEqual({ who: "nina" });
    expect(principalQuery(undefined)).toEqual({});
  });
});
