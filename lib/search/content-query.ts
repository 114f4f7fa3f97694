import { z } from "zod";
import { principalFilterSchema } from "../attribution/principal-filter";
import { AttributePathError, parseAttributePath } from "./attribute-path";
import { isDynamoNumber } from "./dynamo-number";

/**
 * A content search as the search page and POST /api/search/content take it: conditions
 * on attribute paths, ANDed, over services, a time window to the minute (UTC) and a
 * deletion type. Strict: an unknown field or operator is refused with its path, before
 * anything is read. Isomorphic: the form checks with the same schema.
 */

export const MAX_CONDITIONS = 10;
/** Long enough for any address or note; a longer value is not something a person searches for. */
export const MAX_VALUE_LENGTH = 1024;
/** The local engine reads every bundle of the range: three months is about what one machine answers in minutes. */
export const MAX_LOCAL_RANGE_DAYS = 92;
export const DEFAULT_MATCH_CAP = 200;
export const MAX_MATCH_CAP = 1000;
export const MAX_SERVICES = 200;

export const OPERATORS = ["equals", "beginsWith", "contains", "numberRange", "dateRange", "exists"] as const;
export type Operator = (typeof OPERATORS)[number];

const path = z
  .string()
  .max(600)
  .superRefine((text, ctx) => {
    try {
      parseAttributePath(text);
    } catch (e) {
      if (!(e instanceof AttributePathError)) throw e;
      ctx.addIssue({ code: "custom", message: `the attribute path ${e.message}` });
    }
  });

const text = z
  .string()
  .min(1, "is empty: type what to look for")
  .max(MAX_VALUE_LENGTH, `is longer than ${MAX_VALUE_LENGTH.toLocaleString("en-US")} characters`);

const dynamoNumber = z.string().max(200).refine(isDynamoNumber, "must be a number, like 42, -3.5 or 1.2E+30");
const instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()], { error: "must be a date (2024-03-05) or a date and time (2024-03-05T10:30:00Z)" });

const stringCondition = <Op extends "equals" | "beginsWith" | "contains">(op: Op) =>
  z.strictObject({ path, op: z.literal(op), value: text, caseInsensitive: z.boolean().default(false) });

export const conditionSchema = z.discriminatedUnion(
  "op",
  [
    stringCondition("equals"),
    stringCondition("beginsWith"),
    stringCondition("contains"),
    z
      .strictObject({ path, op: z.literal("numberRange"), min: dynamoNumber.optional(), max: dynamoNumber.optional() })
      .refine((c) => c.min !== undefined || c.max !== undefined, { message: "needs a lowest or a highest number", path: ["min"] }),
    z
      .strictObject({ path, op: z.literal("dateRange"), from: instant.optional(), to: instant.optional() })
      .refine((c) => c.from !== undefined || c.to !== undefined, { message: "needs a first or a last date", path: ["from"] }),
    z.strictObject({ path, op: z.literal("exists") }),
  ],
  { error: (issue) => (issue.code === "invalid_union" ? `must be one of ${OPERATORS.join(", ")}` : undefined) },
);
export type Condition = z.infer<typeof conditionSchema>;

/** A UTC minute: "2024-03-05T10:30Z" (seconds, if given, must be :00). */
const MINUTE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(:00(\.0+)?)?Z$/;
const minute = z
  .string()
  .max(40)
  .regex(MINUTE, "must be a UTC time to the minute, like 2024-03-05T10:30Z")
  .refine((t) => !Number.isNaN(Date.parse(`${MINUTE.exec(t)?.[1]}:00Z`)), "is not a real date and time")
  .transform((t) => `${MINUTE.exec(t)?.[1]}Z`);

const serviceName = z.string().regex(/^[a-z0-9-]{1,63}$/, "is not a service name");

export const contentSearchSchema = z
  .strictObject({
    conditions: z.array(conditionSchema).max(MAX_CONDITIONS, `at most ${MAX_CONDITIONS} conditions`).default([]),
    services: z.union([z.literal("all"), z.array(serviceName).min(1, "name at least one service, or all").max(MAX_SERVICES)]).default("all"),
    /** The first minute of the window (UTC). */
    from: minute,
    /** The last minute of the window (UTC), included whole: 10:45 takes in 10:45:59. */
    to: minute,
    deletionType: z.enum(["any", "ttl", "manual"]).default("any"),
    /** Stop after this many matches: a search that finds more asks to be narrowed. */
    cap: z.number().int().min(1).max(MAX_MATCH_CAP).default(DEFAULT_MATCH_CAP),
    /** Only deletions whose caller (docs/ATTRIBUTION.md) this names. */
    principal: principalFilterSchema.optional(),
  })
  .superRefine((q, ctx) => {
    const from = Date.parse(`${q.from.slice(0, -1)}:00Z`);
    const to = Date.parse(`${q.to.slice(0, -1)}:00Z`);
    if (to < from) ctx.addIssue({ code: "custom", path: ["to"], message: "is before from" });
    if (q.principal && q.deletionType === "ttl") {
      ctx.addIssue({ code: "custom", path: ["principal"], message: "finds manual deletions only (TTL expiries have no caller): choose Any or Manual" });
    }
    const days = windowDays(q.from, q.to);
    if (days > MAX_LOCAL_RANGE_DAYS) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `makes a window of ${days} days; one search covers at most ${MAX_LOCAL_RANGE_DAYS} days: narrow the range` });
    }
  });
export type ContentSearchInput = z.input<typeof contentSearchSchema>;
export type ContentSearch = z.output<typeof contentSearchSchema>;

/** The first and last instant of the window, `to`'s minute included whole. */
export function windowBounds(q: Pick<ContentSearch, "from" | "to">): { start: Date; end: Date } {
  const start = new Date(`${q.from.slice(0, -1)}:00Z`);
  const end = new Date(Date.parse(`${q.to.slice(0, -1)}:00Z`) + 59_999);
  return { start, end };
}

/** How many UTC days the window touches. */
export function windowDays(from: string, to: string): number {
  const a = Date.parse(`${from.slice(0, 10)}T00:00:00Z`);
  const b = Date.parse(`${to.slice(0, 10)}T00:00:00Z`);
  return Math.floor((b - a) / 86_400_000) + 1;
}
