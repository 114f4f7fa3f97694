import type { DescribeContinuousBackupsCommandOutput, DescribeTableCommandOutput, DescribeTimeToLiveCommandOutput } from "@aws-sdk/client-dynamodb";
import type { EventSourceMappingConfiguration } from "@aws-sdk/client-lambda";
import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import type { SealLag } from "../archive/seal-lag";
import type { ProtectionConfig, ServiceConfig } from "../config/schema";
import { CHECK_LABEL, type Check, type CheckId, type Finding, type Light } from "./protection-types";

/**
 * The grading rules, as pure functions of what the describe calls returned (SDK
 * output shapes), so each red and amber condition is tested without AWS.
 */

/** A DynamoDB stream keeps a record for 24 hours; a failure that names an older range has lost its records. */
export const STREAM_RETENTION_HOURS = 24;
const STREAM_RETENTION_MS = STREAM_RETENTION_HOURS * 3_600_000;
const DAY_MS = 86_400_000;

/** One describe call's answer, or the user-facing reason it failed. */
export type Fetched<T> = { ok: true; value: T } | { ok: false; error: string };

function check(id: CheckId, status: Light, summary: string, facts: Check["facts"], findings: Finding[] = []): Check {
  return { id, label: CHECK_LABEL[id], status, summary, facts, findings };
}

function unknown(id: CheckId, error: string): Check {
  return { ...check(id, "unknown", "Could not check", []), error };
}

function lightOf(findings: Finding[]): Light {
  if (findings.some((f) => f.severity === "red")) return "red";
  if (findings.length > 0) return "amber";
  return "green";
}

function iso(value: Date | undefined): string | null {
  return value ? value.toISOString() : null;
}

export function evaluatePitr(table: string, fetched: Fetched<DescribeContinuousBackupsCommandOutput>, policy: ProtectionConfig): Check {
  if (!fetched.ok) return unknown("pitr", fetched.error);
  const description = fetched.value.ContinuousBackupsDescription?.PointInTimeRecoveryDescription;
  const status = description?.PointInTimeRecoveryStatus ?? "DISABLED";
  const earliest = description?.EarliestRestorableDateTime;
  const latest = description?.LatestRestorableDateTime;
  // The SDK reports the period only where the API has it (2025 onward); AWS's default is 35 days.
  const recoveryPeriod = description?.RecoveryPeriodInDays ?? null;
  const coverageDays = earliest && latest ? Math.max(0, (latest.getTime() - earliest.getTime()) / DAY_MS) : null;
  const facts: Check["facts"] = [
    { label: "Status", value: status },
    { label: "Recovery period (days)", value: recoveryPeriod },
    { label: "Earliest restorable time", value: iso(earliest) },
    { label: "Latest restorable time", value: iso(latest) },
    { label: "Coverage window (days)", value: coverageDays === null ? null : Number(coverageDays.toFixed(1)) },
  ];
  const enable = `aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true`;
  if (status !== "ENABLED") {
    return check("pitr", "red", status === "DISABLED" ? "Disabled" : status, facts, [
      {
        severity: "red",
        why: "Without point-in-time recovery a bad deployment or clean-up job that corrupts or deletes items can only be undone item by item from the archive.",
        fix: "Enable point-in-time recovery on the table.",
        command: enable,
        consoleFix: "enable-pitr",
      },
    ]);
  }
  const findings: Finding[] = [];
  if (coverageDays !== null && coverageDays < policy.pitrCoverageDays) {
    findings.push({
      severity: "amber",
      why: `The table can be restored to any second of the last ${coverageDays.toFixed(1)} days; policy asks for ${policy.pitrCoverageDays}. Recently enabled PITR grows one day a day; a shorter window means it was disabled and re-enabled, which discards the history.`,
      fix: `Keep PITR enabled; the window reaches ${policy.pitrCoverageDays} days on ${earliest ? new Date(earliest.getTime() + policy.pitrCoverageDays * DAY_MS).toISOString().slice(0, 10) : "its own"}. Never disable it to change settings.`,
    });
  }
  if (recoveryPeriod !== null && recoveryPeriod < policy.pitrRecoveryPeriodDays) {
    findings.push({
      severity: "amber",
      why: `The recovery period is ${recoveryPeriod} days; policy asks for ${policy.pitrRecoveryPeriodDays}. Corruption noticed later than that cannot be rolled back.`,
      fix: `Set the recovery period to ${policy.pitrRecoveryPeriodDays} days.`,
      command: `aws dynamodb update-continuous-backups --table-name ${table} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true,RecoveryPeriodInDays=${policy.pitrRecoveryPeriodDays}`,
    });
  }
  const summary = coverageDays === null ? "Enabled" : `Enabled, ${coverageDays.toFixed(1)} days restorable`;
  return check("pitr", lightOf(findings), summary, facts, findings);
}

export function evaluateDeletionProtection(table: string, fetched: Fetched<DescribeTableCommandOutput>): Check {
  if (!fetched.ok) return unknown("deletion-protection", fetched.error);
  const enabled = fetched.value.Table?.DeletionProtectionEnabled === true;
  const facts = [{ label: "Deletion protection", value: enabled }];
  if (enabled) return check("deletion-protection", "green", "On", facts);
  return check("deletion-protection", "red", "Off", facts, [
    {
      severity: "red",
      why: "Anyone allowed dynamodb:DeleteTable can delete the whole table in one call, and deleting a table also deletes its stream and point-in-time history.",
      fix: "Turn deletion protection on.",
      command: `aws dynamodb update-table --table-name ${table} --deletion-protection-enabled`,
      consoleFix: "enable-deletion-protection",
    },
  ]);
}

export function evaluateStream(table: string, fetched: Fetched<DescribeTableCommandOutput>): Check {
  if (!fetched.ok) return unknown("stream", fetched.error);
  const spec = fetched.value.Table?.StreamSpecification;
  const enabled = spec?.StreamEnabled === true;
  const viewType = enabled ? (spec?.StreamViewType ?? null) : null;
  const facts = [
    { label: "Enabled", value: enabled },
    { label: "View type", value: viewType },
    { label: "Stream ARN", value: fetched.value.Table?.LatestStreamArn ?? null },
  ];
  if (enabled && viewType === "NEW_AND_OLD_IMAGES") return check("stream", "green", "NEW_AND_OLD_IMAGES", facts);
  const command = `aws dynamodb update-table --table-name ${table} --stream-specification StreamEnabled=true,StreamViewType=NEW_AND_OLD_IMAGES`;
  if (!enabled) {
    return check("stream", "red", "Disabled", facts, [
      {
        severity: "red",
        why: "Without a stream nothing deleted from this table reaches the archiver: deletions are lost.",
        fix: "Enable the stream with NEW_AND_OLD_IMAGES, then recreate the archiver's mapping on the new stream ARN (redeploy the Lazarus stack).",
        command,
      },
    ]);
  }
  return check("stream", "red", viewType ?? "Unknown view type", facts, [
    {
      severity: "red",
      why: `The stream carries ${viewType}; an archive needs the old image of every deleted item, and Lazarus expects NEW_AND_OLD_IMAGES.`,
      fix: "A view type cannot be changed in place: disable the stream, enable it again with NEW_AND_OLD_IMAGES, and redeploy the stack so the mapping follows the new stream ARN. Records in the old stream are not carried over.",
      command: `aws dynamodb update-table --table-name ${table} --stream-specification StreamEnabled=false && ${command}`,
    },
  ]);
}

export function evaluateTtl(table: string, service: ServiceConfig, fetched: Fetched<DescribeTimeToLiveCommandOutput>): Check {
  if (!fetched.ok) return unknown("ttl", fetched.error);
  const description = fetched.value.TimeToLiveDescription;
  const status = description?.TimeToLiveStatus ?? "DISABLED";
  const attribute = description?.AttributeName ?? null;
  const expected = service.table.ttlAttribute ?? null;
  const on = status === "ENABLED" || status === "ENABLING";
  const facts = [
    { label: "Status", value: status },
    { label: "Attribute", value: on ? attribute : null },
    { label: "Configured attribute", value: expected },
  ];
  if (expected === null) {
    return check("ttl", "green", on ? `${status} on ${attribute}` : "Not used", facts);
  }
  const command = `aws dynamodb update-time-to-live --table-name ${table} --time-to-live-specification Enabled=true,AttributeName=${expected}`;
  if (!on) {
    return check("ttl", "amber", status, facts, [
      {
        severity: "amber",
        why: `The configuration says items expire on "${expected}", but TTL is ${status.toLowerCase()}: expired items stay in the table and the archive shows no TTL deletions.`,
        fix: `Enable TTL on "${expected}" (or remove ttlAttribute from the service's configuration if the table should not expire items).`,
        command,
      },
    ]);
  }
  if (attribute !== expected) {
    return check("ttl", "amber", `${status} on ${attribute}`, facts, [
      {
        severity: "amber",
        why: `Items expire on "${attribute}", but the configuration says "${expected}": the console's TTL warnings and restore choices read the wrong attribute.`,
        fix: `Set ttlAttribute to "${attribute}" in the service's configuration, or move TTL to "${expected}" (disable, wait for DISABLED, then enable).`,
      },
    ]);
  }
  return check("ttl", "green", `${status} on ${attribute}`, facts);
}

export interface MappingInput {
  /** ListEventSourceMappings for the function, filtered to the table's stream. */
  mappings: Fetched<EventSourceMappingConfiguration[]>;
  /** IteratorAge maximums, oldest first; null when CloudWatch has no datapoints. */
  iteratorAgeMs: Fetched<{ at: Date; maximum: number }[] | null>;
  /** Where the configuration says the mapping is described when it runs outside Lambda (the local stack). */
  source?: string;
}

/** Growing: the last three datapoints each higher than the one before, and the latest over a minute. */
export function iteratorAgeGrowing(points: { at: Date; maximum: number }[]): boolean {
  const last = points.slice(-3);
  if (last.length < 3) return false;
  const increasing = last.every((p, i) => i === 0 || p.maximum > (last[i - 1]?.maximum ?? Infinity));
  return increasing && (last[last.length - 1]?.maximum ?? 0) > 60_000;
}

export function evaluateMapping(service: ServiceConfig, input: MappingInput, iteratorAgeAlarmSeconds: number): Check {
  if (!input.mappings.ok) return unknown("mapping", input.mappings.error);
  const fn = service.archiver.functionName;
  const mapping = input.mappings.value[0];
  if (!mapping) {
    return check("mapping", "red", "No mapping", [{ label: "Function", value: fn }], [
      {
        severity: "red",
        why: `No event source mapping connects ${fn} to the table's stream: deletions are not being archived, and an empty DLQ would be a false green.`,
        fix: "Deploy the Lazarus stack for this service (it creates the mapping with its filter, retries and on-failure destination).",
        command: "npx cdk deploy --app 'npx tsx infra/bin/lazarus.ts'",
      },
    ]);
  }
  const onFailure = mapping.DestinationConfig?.OnFailure?.Destination ?? null;
  const facts: Check["facts"] = [
    { label: "UUID", value: mapping.UUID ?? null },
    { label: "State", value: mapping.State ?? null },
    { label: "Batch size", value: mapping.BatchSize ?? null },
    { label: "Maximum retry attempts", value: mapping.MaximumRetryAttempts ?? null },
    { label: "Maximum record age (s)", value: mapping.MaximumRecordAgeInSeconds ?? null },
    { label: "Bisect batch on error", value: mapping.BisectBatchOnFunctionError ?? false },
    { label: "Partial batch responses", value: (mapping.FunctionResponseTypes ?? []).includes("ReportBatchItemFailures") },
    { label: "On-failure destination", value: onFailure },
    { label: "Filter", value: (mapping.FilterCriteria?.Filters ?? []).map((f) => f.Pattern).join(" ") || null },
    ...(input.source ? [{ label: "Described by", value: input.source }] : []),
  ];
  const uuid = mapping.UUID ?? "<mapping UUID>";
  const findings: Finding[] = [];
  if (!onFailure) {
    findings.push({
      severity: "red",
      why: "The mapping has no on-failure destination: a batch that exhausts its retries is dropped without a trace, so an empty DLQ proves nothing. (A DLQ on the function itself never sees stream failures: stream invocations are synchronous.)",
      fix: "Give the mapping an on-failure destination (an S3 bucket keeps the whole batch; SQS keeps only its sequence range).",
      command: `aws lambda update-event-source-mapping --uuid ${uuid} --destination-config '{"OnFailure":{"Destination":"arn:aws:s3:::<failure-bucket>"}}'`,
    });
  }
  if (mapping.MaximumRetryAttempts === -1 || mapping.MaximumRetryAttempts === undefined) {
    findings.push({
      severity: "red",
      why: "Retries are unbounded: one poison record blocks its shard until the record expires from the stream (24 hours), and every deletion behind it is lost.",
      fix: `Bound the retries (configured: ${service.archiver.maximumRetryAttempts}).`,
      command: `aws lambda update-event-source-mapping --uuid ${uuid} --maximum-retry-attempts ${service.archiver.maximumRetryAttempts}`,
    });
  }
  if (mapping.MaximumRecordAgeInSeconds === -1 || mapping.MaximumRecordAgeInSeconds === undefined) {
    findings.push({
      severity: "red",
      why: "Record age is unbounded: a failing batch is retried until the stream drops it, never reaching the on-failure destination.",
      fix: `Bound the maximum record age (configured: ${service.archiver.maximumRecordAgeSeconds} s).`,
      command: `aws lambda update-event-source-mapping --uuid ${uuid} --maximum-record-age-in-seconds ${service.archiver.maximumRecordAgeSeconds}`,
    });
  }
  const state = mapping.State ?? "Unknown";
  if (state === "Disabled" || state === "Disabling") {
    findings.push({
      severity: "red",
      why: "The mapping is disabled: deletions stay in the stream unread and are lost after 24 hours.",
      fix: "Enable the mapping.",
      command: `aws lambda update-event-source-mapping --uuid ${uuid} --enabled`,
    });
  }
  if (!(mapping.FunctionResponseTypes ?? []).includes("ReportBatchItemFailures")) {
    findings.push({
      severity: "amber",
      why: "Without partial batch responses one failed record makes the whole batch retry, and a poison record sends its healthy neighbours to the DLQ too.",
      fix: "Turn on ReportBatchItemFailures (the archiver reports item failures).",
      command: `aws lambda update-event-source-mapping --uuid ${uuid} --function-response-types ReportBatchItemFailures`,
    });
  }
  if (onFailure?.startsWith("arn:aws:sqs:") || onFailure?.includes(":sqs:")) {
    findings.push({
      severity: "amber",
      why: `The on-failure destination is SQS: its messages name a sequence range in a stream that forgets records after ${STREAM_RETENTION_HOURS} hours, so a failure not replayed within a day is lost.`,
      fix: "Prefer an S3 on-failure destination (it keeps the whole batch): set onFailure to { type: \"s3\", bucket } in the service's configuration and redeploy.",
    });
  }
  if (input.iteratorAgeMs.ok && input.iteratorAgeMs.value) {
    const points = input.iteratorAgeMs.value;
    const latest = points[points.length - 1];
    if (latest) facts.push({ label: "Iterator age (latest max, s)", value: Math.round(latest.maximum / 1000) });
    if (iteratorAgeGrowing(points) || (latest && latest.maximum > iteratorAgeAlarmSeconds * 1000)) {
      findings.push({
        severity: "red",
        why: `The archiver is falling behind its stream (iterator age ${latest ? Math.round(latest.maximum / 1000) : "?"} s and growing); records older than ${STREAM_RETENTION_HOURS} hours leave the stream unarchived.`,
        fix: "Look at the archiver's errors and duration; raise batch size or parallelization factor if it is merely slow.",
        command: `aws logs tail /aws/lambda/${service.archiver.functionName} --since 1h`,
      });
    }
  } else {
    facts.push({ label: "Iterator age", value: input.iteratorAgeMs.ok ? "no datapoints" : `unavailable: ${input.iteratorAgeMs.error}` });
  }
  const summary = `${state}, ${onFailure ? `on failure → ${onFailure.includes(":sqs:") ? "SQS" : "S3"}` : "no on-failure destination"}`;
  return check("mapping", lightOf(findings), summary, facts, findings);
}

/** What a peek at the failures found: each failure's first record arrival (or when it was written). */
export interface FailureSample {
  inspected: number;
  /** Failures whose first record reached the stream more than 24 hours ago. */
  pastRetention: number;
  oldest: Date | null;
}

export type DlqInput =
  | {
      type: "sqs";
      queueName: string;
      attributes: Fetched<{ visible: number; inFlight: number }>;
      /** CloudWatch ApproximateAgeOfOldestMessage (s); null when CloudWatch has no datapoint. */
      oldestAgeSeconds: Fetched<number | null>;
      sample: Fetched<FailureSample> | null;
    }
  | { type: "s3"; bucket: string; prefix: string; objects: Fetched<{ count: number; truncated: boolean; sample: FailureSample }> };

export function failureSample(arrivals: Date[], now: Date): FailureSample {
  const sorted = [...arrivals].sort((a, b) => a.getTime() - b.getTime());
  return {
    inspected: arrivals.length,
    pastRetention: arrivals.filter((d) => now.getTime() - d.getTime() > STREAM_RETENTION_MS).length,
    oldest: sorted[0] ?? null,
  };
}

function ageText(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3_600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

export function evaluateDlq(service: ServiceConfig, input: DlqInput, now: Date): Check {
  if (input.type === "s3") {
    if (!input.objects.ok) return unknown("dlq", input.objects.error);
    const { count, truncated, sample } = input.objects.value;
    const countText = `${count}${truncated ? "+" : ""}`;
    const facts: Check["facts"] = [
      { label: "Destination", value: `s3://${input.bucket}/${input.prefix}` },
      { label: "Failed batches", value: countText },
      { label: "Oldest failure", value: iso(sample.oldest ?? undefined) },
      { label: `Older than the stream's ${STREAM_RETENTION_HOURS} h`, value: sample.pastRetention },
    ];
    if (count === 0) return check("dlq", "green", "Empty", facts);
    return check("dlq", "red", `${countText} failed batch(es)`, facts, [
      {
        severity: "red",
        why: `${countText} batch(es) of deletions were not archived after all retries. ${sample.pastRetention} of them are older than the stream's ${STREAM_RETENTION_HOURS}-hour retention; the S3 objects hold the whole batch, so they can still be replayed.`,
        fix: "Fix the cause (the archiver's logs), then replay the failures from the DLQ page; each object is deleted once all its records are archived.",
        command: `aws s3 ls s3://${input.bucket}/${input.prefix} --recursive`,
      },
    ]);
  }
  if (!input.attributes.ok) return unknown("dlq", input.attributes.error);
  const { visible, inFlight } = input.attributes.value;
  const total = visible + inFlight;
  const oldestSeconds = input.oldestAgeSeconds.ok ? input.oldestAgeSeconds.value : null;
  const sample = input.sample?.ok ? input.sample.value : null;
  const facts: Check["facts"] = [
    { label: "Queue", value: input.queueName },
    { label: "Messages visible", value: visible },
    { label: "Messages in flight", value: inFlight },
    {
      label: "Oldest message age",
      value:
        oldestSeconds !== null
          ? ageText(oldestSeconds)
          : sample?.oldest
            ? `at least ${ageText((now.getTime() - sample.oldest.getTime()) / 1000)} (from ${sample.inspected} message(s) read)`
            : input.oldestAgeSeconds.ok
              ? "unavailable (no CloudWatch datapoint)"
              : `unavailable: ${input.oldestAgeSeconds.error}`,
    },
  ];
  if (sample) facts.push({ label: `Older than the stream's ${STREAM_RETENTION_HOURS} h (of ${sample.inspected} read)`, value: sample.pastRetention });
  else if (input.sample && !input.sample.ok) facts.push({ label: "Failures past retention", value: `unknown: ${input.sample.error}` });
  if (total === 0) return check("dlq", "green", "Empty", facts);
  const lost =
    sample === null
      ? "How many are past the stream's retention could not be read."
      : sample.pastRetention > 0
        ? `${sample.pastRetention} of the ${sample.inspected} read name records that reached the stream more than ${STREAM_RETENTION_HOURS} hours ago: those records are gone from the stream and can only be recovered by PITR.`
        : `None of the ${sample.inspected} read is past the stream's ${STREAM_RETENTION_HOURS}-hour retention yet: replay them before it ends.`;
  return check("dlq", "red", `${total} message(s)`, facts, [
    {
      severity: "red",
      why: `${total} failed batch(es) of deletions were not archived. ${lost}`,
      fix: "Fix the cause (the archiver's logs), then replay the failures from the DLQ page while their records are still in the stream.",
      command: `aws sqs get-queue-attributes --queue-url $(aws sqs get-queue-url --queue-name ${input.queueName} --query QueueUrl --output text) --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible`,
    },
  ]);
}

/**
 * The alarms infra creates for every archiver (infra/lib/archiver-alarms.ts), named
 * `lazarus-{service}-{check}`; infra/test/alarms.test.ts holds the two lists together.
 */
export const ARCHIVER_ALARM_CHECKS = ["iterator-age", "archiver-errors", "throttles", "destination-delivery-failures", "near-timeout", "stalled", "failed-records"] as const;

/** The alarms that watch a service: its archiver's, and its on-failure destination's (per queue, or per shared failure bucket). */
export function expectedAlarmNames(service: ServiceConfig): string[] {
  return [
    ...ARCHIVER_ALARM_CHECKS.map((check) => `lazarus-${service.name}-${check}`),
    ...(service.onFailure.type === "sqs" ? [`lazarus-${service.name}-dlq-depth`] : [`lazarus-${service.onFailure.bucket}-failed-batches`]),
  ];
}

export function evaluateAlarms(service: ServiceConfig, fetched: Fetched<MetricAlarm[]>): Check {
  if (!fetched.ok) return unknown("alarms", fetched.error);
  const byName = new Map(fetched.value.map((a) => [a.AlarmName, a]));
  const names = expectedAlarmNames(service);
  const facts = names.map((name) => ({ label: name, value: byName.get(name)?.StateValue ?? "not found" }));
  const firing = names.filter((name) => byName.get(name)?.StateValue === "ALARM");
  const missing = names.filter((name) => !byName.has(name));
  const findings: Finding[] = firing.map((name) => ({
    severity: "red" as const,
    why: `${name} is in ALARM: ${byName.get(name)?.StateReason ?? "see CloudWatch"}`,
    fix: byName.get(name)?.AlarmDescription ?? "See the alarm in CloudWatch.",
    command: `aws cloudwatch describe-alarms --alarm-names ${name}`,
  }));
  const summary = firing.length > 0 ? `${firing.length} in ALARM` : missing.length === names.length ? "Not found" : missing.length > 0 ? `None in ALARM, ${missing.length} not found` : "None in ALARM";
  return check("alarms", lightOf(findings), summary, facts, findings);
}

/** What the seal-lag check reads: the lag, or that sealing is off for this archive. */
export type SealState = { sealing: "off"; reason: string } | { sealing: "on"; lag: SealLag };

function days(n: number): string {
  return `${n} day${n === 1 ? "" : "s"}`;
}

/**
 * Seal lag: amber once the oldest closed day not yet sealed has been due for more than
 * seal.lagThresholdDays. Unsealed days lose nothing, but every read of them costs a LIST
 * per 1,000 records, and their small objects never tier cheaply.
 */
export function evaluateSealLag(service: ServiceConfig, fetched: Fetched<SealState>): Check {
  if (!fetched.ok) return unknown("seal", fetched.error);
  if (fetched.value.sealing === "off") return check("seal", "green", "Off", [{ label: "Sealing", value: fetched.value.reason }]);
  const { lag } = fetched.value;
  const facts: Check["facts"] = [
    { label: "Seal lag (days)", value: lag.lagDays },
    { label: "Oldest closed day not sealed", value: lag.oldestUnsealed },
    { label: "Days are sealed once older than (days)", value: lag.afterDays },
    { label: "Amber past (days, seal.lagThresholdDays)", value: lag.thresholdDays },
  ];
  if (!lag.complete) {
    return {
      ...check("seal", "unknown", "Could not check", facts),
      error: `Many sealed days hold per-record objects that arrived after their seal; the check stopped after ${lag.requests.list} listings. Sealing the service again folds them in.`,
    };
  }
  if (lag.oldestUnsealed === null) return check("seal", "green", "Up to date (lag 0 days)", facts);
  const summary = `Lag ${days(lag.lagDays)}`;
  if (!lag.isLagging) return check("seal", "green", summary, facts);
  return check("seal", "amber", summary, facts, [
    {
      severity: "amber",
      why: `${lag.oldestUnsealed} is closed but not sealed, ${days(lag.lagDays)} after it fell due (past seal.lagThresholdDays, ${days(lag.thresholdDays)}). Its records are all readable, but every read of its days costs a listing per 1,000 records, and their small objects do not tier to cheaper storage.`,
      fix: "Check that sealing runs (the scheduled sealer, or the local stack's timer) and what it reported for this service, then seal the service's closed days.",
      command: `npm run seal -- --service ${service.name}`,
    },
  ]);
}
