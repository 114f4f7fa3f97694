import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IAlarmAction } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { FilterPattern, MetricFilter, type ILogGroup } from "aws-cdk-lib/aws-logs";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";

/** Where the archivers' derived metrics are published: one metric per service, named after it. */
export const ARCHIVER_METRICS_NAMESPACE = "Lazarus/Archiver";
/** The archiver's batch summary line (lib/archive/archiver.ts logSummary), logged at ERROR when any record failed. */
export const BATCH_SUMMARY_MESSAGE = "archiver batch processed";
/** Duration above this share of the timeout is one slow batch away from a timeout, which retries the whole batch. */
export const NEAR_TIMEOUT_SHARE = 0.8;
/** Window of the stalled-mapping check: long enough for a batching window and retries, short enough to act within the stream's day. */
export const STALLED_PERIOD = Duration.minutes(30);
/** DeleteItem calls counted as deletions; a few may delete nothing (the key was absent) and so produce no stream record. */
export const STALLED_MIN_DELETE_ITEMS = 10;

export interface ArchiverAlarmsProps {
  service: ServiceConfig;
  function: IFunction;
  logGroup: ILogGroup;
  timeout: Duration;
  deadLetterQueue?: IQueue;
  alarms: LazarusConfig["alarms"];
  actions: readonly IAlarmAction[];
}

/** The metric the archiver's batch summaries are turned into: records reported back as failed (and retried). */
export function failedRecordsMetric(service: string): Metric {
  return new Metric({ namespace: ARCHIVER_METRICS_NAMESPACE, metricName: `FailedRecords-${service}`, statistic: "Sum", period: Duration.minutes(5) });
}

/**
 * Alarms on everything that can stop archiving quietly. Missing data is fine where it
 * means "no deletions, so no invocations" (a filtered mapping invokes only for REMOVE);
 * the one place missing data means a stopped mapping (no iterator age while the table
 * has deletions) is the stalled check, which fills the gap with zero and compares.
 */
export function archiverAlarms(scope: Construct, props: ArchiverAlarmsProps): Alarm[] {
  const { service, alarms } = props;
  const fn = props.function;
  const name = service.name;
  const fiveMinutes = Duration.minutes(5);
  const alarmName = (what: string) => `lazarus-${name}-${what}`;
  const all: Alarm[] = [
    new Alarm(scope, "IteratorAgeAlarm", {
      alarmName: alarmName("iterator-age"),
      alarmDescription: `The archiver for ${name} is more than ${alarms.iteratorAgeSeconds}s behind its table's stream; records older than 24 hours are lost from the stream.`,
      metric: fn.metric("IteratorAge", { statistic: "Maximum", period: fiveMinutes }),
      threshold: alarms.iteratorAgeSeconds * 1000,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    new Alarm(scope, "ErrorsAlarm", {
      alarmName: alarmName("archiver-errors"),
      alarmDescription: `The archiver for ${name} failed whole invocations (crashes, timeouts); its batches are being retried.`,
      metric: fn.metricErrors({ statistic: "Sum", period: fiveMinutes }),
      threshold: alarms.archiverErrors,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    new Alarm(scope, "ThrottlesAlarm", {
      alarmName: alarmName("throttles"),
      alarmDescription: `The archiver for ${name} has been throttled for 15 minutes: its shards wait, and records age towards the stream's 24 hours. Raise its reserved concurrency or the account's limit.`,
      metric: fn.metricThrottles({ statistic: "Sum", period: fiveMinutes }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    new Alarm(scope, "DestinationDeliveryFailuresAlarm", {
      alarmName: alarmName("destination-delivery-failures"),
      alarmDescription: `A failed batch of ${name} could not be written to its on-failure destination: those deletions are in neither the archive nor the destination. Check the destination's permissions and key at once.`,
      metric: fn.metric("DestinationDeliveryFailures", { statistic: "Sum", period: fiveMinutes }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    new Alarm(scope, "DurationAlarm", {
      alarmName: alarmName("near-timeout"),
      alarmDescription: `A batch of ${name} took more than ${NEAR_TIMEOUT_SHARE * 100}% of the archiver's ${props.timeout.toSeconds()}s timeout; a timeout retries the whole batch. Lower batchSize or look for slow S3 writes.`,
      metric: fn.metricDuration({ statistic: "Maximum", period: fiveMinutes }),
      threshold: props.timeout.toMilliseconds() * NEAR_TIMEOUT_SHARE,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }),
    stalledAlarm(scope, props, alarmName("stalled")),
    partialFailuresAlarm(scope, props, alarmName("failed-records")),
  ];
  if (props.deadLetterQueue) {
    all.push(
      new Alarm(scope, "DeadLetterQueueAlarm", {
        alarmName: alarmName("dlq-depth"),
        alarmDescription: `Deleted ${service.table.name} items were not archived after all retries; their batch is described in ${props.deadLetterQueue.queueName} (replay before the stream's 24 hours end).`,
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: "Maximum", period: Duration.minutes(1) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
  for (const alarm of all) for (const action of props.actions) alarm.addAlarmAction(action);
  return all;
}

/**
 * The table deleted items (TTL expiries, or DeleteItem calls) while the archiver reported
 * no iterator age at all: the mapping is disabled, deleted or stuck before invoking. The
 * iterator-age alarm cannot see this, since a stopped mapping emits nothing.
 */
function stalledAlarm(scope: Construct, props: ArchiverAlarmsProps, alarmName: string): Alarm {
  const table = props.service.table.name;
  const period = STALLED_PERIOD;
  const ttl = new Metric({ namespace: "AWS/DynamoDB", metricName: "TimeToLiveDeletedItemCount", dimensionsMap: { TableName: table }, statistic: "Sum", period });
  const deletes = new Metric({
    namespace: "AWS/DynamoDB",
    metricName: "SuccessfulRequestLatency",
    dimensionsMap: { TableName: table, Operation: "DeleteItem" },
    statistic: "SampleCount",
    period,
  });
  const invocations = props.function.metric("IteratorAge", { statistic: "SampleCount", period });
  const expression = new MathExpression({
    expression: `IF(FILL(invoked, 0) == 0 AND (FILL(ttl, 0) > 0 OR FILL(deletes, 0) >= ${STALLED_MIN_DELETE_ITEMS}), 1, 0)`,
    usingMetrics: { invoked: invocations, ttl, deletes },
    period,
    label: "deletions with no archiver invocation",
  });
  return new Alarm(scope, "StalledAlarm", {
    alarmName,
    alarmDescription: `${table} deleted items in the last ${period.toMinutes()} minutes but the archiver for ${props.service.name} was not invoked: its stream mapping may be disabled or deleted. Deletions older than 24 hours are lost from the stream.`,
    metric: expression,
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    // No datapoint at all means no deletions either (FILL answers whenever the table has some).
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}

/**
 * Records reported back as partial batch failures are retried and never reach the Errors
 * metric; the archiver logs each batch that had any at ERROR, and this filter counts them.
 * Three periods in a row means retries are not helping.
 */
function partialFailuresAlarm(scope: Construct, props: ArchiverAlarmsProps, alarmName: string): Alarm {
  const metric = failedRecordsMetric(props.service.name);
  new MetricFilter(scope, "FailedRecordsMetric", {
    logGroup: props.logGroup,
    metricNamespace: metric.namespace,
    metricName: metric.metricName,
    // Lambda's JSON log format puts the logged line in "message", as a string or as its parsed object.
    filterPattern: FilterPattern.any(
      FilterPattern.all(FilterPattern.stringValue("$.level", "=", "ERROR"), FilterPattern.stringValue("$.message", "=", `*${BATCH_SUMMARY_MESSAGE}*`)),
      FilterPattern.all(FilterPattern.stringValue("$.level", "=", "ERROR"), FilterPattern.stringValue("$.message.message", "=", BATCH_SUMMARY_MESSAGE)),
    ),
    metricValue: "1",
    defaultValue: 0,
  });
  return new Alarm(scope, "FailedRecordsAlarm", {
    alarmName,
    alarmDescription: `Batches of ${props.service.name} have had records fail for 15 minutes; they are retried and, after maximumRetryAttempts, sent to the on-failure destination. The archiver's log names their sequence numbers and errors.`,
    metric,
    threshold: 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
}
