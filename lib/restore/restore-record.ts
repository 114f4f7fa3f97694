import "server-only";
import { randomUUID } from "node:crypto";
import { PutItemCommand, type DynamoDBClient, type PutItemCommandInput } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { ArchiveInputError, assertConfiguredService, getArchivedRecord, type ArchivedRecordResult } from "../archive/archive-reader";
import { checkArchiveKey } from "../archive/listed-key";
import type { AttributeMap, AttributeValue, KeyValue } from "../archive/attribute-value";
import type { AuditOutcome, NewAuditEntry } from "../audit/audit-log";
import { auditedOperation, type AuditBase, type AuditedOperation } from "../audit/audited-operation";
import type { SessionUser } from "../auth/roles";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { erasedRefusalDetails, erasureBlocking, erasureOfMissingRecord } from "../erasure/erasure-check";
import { erasedMessage, ErasureLedgerError, type ErasureRecord } from "../erasure/erasure-ledger";
import { tableKeyOf } from "./table-key";
import { getLiveItem, itemFingerprint } from "./live-item";
import { restoreRequestBodySchema, type RestoreMode } from "./restore-request";
import { toSdkItem, toSdkValue } from "./sdk-attribute-value";
import { targetTableProblem } from "./target-table";
import { applyTtlChoice, ttlChoiceProblem, type TtlChoice } from "./ttl-choice";
import { DomainError } from "../errors/domain-error";

/**
 * Puts one archived item back, exactly as it was deleted (or with only the TTL
 * change the user chose), following the restore rules in docs/RESTORE.md:
 * no-clobber by default, overwrite only of the live item the user saw, other
 * tables only when keyed like the service's table, and every attempt audited,
 * with a write-ahead entry before anything is written.
 */
export type { RestoreMode } from "./restore-request";

export interface RestoreRequest {
  service: ServiceConfig;
  archiveKey: string;
  mode: RestoreMode;
  expectedLiveFingerprint?: string;
  ttl: TtlChoice;
  targetTable?: string;
  actor: SessionUser;
}

export type RefusalCode = "erased" | "archive-not-found" | "live-item-exists" | "live-item-changed" | "archive-unreadable" | "target-table-invalid" | "ttl-choice-invalid";

const REFUSAL_STATUS: Record<RefusalCode, number> = {
  erased: 410,
  "archive-not-found": 404,
  "live-item-exists": 409,
  "live-item-changed": 409,
  "archive-unreadable": 422,
  "target-table-invalid": 400,
  "ttl-choice-invalid": 400,
};

/** A refused restore as the error a route throws; the audit entry that records the refusal travels with it. */
export class RestoreRefusedError extends DomainError {
  override name = "RestoreRefusedError";
  constructor(refusal: Extract<RestoreResult, { outcome: "refused" }>) {
    super(REFUSAL_STATUS[refusal.code], refusal.code, refusal.message, { details: { auditId: refusal.auditId } });
  }
}

export type RestoreResult =
  | { outcome: "restored"; table: string; auditId: string; item: AttributeMap }
  | { outcome: "refused"; code: RefusalCode; message: string; auditId: string };

export const LIVE_ITEM_CHANGED_MESSAGE = "The live item changed since you looked at it; review the new difference and try again.";

/** DynamoDB's limits on one expression: 4 KB of text and 300 operators. */
const MAX_EXPRESSION_BYTES = 4096;
const MAX_EXPRESSION_OPERATORS = 300;

type Guard = "key-absent" | "attributes-unchanged" | "key-exists";
type Condition = Pick<PutItemCommandInput, "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"> & { guard: Guard };
type Prepared =
  | { kind: "write"; item: AttributeMap; condition: Condition }
  | { kind: "refused"; code: RefusalCode; message: string; erasure?: ErasureRecord };

export async function restoreRecord(
  clients: { s3: S3Client; dynamodb: DynamoDBClient },
  config: LazarusConfig,
  request: RestoreRequest,
  now: Date = new Date(),
): Promise<RestoreResult> {
  const service = assertConfiguredService(config, request.service);
  const input = parseRequest(request);
  await checkArchiveKey(clients.s3, config, service, input.archiveKey);
  const table = input.targetTable ?? service.table.name;
  const audit = new RestoreAudit(clients.s3, config, {
    operationId: randomUUID(),
    actor: { id: request.actor.id, email: request.actor.email, name: request.actor.name },
    role: request.actor.role,
    action: "restore",
    service: service.name,
    table,
    archiveKey: input.archiveKey,
    mode: input.mode,
    details: { ttl: input.ttl.action, ...(input.ttl.action === "extend" ? { ttlUntil: input.ttl.until } : {}), otherTable: table !== service.table.name },
  });

  let prepared: Prepared;
  try {
    prepared = await prepare(clients, config, service, { ...input, table }, audit, now);
  } catch (error) {
    await audit.recordFailure(error);
    throw error;
  }
  if (prepared.kind === "refused") {
    return prepared.erasure
      ? audit.refuseErased(erasedRefusalDetails(config, service, input.archiveKey, prepared.erasure), prepared.message)
      : audit.refuseBeforeWrite(prepared.code, prepared.message);
  }

  // Write-ahead: if this entry cannot be written, nothing is written to DynamoDB.
  await audit.start({ guard: prepared.condition.guard });
  const { guard, ...condition } = prepared.condition;
  try {
    await clients.dynamodb.send(new PutItemCommand({ TableName: table, Item: toSdkItem(prepared.item), ...condition }));
  } catch (error) {
    if (!(error instanceof Error && error.name === "ConditionalCheckFailedException")) {
      await audit.recordFailure(error);
      throw error;
    }
    return guard === "key-absent" && input.mode === "no-clobber"
      ? audit.refuseAfterStart("live-item-exists", `An item with this key already exists in ${table}; nothing was written. Compare it with the archived record before deciding what to do.`)
      : audit.refuseAfterStart("live-item-changed", LIVE_ITEM_CHANGED_MESSAGE);
  }
  await audit.finish("succeeded", `restored into ${table}`);
  return { outcome: "restored", table, auditId: audit.operationId, item: prepared.item };
}

type ParsedRequest = { archiveKey: string; mode: RestoreMode; expectedLiveFingerprint?: string; ttl: TtlChoice; targetTable?: string };

function parseRequest(request: RestoreRequest): ParsedRequest {
  const parsed = restoreRequestBodySchema.safeParse({
    archiveKey: request.archiveKey,
    mode: request.mode,
    ttl: request.ttl,
    ...(request.expectedLiveFingerprint !== undefined ? { expectedLiveFingerprint: request.expectedLiveFingerprint } : {}),
    ...(request.targetTable !== undefined ? { targetTable: request.targetTable } : {}),
  });
  if (!parsed.success) {
    throw new ArchiveInputError(`invalid restore request: ${parsed.error.issues.map((i) => `${i.path.join(".") || "request"} ${i.message}`).join("; ")}`);
  }
  return parsed.data;
}

async function prepare(
  clients: { s3: S3Client; dynamodb: DynamoDBClient },
  config: LazarusConfig,
  service: ServiceConfig,
  input: ParsedRequest & { table: string },
  audit: RestoreAudit,
  now: Date,
): Promise<Prepared> {
  const refuse = (code: RefusalCode, message: string): Prepared => ({ kind: "refused", code, message });

  const read = await getArchivedRecord(clients.s3, config, service, input.archiveKey);
  if (!read.ok) {
    const erased = read.error.kind === "not-found" ? await erasureOfMissingRecord(clients.s3, config, service, input.archiveKey) : null;
    if (erased) return { kind: "refused", code: "erased", message: erasedMessage(erased), erasure: erased };
    return refuse(read.error.kind === "not-found" ? "archive-not-found" : "archive-unreadable", unreadableMessage(read));
  }
  const key = tableKeyOf(service, read.deletion);
  if (typeof key === "string") return refuse("archive-unreadable", `The archived record cannot be restored: ${key}.`);
  audit.setKey(key);
  // An erased key stays erased: checked before anything is written.
  const erased = await erasureBlocking(clients.s3, config, service, key, read.deletion.deletedAt);
  if (erased) return { kind: "refused", code: "erased", message: erasedMessage(erased), erasure: erased };

  const oldImage = read.deletion.oldImage;
  const ttlProblem = ttlChoiceProblem(oldImage, service.table.ttlAttribute, input.ttl, now);
  if (ttlProblem) return refuse("ttl-choice-invalid", `The TTL choice cannot be applied: ${ttlProblem}.`);

  if (input.table !== service.table.name) {
    const problem = await targetTableProblem(clients.dynamodb, config, service, input.table);
    if (problem) return refuse("target-table-invalid", `The item cannot be restored there: ${problem}.`);
  }

  const item = applyTtlChoice(oldImage, service.table.ttlAttribute, input.ttl);
  const partitionKey = service.table.partitionKey.name;
  if (input.mode === "no-clobber") return { kind: "write", item, condition: keyAbsent(partitionKey) };

  const live = await getLiveItem(clients.dynamodb, input.table, key);
  if (itemFingerprint(live) !== input.expectedLiveFingerprint) return refuse("live-item-changed", LIVE_ITEM_CHANGED_MESSAGE);
  return { kind: "write", item, condition: live === null ? keyAbsent(partitionKey) : overwriteCondition(live, partitionKey) };
}

function unreadableMessage(read: Extract<ArchivedRecordResult, { ok: false }>): string {
  switch (read.error.kind) {
    case "archived-in-glacier":
      return `The archive object is in the ${read.error.storageClass ?? "GLACIER"} storage class and cannot be read until it is retrieved; request a retrieval and restore once it is available.`;
    case "not-found":
      return "The archive object does not exist (it may have been erased or expired).";
    default:
      return `The archive object cannot be read: ${read.error.message}.`;
  }
}

function keyAbsent(partitionKey: string): Condition {
  return { guard: "key-absent", ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": partitionKey } };
}

/**
 * Every attribute of the live item the user saw, unchanged. An item with too many
 * attributes for one expression falls back to "the key still exists" (see the
 * residual race in docs/RESTORE.md).
 */
export function overwriteCondition(live: AttributeMap, partitionKey: string): Condition {
  const names = Object.keys(live).sort();
  const expression = names.map((_, i) => `#a${i} = :a${i}`).join(" AND ");
  const operators = names.length * 2 - 1;
  if (names.length === 0 || operators > MAX_EXPRESSION_OPERATORS || Buffer.byteLength(expression, "utf8") > MAX_EXPRESSION_BYTES) {
    return { guard: "key-exists", ConditionExpression: "attribute_exists(#pk)", ExpressionAttributeNames: { "#pk": partitionKey } };
  }
  return {
    guard: "attributes-unchanged",
    ConditionExpression: expression,
    ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
    ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:a${i}`, toSdkValue(live[name] as AttributeValue)])),
  };
}

/**
 * The audit entries of one restore attempt, on the shared write-ahead helper: they
 * share an operationId, name the key and archive object, and never hold the item.
 */
class RestoreAudit {
  private readonly operation: AuditedOperation;
  private base: AuditBase;

  constructor(s3: S3Client, config: LazarusConfig, { operationId, ...base }: Omit<NewAuditEntry, "outcome">) {
    this.base = base;
    this.operation = auditedOperation(s3, config, base, operationId);
  }

  get operationId(): string {
    return this.operation.operationId;
  }

  setKey(key: Record<string, KeyValue>): void {
    this.base = { ...this.base, key };
    this.operation.amend({ key });
  }

  async start(details: Record<string, unknown>): Promise<void> {
    await this.operation.start(undefined, details);
  }

  /** Nothing was written: the refusal is the attempt's only entry, and it must be recorded. */
  async refuseBeforeWrite(code: RefusalCode, message: string): Promise<RestoreResult> {
    await this.operation.refuse(message, { code });
    return { outcome: "refused", code, message, auditId: this.operationId };
  }

  /**
   * An erased key must not come back into the log through a refusal: the entry names
   * the key by the ledger's hash, the erasure and the record's location (day and record
   * id), never by its text or an archive object name (which contains it).
   */
  async refuseErased(erased: ReturnType<typeof erasedRefusalDetails>, message: string): Promise<RestoreResult> {
    await this.operation.refuse(message, erased, this.withoutKey());
    return { outcome: "refused", code: "erased", message, auditId: this.operationId };
  }

  private withoutKey(): Omit<AuditBase, "key" | "archiveKey"> {
    const { key: _key, archiveKey: _archiveKey, ...rest } = this.base;
    return rest;
  }

  async refuseAfterStart(code: RefusalCode, message: string): Promise<RestoreResult> {
    await this.finish("refused", message, { code });
    return { outcome: "refused", code, message, auditId: this.operationId };
  }

  /** The outcome after the write-ahead entry; a lost one is logged, not thrown (see AuditedOperation.finish). */
  async finish(outcome: Exclude<AuditOutcome, "started">, message: string, details: Record<string, unknown> = {}): Promise<void> {
    await this.operation.finish(outcome, message, details);
  }

  /** Best effort: the caller rethrows the error that ended the attempt. */
  async recordFailure(error: unknown): Promise<void> {
    if (error instanceof ErasureLedgerError) {
      // An unreadable ledger entry means the key may have been erased: recorded like an
      // erased refusal, by the ledger object (named by the key's hash), never the key.
      await this.operation.finish("failed", `the restore stopped with ${error.name}`, { error: error.name, ledgerObject: error.key }, this.withoutKey());
      return;
    }
    await this.finish("failed", `the restore stopped with ${errorName(error)}`, { error: errorName(error) });
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "an unknown error";
}
