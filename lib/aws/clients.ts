import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { SQSClient } from "@aws-sdk/client-sqs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { IAMClient } from "@aws-sdk/client-iam";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { AthenaClient } from "@aws-sdk/client-athena";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * The one place AWS clients are made. The endpoint comes from AWS_ENDPOINT_URL
 * (moto_server locally); without it the SDK uses the default AWS endpoints.
 */
export interface AwsClientOptions {
  region: string;
  /** Overrides AWS_ENDPOINT_URL; used by tests that run their own endpoint. */
  endpoint?: string;
  maxAttempts?: number;
}

export function awsEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.AWS_ENDPOINT_URL?.trim();
  return value ? value : undefined;
}

function baseConfig(options: AwsClientOptions) {
  const endpoint = options.endpoint ?? awsEndpoint();
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return {
    region: options.region,
    maxAttempts: options.maxAttempts ?? 5,
    ...(endpoint
      ? {
          endpoint,
          // A local emulator accepts any credentials; do not make a newcomer invent some.
          ...(hasCredentials ? {} : { credentials: { accessKeyId: "local", secretAccessKey: "local" } }),
        }
      : {}),
  };
}

export function createS3Client(options: AwsClientOptions): S3Client {
  const custom = Boolean(options.endpoint ?? awsEndpoint());
  return new S3Client({
    ...baseConfig(options),
    // Local endpoints have no per-bucket DNS names, and S3-compatible servers
    // reject the default CRC checksums the SDK now adds to every request.
    ...(custom
      ? { forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
      : {}),
  });
}

export function createDynamoDBClient(options: AwsClientOptions): DynamoDBClient {
  return new DynamoDBClient(baseConfig(options));
}

export function createDynamoDBStreamsClient(options: AwsClientOptions): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient(baseConfig(options));
}

export function createSqsClient(options: AwsClientOptions): SQSClient {
  return new SQSClient(baseConfig(options));
}

export function createLambdaClient(options: AwsClientOptions): LambdaClient {
  return new LambdaClient(baseConfig(options));
}

export function createIamClient(options: AwsClientOptions): IAMClient {
  return new IAMClient(baseConfig(options));
}

export function createCloudWatchClient(options: AwsClientOptions): CloudWatchClient {
  return new CloudWatchClient(baseConfig(options));
}

/** Loaded on first use, like SNS: only content searches with search.engine "athena" query Athena. */
export async function createAthenaClient(options: AwsClientOptions): Promise<AthenaClient> {
  const { AthenaClient } = await import("@aws-sdk/client-athena");
  return new AthenaClient(baseConfig(options));
}

/** Loaded on first use: only alert deliveries publish, and every module that makes a client imports this file. */
export async function createSnsClient(options: AwsClientOptions): Promise<SNSClient> {
  const { SNSClient } = await import("@aws-sdk/client-sns");
  return new SNSClient(baseConfig(options));
}

/** Loaded on first use: only the scheduled functions read a secret (the alert webhook's URL). */
export async function createSecretsManagerClient(options: AwsClientOptions): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  return new SecretsManagerClient(baseConfig(options));
}
