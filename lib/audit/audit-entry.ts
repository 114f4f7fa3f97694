import { z } from "zod";
import { attributeRecord, keyValueSchema, type KeyValue } from "../archive/attribute-value";
import { ROLES, type Role } from "../auth/roles";

/**
 * One audit log entry: who did what, when, to which record, and how it ended.
 * Entries name keys and archive objects, never item contents. Isomorphic: the
 * audit page renders them.
 */
export const AUDIT_ACTIONS = ["restore", "bulk-restore", "pitr-restore", "export", "erasure", "protection-change", "dlq-replay", "dlq-discard", "glacier-retrieval", "sign-in", "approval", "content-search", "alert", "restore-drill"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** "started" is written before an action changes anything; the same operationId then gets one outcome. */
export const AUDIT_OUTCOMES = ["started", "succeeded", "refused", "failed"] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEntry {
  schemaVersion: 1;
  id: string;
  operationId: string;
  at: string;
  actor: { id: string; email: string; name: string };
  /** Absent only for a sign-in attempt on an account that does not exist. */
  role?: Role;
  action: AuditAction;
  outcome: AuditOutcome;
  service?: string;
  table?: string;
  key?: Record<string, KeyValue>;
  archiveKey?: string;
  mode?: string;
  message?: string;
  details?: Record<string, unknown>;
}

export const auditEntrySchema = z.object({
  schemaVersion: z.literal(1),
  id: z.uuid(),
  operationId: z.string().min(1).max(64),
  at: z.iso.datetime(),
  actor: z.object({ id: z.string().max(512), email: z.string().max(512), name: z.string().max(512) }),
  role: z.enum(ROLES).optional(),
  action: z.enum(AUDIT_ACTIONS),
  outcome: z.enum(AUDIT_OUTCOMES),
  service: z.string().max(63).optional(),
  table: z.string().max(255).optional(),
  key: attributeRecord(keyValueSchema).optional(),
  archiveKey: z.string().max(1024).optional(),
  mode: z.string().max(64).optional(),
  message: z.string().max(2000).optional(),
  details: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<AuditEntry>;
