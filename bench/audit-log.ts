import { randomBytes, randomUUID } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { appendAuditEntry, queryAuditEntries } from "../lib/audit/audit-log";
import { queryRecentAuditEntries } from "../lib/audit/audit-recent";
import { createS3Client } from "../lib/aws/clients";
import { parseConfig } from "../lib/config/load";
import { countRequests, table, timed, withMoto } from "./harness";

const REGION = "us-east-1";
const DAY = "2026-03-10";
const ENTRIES = 2_000;
const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * The audit page's first screen for a day of 2,000 entries (1,000 operations: a
 * started entry and an outcome each), measured on the function behind it. Target:
 * under 1 s. Compared with the oldest-first range query the page used before, and
 * with the endpoint's own time for the reads alone.
 */
export async function benchAuditLog(): Promise<string> {
  return withMoto(async () => {
    const s3 = createS3Client({ region: REGION });
    const bucket = `bench-audit-${randomBytes(3).toString("hex")}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const config = parseConfig({
      region: REGION,
      archive: { bucket },
      services: [
        {
          name: "bench-svc",
          table: { name: "bench-contact", partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" } },
          archiver: { functionName: "bench-archiver" },
          onFailure: { type: "sqs", queueName: "bench-dlq" },
        },
      ],
    });
    const start = Date.parse(`${DAY}T00:00:00Z`);
    const write = pLimit(16);
    await Promise.all(
      Array.from({ length: ENTRIES / 2 }, (_, i) =>
        write(async () => {
          const operationId = randomUUID();
          const base = {
            operationId,
            actor: { id: `u${i % 7}`, email: `user${i % 7}@example.com`, name: `User ${i % 7}` },
            role: "support" as const,
            action: i % 10 === 0 ? ("erasure" as const) : ("restore" as const),
            service: "bench-svc",
            table: "bench-contact",
            key: { PK: { S: `CONTACT#c-${String(i).padStart(5, "0")}` }, SK: { S: "PROFILE" } },
          };
          const at = start + Math.floor((i * 86_000_000) / (ENTRIES / 2));
          await appendAuditEntry(s3, config, { ...base, outcome: "started" }, new Date(at));
          await appendAuditEntry(s3, config, { ...base, outcome: "succeeded" }, new Date(at + 250));
        }),
      ),
    );

    const requests = countRequests(s3);
    const sample = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "_audit/", MaxKeys: 50 }))).Contents ?? []).map((o) => o.Key!);
    // The same number of reads in flight as the audit log's own.
    const bare = pLimit(32);
    let namesListed = 0;
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === "ListObjectsV2Command") namesListed += (result.output as { Contents?: unknown[] }).Contents?.length ?? 0;
        return result;
      },
      { step: "initialize", name: "benchNamesListed" },
    );
    const cases: Array<{ name: string; run: () => Promise<{ entries: { at: string }[] }> }> = [
      { name: "before: oldest first, 200 entries (queryAuditEntries)", run: () => queryAuditEntries(s3, config, { from: DAY, to: DAY, limit: 200, maxScanned: 2000 }) },
      {
        name: "ceiling: 50 bare GETs of entries, 32 at a time, no logic",
        run: async () => {
          await Promise.all(sample.map((Key) => bare(async () => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body?.transformToString())));
          return { entries: [] };
        },
      },
      { name: "first screen: newest first, 50 entries", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 50 }) },
      { name: "newest first, 100 entries", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 100 }) },
      { name: "filtered by action (erasure, 1 in 10)", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 50, filter: { action: ["erasure"] } }) },
      { name: "filtered by a key with one operation", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 50, filter: { key: "c-00007" } }) },
    ];
    const rows: Array<Record<string, string | number>> = [];
    for (const c of cases) {
      const times: number[] = [];
      let shown = 0;
      let newest = "";
      for (let r = 0; r < RUNS; r += 1) {
        requests.reset();
        namesListed = 0;
        const { result, ms } = await timed(c.run);
        times.push(ms);
        shown = result.entries.length;
        newest = result.entries.reduce((m, e) => (e.at > m ? e.at : m), "").slice(11, 19);
      }
      rows.push({ query: c.name, entries: shown, "newest shown": newest, LISTs: requests.total("ListObjectsV2Command"), "names listed": namesListed, GETs: requests.total("GetObjectCommand"), "median ms": median(times).toFixed(1) });
    }
    return `### Audit log: the first screen of a day of ${ENTRIES.toLocaleString("en-US")} entries (\`bench/audit-log.ts\`)\n\n${table(rows)}`;
  });
}
