import "server-only";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { AthenaClient } from "@aws-sdk/client-athena";
import { createAthenaClient, createDynamoDBClient, createS3Client } from "../aws/clients";
import type { LazarusConfig } from "../config/schema";

export interface ConsoleClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

let cached: { region: string; clients: ConsoleClients } | undefined;

/** One set of clients per process: SDK clients hold connection pools and credential caches. */
export function consoleClients(config: LazarusConfig): ConsoleClients {
  if (cached?.region !== config.region) {
    cached = { region: config.region, clients: { s3: createS3Client({ region: config.region }), dynamodb: createDynamoDBClient({ region: config.region }) } };
  }
  return cached.clients;
}

let athena: { region: string; client: Promise<AthenaClient> } | undefined;

/** The process's Athena client, made on the first search that needs it. */
export function consoleAthenaClient(config: LazarusConfig): Promise<AthenaClient> {
  if (athena?.region !== config.region) athena = { region: config.region, client: createAthenaClient({ region: config.region }) };
  return athena.client;
}
