import "server-only";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { z } from "zod";
import { DomainError } from "../errors/domain-error";
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


/** Stored state that is not what its schema says: written by something else, or by an incompatible version. */
export class StoredStateError extends DomainError {
  override name = "StoredStateError";
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(500, "stored-state-unreadable", `Lazarus cannot read its own state object ${key}: ${reason}.`);
  }
}

/** The object parsed with its schema, with its ETag; null when there is none. */
export async function getJson<T>(s3: S3Client, bucket: string, key: string, schema: z.ZodType<T>): Promise<Versioned<T> | null> {
  let text: string;
  let etag: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await response.Body?.transformToString("utf-8")) ?? "";
    etag = response.ETag ?? "";
  } catch (error) {
    if (isMissingObject(error)) return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StoredStateError(key, "it is not JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new StoredStateError(key, parsed.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(object)"} ${i.message}`).join("; "));
  return { value: parsed.data, etag };
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
