import "server-only";
import type { S3Client } from "@aws-sdk/client-s3";
import type { ArchivedDeletion } from "../archive/archive-object";
import { getArchivedRecord } from "../archive/archive-reader";
import type { KeyValue } from "../archive/attribute-value";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { tableKeyOf } from "../restore/table-key";
import { HttpError } from "./error-response";

/** The archived deletion, or the HTTP refusal that says why it cannot be read now. */
export async function readArchivedDeletion(s3: S3Client, config: LazarusConfig, service: ServiceConfig, archiveKey: string): Promise<ArchivedDeletion> {
  const record = await getArchivedRecord(s3, config, service, archiveKey);
  if (record.ok) return record.deletion;
  const { kind, message } = record.error;
  if (kind === "not-found") throw new HttpError(404, "archive-not-found", "That archived record does not exist (it may have expired from the archive).");
  if (kind === "archived-in-glacier") throw new HttpError(409, "archived-in-glacier", `The archived record cannot be read yet: ${message}.`);
  throw new HttpError(422, "archive-unreadable", `The archive object cannot be read as a record: ${message}.`);
}

/** The live item's key under the service's key schema, or a 422 that says why the archive cannot give it. */
export function liveKeyOf(service: ServiceConfig, deletion: ArchivedDeletion): Record<string, KeyValue> {
  const key = tableKeyOf(service, deletion);
  if (typeof key === "string") throw new HttpError(422, "archive-unreadable", `The archived record's key cannot be read: ${key}.`);
  return key;
}
