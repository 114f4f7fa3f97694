import { randomBytes, randomUUID } from "node:crypto";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { appendAuditEntry } from "../lib/audit/audit-log";
import { ROLLUP_WINDOW_MS, writeAuditRollup } from "../lib/audit/audit-rollup";
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
 * under 1 s. Baseline (one GET per entry shown) and quarter-hour rollups measured in
 * the same run, with the endpoint's own time for 50 bare reads as the ceiling.
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
    const firstScreen = (rollups: { read: boolean }) => () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 50, rollups });
    type Case = { name: string; run: () => Promise<{ entries: { at: string }[] }>; runs?: number };
    const measure = async (cases: Case[], rows: Array<Record<string, string | number>>) => {
      for (const c of cases) {
        const times: number[] = [];
        let shown = 0;
        let newest = "";
        for (let r = 0; r < (c.runs ?? RUNS); r += 1) {
          requests.reset();
          namesListed = 0;
          const { result, ms } = await timed(c.run);
          times.push(ms);
          shown = result.entries.length;
          newest = result.entries.reduce((m, e) => (e.at > m ? e.at : m), "").slice(11, 19);
        }
        rows.push({
          query: c.name,
          entries: shown,
          "newest shown": newest,
          LISTs: requests.total("ListObjectsV2Command"),
          "names listed": namesListed,
          GETs: requests.total("GetObjectCommand"),
          PUTs: requests.total("PutObjectCommand"),
          "median ms": median(times).toFixed(1),
        });
      }
    };
    const rows: Array<Record<string, string | number>> = [];
    // Baseline and new side by side, in this order, in one run on one endpoint.
    await measure(
      [
        { name: "ceiling: 50 bare GETs of entries, 32 at a time, no logic", run: async () => (await Promise.all(sample.map((Key) => bare(async () => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body?.transformToString()))), { entries: [] }) },
        { name: "before: first screen, 50 entries, one GET each (rollups off)", run: firstScreen({ read: false }) },
        { name: "before: newest first, 100 entries (rollups off)", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 100, rollups: { read: false } }) },
        { name: "first screen before any rollup exists (rollups read, none found)", run: firstScreen({ read: true }) },
      ],
      rows,
    );
    // What the console does after serving pages: roll up each closed quarter hour once.
    requests.reset();
    const windows = Array.from({ length: 96 }, (_, i) => Date.parse(`${DAY}T00:00:00Z`) + i * ROLLUP_WINDOW_MS);
    const { ms: rollupMs } = await timed(async () => {
      for (const w of windows) await writeAuditRollup(s3, config, w);
    });
    const rollupRow = { LISTs: requests.total("ListObjectsV2Command"), GETs: requests.total("GetObjectCommand"), PUTs: requests.total("PutObjectCommand"), ms: rollupMs.toFixed(1) };
    await measure(
      [
        { name: "after: first screen, 50 entries (rollups)", run: firstScreen({ read: true }) },
        { name: "after: newest first, 100 entries (rollups)", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 100 }) },
        { name: "after: filtered by action (erasure, 1 in 10) (rollups)", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 50, filter: { action: ["erasure"] } }) },
        { name: "after: filtered by a key with one operation (rollups)", run: () => queryRecentAuditEntries(s3, config, { from: DAY, to: DAY, limit: 50, filter: { key: "c-00007" } }) },
        { name: "again: first screen, 50 entries (rollups off)", run: firstScreen({ read: false }) },
      ],
      rows,
    );
    const rollupLine = `Rolling up the day's 96 quarter hours once: ${rollupRow.LISTs} LISTs, ${rollupRow.GETs} GETs, ${rollupRow.PUTs} PUTs, ${rollupRow.ms} ms.`;
    return `### Audit log: the first screen of a day of ${ENTRIES.toLocaleString("en-US")} entries (\`bench/audit-log.ts\`)\n\n${table(rows)}\n\n${rollupLine}`;
  });
}
