import { REDACTION_MARKER } from "./erasure-request";

/**
 * Redaction of archived JSON in place: the chosen top-level attributes of the
 * item images become REDACTION_MARKER; every other value, and the order of
 * fields, is kept as parsed. Numbers in images are strings in typed JSON, so a
 * parse / stringify round trip keeps them digit for digit.
 */

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Replaces attributes of one image (an item as typed JSON); returns how many were present. */
export function redactImage(image: Json, attributes: ReadonlySet<string>): number {
  if (!isObject(image)) return 0;
  let count = 0;
  for (const name of Object.keys(image)) {
    if (attributes.has(name)) {
      image[name] = { ...REDACTION_MARKER };
      count += 1;
    }
  }
  return count;
}

/** The stream record inside an archive object: the envelope's `record`, or the object itself in the seed's layout. */
function streamRecordOf(archiveJson: Json): Record<string, Json> | undefined {
  if (!isObject(archiveJson)) return undefined;
  if ("schemaVersion" in archiveJson && isObject(archiveJson.record)) return archiveJson.record;
  return archiveJson;
}

/** Redacts a stream record's OldImage and NewImage (either capitalisation the record uses). */
export function redactStreamRecord(record: Json, attributes: ReadonlySet<string>): number {
  if (!isObject(record)) return 0;
  const dynamodb = isObject(record.dynamodb) ? record.dynamodb : undefined;
  if (!dynamodb) return 0;
  return redactImage(dynamodb.OldImage, attributes) + redactImage(dynamodb.NewImage, attributes);
}

/** Returns the redacted object's text and how many attribute values were replaced. */
export function redactArchiveObject(text: string, attributes: readonly string[]): { text: string; replaced: number } {
  const json = JSON.parse(text) as Json;
  const record = streamRecordOf(json);
  const replaced = record ? redactStreamRecord(record, new Set(attributes)) : 0;
  return { text: JSON.stringify(json), replaced };
}
