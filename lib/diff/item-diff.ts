import diff, { type Difference } from "microdiff";
import type { AttributeMap, AttributeValue } from "../archive/attribute-value";
import { canonicalValueJson } from "./canonical-item";

/**
 * Compares an archived item with the live item of the same key, attribute by
 * attribute. Isomorphic: the record page renders the result.
 */
export type DiffPath = (string | number)[];

export type DiffChange =
  | { kind: "added"; path: DiffPath; live: AttributeValue }
  | { kind: "removed"; path: DiffPath; archived: AttributeValue }
  | { kind: "changed"; path: DiffPath; archived: AttributeValue; live: AttributeValue };

export type ItemComparison = { status: "gone" } | { status: "identical" } | { status: "changed"; changes: DiffChange[] };

/**
 * The tree microdiff walks: maps become objects, lists arrays, and every other
 * value one string token carrying its type (so S "1" and N "1" differ, and a set
 * is one token whose members are sorted). Objects have no prototype, so an
 * attribute named "constructor" or "__proto__" is an attribute like any other.
 */
type Node = string | Node[] | { [name: string]: Node };

function normalizeMap(map: Record<string, AttributeValue>): { [name: string]: Node } {
  const out: { [name: string]: Node } = Object.create(null);
  for (const [name, value] of Object.entries(map)) out[name] = normalizeValue(value);
  return out;
}

function normalizeValue(value: AttributeValue): Node {
  if ("M" in value) return normalizeMap(value.M);
  if ("L" in value) return value.L.map(normalizeValue);
  return canonicalValueJson(value);
}

export function compareItems(archived: AttributeMap, live: AttributeMap | null): ItemComparison {
  if (live === null) return { status: "gone" };
  const differences = diff(normalizeMap(archived), normalizeMap(live), { cyclesFix: false });
  if (differences.length === 0) return { status: "identical" };
  return { status: "changed", changes: differences.map((d) => toChange(d, archived, live)).sort((a, b) => comparePaths(a.path, b.path)) };
}

function toChange(difference: Difference, archived: AttributeMap, live: AttributeMap): DiffChange {
  const path = difference.path;
  switch (difference.type) {
    case "CREATE":
      return { kind: "added", path, live: valueAt(live, path) };
    case "REMOVE":
      return { kind: "removed", path, archived: valueAt(archived, path) };
    case "CHANGE":
      return { kind: "changed", path, archived: valueAt(archived, path), live: valueAt(live, path) };
  }
}

/** The original typed value at a path; the normalized tree has the same shape as the item. */
export function valueAt(item: AttributeMap, path: DiffPath): AttributeValue {
  let current: AttributeValue | undefined;
  path.forEach((segment, i) => {
    if (i === 0) current = ownValue(item, String(segment));
    else if (current && "M" in current) current = ownValue(current.M, String(segment));
    else if (current && "L" in current && typeof segment === "number") current = current.L[segment];
    else current = undefined;
  });
  if (current === undefined) throw new Error(`no value at path ${JSON.stringify(path)}`);
  return current;
}

function ownValue(map: Record<string, AttributeValue>, name: string): AttributeValue | undefined {
  return Object.hasOwn(map, name) ? map[name] : undefined;
}

/** Attribute names in code-unit order, list indexes in numeric order, a parent before its children. */
export function comparePaths(a: DiffPath, b: DiffPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    const [sx, sy] = [String(x), String(y)];
    if (sx !== sy) return sx < sy ? -1 : 1;
    return typeof x === "number" ? -1 : 1;
  }
  return a.length - b.length;
}
