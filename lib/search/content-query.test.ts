import { describe, expect, it } from "vitest";
import { contentSearchSchema, windowBounds } from "./content-query";

const base = { from: "2024-03-05T10:30Z", to: "2024-03-05T10:45Z" };
const issues = (input: unknown) => {
  const parsed = contentSearchSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("content search input", () => {
  it("takes a plain search and fills the defaults", () => {
    const parsed = contentSearchSchema.parse({ ...base, conditions: [{ path: "email", op: "equals", value: "a@b.c" }] });
    expect(parsed).toMatchObject({ services: "all", deletionType: "any", cap: 200, conditions: [{ caseInsensitive: false }] });
    expect(windowBounds(parsed)).toEqual({ start: new Date("2024-03-05T10:30:00Z"), end: new Date("2024-03-05T10:45:59.999Z") });
  });

  it("names the field of each mistake", () => {
    expect(issues({ ...base, conditions: [{ path: "email", op: "like", value: "x" }] })).toEqual([expect.stringMatching(/^conditions\.0\.op: must be one of equals/)]);
    expect(issues({ ...base, conditions: [{ path: "", op: "equals", value: "x" }] })).toEqual([expect.stringMatching(/^conditions\.0\.path: the attribute path is empty/)]);
    expect(issues({ ...base, conditions: [{ path: "email", op: "equals", value: "x".repeat(10 * 1024) }] })).toEqual([expect.stringMatching(/^conditions\.0\.value: is longer than 1,024/)]);
    expect(issues({ from: "2014-01-01T00:00Z", to: "2024-01-01T00:00Z" })).toEqual([expect.stringMatching(/^to: makes a window of 3653 days; one search covers at most 92 days/)]);
    expect(issues({ ...base, to: "2024-03-05T10:00Z" })).toEqual(["to: is before from"]);
    expect(issues({ ...base, from: "2024-03-05 10:30" })).toEqual([expect.stringMatching(/^from: must be a UTC time to the minute/)]);
    expect(issues({ ...base, conditions: [{ path: "n", op: "numberRange", min: "ten" }] })).toEqual([expect.stringMatching(/^conditions\.0\.min: must be a number/)]);
    expect(issues({ ...base, conditions: [{ path: "n", op: "numberRange" }] })).toEqual([expect.stringMatching(/^conditions\.0\.min: needs a lowest/)]);
    expect(issues({ ...base, extra: 1 })).toEqual([expect.stringMatching(/extra/)]);
    expect(issues({ ...base, cap: 5000 })).toEqual([expect.stringMatching(/^cap:/)]);
  });
});
