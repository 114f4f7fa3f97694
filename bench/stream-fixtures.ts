import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";

const DAY = 86_400;
const START = Date.UTC(2025, 0, 1) / 1000;

/** A Lambda-shaped batch of REMOVE records spread over `days` days, every tenth one a TTL expiry. */
export function removeEvent(count: number, options: { days: number; pkOf?: (i: number) => string; seed?: number }): DynamoDBStreamEvent {
  const pkOf = options.pkOf ?? ((i: number) => `CONTACT#${String(i).padStart(7, "0")}`);
  const base = options.seed ?? 0;
  const records: DynamoDBRecord[] = [];
  for (let i = 0; i < count; i++) {
    const n = base + i;
    const pk = pkOf(n);
    const ttl = n % 10 === 0;
    const when = START + Math.floor((n * options.days * DAY) / Math.max(count, 1)) + (n % 3600);
    records.push({
      eventID: `bench-${n.toString(16).padStart(12, "0")}`,
      eventName: "REMOVE",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      eventSourceARN: "arn:aws:dynamodb:us-east-1:000000000000:table/bench/stream/2025-01-01T00:00:00.000",
      dynamodb: {
        ApproximateCreationDateTime: when,
        Keys: { PK: { S: pk }, SK: { S: "PROFILE" } },
        OldImage: {
          PK: { S: pk },
          SK: { S: "PROFILE" },
          email: { S: `user${n}@example.com` },
          name: { S: `Customer ${n}` },
          balance: { N: "12345678901234567890123456789012345678" },
          tags: { SS: ["a", "b"] },
          preferences: { M: { newsletter: { BOOL: true }, locale: { S: "en-GB" } } },
          ...(ttl ? { expiresAt: { N: String(when - 60) } } : {}),
        },
        SequenceNumber: String(100000000000000000000n + BigInt(n)),
        SizeBytes: 300,
        StreamViewType: "NEW_AND_OLD_IMAGES",
      },
      ...(ttl ? { userIdentity: { type: "Service", principalId: "dynamodb.amazonaws.com" } } : {}),
    });
  }
  return { Records: records };
}
