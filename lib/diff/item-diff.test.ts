import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { attributeMap, attributeValue } from "../../tests/support/stream-events";
import type { AttributeMap, AttributeValue } from "../archive/attribute-value";
import { canonicalItemJson } from "./canonical-item";
import { compareItems, comparePaths, type DiffChange } from "./item-diff";

const archived: AttributeMap = {
  PK: { S: "USER#1" },
  SK: { S: "PROFILE" },
  balance: { N: "12345678901234567890123456789012345678" },
  address: { M: { city: { S: "Lyon" }, zip: { S: "69001" }, lines: { L: [{ S: "1 rue A" }, { S: "Bât. B" }] } } },
  tags: { SS: ["gold", "early"] },
  avatar: { B: "AAEC/w==" },
  active: { BOOL: true },
};

function changesOf(a: AttributeMap, b: AttributeMap | null): DiffChange[] {
  const result = compareItems(a, b);
  return result.status === "changed" ? result.changes : [];
}

describe("compareItems", () => {
  it("says gone when there is no live item, identical when nothing differs", () => {
    expect(compareItems(archived, null)).toEqual({ status: "gone" });
    expect(compareItems(archived, structuredClone(archived))).toEqual({ status: "identical" });
  });

  it("ignores the order of attributes and of set members", () => {
    const reordered: AttributeMap = Object.fromEntries(Object.entries(archived).reverse());
    reordered.tags = { SS: ["early", "gold"] };
    expect(compareItems(archived, reordered)).toEqual({ status: "identical" });
    expect(compareItems({ n: { NS: ["1", "2", "10"] } }, { n: { NS: ["10", "1", "2"] } })).toEqual({ status: "identical" });
    expect(compareItems({ b: { BS: ["AA==", "AQ=="] } }, { b: { BS: ["AQ==", "AA=="] } })).toEqual({ status: "identical" });
  });

  it("reports added, removed and changed attributes, nested in maps and lists, in path order", () => {
    const live: AttributeMap = structuredClone(archived);
    delete live.avatar;
    live.email = { S: "new@example.com" };
    live.balance = { N: "12345678901234567890123456789012345679" };
    (live.address as { M: Record<string, AttributeValue> }).M.city = { S: "Paris" };
    ((live.address as { M: Record<string, AttributeValue> }).M.lines as { L: AttributeValue[] }).L.push({ S: "3e étage" });
    live.tags = { SS: ["gold"] };

    expect(compareItems(archived, live)).toEqual({
      status: "changed",
      changes: [
        { kind: "changed", path: ["address", "city"], archived: { S: "Lyon" }, live: { S: "Paris" } },
        { kind: "added", path: ["address", "lines", 2], live: { S: "3e étage" } },
        { kind: "removed", path: ["avatar"], archived: { B: "AAEC/w==" } },
        { kind: "changed", path: ["balance"], archived: { N: "12345678901234567890123456789012345678" }, live: { N: "12345678901234567890123456789012345679" } },
        { kind: "added", path: ["email"], live: { S: "new@example.com" } },
        { kind: "changed", path: ["tags"], archived: { SS: ["gold", "early"] }, live: { SS: ["gold"] } },
      ],
    });
  });

  it("compares numbers as DynamoDB's text, never as JS numbers", () => {
    // Both round to the same double; they are different DynamoDB numbers.
    expect(changesOf({ n: { N: "9007199254740993" } }, { n: { N: "9007199254740992" } })).toHaveLength(1);
    expect(changesOf({ n: { N: "0.1" } }, { n: { N: "0.1" } })).toEqual([]);
  });

  it("reports a type change at the attribute, not inside it", () => {
    expect(changesOf({ a: { S: "1" } }, { a: { N: "1" } })).toEqual([{ kind: "changed", path: ["a"], archived: { S: "1" }, live: { N: "1" } }]);
    expect(changesOf({ a: { M: {} } }, { a: { L: [] } })).toEqual([{ kind: "changed", path: ["a"], archived: { M: {} }, live: { L: [] } }]);
    expect(changesOf({ a: { M: { x: { S: "1" } } } }, { a: { S: "x" } })).toEqual([
      { kind: "changed", path: ["a"], archived: { M: { x: { S: "1" } } }, live: { S: "x" } },
    ]);
    expect(changesOf({ a: { SS: ["1"] } }, { a: { NS: ["1"] } })).toHaveLength(1);
    expect(changesOf({ a: { NULL: true } }, { a: { BOOL: false } })).toHaveLength(1);
  });

  it("treats attribute names such as constructor and __proto__ like any other", () => {
    const withProto = JSON.parse('{"__proto__":{"S":"x"},"constructor":{"S":"y"}}') as AttributeMap;
    expect(changesOf(withProto, {})).toEqual([
      { kind: "removed", path: ["__proto__"], archived: { S: "x" } },
      { kind: "removed", path: ["constructor"], archived: { S: "y" } },
    ]);
    expect(changesOf({}, { toString: { S: "z" } })).toEqual([{ kind: "added", path: ["toString"], live: { S: "z" } }]);
  });

  it("finds an item identical to itself (property)", () => {
    fc.assert(fc.property(attributeMap, (item) => compareItems(item, structuredClone(item)).status === "identical"));
  });

  it("finds no changes exactly when the canonical forms are equal (property)", () => {
    const shuffled = (item: AttributeMap): AttributeMap => JSON.parse(canonicalItemJson(item)) as AttributeMap;
    const pair = fc.oneof(
      fc.tuple(attributeMap, attributeMap),
      attributeMap.map((a) => [a, shuffled(a)] as const),
      fc.tuple(attributeMap, fc.string({ minLength: 1, maxLength: 5 }), attributeValue).map(([a, name, value]) => [a, { ...a, [name]: value }] as const),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const comparison = compareItems(a, b);
        expect(comparison.status === "identical").toBe(canonicalItemJson(a) === canonicalItemJson(b));
        if (comparison.status === "changed") expect(comparison.changes.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("orders paths parent first, names by code unit, indexes by number", () => {
    const paths = [["b"], ["a", 10], ["a", 2], ["a"], ["B"]];
    expect(paths.sort(comparePaths)).toEqual([["B"], ["a"], ["a", 2], ["a", 10], ["b"]]);
  });
});
