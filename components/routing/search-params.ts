import { z } from "zod";
import { principalParamsShape } from "@/lib/attribution/principal-filter";

/**
 * Search-param schemas shared by the pages (server) and the filter controls
 * (client). A repeated parameter (?a=1&a=2) is refused rather than guessed at.
 */

const single = z.string({ error: "must be given once" });

function optionalSingle<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === "" ? undefined : v), schema.optional());
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

export const dayFilterSchema = z.object({
  type: optionalSingle(z.enum(["ttl", "manual"], { error: 'must be "ttl" or "manual"' })),
  prefix: optionalSingle(single.max(512, "must be at most 512 characters")),
  // The caller filter, as the API and the other lists read it (lib/attribution/principal-filter.ts).
  ...principalParamsShape,
});
export type DayFilter = z.infer<typeof dayFilterSchema>;

export const calendarParamsSchema = z.object({
  year: optionalSingle(z.coerce.number({ error: "must be a year" }).int("must be a year").min(1970).max(9999)),
  month: optionalSingle(z.coerce.number({ error: "must be a month" }).int("must be a month").min(1).max(12)),
});

export const searchParamsSchema = z.object({
  q: optionalSingle(single.trim().max(2048, "must be at most 2,048 characters")),
  match: optionalSingle(z.enum(["exact", "prefix"], { error: 'must be "exact" or "prefix"' })).transform((m) => m ?? "exact"),
  service: optionalSingle(single.max(63)).transform((s) => s ?? "all"),
  ...principalParamsShape,
});
export type SearchParams = z.infer<typeof searchParamsSchema>;

export const recordParamsSchema = z.object({
  key: single.min(1, "is required").max(1024, "is longer than any archive key"),
  /** The list the record was opened from; one that is not a list of this console is ignored (links.ts safeBackPath). */
  back: optionalSingle(single.max(2048)),
});

export const auditParamsSchema = z.object({
  date: optionalSingle(single.regex(ISO_DAY, "must be a date as YYYY-MM-DD")),
  cursor: optionalSingle(single.max(4096)),
});

export type ParseResult<T> = { ok: true; data: T } | { ok: false; message: string };

/** zod's issues as one readable sentence naming the parameters. */
export function parseParams<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, data: result.data };
  const message = result.error.issues.map((i) => `${i.path.length ? `"${i.path.join(".")}"` : "the address"} ${i.message}`).join("; ");
  return { ok: false, message: `The address has a bad parameter: ${message}.` };
}
