import "server-only";
import { createHash } from "node:crypto";
import { GetItemCommand, ResourceNotFoundException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AttributeMap, KeyValue } from "../archive/attribute-value";
import { canonicalItemJson } from "../diff/canonical-item";
import { fromSdkItem, toSdkItem } from "./sdk-attribute-value";
import { DomainError } from "../errors/domain-error";

/** GetItem's "resource not found" does not say which table; this does. */
export class LiveTableNotFoundError extends DomainError {
  override name = "LiveTableNotFoundError";
  constructor(readonly table: string, options?: { cause: unknown }) {
    super(404, "table-not-found", `The DynamoDB table "${table}" does not exist in this AWS account and region.`, options);
  }
}

/** The item that holds a key right now: a strongly consistent read, so a write a moment ago is seen. */
export async function getLiveItem(dynamodb: DynamoDBClient, table: string, key: Record<string, KeyValue>): Promise<AttributeMap | null> {
  try {
    const response = await dynamodb.send(new GetItemCommand({ TableName: table, Key: toSdkItem(key), ConsistentRead: true }));
    return response.Item ? fromSdkItem(response.Item) : null;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) throw new LiveTableNotFoundError(table, { cause: error });
    throw error;
  }
}

export const ABSENT_FINGERPRINT = "absent";

/**
 * Names the exact content of a live item (SHA-256 of its canonical JSON), so the
 * browser can say which item the user looked at without sending it back.
 */
export function itemFingerprint(item: AttributeMap | null): string {
  if (item === null) return ABSENT_FINGERPRINT;
  return createHash("sha256").update(canonicalItemJson(item), "utf8").digest("hex");
}
