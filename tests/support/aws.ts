import { randomBytes } from "node:crypto";
import { CreateTableCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";

/** Environment for talking to the run's moto_server through the real SDK. */
export function motoEnv(): { endpoint: string; region: string } {
  const endpoint = inject("motoEndpoint");
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_ACCESS_KEY_ID ??= "test";
  process.env.AWS_SECRET_ACCESS_KEY ??= "test";
  return { endpoint, region: "us-east-1" };
}

/** A name no other test file uses, valid for buckets, tables and queues. */
export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString("hex")}`;
}

/** An on-demand table keyed by string PK and SK, as most services in these tests are. */
export async function createPkSkTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "PK", AttributeType: "S" },
        { AttributeName: "SK", AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
}
