import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Effect, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CONSOLE_KEY_SEGMENTS, consoleStateFoldersBut } from "./console-tiers";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import { SEAL_ARCHIVE_DIMENSION, SEAL_LAG_METRIC, SEAL_METRIC_NAMESPACE } from "../../lib/archive/seal-labels";
import type { LazarusConfig } from "../../lib/config/schema";
import { AUDIT_SEGMENT } from "../../lib/audit/audit-layout";
import { grantAlerting, isScheduledAlerting } from "./alert-grants";
import { ALARM_NAME_PREFIX } from "./alerting";
import { kmsViaS3 } from "./kms-via-s3";
import { consoleCodeFunctionProps } from "./console-code-function";
import { ARCHIVER_LOG_RETENTION } from "./service-archiver";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

export const SEALING_ENTRY = fileURLToPath(new URL("../sealing/handler.ts", import.meta.url));
export const SEALING_FUNCTION_NAME = "lazarus-sealing";
/** lib/alerts/event-alerts.ts alertSealOutcome keeps its state at `{prefix}_alerts/sealing.json`. */
export const SEALING_ALERT_SUBJECT = "sealing.json";
export const SEALING_ERRORS_ALARM = `${ALARM_NAME_PREFIX}sealing-errors`;
export const SEALING_LAG_ALARM = `${ALARM_NAME_PREFIX}sealing-lag`;
/**
 * A day's records are held in memory while its bundles are built and checked (about 3 KB
 * each, several times that as objects): 3,008 MB holds a day of a few hundred thousand
 * deletions, and is the most every account may configure without a quota increase.
 */
export const SEALING_MEMORY_MB = 3_008;
export const SEALING_TIMEOUT = Duration.minutes(15);
/** Lambda retries a failed or timed-out run twice (about 1 and 3 minutes later); each retry carries on where the last stopped. */
export const SEALING_RETRIES = 2;

export interface SealingScheduleProps {
  config: LazarusConfig;
  archive: { bucket: IBucket; key: IKey; prefix: string };
  alarmActions: readonly IAlarmAction[];
}

/** `seal.runAtUtc` ("HH:MM") as the schedule's cron fields. */
export function sealingCron(runAtUtc: string): { hour: string; minute: string } {
  const [hour, minute] = runAtUtc.split(":").map(Number);
  return { hour: String(hour), minute: String(minute) };
}

/**
 * The scheduled sealing of closed days: `npm run seal -- --all`'s code
 * (lib/archive/seal-run.ts) in a Lambda function run daily by EventBridge, with an alarm
 * on failed runs and one on the seal lag it publishes. It may list, read, bundle and
 * delete the services' dated records, rewrite their index entries, and write the sealed
 * layout; the console's own state (`{prefix}_*`) is denied to it.
 */
export class SealingSchedule extends Construct {
  readonly function: NodejsFunction;
  readonly rule: Rule;
  readonly alarms: Alarm[];

  constructor(scope: Construct, id: string, props: SealingScheduleProps) {
    super(scope, id);
    const { config } = props;
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Lazarus sealing: moves closed days' archived records into bundles",
    });
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${SEALING_FUNCTION_NAME}`,
      retention: ARCHIVER_LOG_RETENTION,
      // Counts, services and days only; the archive is the record.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    // What sealing reads of the config; the console's sign-in rules stay out of the bundle.
    const sealingConfig = { region: config.region, archive: config.archive, audit: config.audit, alerts: config.alerts, seal: config.seal, services: config.services };

    this.function = new NodejsFunction(this, "Function", {
      ...consoleCodeFunctionProps(SEALING_ENTRY, sealingConfig),
      functionName: SEALING_FUNCTION_NAME,
      description: "Lazarus: daily sealing of closed days into bundles (docs/ARCHIVE-FORMAT.md, Sealed days)",
      memorySize: SEALING_MEMORY_MB,
      timeout: SEALING_TIMEOUT,
      // Two runs at once would seal the same days twice over; the second waits in Lambda's queue instead.
      reservedConcurrentExecutions: 1,
      retryAttempts: SEALING_RETRIES,
      role,
      logGroup,
    });
    this.grantSealing(role, props);
    this.rule = new Rule(this, "Schedule", {
      description: "Runs the Lazarus sealing of closed days",
      schedule: Schedule.cron(sealingCron(config.seal.runAtUtc)),
      targets: [new LambdaFunction(this.function, { retryAttempts: 0 })],
    });
    this.alarms = this.createAlarms(props);
  }

  private grantSealing(role: Role, props: SealingScheduleProps): void {
    const { archive } = props;
    const prefix = archive.prefix;
    // Granted across services by pattern, so the policy does not grow with the fleet; `{prefix}_*` is the console's state.
    const dated = archive.bucket.arnForObjects(`${prefix}*/????/??/??/*`);
    const sealed = archive.bucket.arnForObjects(`${prefix}*/????/??/_sealed/*`);
    const index = archive.bucket.arnForObjects(`${prefix}*/${INDEX_SEGMENT}/*`);
    // The console's state folders, named one by one: the day leases are console state too, and the sealer holds them.
    // With an alert topic or webhook it also keeps its alert state and audits each alert it sends (granted and guarded below).
    const alerting = isScheduledAlerting(props.config);
    const stateFolders = consoleStateFoldersBut(CONSOLE_KEY_SEGMENTS.dayLeases, ...(alerting ? [CONSOLE_KEY_SEGMENTS.alerts, AUDIT_SEGMENT] : []));
    const listingDenied = consoleStateFoldersBut(CONSOLE_KEY_SEGMENTS.dayLeases, ...(alerting ? [CONSOLE_KEY_SEGMENTS.alerts] : []));
    const consoleState = stateFolders.map((folder) => archive.bucket.arnForObjects(`${prefix}${folder}/*`));
    const leases = archive.bucket.arnForObjects(`${prefix}${CONSOLE_KEY_SEGMENTS.dayLeases}/*`);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "ListServices",
        actions: ["s3:ListBucket", "s3:ListBucketVersions"],
        resources: [archive.bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": [`${prefix}?*`] } },
      }),
    );
    // The per-record objects of a day are read, bundled and then deleted in every version.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "SealRecords", actions: ["s3:GetObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: [dated] }));
    // Bundles (written with their tag), manifest pages, manifests and month summaries; older generations are removed.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "SealedLayout",
        actions: ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: [sealed],
      }),
    );
    // A sealed record's index entry is rewritten to point into its bundle.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "IndexEntries", actions: ["s3:PutObject"], resources: [index] }));
    // Each day is sealed under its lease (lib/archive/day-lease.ts), so an erasure of the same day waits for it.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "DayLeases", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: [leases] }));
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "NoConsoleState",
        effect: Effect.DENY,
        actions: ["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        resources: consoleState,
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "NoConsoleStateListing",
        effect: Effect.DENY,
        actions: ["s3:ListBucket", "s3:ListBucketVersions"],
        resources: [archive.bucket.bucketArn],
        conditions: { StringLike: { "s3:prefix": listingDenied.map((folder) => `${prefix}${folder}*`) } },
      }),
    );
    grantAlerting(role, props.config, archive, [SEALING_ALERT_SUBJECT]);
    if (alerting) {
      const audit = archive.bucket.arnForObjects(`${prefix}${AUDIT_SEGMENT}/*`);
      // Append-only, as the bucket policy requires of everyone; the record patterns above also match audit keys, so the rest is denied.
      role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: "AuditAlerts",
          actions: ["s3:PutObject", ...(props.config.audit.objectLock ? ["s3:PutObjectRetention"] : [])],
          resources: [audit],
          conditions: { Null: { "s3:if-none-match": "false" } },
        }),
      );
      role.addToPrincipalPolicy(
        new PolicyStatement({ sid: "KeepAuditLog", effect: Effect.DENY, actions: ["s3:GetObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectVersion"], resources: [audit] }),
      );
      acknowledgeWildcardResources(role, [audit], "Audit entries are named by time and a random id when an alert is sent; writes are append-only (If-None-Match), everything else there is denied.");
    }
    role.addToPrincipalPolicy(kmsViaS3(archive.key, ["kms:Decrypt", "kms:GenerateDataKey"]));
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "SealLagMetric",
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        conditions: { StringEquals: { "cloudwatch:namespace": SEAL_METRIC_NAMESPACE } },
      }),
    );
    acknowledgeWildcardResources(
      role,
      [dated, sealed, index, leases],
      "Archive object names are derived from deleted keys, times and hashes, in folders per service: the patterns admit only dated records, the sealed layout, by-key index entries and the day leases (one per service and day), and the console's other state under _-folders is denied explicitly.",
    );
    acknowledgeWildcardResources(role, ["*"], "cloudwatch:PutMetricData has no resource-level permissions; the grant is limited to the Lazarus/Sealing namespace.");
  }

  private createAlarms(props: SealingScheduleProps): Alarm[] {
    const { config } = props;
    const threshold = config.seal.lagThresholdDays;
    const alarms = [
      new Alarm(this, "ErrorsAlarm", {
        alarmName: SEALING_ERRORS_ALARM,
        alarmDescription:
          "A sealing run failed (a day that could not be sealed, a service it could not list, or a timeout). Nothing is lost: unsealed days stay readable as objects; the log group /aws/lambda/lazarus-sealing says which.",
        metric: this.function.metricErrors({ statistic: "Sum", period: Duration.hours(1) }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, "LagAlarm", {
        alarmName: SEALING_LAG_ALARM,
        alarmDescription:
          `A service's oldest closed day is still not sealed more than ${threshold} days after it began, or sealing reported nothing for a day ` +
          "(the schedule stopped, or every run fails). Reads of unsealed days cost one request per 1,000 records until it is sealed.",
        metric: new Metric({
          namespace: SEAL_METRIC_NAMESPACE,
          metricName: SEAL_LAG_METRIC,
          dimensionsMap: { [SEAL_ARCHIVE_DIMENSION]: config.archive.bucket },
          statistic: "Maximum",
          period: Duration.days(1),
        }),
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // The function publishes the lag after every run: no value for a day means no run finished.
        treatMissingData: TreatMissingData.BREACHING,
      }),
    ];
    for (const alarm of alarms) for (const action of props.alarmActions) alarm.addAlarmAction(action);
    return alarms;
  }
}
