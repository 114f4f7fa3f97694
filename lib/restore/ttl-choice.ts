import { z } from "zod";
import type { AttributeMap, AttributeValue } from "../archive/attribute-value";

/**
 * What a restore does with the item's TTL attribute (epoch seconds in an N, as
 * DynamoDB's TTL reads it). Isomorphic: the restore form offers the choices and
 * the server applies them.
 */
export type TtlChoice = { action: "keep" } | { action: "drop" } | { action: "extend"; until: string };

export const ttlChoiceSchema: z.ZodType<TtlChoice> = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("keep") }),
  z.strictObject({ action: z.literal("drop") }),
  z.strictObject({ action: z.literal("extend"), until: z.iso.datetime({ offset: true }) }),
]);

export interface TtlState {
  attribute: string;
  /** ISO time; null when the value is not an epoch-seconds number, which DynamoDB's TTL ignores too. */
  expiresAt: string | null;
  /** Restored as it is, DynamoDB would delete the item again (typically within days). */
  expired: boolean;
}

/** Beyond this, a value is not a time any Date can hold (±8.64e15 ms). */
const MAX_EPOCH_SECONDS = 8.64e12;

/**
 * The expiry an N value stands for. The number is read only to place it in time;
 * the item keeps DynamoDB's own text.
 */
export function ttlExpiry(value: AttributeValue | undefined): Date | null {
  if (!value || !("N" in value)) return null;
  const seconds = Number(value.N);
  if (!Number.isFinite(seconds) || Math.abs(seconds) > MAX_EPOCH_SECONDS) return null;
  return new Date(Math.floor(seconds) * 1000);
}

/** null when the service has no TTL attribute or the item does not carry it. */
export function readTtlState(item: AttributeMap, ttlAttribute: string | undefined, now: Date): TtlState | null {
  if (ttlAttribute === undefined || !Object.hasOwn(item, ttlAttribute)) return null;
  const expiry = ttlExpiry(item[ttlAttribute]);
  return { attribute: ttlAttribute, expiresAt: expiry?.toISOString() ?? null, expired: expiry !== null && expiry.getTime() <= now.getTime() };
}

/** Why a choice cannot be applied to this item at `now`, or undefined when it can. */
export function ttlChoiceProblem(item: AttributeMap, ttlAttribute: string | undefined, choice: TtlChoice, now: Date): string | undefined {
  if (choice.action === "keep") return undefined;
  if (ttlAttribute === undefined) return `the service has no TTL attribute, so there is nothing to ${choice.action}`;
  if (!Object.hasOwn(item, ttlAttribute)) return `the archived item has no TTL attribute "${ttlAttribute}" to ${choice.action}`;
  if (choice.action === "extend") {
    const until = Date.parse(choice.until);
    if (Number.isNaN(until)) return `the new expiry "${choice.until.slice(0, 40)}" is not a time`;
    if (Math.floor(until / 1000) * 1000 <= now.getTime()) return `the new expiry ${new Date(until).toISOString()} is not in the future`;
  }
  return undefined;
}

/** The item with only the TTL attribute changed as chosen; the input is not modified. */
export function applyTtlChoice(item: AttributeMap, ttlAttribute: string | undefined, choice: TtlChoice): AttributeMap {
  if (choice.action === "keep") return item;
  if (ttlAttribute === undefined) throw new Error(`cannot ${choice.action} the TTL: the service has no TTL attribute`);
  // Object.fromEntries keeps an attribute named "__proto__" as an ordinary one.
  const others = Object.entries(item).filter(([name]) => name !== ttlAttribute);
  if (choice.action === "drop") return Object.fromEntries(others);
  const until = Date.parse(choice.until);
  if (Number.isNaN(until)) throw new RangeError(`cannot extend the TTL to "${choice.until.slice(0, 40)}": not a time`);
  const extended: AttributeValue = { N: String(Math.floor(until / 1000)) };
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, name === ttlAttribute ? extended : value]));
}
