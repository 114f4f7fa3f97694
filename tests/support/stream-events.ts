import { randomBytes } from "node:crypto";
import type { _Record as StreamsApiRecord } from "@aws-sdk/client-dynamodb-streams";
import type { DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import fc from "fast-check";
import type { AttributeMap, AttributeValue, KeyValue } from "../../lib/archive/attribute-value";

/**
 * DynamoDB stream records for tests, shaped as Lambda delivers them (epoch-second
 * times, `userIdentity: { type, principalId }`) or as the DynamoDB Streams API
 * client returns them (Date, Uint8Array, `{ Type, PrincipalId }`).
 */
export const STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/test-table/stream/2024-01-01T00:00:00.000";
export const TTL_IDENTITY = { type: "Service", principalId: "dynamodb.amazonaws.com" } as const;

let sequence = 0n;

/** Increasing, unique within a test process, and shaped like DynamoDB's (21+ digits). */
export function nextSequenceNumber(): string {
  sequence += 1n;
  return (400000000000000000000n + BigInt(process.pid) * 10_000_000n + sequence).toString();
}

export function newEventId(): string {
  return randomBytes(16).toString("hex");
}

export interface RecordOptions {
  keys: Record<string, KeyValue>;
  /** Defaults to the keys plus nothing else; pass null for a KEYS_ONLY-style record. */
  oldImage?: AttributeMap | null;
  newImage?: AttributeMap;
  eventId?: string;
  sequenceNumber?: string;
  at?: Date;
  /** A TTL expiry: the record carries the DynamoDB service identity. */
  ttl?: boolean;
}

function record(eventName: "INSERT" | "MODIFY" | "REMOVE", o: RecordOptions): DynamoDBRecord {
  const oldImage = o.oldImage === null ? undefined : (o.oldImage ?? (eventName === "INSERT" ? undefined : { ...o.keys }));
  const newImage = eventName === "REMOVE" ? undefined : (o.newImage ?? { ...o.keys });
  const images = { ...(oldImage ? { OldImage: oldImage } : {}), ...(newImage ? { NewImage: newImage } : {}) };
  return {
    eventID: o.eventId ?? newEventId(),
    eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      ApproximateCreationDateTime: Math.floor((o.at ?? new Date()).getTime() / 1000),
      Keys: o.keys,
      ...images,
      SequenceNumber: o.sequenceNumber ?? nextSequenceNumber(),
      SizeBytes: Buffer.byteLength(JSON.stringify(images)),
      StreamViewType: o.oldImage === null ? "KEYS_ONLY" : "NEW_AND_OLD_IMAGES",
    },
    ...(o.ttl ? { userIdentity: { ...TTL_IDENTITY } } : {}),
    eventSourceARN: STREAM_ARN,
  };
}

export const removeRecord = (o: RecordOptions) => record("REMOVE", o);
export const insertRecord = (o: RecordOptions) => record("INSERT", o);
export const modifyRecord = (o: RecordOptions) => record("MODIFY", o);

export function streamEvent(...records: Array<DynamoDBRecord | StreamsApiRecord>): DynamoDBStreamEvent {
  // Lambda's types describe only the Lambda shape; the archiver accepts both.
  return { Records: records as DynamoDBRecord[] };
}

/** The same record as the DynamoDB Streams API client (GetRecords) returns it. */
export function toStreamsApiShape(lambda: DynamoDBRecord): StreamsApiRecord {
  const { userIdentity, dynamodb, eventSourceARN: _arn, ...rest } = lambda;
  const sdk = (map: Record<string, unknown> | undefined) =>
    map === undefined ? undefined : Object.fromEntries(Object.entries(map).map(([k, v]) => [k, toSdkValue(v as AttributeValue)]));
  return {
    ...rest,
    dynamodb: {
      ...dynamodb,
      ApproximateCreationDateTime: new Date((dynamodb?.ApproximateCreationDateTime ?? 0) * 1000),
      Keys: sdk(dynamodb?.Keys),
      OldImage: sdk(dynamodb?.OldImage),
      NewImage: sdk(dynamodb?.NewImage),
    },
    ...(userIdentity ? { userIdentity: { Type: userIdentity.type, PrincipalId: userIdentity.principalId } } : {}),
  } as StreamsApiRecord;
}

function toSdkValue(value: AttributeValue): unknown {
  if ("B" in value) return { B: new Uint8Array(Buffer.from(value.B, "base64")) };
  if ("BS" in value) return { BS: value.BS.map((b) => new Uint8Array(Buffer.from(b, "base64"))) };
  if ("M" in value) return { M: Object.fromEntries(Object.entries(value.M).map(([k, v]) => [k, toSdkValue(v)])) };
  if ("L" in value) return { L: value.L.map(toSdkValue) };
  return value;
}

// ---- fast-check arbitraries --------------------------------------------------

/** Cuts text to at most maxBytes of UTF-8 without splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  let out = "";
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

const exoticText = fc.constantFrom("/", "//", "#", "%", "%2F", "..", ".", "../..", "a/../b", "_", "~", "USER#1/ORDER#2", "ünïcødé 🚀", "\u0000", " ");

/** Any S key DynamoDB accepts: 1 to maxBytes bytes of UTF-8, weighted towards the awkward ones. */
export function stringKeyText(maxBytes = 2048): fc.Arbitrary<string> {
  return fc.oneof(
    exoticText,
    fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: maxBytes }).map((s) => cutUtf8(s, maxBytes)),
    fc.constant("x".repeat(maxBytes)),
    fc.constant("é".repeat(maxBytes / 2)),
    fc.tuple(exoticText, fc.string({ unit: "binary", minLength: 150, maxLength: 400 })).map(([a, b]) => cutUtf8(a + b, maxBytes)),
  ).filter((s) => s.length > 0);
}

/** DynamoDB numbers: up to 38 significant digits, optional fraction and exponent. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.bigInt({ min: -(10n ** 38n - 1n), max: 10n ** 38n - 1n }).map(String),
  fc.constantFrom("99999999999999999999999999999999999999", "-0.00000000000000000000000000000000000001", "1E+125", "1.5e-130", "0"),
  fc
    .tuple(fc.boolean(), fc.stringMatching(/^[1-9]\d{0,18}$/), fc.stringMatching(/^\d{1,19}$/))
    .map(([negative, whole, fraction]) => `${negative ? "-" : ""}${whole}.${fraction}`),
);

export const base64Bytes = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.uint8Array({ minLength, maxLength }).map((b) => Buffer.from(b).toString("base64"));

export function keyValue(maxBytes = 2048): fc.Arbitrary<KeyValue> {
  return fc.oneof(
    { weight: 3, arbitrary: stringKeyText(maxBytes).map((S) => ({ S })) },
    { weight: 1, arbitrary: numberText.map((N) => ({ N })) },
    { weight: 1, arbitrary: base64Bytes(maxBytes, 1).map((B) => ({ B })) },
  );
}

const attributeName = fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 20 }), fc.constantFrom("a.b", "#n", ":v", "é"));

export const attributeValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.string({ unit: "binary", maxLength: 60 }).map((S) => ({ S })),
    numberText.map((N) => ({ N })),
    base64Bytes(64).map((B) => ({ B })),
    fc.uniqueArray(fc.string({ unit: "binary", maxLength: 20 }), { minLength: 1, maxLength: 5 }).map((SS) => ({ SS })),
    fc.uniqueArray(numberText, { minLength: 1, maxLength: 5 }).map((NS) => ({ NS })),
    fc.uniqueArray(base64Bytes(16, 1), { minLength: 1, maxLength: 5 }).map((BS) => ({ BS })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true as const }),
    fc.dictionary(attributeName, tie("value"), { maxKeys: 4 }).map((M) => ({ M })),
    fc.array(tie("value"), { maxLength: 4 }).map((L) => ({ L })),
  ),
})).value;

export const attributeMap: fc.Arbitrary<AttributeMap> = fc.dictionary(attributeName, attributeValue, { maxKeys: 6 });

export interface TableKeys {
  partitionKey: string;
  sortKey?: string;
}

/** A REMOVE record (Lambda shape) of an arbitrary item with arbitrary keys of the given schema. */
export function removeRecordOf(table: TableKeys): fc.Arbitrary<DynamoDBRecord> {
  return fc
    .record({
      pk: keyValue(2048),
      sk: keyValue(1024),
      attributes: attributeMap,
      at: fc.date({ min: new Date("2012-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true }),
      ttl: fc.boolean(),
      eventId: fc.oneof(fc.stringMatching(/^[0-9a-f]{32}$/), fc.string({ minLength: 1, maxLength: 64 })),
    })
    .map(({ pk, sk, attributes, at, ttl, eventId }) => {
      const keys: Record<string, KeyValue> = { [table.partitionKey]: pk, ...(table.sortKey ? { [table.sortKey]: sk } : {}) };
      return removeRecord({ keys, oldImage: { ...attributes, ...keys }, at, ttl, eventId });
    });
}
