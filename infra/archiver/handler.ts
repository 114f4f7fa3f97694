import { z } from "zod";
import { createArchiverHandler, type ArchiverTarget } from "../../lib/archive/archiver";
import { createS3Client } from "../../lib/aws/clients";
import { archivePrefix, attributeName, bucketName, serviceName, tableName } from "../../lib/config/schema";

/**
 * The archiver Lambda's entry point. Infra sets the variables below from
 * lazarus.config.json; a wrong one fails the cold start with its name.
 */
const envSchema = z.object({
  AWS_REGION: z.string().min(1, "must be set (Lambda sets it)"),
  ARCHIVE_BUCKET: bucketName,
  ARCHIVE_PREFIX: archivePrefix.default(""),
  SERVICE_NAME: serviceName,
  TABLE_NAME: tableName,
  PARTITION_KEY: attributeName,
  SORT_KEY: attributeName.optional(),
});

export class ArchiverEnvError extends Error {
  override name = "ArchiverEnvError";
}

export function parseArchiverEnv(env: Record<string, string | undefined>): { region: string; target: ArchiverTarget } {
  // An unset optional variable may arrive as "" from some deploy tools.
  const result = envSchema.safeParse({ ...env, SORT_KEY: env.SORT_KEY || undefined });
  if (!result.success) {
    const issues = result.error.issues
      .map((i) => `${i.path.join(".")} ${i.code === "invalid_type" && env[String(i.path[0])] === undefined ? "is not set" : i.message}`)
      .join("; ");
    throw new ArchiverEnvError(`archiver environment is invalid: ${issues}`);
  }
  const e = result.data;
  return {
    region: e.AWS_REGION,
    target: {
      bucket: e.ARCHIVE_BUCKET,
      prefix: e.ARCHIVE_PREFIX,
      service: e.SERVICE_NAME,
      table: e.TABLE_NAME,
      partitionKey: e.PARTITION_KEY,
      ...(e.SORT_KEY ? { sortKey: e.SORT_KEY } : {}),
    },
  };
}

const { region, target } = parseArchiverEnv(process.env);

export const handler = createArchiverHandler({ s3: createS3Client({ region }), target });
