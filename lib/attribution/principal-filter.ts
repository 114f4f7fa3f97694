import { z } from "zod";
import { roleNameOf, roleOfLabel } from "../incidents/incident-params";

/**
 * "Only what this role (or caller) deleted", for content search, the report's record
 * list and the day table. Deletions are matched by the caller's label the join gives
 * (`role/session`, `user/name`, `root`), which is in the attribution record's name, so
 * filtering reads no attribution object. Isomorphic: forms build it, routes parse it.
 *
 * - `equals`: the text names a caller or a role exactly: a label (`order-cleanup-job/run-41`),
 *   a role name (`order-cleanup-job`, every session of it), or an ARN: a role's
 *   (`arn:aws:iam::111122223333:role/order-cleanup-job`, every session), an assumed
 *   role's (one session) or a user's.
 * - `contains`: any part of the label, ignoring case (an ARN is first read as above).
 *
 * Only deletions with a known caller can match: TTL expiries and deletions with no
 * matching call never do.
 */

export const PRINCIPAL_MATCHES = ["contains", "equals"] as const;
export type PrincipalMatch = (typeof PRINCIPAL_MATCHES)[number];

export const principalFilterSchema = z.strictObject({
  value: z.string().trim().min(1, "is empty: type a role, a caller or an ARN").max(2048, "is longer than 2,048 characters"),
  match: z.enum(PRINCIPAL_MATCHES).default("contains"),
});
export type PrincipalFilter = z.output<typeof principalFilterSchema>;

/** An ARN as the join labels its caller; anything else as typed. */
export function principalText(value: string): string {
  const assumed = /^arn:[^:]+:sts::[^:]*:assumed-role\/([^/]+)\/(.+)$/.exec(value);
  if (assumed) return `${assumed[1]}/${assumed[2]}`;
  const user = /^arn:[^:]+:iam::[^:]*:user\/(?:.*\/)?([^/]+)$/.exec(value);
  if (user) return `user/${user[1]}`;
  if (/^arn:[^:]+:iam::[^:]*:role\//.test(value)) return roleNameOf(value);
  return value;
}

export function matchesPrincipal(label: string | undefined, filter: PrincipalFilter): boolean {
  if (!label) return false;
  const text = principalText(filter.value);
  if (filter.match === "contains") return label.toLowerCase().includes(text.toLowerCase());
  return label === text || roleOfLabel(label) === text;
}

/**
 * The filter as URLs and query strings carry it, `who=…&whoMatch=equals`: one schema for
 * the pages (day table, key search, report) and the API routes, so a bad value is refused
 * the same way everywhere, naming the field. An empty `who` is no filter.
 */
export const principalParamsShape = {
  who: z.preprocess(
    (v) => (typeof v === "string" && v.trim() === "" ? undefined : v),
    z.string({ error: "must be given once" }).trim().max(2048, "is longer than 2,048 characters").optional(),
  ),
  whoMatch: z.preprocess((v) => (v === "" ? undefined : v), z.enum(PRINCIPAL_MATCHES, { error: 'must be "contains" or "equals"' }).optional()),
};
export const principalParamsSchema = z.object(principalParamsShape);
export type PrincipalParams = z.output<typeof principalParamsSchema>;

/** The filter the parsed params name, if any. */
export function principalFromParams(params: PrincipalParams): PrincipalFilter | undefined {
  return params.who ? { value: params.who, match: params.whoMatch ?? "contains" } : undefined;
}

/** The filter as the URL carries it; a malformed value reads as no filter (pages refuse it first with principalParamsSchema). */
export function readPrincipalParams(params: { who?: string | string[] | undefined; whoMatch?: string | string[] | undefined }): PrincipalFilter | undefined {
  const parsed = principalParamsSchema.safeParse({ who: params.who, whoMatch: params.whoMatch });
  return parsed.success ? principalFromParams(parsed.data) : undefined;
}

/** The URL's `who` and `whoMatch` for a filter (`contains` is the default and left out). */
export function principalQuery(filter: PrincipalFilter | undefined): { who?: string; whoMatch?: "equals" } {
  if (!filter) return {};
  return { who: filter.value, ...(filter.match === "equals" ? { whoMatch: "equals" as const } : {}) };
}
