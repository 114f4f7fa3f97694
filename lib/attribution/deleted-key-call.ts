import type { KeyValue } from "../archive/attribute-value";
import type { ServiceConfig } from "../config/schema";
import {
  cloudTrailDetailSchema,
  eventBridgeCloudTrailEventSchema,
  isDeleteCapableCall,
  type CloudTrailDetail,
  type DeleteCapableCall,
} from "./cloudtrail-event";
import { parsePartiqlDelete } from "./partiql-delete";

/** Who made a call, as CloudTrail's userIdentity says. */
export interface Principal {
  type: string;
  arn?: string;
  accountId?: string;
  /** The role an assumed-role session came from. */
  roleArn?: string;
  roleSessionName?: string;
  sourceIdentity?: string;
  invokedBy?: string;
  /** Short and readable: "Role/session", "user/name", "root", or the invoking service. */
  label: string;
}

export interface DeletedKeyCall {
  eventId: string;
  eventTime: string;
  api: DeleteCapableCall;
  requestId?: string;
  region: string;
  service: string;
  table: string;
  /** null when the call named the table but not the key (a PartiQL statement with parameters). */
  key: { partitionKey: KeyValue; sortKey?: KeyValue } | null;
  principal: Principal;
  sourceIp?: string;
  userAgent?: string;
}

export class AttributionEventError extends Error {
  override name = "AttributionEventError";
}

/** The detail of an EventBridge delivery, or a bare CloudTrail record (as in log files). */
export function parseCloudTrailDetail(input: unknown): CloudTrailDetail {
  const envelope = eventBridgeCloudTrailEventSchema.safeParse(input);
  if (envelope.success) return envelope.data.detail;
  const bare = cloudTrailDetailSchema.safeParse(input);
  if (bare.success) return bare.data;
  const issue = envelope.error.issues[0];
  throw new AttributionEventError(`not a DynamoDB CloudTrail event: ${issue ? `${issue.path.join(".")} ${issue.message}` : "unreadable"}`);
}

function principalOf(identity: CloudTrailDetail["userIdentity"]): Principal {
  const arn = identity.arn;
  const issuer = identity.sessionContext?.sessionIssuer;
  const assumed = arn ? /:assumed-role\/([^/]+)\/(.+)$/.exec(arn) : null;
  const user = arn ? /:user\/(.+)$/.exec(arn) : null;
  const label =
    assumed ? `${assumed[1]}/${assumed[2]}`
    : user ? `user/${user[1]}`
    : identity.type === "Root" ? "root"
    : (identity.invokedBy ?? arn ?? identity.principalId ?? identity.type);
  return {
    type: identity.type,
    ...(arn !== undefined ? { arn } : {}),
    ...(identity.accountId !== undefined ? { accountId: identity.accountId } : {}),
    ...(issuer?.arn !== undefined ? { roleArn: issuer.arn } : {}),
    ...(assumed ? { roleSessionName: assumed[2]! } : {}),
    ...(identity.sessionContext?.sourceIdentity !== undefined ? { sourceIdentity: identity.sessionContext.sourceIdentity } : {}),
    ...(identity.invokedBy !== undefined ? { invokedBy: identity.invokedBy } : {}),
    label,
  };
}

/**
 * A logged key value typed by the table's key schema. CloudTrail logs values without
 * their DynamoDB types; numbers may arrive as JSON numbers, which are only kept when
 * they are exact integers (larger ones lose digits in any JSON parser).
 */
function typedKeyValue(value: unknown, type: "S" | "N" | "B"): KeyValue | null {
  if (type === "S") return typeof value === "string" ? { S: value } : null;
  if (type === "B") return typeof value === "string" ? { B: value } : null;
  if (typeof value === "string" && /^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return { N: value };
  if (typeof value === "number" && Number.isSafeInteger(value)) return { N: String(value) };
  return null;
}

function keyFromLogged(service: ServiceConfig, logged: Record<string, unknown> | undefined): DeletedKeyCall["key"] {
  if (!logged) return null;
  const { partitionKey, sortKey } = service.table;
  const pk = typedKeyValue(logged[partitionKey.name], partitionKey.type);
  if (!pk) return null;
  if (!sortKey) return { partitionKey: pk };
  const sk = typedKeyValue(logged[sortKey.name], sortKey.type);
  return sk ? { partitionKey: pk, sortKey: sk } : null;
}

function keyFromPartiql(service: ServiceConfig, literals: Map<string, { kind: "string" | "number"; text: string }>): DeletedKeyCall["key"] {
  const { partitionKey, sortKey } = service.table;
  const typed = (name: string, type: "S" | "N" | "B"): KeyValue | null => {
    const literal = literals.get(name);
    if (!literal) return null;
    if (type === "S" && literal.kind === "string") return { S: literal.text };
    if (type === "N" && literal.kind === "number") return { N: literal.text };
    return null;
  };
  const pk = typed(partitionKey.name, partitionKey.type);
  if (!pk) return null;
  if (!sortKey) return { partitionKey: pk };
  const sk = typed(sortKey.name, sortKey.type);
  return sk ? { partitionKey: pk, sortKey: sk } : null;
}

/**
 * One entry per key a call deleted (or, for a PartiQL statement without literal keys,
 * per table it deleted from), for the protected tables only. A failed call
 * (errorCode set: a failed condition, a cancelled transaction, throttling) deleted
 * nothing and yields nothing.
 */
export function deletedKeyCalls(detail: CloudTrailDetail, services: readonly ServiceConfig[]): DeletedKeyCall[] {
  const api = detail.eventName;
  if (!isDeleteCapableCall(api) || detail.errorCode !== undefined) return [];
  const byTable = new Map(services.map((s) => [s.table.name, s]));
  const base = {
    eventId: detail.eventID,
    eventTime: new Date(detail.eventTime).toISOString(),
    api,
    ...(detail.requestID !== undefined ? { requestId: detail.requestID } : {}),
    region: detail.awsRegion,
    principal: principalOf(detail.userIdentity),
    ...(detail.sourceIPAddress !== undefined ? { sourceIp: detail.sourceIPAddress } : {}),
    ...(detail.userAgent !== undefined ? { userAgent: detail.userAgent } : {}),
  };
  const out: DeletedKeyCall[] = [];
  const add = (tableName: string | undefined, key: (s: ServiceConfig) => DeletedKeyCall["key"]) => {
    const service = tableName !== undefined ? byTable.get(tableName) : undefined;
    if (service) out.push({ ...base, service: service.name, table: service.table.name, key: key(service) });
  };
  const params = detail.requestParameters ?? {};
  const statement = (text: string | undefined) => {
    const parsed = text !== undefined ? parsePartiqlDelete(text) : null;
    if (parsed) add(parsed.table, (s) => keyFromPartiql(s, parsed.literals));
  };
  switch (api) {
    case "DeleteItem":
      add(params.tableName ?? params.TableName, (s) => keyFromLogged(s, params.key ?? params.Key));
      break;
    case "BatchWriteItem":
      if (params.requestItems && !Array.isArray(params.requestItems)) {
        for (const [tableName, requests] of Object.entries(params.requestItems)) {
          for (const r of requests) {
            const del = r.deleteRequest ?? r.DeleteRequest;
            if (del) add(tableName, (s) => keyFromLogged(s, del.key ?? del.Key));
          }
        }
      }
      break;
    case "TransactWriteItems":
      for (const item of [...(Array.isArray(params.requestItems) ? params.requestItems : []), ...(params.transactItems ?? [])]) {
        if (item.operation?.toLowerCase() === "delete") add(item.tableName, (s) => keyFromLogged(s, item.key));
      }
      break;
    case "ExecuteStatement":
      statement(params.statement);
      break;
    case "BatchExecuteStatement":
      for (const item of Array.isArray(params.requestItems) ? params.requestItems : []) statement(item.statement);
      break;
  }
  return dedupe(out);
}

/** One entry per (table, key): a key named twice in one call was deleted once. */
function dedupe(calls: DeletedKeyCall[]): DeletedKeyCall[] {
  const seen = new Set<string>();
  return calls.filter((c) => {
    const id = JSON.stringify([c.table, c.key]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
