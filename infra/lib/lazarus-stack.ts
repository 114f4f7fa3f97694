import { CfnOutput, Duration, Fn, Stack, type StackProps } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import type { LazarusConfig } from "../../lib/config/schema";
import { ALARM_EMAIL_CONTEXT, ContextError } from "./app-context";
import { ArchiveStorage, FAILURE_BUCKET_METRICS_ID } from "./archive-storage";
import { ConsolePolicies, type ConsoleTier } from "./console-policies";
import { ErasureRecheckSchedule } from "./erasure-recheck-schedule";
import { ServiceArchiver } from "./service-archiver";

export interface LazarusStackProps extends StackProps {
  config: LazarusConfig;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/**
 * Everything Lazarus deploys from one config: the archive bucket, one archiver
 * pipeline per service, alarms, and the console's IAM policies. It makes no
 * account or region lookups, so it synthesizes offline.
 */
export class LazarusStack extends Stack {
  readonly storage: ArchiveStorage;
  readonly services: ServiceArchiver[];
  readonly consolePolicies: ConsolePolicies;
  readonly alarmTopic?: Topic;

  constructor(scope: Construct, id: string, props: LazarusStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.alarmTopic = this.createAlarmTopic();
    const alarmAction: IAlarmAction | undefined = this.alarmTopic ? new SnsAction(this.alarmTopic) : undefined;

    this.storage = new ArchiveStorage(this, "Archive", { archive: config.archive, services: config.services.map((s) => s.name) });
    const archive = { bucket: this.storage.bucket, key: this.storage.key, prefix: config.archive.prefix };

    this.services = config.services.map(
      (service) =>
        new ServiceArchiver(this, `Service-${service.name}`, {
          service,
          archive,
          alarms: config.alarms,
          alarmAction,
          ...(service.onFailure.type === "s3" ? { failureBucket: this.storage.failureBucket(service.onFailure.bucket) } : {}),
        }),
    );

    const failureBucketNames = new Set(config.services.flatMap((s) => (s.onFailure.type === "s3" ? [s.onFailure.bucket] : [])));
    const failureAlarms = [...failureBucketNames].map((name) => this.failedBatchAlarm(name, this.storage.failureBucket(name), alarmAction));

    this.consolePolicies = new ConsolePolicies(this, "Console", {
      archive,
      services: this.services,
      alarms: [...this.services.flatMap((s) => s.alarms), ...failureAlarms],
      failureBuckets: [...failureBucketNames].map((name) => this.storage.failureBucket(name)),
    });
    new ErasureRecheckSchedule(this, "ErasureRecheck", { config, archive, failureBuckets: [...failureBucketNames].map((name) => this.storage.failureBucket(name)) });

    new CfnOutput(this, "ArchiveBucketName", { value: this.storage.bucket.bucketName });
    // One output per tier (names kept from when a tier was one policy): every policy ARN of the tier, comma-separated.
    const tierOutputs: Array<[string, ConsoleTier, string]> = [
      ["ConsoleReadOnlyPolicyArn", "read-only", "browsing only"],
      ["ConsoleRestorePolicyArn", "restore", "restores (includes read-only)"],
      ["ConsoleCompliancePolicyArn", "compliance", "erasure and exports (includes restore)"],
      ["ConsoleAdminPolicyArn", "admin", "everything the console does: DLQ replay, bulk and PITR restores, protection fixes (includes compliance)"],
    ];
    for (const [outputId, tier, allows] of tierOutputs) {
      new CfnOutput(this, outputId, {
        value: Fn.join(",", this.consolePolicies.tier(tier).map((p) => p.managedPolicyArn)),
        description: `The ${tier} tier's policies, comma-separated: attach every one to the console's role to allow ${allows}`,
      });
    }
  }

  private createAlarmTopic(): Topic | undefined {
    const email: unknown = this.node.tryGetContext(ALARM_EMAIL_CONTEXT);
    if (email === undefined || email === "") return undefined;
    if (typeof email !== "string" || !EMAIL.test(email)) {
      throw new ContextError(`Context "${ALARM_EMAIL_CONTEXT}" must be an email address, got ${JSON.stringify(email)}`);
    }
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, so the topic gets its own.
    const key = new Key(this, "AlarmTopicKey", { description: "Encrypts Lazarus alarm notifications", enableKeyRotation: true });
    key.grant(new ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
    const topic = new Topic(this, "AlarmTopic", { displayName: "Lazarus alarms", masterKey: key, enforceSSL: true });
    topic.addSubscription(new EmailSubscription(email));
    return topic;
  }

  /** Any write to a failure bucket is a failed batch: deletions that were not archived. */
  private failedBatchAlarm(name: string, bucket: IBucket, action: IAlarmAction | undefined): Alarm {
    const alarm = new Alarm(this, `FailedBatchesAlarm-${name}`, {
      alarmName: `lazarus-${name}-failed-batches`,
      alarmDescription: `A stream batch could not be archived after all retries and was written to s3://${name}/; replay it from there.`,
      metric: new Metric({
        namespace: "AWS/S3",
        metricName: "PutRequests",
        dimensionsMap: { BucketName: bucket.bucketName, FilterId: FAILURE_BUCKET_METRICS_ID },
        statistic: "Sum",
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (action) alarm.addAlarmAction(action);
    return alarm;
  }
}
