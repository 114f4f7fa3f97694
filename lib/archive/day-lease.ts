import "server-only";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { isMissingObject, isPreconditionFailed } from "../aws/aws-errors";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";
import { formatDay, type CalendarDay } from "./archive-input";

/**
 * A per-day lease: whoever rewrites a day (the sealer, an erasure, the erasure re-check)
 * holds `{prefix}_leases/{service}/{yyyy}/{mm}/{dd}.json` while it does, so a seal and an
 * erasure of the same day never interleave (docs/ARCHIVE-FORMAT.md, "Day leases").
 *
 * Taken with `If-None-Match: *`; a lease that has run out (its holder crashed) is taken
 * over with `If-Match` on the ETag that was read, so of two takers only one wins. Renewed
 * with `If-Match` every third of its length while the work runs; a holder whose renewal is
 * refused, or whose lease ran out, has lost it and stops before its next write. Released
 * by deleting the versions it wrote. Cost: 1 PUT to take, 1 DeleteObjects (versioned
 * bucket) or conditional DeleteObject to release, 1 PUT per renewal; a takeover adds 1
 * GET, 1 ListObjectVersions.
 *
 * No machine's wall clock decides anything: the holders run on different machines whose
 * clocks may be minutes apart. A taker judges a lease's age by S3's clock alone (the
 * lease's `Last-Modified` against the `Date` of the GET that read it, both S3's, both to
 * the second, so with CLOCK_MARGIN_MS added); a holder counts its time on its own
 * monotonic clock from just before the write that took or renewed the lease, which S3
 * stamped later, so the holder's end always comes before the end S3's clock gives.
 */

export const LEASE_SEGMENT = "_leases";
/** Long enough for a renewal to be late a few times, short enough that a crashed holder delays the next run by minutes. */
export const DAY_LEASE_MS = 5 * 60_000;

/**
 * Added to a lease's length before a taker may take it over: `Last-Modified` and `Date` are
 * whole seconds (the write may have been up to 1 s after its stamp), and the two may come
 * from different S3 hosts.
 */
export const CLOCK_MARGIN_MS = 2_000;
/** A lease claiming more than this is judged to be this long: a damaged object must not block a day for long. */
const MAX_LEASE_MS = 60 * 60_000;
/** Object metadata that carries the lease's length to takers (the body's times are the holder's clock). */
const LEASE_MS_METADATA = "lease-ms";

export type DayLeasePurpose = "seal" | "erase" | "erasure-recheck";

const leaseBodySchema = z
  .object({
    schemaVersion: z.literal(1),
    service: z.string(),
    date: z.string(),
    holder: z.string(),
    purpose: z.enum(["seal", "erase", "erasure-recheck"]),
    takenAt: z.string(),
    expiresAt: z.string(),
  })
  .strict();
export type DayLeaseBody = z.infer<typeof leaseBodySchema>;

export interface DayLeaseOptions {
  /** Who holds it, for the lease object and a busy message; a random id unless said. */
  holder?: string;
  /** Length of the lease (DAY_LEASE_MS unless said); renewed every third of it. */
  leaseMs?: number;
  /** The holder's wall clock: only for `takenAt`/`expiresAt` in the body, which people read; no decision uses it. */
  now?: () => Date;
}

/** A monotonic clock in ms: never steps with NTP or a changed system time. */
const monotonic = (): number => performance.now();

export function dayLeaseKey(prefix: string, service: string, day: CalendarDay): string {
  return `${prefix}${LEASE_SEGMENT}/${service}/${formatDay(day).replaceAll("-", "/")}.json`;
}

const DOING: Record<DayLeasePurpose, string> = { seal: "is being sealed", erase: "is being edited by an erasure", "erasure-recheck": "is being edited by the erasure re-check" };

/** "day 2026-09-02 of usr-contact-svc is being sealed" */
export function busyDayText(lease: Pick<DayLeaseBody, "service" | "date" | "purpose">): string {
  return `day ${lease.date} of ${lease.service} ${DOING[lease.purpose]}`;
}

export function describeBusyDay(lease: Pick<DayLeaseBody, "service" | "date" | "purpose">): string {
  return `${busyDayText(lease)}; try again in a minute`;
}

export class DayBusyError extends DomainError {
  override name = "DayBusyError";
  constructor(readonly lease: DayLeaseBody) {
    super(409, "day-busy", describeBusyDay(lease), { details: { service: lease.service, date: lease.date, purpose: lease.purpose, expiresAt: lease.expiresAt } });
  }
}

export class DayLeaseLostError extends DomainError {
  override name = "DayLeaseLostError";
  constructor(service: string, date: string) {
    super(409, "day-lease-lost", `the lease on day ${date} of ${service} ran out or was taken over before the work was done; run it again`);
  }
}

/** A lease this process holds. */
export class DayLease {
  private lost = false;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  /** On the monotonic clock: when this holder stops believing it holds the lease. */
  private heldUntil: number;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
    private body: DayLeaseBody,
    private etag: string,
    /** Versions to delete on release: the ones this holder wrote, and those it took over. */
    private readonly versions: string[],
    private readonly leaseMs: number,
    private readonly now: () => Date,
    /** Monotonic time read just before the write that took the lease. */
    writtenFrom: number,
  ) {
    this.heldUntil = writtenFrom + leaseMs;
  }

  /** How long this holder still counts on the lease (ms; 0 or less: it is over). */
  get remainingMs(): number {
    return this.heldUntil - monotonic();
  }

  /** Throws when the lease is no longer held: call before each write that needs it. */
  assertHeld(): void {
    if (this.lost || this.remainingMs <= 0) throw new DayLeaseLostError(this.body.service, this.body.date);
  }

  async renew(): Promise<void> {
    this.assertHeld();
    const at = this.now();
    const next: DayLeaseBody = { ...this.body, expiresAt: new Date(at.getTime() + this.leaseMs).toISOString() };
    // Read before the write: S3 stamps the renewal later than this, so the holder's end comes first.
    const from = monotonic();
    try {
      const written = await putLease(this.s3, this.bucket, this.key, next, this.leaseMs, { IfMatch: this.etag });
      this.heldUntil = from + this.leaseMs;
      this.body = next;
      this.etag = written.etag;
      if (written.versionId) this.versions.push(written.versionId);
    } catch (error) {
      if (isPreconditionFailed(error) || isMissingObject(error)) this.lost = true;
      throw error;
    }
  }

  /** Renews every third of the lease until released; a failed renewal is tried again at the next tick. */
  keepRenewed(): this {
    this.timer = setInterval(() => {
      if (this.renewing || this.lost) return;
      this.renewing = this.renew()
        .catch(() => undefined)
        .finally(() => (this.renewing = undefined));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
    return this;
  }

  /** Deletes what this holder wrote; a lease already lost is left to whoever has it now. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    if (this.lost) return;
    this.lost = true;
    try {
      if (this.versions.length > 0) {
        await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: this.versions.map((v) => ({ Key: this.key, VersionId: v })), Quiet: true } }));
      } else {
        // Unversioned: only the object as this holder last wrote it.
        await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key, IfMatch: this.etag }));
      }
    } catch (error) {
      // Taken over or gone already: nothing of ours to remove.
      if (!isPreconditionFailed(error) && !isMissingObject(error)) throw error;
    }
  }
}

async function putLease(s3: S3Client, bucket: string, key: string, body: DayLeaseBody, leaseMs: number, condition: { IfNoneMatch: "*" } | { IfMatch: string }) {
  const out = await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body), ContentType: "application/json", Metadata: { [LEASE_MS_METADATA]: String(leaseMs) }, ...condition }),
  );
  return { etag: out.ETag ?? "", versionId: out.VersionId && out.VersionId !== "null" ? out.VersionId : undefined };
}

/** The lease's length as its holder wrote it; a lease written without it (an older Lazarus) is DAY_LEASE_MS long. */
function declaredLeaseMs(metadata: Record<string, string> | undefined): number {
  const declared = Number(metadata?.[LEASE_MS_METADATA]);
  return Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, MAX_LEASE_MS) : DAY_LEASE_MS;
}

/** S3's own time: the `Date` header of its answer to the command (the SDK's output leaves it out). */
function withResponseDate<C extends GetObjectCommand>(command: C): { command: C; date: () => Date | null } {
  let header: string | undefined;
  command.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const headers = (out.response as { headers?: Record<string, string> } | undefined)?.headers;
      header = headers?.date ?? headers?.Date;
      return out;
    },
    { step: "deserialize", name: "lazarusResponseDate" },
  );
  return {
    command,
    date: () => {
      const at = header ? new Date(header) : null;
      return at && !Number.isNaN(at.getTime()) ? at : null;
    },
  };
}

interface ReadLease {
  body: DayLeaseBody | null;
  etag: string;
  /** On S3's clock: when a taker may take it over (its last write + its length + CLOCK_MARGIN_MS). */
  endsAt: Date;
  /** S3's clock when it answered the read. */
  s3Now: Date;
}

async function readLease(s3: S3Client, bucket: string, key: string): Promise<ReadLease | null> {
  try {
    const { command, date } = withResponseDate(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const out = await s3.send(command);
    const s3Now = date();
    // Without both of S3's times the lease's age cannot be judged without trusting a machine's clock.
    if (!s3Now || !out.LastModified) throw new Error(`the S3 endpoint answered the read of ${key} without a Date or Last-Modified header, so the lease's age cannot be judged`);
    const endsAt = new Date(out.LastModified.getTime() + declaredLeaseMs(out.Metadata) + CLOCK_MARGIN_MS);
    const text = (await out.Body?.transformToString("utf-8")) ?? "";
    let parsed: DayLeaseBody | null = null;
    try {
      const result = leaseBodySchema.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : null;
    } catch {
      parsed = null;
    }
    return { body: parsed, etag: out.ETag ?? "", endsAt, s3Now };
  } catch (error) {
    if (isMissingObject(error)) return null;
    throw error;
  }
}

/** Every version of the lease object but the current one: a crashed holder's renewals, left by a takeover. */
async function olderVersions(s3: S3Client, bucket: string, key: string): Promise<string[]> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => v.Key === key && v.VersionId && v.VersionId !== "null").map((v) => v.VersionId as string);
}

/**
 * Takes the day's lease, or returns the lease someone else holds (its `expiresAt` then says
 * when S3's clock lets it be taken over). A lease that cannot be read as one (damaged, or
 * written by something else) counts as expired, so it can never block a day for good.
 */
export async function takeDayLease(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  purpose: DayLeasePurpose,
  options: DayLeaseOptions = {},
): Promise<{ lease: DayLease } | { busy: DayLeaseBody }> {
  const bucket = config.archive.bucket;
  const key = dayLeaseKey(config.archive.prefix, service.name, day);
  const now = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? DAY_LEASE_MS;
  const bodyAt = (at: Date): DayLeaseBody => ({
    schemaVersion: 1,
    service: service.name,
    date: formatDay(day),
    holder: options.holder ?? randomUUID(),
    purpose,
    takenAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + leaseMs).toISOString(),
  });
  // A few rounds at most: each lost round means another taker moved in between.
  for (let round = 0; round < 4; round++) {
    const body = bodyAt(now());
    const from = monotonic();
    try {
      const written = await putLease(s3, bucket, key, body, leaseMs, { IfNoneMatch: "*" });
      return { lease: new DayLease(s3, bucket, key, body, written.etag, written.versionId ? [written.versionId] : [], leaseMs, now, from).keepRenewed() };
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
    const current = await readLease(s3, bucket, key);
    if (!current) continue;
    if (current.body && current.s3Now.getTime() < current.endsAt.getTime()) return { busy: { ...current.body, expiresAt: current.endsAt.toISOString() } };
    try {
      const taken = bodyAt(now());
      const takenFrom = monotonic();
      const written = await putLease(s3, bucket, key, taken, leaseMs, { IfMatch: current.etag });
      const versions = [...(await olderVersions(s3, bucket, key)).filter((v) => v !== written.versionId), ...(written.versionId ? [written.versionId] : [])];
      return { lease: new DayLease(s3, bucket, key, taken, written.etag, versions, leaseMs, now, takenFrom).keepRenewed() };
    } catch (error) {
      if (!isPreconditionFailed(error) && !isMissingObject(error)) throw error;
    }
  }
  const current = await readLease(s3, bucket, key);
  if (current?.body) return { busy: { ...current.body, expiresAt: current.endsAt.toISOString() } };
  throw new Error(`the lease on day ${formatDay(day)} of ${service.name} changed hands too often to be taken`);
}

export interface DayLeaseWait extends DayLeaseOptions {
  /** How long to wait for a busy day before giving up (0: do not wait). */
  waitMs?: number;
  /** How often to try again meanwhile. */
  pollMs?: number;
}

/** How long an erasure waits for a day being sealed before it refuses: most days seal within it. */
export const DAY_LEASE_WAIT_MS = 20_000;
const DAY_LEASE_POLL_MS = 2_000;

/**
 * Takes the leases of several days, in one order (so two takers never hold each other's
 * days), waiting up to `waitMs` for busy ones. If one is still busy then, the ones taken
 * are released and DayBusyError names the busy day: nothing was done under them.
 */
export async function takeDayLeases(
  s3: S3Client,
  config: LazarusConfig,
  days: readonly { service: ServiceConfig; day: CalendarDay }[],
  purpose: DayLeasePurpose,
  options: DayLeaseWait = {},
): Promise<DayLeases> {
  const unique = new Map<string, { service: ServiceConfig; day: CalendarDay }>();
  for (const d of days) unique.set(`${d.service.name}/${formatDay(d.day)}`, d);
  const ordered = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
  const held = new DayLeases();
  const deadline = monotonic() + (options.waitMs ?? DAY_LEASE_WAIT_MS);
  try {
    for (const { service, day } of ordered) {
      for (;;) {
        const taken = await takeDayLease(s3, config, service, day, purpose, options);
        if ("lease" in taken) {
          held.add(`${service.name}/${formatDay(day)}`, taken.lease);
          break;
        }
        if (monotonic() >= deadline) throw new DayBusyError(taken.busy);
        await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? DAY_LEASE_POLL_MS, Math.max(1, deadline - monotonic()))));
      }
    }
  } catch (error) {
    await held.releaseAll();
    throw error;
  }
  return held;
}

/** Leases held together: checked and released as one. */
export class DayLeases {
  private readonly leases = new Map<string, DayLease>();

  add(id: string, lease: DayLease): void {
    this.leases.set(id, lease);
  }

  get size(): number {
    return this.leases.size;
  }

  holds(service: string, date: string): boolean {
    return this.leases.has(`${service}/${date}`);
  }

  /** Takes over the leases of another set (which is left empty). */
  merge(other: DayLeases): void {
    for (const [id, lease] of other.leases) this.leases.set(id, lease);
    other.leases.clear();
  }

  assertHeld(): void {
    for (const lease of this.leases.values()) lease.assertHeld();
  }

  async releaseAll(): Promise<void> {
    const results = await Promise.allSettled([...this.leases.values()].map((l) => l.release()));
    this.leases.clear();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
