import type { AttributeValue } from "@/lib/archive/attribute-value";

export type AttributeType = "S" | "N" | "B" | "SS" | "NS" | "BS" | "M" | "L" | "BOOL" | "NULL";

export const TYPE_NAMES: Record<AttributeType, string> = {
  S: "String",
  N: "Number",
  B: "Binary",
  SS: "String set",
  NS: "Number set",
  BS: "Binary set",
  M: "Map",
  L: "List",
  BOOL: "Boolean",
  NULL: "Null",
};

export function attributeType(value: AttributeValue): AttributeType {
  return Object.keys(value)[0] as AttributeType;
}

/** Decoded length of a base64 string, without decoding it (works in the browser and on the server). */
export function base64ByteLength(base64: string): number {
  const clean = base64.replace(/\s/g, "");
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.floor((clean.length * 3) / 4) - padding;
}

export function pluralize(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}

/** A one-line text form for tables: scalars as they are, containers summarised. */
export function summarizeAttribute(value: AttributeValue): string {
  if ("S" in value) return value.S;
  if ("N" in value) return value.N;
  if ("B" in value) return `${value.B} (${pluralize(base64ByteLength(value.B), "byte")})`;
  if ("BOOL" in value) return String(value.BOOL);
  if ("NULL" in value) return "null";
  if ("SS" in value) return `[${value.SS.map((s) => JSON.stringify(s)).join(", ")}]`;
  if ("NS" in value) return `[${value.NS.join(", ")}]`;
  if ("BS" in value) return `[${value.BS.join(", ")}]`;
  if ("M" in value) return pluralize(Object.keys(value.M).length, "attribute");
  return pluralize(value.L.length, "item");
}
