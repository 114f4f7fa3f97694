import type { AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb";
import { NumberValueImpl, unmarshall } from "@aws-sdk/util-dynamodb";
import type { AttributeMap, AttributeValue } from "./attribute-value";

/**
 * An item as plain JSON (what an application wrote, without DynamoDB's type tags), for
 * people who read items that way. Numbers stay exact: they are unmarshalled as
 * NumberValue (`wrapNumbers: true`) and written as their own digits, never through a JS
 * number, so a 38-digit balance reads as stored. Sets become arrays, binary base64.
 */

const NUMBER_MARK = "\u0000n:";

function toSdk(value: AttributeValue): SdkAttributeValue {
  // Plain Uint8Arrays, not Buffers: a Buffer's toJSON would write its bytes as an array.
  if ("B" in value) return { B: Uint8Array.from(Buffer.from(value.B, "base64")) };
  if ("BS" in value) return { BS: value.BS.map((b) => Uint8Array.from(Buffer.from(b, "base64"))) };
  if ("M" in value) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, toSdk(v)])) };
  if ("L" in value) return { L: value.L.map(toSdk) };
  return value as SdkAttributeValue;
}

export function toPlainJson(item: AttributeMap, indent = 2): string {
  const sdkItem = Object.fromEntries(Object.entries(item).map(([k, v]) => [k, toSdk(v)]));
  const plain = unmarshall(sdkItem, { wrapNumbers: true });
  const text = JSON.stringify(
    plain,
    (_key, value: unknown) => {
      if (value instanceof NumberValueImpl) return `${NUMBER_MARK}${value.toString()}`;
      if (value instanceof Set) return [...value];
      if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
      return value;
    },
    indent,
  );
  // The marked strings hold a DynamoDB number's digits: written back unquoted, as JSON numbers.
  return text.replace(/"\\u0000n:([^"]*)"/g, "$1");
}
