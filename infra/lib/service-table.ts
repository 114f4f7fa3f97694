import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, StreamViewType, Table, type ITable } from "aws-cdk-lib/aws-dynamodb";
import type { Construct } from "constructs";
import type { KeyAttributeConfig, ServiceConfig } from "../../lib/config/schema";
import { ContextError, streamArnContextKey } from "./app-context";

const ATTRIBUTE_TYPES: Record<KeyAttributeConfig["type"], AttributeType> = {
  S: AttributeType.STRING,
  N: AttributeType.NUMBER,
  B: AttributeType.BINARY,
};

const STREAM_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/([A-Za-z0-9_.-]{3,255})\/stream\/[^/]+$/;

/**
 * The service's table: created and owned by the stack (table.managed: true), with
 * PITR, deletion protection and the stream the archiver reads; or an existing
 * table imported by its stream ARN, since the archiver has nothing to read without one.
 */
export function serviceTable(scope: Construct, id: string, service: ServiceConfig): ITable {
  const { table } = service;
  if (table.managed) {
    return new Table(scope, id, {
      tableName: table.name,
      partitionKey: { name: table.partitionKey.name, type: ATTRIBUTE_TYPES[table.partitionKey.type] },
      ...(table.sortKey ? { sortKey: { name: table.sortKey.name, type: ATTRIBUTE_TYPES[table.sortKey.type] } } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // The archive needs the old image of every REMOVE; NEW_AND_OLD_IMAGES also serves other readers.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      ...(table.ttlAttribute ? { timeToLiveAttribute: table.ttlAttribute } : {}),
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
  const streamArn = importedStreamArn(scope, service);
  return Table.fromTableAttributes(scope, id, {
    tableArn: streamArn.slice(0, streamArn.indexOf("/stream/")),
    tableStreamArn: streamArn,
  });
}

function importedStreamArn(scope: Construct, service: ServiceConfig): string {
  const key = streamArnContextKey(service.name);
  const table = service.table.name;
  const enable =
    `If the table has no stream yet, enable one with: aws dynamodb update-table --table-name ${table} ` +
    "--stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES";
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === "") {
    throw new ContextError(
      `Service "${service.name}" imports the existing table "${table}" (table.managed is false), and the archiver ` +
        `reads that table's stream, so its stream ARN is required. Pass it with ` +
        `-c ${key}=arn:aws:dynamodb:<region>:<account>:table/${table}/stream/<label> or set "${key}" in cdk.json's ` +
        `context (aws dynamodb describe-table --table-name ${table} --query Table.LatestStreamArn). ${enable}`,
    );
  }
  const match = typeof value === "string" ? STREAM_ARN.exec(value) : null;
  if (!match) {
    throw new ContextError(
      `Context "${key}" must be a DynamoDB stream ARN (arn:aws:dynamodb:<region>:<account>:table/${table}/stream/<label>), got ${JSON.stringify(value)}`,
    );
  }
  if (match[1] !== table) {
    throw new ContextError(`Context "${key}" is the stream of table "${match[1]}", but service "${service.name}" archives table "${table}"`);
  }
  return value as string;
}
