import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Bucket, type IBucket } from "aws-cdk-lib/aws-s3";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { AUDIT_SEGMENT } from "../../lib/audit/audit-layout";
import { ConfigError } from "../../lib/config/load";
import type { LazarusConfig } from "../../lib/config/schema";
import { ERASURE_SEGMENT, ledgerWatchPrefix, REPLICA_MARKER_SEGMENT } from "../../lib/erasure/ledger-format";
import { ALARM_NAME_PREFIX, Alerting } from "./alerting";
import { consoleCodeFunctionProps } from "./console-code-function";
import { kmsViaS3 } from "./kms-via-s3";
import { ARCHIVER_LOG_RETENTION } from "./service-archiver";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

export const REPLICA_ERASER_STACK_ID = "Lazarus-ReplicaEraser";
export const REPLICA_ERASER_ENTRY = fileURLToPath(new URL("../replica-eraser/handler.ts", import.meta.url));
export const REPLICA_ERASER_FUNCTION_NAME = "lazarus-replica-eraser";
export const REPLICA_ERASER_ALARM_NAME = `${ALARM_NAME_PREFIX}replica-eraser-errors`;

export interface ReplicaEraserStackProps extends StackProps {
  config: LazarusConfig;
}

type Replication = NonNullable<LazarusConfig["archive"]["secondCopy"]["replication"]>;

/** The replication settings with an eraser, or why this stack cannot be built. */
export function replicaEraserSettings(config: LazarusConfig): Replication & { eraser: NonNullable<Replication["eraser"]> } {
  const replication = config.archive.secondCopy.replication;
  if (!replication?.eraser) throw new ConfigError('The replica eraser stack needs "archive.secondCopy.replication.eraser" in the config.');
  return { ...replication, eraser: replication.eraser };
}

/**
 * The replica eraser, deployed in the replica's account (`destinationAccount`), where the
 * archive account has no rights (docs/ERASURE.md, "The replica"; docs/INFRA.md). One
 * function runs `applyReplicaErasures` (lib/erasure/replica-eraser.ts):
 * - when S3 tells EventBridge that an object was created under the ledger folder of the
 *   replica bucket (a ledger entry replicated: an erasure happened in the archive);
 * - daily at `eraser.sweepAtUtc`, for every entry not yet applied (a missed event, a
 *   retention that has ended, records that replicated late).
 * Its role may read the replica, delete versions of records, index entries and sealed
 * objects, rewrite bundles, write its markers and audit entries; never delete the ledger,
 * the audit log or its markers, and never bypass Object Lock. An alarm fires on any failed run.
 */
export class ReplicaEraserStack extends Stack {
  readonly function: NodejsFunction;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ReplicaEraserStackProps) {
    super(scope, id, props);
    const { config } = props;
    const replication = replicaEraserSettings(config);
    const { eraser } = replication;
    if (config.alerts.email.length === 0 && !eraser.alarmTopicArn) {
      throw new ConfigError(
        "The replica eraser's alarm would reach nobody: alarms publish only to topics of their own account. " +
          'Set "alerts.email" (subscribed to a topic in the replica account) or "archive.secondCopy.replication.eraser.alarmTopicArn" (a topic there).',
      );
    }
    const prefix = config.archive.prefix;
    const bucket = Bucket.fromBucketName(this, "Replica", replication.destinationBucket);
    const key = Key.fromKeyArn(this, "ReplicaKey", replication.destinationKmsKeyArn);
    const failureReplicas = Object.values(eraser.failureBucketReplicas).map((name, i) => Bucket.fromBucketName(this, `FailureReplica${i + 1}`, name));

    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Lazarus replica eraser: applies the archive's erasures in s3://${replication.destinationBucket}`,
    });
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${REPLICA_ERASER_FUNCTION_NAME}`,
      retention: ARCHIVER_LOG_RETENTION,
      // Counts and audit operation ids only; the audit log is the record.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    const region = eraser.region ?? config.region;
    this.function = new NodejsFunction(this, "Function", {
      ...consoleCodeFunctionProps(REPLICA_ERASER_ENTRY, { region, archive: config.archive, audit: config.audit, services: config.services }),
      functionName: REPLICA_ERASER_FUNCTION_NAME,
      description: "Lazarus: applies the erasure ledger in the archive's replica (docs/ERASURE.md)",
      memorySize: 1024,
      timeout: Duration.minutes(15),
      // Two runs never rewrite the same sealed day at once; events wait in Lambda's async queue.
      reservedConcurrentExecutions: 1,
      role,
      logGroup,
    });
    this.grant(role, bucket, key, prefix, config, failureReplicas);
    // For the replica bucket's policy and key policy, if they name who may delete and decrypt.
    new CfnOutput(this, "EraserRoleArn", { value: role.roleArn, description: "The replica eraser's role" });

    new Rule(this, "LedgerEntries", {
      description: "An erasure-ledger entry replicated into the replica bucket",
      eventPattern: {
        source: ["aws.s3"],
        detailType: ["Object Created"],
        detail: { bucket: { name: [replication.destinationBucket] }, object: { key: [{ prefix: ledgerWatchPrefix(prefix) }] } },
      },
      targets: [new LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });
    const [hour, minute] = eraser.sweepAtUtc.split(":") as [string, string];
    new Rule(this, "Sweep", {
      description: "Daily sweep: every erasure not yet applied in the replica",
      schedule: Schedule.cron({ hour: String(Number(hour)), minute: String(Number(minute)) }),
      targets: [new LambdaFunction(this.function, { retryAttempts: 2 })],
    });

    this.alarm = new Alarm(this, "Errors", {
      alarmName: REPLICA_ERASER_ALARM_NAME,
      alarmDescription: "A replica erasure run failed: something of an erased subject could not be removed from the replica (see the run's audit entry), or the run stopped.",
      metric: this.function.metricErrors({ period: Duration.hours(1), statistic: "Sum" }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const alerting = new Alerting(this, "Alerting", { destinations: { emails: config.alerts.email }, bucket: replication.destinationBucket });
    if (alerting.topic) this.alarm.addAlarmAction(new SnsAction(alerting.topic));
    if (eraser.alarmTopicArn) this.alarm.addAlarmAction(new SnsAction(Topic.fromTopicArn(this, "AlarmTopic", eraser.alarmTopicArn)));
  }

  private grant(role: Role, bucket: IBucket, key: ReturnType<typeof Key.fromKeyArn>, prefix: string, config: LazarusConfig, failureReplicas: IBucket[]): void {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ListReplica",
        actions: ["s3:ListBucket", "s3:ListBucketVersions"],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${prefix}?*`] } },
      }),
    );
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "LockState", actions: ["s3:GetBucketObjectLockConfiguration"], resources: [bucket.bucketArn, ...failureReplicas.map((b) => b.bucketArn)] }));
    // By pattern across services, so the policy is the same size for 1 service or 200. The first also
    // covers attribution records ({prefix}_attribution/{service}/yyyy/mm/dd/…), which name the erased key.
    const records = [bucket.arnForObjects(`${prefix}*/????/??/??/*`), bucket.arnForObjects(`${prefix}*/${INDEX_SEGMENT}/*`)];
    // Sealed days' folder (lib/archive/sealed-format.ts, which is server-only).
    const sealed = [bucket.arnForObjects(`${prefix}*/????/??/_sealed/*`)];
    const read = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold"];
    // DeleteObjects needs s3:DeleteObject as well as s3:DeleteObjectVersion for the versions it names.
    const remove = ["s3:DeleteObject", "s3:DeleteObjectVersion"];
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "ErasedRecords", actions: [...read, ...remove], resources: records }));
    // Bundles are rewritten with their subject's members blanked (and their tag), manifests and summaries with the new counts.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "SealedDays", actions: [...read, ...remove, "s3:PutObject", "s3:PutObjectTagging"], resources: sealed }));
    // Older versions of job files that hold the subject are deleted; job files are never written from here.
    // The jobs' folder (lib/bulk-restore/job-store.ts, which is server-only).
    const jobFiles = [bucket.arnForObjects(`${prefix}_jobs/*`)];
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "OlderJobFiles", actions: [...read, ...remove], resources: jobFiles }));
    const ledger = [bucket.arnForObjects(`${prefix}${ERASURE_SEGMENT}/*`)];
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "Ledger", actions: ["s3:GetObject"], resources: ledger }));
    const markers = [bucket.arnForObjects(`${prefix}${REPLICA_MARKER_SEGMENT}/*`)];
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "AppliedMarkers", actions: ["s3:PutObject"], resources: markers }));
    const audit = [bucket.arnForObjects(`${prefix}${AUDIT_SEGMENT}/*`)];
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "Audit", actions: ["s3:PutObject", ...(config.audit.objectLock ? ["s3:PutObjectRetention"] : [])], resources: audit }));
    // The record patterns also match the console's state; the ledger, the audit log and the markers are never deleted from here.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "KeepLedgerAndAudit", effect: Effect.DENY, actions: remove, resources: [...ledger, ...audit, ...markers] }));
    role.addToPrincipalPolicy(kmsViaS3(key, ["kms:Decrypt", "kms:GenerateDataKey"]));
    const failedBatches = failureReplicas.map((b) => b.arnForObjects("aws/lambda/*"));
    if (failureReplicas.length > 0) {
      role.addToPrincipalPolicy(new PolicyStatement({ sid: "ListFailedBatches", actions: ["s3:ListBucket", "s3:ListBucketVersions"], resources: failureReplicas.map((b) => b.bucketArn) }));
      role.addToPrincipalPolicy(new PolicyStatement({ sid: "FailedBatches", actions: [...read, ...remove, "s3:PutObject"], resources: failedBatches }));
    }
    acknowledgeWildcardResources(
      role,
      [...records, ...sealed, ...jobFiles, ...ledger, ...markers, ...audit, ...failedBatches],
      "Replica object names are the archive's: derived from keys, hashes and times, and chosen by AWS Lambda for failed batches; the patterns admit the services' records, index, sealed days, job files, the ledger, the eraser's markers, the audit log and the replicated failed batches.",
    );
  }
}
