import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { createCloudWatchClient, createDynamoDBClient, createLambdaClient, createS3Client, createSqsClient } from "@/lib/aws/clients";
import { parseConfig } from "@/lib/config/load";
import { buildProtectionReport, DESCRIBE_RATES } from "@/lib/protection/protection-report";
import { TtlCache } from "@/lib/protection/ttl-cache";
import { uniqueName, motoEnv } from "../support/aws";

/**
 * A cold report for a fleet of tables stays under DynamoDB's control-plane rates:
 * every describe call is timed at the SDK, and no one-second window holds more calls
 * of one API than its limit.
 */

const TABLES = 24;
/** DescribeContinuousBackups' documented rate, roughly: about 10 calls a second. */
const AWS_RATE = 10;

function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (sorted[i]! - sorted[j]! >= 1_000) j += 1;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe("describe calls for a fleet", () => {
  it(`keep DescribeContinuousBackups and DescribeTimeToLive under their rates for ${TABLES} tables on a cold cache`, async () => {
    const { region } = motoEnv();
    const dynamodb = createDynamoDBClient({ region });
    const times = new Map<string, number[]>();
    dynamodb.middlewareStack.add(
      (next, context) => async (args) => {
        const name = context.commandName ?? "unknown";
        times.set(name, [...(times.get(name) ?? []), Date.now()]);
        return next(args);
      },
      { step: "finalizeRequest", name: "describeTimes" },
    );
    const tables = Array.from({ length: TABLES }, () => uniqueName("fleet"));
    for (const table of tables) {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "PK", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "PK", KeyType: "HASH" }],
        }),
      );
    }
    times.clear();
    const config = parseConfig({
      region,
      archive: { bucket: uniqueName("fleet-archive") },
      services: tables.map((table, i) => ({
        name: `fleet-${i}`,
        table: { name: table, partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: `archiver-${i}` },
        onFailure: { type: "sqs", queueName: `dlq-${i}` },
      })),
    });

    const report = await buildProtectionReport(
      { dynamodb, lambda: createLambdaClient({ region }), sqs: createSqsClient({ region }), cloudwatch: createCloudWatchClient({ region }), s3: createS3Client({ region }) },
      config,
      { cache: new TtlCache(30_000) },
    );

    expect(report.services).toHaveLength(TABLES);
    expect(times.get("DescribeContinuousBackupsCommand")).toHaveLength(TABLES);
    expect(times.get("DescribeTimeToLiveCommand")).toHaveLength(TABLES);
    // The console aims below AWS's rate (about 10 a second) so that jitter between the
    // throttle and the wire cannot push a second over it.
    expect(DESCRIBE_RATES.pitr).toBeLessThan(AWS_RATE);
    expect(busiestSecond(times.get("DescribeContinuousBackupsCommand")!)).toBeLessThanOrEqual(AWS_RATE);
    expect(busiestSecond(times.get("DescribeTimeToLiveCommand")!)).toBeLessThanOrEqual(AWS_RATE);
    // Unthrottled, the same fleet would send them all at once.
    expect(TABLES).toBeGreaterThan(2 * AWS_RATE);
  }, 120_000);
});
