/**
 * What an AWS SDK error is, in one place: the checks every module needs (a missing
 * object or table, the HTTP status of the answer) without each module keeping its own
 * list of error names.
 */

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** The HTTP status AWS answered with, when the error came from AWS. */
export function awsStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const status = (error as SdkErrorShape).$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, Code } = error as SdkErrorShape;
  return typeof name === "string" ? name : typeof Code === "string" ? Code : undefined;
}

const MISSING_OBJECT = new Set(["NoSuchKey", "NotFound", "NoSuchVersion"]);
const MISSING_TABLE = new Set(["ResourceNotFoundException", "TableNotFoundException"]);

/** An S3 object (or version) that does not exist: GET says NoSuchKey, HEAD only 404. */
export function isMissingObject(error: unknown): boolean {
  const name = awsErrorName(error);
  return (name !== undefined && MISSING_OBJECT.has(name)) || (name !== "NoSuchBucket" && awsStatusOf(error) === 404);
}

/** A DynamoDB table (or its backups / restores' source) that does not exist. */
export function isMissingTable(error: unknown): boolean {
  const name = awsErrorName(error);
  return name !== undefined && MISSING_TABLE.has(name);
}

/** An S3 conditional write lost: another writer changed the object since it was read (If-Match) or created it first (If-None-Match). */
export function isPreconditionFailed(error: unknown): boolean {
  const name = awsErrorName(error);
  const status = awsStatusOf(error);
  return name === "PreconditionFailed" || name === "ConditionalRequestConflict" || status === 412 || status === 409;
}
