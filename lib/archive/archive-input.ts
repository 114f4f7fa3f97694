import "server-only";
import { z } from "zod";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { findService } from "../config/load";
import { servicePrefix } from "./layout";
import { DomainError } from "../errors/domain-error";

/**
 * What the archive readers accept: configured services, calendar dates and archive
 * keys. Nothing a request supplies becomes an S3 prefix without passing through here.
 */

/** Bad input from a caller (a route param, a cursor): an HTTP 400, never a server error. */
export class ArchiveInputError extends DomainError {
  override name = "ArchiveInputError";
  constructor(message: string) {
    super(400, "invalid-input", message);
  }
}

export interface CalendarMonth {
  year: number;
  month: number;
}

export interface CalendarDay extends CalendarMonth {
  day: number;
}

export const year = z.number().int().min(1970).max(9999);
const month = z.number().int().min(1).max(12);

const monthSchema = z.object({ year, month });

export const daySchema = z
  .object({ year, month, day: z.number().int().min(1).max(31) })
  .refine((d) => d.day <= daysInMonth(d), "is not a calendar date");

function daysInMonth(m: CalendarMonth): number {
  return new Date(Date.UTC(m.year, m.month, 0)).getUTCDate();
}

export function issuesOf(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "value"} ${i.message}`).join("; ");
}

export function validateMonth(value: unknown): CalendarMonth {
  const result = monthSchema.safeParse(value);
  if (!result.success) throw new ArchiveInputError(`invalid month: ${issuesOf(result.error)}`);
  return result.data;
}

export function validateDay(value: unknown): CalendarDay {
  const result = daySchema.safeParse(value);
  if (!result.success) throw new ArchiveInputError(`invalid day: ${issuesOf(result.error)}`);
  return result.data;
}

/** "2024-01-15" as it appears in URLs. */
export function parseDay(text: string): CalendarDay {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new ArchiveInputError(`invalid day "${text.slice(0, 40)}": expected YYYY-MM-DD`);
  return validateDay({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) });
}

export function formatDay(day: CalendarDay): string {
  return `${String(day.year).padStart(4, "0")}-${String(day.month).padStart(2, "0")}-${String(day.day).padStart(2, "0")}`;
}

/**
 * Services are always the configured objects (from findService), so a service
 * name from a request can never reach S3 unchecked.
 */
export function assertConfiguredService(config: LazarusConfig, service: ServiceConfig): ServiceConfig {
  if (findService(config, service.name) !== service) {
    throw new ArchiveInputError(`service "${service.name}" is not one of the configured services; look it up with findService`);
  }
  return service;
}

/**
 * An archive key with an empty, "." or ".." segment. S3 keys are opaque, so such a key
 * is only a name (the seed's layout wrote some); it is accepted once the bucket's own
 * listing shows an object of exactly that name (lib/archive/listed-key.ts), never on
 * the caller's word.
 */
export class UnsafeArchiveKeyError extends ArchiveInputError {
  override name = "UnsafeArchiveKeyError";
}

export const MAX_S3_KEY_BYTES = 1024;

export function hasUnsafeSegment(path: string): boolean {
  return path.split("/").some((s) => s === "" || s === "." || s === "..");
}

/**
 * Checks that a key names an object in one of the service's day folders (not the
 * index, no "." or ".." segments unless `listed`: the name came from the bucket's own
 * listing) and returns its day and name.
 */
export function validateArchiveKey(config: LazarusConfig, service: ServiceConfig, archiveKey: unknown, origin: { listed?: boolean } = {}): { day: CalendarDay; name: string } {
  if (typeof archiveKey !== "string" || archiveKey.length === 0) throw new ArchiveInputError("invalid archive key: must be a non-empty string");
  if (Buffer.byteLength(archiveKey, "utf8") > MAX_S3_KEY_BYTES) throw new ArchiveInputError(`invalid archive key: longer than ${MAX_S3_KEY_BYTES} bytes`);
  const base = servicePrefix(config.archive.prefix, service.name);
  if (!archiveKey.startsWith(base)) throw new ArchiveInputError(`invalid archive key: not under ${base}`);
  const m = /^(\d{4})\/(\d{2})\/(\d{2})\/(.+)$/.exec(archiveKey.slice(base.length));
  if (!m) throw new ArchiveInputError(`invalid archive key: not in a day folder of ${base} (YYYY/MM/DD/name)`);
  const name = m[4] as string;
  if (hasUnsafeSegment(name) && !origin.listed) throw new UnsafeArchiveKeyError('invalid archive key: has an empty, "." or ".." path segment');
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new ArchiveInputError("invalid archive key: has control characters");
  return { day: validateDay({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) }), name };
}
