import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, PutBucketVersioningCommand, type S3Client } from "@aws-sdk/client-s3";
import type { DynamoDBRecord } from "aws-lambda";
import pLimit from "p-limit";
import { archiverTargetFor, archiveStreamRecord } from "../../lib/archive/archiver";
import { getArchivedRecord, listDayRecords, listDays, type CalendarDay } from "../../lib/archive/archive-reader";
import { findDeletionsByPartitionKey } from "../../lib/archive/key-lookup";
import { createS3Client } from "../../lib/aws/clients";
import { ErasedKeyCache } from "../../lib/erasure/erasure-cache";
import { findService, parseConfig } from "../../lib/config/load";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { removeRecord } from "./stream-events";
import { uniqueName, motoEnv } from "./aws";

/**
 * A versioned archive bucket with one service keyed by PK and SK, for the sealing tests.
 * With `failures`, the service's failed batches go to a versioned S3 bucket of their own
 * and its table gets a name of its own (for tests that restore into it).
 */
export async function sealingFixture(
  name: string,
  options: { failures?: boolean } = {},
): Promise<{ s3: S3Client; config: LazarusConfig; service: ServiceConfig; configPath: (dir: string) => string; failures?: string }> {
  const { region } = motoEnv();
  const s3 = createS3Client({ region });
  const versioned = async (bucket: string) => {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  };
  const bucket = uniqueName(name);
  await versioned(bucket);
  const failures = options.failures ? uniqueName(`${name}-failures`) : undefined;
  if (failures) await versioned(failures);
  const raw = {
    region,
    archive: { bucket, prefix: "archive/" },
    services: [
      {
        name: "usr-session-svc",
        table: { name: failures ? uniqueName("usr-session") : "usr-session", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "expiresAt" },
        archiver: { functionName: "archiver-session" },
        onFailure: failures ? { type: "s3", bucket: failures } : { type: "sqs", queueName: "session-dlq" },
      },
    ],
  };
  const config = parseConfig(raw);
  const service = findService(config, "usr-session-svc")!;
  return {
    s3,
    config,
    service,
    ...(failures ? { failures } : {}),
    configPath: (dir) => {
      const path = join(dir, "lazarus.config.json");
      writeFileSync(path, JSON.stringify(raw));
      return path;
    },
  };
}

/** `count` deletions spread over the day (every third one a TTL expiry), as stream records. */
export function deletionsOfDay(day: CalendarDay, count: number, tag = "U"): DynamoDBRecord[] {
  return Array.from({ length: count }, (_, i) =>
    removeRecord({
      keys: { PK: { S: `${tag}#${i}` }, SK: { S: "SESSION" } },
      at: new Date(Date.UTC(day.year, day.month - 1, day.day, 0, 0, 0) + ((i * 86_399_000) / count)),
      ttl: i % 3 === 0,
      oldImage: { PK: { S: `${tag}#${i}` }, SK: { S: "SESSION" }, n: { N: `1234567890123456789012345678901234567${i % 10}` }, at: { S: `#${i}` } },
    }),
  );
}

/**
 * Archives the records as the archiver would. With `checkErasures`, through the ledger as
 * the deployed archiver does (read afresh: no cache window), so an erased key is refused;
 * refused records give null.
 */
export async function archiveAll(s3: S3Client, config: LazarusConfig, service: ServiceConfig, records: DynamoDBRecord[]): Promise<string[]>;
export async function archiveAll(s3: S3Client, config: LazarusConfig, service: ServiceConfig, records: DynamoDBRecord[], options: { checkErasures: boolean }): Promise<(string | null)[]>;
export async function archiveAll(s3: S3Client, config: LazarusConfig, service: ServiceConfig, records: DynamoDBRecord[], options: { checkErasures?: boolean } = {}): Promise<(string | null)[]> {
  const limit = pLimit(16);
  const target = archiverTargetFor(config, service);
  const erasures = options.checkErasures ? new ErasedKeyCache(s3, target, 0) : undefined;
  return Promise.all(
    records.map((r) =>
      limit(async () => {
        const outcome = erasures ? await archiveStreamRecord(s3, target, r, new Date(), { erasures }) : await archiveStreamRecord(s3, target, r);
        if (outcome.status === "erased") return null;
        if (outcome.status === "ignored") throw new Error(`fixture not archived: ${outcome.reason}`);
        return outcome.archiveKey;
      }),
    ),
  );
}

/** What a person sees of one day, through every reader: counts, the listing page by page, each record, and key lookups. */
export async function readDay(s3: S3Client, config: LazarusConfig, service: ServiceConfig, day: CalendarDay, pageSize = 100) {
  const month = await listDays(s3, config, service, day);
  const counts = month.days.find((d) => d.day.day === day.day);
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listDayRecords(s3, config, service, day, { limit: pageSize, ...(cursor ? { cursor } : {}) });
    names.push(...page.entries.map((e) => e.archiveKey));
    cursor = page.nextCursor;
  } while (cursor);
  const limit = pLimit(8);
  const images = await Promise.all(
    names.map((key) =>
      limit(async () => {
        const read = await getArchivedRecord(s3, config, service, key);
        if (!read.ok) throw new Error(`${key} did not read: ${read.error.kind} ${read.error.message}`);
        return JSON.stringify(read.deletion.oldImage);
      }),
    ),
  );
  return { counts: counts && { records: counts.records, ttl: counts.ttl, manual: counts.manual }, names, images, problem: counts?.problem };
}

/** Every deletion of one partition key, found through the by-key index and read. */
export async function lookUp(s3: S3Client, config: LazarusConfig, service: ServiceConfig, pk: string) {
  const found = await findDeletionsByPartitionKey(s3, config, service, { S: pk });
  return Promise.all(found.deletions.map(async (d) => {
    const read = await getArchivedRecord(s3, config, service, d.archiveKey);
    return read.ok ? JSON.stringify(read.deletion.oldImage) : `unreadable: ${read.error.message}`;
  }));
}

/** A person's values, derived from their key, so a trace scan knows what to look for. */
export function personValues(key: string): string[] {
  const slug = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  return [`Name ${slug} Person`, `${slug}.mail@example.com`, `+33 6 ${slug} 00`];
}

/** The key where it can appear (JSON string, object name, index folder) and the person's values. */
export function personNeedles(key: string): string[] {
  return [`"${key}"`, `${key}_`, `${key}/`, ...personValues(key)];
}

/** The deletion of one of a person's items, with their name, email and phone in it. */
export function personRecord(pk: string, sk: string, at: string, ttl = false): DynamoDBRecord {
  const [name, email, phone] = personValues(pk) as [string, string, string];
  const image = { PK: { S: pk }, SK: { S: sk }, name: { S: name }, email: { S: email }, phone: { S: phone }, balance: { N: "12345678901234567890123456789012345678" } };
  return removeRecord({ keys: { PK: { S: pk }, SK: { S: sk } }, oldImage: image, at: new Date(at), ttl });
}

type Seen = Awaited<ReturnType<typeof readDay>>;

/** What a day showed before, without the subject's records: what it must show after an erasure. */
export function withoutSubject(before: Seen, key: string, types: { ttl: number; manual: number }): Seen {
  const keep = before.names.map((n, i) => [n, i] as const).filter(([n]) => !n.includes(`_${key}_`));
  const erased = before.names.length - keep.length;
  return {
    counts: before.counts && { records: before.counts.records - erased, ttl: before.counts.ttl - types.ttl, manual: before.counts.manual - types.manual },
    names: keep.map(([n]) => n),
    images: keep.map(([, i]) => before.images[i]!),
    problem: before.problem,
  };
}
