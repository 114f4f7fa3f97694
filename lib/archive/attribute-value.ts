import { z } from "zod";

/**
 * DynamoDB's typed JSON, as stream records and the low-level API carry it.
 * Numbers stay strings (up to 38 digits); binary stays base64.
 */
export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { BOOL: boolean }
  | { NULL: true };

export type AttributeMap = Record<string, AttributeValue>;

/**
 * z.record for attribute and key maps. zod's record (like any `out[k] = v` copy)
 * silently drops an own "__proto__" entry, and DynamoDB allows an attribute of that
 * name: Object.fromEntries keeps it as an ordinary property.
 */
export function attributeRecord<T>(valueSchema: z.ZodType<T>): z.ZodType<Record<string, T>> {
  return z
    .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "must be a map of attributes")
    .transform((map, ctx) => {
      const entries: Array<[string, T]> = [];
      for (const [name, value] of Object.entries(map)) {
        const result = valueSchema.safeParse(value);
        if (result.success) entries.push([name, result.data]);
        else for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: [name, ...issue.path] });
      }
      return Object.fromEntries(entries);
    });
}

const number = z.string().regex(/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/, "must be a DynamoDB number string");
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64");

export const attributeValueSchema: z.ZodType<AttributeValue> = z.lazy(() =>
  z.union([
    z.strictObject({ S: z.string() }),
    z.strictObject({ N: number }),
    z.strictObject({ B: base64 }),
    z.strictObject({ SS: z.array(z.string()) }),
    z.strictObject({ NS: z.array(number) }),
    z.strictObject({ BS: z.array(base64) }),
    z.strictObject({ M: attributeRecord(attributeValueSchema) }),
    z.strictObject({ L: z.array(attributeValueSchema) }),
    z.strictObject({ BOOL: z.boolean() }),
    z.strictObject({ NULL: z.literal(true) }),
  ]),
);

export const attributeMapSchema: z.ZodType<AttributeMap> = attributeRecord(attributeValueSchema);

/** A key attribute: only scalar types can be keys. */
export type KeyValue = { S: string } | { N: string } | { B: string };

export const keyValueSchema: z.ZodType<KeyValue> = z.union([
  z.strictObject({ S: z.string() }),
  z.strictObject({ N: number }),
  z.strictObject({ B: base64 }),
]);

/** A key value as it reads on screen: S and N as they are, B as base64. */
export function keyValueText(value: KeyValue): string {
  if ("S" in value) return value.S;
  if ("N" in value) return value.N;
  return value.B;
}

export function keyValueBytes(value: KeyValue): Buffer {
  if ("B" in value) return Buffer.from(value.B, "base64");
  return Buffer.from("S" in value ? value.S : value.N, "utf8");
}

/**
 * Converts SDK-shaped values (Uint8Array for binary, as the DynamoDB Streams API
 * client returns them) into typed JSON with base64 binary. Plain typed JSON passes through.
 */
export function toTypedJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map(toTypedJson);
  if (value instanceof Set) return [...value].map(toTypedJson);
  if (value instanceof Date) return value.getTime() / 1000;
  if (value && typeof value === "object") {
    // fromEntries, not `out[k] = v`: an attribute may be named "__proto__".
    return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, toTypedJson(v)]])));
  }
  return value;
}
