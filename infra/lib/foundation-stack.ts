import { CfnOutput, Duration, Fn, Stack, type StackProps } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { LazarusConfig } from "../../lib/config/schema";
import { ArchiveCopy } from "./archive-copy";
import { AttributionCapture } from "./attribution-capture";
import { ArchiveStorage, FAILURE_BUCKET_METRICS_ID } from "./archive-storage";
import { Alerting, alarmActions, type AlarmDestinations } from "./alerting";
import { ConsolePolicies } from "./console-policies";
import { ErasureRecheckSchedule } from "./erasure-recheck-schedule";
import type { ConsoleTier } from "./console-tiers";
import { FleetDashboard } from "./fleet-dashboard";
import { SealingSchedule } from "./sealing-schedule";
import { DrillSchedule } from "./drill-schedule";
import { ContentSearchAthena } from "./content-search-athena";
import { DEFAULT_DRILL_SCRATCH_PREFIX } from "../../lib/config/schema";
import { isSealingAllowed } from "../../lib/archive/seal-labels";

export interface FoundationStackProps extends StackProps {
  config: LazarusConfig;
  destinations: AlarmDestinations;
  /** The day the lifecycle rules are written for (retired services keep theirs until their records have expired). */
  now: Date;
}

/**
 * What every service shares and what holds data for years: the archive bucket and its
 * key, the failure buckets, the second copy, alerting, the fleet's dashboard, the
 * scheduled erasure re-check and sealing, and the console's policies. Everything here is derived from the config's names, never from
 * another stack, so the archivers stacks can come and go without touching it.
 */
export class FoundationStack extends Stack {
  readonly storage: ArchiveStorage;
  readonly alerting: Alerting;
  readonly consolePolicies: ConsolePolicies;
  readonly failureAlarms: Alarm[];
  readonly sealing?: SealingSchedule;
  readonly attribution?: AttributionCapture;
  readonly drills?: DrillSchedule;
  readonly athenaSearch?: ContentSearchAthena;

  constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.storage = new ArchiveStorage(this, "Archive", { archive: config.archive, services: config.services.map((s) => s.name), now: props.now });
    const archive = { bucket: this.storage.bucket, key: this.storage.key, prefix: config.archive.prefix };
    new ArchiveCopy(this, "Copy", { copy: config.archive.secondCopy, bucket: this.storage.bucket, key: this.storage.key });

    this.alerting = new Alerting(this, "Alerting", { destinations: props.destinations, bucket: config.archive.bucket });
    const actions = alarmActions(this, props.destinations, config.archive.bucket);

    const failureBucketNames = [...new Set(config.services.flatMap((s) => (s.onFailure.type === "s3" ? [s.onFailure.bucket] : [])))];
    const failureBuckets = failureBucketNames.map((name) => this.storage.failureBucket(name));
    this.failureAlarms = failureBucketNames.map((name, i) => this.failedBatchAlarm(name, failureBuckets[i]!, actions));

    if (config.search.engine === "athena") {
      this.athenaSearch = new ContentSearchAthena(this, "ContentSearch", {
        settings: config.search.athena,
        archive: { ...archive, bucketName: config.archive.bucket },
        services: [...config.services.map((s) => s.name), ...config.archive.retiredServices.map((s) => s.name)],
        accessLogs: this.storage.accessLogs,
      });
    }
    this.consolePolicies = new ConsolePolicies(this, "Console", {
      ...(this.athenaSearch ? { athena: this.athenaSearch.resources } : {}),
      archive,
      services: config.services,
      failureBuckets,
      tableAccess: config.fleet.consoleTableAccess,
      archiveBucketName: config.archive.bucket,
      drillScratchPrefix: config.drills?.scratchTablePrefix ?? DEFAULT_DRILL_SCRATCH_PREFIX,
      ...(config.alerts.snsTopicArn ? { alertTopicArn: config.alerts.snsTopicArn } : {}),
      ...(config.alerts.snsTopicKmsKeyArn ? { alertTopicKeyArn: config.alerts.snsTopicKmsKeyArn } : {}),
    });
    new ErasureRecheckSchedule(this, "ErasureRecheck", { config, archive, failureBuckets });
    // With a default Object Lock retention no record could leave its object, so nothing is sealed (docs/INFRA.md).
    if (isSealingAllowed(config.archive)) this.sealing = new SealingSchedule(this, "Sealing", { config, archive, alarmActions: actions });
    if (config.drills) this.drills = new DrillSchedule(this, "Drills", { config: { ...config, drills: config.drills }, archive, alarmActions: actions });
    if (config.attribution.enabled) this.attribution = new AttributionCapture(this, "Attribution", { config, archive, accessLogs: this.storage.accessLogs });
    new FleetDashboard(this, "Dashboard", { config, failureBuckets: failureBucketNames, sealing: this.sealing !== undefined });

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

  /** Any write to a failure bucket is a failed batch: deletions that were not archived. */
  private failedBatchAlarm(name: string, bucket: IBucket, actions: readonly IAlarmAction[]): Alarm {
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
    for (const action of actions) alarm.addAlarmAction(action);
    return alarm;
  }
}
