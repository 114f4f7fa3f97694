import "server-only";
import type { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { createDynamoDBStreamsClient, createSqsClient } from "../aws/clients";
import type { LazarusConfig } from "../config/schema";
import { consoleClients } from "../http/clients";

export interface DlqClients {
  s3: S3Client;
  sqs: SQSClient;
  streams: DynamoDBStreamsClient;
}

let cached: { region: string; sqs: SQSClient; streams: DynamoDBStreamsClient } | undefined;

/** The console's S3 client plus SQS and DynamoDB Streams, made once per process. */
export function dlqClients(config: LazarusConfig): DlqClients {
  if (cached?.region !== config.region) {
    cached = { region: config.region, sqs: createSqsClient({ region: config.region }), streams: createDynamoDBStreamsClient({ region: config.region }) };
  }
  return { s3: consoleClients(config).s3, sqs: cached.sqs, streams: cached.streams };
}
