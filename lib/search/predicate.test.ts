import { describe, expect, it } from "vitest";
import type { AttributeMap } from "../archive/attribute-value";
import { parseAttributePath } from "./attribute-path";
import type { Condition } from "./content-query";
import { compareDynamoNumbers } from "./dynamo-number";
import { compileConditions, matchesImage } from "./predicate";

const item: AttributeMap = {
  PK: { S: "CONTACT#c-1001" },
  email: { S: "Maria.Jensen@example.com" },
  balance: { N: "12345678901234567890123456789012345678" },
  price: { N: "19.90" },
  tags: { SS: ["vip", "newsletter"] },
  scores: { NS: ["3", "99999999999999999999999999999999999999"] },
  avatar: { B: Buffer.from([0xca, 0xfe, 0xba, 0xbe]).toString("base64") },
  address: { M: { city: { S: "Aarhus" }, zip: { S: "8000" } } },
  lines: { L: [{ M: { sku: { S: "SKU-1" } } }, { M: { sku: { S: "SKU-2" } } }] },
  active: { BOOL: true },
  note: { NULL: true },
  updatedAt: { S: "2024-03-05T10:31:00Z" },
  expiresAt: { N: "1709634600" },
};

const matches = (...conditions: Condition[]) => matchesImage(compileConditions(conditions), item);

describe("DynamoDB numbers", () => {
  it("compares 38-digit numbers without rounding", () => {
    // As JS numbers both are 1.2345678901234568e37: equal. As DynamoDB numbers they differ.
    expect(compareDynamoNumbers("12345678901234567890123456789012345678", "12345678901234567890123456789012345679")).toBe(-1);
    expect(compareDynamoNumbers("1.50", "1.5")).toBe(0);
    expect(compareDynamoNumbers("1.5E+3", "1500")).toBe(0);
    expect(compareDynamoNumbers("-2", "-10")).toBe(1);
    expect(compareDynamoNumbers("0.001", "-0")).toBe(1);
    expect(compareDynamoNumbers("0", "-0.000")).toBe(0);
    expect(compareDynamoNumbers("99", "100")).toBe(-1);
    expect(compareDynamoNumbers(".5", "0.50")).toBe(0);
  });
});

describe("attribute paths", () => {
  it("reads names, nested maps and list indexes", () => {
    expect(parseAttributePath("lines[0].sku")).toEqual([{ kind: "name", name: "lines" }, { kind: "index", index: 0 }, { kind: "name", name: "sku" }]);
    expect(parseAttributePath("address.city")).toHaveLength(2);
  });
  it.each(["", "  ", "a..b", "a.", "[0]", "a[x]", "a[0", "a]b", "a[0]b"])("refuses %j", (path) => {
    expect(() => parseAttributePath(path)).toThrow();
  });
});

describe("the predicate on typed images", () => {
  it("equals text, case-sensitively unless asked", () => {
    expect(matches({ path: "email", op: "equals", value: "maria.jensen@example.com", caseInsensitive: false })).toBe(false);
    expect(matches({ path: "email", op: "equals", value: "maria.jensen@example.com", caseInsensitive: true })).toBe(true);
  });
  it("begins with and contains", () => {
    expect(matches({ path: "PK", op: "beginsWith", value: "CONTACT#", caseInsensitive: false })).toBe(true);
    expect(matches({ path: "email", op: "contains", value: "JENSEN", caseInsensitive: true })).toBe(true);
    expect(matches({ path: "email", op: "contains", value: "JENSEN", caseInsensitive: false })).toBe(false);
  });
  it("compares numbers as DynamoDB numbers", () => {
    expect(matches({ path: "price", op: "equals", value: "19.9", caseInsensitive: false })).toBe(true);
    expect(matches({ path: "balance", op: "equals", value: "12345678901234567890123456789012345679", caseInsensitive: false })).toBe(false);
    expect(matches({ path: "balance", op: "numberRange", min: "12345678901234567890123456789012345678", max: "12345678901234567890123456789012345678" })).toBe(true);
    expect(matches({ path: "balance", op: "numberRange", min: "12345678901234567890123456789012345679" })).toBe(false);
    expect(matches({ path: "price", op: "numberRange", min: "10", max: "20" })).toBe(true);
  });
  it("matches sets by their members and binary by bytes", () => {
    expect(matches({ path: "tags", op: "equals", value: "vip", caseInsensitive: false })).toBe(true);
    expect(matches({ path: "scores", op: "numberRange", min: "99999999999999999999999999999999999998" })).toBe(true);
    expect(matches({ path: "avatar", op: "equals", value: Buffer.from([0xca, 0xfe, 0xba, 0xbe]).toString("base64"), caseInsensitive: false })).toBe(true);
    expect(matches({ path: "avatar", op: "beginsWith", value: Buffer.from([0xca, 0xfe]).toString("base64"), caseInsensitive: false })).toBe(true);
    expect(matches({ path: "avatar", op: "equals", value: Buffer.from([0xca]).toString("base64"), caseInsensitive: false })).toBe(false);
  });
  it("follows nested maps and lists", () => {
    expect(matches({ path: "address.city", op: "equals", value: "Aarhus", caseInsensitive: false })).toBe(true);
    expect(matches({ path: "lines[1].sku", op: "equals", value: "SKU-2", caseInsensitive: false })).toBe(true);
    expect(matches({ path: "lines[0].sku", op: "equals", value: "SKU-2", caseInsensitive: false })).toBe(false);
    expect(matches({ path: "lines[*].sku", op: "equals", value: "SKU-2", caseInsensitive: false })).toBe(true);
    expect(matches({ path: "lines[5].sku", op: "exists" })).toBe(false);
  });
  it("exists, booleans and dates", () => {
    expect(matches({ path: "note", op: "exists" })).toBe(true);
    expect(matches({ path: "nickname", op: "exists" })).toBe(false);
    expect(matches({ path: "active", op: "equals", value: "true", caseInsensitive: false })).toBe(true);
    expect(matches({ path: "updatedAt", op: "dateRange", from: "2024-03-05T10:30:00Z", to: "2024-03-05T10:45:00Z" })).toBe(true);
    expect(matches({ path: "updatedAt", op: "dateRange", to: "2024-03-04" })).toBe(false);
    expect(matches({ path: "expiresAt", op: "dateRange", from: "2024-03-05", to: "2024-03-05" })).toBe(true);
  });
  it("ANDs conditions", () => {
    const city = { path: "address.city", op: "equals", value: "Aarhus", caseInsensitive: false } as const;
    expect(matches(city, { path: "tags", op: "equals", value: "vip", caseInsensitive: false })).toBe(true);
    expect(matches(city, { path: "tags", op: "equals", value: "gold", caseInsensitive: false })).toBe(false);
  });
});
