import { createHash } from "node:crypto";
import type { SessionUser } from "../auth/roles";
import type { AuditBase } from "../audit/audited-operation";
import type { ContentSearch } from "./content-query";

/**
 * What the audit log keeps of a content search: who, which attribute paths with which
 * operators, which services, window and deletion type. The values searched for are
 * personal data (an email address), so each is kept as its SHA-256: compliance can
 * check whether someone searched for a given value by hashing it, and the log never
 * holds the value itself.
 */
export function hashSearchValue(value: string): string {
  return `sha256:${createHash("sha256").update(value, "utf8").digest("hex")}`;
}

export function contentSearchAudit(user: SessionUser, query: ContentSearch): AuditBase {
  return {
    actor: { id: user.id, email: user.email, name: user.name },
    role: user.role,
    action: "content-search",
    message: `Content search over ${query.from} to ${query.to} (UTC)`,
    details: {
      conditions: query.conditions.map((c) => ({
        path: c.path,
        op: c.op,
        ...("value" in c ? { valueHash: hashSearchValue(c.value), caseInsensitive: c.caseInsensitive } : {}),
        ...(c.op === "numberRange" ? { min: c.min ?? null, max: c.max ?? null } : {}),
        ...(c.op === "dateRange" ? { from: c.from ?? null, to: c.to ?? null } : {}),
      })),
      services: query.services,
      from: query.from,
      to: query.to,
      deletionType: query.deletionType,
      cap: query.cap,
      ...(query.principal ? { principal: query.principal } : {}),
    },
  };
}
