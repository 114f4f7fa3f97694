import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import type { AttributeMap } from "../archive/attribute-value";
import { itemFingerprint } from "./live-item";
import { applyTtlChoice, planRestore, readTtlState, ttlChoiceProblem, ttlChoiceSchema } from "./restore-planner";

const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "my-archive" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, ttlAttribute: "expiresAt" },
      archiver: { functionName: "archiver-usr" },
      onFailure: { type: "sqs", queueName: "usr-dlq" },
    },
    {
      name: "unt-svc",
      table: { name: "unt", partitionKey: { name: "PK", type: "S" } },
      archiver: { functionName: "archiver-unt" },
      onFailure: { type: "sqs", queueName: "unt-dlq" },
    },
  ],
});
const [contacts, units] = config.services as [(typeof config.services)[0], (typeof config.services)[0]];
const now = new Date("2024-06-01T12:00:00Z");
const expiredItem: AttributeMap = { PK: { S: "USER#1" }, name: { S: "Ada" }, expiresAt: { N: "1717200000" } }; // 2024-06-01T00:00:00Z

describe("planRestore", () => {
  it("compares with the live item, fingerprints it, and says the TTL has passed", () => {
    const live: AttributeMap = { PK: { S: "USER#1" }, name: { S: "Ada L." } };
    const plan = planRestore({ service: contacts, oldImage: expiredItem, live, now });
    expect(plan.comparison.status).toBe("changed");
    expect(plan.liveFingerprint).toBe(itemFingerprint(live));
    expect(plan.liveFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.ttl).toEqual({ attribute: "expiresAt", expiresAt: "2024-06-01T00:00:00.000Z", expired: true });
  });

  it("fingerprints a missing live item as absent", () => {
    const plan = planRestore({ service: contacts, oldImage: expiredItem, live: null, now });
    expect(plan).toMatchObject({ comparison: { status: "gone" }, liveFingerprint: "absent" });
  });

  it("has no TTL state when the service has no TTL attribute or the item lacks it", () => {
    expect(planRestore({ service: units, oldImage: expiredItem, live: null, now }).ttl).toBeNull();
    expect(planRestore({ service: contacts, oldImage: { PK: { S: "x" } }, live: null, now }).ttl).toBeNull();
  });
});

describe("itemFingerprint", () => {
  it("is the same for the same content in any order, and differs for any change", () => {
    const a: AttributeMap = { PK: { S: "1" }, tags: { SS: ["a", "b"] }, m: { M: { y: { N: "1" }, x: { N: "2" } } } };
    const b: AttributeMap = { m: { M: { x: { N: "2" }, y: { N: "1" } } }, tags: { SS: ["b", "a"] }, PK: { S: "1" } };
    expect(itemFingerprint(a)).toBe(itemFingerprint(b));
    expect(itemFingerprint(a)).not.toBe(itemFingerprint({ ...b, PK: { N: "1" } }));
  });
});

describe("readTtlState", () => {
  it("reads epoch seconds, future and past", () => {
    expect(readTtlState({ t: { N: "1717243201" } }, "t", now)).toEqual({ attribute: "t", expiresAt: "2024-06-01T12:00:01.000Z", expired: false });
    expect(readTtlState({ t: { N: "1717243200" } }, "t", now)?.expired).toBe(true);
  });

  it("does not treat a value DynamoDB's TTL would ignore as an expiry", () => {
    expect(readTtlState({ t: { S: "1717200000" } }, "t", now)).toEqual({ attribute: "t", expiresAt: null, expired: false });
    expect(readTtlState({ t: { N: "1E+125" } }, "t", now)).toEqual({ attribute: "t", expiresAt: null, expired: false });
  });
});

describe("TTL choices", () => {
  it("keep returns the item unchanged", () => {
    expect(applyTtlChoice(expiredItem, "expiresAt", { action: "keep" })).toEqual(expiredItem);
  });

  it("drop removes only the TTL attribute", () => {
    expect(applyTtlChoice(expiredItem, "expiresAt", { action: "drop" })).toEqual({ PK: { S: "USER#1" }, name: { S: "Ada" } });
    expect(expiredItem.expiresAt).toEqual({ N: "1717200000" });
  });

  it("extend writes the new time as whole epoch seconds and changes nothing else", () => {
    const extended = applyTtlChoice(expiredItem, "expiresAt", { action: "extend", until: "2024-07-01T00:00:00.900+02:00" });
    expect(extended).toEqual({ ...expiredItem, expiresAt: { N: "1719784800" } });
  });

  it("keeps an attribute named __proto__ through drop and extend", () => {
    const item = JSON.parse('{"__proto__":{"S":"x"},"expiresAt":{"N":"1"}}') as AttributeMap;
    expect(Object.hasOwn(applyTtlChoice(item, "expiresAt", { action: "drop" }), "__proto__")).toBe(true);
    expect(Object.hasOwn(applyTtlChoice(item, "expiresAt", { action: "extend", until: "2030-01-01T00:00:00Z" }), "__proto__")).toBe(true);
  });

  it("finds the problems that refuse a choice", () => {
    expect(ttlChoiceProblem(expiredItem, "expiresAt", { action: "keep" }, now)).toBeUndefined();
    expect(ttlChoiceProblem(expiredItem, "expiresAt", { action: "drop" }, now)).toBeUndefined();
    expect(ttlChoiceProblem(expiredItem, "expiresAt", { action: "extend", until: "2024-06-02T00:00:00Z" }, now)).toBeUndefined();
    expect(ttlChoiceProblem(expiredItem, "expiresAt", { action: "extend", until: "2024-06-01T12:00:00.500Z" }, now)).toMatch(/not in the future/);
    expect(ttlChoiceProblem(expiredItem, "expiresAt", { action: "extend", until: "2020-01-01T00:00:00Z" }, now)).toMatch(/not in the future/);
    expect(ttlChoiceProblem(expiredItem, undefined, { action: "drop" }, now)).toMatch(/no TTL attribute/);
    expect(ttlChoiceProblem({ PK: { S: "x" } }, "expiresAt", { action: "extend", until: "2030-01-01T00:00:00Z" }, now)).toMatch(/has no TTL attribute "expiresAt"/);
  });

  it("validates choices at the boundary", () => {
    expect(ttlChoiceSchema.safeParse({ action: "extend", until: "2030-01-01T00:00:00Z" }).success).toBe(true);
    expect(ttlChoiceSchema.safeParse({ action: "extend", until: "next week" }).success).toBe(false);
    expect(ttlChoiceSchema.safeParse({ action: "extend" }).success).toBe(false);
    expect(ttlChoiceSchema.safeParse({ action: "keep", extra: 1 }).success).toBe(false);
    expect(ttlChoiceSchema.safeParse({ action: "forever" }).success).toBe(false);
  });
});
