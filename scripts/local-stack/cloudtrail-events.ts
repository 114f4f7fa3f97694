import { randomBytes, randomUUID } from "node:crypto";
import { CLOUDTRAIL_DETAIL_TYPE, DYNAMODB_EVENT_SOURCE, type DeleteCapableCall } from "../../lib/attribution/cloudtrail-event";

/**
 * CloudTrail data events for deletes made locally. moto records no data events, so the
 * local stack builds the events AWS would deliver through EventBridge, in the shapes of
 * the DynamoDB Developer Guide's log-file examples (tests/fixtures/cloudtrail/), and hands
 * them to the same attribution code the Lambda function runs.
 */
export interface LocalPrincipal {
  accountId: string;
  roleName: string;
  sessionName: string;
  sourceIdentity?: string;
  sourceIp: string;
  userAgent: string;
}

export type LoggedKey = Record<string, string | number>;

export interface LocalCall {
  api: DeleteCapableCall;
  principal: LocalPrincipal;
  at: Date;
  region: string;
  /** Deleted keys by table; a PartiQL call logs them in its statement. */
  deletes: Array<{ table: string; key: LoggedKey }>;
  /** A failed call (e.g. "TransactionCanceledException") deleted nothing. */
  errorCode?: string;
  eventId?: string;
}

const literal = (v: string | number) => (typeof v === "number" ? String(v) : `'${v.replaceAll("'", "''")}'`);
const deleteStatement = (d: { table: string; key: LoggedKey }) =>
  `DELETE FROM "${d.table}" WHERE ${Object.entries(d.key).map(([name, v]) => `${name} = ${literal(v)}`).join(" AND ")}`;

function requestParameters(call: LocalCall): Record<string, unknown> {
  switch (call.api) {
    case "DeleteItem": {
      const [d] = call.deletes;
      return { tableName: d?.table, key: d?.key, returnValues: "NONE" };
    }
    case "BatchWriteItem": {
      const requestItems: Record<string, unknown[]> = {};
      for (const d of call.deletes) (requestItems[d.table] ??= []).push({ deleteRequest: { key: d.key } });
      return { requestItems, returnConsumedCapacity: "NONE" };
    }
    case "TransactWriteItems":
      return { requestItems: call.deletes.map((d) => ({ operation: "Delete", tableName: d.table, key: d.key })), returnConsumedCapacity: "NONE" };
    case "ExecuteStatement":
      return { statement: call.deletes[0] ? deleteStatement(call.deletes[0]) : "" };
    case "BatchExecuteStatement":
      return { requestItems: call.deletes.map((d) => ({ statement: deleteStatement(d) })) };
  }
}

export function cloudTrailEventFor(call: LocalCall): Record<string, unknown> {
  const p = call.principal;
  const roleArn = `arn:aws:iam::${p.accountId}:role/${p.roleName}`;
  const roleId = `AROA${randomBytes(8).toString("hex").toUpperCase().slice(0, 17)}`;
  const eventTime = call.at.toISOString().replace(/\.\d{3}Z$/, "Z");
  const tables = [...new Set(call.deletes.map((d) => d.table))];
  const detail = {
    eventVersion: "1.09",
    userIdentity: {
      type: "AssumedRole",
      principalId: `${roleId}:${p.sessionName}`,
      arn: `arn:aws:sts::${p.accountId}:assumed-role/${p.roleName}/${p.sessionName}`,
      accountId: p.accountId,
      sessionContext: {
        sessionIssuer: { type: "Role", principalId: roleId, arn: roleArn, accountId: p.accountId, userName: p.roleName },
        attributes: { creationDate: eventTime, mfaAuthenticated: "false" },
        ...(p.sourceIdentity ? { sourceIdentity: p.sourceIdentity } : {}),
      },
    },
    eventTime,
    eventSource: DYNAMODB_EVENT_SOURCE,
    eventName: call.api,
    awsRegion: call.region,
    sourceIPAddress: p.sourceIp,
    userAgent: p.userAgent,
    ...(call.errorCode ? { errorCode: call.errorCode, errorMessage: `${call.errorCode} (simulated)` } : {}),
    requestParameters: requestParameters(call),
    responseElements: null,
    requestID: randomBytes(26).toString("hex").toUpperCase().slice(0, 52),
    eventID: call.eventId ?? randomUUID(),
    readOnly: false,
    resources: tables.map((t) => ({ accountId: p.accountId, type: "AWS::DynamoDB::Table", ARN: `arn:aws:dynamodb:${call.region}:${p.accountId}:table/${t}` })),
    eventType: "AwsApiCall",
    apiVersion: "2012-08-10",
    managementEvent: false,
    recipientAccountId: p.accountId,
    eventCategory: "Data",
  };
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": CLOUDTRAIL_DETAIL_TYPE,
    source: "aws.dynamodb",
    account: p.accountId,
    time: eventTime,
    region: call.region,
    resources: [],
    detail,
  };
}
