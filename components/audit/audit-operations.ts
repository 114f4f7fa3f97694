import type { AuditAction, AuditEntry } from "@/lib/audit/audit-entry";

export const ACTION_LABELS: Record<AuditAction, string> = {
  restore: "Restore",
  "bulk-restore": "Bulk restore",
  "pitr-restore": "PITR restore",
  export: "Export",
  erasure: "Erasure",
  "protection-change": "Protection change",
  "dlq-replay": "DLQ replay",
  "dlq-discard": "DLQ discard",
  "glacier-retrieval": "Glacier retrieval",
  "sign-in": "Sign-in",
  approval: "Approval",
  "content-search": "Content search",
  alert: "Alert",
  "restore-drill": "Restore drill",
};

/** One audited operation: its "started" entry and its outcome share an operationId. */
export interface AuditOperation {
  operationId: string;
  /** Oldest first. */
  entries: AuditEntry[];
  /** The last word on it: the outcome, or "started" while it runs (or when its outcome is on another page). */
  latest: AuditEntry;
  /** When it began: its started entry, else its first entry on the page. */
  at: string;
}

/** Newest first: the entry a compliance officer is looking for is usually the latest. */
export function sortNewestFirst(entries: readonly AuditEntry[]): AuditEntry[] {
  return [...entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/**
 * Folds entries into operations, newest first (by their latest entry). Entries of
 * one operation that fall on another page stay there: the row says what this page knows.
 */
export function foldOperations(entries: readonly AuditEntry[]): AuditOperation[] {
  const byId = new Map<string, AuditEntry[]>();
  for (const entry of entries) {
    const list = byId.get(entry.operationId);
    if (list) list.push(entry);
    else byId.set(entry.operationId, [entry]);
  }
  const operations: AuditOperation[] = [];
  for (const [operationId, list] of byId) {
    const oldestFirst = [...list].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const latest = oldestFirst.at(-1)!;
    operations.push({ operationId, entries: oldestFirst, latest, at: oldestFirst[0]!.at });
  }
  return operations.sort((a, b) => (a.latest.at < b.latest.at ? 1 : a.latest.at > b.latest.at ? -1 : 0));
}
