import { Arn, ArnFormat, Aws, Duration, Stack } from "aws-cdk-lib";
import { Alarm, AlarmStatusWidget, Dashboard, GraphWidget, Metric, TextWidget, type IWidget } from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { ALARM_NAME_PREFIX } from "./alerting";
import { failedRecordsMetric } from "./archiver-alarms";
import { FAILURE_BUCKET_METRICS_ID } from "./archive-storage";
import { SEAL_ARCHIVE_DIMENSION, SEAL_LAG_METRIC, SEAL_METRIC_NAMESPACE, SEAL_SERVICE_DIMENSION } from "../../lib/archive/seal-labels";
import { SEALING_ERRORS_ALARM, SEALING_FUNCTION_NAME, SEALING_LAG_ALARM } from "./sealing-schedule";

/** CloudWatch draws at most 100 metrics in a graph and 100 alarms in a status widget. */
export const METRICS_PER_GRAPH = 50;
export const ALARMS_PER_WIDGET = 100;

/** The checks every archiver has (archiver-alarms.ts), and the SQS one. */
export const SERVICE_ALARM_CHECKS = ["iterator-age", "archiver-errors", "throttles", "destination-delivery-failures", "near-timeout", "stalled", "failed-records"] as const;

export interface FleetDashboardProps {
  config: LazarusConfig;
  failureBuckets: readonly string[];
  /** Whether the sealing function is deployed (not with a default Object Lock retention). */
  sealing: boolean;
}

/**
 * One dashboard for the whole fleet, built from the config's names (so it lives in the
 * foundation stack and needs nothing from the archivers stacks): every alarm's state,
 * then each health metric for all archivers, split into graphs CloudWatch can draw.
 */
export class FleetDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);
    this.dashboard = new Dashboard(this, "Dashboard", {
      dashboardName: `lazarus-${config.archive.bucket.replace(/\./g, "-")}`,
      defaultInterval: Duration.days(1),
    });

    const alarmNames = [
      ...config.services.flatMap((s) => [...SERVICE_ALARM_CHECKS, ...(s.onFailure.type === "sqs" ? ["dlq-depth"] : [])].map((check) => `${ALARM_NAME_PREFIX}${s.name}-${check}`)),
      ...props.failureBuckets.map((b) => `${ALARM_NAME_PREFIX}${b}-failed-batches`),
      ...(props.sealing ? [SEALING_ERRORS_ALARM, SEALING_LAG_ALARM] : []),
    ];
    const alarms = alarmNames.map((name, i) =>
      Alarm.fromAlarmArn(
        this,
        `Alarm${i}`,
        Arn.format({ service: "cloudwatch", resource: "alarm", resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME, account: Aws.ACCOUNT_ID }, stack),
      ),
    );
    const widgets: IWidget[] = [
      new TextWidget({
        markdown: `# Lazarus: ${config.services.length} archivers into s3://${config.archive.bucket}\nAlarms first (in ALARM at the top), then each archiver metric. docs/INFRA.md says what each alarm means and what to do.`,
        width: 24,
        height: 2,
      }),
      ...chunks(alarms, ALARMS_PER_WIDGET).map(
        (group, i, all) => new AlarmStatusWidget({ title: `Alarms${all.length > 1 ? ` (${i + 1}/${all.length})` : ""}`, alarms: group, width: 24, height: 6 }),
      ),
    ];

    const lambda = (service: ServiceConfig, metricName: string, statistic: string) =>
      new Metric({ namespace: "AWS/Lambda", metricName, dimensionsMap: { FunctionName: service.archiver.functionName }, statistic, period: Duration.minutes(5), label: service.name });
    const graphs: Array<[string, (s: ServiceConfig) => Metric]> = [
      ["Deletions archived (invocations)", (s) => lambda(s, "Invocations", "Sum")],
      ["Iterator age, max (ms)", (s) => lambda(s, "IteratorAge", "Maximum")],
      ["Errors", (s) => lambda(s, "Errors", "Sum")],
      ["Batches with failed records", (s) => failedRecordsMetric(s.name).with({ label: s.name })],
      ["Throttles", (s) => lambda(s, "Throttles", "Sum")],
      ["Duration, max (ms)", (s) => lambda(s, "Duration", "Maximum")],
      ["On-failure delivery failures", (s) => lambda(s, "DestinationDeliveryFailures", "Sum")],
    ];
    for (const [title, metric] of graphs) {
      chunks(config.services, METRICS_PER_GRAPH).forEach((group, i, all) =>
        widgets.push(new GraphWidget({ title: all.length > 1 ? `${title} (${i + 1}/${all.length})` : title, left: group.map(metric), width: 12, height: 6 })),
      );
    }
    const queues = config.services.flatMap((s) => (s.onFailure.type === "sqs" ? [s.onFailure.queueName] : []));
    chunks(queues, METRICS_PER_GRAPH).forEach((group) =>
      widgets.push(
        new GraphWidget({
          title: "Failed batches waiting in DLQs",
          left: group.map((q) => new Metric({ namespace: "AWS/SQS", metricName: "ApproximateNumberOfMessagesVisible", dimensionsMap: { QueueName: q }, statistic: "Maximum", label: q })),
          width: 12,
          height: 6,
        }),
      ),
    );
    if (props.failureBuckets.length > 0) {
      widgets.push(
        new GraphWidget({
          title: "Failed batches written to S3",
          left: props.failureBuckets.map(
            (b) => new Metric({ namespace: "AWS/S3", metricName: "PutRequests", dimensionsMap: { BucketName: b, FilterId: FAILURE_BUCKET_METRICS_ID }, statistic: "Sum", label: b }),
          ),
          width: 12,
          height: 6,
        }),
      );
    }
    if (props.sealing) widgets.push(...sealingWidgets(config));
    this.dashboard.addWidgets(...widgets);
  }
}

/** Seal lag per service against the alarm's threshold, and the sealing runs' errors and duration. */
function sealingWidgets(config: LazarusConfig): IWidget[] {
  const lag = (dimensions: Record<string, string>, label: string) =>
    new Metric({ namespace: SEAL_METRIC_NAMESPACE, metricName: SEAL_LAG_METRIC, dimensionsMap: dimensions, statistic: "Maximum", period: Duration.days(1), label });
  const archive = { [SEAL_ARCHIVE_DIMENSION]: config.archive.bucket };
  const threshold = { value: config.seal.lagThresholdDays, label: "seal-lag alarm threshold" };
  const widgets: IWidget[] = chunks(config.services, METRICS_PER_GRAPH).map(
    (group, i, all) =>
      new GraphWidget({
        title: `Seal lag, days${all.length > 1 ? ` (${i + 1}/${all.length})` : ""}`,
        left: group.map((s) => lag({ ...archive, [SEAL_SERVICE_DIMENSION]: s.name }, s.name)),
        leftAnnotations: [threshold],
        width: 12,
        height: 6,
      }),
  );
  const fn = (metricName: string, statistic: string) =>
    new Metric({ namespace: "AWS/Lambda", metricName, dimensionsMap: { FunctionName: SEALING_FUNCTION_NAME }, statistic, period: Duration.hours(1), label: `${metricName} (${statistic})` });
  widgets.push(
    new GraphWidget({
      title: "Sealing runs: largest lag, errors, duration",
      left: [lag(archive, "largest seal lag (days)"), fn("Errors", "Sum")],
      right: [fn("Duration", "Maximum")],
      leftAnnotations: [threshold],
      width: 12,
      height: 6,
    }),
  );
  return widgets;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
