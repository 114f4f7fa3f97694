import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type LifecycleRule,
  type S3Client,
  type TransitionDefaultMinimumObjectSize,
} from "@aws-sdk/client-s3";
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
} from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { CreateRoleCommand, EntityAlreadyExistsException, GetRoleCommand, NoSuchEntityException, type IAMClient } from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  ResourceNotFoundException as LambdaResourceNotFoundException,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from "@aws-sdk/client-lambda";
import { CloudWatchClient, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from "@aws-sdk/client-cloudwatch";
import { strToU8, zipSync } from "fflate";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { mappingUuid } from "../../lib/protection/local-stack-mapping";

/**
 * Creates, idempotently, everything lazarus.config.json names, on the local endpoint:
 * the archive bucket, and per service its table, on-failure destination and archiver
 * function configuration. The event source mapping is NOT created in moto (moto would
 * invoke the function through Docker and then clear the stream); its settings are
 * returned here and run by the stream mapping runner.
 */

export interface ProvisionClients {
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  lambda: LambdaClient;
  iam: IAMClient;
  /** When absent, one is made with the Lambda client's endpoint, region and credentials. */
  cloudwatch?: CloudWatchClient;
}

export type ProvisionedOnFailure =
  | { type: "sqs"; queueName: string; queueUrl: string; queueArn: string }
  | { type: "s3"; bucket: string; bucketArn: string };

export interface ProvisionedMapping {
  /** Stable for a function and stream, like a real mapping's UUID; names S3 on-failure objects. */
  uuid: string;
  functionArn: string;
  eventSourceArn: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  maximumRetryAttempts: number;
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
  parallelizationFactor: number;
  functionResponseTypes: ["ReportBatchItemFailures"];
  startingPosition: "TRIM_HORIZON";
  /** FilterCriteria `{ "eventName": ["REMOVE"] }`, as infra sets it: other records never reach the function. */
  eventNames: ["REMOVE"];
  onFailure: ProvisionedOnFailure;
}

export interface ProvisionedService {
  service: string;
  table: { name: string; arn: string; streamArn: string; ttlAttribute?: string };
  onFailure: ProvisionedOnFailure;
  archiverFunction: { name: string; arn: string; status: "configured" };
  mapping: ProvisionedMapping;
}

export interface ProvisionedStack {
  region: string;
  accountId: string;
  archiveBucket: { name: string; arn: string; objectLock: boolean };
  services: ProvisionedService[];
  /** The CloudWatch alarms infra creates, by name (their metrics stay empty locally, so they sit in INSUFFICIENT_DATA). */
  alarms: string[];
}

export class ProvisionError extends Error {
  override name = "ProvisionError";
}

/** The archiver's configured timeout; the runner stops waiting for a handler after it. */
export const ARCHIVER_TIMEOUT_SECONDS = 60;
/** Longest an SQS queue keeps a message; a DLQ should outlive anyone's holiday. */
const DLQ_RETENTION_SECONDS = 1_209_600;
const INCOMPLETE_UPLOAD_DAYS = 7;
/** S3's own default: since 2024 objects under 128 KB are not transitioned unless a rule says otherwise. */
const S3_DEFAULT_MINIMUM_TRANSITION_BYTES = 131_072;
const MAX_LIFECYCLE_RULES = 1_000;

/** The function code in moto is a placeholder: the local stack runs the real handler in-process. */
const PLACEHOLDER_FUNCTION_SOURCE = `export const handler = async () => {
  throw new Error("The local stack runs the archiver in its own stream mapping runner, not in this function.");
};
`;

export async function provisionLocalStack(
  config: LazarusConfig,
  clients: ProvisionClients,
  options: { log?: (message: string) => void } = {},
): Promise<ProvisionedStack> {
  const log = options.log ?? (() => {});
  const archive = config.archive;

  await ensureBucket(clients.s3, config.region, archive.bucket, { objectLock: archive.objectLock.enabled });
  await clients.s3.send(new PutBucketVersioningCommand({ Bucket: archive.bucket, VersioningConfiguration: { Status: "Enabled" } }));
  if (archive.objectLock.enabled && archive.objectLock.retentionDays !== null) {
    await clients.s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: archive.bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: archive.objectLock.mode, Days: archive.objectLock.retentionDays } },
        },
      }),
    );
  }
  const lifecycle = archiveLifecycle(config);
  await clients.s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: archive.bucket,
      TransitionDefaultMinimumObjectSize: lifecycle.transitionDefaultMinimumObjectSize,
      LifecycleConfiguration: { Rules: lifecycle.rules },
    }),
  );
  log(`bucket s3://${archive.bucket} (versioned, ${lifecycle.rules.length} lifecycle rules${archive.objectLock.enabled ? ", object lock" : ""})`);

  const services: ProvisionedService[] = [];
  for (const service of config.services) {
    const table = await ensureTable(clients.dynamodb, service);
    const onFailure = await ensureOnFailureDestination(clients, config, service);
    const functionArn = `arn:aws:lambda:${config.region}:${accountOf(table.arn)}:function:${service.archiver.functionName}`;
    const role = await ensureExecutionRole(clients.iam);
    const archiverFunction = await ensureArchiverFunction(clients.lambda, config, service, role, functionArn);
    const a = service.archiver;
    services.push({
      service: service.name,
      table,
      onFailure,
      archiverFunction,
      mapping: {
        uuid: mappingUuid(functionArn, table.streamArn),
        functionArn,
        eventSourceArn: table.streamArn,
        batchSize: a.batchSize,
        maximumBatchingWindowSeconds: a.maximumBatchingWindowSeconds,
        maximumRetryAttempts: a.maximumRetryAttempts,
        maximumRecordAgeSeconds: a.maximumRecordAgeSeconds,
        bisectBatchOnFunctionError: a.bisectBatchOnFunctionError,
        parallelizationFactor: a.parallelizationFactor,
        functionResponseTypes: ["ReportBatchItemFailures"],
        startingPosition: "TRIM_HORIZON",
        eventNames: ["REMOVE"],
        onFailure,
      },
    });
    log(
      `service ${service.name}: table ${table.name} (stream, TTL ${table.ttlAttribute ?? "off"}, PITR, deletion protection), ` +
        `on failure ${onFailure.type === "sqs" ? `sqs:${onFailure.queueName}` : `s3://${onFailure.bucket}`}, ` +
        `function ${archiverFunction.name} configured`,
    );
  }

  const firstTable = services[0]?.table;
  if (!firstTable) throw new ProvisionError("the config names no services");
  const alarms = await ensureAlarms(clients, config);
  log(`${alarms.length} CloudWatch alarms (${alarms.join(", ")})`);
  return {
    region: config.region,
    accountId: accountOf(firstTable.arn),
    archiveBucket: { name: archive.bucket, arn: `arn:aws:s3:::${archive.bucket}`, objectLock: archive.objectLock.enabled },
    services,
    alarms,
  };
}

/**
 * The alarms infra/lib/service-archiver.ts and lazarus-stack.ts create, with the same
 * names, metrics and thresholds, so the console's alarm check finds them. PutMetricAlarm
 * replaces an alarm of the same name, so running this twice changes nothing.
 */
export function alarmDefinitions(config: LazarusConfig): PutMetricAlarmCommandInput[] {
  const fiveMinutes = 300;
  const definitions: PutMetricAlarmCommandInput[] = [];
  for (const service of config.services) {
    const fn = [{ Name: "FunctionName", Value: service.archiver.functionName }];
    definitions.push(
      {
        AlarmName: `lazarus-${service.name}-iterator-age`,
        AlarmDescription: `The archiver for ${service.name} is more than ${config.alarms.iteratorAgeSeconds}s behind its table's stream; records older than 24 hours are lost from the stream.`,
        Namespace: "AWS/Lambda",
        MetricName: "IteratorAge",
        Dimensions: fn,
        Statistic: "Maximum",
        Period: fiveMinutes,
        Threshold: config.alarms.iteratorAgeSeconds * 1000,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 1,
        TreatMissingData: "notBreaching",
      },
      {
        AlarmName: `lazarus-${service.name}-archiver-errors`,
        AlarmDescription: `The archiver for ${service.name} failed whole invocations (crashes, timeouts); its batches are being retried.`,
        Namespace: "AWS/Lambda",
        MetricName: "Errors",
        Dimensions: fn,
        Statistic: "Sum",
        Period: fiveMinutes,
        Threshold: config.alarms.archiverErrors,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        EvaluationPeriods: 1,
        TreatMissingData: "notBreaching",
      },
    );
    definitions.push(...newerArchiverAlarms(service));
    if (service.onFailure.type === "sqs") {
      definitions.push({
        AlarmName: `lazarus-${service.name}-dlq-depth`,
        AlarmDescription: `Deleted ${service.table.name} items were not archived after all retries; their batch is described in ${service.onFailure.queueName} (replay before the stream's 24 hours end).`,
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: service.onFailure.queueName }],
        Statistic: "Maximum",
        Period: 60,
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 1,
        TreatMissingData: "notBreaching",
      });
    }
  }
  const failureBuckets = new Set(config.services.flatMap((s) => (s.onFailure.type === "s3" ? [s.onFailure.bucket] : [])));
  for (const bucket of failureBuckets) {
    definitions.push({
      AlarmName: `lazarus-${bucket}-failed-batches`,
      AlarmDescription: `A stream batch could not be archived after all retries and was written to s3://${bucket}/; replay it from there.`,
      Namespace: "AWS/S3",
      MetricName: "PutRequests",
      Dimensions: [
        { Name: "BucketName", Value: bucket },
        { Name: "FilterId", Value: "failed-batches" },
      ],
      Statistic: "Sum",
      Period: fiveMinutes,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
  }
  return definitions;
}

/** infra/lib/archiver-alarms.ts NEAR_TIMEOUT_SHARE (that module loads aws-cdk-lib, which the stack does without). */
const NEAR_TIMEOUT_SHARE = 0.8;
const STALLED_PERIOD_SECONDS = 1_800;
const STALLED_MIN_DELETE_ITEMS = 10;

/** Throttles, failed deliveries to the on-failure destination, near-timeout, stalled mapping and partial batch failures, as infra defines them. */
function newerArchiverAlarms(service: ServiceConfig): PutMetricAlarmCommandInput[] {
  const fiveMinutes = 300;
  const fn = [{ Name: "FunctionName", Value: service.archiver.functionName }];
  const lambda = (metric: string, statistic: "Sum" | "Maximum" | "SampleCount", period = fiveMinutes) => ({
    Namespace: "AWS/Lambda",
    MetricName: metric,
    Dimensions: fn,
    Statistic: statistic,
    Period: period,
  });
  const table = [{ Name: "TableName", Value: service.table.name }];
  return [
    {
      AlarmName: `lazarus-${service.name}-throttles`,
      AlarmDescription: `The archiver for ${service.name} has been throttled for 15 minutes: its shards wait, and records age towards the stream's 24 hours. Raise its reserved concurrency or the account's limit.`,
      ...lambda("Throttles", "Sum"),
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 3,
      TreatMissingData: "notBreaching",
    },
    {
      AlarmName: `lazarus-${service.name}-destination-delivery-failures`,
      AlarmDescription: `A failed batch of ${service.name} could not be written to its on-failure destination: those deletions are in neither the archive nor the destination. Check the destination's permissions and key at once.`,
      ...lambda("DestinationDeliveryFailures", "Sum"),
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    },
    {
      AlarmName: `lazarus-${service.name}-near-timeout`,
      AlarmDescription: `A batch of ${service.name} took more than ${NEAR_TIMEOUT_SHARE * 100}% of the archiver's ${ARCHIVER_TIMEOUT_SECONDS}s timeout; a timeout retries the whole batch. Lower batchSize or look for slow S3 writes.`,
      ...lambda("Duration", "Maximum"),
      Threshold: ARCHIVER_TIMEOUT_SECONDS * 1000 * NEAR_TIMEOUT_SHARE,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    },
    {
      AlarmName: `lazarus-${service.name}-stalled`,
      AlarmDescription: `${service.table.name} deleted items in the last ${STALLED_PERIOD_SECONDS / 60} minutes but the archiver for ${service.name} was not invoked: its stream mapping may be disabled or deleted. Deletions older than 24 hours are lost from the stream.`,
      Metrics: [
        {
          Id: "stalled",
          Label: "deletions with no archiver invocation",
          Expression: `IF(FILL(invoked, 0) == 0 AND (FILL(ttl, 0) > 0 OR FILL(deletes, 0) >= ${STALLED_MIN_DELETE_ITEMS}), 1, 0)`,
          ReturnData: true,
        },
        { Id: "invoked", ReturnData: false, MetricStat: { Metric: { Namespace: "AWS/Lambda", MetricName: "IteratorAge", Dimensions: fn }, Period: STALLED_PERIOD_SECONDS, Stat: "SampleCount" } },
        { Id: "ttl", ReturnData: false, MetricStat: { Metric: { Namespace: "AWS/DynamoDB", MetricName: "TimeToLiveDeletedItemCount", Dimensions: table }, Period: STALLED_PERIOD_SECONDS, Stat: "Sum" } },
        {
          Id: "deletes",
          ReturnData: false,
          MetricStat: {
            Metric: { Namespace: "AWS/DynamoDB", MetricName: "SuccessfulRequestLatency", Dimensions: [...table, { Name: "Operation", Value: "DeleteItem" }] },
            Period: STALLED_PERIOD_SECONDS,
            Stat: "SampleCount",
          },
        },
      ],
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    },
    {
      AlarmName: `lazarus-${service.name}-failed-records`,
      AlarmDescription: `Batches of ${service.name} have had records fail for 15 minutes; they are retried and, after maximumRetryAttempts, sent to the on-failure destination. The archiver's log names their sequence numbers and errors.`,
      Namespace: "Lazarus/Archiver",
      MetricName: `FailedRecords-${service.name}`,
      Statistic: "Sum",
      Period: fiveMinutes,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      EvaluationPeriods: 3,
      TreatMissingData: "notBreaching",
    },
  ];
}

async function ensureAlarms(clients: ProvisionClients, config: LazarusConfig): Promise<string[]> {
  let cloudwatch = clients.cloudwatch;
  let owned = false;
  if (!cloudwatch) {
    const endpoint = await clients.lambda.config.endpoint?.();
    cloudwatch = new CloudWatchClient({
      region: config.region,
      credentials: clients.lambda.config.credentials,
      ...(endpoint ? { endpoint: `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ""}${endpoint.path}` } : {}),
    });
    owned = true;
  }
  try {
    const definitions = alarmDefinitions(config);
    for (const definition of definitions) await cloudwatch.send(new PutMetricAlarmCommand(definition));
    return definitions.map((d) => d.AlarmName ?? "");
  } finally {
    if (owned) cloudwatch.destroy();
  }
}

/**
 * The archive bucket's lifecycle, the same rules infra deploys (infra/lib/archive-lifecycle.ts,
 * which cannot be imported here without loading aws-cdk-lib):
 * - per service, tiering only for `{prefix}{service}/2...` (the dated archive objects, years
 *   2000-2999): S3 filters can only include by prefix, never exclude, so this is how the small
 *   `{service}/_by-key/` index entries stay out of Standard-IA and Glacier. Objects at or below
 *   minimumObjectSizeBytes are not tiered either: IA bills each object as 128 KB and Glacier
 *   adds ~40 KB, more than a few-KB record costs in Standard.
 * - per service, expiry of the whole `{prefix}{service}/` tree, so index entries go with the
 *   objects they name; noncurrent versions (overwritten or erased) go 30 days later.
 */
export function archiveLifecycle(config: LazarusConfig): {
  rules: LifecycleRule[];
  transitionDefaultMinimumObjectSize: TransitionDefaultMinimumObjectSize;
} {
  const l = config.archive.lifecycle;
  const transitions = [
    ...(l.infrequentAccessAfterDays !== null ? [{ Days: l.infrequentAccessAfterDays, StorageClass: "STANDARD_IA" as const }] : []),
    ...(l.glacierAfterDays !== null ? [{ Days: l.glacierAfterDays, StorageClass: "GLACIER" as const }] : []),
  ];
  const rules: LifecycleRule[] = [
    { ID: "abort-incomplete-uploads", Status: "Enabled", Filter: { Prefix: "" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: INCOMPLETE_UPLOAD_DAYS } },
  ];
  for (const service of config.services) {
    const servicePrefix = `${config.archive.prefix}${service.name}/`;
    rules.push({
      ID: `${service.name}-expire`,
      Status: "Enabled",
      Filter: { Prefix: servicePrefix },
      NoncurrentVersionExpiration: { NoncurrentDays: l.noncurrentVersionDays },
      // With an expiry in days S3 removes expired delete markers itself; the flag is only allowed without one.
      Expiration: l.expireAfterDays !== null ? { Days: l.expireAfterDays } : { ExpiredObjectDeleteMarker: true },
    });
    if (transitions.length > 0) {
      const datedPrefix = `${servicePrefix}2`;
      rules.push({
        ID: `${service.name}-tier`,
        Status: "Enabled",
        Filter:
          l.minimumObjectSizeBytes > 0
            ? { And: { Prefix: datedPrefix, ObjectSizeGreaterThan: l.minimumObjectSizeBytes } }
            : { Prefix: datedPrefix },
        Transitions: transitions,
      });
    }
  }
  if (rules.length > MAX_LIFECYCLE_RULES) {
    throw new ProvisionError(
      `the archive bucket would need ${rules.length} lifecycle rules; S3 allows ${MAX_LIFECYCLE_RULES} (2 per service, plus 1)`,
    );
  }
  return {
    rules,
    // Below S3's 128 KB default, the rule's own size filter must be the one that decides.
    transitionDefaultMinimumObjectSize:
      l.minimumObjectSizeBytes < S3_DEFAULT_MINIMUM_TRANSITION_BYTES ? "varies_by_storage_class" : "all_storage_classes_128K",
  };
}

/** A failed batch holds the same records as the archive and is kept no longer than they are. */
function failureBucketLifecycle(config: LazarusConfig): LifecycleRule[] {
  const expireAfterDays = config.archive.lifecycle.expireAfterDays;
  return [
    {
      ID: "expire-failed-batches",
      Status: "Enabled",
      Filter: { Prefix: "" },
      NoncurrentVersionExpiration: { NoncurrentDays: config.archive.lifecycle.noncurrentVersionDays },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: INCOMPLETE_UPLOAD_DAYS },
      ...(expireAfterDays !== null ? { Expiration: { Days: expireAfterDays } } : {}),
    },
  ];
}

async function ensureBucket(s3: S3Client, region: string, bucket: string, options: { objectLock: boolean }): Promise<void> {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        ...(options.objectLock ? { ObjectLockEnabledForBucket: true } : {}),
      }),
    );
  } catch (e) {
    if ((e as Error).name !== "BucketAlreadyOwnedByYou") throw e;
  }
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
    }),
  );
}

async function describeTable(dynamodb: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw e;
  }
}

function keySchemaOf(service: ServiceConfig) {
  const t = service.table;
  return {
    KeySchema: [
      { AttributeName: t.partitionKey.name, KeyType: "HASH" as const },
      ...(t.sortKey ? [{ AttributeName: t.sortKey.name, KeyType: "RANGE" as const }] : []),
    ],
    AttributeDefinitions: [
      { AttributeName: t.partitionKey.name, AttributeType: t.partitionKey.type },
      ...(t.sortKey ? [{ AttributeName: t.sortKey.name, AttributeType: t.sortKey.type }] : []),
    ],
  };
}

function describeKey(schema: { name: string; type: string }[]): string {
  return schema.map((k) => `${k.name} (${k.type})`).join(" + ");
}

function checkExistingKeySchema(service: ServiceConfig, table: TableDescription): void {
  const types = new Map((table.AttributeDefinitions ?? []).map((d) => [d.AttributeName, d.AttributeType]));
  const actual = (table.KeySchema ?? []).map((k) => ({ name: k.AttributeName ?? "?", type: types.get(k.AttributeName) ?? "?" }));
  const wanted = keySchemaOf(service).AttributeDefinitions.map((d) => ({ name: d.AttributeName, type: d.AttributeType }));
  if (describeKey(actual) !== describeKey(wanted)) {
    throw new ProvisionError(
      `table ${service.table.name} already exists with key ${describeKey(actual)}, but the config for ${service.name} says ${describeKey(wanted)}`,
    );
  }
}

async function waitUntilActive(dynamodb: DynamoDBClient, name: string): Promise<TableDescription> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const table = await describeTable(dynamodb, name);
    if (table?.TableStatus === "ACTIVE") return table;
    if (Date.now() > deadline) throw new ProvisionError(`table ${name} did not become ACTIVE within 60 s (status ${table?.TableStatus})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function ensureTable(dynamodb: DynamoDBClient, service: ServiceConfig): Promise<ProvisionedService["table"]> {
  const name = service.table.name;
  let table = await describeTable(dynamodb, name);
  if (!table) {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        ...keySchemaOf(service),
        BillingMode: "PAY_PER_REQUEST",
        StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
        DeletionProtectionEnabled: true,
      }),
    );
  } else {
    checkExistingKeySchema(service, table);
    const stream = table.StreamSpecification;
    if (stream?.StreamEnabled && stream.StreamViewType !== "NEW_AND_OLD_IMAGES" && stream.StreamViewType !== "OLD_IMAGE") {
      throw new ProvisionError(
        `table ${name} streams ${stream.StreamViewType}, which has no old image to archive; ` +
          "disable its stream and run again (a view type cannot be changed in place)",
      );
    }
    if (!stream?.StreamEnabled) {
      await dynamodb.send(
        new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } }),
      );
    }
    if (!table.DeletionProtectionEnabled) {
      await dynamodb.send(new UpdateTableCommand({ TableName: name, DeletionProtectionEnabled: true }));
    }
  }
  table = await waitUntilActive(dynamodb, name);
  if (!table.TableArn || !table.LatestStreamArn) throw new ProvisionError(`table ${name} has no stream after provisioning`);

  const ttlAttribute = service.table.ttlAttribute;
  if (ttlAttribute) {
    const ttl = (await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
    const isOn = ttl?.TimeToLiveStatus === "ENABLED" || ttl?.TimeToLiveStatus === "ENABLING";
    if (isOn && ttl?.AttributeName !== ttlAttribute) {
      throw new ProvisionError(
        `table ${name} already expires items on "${ttl?.AttributeName}", but the config for ${service.name} says "${ttlAttribute}"`,
      );
    }
    if (!isOn) {
      await dynamodb.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { Enabled: true, AttributeName: ttlAttribute } }));
    }
  }

  const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: name }));
  if (backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus !== "ENABLED") {
    await dynamodb.send(
      new UpdateContinuousBackupsCommand({ TableName: name, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
    );
  }

  return { name, arn: table.TableArn, streamArn: table.LatestStreamArn, ...(ttlAttribute ? { ttlAttribute } : {}) };
}

async function ensureOnFailureDestination(clients: ProvisionClients, config: LazarusConfig, service: ServiceConfig): Promise<ProvisionedOnFailure> {
  const destination = service.onFailure;
  if (destination.type === "s3") {
    await ensureBucket(clients.s3, config.region, destination.bucket, { objectLock: false });
    await clients.s3.send(new PutBucketVersioningCommand({ Bucket: destination.bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await clients.s3.send(
      new PutBucketLifecycleConfigurationCommand({ Bucket: destination.bucket, LifecycleConfiguration: { Rules: failureBucketLifecycle(config) } }),
    );
    return { type: "s3", bucket: destination.bucket, bucketArn: `arn:aws:s3:::${destination.bucket}` };
  }
  let queueUrl: string | undefined;
  try {
    queueUrl = (
      await clients.sqs.send(
        new CreateQueueCommand({
          QueueName: destination.queueName,
          Attributes: { MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS), SqsManagedSseEnabled: "true" },
        }),
      )
    ).QueueUrl;
  } catch (e) {
    // An existing queue with other attributes is still the queue the config names.
    if (!/QueueAlreadyExists|QueueNameExists/.test((e as Error).name)) throw e;
    queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: destination.queueName }))).QueueUrl;
  }
  if (!queueUrl) throw new ProvisionError(`queue ${destination.queueName} has no URL`);
  const attributes = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
  const queueArn = attributes.Attributes?.QueueArn;
  if (!queueArn) throw new ProvisionError(`queue ${destination.queueName} has no ARN`);
  return { type: "sqs", queueName: destination.queueName, queueUrl, queueArn };
}

/** The environment infra gives the archiver Lambda (read by infra/archiver/handler.ts). */
export function archiverEnvironment(config: LazarusConfig, service: ServiceConfig): Record<string, string> {
  return {
    ARCHIVE_BUCKET: config.archive.bucket,
    ARCHIVE_PREFIX: config.archive.prefix,
    SERVICE_NAME: service.name,
    TABLE_NAME: service.table.name,
    PARTITION_KEY: service.table.partitionKey.name,
    ...(service.table.sortKey ? { SORT_KEY: service.table.sortKey.name } : {}),
  };
}

const EXECUTION_ROLE = "lazarus-archiver-local";

/** Lambda refuses a function whose execution role does not exist; the local stack makes one. */
async function ensureExecutionRole(iam: IAMClient): Promise<string> {
  try {
    const existing = await iam.send(new GetRoleCommand({ RoleName: EXECUTION_ROLE }));
    if (existing.Role?.Arn) return existing.Role.Arn;
  } catch (e) {
    if (!(e instanceof NoSuchEntityException)) throw e;
  }
  try {
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: EXECUTION_ROLE,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
      }),
    );
    if (created.Role?.Arn) return created.Role.Arn;
  } catch (e) {
    // Another provisioning run against the same endpoint made it first.
    if (!(e instanceof EntityAlreadyExistsException)) throw e;
  }
  const role = await iam.send(new GetRoleCommand({ RoleName: EXECUTION_ROLE }));
  if (!role.Role?.Arn) throw new ProvisionError(`IAM did not return an ARN for role ${EXECUTION_ROLE}`);
  return role.Role.Arn;
}

async function ensureArchiverFunction(
  lambda: LambdaClient,
  config: LazarusConfig,
  service: ServiceConfig,
  roleArn: string,
  functionArn: string,
): Promise<ProvisionedService["archiverFunction"]> {
  const name = service.archiver.functionName;
  const settings = {
    FunctionName: name,
    Runtime: "nodejs20.x" as const,
    Handler: "index.handler",
    Timeout: ARCHIVER_TIMEOUT_SECONDS,
    MemorySize: 256,
    Role: roleArn,
    Environment: { Variables: archiverEnvironment(config, service) },
  };
  try {
    await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    await lambda.send(new UpdateFunctionConfigurationCommand(settings));
    return { name, arn: functionArn, status: "configured" };
  } catch (e) {
    if (!(e instanceof LambdaResourceNotFoundException)) throw e;
  }
  const zip = zipSync({ "index.mjs": strToU8(PLACEHOLDER_FUNCTION_SOURCE) }, { mtime: new Date("2020-01-01T00:00:00Z") });
  await lambda.send(new CreateFunctionCommand({ ...settings, Code: { ZipFile: zip }, Publish: false }));
  return { name, arn: functionArn, status: "configured" };
}

function accountOf(arn: string): string {
  const account = arn.split(":")[4];
  if (!account) throw new ProvisionError(`cannot read the account from ARN ${arn}`);
  return account;
}

/** Kept here for callers that already import it (the seed); the console computes the same id. */
export { mappingUuid };
