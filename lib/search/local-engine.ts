import "server-only";
import { createHash } from "node:crypto";
import { pipeline, Transform, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import { ArchiveInputError, formatDay, type CalendarDay } from "../archive/archive-input";
import { ArchiveObjectError, parseArchiveObject, type ArchivedDeletion } from "../archive/archive-object";
import { keyValueText } from "../archive/attribute-value";
import { archiveObjectKey, dayPrefix, parseArchiveName } from "../archive/layout";
import { listObjects } from "../archive/object-listing";
import { readArchiveObject } from "../archive/record-read";
import { emptyBulkReadStats, readSealedRecords, type BundleMemberLocation } from "../archive/bulk-record-read";
import { SealedFormatError, type DayManifest } from "../archive/sealed-format";
import { mayBeSealed, namesHeldByManifest, readDayManifest, readManifestPage } from "../archive/sealed-store";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { findService } from "../config/load";
import { windowBounds, type ContentSearch } from "./content-query";
import { compileConditions, matchesImage, type CompiledCondition } from "./predicate";
import type { SearchEvent, SearchMatch, SearchOutcome, SearchProgress } from "./search-events";

export type { SearchEvent, SearchMatch, SearchOutcome, SearchProblem, SearchProgress } from "./search-events";

/**
 * The local search engine: reads every record of the days in the window, sealed days
 * as whole bundle parts (one streamed GET per part, decompressed as it arrives) and
 * open days' per-record objects (one GET each, only those whose name falls in the
 * window), and yields matches as they are found. Memory holds the day plans (names
 * of open days' objects, never their contents) and one line of a bundle at a time.
 *
 * A damaged manifest or bundle is reported with its service and day, and the scan goes on.
 * Stops at the cap (the caller asks to narrow the range), on the signal, or when the
 * consumer stops reading.
 */

export const DEFAULT_SCAN_CONCURRENCY = 6;
/** Planning a day is two small requests (its manifest, its folder's LIST): they wait on S3, not on the CPU. */
const PLAN_CONCURRENCY = 16;
/** Open-day objects are scanned in batches, so progress moves while a day of many objects is read. */
const OBJECT_BATCH = 50;
const PROGRESS_EVERY_MS = 250;

/** Requests the scan sent, for the benchmark and the tests. */
export interface ScanStats {
  manifestReads: number;
  lists: number;
  bundleGets: number;
  objectGets: number;
}

export interface SearchOptions {
  signal?: AbortSignal;
  now?: Date;
  concurrency?: number;
  stats?: ScanStats;
  /** Put each match's deleted item on it (exports that write items). */
  withImages?: boolean;
  /**
   * "skip": sealed bundles are left to another engine (Athena); only open days and records that
   * arrived after a day was sealed are read. Each sealed day's manifest is handed to `onSealedDay`.
   */
  sealedParts?: "scan" | "skip";
  onSealedDay?: (service: ServiceConfig, day: CalendarDay, manifest: DayManifest) => void;
}

/** The archive key a record has (or had, before it was sealed): the identity results are deduplicated by. */
export function archiveKeyOf(config: LazarusConfig, service: ServiceConfig, deletion: ArchivedDeletion): string | undefined {
  const { partitionKey, sortKey } = service.table;
  const pk = deletion.keys[partitionKey.name];
  if (!pk) return undefined;
  const sk = sortKey ? deletion.keys[sortKey.name] : undefined;
  return archiveObjectKey({
    prefix: config.archive.prefix,
    service: service.name,
    deletedAt: deletion.deletedAt,
    deletionType: deletion.deletionType,
    partitionKey: pk,
    ...(sk ? { sortKey: sk } : {}),
    eventId: deletion.eventId,
  });
}

/** Whether a record is in the query's window and type and its old image meets every condition: the one decision both engines make. */
export function isSearchMatch(filter: SearchFilter, deletion: ArchivedDeletion): boolean {
  return inWindow(filter, deletion.deletedAt, deletion.deletionType) && matchesImage(filter.conditions, deletion.oldImage);
}

/** What a result shows: the same shape whichever engine found it. */
export function searchMatchOf(service: ServiceConfig, deletion: ArchivedDeletion, archiveKey: string, sealed: boolean): SearchMatch | undefined {
  const { partitionKey, sortKey } = service.table;
  const pk = deletion.keys[partitionKey.name];
  if (!pk) return undefined;
  const sk = sortKey ? deletion.keys[sortKey.name] : undefined;
  return {
    service: service.name,
    archiveKey,
    deletedAt: deletion.deletedAt.toISOString(),
    deletionType: deletion.deletionType,
    partitionKey: keyValueText(pk),
    sortKey: sk ? keyValueText(sk) : null,
    sealed,
  };
}

/** The services a query names, each checked against the config. */
export function resolveServices(config: LazarusConfig, services: ContentSearch["services"]): ServiceConfig[] {
  if (services === "all") return config.services;
  return services.map((name) => {
    const service = findService(config, name);
    if (!service) throw new ArchiveInputError(`Invalid body: services: there is no service named "${name}"`);
    return service;
  });
}

/** Every UTC day the window touches. */
export function daysOfWindow(query: Pick<ContentSearch, "from" | "to">): CalendarDay[] {
  const { start, end } = windowBounds(query);
  const first = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  const days: CalendarDay[] = [];
  for (let t = first; t <= end.getTime(); t += 86_400_000) {
    const d = new Date(t);
    days.push({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
  }
  return days;
}

type Unit =
  | { kind: "part"; service: ServiceConfig; day: CalendarDay; key: string; bytes: number; sha256: string; manifest: DayManifest; index: number }
  | { kind: "objects"; service: ServiceConfig; day: CalendarDay; objects: { key: string; name: string; size: number }[] };

interface DayPlan {
  units: Unit[];
  bytes: number;
}

export interface SearchFilter {
  start: Date;
  end: Date;
  deletionType: ContentSearch["deletionType"];
  conditions: readonly CompiledCondition[];
}
type Filter = SearchFilter;

function inWindow(filter: Filter, deletedAt: Date, deletionType: "ttl" | "manual"): boolean {
  return deletedAt >= filter.start && deletedAt <= filter.end && (filter.deletionType === "any" || filter.deletionType === deletionType);
}

/** Whether the manifest's hourly counts leave any record of the day inside the window. */
function manifestMayHold(manifest: DayManifest, day: CalendarDay, filter: Filter): boolean {
  const dayStart = Date.UTC(day.year, day.month - 1, day.day);
  return manifest.byHour.some((count, hour) => {
    const from = dayStart + hour * 3_600_000;
    return count > 0 && from + 3_599_999 >= filter.start.getTime() && from <= filter.end.getTime();
  });
}

export async function* searchArchive(
  s3: S3Client,
  config: LazarusConfig,
  query: ContentSearch,
  options: SearchOptions = {},
): AsyncGenerator<SearchEvent, void, undefined> {
  const services = resolveServices(config, query.services);
  const now = options.now ?? new Date();
  const stats = options.stats ?? { manifestReads: 0, lists: 0, bundleGets: 0, objectGets: 0 };
  const { start, end } = windowBounds(query);
  const filter: Filter = { start, end, deletionType: query.deletionType, conditions: compileConditions(query.conditions) };
  const days = daysOfWindow(query);
  const controller = new AbortController();
  const signal = controller.signal;
  const onOuterAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (options.signal?.aborted) controller.abort();

  const began = Date.now();
  const progress: SearchProgress = { daysTotal: days.length * services.length, daysScanned: 0, bytesTotal: 0, bytesScanned: 0, recordsScanned: 0, matches: 0, elapsedMs: 0, bytesPerSecond: 0 };
  const snapshot = (): SearchProgress => {
    const elapsedMs = Date.now() - began;
    return { ...progress, elapsedMs, bytesPerSecond: elapsedMs > 0 ? Math.round((progress.bytesScanned * 1000) / elapsedMs) : 0 };
  };

  const queue: SearchEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (event: SearchEvent) => {
    queue.push(event);
    wake?.();
    wake = undefined;
  };
  let lastProgress = 0;
  const pushProgress = (force = false) => {
    if (!force && Date.now() - lastProgress < PROGRESS_EVERY_MS) return;
    lastProgress = Date.now();
    push({ type: "progress", progress: snapshot() });
  };
  const problem = (service: ServiceConfig, day: CalendarDay, message: string) => push({ type: "problem", problem: { service: service.name, day: formatDay(day), message } });
  let capped = false;

  const consider = (service: ServiceConfig, deletion: ArchivedDeletion, archiveKey: string, sealed: boolean) => {
    progress.recordsScanned += 1;
    if (capped || !isSearchMatch(filter, deletion)) return;
    const match = searchMatchOf(service, deletion, archiveKey, sealed);
    if (!match) return;
    progress.matches += 1;
    push({ type: "match", match: options.withImages ? { ...match, image: deletion.oldImage } : match });
    if (progress.matches >= query.cap) {
      capped = true;
      controller.abort();
    }
  };

  async function planDay(service: ServiceConfig, day: CalendarDay): Promise<DayPlan> {
    let manifest: DayManifest | null = null;
    if (mayBeSealed(day, now)) {
      try {
        stats.manifestReads += 1;
        manifest = await readDayManifest(s3, config, service, day);
      } catch (e) {
        if (!(e instanceof SealedFormatError)) throw e;
        problem(service, day, `${e.message}; its sealed records were not searched`);
      }
    }
    const base = dayPrefix(config.archive.prefix, service.name, day);
    const listed: { key: string; name: string; size: number }[] = [];
    let seen = 0;
    for await (const object of listObjects(s3, { bucket: config.archive.bucket, prefix: base })) {
      if (seen++ % 1000 === 0) stats.lists += 1;
      if (signal.aborted) break;
      const name = object.key.slice(base.length);
      if (!name.endsWith(".json")) continue;
      const parsed = name.includes("/") ? undefined : parseArchiveName(name, day);
      // Names carry the deletion time and type: objects outside the window are never read.
      if (parsed && !inWindow(filter, parsed.deletedAt, parsed.deletionType)) continue;
      listed.push({ key: object.key, name, size: object.size });
    }
    const units: Unit[] = [];
    let bytes = 0;
    let objects = listed;
    if (manifest) {
      if (options.sealedParts === "skip") options.onSealedDay?.(service, day, manifest);
      else if (manifestMayHold(manifest, day, filter)) {
        for (const [index, part] of manifest.parts.entries()) {
          if (part.records === 0) continue;
          units.push({ kind: "part", service, day, key: part.key, bytes: part.bytes, sha256: part.sha256, manifest, index });
          bytes += part.bytes;
        }
      }
      if (listed.length > 0) {
        // A per-record copy of a sealed record (a redelivery, an interrupted seal) is read from its bundle only.
        const held = await namesHeldByManifest(s3, config, manifest, listed.map((o) => o.name)).catch((e: unknown) => {
          if (e instanceof SealedFormatError) {
            problem(service, day, e.message);
            return new Set<string>();
          }
          throw e;
        });
        objects = listed.filter((o) => !held.has(o.name));
      }
    }
    for (let i = 0; i < objects.length; i += OBJECT_BATCH) {
      const batch = objects.slice(i, i + OBJECT_BATCH);
      units.push({ kind: "objects", service, day, objects: batch });
      bytes += batch.reduce((sum, o) => sum + o.size, 0);
    }
    return { units, bytes };
  }

  async function scanPart(unit: Extract<Unit, { kind: "part" }>): Promise<void> {
    stats.bundleGets += 1;
    let response;
    try {
      response = await s3.send(new GetObjectCommand({ Bucket: config.archive.bucket, Key: unit.key }), { abortSignal: signal });
    } catch (e) {
      if (signal.aborted) return;
      const name = e instanceof Error ? e.name : "error";
      problem(unit.service, unit.day, `the bundle ${unit.key} could not be read (${name}); its records were not searched`);
      return;
    }
    const body = response.Body as Readable;
    const hash = createHash("sha256");
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        progress.bytesScanned += chunk.byteLength;
        callback(null, chunk);
      },
    });
    const lines = pipeline(body, tap, createGunzip(), () => {});
    let rest: Buffer = Buffer.alloc(0);
    let damagedLines = 0;
    // What was read before damage stops the stream is not read again when the part is salvaged.
    const seen = new Set<string>();
    const line = (bytes: Buffer) => {
      if (bytes.byteLength === 0) return;
      let deletion: ArchivedDeletion;
      try {
        deletion = parseArchiveObject(bytes.toString("utf8"), { service: unit.service.name });
      } catch (e) {
        if (!(e instanceof ArchiveObjectError)) throw e;
        damagedLines += 1;
        return;
      }
      if (deletion.service !== unit.service.name) return;
      const archiveKey = archiveKeyOf(config, unit.service, deletion);
      if (!archiveKey) return;
      seen.add(archiveKey);
      consider(unit.service, deletion, archiveKey, true);
    };
    try {
      for await (const chunk of lines as AsyncIterable<Buffer>) {
        if (signal.aborted) break;
        let from = 0;
        let at = chunk.indexOf(0x0a);
        while (at >= 0) {
          const piece = chunk.subarray(from, at);
          line(rest.byteLength > 0 ? Buffer.concat([rest, piece]) : piece);
          rest = Buffer.alloc(0);
          from = at + 1;
          at = chunk.indexOf(0x0a, from);
        }
        if (from < chunk.byteLength) rest = Buffer.concat([rest, chunk.subarray(from)]);
        pushProgress();
      }
      if (!signal.aborted) {
        line(rest);
        if (hash.digest("hex") !== unit.sha256) problem(unit.service, unit.day, `the bundle ${unit.key} does not match the checksum its manifest gives; its readable records were searched`);
      }
    } catch (e) {
      if (signal.aborted) return;
      const lost = await salvagePart(unit, seen);
      problem(unit.service, unit.day, `the bundle ${unit.key} is damaged (${e instanceof Error ? e.message : "unreadable"}); its records were read one by one, and ${lost} could not be read`);
    } finally {
      body.destroy();
    }
    if (damagedLines > 0) problem(unit.service, unit.day, `${damagedLines} record(s) in the bundle ${unit.key} are not readable archive objects and were skipped`);
  }

  /**
   * A damaged part's records read one by one through the manifest's byte ranges (as bulk
   * restore reads them): every intact member is still searched. Returns how many could not be read.
   */
  async function salvagePart(unit: Extract<Unit, { kind: "part" }>, seen: Set<string>): Promise<number> {
    const base = dayPrefix(config.archive.prefix, unit.service.name, unit.day);
    const members: { i: number; archiveKey: string; location: BundleMemberLocation }[] = [];
    try {
      for (let page = 0; page < unit.manifest.pages.length; page++) {
        stats.manifestReads += 1;
        for (const row of (await readManifestPage(s3, config, unit.manifest, page)).rows) {
          const archiveKey = base + row.name;
          if (row.part !== unit.index || seen.has(archiveKey)) continue;
          members.push({ i: members.length, archiveKey, location: { key: unit.key, offset: row.offset, length: row.length, size: row.size } });
        }
      }
    } catch (e) {
      if (e instanceof SealedFormatError) return unit.manifest.parts[unit.index]?.records ?? 0;
      throw e;
    }
    const rangeStats = emptyBulkReadStats();
    const read = await readSealedRecords(s3, config, unit.service, members, rangeStats);
    stats.bundleGets += rangeStats.rangeReads;
    for (const result of read.values()) consider(unit.service, result.deletion, result.archiveKey, true);
    return members.length - read.size;
  }

  async function scanObjects(unit: Extract<Unit, { kind: "objects" }>): Promise<void> {
    const limit = pLimit(8);
    let damaged = 0;
    let inGlacier = 0;
    await Promise.all(
      unit.objects.map((object) =>
        limit(async () => {
          if (signal.aborted) return;
          stats.objectGets += 1;
          const read = await readArchiveObject(s3, config, unit.service, object.key, unit.day, object.name);
          progress.bytesScanned += object.size;
          if (read.ok) consider(unit.service, read.deletion, read.archiveKey, false);
          else if (read.error.kind === "corrupt") damaged += 1;
          else if (read.error.kind === "archived-in-glacier") inGlacier += 1;
        }),
      ),
    );
    if (damaged > 0) problem(unit.service, unit.day, `${damaged} damaged archive object(s) were skipped`);
    if (inGlacier > 0) problem(unit.service, unit.day, `${inGlacier} archive object(s) are in Glacier and were not searched`);
    pushProgress();
  }

  let finished = false;
  let failure: unknown;
  const run = async () => {
    const limit = pLimit(options.concurrency ?? DEFAULT_SCAN_CONCURRENCY);
    const planLimit = pLimit(PLAN_CONCURRENCY);
    const plans = await Promise.all(services.flatMap((service) => days.map((day) => planLimit(() => (signal.aborted ? Promise.resolve({ units: [], bytes: 0 }) : planDay(service, day))))));
    progress.bytesTotal = plans.reduce((sum, p) => sum + p.bytes, 0);
    pushProgress(true);
    await Promise.all(
      plans.map(async (plan) => {
        await Promise.all(plan.units.map((unit) => limit(() => (signal.aborted ? undefined : unit.kind === "part" ? scanPart(unit) : scanObjects(unit)))));
        if (!signal.aborted) progress.daysScanned += 1;
      }),
    );
  };
  run()
    .catch((e: unknown) => {
      if (!signal.aborted) failure = e;
    })
    .finally(() => {
      finished = true;
      wake?.();
    });

  try {
    while (true) {
      const event = queue.shift();
      if (event) {
        yield event;
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
    const outcome: SearchOutcome = capped ? "capped" : options.signal?.aborted ? "cancelled" : "complete";
    yield { type: "done", outcome, progress: snapshot() };
  } finally {
    controller.abort();
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}
