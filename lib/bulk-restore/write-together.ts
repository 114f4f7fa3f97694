import "server-only";
import { randomUUID } from "node:crypto";
import { TransactionCanceledException, TransactWriteItemsCommand, type CancellationReason, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { AttributeMap, KeyValue } from "../archive/attribute-value";
import { getLiveItem, itemFingerprint } from "../restore/live-item";
import { fromSdkItem, toSdkItem } from "../restore/sdk-attribute-value";
import type { ItemResult, PlanItem } from "./job-types";
import { DEFAULT_BACKOFF, withBackoff, type BackoffOptions } from "./retry";

/**
 * Writes items the plan found absent in TransactWriteItems of up to 100, each Put
 * conditioned on the item still being absent, instead of one PutItem each: about a
 * hundredth of the requests, at twice the write capacity (a transaction's price).
 * A cancelled transaction says per item why: an item that exists now is settled as
 * the per-item path would settle it, the others go again without it, and anything
 * else (a conflict with another transaction, a throttled partition, a refused item)
 * is handed to the per-item path, which reports its own outcome.
 */

export const MAX_TRANSACTION_ITEMS = 100;
/** TransactWriteItems refuses more than 4 MB in all; groups stay under it with room for names and conditions. */
export const MAX_TRANSACTION_BYTES = 3.5 * 1024 * 1024;
/** Rounds of "write the rest again" after items turned out to exist; more than this goes item by item. */
const MAX_ROUNDS = 3;

export const ALREADY_RESTORED_MESSAGE = "already restored: the live item equals the archived one (an earlier run wrote it)";
export const CHANGED_SINCE_PLAN_MESSAGE = "skipped: live item appeared/changed since the plan; it was not overwritten";
export const RESTORED_ABSENT_MESSAGE = "restored (no live item)";

export interface AbsentWrite {
  item: PlanItem;
  /** The image to write, with the run's TTL choice applied. */
  image: AttributeMap;
}

export interface WriteTogetherDeps {
  dynamodb: DynamoDBClient;
  backoff?: BackoffOptions;
}

/** Splits writes into transactions by count and by size, keeping their order. */
export function transactionGroups(writes: AbsentWrite[], maxItems = MAX_TRANSACTION_ITEMS, maxBytes = MAX_TRANSACTION_BYTES): AbsentWrite[][] {
  const groups: AbsentWrite[][] = [];
  let group: AbsentWrite[] = [];
  let bytes = 0;
  for (const write of writes) {
    const size = Buffer.byteLength(JSON.stringify(write.image));
    if (group.length > 0 && (group.length >= maxItems || bytes + size > maxBytes)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(write);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/**
 * Writes one group; returns the settled results and the items left for the per-item
 * path. Never throws for the items' own problems.
 */
export async function writeAbsentTogether(
  deps: WriteTogetherDeps,
  table: { name: string; partitionKey: string },
  group: AbsentWrite[],
): Promise<{ results: ItemResult[]; alone: PlanItem[] }> {
  const results: ItemResult[] = [];
  const alone: PlanItem[] = [];
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  let pending = group;
  let attempts = 0;
  const settle = (write: AbsentWrite, outcome: ItemResult["outcome"], reason: string) =>
    results.push({ i: write.item.i, archiveKey: write.item.archiveKey, keyText: write.item.keyText, outcome, reason, attempts });

  for (let round = 0; pending.length > 0; round += 1) {
    if (round >= MAX_ROUNDS) {
      alone.push(...pending.map((w) => w.item));
      break;
    }
    // One token per round: a retry of the same request after a lost response is answered as the first, not refused.
    const token = randomUUID();
    const transactItems = pending.map((w) => ({
      Put: {
        TableName: table.name,
        Item: toSdkItem(w.image),
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": table.partitionKey },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    }));
    try {
      const sent = await withBackoff(() => deps.dynamodb.send(new TransactWriteItemsCommand({ ClientRequestToken: token, TransactItems: transactItems })), backoff);
      attempts += sent.attempts;
      for (const write of pending) settle(write, "restored", RESTORED_ABSENT_MESSAGE);
      pending = [];
    } catch (error) {
      attempts += 1;
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      if (!reasons || reasons.length !== pending.length) {
        alone.push(...pending.map((w) => w.item));
        break;
      }
      const again: AbsentWrite[] = [];
      for (const [k, write] of pending.entries()) {
        const reason = reasons[k] as CancellationReason;
        if (reason.Code === "ConditionalCheckFailed") {
          // Written by a run before a crash, or by someone else since the plan.
          const live = reason.Item ? fromSdkItem(reason.Item) : await liveItemOf(deps, table.name, write.item, backoff).catch(() => undefined);
          if (live === undefined) alone.push(write.item);
          else if (itemFingerprint(live) === itemFingerprint(write.image)) settle(write, "already-restored", ALREADY_RESTORED_MESSAGE);
          else settle(write, "skipped", CHANGED_SINCE_PLAN_MESSAGE);
        } else if (reason.Code === "None" || reason.Code === undefined) {
          again.push(write);
        } else {
          alone.push(write.item);
        }
      }
      pending = again;
    }
  }
  return { results, alone };
}

async function liveItemOf(deps: WriteTogetherDeps, table: string, item: PlanItem, backoff: BackoffOptions): Promise<AttributeMap | null> {
  return (await withBackoff(() => getLiveItem(deps.dynamodb, table, item.key as Record<string, KeyValue>), backoff)).value;
}
