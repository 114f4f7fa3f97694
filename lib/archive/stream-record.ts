import { z } from "zod";
import { attributeMapSchema, attributeRecord, keyValueSchema, toTypedJson, type AttributeMap, type KeyValue } from "./attribute-value";

/**
 * A DynamoDB stream record in either shape DynamoDB hands out:
 * - the Lambda event shape: `userIdentity: { type, principalId }`, epoch-second times;
 * - the DynamoDB Streams API shape: `userIdentity: { Type, PrincipalId }`, and from the
 *   SDK, Date times and Uint8Array binaries (see toTypedJson).
 */
export const TTL_PRINCIPAL = "dynamodb.amazonaws.com";

export type DeletionType = "ttl" | "manual";

const epochSeconds = z.union([
  z.number().finite().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?$/).transform(Number),
]);

const userIdentitySchema = z.union([
  z.object({ type: z.string(), principalId: z.string() }).transform((u) => ({ type: u.type, principalId: u.principalId })),
  z.object({ Type: z.string(), PrincipalId: z.string() }).transform((u) => ({ type: u.Type, principalId: u.PrincipalId })),
]);

export const streamRecordSchema = z.object({
  eventID: z.string().min(1),
  eventName: z.enum(["INSERT", "MODIFY", "REMOVE"]),
  eventSource: z.string().optional(),
  eventSourceARN: z.string().optional(),
  awsRegion: z.string().optional(),
  dynamodb: z.object({
    ApproximateCreationDateTime: epochSeconds,
    Keys: attributeRecord(keyValueSchema).refine((k) => Object.keys(k).length > 0, "must name the key"),
    OldImage: attributeMapSchema.optional(),
    NewImage: attributeMapSchema.optional(),
    SequenceNumber: z.string().regex(/^\d+$/, "must be a decimal sequence number"),
    SizeBytes: z.number().optional(),
    StreamViewType: z.string().optional(),
  }),
  userIdentity: userIdentitySchema.optional(),
});

/** The record as delivered, made JSON-safe: this is what the archive keeps. */
export type WireStreamRecord = Record<string, unknown>;

export interface ParsedStreamRecord {
  eventId: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  sequenceNumber: string;
  /** ApproximateCreationDateTime: for a REMOVE, when the item was deleted. */
  createdAt: Date;
  keys: Record<string, KeyValue>;
  oldImage?: AttributeMap;
  userIdentity?: { type: string; principalId: string };
  wire: WireStreamRecord;
}

export class StreamRecordError extends Error {
  override name = "StreamRecordError";
}

export function parseStreamRecord(input: unknown): ParsedStreamRecord {
  const wire = toTypedJson(input) as WireStreamRecord;
  const result = streamRecordSchema.safeParse(wire);
  if (!result.success) {
    // Only paths and messages: the values may be customer data.
    const where = result.error.issues.map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`).join("; ");
    throw new StreamRecordError(`not a DynamoDB stream record: ${where}`);
  }
  const r = result.data;
  return {
    eventId: r.eventID,
    eventName: r.eventName,
    sequenceNumber: r.dynamodb.SequenceNumber,
    createdAt: new Date(r.dynamodb.ApproximateCreationDateTime * 1000),
    keys: r.dynamodb.Keys,
    ...(r.dynamodb.OldImage ? { oldImage: r.dynamodb.OldImage } : {}),
    ...(r.userIdentity ? { userIdentity: r.userIdentity } : {}),
    wire,
  };
}

/** TTL deletions are made by the DynamoDB service principal; anything else was someone's DeleteItem. */
export function deletionTypeOf(userIdentity: { type: string; principalId: string } | undefined): DeletionType {
  return userIdentity?.type === "Service" && userIdentity.principalId === TTL_PRINCIPAL ? "ttl" : "manual";
}
