import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";
import { parseConfig } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import type { LocalPrincipal } from "../../scripts/local-stack/cloudtrail-events";
import { uniqueName } from "./aws";

/** The demo's two callers: a support engineer deleting by hand, and the clean-up job's role. */
export const supportEngineer: LocalPrincipal = { accountId: "111122223333", roleName: "support-engineer", sessionName: "nina.support", sourceIp: "192.0.2.10", userAgent: "aws-cli/2.15.30" };
export const cleanupJob = (sessionName: string): LocalPrincipal => ({ accountId: "111122223333", roleName: "order-cleanup-job", sessionName, sourceIp: "10.0.4.17", userAgent: "aws-sdk-js/3.600.0" });

/** The contact and order services of the demo, as `{ serviceName: tableName }`. */
export const contactAndOrderTables = { "usr-contact-svc": "usr-contact", "sor-service-order-svc": "sor-service-order" };

/**
 * A fresh bucket and a config with attribution on, one PK/SK service per table given.
 * Each service fails to an SQS queue, as the demo's do.
 */
export async function attributionConfig(
  s3: S3Client,
  region: string,
  options: { bucketName: string; tables: Record<string, string>; versioned?: boolean; deliveryDelayMinutes?: number },
): Promise<LazarusConfig> {
  const bucket = uniqueName(options.bucketName);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (options.versioned) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  return parseConfig({
    region,
    archive: { bucket, prefix: "deleted/" },
    services: Object.entries(options.tables).map(([name, table]) => ({
      name,
      table: { name: table, partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
      archiver: { functionName: `archiver-${name}` },
      onFailure: { type: "sqs", queueName: `${name}-dlq` },
    })),
    attribution: { enabled: true, ...(options.deliveryDelayMinutes === undefined ? {} : { deliveryDelayMinutes: options.deliveryDelayMinutes }) },
  });
}
