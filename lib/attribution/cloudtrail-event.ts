import { z } from "zod";

/**
 * A CloudTrail data event for DynamoDB as EventBridge delivers it ("AWS API Call via
 * CloudTrail"). Only what attribution reads is checked; CloudTrail adds fields over
 * time, so unknown ones pass through. Request parameters are logged as DynamoDB's
 * documentation shows them: classic calls name the key values (without their types),
 * PartiQL statements redact every value that is not part of the key.
 */
export const DELETE_CAPABLE_CALLS = ["DeleteItem", "BatchWriteItem", "TransactWriteItems", "ExecuteStatement", "BatchExecuteStatement"] as const;
export type DeleteCapableCall = (typeof DELETE_CAPABLE_CALLS)[number];

export const CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail";
export const DYNAMODB_EVENT_SOURCE = "dynamodb.amazonaws.com";

const sessionIssuer = z.object({
  type: z.string().optional(),
  arn: z.string().optional(),
  userName: z.string().optional(),
});

export const userIdentitySchema = z.object({
  type: z.string(),
  principalId: z.string().optional(),
  arn: z.string().optional(),
  accountId: z.string().optional(),
  userName: z.string().optional(),
  invokedBy: z.string().optional(),
  sessionContext: z
    .object({
      sessionIssuer: sessionIssuer.optional(),
      sourceIdentity: z.string().optional(),
    })
    .optional(),
});

/** A key as CloudTrail logs it: attribute name to its value, untyped. */
const loggedKey = z.record(z.string(), z.unknown());

const requestItemSchema = z
  .object({
    operation: z.string().optional(),
    tableName: z.string().optional(),
    TableName: z.string().optional(),
    key: loggedKey.optional(),
    Key: loggedKey.optional(),
    statement: z.string().optional(),
  })
  .transform((i) => ({
    operation: i.operation,
    tableName: i.tableName ?? i.TableName,
    key: i.key ?? i.Key,
    statement: i.statement,
  }));

const batchWriteRequest = z.object({
  deleteRequest: z.object({ key: loggedKey.optional(), Key: loggedKey.optional() }).optional(),
  DeleteRequest: z.object({ key: loggedKey.optional(), Key: loggedKey.optional() }).optional(),
});

export const requestParametersSchema = z.object({
  tableName: z.string().optional(),
  TableName: z.string().optional(),
  key: loggedKey.optional(),
  Key: loggedKey.optional(),
  statement: z.string().optional(),
  /** TransactWriteItems and BatchExecuteStatement: a list; BatchWriteItem: a map of table name to requests. */
  requestItems: z.union([z.array(requestItemSchema), z.record(z.string(), z.array(batchWriteRequest))]).optional(),
  transactItems: z.array(requestItemSchema).optional(),
});

export const cloudTrailDetailSchema = z.object({
  eventVersion: z.string().optional(),
  userIdentity: userIdentitySchema,
  eventTime: z.iso.datetime({ offset: true }),
  eventSource: z.literal(DYNAMODB_EVENT_SOURCE),
  eventName: z.string(),
  awsRegion: z.string(),
  sourceIPAddress: z.string().optional(),
  userAgent: z.string().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  requestParameters: requestParametersSchema.nullable().optional(),
  requestID: z.string().optional(),
  eventID: z.string().min(1),
  resources: z.array(z.object({ ARN: z.string().optional(), type: z.string().optional() })).optional(),
  recipientAccountId: z.string().optional(),
});

export type CloudTrailDetail = z.infer<typeof cloudTrailDetailSchema>;

export const eventBridgeCloudTrailEventSchema = z.object({
  id: z.string().optional(),
  "detail-type": z.literal(CLOUDTRAIL_DETAIL_TYPE),
  source: z.string(),
  account: z.string().optional(),
  time: z.string().optional(),
  region: z.string().optional(),
  detail: cloudTrailDetailSchema,
});

export type EventBridgeCloudTrailEvent = z.infer<typeof eventBridgeCloudTrailEventSchema>;

export function isDeleteCapableCall(name: string): name is DeleteCapableCall {
  return (DELETE_CAPABLE_CALLS as readonly string[]).includes(name);
}
