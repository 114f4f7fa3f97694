import "server-only";
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { LazarusConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";
import { appendAuditEntry, type AuditOutcome, type NewAuditEntry } from "./audit-log";

/**
 * The write-ahead audit of one operation that changes data (a restore, an erasure, a
 * replay, a PITR restore or copy-back, a protection fix, a Glacier retrieval): every
 * entry shares one operationId.
 *
 * - `start` writes the "started" entry before anything changes; if it cannot be
 *   written, the operation does not run (it throws).
 * - `refuse` records an attempt refused before it started; being its only entry, it
 *   must be written (it throws too).
 * - `finish` records the outcome after a start. Losing it must not hide what was done
 *   from the caller: the "started" entry already names the attempt, so the gap is
 *   logged instead of thrown.
 * - `run` is the whole dance: start, the work, then the outcome it reports, or
 *   "refused" / "failed" with the error's message when it throws (rethrown).
 */

export type AuditBase = Omit<NewAuditEntry, "operationId" | "outcome">;

export interface AuditOutcomeReport {
  outcome?: Exclude<AuditOutcome, "started">;
  message: string;
  details?: Record<string, unknown>;
}

/** A message safe for the log: a domain error's own words; for anything else its name only (AWS errors can carry item attributes). */
export function auditErrorText(error: unknown): string {
  if (error instanceof DomainError) return error.message;
  return error instanceof Error ? error.name : "unknown error";
}

export class AuditedOperation {
  constructor(
    private readonly s3: S3Client,
    private readonly config: LazarusConfig,
    private base: AuditBase,
    readonly operationId: string = randomUUID(),
  ) {}

  /** Later entries carry more (a key read from the archive, say). */
  amend(fields: Partial<AuditBase>): void {
    this.base = { ...this.base, ...fields };
  }

  entry(outcome: AuditOutcome, message?: string, details: Record<string, unknown> = {}, base: Partial<AuditBase> = this.base): NewAuditEntry {
    const merged = { ...base.details, ...details };
    return {
      ...(base as AuditBase),
      operationId: this.operationId,
      outcome,
      ...(message !== undefined ? { message: message.slice(0, 2000) } : {}),
      ...(Object.keys(merged).length > 0 ? { details: merged } : {}),
    };
  }

  async start(message?: string, details?: Record<string, unknown>): Promise<void> {
    await appendAuditEntry(this.s3, this.config, this.entry("started", message ?? this.base.message, details));
  }

  /** `base` replaces the operation's fields for this entry (an erased key's refusal must not name the key). */
  async refuse(message: string, details?: Record<string, unknown>, base?: Partial<AuditBase>): Promise<void> {
    await appendAuditEntry(this.s3, this.config, this.entry("refused", message, details, base));
  }

  async finish(outcome: Exclude<AuditOutcome, "started">, message: string, details?: Record<string, unknown>, base?: Partial<AuditBase>): Promise<void> {
    try {
      await appendAuditEntry(this.s3, this.config, this.entry(outcome, message, details, base));
    } catch (error) {
      console.error(JSON.stringify({ message: "audit outcome not recorded", operationId: this.operationId, action: this.base.action, outcome, error: error instanceof Error ? error.name : "error" }));
    }
  }

  async run<T>(work: () => Promise<T>, report: { succeeded: (result: T) => AuditOutcomeReport; failed?: (error: unknown) => AuditOutcomeReport }): Promise<T> {
    await this.start();
    let result: T;
    try {
      result = await work();
    } catch (error) {
      const refused = error instanceof DomainError && error.status < 500;
      const outcome = report.failed?.(error) ?? { message: auditErrorText(error) };
      await this.finish(outcome.outcome ?? (refused ? "refused" : "failed"), outcome.message, outcome.details);
      throw error;
    }
    const done = report.succeeded(result);
    await this.finish(done.outcome ?? "succeeded", done.message, done.details);
    return result;
  }
}

export function auditedOperation(s3: S3Client, config: LazarusConfig, base: AuditBase, operationId?: string): AuditedOperation {
  return new AuditedOperation(s3, config, base, operationId);
}
