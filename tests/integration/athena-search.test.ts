import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import {
  AthenaClient,
  CreateWorkGroupCommand,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  ListQueryExecutionsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type Row,
} from "@aws-sdk/client-athena";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { POST as contentSearch } from "@/app/api/search/content/route";
import { scanAuditEntries } from "@/lib/audit/audit-log";
import { getSessionUser } from "@/lib/auth/session";
import type { AttributeMap } from "../../lib/archive/attribute-value";
import { sealDay } from "../../lib/archive/sealer";
import { readDayManifest } from "../../lib/archive/sealed-store";
import { createAthenaClient } from "../../lib/aws/clients";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { toUserFacingError } from "../../lib/http/error-response";
import { athenaQueryCost, AthenaSearchError, searchWithAthena } from "../../lib/search/athena-engine";
import { contentSearchSchema, type ContentSearchInput } from "../../lib/search/content-query";
import type { SearchEvent, SearchStreamLine } from "../../lib/search/search-events";
import { invokeRoute } from "../support/route-request";
import { motoEnv, uniqueName } from "../support/aws";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";
import { removeRecord } from "../support/stream-events";

/**
 * Content search with search.engine "athena" against moto's Athena: moto records the query
 * and its execution parameters and serves results configured through its API (it runs no
 * SQL), so the rows it returns here are real bundle lines read from the sealed day.
 */

vi.mock("@/lib/auth/session", () => ({ getSessionUser: vi.fn() }));

let s3: S3Client;
let athena: AthenaClient;
let config: LazarusConfig;
let service: ServiceConfig;
let endpoint: string;
const SEALED = { year: 2024, month: 3, day: 5 };
const OPEN = { year: 2024, month: 3, day: 6 };
const EMAIL = "Maria.Jensen@example.com";
/** Each sealed line of the sealed day with the bundle key it came from. */
let sealedLines: { line: string; part: string }[];

function profile(id: string, at: string, extra: AttributeMap, ttl = false) {
  const keys = { PK: { S: `CONTACT#${id}` }, SK: { S: "PROFILE" } };
  return removeRecord({ keys, at: new Date(at), ttl, oldImage: { ...keys, ...extra } });
}

const week = { from: "2024-03-05T00:00Z", to: "2024-03-06T23:59Z", services: ["usr-session-svc"] };
const byEmail: ContentSearchInput = { ...week, conditions: [{ path: "email", op: "equals", value: EMAIL.toLowerCase(), caseInsensitive: true }] };

const row = (...values: string[]): Row => ({ Data: values.map((v) => ({ VarCharValue: v })) });

/** Queues what moto's next query returns (POST /moto-api/static/athena/query-results). */
async function queueResults(rows: Row[]): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/static/athena/query-results`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ region: config.region, results: [{ rows: [row("line", "path"), ...rows], column_info: [{ Name: "line", Type: "varchar" }, { Name: "path", Type: "varchar" }] }] }),
  });
  expect(response.status).toBe(201);
}

async function setTransition(transition: { progression: "manual"; times: number } | null): Promise<void> {
  const path = transition ? "set-transition" : "unset-transition";
  const response = await fetch(`${endpoint}/moto-api/state-manager/${path}`, {
    method: "POST",
    body: JSON.stringify({ model_name: "athena::execution", ...(transition ? { transition } : {}) }),
  });
  expect(response.ok).toBe(true);
}

async function collect(input: ContentSearchInput, options: { signal?: AbortSignal; client?: AthenaClient; onEvent?: (e: SearchEvent) => void } = {}) {
  const events: SearchEvent[] = [];
  const search = searchWithAthena(s3, options.client ?? athena, config, contentSearchSchema.parse(input), { pollDelay: () => 20, ...(options.signal ? { signal: options.signal } : {}) });
  for await (const event of search) {
    events.push(event);
    options.onEvent?.(event);
  }
  const done = events.at(-1);
  if (done?.type !== "done") throw new Error("no done event");
  return { matches: events.flatMap((e) => (e.type === "match" ? [e.match] : [])), done, events };
}

/** The query moto recorded last in the search workgroup, as Athena received it. */
async function lastRecordedQuery() {
  const { QueryExecutionIds = [] } = await athena.send(new ListQueryExecutionsCommand({ WorkGroup: config.search.athena.workgroup }));
  const id = QueryExecutionIds.at(-1)!;
  const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
  return QueryExecution!;
}

beforeAll(async () => {
  ({ endpoint } = motoEnv());
  const fixture = await sealingFixture("athena-search");
  s3 = fixture.s3;
  service = fixture.service;
  config = { ...fixture.config, search: { engine: "athena", athena: { ...fixture.config.search.athena, workgroup: uniqueName("lazarus-search") } } };
  athena = await createAthenaClient({ region: config.region });
  // The route reads the config file: the fixture's, with Athena on.
  const dir = mkdtempSync(join(tmpdir(), "lazarus-athena-"));
  const raw = JSON.parse(readFileSync(fixture.configPath(dir), "utf8")) as Record<string, unknown>;
  writeFileSync(join(dir, "lazarus.config.json"), JSON.stringify({ ...raw, search: { engine: "athena", athena: { workgroup: config.search.athena.workgroup } } }));
  process.env.LAZARUS_CONFIG = join(dir, "lazarus.config.json");
  await athena.send(new CreateWorkGroupCommand({ Name: config.search.athena.workgroup, Configuration: { ResultConfiguration: { OutputLocation: `s3://${config.archive.bucket}/athena-results/` } } }));
  await archiveAll(s3, config, service, [
    profile("c-1001", "2024-03-05T10:31:00Z", { email: { S: EMAIL } }),
    profile("c-1002", "2024-03-05T10:50:00Z", { email: { S: "other@example.com" } }),
    ...deletionsOfDay(SEALED, 20, "S"),
    profile("c-2001", "2024-03-06T08:00:00Z", { email: { S: EMAIL.toLowerCase() } }, true),
    ...deletionsOfDay(OPEN, 5, "O"),
  ]);
  await sealDay(s3, config, service, SEALED, { now: new Date("2024-04-01T00:00:00Z") });
  const manifest = (await readDayManifest(s3, config, service, SEALED))!;
  sealedLines = [];
  for (const part of manifest.parts) {
    const got = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: part.key }));
    const text = gunzipSync(Buffer.from(await got.Body!.transformToByteArray())).toString("utf8");
    for (const line of text.split("\n").filter((l) => l.length > 0)) sealedLines.push({ line, part: part.key });
  }
}, 240_000);

afterEach(async () => {
  await setTransition(null);
});

const lineOf = (id: string) => sealedLines.find((l) => l.line.includes(`CONTACT#${id}"`))!;
const s3Path = (key: string) => `s3://${config.archive.bucket}/${key}`;

describe("content search on Athena (moto)", () => {
  it("sends SQL that holds no searched value, with every value as an execution parameter", async () => {
    await queueResults([]);
    const { matches } = await collect(byEmail);
    // Sealed days are Athena's alone: with no rows from it, only the open day's record is found.
    expect(matches.map((m) => m.partitionKey)).toEqual(["CONTACT#c-2001"]);
    const recorded = await lastRecordedQuery();
    expect(recorded.Query).toMatch(/^SELECT line, "\$path" AS path FROM "lazarus"."sealed_deletions"/);
    for (const value of ["maria", "example.com", "usr-session-svc", "email", "2024"]) expect(recorded.Query!.toLowerCase()).not.toContain(value);
    expect(recorded.ExecutionParameters).toEqual(
      expect.arrayContaining(["'usr-session-svc'", "'2024/03'", "'05'", "'06'", "'maria.jensen@example.com'", `'$.record.dynamodb.OldImage["email"].S'`]),
    );
    expect(recorded.Query!.split("?").length - 1).toBe(recorded.ExecutionParameters!.length);
    expect(recorded.QueryExecutionContext).toMatchObject({ Database: "lazarus" });
  });

  it("turns the rows into matches, decided by the shared predicate and merged with the open day's, each record once", async () => {
    const maria = lineOf("c-1001");
    const other = lineOf("c-1002");
    await queueResults([
      row(maria.line, s3Path(maria.part)),
      // SQL may return more than matches (it narrows, the predicate decides), and a line twice.
      row(other.line, s3Path(other.part)),
      row(maria.line, s3Path(maria.part)),
      // A bundle its day's manifest does not list (a crashed seal's leftover) is never shown.
      row(maria.line.replace(/"eventID":"[^"]+"/, '"eventID":"leftover-1"'), s3Path(maria.part.replace(/part-(\d+)-[0-9a-f]{8}-/, "part-$1-deadbeef-"))),
    ]);
    const { matches, done } = await collect(byEmail);
    expect(matches.map((m) => [m.partitionKey, m.sealed]).sort()).toEqual([
      ["CONTACT#c-1001", true],
      ["CONTACT#c-2001", false],
    ]);
    expect(matches.find((m) => m.sealed)).toMatchObject({ service: "usr-session-svc", deletionType: "manual", deletedAt: "2024-03-05T10:31:00.000Z" });
    expect(matches.find((m) => m.sealed)!.archiveKey).toMatch(/^archive\/usr-session-svc\/2024\/03\/05\/103100Z_manual_CONTACT#c-1001_PROFILE_[0-9a-f]{16}\.json$/);
    expect(done.outcome).toBe("complete");
    expect(done.progress.matches).toBe(2);
    // moto reports no bytes scanned: the query is billed at Athena's 10 MB minimum.
    expect(done.progress.athena).toEqual({ state: "SUCCEEDED", bytesScanned: 0, costUsd: athenaQueryCost(0).usd });
  });

  it("stops the Athena query when the search is cancelled", async () => {
    // The query stays queued until it is stopped.
    await setTransition({ progression: "manual", times: 10_000 });
    const controller = new AbortController();
    const { done } = await collect(byEmail, {
      signal: controller.signal,
      onEvent: (event) => {
        // Every service-day planned and the open day read: the search is now polling Athena.
        if (event.type === "progress" && event.progress.athena?.state === "QUEUED" && event.progress.daysScanned === event.progress.daysTotal) controller.abort();
      },
    });
    expect(done.outcome).toBe("cancelled");
    const recorded = await lastRecordedQuery();
    expect(recorded.Status?.State).toBe("CANCELLED");
  });

  it("says why when Athena fails the query, without the searched value, and names the cutoff when it is hit", async () => {
    // moto never fails a query: the failure Athena reports is mocked on a client of its own.
    const failing = new AthenaClient({ region: config.region });
    const mocked = mockClient(failing);
    mocked.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "q-1" });
    mocked.on(StopQueryExecutionCommand).resolves({});
    mocked.on(GetQueryResultsCommand).rejects(new Error("results of a failed query were read"));
    mocked.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { QueryExecutionId: "q-1", Status: { State: "FAILED", StateChangeReason: "INVALID_CAST_ARGUMENT: Value 'maria.jensen@example.com' cannot be cast", AthenaError: { ErrorCategory: 2, ErrorType: 1001 } } },
    });
    const failed = await collect(byEmail, { client: failing }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(AthenaSearchError);
    const facing = toUserFacingError(failed);
    expect(facing).toMatchObject({ status: 502, code: "athena-query-failed" });
    expect(facing.message).toMatch(/^Athena could not run the search \(error 1001\): INVALID_CAST_ARGUMENT/);
    expect(facing.message).not.toContain("maria");

    mocked.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { QueryExecutionId: "q-1", Status: { State: "FAILED", StateChangeReason: "Query cancelled! : Bytes scanned limit was exceeded" }, Statistics: { DataScannedInBytes: 1_000_000_000_000 } },
    });
    const cutoff = toUserFacingError(await collect(byEmail, { client: failing }).catch((e: unknown) => e));
    expect(cutoff).toMatchObject({ status: 422, code: "athena-scan-limit" });
    expect(cutoff.message).toContain("1,000 GB scanned per query (search.athena.bytesScannedCutoff): narrow the range");
  });

  it("is the engine the search route uses when the config says athena, and the audit entry keeps what Athena scanned and cost", async () => {
    vi.mocked(getSessionUser).mockResolvedValue({ id: "test:viewer-athena", email: "viewer@example.com", name: "Viewer", role: "viewer" });
    const maria = lineOf("c-1001");
    await queueResults([row(maria.line, s3Path(maria.part))]);
    const response = await invokeRoute(contentSearch, "/api/search/content", { method: "POST", body: byEmail });
    expect(response.status).toBe(200);
    const lines = (await response.text()).trim().split("\n").map((l) => JSON.parse(l) as SearchStreamLine);
    expect(lines.flatMap((l) => (l.type === "match" ? [l.match.partitionKey] : [])).sort()).toEqual(["CONTACT#c-1001", "CONTACT#c-2001"]);
    expect(lines.at(-1)).toMatchObject({ type: "done", outcome: "complete", progress: { athena: { state: "SUCCEEDED", bytesScanned: 0 } } });
    expect((await lastRecordedQuery()).ExecutionParameters).toContain("'maria.jensen@example.com'");
    const today = new Date().toISOString().slice(0, 10);
    const entries = [];
    for await (const entry of scanAuditEntries(s3, config, { from: today, to: today })) if (entry.action === "content-search" && entry.actor.id === "test:viewer-athena") entries.push(entry);
    expect(entries.map((e) => e.outcome)).toEqual(["started", "succeeded"]);
    expect(entries[1]!.details).toMatchObject({ athenaBytesScanned: 0, athenaCostUsd: athenaQueryCost(0).usd });
    expect(JSON.stringify(entries)).not.toMatch(/maria/i);
  });
});
