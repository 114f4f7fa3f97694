import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { listDays } from "../../lib/archive/archive-reader";
import { dayPrefix } from "../../lib/archive/layout";
import { dayManifestKey } from "../../lib/archive/sealed-format";
import { createDynamoDBClient, createIamClient, createLambdaClient, createS3Client, createSqsClient, createDynamoDBStreamsClient } from "../../lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { startLocalStack, type LocalStack } from "../../scripts/local-stack/local-stack";
import { provisionLocalStack } from "../../scripts/local-stack/provision";
import { motoEnv } from "../support/aws";
import { archiveAll, deletionsOfDay } from "../support/sealing";
import { FAST_RUNNER, listKeys, localStackConfig, waitFor } from "./local-stack-fixtures";

/**
 * The local stack seals closed days as the scheduled sealer does in AWS: at start, then on
 * its timer; a day it cannot seal is logged and the stack carries on.
 */

const stacks: LocalStack[] = [];
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

const DAY_MS = 86_400_000;
const today = new Date();
const dayAgo = (n: number) => {
  const d = new Date(today.getTime() - n * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
};

let s3: S3Client;
let config: LazarusConfig;
let service: ServiceConfig;

async function dayState(day: { year: number; month: number; day: number }) {
  const month = await listDays(s3, config, service, day);
  const found = month.days.find((d) => d.day.day === day.day);
  const objects = await listKeys(s3, config.archive.bucket, dayPrefix(config.archive.prefix, service.name, day));
  return { records: found?.records ?? 0, sealed: found?.sealed, objects: objects.length };
}

beforeAll(async () => {
  const { endpoint, region } = motoEnv();
  config = localStackConfig({});
  service = config.services[0]!;
  s3 = createS3Client({ region });
  const clientOptions = { region, endpoint };
  const clients = {
    s3,
    dynamodb: createDynamoDBClient(clientOptions),
    streams: createDynamoDBStreamsClient(clientOptions),
    sqs: createSqsClient(clientOptions),
    lambda: createLambdaClient(clientOptions),
    iam: createIamClient(clientOptions),
  };
  await provisionLocalStack(config, clients);
}, 60_000);

describe("local stack sealing", () => {
  it("seals the closed days at start, leaves yesterday and today open, then seals on its timer, and logs a day it cannot seal", async () => {
    const { endpoint } = motoEnv();
    const [tenDaysAgo, nineDaysAgo, eightDaysAgo, yesterday] = [dayAgo(10), dayAgo(9), dayAgo(8), dayAgo(1)];
    await archiveAll(s3, config, service, [...deletionsOfDay(tenDaysAgo, 7, "A"), ...deletionsOfDay(yesterday, 4, "Y")]);
    // A damaged manifest: the sealer must leave the day alone and say so.
    await archiveAll(s3, config, service, deletionsOfDay(eightDaysAgo, 3, "B"));
    await s3.send(new PutObjectCommand({ Bucket: config.archive.bucket, Key: dayManifestKey(config.archive.prefix, service.name, eightDaysAgo), Body: "{not json" }));

    const logs: string[] = [];
    const stack = await startLocalStack({ config, endpoint, runner: FAST_RUNNER, sweeper: { intervalMs: 3_600_000 }, sealer: { intervalMs: 300 }, log: (m) => logs.push(m) });
    stacks.push(stack);
    const first = await stack.sealer!.firstRun;
    expect(first.sealed.map((d) => d.date)).toContain(formatted(tenDaysAgo));
    expect(first.failures).toEqual([{ service: service.name, date: formatted(eightDaysAgo), problem: expect.stringContaining("not valid JSON") }]);
    expect(logs.some((l) => l.includes(`sealing ${service.name} ${formatted(eightDaysAgo)} failed`))).toBe(true);

    expect(await dayState(tenDaysAgo)).toMatchObject({ records: 7, sealed: { records: 7 }, objects: 0 });
    const open = await dayState(yesterday);
    expect(open).toMatchObject({ records: 4, objects: 4 });
    expect(open.sealed).toBeUndefined();

    // Later arrivals: a new closed day and a late record in the sealed one, sealed by the timer alone.
    await archiveAll(s3, config, service, [...deletionsOfDay(nineDaysAgo, 5, "C"), ...deletionsOfDay(tenDaysAgo, 1, "LATE")]);
    await waitFor("the timer to seal the new day and fold in the late record", async () => {
      const [nine, ten] = await Promise.all([dayState(nineDaysAgo), dayState(tenDaysAgo)]);
      return nine.sealed?.records === 5 && nine.objects === 0 && ten.sealed?.records === 8 && ten.objects === 0 ? true : undefined;
    });
    // The stack is still up and the damaged day still readable as objects, not lost.
    expect((await dayState(eightDaysAgo)).objects).toBe(3);
  }, 90_000);

  it("with a bucket that locks every object, says sealing is off and starts anyway", async () => {
    const { endpoint } = motoEnv();
    const locked = localStackConfig({ objectLock: true });
    const logs: string[] = [];
    const stack = await startLocalStack({ config: locked, endpoint, runner: FAST_RUNNER, sweeper: { intervalMs: 3_600_000 }, log: (m) => logs.push(m) });
    stacks.push(stack);
    expect(await stack.sealer!.firstRun).toEqual({ sealed: [], failures: [] });
    expect(logs.some((l) => l.startsWith("sealing is off: "))).toBe(true);
  }, 60_000);
});

function formatted(day: { year: number; month: number; day: number }): string {
  return `${day.year}-${String(day.month).padStart(2, "0")}-${String(day.day).padStart(2, "0")}`;
}
