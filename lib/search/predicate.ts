import type { AttributeMap, AttributeValue } from "../archive/attribute-value";
import { parseAttributePath, type PathSegment } from "./attribute-path";
import type { Condition } from "./content-query";
import { compareDynamoNumbers, isDynamoNumber } from "./dynamo-number";

/**
 * The one definition of what a condition means. The local engine evaluates it on the
 * archive's typed images (`matchesImage`); an SQL engine translates the same compiled
 * conditions (one case per operator, checked exhaustively), so the two cannot drift.
 *
 * On typed values:
 * - equals: S by text; N by numeric value (decimal strings, 38 digits, no rounding:
 *   "1.50" equals "1.5"); B by bytes (the value given as base64); BOOL by "true"/"false";
 *   a set (SS, NS, BS) when any member is equal.
 * - beginsWith, contains: S and SS members by text; B and BS members by bytes when the
 *   value is base64. Numbers are not text: use a number range.
 * - numberRange: N and NS members, bounds included.
 * - dateRange: S holding an ISO 8601 date or time; N as epoch seconds (how TTL
 *   attributes store time); bounds included, a bare end date takes in its whole day.
 * - exists: the path leads to a value, of any type (NULL too).
 * - caseInsensitive compares lower-cased text (String.prototype.toLowerCase).
 * A path through a list index or [*] looks inside lists; [*] matches when any element does.
 */

export type CompiledCondition =
  | { op: "equals" | "beginsWith" | "contains"; path: PathSegment[]; value: string; caseInsensitive: boolean; bytes?: Buffer }
  | { op: "numberRange"; path: PathSegment[]; min?: string; max?: string }
  | { op: "dateRange"; path: PathSegment[]; fromMs?: number; toMs?: number }
  | { op: "exists"; path: PathSegment[] };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function instantMs(text: string, endOfDay: boolean): number {
  if (ISO_DATE.test(text)) return Date.parse(`${text}T00:00:00Z`) + (endOfDay ? 86_399_999 : 0);
  return Date.parse(text);
}

/** Conditions checked by the query schema, made ready to evaluate (paths parsed, case folded). */
export function compileConditions(conditions: readonly Condition[]): CompiledCondition[] {
  return conditions.map((c): CompiledCondition => {
    const path = parseAttributePath(c.path);
    switch (c.op) {
      case "equals":
      case "beginsWith":
      case "contains": {
        const value = c.caseInsensitive ? c.value.toLowerCase() : c.value;
        const bytes = BASE64.test(c.value) ? Buffer.from(c.value, "base64") : undefined;
        return { op: c.op, path, value, caseInsensitive: c.caseInsensitive, ...(bytes && bytes.length > 0 ? { bytes } : {}) };
      }
      case "numberRange":
        return { op: c.op, path, ...(c.min !== undefined ? { min: c.min } : {}), ...(c.max !== undefined ? { max: c.max } : {}) };
      case "dateRange":
        return { op: c.op, path, ...(c.from !== undefined ? { fromMs: instantMs(c.from, false) } : {}), ...(c.to !== undefined ? { toMs: instantMs(c.to, true) } : {}) };
      case "exists":
        return { op: c.op, path };
    }
  });
}

/** Every value the path leads to in the image ([*] can lead to several). */
export function valuesAt(image: AttributeMap, path: readonly PathSegment[]): AttributeValue[] {
  let current: AttributeValue[] = [{ M: image }];
  for (const segment of path) {
    const next: AttributeValue[] = [];
    for (const value of current) {
      if (segment.kind === "name") {
        if ("M" in value && Object.hasOwn(value.M, segment.name)) next.push(value.M[segment.name] as AttributeValue);
      } else if ("L" in value) {
        if (segment.kind === "any") next.push(...value.L);
        else if (segment.index < value.L.length) next.push(value.L[segment.index] as AttributeValue);
      }
    }
    if (next.length === 0) return [];
    current = next;
  }
  return current;
}

function textMatches(condition: Extract<CompiledCondition, { value: string }>, text: string): boolean {
  const subject = condition.caseInsensitive ? text.toLowerCase() : text;
  if (condition.op === "equals") return subject === condition.value;
  if (condition.op === "beginsWith") return subject.startsWith(condition.value);
  return subject.includes(condition.value);
}

function bytesMatch(condition: Extract<CompiledCondition, { value: string }>, base64: string): boolean {
  if (!condition.bytes) return false;
  const bytes = Buffer.from(base64, "base64");
  if (condition.op === "equals") return bytes.equals(condition.bytes);
  if (condition.op === "beginsWith") return bytes.subarray(0, condition.bytes.length).equals(condition.bytes);
  return bytes.indexOf(condition.bytes) >= 0;
}

function numberEquals(value: string, n: string): boolean {
  return isDynamoNumber(value) && compareDynamoNumbers(n, value) === 0;
}

function inNumberRange(condition: Extract<CompiledCondition, { op: "numberRange" }>, n: string): boolean {
  if (!isDynamoNumber(n)) return false;
  return (condition.min === undefined || compareDynamoNumbers(n, condition.min) >= 0) && (condition.max === undefined || compareDynamoNumbers(n, condition.max) <= 0);
}

function inDateRange(condition: Extract<CompiledCondition, { op: "dateRange" }>, value: AttributeValue): boolean {
  let ms: number;
  if ("S" in value) {
    if (!/^\d{4}-\d{2}-\d{2}/.test(value.S)) return false;
    ms = instantMs(value.S, false);
  } else if ("N" in value) {
    ms = Number(value.N) * 1000;
  } else return false;
  if (Number.isNaN(ms)) return false;
  return (condition.fromMs === undefined || ms >= condition.fromMs) && (condition.toMs === undefined || ms <= condition.toMs);
}

function valueMatches(condition: CompiledCondition, value: AttributeValue): boolean {
  switch (condition.op) {
    case "exists":
      return true;
    case "equals":
    case "beginsWith":
    case "contains":
      if ("S" in value) return textMatches(condition, value.S);
      if ("SS" in value) return value.SS.some((s) => textMatches(condition, s));
      if ("B" in value) return bytesMatch(condition, value.B);
      if ("BS" in value) return value.BS.some((b) => bytesMatch(condition, b));
      if (condition.op !== "equals") return false;
      if ("N" in value) return numberEquals(condition.value, value.N);
      if ("NS" in value) return value.NS.some((n) => numberEquals(condition.value, n));
      if ("BOOL" in value) return String(value.BOOL) === condition.value;
      return false;
    case "numberRange":
      if ("N" in value) return inNumberRange(condition, value.N);
      if ("NS" in value) return value.NS.some((n) => inNumberRange(condition, n));
      return false;
    case "dateRange":
      return inDateRange(condition, value);
  }
}

/** Whether the item satisfies every condition (AND); no conditions match every item. */
export function matchesImage(conditions: readonly CompiledCondition[], image: AttributeMap): boolean {
  return conditions.every((condition) => valuesAt(image, condition.path).some((value) => valueMatches(condition, value)));
}
