import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Tags, Validations } from "aws-cdk-lib";
import type { Alarm, IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Effect, Policy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import {
  ApplicationLogLevel,
  Architecture,
  FilterCriteria,
  FilterRule,
  LoggingFormat,
  Runtime,
  StartingPosition,
  SystemLogLevel,
  type IEventSourceDlq,
} from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { archiverAlarms } from "./archiver-alarms";
import { archiverSize } from "./archiver-sizing";
import { erasuresPrefix } from "../../lib/erasure/ledger-format";
import { FUNCTION_BUNDLING } from "./function-bundling";
import { kmsViaS3 } from "./kms-via-s3";
import { S3FailureDestination } from "./s3-failure-destination";
import { serviceTable } from "./service-table";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const ARCHIVER_ENTRY = fileURLToPath(new URL("../archiver/handler.ts", import.meta.url));

/** Stream records wait in the DLQ this long (SQS's maximum) for someone to replay them. */
export const DLQ_RETENTION = Duration.days(14);
export const ARCHIVER_LOG_RETENTION = RetentionDays.THREE_MONTHS;
export const ARCHIVER_RUNTIME = Runtime.NODEJS_24_X;

export interface ServiceArchiverProps {
  service: ServiceConfig;
  archive: { bucket: IBucket; key: IKey; prefix: string };
  alarms: LazarusConfig["alarms"];
  /** Where a failed batch goes when onFailure.type is "s3" (shared between services naming the same bucket). */
  failureBucket?: IBucket;
  alarmActions: readonly IAlarmAction[];
}

/** Tag on everything a service's pipeline creates, so cost and ownership can be read per service. */
export const SERVICE_TAG = "lazarus:service";
/** Tag on every table the stacks manage, naming the archive bucket: the console's policies grant those tables by it. */
export const ARCHIVE_TAG = "lazarus:archive";

/**
 * One service's archive pipeline: its table (created or imported), the archiver
 * function, the stream mapping that feeds it REMOVE records only, the mapping's
 * on-failure destination, and alarms on whatever can silently stop archiving.
 */
export class ServiceArchiver extends Construct {
  readonly service: ServiceConfig;
  readonly table: ITable;
  readonly function: NodejsFunction;
  readonly eventSourceMappingArn: string;
  readonly deadLetterQueue?: Queue;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: ServiceArchiverProps) {
    super(scope, id);
    const { service, archive } = props;
    this.service = service;
    this.table = serviceTable(this, "Table", service);
    Tags.of(this).add(SERVICE_TAG, service.name);
    if (service.table.managed) Tags.of(this.table).add(ARCHIVE_TAG, props.archive.bucket.bucketName);
    const size = archiverSize(service.archiver.batchSize);
    const timeout = Duration.seconds(size.timeoutSeconds);

    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Lazarus archiver for ${service.name}: writes its archive prefix, reads its table's stream`,
    });
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${service.archiver.functionName}`,
      retention: ARCHIVER_LOG_RETENTION,
      // The log holds key digests and counts only, never item images; nothing to keep once the function is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, "Function", {
      functionName: service.archiver.functionName,
      description: functionDescription(service, archive),
      entry: ARCHIVER_ENTRY,
      handler: "handler",
      projectRoot: REPO_ROOT,
      depsLockFilePath: `${REPO_ROOT}package-lock.json`,
      runtime: ARCHIVER_RUNTIME,
      architecture: Architecture.ARM_64,
      // Memory buys CPU, and a full batch must finish well inside the timeout (archiver-sizing.ts).
      memorySize: size.memoryMb,
      timeout,
      ...(service.archiver.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: service.archiver.reservedConcurrency } : {}),
      role,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      systemLogLevelV2: SystemLogLevel.WARN,
      environment: {
        ARCHIVE_BUCKET: archive.bucket.bucketName,
        ARCHIVE_PREFIX: archive.prefix,
        SERVICE_NAME: service.name,
        TABLE_NAME: service.table.name,
        PARTITION_KEY: service.table.partitionKey.name,
        ...(service.table.sortKey ? { SORT_KEY: service.table.sortKey.name } : {}),
      },
      bundling: FUNCTION_BUNDLING,
    });

    this.grantArchiveWrites(role, archive);
    this.grantLedgerReads(role, archive);

    let onFailure: IEventSourceDlq;
    if (service.onFailure.type === "sqs") {
      this.deadLetterQueue = this.createDeadLetterQueue(service.onFailure.queueName);
      onFailure = new SqsDlq(this.deadLetterQueue);
    } else {
      if (!props.failureBucket) throw new Error(`Service "${service.name}" sends failed batches to S3 but no failure bucket was given`);
      onFailure = new S3FailureDestination(props.failureBucket, archive.key);
    }

    const source = new DynamoEventSource(this.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: service.archiver.batchSize,
      maxBatchingWindow: Duration.seconds(service.archiver.maximumBatchingWindowSeconds),
      bisectBatchOnError: service.archiver.bisectBatchOnFunctionError,
      retryAttempts: service.archiver.maximumRetryAttempts,
      maxRecordAge: Duration.seconds(service.archiver.maximumRecordAgeSeconds),
      parallelizationFactor: service.archiver.parallelizationFactor,
      reportBatchItemFailures: true,
      // INSERT and MODIFY never reach the function, so they cost no invocation.
      filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual("REMOVE") })],
      onFailure,
    });
    this.function.addEventSource(source);
    this.eventSourceMappingArn = source.eventSourceMappingArn;
    if (props.failureBucket) this.confineFailureWrites(role, archive, props.failureBucket, source.eventSourceMappingId);

    acknowledgeWildcardResources(role, ["*"], "dynamodb:ListStreams, granted with the stream mapping, has no resource-level permissions.");

    this.alarms = archiverAlarms(this, {
      service,
      function: this.function,
      logGroup,
      timeout,
      ...(this.deadLetterQueue ? { deadLetterQueue: this.deadLetterQueue } : {}),
      alarms: props.alarms,
      actions: props.alarmActions,
    });
  }

  /**
   * Lambda names a failed batch `aws/lambda/{mapping UUID}/...`, and services may share a
   * failure bucket. The grant the mapping needs when it is created covers the whole
   * bucket; once the mapping exists (and its UUID is known), this deny confines the
   * archiver's writes to its own mapping's folder and its own archive prefix, so one
   * service's archiver cannot overwrite another's failed batches.
   */
  private confineFailureWrites(role: Role, archive: ServiceArchiverProps["archive"], failureBucket: IBucket, mappingId: string): void {
    const base = `${archive.prefix}${this.service.name}/`;
    const guard = new Policy(this, "WriteGuard", {
      statements: [
        new PolicyStatement({
          sid: "WritesOnlyOwnObjects",
          effect: Effect.DENY,
          actions: ["s3:PutObject"],
          notResources: [
            failureBucket.arnForObjects(`aws/lambda/${mappingId}/*`),
            archive.bucket.arnForObjects(`${base}????/??/??/*`),
            archive.bucket.arnForObjects(`${base}${INDEX_SEGMENT}/*`),
          ],
        }),
      ],
    });
    guard.attachToRole(role);
  }

  /**
   * PutObject on this service's dated archive objects and its by-key index, nothing else,
   * and only as a conditional write (If-None-Match): the archiver adds records, it never
   * replaces one, so a compromised archiver cannot rewrite the archive either.
   */
  private grantArchiveWrites(role: Role, archive: ServiceArchiverProps["archive"]): void {
    const base = `${archive.prefix}${this.service.name}/`;
    const objects = [archive.bucket.arnForObjects(`${base}????/??/??/*`), archive.bucket.arnForObjects(`${base}${INDEX_SEGMENT}/*`)];
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ["s3:PutObject"], resources: objects, conditions: { Null: { "s3:if-none-match": "false" } } }),
    );
    acknowledgeWildcardResources(
      role,
      objects,
      "Archive object names are derived from each deleted key and deletion time; the pattern admits only this service's dated objects and by-key index entries.",
    );
    role.addToPrincipalPolicy(kmsViaS3(archive.key, ["kms:GenerateDataKey"]));
  }

  /**
   * Lists and reads its own service's erasure ledger, and nothing else of it: the
   * archiver refuses erased keys (lib/erasure/erasure-cache.ts).
   */
  private grantLedgerReads(role: Role, archive: ServiceArchiverProps["archive"]): void {
    const ledger = erasuresPrefix(archive.prefix, this.service.name);
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["s3:ListBucket"], resources: [archive.bucket.bucketArn], conditions: { StringLike: { "s3:prefix": [`${ledger}*`] } } }));
    const entries = [archive.bucket.arnForObjects(`${ledger}*`)];
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ["s3:GetObject"], resources: entries }));
    acknowledgeWildcardResources(role, entries, "Ledger entries are named by the hash of each erased key; the pattern admits only this service's ledger folder.");
    role.addToPrincipalPolicy(kmsViaS3(archive.key, ["kms:Decrypt"]));
  }

  private createDeadLetterQueue(queueName: string): Queue {
    const queue = new Queue(this, "DeadLetterQueue", {
      queueName,
      // The message names the shard and sequence range of a failed batch, not its records.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DLQ_RETENTION,
    });
    Validations.of(queue).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is the stream mapping's on-failure destination, i.e. the dead-letter queue itself; " +
        "cdk-nag only recognises DLQs named in another queue's redrive policy.",
    });
    return queue;
  }
}

/** Lambda allows 256 characters of description; the table and prefix can be longer, the service name cannot. */
function functionDescription(service: ServiceConfig, archive: ServiceArchiverProps["archive"]): string {
  const full = `Archives deleted ${service.table.name} items to s3://${archive.bucket.bucketName}/${archive.prefix}${service.name}/`;
  return full.length <= 256 ? full : `Archives the deleted items of Lazarus service ${service.name}`;
}
