import { configSchema, type LazarusConfig } from "../config/schema";

/** A parsed config for the protection tests: one SQS-destination service, one S3-destination service. */
export function protectionTestConfig(overrides: { protection?: Record<string, number> } = {}): LazarusConfig {
  return configSchema.parse({
    region: "us-east-1",
    archive: { bucket: "lazarus-archive" },
    services: [
      {
        name: "usr-contact-svc",
        table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" }, ttlAttribute: "expiresAt" },
        archiver: { functionName: "lazarus-archiver-usr-contact-svc" },
        onFailure: { type: "sqs", queueName: "lazarus-usr-contact-svc-dlq" },
      },
      {
        name: "sor-service-order-svc",
        table: { name: "sor-service-order", partitionKey: { name: "PK", type: "S" } },
        archiver: { functionName: "lazarus-archiver-sor-service-order-svc" },
        onFailure: { type: "s3", bucket: "lazarus-archiver-failures" },
      },
    ],
    ...overrides,
  });
}
