import { afterEach, describe, expect, it } from "vitest";
import { DeleteItemCommand, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { createDynamoDBClient, createS3Client } from "../../lib/aws/clients";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack/local-stack";
import { startTtlSweeper } from "../../scripts/local-stack/ttl-sweeper";
import { motoEnv } from "../support/aws";
import { FAST_RUNNER, countVersions, localStackConfig, partitionKeyOf, readArchive, waitFor } from "./local-stack-fixtures";

const stacks: LocalStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A stack whose own sweeper never runs: the test drives one it controls. */
async function stackDrivingItsOwnSweeper() {
  const { endpoint, region } = motoEnv();
  const config = localStackConfig({});
  const stack = await startLocalStack({ config, endpoint, runner: FAST_RUNNER, sweeper: { intervalMs: 3_600_000 } });
  stacks.push(stack);
  return { stack, config, region, table: config.services[0]!.table.name, dynamodb: createDynamoDBClient({ region }) };
}

function item(pk: string, extra: Record<string, AttributeValue> = {}): Record<string, AttributeValue> {
  return { PK: { S: pk }, SK: { S: "profile" }, name: { S: `name of ${pk}` }, ...extra };
}

describe("local stack: deletions reach the archive", () => {
  it("archives every manual and TTL deletion exactly once, with its deletion type, and leaves live items alone", async () => {
    const { endpoint, region } = motoEnv();
    const config = localStackConfig({ batchSize: 4 });
    const stack = await startLocalStack({ config, endpoint, runner: FAST_RUNNER, sweeper: { intervalMs: 100, idleIntervalMs: 100 } });
    stacks.push(stack);
    const table = config.services[0]!.table.name;
    const dynamodb = createDynamoDBClient({ region });
    const s3 = createS3Client({ region });
    const put = (i: Record<string, AttributeValue>) => dynamodb.send(new PutItemCommand({ TableName: table, Item: i }));
    const del = (pk: string) => dynamodb.send(new DeleteItemCommand({ TableName: table, Key: { PK: { S: pk }, SK: { S: "profile" } } }));
    const exists = async (pk: string) =>
      Boolean((await dynamodb.send(new GetItemCommand({ TableName: table, Key: { PK: { S: pk }, SK: { S: "profile" } } }))).Item);

    const manual = ["manual-1", "manual-2", "manual/../3", "manual#4"];
    const expiring = ["ttl-1", "ttl-2", "ttl-3"];
    const live = {
      "future-ttl": { expiresAt: { N: String(nowSeconds() + 3_600) } },
      "ttl-as-string": { expiresAt: { S: String(nowSeconds() - 60) } },
      "ttl-older-than-five-years": { expiresAt: { N: String(nowSeconds() - 6 * 365 * 86_400) } },
      "no-ttl": {},
    };
    for (const pk of manual) await put(item(pk, { expiresAt: { N: String(nowSeconds() + 3_600) } }));
    for (const [pk, extra] of Object.entries(live)) await put(item(pk, extra));
    for (const pk of expiring) await put(item(pk, { expiresAt: { N: String(nowSeconds() - 60) }, big: { N: "12345678901234567890123456789012345678" } }));
    for (const pk of manual) await del(pk);
    // The same key deleted, re-created and deleted again is two deletions.
    await put(item("manual-1", { version: { N: "2" } }));
    await del("manual-1");

    await waitFor("the TTL sweeper to delete the expired items", async () => {
      const remaining = await Promise.all(expiring.map(exists));
      return remaining.some(Boolean) ? undefined : true;
    });
    const deletions = manual.length + 1 + expiring.length;
    const archive = await waitFor("every deletion and its index entry", async () => {
      const a = await readArchive(s3, config);
      return a.deletions.length >= deletions && a.indexKeys.length >= deletions ? a : undefined;
    });

    const byKey = new Map<string, string[]>();
    for (const d of archive.deletions) byKey.set(partitionKeyOf(d), [...(byKey.get(partitionKeyOf(d)) ?? []), d.deletionType]);
    expect(Object.fromEntries(byKey)).toEqual({
      "manual-1": ["manual", "manual"],
      "manual-2": ["manual"],
      "manual/../3": ["manual"],
      "manual#4": ["manual"],
      "ttl-1": ["ttl"],
      "ttl-2": ["ttl"],
      "ttl-3": ["ttl"],
    });
    expect(new Set(archive.deletions.map((d) => d.eventId)).size).toBe(archive.deletions.length);
    expect(archive.indexKeys).toHaveLength(archive.deletions.length);
    // Nothing was written twice: one version per archive object and per index entry.
    expect(await countVersions(s3, config.archive.bucket, `${config.services[0]!.name}/`)).toBe(2 * archive.deletions.length);

    const ttl1 = archive.deletions.find((d) => partitionKeyOf(d) === "ttl-1")!;
    expect(ttl1.oldImage.big).toEqual({ N: "12345678901234567890123456789012345678" });
    expect((ttl1.raw as { record: { userIdentity?: unknown } }).record.userIdentity).toEqual({
      type: "Service",
      principalId: "dynamodb.amazonaws.com",
    });
    for (const pk of Object.keys(live)) expect(await exists(pk), pk).toBe(true);
  });

  it("sweeps again when the earliest item it saw expires, well before its longest interval", async () => {
    const { stack, config, region, table, dynamodb } = await stackDrivingItsOwnSweeper();
    const exists = async (pk: string) =>
      Boolean((await dynamodb.send(new GetItemCommand({ TableName: table, Key: { PK: { S: pk }, SK: { S: "profile" } } }))).Item);
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item("expires-soon", { expiresAt: { N: String(nowSeconds() + 2) } }) }));
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item("expires-later", { expiresAt: { N: String(nowSeconds() + 3_600) } }) }));

    const sweeps: number[] = [];
    const sweeperClient = createDynamoDBClient({ region });
    sweeperClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "ScanCommand") sweeps.push(Date.now());
        return next(args);
      },
      { step: "initialize", name: "countSweeps" },
    );
    const started = Date.now();
    const sweeper = startTtlSweeper({ config, dynamodb: sweeperClient, ledger: stack.ledger, intervalMs: 100, idleIntervalMs: 60_000 });
    try {
      await waitFor("the item to be deleted when it expires", async () => ((await exists("expires-soon")) ? undefined : true), 10_000);
    } finally {
      await sweeper.stop();
    }
    // One sweep saw it before it expired, the next came once it had: not one a second, nor one a minute later.
    expect(sweeps.length).toBe(2);
    expect(sweeps[1]! - started).toBeLessThan(5_000);
    expect(await exists("expires-later")).toBe(true);
  });

  it("labels a manual delete of an expired item manual, waits for a TTL delete in flight, and keeps an item whose TTL was extended meanwhile", async () => {
    const { stack, config, region, table, dynamodb } = await stackDrivingItsOwnSweeper();
    const s3 = createS3Client({ region });
    const expired = { expiresAt: { N: String(nowSeconds() - 60) } };
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item("deleted-by-hand-first", expired) }));
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item("extended-meanwhile", expired) }));
    await dynamodb.send(new PutItemCommand({ TableName: table, Item: item("expires", expired) }));

    // A writer that extends "extended-meanwhile" and deletes "deleted-by-hand-first" just
    // before the sweeper's DeleteItem for them reaches the table, and a slow response for "expires".
    const racingClient = createDynamoDBClient({ region });
    const sweeperClient = createDynamoDBClient({ region });
    sweeperClient.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: { PK?: { S?: string } } }).Key?.PK?.S;
        if (context.commandName === "DeleteItemCommand" && key === "extended-meanwhile") {
          await racingClient.send(
            new UpdateItemCommand({
              TableName: table,
              Key: { PK: { S: key }, SK: { S: "profile" } },
              UpdateExpression: "SET expiresAt = :later",
              ExpressionAttributeValues: { ":later": { N: String(nowSeconds() + 3_600) } },
            }),
          );
        }
        if (context.commandName === "DeleteItemCommand" && key === "deleted-by-hand-first") {
          await racingClient.send(new DeleteItemCommand({ TableName: table, Key: { PK: { S: key }, SK: { S: "profile" } } }));
        }
        const output = await next(args);
        // The runner reads the REMOVE record before the sweeper hears back from DeleteItem.
        if (context.commandName === "DeleteItemCommand" && key === "expires") await new Promise((r) => setTimeout(r, 500));
        return output;
      },
      { step: "initialize", name: "raceTheSweeper" },
    );
    const sweeper = startTtlSweeper({ config, dynamodb: sweeperClient, ledger: stack.ledger, intervalMs: 3_600_000 });
    const [result] = await sweeper.sweepOnce();
    await sweeper.stop();

    expect(result).toMatchObject({ expired: 3, deleted: 1, skipped: 2 });
    const extended = await dynamodb.send(
      new GetItemCommand({ TableName: table, Key: { PK: { S: "extended-meanwhile" }, SK: { S: "profile" } } }),
    );
    expect(Number(extended.Item?.expiresAt?.N)).toBeGreaterThan(nowSeconds());

    const archive = await waitFor("both deletions to be archived", async () => {
      const a = await readArchive(s3, config);
      return a.deletions.length >= 2 ? a : undefined;
    });
    expect(Object.fromEntries(archive.deletions.map((d) => [partitionKeyOf(d), d.deletionType]))).toEqual({
      "deleted-by-hand-first": "manual",
      expires: "ttl",
    });
    // The sweeper's one deletion was claimed by its REMOVE record; the two it gave up left no mark.
    expect(stack.ledger.size()).toBe(0);
  });
});
