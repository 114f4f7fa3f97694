import "server-only";
import { BatchGetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AttributeMap, KeyValue } from "../archive/attribute-value";
import { fromSdkItem, toSdkItem } from "../restore/sdk-attribute-value";
import { backoffDelay, DEFAULT_BACKOFF, RetriesExhaustedError, sleep, withBackoff, type BackoffOptions } from "./retry";

/** BatchGetItem's limit per request. */
export const BATCH_GET_KEYS = 100;

/** The same key in one text, whatever order its attributes came in. */
export function keyId(key: Record<string, KeyValue>): string {
  return JSON.stringify(Object.keys(key).sort().map((name) => [name, key[name]]));
}

/**
 * The live items of many keys: one strongly consistent BatchGetItem per 100 keys.
 * DynamoDB may return some keys as UnprocessedKeys (capacity, 16 MB); those are
 * asked again with backoff until answered, so every key ends up found or absent.
 */
export async function batchGetLiveItems(
  dynamodb: DynamoDBClient,
  table: string,
  keys: Record<string, KeyValue>[],
  options: { backoff?: BackoffOptions; onRequest?: () => void } = {},
): Promise<Map<string, AttributeMap | null>> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const result = new Map<string, AttributeMap | null>();
  const unique = [...new Map(keys.map((k) => [keyId(k), k])).values()];
  for (let start = 0; start < unique.length; start += BATCH_GET_KEYS) {
    let pending = unique.slice(start, start + BATCH_GET_KEYS).map((k) => toSdkItem(k));
    for (let round = 1; pending.length > 0; round += 1) {
      if (round > backoff.maxAttempts) throw new RetriesExhaustedError(round - 1, new Error("UnprocessedKeys"));
      if (round > 1) await sleep(backoffDelay(round - 1, backoff));
      const request = pending;
      const { value: response } = await withBackoff(() => {
        options.onRequest?.();
        return dynamodb.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: request, ConsistentRead: true } } }));
      }, backoff);
      for (const sdkItem of response.Responses?.[table] ?? []) {
        const item = fromSdkItem(sdkItem);
        const key = pickKey(item, Object.keys(unique[0] ?? {}));
        result.set(keyId(key), item);
      }
      pending = response.UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  for (const key of unique) if (!result.has(keyId(key))) result.set(keyId(key), null);
  return result;
}

function pickKey(item: AttributeMap, names: string[]): Record<string, KeyValue> {
  return Object.fromEntries(names.map((name) => [name, item[name] as KeyValue]));
}
