import type { AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb";
import { attributeMapSchema, toTypedJson, type AttributeMap, type AttributeValue } from "../archive/attribute-value";

/**
 * The DynamoDB client carries binary as Uint8Array; Lazarus keeps typed JSON with
 * base64. Numbers stay strings both ways.
 */
export function toSdkItem(item: Record<string, AttributeValue>): Record<string, SdkAttributeValue> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, toSdkValue(value)]));
}

export function toSdkValue(value: AttributeValue): SdkAttributeValue {
  if ("B" in value) return { B: Buffer.from(value.B, "base64") };
  if ("BS" in value) return { BS: value.BS.map((b) => Buffer.from(b, "base64")) };
  if ("M" in value) return { M: toSdkItem(value.M) };
  if ("L" in value) return { L: value.L.map(toSdkValue) };
  return value as SdkAttributeValue;
}

/** Parses what GetItem returned; throws if DynamoDB sent something that is not typed JSON. */
export function fromSdkItem(item: Record<string, SdkAttributeValue>): AttributeMap {
  return attributeMapSchema.parse(toTypedJson(item));
}
