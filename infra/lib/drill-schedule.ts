import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import { Rule, RuleTargetInput, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { INDEX_SEGMENT } from "../../lib/archive/layout";
import type { DrillsConfig, LazarusConfig } from "../../lib/config/schema";
import { grantAlerting } from "./alert-grants";
import { ALARM_NAME_PREFIX } from "./alerting";
import { consoleCodeFunctionProps } from "./console-code-function";
import { CONSOLE_KEY_SEGMENTS } from "./console-tiers";
import { kmsViaS3 } from "./kms-via-s3";
import { ARCHIVER_LOG_RETENTION } from "./service-archiver";
import { acknowledgeWildcardResources } from "./wildcard-acknowledgment";

export const DRILL_ENTRY = fileURLToPath(new URL("../drills/handler.ts", import.meta.url));
export const DRILL_ERRORS_ALARM = `${ALARM_NAME_PREFIX}drill-failures`;
/** lib/alerts/event-alerts.ts alertDrillOutcome keeps each service's state at `{prefix}_alerts/drills/{service}.json`. */
export const DRILL_ALERT_SUBJECTS = "drills/";
/** Lambda's limit: a restore that takes longer fails the drill as "not ACTIVE", and the next drill deletes its table. */
export const DRILL_TIMEOUT = Duration.minutes(15);

/** The restore's target needs the data-plane actions too: DynamoDB writes the restored items as the caller. */
export const RESTORE_TARGET_ACTIONS = [
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteItem",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "dynamodb:Scan",
  "dynamodb:UpdateItem",
] as const;

export interface DrillScheduleProps {
  config: LazarusConfig & { drills: DrillsConfig };
  archive: { bucket: IBucket; key: IKey; prefix: string };
  alarmActions: readonly IAlarmAction[];
}

/**
 * Scheduled restore drills: lib/drills/drill-run.ts in a Lambda function, one EventBridge
 * rule per drilled service on its own schedule. It may restore only the drilled tables and
 * only into tables named with the scratch prefix, delete only those, read the services'
 * records, and write only drill reports and audit entries.
 */
export class DrillSchedule extends Construct {
  readonly function: NodejsFunction;
  readonly rules: Rule[];
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DrillScheduleProps) {
    super(scope, id);
    const { config } = props;
    const drills = config.drills;
    const role = new Role(this, "Role", {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: "Lazarus restore drills: restores tables into scratch tables, checks them and deletes them",
    });
    const logGroup = new LogGroup(this, "Logs", {
      logGroupName: `/aws/lambda/${drills.functionName}`,
      retention: ARCHIVER_LOG_RETENTION,
      // Measures and reasons only; the drill reports are the record.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    const drillConfig = { region: config.region, archive: config.archive, audit: config.audit, alerts: config.alerts, seal: config.seal, services: config.services, drills };

    this.function = new NodejsFunction(this, "Function", {
      ...consoleCodeFunctionProps(DRILL_ENTRY, drillConfig),
      functionName: drills.functionName,
      description: "Lazarus: scheduled restore drills (docs/DRILLS.md)",
      memorySize: 512,
      timeout: DRILL_TIMEOUT,
      // A retried drill would be a second drill; the next scheduled one is the retry.
      retryAttempts: 0,
      role,
      logGroup,
    });
    this.grant(role, props);
    this.rules = drills.services.map(
      (d) =>
        new Rule(this, `Schedule-${d.service}`, {
          description: `Runs the Lazarus restore drill of ${d.service}`,
          schedule: Schedule.expression(d.schedule),
          targets: [new LambdaFunction(this.function, { event: RuleTargetInput.fromObject({ service: d.service }), retryAttempts: 0 })],
        }),
    );
    this.alarm = new Alarm(this, "FailuresAlarm", {
      alarmName: DRILL_ERRORS_ALARM,
      alarmDescription: `A restore drill failed or could not run; the Drills page and the reports under ${CONSOLE_KEY_SEGMENTS.drills}/ say why.`,
      metric: this.function.metricErrors({ statistic: "Sum", period: Duration.hours(1) }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const action of props.alarmActions) this.alarm.addAlarmAction(action);
  }

  private grant(role: Role, props: DrillScheduleProps): void {
    const { archive, config } = props;
    const drills = config.drills;
    const stack = Stack.of(this);
    const tableArn = (name: string) => stack.formatArn({ service: "dynamodb", resource: "table", resourceName: name });
    const sources = drills.services.map((d) => tableArn(config.services.find((s) => s.name === d.service)!.table.name));
    const scratch = tableArn(`${drills.scratchTablePrefix}*`);
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: "DrilledTables",
        actions: ["dynamodb:DescribeContinuousBackups", "dynamodb:DescribeTable", "dynamodb:RestoreTableToPointInTime", "dynamodb:Scan"],
        resources: sources,
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: "ScratchTables", actions: [...RESTORE_TARGET_ACTIONS, "dynamodb:DeleteTable", "dynamodb:DescribeTable"], resources: [scratch] }),
    );
    // Leftover scratch tables are found by listing; ListTables has no resource-level permissions.
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "FindLeftovers", actions: ["dynamodb:ListTables"], resources: ["*"] }));

    const prefix = archive.prefix;
    role.addToPrincipalPolicy(
      new PolicyStatement({ sid: "ListArchive", actions: ["s3:ListBucket"], resources: [archive.bucket.bucketArn], conditions: { StringLike: { "s3:prefix": [`${prefix}?*`] } } }),
    );
    const records = [`${prefix}*/????/??/??/*`, `${prefix}*/????/??/_sealed/*`, `${prefix}*/${INDEX_SEGMENT}/*`].map((p) => archive.bucket.arnForObjects(p));
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "ReadRecords", actions: ["s3:GetObject"], resources: records }));
    const reports = archive.bucket.arnForObjects(`${prefix}${CONSOLE_KEY_SEGMENTS.drills}/*`);
    const audit = archive.bucket.arnForObjects(`${prefix}_audit/*`);
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "Reports", actions: ["s3:GetObject", "s3:PutObject"], resources: [reports] }));
    role.addToPrincipalPolicy(new PolicyStatement({ sid: "Audit", actions: ["s3:PutObject", ...(config.audit.objectLock ? ["s3:PutObjectRetention"] : [])], resources: [audit] }));
    role.addToPrincipalPolicy(kmsViaS3(archive.key, ["kms:Decrypt", "kms:GenerateDataKey"]));
    // A failed drill is told once per service until one passes (lib/alerts/event-alerts.ts alertDrillOutcome).
    const alertState = grantAlerting(role, config, archive, [`${DRILL_ALERT_SUBJECTS}*`]);
    acknowledgeWildcardResources(role, [scratch], `Scratch tables are named at each drill ({prefix}{service}-{time}-{hex}); the pattern admits only the scratch prefix "${drills.scratchTablePrefix}", which the config refuses for any service table.`);
    acknowledgeWildcardResources(role, ["*"], "dynamodb:ListTables has no resource-level permissions; it finds scratch tables a failed drill left.");
    if (alertState.length > 0) acknowledgeWildcardResources(role, alertState, "Each drilled service's alert state is named by the service; the pattern admits the drills' alert state only.");
    acknowledgeWildcardResources(role, [...records, reports, audit], "Archive names are derived from deleted keys and times: the patterns admit the services' records, their index and sealed layout (read only), drill reports and the audit log.");
  }
}
