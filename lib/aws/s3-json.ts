import "server-only";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { isMissingObject } from "./aws-errors";

/**
 * JSON objects in the archive bucket that console instances share (jobs, leases,
 * compare state): read with their ETag, written with S3's conditional writes, so
 * instances agree without a database. The one whose write lands first wins.
 */

export interface Versioned<T> {
  value: T;
  etag: string;
}

export type WriteCondition = { ifMatch: string } | { ifNoneMatch: true } | null;


/** The object parsed, with its ETag; null when there is none. */
export async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<Versioned<T> | null> {
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await response.Body?.transformToString("utf-8")) ?? "";
    return { value: JSON.parse(text) as T, etag: response.ETag ?? "" };
  } catch (error) {
    if (isMissingObject(error)) return null;
    throw error;
  }
}

/** Writes the value as JSON; returns the new ETag. A failed condition throws (see isPreconditionFailed in aws-errors). */
export async function putJson(s3: S3Client, bucket: string, key: string, value: unknown, condition: WriteCondition = null): Promise<string> {
  const response = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(value),
      ContentType: "application/json",
      ...(condition && "ifMatch" in condition ? { IfMatch: condition.ifMatch } : {}),
      ...(condition && "ifNoneMatch" in condition ? { IfNoneMatch: "*" } : {}),
    }),
  );
  return response.ETag ?? "";
}
