import "server-only";
import {
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClient,
  type QueryExecution,
} from "@aws-sdk/client-athena";
import type { S3Client } from "@aws-sdk/client-s3";
import { formatDay, type CalendarDay } from "../archive/archive-input";
import { ArchiveObjectError, parseArchiveObject } from "../archive/archive-object";
import type { DayManifest } from "../archive/sealed-format";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";
import { toAthenaSql } from "./athena-sql";
import { windowBounds, type ContentSearch } from "./content-query";
import { archiveKeyOf, isSearchMatch, resolveServices, searchArchive, searchMatchOf, type SearchFilter } from "./local-engine";
import { compileConditions } from "./predicate";
import type { AthenaUsage, SearchEvent, SearchOutcome, SearchProgress } from "./search-events";

/**
 * Content search with Athena (search.engine "athena"): the sealed days of the window run
 * as one SQL query over the Glue table of bundles, the open days (and records that arrived
 * after their day was sealed) through the local engine, merged and deduplicated by archive
 * key. SQL only narrows: every returned line is parsed and decided by the same predicate
 * the local engine uses, and kept only if it comes from a bundle its day's manifest lists
 * (a crashed seal's leftover parts are never shown).
 */

/** Athena's price: $5 per TB scanned, each query billed for at least 10 MB, rounded up to the MB. */
export const ATHENA_USD_PER_TB = 5;
const MB = 1024 ** 2;
const TB = 1024 ** 4;
export const ATHENA_MINIMUM_BILLED_BYTES = 10 * MB;

export function athenaQueryCost(bytesScanned: number): { billedBytes: number; usd: number } {
  const billedBytes = Math.max(Math.ceil(bytesScanned / MB) * MB, ATHENA_MINIMUM_BILLED_BYTES);
  return { billedBytes, usd: (billedBytes / TB) * ATHENA_USD_PER_TB };
}

/** Waits between status polls: quick for the short queries most searches are, then every 5 s at most. */
export function pollDelayMs(attempt: number): number {
  return Math.min(200 * 2 ** attempt, 5_000);
}

/** Results are paged at Athena's maximum. */
const RESULT_PAGE_ROWS = 1000;

/** A query Athena did not finish: its reason, told the person who searched. */
export class AthenaSearchError extends DomainError {
  override name = "AthenaSearchError";
}

export interface AthenaSearchOptions {
  signal?: AbortSignal;
  now?: Date;
  /** Overrides the poll backoff (tests). */
  pollDelay?: (attempt: number) => number;
}

/** Athena's reasons can quote SQL literals, which are the values searched for: those never reach a message or the audit log. */
function maskLiterals(reason: string): string {
  return reason.replace(/'(?:[^']|'')*'/g, "'…'").slice(0, 300);
}

function failureOf(execution: QueryExecution | undefined, cutoff: number): AthenaSearchError {
  const state = execution?.Status?.State;
  const reason = execution?.Status?.StateChangeReason ?? "";
  if (/bytes scanned limit|exceeded.*(scan|cutoff)|data usage control/i.test(reason)) {
    return new AthenaSearchError(
      422,
      "athena-scan-limit",
      `Athena stopped the search at the workgroup's limit of ${(cutoff / 1e9).toLocaleString("en-US", { maximumFractionDigits: 2 })} GB scanned per query (search.athena.bytesScannedCutoff): narrow the range or the services, or raise the limit.`,
    );
  }
  if (state === "CANCELLED") return new AthenaSearchError(502, "athena-query-cancelled", "The Athena query was cancelled outside Lazarus before it finished; search again.");
  const kind = execution?.Status?.AthenaError?.ErrorType ?? execution?.Status?.AthenaError?.ErrorCategory;
  return new AthenaSearchError(502, "athena-query-failed", `Athena could not run the search${kind !== undefined ? ` (error ${kind})` : ""}: ${reason ? maskLiterals(reason) : "no reason given"}.`);
}

function usageOf(execution: QueryExecution | undefined): AthenaUsage {
  const bytesScanned = execution?.Statistics?.DataScannedInBytes ?? 0;
  return { state: execution?.Status?.State ?? "QUEUED", bytesScanned, costUsd: athenaQueryCost(bytesScanned).usd };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

interface SealedPart {
  service: ServiceConfig;
  day: CalendarDay;
}

export async function* searchWithAthena(
  s3: S3Client,
  athena: AthenaClient,
  config: LazarusConfig,
  query: ContentSearch,
  options: AthenaSearchOptions = {},
): AsyncGenerator<SearchEvent, void, undefined> {
  resolveServices(config, query.services);
  const settings = config.search.athena;
  const conditions = compileConditions(query.conditions);
  const { start, end } = windowBounds(query);
  const filter: SearchFilter = { start, end, deletionType: query.deletionType, conditions };
  const { sql, parameters } = toAthenaSql(query, conditions, settings);
  const controller = new AbortController();
  const signal = controller.signal;
  const onOuterAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (options.signal?.aborted) controller.abort();

  const started = await athena.send(
    new StartQueryExecutionCommand({
      QueryString: sql,
      // The only way a searched value reaches Athena: as a parameter, never in the SQL text.
      ExecutionParameters: parameters,
      WorkGroup: settings.workgroup,
      QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: settings.database },
    }),
  );
  const queryId = started.QueryExecutionId;
  if (!queryId) throw new AthenaSearchError(502, "athena-query-failed", "Athena did not return a query id.");
  let usage: AthenaUsage = { state: "QUEUED", bytesScanned: 0, costUsd: athenaQueryCost(0).usd };
  let finished = false;
  const stopQuery = async () => {
    if (finished) return;
    finished = true;
    await athena.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId })).catch(() => undefined);
  };

  // Bundle key → its service and day, from each sealed day's manifest (only listed parts are read).
  const sealedParts = new Map<string, SealedPart>();
  const onSealedDay = (service: ServiceConfig, day: CalendarDay, manifest: DayManifest) => {
    for (const part of manifest.parts) sealedParts.set(part.key, { service, day });
  };
  const seen = new Set<string>();
  let progress: SearchProgress | undefined;
  let outcome: SearchOutcome = "complete";
  const withUsage = (p: SearchProgress): SearchProgress => ({ ...p, athena: usage });

  try {
    for await (const event of searchArchive(s3, config, query, { signal, sealedParts: "skip", onSealedDay, ...(options.now ? { now: options.now } : {}) })) {
      if (event.type === "match") seen.add(event.match.archiveKey);
      if (event.type === "done") {
        progress = event.progress;
        outcome = event.outcome;
        break;
      }
      yield event.type === "progress" ? { type: "progress", progress: withUsage(event.progress) } : event;
    }
    if (!progress) throw new Error("the local part of the search ended without its last event");
    if (outcome !== "complete" || signal.aborted) {
      await stopQuery();
      yield { type: "done", outcome: signal.aborted && outcome !== "capped" ? "cancelled" : outcome, progress: withUsage(progress) };
      return;
    }

    const began = Date.now() - progress.elapsedMs;
    const snapshot = (): SearchProgress => {
      const elapsedMs = Date.now() - began;
      return withUsage({ ...progress!, elapsedMs });
    };
    for (let attempt = 0; ; attempt++) {
      const { QueryExecution: execution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId }));
      usage = usageOf(execution);
      const state = execution?.Status?.State;
      if (state === "SUCCEEDED") break;
      if (state === "FAILED" || state === "CANCELLED") {
        finished = true;
        throw failureOf(execution, settings.bytesScannedCutoff);
      }
      yield { type: "progress", progress: snapshot() };
      await sleep((options.pollDelay ?? pollDelayMs)(attempt), signal);
      if (signal.aborted) {
        await stopQuery();
        usage = { ...usage, state: "CANCELLED" };
        yield { type: "done", outcome: "cancelled", progress: snapshot() };
        return;
      }
    }
    finished = true;

    let nextToken: string | undefined;
    let first = true;
    do {
      if (signal.aborted) {
        yield { type: "done", outcome: "cancelled", progress: snapshot() };
        return;
      }
      const page = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: queryId, MaxResults: RESULT_PAGE_ROWS, ...(nextToken ? { NextToken: nextToken } : {}) }));
      nextToken = page.NextToken;
      const rows = page.ResultSet?.Rows ?? [];
      // The first row of a query's first page repeats the column names.
      const skip = first && rows[0]?.Data?.[0]?.VarCharValue === "line" ? 1 : 0;
      first = false;
      const damaged = new Map<string, { part: SealedPart; count: number }>();
      for (const row of rows.slice(skip)) {
        const line = row.Data?.[0]?.VarCharValue;
        const path = row.Data?.[1]?.VarCharValue;
        const part = path ? sealedParts.get(path.replace(/^s3:\/\/[^/]+\//, "")) : undefined;
        if (line === undefined || !part) continue;
        progress.recordsScanned += 1;
        let deletion;
        try {
          deletion = parseArchiveObject(line, { service: part.service.name });
        } catch (e) {
          if (!(e instanceof ArchiveObjectError)) throw e;
          const key = `${part.service.name} ${formatDay(part.day)}`;
          damaged.set(key, { part, count: (damaged.get(key)?.count ?? 0) + 1 });
          continue;
        }
        if (deletion.service !== part.service.name || !isSearchMatch(filter, deletion)) continue;
        const archiveKey = archiveKeyOf(config, part.service, deletion);
        if (!archiveKey || seen.has(archiveKey)) continue;
        const match = searchMatchOf(part.service, deletion, archiveKey, true);
        if (!match) continue;
        seen.add(archiveKey);
        progress.matches += 1;
        yield { type: "match", match };
        if (progress.matches >= query.cap) {
          yield { type: "done", outcome: "capped", progress: snapshot() };
          return;
        }
      }
      for (const { part, count } of damaged.values()) {
        yield { type: "problem", problem: { service: part.service.name, day: formatDay(part.day), message: `${count} record(s) Athena returned from this day's bundles are not readable archive objects and were skipped` } };
      }
      yield { type: "progress", progress: snapshot() };
    } while (nextToken);
    yield { type: "done", outcome: "complete", progress: snapshot() };
  } finally {
    // A consumer that stops reading (the browser closed the connection) stops the query too.
    if (!finished) await stopQuery();
    controller.abort();
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}
